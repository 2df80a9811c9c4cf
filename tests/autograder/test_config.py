from __future__ import annotations

from pathlib import Path

import pytest

import autograder
from autograder.config import AssignmentConfig, ConfigError
from autograder.grade import Grader

GOOD = {"title": "T", "files": ["a.py"], "forbidden_imports": {"a.py": ["torch"]}}


def test_a_valid_config_loads_typed() -> None:
    config = AssignmentConfig.from_dict(GOOD, "x.toml")
    assert config.files == ("a.py",) and config.forbidden_imports == {"a.py": ("torch",)}
    assert config.case_timeout_s == 60.0


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"fiels": ["a.py"]}, "unknown key"),
        ({"files": []}, "non-empty list"),
        ({"files": ["a.txt"]}, "non-empty list"),
        ({"forbidden_imports": {"b.py": ["torch"]}}, "not submitted"),
        ({"forbidden_imports": {"a.py": "torch"}}, "must be a list"),
        ({"case_timeout_s": 0}, "positive"),
        ({"hidden_visibility": "after_deadline"}, "hidden_visibility must be one of"),
        ({"results_visibility": "never"}, "results_visibility must be one of"),
    ],
)
def test_invalid_configs_are_errors_naming_the_key(change: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        AssignmentConfig.from_dict({**GOOD, **change}, "x.toml")


def test_missing_title_is_an_error() -> None:
    with pytest.raises(ConfigError, match="missing key"):
        AssignmentConfig.from_dict({"files": ["a.py"]}, "x.toml")


def test_unreadable_toml_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "assignment.toml"
    path.write_text("title = ")
    with pytest.raises(ConfigError, match="cannot read"):
        AssignmentConfig.load(path)


def test_a_star_forbids_imports_in_every_submitted_file() -> None:
    raw = {
        "title": "T",
        "files": ["a.py", "b.py"],
        "forbidden_imports": {"*": ["torch", "scipy"], "b.py": ["sklearn", "torch"]},
    }
    config = AssignmentConfig.from_dict(raw, "assignment.toml")
    assert config.forbidden_imports == {
        "a.py": ("torch", "scipy"),
        "b.py": ("torch", "scipy", "sklearn"),
    }


def test_hidden_cases_take_their_visibility_from_the_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One setting shows every hidden case only after the due date; public cases stay
    visible, and the whole result follows results_visibility."""
    from dataclasses import replace

    from autograder.assignment import Assignment

    assignment = Assignment.load("ps0")
    later = replace(
        assignment.config, hidden_visibility="after_due_date", results_visibility="after_published"
    )
    monkeypatch.setitem(assignment.__dict__, "config", later)
    hidden, public = assignment.hidden_cases(), assignment.public_cases()
    assert hidden and {c.visibility for c in hidden} == {"after_due_date"}
    assert {c.visibility for c in public} == {"visible"}
    grader = Grader.for_public_cases("ps0", Path(autograder.__file__).resolve().parent.parent)
    monkeypatch.setitem(grader.assignment.__dict__, "config", later)
    report = grader.grade(Path("/nonexistent-submission"))
    assert report.to_json()["visibility"] == "after_published"
