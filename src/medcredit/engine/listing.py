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

from medcredit.history.model import Record, Subject
from medcredit.pack.compiled import CList, CompiledPack
from medcredit.time.periods import period_end
from medcredit.trace.result import Consequence, Listing

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
    latest = ordered[-1][1]
    until: dt.date | None = None
    rule: str | None = None
    later_removals = [(i, r) for i, r in removals if r.date >= latest.date]
    if later_removals:
        until, rule = max(r.date for _i, r in later_removals) - _ONE_DAY, "removal"
    # every entry made on the latest day counts, whatever order the records came in: the
    # listing runs to the latest of their terms, and without end if one of them has no term
    term_ends: list[dt.date | None] = []
    for _i, record in ordered:
        if record.date != latest.date:
            continue
        term: tuple[int, int] | None = (0, record.term_months) if record.term_months else lst.term
        if term is None or not (term[0] or term[1]):
            term_ends.append(None)
        else:
            term_ends.append(period_end(record.date, years=term[0], months=term[1]).value)
    if term_ends and None not in term_ends:
        term_end = max(d for d in term_ends if d is not None)
        if until is None or term_end < until:
            until, rule = term_end, "term"
    active = until is None or until >= horizon
    used = tuple(i for i, _r in ordered) + tuple(i for i, _r in later_removals)
    dates = tuple(sorted({r.date for _i, r in ordered}))
    return Listing(lst.id, since, until, rule, active, used, dates)


def linked_consequences(pack: CompiledPack, subject: Subject, listings: Sequence[Listing]) -> list[Consequence]:
    """Consequences the subject's listings create for its linked persons (e.g. a 5-year ban).

    Each entry date (each new finding) starts its own term, by 《民法典》 第二百零二条.
    """
    out: list[Consequence] = []
    by_list = {x.list_id: x for x in listings}
    for lc in pack.model.linked_consequences:
        listing = by_list.get(lc.on_list)
        if listing is None:
            continue
        years, months = lc.term.get("years", 0), lc.term.get("months", 0)
        for start in listing.entry_dates or (listing.since,):
            end = period_end(start, years=years, months=months).value
            for person in subject.linked_persons:
                if person.role in lc.roles:
                    out.append(Consequence(lc.id, lc.kind, person.id, person.role, subject.id, start, end))
    return out


def listing_dict(listing: Listing) -> dict[str, object]:
    """The JSON form of a listing, shared by results and standings."""
    return {
        "list": listing.list_id,
        "since": listing.since.isoformat(),
        "until": listing.until.isoformat() if listing.until else None,
        "ended_by": listing.until_rule,
        "active": listing.active,
        "records": list(listing.records),
    }


def consequence_dict(c: Consequence) -> dict[str, object]:
    return {
        "id": c.id,
        "kind": c.kind,
        "person": c.person_id,
        "role": c.role,
        "institution": c.institution_id,
        "start": c.start.isoformat(),
        "end": c.end.isoformat(),
    }
