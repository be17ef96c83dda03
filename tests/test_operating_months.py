"""巫山 第十九条（四） "评价年度内营业时间不足6个月的" by 《民法典》 第二百零一、二百零二条.

The opening day is not counted; N months from it end on the day of the opening's number N months
later, or that month's last day when it has none (第二百零二条 "到期月的对应日为期间的最后一日；没有
对应日的，月末日为期间的最后一日").  So an opening on 28 February has six whole months on 28 August,
not only on 31 August.  The interpreter, the generated code and the columnar path agree.
"""

from __future__ import annotations

import datetime as dt

import pytest

from medcredit.columnar import evaluate_table, subjects_to_tables
from medcredit.engine.evaluation import Evaluator
from medcredit.engine.operation import whole_months
from medcredit.history.model import Subject
from medcredit.pack.loader import load_pack
from medcredit.time.periods import period_end

WUSHAN = load_pack("wushan")
PHARMACY = "92500237MA5U00002X"


@pytest.mark.parametrize(
    ("opened", "day", "months"),
    [
        ("2023-02-28", "2023-08-28", 6),  # the corresponding day of 28 February
        ("2023-02-28", "2023-08-27", 5),
        ("2023-04-30", "2023-10-30", 6),
        ("2024-02-29", "2024-08-29", 6),
        ("2023-06-30", "2023-12-30", 6),
        ("2023-07-01", "2023-12-31", 5),  # the pack's own example: opened on 1 July, five months
        ("2023-01-31", "2023-02-28", 1),  # no 31 February: the month's last day
        ("2023-01-31", "2023-02-27", 0),
        ("2023-03-15", "2023-03-15", 0),
    ],
)
def test_whole_months_end_on_the_corresponding_day(opened: str, day: str, months: int) -> None:
    start, stop = dt.date.fromisoformat(opened), dt.date.fromisoformat(day)
    assert whole_months(start, stop) == months
    if months:  # the calendar's own period of that many months ends on or before the day
        assert period_end(start, months=months).value <= stop


def _pharmacy(opened: str, ended: str) -> Subject:
    return Subject.model_validate(
        {
            "id": PHARMACY,
            "category": "retail_pharmacy",
            "opened": opened,
            "agreement_end": {"date": ended, "reason": "expired"},
            "records": [{"kind": "inspection", "date": ended}],  # inspected in the cycle (第十九条（五）)
        }
    )


@pytest.mark.parametrize(
    ("opened", "ended", "graded"),
    [
        ("2023-02-28", "2023-08-28", True),
        ("2023-02-28", "2023-08-27", False),
        ("2023-04-30", "2023-10-30", True),
        ("2023-06-30", "2023-12-30", True),
        ("2023-07-01", "2023-12-30", False),
    ],
)
def test_six_months_operated_on_every_path(opened: str, ended: str, graded: bool) -> None:
    subject = _pharmacy(opened, ended)
    cycle = int(opened[:4])
    results = [Evaluator(WUSHAN, cache=None, compiled=c).evaluate(subject, cycle) for c in (False, True)]
    table = evaluate_table(WUSHAN, *subjects_to_tables([subject]), cycle=cycle)
    statuses = {r.status for r in results} | set(table.column("status").to_pylist())
    assert statuses == ({"graded"} if graded else {"excluded"})
    if not graded:
        assert "operated_under_six_months" in results[0].exclusions
