"""What every command shares: exit codes, languages, progress and the closing summary, JSON and problem output,
argument types."""

from __future__ import annotations

import argparse
import codecs
import datetime as dt
import json
import os
import re
import stat
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO

from medcredit.cli.messages import Lang, kind_name, msg, resolve_lang
from medcredit.diagnostics.arguments import FIRST_DAY, LAST_DAY
from medcredit.diagnostics.errors import ArgumentError
from medcredit.diagnostics.escape import github_message, github_property
from medcredit.diagnostics.problems import Problem, suggest
from medcredit.engine.arguments import check_cycle
from medcredit.engine.batch import BatchSummary
from medcredit.io.paths import same_file

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def ui_lang(args: argparse.Namespace) -> Lang:
    """The language of the CLI's own messages: ``--lang`` if given (globally or on the command), else the locale."""
    return resolve_lang(getattr(args, "lang", None))


def report_lang(args: argparse.Namespace, default: Lang) -> Lang:
    """The language of a command's report: ``--lang`` if given, else the command's documented ``default``."""
    given = getattr(args, "lang", None)
    return given if given in ("zh", "en") else default


def add_lang_option(parser: argparse.ArgumentParser, default: Lang, what: str = "text output") -> None:
    """A command's ``--lang``; left unset when not given, so a global ``medcredit --lang`` before it still counts."""
    parser.add_argument(
        "--lang",
        choices=["zh", "en"],
        default=argparse.SUPPRESS,
        help=f"language of the {what} and of messages (default: the global --lang, else {default})",
    )


def emit_json(body: object, out: IO[str] | None = None) -> None:
    """A command's result as JSON: UTF-8 text, sorted keys, two-space indent (stable for diffs and scripts)."""
    (out or sys.stdout).write(json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def progress_enabled(choice: bool | None, stream: IO[str]) -> bool:
    """``--progress`` / ``--no-progress`` decide; otherwise only a terminal shows progress (never a captured stream)."""
    if choice is not None:
        return choice
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _duration(seconds: float) -> str:
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """A one-line progress report on stderr: subjects, and for a file of known size bytes read of the total,
    percent, rate and ETA (all computed from bytes read, which is what a stream knows).

    Shown only when enabled (a terminal, or ``--progress``), redrawn at most every ``interval`` seconds.
    ``position`` returns the bytes read so far; ``clock`` is injectable so tests need no real time.
    """

    def __init__(
        self,
        stream: IO[str],
        label: str,
        *,
        enabled: bool | None = None,
        total: int | None = None,
        position: Callable[[], int] | None = None,
        lang: Lang = "en",
        clock: Callable[[], float] = time.monotonic,
        interval: float = 0.2,
    ) -> None:
        self.stream = stream
        self.enabled = progress_enabled(enabled, stream)
        self.label = label
        self.total = total if total and total > 0 else None
        self.position = position
        self.lang: Lang = lang
        self.clock = clock
        self.interval = interval
        self.count = 0
        self.started = clock()
        self._drawn = self.started

    def tick(self) -> None:
        self.count += 1
        if self.enabled and self.count % 16 == 0:  # reading the clock for every subject costs time
            now = self.clock()
            if now - self._drawn >= self.interval:
                self._drawn = now
                self._draw(now, end="")

    def line(self, now: float) -> str:
        """The progress line at time ``now`` (of ``clock``)."""
        parts = [msg("progress_count", self.lang, label=self.label, count=self.count)]
        elapsed = max(now - self.started, 1e-9)
        if self.position is not None:
            done = self.position()
            if self.total is not None:
                done = min(done, self.total)
                percent = done * 100 // self.total
                parts.append(
                    msg("progress_bytes", self.lang, done=_size(done), total=_size(self.total), percent=percent)
                )
            rate = done / elapsed
            parts.append(msg("progress_rate", self.lang, rate=_size(rate)))
            if self.total is not None and rate > 0:
                parts.append(msg("progress_eta", self.lang, eta=_duration((self.total - done) / rate)))
        else:
            parts.append(msg("progress_rate", self.lang, rate=f"{self.count / elapsed:,.0f}"))
        return " · ".join(parts)

    def _draw(self, now: float, end: str) -> None:
        # \r and clear-to-end-of-line so a shorter line leaves no tail of the previous one
        self.stream.write(f"\r{self.line(now)}\033[K{end}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(self.clock(), end="\n")


def file_size(name: str) -> int | None:
    """The size of a regular file in bytes; ``None`` for stdin, pipes and anything unreadable."""
    if name == "-":
        return None
    try:
        st = os.stat(name)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def grade_counts(results: Counter[str], lang: Lang) -> str:
    """``A 3, B 1, excluded 2``: the batch's outcomes, grades by their label, ungraded subjects by status."""
    if not results:
        return msg("summary_no_grades", lang)
    return msg("summary_grades", lang, grades=", ".join(f"{k} {v}" for k, v in sorted(results.items())))


def closing_line(summary: BatchSummary, outcomes: Counter[str] | None, seconds: float, lang: Lang) -> str:
    """The closing summary of a batch: the account of every input, the outcomes by grade, the time taken."""
    parts = [msg("summary", lang, **_account(summary))]
    if summary.linked:
        parts.append(msg("summary_linked", lang, linked=summary.linked))
    if outcomes is not None:
        parts.append(grade_counts(outcomes, lang))
    parts.append(msg("summary_time", lang, seconds=seconds))
    return ("; " if lang == "en" else "；").join(parts)


def _account(summary: BatchSummary) -> dict[str, int]:
    return {
        "inputs": summary.inputs,
        "results": summary.results,
        "rejected": summary.rejected,
        "failed": summary.failed,
        "skipped": summary.skipped,
    }


def emit_problems(problems: Sequence[Problem], out: IO[str], fmt: str = "parsable") -> None:
    """One line per problem: ``file:line:col: [level] message (code)``, or a GitHub workflow command
    (``--format github``), escaped so that no value of the input can break the line or start a command."""
    for p in problems:
        if fmt == "github":
            where = f"file={github_property(p.file)},line={p.line},col={p.column},title={github_property(p.code)}"
            out.write(f"::{p.level} {where}::{github_message(p.raw_message)}\n")
        else:
            out.write(p.render() + "\n")


#: Text like what the grading commands write (names, grades, reasons, quotes of the law are Chinese).
CJK_SAMPLE = "医疗保障信用评价"


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def unfit_output(stream: IO[str]) -> str | None:
    """The encoding of ``stream`` when it cannot write Chinese text (writing would fail part way), else None.

    A stream whose error handler replaces what it cannot encode (stderr's backslashreplace) never fails.
    """
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str) or not encoding:
        return None
    errors = getattr(stream, "errors", None)
    try:
        CJK_SAMPLE.encode(encoding, errors if isinstance(errors, str) and errors else "strict")
    except UnicodeEncodeError:
        return encoding
    except LookupError:  # an encoding or error handler Python does not know: writing will say so itself
        return None
    return None


def is_output_encoding_error(exc: UnicodeEncodeError, stream: IO[str]) -> bool:
    """Whether ``exc`` is ``stream`` refusing a character its encoding cannot hold (not some other bug)."""
    encoding = getattr(stream, "encoding", None)
    return isinstance(encoding, str) and _codec(exc.encoding) == _codec(encoding)


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
        type=seeds_dir_arg,
        default=None,
        metavar="DIR",
        help="directory of the documents' original texts (document.seed); default: beside each pack file",
    )


def seeds_dir_arg(text: str) -> Path:
    """``--seeds DIR``: an existing directory; anything else is a usage error, never a silent fall-back to the
    seeds found beside the pack or in the package."""
    path = Path(text)
    if not path.is_dir():
        what = "is not a directory" if path.exists() else "does not exist"
        raise argparse.ArgumentTypeError(f"'{text[:200]}' {what} (--seeds takes the directory of the seeds)")
    return path


def parse_date(text: str) -> dt.date:
    """A day given as ``YYYY-MM-DD`` (ASCII digits), within the days medcredit reasons about."""
    try:
        if len(text) != 10 or not text.isascii():
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a date (YYYY-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"{day} is out of range: a day from {FIRST_DAY} to {LAST_DAY}")
    return day


_ASCII_WHOLE = re.compile(r"[0-9]{1,18}")  # longer is never a count or a year (and int() refuses 4,301 digits)
_ASCII_YEAR = re.compile(r"-?[0-9]{1,100}")
_ASCII_DECIMAL = re.compile(r"[0-9]{1,18}(\.[0-9]{1,18})?|\.[0-9]{1,18}")


def ascii_whole(text: str) -> int | None:
    """The whole number ``text`` spells in ASCII digits only, else None.

    ``int()`` also takes Arabic-Indic or full-width digits, ``1_990``, signs and surrounding spaces: none of
    them is a way to write a year or a count on a command line, and each is more likely a mistake.  More than
    18 digits is no count either.
    """
    return int(text) if _ASCII_WHOLE.fullmatch(text) else None


def count_or_auto(unit: str) -> Callable[[str], int]:
    """``--jobs``: a number of ``unit`` (processes, threads) from 1 to 64, or ``auto`` (0 here)."""

    def parse(text: str) -> int:
        if text == "auto":
            return 0
        value = ascii_whole(text)
        if value is None:
            raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a whole number of {unit} or auto")
        if not 1 <= value <= 64:
            raise argparse.ArgumentTypeError(f"--jobs takes 1 to 64 {unit}")
        return value

    return parse


def whole_arg(what: str, minimum: int = 0) -> Callable[[str], int]:
    """An argument type: a whole number in ASCII digits, at least ``minimum``."""

    def parse(text: str) -> int:
        value = ascii_whole(text.removeprefix("-"))
        if value is not None and text.startswith("-"):
            value = -value
        if value is None:
            raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a whole number in digits 0-9 ({what})")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{what} must be at least {minimum}, not {value}")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


def positive_seconds(text: str) -> float:
    """An argument type: a finite number of seconds above zero, in ASCII (``nan``, ``inf``, ``-1`` refused)."""
    if not _ASCII_DECIMAL.fullmatch(text) or float(text) <= 0:
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a number of seconds above zero (e.g. 30 or 2.5)")
    return float(text)


def cycle_arg(text: str) -> int:
    """``--cycle``: a year in ASCII digits within the range the engine reasons about (a usage error otherwise)."""
    if not _ASCII_YEAR.fullmatch(text):
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a year (e.g. 2023)")
    try:
        return check_cycle(int(text))  # a negative or huge year is a year out of range
    except ValueError as exc:  # ArgumentError is a ValueError too
        raise argparse.ArgumentTypeError(str(exc)) from None


def refuse_same_file(named: Sequence[tuple[str, object]], lang: Lang = "en") -> None:
    """Refuse (usage error, exit 2) a command whose files, given as (option, path), include one file twice.

    An output that is also an input (or another output) would be truncated before it is read, or be
    written twice with the second write winning; a path of ``None`` or ``-`` (a standard stream) is not a file.
    """
    seen: list[tuple[str, str]] = []
    for option, path in named:
        if path is None or str(path) == "-":
            continue
        for other_option, other in seen:
            if same_file(other, str(path)):
                raise ArgumentError(msg("same_file", lang, first=other_option, second=option, path=path))
        seen.append((option, str(path)))


def refuse_overwriting(inputs: Sequence[tuple[str, object]], output: tuple[str, object], lang: Lang = "en") -> None:
    """Refuse (usage error, exit 2) an ``output`` (option, path) that is one of the ``inputs`` (which may be one
    file among themselves: reading a file twice destroys nothing)."""
    for given in inputs:
        refuse_same_file([given, output], lang)


def pack_file(pack: str | None) -> str | None:
    """``pack`` when it names a file (a pack given by path), None for a bundled pack's name."""
    return pack if pack is not None and os.path.isfile(pack) else None


def require_known(kind: str, given: Iterable[str] | None, known: Iterable[str], lang: Lang = "en") -> None:
    """Refuse (usage error, exit 2) the first of ``given`` that is not ``known``, with a did-you-mean.

    An unknown id must never be accepted silently: ``check --select nonsense`` would run
    nothing and succeed, a misspelt ``--declare`` would just be ignored.
    """
    names = sorted(set(known))
    for name in given or ():
        if name not in names:
            hint = suggest(name, names)
            extra = msg("did_you_mean", lang, hint=hint) if hint else ""
            known_text = ", ".join(names) or msg("none", lang)
            named = kind_name(kind, lang)
            raise ArgumentError(msg("unknown_name", lang, kind=named, name=name[:80], known=known_text) + extra)
