"""What runs inside Spark's Python workers: one bucket (or batch) of whole subjects graded in process.

The grading itself is the columnar path's (:mod:`medcredit.columnar.groups`, shared with
the Dask recipe); this module names what is Spark's: the bucket column the general path
adds to both tables, and the word its error messages use for a group.
"""

from __future__ import annotations

from medcredit.columnar.groups import Grader, PackRef

#: the bucket number the general path adds to both tables to cogroup them
BUCKET = "_medcredit_bucket"
#: how a group of subjects is named in the problems of a Spark job
GROUP = "Spark bucket"


def spark_grader(ref: PackRef, cycle: int, override_validity: bool, trace_ids: tuple[str, ...]) -> Grader:
    """The grader a Spark job sends to its workers (drops the bucket column, names Spark's buckets)."""
    return Grader(ref, cycle, override_validity, trace_ids, (BUCKET,), GROUP)


__all__ = ["BUCKET", "GROUP", "Grader", "PackRef", "spark_grader"]
