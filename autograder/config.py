"""An assignment's configuration, read from its ``assignment.toml`` and validated.

Unknown keys are errors, not silent defaults: a typo in a config must never loosen grading.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from autograder.cases import VISIBILITIES

# How a handout holds the modules of the earlier assignments it builds on
DEPENDS_IN_HANDOUT = ("own", "reference")


class ConfigError(ValueError):
    """The assignment's configuration is invalid; the message says which key and why."""


@dataclass(frozen=True)
class AssignmentConfig:
    """What an assignment submits, needs and forbids.

    title: shown at the top of reports.
    files: the modules students edit and submit, relative to the package folder.
    requirements: distributions (as named in pyproject.toml) the handout installs.
    forbidden_imports: per submitted file, top-level modules it may not import; the key
        "*" applies to every submitted file.
    case_timeout_s: wall-clock limit for one case.
    memory_mb: the worker's data-size limit (the memory it may allocate).
    budget_s: wall-clock budget for all cases of one submission; cases not started
        by then are not run (Gradescope stops an autograder after 10 minutes).
    protected_data: path fragments of data set files that submitted code may not open
        while graded (it gets its data from the grader).
    depends: modules of earlier assignments this one builds on ("hw1.layers"); the
        grader always runs their reference (see `autograder.depends`).
    depends_in_handout: what the handout holds in their place: "own" (placeholders; the
        students bring their own files with `make hw1 FROM=...`, see `autograder.bring`)
        or "reference" (the solutions: build the handout only after the earlier
        assignment's last late day).
    hidden_visibility: when Gradescope shows students the hidden cases' names, scores
        and fixed verdicts: "visible" (at once), "after_due_date", "after_published" or
        "hidden" (never). Public cases are always visible.
    results_visibility: the same for the whole result, the total score included.
    """

    title: str
    files: tuple[str, ...]
    requirements: tuple[str, ...]
    forbidden_imports: dict[str, tuple[str, ...]]
    case_timeout_s: float = 60.0
    memory_mb: int = 2048
    budget_s: float = 480.0
    protected_data: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()
    depends_in_handout: str = "own"
    hidden_visibility: str = "visible"
    results_visibility: str = "visible"

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str) -> AssignmentConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown key(s) {unknown}; known keys: {sorted(known)}")
        missing = sorted(
            f.name for f in fields(cls) if f.name in ("title", "files") and f.name not in raw
        )
        if missing:
            raise ConfigError(f"{source}: missing key(s) {missing}")
        files = tuple(raw["files"])
        if not files or not all(isinstance(f, str) and f.endswith(".py") for f in files):
            raise ConfigError(f"{source}: files must be a non-empty list of .py file names")
        listed = raw.get("forbidden_imports", {})
        if not all(isinstance(v, list) for v in listed.values()):
            raise ConfigError(f"{source}: each forbidden_imports entry must be a list of modules")
        forbidden = {k: tuple(v) for k, v in listed.items()}
        everywhere = forbidden.pop("*", ())
        stray = sorted(set(forbidden) - set(files))
        if stray:
            raise ConfigError(f"{source}: forbidden_imports names files not submitted: {stray}")
        timeout = float(raw.get("case_timeout_s", 60.0))
        if timeout <= 0:
            raise ConfigError(f"{source}: case_timeout_s must be positive, got {timeout}")
        memory = int(raw.get("memory_mb", 2048))
        if memory < 256:
            raise ConfigError(f"{source}: memory_mb must be at least 256, got {memory}")
        budget = float(raw.get("budget_s", 480.0))
        if budget < timeout:
            raise ConfigError(f"{source}: budget_s ({budget}) is shorter than case_timeout_s")
        depends = tuple(raw.get("depends", ()))
        malformed = [d for d in depends if not isinstance(d, str) or d.count(".") != 1]
        if malformed:
            raise ConfigError(
                f"{source}: depends entries must read 'package.module', got {malformed}"
            )
        shipped = str(raw.get("depends_in_handout", "own"))
        if shipped not in DEPENDS_IN_HANDOUT:
            raise ConfigError(
                f"{source}: depends_in_handout must be one of {DEPENDS_IN_HANDOUT}, got {shipped!r}"
            )
        shown = {k: str(raw.get(k, "visible")) for k in ("hidden_visibility", "results_visibility")}
        for key, value in shown.items():
            if value not in VISIBILITIES:
                raise ConfigError(f"{source}: {key} must be one of {VISIBILITIES}, got {value!r}")
        return cls(
            **shown,
            depends=depends,
            depends_in_handout=shipped,
            protected_data=tuple(str(p) for p in raw.get("protected_data", ())),
            budget_s=budget,
            memory_mb=memory,
            title=str(raw["title"]),
            files=files,
            requirements=tuple(raw.get("requirements", ())),
            forbidden_imports={
                f: tuple(dict.fromkeys(everywhere + forbidden.get(f, ())))
                for f in files
                if everywhere or forbidden.get(f)
            },
            case_timeout_s=timeout,
        )

    @classmethod
    def load(cls, path: Path) -> AssignmentConfig:
        try:
            raw = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the assignment config: {exc}") from exc
        return cls.from_dict(raw, str(path.name))
