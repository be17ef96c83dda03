"""Classification where every piece of evidence must name the same grade (``combine: agree``).

巫山 第十八条（一） grades inpatient hospitals from the 考核等次 (优秀/合格/基本合格/不合格), and gives
the score ranges of each 等次 in brackets.  The 等次 itself, a score, or both may be supplied: each
class matched (a 等次) and the band of the score must agree.  Nothing supplied, or evidence naming
different grades (e.g. 优秀 with a score of 70), cannot be graded: the data must be corrected
first.  There is no default grade.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from medcredit.pack.compiled import CompiledPack, CPath
from medcredit.trace.result import Status, Step

Mark = Callable[[list[int] | tuple[int, ...], str], None]


def classify_agreeing(
    path: CPath,
    pack: CompiledPack,
    counts: list[int],
    values: dict[int, set[Decimal]],
    fact_records: list[list[int]],
    steps: list[Step],
    mark: Mark,
    trace: bool,
) -> tuple[Status, str | None, Decimal | None, str | None]:
    """The one grade all evidence names, or not evaluable (missing or conflicting evidence)."""
    named: dict[str, list[str]] = {}  # grade → evidence naming it
    used: list[int] = []
    for cls in path.classes:
        hit = [f for f in cls.criteria if counts[f]]
        matched = sorted({i for f in hit for i in fact_records[f]})
        for f in hit:
            mark(fact_records[f], pack.facts[f].id)
            named.setdefault(cls.grade, []).append(pack.facts[f].id)
        used.extend(matched)
        if trace:
            steps.append(
                Step(
                    "class",
                    cls.grade,
                    tuple(matched),
                    matched=bool(matched),
                    value=",".join(pack.facts[f].id for f in hit) or None,
                )
            )
    score: Decimal | None = None
    if path.score_fact is not None and path.bands is not None:
        found = sorted(values.get(path.score_fact, set()))
        records = tuple(fact_records[path.score_fact])
        mark(records, path.id)
        used.extend(records)
        fid = pack.facts[path.score_fact].id
        for value in found:
            band_grade = path.bands.grade_for(value)
            if trace:
                steps.append(Step("band", path.bands.id, records, running=value, value=band_grade))
            if band_grade is None:
                return "not_evaluable", None, value, "score_outside_bands"
            named.setdefault(band_grade, []).append(f"{fid}={value}")
        if len(found) == 1:
            score = found[0]
    several_scores = path.score_fact is not None and len(values.get(path.score_fact, ())) > 1
    if len(named) != 1 or several_scores:
        if trace:
            shown = "; ".join(f"{g}: {','.join(ev)}" for g, ev in sorted(named.items())) or _nothing(path, pack)
            steps.append(Step("missing", path.id, tuple(sorted(set(used))), value=shown))
        return "not_evaluable", None, score, "conflicting_scores" if named else "missing_score"
    (grade,) = named
    if trace:
        steps.append(Step("path", path.id, value=grade))
    return "graded", grade, score, None


def _nothing(path: CPath, pack: CompiledPack) -> str:
    """Names the evidence that was looked for, e.g. 'assessment_excellent,…,assessment_score=—'."""
    ids = [pack.facts[f].id for cls in path.classes for f in cls.criteria]
    if path.score_fact is not None:
        ids.append(pack.facts[path.score_fact].id)
    return ",".join(ids) + "=—"
