"""What the cases watch while a submitted function runs: the steps of Python it takes
(how a case sees a loop) and the input arrays it changes in place.

Case code: it runs beside the submission, in the worker, and reports plain numbers; the
judge decides (`ps0.cases.checks`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import numpy as np

from autograder.passes import changed_in_place
from autograder.submission import Submission


def python_steps(sub: Submission, call: Callable[[], Any]) -> tuple[int, Any]:
    """``call()``'s result, and the steps of Python it took: the lines of the submission's
    own files it ran, and the Python functions (the submission's or numpy's) it called.

    A vectorized function takes the same few steps whatever the size of its input; a
    ``for`` or ``while`` loop, a comprehension, a generator or ``np.vectorize`` over a
    function of the submission runs its body once per item, and ``map`` or
    ``np.apply_along_axis`` calls a function once per item. Counting these events
    (``sys.settrace``, restored afterwards) measures this exactly, on any machine: unlike
    a time limit, it tells a loop over 1,000 rows from numpy's own work on them.
    """
    folder = os.fspath(sub.folder)
    count = 0

    def local(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def enter(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        count += 1  # any call of a Python function: np.apply_along_axis makes one per row
        # only frames of the submitted files are followed line by line (numpy's own
        # Python code is not the submission's)
        return local if os.path.dirname(frame.f_code.co_filename) == folder else None

    previous = sys.gettrace()
    sys.settrace(enter)
    try:
        result = call()
    finally:
        sys.settrace(previous)
    return count, result


def summary(result: Any) -> dict[str, np.ndarray]:
    """A few numbers that tell a right result from a wrong one (its shape, its sum, its
    first entries), small enough for the fixtures whatever the result's size."""
    values = np.asarray(result, dtype=np.float64)
    return {"shape": np.array(values.shape), "sum": values.sum(), "first": values.ravel()[:8]}


def steps_by_size(
    sub: Submission,
    func: Callable[..., Any],
    inputs: dict[str, tuple[Any, ...]],
    summarize: Callable[[Any], Any] = summary,
) -> dict[str, dict[str, Any]]:
    """``{description: {"steps": n, "result": summary}}`` for each input: the steps of
    Python the submission's ``func(*args)`` takes (`python_steps`), and a summary of its
    result (a loop-free function that returns the wrong thing earns nothing). The
    description names the input in words ("z (300, 3)") for the message; the first input
    is small, each other one makes a single dimension large."""
    out = {}
    for name, args in inputs.items():
        steps, result = python_steps(sub, lambda a=args: func(*a))
        out[name] = {"steps": steps, "result": summarize(result)}
    return out


def on_copies(func: Callable[..., Any], *args: Any, **options: Any) -> Any:
    """``func(*args, **options)`` on copies of the array arguments; raises, naming ``func``
    and the argument, when it changed one of them in place (each call of a case thus
    gets its own inputs, and a mutation is reported as what it is)."""
    given = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    result = func(*given, **options)
    changed_in_place(func, args, given)
    return result


def gradient_leaving_x_unchanged(
    numerical_gradient: Callable[..., np.ndarray],
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    **options: Any,
) -> np.ndarray:
    """``numerical_gradient(f, copy of x, **options)``; raises when the copy does not hold
    exactly the values of ``x`` afterwards (Task 6 may perturb x in place, but must
    restore it), saying where and how to fix it."""
    given = x.copy()
    grad = numerical_gradient(f, given, **options)
    if given.shape != x.shape or not np.array_equal(given, x):
        where = "x's shape changed"
        if given.shape == x.shape:
            index = tuple(int(i) for i in np.argwhere(given != x)[0])
            at = ", ".join(map(str, index))
            where = f"x[{at}] is {float(given[index])!r}, it was {float(x[index])!r}"
        raise ValueError(
            f"numerical_gradient left its input x changed ({where}): save each entry before "
            "perturbing it and put that saved value back afterwards (adding and subtracting "
            "h can round), so that x holds exactly the values it was given"
        )
    return grad
