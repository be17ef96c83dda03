"""The pure evaluation engine: (pack, subject history, cycle) → result.

No I/O and no clock: the caller passes the cycle.  One pass over the records
feeds every fact (count, sum, any, value); exclusions, the grading path, the
bands and the measures are then applied to those facts.  Every input record
ends up in the trace, used by named pack elements or not applicable with a
reason; nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from decimal import Decimal
from typing import Any

from medcredit.diagnostics.errors import ValidityError
from medcredit.engine.arguments import check_evaluate_arguments
from medcredit.engine.listing import compute_listing, linked_consequences
from medcredit.history.identifiers import IdCheck, check_resident_id, check_uscc, is_valid_resident_id, is_valid_uscc
from medcredit.history.model import INSTITUTION_CATEGORIES, Record, Subject, SubjectCategory
from medcredit.pack.compiled import CFact, CompiledPack, CPath
from medcredit.trace.result import Consequence, InputRecord, Listing, Notice, RecordUse, Result, Status, Step

_ZERO = Decimal(0)
_ONE_DAY = dt.timedelta(days=1)
_HUNDRED = Decimal(100)
_YEARLY_KINDS = frozenset({"annual_assessment", "risk_assessment"})
# Decisions kept per pack: enough for the common shapes of history (most subjects share a few),
# small enough that a whole province streams in flat memory (a decision with its trace is a few KB).
_CACHE_LIMIT = 4096
_EMPTY: frozenset[Decimal] = frozenset()
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


def date_in_validity(pack: CompiledPack, day: dt.date) -> bool:
    doc = pack.document
    return doc.effective <= day and (doc.expires is None or day <= doc.expires)


def check_date_validity(pack: CompiledPack, day: dt.date, override: bool) -> bool:
    """Raise ValidityError for a date outside the pack's window unless overridden; True if overridden."""
    if date_in_validity(pack, day):
        return False
    if override:
        return True
    doc = pack.document
    raise ValidityError(
        f"{day} is outside the validity of pack '{pack.id}' ({doc.number}, in force {doc.effective} to "
        f"{doc.expires or 'open-ended'}); pass override_validity=True (CLI: --override-validity) to compute anyway"
    )


_ORIGINS = tuple(f"records[{i}]" for i in range(256))


def _origin(i: int) -> str:
    return _ORIGINS[i] if i < len(_ORIGINS) else f"records[{i}]"


def _flatten(subject: Subject) -> list[InputRecord]:
    """The subject's records, its agreement end as a record, then its managed clinics' records."""
    records = [InputRecord(_origin(i), r) for i, r in enumerate(subject.records)]
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
    """Warnings for identifiers whose check character is wrong (real registries contain some)."""
    # The engine reads no clock: a birth date is "in the future" only if it is after the
    # end of the year the result is used in.
    horizon = dt.date(cycle + 1, 12, 31)
    notices: list[Notice] = []
    outcome: IdCheck | None = None
    if subject.subject_type == "institution":
        if not is_valid_uscc(subject.id):
            outcome = check_uscc(subject.id)
    elif not is_valid_resident_id(subject.id, today=horizon):
        outcome = check_resident_id(subject.id, today=horizon)
    if outcome is not None:
        notices.append(Notice("identifier", f"subject id: {outcome.reason}", f"主体标识：{outcome.reason_zh}"))
    for person in subject.linked_persons:
        if is_valid_resident_id(person.id, today=horizon):
            continue
        p = check_resident_id(person.id, today=horizon)
        notices.append(
            Notice("identifier", f"linked person {person.id}: {p.reason}", f"关联人员 {person.id}：{p.reason_zh}")
        )
    return notices


def _operation(
    subject: Subject, records: list[InputRecord], start: dt.date, end: dt.date, uses_operation: bool
) -> tuple[int, str, list[int], list[Notice]]:
    """Whole months operated in the cycle, the in-cycle agreement end reason, records used."""
    notices: list[Notice] = []
    opened = subject.opened
    if opened is None and uses_operation:
        notices.append(
            Notice(
                "opening_unknown",
                "opening date unknown: assumed operating throughout the cycle",
                "未提供开业日期：视为评价周期内全年营业",
            )
        )
    begin = max(opened, start) if opened is not None else start
    if (
        begin == start
        and subject.agreement_end is None
        and not any(item.record.kind == "agreement_termination" for item in records)
    ):
        return 12, "", [], notices  # the common case: operating all year, no agreement ended
    stop = end
    reason = ""
    ends: list[int] = []
    for i, item in enumerate(records):
        rec = item.record
        if rec.kind != "agreement_termination" or item.origin.startswith("managed_clinics"):
            continue
        if rec.objection is not None and rec.objection.status in _IGNORED_OBJECTIONS:
            continue
        if rec.date > end or (opened is not None and rec.date < opened):
            continue
        ends.append(i)
    used: list[int] = []
    if ends:
        when = max(records[i].record.date for i in ends)
        # several ends on the last day: all are cited, and the reason is chosen by a fixed
        # order (the most serious first), never by the order the records were given in
        used = [i for i in ends if records[i].record.date == when]
        stop = min(stop, when)
        if when >= start:
            reason = min((records[i].record.reason or "" for i in used), key=_reason_rank)
    return whole_months(begin, stop), reason, used, notices


_REASON_ORDER = ("fraud", "violation", "renewal_not_met", "voluntary", "expired")


def _reason_rank(reason: str) -> tuple[int, str]:
    return (_REASON_ORDER.index(reason) if reason in _REASON_ORDER else len(_REASON_ORDER), reason)


def _add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later (the month's last day when there is none)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def whole_months(begin: dt.date, stop: dt.date) -> int:
    """Whole months from ``begin`` through ``stop``, both days operated (corresponding-day rule).

    A month from 1 July is complete at the end of 31 July; so 1 July – 31 Dec is 6 months.
    """
    if stop < begin:
        return 0
    after = stop + _ONE_DAY
    months = (after.year - begin.year) * 12 + (after.month - begin.month)
    while months > 0 and _add_months(begin, months) > after:
        months -= 1
    return min(months, 12)


def evaluate(
    pack: CompiledPack,
    subject: Subject,
    cycle: int,
    *,
    trace: bool = True,
    override_validity: bool = False,
) -> Result:
    """Evaluate one subject for one cycle.  Pure: same inputs, same result.

    Raises :class:`~medcredit.diagnostics.errors.ArgumentError` for arguments of the wrong type or a cycle out of range.
    """
    check_evaluate_arguments(pack, subject, cycle)
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
    values: dict[int, set[Decimal]] = {}  # only value facts that saw a record
    fact_records: list[list[int]] = [[] for _ in range(nfacts)]
    reasons: dict[int, str] = {}
    flags: dict[int, tuple[str, ...]] = {}
    kind_to_facts = pack.kind_to_facts
    own = (
        len(records) - sum(len(c.records) for c in subject.managed_clinics) if subject.managed_clinics else len(records)
    )
    for i, item in enumerate(records):
        rec = item.record
        facts = kind_to_facts.get(rec.kind)
        if facts is None:
            reasons[i] = "kind_not_used"
            continue
        # a yearly score belongs to the year it assesses, not the day it was issued
        year = rec.year
        if year is not None and rec.kind in _YEARLY_KINDS:
            in_cycle, before_end = year == cycle, year <= cycle
        else:
            in_cycle, before_end = start <= rec.date <= end, rec.date <= end
        if not before_end:
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
        from_clinic = i >= own
        taken = False
        why = "code_not_matched"
        for fact in facts:
            if (not in_cycle and not fact.to_cycle_end) or (fact.not_before is not None and rec.date < fact.not_before):
                if why == "code_not_matched":
                    why = "outside_cycle"
                continue
            if from_clinic and not fact.include_managed_clinics:
                why = "clinic_not_counted"
                continue
            if fact.filtered and not fact.accepts(rec):
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

    months, end_reason, agreement_records, op_notices = _operation(subject, records, start, end, pack.uses_operation)
    notices.extend(op_notices)
    listings: list[Listing] = []
    consequences: list[Consequence] = []
    list_steps: list[Step] = []
    list_marks: dict[int, list[str]] = {}
    if pack.lists:

        def list_mark(indices: list[int] | tuple[int, ...], ref: str) -> None:
            for j in indices:
                list_marks.setdefault(j, []).append(ref)

        listings = _listings(pack, records, fact_records, end, list_steps, list_mark, trace, category)
        consequences = _consequences(pack, subject, listings, list_steps, trace)
    if subject.linked_institutions:
        consequences.extend(_imported_consequences(pack, subject, cycle, override_validity))
    active_lists = frozenset(x.list_id for x in listings if x.active)
    # Everything below depends only on this signature, not on who the subject is: results of
    # subjects with the same shape of history are shared (the engine is pure).
    key = (
        path.id,
        category,
        cycle,
        months,
        end_reason,
        tuple(counts),
        _sums_key(pack, sums),
        # by text: Decimal("0.00") == Decimal("0") but the result must show the score as given
        tuple(sorted((k, frozenset(map(str, v))) for k, v in values.items())) if values else (),
        tuple(map(tuple, fact_records)),
        tuple(agreement_records),
        tuple(sorted(reasons.items())),
        tuple(sorted(flags.items())),
        tuple(sorted((k, tuple(v)) for k, v in list_marks.items())),
        active_lists,
        len(records),
        trace,
    )
    cache = pack.decisions
    decision = cache.get(key)
    if decision is None:
        decision = _decide(
            pack,
            path,
            category,
            cycle,
            months,
            end_reason,
            agreement_records,
            counts,
            sums,
            values,
            fact_records,
            reasons,
            flags,
            list_marks,
            active_lists,
            len(records),
            trace,
        )
        if len(cache) >= _CACHE_LIMIT:
            del cache[next(iter(cache))]  # oldest first: dicts keep insertion order
        cache[key] = decision
    status, grade, score, reason, hits, measures, decided_steps, uses = decision
    if trace:
        if pack.patch_rules:
            decided_steps = _patch_amounts(pack, decided_steps, sums)
        steps.extend(decided_steps)
        steps.extend(list_steps)
    return Result(
        status=status,
        grade=grade,
        score=score,
        path=path.id,
        exclusions=hits,
        measures=measures,
        warnings=tuple(notices),
        reason=reason,
        steps=tuple(steps),
        record_uses=uses,
        listings=tuple(listings),
        consequences=tuple(consequences),
        **base,
    )


def _sums_key(pack: CompiledPack, sums: list[int]) -> tuple[Any, ...]:
    """Amounts as the decision depends on them: raw where expressions read them, else tier indices."""
    out: list[Any] = [sums[i] for i in pack.raw_sums]
    for index, rule_tiers in pack.sum_tiers:
        yuan = Decimal(sums[index]).scaleb(-2)
        for intervals in rule_tiers:
            out.append(next((k for k, iv in enumerate(intervals) if iv.contains(yuan)), -1))
        out.append(sums[index] == 0)
    return tuple(out)


def _patch_amounts(pack: CompiledPack, steps: tuple[Step, ...], sums: list[int]) -> tuple[Step, ...]:
    """Put this subject's own amounts into the rule steps of a shared decision."""
    patch = pack.patch_rules
    out = list(steps)
    for position, step in enumerate(steps):
        if step.kind == "rule" and step.ref in patch:
            out[position] = step._replace(value=str(Decimal(sums[patch[step.ref]]).scaleb(-2)))
    return tuple(out)


Decision = tuple[
    Status,
    str | None,
    Decimal | None,
    str | None,
    tuple[str, ...],
    tuple[str, ...],
    tuple[Step, ...],
    tuple[RecordUse, ...],
]


def _decide(
    pack: CompiledPack,
    path: CPath,
    category: str,
    cycle: int,
    months: int,
    end_reason: str,
    agreement_records: list[int],
    counts: list[int],
    sums: list[int],
    values: dict[int, set[Decimal]],
    fact_records: list[list[int]],
    reasons: dict[int, str],
    flags: dict[int, tuple[str, ...]],
    list_marks: dict[int, list[str]],
    active_lists: frozenset[str],
    nrecords: int,
    trace: bool,
) -> Decision:
    """Exclusions, grading and measures from the facts: a pure function of its arguments."""
    steps: list[Step] = []
    namespace: dict[str, Any] = {
        "category": category,
        "subject_type": "institution" if SubjectCategory(category) in INSTITUTION_CATEGORIES else "individual",
        "cycle": cycle,
        "agreement_end_reason": end_reason,
        "operated_months_in_cycle": months,
    }
    for fact in pack.facts:
        namespace[fact.id] = _fact_value(fact, counts, sums)

    used_by: dict[int, list[str]] = {k: list(v) for k, v in list_marks.items()}

    def mark(indices: list[int] | tuple[int, ...], ref: str) -> None:
        if trace:
            for j in indices:
                used_by.setdefault(j, []).append(ref)

    hits: list[str] = []
    for exc in pack.exclusions:
        fired = bool(exc.expression.evaluate(namespace))
        if trace:
            involved: list[int] = []
            for f in exc.facts:
                involved.extend(fact_records[f])
            if exc.uses_agreement:
                involved.extend(agreement_records)
            mark(involved, exc.id)
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
    elif path.method == "classification":
        status, grade, score, reason = _classify(
            path, pack, counts, values, fact_records, steps, mark, trace, active_lists
        )
    else:
        status, grade, score, reason = _grade(path, pack, counts, sums, values, fact_records, steps, mark, trace)
    if grade is not None:
        ms = pack.measures.get((grade, category), ())
        measures = tuple(m.id for m in ms)
        if trace:
            steps.extend(Step("measure", m.id, value=grade) for m in ms)
    uses: tuple[RecordUse, ...] = ()
    if trace:
        uses = _record_uses(nrecords, reasons, used_by, flags, path, status)
    return status, grade, score, reason, tuple(hits), measures, tuple(steps), uses


def _listings(
    pack: CompiledPack,
    records: list[InputRecord],
    fact_records: list[list[int]],
    horizon: dt.date,
    steps: list[Step],
    mark: Any,
    trace: bool,
    category: str,
) -> list[Listing]:
    """List status at ``horizon``: entered by an entry record, ended by removal or term."""
    out: list[Listing] = []
    for lst in pack.lists:
        if lst.categories is not None and category not in lst.categories:
            continue
        entries = [(i, records[i].record) for i in sorted({i for f in lst.entry for i in fact_records[f]})]
        removals = [(i, records[i].record) for i in fact_records[lst.removal]] if lst.removal is not None else []
        listing = compute_listing(lst, entries, removals, horizon)
        if listing is None:
            continue
        mark(listing.records, lst.id)
        out.append(listing)
        if trace:
            steps.append(Step("list", lst.id, listing.records, value=str(listing.since), matched=listing.active))
    return out


def _consequences(
    pack: CompiledPack, subject: Subject, listings: list[Listing], steps: list[Step], trace: bool
) -> list[Consequence]:
    """Consequences this institution's listings create for its linked persons, as trace steps too."""
    out = linked_consequences(pack, subject, listings)
    if trace:
        by_list = {x.list_id: x for x in listings}
        on_list = {lc.id: lc.on_list for lc in pack.model.linked_consequences}
        for c in out:
            records = by_list[on_list[c.id]].records
            steps.append(Step("consequence", c.id, records, value=f"{c.person_id}:{c.start}..{c.end}"))
    return out


def _imported_consequences(
    pack: CompiledPack, person: Subject, cycle: int, override_validity: bool
) -> list[Consequence]:
    """For a person: consequences created by the institutions that list them."""
    out: list[Consequence] = []
    for inst in person.linked_institutions:
        inst_result = evaluate(pack, inst, cycle, trace=False, override_validity=override_validity)
        out.extend(c for c in inst_result.consequences if c.person_id == person.id)
    return out


def _classify(
    path: CPath,
    pack: CompiledPack,
    counts: list[int],
    values: dict[int, set[Decimal]],
    fact_records: list[list[int]],
    steps: list[Step],
    mark: Any,
    trace: bool,
    active_lists: frozenset[str] = frozenset(),
) -> tuple[Status, str | None, Decimal | None, str | None]:
    """Worst matched class (default when none); combined with a supplied score's band."""
    order = pack.grade_order
    assert path.default_grade is not None
    # the worst matched class wins; the default applies only when no class matched, so a
    # class better than the default (e.g. "trustworthy") can be assigned too
    grade: str | None = None
    for cls in path.classes:
        matched = sorted({i for f in cls.criteria if counts[f] for i in fact_records[f]})
        if cls.while_listed is not None and cls.while_listed not in active_lists:
            # e.g. removed from the serious list: the conduct no longer puts the subject in this class
            matched = []
        if matched:
            for f in cls.criteria:
                if counts[f]:
                    mark(fact_records[f], pack.facts[f].id)
            if grade is None or order[cls.grade] > order[grade]:
                grade = cls.grade
        if trace:
            hit = ",".join(pack.facts[f].id for f in cls.criteria if counts[f])
            steps.append(Step("class", cls.grade, tuple(matched), matched=bool(matched), value=hit or None))
    if grade is None:
        grade = path.default_grade
    score: Decimal | None = None
    if path.score_fact is not None and path.bands is not None:
        found = values.get(path.score_fact, _EMPTY)
        mark(fact_records[path.score_fact], path.id)
        if len(found) > 1:
            if trace:
                steps.append(
                    Step(
                        "missing",
                        path.id,
                        tuple(fact_records[path.score_fact]),
                        value=f"{pack.facts[path.score_fact].id}=" + ",".join(str(v) for v in sorted(found)),
                    )
                )
            return "not_evaluable", None, None, "conflicting_scores"
        if found:
            score = next(iter(found))
            band_grade = path.bands.grade_for(score)
            if trace:
                steps.append(
                    Step("band", path.bands.id, tuple(fact_records[path.score_fact]), running=score, value=band_grade)
                )
            if band_grade is None:
                return "not_evaluable", None, score, "score_outside_bands"
            if order[band_grade] > order[grade]:
                grade = band_grade
    if trace:
        steps.append(Step("path", path.id, value=grade))
    return "graded", grade, score, None


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
    values: dict[int, set[Decimal]],
    fact_records: list[list[int]],
    steps: list[Step],
    mark: Any,
    trace: bool,
) -> tuple[Status, str | None, Decimal | None, str | None]:
    if path.method == "external_score":
        idx = path.score_fact
        assert idx is not None
        found = values.get(idx, _EMPTY)
        fid = pack.facts[idx].id
        if len(found) != 1:
            mark(fact_records[idx], path.id)
            why = "missing_score" if not found else "conflicting_scores"
            if trace:
                steps.append(
                    Step(
                        "missing",
                        path.id,
                        tuple(fact_records[idx]),
                        value=f"{fid}=" + (",".join(str(v) for v in sorted(found)) or "—"),
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
                        value=str(_rule_input(n, sums[f], pack.facts[f])),
                    )
                )
    bands = path.bands
    assert bands is not None  # the compiler requires bands on scorecard and external_score paths
    grade = bands.grade_for(score)
    if trace:
        steps.append(Step("band", bands.id, running=score, value=grade))
    if grade is None:
        return "not_evaluable", None, score, "score_outside_bands"
    return "graded", grade, score, None


def _rule_input(count: int, fen: int, fact: CFact) -> Decimal | int:
    if fact.aggregate == "sum_amount":
        return Decimal(fen).scaleb(-2)
    return count


def _record_uses(
    nrecords: int,
    reasons: dict[int, str],
    used_by: dict[int, list[str]],
    flags: dict[int, tuple[str, ...]],
    path: CPath,
    status: Status,
) -> tuple[RecordUse, ...]:
    """Every input record once: used by named pack elements, or not applicable with a reason."""
    out = []
    for i in range(nrecords):
        refs = used_by.get(i)
        if refs:
            out.append(RecordUse(i, tuple(dict.fromkeys(refs)), None, flags.get(i, ())))
            continue
        reason = reasons.get(i)
        if reason is None:
            if status == "excluded":
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
