"""Reading subject histories from JSON, JSONL (one subject per line), YAML, CSV or XLSX.

JSONL is streamed line by line in constant memory; a bad line becomes a
:class:`Rejected` item naming file, line and field, and the stream goes on,
so one broken record never hides the rest.  JSON and YAML documents hold one
subject, a list of subjects, or ``{"subjects": [...]}``.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from medcredit.diagnostics.errors import HistoryError, ProblemsError
from medcredit.diagnostics.problems import Problem, YamlPath, suggestion_budget
from medcredit.history.fastpath import EXACT, PYDANTIC, build_subject, line_subject
from medcredit.history.model import Subject
from medcredit.io.encoding import SAMPLE_BYTES, UTF8, BadBytes, Detected, decode_lenient, decode_line, detect
from medcredit.io.limits import MAX_DIGITS, has_surrogate, number_problem, scalar_problems
from medcredit.io.pydantic_problems import MAX_PROBLEMS, problems_from_validation
from medcredit.io.yamlload import Located, load_yaml, read_bytes

#: A JSONL line longer than this is rejected without parsing (a subject is a few KB; this
#: bound and the next keep reading one line within 50 ms of CPU, see docs/guide/robustness.md).
MAX_LINE_BYTES = 256 * 1024
#: At most this many JSON values in one line, estimated by counting separators (in C, before parsing).
MAX_LINE_VALUES = 4096
#: Edit-distance cells "did you mean" may compute for one subject: a few distinct misspelt codes,
#: kinds or keys (about 5,000 cells each), a few ms of CPU.  A line of a hundred distinct near-miss
#: codes took 0.5 s without it; repeated misspellings are cached and cost nothing.
SUGGESTION_CELLS = 20_000


@dataclass(frozen=True, slots=True)
class Loaded:
    """A subject read successfully; ``where`` is ``file:line`` or ``file#index``."""

    where: str
    subject: Subject


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input item that could not be read, with every problem found in it."""

    where: str
    problems: tuple[Problem, ...]


Item = Loaded | Rejected


@dataclass(slots=True)
class ReadTally:
    """What a JSONL read saw, so a batch can account for every line: ``lines`` read, ``blank`` among them.

    Blank (white-space-only, form-feed-only) lines hold no subject and yield no item;
    they are counted here instead of vanishing.
    """

    lines: int = 0
    blank: int = 0
    #: bytes of the lines read so far (characters for a text stream), for progress on large files
    bytes_read: int = 0


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key)
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


class _OutOfBoundsError(ValueError):
    """A number beyond the bounds: the caller parses again without them to say where it is."""


def _bounded_decimal(text: str) -> Decimal:
    reason = number_problem(text)
    if reason is not None:
        raise _OutOfBoundsError(f"{reason}: {text[:40]}")
    return Decimal(text)


def _bounded_int(text: str) -> int:
    reason = number_problem(text)
    if reason is not None:
        raise _OutOfBoundsError(f"{reason}: {text[:40]}")
    return int(text)


def _long_digits(text: str) -> None:
    if len(text) > 4 * MAX_DIGITS:  # the guard that keeps Decimal() and int() cheap
        raise ValueError(f"number has more than {MAX_DIGITS} significant digits: {text[:40]}")


def _located_decimal(text: str) -> Decimal:
    _long_digits(text)
    return Decimal(text)


def _located_int(text: str) -> int:
    _long_digits(text)
    return int(text)


def parse_json(text: str, *, bounded: bool = True, duplicates: bool = False) -> Any:
    """JSON with exact decimals, no NaN/Infinity, and duplicate keys refused.

    ``bounded``: a number beyond the bounds (``1e400``) raises at once.  Without, it is parsed (only a
    number too long to convert cheaply raises) and the walk of :func:`validate_subject` reports it
    at its field, and only for the subject that holds it.  ``duplicates``: a repeated key keeps its last
    value (for a reader that has located the repeats already).
    """
    return json.loads(
        text,
        parse_float=_bounded_decimal if bounded else _located_decimal,
        parse_int=_bounded_int if bounded else _located_int,
        object_pairs_hook=None if duplicates else _no_duplicates,
        parse_constant=_reject_constant,
    )


def detect_format(path: str) -> str:
    lower = path.lower()
    if path == "-" or lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith(".json"):
        return "json"
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".xlsx"):
        return "xlsx"
    raise HistoryError(
        f"{path}: unknown history format",
        [
            Problem(
                code="history-format",
                message="use a .json, .jsonl/.ndjson, .yaml/.yml, .csv or .xlsx file",
                file=path,
            )
        ],
    )


def validate_subject(
    data: Any, *, file: str, locate: Any, base: YamlPath = (), scan: bool = True, fast: bool = True
) -> Subject:
    """Validate one subject mapping; raise HistoryError with located problems.

    ``scan=False`` skips the walk for lone surrogates and unbounded numbers, for data
    already known free of them (a JSONL line without surrogate escapes, parsed with bounds).
    ``fast=False`` skips the hand-checked fast path, for data it has refused already.
    """
    if not isinstance(data, dict):
        line, col = locate(base)
        raise HistoryError(
            f"{file}: not a subject",
            [
                Problem(
                    code="history-not-mapping",
                    message="a subject must be a JSON object / mapping",
                    file=file,
                    line=line,
                    column=col,
                    path=base,
                )
            ],
        )
    bad = [
        Problem(code=f"history-{code}", message=message, file=file, line=pos[0], column=pos[1], path=path)
        for path, code, message in (islice(scalar_problems(data, base), MAX_PROBLEMS) if scan else ())
        for pos in (locate(path),)
    ]
    if bad:
        # refused before pydantic, whose error rendering cannot encode a lone surrogate
        raise HistoryError(f"{file}: invalid subject", bad)
    # the common case, checked by hand; anything else (and every error) is pydantic's
    built = build_subject(data) if fast else None
    if built is not None:
        return built
    with suggestion_budget(SUGGESTION_CELLS):
        try:
            return Subject.model_validate(data)
        except ValidationError as exc:
            problems = problems_from_validation(
                exc, Subject, file=file, locate=locate, base_path=base, code_prefix="history", data=data
            )
            raise HistoryError(f"{file}: invalid subject", problems) from None


def _jsonl_locator(line: str, number: int) -> Any:
    """Locate a path in one JSONL line: the column of its last key's first occurrence (1 if not found)."""

    # one scan of the line per key: a line of hundreds of problems about the same keys (or a
    # missing one, which is searched for to the end) would otherwise rescan it for each
    found: dict[str, int] = {}

    def first(key: str) -> int:
        if key not in found:
            at = line.find(json.dumps(key, ensure_ascii=False))
            found[key] = at if at >= 0 else line.find(json.dumps(key))
        return found[key]

    def locate(path: YamlPath) -> tuple[int, int]:
        for part in reversed(path):
            if isinstance(part, str):
                at = first(part)
                if at >= 0:
                    return number, at + 1
        return number, len(line) - len(line.lstrip()) + 1

    return locate


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _line_too_large(line: str) -> str | None:
    if len(line) > MAX_LINE_BYTES:
        return f"line is {len(line)} characters; the limit is {MAX_LINE_BYTES} (one subject per line)"
    if len(line) <= MAX_LINE_VALUES:
        return None  # each value counted is one character: a line this short cannot hold too many
    values = line.count(",") + line.count(":") + line.count("[") + line.count("{")
    if values > MAX_LINE_VALUES:
        return f"line holds about {values} values; the limit is {MAX_LINE_VALUES} (one subject per line)"
    return None


_IDEOGRAPH = re.compile("[\u3400-\u9fff]")


def _is_utf8(raw: bytes) -> bool:
    """Whether ``raw`` is UTF-8 Chinese text: valid UTF-8 with a CJK ideograph in it.

    A GB18030 line is seldom valid UTF-8, and then mostly as Latin letters with accents (全 is
    C8 AB, which is UTF-8 for ȫ): asking for an ideograph keeps such lines GB18030.
    """
    try:
        text = raw.decode(UTF8)
    except UnicodeDecodeError:
        return False
    return _IDEOGRAPH.search(text) is not None


def iter_jsonl(
    stream: Iterable[str] | Iterable[bytes],
    file: str,
    encoding: str | Detected = UTF8,
    skipped: ReadTally | None = None,
    first_line: int = 1,
) -> Iterator[Item]:
    """Subjects of a JSONL stream; a bytes stream is decoded line by line with ``encoding``.

    A line that cannot be decoded is one rejected item located at its first bad byte;
    the lines before and after it are read as usual.  ``first_line`` numbers the stream's
    first line when it is a chunk of a larger file (``evaluate --jobs``).  With the encoding
    as detected from the file's start (a :class:`~medcredit.io.encoding.Detected` of GB18030),
    a later line that is UTF-8 is rejected: GB18030 decodes almost any bytes, so the line would
    otherwise be read as other characters without a word.
    """
    guessed = isinstance(encoding, Detected) and encoding.how == "detected" and not encoding.is_utf8
    if isinstance(encoding, Detected):
        encoding = encoding.encoding
    items: Iterable[str | bytes] = stream
    for number, raw in enumerate(items, start=first_line):
        if skipped is not None:
            skipped.lines += 1
            skipped.bytes_read += len(raw)
        line: str
        if isinstance(raw, bytes):
            if number == 1 and raw.startswith(codecs.BOM_UTF8) and encoding == UTF8:
                raw = raw[len(codecs.BOM_UTF8) :]
            decoded = decode_line(raw, encoding)
            if guessed and not raw.isascii() and _is_utf8(raw):
                decoded = BadBytes(
                    1,
                    f"this line is UTF-8 but the file was read as {encoding} (detected from its start): "
                    "the file mixes encodings; convert it to one, or give --encoding",
                )
            if isinstance(decoded, BadBytes):
                yield Rejected(
                    f"{file}:{number}",
                    (
                        Problem(
                            code="history-encoding",
                            message=decoded.reason,
                            file=file,
                            line=number,
                            column=decoded.column,
                        ),
                    ),
                )
                continue
            line = decoded
        else:
            line = str(raw)
        if not line or line.isspace():  # what `not line.strip()` says, without copying the line
            if skipped is not None:
                skipped.blank += 1
            continue
        where = f"{file}:{number}"
        too_large = _line_too_large(line)
        if too_large is not None:
            problem = Problem(code="history-too-large", message=too_large, file=file, line=number, column=1)
            yield Rejected(where, (problem,))
            continue
        # surrogates can only come from the text itself or from \\uD800-style escapes in it
        scan = has_surrogate(line) or _SURROGATE_ESCAPE.search(line) is not None
        fast = PYDANTIC if scan else line_subject(line)
        if not isinstance(fast, str):
            yield Loaded(where, fast)
            continue
        try:
            try:
                data = parse_json(line)
            except _OutOfBoundsError:
                data, scan = parse_json(line, bounded=False), True  # located at its field below
        except _DuplicateKeyError as exc:
            yield Rejected(
                where,
                (
                    Problem(
                        code="history-duplicate-key",
                        message=f"duplicate key '{exc.args[0]}'",
                        file=file,
                        line=number,
                        column=1,
                    ),
                ),
            )
            continue
        except (ValueError, RecursionError) as exc:
            col = getattr(exc, "colno", 1)
            msg = getattr(exc, "msg", str(exc))
            yield Rejected(
                where,
                (
                    Problem(
                        code="history-json",
                        message=f"malformed JSON: {msg}",
                        file=file,
                        line=number,
                        column=col,
                    ),
                ),
            )
            continue
        try:
            locate = _jsonl_locator(line, number)
            yield Loaded(where, validate_subject(data, file=file, locate=locate, scan=scan, fast=fast == EXACT))
        except HistoryError as exc:
            yield Rejected(where, exc.problems)


def _document_items(located: Located, data: Any) -> Iterator[Item]:
    file = located.file
    if isinstance(data, dict) and "subjects" in data and "id" not in data:
        extra = sorted(set(data) - {"subjects", "format"})
        if extra:
            yield Rejected(
                file,
                (located.problem("history-unknown-key", f"unknown top-level key '{extra[0]}'", (extra[0],)),),
            )
        items = data["subjects"]
        base: YamlPath = ("subjects",)
    elif isinstance(data, list):
        items, base = data, ()
    else:
        items, base = [data], ()
        if not isinstance(data, dict):
            yield Rejected(
                file,
                (
                    located.problem(
                        "history-not-mapping",
                        "expected a subject, a list of subjects or {subjects: [...]}",
                        (),
                    ),
                ),
            )
            return
        if located.problems:
            yield Rejected(file, located.problems)
            return
        try:
            yield Loaded(file, validate_subject(data, file=file, locate=located.where))
        except HistoryError as exc:
            yield Rejected(file, exc.problems)
        return
    if not isinstance(items, list):
        yield Rejected(file, (located.problem("history-not-list", "'subjects' must be a list", base),))
        return
    # a bad value inside a subject refuses that subject; anywhere else, the whole document
    by_subject: dict[int, list[Problem]] = {}
    for problem in located.problems:
        inside = len(problem.path) > len(base) and tuple(problem.path[: len(base)]) == base
        index = problem.path[len(base)] if inside else None
        if not isinstance(index, int) or not 0 <= index < len(items):
            yield Rejected(file, located.problems)
            return
        by_subject.setdefault(index, []).append(problem)
    for i, item in enumerate(items):
        path = (*base, i)
        line, _col = located.where(path)
        where = f"{file}:{line}"
        if i in by_subject:
            yield Rejected(where, tuple(by_subject[i]))
            continue
        try:
            yield Loaded(where, validate_subject(item, file=file, locate=located.where, base=path))
        except HistoryError as exc:
            yield Rejected(where, exc.problems)


def _locate_constant(text: str) -> tuple[int, int]:
    """Line and column of the first NaN/Infinity outside strings (json reports none)."""
    match = re.search(r'(?<!")\b(-?Infinity|NaN)\b(?!")', text)
    if match is None:
        return 0, 0
    before = text[: match.start()]
    return before.count("\n") + 1, match.start() - (before.rfind("\n") + 1) + 1


def _duplicates_by_subject(text: str, file: str) -> list[Item] | None:
    """The items of a JSON document with a duplicate key, each subject holding one refused; None: not located."""
    try:
        located = load_yaml(text.replace("\t", " "), file, partial=True)
    except ProblemsError as exc:
        return [Rejected(file, exc.problems)]
    if not any(p.code == "duplicate-key" for p in located.problems):
        return None
    try:  # the subjects without a duplicate read as the JSON parse reads them; the others are refused anyway
        data = parse_json(text, bounded=False, duplicates=True)
    except (ValueError, RecursionError):
        return None
    return list(_document_items(located, data))


def iter_document(text: str, file: str, fmt: str) -> Iterator[Item]:
    """Subjects of one JSON or YAML document (positions come from the YAML composer)."""
    if fmt == "json":
        try:
            try:
                data = parse_json(text)
            except _OutOfBoundsError:
                data = parse_json(text, bounded=False)  # each subject is scanned: the one holding it is refused
        except _DuplicateKeyError as exc:
            # locate it: the YAML composer sees the same document and reports the line and the path, so a
            # duplicate inside one subject refuses that subject, as in a YAML document
            refused = _duplicates_by_subject(text, file)
            if refused is not None:
                yield from refused
                return
            yield Rejected(
                file,
                (
                    Problem(
                        code="history-duplicate-key",
                        message=f"duplicate key '{exc.args[0]}'",
                        file=file,
                    ),
                ),
            )
            return
        except (ValueError, RecursionError) as exc:
            line, col = getattr(exc, "lineno", 0), getattr(exc, "colno", 0)
            if not line:
                line, col = _locate_constant(text)
            problem = Problem(
                code="history-json",
                message=f"malformed JSON: {getattr(exc, 'msg', exc)}",
                file=file,
                line=line,
                column=col,
            )
            yield Rejected(file, (problem,))
            return
        try:
            # JSON is YAML for positions, except that YAML refuses tab indentation: tabs can only be
            # white space in valid JSON, so replacing them keeps every line number
            located = load_yaml(text.replace("\t", " "), file, partial=True)
        except ProblemsError:
            located = Located(data=None, positions={}, file=file)
        # the JSON parse is the data; the value problems the YAML view sees are found again per subject
        yield from _document_items(replace(located, problems=()), data)
        return
    try:
        located = load_yaml(text, file, partial=True)
    except ProblemsError as exc:
        yield Rejected(file, exc.problems)
        return
    yield from _document_items(located, located.data)


class EncodingNotice(UserWarning):
    """Issued (through :mod:`warnings`) when a history is read in an encoding other than UTF-8."""


WarningSink = Callable[[Problem], None]


def _warn(problem: Problem) -> None:
    warnings.warn(problem.render(), EncodingNotice, stacklevel=3)


def _open_binary(name: str) -> IO[bytes]:
    try:
        return Path(name).open("rb")
    except OSError as exc:
        raise HistoryError(
            f"cannot read {name}",
            [Problem(code="io", message=str(exc.strerror or exc), file=name)],
        ) from exc


def iter_subjects(
    path: str | Path,
    skipped: ReadTally | None = None,
    *,
    encoding: str | None = None,
    on_warning: WarningSink | None = None,
) -> Iterator[Item]:
    """Every subject in a history file (``-`` reads JSONL from standard input).

    ``encoding`` forces the text encoding (``utf-8``, ``gb18030``/``gbk``, ...); by default it
    is detected (:mod:`medcredit.io.encoding`).  When the file is not read as UTF-8 a warning
    saying which encoding was used goes to ``on_warning`` (default: :func:`warnings.warn`).
    Spreadsheets (``.csv``, ``.xlsx``) are read by :mod:`medcredit.history.spreadsheet`.
    Blank JSONL lines and blank spreadsheet rows hold no subject; they are counted in ``skipped`` when given.
    """
    name = str(path)
    sink = on_warning or _warn
    fmt = detect_format(name)
    if fmt in ("csv", "xlsx"):
        from medcredit.history.spreadsheet import iter_spreadsheet

        yield from iter_spreadsheet(name, fmt, encoding=encoding, on_warning=sink, skipped=skipped)
        return
    if fmt == "jsonl":
        stdin = name == "-"
        file = "<stdin>" if stdin else name
        handle = sys.stdin.buffer if stdin else _open_binary(name)
        try:
            sample = handle.peek(SAMPLE_BYTES)[:SAMPLE_BYTES] if hasattr(handle, "peek") else b""
            detected = detect(sample, encoding, file)
            if not detected.is_utf8:
                sink(detected.notice(file))
            yield from iter_jsonl(handle, file, detected, skipped)
        finally:
            if not stdin:
                handle.close()
        return
    data = read_bytes(Path(name))
    detected = detect(data[:SAMPLE_BYTES], encoding, name)
    if not detected.is_utf8:
        sink(detected.notice(name))
    text, undecodable = decode_lenient(data, detected, name)
    if not undecodable:
        yield from iter_document(text, name, fmt)
        return
    yield from _without_undecodable(list(iter_document(text, name, fmt)), undecodable, name)


def _line_of(where: str, file: str) -> int | None:
    rest = where[len(file) + 1 :] if where.startswith(file + ":") else ""
    return int(rest) if rest.isdigit() else None


def _without_undecodable(items: list[Item], undecodable: list[Problem], file: str) -> Iterator[Item]:
    """Reject the subjects whose lines had undecodable bytes; the others stand as read.

    A subject of a list spans the lines from its first line to the next subject's; bytes
    outside every subject (or in a one-subject document) reject the whole document.
    """
    starts = sorted({line for item in items if (line := _line_of(item.where, file)) is not None})
    owner: dict[int, list[Problem]] = {}
    for problem in undecodable:
        before = [start for start in starts if start <= problem.line]
        if not before:
            yield Rejected(file, tuple(undecodable))
            return
        owner.setdefault(before[-1], []).append(problem)
    for item in items:
        line = _line_of(item.where, file)
        bad = owner.get(line, []) if line is not None else []
        if not bad:
            yield item
        else:
            own = item.problems if isinstance(item, Rejected) else ()
            yield Rejected(item.where, (*bad, *own))


def load_subject(path: str | Path, *, encoding: str | None = None) -> Subject:
    """Exactly one subject from a file; raise HistoryError otherwise."""
    items = list(iter_subjects(path, encoding=encoding))
    problems = [p for item in items if isinstance(item, Rejected) for p in item.problems]
    if problems:
        raise HistoryError(f"{path}: invalid history", problems)
    if len(items) != 1:
        raise HistoryError(
            f"{path}: expected one subject, found {len(items)}",
            [Problem(code="history-count", message=f"{len(items)} subjects", file=str(path))],
        )
    item = items[0]
    assert isinstance(item, Loaded)
    return item.subject


def subject_from_data(data: Any, *, source: str = "<data>") -> Subject:
    """One subject from a mapping (parsed JSON) or from JSON text; raise :class:`HistoryError` otherwise.

    The documented way to build a :class:`Subject` from untrusted data: unlike
    ``Subject.model_validate`` it never raises a raw pydantic error, and every
    problem names ``source`` and the field's path (and, for text, line and column).
    """
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problem = Problem(code="encoding", message=f"not valid UTF-8: {exc.reason}", file=source)
            raise HistoryError(f"{source} is not UTF-8", [problem]) from None
    if isinstance(data, str):
        items = list(iter_document(data, source, "json"))
        problems = [p for item in items if isinstance(item, Rejected) for p in item.problems]
        if problems:
            raise HistoryError(f"{source}: invalid subject", problems)
        if len(items) != 1:
            problem = Problem(code="history-count", message=f"expected one subject, found {len(items)}", file=source)
            raise HistoryError(f"{source}: expected one subject", [problem])
        item = items[0]
        assert isinstance(item, Loaded)
        return item.subject
    return validate_subject(data, file=source, locate=lambda _path: (0, 0))
