"""Impact analysis: how a population's outcomes change between two pack versions.

One pass over the population evaluates every subject under the old and the new
pack and keeps only counters: the transition matrix (old outcome × new
outcome), the pack elements that drive each change, and the first few subject
ids of every transition.  Memory is constant in the population's size, so a
province streams through as easily as the bundled sample.

An *outcome* is a grade id, or a status without a grade: ``excluded``,
``not_evaluable``, ``out_of_scope``, ``rolled_up``, ``failed`` under a pack whose
evaluation of the subject raised an error (an expression failing on its facts),
or ``rejected`` for an input that could not be read.  A subject that fails under
either pack is counted as ``failed`` (and as changed when the other pack gives it
another outcome); the caller learns the reason through ``on_failure``.  Subjects
whose outcome is the same under both packs are cheap: they are evaluated without a trace.  Only a changed subject is
evaluated again with the trace, to compare rule points, band sets, exclusions
and paths between the two results.

>>> from medcredit.history.reader import iter_subjects
>>> impact = analyse(load_pack("wushan"), load_pack("wushan"), iter_subjects("pop.jsonl"), 2023)  # doctest: +SKIP
>>> impact.changed  # doctest: +SKIP
0
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from medcredit.analysis.impact_words import Lang, word
from medcredit.diagnostics.errors import ArgumentError, MedcreditError, ValidityError
from medcredit.engine.evaluation import Evaluator
from medcredit.engine.validity import check_validity, validity_message
from medcredit.history.reader import Item, Loaded
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.coverage import cited_elements
from medcredit.pack.model import Pack
from medcredit.trace.result import Result
from medcredit.trace.steps import BandStep, ClassStep, PathStep, RuleStep, Step

_S = TypeVar("_S", bound=Step)

#: Version of the JSON impact format; bump on any incompatible change.
IMPACT_FORMAT = "medcredit.impact/1"

#: Outcomes that are not grades, in the order they follow the grades in the matrix.
STATUS_OUTCOMES: tuple[str, ...] = ("excluded", "not_evaluable", "out_of_scope", "rolled_up", "failed", "rejected")

#: Told about a subject whose evaluation under a pack failed: the item, which side ("old" or "new"), the error.
FailureSink = Callable[[Loaded, str, MedcreditError], None]

#: How many example subjects are kept per transition unless told otherwise.
DEFAULT_EXAMPLES = 5

_ZERO = Decimal(0)

DriverKey = tuple[str, str, str]  # (kind, ref, detail)


@dataclass(frozen=True, slots=True)
class PackInfo:
    """One side of the comparison: where the pack came from and what it is."""

    source: str
    id: str
    content_hash: str
    grades: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Example:
    """A subject showing a transition (the first ones in input order)."""

    subject_id: str
    where: str
    old_score: Decimal | None
    new_score: Decimal | None
    drivers: tuple[str, ...]
    subject_name: str | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """Subjects whose outcome went from ``old`` to ``new`` (``old != new``)."""

    old: str
    new: str
    subjects: int
    examples: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class Driver:
    """A pack element that differs for changed subjects, and how many it concerns.

    ``kind`` is one of ``rule`` (points differ), ``band_set`` (the same score gets another
    grade, or another band set applies), ``exclusion`` (fired under one pack only),
    ``path`` (another grading path, or another base score), ``class`` (a classification
    class matched under one pack only), ``scope`` (graded alone under one pack only), or
    ``unexplained`` (the outcome changed and none of these differs).
    """

    kind: str
    ref: str
    detail: str
    subjects: int
    transitions: tuple[tuple[str, str, int], ...]
    #: (article, quote) the element cites, from the new pack (the old one if the element is gone)
    cite: tuple[str, str] | None = None

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.ref}"


@dataclass(frozen=True, slots=True)
class PackChange:
    """A difference between the two pack models: an element added, removed or changed.

    ``section`` is a top-level key of the pack (``rules``, ``bands``, ``exclusions``…);
    ``id`` the element within it (None for a section compared as a whole); ``fields`` the
    element's keys that differ when it changed.
    """

    section: str
    id: str | None
    change: Literal["added", "removed", "changed"]
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Impact:
    """The whole analysis: counts, matrix, drivers, examples and pack differences."""

    old: PackInfo
    new: PackInfo
    cycle: int
    population: str | None
    validity_overridden: bool
    labels: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]
    subjects: int
    rejected: int
    changed: int
    improved: int
    worsened: int
    transitions: tuple[Transition, ...]
    drivers: tuple[Driver, ...]
    pack_changes: tuple[PackChange, ...]
    #: subjects read whose evaluation failed under at least one of the packs
    failed: int = 0

    @property
    def evaluated(self) -> int:
        return self.subjects - self.rejected - self.failed

    @property
    def unchanged(self) -> int:
        return self.subjects - self.changed

    def count(self, old: str, new: str) -> int:
        """Subjects whose outcome was ``old`` under the old pack and ``new`` under the new one."""
        if old not in self.labels or new not in self.labels:
            return 0
        return self.matrix[self.labels.index(old)][self.labels.index(new)]

    def distribution(self, side: Literal["old", "new"]) -> dict[str, int]:
        """Subjects per outcome under one pack, in label order."""
        n = len(self.labels)
        if side == "old":
            return {label: sum(self.matrix[i]) for i, label in enumerate(self.labels)}
        return {label: sum(self.matrix[i][j] for i in range(n)) for j, label in enumerate(self.labels)}

    def nonzero(self) -> dict[tuple[str, str], int]:
        """Every non-empty cell of the matrix, diagonal included, in matrix order."""
        return {
            (a, b): self.matrix[i][j]
            for i, a in enumerate(self.labels)
            for j, b in enumerate(self.labels)
            if self.matrix[i][j]
        }


def outcome(result: Result | None) -> str:
    """The matrix label of a result: its grade, or its status (``rejected`` for no result)."""
    if result is None:
        return "rejected"
    if result.status == "graded" and result.grade is not None:
        return result.grade
    return result.status


def pack_info(pack: CompiledPack, source: str | None = None) -> PackInfo:
    return PackInfo(
        source=source if source is not None else pack.source,
        id=pack.id,
        content_hash=pack.content_hash,
        grades=tuple(g.id for g in pack.model.grades),
    )


def outcome_labels(old: CompiledPack, new: CompiledPack) -> tuple[str, ...]:
    """Grades of the old pack (best first), then grades only the new pack has, then the statuses."""
    grades = [g.id for g in old.model.grades] + [g.id for g in new.model.grades]
    return tuple(dict.fromkeys([*grades, *STATUS_OUTCOMES]))


# -- pack-level differences ------------------------------------------------------------


def _keyed(value: Any) -> dict[str, Any] | None:
    """A section as {element id: element}, or None when it has no element ids."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if not isinstance(value, list):
        return None
    out: dict[str, Any] = {}
    for item in value:
        if isinstance(item, str):
            key = item
        elif isinstance(item, BaseModel):
            raw = getattr(item, "id", None) or getattr(item, "category", None)
            if not isinstance(raw, str):
                return None
            key = raw
        else:
            return None
        if key in out:
            return None
        out[key] = item
    return out


def _differing_fields(a: Any, b: Any) -> tuple[str, ...]:
    if isinstance(a, BaseModel) and isinstance(b, BaseModel) and type(a) is type(b):
        return tuple(name for name in type(a).model_fields if getattr(a, name) != getattr(b, name))
    return ()


_DRIVER_KINDS = {"rule": "rule", "bands": "band_set", "exclusion": "exclusion", "path": "path", "class": "class"}


def driver_citations(old: Pack, new: Pack) -> dict[tuple[str, str], tuple[str, str]]:
    """(driver kind, element id) → (article, quote), the new pack's citation winning over the old one's."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for pack in (old, new):
        for kind, ident, _element, cite in cited_elements(pack):
            if kind in _DRIVER_KINDS:
                found[(_DRIVER_KINDS[kind], ident)] = (cite.article, cite.quote)
    return found


def pack_differences(old: Pack, new: Pack) -> tuple[PackChange, ...]:
    """Elements added, removed or changed between two pack models, in the pack's key order."""
    out: list[PackChange] = []
    for section in Pack.model_fields:
        a, b = getattr(old, section), getattr(new, section)
        if a == b:
            continue
        ka, kb = _keyed(a), _keyed(b)
        if ka is None or kb is None:
            out.append(PackChange(section, None, "changed", _differing_fields(a, b)))
            continue
        before = len(out)
        for key in dict.fromkeys([*ka, *kb]):
            if key not in kb:
                out.append(PackChange(section, key, "removed"))
            elif key not in ka:
                out.append(PackChange(section, key, "added"))
            elif ka[key] != kb[key]:
                out.append(PackChange(section, key, "changed", _differing_fields(ka[key], kb[key])))
        if len(out) == before:  # same elements, another order
            out.append(PackChange(section, None, "changed", ("order",)))
    return tuple(out)


# -- drivers of one subject's change --------------------------------------------------


def _first(steps: tuple[Step, ...], kind: type[_S]) -> _S | None:
    for step in steps:
        if isinstance(step, kind):
            return step
    return None


def _scored(result: Result) -> bool:
    return result.status in ("graded", "not_evaluable") and result.path is not None and not result.exclusions


def subject_drivers(old_pack: CompiledPack, new_pack: CompiledPack, old: Result, new: Result) -> tuple[DriverKey, ...]:
    """Why one subject's outcome differs: the pack elements whose effect differs (traced results)."""
    found: list[DriverKey] = []
    # scope: graded alone under one pack only
    if old.status != new.status and ({old.status, new.status} & {"out_of_scope", "rolled_up"}):
        found.append(("scope", old.category, f"{old.status} -> {new.status}"))
    # exclusions fired under one pack only (the engine evaluates every exclusion)
    found.extend(("exclusion", e, "fired_in_old_only") for e in old.exclusions if e not in new.exclusions)
    found.extend(("exclusion", e, "fired_in_new_only") for e in new.exclusions if e not in old.exclusions)
    if _scored(old) and _scored(new):
        if old.path != new.path:
            found.append(("path", f"{old.path} -> {new.path}", "path_changed"))
        else:
            op, np_ = _first(old.steps, PathStep), _first(new.steps, PathStep)
            method = old_pack.path_by_category.get(old.category)
            if (
                method is not None
                and method.method == "scorecard"
                and op is not None
                and np_ is not None
                and op.start_score != np_.start_score
            ):
                found.append(("path", str(old.path), "base_changed"))
        old_points = {s.ref: s.points for s in old.steps if isinstance(s, RuleStep)}
        new_points = {s.ref: s.points for s in new.steps if isinstance(s, RuleStep)}
        for ref in dict.fromkeys([*old_points, *new_points]):
            if old_points.get(ref, _ZERO) != new_points.get(ref, _ZERO):
                found.append(("rule", ref, "points_changed"))
        old_classes = {s.ref for s in old.steps if isinstance(s, ClassStep) and s.matched}
        new_classes = {s.ref for s in new.steps if isinstance(s, ClassStep) and s.matched}
        found.extend(("class", g, "matched_in_old_only") for g in sorted(old_classes - new_classes))
        found.extend(("class", g, "matched_in_new_only") for g in sorted(new_classes - old_classes))
        ob, nb = _first(old.steps, BandStep), _first(new.steps, BandStep)
        if ob is not None and nb is not None:
            if ob.ref != nb.ref:
                found.append(("band_set", f"{ob.ref} -> {nb.ref}", "band_set_replaced"))
            else:
                before, after = old_pack.bands.get(ob.ref), new_pack.bands.get(nb.ref)
                if before is not None and after is not None and before.grade_for(ob.score) != after.grade_for(ob.score):
                    found.append(("band_set", ob.ref, "bands_changed"))
    if not found:
        found.append(("unexplained", "-", "no_element_differs"))
    return tuple(dict.fromkeys(found))


# -- the streaming accumulator ----------------------------------------------------------


@dataclass
class _Cell:
    count: int = 0
    examples: list[Example] = field(default_factory=list)


class ImpactAnalysis:
    """Accumulate an impact analysis one input item at a time (constant memory).

    >>> analysis = ImpactAnalysis(old, new, 2023)  # doctest: +SKIP
    >>> for item in iter_subjects(path):  # doctest: +SKIP
    ...     analysis.add(item)
    >>> impact = analysis.finish()  # doctest: +SKIP
    """

    def __init__(
        self,
        old: CompiledPack,
        new: CompiledPack,
        cycle: int,
        *,
        override_validity: bool = False,
        max_examples: int = DEFAULT_EXAMPLES,
        old_source: str | None = None,
        new_source: str | None = None,
        population: str | None = None,
        on_failure: FailureSink | None = None,
    ) -> None:
        overridden = False
        for pack in (old, new):
            if not check_validity(pack, cycle):
                if not override_validity:
                    raise ValidityError(validity_message(pack, cycle))
                overridden = True
        self.old, self.new, self.cycle = old, new, cycle
        self._evaluators = {id(old): Evaluator(old), id(new): Evaluator(new)}
        self.override_validity = override_validity
        self.validity_overridden = overridden
        self.max_examples = max(0, max_examples)
        self.old_info = pack_info(old, old_source)
        self.new_info = pack_info(new, new_source)
        self.population = population
        self.labels = outcome_labels(old, new)
        self._rank = {label: i for i, label in enumerate(self.labels)}
        self._cells: dict[tuple[str, str], _Cell] = {}
        self._drivers: dict[DriverKey, Counter[tuple[str, str]]] = {}
        self.on_failure = on_failure
        self.subjects = self.rejected = self.failed = self.changed = self.improved = self.worsened = 0

    def _evaluate(self, pack: CompiledPack, item: Loaded, trace: bool) -> Result:
        evaluator = self._evaluators[id(pack)]
        return evaluator.evaluate(item.subject, self.cycle, trace=trace, override_validity=self.override_validity)

    def add(self, item: Item) -> None:
        """Count one input item (a loaded subject or a rejected input)."""
        self.subjects += 1
        if not isinstance(item, Loaded):
            self.rejected += 1
            self._cell("rejected", "rejected").count += 1
            return
        old_r = self._attempt(self.old, item, "old")
        new_r = self._attempt(self.new, item, "new")
        if old_r is None or new_r is None:
            # a subject that cannot be evaluated (an expression failing on its facts) is counted, not fatal,
            # and never hidden: excluded under the old pack and failing under the new one is a change
            self.failed += 1
            a = "failed" if old_r is None else outcome(old_r)
            b = "failed" if new_r is None else outcome(new_r)
            cell = self._cell(a, b)
            cell.count += 1
            if a != b:
                self.changed += 1
                if len(cell.examples) < self.max_examples:
                    cell.examples.append(
                        Example(
                            subject_id=item.subject.id,
                            where=item.where,
                            old_score=None if old_r is None else old_r.score,
                            new_score=None if new_r is None else new_r.score,
                            drivers=(),
                            subject_name=item.subject.name,
                        )
                    )
            return
        a, b = outcome(old_r), outcome(new_r)
        cell = self._cell(a, b)
        cell.count += 1
        if a == b:
            return
        self.changed += 1
        if old_r.status == "graded" and new_r.status == "graded":
            if self._rank[b] < self._rank[a]:
                self.improved += 1
            else:
                self.worsened += 1
        # only changed subjects pay for the trace the drivers need
        keys = subject_drivers(
            self.old, self.new, self._evaluate(self.old, item, trace=True), self._evaluate(self.new, item, trace=True)
        )
        for key in keys:
            self._drivers.setdefault(key, Counter())[(a, b)] += 1
        if len(cell.examples) < self.max_examples:
            cell.examples.append(
                Example(
                    subject_id=item.subject.id,
                    where=item.where,
                    old_score=old_r.score,
                    new_score=new_r.score,
                    drivers=tuple(f"{kind}:{ref}" for kind, ref, _detail in keys),
                    subject_name=item.subject.name,
                )
            )

    def _attempt(self, pack: CompiledPack, item: Loaded, side: str) -> Result | None:
        """The result under one pack, or None (told to ``on_failure``) when its evaluation failed."""
        try:
            return self._evaluate(pack, item, trace=False)
        except (ValidityError, ArgumentError):
            raise  # about the whole analysis, not this subject
        except MedcreditError as exc:
            if self.on_failure is not None:
                self.on_failure(item, side, exc)
            return None

    def _cell(self, a: str, b: str) -> _Cell:
        cell = self._cells.get((a, b))
        if cell is None:
            cell = self._cells[(a, b)] = _Cell()
        return cell

    def finish(self) -> Impact:
        """The analysis of every item added so far."""
        labels = self.labels
        matrix = tuple(tuple(self._cells[(a, b)].count if (a, b) in self._cells else 0 for b in labels) for a in labels)
        transitions = tuple(
            Transition(a, b, cell.count, tuple(cell.examples))
            for a in labels
            for b in labels
            if a != b and (cell := self._cells.get((a, b))) is not None and cell.count
        )
        order = {pair: i for i, pair in enumerate((a, b) for a in labels for b in labels)}
        clauses = driver_citations(self.old.model, self.new.model)
        drivers = [
            Driver(
                kind,
                ref,
                detail,
                sum(counter.values()),
                tuple((a, b, n) for (a, b), n in sorted(counter.items(), key=lambda kv: order[kv[0]])),
                clauses.get((kind, ref)),
            )
            for (kind, ref, detail), counter in self._drivers.items()
        ]
        drivers.sort(key=lambda d: (-d.subjects, d.kind, d.ref, d.detail))
        return Impact(
            old=self.old_info,
            new=self.new_info,
            cycle=self.cycle,
            population=self.population,
            validity_overridden=self.validity_overridden,
            labels=labels,
            matrix=matrix,
            subjects=self.subjects,
            rejected=self.rejected,
            failed=self.failed,
            changed=self.changed,
            improved=self.improved,
            worsened=self.worsened,
            transitions=transitions,
            drivers=tuple(drivers),
            pack_changes=pack_differences(self.old.model, self.new.model),
        )


def analyse(
    old: CompiledPack,
    new: CompiledPack,
    items: Iterable[Item],
    cycle: int,
    *,
    override_validity: bool = False,
    max_examples: int = DEFAULT_EXAMPLES,
    old_source: str | None = None,
    new_source: str | None = None,
    population: str | None = None,
    on_failure: FailureSink | None = None,
) -> Impact:
    """Evaluate every item under both packs in one pass and return the impact.

    Raise :class:`~medcredit.diagnostics.errors.ValidityError` before reading anything when the cycle
    is outside either pack's validity and ``override_validity`` is false.
    """
    analysis = ImpactAnalysis(
        old,
        new,
        cycle,
        override_validity=override_validity,
        max_examples=max_examples,
        old_source=old_source,
        new_source=new_source,
        population=population,
        on_failure=on_failure,
    )
    for item in items:
        analysis.add(item)
    return analysis.finish()


# -- output ----------------------------------------------------------------------------


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _pack_dict(info: PackInfo) -> dict[str, Any]:
    return {"source": info.source, "id": info.id, "hash": info.content_hash, "grades": list(info.grades)}


def impact_to_dict(impact: Impact) -> dict[str, Any]:
    """The analysis as plain data, keys in a fixed order, decimals as exact strings."""
    return {
        "format": IMPACT_FORMAT,
        "cycle": impact.cycle,
        "population": impact.population,
        "old": _pack_dict(impact.old),
        "new": _pack_dict(impact.new),
        "validity_overridden": impact.validity_overridden,
        "summary": {
            "subjects": impact.subjects,
            "evaluated": impact.evaluated,
            "rejected": impact.rejected,
            "failed": impact.failed,
            "changed": impact.changed,
            "unchanged": impact.unchanged,
            "improved": impact.improved,
            "worsened": impact.worsened,
        },
        "labels": list(impact.labels),
        "matrix": [list(row) for row in impact.matrix],
        "distribution": {"old": impact.distribution("old"), "new": impact.distribution("new")},
        "transitions": [
            {
                "old": t.old,
                "new": t.new,
                "subjects": t.subjects,
                "examples": [
                    {
                        "subject": e.subject_id,
                        "name": e.subject_name,
                        "where": e.where,
                        "old_score": _dec(e.old_score),
                        "new_score": _dec(e.new_score),
                        "drivers": list(e.drivers),
                    }
                    for e in t.examples
                ],
            }
            for t in impact.transitions
        ],
        "drivers": [
            {
                "kind": d.kind,
                "ref": d.ref,
                "detail": d.detail,
                "subjects": d.subjects,
                "transitions": [{"old": a, "new": b, "subjects": n} for a, b, n in d.transitions],
                "cite": {"article": d.cite[0], "quote": d.cite[1]} if d.cite else None,
            }
            for d in impact.drivers
        ],
        "pack_changes": [
            {"section": c.section, "id": c.id, "change": c.change, "fields": list(c.fields)}
            for c in impact.pack_changes
        ],
    }


def impact_to_json(impact: Impact) -> str:
    """Deterministic JSON: the same analysis always gives the same bytes (newline-terminated)."""
    return json.dumps(impact_to_dict(impact), ensure_ascii=False, indent=2) + "\n"


def _table(rows: list[list[str]], right: bool = True) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [r[0].ljust(widths[0])]
        cells += [c.rjust(w) if right else c.ljust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        out.append("  ".join(cells).rstrip())
    return out


def _pack_line(info: PackInfo) -> str:
    return f"{info.source} ({info.id}, {info.content_hash[:19]}…)"


def render_impact_text(impact: Impact, lang: Lang = "en") -> str:
    """A readable report: summary, matrix, distribution, drivers, pack changes, examples (own words in ``lang``)."""
    if lang == "zh":
        lines = [
            f"{word('impact_of', lang)}{_pack_line(impact.old)} → {_pack_line(impact.new)}",
            f"主体数据：{impact.population or '-'}，评价周期 {impact.cycle}"
            + ("（已越过适用期间）" if impact.validity_overridden else ""),
            f"主体数：{impact.subjects:,}（已评价 {impact.evaluated:,}，被拒绝 {impact.rejected:,}"
            + (f"，评价失败 {impact.failed:,}" if impact.failed else "")
            + "）",
            f"结果变化：{impact.changed:,}（变好 {impact.improved:,}，变差 {impact.worsened:,}，"
            f"其他 {impact.changed - impact.improved - impact.worsened:,}）；未变：{impact.unchanged:,}",
            "",
            "转移矩阵（行：原政策包，列：新政策包）",
        ]
    else:
        lines = [
            f"impact of {_pack_line(impact.old)} → {_pack_line(impact.new)}",
            f"population: {impact.population or '-'}, cycle {impact.cycle}"
            + (" (validity overridden)" if impact.validity_overridden else ""),
            f"subjects: {impact.subjects:,} (evaluated {impact.evaluated:,}, rejected {impact.rejected:,}"
            + (f", failed {impact.failed:,}" if impact.failed else "")
            + ")",
            f"changed: {impact.changed:,} (improved {impact.improved:,}, worsened {impact.worsened:,}, "
            f"other {impact.changed - impact.improved - impact.worsened:,}); unchanged: {impact.unchanged:,}",
            "",
            "transition matrix (rows: old, columns: new)",
        ]
    zh = lang == "zh"
    old_dist, new_dist = impact.distribution("old"), impact.distribution("new")
    rows = [["old \\ new", *impact.labels, "total"]]
    for label, row in zip(impact.labels, impact.matrix, strict=True):
        rows.append([label, *(str(n) for n in row), str(old_dist[label])])
    rows.append(["total", *(str(new_dist[label]) for label in impact.labels), str(impact.subjects)])
    lines += ["  " + line for line in _table(rows)]
    lines += ["", "结果分布" if zh else "distribution"]
    dist = [["outcome", "old", "new", "change"]]
    for label in impact.labels:
        delta = new_dist[label] - old_dist[label]
        dist.append([label, str(old_dist[label]), str(new_dist[label]), f"{delta:+d}" if delta else "0"])
    lines += ["  " + line for line in _table(dist)]
    lines += ["", "变化原因（结果发生变化的主体）" if zh else "drivers (subjects whose outcome changed)"]
    if impact.drivers:
        table = [["kind", "element", "detail", "subjects", "transitions"]]
        for d in impact.drivers:
            moves = ", ".join(f"{a}→{b} {n}" for a, b, n in d.transitions)
            table.append([d.kind, d.ref, d.detail, str(d.subjects), moves])
        lines += ["  " + line for line in _table(table, right=False)]
        cited = [d for d in impact.drivers if d.cite]
        if cited:
            lines += ["", "所依据的条文" if zh else "driving clauses"]
            lines += [f"  {d.kind} {d.ref}: 【{d.cite[0]}】{d.cite[1]}" for d in cited if d.cite]
    elif impact.changed:  # every change is a subject failing under a pack: no element drove it
        lines.append(
            "  （无：结果变化的主体均为评价失败）" if zh else "  (none: every subject that changed failed under a pack)"
        )
    else:
        lines.append("  (none: no subject changed)")
    lines += ["", "政策包差异" if zh else "pack differences"]
    if impact.pack_changes:
        for c in impact.pack_changes:
            where = c.section if c.id is None else f"{c.section}.{c.id}"
            fields = f" ({', '.join(c.fields)})" if c.fields else ""
            lines.append(f"  {c.change:<8} {where}{fields}")
    else:
        lines.append("  (none: the pack models are equal)")
    lines += ["", "示例主体（按输入顺序）" if zh else "examples (first subjects in input order)"]
    if impact.transitions:
        for t in impact.transitions:
            lines.append(f"  {t.old} → {t.new}: {t.subjects:,}")
            for e in t.examples:
                score = f"{_dec(e.old_score) or '-'} → {_dec(e.new_score) or '-'}"
                who = f"{e.subject_id} {e.subject_name}" if e.subject_name else e.subject_id
                lines.append(f"    {who}  score {score}  [{', '.join(e.drivers)}]  {e.where}")
    else:
        lines.append("  (none)")
    return "\n".join(lines) + "\n"
