"""What every command shares: exit codes, progress on a terminal, problem output, argument types."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from medcredit.diagnostics.errors import ArgumentError, MedcreditError
from medcredit.diagnostics.problems import Problem, suggest
from medcredit.engine.arguments import check_cycle

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


def cycle_arg(text: str) -> int:
    """``--cycle``: a year within the range the engine reasons about (a usage error otherwise)."""
    try:
        return check_cycle(int(text))
    except ValueError as exc:  # ArgumentError is a ValueError too
        message = str(exc) if isinstance(exc, MedcreditError) else f"'{text[:40]}' is not a year (e.g. 2023)"
        raise argparse.ArgumentTypeError(message) from None


def require_known(kind: str, given: Iterable[str] | None, known: Iterable[str]) -> None:
    """Refuse (usage error, exit 2) the first of ``given`` that is not ``known``, with a did-you-mean.

    An unknown id must never be accepted silently: ``check --select nonsense`` would run
    nothing and succeed, a misspelt ``--declare`` would just be ignored.
    """
    names = sorted(set(known))
    for name in given or ():
        if name not in names:
            hint = suggest(name, names)
            extra = f"; did you mean '{hint}'?" if hint else ""
            raise ArgumentError(f"unknown {kind} '{name[:80]}' (known: {', '.join(names) or 'none'}){extra}")
