"""Subjects and records shuffled by subject id into the same partitions, each pair graded in process.

Dask assigns a row to partition ``hash(key) % partitions`` of the column it shuffles
on.  Both tables get the same key column (the subject id, as Arrow-backed text, so
that the hash of an id is the same in both whatever dtypes the inputs came in), are
shuffled into the same number of partitions, and ``map_partitions`` hands partition
*i* of the subjects and partition *i* of the records to one call of the grader: a
partition holds whole subjects with all their records.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from medcredit.columnar.arguments import check_count, id_tuple
from medcredit.columnar.groups import Grader, PackRef
from medcredit.columnar.plan import make_plan
from medcredit.diagnostics.arguments import type_name
from medcredit.diagnostics.errors import ArgumentError

if TYPE_CHECKING:
    import pandas as pd
    from dask.dataframe import DataFrame

#: Column added to every result row: the content hash of the pack that graded it.
PACK_HASH = "pack_hash"
#: Key of the results' ``attrs``: why subjects fall back to the per-subject engine (the pack's reason, each path's).
FALLBACK = "medcredit.fallback"
#: the shuffle key both tables get (dropped before grading)
KEY = "_medcredit_key"
#: how a partition is named in the problems of a Dask job
GROUP = "Dask partition"


def _arrow_frame(table: pa.Table, pack_hash: str, reasons: dict[str, Any]) -> pd.DataFrame:
    """A results table as pandas with Arrow-backed columns (exact decimals and lists), ``pack_hash`` last."""
    import pandas as pd

    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    frame[PACK_HASH] = pd.Series([pack_hash] * len(frame), dtype=pd.ArrowDtype(pa.string()), index=frame.index)
    frame.attrs[FALLBACK] = reasons
    return frame


class _PartitionGrader:
    """Grades one partition of subjects with the same partition of records (picklable)."""

    def __init__(self, grader: Grader, reasons: dict[str, Any]) -> None:
        self.grader = grader
        self.reasons = reasons

    def __call__(self, subjects: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
        s = pa.Table.from_pandas(subjects, preserve_index=False)
        r = pa.Table.from_pandas(records, preserve_index=False)
        table = self.grader.grade(s, r)
        return _arrow_frame(table, self.grader.pack.content_hash, self.reasons)


def _grader(pack: str | Path, cycle: int, override_validity: bool, trace_ids: tuple[str, ...]) -> Grader:
    return Grader(PackRef.read(pack), cycle, override_validity, id_tuple("trace_ids", trace_ids), (KEY,), GROUP)


def _reasons(grader: Grader) -> dict[str, Any]:
    plan = make_plan(grader.pack.compiled())
    return {"pack": plan.pack_reason, "paths": plan.path_reasons}


def result_meta(pack: str | Path, cycle: int, *, override_validity: bool = False) -> pd.DataFrame:
    """The results of no subjects: the columns and dtypes of every result (``pack_hash`` last)."""
    grader = _grader(pack, cycle, override_validity, ())
    return _arrow_frame(grader.empty(), grader.pack.content_hash, _reasons(grader))


def _keyed(frame: DataFrame, column: str, name: str) -> DataFrame:
    """``frame`` with the shuffle key: ``column`` as Arrow-backed text (one hash per id, whatever the dtype)."""
    import pandas as pd

    if column not in frame.columns:
        raise ArgumentError(f"{name} have no column {column!r}: the columns are {list(frame.columns)}")
    return frame.assign(**{KEY: frame[column].astype(pd.ArrowDtype(pa.string()))})


def evaluate_dataframe(
    pack: str | Path,
    subjects: DataFrame,
    records: DataFrame,
    *,
    cycle: int,
    partitions: int | None = None,
    override_validity: bool = False,
    trace_ids: tuple[str, ...] = (),
) -> DataFrame:
    """Grade every subject of ``subjects`` with its ``records`` (columns as in medcredit.columnar.schema).

    ``pack`` is a bundled pack name or a pack file read here (its text goes to the workers).
    ``partitions`` (default: the larger input's number of partitions) is the number of groups
    graded; each holds whole subjects with all their records.  Lazy, as Dask is: nothing is
    graded before ``.compute()`` (or a write); a problem in the input tables is then raised as
    :class:`~medcredit.diagnostics.errors.HistoryError`, each problem naming its subject id.
    """
    import dask.dataframe as dd

    for name, frame in (("subjects", subjects), ("records", records)):
        if not isinstance(frame, dd.DataFrame):
            raise ArgumentError(
                f"{name} must be a dask DataFrame (dask.dataframe.read_parquet, dask.dataframe.from_pandas), "
                f"got {type_name(frame)}"
            )
    if partitions is None:
        partitions = max(subjects.npartitions, records.npartitions)
    check_count("partitions", partitions)
    grader = _grader(pack, cycle, override_validity, trace_ids)
    reasons = _reasons(grader)
    meta = _arrow_frame(grader.empty(), grader.pack.content_hash, reasons)
    s = _keyed(subjects, "id", "subjects").shuffle(on=KEY, npartitions=partitions)
    r = _keyed(records, "subject_id", "records").shuffle(on=KEY, npartitions=partitions)
    return dd.map_partitions(_PartitionGrader(grader, reasons), s, r, meta=meta, align_dataframes=False)
