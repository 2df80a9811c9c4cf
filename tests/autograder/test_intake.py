"""Reading a submission (folder or zip) safely, with a message for each problem."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from autograder.intake import MAX_FILE_BYTES, read_submission

EXPECTED = ("arrays.py", "calculus.py")
ARRAYS = b"import numpy as np\n"
CALCULUS = b"def f(x):\n    return x\n"


def _folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name), data)
    return path


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_a_folder_with_the_files_is_read(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "sub", {"arrays.py": ARRAYS, "calculus.py": CALCULUS})
    intake = read_submission(folder, EXPECTED)
    assert intake.files == {"arrays.py": ARRAYS, "calculus.py": CALCULUS}
    assert intake.problems == {} and intake.notes == []


def test_a_zip_with_the_files_in_a_subfolder_is_read(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "sub.zip",
        {"ps0/arrays.py": ARRAYS, "ps0/calculus.py": CALCULUS, "ps0/README.md": b"hi\n"},
    )
    intake = read_submission(archive, EXPECTED)
    assert intake.files == {"arrays.py": ARRAYS, "calculus.py": CALCULUS}
    assert intake.problems == {} and intake.notes == []


def test_dotdot_and_absolute_entries_are_skipped_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _zip(
        tmp_path / "a" / "b" / "sub.zip",
        {"../../arrays.py": ARRAYS, "/tmp/calculus.py": CALCULUS, "ok/README.md": b"x\n"},
    )
    monkeypatch.chdir(archive.parent)
    before_here, before_parent = _tree(tmp_path), sorted(os.listdir(tmp_path.parent))
    intake = read_submission(archive, EXPECTED)
    assert intake.files == {}
    assert set(intake.problems) == set(EXPECTED)
    assert any("'../../arrays.py'" in n and "'..'" in n for n in intake.notes), intake.notes
    assert any("'/tmp/calculus.py'" in n and "absolute path" in n for n in intake.notes)
    assert _tree(tmp_path) == before_here
    assert sorted(os.listdir(tmp_path.parent)) == before_parent


def test_windows_style_unsafe_names_are_skipped(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "sub.zip", {"..\\arrays.py": ARRAYS, "C:/calculus.py": CALCULUS})
    intake = read_submission(archive, EXPECTED)
    assert intake.files == {}
    assert any("'..\\\\arrays.py'" in n and "'..'" in n for n in intake.notes), intake.notes
    assert any("'C:/calculus.py'" in n and "absolute path" in n for n in intake.notes)


def test_symlinks_in_a_folder_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"SECRET\n")
    elsewhere = _folder(tmp_path / "elsewhere", {"calculus.py": CALCULUS})
    folder = _folder(tmp_path / "sub", {"notes.txt": b"x\n"})
    (folder / "arrays.py").symlink_to(secret)
    (folder / "linked").symlink_to(elsewhere, target_is_directory=True)
    intake = read_submission(folder, EXPECTED)
    assert intake.files == {}
    assert intake.problems["arrays.py"] == "arrays.py was not submitted"
    assert intake.problems["calculus.py"] == "calculus.py was not submitted"
    assert "skipped 'arrays.py': symbolic links are not accepted" in intake.notes
    assert "skipped 'linked': symbolic links are not accepted" in intake.notes


def test_a_symlink_entry_in_a_zip_is_skipped(tmp_path: Path) -> None:
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        link = zipfile.ZipInfo("ps0/arrays.py")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("ps0/calculus.py", CALCULUS)
    intake = read_submission(archive, EXPECTED)
    assert intake.files == {"calculus.py": CALCULUS}
    assert intake.problems == {"arrays.py": "arrays.py was not submitted"}
    assert "skipped 'ps0/arrays.py': symbolic links are not accepted" in intake.notes


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_a_file_over_the_size_limit_is_a_problem(tmp_path: Path, kind: str) -> None:
    files = {"arrays.py": b"#" * (MAX_FILE_BYTES + 1), "calculus.py": CALCULUS}
    path = _folder(tmp_path / "sub", files) if kind == "folder" else _zip(tmp_path / "s.zip", files)
    intake = read_submission(path, EXPECTED)
    assert intake.files == {"calculus.py": CALCULUS}
    assert f"{MAX_FILE_BYTES:,}" in intake.problems["arrays.py"]
    assert intake.problems["arrays.py"].startswith("arrays.py is")


def test_a_file_at_the_size_limit_is_accepted(tmp_path: Path) -> None:
    data = b"#" * MAX_FILE_BYTES
    intake = read_submission(_folder(tmp_path / "sub", {"arrays.py": data}), ("arrays.py",))
    assert intake.files == {"arrays.py": data} and intake.problems == {}


def test_a_zip_entry_whose_name_is_not_utf8_is_skipped(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "sub.zip", {"ps0/caf?.py": b"x = 1\n", "ps0/arrays.py": ARRAYS})
    # zipfile always flags non-ASCII names as UTF-8, so patch in raw latin-1 bytes instead
    raw = archive.read_bytes()
    assert raw.count(b"caf?.py") == 2  # the local header and the central directory
    archive.write_bytes(raw.replace(b"caf?.py", b"caf\xe9.py"))
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("ps0/cafΘ.py")  # 0xE9 read as cp437
    assert not info.flag_bits & 0x800
    with pytest.raises(UnicodeDecodeError):
        info.orig_filename.encode("cp437").decode("utf-8")
    intake = read_submission(archive, EXPECTED)
    assert intake.files == {"arrays.py": ARRAYS}
    skipped = [n for n in intake.notes if "name is not UTF-8" in n]
    assert len(skipped) == 1 and "caf" in skipped[0], intake.notes


def test_a_zip_entry_with_an_unflagged_utf8_name_is_decoded(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "sub.zip", {"cafXY/arrays.py": ARRAYS})
    archive.write_bytes(archive.read_bytes().replace(b"cafXY", "café".encode()))
    with zipfile.ZipFile(archive) as zf:
        assert not zf.infolist()[0].flag_bits & 0x800
    intake = read_submission(archive, ("arrays.py",))
    assert intake.files == {"arrays.py": ARRAYS}
    assert intake.problems == {} and intake.notes == []


def test_a_file_that_is_not_utf8_text_is_a_problem(tmp_path: Path) -> None:
    latin1 = "x = 'café'\n".encode("latin-1")
    folder = _folder(tmp_path / "sub", {"arrays.py": latin1, "calculus.py": CALCULUS})
    intake = read_submission(folder, EXPECTED)
    assert intake.files == {"calculus.py": CALCULUS}
    assert intake.problems == {
        "arrays.py": "arrays.py is not UTF-8 text: save it as UTF-8 and resubmit"
    }


def test_a_missing_file_is_a_problem(tmp_path: Path) -> None:
    intake = read_submission(_folder(tmp_path / "sub", {"arrays.py": ARRAYS}), EXPECTED)
    assert intake.files == {"arrays.py": ARRAYS}
    assert intake.problems == {"calculus.py": "calculus.py was not submitted"}
    assert intake.notes == []


def test_a_misnamed_file_is_a_problem_that_says_how_to_rename_it(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "sub", {"Arrays.py": ARRAYS, "calculus.py": CALCULUS})
    intake = read_submission(folder, EXPECTED)
    assert "arrays.py" not in intake.files
    problem = intake.problems["arrays.py"]
    assert "'Arrays.py'" in problem and problem.endswith("rename it to arrays.py")


def test_a_missing_file_is_not_matched_to_another_expected_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "sub", {"part2.py": ARRAYS})
    intake = read_submission(folder, ("part1.py", "part2.py"))
    assert intake.files == {"part2.py": ARRAYS}
    assert intake.problems == {"part1.py": "part1.py was not submitted"}


def test_an_empty_zip_is_noted(tmp_path: Path) -> None:
    intake = read_submission(_zip(tmp_path / "sub.zip", {}), EXPECTED)
    assert intake.files == {} and set(intake.problems) == set(EXPECTED)
    assert intake.notes == ["the submission is empty: upload arrays.py, calculus.py"]


def test_an_empty_folder_is_noted(tmp_path: Path) -> None:
    intake = read_submission(_folder(tmp_path / "sub", {}), EXPECTED)
    assert intake.files == {} and set(intake.problems) == set(EXPECTED)
    assert intake.notes == ["the submission is empty: upload arrays.py, calculus.py"]


def test_a_file_that_is_not_a_zip_is_noted(tmp_path: Path) -> None:
    fake = tmp_path / "sub.zip"
    fake.write_bytes(ARRAYS)
    intake = read_submission(fake, EXPECTED)
    assert intake.files == {} and set(intake.problems) == set(EXPECTED)
    assert intake.notes[0].startswith("sub.zip is not a readable zip file")
    assert "empty" in intake.notes[1]


def test_a_submission_that_does_not_exist_is_noted(tmp_path: Path) -> None:
    intake = read_submission(tmp_path / "nowhere", EXPECTED)
    assert intake.files == {}
    assert intake.notes[0] == "the submission nowhere does not exist"


def test_a_corrupt_zip_entry_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("arrays.py", b"x = 1\n" * 10)
        zf.writestr("calculus.py", CALCULUS)
    raw = bytearray(archive.read_bytes())
    raw[raw.find(b"x = 1")] = ord("y")  # the stored CRC no longer matches
    archive.write_bytes(bytes(raw))
    intake = read_submission(archive, EXPECTED)
    assert intake.files == {"calculus.py": CALCULUS}
    assert "arrays.py" in intake.problems


def test_a_folder_holding_only_a_zip_is_read_from_inside_the_zip(tmp_path: Path) -> None:
    folder = tmp_path / "sub"
    _zip(folder / "upload.zip", {"ps0/arrays.py": ARRAYS, "ps0/calculus.py": CALCULUS})
    (folder / "notes.txt").write_bytes(b"not python\n")
    intake = read_submission(folder, EXPECTED)
    assert intake.files == {"arrays.py": ARRAYS, "calculus.py": CALCULUS}
    assert intake.problems == {}
    assert intake.notes == ["read the files inside upload.zip"]


def test_a_zip_beside_python_files_is_not_opened(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "sub", {"arrays.py": ARRAYS})
    _zip(folder / "upload.zip", {"calculus.py": CALCULUS})
    intake = read_submission(folder, EXPECTED)
    assert intake.files == {"arrays.py": ARRAYS}
    assert intake.problems == {"calculus.py": "calculus.py was not submitted"}


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_of_duplicate_names_the_shallowest_wins(tmp_path: Path, kind: str) -> None:
    files = {
        "old/deeper/arrays.py": b"# deepest\n",
        "top/arrays.py": ARRAYS,
        "zzz/arrays.py": b"# same depth, later\n",
        "top/calculus.py": CALCULUS,
    }
    path = _folder(tmp_path / "sub", files) if kind == "folder" else _zip(tmp_path / "s.zip", files)
    intake = read_submission(path, EXPECTED)
    assert intake.files == {"arrays.py": ARRAYS, "calculus.py": CALCULUS}
    assert intake.notes == [
        "several files named arrays.py: graded top/arrays.py, "
        "ignored zzz/arrays.py, old/deeper/arrays.py"
    ]


def test_backslash_paths_from_windows_zips_are_matched_by_file_name(tmp_path: Path) -> None:
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ps0\\arrays.py", ARRAYS)
        zf.writestr("ps0\\calculus.py", CALCULUS)
    intake = read_submission(archive, EXPECTED)
    assert intake.files == {"arrays.py": ARRAYS, "calculus.py": CALCULUS}


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_a_folder_named_like_a_file_is_called_a_folder(tmp_path: Path, kind: str) -> None:
    files = {"arrays.py/notes.txt": b"x\n", "calculus.py": CALCULUS}
    where = (
        _folder(tmp_path / "sub", files) if kind == "folder" else _zip(tmp_path / "s.zip", files)
    )
    problem = read_submission(where, EXPECTED).problems["arrays.py"]
    assert "arrays.py is a folder in the submission, not a file" in problem


def test_a_compiled_file_is_not_mistaken_for_a_misnamed_source(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path / "sub",
        {"__pycache__/arrays.cpython-311.pyc": b"\x00\x01", "calculus.py": CALCULUS},
    )
    problem = read_submission(folder, EXPECTED).problems["arrays.py"]
    assert "a compiled file the grader cannot read: submit the source file arrays.py" in problem
    assert "rename" not in problem


def test_an_empty_file_is_a_problem(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "sub", {"arrays.py": b"", "calculus.py": b"  \n\n"})
    problems = read_submission(folder, EXPECTED).problems
    assert problems["arrays.py"].startswith("arrays.py is empty: submit the file with your code")
    assert problems["calculus.py"].startswith("calculus.py is empty")


def test_the_files_are_found_after_thousands_of_other_entries(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(20_000):
            zf.writestr(f"junk/{i}.txt", b"")
        zf.writestr("arrays.py", ARRAYS)
        zf.writestr("calculus.py", CALCULUS)
    intake = read_submission(archive, EXPECTED)
    assert intake.files == {"arrays.py": ARRAYS, "calculus.py": CALCULUS}, intake.problems
