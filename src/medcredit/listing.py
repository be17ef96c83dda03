"""When a subject is on a list: one rule, used by the cycle engine and by standing-on-a-date.

辽医保规〔2023〕3号 第十六条: measures with a term end when the term expires; without a
term, on the day of removal from the list.  So the last listed day is the day
before the removal decision, or the last day of the term (《民法典》 第二百零二条),
whichever comes first.  A term comes from the list's declared ``term`` or from
the entry record's own ``term_months``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from medcredit.history import Record
from medcredit.pack.compiled import CList
from medcredit.periods import period_end
from medcredit.result import Listing

_ONE_DAY = dt.timedelta(days=1)


def compute_listing(
    lst: CList,
    entries: Sequence[tuple[int, Record]],
    removals: Sequence[tuple[int, Record]],
    horizon: dt.date,
) -> Listing | None:
    """The listing as of ``horizon`` from entry and removal records (index, record), or None."""
    if not entries:
        return None
    ordered = sorted(entries, key=lambda item: (item[1].date, item[0]))
    since = ordered[0][1].date
    latest_index, latest = ordered[-1]
    until: dt.date | None = None
    rule: str | None = None
    later_removals = [(i, r) for i, r in removals if r.date >= latest.date]
    if later_removals:
        until, rule = max(r.date for _i, r in later_removals) - _ONE_DAY, "removal"
    term: tuple[int, int] | None = lst.term
    if latest.term_months:
        term = (0, latest.term_months)
    if term is not None and (term[0] or term[1]):
        term_end = period_end(latest.date, years=term[0], months=term[1]).value
        if until is None or term_end < until:
            until, rule = term_end, "term"
    active = until is None or until >= horizon
    used = tuple(i for i, _r in ordered) + tuple(i for i, _r in later_removals)
    dates = tuple(sorted({r.date for _i, r in ordered}))
    del latest_index
    return Listing(lst.id, since, until, rule, active, used, dates)
