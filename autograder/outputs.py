"""Case outputs as plain data: normalization, flattening, and pickle-free storage.

A case returns *outputs*: a number, a numpy array, a torch tensor, or a tuple, list or
dict (string keys) nesting those. Everything else is rejected with a message naming the
type, so an object that "equals everything" can never reach a comparison.

Normalized outputs replace every leaf by a plain ``numpy.ndarray`` (exact type, numeric
or boolean dtype) and every tuple by a list. Flattened outputs map a *path* (a tuple of
list indices and dict keys) to its leaf; ``format_path`` writes a path the way a student
would index the returned value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

Leaf = np.ndarray
Outputs = Any  # a Leaf, or list/dict nesting of Leaves (after `normalize`)
PathKey = tuple[int | str, ...]
Flat = dict[PathKey, np.ndarray]

_PLAIN_KINDS = "biuf"  # bool, signed int, unsigned int, float


class OutputTypeError(TypeError):
    """An output is not a number, an array, a tensor or a nesting of them."""


def _type_name(value: object) -> str:
    cls = type(value)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _leaf(value: object, where: str) -> np.ndarray:
    if type(value) in (bool, int, float):
        return np.asarray(value)
    if type(value) is np.ndarray or (
        isinstance(value, np.generic) and type(value).__module__ == "numpy"
    ):
        array = np.array(value, copy=True)
    elif type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        array = np.array(value.detach().cpu().numpy(), copy=True)
    else:
        raise OutputTypeError(
            f"{where} is a {_type_name(value)}; a case must return numbers, numpy arrays, "
            "torch tensors, or tuples/lists/dicts of them"
        )
    if array.dtype.kind not in _PLAIN_KINDS:
        raise OutputTypeError(
            f"{where} is an array of dtype {array.dtype}; expected a numeric or boolean dtype"
        )
    return array


def normalize(value: object, path: PathKey = ()) -> Outputs:
    """Return ``value`` with numpy-array leaves and lists for tuples; reject anything else."""
    if type(value) in (list, tuple):
        items = cast(Sequence[object], value)
        return [normalize(item, (*path, i)) for i, item in enumerate(items)]
    if type(value) is dict:
        out: dict[str, Outputs] = {}
        for key, item in cast(dict[object, object], value).items():
            if type(key) is not str:
                raise OutputTypeError(
                    f"{format_path(path)} has a key of type {_type_name(key)}; "
                    "dict keys must be strings"
                )
            out[key] = normalize(item, (*path, key))
        return out
    return _leaf(value, format_path(path))


def flatten(outputs: Outputs, path: PathKey = ()) -> Flat:
    """Map each leaf's path to the leaf, in depth-first order."""
    if isinstance(outputs, list):
        flat: Flat = {}
        for i, item in enumerate(outputs):
            flat.update(flatten(item, (*path, i)))
        return flat
    if isinstance(outputs, dict):
        flat = {}
        for key, item in outputs.items():
            flat.update(flatten(item, (*path, key)))
        return flat
    return {path: outputs}


def format_path(path: PathKey) -> str:
    """``("p", 0)`` -> ``out["p"][0]``; the empty path is the whole output ``out``."""
    return "out" + "".join(f"[{key!r}]" if isinstance(key, str) else f"[{key}]" for key in path)


def _skeleton(outputs: Outputs, leaves: list[np.ndarray]) -> object:
    """JSON-able structure of ``outputs`` with leaves replaced by their index in ``leaves``."""
    if isinstance(outputs, list):
        return {"list": [_skeleton(item, leaves) for item in outputs]}
    if isinstance(outputs, dict):
        return {"dict": {key: _skeleton(item, leaves) for key, item in outputs.items()}}
    leaves.append(outputs)
    return len(leaves) - 1


MAX_DEPTH = 32  # nesting of lists and dicts in one output


def _rebuild(skeleton: object, leaves: Mapping[int, np.ndarray], depth: int = 0) -> Outputs:
    if depth > MAX_DEPTH:
        raise ValueError(f"outputs nested deeper than {MAX_DEPTH} levels")
    if isinstance(skeleton, int) and not isinstance(skeleton, bool):
        return leaves[skeleton]
    if isinstance(skeleton, dict) and set(skeleton) == {"list"}:
        return [_rebuild(item, leaves, depth + 1) for item in skeleton["list"]]
    if isinstance(skeleton, dict) and set(skeleton) == {"dict"}:
        items = skeleton["dict"].items()
        return {str(key): _rebuild(item, leaves, depth + 1) for key, item in items}
    raise ValueError(f"corrupt output structure: {str(skeleton)[:80]!r}")


def to_arrays(named: Mapping[str, Outputs]) -> dict[str, np.ndarray]:
    """Encode several named outputs as a flat dict of arrays (for ``np.savez``)."""
    arrays: dict[str, np.ndarray] = {}
    for name, outputs in named.items():
        leaves: list[np.ndarray] = []
        skeleton = _skeleton(outputs, leaves)
        arrays[f"{name}/structure"] = np.array(json.dumps(skeleton))
        for i, leaf in enumerate(leaves):
            arrays[f"{name}/{i}"] = leaf
    return arrays


def from_arrays(arrays: Mapping[str, np.ndarray]) -> dict[str, Outputs]:
    """Inverse of `to_arrays` (one pass over the keys)."""
    skeletons: dict[str, object] = {}
    leaves: dict[str, dict[int, np.ndarray]] = {}
    for key, value in arrays.items():
        name, _, part = key.rpartition("/")
        if part == "structure":
            skeletons[name] = json.loads(str(value[()]))
        elif part.isdigit():
            leaves.setdefault(name, {})[int(part)] = value
    return {name: _rebuild(sk, leaves.get(name, {})) for name, sk in skeletons.items()}


def save(path: Path, named: Mapping[str, Outputs], extra: Mapping[str, str] = {}) -> None:
    """Write named outputs (and string metadata) to an ``.npz`` file, compressed."""
    arrays = to_arrays(named)
    arrays.update({f"__{key}__": np.array(value) for key, value in extra.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]


def load(path: Path) -> tuple[dict[str, Outputs], dict[str, str]]:
    """Read a file written by `save`, never unpickling anything."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    extra = {
        key[2:-2]: str(value[()])
        for key, value in arrays.items()
        if key.startswith("__") and key.endswith("__")
    }
    named = from_arrays({k: v for k, v in arrays.items() if not k.startswith("__")})
    return named, extra
