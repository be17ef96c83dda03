"""Expand a compiled path's compact outcome into the engine's Result, step for step as the interpreter makes it.

The generated code keeps the trace as plain tuples (fact counts and records,
the exclusions that fired, each rule's signed points in hundredths); the typed
steps, the citations and the record uses are made here, only for the results
that are kept or rendered, in the order :func:`medcredit.engine.decision.decide`
makes them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from medcredit.engine.codegen.program import Outcome, score_decimal
from medcredit.engine.evaluation import flatten_records
from medcredit.engine.operation import Operation
from medcredit.engine.validity import records_override_notice
from medcredit.history.model import INSTITUTION_CATEGORIES, Subject, SubjectCategory
from medcredit.pack.compiled import CompiledPack, CPath
from medcredit.trace.result import Notice, RecordUse, Result, Status
from medcredit.trace.steps import (
    BandStep,
    ClassStep,
    ConflictStep,
    ExclusionStep,
    MeasureStep,
    MissingStep,
    PathStep,
    RuleStep,
    Step,
)

_ZERO = Decimal(0)
_EMPTY: frozenset[Decimal] = frozenset()


def to_result(
    pack: CompiledPack,
    path: CPath,
    subject: Subject,
    cycle: int,
    out: Outcome,
    op: Operation,
    notices: list[Notice],
    steps: list[Step],
    overridden: bool,
    trace: bool,
) -> Result:
    """The Result the interpreter gives for this subject (identifier and validity notices already made)."""
    category = subject.category.value
    if out.records_overridden and not overridden:
        notices.append(records_override_notice(pack))
        overridden = True
    notices.extend(op.notices)
    grade = out.grade
    measures = pack.measures.get((grade, category), ()) if grade is not None else ()
    uses: tuple[RecordUse, ...] = ()
    records = tuple(flatten_records(subject))
    if trace:
        assert out.payload is not None
        used_by: dict[int, list[str]] = {}
        steps.extend(trace_steps(pack, path, subject, cycle, out, op, used_by))
        uses = _record_uses(out, path, used_by, len(records))
    return Result(
        pack_id=pack.id,
        pack_hash=pack.content_hash,
        subject_id=subject.id,
        subject_name=subject.name,
        category=category,
        cycle=cycle,
        applies_in=cycle + 1 if pack.model.cycle.result_applies == "next_year" else cycle,
        status=_status(out.status),
        grade=grade,
        score=out.score,
        path=path.id,
        exclusions=out.exclusions,
        measures=tuple(m.id for m in measures),
        warnings=tuple(notices),
        reason=out.reason,
        steps=tuple(steps),
        records=records,
        record_uses=uses,
        validity_overridden=overridden,
    )


def trace_steps(
    pack: CompiledPack,
    path: CPath,
    subject: Subject,
    cycle: int,
    out: Outcome,
    op: Operation,
    used_by: dict[int, list[str]],
) -> list[Step]:
    """The typed steps of the decision and its measures; ``used_by`` gets which steps used each record."""
    steps = _decided_steps(pack, path, subject, cycle, out, op, used_by)
    grade = out.grade
    if grade is not None:
        steps.extend(MeasureStep(m.id, grade, m.cite) for m in pack.measures.get((grade, subject.category.value), ()))
    return steps


def _status(status: str) -> Status:
    if status == "graded":
        return "graded"
    if status == "excluded":
        return "excluded"
    assert status == "not_evaluable"
    return "not_evaluable"


def _mark(used_by: dict[int, list[str]], indices: Any, ref: str) -> None:
    for j in indices:
        used_by.setdefault(j, []).append(ref)


def fact_value(pack: CompiledPack, index: int, counts: tuple[int, ...], sums: tuple[int, ...]) -> Any:
    aggregate = pack.facts[index].aggregate
    if aggregate == "count":
        return counts[index]
    if aggregate == "sum_amount":
        return Decimal(sums[index]).scaleb(-2)
    return counts[index] > 0 if aggregate == "any" else None


def _decided_steps(
    pack: CompiledPack,
    path: CPath,
    subject: Subject,
    cycle: int,
    out: Outcome,
    op: Operation,
    used_by: dict[int, list[str]],
) -> list[Step]:
    assert out.payload is not None
    counts, sums, values, fact_records, _reasons, _flags, fired, terms = out.payload
    steps: list[Step] = []
    names = subject_names(pack, subject, cycle, op)
    for exc, hit in zip(pack.exclusions, fired, strict=True):
        involved: list[int] = []
        for f in exc.facts:
            involved.extend(fact_records[f])
        if exc.uses_agreement:
            involved.extend(op.agreement_records)
        _mark(used_by, involved, exc.id)
        inputs = tuple(
            (n, names[n] if n in names else fact_value(pack, pack.fact_by_id[n].index, counts, sums))
            for n in exc.expression.names
        )
        steps.append(ExclusionStep(exc.id, tuple(sorted(set(involved))), hit, inputs, exc.cite))
    if out.status == "excluded":
        return steps
    if path.method == "classification":
        classify = _agree_steps if path.combine == "agree" else _worst_steps
        steps.extend(classify(pack, path, out, used_by))
        return steps
    bands = path.bands
    assert bands is not None
    if path.method == "scorecard":
        running = path.base
        steps.append(PathStep(path.id, (), running, None, path.cite))
        for k, signed_h, exponent in terms:
            rule = path.rules[k]
            f = rule.fact
            signed = score_decimal(signed_h, exponent) if signed_h else _ZERO
            running = running + signed
            if signed:
                _mark(used_by, fact_records[f], rule.id)
            measured = Decimal(sums[f]).scaleb(-2) if pack.facts[f].aggregate == "sum_amount" else counts[f]
            records = tuple(fact_records[f]) if signed else ()
            steps.append(RuleStep(rule.id, records, signed, running, measured, rule.cite))
        steps.append(BandStep(bands.id, (), running, out.grade, bands.cite))
        return steps
    idx = path.score_fact
    assert idx is not None
    found = frozenset(values.get(idx, _EMPTY))
    records = tuple(fact_records[idx])
    _mark(used_by, records, path.id)
    if len(found) != 1:
        steps.append(MissingStep(path.id, records, pack.facts[idx].id, tuple(sorted(found)), path.cite))
        return steps
    score = next(iter(found))  # the supplied score, exactly as the interpreter takes it
    steps.append(PathStep(path.id, records, score, None, path.cite))
    steps.append(BandStep(bands.id, (), score, out.grade, bands.cite))
    return steps


def _class_steps(
    pack: CompiledPack, path: CPath, out: Outcome, used_by: dict[int, list[str]]
) -> tuple[list[Step], dict[str, list[str]], list[int]]:
    """A ClassStep per class, the grades the classes name, the records matched; marks the facts' records."""
    assert out.payload is not None
    counts, fact_records = out.payload[0], out.payload[3]
    steps: list[Step] = []
    named: dict[str, list[str]] = {}
    used: list[int] = []
    for cls in path.classes:
        hit = [f for f in cls.criteria if counts[f]]
        matched = sorted({i for f in hit for i in fact_records[f]})
        for f in hit:  # a fact counted has records: a class with a hit is matched
            _mark(used_by, fact_records[f], pack.facts[f].id)
            named.setdefault(cls.grade, []).append(pack.facts[f].id)
        used.extend(matched)
        steps.append(
            ClassStep(cls.grade, tuple(matched), bool(matched), tuple(pack.facts[f].id for f in hit), cls.cite)
        )
    return steps, named, used


def _worst_steps(pack: CompiledPack, path: CPath, out: Outcome, used_by: dict[int, list[str]]) -> list[Step]:
    """As :func:`medcredit.engine.decision._classify` (lists are never compiled: no while_listed)."""
    assert out.payload is not None
    counts, values, fact_records = out.payload[0], out.payload[2], out.payload[3]
    steps, _named, _used = _class_steps(pack, path, out, used_by)
    for f in path.noted:
        if counts[f]:
            _mark(used_by, fact_records[f], pack.facts[f].id)
    idx, bands = path.score_fact, path.bands
    if idx is not None and bands is not None:
        found = frozenset(values.get(idx, _EMPTY))
        records = tuple(fact_records[idx])
        _mark(used_by, records, path.id)
        if len(found) > 1:
            steps.append(MissingStep(path.id, records, pack.facts[idx].id, tuple(sorted(found)), path.cite))
            return steps
        if found:
            score = next(iter(found))
            band = bands.grade_for(score)
            steps.append(BandStep(bands.id, records, score, band, bands.cite))
            if band is None:
                return steps
    steps.append(PathStep(path.id, (), None, out.grade, path.cite))
    return steps


def _agree_steps(pack: CompiledPack, path: CPath, out: Outcome, used_by: dict[int, list[str]]) -> list[Step]:
    """As :func:`medcredit.engine.agreeing.classify_agreeing`."""
    assert out.payload is not None
    values, fact_records = out.payload[2], out.payload[3]
    steps, named, used = _class_steps(pack, path, out, used_by)
    idx, bands = path.score_fact, path.bands
    found: list[Decimal] = []
    if idx is not None and bands is not None:
        found = sorted(values.get(idx, ()))
        records = tuple(fact_records[idx])
        _mark(used_by, records, path.id)
        used.extend(records)
        fid = pack.facts[idx].id
        for value in found:
            band = bands.grade_for(value)
            steps.append(BandStep(bands.id, records, value, band, bands.cite))
            if band is None:
                return steps
            named.setdefault(band, []).append(f"{fid}={value}")
    if len(named) != 1 or len(found) > 1:
        evidence = tuple((g, tuple(ev)) for g, ev in sorted(named.items()))
        looked_for = [pack.facts[f].id for cls in path.classes for f in cls.criteria]
        if idx is not None:
            looked_for.append(pack.facts[idx].id)
        steps.append(ConflictStep(path.id, tuple(sorted(set(used))), evidence, tuple(looked_for), path.cite))
        return steps
    steps.append(PathStep(path.id, (), None, out.grade, path.cite))
    return steps


#: The names :func:`subject_names` gives.
SUBJECT_NAMES = frozenset({"category", "subject_type", "cycle", "agreement_end_reason", "operated_months_in_cycle"})


def subject_names(pack: CompiledPack, subject: Subject, cycle: int, op: Operation) -> dict[str, Any]:
    """The names about the subject an exclusion can read (they take precedence over facts of the same name)."""
    category = subject.category.value
    return {
        "category": category,
        "subject_type": "institution" if SubjectCategory(category) in INSTITUTION_CATEGORIES else "individual",
        "cycle": cycle,
        "agreement_end_reason": op.end_reason,
        "operated_months_in_cycle": op.months,
    }


def _record_uses(out: Outcome, path: CPath, used_by: dict[int, list[str]], nrecords: int) -> tuple[RecordUse, ...]:
    """Every input record once, as :func:`medcredit.engine.decision.decide` accounts for it."""
    assert out.payload is not None
    reasons, flags = out.payload[4], out.payload[5]
    result = []
    for i in range(nrecords):
        refs = used_by.get(i)
        if refs:
            result.append(RecordUse(i, tuple(dict.fromkeys(refs)), None, flags.get(i, ())))
            continue
        reason = reasons.get(i)
        result.append(RecordUse(i, (), unused_reason(out.status, path) if reason is None else reason, flags.get(i, ())))
    return tuple(result)


def unused_reason(status: str, path: CPath) -> str:
    """Why a record no step used and no filter refused is not applicable: the subject's status says."""
    if status == "excluded":
        return "subject_excluded"
    if status == "not_evaluable":
        return "subject_not_evaluable"
    return f"not_used_by_path:{path.id}"
