"""Classification where every piece of evidence must name the same grade (``combine: agree``).

巫山 第十八条（一） grades inpatient hospitals from the 考核等次 (优秀/合格/基本合格/不合格), and gives
the score ranges of each 等次 in brackets.  The 等次 itself, a score, or both may be supplied: each
class matched (a 等次) and the band of the score must agree.  Nothing supplied, or evidence naming
different grades (e.g. 优秀 with a score of 70), cannot be graded: the data must be corrected
first.  There is no default grade.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from medcredit.pack.compiled import CompiledPack
from medcredit.trace.steps import BandStep, ClassStep, ConflictStep, PathStep, Step

if TYPE_CHECKING:
    from medcredit.engine.decision import DecisionInput
    from medcredit.engine.finishing import Graded

Mark = Callable[[Iterable[int], str], None]


def classify_agreeing(pack: CompiledPack, inp: DecisionInput, steps: list[Step], mark: Mark) -> Graded:
    """The one grade all evidence names, or not evaluable (missing or conflicting evidence)."""
    from medcredit.engine.finishing import Graded

    path, counts, fact_records = inp.path, inp.counts, inp.fact_records
    named: dict[str, list[str]] = {}  # grade → evidence naming it
    used: list[int] = []
    for cls in path.classes:
        hit = [f for f in cls.criteria if counts[f]]
        matched = sorted({i for f in hit for i in fact_records[f]})
        for f in hit:
            mark(fact_records[f], pack.facts[f].id)
            named.setdefault(cls.grade, []).append(pack.facts[f].id)
        used.extend(matched)
        if inp.trace:
            steps.append(
                ClassStep(cls.grade, tuple(matched), bool(matched), tuple(pack.facts[f].id for f in hit), cls.cite)
            )
    score: Decimal | None = None
    values = dict(inp.values)
    if path.score_fact is not None and path.bands is not None:
        found = sorted(values.get(path.score_fact, ()))
        records = fact_records[path.score_fact]
        mark(records, path.id)
        used.extend(records)
        fid = pack.facts[path.score_fact].id
        for value in found:
            band_grade = path.bands.grade_for(value)
            if inp.trace:
                steps.append(BandStep(path.bands.id, records, value, band_grade, path.bands.cite))
            if band_grade is None:
                return Graded("not_evaluable", None, value, "score_outside_bands")
            named.setdefault(band_grade, []).append(f"{fid}={value}")
        if len(found) == 1:
            score = found[0]
    several_scores = path.score_fact is not None and len(values.get(path.score_fact, ())) > 1
    if len(named) != 1 or several_scores:
        if inp.trace:
            evidence = tuple((g, tuple(ev)) for g, ev in sorted(named.items()))
            steps.append(ConflictStep(path.id, tuple(sorted(set(used))), evidence, _looked_for(pack, inp), path.cite))
        return Graded("not_evaluable", None, score, "conflicting_scores" if named else "missing_score")
    (grade,) = named
    if inp.trace:
        steps.append(PathStep(path.id, (), None, grade, path.cite))
    return Graded("graded", grade, score, None)


def _looked_for(pack: CompiledPack, inp: DecisionInput) -> tuple[str, ...]:
    """The evidence the path reads, e.g. ('assessment_excellent', …, 'assessment_score')."""
    path = inp.path
    ids = [pack.facts[f].id for cls in path.classes for f in cls.criteria]
    if path.score_fact is not None:
        ids.append(pack.facts[path.score_fact].id)
    return tuple(ids)
