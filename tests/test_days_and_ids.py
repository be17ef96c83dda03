"""Days a history may name, and ids it may use: refused with a located error, never a crash later.

A day is written ``YYYY-MM-DD`` (the history schema's ``format: date``) and lies between 1900-01-01
and 2199-12-31: a number is not read as Unix seconds, a date-time is not a day, and a day such as
9999-12-31 (whose next day Python cannot hold) is refused where it is read, so the subjects around it
are graded.  An id is printable text: a newline or tab in an id would forge rows of the text outputs.
The same rules hold for the fast JSON path, pydantic, the Python API, the command line and the
columnar tables.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import medcredit
from medcredit.cli.main import main
from medcredit.history.fastpath import build_subject

pa = pytest.importorskip("pyarrow")

PHARMACY = "92500237MA5U000031"
WUSHAN = medcredit.load_pack("wushan")


def _subject(**changes: Any) -> dict[str, Any]:
    return {
        "id": PHARMACY,
        "category": "retail_pharmacy",
        "records": [{"kind": "inspection", "date": "2023-04-01"}],
        **changes,
    }


def _codes(data: dict[str, Any]) -> list[str]:
    assert build_subject(data) is None  # the fast path leaves it to pydantic, which decides
    with pytest.raises(medcredit.HistoryError) as info:
        medcredit.load_subject(data)
    return [p.code for p in info.value.problems]


@pytest.mark.parametrize(
    ("day", "code"),
    [
        ("9999-12-31", "history-date-range"),
        ("1899-12-31", "history-date-range"),
        ("2200-01-01", "history-date-range"),
        (1686528000, "history-date-type"),
        ("1686528000", "history-date-format"),
        (1686528000.0, "history-date-type"),
        (True, "history-date-type"),
        ("2023-06-12T00:00:00+08:00", "history-date-format"),
        ("20230612", "history-date-format"),
        ("２０２３-０６-１２", "history-date-format"),
    ],
)
def test_a_day_is_written_yyyy_mm_dd_within_range(day: Any, code: str) -> None:
    assert _codes(_subject(opened=day)) == [code]
    assert _codes(_subject(records=[{"kind": "inspection", "date": day}])) == [code]
    assert _codes(_subject(records=[{"kind": "serious_list_entry", "date": "2023-05-01", "term_end": day}])) == [code]


def test_the_first_and_last_days_are_days() -> None:
    for day in ("1900-01-01", "2199-12-31"):
        assert medcredit.load_subject(_subject(opened=day)).opened == dt.date.fromisoformat(day)
        assert build_subject(_subject(opened=day)) == medcredit.load_subject(_subject(opened=day))


@pytest.mark.parametrize("bad", ["X\nFAKE", "tab\there", "esc\x1b[31m", "zero\u200bwidth", "del\x7f", "c1\x85"])
def test_an_id_is_printable(bad: str) -> None:
    assert _codes(_subject(id=bad)) == ["history-id-character"]
    assert _codes(_subject(parent_id=bad)) == ["history-id-character"]
    assert _codes(_subject(records=[{"kind": "inspection", "date": "2023-04-01", "id": bad}])) == [
        "history-id-character"
    ]
    person = {"role": "legal_representative", "id": bad}
    assert "history-id-character" in _codes(_subject(linked_persons=[person]))


def test_a_bad_day_fails_its_own_line_and_the_others_are_graded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [_subject(id="A"), _subject(id="B", opened="9999-12-31"), _subject(id="C")]
    source = tmp_path / "h.jsonl"
    source.write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    for jobs in ("1", "2"):
        code = main(
            ["evaluate", "--pack", "wushan", "--cycle", "2023", str(source), "--format", "jsonl", "--jobs", jobs]
        )
        captured = capsys.readouterr()
        assert code == 1
        out = [json.loads(x) for x in captured.out.splitlines()]
        assert [x.get("subject", {}).get("id") or x["status"] for x in out] == ["A", "rejected", "C"]
        assert out[1]["where"] == f"{source}:2"
        assert [p["code"] for p in out[1]["problems"]] == ["history-date-range"]


def test_dates_given_as_arguments_are_within_range(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    subject = medcredit.load_subject(_subject())
    with pytest.raises(medcredit.ArgumentError, match="out of range"):
        medcredit.standing(WUSHAN, subject, dt.date(9999, 12, 31))
    source = tmp_path / "s.json"
    source.write_text(json.dumps(_subject()), "utf-8")
    for day in ("9999-12-31", "٢٠٢٣-٠١-٠١", "2023-1-1"):
        with pytest.raises(SystemExit) as info:
            main(["standing", "--pack", "wushan", "--as-of", day, str(source)])
        assert info.value.code == 2
    assert "--as-of" in capsys.readouterr().err


def _table_problems(subjects: Any, records: Any) -> list[tuple[str, tuple[Any, ...] | None]]:
    from medcredit.columnar import evaluate_table

    with pytest.raises(medcredit.HistoryError) as info:
        evaluate_table(WUSHAN, subjects, records, cycle=2023)
    return [(p.code, p.path) for p in info.value.problems]


def test_tables_refuse_days_python_cannot_hold_and_unprintable_ids() -> None:
    far = pa.array([2**31 - 1, 19000], pa.int32()).cast(pa.date32())
    subjects = pa.table({"id": [PHARMACY, "92500237MA5U000032"], "category": ["retail_pharmacy"] * 2})
    records = pa.table({"subject_id": [PHARMACY, "92500237MA5U000032"], "kind": ["inspection"] * 2, "date": far})
    assert _table_problems(subjects, records) == [("table-date-range", ("records", 0, "date"))]
    early = subjects.append_column("opened", pa.array([-(2**31), 19000], pa.int32()).cast(pa.date32()))
    ok_records = records.set_column(2, "date", pa.array([19000, 19000], pa.int32()).cast(pa.date32()))
    assert _table_problems(early, ok_records) == [("table-date-range", ("subjects", 0, "opened"))]
    forged = subjects.set_column(0, "id", pa.array([PHARMACY, "X\nY"]))
    assert ("table-id-character", ("subjects", 1, "id")) in _table_problems(forged, ok_records.slice(0, 1))
