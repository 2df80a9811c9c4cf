"""`make submit`: refuse stubs, broken or forbidden files; warn about missing tasks; zip."""

from __future__ import annotations

import ast
import shutil
import zipfile
from pathlib import Path

import pytest

from autograder import submit
from autograder.assignment import Assignment
from autograder.handout import build
from autograder.intake import MAX_FILE_BYTES
from autograder.regions import make_stub
from autograder.submit import problems, unimplemented

FILES = ("arrays.py", "calculus.py", "probability.py", "regression.py")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ps0 package folder of a freshly built handout (not to be modified)."""
    return build("ps0", tmp_path_factory.mktemp("dist"), refresh=False) / "ps0"


@pytest.fixture
def handout(pristine: Path, tmp_path: Path) -> Assignment:
    """A private copy of the handout's ps0 package, as the student's Assignment."""
    return Assignment("ps0", shutil.copytree(pristine, tmp_path / "ps0"))


@pytest.fixture(scope="module")
def reference() -> dict[str, Path]:
    return {path.name: path for path in Assignment.load("ps0").module_paths()}


def _stub_warning(name: str) -> str:
    return f"{name} still holds only stubs: its cases will score 0"


def test_the_handout_lists_the_files_this_test_expects(handout: Assignment) -> None:
    assert handout.config.files == FILES
    assert (handout.folder / "tasks.json").is_file()


def test_the_pristine_handout_is_refused(handout: Assignment) -> None:
    errors, warnings = problems(handout)
    assert errors == ["nothing is implemented yet: every file still holds only stubs"]
    assert warnings == []


def test_one_finished_file_is_enough_and_the_stubs_are_warned_about(
    handout: Assignment, reference: dict[str, Path]
) -> None:
    shutil.copyfile(reference["calculus.py"], handout.folder / "calculus.py")
    errors, warnings = problems(handout)
    assert errors == []
    assert warnings == [_stub_warning(name) for name in FILES if name != "calculus.py"]


def test_a_syntax_error_is_refused_with_its_line(
    handout: Assignment, reference: dict[str, Path]
) -> None:
    lines = reference["arrays.py"].read_text().splitlines(keepends=True)
    at = lines.index("import numpy as np\n") + 1  # after the docstring, among the imports
    lines.insert(at, "def broken(:\n")
    (handout.folder / "arrays.py").write_text("".join(lines))
    errors, _ = problems(handout)
    assert len(errors) == 1 and errors[0].startswith(f"arrays.py does not parse (line {at + 1}: ")


def test_a_forbidden_import_is_refused(handout: Assignment, reference: dict[str, Path]) -> None:
    text = reference["probability.py"].read_text()
    line = len(text.splitlines()) + 1
    (handout.folder / "probability.py").write_text(text + "import torch\n")
    errors, _ = problems(handout)
    assert len(errors) == 1 and f"probability.py imports torch (line {line})" in errors[0]


def test_a_forbidden_module_reached_through_another_file_is_refused(
    handout: Assignment, reference: dict[str, Path]
) -> None:
    """arrays.py may import sympy; calculus.py may not, not even through arrays.py."""
    for name in ("arrays.py", "calculus.py"):
        shutil.copyfile(reference[name], handout.folder / name)
    arrays = handout.folder / "arrays.py"
    arrays.write_text(arrays.read_text() + "import sympy\n")
    calculus = handout.folder / "calculus.py"
    calculus.write_text(calculus.read_text() + "from . import arrays\n")
    errors, _ = problems(handout)
    assert len(errors) == 1, errors
    assert errors[0].startswith("calculus.py imports arrays.py, which imports sympy (line ")


def test_a_missing_file_is_refused(handout: Assignment) -> None:
    (handout.folder / "regression.py").unlink()
    errors, _ = problems(handout)
    assert errors[-1] == "regression.py is missing from ps0/: restore it from the handout"


def test_an_empty_file_is_refused(handout: Assignment) -> None:
    (handout.folder / "regression.py").write_text("\n")
    errors, _ = problems(handout)
    assert errors[-1] == "regression.py is empty: restore it from the handout, or save your work"


def test_an_oversized_or_non_utf8_file_is_refused(
    handout: Assignment, reference: dict[str, Path]
) -> None:
    (handout.folder / "arrays.py").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    (handout.folder / "calculus.py").write_bytes("# café\n".encode("latin-1"))
    errors, _ = problems(handout)
    assert errors[0] == f"arrays.py is over {MAX_FILE_BYTES:,} bytes: is it the right file?"
    assert errors[1] == "calculus.py is not UTF-8 text: save it as UTF-8"


def test_all_reference_files_give_no_errors_or_warnings(
    handout: Assignment, reference: dict[str, Path]
) -> None:
    for name in FILES:
        shutil.copyfile(reference[name], handout.folder / name)
    assert problems(handout) == ([], [])


def test_a_partly_implemented_file_gives_a_warning_naming_the_missing_tasks(
    handout: Assignment, reference: dict[str, Path]
) -> None:
    todo = {"softmax", "one_hot"}
    source = reference["arrays.py"].read_text()
    partial = make_stub(source, "arrays.py", keep=lambda region: region.task not in todo)
    (handout.folder / "arrays.py").write_text(partial)
    errors, warnings = problems(handout)
    assert warnings == [
        "arrays.py: not implemented yet: softmax, one_hot (a case that calls one of them "
        "scores 0, even where it also checks functions you wrote)",
        *(_stub_warning(name) for name in FILES[1:]),
    ]
    assert errors == []


def test_without_tasks_json_a_partly_implemented_file_is_only_warned_about(
    handout: Assignment, reference: dict[str, Path]
) -> None:
    (handout.folder / "tasks.json").unlink()
    source = reference["arrays.py"].read_text()
    partial = make_stub(source, "arrays.py", keep=lambda region: region.task != "softmax")
    (handout.folder / "arrays.py").write_text(partial)
    errors, warnings = problems(handout)
    assert not any(error.startswith("arrays.py") for error in errors)
    assert any(w.startswith("arrays.py: not implemented yet: softmax (") for w in warnings)


def test_main_zips_exactly_the_submitted_files(
    handout: Assignment,
    reference: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in FILES:
        shutil.copyfile(reference[name], handout.folder / name)
    monkeypatch.setattr(submit.Assignment, "load", lambda name: handout)
    archive = tmp_path / "x.zip"
    assert submit.main("ps0", output=archive) == 0
    with zipfile.ZipFile(archive) as zf:
        assert zf.namelist() == list(FILES)
        for name in FILES:
            assert zf.read(name) == reference[name].read_bytes()
    assert f"wrote {archive}" in capsys.readouterr().out


def test_main_writes_nothing_when_there_are_errors(
    handout: Assignment,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(submit.Assignment, "load", lambda name: handout)
    archive = tmp_path / "x.zip"
    assert submit.main("ps0", output=archive) == 1
    assert not archive.exists()
    err = capsys.readouterr().err
    assert "error: nothing is implemented yet" in err
    assert "Nothing was written" in err


def test_unimplemented_finds_functions_whose_body_holds_a_stub() -> None:
    source = '''
def a():
    """Doc."""
    raise NotImplementedError("a: hint")

def b():
    raise NotImplementedError

async def c():
    raise NotImplementedError()

class K:
    def method(self):
        raise NotImplementedError("K.method: hint")

def done():
    """Doc."""
    return 1

def other_error():
    raise ValueError("no")

def after_given_code():
    x = 1
    raise NotImplementedError("after_given_code: hint")

def refuses_an_option(option):
    if option:
        raise NotImplementedError("this option is not supported")
    return 1

def falls_back(name):
    x = {"a": 1}.get(name)
    raise NotImplementedError(f"unknown activation {name}")
'''
    found = sorted(unimplemented(ast.parse(source)))
    assert found == ["a", "after_given_code", "b", "c", "method"]
