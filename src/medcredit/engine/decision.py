"""From a subject's facts to a decision: exclusions, the grading path, bands and measures.

:func:`decide` is a pure function of a :class:`DecisionInput`, which holds only
what the decision depends on — not who the subject is.  Subjects with the same
shape of history share one decision (see :mod:`medcredit.engine.evaluation`),
so the input also knows how to make its cache key.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from medcredit.engine.agreeing import classify_agreeing
from medcredit.engine.finishing import Graded, apply_overrides, finish_score
from medcredit.history.model import INSTITUTION_CATEGORIES, SubjectCategory
from medcredit.pack.compiled import CFact, CompiledPack, CPath, CRule
from medcredit.pack.model import Measure
from medcredit.trace.result import RecordUse, Status
from medcredit.trace.steps import (
    BandStep,
    ClassStep,
    ExclusionStep,
    InputValue,
    MeasureStep,
    MissingStep,
    PathStep,
    RuleStep,
    Step,
)

_ZERO = Decimal(0)
_EMPTY: frozenset[Decimal] = frozenset()


class DecisionInput(NamedTuple):
    """Everything a decision depends on, as immutable values."""

    path: CPath
    category: str
    cycle: int
    months: int
    end_reason: str
    agreement_records: tuple[int, ...]
    counts: tuple[int, ...]
    sums: tuple[int, ...]  # fen
    values: tuple[tuple[int, frozenset[Decimal]], ...]  # sorted by fact index
    fact_records: tuple[tuple[int, ...], ...]
    reasons: tuple[tuple[int, str], ...]  # sorted by record index
    flags: tuple[tuple[int, tuple[str, ...]], ...]
    list_marks: tuple[tuple[int, tuple[str, ...]], ...]  # records the lists used, by list id
    active_lists: frozenset[str]
    nrecords: int
    trace: bool
    # fact index → (attribute value → records), for facts table rules read by severity or level
    splits: tuple[tuple[int, tuple[tuple[str, tuple[int, ...]], ...]], ...] = ()
    as_of: str = ""  # the evaluation date, YYYY-MM-DD
    tenure: tuple[int, int] = (-1, -1)  # whole years and months since the designation date (-1: unknown)
    prior: tuple[tuple[str, bool | str], ...] = ()  # the pack's prior names and their values
    days_since: tuple[int, ...] = ()  # per pack.days_since kind: days since its latest record (-1: none)

    def cache_key(self, pack: CompiledPack) -> tuple[Any, ...]:
        """The input with amounts as the decision depends on them, and scores by their text.

        Amounts are nearly unique, so a sum read only by tiered rules enters the key as the
        tiers it falls in (its rule steps are given the subject's own amount afterwards);
        Decimal("0.00") == Decimal("0") but a result must show the score as it was given.
        """
        return (
            self.path.id,
            self.category,
            self.cycle,
            self.months,
            self.end_reason,
            self.counts,
            sums_key(pack, self.sums),
            tuple((k, frozenset(map(str, v))) for k, v in self.values),
            self.fact_records,
            self.agreement_records,
            self.reasons,
            self.flags,
            self.list_marks,
            self.active_lists,
            self.nrecords,
            self.trace,
            self.splits,
            self.as_of,
            self.tenure,
            self.prior,
            self.days_since,
        )


class Decision(NamedTuple):
    status: Status
    grade: str | None
    score: Decimal | None
    reason: str | None
    exclusions: tuple[str, ...]
    measures: tuple[str, ...]
    steps: tuple[Step, ...]
    uses: tuple[RecordUse, ...]


def sums_key(pack: CompiledPack, sums: tuple[int, ...]) -> tuple[Any, ...]:
    """Amounts as the decision depends on them: raw where expressions read them, else tier indices."""
    out: list[Any] = [sums[i] for i in pack.raw_sums]
    for index, rule_tiers in pack.sum_tiers:
        yuan = Decimal(sums[index]).scaleb(-2)
        for intervals in rule_tiers:
            out.append(next((k for k, iv in enumerate(intervals) if iv.contains(yuan)), -1))
        out.append(sums[index] == 0)
    return tuple(out)


class _Marks:
    """Which pack elements used which records (only kept when a trace is asked for)."""

    __slots__ = ("trace", "used_by")

    def __init__(self, inp: DecisionInput) -> None:
        self.trace = inp.trace
        self.used_by: dict[int, list[str]] = {k: list(v) for k, v in inp.list_marks}

    def __call__(self, indices: Iterable[int], ref: str) -> None:
        if self.trace:
            for j in indices:
                self.used_by.setdefault(j, []).append(ref)


def decide(pack: CompiledPack, inp: DecisionInput) -> Decision:
    """Exclusions, grading and measures from the facts: a pure function of its arguments."""
    steps: list[Step] = []
    mark = _Marks(inp)
    hits = _exclusions(pack, inp, steps, mark)
    path = inp.path
    if hits:
        graded = Graded("excluded", None, None, "excluded")
    elif path.method == "classification" and path.combine == "agree":
        graded = classify_agreeing(pack, inp, steps, mark)
    elif path.method == "classification":
        graded = _classify(pack, inp, steps, mark)
    else:
        graded = _grade(pack, inp, steps, mark)
    if path.overrides and not hits:
        namespace = _namespace(pack, inp)
        graded = apply_overrides(pack, path, graded, namespace, inp.fact_records, steps if inp.trace else None, mark)
    measures: tuple[str, ...] = ()
    if graded.grade is not None:
        ms = pack.measures.get((graded.grade, inp.category), ())
        if pack.measure_conditions:
            ms = _conditional(pack, inp, graded.grade, ms)
        measures = tuple(m.id for m in ms)
        if inp.trace:
            steps.extend(MeasureStep(m.id, graded.grade, m.cite) for m in ms)
    uses = _record_uses(inp, mark.used_by, graded.status) if inp.trace else ()
    return Decision(*graded, tuple(hits), measures, tuple(steps), uses)


def _conditional(pack: CompiledPack, inp: DecisionInput, grade: str, ms: tuple[Measure, ...]) -> tuple[Measure, ...]:
    """The measures whose ``when`` holds (e.g. grade C two years running → agreement terminated)."""
    conditions = pack.measure_conditions
    if not any(m.id in conditions for m in ms):
        return ms
    scope = {**_namespace(pack, inp), "grade": grade}
    return tuple(m for m in ms if m.id not in conditions or conditions[m.id].evaluate(scope))


def _namespace(pack: CompiledPack, inp: DecisionInput) -> dict[str, Any]:
    namespace: dict[str, Any] = {
        "category": inp.category,
        "subject_type": "institution" if SubjectCategory(inp.category) in INSTITUTION_CATEGORIES else "individual",
        "cycle": inp.cycle,
        "agreement_end_reason": inp.end_reason,
        "operated_months_in_cycle": inp.months,
        "as_of": inp.as_of,
        "designated_years": inp.tenure[0],
        "designated_months": inp.tenure[1],
        **dict(inp.prior),
        **{f"days_since_{k}": d for k, d in zip(pack.days_since, inp.days_since, strict=True)},
    }
    for fact in pack.facts:
        namespace[fact.id] = fact_value(fact, inp.counts, inp.sums)
    for spec in pack.lists:
        namespace[f"listed_{spec.id}"] = spec.id in inp.active_lists
    return namespace


def _exclusions(pack: CompiledPack, inp: DecisionInput, steps: list[Step], mark: _Marks) -> list[str]:
    if not pack.exclusions:
        return []
    namespace = _namespace(pack, inp)
    hits: list[str] = []
    for exc in pack.exclusions:
        fired = bool(exc.expression.evaluate(namespace))
        if inp.trace:
            involved: list[int] = []
            for f in exc.facts:
                involved.extend(inp.fact_records[f])
            if exc.uses_agreement:
                involved.extend(inp.agreement_records)
            mark(involved, exc.id)
            inputs: tuple[tuple[str, InputValue], ...] = tuple((n, namespace[n]) for n in exc.expression.names)
            steps.append(ExclusionStep(exc.id, tuple(sorted(set(involved))), fired, inputs, exc.cite))
        if fired:
            hits.append(exc.id)
    return hits


def _classify(pack: CompiledPack, inp: DecisionInput, steps: list[Step], mark: _Marks) -> Graded:
    """Worst matched class (default when none); combined with a supplied score's band."""
    path = inp.path
    order = pack.grade_order
    counts, fact_records = inp.counts, inp.fact_records
    assert path.default_grade is not None
    # the worst matched class wins; the default applies only when no class matched, so a
    # class better than the default (e.g. "trustworthy") can be assigned too
    grade: str | None = None
    namespace = _namespace(pack, inp) if any(c.expression is not None for c in path.classes) else {}
    for cls in path.classes:
        matched = sorted({i for f in cls.criteria if counts[f] for i in fact_records[f]})
        by_expression = cls.expression is not None and bool(cls.expression.evaluate(namespace))
        readers = cls.reads if by_expression else ()
        if by_expression:  # the records of the facts its expression reads are its evidence
            matched = sorted({*matched, *(i for f in readers for i in fact_records[f])})
        if cls.while_listed is not None and cls.while_listed not in inp.active_lists:
            # e.g. removed from the serious list: the conduct no longer puts the subject in this class
            matched, by_expression = [], False
        if matched or by_expression:
            for f in (*cls.criteria, *readers):
                if counts[f]:
                    mark(fact_records[f], pack.facts[f].id)
            if grade is None or order[cls.grade] > order[grade]:
                grade = cls.grade
        if inp.trace:
            hit = tuple(pack.facts[f].id for f in cls.criteria if counts[f])
            if by_expression and cls.expression is not None:
                hit = (*hit, cls.expression.source)
            steps.append(ClassStep(cls.grade, tuple(matched), bool(matched) or by_expression, hit, cls.cite))
    if grade is None:
        grade = path.default_grade
    for f in path.noted:  # read and reported, but they decide no class (e.g. 辽宁 credit commitments)
        if counts[f]:
            mark(fact_records[f], pack.facts[f].id)
    score: Decimal | None = None
    if path.score_fact is not None and path.bands is not None:
        graded = _classify_score(pack, inp, steps, mark, grade)
        if graded.status != "graded":
            return graded
        grade, score = graded.grade, graded.score
    if inp.trace:
        steps.append(PathStep(path.id, (), None, grade, path.cite))
    return Graded("graded", grade, score, None)


def _classify_score(pack: CompiledPack, inp: DecisionInput, steps: list[Step], mark: _Marks, grade: str) -> Graded:
    """A supplied score's band worsens the class's grade; several different scores cannot be graded."""
    path = inp.path
    idx, bands = path.score_fact, path.bands
    assert idx is not None
    assert bands is not None
    found = dict(inp.values).get(idx, _EMPTY)
    records = inp.fact_records[idx]
    mark(records, path.id)
    if len(found) > 1:
        if inp.trace:
            steps.append(MissingStep(path.id, records, pack.facts[idx].id, tuple(sorted(found)), path.cite))
        return Graded("not_evaluable", None, None, "conflicting_scores")
    if not found:
        if path.score_spec is not None and path.score_spec.missing_not_evaluable:
            if inp.trace:
                steps.append(MissingStep(path.id, records, pack.facts[idx].id, (), path.score_spec.cite or path.cite))
            return Graded("not_evaluable", None, None, "missing_score")
        return Graded("graded", grade, None, None)
    score = finish_score(path, next(iter(found)), records, steps if inp.trace else None)
    band_grade = bands.grade_for(score)
    if inp.trace:
        steps.append(BandStep(bands.id, records, score, band_grade, bands.cite))
    if band_grade is None:
        return Graded("not_evaluable", None, score, "score_outside_bands")
    if pack.grade_order[band_grade] > pack.grade_order[grade]:
        grade = band_grade
    return Graded("graded", grade, score, None)


def fact_value(fact: CFact, counts: tuple[int, ...], sums: tuple[int, ...]) -> Any:
    """A fact as expressions see it: a count, an amount in yuan, or whether any record matched."""
    if fact.aggregate == "count":
        return counts[fact.index]
    if fact.aggregate in ("sum_amount", "sum_points"):
        return Decimal(sums[fact.index]).scaleb(-2)
    if fact.aggregate == "any":
        return counts[fact.index] > 0
    return None


def _grade(pack: CompiledPack, inp: DecisionInput, steps: list[Step], mark: _Marks) -> Graded:
    """A score from a supplied value or a scorecard, then its band."""
    path = inp.path
    if path.method == "external_score":
        score = _external_score(pack, inp, steps, mark)
        if isinstance(score, Graded):
            return score
    else:
        score = _scorecard(pack, inp, steps, mark)
    score = finish_score(path, score, (), steps if inp.trace else None)
    bands = path.bands
    assert bands is not None  # the compiler requires bands on scorecard and external_score paths
    grade = bands.grade_for(score)
    if inp.trace:
        steps.append(BandStep(bands.id, (), score, grade, bands.cite))
    if grade is None:
        return Graded("not_evaluable", None, score, "score_outside_bands")
    return Graded("graded", grade, score, None)


def _external_score(pack: CompiledPack, inp: DecisionInput, steps: list[Step], mark: _Marks) -> Decimal | Graded:
    path = inp.path
    idx = path.score_fact
    assert idx is not None
    found = dict(inp.values).get(idx, _EMPTY)
    records = inp.fact_records[idx]
    mark(records, path.id)
    if len(found) != 1:
        if inp.trace:
            steps.append(MissingStep(path.id, records, pack.facts[idx].id, tuple(sorted(found)), path.cite))
        return Graded("not_evaluable", None, None, "missing_score" if not found else "conflicting_scores")
    score = next(iter(found))
    if inp.trace:
        steps.append(PathStep(path.id, records, score, None, path.cite))
    return score


def _scorecard(pack: CompiledPack, inp: DecisionInput, steps: list[Step], mark: _Marks) -> Decimal:
    path = inp.path
    score = path.base
    if inp.trace:
        steps.append(PathStep(path.id, (), score, None, path.cite))
    for rule in path.rules:
        f = rule.fact
        if rule.mode == "table":
            score = _table(rule, inp, score, steps, mark)
            continue
        signed = _rule_points(pack, rule, inp)
        score = score + signed
        if signed:
            mark(inp.fact_records[f], rule.id)
        if inp.trace:
            records = inp.fact_records[f] if signed else ()
            steps.append(RuleStep(rule.id, records, signed, score, rule_input(pack.facts[f], inp), rule.cite))
    return score


def _table(rule: CRule, inp: DecisionInput, score: Decimal, steps: list[Step], mark: _Marks) -> Decimal:
    """A table rule: each row scores its records, cited by the row's own clause; a cap stops the total."""
    by_value = dict(dict(inp.splits).get(rule.fact, ()))
    left = rule.cap
    for value, points, cite in rule.rows:
        records = by_value.get(value, ())
        total = points * len(records)
        if left is not None:
            total = min(total, left)
            left -= total
        signed = (total if rule.sign > 0 else -total) if total else _ZERO
        score = score + signed
        if signed:
            mark(records, rule.id)
        if inp.trace and records:
            steps.append(RuleStep(f"{rule.id}:{value}", records if signed else (), signed, score, len(records), cite))
    return score


def _rule_points(pack: CompiledPack, rule: CRule, inp: DecisionInput) -> Decimal:
    """A rule's signed points: per occurrence, once, or by the tier its count or amount falls in."""
    n = inp.counts[rule.fact]
    if rule.mode == "per_occurrence":
        points = rule.points * n
    elif rule.mode == "once":
        points = rule.points if n else _ZERO
    elif rule.mode == "per_point":
        points = rule.points * Decimal(inp.sums[rule.fact]).scaleb(-2)
    else:
        fact = pack.facts[rule.fact]
        measure: Decimal | int = (
            Decimal(inp.sums[rule.fact]).scaleb(-2) if fact.aggregate in ("sum_amount", "sum_points") else n
        )
        points = next((tier.points for tier in rule.tiers if tier.interval.contains(measure)), _ZERO)
    if rule.cap is not None and points > rule.cap:
        points = rule.cap
    return (points if rule.sign > 0 else -points) if points else _ZERO


def rule_input(fact: CFact, inp: DecisionInput) -> Decimal | int:
    """What a rule measured: the amount in yuan (or the points) for a sum fact, else the count."""
    if fact.aggregate in ("sum_amount", "sum_points"):
        return Decimal(inp.sums[fact.index]).scaleb(-2)
    return inp.counts[fact.index]


def _record_uses(inp: DecisionInput, used_by: dict[int, list[str]], status: Status) -> tuple[RecordUse, ...]:
    """Every input record once: used by named pack elements, or not applicable with a reason."""
    reasons, flags = dict(inp.reasons), dict(inp.flags)
    out = []
    for i in range(inp.nrecords):
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
                reason = f"not_used_by_path:{inp.path.id}"
        out.append(RecordUse(i, (), reason, flags.get(i, ())))
    return tuple(out)
