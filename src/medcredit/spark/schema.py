"""The Spark schema of the results: the columnar results table's, plus the pack hash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from medcredit.spark.worker import Grader, PackRef

#: Column added to every result row: the content hash of the pack that graded it.
PACK_HASH = "pack_hash"


def spark_schema(empty: pa.Table) -> Any:
    """A pyspark StructType from the Arrow schema of an (empty) results table."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(empty.schema)


def result_schema(pack: str | Path, cycle: int, *, override_validity: bool = False) -> Any:
    """The Spark schema of the results DataFrame (``pack_hash`` last)."""
    from pyspark.sql.types import StringType, StructField, StructType

    grader = Grader(PackRef.read(pack), cycle, override_validity)
    fields = list(spark_schema(grader.empty()).fields)
    return StructType([*fields, StructField(PACK_HASH, StringType(), nullable=False)])
