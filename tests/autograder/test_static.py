"""Static checks on submitted source: it parses, and imports nothing forbidden."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autograder.static import (
    check_source,
    imported_modules,
    reached_imports,
    read_sources,
    relative_imports,
    with_imports,
)

FORBIDDEN = ("torch", "scipy")


def test_a_syntax_error_names_the_file_and_the_line() -> None:
    message = check_source("arrays.py", "x = 1\n\ndef f(:\n    pass\n", FORBIDDEN)
    assert message is not None
    assert message.startswith("arrays.py does not parse (line 3: ")
    assert "fix the syntax error" in message


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("x = 1\nfrom __future__ import annotations\n", 2),
        ("def f():\n    pass\nreturn 3\n", 3),
        ("def f():\n    nonlocal y\n", 2),
    ],
)
def test_what_only_the_compiler_rejects_is_a_syntax_error_too(source: str, line: int) -> None:
    """A file can parse and still not import: `make test`'s file check and `make submit`
    must say so, not the grader later."""
    message = check_source("rnn.py", source, FORBIDDEN)
    assert message is not None and message.startswith(f"rnn.py does not parse (line {line}: ")


@pytest.mark.parametrize(
    "statement",
    [
        "import torch",
        "from torch.nn import functional",
        "import torch.nn as nn",
        "x = __import__('torch')",
        "import importlib; nn = importlib.import_module('torch.nn')",
        "from importlib import import_module; nn = import_module('torch.nn')",
        "import os, torch",
        "def f():\n    import torch",
    ],
)
def test_forbidden_imports_are_flagged_with_their_line(statement: str) -> None:
    source = f'"""Doc."""\nimport numpy as np\n\n{statement}\n'
    line = 5 if statement.startswith("def") else 4
    message = check_source("arrays.py", source, FORBIDDEN)
    assert message == (
        f"arrays.py imports torch (line {line}), which this assignment does not allow there: "
        "remove that import"
    )


def test_the_first_forbidden_import_is_reported() -> None:
    message = check_source("calculus.py", "import os\nimport scipy\nimport torch\n", FORBIDDEN)
    assert message is not None and "imports scipy (line 2)" in message


@pytest.mark.parametrize(
    "source",
    [
        "from . import torch\n",
        "from .torch import nn\n",
        "from ..scipy import stats\n",
        "import numpy as np\nfrom collections import abc\nimport torchvision\n",
        "x = getattr(np, 'torch', None)\ns = 'import torch'\n",
        "name = 'torch'\nm = __import__(name)\n",
        "",
    ],
)
def test_relative_and_allowed_imports_pass(source: str) -> None:
    assert check_source("arrays.py", source, FORBIDDEN) is None


def test_nothing_is_forbidden_without_a_forbidden_list() -> None:
    assert check_source("arrays.py", "import torch\n", ()) is None


def test_imported_modules_lists_top_level_modules_and_lines() -> None:
    source = (
        "import os.path, torch.nn as nn\n"
        "from numpy.linalg import norm\n"
        "from . import sibling\n"
        "import importlib\n"
        "m = importlib.import_module('scipy.stats')\n"
        "n = __import__('jax')\n"
    )
    assert imported_modules(ast.parse(source)) == [
        ("os", 1),
        ("torch", 1),
        ("numpy", 2),
        ("importlib", 4),
        ("scipy", 5),
        ("jax", 6),
    ]


def test_a_null_byte_gives_a_message_rather_than_an_exception() -> None:
    message = check_source("arrays.py", "x = 1\0\n", FORBIDDEN)
    assert message is not None
    assert message.startswith("arrays.py does not parse")
    assert "null" in message


def test_relative_imports_are_followed_to_every_file_a_case_needs(tmp_path: Path) -> None:
    files = ("layers.py", "model.py", "train.py", "autodiff.py", "broken.py")
    (tmp_path / "layers.py").write_text("import numpy as np\n")
    (tmp_path / "model.py").write_text("from . import layers, numpy_helpers\n")
    (tmp_path / "train.py").write_text("from .model import MLP\nfrom .. import elsewhere\n")
    (tmp_path / "autodiff.py").write_text("import math\n")
    (tmp_path / "broken.py").write_text("def f(:\n")
    imports = relative_imports(tmp_path.name, read_sources(tmp_path, files))
    assert imports["model.py"] == {"layers.py"} and imports["train.py"] == {"model.py"}
    assert imports["broken.py"] == frozenset()
    assert with_imports(frozenset({"train.py"}), imports) == {"train.py", "model.py", "layers.py"}
    assert with_imports(frozenset({"autodiff.py"}), imports) == {"autodiff.py"}


def test_absolute_imports_of_the_package_itself_count_too(tmp_path: Path) -> None:
    package = tmp_path / "hw9"
    package.mkdir()
    (package / "a.py").write_text("from hw9 import b\nimport hw9.c\nfrom hw9.d import f\n")
    for name in "bcd":
        (package / f"{name}.py").write_text("import numpy\n")
    imports = relative_imports("hw9", read_sources(package, ("a.py", "b.py", "c.py", "d.py")))
    assert imports["a.py"] == {"b.py", "c.py", "d.py"}


def test_a_file_may_not_reach_a_forbidden_module_through_another_file() -> None:
    sources = {
        "conv.py": "import numpy as np\nfrom . import helpers\n",
        "helpers.py": "from .cnn import make\n",
        "cnn.py": "import numpy\nimport torch  # allowed here\n",
        "pool.py": "from hw2 import conv\n",
    }
    forbidden = {"conv.py": ("torch",), "pool.py": ("torch",), "helpers.py": ()}
    problems = reached_imports(sources, forbidden, "hw2")
    assert set(problems) == {"conv.py", "pool.py"}  # cnn.py itself may import torch
    assert problems["conv.py"] == (
        "conv.py imports cnn.py, which imports torch (line 2): conv.py may not use torch "
        "in this assignment, not even through another file"
    )
    assert "pool.py imports cnn.py, which imports torch" in problems["pool.py"]
