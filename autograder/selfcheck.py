"""Check a grading environment as ``setup.sh`` builds it: every pinned package imports
at its pinned version, and torch and torchvision (where present) each run one small
operation together, which a mismatched pair fails.

``python -m autograder.selfcheck requirements.txt`` prints what it found; exit status 1
when something is wrong, with what to do.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path


def mismatches(requirements: str) -> list[str]:
    """The pins of ``requirements`` (``name==version`` lines) that are not installed."""
    problems = []
    for line in requirements.split():
        name, _, wanted = line.partition("==")
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed (wanted {wanted})")
            continue
        if have.split("+")[0] != wanted.split("+")[0]:  # 2.14.1+cpu is 2.14.1
            problems.append(f"{name} {have} is installed, not {wanted}")
    return problems


def torch_pair() -> str:
    """One convolution and one torchvision transform: a mismatched pair fails here."""
    import torch
    from torchvision.transforms import v2  # type: ignore[import-untyped]

    image = torch.arange(16.0).reshape(1, 1, 4, 4)
    out = torch.nn.functional.conv2d(image, torch.ones(1, 1, 2, 2))
    cropped = v2.RandomCrop(3, padding=1)(image[0])
    if out.shape != (1, 1, 3, 3) or cropped.shape != (1, 3, 3):
        raise RuntimeError("torch and torchvision gave wrong shapes")
    return f"torch {torch.__version__} and torchvision work together"


def main(path: str) -> int:
    text = Path(path).read_text()
    problems = mismatches(text)
    names = {line.partition("==")[0] for line in text.split()}
    if not problems and "torchvision" in names:
        try:
            print(f"selfcheck: {torch_pair()}")
        except Exception as exc:  # noqa: BLE001 - any failure is the message
            problems.append(f"torch and torchvision do not work together: {exc!r}")
    for problem in problems:
        print(f"selfcheck: {problem}", file=sys.stderr)
    if problems:
        print(
            "selfcheck: the grading environment is broken: fix the pins, then rebuild",
            file=sys.stderr,
        )
        return 1
    print(f"selfcheck: {len(names)} pinned packages installed, Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
