"""Compiling the constructs of dynamic, points-based rule sets.

Record windows (how long a record counts), score tables keyed by a record's
severity or honour level, score arithmetic (rounding, minimum, maximum) and
overrides taken after scoring.  The compiler in :mod:`medcredit.pack.compiled`
calls these functions and owns the problems they report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any, Protocol

from medcredit.diagnostics.errors import ExpressionError
from medcredit.diagnostics.problems import YamlPath
from medcredit.history.model import HONOUR_LEVELS, SEVERITIES
from medcredit.pack.expressions import Expression, Symbol, compile_expression
from medcredit.pack.model import Citation, GradingPath, Pack, RecordWindow, ScoreRule

#: The attributes a score table may be keyed by, and every value each can take.
TABLE_KEYS: dict[str, tuple[str, ...]] = {"severity": SEVERITIES, "level": HONOUR_LEVELS}

_ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}


class Reporter(Protocol):
    """What the compiler offers these functions: located problems and citation checks."""

    def problem(
        self, code: str, message: str, path: YamlPath, *, suggestion: str | None = None, level: str = "error"
    ) -> None: ...

    def citation(self, cite: Citation | None, path: YamlPath) -> None: ...

    def unknown(self, what: str, name: str, known: Iterable[str], path: YamlPath) -> None: ...


@dataclass(frozen=True, slots=True)
class CWindow:
    """A declared record window (see :class:`medcredit.pack.model.RecordWindow`)."""

    id: str
    kinds: frozenset[str] | None
    severity: str | None
    years: int
    months: int
    from_publicity: bool
    cite: Citation

    def fits(self, record: Any) -> bool:
        if self.kinds is not None and record.kind not in self.kinds:
            return False
        return self.severity is None or record.severity == self.severity


@dataclass(frozen=True, slots=True)
class CScore:
    """How a path finishes its score: rounding first, then the minimum and maximum."""

    minimum: Decimal | None
    maximum: Decimal | None
    quantum: Decimal | None
    rounding: str
    missing_not_evaluable: bool
    cite: Citation | None

    def finish(self, score: Decimal) -> Decimal:
        if self.quantum is not None:
            score = score.quantize(self.quantum, rounding=_ROUNDING[self.rounding])
        if self.maximum is not None and score > self.maximum:
            score = self.maximum
        if self.minimum is not None and score < self.minimum:
            score = self.minimum
        if self.quantum is not None:  # a bound written as 100 is shown with the places too: 100.00
            score = score.quantize(self.quantum)
        return score

    @property
    def changes_scores(self) -> bool:
        return self.quantum is not None or self.minimum is not None or self.maximum is not None


@dataclass(frozen=True, slots=True)
class COverride:
    id: str
    expression: Expression
    grade: str | None
    score: Decimal | None
    best: str | None
    worst: str | None
    facts: tuple[int, ...]
    cite: Citation

    @property
    def final(self) -> bool:
        """Fixing the grade or the score ends the overrides."""
        return self.grade is not None or self.score is not None


def compile_windows(pack: Pack, report: Reporter, record_kinds: Mapping[str, Any]) -> tuple[CWindow, ...]:
    out: list[CWindow] = []
    seen: set[str] = set()
    for i, window in enumerate(pack.record_windows):
        path: YamlPath = ("record_windows", i)
        if window.id in seen:
            report.problem("duplicate-window", f"duplicate record window id '{window.id}'", (*path, "id"))
        seen.add(window.id)
        report.citation(window.cite, (*path, "cite"))
        if (window.months is None) == (window.years is None):
            report.problem("window-unit", "a record window needs exactly one of months, years", path)
        for j, kind in enumerate(window.kinds or ()):
            if kind not in record_kinds:
                report.unknown("record kind", kind, record_kinds, (*path, "kinds", j))
        _shadowed(pack.record_windows, i, window, report)
        out.append(
            CWindow(
                window.id,
                frozenset(window.kinds) if window.kinds is not None else None,
                window.severity,
                window.years or 0,
                window.months or 0,
                window.start == "publicity_start",
                window.cite,
            )
        )
    return tuple(out)


def _shadowed(windows: list[RecordWindow], i: int, window: RecordWindow, report: Reporter) -> None:
    """A window no record can reach, because an earlier one takes every record it would."""
    for earlier in windows[:i]:
        kinds_covered = earlier.kinds is None or (window.kinds is not None and set(window.kinds) <= set(earlier.kinds))
        severity_covered = earlier.severity is None or earlier.severity == window.severity
        if kinds_covered and severity_covered:
            report.problem(
                "window-shadowed",
                f"record window '{window.id}' is never used: '{earlier.id}' comes first and takes every record "
                "it would (put the more specific window first)",
                ("record_windows", i),
            )
            return


def table_key(rule: ScoreRule, path: YamlPath, report: Reporter) -> str | None:
    """The attribute a table rule is keyed by, after checking its rows."""
    assert rule.table is not None
    keys: set[str] = set()
    seen: set[str] = set()
    for j, row in enumerate(rule.table):
        where: YamlPath = (*path, "table", j)
        report.citation(row.cite, (*where, "cite"))
        given = [k for k in TABLE_KEYS if getattr(row, k) is not None]
        if len(given) != 1:
            report.problem("table-row", "a table row needs exactly one of severity, level", where)
            continue
        keys.add(given[0])
        value = str(getattr(row, given[0]))
        if value in seen:
            report.problem("table-row-twice", f"two rows for {given[0]} '{value}'", where)
        seen.add(value)
    if len(keys) != 1:
        if len(keys) > 1:
            report.problem("table-keys", "all rows of a table are keyed by the same attribute", (*path, "table"))
        return None
    key = keys.pop()
    missing = [v for v in TABLE_KEYS[key] if v not in seen]
    if missing:
        report.problem(
            "table-incomplete",
            f"the table has no row for {key} {', '.join(missing)}: add the rows (points: 0 where the rules "
            "give nothing) so that no record goes unscored silently",
            (*path, "table"),
        )
    return key


def table_rows(rule: ScoreRule, key: str) -> tuple[tuple[str, Decimal, Citation], ...]:
    assert rule.table is not None
    return tuple((str(getattr(row, key)), row.points, row.cite) for row in rule.table if getattr(row, key) is not None)


def compile_score(gp: GradingPath, path: YamlPath, report: Reporter) -> CScore | None:
    spec = gp.score
    if spec is None:
        return None
    where: YamlPath = (*path, "score")
    report.citation(spec.cite, (*where, "cite"))
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        report.problem("score-clamp", "score.min is above score.max", (*where, "min"))
    if spec.missing is not None and not (gp.method == "classification" and gp.score_fact is not None):
        report.problem(
            "score-missing",
            "score.missing is for classification paths that take a supplied score (score_fact); "
            "an external_score path without a score is always not evaluable",
            (*where, "missing"),
        )
    quantum = Decimal(1).scaleb(-spec.rounding.places) if spec.rounding is not None else None
    return CScore(
        spec.min,
        spec.max,
        quantum,
        spec.rounding.mode if spec.rounding is not None else "half_up",
        spec.missing == "not_evaluable",
        spec.cite,
    )


def compile_condition(
    source: str | None, symbols: Mapping[str, Symbol], path: YamlPath, report: Reporter
) -> Expression | None:
    if source is None:
        return None
    try:
        return compile_expression(source, symbols, want="bool")
    except ExpressionError as err:
        report.problem("expression", getattr(err, "bare", str(err)), path, suggestion=getattr(err, "suggestion", None))
        return None


def override_symbols(base: Mapping[str, Symbol], has_score: bool) -> dict[str, Symbol]:
    symbols = dict(base)
    symbols["grade"] = Symbol("str", "the grade reached before this override ('' when none)")
    if has_score:
        symbols["score"] = Symbol("number", "the score reached before this override")
    return symbols


def compile_overrides(
    gp: GradingPath,
    path: YamlPath,
    report: Reporter,
    symbols: Mapping[str, Symbol],
    fact_index: Mapping[str, int],
    grade_ids: list[str],
) -> tuple[COverride, ...]:
    out: list[COverride] = []
    seen: set[str] = set()
    final_before: str | None = None
    grade_only_before: str | None = None
    for k, ov in enumerate(gp.overrides):
        where: YamlPath = (*path, "overrides", k)
        report.citation(ov.cite, (*where, "cite"))
        if ov.id in seen:
            report.problem("duplicate-override", f"duplicate override id '{ov.id}'", (*where, "id"))
        seen.add(ov.id)
        actions = [a for a in ("grade", "score", "best", "worst") if getattr(ov, a) is not None]
        if not actions or (len(actions) > 1 and set(actions) != {"grade", "score"}):
            report.problem(
                "override-action",
                "an override does one thing: fix grade and/or score, or set best, or set worst",
                where,
            )
        for field in ("grade", "best", "worst"):
            value = getattr(ov, field)
            if value is not None and value not in grade_ids:
                report.unknown("grade", value, grade_ids, (*where, field))
        if ov.score is not None and ov.grade is None and gp.bands is None:
            report.problem("override-score", "fixing only the score needs bands to grade it", (*where, "score"))
        if final_before is not None:
            report.problem(
                "override-unreachable",
                f"override '{ov.id}' can apply only when '{final_before}' did not: that one always fixes the "
                "grade, so this one is never reached",
                where,
                level="warning",
            )
        if ov.score is not None and grade_only_before is not None:
            report.problem(
                "override-order",
                f"override '{ov.id}' fixes the score but comes after '{grade_only_before}', which fixes only the grade "
                "and ends the overrides: a subject meeting both keeps its computed score, so meeting the other "
                "condition too can improve it (put the override that fixes the score first)",
                where,
                level="warning",
            )
        if ov.grade is not None and ov.score is None and grade_only_before is None:
            grade_only_before = ov.id
        expr = compile_condition(ov.when, symbols, (*where, "when"), report)
        if expr is None:
            continue
        if (ov.grade is not None or ov.score is not None) and expr.source in ("True", "true"):
            final_before = ov.id
        facts = tuple(fact_index[n] for n in expr.names if n in fact_index)
        out.append(COverride(ov.id, expr, ov.grade, ov.score, ov.best, ov.worst, facts, ov.cite))
    return tuple(out)
