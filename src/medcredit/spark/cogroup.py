"""The general path: any two DataFrames of subjects and records, cogrouped by a hash of the subject id.

Both tables are repartitioned into ``buckets`` partitions by the same bucket number
(``pmod(xxhash64(subject id), buckets)``), so a subject and all its records meet in
one partition; ``cogroup(...).applyInArrow`` then hands each bucket's subjects and
records to a Python worker as two Arrow tables.  The explicit ``repartition`` keeps
the number of tasks at ``buckets``: left to itself, adaptive query execution
coalesces the small shuffle partitions of a modest population into one task, and
one task uses one core.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from medcredit.columnar.arguments import check_count, id_tuple
from medcredit.spark.schema import check_dataframes, finish, spark_schema
from medcredit.spark.worker import BUCKET, PackRef, spark_grader

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def default_buckets(spark_partitions: int, cores: int) -> int:
    """At least two tasks per core, so a slow bucket does not leave a core idle."""
    return max(spark_partitions, 2 * cores)


def _cores(spark: Any) -> int:
    """Cores of the cluster; a Spark Connect session has no SparkContext to ask, so assume two."""
    try:
        return int(spark.sparkContext.defaultParallelism)
    except Exception:  # pyspark raises its own error types for Connect sessions
        return 2


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

    ``pack`` is a bundled pack name or a pack file on the driver (its text is sent to
    the executors).  ``buckets`` (default: ``spark.sql.shuffle.partitions``, at least
    two per core) is the number of tasks; a bucket holds whole subjects with all their
    records.  Returns one row per subject: the columns of the columnar results table
    plus ``pack_hash``.
    """
    from pyspark.sql import functions as sf

    check_dataframes(subjects=subjects, records=records)
    spark = subjects.sparkSession
    if buckets is None:
        partitions = int(spark.conf.get("spark.sql.shuffle.partitions") or 200)
        buckets = default_buckets(partitions, _cores(spark))
    check_count("buckets", buckets)
    ref = PackRef.read(pack)
    grader = spark_grader(ref, cycle, override_validity, id_tuple("trace_ids", trace_ids))
    schema = spark_schema(grader.empty())
    s = subjects.withColumn(BUCKET, sf.pmod(sf.xxhash64("id"), sf.lit(buckets))).repartition(buckets, BUCKET)
    r = records.withColumn(BUCKET, sf.pmod(sf.xxhash64("subject_id"), sf.lit(buckets))).repartition(buckets, BUCKET)

    # Spark counts the parameters of the function it is given: a plain two-argument function
    def grade(subjects_batch: pa.Table, records_batch: pa.Table) -> pa.Table:
        return grader.grade(subjects_batch, records_batch)

    graded = s.groupBy(BUCKET).cogroup(r.groupBy(BUCKET)).applyInArrow(grade, schema)
    return finish(graded, grader, ref.content_hash)
