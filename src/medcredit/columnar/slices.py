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

from medcredit.columnar.keys import common_width, id_words, ordered_rows, subject_rows, word_runs


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
    rows: np.ndarray | None  # each record's subject row, in ``order`` (None: from ``runs``)
    #: records grouped by subject: each run's subject row, each run's first record (then the number
    #: of records) and each slice's first run (then the number of runs); a slice's rows are made
    #: from them when it comes, not for all records at once
    runs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def count(self) -> int:
        """The number of slices."""
        return len(self.bounds) - 1

    def pieces(self, subjects: pa.Table, records: pa.Table) -> Iterator[Piece]:
        """The slices one at a time (a sorted copy of the records is made one slice at a time)."""
        for k in range(self.count):
            lo, hi = int(self.bounds[k]), int(self.bounds[k + 1])
            a, z = int(self.cuts[k]), int(self.cuts[k + 1])
            part = records.slice(a, z - a) if self.order is None else records.take(self.order[a:z])
            yield Piece(lo, subjects.slice(lo, hi - lo), part, self._rows(k, a, z) - lo)

    def record_rows(self) -> np.ndarray:
        """Each record's subject row, in ``order`` (all at once)."""
        return np.concatenate(
            [self._rows(k, int(self.cuts[k]), int(self.cuts[k + 1])) for k in range(len(self.cuts) - 1)]
        )

    def _rows(self, k: int, a: int, z: int) -> np.ndarray:
        if self.rows is not None:
            return self.rows[a:z]
        assert self.runs is not None
        run_rows, first, run_cuts = self.runs
        r0, r1 = int(run_cuts[k]), int(run_cuts[k + 1])
        return np.repeat(run_rows[r0:r1], np.diff(first[r0 : r1 + 1]))


def partition(subjects: pa.Table, records: pa.Table, size: int) -> Partition | None:
    """Slices of at most ``size`` subjects; None: grade the tables whole.

    Whole when one slice would do, when the id columns are not plain strings, and when a
    subject id repeats or a record names no subject: those are problems of the whole tables,
    which :func:`medcredit.columnar.schema.validate` reports as they are.
    """
    n, size = subjects.num_rows, max(size, 1)
    if n <= size or "id" not in subjects.column_names or "subject_id" not in records.column_names:
        return None
    ids, owners = subjects.column("id"), records.column("subject_id")
    if ids.type != pa.string() or owners.type != pa.string():
        return None
    bounds = np.append(np.arange(0, n, size, dtype=np.int64), n)
    grouped = _grouped(ids, owners, bounds)
    if grouped is not None:
        return grouped
    rows, duplicate = subject_rows(owners, ids.chunk(0) if ids.num_chunks == 1 else ids.combine_chunks())
    if duplicate.any() or (len(rows) and int(rows.min()) < 0):
        return None
    order = None
    if len(rows) > 1 and not bool(np.all(rows[1:] >= rows[:-1])):
        order = np.argsort(rows, kind="stable")
        rows = rows[order]
    return Partition(bounds, np.searchsorted(rows, bounds, side="left"), order, rows)


def _grouped(ids: pa.ChunkedArray, owners: pa.ChunkedArray, bounds: np.ndarray) -> Partition | None:
    """The partition of records grouped by subject in subject order, joined slice by slice; None: not so.

    Ids of one byte length (a USCC is 18 characters) are compared as machine words read in place
    (:func:`medcredit.columnar.keys.word_runs`): the runs of equal record owners, then, slice by
    slice, as many runs as the slice has subjects against the slice's ids
    (:func:`medcredit.columnar.keys.ordered_rows`): the slice's runs are the first ``m``, ``m``
    the number of its subjects with records, and each must be, word for word, the id of the next
    such subject.  Every run must be taken by some slice, and no id may repeat across slices
    (their 64-bit hashes sorted once: any equal pair, a repeat or a collision, sends the tables to
    the whole join, which decides, as do ids of mixed lengths).
    """
    width = common_width(ids)
    if width is None or common_width(owners) != width:
        return None
    starts, runs = word_runs(owners, width)
    total = len(starts)
    run_rows = np.empty(total, dtype=np.int64)
    cuts = np.empty(len(bounds), dtype=np.int64)
    hashes: list[np.ndarray] = []
    k = 0
    for s in range(len(bounds) - 1):
        lo, hi = int(bounds[s]), int(bounds[s + 1])
        cuts[s] = k
        part = ids.slice(lo, hi - lo)
        upto = k + min(hi - lo, total - k)
        joined = ordered_rows(
            [word[k:upto] for word in runs],
            id_words(part.chunk(0) if part.num_chunks == 1 else part.combine_chunks(), width),
        )
        if joined is None:
            return None
        rows, hashed = joined
        m = len(rows)
        run_rows[k : k + m] = rows + lo
        hashes.append(hashed)
        k += m
    if k < total:
        return None
    everyone = np.concatenate(hashes)
    everyone.sort()
    if bool((everyone[1:] == everyone[:-1]).any()):
        return None
    cuts[-1] = total
    first_record = np.append(starts, len(owners))
    return Partition(bounds, first_record[cuts], None, None, (run_rows, first_record, cuts))
