"""medcredit.spark in local mode: the same table as the in-process columnar path.

pyspark is in the ``test`` extra (a missing pyspark fails, it is not skipped); the
tests skip, saying why, only where Java is missing.  One small local[2] session
serves every test: no web UI, three shuffle partitions, a 512 MB driver bound to the
loopback interface (nothing reaches the network).  Each test compares every column
of the Spark results (the trace matrix, ``trace`` and ``pack_hash`` included) with
:func:`medcredit.columnar.evaluate_table` run in process on the same tables, for both
the general (cogroup) and the nested (mapInArrow) path.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if shutil.which("java") is None:
    pytest.skip("Spark needs Java 17 or 21 on PATH (java not found)", allow_module_level=True)

import pyarrow as pa
import pyarrow.parquet as pq

from medcredit.columnar import evaluate_table, subjects_to_tables
from medcredit.columnar.evaluate import fallback_info
from medcredit.history.model import Subject
from medcredit.pack.loader import bundled_pack_names, load_pack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "golden_bytes"))

import population  # noqa: E402
from generate import generate  # noqa: E402

CYCLE = 2023
#: subjects and records tables, and where they were written as Parquet
Mixed = tuple[pa.Table, pa.Table, Path, Path]


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
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Mixed:
    """A population over the whole catalogue (every category, list records, linked persons)."""
    subjects = [Subject.model_validate(d) for d in population.population(120, 5)]
    return _written(subjects, tmp_path_factory.mktemp("mixed"))


def _written(subjects: list[Subject], folder: Path) -> Mixed:
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


@pytest.fixture(scope="module")
def nested_mixed(spark: Any, mixed: Mixed, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The mixed population written once in the nested form of the fast path, as a bureau would."""
    from medcredit.spark import nest_records

    _, _, s_path, r_path = mixed
    folder = str(tmp_path_factory.mktemp("nested") / "population.parquet")
    nest_records(spark.read.parquet(str(s_path)), spark.read.parquet(str(r_path))).write.parquet(folder)
    return folder


@pytest.mark.parametrize("pack_name", bundled_pack_names())
def test_both_paths_equal_the_columnar_table_for_every_pack(
    spark: Any, mixed: Mixed, nested_mixed: str, pack_name: str
) -> None:
    from medcredit.spark import evaluate_dataframe, evaluate_nested

    s, r, s_path, r_path = mixed
    traced = (s.column("id")[0].as_py(), s.column("id")[7].as_py())
    pack = load_pack(pack_name)
    expected = evaluate_table(pack, s, r, cycle=CYCLE, override_validity=True, trace_ids=traced)
    subjects, records = spark.read.parquet(str(s_path)), spark.read.parquet(str(r_path))
    options: dict[str, Any] = {"cycle": CYCLE, "override_validity": True, "trace_ids": traced}

    general = evaluate_dataframe(pack_name, subjects, records, buckets=3, **options)
    got = _assert_same(general, expected, pack.content_hash)
    assert all(got[i]["trace"] is not None for i in traced)
    # batches of 16 subjects: several evaluate_table calls per task, joined from Spark's Arrow batches
    nested = evaluate_nested(pack_name, spark.read.parquet(nested_mixed), batch_subjects=16, **options)
    _assert_same(nested, expected, pack.content_hash)
    # the in-process table's statement of why subjects fall back, on the evaluated_by column (no table metadata)
    reasons = {k: v for k, v in fallback_info(expected).items() if k in ("pack", "paths")}
    for results in (general, nested):
        assert results.schema["evaluated_by"].metadata == {"medcredit.fallback": reasons}


def test_the_mixed_population_needs_the_engine_inside_the_workers(mixed: Mixed) -> None:
    """The comparison above covers subjects the columnar path hands to the per-subject engine (list records)."""
    s, r, _, _ = mixed
    table = evaluate_table(load_pack("zhongmou"), s, r, cycle=CYCLE, override_validity=True)
    by = set(table.column("evaluated_by").to_pylist())
    assert "columnar" in by and len(by) > 1, by


def test_wushan_trace_matrix_with_a_pack_file_sent_as_text(spark: Any, tmp_path: Path) -> None:
    """The Wushan workload, graded with a pack file that is gone by the time the executors run."""
    from medcredit.spark import evaluate_dataframe, evaluate_nested, nest_records, result_schema

    pack_file = tmp_path / "my-wushan.yaml"
    pack_file.write_text((ROOT / "policies" / "wushan.yaml").read_text("utf-8"), "utf-8")
    subjects = [Subject.model_validate_json(line) for line in generate(300, 8)]
    s, r, s_path, r_path = _written(subjects, tmp_path)
    pack = load_pack("wushan")
    expected = evaluate_table(pack, s, r, cycle=CYCLE)
    rules = [c for c in expected.column_names if c.startswith("rule:")]
    assert rules and any(v is not None for c in rules for v in expected.column(c).to_pylist())
    assert "columnar" in set(expected.column("evaluated_by").to_pylist())
    subjects_df, records_df = spark.read.parquet(str(s_path)), spark.read.parquet(str(r_path))
    general = evaluate_dataframe(pack_file, subjects_df, records_df, cycle=CYCLE, buckets=2)
    pack_file.unlink()
    _assert_same(general, expected, pack.content_hash)
    assert general.schema == result_schema("wushan", CYCLE)
    _assert_same(
        evaluate_nested("wushan", nest_records(subjects_df, records_df), cycle=CYCLE), expected, pack.content_hash
    )


def test_orphan_records_and_duplicate_ids_fail_the_job_in_both_paths(spark: Any, tmp_path: Path) -> None:
    """Nothing is dropped or merged: a record of no subject, and one id twice, are errors, as in process."""
    from pyspark.errors import PythonException

    from medcredit.spark import evaluate_dataframe, evaluate_nested, nest_records

    subjects = [Subject.model_validate_json(line) for line in generate(20, 4)]
    s, r = subjects_to_tables(subjects)
    orphan = r.slice(0, 1).set_column(0, "subject_id", pa.array(["no-such-subject"]))
    pq.write_table(pa.concat_tables([s, s.slice(3, 1)]), tmp_path / "s.parquet")
    pq.write_table(pa.concat_tables([r, orphan]), tmp_path / "r.parquet")
    sdf, rdf = spark.read.parquet(str(tmp_path / "s.parquet")), spark.read.parquet(str(tmp_path / "r.parquet"))
    for df in (
        evaluate_dataframe("wushan", sdf, rdf, cycle=CYCLE, buckets=1),
        # one partition: both bad ids meet in one call of evaluate_table, so one error names both
        evaluate_nested("wushan", nest_records(sdf, rdf).coalesce(1), cycle=CYCLE),
    ):
        with pytest.raises(PythonException, match="HistoryError") as caught:
            df.collect()
        assert "no-such-subject" in str(caught.value)
        assert s.column("id")[3].as_py() in str(caught.value)


def test_arguments_are_checked_before_any_job(spark: Any, mixed: Mixed) -> None:
    from medcredit.diagnostics.errors import ArgumentError, PackNotFoundError
    from medcredit.spark import evaluate_dataframe, evaluate_nested, nest_records

    _, _, s_path, r_path = mixed
    subjects, records = spark.read.parquet(str(s_path)), spark.read.parquet(str(r_path))
    with pytest.raises(ArgumentError, match="buckets"):
        evaluate_dataframe("wushan", subjects, records, cycle=CYCLE, buckets=0)
    with pytest.raises(PackNotFoundError, match="wushna"):
        evaluate_dataframe("wushna", subjects, records, cycle=CYCLE)
    with pytest.raises(ArgumentError, match="nest_records: no column subjects, records"):
        evaluate_nested("wushan", subjects, cycle=CYCLE)
    local = subjects.toPandas()
    with pytest.raises(ArgumentError, match=r"subjects must be a Spark DataFrame .*got pandas"):
        evaluate_dataframe("wushan", local, records, cycle=CYCLE)
    with pytest.raises(ArgumentError, match="records must be a Spark DataFrame"):
        nest_records(subjects, str(r_path))
    with pytest.raises(ArgumentError, match="nested must be a Spark DataFrame"):
        evaluate_nested("wushan", None, cycle=CYCLE)
    with pytest.raises(ArgumentError, match="trace_ids must be a collection of subject ids"):
        evaluate_dataframe("wushan", subjects, records, cycle=CYCLE, trace_ids="92500237MA5U00001T")
    with pytest.raises(ArgumentError, match="cycle must be a year"):
        evaluate_nested("wushan", nest_records(subjects, records), cycle="2023")


def test_an_unknown_column_is_refused_as_in_process(spark: Any, mixed: Mixed) -> None:
    """A misspelt optional column must not be ignored silently: the job fails naming it."""
    from pyspark.errors import PythonException
    from pyspark.sql import functions as sf

    from medcredit.spark import evaluate_dataframe

    _, _, s_path, r_path = mixed
    records = spark.read.parquet(str(r_path)).withColumn("amout", sf.lit(None).cast("string"))
    df = evaluate_dataframe("wushan", spark.read.parquet(str(s_path)), records, cycle=CYCLE, buckets=1)
    with pytest.raises(PythonException, match="unknown column 'amout'; did you mean 'amount'"):
        df.collect()
