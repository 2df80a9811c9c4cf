"""Compare a submission's outputs with the expected ones, with messages a student can act on.

One function, `compare`, serves every default check: the student's pytest run against
shipped fixtures and the grader's run against the reference. Its message names the output
that differs, its shape and dtype against the expected ones, the largest absolute and
relative errors, and the first index where the values differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograder.outputs import Outputs, PathKey, flatten, format_path


@dataclass(frozen=True)
class Tolerance:
    """Values match when ``|got - expected| <= atol + rtol * |expected|`` (NaN matches NaN)."""

    rtol: float = 1e-6
    atol: float = 1e-8


def _describe(array: np.ndarray) -> str:
    return f"shape {tuple(array.shape)} {array.dtype}"


def _format_index(index: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(i) for i in index) + ("," if len(index) == 1 else "") + ")"


def compare_leaf(name: str, got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> str | None:
    """None when ``got`` matches ``expected``; otherwise a one-paragraph explanation."""
    if got.shape != expected.shape:
        if got.ndim == expected.ndim and got.dtype.kind in "iu" and expected.dtype.kind in "iu":
            # ids, tokens, pairs: a count that differs, not an axis out of place
            hint = "a different number of entries (check when your loop stops, and what it keeps)"
        else:
            hint = (
                "check the shape you return (a missing keepdims, a transpose, a squeeze, or "
                "padding left on a gradient)"
            )
        return f"{name} has {_describe(got)}, expected {_describe(expected)}: {hint}"
    if got.dtype == expected.dtype == np.bool_:
        differ = got != expected
        if not differ.any():
            return None
        if got.ndim == 0:
            return f"{name} is {bool(got)}, expected {bool(expected)}"
        first = tuple(int(i) for i in np.argwhere(differ)[0])
        return (
            f"{name} differs ({_describe(got)}): {int(differ.sum())} of {differ.size} entries; "
            f"first at {_format_index(first)}: got {bool(got[first])}, "
            f"expected {bool(expected[first])}"
        )
    g = got.astype(np.float64)
    e = expected.astype(np.float64)
    close = np.isclose(g, e, rtol=tol.rtol, atol=tol.atol, equal_nan=True)
    if bool(close.all()):
        return None
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        abs_err = np.abs(g - e)
        rel_err = abs_err / np.abs(e)
    abs_err = np.where(close, 0.0, np.nan_to_num(abs_err, nan=np.inf, posinf=np.inf))
    # relative errors where the expected value is not 0 (there, only the absolute one means)
    rel_err = np.where(close | (e == 0), 0.0, np.nan_to_num(rel_err, nan=np.inf, posinf=np.inf))
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    n_bad = int((~close).sum())
    where = _format_index(first) if got.ndim else "the value"
    got_at, expected_at = g[first] if got.ndim else g[()], e[first] if got.ndim else e[()]
    relative = f", max rel error {rel_err.max():.3g}" if rel_err.max() > 0 else ""
    digits = 6  # enough to show the difference under a tight tolerance too
    while digits < 17 and f"{got_at:.{digits}g}" == f"{expected_at:.{digits}g}":
        digits += 1
    return (
        f"{name} differs ({_describe(got)}, expected {_describe(expected)}): "
        f"{n_bad} of {close.size} values outside rtol={tol.rtol:g}, atol={tol.atol:g}; "
        f"max abs error {abs_err.max():.3g}{relative}; "
        f"first difference at {where}: got {got_at:.{digits}g}, expected {expected_at:.{digits}g}"
    )


def _kind(value: Outputs) -> str:
    if isinstance(value, dict):
        return f"a dict with keys {_names(list(value))}" if value else "an empty dict"
    if isinstance(value, list):
        return f"a list or tuple of {len(value)} values"
    return "an array" if np.ndim(value) else "a number"


def _names(keys: list[str]) -> str:
    return ", ".join(repr(k) for k in keys[:6]) + (
        f" and {len(keys) - 6} more" if len(keys) > 6 else ""
    )


def _structure_message(got: Outputs, expected: Outputs, path: PathKey = ()) -> str | None:
    """The shallowest place where ``got`` is not built like ``expected``, said in the
    terms a student indexes the returned value with; None when they are built alike."""
    where = format_path(path) if path else "the returned value"
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{where} should be a dict with keys {_names(list(expected))}; got {_kind(got)}"
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            parts = [f"missing {_names(missing)}"] if missing else []
            parts += [f"unexpected {_names(extra)}"] if extra else []
            return f"{where} has the wrong keys: " + "; ".join(parts)
        children = ((k, got[k], expected[k]) for k in expected)
    elif isinstance(expected, list):
        if not isinstance(got, list):
            return f"{where} should be {len(expected)} values (a tuple); got {_kind(got)}"
        if len(got) != len(expected):
            return (
                f"{where} has {len(got)} values, expected {len(expected)} "
                "(check the number and order of the values you return)"
            )
        children = ((i, g, e) for i, (g, e) in enumerate(zip(got, expected, strict=True)))
    elif isinstance(got, (dict, list)):
        hint = " (return a numpy array or a tensor)" if isinstance(got, list) else ""
        return f"{where} should be {_kind(expected)}; got {_kind(got)}{hint}"
    else:
        return None
    for key, g, e in children:
        problem = _structure_message(g, e, (*path, key))
        if problem:
            return problem
    return None


def compare(got: Outputs, expected: Outputs, tol: Tolerance = Tolerance()) -> str | None:
    """None when normalized ``got`` matches normalized ``expected``; otherwise the reason."""
    problem = _structure_message(got, expected)
    if problem:
        return problem
    flat_got, flat_expected = flatten(got), flatten(expected)
    problems = []
    for path, want in flat_expected.items():
        name = format_path(path) if path else "the returned value"
        problem = compare_leaf(name, flat_got[path], want, tol)
        if problem:
            problems.append((name, problem))
    if not problems:
        return None
    message = problems[0][1]
    if len(problems) > 1:  # the first in detail, the others by name: a wrong lr shows too
        others = [name for name, _ in problems[1:]]
        shown = ", ".join(others[:6]) + (f" and {len(others) - 6} more" if len(others) > 6 else "")
        message += f". Also differing: {shown}"
    return message
