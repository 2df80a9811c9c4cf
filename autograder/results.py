"""Typed grading results and their one JSON form (Gradescope's results.json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case, in Gradescope's vocabulary."""

    name: str
    number: str
    score: float
    max_score: float
    output: str
    visibility: str = "visible"
    tags: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        return "passed" if self.score >= self.max_score else "failed"


@dataclass(frozen=True)
class GradeReport:
    """Every case's result for one submission."""

    tests: list[CaseResult]
    execution_time: float = 0.0
    output: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    visibility: str = "visible"  # of the whole result, on Gradescope

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 6)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GradeReport:
        """The inverse of `to_json` (for results.json files this engine wrote)."""
        tests = [
            CaseResult(
                name=_label(t["number"], t["name"]),
                number=t["number"],
                score=float(t["score"]),
                max_score=float(t["max_score"]),
                output=t["output"],
                visibility=t["visibility"],
                tags=tuple(t["tags"]),
            )
            for t in data["tests"]
        ]
        return cls(
            tests=tests,
            execution_time=float(data["execution_time"]),
            output=data["output"],
            visibility=data.get("visibility", "visible"),
        )

    def to_json(self) -> dict[str, Any]:
        """The report as Gradescope's results.json object."""
        return {
            "score": self.score,
            "execution_time": round(self.execution_time, 3),
            "output": self.output,
            "visibility": self.visibility,
            "stdout_visibility": "hidden",
            "tests": [
                {
                    # Gradescope shows "<number>) <name>": the label without its number
                    "name": t.name.removeprefix(f"{t.number} ") if t.number else t.name,
                    "number": t.number,
                    "score": t.score,
                    "max_score": t.max_score,
                    "status": t.status,
                    "output": t.output,
                    "visibility": t.visibility,
                    "tags": list(t.tags),
                }
                for t in self.tests
            ],
        }


def _label(number: str, name: str) -> str:
    """A case's label ("1.1 softmax_rows") from results.json's number and name."""
    return name if not number or name.startswith(f"{number} ") else f"{number} {name}"
