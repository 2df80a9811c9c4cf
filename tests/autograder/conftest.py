"""Fixtures of the engine's tests: the real Gradescope zip, unpacked in a temporary
folder laid out like /autograder, and the sample submissions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from autograder import samples
from autograder.gradescope import build_zip

SCHEMA = json.loads((Path(__file__).parent / "results_schema.json").read_text())


class GradescopeRoot:
    """``root/source`` is the unpacked autograder zip, with setup.sh's permissions."""

    def __init__(self, root: Path, archive: Path) -> None:
        self.root = root
        (root / "source").mkdir(parents=True)
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(root / "source")
        (root / "source" / "run_autograder").chmod(0o755)
        trusted = root / "source" / "bundle" / "trusted"
        for path in [trusted, *trusted.rglob("*")]:  # what setup.sh does: root only
            path.chmod(0o700 if path.is_dir() else 0o600)

    @property
    def results(self) -> Path:
        return self.root / "results" / "results.json"

    @property
    def trusted(self) -> Path:
        return self.root / "source" / "bundle" / "trusted"

    def run(self, submission: Path, bubblewrap: bool = True) -> tuple[dict[str, Any], str]:
        """Run the real run_autograder on a copy of ``submission``; return results and
        stdout. Without ``bubblewrap``, the judge grades as where it cannot run."""
        for folder in ("submission", "results"):
            shutil.rmtree(self.root / folder, ignore_errors=True)
        shutil.copytree(submission, self.root / "submission")
        (self.root / "results").mkdir()
        (self.root / "submission_metadata.json").write_text(
            json.dumps({"id": 1, "users": [{"name": "Test Student"}]})
        )
        run = subprocess.run(
            ["bash", str(self.root / "source" / "run_autograder"), str(self.root)],
            capture_output=True,
            text=True,
            timeout=900,
            env={"DLCOURSE_PYTHON": sys.executable, "PATH": "/usr/bin:/bin"}
            | ({} if bubblewrap else {"DLGRADER_BUBBLEWRAP": "off"}),
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        results = json.loads(self.results.read_text())
        jsonschema.validate(results, SCHEMA)
        return results, run.stdout


@pytest.fixture(scope="session")
def gradescope(tmp_path_factory: pytest.TempPathFactory) -> GradescopeRoot:
    dist = tmp_path_factory.mktemp("dist")
    archive = build_zip("ps0", dist, secret="a test secret")
    return GradescopeRoot(tmp_path_factory.mktemp("autograder"), archive)


def _homework(name: str, factory: pytest.TempPathFactory) -> tuple[GradescopeRoot, Path]:
    """The real zip of ``name`` unpacked like /autograder, and its reference sample."""
    archive = build_zip(name, factory.mktemp(f"dist-{name}"), secret="a test secret")
    folder = factory.mktemp(f"{name}-samples")
    samples.make(name, folder, only=("reference", "stubs"))
    return GradescopeRoot(factory.mktemp(f"autograder-{name}"), archive), folder


@pytest.fixture(scope="session")
def homework_hw1(tmp_path_factory: pytest.TempPathFactory) -> tuple[GradescopeRoot, Path]:
    return _homework("hw1", tmp_path_factory)


@pytest.fixture(scope="session")
def homework_hw2(tmp_path_factory: pytest.TempPathFactory) -> tuple[GradescopeRoot, Path]:
    return _homework("hw2", tmp_path_factory)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("samples")
    samples.make("ps0", folder)
    return folder


Edit = Callable[[str], str]


@pytest.fixture
def variant(sample_dir: Path, tmp_path: Path) -> Callable[[str, str, Edit], Path]:
    """``variant("stubs", "arrays.py", edit)``: a copy of a sample with one file edited."""

    def make(sample: str, file: str, edit: Edit) -> Path:
        folder = tmp_path / f"{sample}-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(sample_dir / sample, folder)
        path = folder / file
        path.write_text(edit(path.read_text()))
        return folder

    return make
