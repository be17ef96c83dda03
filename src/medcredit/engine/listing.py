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
    until: dt.date | None = None
    rule: str | None = None
    removals, undoing = _not_revoked(ordered, _of_these_entries(ordered, removals), repairs)
    removals = _whole_repairs(lst, ordered, removals)
    since, earlier_removals = _latest_spell(lst, ordered, removals)
    # a removal ends the listing only when it is later than the last listed conduct: conduct found on the
    # day of a removal is not what that removal decided on (睢县 serious_list_persistence, 中牟 listing_duration)
    later_removals = [(i, r) for i, r in removals if r.date > latest.date]
    if later_removals:
        until, rule = min(r.date for _i, r in later_removals) - _ONE_DAY, "removal"
    if _own_term(lst):
        # the list's own duration runs from its latest entry (each new finding restarts it)
        list_end = _term_end(lst, latest.date)
        if until is None or list_end < until:
            until, rule = list_end, "term"
    measures_until = _measures_until(ordered, latest.date, until)
    active = until is None or until >= horizon
    used = tuple(i for i, _r in ordered) + earlier_removals + tuple(i for i, _r in later_removals) + undoing
    dates = tuple(sorted({r.date for _i, r in ordered}))
    return Listing(lst.id, since, until, rule, active, used, dates, measures_until)


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


def _names_an_entry(record: Record, entry_ids: set[str]) -> bool:
    return record.kind == "repair_granted" and record.ref is not None and record.ref in entry_ids


def _whole_repairs(
    lst: CList, ordered: Sequence[tuple[int, Record]], removals: Sequence[tuple[int, Record]]
) -> list[tuple[int, Record]]:
    """The removals, less the repair decisions that leave a listed record of their spell unrepaired.

    A repair decision is granted for the one record its ``ref`` names: it takes that record's conduct out
    of the grounds for the listing, not the other listed conduct.  So it ends the listing only when every
    record of the listing's spell dated before it has a repair of its own, later than the record and by
    that day (中牟 三（二）5: each listed conduct is a ground to list; the others still stand).
    """
    entry_ids = {r.id for _i, r in ordered if r.id is not None}
    naming = [(i, r) for i, r in removals if _names_an_entry(r, entry_ids)]
    if not naming:
        return list(removals)
    plain = [(i, r) for i, r in removals if not _names_an_entry(r, entry_ids)]
    repaired_on: dict[int, dt.date] = {}
    for j, entry in ordered:
        dates = [r.date for _i, r in naming if r.ref == entry.id and r.date > entry.date]
        if dates:
            repaired_on[j] = min(dates)
    kept = list(plain)
    for i, repair in naming:
        before = [(j, e) for j, e in ordered if e.date < repair.date]
        if not before:
            continue  # a repair before any listed conduct ends nothing
        start, _ = _latest_spell(lst, before, plain)  # the spell running on the repair's day
        spell = [j for j, e in before if e.date >= start]
        if all(j in repaired_on and repaired_on[j] <= repair.date for j in spell):
            kept.append((i, repair))
    return sorted(kept, key=lambda item: item[0])


def _latest_spell(
    lst: CList, ordered: Sequence[tuple[int, Record]], removals: Sequence[tuple[int, Record]]
) -> tuple[dt.date, tuple[int, ...]]:
    """The first entry of the subject's latest spell on the list, and the removals that ended earlier spells.

    A removal decision, or the list's own term running out, ends a spell; conduct after that is a new
    listing ("直接列入" again), dated from its own entry, not from the first conduct ever listed.
    Entries within a spell extend it (each new finding restarts a term).
    """
    start = previous = ordered[0][1].date
    ended_by: list[int] = []
    for _i, rec in ordered[1:]:
        # a removal ends the conduct listed before its day; conduct on that day begins a new spell
        removed = [j for j, r in removals if previous < r.date <= rec.date]
        lapsed = _own_term(lst) and _term_end(lst, previous) < rec.date
        if removed or lapsed:
            start = rec.date
            ended_by.extend(removed)
        previous = rec.date
    return start, tuple(dict.fromkeys(ended_by))


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
