"""A layer's forward and backward pass, run the way cases check them: forward on the
inputs, backward with a random upstream gradient, every gradient returned by name."""

from __future__ import annotations

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
    that says what to return."""
    out, cache = forward(*inputs, **options)
    dout = rng.normal(size=np.shape(out))
    got = backward(dout, cache)
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
