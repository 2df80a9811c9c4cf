"""An assignment: its package folder, config, cases and fixtures, found by name."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from autograder.cases import Case, CaseDefinitionError, collect, number_key
from autograder.config import AssignmentConfig

CONFIG_FILE = "assignment.toml"
TOTAL_POINTS = 100  # every assignment's cases sum to it (tests/test_assignments.py)
TASKS_FILE = "tasks.json"  # in handouts: each submitted file's tasks (see `handout.tasks`)


@dataclass(frozen=True)
class Assignment:
    """An importable assignment package such as ``ps0`` (the reference in this repo)."""

    name: str
    folder: Path

    @classmethod
    def load(cls, name: str) -> Assignment:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            raise LookupError(f"no assignment named {name!r}: {exc}") from exc
        assert module.__file__ is not None
        folder = Path(module.__file__).parent
        if not (folder / CONFIG_FILE).is_file():
            raise LookupError(f"{name} is not an assignment: it has no {CONFIG_FILE}")
        return cls(name, folder)

    @cached_property
    def config(self) -> AssignmentConfig:
        return AssignmentConfig.load(self.folder / CONFIG_FILE)

    @property
    def fixture_path(self) -> Path:
        """Expected outputs of the public cases, shipped with the handout."""
        return self.folder / "fixtures" / "public.npz"

    def public_cases(self) -> list[Case]:
        return self._checked(collect([importlib.import_module(f"{self.name}.cases.public")]))

    def hidden_cases(self) -> list[Case]:
        """The hidden cases, shown to students as the config's ``hidden_visibility`` says
        (one setting for all of them: after the due date, say)."""
        cases = collect([importlib.import_module(f"{self.name}.cases.hidden")])
        shown = self.config.hidden_visibility
        return self._checked([replace(c, visibility=shown) for c in cases])

    def _checked(self, cases: list[Case]) -> list[Case]:
        budget = self.config.budget_s
        for case in cases:
            if case.timeout_s is not None and case.timeout_s > budget:
                raise CaseDefinitionError(
                    f"case {case.label}: time_limit({case.timeout_s:g}) is longer than the "
                    f"assignment's budget_s ({budget:g})"
                )
        return cases

    def all_cases(self) -> list[Case]:
        cases = self.public_cases() + self.hidden_cases()
        return sorted(cases, key=number_key)

    def module_paths(self) -> list[Path]:
        """The submitted modules of the reference, in config order."""
        return [self.folder / f for f in self.config.files]
