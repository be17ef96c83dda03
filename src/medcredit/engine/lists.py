"""Lists a subject is on as of the cycle's end, and what an institution's listing means for linked persons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from medcredit.engine.listing import compute_listing, linked_consequences, repair_records
from medcredit.history.model import Subject
from medcredit.pack.compiled import CompiledPack
from medcredit.trace.result import Consequence, InputRecord, Listing
from medcredit.trace.steps import ConsequenceStep, ListStep, MeasureStep, Step


def listings(
    pack: CompiledPack,
    records: list[InputRecord],
    fact_records: list[list[int]],
    horizon: dt.date,
    category: str,
    steps: list[Step] | None,
) -> tuple[list[Listing], dict[int, list[str]]]:
    """List status at ``horizon`` (entered by an entry record, ended by removal or term), and the
    records each list used; a list step per listing when ``steps`` is given."""
    out: list[Listing] = []
    marks: dict[int, list[str]] = {}
    repairs = repair_records([(i, r.record) for i, r in enumerate(records)], horizon)
    for lst in pack.lists:
        if lst.categories is not None and category not in lst.categories:
            continue
        entries = [(i, records[i].record) for i in sorted({i for f in lst.entry for i in fact_records[f]})]
        removals = [(i, records[i].record) for i in fact_records[lst.removal]] if lst.removal is not None else []
        listing = compute_listing(lst, entries, removals, horizon, repairs)
        if listing is None:
            continue
        for j in listing.records:
            marks.setdefault(j, []).append(lst.id)
        out.append(listing)
        if steps is not None:
            steps.append(ListStep(lst.id, listing.records, listing.since, listing.active, lst.cite))
    return out, marks


def consequences(
    pack: CompiledPack, subject: Subject, found: list[Listing], steps: list[Step] | None
) -> list[Consequence]:
    """Consequences this institution's listings create for its linked persons, as trace steps too."""
    out = linked_consequences(pack, subject, found)
    if steps is not None:
        by_list = {x.list_id: x for x in found}
        declared = {lc.id: lc for lc in pack.model.linked_consequences}
        for c in out:
            lc = declared[c.id]
            records = by_list[lc.on_list].records
            steps.append(ConsequenceStep(c.id, records, c.person_id, c.start, c.end, lc.cite))
    return out


def imported_consequences(
    person: Subject, evaluate_institution: Callable[[Subject], tuple[Consequence, ...]]
) -> list[Consequence]:
    """For a person: consequences created by the institutions that list them."""
    out: list[Consequence] = []
    for inst in person.linked_institutions:
        out.extend(c for c in evaluate_institution(inst) if c.person_id == person.id)
    return out


def end_measures_at_terms(
    pack: CompiledPack,
    measures: tuple[str, ...],
    steps: tuple[Step, ...],
    found: list[Listing],
    horizon: dt.date,
) -> tuple[tuple[str, ...], tuple[Step, ...]]:
    """Drop the measures whose term (stated in the listing decision) ended by ``horizon``, or whose listing a
    removal decision ended by then.

    A term ends the measures while the subject stays listed (辽宁 第十六条: only a removal decision takes it
    off); a removal ends them with the listing ("没有明确期限的，至信用主体被移出严重失信主体名单之日起终止实施").
    The measure's step stays in the trace, marked with the last day it ran.
    """
    ended: dict[str, dt.date] = {}
    for listing in found:
        if listing.measures_until is not None and listing.measures_until < horizon:
            for measure_id, list_id in pack.term_measures.items():
                if list_id == listing.list_id:
                    ended[measure_id] = listing.measures_until
    if not ended:
        return measures, steps
    kept = tuple(m for m in measures if m not in ended)
    marked = tuple(
        s._replace(term_ended=ended[s.ref]) if isinstance(s, MeasureStep) and s.ref in ended else s for s in steps
    )
    return kept, marked
