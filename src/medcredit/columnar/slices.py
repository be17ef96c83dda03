"""A population in bounded slices of subjects, each with its own records.

Graded whole, a population of a million subjects sweeps arrays of millions of records
through memory a few dozen times, and the allocator hands each large temporary back to the
kernel and faults it in again on the next call.  Graded in slices of some tens of thousands
of subjects, every per-record array fits in cache and is reused.  Records grouped by subject
in subject order (as ``medcredit table convert`` writes them) are contiguous ranges, joined to
their slice when the slice is taken (:class:`Grouped`) and taken without a copy; otherwise one
join over the whole tables (:func:`medcredit.columnar.keys.subject_rows`) and one stable sort
by subject row group them, so each subject keeps its records in table order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from medcredit.columnar.keys import common_width, id_words, ordered_rows, subject_rows, word_runs_by_chunk


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

    @property
    def held(self) -> bool:
        """Always: every record was joined before the first slice was taken."""
        return True

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
    """Slices of at most ``size`` subjects, every record joined first; None: grade the tables whole.

    Whole when one slice would do, when the id columns are not plain strings, and when a
    subject id repeats or a record names no subject: those are problems of the whole tables,
    which :func:`medcredit.columnar.schema.validate` reports as they are.
    """
    bounds = _bounds(subjects, records, size)
    if bounds is None:
        return None
    ids, owners = subjects.column("id"), records.column("subject_id")
    grouped = Grouped.of(ids, owners, bounds)
    if grouped is not None:
        run_rows, run_starts, cuts = [], [], [0]
        for s, rows, starts, _ in grouped.joined():
            run_rows.append(rows + bounds[s])
            run_starts.append(starts)
            cuts.append(cuts[-1] + len(rows))
        if grouped.held:
            first_record = np.append(np.concatenate(run_starts), len(owners))
            runs = (np.concatenate(run_rows), first_record, np.array(cuts))
            return Partition(bounds, first_record[cuts], None, None, runs)
    return joined_whole(subjects, records, size)


def slicing(subjects: pa.Table, records: pa.Table, size: int) -> Partition | Grouped | None:
    """The slices to grade: records grouped by subject are joined slice by slice as they are taken
    (:class:`Grouped`: the join of later slices overlaps the grading of earlier ones); otherwise every
    record is joined first (:func:`partition`).  None: grade the tables whole."""
    bounds = _bounds(subjects, records, size)
    if bounds is None:
        return None
    grouped = Grouped.of(subjects.column("id"), records.column("subject_id"), bounds)
    return grouped if grouped is not None else joined_whole(subjects, records, size)


def joined_whole(subjects: pa.Table, records: pa.Table, size: int) -> Partition | None:
    """The slices of :func:`partition` from one join of every record (records in any order, ids of any length)."""
    bounds = _bounds(subjects, records, size)
    if bounds is None:
        return None
    ids = subjects.column("id")
    joined = ids.chunk(0) if ids.num_chunks == 1 else ids.combine_chunks()
    rows, duplicate = subject_rows(records.column("subject_id"), joined)
    if duplicate.any() or (len(rows) and int(rows.min()) < 0):
        return None
    order = None
    if len(rows) > 1 and not bool(np.all(rows[1:] >= rows[:-1])):
        order = np.argsort(rows, kind="stable")
        rows = rows[order]
    return Partition(bounds, np.searchsorted(rows, bounds, side="left"), order, rows)


def _bounds(subjects: pa.Table, records: pa.Table, size: int) -> np.ndarray | None:
    """The first subject row of each slice, then the number of subjects; None: the tables are graded whole."""
    n, size = subjects.num_rows, max(size, 1)
    if n <= size or "id" not in subjects.column_names or "subject_id" not in records.column_names:
        return None
    if subjects.column("id").type != pa.string() or records.column("subject_id").type != pa.string():
        return None
    return np.append(np.arange(0, n, size, dtype=np.int64), n)


class Grouped:
    """Records grouped by subject in subject order, joined slice by slice; ``held`` once all are taken.

    Ids of one byte length (a USCC is 18 characters) are compared as machine words read in place
    (:func:`medcredit.columnar.keys.word_runs_by_chunk`): the runs of equal record owners, read a
    chunk at a time as the slices need them; then, slice by slice, as many runs as the slice has
    subjects against the slice's ids (:func:`medcredit.columnar.keys.ordered_rows`): the slice's
    runs are the first ``m``, ``m`` the number of its subjects with records, and each must be,
    word for word, the id of the next such subject.  Every run must be taken by some slice, and no
    id may repeat across slices (their 64-bit hashes sorted once, after the last slice: any equal
    pair, a repeat or a collision, means the slices taken do not hold, and the caller joins the
    whole tables, which decides, as do ids of mixed lengths).
    """

    def __init__(self, ids: pa.ChunkedArray, owners: pa.ChunkedArray, bounds: np.ndarray, width: int) -> None:
        self.ids, self.owners, self.bounds, self.width = ids, owners, bounds, width
        #: None while slices are being taken; then whether every slice was joined and no id repeats
        self.held: bool | None = None

    @classmethod
    def of(cls, ids: pa.ChunkedArray, owners: pa.ChunkedArray, bounds: np.ndarray) -> Grouped | None:
        width = common_width(ids)
        if width is None:
            return None
        return cls(ids, owners, bounds, width)

    @property
    def count(self) -> int:
        """The number of slices."""
        return len(self.bounds) - 1

    def joined(self) -> Iterator[tuple[int, np.ndarray, np.ndarray, int]]:
        """Per slice: its index, the row in the slice of each of its runs' subject, where each of those
        runs starts, and the record after the slice's last."""
        chunks = word_runs_by_chunk(self.owners, self.width)
        starts = np.zeros(0, dtype=np.int64)  # the runs read and not yet taken: where each starts, its words
        words: list[np.ndarray] = []
        exhausted = False
        hashes: list[np.ndarray] = []
        for s in range(self.count):
            lo, hi = int(self.bounds[s]), int(self.bounds[s + 1])
            # the runs a slice may take, and one more: where the slice's records end
            while not exhausted and len(starts) <= hi - lo:
                found = next(chunks, ())
                if found is None:  # owners of another length: the whole join decides
                    self.held = False
                    return
                if not found:
                    exhausted = True
                    break
                starts = np.concatenate([starts, found[0]])
                words = [np.concatenate(pair) for pair in zip(words, found[1], strict=True)] if words else found[1]
            part = self.ids.slice(lo, hi - lo)
            mine = id_words(part.chunk(0) if part.num_chunks == 1 else part.combine_chunks(), self.width)
            if not words:  # no record at all yet
                words = [np.zeros(0, dtype=np.uint64) for _ in mine]
            result = ordered_rows([word[: hi - lo] for word in words], mine)
            if result is None:
                self.held = False
                return
            rows, hashed = result
            m = len(rows)
            hashes.append(hashed)
            stop = int(starts[m]) if m < len(starts) else len(self.owners)
            yield s, rows, starts[:m], stop
            starts, words = starts[m:], [word[m:] for word in words]
        everyone = np.concatenate(hashes)
        everyone.sort()
        left = () if exhausted else next(chunks, ())
        # every run read and taken, and no id in two slices
        self.held = left == () and len(starts) == 0 and not bool((everyone[1:] == everyone[:-1]).any())

    def pieces(self, subjects: pa.Table, records: pa.Table) -> Iterator[Piece]:
        """The slices one at a time, each joined when it is taken (a slice of each table, no copy)."""
        for s, rows, run_starts, stop in self.joined():
            lo, hi = int(self.bounds[s]), int(self.bounds[s + 1])
            a = int(run_starts[0]) if len(run_starts) else stop
            record_subject = np.repeat(rows, np.diff(np.append(run_starts, stop)))
            yield Piece(lo, subjects.slice(lo, hi - lo), records.slice(a, stop - a), record_subject)
