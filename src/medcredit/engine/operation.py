"""How long a subject operated in the cycle, and why its service agreement ended (巫山 第十九条).

Months are whole months by the corresponding-day rule; an agreement ended in
the cycle stops the count on its date.  Several ends on the same last day are
all cited and the reason is chosen by a fixed order of seriousness, never by
the order the records were given in.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from typing import NamedTuple

from medcredit.history.model import Subject
from medcredit.trace.result import InputRecord, Notice

_ONE_DAY = dt.timedelta(days=1)
#: Objection outcomes after which a record is not used, and the reason the trace gives.
IGNORED_OBJECTIONS = {"upheld": "objection_upheld", "deleted_unverifiable": "objection_deleted"}
REASON_ORDER = ("fraud", "violation", "renewal_not_met", "voluntary", "expired")


class Operation(NamedTuple):
    months: int  # whole months operated in the cycle (at most 12)
    end_reason: str  # reason of an agreement ended within the cycle, "" if none
    agreement_records: tuple[int, ...]  # the agreement-end records cited
    notices: tuple[Notice, ...]


_OPEN_ALL_YEAR = Operation(12, "", (), ())


def operation(
    subject: Subject,
    records: list[InputRecord],
    own: int,
    start: dt.date,
    end: dt.date,
    uses_operation: bool,
) -> Operation:
    """Whole months operated in the cycle, the in-cycle agreement end reason, records used.

    ``own`` is the number of the subject's own records: managed clinics' records follow
    them and never end the subject's agreement.
    """
    notices: tuple[Notice, ...] = ()
    opened = subject.opened
    if opened is None and uses_operation:
        notices = (
            Notice(
                "opening_unknown",
                "opening date unknown: assumed operating throughout the cycle",
                "未提供开业日期：视为评价周期内全年营业",
            ),
        )
    # 《民法典》 第二百零一条: the opening day is not counted, the period runs from the next day; opened
    # before the cycle, the count runs from 1 January (as if from an opening on 31 December)
    before_start = start - _ONE_DAY
    anchor = max(opened, before_start) if opened is not None else before_start
    ends = [i for i in range(own) if _ends_agreement(records[i], opened, end)]
    if anchor == before_start and not ends and subject.agreement_end is None:
        return Operation(12, "", (), notices) if notices else _OPEN_ALL_YEAR
    stop = end
    reason = ""
    used: tuple[int, ...] = ()
    if ends:
        when = max(records[i].record.date for i in ends)
        used = tuple(i for i in ends if records[i].record.date == when)
        stop = min(stop, when)
        if when >= start:
            reason = min((records[i].record.reason or "" for i in used), key=_reason_rank)
    return Operation(min(whole_months(anchor, stop), 12), reason, used, notices)


def _ends_agreement(item: InputRecord, opened: dt.date | None, end: dt.date) -> bool:
    rec = item.record
    if rec.kind != "agreement_termination":
        return False
    if rec.objection is not None and rec.objection.status in IGNORED_OBJECTIONS:
        return False
    return not (rec.date > end or (opened is not None and rec.date < opened))


def _reason_rank(reason: str) -> tuple[int, str]:
    return (REASON_ORDER.index(reason) if reason in REASON_ORDER else len(REASON_ORDER), reason)


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later (the month's last day when there is none)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def whole_months(anchor: dt.date, day: dt.date) -> int:
    """Whole months from the day after ``anchor`` through ``day`` (0 when ``day`` is not later).

    《民法典》 第二百零一条: the day the period starts from (an opening) is not counted; 第二百零二条: a
    period of N months ends on the day of ``anchor``'s number N months later, or on that month's last day
    when it has no such day.  So a month from an opening on 28 February is complete on 28 March, and six
    months from an opening on 30 June are complete on 30 December.
    """
    if day <= anchor:
        return 0
    months = (day.year - anchor.year) * 12 + day.month - anchor.month
    while months > 0 and add_months(anchor, months) > day:
        months -= 1
    return months
