"""Which pack element implements which article: the citation index behind coverage tables and checks."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from medcredit.pack.model import Citation, GradingPath, Pack


def cited_elements(pack: Pack) -> Iterator[tuple[str, str, BaseModel, Citation]]:
    """(element kind, element id, element, citation) for every cited element of a pack, in pack order."""
    yield "cycle", "cycle", pack.cycle, pack.cycle.cite
    if pack.validity.cite is not None:
        yield "validity", "validity", pack.validity, pack.validity.cite
    for ru in pack.roll_up:
        yield "roll_up", ru.category, ru, ru.cite
    for name, bs in pack.bands.items():
        yield "bands", name, bs, bs.cite
    for w in pack.record_windows:
        yield "record_window", w.id, w, w.cite
    for f in pack.facts:
        if f.cite is not None:
            yield "fact", f.id, f, f.cite
    for e in pack.exclusions:
        yield "exclusion", e.id, e, e.cite
    for p in pack.paths:
        yield from _path_elements(p)
    for r in pack.rules:
        yield "rule", r.id, r, r.cite
        for row in r.table or ():
            yield "rule_row", f"{r.id}:{row.severity or row.level}", row, row.cite
    for m in pack.measures:
        yield "measure", m.id, m, m.cite
    for lst in pack.lists:
        yield "list", lst.id, lst, lst.cite
    for lc in pack.linked_consequences:
        yield "consequence", lc.id, lc, lc.cite
    for d in pack.disclosure:
        yield "disclosure", ",".join(d.subject_types), d, d.cite
    for dl in pack.deadlines:
        yield "deadline", dl.id, dl, dl.cite
    for route in pack.repair:
        yield "repair", route.id, route, route.cite
        for cond in route.conditions:
            yield "repair_condition", f"{route.id}.{cond.id}", cond, cond.cite
    if pack.reports is not None:
        yield "reports", "reports", pack.reports, pack.reports.cite
    yield from _memory_elements(pack)


def _memory_elements(pack: Pack) -> Iterator[tuple[str, str, BaseModel, Citation]]:
    """Thresholds, the repair effect and prior names (pack format part 2)."""
    for t in pack.thresholds:
        yield "threshold", t.id, t, t.cite
    if pack.repair_effect is not None:
        yield "repair_effect", "repair_effect", pack.repair_effect, pack.repair_effect.cite
    for p in pack.prior:
        if p.cite is not None:
            yield "prior", p.id, p, p.cite


def _path_elements(p: GradingPath) -> Iterator[tuple[str, str, BaseModel, Citation]]:
    yield "path", p.id, p, p.cite
    for c in p.classes:
        yield "class", f"{p.id}.{c.grade}", c, c.cite
    if p.score is not None and p.score.cite is not None:
        yield "score", f"{p.id}.score", p.score, p.score.cite
    for o in p.overrides:
        yield "override", f"{p.id}.{o.id}", o, o.cite


def citations(pack: Pack) -> Iterator[tuple[str, str, Citation]]:
    """(element kind, element id, citation) for every cited element of a pack."""
    for kind, ident, _element, cite in cited_elements(pack):
        yield kind, ident, cite


def coverage(pack: Pack) -> dict[str, list[tuple[str, str]]]:
    """Article → [(element kind, element id)] in document order."""
    table: dict[str, list[tuple[str, str]]] = {a: [] for a in pack.document.articles}
    for kind, ident, cite in citations(pack):
        table.setdefault(cite.article, []).append((kind, ident))
    return table


def uncovered(pack: Pack) -> list[str]:
    """Articles with neither an executable element nor a stated reason."""
    return [a for a, uses in coverage(pack).items() if not uses and a not in pack.non_executable]
