"""medcredit.dask on Dask's local schedulers: the same rows as the in-process columnar path.

dask is in the ``test`` extra (a missing dask fails, it is not skipped).  Each test
reads the tables back from Parquet with ``dask.dataframe.read_parquet``, as a bureau
would, in several partitions that split subjects from their records, and compares
every column of every result row (the trace matrix, ``trace`` and ``pack_hash``
included) with :func:`medcredit.columnar.evaluate_table` run in process on the same
tables.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from medcredit.columnar import evaluate_table, subjects_to_tables
from medcredit.columnar.evaluate import fallback_info
from medcredit.diagnostics.errors import ArgumentError, HistoryError, PackNotFoundError, ValidityError
from medcredit.history.model import Subject
from medcredit.pack.loader import bundled_pack_names, load_pack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "golden_bytes"))

import population  # noqa: E402
from generate import generate  # noqa: E402

from medcredit.dask import FALLBACK, PACK_HASH, evaluate_dataframe, result_meta  # noqa: E402

CYCLE = 2023
Tables = tuple[pa.Table, pa.Table, Path, Path]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Tables:
    """A population over the whole catalogue (every category, list records, linked persons)."""
    subjects = [Subject.model_validate(d) for d in population.population(120, 5)]
    return _written(subjects, tmp_path_factory.mktemp("mixed"))


def _written(subjects: list[Subject], folder: Path, records_first: bool = False) -> Tables:
    s, r = subjects_to_tables(subjects)
    if records_first:  # records not grouped by subject: the shuffle must bring each subject's together
        r = r.take(pa.array(list(range(r.num_rows))[::-1]))
    pq.write_table(s, folder / "s.parquet")
    pq.write_table(r, folder / "r.parquet")
    return s, r, folder / "s.parquet", folder / "r.parquet"


def _read(path: Path, partitions: int, **options: Any) -> Any:
    return dd.read_parquet(str(path), **options).repartition(npartitions=partitions)


def _plain(value: Any) -> Any:
    """A pandas cell as the Python value Arrow's ``to_pylist`` gives."""
    if value is pd.NA or value is None:
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _assert_same(frame: pd.DataFrame, expected: pa.Table, pack_hash: str) -> dict[str, dict[str, Any]]:
    """Every column of every row equal to the in-process table, and the pack hash on every row."""
    assert list(frame.columns) == [*expected.column_names, PACK_HASH]
    got = {row["id"]: {k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")}
    want = expected.to_pylist()
    assert len(frame) == len(want) == len(got)
    for row in want:
        dask_row = got[row["id"]]
        assert dask_row.pop(PACK_HASH) == pack_hash
        assert dask_row == row
    return got


@pytest.mark.parametrize("pack_name", bundled_pack_names())
def test_every_pack_equals_the_columnar_table(mixed: Tables, pack_name: str) -> None:
    s, r, s_path, r_path = mixed
    traced = (s.column("id")[0].as_py(), s.column("id")[7].as_py())
    pack = load_pack(pack_name)
    expected = evaluate_table(pack, s, r, cycle=CYCLE, override_validity=True, trace_ids=traced)
    options: dict[str, Any] = {"cycle": CYCLE, "partitions": 4, "override_validity": True, "trace_ids": traced}
    results = evaluate_dataframe(pack_name, _read(s_path, 2), _read(r_path, 3), **options)
    assert results.npartitions == 4
    frame = results.compute(scheduler="synchronous")
    got = _assert_same(frame, expected, pack.content_hash)
    assert all(got[i]["trace"] is not None for i in traced)
    # the in-process table's statement of why subjects fall back, in the frame's attrs (Dask has no table metadata)
    assert frame.attrs[FALLBACK] == {k: v for k, v in fallback_info(expected).items() if k in ("pack", "paths")}


def test_the_mixed_population_needs_the_engine_inside_the_workers(mixed: Tables) -> None:
    """The comparison above covers subjects the columnar path hands to the per-subject engine (list records)."""
    s, r, _, _ = mixed
    table = evaluate_table(load_pack("zhongmou"), s, r, cycle=CYCLE, override_validity=True)
    by = set(table.column("evaluated_by").to_pylist())
    assert "columnar" in by and len(by) > 1, by


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_wushan_with_records_out_of_order_on_every_scheduler(tmp_path: Path, scheduler: str) -> None:
    """Records in reverse order across partitions, Arrow-backed dtypes, threads and processes: the same rows."""
    subjects = [Subject.model_validate_json(line) for line in generate(300, 8)]
    s, r, s_path, r_path = _written(subjects, tmp_path, records_first=True)
    pack = load_pack("wushan")
    expected = evaluate_table(pack, s, r, cycle=CYCLE)
    rules = [c for c in expected.column_names if c.startswith("rule:")]
    assert rules and any(v is not None for c in rules for v in expected.column(c).to_pylist())
    subjects_df = _read(s_path, 3, dtype_backend="pyarrow")
    records_df = _read(r_path, 5, dtype_backend="pyarrow")
    results = evaluate_dataframe("wushan", subjects_df, records_df, cycle=CYCLE, partitions=7)
    frame = results.compute(scheduler=scheduler)
    _assert_same(frame, expected, pack.content_hash)
    meta = result_meta("wushan", CYCLE)
    assert list(meta.columns) == list(frame.columns) and list(meta.dtypes) == list(frame.dtypes)


def test_a_pack_file_is_sent_as_text(tmp_path: Path, mixed: Tables) -> None:
    """The pack file may be gone by the time the workers run: its text went with the graph."""
    s, r, s_path, r_path = mixed
    pack_file = tmp_path / "my-suixian.yaml"
    pack_file.write_text((ROOT / "policies" / "suixian.yaml").read_text("utf-8"), "utf-8")
    results = evaluate_dataframe(pack_file, _read(s_path, 2), _read(r_path, 2), cycle=CYCLE, override_validity=True)
    pack_file.unlink()
    expected = evaluate_table(load_pack("suixian"), s, r, cycle=CYCLE, override_validity=True)
    _assert_same(results.compute(scheduler="synchronous"), expected, load_pack("suixian").content_hash)


def test_no_subjects_give_no_rows_with_every_column(tmp_path: Path) -> None:
    _, _, s_path, r_path = _written([], tmp_path)
    results = evaluate_dataframe("wushan", _read(s_path, 1), _read(r_path, 1), cycle=CYCLE, partitions=2)
    frame = results.compute(scheduler="synchronous")
    assert len(frame) == 0
    assert list(frame.columns) == list(result_meta("wushan", CYCLE).columns)


def test_orphan_records_and_duplicate_ids_are_errors_naming_the_subject(tmp_path: Path) -> None:
    """Nothing is dropped or merged: a record of no subject, and one id twice, are errors, as in process."""
    subjects = [Subject.model_validate_json(line) for line in generate(20, 4)]
    s, r = subjects_to_tables(subjects)
    orphan = r.slice(0, 1).set_column(0, "subject_id", pa.array(["no-such-subject"]))
    pq.write_table(pa.concat_tables([s, s.slice(3, 1)]), tmp_path / "s.parquet")
    pq.write_table(pa.concat_tables([r, orphan]), tmp_path / "r.parquet")
    twice = s.column("id")[3].as_py()
    for bad in ("no-such-subject", twice):
        results = evaluate_dataframe(
            "wushan", _read(tmp_path / "s.parquet", 2), _read(tmp_path / "r.parquet", 2), cycle=CYCLE, partitions=3
        )
        with pytest.raises(HistoryError, match="Dask partition") as caught:
            results.compute(scheduler="synchronous")
        assert any(bad in p.message for p in caught.value.problems), caught.value.problems
    codes = {p.code for p in caught.value.problems}
    assert codes & {"table-duplicate-id", "table-orphan-record"}, codes


def test_an_unknown_column_and_float_amounts_are_refused_as_in_process(mixed: Tables) -> None:
    """A misspelt optional column must not be ignored silently; amounts in floats are refused, never rounded."""
    _, _, s_path, r_path = mixed
    records = _read(r_path, 2).assign(amout=None)
    results = evaluate_dataframe("wushan", _read(s_path, 2), records, cycle=CYCLE, override_validity=True)
    with pytest.raises(HistoryError, match="problem") as caught:
        results.compute(scheduler="synchronous")
    assert any("unknown column 'amout'; did you mean 'amount'" in p.message for p in caught.value.problems)
    floats = _read(r_path, 2)
    floats = floats.assign(amount=floats["amount"].astype("float64"))
    results = evaluate_dataframe("wushan", _read(s_path, 2), floats, cycle=CYCLE, override_validity=True)
    with pytest.raises(HistoryError) as caught:
        results.compute(scheduler="synchronous")
    assert any("never floats" in p.message for p in caught.value.problems)


def test_arguments_are_checked_before_any_computation(mixed: Tables) -> None:
    _, _, s_path, r_path = mixed
    subjects, records = _read(s_path, 2), _read(r_path, 2)
    for wrong in (0, -1, True, "3", 2.0):
        with pytest.raises(ArgumentError, match="partitions"):
            evaluate_dataframe("wushan", subjects, records, cycle=CYCLE, partitions=wrong)  # type: ignore[arg-type]
    with pytest.raises(PackNotFoundError, match="wushna"):
        evaluate_dataframe("wushna", subjects, records, cycle=CYCLE)
    with pytest.raises(ArgumentError, match="records have no column 'subject_id'"):
        evaluate_dataframe("wushan", subjects, records.drop(columns=["subject_id"]), cycle=CYCLE)
    with pytest.raises(ArgumentError, match="subjects have no column 'id'"):
        evaluate_dataframe("wushan", subjects.rename(columns={"id": "ident"}), records, cycle=CYCLE)
    with pytest.raises(ArgumentError, match="cycle 1800 is out of range"):
        evaluate_dataframe("wushan", subjects, records, cycle=1800)
    with pytest.raises(ValidityError, match="cycle 2020 is outside the validity"):
        evaluate_dataframe("wushan", subjects, records, cycle=2020)
    wrong: list[tuple[dict[str, Any], str]] = [
        ({"subjects": subjects.compute()}, r"subjects must be a dask DataFrame .*got pandas"),
        ({"records": None}, "records must be a dask DataFrame"),
        ({"pack": 5}, "pack must be a bundled pack name or a pack file path"),
        ({"cycle": "2023"}, "cycle must be a year"),
        ({"override_validity": "yes"}, "override_validity must be True or False"),
        ({"trace_ids": "92500237MA5U00001T"}, "trace_ids must be a collection of subject ids"),
    ]
    for change, message in wrong:
        arguments: dict[str, Any] = {"pack": "wushan", "subjects": subjects, "records": records, "cycle": CYCLE}
        arguments.update(change)
        with pytest.raises(ArgumentError, match=message):
            evaluate_dataframe(arguments.pop("pack"), arguments.pop("subjects"), arguments.pop("records"), **arguments)
