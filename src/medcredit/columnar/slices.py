"""A population in bounded slices of subjects, each with its own records.

Graded whole, a population of a million subjects sweeps arrays of millions of records
through memory a few dozen times, and the allocator hands each large temporary back to the
kernel and faults it in again on the next call.  Graded in slices of some tens of thousands
of subjects, every per-record array fits in cache and is reused.  The records of a slice
come from one join over the whole tables (:func:`medcredit.columnar.keys.subject_rows`):
records grouped by subject in subject order (as ``medcredit table convert`` writes them)
are contiguous ranges, taken without a copy; otherwise one stable sort by subject row
groups them, so each subject keeps its records in table order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from medcredit.columnar.keys import subject_rows


@dataclass(frozen=True, slots=True)
class Piece:
    """Subjects ``start`` … ``start + len(subjects) - 1`` and their records."""

    start: int
    subjects: pa.Table
    records: pa.Table
    record_subject: np.ndarray  # each record's row in ``subjects`` (of the slice)


@dataclass(frozen=True, slots=True)
class Partition:
    bounds: np.ndarray  # first subject row of each slice, then the number of subjects
    cuts: np.ndarray  # first record (in ``order``) of each slice, then the number of records
    order: np.ndarray | None  # records in subject order (None: they are already)
    rows: np.ndarray  # each record's subject row, in ``order``

    def pieces(self, subjects: pa.Table, records: pa.Table) -> Iterator[Piece]:
        """The slices one at a time (a sorted copy of the records is made one slice at a time)."""
        for k in range(len(self.bounds) - 1):
            lo, hi = int(self.bounds[k]), int(self.bounds[k + 1])
            a, z = int(self.cuts[k]), int(self.cuts[k + 1])
            part = records.slice(a, z - a) if self.order is None else records.take(self.order[a:z])
            yield Piece(lo, subjects.slice(lo, hi - lo), part, self.rows[a:z] - lo)


def partition(subjects: pa.Table, records: pa.Table, size: int) -> Partition | None:
    """Slices of at most ``size`` subjects; None: grade the tables whole.

    Whole when one slice would do, when the id columns are not plain strings, and when a
    subject id repeats or a record names no subject: those are problems of the whole tables,
    which :func:`medcredit.columnar.schema.validate` reports as they are.
    """
    n = subjects.num_rows
    if n <= max(size, 1) or "id" not in subjects.column_names or "subject_id" not in records.column_names:
        return None
    ids, owners = subjects.column("id"), records.column("subject_id")
    if ids.type != pa.string() or owners.type != pa.string():
        return None
    rows, duplicate = subject_rows(owners, ids.chunk(0) if ids.num_chunks == 1 else ids.combine_chunks())
    if duplicate.any() or (len(rows) and int(rows.min()) < 0):
        return None
    bounds = np.append(np.arange(0, n, size, dtype=np.int64), n)
    order = None
    if len(rows) > 1 and not bool(np.all(rows[1:] >= rows[:-1])):
        order = np.argsort(rows, kind="stable")
        rows = rows[order]
    return Partition(bounds, np.searchsorted(rows, bounds, side="left"), order, rows)
