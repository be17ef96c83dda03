"""Reachability: every grade can be assigned and every scorecard rule can change a score.

For a scorecard the reachable scores are ``base ± any combination of the
rules' possible points`` (per occurrence: any multiple; once: 0 or the points;
tiers: 0 or one tier's points).  We enumerate that set far enough to reach
below the lowest band; a band with no reachable score is unreachable, and the
message gives the nearest reachable scores as the proof.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from medcredit.checks.base import Check, CheckContext, register
from medcredit.diagnostics.problems import Problem
from medcredit.pack.compiled import CPath, CRule

_MAX_SCORES = 200_000
_MAX_OCCURRENCES = 60
_MAX_POINT_STEPS = 20_000


def _options(rule: CRule, span: Decimal) -> list[Decimal]:
    """The signed point changes one rule can make in one cycle."""
    sign = Decimal(rule.sign)
    if rule.mode == "once":
        values = [Decimal(0), rule.points]
    elif rule.mode == "per_occurrence":
        values = _multiples(rule.points, span)
    elif rule.mode == "table":
        # any number of records of each row: sums of multiples of the rows' points
        values = [Decimal(0)]
        for _value, points, _cite in rule.rows:
            values = sorted({v + m for v in values for m in _multiples(points, span) if v + m <= span + points})
    elif rule.mode == "per_point":
        # records' own points come in hundredths: every multiple of a hundredth of per_point
        step = rule.points / 100
        count = 0 if step == 0 else min(_MAX_POINT_STEPS, int(span / step) + 2)
        values = [step * k for k in range(count + 1)]
    else:
        values = [Decimal(0)] + [t.points for t in rule.tiers if _tier_reachable(t.interval)]
    if rule.cap is not None:
        values = [min(v, rule.cap) for v in values]
    return sorted({sign * v for v in values})


def _multiples(points: Decimal, span: Decimal) -> list[Decimal]:
    if points == 0:
        return [Decimal(0)]
    count = min(_MAX_OCCURRENCES, int(span / points) + 2)
    return [points * k for k in range(count + 1)]


def _tier_reachable(interval: object) -> bool:
    """A tier over counts or amounts (never negative) must admit some value >= 0."""
    high = getattr(interval, "high", None)
    inclusive = getattr(interval, "high_inclusive", False)
    return high is None or high > 0 or (high == 0 and inclusive)


def reachable_scores(path: CPath) -> set[Decimal]:
    lows = [b.interval.low for b in (path.bands.bands if path.bands else ()) if b.interval.low is not None]
    highs = [b.interval.high for b in (path.bands.bands if path.bands else ()) if b.interval.high is not None]
    edges = [*lows, *highs, path.base]
    span = max(edges) - min(edges) + 1
    scores = {path.base}
    for rule in path.rules:
        options = _options(rule, span)
        scores = {s + o for s in scores for o in options}
        if len(scores) > _MAX_SCORES:
            break
    if path.score_spec is not None:
        scores = {path.score_spec.finish(s) for s in scores}
    scores |= {o.score for o in path.overrides if o.score is not None}
    return scores


@register
class GradeUnreachable(Check):
    """A grade can never be assigned.

    Anti-pattern: a band no combination of the scorecard's points can land in
    (e.g. deductions in steps of 5 from 100 and a band [61, 64]), a grade in
    ``grades`` that no band, class or default assigns, or a band set whose
    grades no path uses.  The message proves it with the nearest reachable
    scores.  Best practice: check the thresholds against the law; if the law
    itself makes a grade unreachable, record an interpretation.
    """

    id = "grade-unreachable"
    level = "error"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        pack = ctx.pack
        assigned: set[str] = set()
        seen_paths: set[str] = set()
        for gp in pack.model.paths:
            cpath = next((p for p in pack.path_by_category.values() if p.id == gp.id), None)
            if cpath is None or cpath.id in seen_paths:
                continue
            seen_paths.add(cpath.id)
            assigned.update(c.grade for c in cpath.classes)
            for ov in cpath.overrides:  # an override can give its grade, cap at best or floor at worst
                assigned.update(g for g in (ov.grade, ov.best, ov.worst) if g is not None)
            if cpath.default_grade:
                assigned.add(cpath.default_grade)
            if cpath.bands is None:
                continue
            if cpath.method != "scorecard":
                assigned.update(b.grade for b in cpath.bands.bands)
                continue
            scores = sorted(reachable_scores(cpath))
            for j, band in enumerate(cpath.bands.bands):
                if any(band.interval.contains(s) for s in scores):
                    assigned.add(band.grade)
                    continue
                below = [s for s in scores if band.interval.low is not None and s < band.interval.low]
                above = [s for s in scores if band.interval.high is not None and s > band.interval.high]
                near = ", ".join(str(x) for x in ([max(below)] if below else []) + ([min(above)] if above else []))
                yield ctx.located.problem(
                    self.id,
                    f"grade {band.grade} ({band.interval}) cannot be reached on path '{cpath.id}': no combination "
                    f"of its rules' points gives a score in it (nearest reachable: {near or 'none'})",
                    ("bands", gp.bands or "", "bands", j, "range"),
                    level=self.level,
                )
        for i, grade in enumerate(pack.model.grades):
            if grade.id not in assigned:
                yield self.problem(
                    ctx, f"grade {grade.id} is never assigned by any band, class or default", ("grades", i, "id")
                )


@register
class RuleCannotFire(Check):
    """A scorecard rule can never change a score.

    Anti-pattern: a rule whose points are all zero, whose tiers only cover
    impossible values (negative amounts or counts), or that no grading path
    uses — it reads like law but does nothing.  Best practice: fix the points
    or tiers, add the rule to its path's ``rules``, or delete it.
    """

    id = "rule-cannot-fire"
    level = "error"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        pack = ctx.pack
        on_paths = {r.id for p in pack.path_by_category.values() for r in p.rules}
        for i, rule in enumerate(pack.model.rules):
            if rule.id not in on_paths:
                yield self.problem(ctx, f"rule '{rule.id}' is not used by any grading path", ("rules", i, "id"))
                continue
            compiled = next(r for p in pack.path_by_category.values() for r in p.rules if r.id == rule.id)
            if all(o == 0 for o in _options(compiled, Decimal(100))):
                yield self.problem(
                    ctx,
                    f"rule '{rule.id}' can never change a score: every possible outcome is 0 points "
                    "(zero points, or tiers covering only negative amounts/counts)",
                    ("rules", i, "id"),
                )
