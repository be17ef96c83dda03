"""One pass over a subject's records feeds every fact: counts, sums in integer fen, supplied values.

A record a fact cannot take is remembered with the reason (outside the cycle,
a village clinic's record, no legal document, an upheld objection, ...), so the
trace can account for every input record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from medcredit.engine.operation import IGNORED_OBJECTIONS
from medcredit.engine.window import expiry
from medcredit.history.model import Record
from medcredit.pack.compiled import CFact, CompiledPack
from medcredit.pack.validity import in_force
from medcredit.trace.result import InputRecord

#: Record kinds whose score belongs to the year they assess, not the day they were issued.
YEARLY_KINDS = frozenset({"annual_assessment", "risk_assessment"})


class Tally(NamedTuple):
    """The facts of one subject for one cycle, indexed like ``pack.facts``."""

    counts: list[int]
    sums: list[int]  # integer fen: exact and fast
    values: dict[int, set[Decimal]]  # only value facts that saw a record
    fact_records: list[list[int]]
    reasons: dict[int, str]  # record index → why no fact took it
    flags: dict[int, tuple[str, ...]]  # record index → marks such as a pending objection
    records_overridden: bool  # records outside the validity were used, on the caller's request
    # fact index → attribute value → records, for facts that table rules read by severity or level
    splits: dict[int, dict[str, list[int]]]
    expired: dict[int, tuple[str, dt.date]]  # record index → (window, last day in force) when out of force


def _placed(rec: Record, cycle: int, start: dt.date, end: dt.date, as_of_pack: bool) -> tuple[bool, bool]:
    """Whether ``rec`` falls in the cycle, and whether it falls by its end.

    A yearly record (an assessment) belongs to the year it names, whatever its date: a calendar-year cycle
    is graded after it, so its assessment may be dated the next year.  Evaluated as of a day, though, a
    score supplied after that day is not known yet.
    """
    year = rec.year
    if year is not None and rec.kind in YEARLY_KINDS:
        return year == cycle, year <= cycle and not (as_of_pack and rec.date > end)
    return start <= rec.date <= end, rec.date <= end


def tally(
    pack: CompiledPack,
    records: list[InputRecord],
    own: int,
    cycle: int,
    start: dt.date,
    end: dt.date,
    override_validity: bool = False,
    relevant: frozenset[int] = frozenset(),
    decided: Mapping[int, str] | None = None,
) -> Tally:
    """Feed every record to the facts of its kind; records from index ``own`` on are managed clinics'."""
    nfacts = len(pack.facts)
    counts, sums = [0] * nfacts, [0] * nfacts
    values: dict[int, set[Decimal]] = {}
    fact_records: list[list[int]] = [[] for _ in range(nfacts)]
    reasons: dict[int, str] = {}
    flags: dict[int, tuple[str, ...]] = {}
    splits: dict[int, dict[str, list[int]]] = {}
    expired: dict[int, tuple[str, dt.date]] = {}
    overridden = False
    kind_to_facts = pack.kind_to_facts
    decided = decided or {}
    as_of_pack = pack.cycle_kind != "calendar_year"
    for i, item in enumerate(records):
        rec = item.record
        facts = kind_to_facts.get(rec.kind)
        if facts is None or i in decided:
            reasons[i] = decided.get(i, "kind_not_used")  # e.g. repaired: a granted repair took it out
            continue
        in_cycle, before_end = _placed(rec, cycle, start, end, as_of_pack)
        if not before_end:
            reasons[i] = "outside_cycle"
            continue
        objection = rec.objection
        if objection is not None:
            ignored = IGNORED_OBJECTIONS.get(objection.status)
            if ignored is not None:
                reasons[i] = ignored
                continue
            if objection.status == "pending":
                flags[i] = ("objection_pending",)
        from_clinic = i >= own
        taken = False
        why = "code_not_matched"
        for fact in facts:
            if fact.in_force:
                ends = _out_of_force(pack, rec, end)
                if ends is not None:
                    expired[i] = ends
                    if fact.index in relevant or why == "code_not_matched":
                        why = f"out_of_force:{ends[0]}:{ends[1]}"  # its window closed before the evaluation date
                    continue
            elif (not in_cycle and not fact.to_cycle_end) or (
                fact.not_before is not None and rec.date < fact.not_before
            ):
                if why == "code_not_matched":
                    why = "outside_cycle"
                continue
            if fact.within_validity and not in_force(pack, rec.date):
                if not override_validity:
                    why = "outside_validity"  # conduct outside the document's validity is not judged by it
                    continue
                overridden = True
            refusal = _refusal(fact, rec, from_clinic)
            if refusal is not None:
                if why == "code_not_matched" or (
                    refusal not in _WEAK and (refusal not in _ATTRIBUTE or fact.index in relevant)
                ):
                    why = refusal
                continue
            taken = True
            idx = fact.index
            counts[idx] += 1
            fact_records[idx].append(i)
            if fact.aggregate != "count" or fact.split is not None:
                _accumulate(fact, rec, i, sums, values, splits)
        if not taken:
            reasons[i] = why
    return Tally(counts, sums, values, fact_records, reasons, flags, overridden, splits, expired)


def _accumulate(
    fact: CFact,
    rec: Record,
    i: int,
    sums: list[int],
    values: dict[int, set[Decimal]],
    splits: dict[int, dict[str, list[int]]],
) -> None:
    """What a fact keeps of a record besides counting it: its amount, points, score, or attribute."""
    idx = fact.index
    if fact.split is not None:
        splits.setdefault(idx, {}).setdefault(getattr(rec, fact.split), []).append(i)
    if fact.aggregate == "sum_amount":
        sums[idx] += rec.amount_fen
    elif fact.aggregate == "sum_points":
        sums[idx] += int(rec.points * 100)  # type: ignore[operator]  # _missing_attribute checked it
    elif fact.aggregate == "value" and rec.score is not None:
        values.setdefault(idx, set()).add(rec.score)


#: Reasons about what a record lacks: they explain the record only for a fact the subject's path reads.
_ATTRIBUTE = frozenset({"no_severity", "no_level", "no_points"})

#: Reasons that only replace the default "code_not_matched": a stronger reason from another fact stands.
_WEAK = frozenset({"code_not_matched", "field_not_matched"})


def _refusal(fact: CFact, rec: Record, from_clinic: bool) -> str | None:
    """Why a fact does not take a record of its kind, in the window and validity (None: it takes it)."""
    if from_clinic and not fact.include_managed_clinics:
        return "clinic_not_counted"
    if fact.filtered and not fact.accepts(rec):
        # the code fits but a where: field refused it (or is missing)
        return "field_not_matched" if fact.code_accepts(rec) else "code_not_matched"
    if fact.requires_document and rec.document is None:
        return "no_legal_document"
    return _missing_attribute(fact, rec)


def _out_of_force(pack: CompiledPack, rec: Record, day: dt.date) -> tuple[str, dt.date] | None:
    """The governing window and last day of a record out of force on ``day`` (None: still in force)."""
    ends = expiry(pack, rec)
    return ends if ends is not None and ends[1] < day else None


def _missing_attribute(fact: CFact, rec: Record) -> str | None:
    """Why a fact cannot take a record lacking what it reads: the table's attribute, or points."""
    if fact.split is not None and getattr(rec, fact.split) is None:
        return f"no_{fact.split}"  # a table rule reads this fact by that attribute: the record has none
    if fact.aggregate == "sum_points" and rec.points is None:
        return "no_points"
    return None
