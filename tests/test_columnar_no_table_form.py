"""What the two tables cannot hold is refused, never converted without it.

A field dropped on the way to Parquet would change the grade silently: a pack that reads a
subject's earlier results or designation date would grade the converted subject differently
from the same history given to ``medcredit evaluate``.  Every field of the history models is
either a column, represented by the tables' structure, or named in ``NO_COLUMN_*`` and refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from medcredit.cli.main import main
from medcredit.columnar.convert import NO_COLUMN_RECORD_FIELDS, NO_COLUMN_SUBJECT_FIELDS, subjects_to_tables
from medcredit.columnar.parquet import convert_jsonl
from medcredit.columnar.schema import RECORD_COLUMNS, SUBJECT_COLUMNS
from medcredit.diagnostics.errors import HistoryError
from medcredit.history.model import Record, Subject

# represented by the tables' structure: agreement_end as two columns, records and managed clinics as
# record rows (clinic_id, clinic_name), document and objection as their own columns
STRUCTURAL_SUBJECT = {"agreement_end", "managed_clinics", "records", "linked_institutions"}
STRUCTURAL_RECORD = {"document", "objection"}
BASE: dict[str, Any] = {"id": "92500237MA5U00001T", "category": "retail_pharmacy"}
INSPECTION = {"kind": "inspection", "date": "2023-03-01"}


def test_every_field_is_a_column_structure_or_refused() -> None:
    subject_fields = set(Subject.model_fields) - set(SUBJECT_COLUMNS) - STRUCTURAL_SUBJECT
    record_fields = set(Record.model_fields) - set(RECORD_COLUMNS) - STRUCTURAL_RECORD
    assert subject_fields == set(NO_COLUMN_SUBJECT_FIELDS)
    assert record_fields == set(NO_COLUMN_RECORD_FIELDS)


CANNOT = {
    "designated": {**BASE, "designated": "2020-01-01", "records": [INSPECTION]},
    "prior_results": {**BASE, "prior_results": [{"cycle": 2022, "grade": "B"}], "records": [INSPECTION]},
    "institution": {**BASE, "category": "physician", "id": "P-1", "records": [{**INSPECTION, "institution": "X"}]},
}


@pytest.mark.parametrize("field", sorted(CANNOT))
def test_a_subject_with_a_field_without_column_is_refused(field: str) -> None:
    with pytest.raises(HistoryError) as info:
        subjects_to_tables([Subject.model_validate(CANNOT[field])])
    (problem,) = info.value.problems
    assert problem.code == "table-no-table-form" and f"'{field}'" in problem.message
    assert "medcredit evaluate" in problem.message


def test_convert_rejects_those_lines_and_writes_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "h.jsonl"
    lines = [{**BASE, "records": [INSPECTION]}, *CANNOT.values(), {**BASE, "id": "92500237MA5U00002X"}]
    source.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    done = convert_jsonl(source, tmp_path / "s.parquet", tmp_path / "r.parquet")
    assert done.subjects == 2 and len(done.rejected) == 3
    assert [r.where for r in done.rejected] == [f"{source}:{n}" for n in (2, 3, 4)]
    argv = ["table", "convert", str(source), "--subjects", str(tmp_path / "s2.parquet")]
    code = main([*argv, "--records", str(tmp_path / "r2.parquet")])
    assert code == 1
    assert "'prior_results' has no column" in capsys.readouterr().err
