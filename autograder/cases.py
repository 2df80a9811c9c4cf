"""Graded cases: a function ``(submission, rng) -> outputs`` with its grading metadata.

Metadata rides on the function, set with gradescope-utils' decorators (``weight``,
``number``, ``visibility``, ``tags``) and, where the default comparison is not the right
judge, this module's ``tolerance``, ``judged_by``, ``grader_data`` and ``time_limit``::

    @weight(3)
    @number("2.1")
    @visibility("visible")
    @tolerance(rtol=1e-6)
    def softmax_rows(sub, rng):
        "softmax of a random batch: each row sums to one"
        return sub.arrays.softmax(rng.normal(size=(4, 7)))

The first line of the docstring is the description students see next to the case name.

Whether a case is *public* or *hidden* is where it is defined (an assignment's
``cases/public.py`` ships in the handout, ``cases/hidden.py`` never does); its
*visibility* is what Gradescope shows of its result, and when.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, TypeVar

import numpy as np

from autograder.compare import Tolerance
from autograder.outputs import Outputs

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
VISIBILITIES: tuple[str, ...] = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class Verdict:
    """What a check concluded: the fraction of the case's points earned and why."""

    fraction: float
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.fraction >= 1.0


Arrays = dict[str, np.ndarray]
# A custom check sees the submission's and the reference's normalized outputs, and the
# judge's part of the case's grader data (empty when the case has none).
Check = Callable[[Outputs, Outputs, Arrays], Verdict]
# Grader data: made by trusted code from a generator; the first part goes to the case
# (the worker), the second only to the check (held-out labels, say).
DataBuilder = Callable[[np.random.Generator], tuple[Arrays, Arrays]]
F = TypeVar("F", bound=Callable[..., Any])


def tolerance(rtol: float = 1e-6, atol: float = 1e-8) -> Callable[[F], F]:
    """Compare this case's outputs with the given tolerances instead of the defaults."""

    def attach(func: F) -> F:
        func.__tolerance__ = Tolerance(rtol=rtol, atol=atol)  # type: ignore[attr-defined]
        return func

    return attach


def time_limit(seconds: float) -> Callable[[F], F]:
    """Give this case ``seconds`` of wall-clock time instead of the assignment's
    ``case_timeout_s`` (a case that trains a network needs more than one that calls a
    layer; a short default keeps an infinite loop from eating the grading budget)."""

    def attach(func: F) -> F:
        func.__timeout__ = float(seconds)  # type: ignore[attr-defined]
        return func

    return attach


def judged_by(check: Check) -> Callable[[F], F]:
    """Judge this case with ``check(got, expected, data) -> Verdict`` instead of `compare`."""

    def attach(func: F) -> F:
        func.__check__ = check  # type: ignore[attr-defined]
        return func

    return attach


def grader_data(builder: DataBuilder) -> Callable[[F], F]:
    """Give this case data made by the grader: the case becomes ``(sub, rng, data)``.

    ``builder(rng)`` returns ``(for_case, for_check)``, two dicts of arrays. Only the
    first reaches the submission's process; the second goes to the case's check. Data a
    submission must not see (held-out labels) thus never enters its process.
    """

    def attach(func: F) -> F:
        func.__data__ = builder  # type: ignore[attr-defined]
        return func

    return attach


@dataclass(frozen=True)
class Case:
    """A graded case with the metadata its decorators attached."""

    name: str
    number: str
    points: float
    visibility: str
    func: Callable[..., Outputs]
    description: str = ""
    tags: tuple[str, ...] = ()
    tol: Tolerance = field(default_factory=Tolerance)
    check: Check | None = None
    data: DataBuilder | None = None
    timeout_s: float | None = None  # None: the assignment's case_timeout_s

    def make_data(self, seed: int) -> tuple[Arrays, Arrays]:
        """The case's grader data for ``seed`` (empty dicts when it has none)."""
        if self.data is None:
            return {}, {}
        return self.data(np.random.default_rng([seed, 1]))  # a stream apart from the case's

    @property
    def apart(self) -> bool:
        """Its check runs in the trusted evaluation process (it needs torch, say)."""
        return bool(getattr(self.check, "apart", False))

    @property
    def needs_expected(self) -> bool:
        """Its check compares with the reference's outputs for the same seed (a check of
        a trained model's weights does not: no reference weights are stored or shipped)."""
        return self.check is None or bool(getattr(self.check, "needs_expected", True))

    @property
    def label(self) -> str:
        """``"2.1 softmax_rows"``: how the case is named in every report."""
        return f"{self.number} {self.name}"


class CaseDefinitionError(ValueError):
    """A case is missing metadata or carries an invalid value."""


def from_function(func: Callable[..., Any]) -> Case:
    """Read a decorated function's metadata into a `Case`, checking it."""
    name = func.__name__
    missing = [attr for attr in ("__weight__", "__number__") if not hasattr(func, attr)]
    if missing:
        raise CaseDefinitionError(f"case {name} lacks {', '.join(missing)}: decorate it")
    visibility = getattr(func, "__visibility__", "visible")
    if visibility not in VISIBILITIES:
        raise CaseDefinitionError(f"case {name}: visibility {visibility!r} not in {VISIBILITIES}")
    points = float(func.__weight__)  # type: ignore[attr-defined]
    if points <= 0:
        raise CaseDefinitionError(f"case {name}: weight must be positive, got {points}")
    timeout = getattr(func, "__timeout__", None)
    if timeout is not None and not (timeout > 0 and math.isfinite(timeout)):
        raise CaseDefinitionError(f"case {name}: time_limit must be positive, got {timeout}")
    # the docstring's first paragraph says what the case checks (the rule, for a public
    # case); a failed comparison repeats it
    doc = (func.__doc__ or "").strip().split("\n\n")[0].split()
    return Case(
        name=name,
        number=str(func.__number__),  # type: ignore[attr-defined]
        points=points,
        visibility=visibility,
        func=func,
        description=" ".join(doc),
        tags=tuple(getattr(func, "__tags__", ())),
        tol=getattr(func, "__tolerance__", Tolerance()),
        check=getattr(func, "__check__", None),
        data=getattr(func, "__data__", None),
        timeout_s=timeout,
    )


def number_key(case: Case) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in case.number.split("."))


def collect(modules: Iterable[ModuleType]) -> list[Case]:
    """Every decorated case defined in ``modules``, sorted by number; names must be unique."""
    cases = [
        from_function(obj)
        for module in modules
        for obj in vars(module).values()
        if callable(obj) and hasattr(obj, "__weight__") and obj.__module__ == module.__name__
    ]
    for attr in ("name", "number"):
        seen: dict[str, Case] = {}
        for case in cases:
            key = getattr(case, attr)
            if key in seen:
                raise CaseDefinitionError(f"two cases share the {attr} {key!r}")
            seen[key] = case
    return sorted(cases, key=number_key)


def case_seed(assignment: str, case: Case, salt: str = "public") -> int:
    """The case's seed: stable across runs and machines, different for each salt.

    Public cases use the salt ``"public"``, so students and the grader draw the same
    inputs; hidden cases are salted with a secret the handout does not carry.
    """
    digest = hashlib.sha256(f"{salt}:{assignment}:{case.name}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def seed_for(assignment: str, case: Case, secret: str | None) -> int:
    """A case's seed: with no secret (a student's own run), the fixed public seed, so
    students and their shipped fixtures draw the same inputs; in a graded run, every
    case, public ones too, is salted with the course's secret, so a submission cannot
    know its inputs in advance (nor replay the public fixtures)."""
    return case_seed(assignment, case, "public" if secret is None else secret)
