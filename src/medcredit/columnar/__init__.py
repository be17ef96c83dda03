"""The columnar batch path: a whole population graded at once over Arrow tables.

    from medcredit.columnar import evaluate_table, subjects_to_tables
    results = evaluate_table(pack, subjects, records, cycle=2023, trace_ids=["9150…"])

Needs the ``columnar`` extra (pyarrow, numpy).  See docs/guide/columnar.md.
"""

from medcredit.columnar.convert import rows_to_subjects, subjects_to_tables
from medcredit.columnar.evaluate import FORMAT, evaluate_table, fallback_info
from medcredit.columnar.schema import RECORD_COLUMNS, SUBJECT_COLUMNS, Tables, validate

__all__ = [
    "FORMAT",
    "RECORD_COLUMNS",
    "SUBJECT_COLUMNS",
    "Tables",
    "evaluate_table",
    "fallback_info",
    "rows_to_subjects",
    "subjects_to_tables",
    "validate",
]
