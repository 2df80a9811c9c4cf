from __future__ import annotations

import textwrap

import pytest

from autograder.regions import RegionError, find_regions, make_stub, solution_lines

SOURCE = textwrap.dedent(
    '''
    import numpy as np

    HELP = """
    # BEGIN SOLUTION: markers inside strings are text, not regions
    """


    def double(x):
        """Twice x."""
        # BEGIN SOLUTION: multiply by two
        y = 2 * x
        return y
        # END SOLUTION


    class Layer:
        def forward(self, x):
            scale = 3
            # BEGIN SOLUTION: scale the input
            return scale * x
            # END SOLUTION
    '''
)

STUB = textwrap.dedent(
    '''
    import numpy as np

    HELP = """
    # BEGIN SOLUTION: markers inside strings are text, not regions
    """


    def double(x):
        """Twice x."""
        raise NotImplementedError('double: multiply by two')


    class Layer:
        def forward(self, x):
            scale = 3
            raise NotImplementedError('Layer.forward: scale the input')
    '''
)


def test_stub_replaces_each_region_by_a_named_not_implemented_error() -> None:
    assert make_stub(SOURCE) == STUB


def test_regions_know_their_task_and_hint() -> None:
    regions = find_regions(SOURCE)
    assert [(r.task, r.hint) for r in regions] == [
        ("double", "multiply by two"),
        ("Layer.forward", "scale the input"),
    ]


def test_solution_lines_are_the_code_inside_regions() -> None:
    assert solution_lines(SOURCE) == ["y = 2 * x", "return y", "return scale * x"]


def test_the_stub_runs_and_raises_with_the_task_and_hint() -> None:
    namespace: dict[str, object] = {}
    exec(compile(make_stub(SOURCE), "stub", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="double: multiply by two"):
        namespace["double"](1)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("def f():\n    # BEGIN SOLUTION: h\n    return 1\n", "never closed"),
        ("def f():\n    return 1\n    # END SOLUTION\n", "without BEGIN"),
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n", "hint"),
        ("# BEGIN SOLUTION: h\nx = 1\n# END SOLUTION\n", "in a function"),
        (
            "def f():\n    # BEGIN SOLUTION: a\n    # BEGIN SOLUTION: b\n    return 1\n"
            "    # END SOLUTION\n",
            "inside another",
        ),
        ("def f(:\n", "not valid Python"),
    ],
)
def test_malformed_regions_are_errors_with_file_and_line(body: str, problem: str) -> None:
    with pytest.raises(RegionError, match=rf"mod\.py:\d+: .*{problem}"):
        find_regions(body, "mod.py")
