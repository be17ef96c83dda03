"""Dask: a population held in Dask DataFrames graded with the columnar path.

    import dask.dataframe as dd
    from medcredit.dask import evaluate_dataframe
    results = evaluate_dataframe("wushan", dd.read_parquet("subjects/"), dd.read_parquet("records/"), cycle=2023)

Both DataFrames are shuffled by subject id into the same number of partitions, so a
subject and all its records meet in one partition; each pair of partitions is graded
by :func:`medcredit.columnar.evaluate_table` in the worker, as in process.  The result
has one row per subject: the columns of the results table plus ``pack_hash``, in
Arrow-backed pandas types.  Needs the ``dask`` extra; see docs/guide/dask.md.
"""

from medcredit.dask.shuffle import FALLBACK, PACK_HASH, evaluate_dataframe, result_meta

__all__ = ["FALLBACK", "PACK_HASH", "evaluate_dataframe", "result_meta"]
