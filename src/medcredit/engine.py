"""The pure evaluation engine: (pack, subject history, cycle) → result.

No I/O and no clock: the caller passes the cycle.  One pass over the records
feeds every fact (count, sum, any, value); exclusions, the grading path, the
bands and the measures are then applied to those facts.  Every input record
ends up in the trace, used by named pack elements or not applicable with a
reason; nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from medcredit.errors import ValidityError
from medcredit.history import Record, Subject, subject_type
from medcredit.identifiers import check_resident_id, check_uscc
from medcredit.pack.compiled import CFact, CompiledPack, CPath
from medcredit.result import InputRecord, Notice, RecordUse, Result, Status, Step

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_IGNORED_OBJECTIONS = {"upheld": "objection_upheld", "deleted_unverifiable": "objection_deleted"}


def cycle_bounds(cycle: int) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar-year cycle (1 Jan – 31 Dec)."""
    return dt.date(cycle, 1, 1), dt.date(cycle, 12, 31)


def check_validity(pack: CompiledPack, cycle: int) -> bool:
    """True when ``cycle`` lies in the pack's validity window (per the pack's rule)."""
    start, end = cycle_bounds(cycle)
    doc = pack.document
    if pack.model.validity.rule == "cycle_within":
        return doc.effective <= start and (doc.expires is None or end <= doc.expires)
    return end >= doc.effective and (doc.expires is None or start <= doc.expires)


def validity_message(pack: CompiledPack, cycle: int) -> str:
    doc = pack.document
    window = f"{doc.effective} to {doc.expires or 'open-ended'}"
    return (
        f"cycle {cycle} is outside the validity of pack '{pack.id}' ({doc.number}, in force "
        f"{window}, rule {pack.model.validity.rule}); pass override_validity=True "
        f"(CLI: --override-validity) to evaluate anyway"
    )


def _flatten(subject: Subject) -> list[InputRecord]:
    records = [InputRecord(f"records[{i}]", r) for i, r in enumerate(subject.records)]
    if subject.agreement_end is not None:
        end = subject.agreement_end
        synthetic = Record.model_construct(
            kind="agreement_termination", date=end.date, reason=end.reason, id="agreement_end"
        )
        records.append(InputRecord("agreement_end", synthetic))
    for ci, clinic in enumerate(subject.managed_clinics):
        for ri, rec in enumerate(clinic.records):
            records.append(InputRecord(f"managed_clinics[{ci}:{clinic.id}].records[{ri}]", rec))
    return records


def _identifier_notices(subject: Subject, cycle: int) -> list[Notice]:
    # The engine reads no clock: a birth date is "in the future" only if it is after the
    # end of the year the result is used in.
    horizon = dt.date(cycle + 1, 12, 31)
    if subject.subject_type == "institution":
        outcome = check_uscc(subject.id)
    else:
        outcome = check_resident_id(subject.id, today=horizon)
    notices = []
    if not outcome.ok:
        notices.append(Notice("identifier", f"subject id: {outcome.reason}", f"主体标识：{outcome.reason_zh}"))
    for person in subject.linked_persons:
        p = check_resident_id(person.id, today=horizon)
        if not p.ok:
            notices.append(
                Notice(
                    "identifier",
                    f"linked person {person.id}: {p.reason}",
                    f"关联人员 {person.id}：{p.reason_zh}",
                )
            )
    return notices


def _operation(
    subject: Subject, records: list[InputRecord], start: dt.date, end: dt.date
) -> tuple[int, str, list[int], list[Notice]]:
    """Whole months operated in the cycle, the in-cycle agreement end reason, records used."""
    notices: list[Notice] = []
    opened = subject.opened
    if opened is None:
        notices.append(
            Notice(
                "opening_unknown",
                "opening date unknown: assumed operating throughout the cycle",
                "未提供开业日期：视为评价周期内全年营业",
            )
        )
    begin = max(opened, start) if opened is not None else start
    stop = end
    reason = ""
    used: list[int] = []
    latest: tuple[dt.date, int] | None = None
    for i, item in enumerate(records):
        rec = item.record
        if rec.kind != "agreement_termination" or item.origin.startswith("managed_clinics"):
            continue
        if rec.date > end or (opened is not None and rec.date < opened):
            continue
        if latest is None or rec.date >= latest[0]:
            latest = (rec.date, i)
    if latest is not None:
        when, idx = latest
        used.append(idx)
        stop = min(stop, when)
        if when >= start:
            reason = records[idx].record.reason or ""
    if stop < begin:
        return 0, reason, used, notices
    months = 0
    # whole months by the corresponding-day rule; the opening day counts as operated
    while months < 12 and begin + relativedelta(months=months + 1) <= stop + dt.timedelta(days=1):
        months += 1
    return months, reason, used, notices


def evaluate(
    pack: CompiledPack,
    subject: Subject,
    cycle: int,
    *,
    trace: bool = True,
    override_validity: bool = False,
) -> Result:
    """Evaluate one subject for one cycle.  Pure: same inputs, same result."""
    notices = _identifier_notices(subject, cycle)
    steps: list[Step] = []
    overridden = False
    if not check_validity(pack, cycle):
        if not override_validity:
            raise ValidityError(validity_message(pack, cycle))
        overridden = True
        notices.append(
            Notice(
                "validity_override",
                validity_message(pack, cycle).split(";")[0] + "; overridden by the caller",
                f"评价周期{cycle}不在本政策包有效期内，调用方已显式覆盖",
            )
        )
        steps.append(Step("validity", "override", value=str(cycle)))
    records = _flatten(subject)
    category = subject.category.value
    applies_in = cycle + 1 if pack.model.cycle.result_applies == "next_year" else cycle
    base: dict[str, Any] = {
        "pack_id": pack.id,
        "pack_hash": pack.content_hash,
        "subject_id": subject.id,
        "subject_name": subject.name,
        "category": category,
        "cycle": cycle,
        "applies_in": applies_in,
        "validity_overridden": overridden,
        "records": tuple(records),
    }
    if category not in pack.model.categories:
        return _unscored(base, "out_of_scope", "category_not_covered", records, steps, notices, trace)
    if category in pack.roll_up:
        steps.append(Step("roll_up", category, value=subject.parent_id))
        return _unscored(base, "rolled_up", "rolled_up_into_parent", records, steps, notices, trace)
    path = pack.path_by_category.get(category)
    if path is None:
        return _unscored(base, "out_of_scope", "no_grading_path", records, steps, notices, trace)

    start, end = cycle_bounds(cycle)
    nfacts = len(pack.facts)
    counts = [0] * nfacts
    sums = [0] * nfacts  # integer fen: exact and fast
    values: list[set[Decimal]] = [set() for _ in range(nfacts)]
    fact_records: list[list[int]] = [[] for _ in range(nfacts)]
    reasons: dict[int, str] = {}
    flags: dict[int, tuple[str, ...]] = {}
    kind_to_facts = pack.kind_to_facts
    for i, item in enumerate(records):
        rec = item.record
        facts = kind_to_facts.get(rec.kind)
        if facts is None:
            reasons[i] = "kind_not_used"
            continue
        # an annual assessment belongs to the year it assesses, not the day it was issued
        in_window = rec.year == cycle if rec.kind == "annual_assessment" else start <= rec.date <= end
        if not in_window:
            reasons[i] = "outside_cycle"
            continue
        objection = rec.objection
        if objection is not None:
            ignored = _IGNORED_OBJECTIONS.get(objection.status)
            if ignored is not None:
                reasons[i] = ignored
                continue
            if objection.status == "pending":
                flags[i] = ("objection_pending",)
        from_clinic = item.origin.startswith("managed_clinics")
        taken = False
        why = "code_not_matched"
        for fact in facts:
            if from_clinic and not fact.include_managed_clinics:
                why = "clinic_not_counted"
                continue
            if fact.codes is not None and rec.code not in fact.codes:
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
                values[idx].add(rec.score)
            fact_records[idx].append(i)
        if not taken:
            reasons[i] = why

    months, end_reason, agreement_records, op_notices = _operation(subject, records, start, end)
    notices.extend(op_notices)
    namespace: dict[str, Any] = {
        "category": category,
        "subject_type": subject_type(subject.category),
        "cycle": cycle,
        "agreement_end_reason": end_reason,
        "operated_months_in_cycle": months,
    }
    for fact in pack.facts:
        namespace[fact.id] = _fact_value(fact, counts, sums)

    used_by: dict[int, list[str]] = {}

    def mark(indices: list[int] | tuple[int, ...], ref: str) -> None:
        if trace:
            for j in indices:
                used_by.setdefault(j, []).append(ref)

    hits: list[str] = []
    for exc in pack.exclusions:
        fired = bool(exc.expression.evaluate(namespace))
        involved: list[int] = []
        for f in exc.facts:
            involved.extend(fact_records[f])
        if exc.uses_agreement:
            involved.extend(agreement_records)
        mark(involved, exc.id)
        if trace:
            steps.append(
                Step(
                    "exclusion",
                    exc.id,
                    tuple(sorted(set(involved))),
                    matched=fired,
                    value=_show_inputs(exc.expression.names, namespace),
                )
            )
        if fired:
            hits.append(exc.id)

    status: Status
    grade: str | None = None
    score: Decimal | None = None
    reason: str | None = None
    measures: tuple[str, ...] = ()
    if hits:
        status, reason = "excluded", "excluded"
    else:
        status, grade, score, reason = _grade(path, pack, counts, sums, values, fact_records, steps, mark, trace)
        if grade is not None:
            ms = pack.measures.get((grade, category), ())
            measures = tuple(m.id for m in ms)
            if trace:
                steps.extend(Step("measure", m.id, value=grade) for m in ms)
    uses: tuple[RecordUse, ...] = ()
    if trace:
        uses = _record_uses(records, reasons, used_by, flags, path, pack, status)
    return Result(
        status=status,
        grade=grade,
        score=score,
        path=path.id,
        exclusions=tuple(hits),
        measures=measures,
        warnings=tuple(notices),
        reason=reason,
        steps=tuple(steps),
        record_uses=uses,
        **base,
    )


def _fact_value(fact: CFact, counts: list[int], sums: list[int]) -> Any:
    if fact.aggregate == "count":
        return counts[fact.index]
    if fact.aggregate == "sum_amount":
        return Decimal(sums[fact.index]).scaleb(-2)
    if fact.aggregate == "any":
        return counts[fact.index] > 0
    return None


def _show_inputs(names: tuple[str, ...], namespace: dict[str, Any]) -> str:
    return ", ".join(f"{n}={namespace[n]!r}" if isinstance(namespace[n], str) else f"{n}={namespace[n]}" for n in names)


def _grade(
    path: CPath,
    pack: CompiledPack,
    counts: list[int],
    sums: list[int],
    values: list[set[Decimal]],
    fact_records: list[list[int]],
    steps: list[Step],
    mark: Any,
    trace: bool,
) -> tuple[Status, str | None, Decimal | None, str | None]:
    if path.method == "external_score":
        idx = path.score_fact
        assert idx is not None
        found = values[idx]
        fid = pack.facts[idx].id
        if len(found) != 1:
            mark(fact_records[idx], path.id)
            why = "missing_score" if not found else "conflicting_scores"
            if trace:
                steps.append(
                    Step(
                        "missing",
                        fid,
                        tuple(fact_records[idx]),
                        value=",".join(str(v) for v in sorted(found)) or None,
                    )
                )
            return "not_evaluable", None, None, why
        score = next(iter(found))
        mark(fact_records[idx], path.id)
        if trace:
            steps.append(Step("path", path.id, tuple(fact_records[idx]), running=score))
    else:
        score = path.base
        if trace:
            steps.append(Step("path", path.id, running=score))
        for rule in path.rules:
            f = rule.fact
            n = counts[f]
            if rule.mode == "per_occurrence":
                points = rule.points * n
            elif rule.mode == "once":
                points = rule.points if n else _ZERO
            else:
                fact = pack.facts[f]
                measure: Decimal | int = Decimal(sums[f]).scaleb(-2) if fact.aggregate == "sum_amount" else n
                points = _ZERO
                for tier in rule.tiers:
                    if tier.interval.contains(measure):
                        points = tier.points
                        break
            if rule.cap is not None and points > rule.cap:
                points = rule.cap
            signed = (points if rule.sign > 0 else -points) if points else _ZERO
            score = score + signed
            if points:
                mark(fact_records[f], rule.id)
            if trace:
                steps.append(
                    Step(
                        "rule",
                        rule.id,
                        tuple(fact_records[f]) if points else (),
                        points=signed,
                        running=score,
                        value=str(_rule_input(rule.mode, n, sums[f], pack.facts[f])),
                    )
                )
    grade = path.bands.grade_for(score)
    if trace:
        steps.append(Step("band", path.bands.id, running=score, value=grade))
    if grade is None:
        return "not_evaluable", None, score, "score_outside_bands"
    return "graded", grade, score, None


def _rule_input(mode: str, count: int, fen: int, fact: CFact) -> Decimal | int:
    if fact.aggregate == "sum_amount":
        return Decimal(fen).scaleb(-2)
    return count


def _record_uses(
    records: list[InputRecord],
    reasons: dict[int, str],
    used_by: dict[int, list[str]],
    flags: dict[int, tuple[str, ...]],
    path: CPath,
    pack: CompiledPack,
    status: Status,
) -> tuple[RecordUse, ...]:
    out = []
    for i in range(len(records)):
        refs = used_by.get(i)
        if refs:
            out.append(RecordUse(i, tuple(dict.fromkeys(refs)), None, flags.get(i, ())))
            continue
        reason = reasons.get(i)
        if reason is None:
            if records[i].record.kind == "agreement_termination":
                reason = "kind_not_used"
            elif status == "excluded":
                reason = "subject_excluded"
            elif status == "not_evaluable":
                reason = "subject_not_evaluable"
            else:
                reason = f"not_used_by_path:{path.id}"
        out.append(RecordUse(i, (), reason, flags.get(i, ())))
    return tuple(out)


def _unscored(
    base: dict[str, Any],
    status: Status,
    reason: str,
    records: list[InputRecord],
    steps: list[Step],
    notices: list[Notice],
    trace: bool,
) -> Result:
    record_reason = {"out_of_scope": "subject_out_of_scope", "rolled_up": "counted_under_parent"}[status]
    uses = tuple(RecordUse(i, (), record_reason) for i in range(len(records))) if trace else ()
    steps.append(Step("scope", reason, value=base["category"]))
    return Result(
        status=status,
        grade=None,
        score=None,
        path=None,
        exclusions=(),
        measures=(),
        warnings=tuple(notices),
        reason=reason,
        steps=tuple(steps),
        record_uses=uses,
        **base,
    )
