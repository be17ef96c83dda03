"""A subject's standing on any date: records in force, lists it is on, sanctions running.

The annual cycle answers "what grade for year N"; the Guangdong draft's dynamic
points and every repair or sanction question need "where does the subject stand
on day D".  This module answers that, with the same pack and the same record
semantics as the engine (objections, legally effective documents, repairs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from medcredit.engine.aggregation import tally
from medcredit.engine.listing import REPAIR_KINDS, compute_listing, linked_consequences
from medcredit.engine.memory import repaired, sanctions
from medcredit.engine.operation import IGNORED_OBJECTIONS
from medcredit.engine.validity import check_date_validity
from medcredit.history.model import Record, Subject
from medcredit.pack.compiled import CFact, CList, CompiledPack
from medcredit.pack.validity import in_force
from medcredit.trace.result import Consequence, InputRecord, Listing, Sanction


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a subject stands on ``as_of``."""

    pack_id: str
    subject_id: str
    as_of: dt.date
    in_force: tuple[int, ...]  # indices into subject.records of records in force
    not_in_force: tuple[tuple[int, str], ...]  # (index, reason)
    listings: tuple[Listing, ...]
    consequences: tuple[Consequence, ...]
    validity_overridden: bool = False
    sanctions: tuple[Sanction, ...] = ()  # started by the pack's thresholds by as_of (``active``: running on it)
    # (index, mark) of records in force that carry a mark on as_of: an objection pending (辽宁 第二十七条 异议标注)
    flagged: tuple[tuple[int, str], ...] = ()

    def set_aside(self) -> dict[int, str]:
        """Records an objection set aside by ``as_of`` (upheld, deleted as unverifiable), with the reason."""
        return {i: why for i, why in self.not_in_force if why.startswith("objection_")}

    def on_list(self, list_id: str) -> Listing | None:
        for listing in self.listings:
            if listing.list_id == list_id and listing.active:
                return listing
        return None


def _objection(rec: Record, as_of: dt.date) -> str | None:
    """What an objection to ``rec`` means on ``as_of``: ``objection_upheld`` / ``objection_deleted_unverifiable``
    once resolved that way (not in force), ``objection_pending`` while filed and unresolved (in force, marked).

    By date, unlike the annual evaluation (which is made after its cycle, on the final state): on a day
    before the objection was filed the record is simply in force; an upheld objection whose resolution
    date is not given counts as resolved.
    """
    objection = rec.objection
    if objection is None or objection.filed > as_of:
        return None
    resolved = objection.resolved is None or objection.resolved <= as_of
    if objection.status in IGNORED_OBJECTIONS and resolved:  # the statuses the engine ignores too
        return f"objection_{objection.status}"
    if objection.status == "pending" or not resolved:
        return "objection_pending"
    return None  # corrected or rejected: the record stands as corrected


def record_counts(fact: CFact, record: Record, pack: CompiledPack | None = None, override: bool = False) -> bool:
    """Whether ``fact`` takes ``record`` (kind, codes, fields, legal document, date bounds).

    With ``pack``, a fact declared ``within_validity`` refuses records dated outside the
    document's validity unless ``override`` (as the engine does).
    """
    if record.kind not in fact.kinds or not fact.accepts(record):
        return False
    if fact.not_before is not None and record.date < fact.not_before:
        return False
    if pack is not None and fact.within_validity and not override and not in_force(pack, record.date):
        return False
    return not (fact.requires_document and record.document is None)


def listing_as_of(
    pack: CompiledPack,
    lst: CList,
    records: tuple[Record, ...],
    usable: list[int],
    as_of: dt.date,
    override: bool = False,
    repairs: list[tuple[int, Record]] | None = None,
) -> Listing | None:
    def counts(f: int, rec: Record) -> bool:
        return record_counts(pack.facts[f], rec, pack, override)

    entries = [(i, records[i]) for i in usable if any(counts(f, records[i]) for f in lst.entry)]
    removals: list[tuple[int, Record]] = []
    if lst.removal is not None:
        removal = lst.removal
        removals = [(i, records[i]) for i in usable if counts(removal, records[i])]
    if repairs is None:
        repairs = _repairs(records, usable)
    return compute_listing(lst, entries, removals, as_of, repairs)


def _repairs(records: tuple[Record, ...], usable: list[int]) -> list[tuple[int, Record]]:
    # objections are read by their dates here: the usable records are those in force on as_of
    return [(i, records[i]) for i in usable if records[i].kind in REPAIR_KINDS]


def standing(pack: CompiledPack, subject: Subject, as_of: dt.date, *, override_validity: bool = False) -> Standing:
    """The subject's standing on ``as_of`` under ``pack`` (records dated after it are ignored)."""
    overridden = check_date_validity(pack, as_of, override_validity)
    records = subject.records
    # a repair takes a record out exactly as in the annual evaluation: only where the pack says a granted
    # repair has that effect (repair_effect), from the day it takes effect, unless revoked (辽宁 第三十六条);
    # otherwise a list ends by its removal decision or its term, as the packs' interpretations state
    inputs = [InputRecord(f"records[{i}]", r) for i, r in enumerate(records)]
    taken_out = repaired(pack, inputs, as_of.year, as_of)
    usable: list[int] = []
    not_in_force: list[tuple[int, str]] = []
    flagged: list[tuple[int, str]] = []
    for i, rec in enumerate(records):
        mark = _objection(rec, as_of)
        if rec.date > as_of:
            not_in_force.append((i, "after_as_of"))
        elif mark is not None and mark != "objection_pending":
            not_in_force.append((i, mark))
        elif i in taken_out:
            not_in_force.append((i, "repaired"))
        else:
            usable.append(i)
            if mark is not None:
                flagged.append((i, mark))
    category = subject.category.value
    # a subject the pack does not cover is on none of its lists and under none of its sanctions, as the
    # annual evaluation says (out_of_scope); its records are still read and listed in force or not
    covered = category in pack.model.categories
    repairs = _repairs(records, usable)
    listings = [
        x
        for lst in pack.lists
        if covered
        and (lst.categories is None or category in lst.categories)
        and (x := listing_as_of(pack, lst, records, usable, as_of, override_validity, repairs)) is not None
    ]
    consequences = [c for c in linked_consequences(pack, subject, listings) if c.end >= as_of]
    started = _sanctions(pack, inputs, taken_out, as_of, override_validity) if pack.thresholds and covered else ()
    return Standing(
        pack_id=pack.id,
        subject_id=subject.id,
        as_of=as_of,
        in_force=tuple(usable),
        not_in_force=tuple(not_in_force),
        listings=tuple(listings),
        consequences=tuple(consequences),
        validity_overridden=overridden,
        sanctions=started,
        flagged=tuple(flagged),
    )


def _sanctions(
    pack: CompiledPack,
    records: list[InputRecord],
    taken_out: dict[int, tuple[int, dt.date]],
    as_of: dt.date,
    override: bool,
) -> tuple[Sanction, ...]:
    """Sanctions the thresholds started by ``as_of``, counted as the engine counts (repairs in effect too)."""
    start = dt.date(as_of.year, 1, 1)
    decided = {i: f"repaired:{g}" for i, (g, _when) in taken_out.items()}
    facts = tally(pack, records, len(records), as_of.year, start, as_of, override, frozenset(), decided)
    return sanctions(pack, records, facts.fact_records, as_of)[0]
