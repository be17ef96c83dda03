"""When a subject is on a list, and until when its measures run: one rule, used by the cycle
engine and by standing-on-a-date.

辽医保规〔2023〕3号 第十六条 keeps two things apart: "信用主体列入或移出严重失信主体名单，
由医疗保障行政部门作出决定" — only a removal decision takes a subject off the list — and
"惩戒措施，有明确期限的，至期限届满之日起终止实施；没有明确期限的，至信用主体被移出严重失信主体
名单之日起终止实施" — the measures end at their term, or at removal when there is none.  第三十二条（三）
"实施相应管理措施期限已经届满" is a repair condition for a subject that is still listed.

So a listing ends only by a removal record, or by a term the *list itself* declares
(``ListSpec.term``, e.g. a national publicity window recorded as an interpretation).  The
term stated on an entry record (``term_months`` or ``term_end``) is the term of the
measures: it gives ``measures_until`` and never ends the listing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from medcredit.engine.operation import IGNORED_OBJECTIONS
from medcredit.history.model import Record, Subject
from medcredit.pack.compiled import CList, CompiledPack
from medcredit.time.periods import period_end
from medcredit.trace.result import Consequence, Listing

_ONE_DAY = dt.timedelta(days=1)


def measures_term_end(record: Record) -> dt.date | None:
    """The last day of the measures' term stated on an entry record, or None without a term.

    ``term_end`` is the date the decision names; ``term_months`` counts by 《民法典》 第二百零二条
    (the period ends on the corresponding day).  A decision giving both is checked on input.
    """
    if record.term_end is not None:
        return record.term_end
    if record.term_months:
        return period_end(record.date, months=record.term_months).value
    return None


def compute_listing(
    lst: CList,
    entries: Sequence[tuple[int, Record]],
    removals: Sequence[tuple[int, Record]],
    horizon: dt.date,
    repairs: Sequence[tuple[int, Record]] = (),
) -> Listing | None:
    """The listing as of ``horizon`` from entry and removal records (index, record), or None.

    ``repairs`` are the subject's ``repair_granted`` and ``repair_revoked`` records in force by ``horizon``
    (see :func:`repair_records`): revoking the repair of an entry of this listing undoes the removal made on
    the strength of that repair, "撤销准予信用修复的决定，恢复之前状态" (辽宁 第三十六条): listed again.
    """
    if not entries:
        return None
    ordered = sorted(entries, key=lambda item: (item[1].date, item[0]))
    latest = ordered[-1][1]
    removals, undoing = _not_revoked(ordered, _of_these_entries(ordered, removals), repairs)
    spells = _spells(lst, ordered, removals)
    current = spells[-1]
    measures_until = _measures_until(ordered, latest.date, current.last)
    active = current.last is None or current.last >= horizon
    causes = tuple(i for _day, i in sorted({cause for spell in spells for cause in spell.causes}))
    used = tuple(i for i, _r in ordered) + causes + undoing
    dates = tuple(sorted({r.date for _i, r in ordered}))
    return Listing(lst.id, current.first, current.last, current.ended_by, active, used, dates, measures_until)


class _Spell(NamedTuple):
    first: dt.date
    last: dt.date | None  # None while open
    ended_by: str | None  # "removal" or "term"
    causes: tuple[tuple[dt.date, int], ...]  # (date, index) of the removals and repairs that ended its grounds


def _names_an_entry(record: Record, entry_ids: set[str]) -> bool:
    return record.kind == "repair_granted" and record.ref is not None and record.ref in entry_ids


def _spells(lst: CList, ordered: Sequence[tuple[int, Record]], removals: Sequence[tuple[int, Record]]) -> list[_Spell]:
    """The subject's spells on the list, in order.

    Each listed record is a ground for the listing (中牟 三（二）5 "有下列情形之一的…列入失信名单"), from its
    date until the first of: the day before a removal decision later than it (a removal ends the conduct
    listed before its day, not conduct found on that day: 睢县 serious_list_persistence), the day before a
    repair granted for that very record and later than it (a repair names one record; the other grounds
    stand), and the end of the list's own term counted from it (each new finding restarts the term).  A
    spell is a run of overlapping grounds; conduct after a spell ended is listed anew, from its own date.
    """
    entry_ids = {r.id for _i, r in ordered if r.id is not None}
    plain = sorted((r.date, i) for i, r in removals if not _names_an_entry(r, entry_ids))
    naming = [(r.date, i, r.ref) for i, r in removals if _names_an_entry(r, entry_ids)]
    spells: list[_Spell] = []
    for _j, entry in ordered:
        ends: list[tuple[dt.date, str, tuple[tuple[dt.date, int], ...]]] = []
        removal = next(((day, i) for day, i in plain if day > entry.date), None)
        if removal is not None:
            ends.append((removal[0] - _ONE_DAY, "removal", (removal,)))
        repaired = min(((day, i) for day, i, ref in naming if ref == entry.id and day > entry.date), default=None)
        if repaired is not None:
            ends.append((repaired[0] - _ONE_DAY, "removal", (repaired,)))
        if _own_term(lst):
            ends.append((_term_end(lst, entry.date), "term", ()))
        last, why, caused = min(ends, key=lambda e: e[0]) if ends else (None, None, ())
        if spells and (spells[-1].last is None or entry.date <= spells[-1].last):
            spell = spells[-1]
            if spell.last is not None and (last is None or last > spell.last):  # this ground outlasts the spell
                spell = spell._replace(last=last, ended_by=why)
            spells[-1] = spell._replace(causes=spell.causes + caused)
        else:
            spells.append(_Spell(entry.date, last, why, caused))
    return spells


def _own_term(lst: CList) -> bool:
    """Whether the list declares a duration of its own (a listing then lapses at its end)."""
    return lst.term is not None and bool(lst.term[0] or lst.term[1])


def _term_end(lst: CList, entered: dt.date) -> dt.date:
    """The last day of the list's own term counted from an entry (《民法典》 第二百零二条)."""
    assert lst.term is not None
    return period_end(entered, years=lst.term[0], months=lst.term[1]).value


def _of_these_entries(
    entries: Sequence[tuple[int, Record]], removals: Sequence[tuple[int, Record]]
) -> list[tuple[int, Record]]:
    """The removals that bear on this listing: a repair decision is "granted for the record named in ref", so
    one that names another record (a late refund, say) repairs that record, not the listed conduct, and
    ends no listing.  One that names no record is taken as the subject's, as the pack's removal fact says.
    """
    entry_ids = {r.id for _i, r in entries if r.id is not None}
    return [(i, r) for i, r in removals if r.kind != "repair_granted" or r.ref is None or r.ref in entry_ids]


REPAIR_KINDS = frozenset({"repair_granted", "repair_revoked"})


def repair_records(records: Sequence[tuple[int, Record]], horizon: dt.date) -> list[tuple[int, Record]]:
    """The repair decisions and revocations among ``records`` (index, record) that stand on ``horizon``: dated
    by it, not set aside by an upheld objection (a revocation the subject objected to successfully revokes
    nothing)."""
    return [
        (i, r)
        for i, r in records
        if r.kind in REPAIR_KINDS
        and r.date <= horizon
        and not (r.objection is not None and r.objection.status in IGNORED_OBJECTIONS)
    ]


def _not_revoked(
    entries: Sequence[tuple[int, Record]],
    removals: Sequence[tuple[int, Record]],
    repairs: Sequence[tuple[int, Record]],
) -> tuple[list[tuple[int, Record]], tuple[int, ...]]:
    """The removals still standing, and the revocations that undid one (their indices, for the trace).

    A revocation revokes the latest repair granted for the same entry on or before it; the removal that
    repair led to is the first one from the grant on (up to the revocation).  A revocation with no such
    repair, or a removal made before the repair, changes nothing: the state before the repair is restored.
    """
    entry_ids = {r.id for _i, r in entries if r.id is not None}
    if not entry_ids or not repairs:
        return list(removals), ()
    undone: set[int] = set()
    undoing: set[int] = set()
    for j, rev in repairs:
        if rev.kind != "repair_revoked" or rev.ref not in entry_ids:
            continue
        granted = [
            g.date for _k, g in repairs if g.kind == "repair_granted" and g.ref == rev.ref and g.date <= rev.date
        ]
        if not granted:
            continue
        since = max(granted)
        made = [(r.date, i) for i, r in removals if since <= r.date <= rev.date and i not in undone]
        if made:
            undone.add(min(made)[1])
            undoing.add(j)
    return [(i, r) for i, r in removals if i not in undone], tuple(sorted(undoing))


def _measures_until(ordered: Sequence[tuple[int, Record]], latest: dt.date, until: dt.date | None) -> dt.date | None:
    """Last day of the measures: the latest term among the entries made on the latest day.

    Without a term on any of them the measures last as long as the listing (``until``, or
    open while listed).  Every entry made on the latest day counts, whatever order the
    records came in; a removal ends the measures too (第十六条, second case).
    """
    ends: list[dt.date | None] = [measures_term_end(r) for _i, r in ordered if r.date == latest]
    if None in ends:
        return until
    term_end = max(d for d in ends if d is not None)
    return term_end if until is None or term_end < until else until


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
        "measures_until": listing.measures_until.isoformat() if listing.measures_until else None,
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
