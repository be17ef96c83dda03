"""Graded in slices or whole, the results table is the same, and so is the error.

``evaluate_table`` validates and grades ``slice_subjects`` subjects at a time (with their
records) and joins the results.  Forced down to a few subjects per slice, every bundled pack
on the mixed population (tests/golden_bytes/population.py: engine fallbacks, traces, every
record kind) and on Wushan-like histories (bench/generate.py) must give the very table of
one slice: equal Arrow tables with their metadata, and the same Parquet bytes.  Records out
of subject order, Parquet-like chunks, ids of mixed lengths and bad cells placed in late
slices are covered; an input with problems raises the error of the whole tables (same
problems, same original rows).  Slices graded on several threads give the same table and the
same error as on one.
"""

from __future__ import annotations

import io
import itertools
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow", reason="the columnar path needs the 'columnar' extra (pyarrow, numpy)")

import pyarrow.compute as pc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from medcredit.columnar import evaluate as evaluate_module  # noqa: E402
from medcredit.columnar import evaluate_table, subjects_to_tables  # noqa: E402
from medcredit.columnar.keys import subject_rows_hashed  # noqa: E402
from medcredit.columnar.slices import Grouped, partition, slicing  # noqa: E402
from medcredit.diagnostics.errors import HistoryError  # noqa: E402
from medcredit.history.model import Subject  # noqa: E402
from medcredit.pack.loader import bundled_pack_names, load_pack  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "golden_bytes"))
sys.path.insert(0, str(ROOT / "bench"))

import population  # noqa: E402
from generate import generate  # noqa: E402

CYCLE = 2023
WHOLE = 10**9  # one slice


def _tables(kind: str) -> tuple[Any, Any]:
    if kind == "mixed":
        subjects = [Subject.model_validate(d) for d in population.population(300, 11)]
    else:
        subjects = [Subject.model_validate_json(line) for line in generate(400, 7)]
    return subjects_to_tables(subjects)


TABLES = {kind: _tables(kind) for kind in ("mixed", "wushan_like")}


def _shuffled(records: Any, seed: int) -> Any:
    order = list(range(records.num_rows))
    random.Random(seed).shuffle(order)
    return records.take(pa.array(order))


def _chunked(table: Any, *cuts: int) -> Any:
    """The table in several chunks, as a Parquet file with row groups reads."""
    bounds = [0, *cuts, table.num_rows]
    return pa.concat_tables([table.slice(a, z - a) for a, z in itertools.pairwise(bounds)])


def _mixed_widths(subjects: Any, records: Any) -> tuple[Any, Any]:
    """Ids of several byte lengths (the exact join, not the fixed-width one)."""
    ids = subjects.column("id").to_pylist()
    renamed = {old: f"{old}-{k % 13 * 'x'}" for k, old in enumerate(ids)}
    new_ids = pa.array([renamed[x] for x in ids], pa.string())
    owners = pa.array([renamed[x] for x in records.column("subject_id").to_pylist()], pa.string())
    return subjects.set_column(0, "id", new_ids), records.set_column(0, "subject_id", owners)


def _parquet(table: Any) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _same(pack_name: str, subjects: Any, records: Any, size: int, **options: Any) -> None:
    pack = load_pack(pack_name)
    whole = evaluate_table(
        pack, subjects, records, cycle=CYCLE, override_validity=True, slice_subjects=WHOLE, **options
    )
    for threads in (1, 4):
        sliced = evaluate_table(
            pack,
            subjects,
            records,
            cycle=CYCLE,
            override_validity=True,
            slice_subjects=size,
            threads=threads,
            **options,
        )
        assert sliced.schema == whole.schema
        assert sliced.equals(whole, check_metadata=True)
        assert _parquet(sliced) == _parquet(whole)


@pytest.mark.parametrize("kind", sorted(TABLES))
@pytest.mark.parametrize("pack_name", bundled_pack_names())
def test_slices_give_the_table_of_the_whole(pack_name: str, kind: str) -> None:
    subjects, records = TABLES[kind]
    assert partition(subjects, records, 7) is not None  # the population is really sliced
    ids = subjects.column("id").to_pylist()
    traced = [ids[3], ids[8], ids[150], ids[-1]]  # in the first, second, a middle and the last slice
    _same(pack_name, subjects, records, 7, trace_ids=traced)
    _same(pack_name, subjects, records, 64)


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_grouped_records_are_joined_slice_by_slice_as_by_the_whole_join(kind: str) -> None:
    subjects, records = TABLES[kind]
    want, _ = subject_rows_hashed(records.column("subject_id"), subjects.column("id").combine_chunks())
    for size in (0, 1, 7, 64, subjects.num_rows - 1):  # 0: as 1
        found = partition(subjects, records, size)
        assert found is not None and found.order is None  # grouped: contiguous ranges, no sort
        assert np.array_equal(found.record_rows(), want)
        assert found.cuts.tolist() == np.searchsorted(want, found.bounds).tolist()


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_records_out_of_order_chunked_and_ids_of_mixed_lengths(kind: str) -> None:
    subjects, records = TABLES[kind]
    shuffled = _shuffled(records, 3)
    found = partition(subjects, shuffled, 7)
    assert found is not None and found.order is not None  # sorted by subject, stably
    for pack_name in ("wushan", "suixian"):
        _same(pack_name, subjects, shuffled, 7)
        _same(pack_name, _chunked(subjects, 5, 100), _chunked(records, 1, 333, 334, 900), 11)
        _same(pack_name, *_mixed_widths(subjects, records), 7)
        _same(pack_name, *_mixed_widths(subjects, shuffled), 9)
        _same(pack_name, subjects, records.slice(0, 0), 7)  # no records at all
        _same(pack_name, subjects, records.filter(pc.less(pc.utf8_length(records.column("kind")), 10)), 7)


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_records_out_of_subject_order_in_a_late_slice_only(kind: str) -> None:
    """Slices of grouped records are joined as they are taken: a late slice that breaks the grouping drops
    the slices graded before it, and every record is joined first (the table is still that of the whole)."""
    subjects, records = TABLES[kind]
    owners = records.column("subject_id").to_pylist()
    m = records.num_rows
    # the last record moved before the run of the subject before it: its subject now has two runs
    before = max(k for k in range(m) if owners[k] != owners[-1] and (k == 0 or owners[k - 1] != owners[k]))
    order = [*range(before), m - 1, *range(before, m - 1)]
    moved = records.take(pa.array(order))
    sliced = slicing(subjects, moved, 7)
    assert isinstance(sliced, Grouped)
    taken = list(sliced.pieces(subjects, moved))
    assert len(taken) > subjects.num_rows // 7 // 2 and sliced.held is False  # found late, after slices were taken
    for pack_name in ("wushan", "liaoning"):
        _same(pack_name, subjects, moved, 7)


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_grouped_slices_are_taken_one_at_a_time_and_hold_once_all_are(kind: str) -> None:
    subjects, records = TABLES[kind]
    sliced = slicing(subjects, records, 7)
    assert isinstance(sliced, Grouped)
    pieces = sliced.pieces(subjects, records)
    first = next(pieces)
    assert sliced.held is None and first.start == 0 and first.subjects.num_rows == 7
    rest = list(pieces)
    assert sliced.held is True and len(rest) == sliced.count - 1
    assert sum(p.records.num_rows for p in [first, *rest]) == records.num_rows


def _error(subjects: Any, records: Any, size: int, threads: int = 1) -> list[tuple[Any, ...]]:
    with pytest.raises(HistoryError) as info:
        evaluate_table(
            load_pack("wushan"),
            subjects,
            records,
            cycle=CYCLE,
            override_validity=True,
            slice_subjects=size,
            threads=threads,
        )
    return [str(info.value), *((p.code, p.message, p.file, p.line, p.path) for p in info.value.problems)]


def _set(table: Any, column: str, row: int, value: Any) -> Any:
    values = table.column(column).to_pylist()
    values[row] = value
    return table.set_column(table.column_names.index(column), column, pa.array(values, table.schema.field(column).type))


def _mutations(subjects: Any, records: Any) -> list[tuple[Any, Any]]:
    n, m = subjects.num_rows, records.num_rows
    ids = subjects.column("id").to_pylist()
    kinds = records.column("kind").to_pylist()
    late = max(k for k in range(m) if kinds[k] == "inspection")
    return [
        (subjects, _set(records, "kind", m - 5, "interveiw")),  # a bad cell in the last slice
        (subjects, _set(_set(records, "kind", 40, "nothing"), "method", late, "by post")),  # two slices
        (_set(subjects, "id", n - 2, ids[1]), records),  # an id repeated across slices
        (_set(subjects, "id", 5, ids[6]), records),  # ... and within one
        (subjects, _set(records, "subject_id", m // 2, "nobody")),  # a record without its subject
        (subjects, _set(records, "subject_id", m - 1, None)),
        (_set(subjects, "category", n - 1, "pharmacy"), records),
        (subjects, records.set_column(records.column_names.index("year"), "year", pa.nulls(m, pa.float64()))),
        (subjects.append_column("colour", pa.nulls(n, pa.string())), records),
        (subjects, _shuffled(_set(records, "date", m - 3, None), 5)),
        (_chunked(subjects, 50), _chunked(_set(records, "amount", m - 7, None), 20, 600)),
    ]


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_problems_are_those_of_the_whole_tables(kind: str) -> None:
    subjects, records = TABLES[kind]
    for k, (s, r) in enumerate(_mutations(subjects, records)):
        whole = _error(s, r, WHOLE)
        assert whole[1:], k
        assert _error(s, r, 7) == whole, k
        assert _error(s, r, 7, threads=3) == whole, k
        assert _error(s, r, 100) == whole, k


def test_a_bad_cell_in_a_late_slice_names_its_original_row() -> None:
    subjects, records = TABLES["wushan_like"]
    m = records.num_rows
    problems = _error(subjects, _set(records, "kind", m - 5, "interveiw"), 7)[1:]
    assert [(p[0], p[3], p[4]) for p in problems] == [("table-kind", m - 4, ("records", m - 5, "kind"))]


def test_each_slice_is_validated_and_graded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    subjects, records = TABLES["wushan_like"]
    calls: list[tuple[int, int]] = []
    validate_part = evaluate_module.validate_part

    def counted(s: Any, r: Any, rows: np.ndarray, nulls: Any) -> Any:
        calls.append((s.num_rows, r.num_rows))
        return validate_part(s, r, rows, nulls)

    monkeypatch.setattr(evaluate_module, "validate_part", counted)
    evaluate_table(load_pack("wushan"), subjects, records, cycle=CYCLE, slice_subjects=64, threads=1)
    assert [s for s, _ in calls] == [64] * (subjects.num_rows // 64) + [subjects.num_rows % 64]
    assert sum(r for _, r in calls) == records.num_rows
    # every slice's records are its subjects' records
    for (count, taken), start in zip(calls, range(0, subjects.num_rows, 64), strict=True):
        own = pc.is_in(records.column("subject_id"), value_set=subjects.column("id").slice(start, count))
        assert pc.sum(own).as_py() == taken


def test_on_threads_each_slice_is_still_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    subjects, records = TABLES["wushan_like"]
    calls: list[tuple[int, int]] = []
    validate_part = evaluate_module.validate_part

    def counted(s: Any, r: Any, rows: np.ndarray, nulls: Any) -> Any:
        calls.append((s.num_rows, r.num_rows))  # list.append is atomic: threads lose no call
        return validate_part(s, r, rows, nulls)

    monkeypatch.setattr(evaluate_module, "validate_part", counted)
    evaluate_table(load_pack("wushan"), subjects, records, cycle=CYCLE, slice_subjects=64, threads=3)
    assert sorted(s for s, _ in calls) == sorted([64] * (subjects.num_rows // 64) + [subjects.num_rows % 64])
    assert sum(r for _, r in calls) == records.num_rows


def test_slices_graded_by_the_engine_on_many_threads_do_not_share_their_fallback_rows() -> None:
    """Liaoning sends every subject to the per-subject engine; each slice's thread writes the measures of its
    engine-graded rows and reads them back for its own list columns, while the other threads write theirs.
    With thread switches forced very often, the table is still that of one slice (a shared dict once raised
    "dictionary changed size during iteration" here)."""
    subjects, records = subjects_to_tables([Subject.model_validate(d) for d in population.population(1500, 5)])
    pack = load_pack("liaoning")
    whole = evaluate_table(pack, subjects, records, cycle=CYCLE, override_validity=True, slice_subjects=WHOLE)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(2):
            sliced = evaluate_table(
                pack, subjects, records, cycle=CYCLE, override_validity=True, slice_subjects=5, threads=8
            )
            assert sliced.equals(whole)
    finally:
        sys.setswitchinterval(interval)
