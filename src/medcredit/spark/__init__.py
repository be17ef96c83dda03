"""Spark: a province's population graded on an existing cluster with the columnar path.

    from medcredit.spark import evaluate_dataframe, evaluate_nested, nest_records
    results = evaluate_dataframe("wushan", subjects_df, records_df, cycle=2023)

    nest_records(subjects_df, records_df).write.parquet("population.parquet")   # once
    results = evaluate_nested("wushan", spark.read.parquet("population.parquet"), cycle=2023)

The general path hashes subjects and records by subject id into buckets; each
bucket's subjects and records reach one Python worker together as two Arrow tables
(``cogroup(...).applyInArrow``).  The fast path reads rows that already hold a
subject with all its records (written once by :func:`nest_records`) and grades them
with ``mapInArrow``, without a shuffle.  Either way
:func:`medcredit.columnar.evaluate_table` grades, and the result has one row per
subject: the columns of the results table (status, grade, score, measures, the
per-rule trace matrix ``rule:<id>``…) plus ``pack_hash``.  Needs the ``spark``
extra and Java 17; see docs/guide/spark.md.
"""

from medcredit.spark.cogroup import evaluate_dataframe
from medcredit.spark.nested import evaluate_nested, nest_records
from medcredit.spark.schema import PACK_HASH, result_schema

__all__ = ["PACK_HASH", "evaluate_dataframe", "evaluate_nested", "nest_records", "result_schema"]
