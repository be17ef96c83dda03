"""Parquet in and out for the columnar path, and JSONL histories → the two Parquet tables."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from medcredit.columnar.convert import no_table_form, subjects_to_tables
from medcredit.columnar.schema import RECORD_COLUMNS, SUBJECT_COLUMNS
from medcredit.diagnostics.errors import ArgumentError, HistoryError
from medcredit.diagnostics.problems import Problem
from medcredit.history.model import Subject
from medcredit.history.reader import Loaded, Rejected, iter_subjects
from medcredit.io.paths import same_file


def read_table(path: str | Path) -> pa.Table:
    """A Parquet file as an Arrow table; an unreadable file is a located error, not a traceback."""
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise HistoryError(
            f"{path}: cannot read Parquet", [Problem(code="io", message=f"cannot read Parquet: {exc}", file=str(path))]
        ) from None


def write_table(table: pa.Table, path: str | Path) -> None:
    pq.write_table(table, path)


@dataclass(slots=True)
class Converted:
    subjects: int = 0
    records: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def convert_jsonl(
    source: str | Path, subjects_out: str | Path, records_out: str | Path, *, chunk: int = 50_000
) -> Converted:
    """Write a history file's subjects and records as two Parquet tables, in chunks (flat memory).

    Every line is validated by the same models as ``medcredit evaluate``; a rejected
    line is returned with its problems and the good lines are still written.  Any two of the three
    paths being one file is an :class:`~medcredit.diagnostics.errors.ArgumentError` (a writer would
    truncate the source before it is read, or the two tables would overwrite each other).
    """
    named = (("source", source), ("subjects_out", subjects_out), ("records_out", records_out))
    for i, (first, a) in enumerate(named):
        for second, b in named[i + 1 :]:
            if str(a) != "-" and same_file(a, b):  # - is standard input, not a file
                raise ArgumentError(f"{first} and {second} are the same file ({b}): one would overwrite the other")
    result = Converted()
    subject_schema = pa.schema(list(SUBJECT_COLUMNS.items()))
    record_schema = pa.schema(list(RECORD_COLUMNS.items()))
    with (
        pq.ParquetWriter(subjects_out, subject_schema) as subjects_writer,
        pq.ParquetWriter(records_out, record_schema) as records_writer,
    ):
        for batch in _batches(iter_subjects(source), chunk, result):
            s, r = subjects_to_tables(batch, file=str(source))
            subjects_writer.write_table(s)
            records_writer.write_table(r)
            result.subjects += s.num_rows
            result.records += r.num_rows
    return result


def _batches(items: Iterator[Loaded | Rejected], chunk: int, result: Converted) -> Iterator[list[Subject]]:
    batch: list[Subject] = []
    for item in items:
        if isinstance(item, Rejected):
            result.rejected.append(item)
            continue
        why = no_table_form(item.subject)
        if why is not None:
            problem = Problem(code="table-no-table-form", message=why, file=item.where.rsplit(":", 1)[0])
            result.rejected.append(Rejected(item.where, (problem,)))
            continue
        batch.append(item.subject)
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch
