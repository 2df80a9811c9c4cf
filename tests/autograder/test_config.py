from __future__ import annotations

from pathlib import Path

import pytest

from autograder.config import AssignmentConfig, ConfigError

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
