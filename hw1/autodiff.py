"""A scalar automatic-differentiation engine: backpropagation as graph traversal.

Every `Value` remembers the values it was computed from and how to pass a gradient
back to them. ``loss.backward()`` visits the graph in reverse topological order, so a
node's gradient is complete (every path through it summed) before it is passed on.
"""

from __future__ import annotations

import math
from collections.abc import Callable


class Value:
    """A scalar in a computation graph, with its gradient ``grad`` (d output / d self).

    ``data``: the number; ``grad``: accumulated by `backward`, 0 until then;
    ``_parents``: the Values this one was computed from; ``_backward``: a function that
    adds this node's contribution to its parents' ``grad`` given ``self.grad``.

    Each operation builds its result ``out = Value(result, parents, op)`` (given in the
    stubs), then sets ``out._backward`` to a function of no arguments that adds to each
    parent's ``grad`` (``+=``: a parent used twice gets both contributions), and
    returns ``out``.
    """

    def __init__(self, data: float, parents: tuple[Value, ...] = (), op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self._parents = parents
        self._op = op
        self._backward: Callable[[], None] = lambda: None

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def lift(other: Value | float) -> Value:
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other: Value | float) -> Value:
        """self + other; both parents receive the output's gradient unchanged."""
        other = Value.lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        # BEGIN SOLUTION: d(a + b)/da = d(a + b)/db = 1: add out.grad to both (+=, not =)
        def backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out
        # END SOLUTION

    def __mul__(self, other: Value | float) -> Value:
        """self * other; each parent's gradient is the other parent's value times out.grad."""
        other = Value.lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        # BEGIN SOLUTION: d(ab)/da = b and d(ab)/db = a, each times out.grad
        def backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out
        # END SOLUTION

    def __pow__(self, exponent: float) -> Value:
        """self ** exponent for a constant (float) exponent: d/dx x^k = k x^(k-1)."""
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        # BEGIN SOLUTION: the power rule times out.grad
        def backward() -> None:
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = backward
        return out
        # END SOLUTION

    def exp(self) -> Value:
        """e ** self: its own derivative."""
        out = Value(math.exp(self.data), (self,), "exp")

        # BEGIN SOLUTION: d/dx e^x = e^x, which is out.data
        def backward() -> None:
            self.grad += out.data * out.grad

        out._backward = backward
        return out
        # END SOLUTION

    def log(self) -> Value:
        """Natural logarithm (self > 0): d/dx log x = 1 / x."""
        out = Value(math.log(self.data), (self,), "log")

        # BEGIN SOLUTION: 1 / x times out.grad
        def backward() -> None:
            self.grad += out.grad / self.data

        out._backward = backward
        return out
        # END SOLUTION

    def tanh(self) -> Value:
        """Hyperbolic tangent. Its derivative is yours to derive (Task 4, for one number):
        write it with the output ``out.data``, which the closure already has."""
        out = Value(math.tanh(self.data), (self,), "tanh")

        # BEGIN SOLUTION: tanh' written with the output out.data, times out.grad
        def backward() -> None:
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = backward
        return out
        # END SOLUTION

    def relu(self) -> Value:
        """max(0, self). Its derivative is yours to derive (Task 3, for one number); at
        exactly 0 it passes no gradient (the left slope, as in PyTorch)."""
        out = Value(max(0.0, self.data), (self,), "relu")

        # BEGIN SOLUTION: the local slope of max(0, x) times out.grad; nothing at exactly 0
        def backward() -> None:
            self.grad += (self.data > 0) * out.grad

        out._backward = backward
        return out
        # END SOLUTION

    def backward(self) -> None:
        """Set d self / d self = 1 and back-propagate to every Value this one depends on.

        Order the graph topologically (a depth-first search that appends a node after
        all its parents), then call each node's ``_backward`` in *reverse* order. A node
        used twice (x * x) must receive both contributions before passing them on.
        Visit each node once, and do not recurse in Python on deep graphs: an explicit
        stack avoids the recursion limit (the graph may be thousands of nodes deep).

        It zeroes nothing: the other nodes' ``grad`` accumulate across calls, as in
        PyTorch (set them to 0 yourself before a second backward pass).
        """
        # BEGIN SOLUTION: iterative post-order DFS for the topological order, then reverse
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node._parents if id(parent) not in seen)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
        # END SOLUTION

    # Everything below is built from the operations above (given, not tasks).
    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | float) -> Value:
        return self + (-Value.lift(other))

    def __truediv__(self, other: Value | float) -> Value:
        return self * Value.lift(other) ** -1.0

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __rsub__(self, other: float) -> Value:
        return Value.lift(other) - self

    def __rtruediv__(self, other: float) -> Value:
        return Value.lift(other) / self
