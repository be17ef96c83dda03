"""What every command shares: exit codes, progress on a terminal, problem output, argument types."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from medcredit.diagnostics.problems import Problem

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class Progress:
    """A one-line progress counter on stderr, shown only when stderr is a terminal."""

    def __init__(self, stream: IO[str], label: str, every: int = 1000) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.label = label
        self.every = every
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if self.enabled and self.count % self.every == 0:
            self.stream.write(f"\r{self.label}: {self.count:,} subjects")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write(f"\r{self.label}: {self.count:,} subjects\n")
            self.stream.flush()


def emit_problems(problems: Sequence[Problem], out: IO[str], fmt: str = "parsable") -> None:
    for p in problems:
        if fmt == "github":
            out.write(f"::{p.level} file={p.file},line={p.line},col={p.column},title={p.code}::{p.full_message}\n")
        else:
            out.write(p.render() + "\n")


def colour_enabled(choice: str, stream: IO[str]) -> bool:
    """``--color auto|always|never``; auto colours a terminal unless NO_COLOR is set (https://no-color.org)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    return stream.isatty() and not os.environ.get("NO_COLOR")


def add_seeds_option(parser: argparse.ArgumentParser) -> None:
    """``--seeds DIR``: where the packs' source texts (``document.seed``) are, besides next to each pack."""
    parser.add_argument(
        "--seeds",
        type=Path,
        default=None,
        metavar="DIR",
        help="directory of the documents' original texts (document.seed); default: beside each pack file",
    )


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None
