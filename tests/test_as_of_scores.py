"""Evaluated as of a day, a score supplied after that day is not known yet.

The rolling pack (tests/fixtures/capabilities/rolling.yaml) grades as of a date over the twelve months
before it; its records are taken "up to the evaluation date" (pack format: window to_cycle_end).  A
risk assessment issued after the evaluation date, whatever year it assesses, is not taken; one issued
by that date is.  A calendar-year pack grades a cycle after it, so there an assessment of the year
dated the next January still counts (the Wushan golden cases hold that).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import medcredit

ROLLING = medcredit.load_pack(str(Path(__file__).parent / "fixtures" / "capabilities" / "rolling.yaml"))
AS_OF = dt.date(2025, 1, 9)


def _hospital(date: str, year: int) -> medcredit.Subject:
    return medcredit.load_subject(
        {
            "id": "92500237MA00000029",
            "category": "hospital_inpatient",
            "records": [{"kind": "risk_assessment", "date": date, "year": year, "score": 95}],
        }
    )


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize(("date", "year"), [("2030-01-10", 2024), ("2025-12-01", 2025), ("2025-01-10", 2024)])
def test_a_score_supplied_after_the_evaluation_date_is_not_known(date: str, year: int, compiled: bool) -> None:
    ev = medcredit.Evaluator(ROLLING, compiled=compiled)
    result = ev.evaluate(_hospital(date, year), as_of=AS_OF)
    assert (result.status, result.score) == ("not_evaluable", None)


@pytest.mark.parametrize("compiled", [False, True])
def test_a_score_supplied_by_the_evaluation_date_is_taken(compiled: bool) -> None:
    ev = medcredit.Evaluator(ROLLING, compiled=compiled)
    result = ev.evaluate(_hospital("2025-01-09", 2024), as_of=AS_OF)
    assert result.status == "graded" and result.score is not None
