"""Reading histories from spreadsheets (``.csv``, ``.xlsx``) in the layout of
:mod:`medcredit.history.spreadsheet_layout`.

Rows are turned into the same dictionaries a JSON history holds and validated
by the same models, so a record is accepted or refused for the same reasons in
every format; each problem is located at ``file:row:column`` (CSV) or
``file:sheet!row:column`` (XLSX), the column being the 1-based field index.
A subject with a bad row is rejected as a whole (as a JSON subject with a bad
record is) and every other subject is still read.  CSV text is decoded line by
line in the given or detected encoding (UTF-8, GB18030/GBK); an undecodable
line is one located error.  XLSX needs the optional ``medcredit[excel]`` extra.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from medcredit.diagnostics.errors import HistoryError
from medcredit.diagnostics.problems import Problem, YamlPath, suggest
from medcredit.history.reader import Item, Loaded, ReadTally, Rejected, validate_subject
from medcredit.history.spreadsheet_layout import BOOLEANS, BY_HEADER, RECORDS_SHEET, Column, column_letter
from medcredit.io.encoding import SAMPLE_BYTES, BadBytes, decode_line, detect
from medcredit.io.yamlload import read_bytes

#: a worksheet or CSV file with more rows than this is refused before reading
MAX_ROWS = 1_000_000

Cell = Any
Row = tuple[int, list[Cell]]  # 1-based row number, cells


@dataclass(slots=True)
class _Place:
    """Where things are: the file (and sheet), to make located problems."""

    file: str
    sheet: str | None

    def where(self, row: int) -> str:
        return f"{self.file}:{self.sheet}!{row}" if self.sheet is not None else f"{self.file}:{row}"

    def problem(self, code: str, message: str, row: int, column: int, path: YamlPath = ()) -> Problem:
        return Problem(code=code, message=message, file=self.file, sheet=self.sheet, line=row, column=column, path=path)


@dataclass(slots=True)
class _Subject:
    """The rows of one subject, gathered before validation."""

    first_row: int
    data: dict[str, Any] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    positions: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _text(value: Cell) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _value(column: Column, cell: Cell) -> Any:
    """The JSON value of a non-empty cell (spreadsheet representations undone, nothing validated)."""
    if isinstance(cell, float) and cell.is_integer() and abs(cell) >= 2**53 and column.type not in ("decimal", "int"):
        # a number cell holds at most 15-17 digits: an 18-digit id there has already lost its last digits, so
        # it is passed on as the number it is and refused where it is read, never turned into another id
        return cell
    if column.type == "decimal" and isinstance(cell, float):
        return Decimal(repr(cell))  # the shortest text that reads back as the cell's number, never a float
    if column.type == "decimal" and isinstance(cell, int) and not isinstance(cell, bool):
        return Decimal(cell)
    if column.type == "int" and isinstance(cell, float) and cell.is_integer():
        return int(cell)
    if column.type == "bool":
        if isinstance(cell, bool):
            return cell
        text = _text(cell)
        return BOOLEANS.get(text.lower(), text)
    if column.type == "date" and isinstance(cell, dt.datetime) and cell.time() == dt.time():
        return cell.date().isoformat()
    if column.type == "date" and isinstance(cell, dt.date):
        return cell.isoformat()
    return _text(cell)


def _empty(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _set(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _header(place: _Place, row: Row) -> list[Column | None] | Problem:
    """The column of each header cell (``None`` for an empty trailing cell), or the first problem."""
    number, cells = row
    columns: list[Column | None] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells, start=1):
        name = _text(cell)
        if not name:
            columns.append(None)
            continue
        column = BY_HEADER.get(name) or BY_HEADER.get(name.lower())
        if column is None:
            return replace(
                place.problem("history-column", f"unknown column '{name}'", number, index),
                suggestion=suggest(name, BY_HEADER),
            )
        if column.id in seen:
            return place.problem(
                "history-column",
                f"column '{name}' appears twice (first as column {column_letter(seen[column.id])})",
                number,
                index,
            )
        seen[column.id] = index
        columns.append(column)
    if "subject_id" not in seen:
        return place.problem("history-column", "no 'subject_id' (主体编号) column", number, 1)
    return columns


def _add_row(place: _Place, subject: _Subject, number: int, cells: dict[Column, tuple[int, Cell]]) -> None:
    """Put one row's cells into the subject being gathered."""
    for column, (index, cell) in cells.items():
        if not column.subject:
            continue
        value = _value(column, cell)
        path: YamlPath = column.path
        if path[0] in subject.data and _lookup(subject.data, column.path) is not None:
            if _lookup(subject.data, column.path) != value:
                first = subject.positions.get(path, (0, 0))[0]
                subject.problems.append(
                    place.problem(
                        "history-conflict",
                        f"{column.id} '{_text(cell)}' differs from row {first} of the same subject",
                        number,
                        index,
                        path,
                    )
                )
            continue
        _set(subject.data, column.path, value)
        subject.positions[path] = (number, index)
        if len(path) > 1:
            subject.positions.setdefault(path[:1], (number, index))
    record_cells = {c: v for c, v in cells.items() if not c.subject}
    if not record_cells:
        return
    record: dict[str, Any] = {}
    base: YamlPath = ("records", len(subject.records))
    kind_index = min(index for index, _ in record_cells.values())
    subject.positions[base] = (number, kind_index)
    for column, (index, cell) in record_cells.items():
        _set(record, column.path, _value(column, cell))
        subject.positions[(*base, *column.path)] = (number, index)
        if len(column.path) > 1:
            subject.positions.setdefault((*base, column.path[0]), (number, index))
    subject.records.append(record)


def _lookup(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    current: Any = data
    for part in path:
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


def _subjects(place: _Place, rows: Iterable[Row | Problem], skipped: ReadTally | None = None) -> Iterator[Item]:
    columns: list[Column | None] | None = None
    subjects: dict[str, _Subject] = {}
    for row in rows:
        if isinstance(row, Problem):
            yield Rejected(place.where(row.line), (row,))
            continue
        number, cells = row
        if all(_empty(c) for c in cells):  # a blank row (or ",,,") holds nothing: counted, as JSONL's blank lines
            if skipped is not None:
                skipped.blank += 1
            continue
        if columns is None:
            header = _header(place, row)
            if isinstance(header, Problem):
                yield Rejected(place.where(number), (header,))
                return
            columns = header
            continue
        present: dict[Column, tuple[int, Cell]] = {}
        stray: list[Problem] = []
        for index, cell in enumerate(cells, start=1):
            if _empty(cell):
                continue
            column = columns[index - 1] if index <= len(columns) else None
            if column is None:
                stray.append(place.problem("history-column", "a value in a column without a header", number, index))
                continue
            present[column] = (index, cell)
        sid_cell = present.get(BY_HEADER["subject_id"])
        if sid_cell is None:
            stray.append(
                place.problem(
                    "history-missing",
                    "missing subject_id (主体编号)",
                    number,
                    1 + next(i for i, c in enumerate(columns) if c is not None and c.id == "subject_id"),
                )
            )
        if stray:
            # a row that belongs to no subject, or to one we cannot trust, fails on its own
            sid = _text(sid_cell[1]) if sid_cell else None
            if sid is not None and sid in subjects:
                subjects[sid].problems.extend(stray)
            else:
                yield Rejected(place.where(number), tuple(stray))
            continue
        assert sid_cell is not None
        sid = _text(sid_cell[1])
        subject = subjects.setdefault(sid, _Subject(first_row=number))
        _add_row(place, subject, number, present)
    for subject in subjects.values():
        yield _validated(place, subject)


#: record-level validation errors that are about one field: a spreadsheet can point at its cell
_FIELD_OF_ERROR = {
    "history-unknown-code": "code",
    "history-not-fraud-code": "code",
    "history-fraud-as-violation": "code",
    "history-unknown-reason": "reason",
}


def _to_cell(problem: Problem, locate: Callable[[YamlPath], tuple[int, int]]) -> Problem:
    name = _FIELD_OF_ERROR.get(problem.code)
    if name is None or len(problem.path) < 2 or problem.path[-2] != "records":
        return problem
    path = (*problem.path, name)
    line, column = locate(path)
    return replace(problem, path=path, line=line, column=column)


def _validated(place: _Place, subject: _Subject) -> Item:
    where = place.where(subject.first_row)
    data = dict(subject.data)
    if subject.records:
        data["records"] = subject.records

    def locate(path: YamlPath) -> tuple[int, int]:
        probe = tuple(path)
        while probe:
            if probe in subject.positions:
                return subject.positions[probe]
            probe = probe[:-1]
        return subject.positions.get(("id",), (subject.first_row, 1))

    problems = list(subject.problems)
    try:
        loaded = validate_subject(data, file=place.file, locate=locate)
    except HistoryError as exc:
        problems.extend(_to_cell(replace(p, sheet=place.sheet), locate) for p in exc.problems)
    else:
        if not problems:
            return Loaded(where, loaded)
    return Rejected(where, tuple(problems))


def _csv_rows(name: str, encoding: str | None, warn: Callable[[Problem], None]) -> Iterator[Row | Problem]:
    data = read_bytes(Path(name))
    detected = detect(data[:SAMPLE_BYTES], encoding, name)
    if not detected.is_utf8:
        warn(detected.notice(name))
    place = _Place(name, None)
    lines: list[str] = []
    bad: dict[int, Problem] = {}
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        if number == 1 and detected.is_utf8 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        decoded = decode_line(raw, detected.encoding)
        if isinstance(decoded, BadBytes):
            bad[number] = place.problem("history-encoding", decoded.reason, number, decoded.column)
            decoded = "\n"  # keeps the line numbers of the rows after it
        lines.append(decoded)
    # strict: a quote left open is an error, not a field that swallows every line to the end of the file
    reader = csv.reader(lines, strict=True)
    offset = 0  # lines before the ones the current reader reads
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield place.problem("history-csv", f"malformed CSV: {exc}", start, 1)
            if offset + reader.line_num > start:  # the bad row ran over the lines after it: read them again
                offset = start
                reader = csv.reader(lines[start:], strict=True)
            start = offset + reader.line_num + 1
            continue
        line = offset + reader.line_num
        if line > MAX_ROWS:
            yield place.problem("history-too-large", f"more than {MAX_ROWS} rows", line, 1)
            return
        undecodable = [bad.pop(n) for n in range(start, line + 1) if n in bad]
        if undecodable:
            yield from undecodable
        else:
            yield (start, list(cells))
        start = line + 1
    yield from bad.values()


def _xlsx_rows(name: str) -> tuple[str, Iterator[Row]]:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        raise HistoryError(
            f"{name}: reading .xlsx needs the excel extra",
            [Problem(code="history-format", message="install medcredit[excel] to read .xlsx files", file=name)],
        ) from None
    data = read_bytes(Path(name))
    try:
        book = CalamineWorkbook.from_filelike(_BytesReader(data))
        names = list(book.sheet_names)
        sheet_name = RECORDS_SHEET if RECORDS_SHEET in names else names[0]
        sheet = book.get_sheet_by_name(sheet_name)
        if sheet.height > MAX_ROWS:
            raise HistoryError(
                f"{name}: too many rows",
                [Problem(code="too-large", message=f"more than {MAX_ROWS} rows", file=name, sheet=sheet_name)],
            )
        # skip_empty_area=False keeps row and column numbers those that the spreadsheet shows
        table = sheet.to_python(skip_empty_area=False)
    except HistoryError:
        raise
    except Exception as exc:  # calamine raises its own error types for a damaged workbook
        raise HistoryError(
            f"{name}: not a readable .xlsx workbook",
            [Problem(code="history-format", message=f"not a readable .xlsx workbook: {exc}", file=name)],
        ) from None
    return sheet_name, ((number, list(cells)) for number, cells in enumerate(table, start=1))


class _BytesReader:
    """A minimal binary file object over bytes already read (the size limit was checked)."""

    def __init__(self, data: bytes) -> None:
        import io

        self._io = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._io.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._io.seek(offset, whence)

    def tell(self) -> int:
        return self._io.tell()


def iter_spreadsheet(
    name: str,
    fmt: str,
    *,
    encoding: str | None = None,
    on_warning: Callable[[Problem], None],
    skipped: ReadTally | None = None,
) -> Iterator[Item]:
    """Every subject of a ``.csv`` or ``.xlsx`` history (``fmt`` is ``csv`` or ``xlsx``); blank rows are
    counted in ``skipped`` when given."""
    if fmt == "csv":
        yield from _subjects(_Place(name, None), _csv_rows(name, encoding, on_warning), skipped)
        return
    sheet, rows = _xlsx_rows(name)
    yield from _subjects(_Place(name, sheet), rows, skipped)
