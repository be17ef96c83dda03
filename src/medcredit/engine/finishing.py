"""After a path has scored: the score's arithmetic, and the overrides a pack declares.

Both are pure functions of the decision's input and the grade and score the
path reached; each leaves a trace step citing the clause it applies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from medcredit.pack.compiled import CBandSet, CompiledPack, CPath
from medcredit.trace.result import Status
from medcredit.trace.steps import InputValue, OverrideStep, ScoreStep, Step


class Graded(NamedTuple):
    status: Status
    grade: str | None
    score: Decimal | None
    reason: str | None


Mark = Callable[[Iterable[int], str], None]


def finish_score(path: CPath, score: Decimal, records: tuple[int, ...], steps: list[Step] | None) -> Decimal:
    """Round the score, then keep it within the path's minimum and maximum (a step when that changed it)."""
    spec = path.score_spec
    if spec is None:
        return score
    finished = spec.finish(score)
    if steps is not None and str(finished) != str(score):  # also 90 → 90.00: the step shows the places
        steps.append(ScoreStep(path.id, records, score, finished, spec.cite or path.cite))
    return finished


def apply_overrides(
    pack: CompiledPack,
    path: CPath,
    graded: Graded,
    namespace: dict[str, Any],
    fact_records: tuple[tuple[int, ...], ...],
    steps: list[Step] | None,
    mark: Mark,
) -> Graded:
    """The path's overrides in order; one that fixes the grade or the score ends them."""
    order = pack.grade_order
    status, grade, score, reason = graded
    final: str | None = None
    for ov in path.overrides:
        records = tuple(sorted({i for f in ov.facts for i in fact_records[f]}))
        if final is not None:
            if steps is not None:
                steps.append(OverrideStep(ov.id, (), False, (), grade, score, ov.cite, f"preceded:{final}"))
            continue
        names = ov.expression.names
        if ("score" in names and score is None) or (status != "graded" and not ov.final):
            # a cap or a floor needs a grade; a condition on the score needs one
            if steps is not None:
                why = "no_score" if "score" in names and score is None else "no_grade"
                steps.append(OverrideStep(ov.id, (), False, (), grade, score, ov.cite, why))
            continue
        scope = {**namespace, "grade": grade or "", "score": score}
        fired = bool(ov.expression.evaluate(scope))
        if fired:
            if ov.score is not None:
                score = ov.score
            if ov.grade is not None:
                grade = ov.grade
            elif ov.score is not None:
                grade = _band(path.bands, ov.score)
            if ov.best is not None and grade is not None and order[grade] < order[ov.best]:
                grade = ov.best
            if ov.worst is not None and grade is not None and order[grade] > order[ov.worst]:
                grade = ov.worst
            if ov.final:
                final = ov.id
                status, reason = ("graded", None) if grade is not None else ("not_evaluable", "score_outside_bands")
            mark(records, ov.id)
        if steps is not None:
            inputs: tuple[tuple[str, InputValue], ...] = tuple((n, scope[n]) for n in names if scope[n] is not None)
            steps.append(OverrideStep(ov.id, records if fired else (), fired, inputs, grade, score, ov.cite))
    return Graded(status, grade, score, reason)


def _band(bands: CBandSet | None, score: Decimal) -> str | None:
    return bands.grade_for(score) if bands is not None else None
