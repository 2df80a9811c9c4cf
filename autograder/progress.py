"""One progress bar on stderr, for the long loops of instructor commands: expected
outputs at build time, submissions in a batch."""

from __future__ import annotations

import sys
import time


class Progress:
    """``[#####.....] 12/40 <what>, 7 s``, redrawn in place on a terminal; elsewhere (a
    log, a pipe) one line when done."""

    def __init__(self, total: int, what: str, width: int = 30) -> None:
        self.total, self.what, self.width = total, what, width
        self.start = time.monotonic()
        self.done = 0
        self.show()

    def step(self, count: int = 1) -> None:
        self.done += count
        self.show()

    def show(self) -> None:
        if not sys.stderr.isatty():
            if self.done >= self.total:
                elapsed = time.monotonic() - self.start
                sys.stderr.write(f"{self.done}/{self.total} {self.what}, {elapsed:.0f} s\n")
            return
        filled = int(self.width * self.done / max(self.total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.monotonic() - self.start
        sys.stderr.write(f"\r[{bar}] {self.done}/{self.total} {self.what}, {elapsed:.0f} s")
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()
