"""One pass over a subject's records feeds every fact: counts, sums in integer fen, supplied values.

A record a fact cannot take is remembered with the reason (outside the cycle,
a village clinic's record, no legal document, an upheld objection, ...), so the
trace can account for every input record.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from medcredit.engine.operation import IGNORED_OBJECTIONS
from medcredit.pack.compiled import CompiledPack
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


def tally(
    pack: CompiledPack,
    records: list[InputRecord],
    own: int,
    cycle: int,
    start: dt.date,
    end: dt.date,
    override_validity: bool = False,
) -> Tally:
    """Feed every record to the facts of its kind; records from index ``own`` on are managed clinics'."""
    nfacts = len(pack.facts)
    counts, sums = [0] * nfacts, [0] * nfacts
    values: dict[int, set[Decimal]] = {}
    fact_records: list[list[int]] = [[] for _ in range(nfacts)]
    reasons: dict[int, str] = {}
    flags: dict[int, tuple[str, ...]] = {}
    overridden = False
    kind_to_facts = pack.kind_to_facts
    for i, item in enumerate(records):
        rec = item.record
        facts = kind_to_facts.get(rec.kind)
        if facts is None:
            reasons[i] = "kind_not_used"
            continue
        year = rec.year
        if year is not None and rec.kind in YEARLY_KINDS:
            in_cycle, before_end = year == cycle, year <= cycle
        else:
            in_cycle, before_end = start <= rec.date <= end, rec.date <= end
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
            if (not in_cycle and not fact.to_cycle_end) or (fact.not_before is not None and rec.date < fact.not_before):
                if why == "code_not_matched":
                    why = "outside_cycle"
                continue
            if fact.within_validity and not in_force(pack, rec.date):
                if not override_validity:
                    why = "outside_validity"  # conduct outside the document's validity is not judged by it
                    continue
                overridden = True
            if from_clinic and not fact.include_managed_clinics:
                why = "clinic_not_counted"
                continue
            if fact.filtered and not fact.accepts(rec):
                if why == "code_not_matched" and fact.code_accepts(rec):
                    why = "field_not_matched"  # the code fits; a where: field refused it (or is missing)
                continue
            if fact.requires_document and rec.document is None:
                why = "no_legal_document"
                continue
            taken = True
            idx = fact.index
            counts[idx] += 1
            if fact.aggregate == "sum_amount":
                sums[idx] += rec.amount_fen
            elif fact.aggregate == "value" and rec.score is not None:
                values.setdefault(idx, set()).add(rec.score)
            fact_records[idx].append(i)
        if not taken:
            reasons[i] = why
    return Tally(counts, sums, values, fact_records, reasons, flags, overridden)
