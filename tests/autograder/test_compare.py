from __future__ import annotations

import numpy as np

from autograder.compare import Tolerance, compare
from autograder.outputs import normalize


def check(got: object, expected: object, tol: Tolerance = Tolerance()) -> str | None:
    return compare(normalize(got), normalize(expected), tol)


def test_equal_outputs_pass_and_nan_matches_nan() -> None:
    assert check({"a": [1.0, np.nan]}, {"a": [1.0 + 1e-12, np.nan]}) is None


def test_a_value_difference_names_output_shape_dtype_errors_and_index() -> None:
    expected = np.zeros((2, 3))
    got = expected.copy()
    got[1, 2] = 0.5
    message = check({"p": got.astype(np.float32)}, {"p": expected})
    assert message is not None
    assert "out['p'] differs" in message
    assert "shape (2, 3) float32, expected shape (2, 3) float64" in message
    assert "1 of 6 values" in message
    assert "max abs error 0.5" in message
    assert "first difference at (1, 2): got 0.5, expected 0" in message


def test_a_scalar_difference_reports_the_value() -> None:
    message = check(2.0, 1.0)
    assert message is not None and "the returned value differs" in message
    assert "max rel error 1" in message and "got 2, expected 1" in message


def test_shape_mismatch_is_reported_before_values() -> None:
    message = check(np.zeros((3, 1)), np.zeros(3))
    assert message is not None
    assert "has shape (3, 1) float64, expected shape (3,) float64" in message


def test_structure_mismatch_names_missing_and_unexpected_keys() -> None:
    message = check({"loss": 1.0, "grd": np.zeros(2)}, {"loss": 1.0, "grad": np.zeros(2)})
    assert message == "the returned value has the wrong keys: missing 'grad'; unexpected 'grd'"
    nested = check({"shapes": {"w": [3, 3]}}, {"shapes": {"w": [3, 3], "b": [3]}})
    assert nested == "out['shapes'] has the wrong keys: missing 'b'"


def test_structure_mismatch_says_how_many_values_and_what_was_returned() -> None:
    message = check([1.0, 2.0], [1.0, 2.0, 3.0])
    assert message is not None and message.startswith("the returned value has 2 values, expected 3")
    message = check({"dx": [np.zeros(2), np.zeros(2)]}, {"dx": np.zeros(2)})
    assert message == (
        "out['dx'] should be an array; got a list or tuple of 2 values (return a numpy array "
        "or a tensor)"
    )
    assert check(np.zeros(3), [np.zeros(3), np.zeros(3)]) == (
        "the returned value should be 2 values (a tuple); got an array"
    )


def test_tolerances_are_applied_as_stated() -> None:
    assert check(1.001, 1.0, Tolerance(rtol=1e-2, atol=0.0)) is None
    assert check(1.001, 1.0, Tolerance(rtol=1e-4, atol=0.0)) is not None
    assert check(np.inf, np.inf) is None
    assert check(np.inf, 1.0) is not None


def test_integers_and_booleans_compare_by_value() -> None:
    assert check([True, False], [True, False]) is None
    assert check(np.array([1, 2]), np.array([1.0, 2.0])) is None
    message = check([True, True], [True, False])
    assert message == "out[1] is True, expected False"


def test_every_differing_output_is_named_and_the_first_explained() -> None:
    expected = {"loss": np.ones(3), "lr": np.ones(3), "ok": np.zeros(2)}
    got = {"loss": np.ones(3) * 2, "lr": np.zeros(3), "ok": np.zeros(2)}
    message = check(got, expected)
    assert message is not None
    assert message.startswith("out['loss'] differs") and message.endswith(
        "Also differing: out['lr']"
    )


def test_an_expected_zero_reports_no_meaningless_relative_error() -> None:
    message = check(np.array([0.5, 1.0]), np.array([0.0, 1.0]))
    assert message is not None and "max abs error 0.5" in message and "rel error" not in message


def test_boolean_arrays_name_the_first_entry_that_differs() -> None:
    message = check(np.array([True, False, True]), np.array([True, True, True]))
    assert (
        message is not None and "1 of 3 entries; first at (1,): got False, expected True" in message
    )


def test_an_infinite_error_reads_inf() -> None:
    message = check(np.array([np.inf]), np.array([1.0]))
    assert message is not None and "max abs error inf" in message


def test_a_difference_under_a_tight_tolerance_shows_the_digits_that_differ() -> None:
    message = check(0.8414709848, 0.8414709849, Tolerance(rtol=1e-12, atol=0.0))
    assert message is not None and "got 0.8414709848, expected 0.8414709849" in message


def test_ids_of_another_count_are_not_blamed_on_an_axis() -> None:
    message = check(np.array([256, 99, 257]), np.array([256, 99, 257, 257]))
    assert message is not None and "a different number of entries" in message
    assert "keepdims" not in message
