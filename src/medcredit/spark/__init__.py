"""Spark: a province's population graded on an existing cluster with the columnar path.

    from medcredit.spark import evaluate_dataframe
    results = evaluate_dataframe("wushan", subjects_df, records_df, cycle=2023)

Subjects and records are hashed by subject id into buckets; each bucket's
subjects and records reach one Python worker together as two Arrow tables
(``cogroup(...).applyInArrow``), which :func:`medcredit.columnar.evaluate_table`
grades.  The result has one row per subject: the columns of the results table
(status, grade, score, measures, the per-rule trace matrix ``rule:<id>``…) plus
``pack_hash``.  Needs the ``spark`` extra and Java 17; see docs/guide/spark.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from medcredit.columnar.evaluate import evaluate_table
from medcredit.columnar.schema import RECORD_COLUMNS, SUBJECT_COLUMNS
from medcredit.pack.loader import load_pack

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

BUCKET = "_medcredit_bucket"


def _plain(table: pa.Table, pack_hash: str) -> pa.Table:
    """Spark-friendly: dictionary columns decoded, plain strings, the pack hash on every row."""
    arrays = []
    names = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_dictionary(column.type) or pa.types.is_large_string(column.type):
            column = column.cast(pa.string())
        arrays.append(column)
        names.append(name)
    arrays.append(pa.array([pack_hash] * table.num_rows, pa.string()))
    names.append("pack_hash")
    return pa.table(arrays, names=names)


class _Grader:
    """The function each Python worker runs on one bucket (picklable: it carries the pack's name)."""

    def __init__(self, pack: str, cycle: int, override_validity: bool, trace_ids: tuple[str, ...]) -> None:
        self.pack = pack
        self.cycle = cycle
        self.override_validity = override_validity
        self.trace_ids = trace_ids

    def __call__(self, subjects: pa.Table, records: pa.Table) -> pa.Table:
        compiled = load_pack(self.pack)  # cached per worker process
        s = subjects.select([c for c in subjects.column_names if c in SUBJECT_COLUMNS])
        r = records.select([c for c in records.column_names if c in RECORD_COLUMNS])
        result = evaluate_table(
            compiled, s, r, cycle=self.cycle, override_validity=self.override_validity, trace_ids=self.trace_ids
        )
        return _plain(result, compiled.content_hash)


def result_schema(pack: str | Path, cycle: int, *, override_validity: bool = False) -> Any:
    """The Spark schema of the results (the columnar results table of an empty population)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    compiled = load_pack(pack)
    empty_s = pa.table({k: pa.array([], t) for k, t in SUBJECT_COLUMNS.items()})
    empty_r = pa.table({k: pa.array([], t) for k, t in RECORD_COLUMNS.items()})
    table = evaluate_table(compiled, empty_s, empty_r, cycle=cycle, override_validity=override_validity)
    return from_arrow_schema(_plain(table, compiled.content_hash).schema)


def evaluate_dataframe(
    pack: str | Path,
    subjects: DataFrame,
    records: DataFrame,
    *,
    cycle: int,
    buckets: int | None = None,
    override_validity: bool = False,
    trace_ids: tuple[str, ...] = (),
) -> DataFrame:
    """Grade every subject of ``subjects`` with its ``records`` (columns as in medcredit.columnar.schema).

    ``pack`` is a bundled pack name or a path every executor can read.  ``buckets``
    (default: ``spark.sql.shuffle.partitions``) sets how many Arrow batches the
    population is cut into; a bucket holds whole subjects with all their records.
    """
    from pyspark.sql import functions as sf

    spark = subjects.sparkSession
    n = buckets or int(spark.conf.get("spark.sql.shuffle.partitions") or 200)
    schema = result_schema(pack, cycle, override_validity=override_validity)
    s = subjects.withColumn(BUCKET, sf.pmod(sf.xxhash64("id"), sf.lit(n)))
    r = records.withColumn(BUCKET, sf.pmod(sf.xxhash64("subject_id"), sf.lit(n)))
    grader = _Grader(str(pack), cycle, override_validity, tuple(trace_ids))

    # Spark counts the parameters of the function it is given: a plain two-argument function
    def grade(subjects_batch: pa.Table, records_batch: pa.Table) -> pa.Table:
        return grader(subjects_batch, records_batch)

    return s.groupBy(BUCKET).cogroup(r.groupBy(BUCKET)).applyInArrow(grade, schema)
