from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from autograder.outputs import OutputTypeError, flatten, format_path, load, normalize, save


class EqualsEverything:
    def __eq__(self, other: object) -> bool:
        return True


class LyingArray(np.ndarray):
    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return True


def test_plain_values_become_arrays_and_tuples_lists() -> None:
    out = normalize({"a": 1, "b": (2.5, np.float32(3)), "c": torch.ones(2, requires_grad=True)})
    assert isinstance(out["b"], list)
    assert out["a"].dtype.kind == "i" and out["b"][1].dtype == np.float32
    assert type(out["c"]) is np.ndarray and out["c"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (EqualsEverything(), "EqualsEverything"),
        (np.zeros(3).view(LyingArray), "LyingArray"),
        (np.array(["a", "b"]), "dtype <U1"),
        (np.array([object()]), "dtype object"),
        (None, "NoneType"),
        ("text", "str"),
        ({1: np.zeros(2)}, "key of type int"),
    ],
)
def test_anything_but_plain_data_is_rejected_with_its_type_named(value: object, named: str) -> None:
    with pytest.raises(OutputTypeError, match=named):
        normalize({"x": [value]} if not isinstance(value, dict) else value)


def test_the_path_of_a_bad_value_is_named() -> None:
    with pytest.raises(OutputTypeError, match=r"out\['x'\]\[1\]"):
        normalize({"x": [1.0, None]})


def test_normalized_copies_do_not_alias_the_submission_arrays() -> None:
    a = np.zeros(3)
    out = normalize(a)
    a[0] = 5.0
    assert out[0] == 0.0


def test_flatten_and_format_paths() -> None:
    flat = flatten(normalize({"w": [np.ones(2), 3], "b": 0.5}))
    assert [format_path(p) for p in flat] == ["out['w'][0]", "out['w'][1]", "out['b']"]
    assert format_path(()) == "out"


def test_save_and_load_round_trip_without_pickle(tmp_path: Path) -> None:
    named = {
        "one": normalize({"x": np.arange(6).reshape(2, 3), "y": [True, 2.0, []]}),
        "two": normalize(np.float64(1.5)),
    }
    path = tmp_path / "f.npz"
    save(path, named, {"fingerprint": "abc"})
    back, extra = load(path)
    assert extra == {"fingerprint": "abc"}
    assert back["one"]["y"][2] == [] and back["one"]["y"][0].dtype == np.bool_
    assert np.array_equal(back["one"]["x"], named["one"]["x"])
    assert back["two"].shape == () and float(back["two"]) == 1.5


def test_load_refuses_pickled_arrays(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, **{"case/structure": np.array("0"), "case/0": np.array([object()])})
    with pytest.raises(ValueError, match="pickle"):
        load(path)
