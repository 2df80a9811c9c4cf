"""environment.yml and pyproject.toml pin the same packages at the same versions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s*==\s*(?P<version>[^\s;]+)$")


def _parse(specs: list[str], source: str) -> dict[str, str]:
    pins = {}
    for spec in specs:
        match = PIN.match(spec.strip())
        assert match, f"{source}: {spec!r} is not an exact pin (name==version)"
        pins[match["name"].lower()] = match["version"]
    return pins


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs.extend(extra)
    return _parse(specs, "pyproject.toml")


def environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = [], []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip.extend(d for d in dep["pip"] if not d.startswith("-e"))
        elif dep.split("=")[0] not in ("python", "pip"):
            conda.append(dep)
    return _parse(conda + pip, "environment.yml")


def test_every_pyproject_pin_is_exact_and_in_environment_yml() -> None:
    assert pyproject_pins() == environment_pins()


def test_environment_yml_uses_the_python_of_pyproject() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11,<3.12"


def test_installed_versions_match_the_pins() -> None:
    from importlib.metadata import version

    for name, pinned in pyproject_pins().items():
        installed = version(name).split("+")[0]  # torch's CPU build: 2.14.1+cpu
        assert installed == pinned, f"{name} {version(name)} installed, {pinned} pinned"
