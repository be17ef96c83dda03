"""A decision's publicity starts on or after the decision (辽宁 第三十一条 "其他行政处罚信息公示期满六个月").

A ``publicity_start`` before the record's date would make six months "complete" the day after the
penalty: every reader refuses it with the field named, as it refuses an objection resolved before it
was filed (the history model, the JSONL fast path, the columnar tables).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medcredit.columnar import evaluate_table
from medcredit.diagnostics.errors import HistoryError
from medcredit.history.model import Subject
from medcredit.history.reader import Loaded, Rejected, iter_subjects
from medcredit.pack.loader import load_pack

INSTITUTION = "91210100123456788H"
DOC = {"kind": "administrative_decision", "number": "X"}


def _penalty(**fields: str) -> dict[str, object]:
    return {
        "kind": "administrative_penalty",
        "id": "P1",
        "date": "2023-08-31",
        "code": "inst_overcharging",
        "document": DOC,
        **fields,
    }


def _subject(**fields: str) -> dict[str, object]:
    return {"id": INSTITUTION, "category": "retail_pharmacy", "records": [_penalty(**fields)]}


def test_the_model_refuses_a_publicity_start_before_the_decision() -> None:
    with pytest.raises(ValueError, match=r"publicity_start \(2023-01-01\) is before the record's date \(2023-08-31\)"):
        Subject.model_validate(_subject(publicity_start="2023-01-01"))
    assert Subject.model_validate(_subject(publicity_start="2023-08-31")).records[0].publicity_start is not None


def test_the_jsonl_reader_names_the_line_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    good, bad = _subject(publicity_start="2023-09-01"), _subject(publicity_start="2023-01-01")
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    first, second = list(iter_subjects(path))
    assert isinstance(first, Loaded)  # the good line is kept
    assert isinstance(second, Rejected) and second.where.endswith(":2")
    (problem,) = second.problems
    assert problem.line == 2 and "publicity_start" in problem.message


def test_the_columnar_tables_refuse_it_too() -> None:
    pa = pytest.importorskip("pyarrow", reason="the columnar path needs the 'columnar' extra")
    import datetime as dt

    subjects = pa.table({"id": [INSTITUTION], "category": ["retail_pharmacy"]})
    records = pa.table(
        {
            "subject_id": [INSTITUTION],
            "kind": ["administrative_penalty"],
            "date": pa.array([dt.date(2023, 8, 31)], pa.date32()),
            "publicity_start": pa.array([dt.date(2023, 1, 1)], pa.date32()),
        }
    )
    with pytest.raises(HistoryError) as info:
        evaluate_table(load_pack("liaoning"), subjects, records, cycle=2023)
    assert [p.path for p in info.value.problems] == [("records", 0, "publicity_start")]
