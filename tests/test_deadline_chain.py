"""A procedure begun while the measures were in force runs to its end under them.

辽医保规〔2023〕3号 第三十九条 sets a validity of two years (to 2025-03-31).  An objection received on
2025-03-28 must be verified "在三个工作日内" (第二十七条: by 2025-04-02, after the 清明 holiday
2025-04-04 … 06 is not reached) and its result told "在二个工作日内" (by 2025-04-07).  A repair
application received that day is accepted within three working days (2025-04-01) and decided
"自受理之日起，十五个工作日内" (第三十五条: 2025-04-23).  The later steps fall after the expiry, but
they are duties of an application made while the measures were in force.  A procedure started after
the expiry is still refused.
"""

from __future__ import annotations

import datetime as dt

import pytest

import medcredit

LIAONING = medcredit.load_pack("liaoning")
RECEIVED = dt.date(2025, 3, 28)


def _chain(deadline_id: str, start: dt.date) -> list[tuple[str, dt.date]]:
    return [(a.deadline.id, a.due.value) for a in medcredit.deadline_chain(LIAONING, deadline_id, start)]


def test_an_objection_received_before_expiry_is_verified_and_answered() -> None:
    assert _chain("objection_verification", RECEIVED) == [
        ("objection_verification", dt.date(2025, 4, 2)),
        ("objection_notice", dt.date(2025, 4, 7)),
    ]


def test_a_repair_application_received_before_expiry_is_accepted_and_decided() -> None:
    assert _chain("repair_acceptance", RECEIVED) == [
        ("repair_acceptance", dt.date(2025, 4, 1)),
        ("repair_decision", dt.date(2025, 4, 23)),
    ]
    assert not any(a.validity_overridden for a in medcredit.deadline_chain(LIAONING, "repair_acceptance", RECEIVED))


def test_a_procedure_started_after_expiry_is_refused() -> None:
    with pytest.raises(medcredit.ValidityError):
        medcredit.deadline_chain(LIAONING, "objection_verification", dt.date(2025, 4, 2))
