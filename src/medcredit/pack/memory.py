"""Compiling the constructs that look across time: thresholds that start sanctions, names over
earlier results, tenure, and repairs that take effect.

The compiler in :mod:`medcredit.pack.compiled` calls these functions and owns the problems
they report (see :class:`medcredit.pack.dynamic.Reporter`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from medcredit.diagnostics.problems import YamlPath
from medcredit.pack.dynamic import Reporter
from medcredit.pack.expressions import Symbol
from medcredit.pack.model import Citation, Pack, Term, Text

#: Names about the subject's tenure, available to every expression.
TENURE_SYMBOLS: dict[str, Symbol] = {
    "designated_years": Symbol(
        "number", "whole years since the designation (定点) date at the evaluation date; -1 when not given"
    ),
    "designated_months": Symbol(
        "number", "whole months since the designation (定点) date at the evaluation date; -1 when not given"
    ),
}


def days_since_symbols(kinds: Iterable[str]) -> dict[str, Symbol]:
    """``days_since_KIND`` for every record kind: days from the latest such record to the evaluation date."""
    return {
        f"days_since_{kind}": Symbol(
            "number", f"days from the latest {kind} record (on or before the evaluation date) to it; -1 when none"
        )
        for kind in kinds
    }


@dataclass(frozen=True, slots=True)
class CTerm:
    """A term in months: fixed (low == high) or a declared range the bureau fills in."""

    low: int
    high: int

    @property
    def fixed(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True, slots=True)
class CThreshold:
    id: str
    fact: int
    reaches: Decimal
    calendar_year: bool
    kind: str
    term: CTerm | None
    single_event: CTerm | None
    accumulation: CTerm | None
    effect: Text
    cite: Citation

    def term_for(self, single: bool) -> CTerm | None:
        routed = self.single_event if single else self.accumulation
        return routed if routed is not None else self.term


@dataclass(frozen=True, slots=True)
class CPrior:
    id: str
    kind: str  # "at_or_below", "grade_back", "worst_of_last"
    grade: str | None
    cycles: int


def _term(term: Term | None, path: YamlPath, report: Reporter) -> CTerm | None:
    if term is None:
        return None
    if (term.months is None) == (term.years is None):
        report.problem("term-unit", "a term needs exactly one of months, years", path)
        return None
    value = term.months if term.months is not None else term.years
    scale = 1 if term.months is not None else 12
    if isinstance(value, int):
        return CTerm(value * scale, value * scale)
    assert value is not None
    if value.min > value.max:
        report.problem("term-range", "a term's min is above its max", path)
    return CTerm(value.min * scale, value.max * scale)


def compile_thresholds(pack: Pack, report: Reporter, facts: Mapping[str, tuple[int, str]]) -> tuple[CThreshold, ...]:
    """``facts`` maps a fact id to (index, aggregate)."""
    out: list[CThreshold] = []
    seen: set[str] = set()
    for i, t in enumerate(pack.thresholds):
        path: YamlPath = ("thresholds", i)
        report.citation(t.cite, (*path, "cite"))
        if t.id in seen:
            report.problem("duplicate-threshold", f"duplicate threshold id '{t.id}'", (*path, "id"))
        seen.add(t.id)
        fact = facts.get(t.fact)
        if fact is None:
            report.unknown("fact", t.fact, facts, (*path, "fact"))
            continue
        if fact[1] not in ("count", "sum_points", "sum_amount"):
            report.problem(
                "threshold-fact", "a threshold needs a count, sum_points or sum_amount fact", (*path, "fact")
            )
        term = _term(t.term, (*path, "term"), report)
        single = _term(t.single_event, (*path, "single_event"), report)
        accumulation = _term(t.accumulation, (*path, "accumulation"), report)
        if term is None and (single is None or accumulation is None):
            report.problem(
                "threshold-term",
                "a threshold needs a term, or both a single_event and an accumulation term",
                path,
            )
        out.append(
            CThreshold(
                t.id,
                fact[0],
                t.reaches,
                t.accumulate == "calendar_year",
                t.kind,
                term,
                single,
                accumulation,
                t.effect,
                t.cite,
            )
        )
    return tuple(out)


def compile_prior(pack: Pack, report: Reporter, grade_ids: list[str]) -> tuple[CPrior, ...]:
    out: list[CPrior] = []
    for i, p in enumerate(pack.prior):
        path: YamlPath = ("prior", i)
        report.citation(p.cite, (*path, "cite"))
        kinds = [k for k in ("at_or_below", "grade_back", "worst_of_last") if getattr(p, k) is not None]
        if len(kinds) != 1 or (kinds == ["at_or_below"]) != (p.cycles is not None):
            report.problem(
                "prior-kind",
                "a prior name is one of: at_or_below with cycles, grade_back, worst_of_last",
                path,
            )
            continue
        if p.at_or_below is not None and p.at_or_below not in grade_ids:
            report.unknown("grade", p.at_or_below, grade_ids, (*path, "at_or_below"))
            continue
        if kinds == ["at_or_below"]:
            out.append(CPrior(p.id, "at_or_below", p.at_or_below, p.cycles or 0))
        else:
            out.append(CPrior(p.id, kinds[0], None, int(getattr(p, kinds[0]))))
    return tuple(out)


def prior_symbols(priors: tuple[CPrior, ...]) -> dict[str, Symbol]:
    return {
        p.id: Symbol("bool", f"the last {p.cycles} cycles were graded {p.grade} or worse")
        if p.kind == "at_or_below"
        else Symbol("str", f"the {'grade' if p.kind == 'grade_back' else 'worst grade'} of earlier cycles")
        for p in priors
    }
