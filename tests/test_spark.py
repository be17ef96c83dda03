"""medcredit.spark in local mode: the same table as the in-process columnar path.

pyspark is in the ``test`` extra; the tests skip (with the reason) only where Java
is missing.  One small local[2] session serves every test: no web UI, three shuffle
partitions, the driver bound to the loopback interface (nothing reaches the network).
Each test compares every column of the Spark results (the trace matrix, ``trace``
and ``pack_hash`` included) with :func:`medcredit.columnar.evaluate_table` run in
process on the same tables, for both the general (cogroup) and the nested (mapInArrow)
path.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow", reason="needs the 'columnar' extra")
pytest.importorskip("pyspark", reason="pyspark is not installed (extra 'spark' or 'test')")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java 17 or 21 on PATH (java not found)", allow_module_level=True)

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from medcredit.columnar import evaluate_table, subjects_to_tables  # noqa: E402
from medcredit.history.model import Subject  # noqa: E402
from medcredit.pack.loader import bundled_pack_names, load_pack  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "golden_bytes"))

import population  # noqa: E402
from generate import generate  # noqa: E402

CYCLE = 2023


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    # read by the launcher script before the JVM starts: bind to loopback, whatever the host name resolves to
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    session = (
        SparkSession.builder.master("local[2]")
        .appName("medcredit-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", "512m")
        .config("spark.sql.shuffle.partitions", "3")
        .config("spark.default.parallelism", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[pa.Table, pa.Table, Path, Path]:
    """A population over the whole catalogue (every category, list records, linked persons)."""
    subjects = [Subject.model_validate(d) for d in population.population(120, 5)]
    return _written(subjects, tmp_path_factory.mktemp("mixed"))


def _written(subjects: list[Subject], folder: Path) -> tuple[pa.Table, pa.Table, Path, Path]:
    s, r = subjects_to_tables(subjects)
    pq.write_table(s, folder / "s.parquet")
    pq.write_table(r, folder / "r.parquet")
    return s, r, folder / "s.parquet", folder / "r.parquet"


def _assert_same(df: Any, expected: pa.Table, pack_hash: str) -> dict[str, dict[str, Any]]:
    """Every column of every row equal to the in-process table, and the pack hash on every row."""
    assert df.columns == [*expected.column_names, "pack_hash"]
    got = {row["id"]: row.asDict() for row in df.collect()}
    want = expected.to_pylist()
    assert len(got) == len(want)
    for row in want:
        spark_row = got[row["id"]]
        assert spark_row.pop("pack_hash") == pack_hash
        assert spark_row == row
    return got


@pytest.mark.parametrize("pack_name", bundled_pack_names())
def test_both_paths_equal_the_columnar_table_for_every_pack(
    spark: Any, mixed: tuple[pa.Table, pa.Table, Path, Path], pack_name: str, tmp_path: Path
) -> None:
    from medcredit.spark import evaluate_dataframe, evaluate_nested, nest_records

    s, r, s_path, r_path = mixed
    traced = (s.column("id")[0].as_py(), s.column("id")[7].as_py())
    pack = load_pack(pack_name)
    expected = evaluate_table(pack, s, r, cycle=CYCLE, override_validity=True, trace_ids=traced)
    subjects, records = spark.read.parquet(str(s_path)), spark.read.parquet(str(r_path))
    options: dict[str, Any] = {"cycle": CYCLE, "override_validity": True, "trace_ids": traced}

    got = _assert_same(evaluate_dataframe(pack_name, subjects, records, buckets=3, **options), expected, pack.content_hash)
    assert all(got[i]["trace"] is not None for i in traced)

    nest_records(subjects, records).write.parquet(str(tmp_path / "nested"))
    nested = spark.read.parquet(str(tmp_path / "nested"))
    # batches of 16 subjects: several evaluate_table calls per task, joined from Spark's Arrow batches
    _assert_same(evaluate_nested(pack_name, nested, batch_subjects=16, **options), expected, pack.content_hash)


def test_subjects_with_list_records_are_graded_by_the_engine_inside_the_workers(
    spark: Any, mixed: tuple[pa.Table, pa.Table, Path, Path]
) -> None:
    from medcredit.spark import evaluate_dataframe

    _, _, s_path, r_path = mixed
    df = evaluate_dataframe(
        "zhongmou", spark.read.parquet(str(s_path)), spark.read.parquet(str(r_path)), cycle=CYCLE, override_validity=True
    )
    by = {row["evaluated_by"] for row in df.select("evaluated_by").distinct().collect()}
    assert "columnar" in by and len(by) > 1, by


def test_wushan_trace_matrix_in_both_paths(spark: Any, tmp_path: Path) -> None:
    from medcredit.spark import evaluate_dataframe, evaluate_nested, nest_records

    subjects = [Subject.model_validate_json(line) for line in generate(300, 8)]
    s, r, s_path, r_path = _written(subjects, tmp_path)
    pack = load_pack("wushan")
    expected = evaluate_table(pack, s, r, cycle=CYCLE)
    rules = [c for c in expected.column_names if c.startswith("rule:")]
    assert rules and any(v is not None for c in rules for v in expected.column(c).to_pylist())
    assert "columnar" in set(expected.column("evaluated_by").to_pylist())
    subjects_df, records_df = spark.read.parquet(str(s_path)), spark.read.parquet(str(r_path))
    _assert_same(evaluate_dataframe("wushan", subjects_df, records_df, cycle=CYCLE), expected, pack.content_hash)
    _assert_same(
        evaluate_nested("wushan", nest_records(subjects_df, records_df), cycle=CYCLE), expected, pack.content_hash
    )


def test_a_pack_file_is_sent_as_text_to_the_workers(spark: Any, tmp_path: Path) -> None:
    """The executors grade with the pack the driver read, even when the file is gone by then."""
    from medcredit.spark import evaluate_dataframe

    text = (ROOT / "policies" / "wushan.yaml").read_text("utf-8")
    pack_file = tmp_path / "my-wushan.yaml"
    pack_file.write_text(text, "utf-8")
    subjects = [Subject.model_validate_json(line) for line in generate(40, 3)]
    s, r, s_path, r_path = _written(subjects, tmp_path)
    df = evaluate_dataframe(
        pack_file, spark.read.parquet(str(s_path)), spark.read.parquet(str(r_path)), cycle=CYCLE, buckets=2
    )
    pack_file.unlink()
    _assert_same(df, evaluate_table(load_pack("wushan"), s, r, cycle=CYCLE), load_pack("wushan").content_hash)


def test_orphan_records_and_duplicate_ids_fail_the_job_in_both_paths(spark: Any, tmp_path: Path) -> None:
    """Nothing is dropped: a record of no subject, or one id twice, is an error, as in process."""
    from pyspark.errors import PythonException

    from medcredit.spark import evaluate_dataframe, evaluate_nested, nest_records

    subjects = [Subject.model_validate_json(line) for line in generate(20, 4)]
    s, r = subjects_to_tables(subjects)
    orphan = r.slice(0, 1).set_column(0, "subject_id", pa.array(["no-such-subject"]))
    cases = {
        "orphan": (s, pa.concat_tables([r, orphan])),
        "duplicate": (pa.concat_tables([s, s.slice(3, 1)]), r),
    }
    for name, (subjects_table, records_table) in cases.items():
        pq.write_table(subjects_table, tmp_path / f"{name}-s.parquet")
        pq.write_table(records_table, tmp_path / f"{name}-r.parquet")
        sdf = spark.read.parquet(str(tmp_path / f"{name}-s.parquet"))
        rdf = spark.read.parquet(str(tmp_path / f"{name}-r.parquet"))
        for df in (
            evaluate_dataframe("wushan", sdf, rdf, cycle=CYCLE, buckets=2),
            evaluate_nested("wushan", nest_records(sdf, rdf), cycle=CYCLE),
        ):
            with pytest.raises(PythonException, match="HistoryError"):
                df.collect()
