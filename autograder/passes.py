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
    by ``grads`` so that a failure message says which one differs. A backward that
    returns another number of gradients is left as it returned them: the comparison
    then names the mismatch."""
    out, cache = forward(*inputs, **options)
    dout = rng.normal(size=np.shape(out))
    got = backward(dout, cache)
    got = got if isinstance(got, tuple) else (got,)
    if len(got) != len(grads):
        return {"out": out, "grads": list(got)}
    return {"out": out, **dict(zip(grads, got, strict=True))}
