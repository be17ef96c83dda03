"""The Spark schema of the results: the columnar results table's, plus the pack hash.

The in-process results table states in its schema metadata why subjects fall back to the
per-subject engine (``medcredit.fallback``: the pack's reason, each path's).  A Spark DataFrame
has no table metadata, so the same statement rides on the ``evaluated_by`` column's metadata;
the per-row reason is the column's value.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from medcredit.columnar.plan import make_plan
from medcredit.diagnostics.arguments import type_name
from medcredit.diagnostics.errors import ArgumentError
from medcredit.spark.worker import Grader, PackRef, spark_grader

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: Column added to every result row: the content hash of the pack that graded it.
PACK_HASH = "pack_hash"


#: The metadata key, on the ``evaluated_by`` column, of the pack's and the paths' fallback reasons.
FALLBACK = "medcredit.fallback"


def check_dataframes(**frames: Any) -> None:
    """Refuse anything but Spark DataFrames (a pandas frame, a path) with a typed error naming the argument."""
    from pyspark.sql import DataFrame as SparkFrame  # classic and Spark Connect frames alike

    for name, frame in frames.items():
        if not isinstance(frame, SparkFrame):
            raise ArgumentError(
                f"{name} must be a Spark DataFrame (spark.read.parquet, spark.createDataFrame), got {type_name(frame)}"
            )


def fallback_metadata(grader: Grader) -> dict[str, Any]:
    """``evaluated_by``'s metadata: the fallback reasons of the pack and of each path, as the in-process
    table's ``medcredit.fallback`` states them (its per-run counts would need a pass over the results: a
    ``groupBy("evaluated_by")`` gives them)."""
    plan = make_plan(grader.pack.compiled())
    return {FALLBACK: {"pack": plan.pack_reason, "paths": plan.path_reasons}}


def finish(graded: DataFrame, grader: Grader, content_hash: str) -> DataFrame:
    """The results DataFrame as returned: ``pack_hash`` added, the fallback reasons on ``evaluated_by``."""
    from pyspark.sql import functions as sf

    with_hash = graded.withColumn(PACK_HASH, sf.lit(content_hash))
    return with_hash.withMetadata("evaluated_by", fallback_metadata(grader))


def spark_schema(empty: pa.Table) -> Any:
    """A pyspark StructType from the Arrow schema of an (empty) results table."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(empty.schema)


def result_schema(pack: str | Path, cycle: int, *, override_validity: bool = False) -> Any:
    """The Spark schema of the results DataFrame (``pack_hash`` last)."""
    from pyspark.sql.types import StringType, StructField, StructType

    grader = spark_grader(PackRef.read(pack), cycle, override_validity, ())
    empty = grader.empty()
    reasons = fallback_metadata(grader)
    fields = [
        StructField(f.name, f.dataType, f.nullable, reasons if f.name == "evaluated_by" else f.metadata)
        for f in spark_schema(empty).fields
    ]
    return StructType([*fields, StructField(PACK_HASH, StringType(), nullable=False)])
