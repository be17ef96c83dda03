"""The fast path: subjects and their records co-located in one row, graded with ``mapInArrow``.

The general path shuffles both tables on every run.  A bureau that grades the same
population more than once (every what-if over a changed pack re-grades everyone)
can pay for that shuffle once: :func:`nest_records` writes one row per subject id
holding the subject (``subjects``: a list, normally of one) and all its records
(``records``), and :func:`evaluate_nested` grades any DataFrame of such rows with
``mapInArrow``, without a shuffle: every row carries whole subjects, however Spark
splits the files into tasks.

Keeping the subject rows in a list, keyed by id like the records, means nothing is
lost or merged silently: two subjects with one id, or records whose subject is
missing, end up in the same row and are reported by the columnar validation
exactly as :func:`medcredit.columnar.evaluate_table` reports them in process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from medcredit.columnar.arguments import check_count, id_tuple
from medcredit.diagnostics.errors import ArgumentError
from medcredit.spark.schema import check_dataframes, finish, spark_schema
from medcredit.spark.worker import Grader, PackRef, spark_grader

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

KEY = "id"
SUBJECTS = "subjects"
RECORDS = "records"
#: input order, kept inside each list so that records reach the grader in the order they were given
ORDER = "_medcredit_order"
#: subjects per call of evaluate_table: Spark's Arrow batches (10,000 rows by default) are joined up to this
BATCH_SUBJECTS = 50_000


def nest_records(subjects: DataFrame, records: DataFrame) -> DataFrame:
    """One row per subject id: ``id``, ``subjects`` (list of subject rows), ``records`` (list of record rows).

    Write the result once (``.write.parquet(...)``) and grade it as often as needed
    with :func:`evaluate_nested`.  Each list keeps the input order of its rows.
    """
    from pyspark.sql import functions as sf

    check_dataframes(subjects=subjects, records=records)

    def grouped(df: DataFrame, key: str, name: str) -> DataFrame:
        fields = [ORDER, *df.columns]
        rows = df.withColumn(ORDER, sf.monotonically_increasing_id())
        # sort_array orders the structs by their first field, the input order; then it is dropped
        ordered = sf.sort_array(sf.collect_list(sf.struct(*fields)))
        unordered = sf.transform(ordered, lambda x: x.dropFields(ORDER))
        return rows.groupBy(sf.col(key).alias(KEY)).agg(unordered.alias(name))

    s = grouped(subjects, "id", SUBJECTS)
    r = grouped(records, "subject_id", RECORDS)
    # a full join: an id with records but no subject (or the reverse) keeps its row, and is reported
    return s.join(r, KEY, "full_outer")


def _flat(lists: pa.ChunkedArray) -> pa.Table:
    """The rows of a column of lists of structs, as one table."""
    values = pc.list_flatten(lists)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pa.Table.from_struct_array(values)


class _NestedGrader:
    """Joins Spark's Arrow batches of nested rows into groups and grades each (picklable)."""

    def __init__(self, grader: Grader, batch_subjects: int) -> None:
        self.grader = grader
        self.batch_subjects = batch_subjects

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        waiting: list[pa.RecordBatch] = []
        rows = 0
        for batch in batches:
            waiting.append(batch)
            rows += batch.num_rows
            if rows >= self.batch_subjects:
                yield from self._grade(waiting)
                waiting, rows = [], 0
        if waiting:
            yield from self._grade(waiting)

    def _grade(self, batches: list[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        table = pa.Table.from_batches(batches)
        subjects = _flat(table.column(SUBJECTS))
        records = _flat(table.column(RECORDS))
        yield from self.grader.grade(subjects, records).to_batches()


def evaluate_nested(
    pack: str | Path,
    nested: DataFrame,
    *,
    cycle: int,
    override_validity: bool = False,
    trace_ids: tuple[str, ...] = (),
    batch_subjects: int = BATCH_SUBJECTS,
) -> DataFrame:
    """Grade a DataFrame made by :func:`nest_records` (read back from Parquet, typically).

    The same result rows as :func:`medcredit.spark.evaluate_dataframe`, without a shuffle:
    each task grades the rows of its own input split, ``batch_subjects`` ids at a time.
    """

    check_dataframes(nested=nested)
    check_count("batch_subjects", batch_subjects)
    missing = [c for c in (SUBJECTS, RECORDS) if c not in nested.columns]
    if missing:
        raise ArgumentError(f"not a DataFrame made by nest_records: no column {', '.join(missing)}")
    ref = PackRef.read(pack)
    grader = spark_grader(ref, cycle, override_validity, id_tuple("trace_ids", trace_ids))
    schema = spark_schema(grader.empty())
    graded = nested.select(SUBJECTS, RECORDS).mapInArrow(_NestedGrader(grader, batch_subjects), schema)
    return finish(graded, grader, ref.content_hash)
