"""A layer's forward and backward pass, run the way cases check them: forward on the
inputs, backward with a random upstream gradient, every gradient returned by name."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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


def _is_tensor(value: Any) -> bool:
    """Whether ``value`` is a torch tensor, without importing torch (a numpy-only case
    runs where torch cannot be imported; there, nothing is a tensor)."""
    loaded = sys.modules.get("torch")
    return loaded is not None and isinstance(value, loaded.Tensor)


def copies(*values: Any) -> list[Any]:
    """A copy of each numpy array and torch tensor (a tensor that requires grad gives a
    leaf copy that does too), other values as they are: one call's input each, so that
    a function changing its input in place is caught by `kept` and spoils no other call."""
    out = []
    for value in values:
        if isinstance(value, np.ndarray):
            out.append(np.copy(value))
        elif _is_tensor(value):
            out.append(value.detach().clone().requires_grad_(value.requires_grad))
        else:
            out.append(value)
    return out


def kept(
    func: Callable[..., Any], originals: Sequence[Any], given: Sequence[Any], name: str
) -> None:
    """Raise "``name`` changed its input x in place" when ``func`` changed one of the
    arrays or tensors it was ``given`` (copies of ``originals``); `changed_in_place`
    for tensors too. ``name`` is how the student knows the function (a module's class)."""

    def numpy(value: Any) -> Any:
        return value.detach().cpu().numpy() if _is_tensor(value) else value

    def named() -> None: ...

    named.__name__ = name
    try:  # a module is called through forward, which names its inputs
        torch = sys.modules.get("torch")
        module = torch is not None and isinstance(func, torch.nn.Module)
        signature = inspect.signature(getattr(func, "forward") if module else func)  # noqa: B009
        named.__signature__ = signature  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        pass
    changed_in_place(named, [numpy(v) for v in originals], [numpy(v) for v in given])


def call_on_copies(func: Callable[..., Any], name: str, *args: Any, **options: Any) -> Any:
    """``func(*args, **options)`` on copies of the arrays and tensors in ``args``; an
    input it changes in place is named (see `kept`)."""
    given = copies(*args)
    result = func(*given, **options)
    kept(func, args, given, name)
    return result


@contextmanager
def overflow_is_an_error(hint: str) -> Iterator[None]:
    """Run the block with numpy's overflow and invalid-value warnings raised as errors
    (``np.errstate(over="raise", invalid="raise")``), adding ``hint`` (how to avoid them)
    to the message; the traceback still points at the submission's line."""
    try:
        with np.errstate(over="raise", invalid="raise"):
            yield
    except FloatingPointError as exc:
        raise FloatingPointError(f"{exc}: {hint}").with_traceback(exc.__traceback__) from None
