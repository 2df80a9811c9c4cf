"""A layer's forward and backward pass, run the way cases check them: forward on the
inputs, backward with a random upstream gradient, every gradient returned by name."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def layer_check(
    forward: Callable[..., tuple[Any, Any]],
    backward: Callable[[np.ndarray, Any], Any],
    inputs: Sequence[Any],
    rng: np.random.Generator,
    grads: Sequence[str] = ("dx",),
    **options: Any,
) -> dict[str, Any]:
    """``{"out": ..., "dx": ..., ...}``: the forward's output on ``inputs`` (with
    ``options``), and the backward's gradients for ``dout`` drawn from ``rng``, named
    by ``grads`` so that a failure message says which one differs. Several gradients may
    come as a tuple or a list; another number of them than ``grads`` names is an error
    that says what to return. Each call gets its own copies of the arrays, and one that
    changes them in place is named (the caller, and the next check, keep the originals)."""
    given = [np.copy(a) if isinstance(a, np.ndarray) else a for a in inputs]
    out, cache = forward(*given, **options)
    changed_in_place(forward, inputs, given)
    dout = rng.normal(size=np.shape(out))
    sent = dout.copy()
    got = backward(sent, cache)
    changed_in_place(backward, [dout], [sent])
    # a tuple is always several values; a list only where several gradients are due
    several = isinstance(got, tuple) or (isinstance(got, list) and len(grads) > 1)
    got = tuple(got) if several else (got,)
    if len(got) != len(grads):
        count = f"{len(got)} values" if len(got) != 1 else "1 value"
        expected = ", ".join(grads)
        raise ValueError(
            f"{getattr(backward, '__name__', 'backward')} returned {count}; "
            f"it should return {len(grads)}: ({expected})"
        )
    return {"out": out, **dict(zip(grads, got, strict=True))}


def changed_in_place(
    func: Callable[..., Any], originals: Sequence[Any], given: Sequence[Any]
) -> None:
    """Raise, naming ``func`` and the argument, when ``func`` changed one of the arrays it
    was ``given`` (copies of ``originals``) in place."""
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        names = []
    for i, (before, after) in enumerate(zip(originals, given, strict=True)):
        if not isinstance(before, np.ndarray):
            continue
        same = np.shape(after) == before.shape and np.array_equal(after, before, equal_nan=True)
        if not same:
            name = names[i] if i < len(names) else f"argument {i + 1}"
            raise ValueError(
                f"{getattr(func, '__name__', 'the function')} changed its input {name} in "
                "place: compute a new array instead (the caller still needs the original)"
            )
