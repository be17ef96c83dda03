"""Compile a validated pack once: resolve references, check meaning, prepare look-ups.

Everything the engine needs per subject is prepared here, so evaluation touches
only tuples and dictionaries: which facts each record kind feeds, which rules
and exclusions each fact feeds, the grading path of each category, the
measures of each (grade, category), and the compiled expressions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from medcredit.diagnostics.problems import Problem, YamlPath, suggest
from medcredit.history.catalogue import Catalogue, catalogue
from medcredit.history.model import ASSESSMENT_LEVELS, HONOUR_LEVELS, SEVERITIES, SubjectCategory
from medcredit.io.yamlload import Located
from medcredit.pack.dynamic import (
    TABLE_KEYS,
    COverride,
    CScore,
    CWindow,
    compile_condition,
    compile_overrides,
    compile_score,
    compile_windows,
    override_symbols,
    table_key,
    table_rows,
)
from medcredit.pack.expressions import Expression, Symbol
from medcredit.pack.intervals import Interval, parse_interval
from medcredit.pack.memory import (
    TENURE_SYMBOLS,
    CPrior,
    CThreshold,
    compile_prior,
    compile_thresholds,
    days_since_symbols,
    prior_symbols,
)
from medcredit.pack.model import (
    BandSet,
    Citation,
    Document,
    Fact,
    GradingPath,
    Interpretation,
    Measure,
    Pack,
    ScoreRule,
)
from medcredit.pack.property_ids import PROPERTY_IDS
from medcredit.pack.repeats import repeated_entries

_WS = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Text compared for quotations: white space removed (seeds break lines mid-sentence)."""
    return _WS.sub("", text)


#: Names every expression may use besides the pack's own facts.
SUBJECT_SYMBOLS: dict[str, Symbol] = {
    "category": Symbol("str", "the subject's category, e.g. 'retail_pharmacy'"),
    "subject_type": Symbol("str", "'institution' or 'individual'"),
    "cycle": Symbol("number", "the evaluation cycle (year)"),
    "agreement_end_reason": Symbol("str", "reason of a service agreement ended within the cycle, '' if none"),
    "operated_months_in_cycle": Symbol(
        "number",
        "whole months the subject operated in the cycle, by 民法典 第二百零一条: the opening day is not counted "
        "(opened before the cycle: from 1 January), to the cycle's end or the agreement's end",
    ),
    "as_of": Symbol("str", "the evaluation date as YYYY-MM-DD (a calendar-year cycle: its 31 December)"),
    **TENURE_SYMBOLS,
}

_FACT_TYPES: dict[str, Literal["number", "bool"]] = {
    "count": "number",
    "sum_amount": "number",
    "sum_points": "number",
    "any": "bool",
}


@dataclass(frozen=True, slots=True)
class CFact:
    index: int
    id: str
    aggregate: str
    kinds: frozenset[str]
    codes: frozenset[str] | None
    include_managed_clinics: bool
    requires_document: bool
    exclude_codes: frozenset[str] = frozenset()
    where: tuple[tuple[str, frozenset[Any]], ...] = ()
    to_cycle_end: bool = False
    not_before: dt.date | None = None  # records dated earlier are not taken (effective_to_cycle_end)
    within_validity: bool = False  # records dated outside the document's validity are not taken
    filtered: bool = False  # codes or field filters can still refuse a record of the right kind
    in_force: bool = False  # window in_force: records up to the evaluation date still in force on it
    split: str | None = None  # a table rule reads it by this record attribute (severity, level)

    def accepts(self, record: Any) -> bool:
        """Code and field filters (kind, window and documents are checked by the engine)."""
        return self.code_accepts(record) and self.fields_accept(record)

    def code_accepts(self, record: Any) -> bool:
        code = record.code
        if self.codes is not None and code not in self.codes:
            return False
        return code is None or code not in self.exclude_codes

    def fields_accept(self, record: Any) -> bool:
        """``where:`` — each field must equal (one of) the values; a missing field (None) matches nothing."""
        return all(getattr(record, name) in allowed for name, allowed in self.where)


@dataclass(frozen=True, slots=True)
class CTier:
    interval: Interval
    points: Decimal
    low_fen: int | None


@dataclass(frozen=True, slots=True)
class CRule:
    id: str
    fact: int
    sign: int
    mode: Literal["per_occurrence", "once", "tiers", "table", "per_point"]
    points: Decimal
    tiers: tuple[CTier, ...]
    cap: Decimal | None
    cite: Citation
    rows: tuple[tuple[str, Decimal, Citation], ...] = ()  # table: (attribute value, points, citation)


@dataclass(frozen=True, slots=True)
class CBand:
    grade: str
    interval: Interval


@dataclass(frozen=True, slots=True)
class CBandSet:
    id: str
    bands: tuple[CBand, ...]
    cite: Citation
    domain: Interval | None = None

    def grade_for(self, score: Decimal) -> str | None:
        if self.domain is not None and not self.domain.contains(score):
            return None
        for band in self.bands:
            if band.interval.contains(score):
                return band.grade
        return None


@dataclass(frozen=True, slots=True)
class CExclusion:
    id: str
    expression: Expression
    facts: tuple[int, ...]
    uses_agreement: bool
    cite: Citation


@dataclass(frozen=True, slots=True)
class CClass:
    grade: str
    criteria: tuple[int, ...]
    cite: Citation
    while_listed: str | None = None
    expression: Expression | None = None  # a class decided by an expression over facts
    reads: tuple[int, ...] = ()  # facts the expression reads


@dataclass(frozen=True, slots=True)
class CPath:
    id: str
    method: Literal["scorecard", "external_score", "classification"]
    base: Decimal
    rules: tuple[CRule, ...]
    score_fact: int | None
    bands: CBandSet | None
    facts_used: frozenset[int]
    cite: Citation
    classes: tuple[CClass, ...] = ()
    default_grade: str | None = None
    noted: tuple[int, ...] = ()  # facts reported as used that decide no class
    combine: str = "worst"  # classification: "worst" of classes and band, or all must "agree"
    score_spec: CScore | None = None  # rounding, minimum, maximum
    overrides: tuple[COverride, ...] = ()
    # facts whose refusals explain a record to this path's subjects: its own, exclusions', lists'
    relevant: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class CList:
    id: str
    entry: tuple[int, ...]
    removal: int | None
    term: tuple[int, int] | None  # (years, months)
    cite: Citation
    categories: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class CompiledPack:
    """A pack ready for evaluation: an immutable plan holding no mutable state; share it across threads.

    Caches belong to whoever evaluates (:class:`medcredit.engine.evaluation.Evaluator`).
    """

    model: Pack
    source: str
    content_hash: str
    catalogue: Catalogue
    facts: tuple[CFact, ...]
    fact_by_id: dict[str, CFact]
    kind_to_facts: dict[str, tuple[CFact, ...]]
    exclusions: tuple[CExclusion, ...]
    path_by_category: dict[str, CPath]
    roll_up: dict[str, Any]
    grade_order: dict[str, int]
    measures: dict[tuple[str, str], tuple[Measure, ...]]
    bands: dict[str, CBandSet]
    rules: dict[str, ScoreRule]
    lists: tuple[CList, ...] = ()
    uses_operation: bool = False  # some exclusion reads operated_months_in_cycle
    # For the decision cache: a sum fact read only by tiered rules enters the key as the tiers it
    # falls in, not as its amount (amounts are nearly unique); its rule steps are patched after.
    sum_tiers: tuple[tuple[int, tuple[tuple[Interval, ...], ...]], ...] = ()
    raw_sums: tuple[int, ...] = ()
    patch_rules: dict[str, int] = field(default_factory=dict)
    term_measures: dict[str, str] = field(default_factory=dict)  # measure id → list whose entry term ends it
    windows: tuple[CWindow, ...] = ()  # record windows, for facts counting records in force
    cycle_kind: str = "calendar_year"  # or "as_of", "rolling"
    rolling_months: int = 0
    splits: tuple[tuple[int, str], ...] = ()  # (fact index, attribute) read by table rules
    thresholds: tuple[CThreshold, ...] = ()
    priors: tuple[CPrior, ...] = ()
    repair_takes_effect: str | None = None  # "on_grant" or "next_cycle"; None: repairs do not change facts
    measure_conditions: dict[str, Expression] = field(default_factory=dict)
    uses_tenure: bool = False
    days_since: tuple[str, ...] = ()  # record kinds whose days_since_KIND an expression reads

    def grade_label(self, grade: str) -> str:
        for g in self.model.grades:
            if g.id == grade:
                return g.label.zh
        return grade

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def document(self) -> Document:
        return self.model.document

    def article_text(self, article: str) -> str:
        return self.model.document.articles.get(article, "")

    @property
    def interpretations(self) -> list[Interpretation]:
        return self.model.interpretations

    def interpretations_for(self, ref: str) -> list[Interpretation]:
        return [i for i in self.model.interpretations if ref in i.rules]


class _Compiler:
    def __init__(self, pack: Pack, located: Located | None, source: str) -> None:
        self.pack = pack
        self.located = located
        self.source = source
        self.problems: list[Problem] = []
        self.cat = catalogue()
        self.priors = compile_prior(pack, self, [g.id for g in pack.grades])
        self.expressions: list[Expression] = []  # class and override expressions, for what they read

    # -- problem helpers -------------------------------------------------
    def problem(
        self,
        code: str,
        message: str,
        path: YamlPath,
        *,
        suggestion: str | None = None,
        level: str = "error",
    ) -> None:
        if self.located is not None:
            self.problems.append(self.located.problem(code, message, path, suggestion=suggestion, level=level))
        else:
            self.problems.append(
                Problem(
                    code=code,
                    message=message,
                    file=self.source,
                    path=path,
                    suggestion=suggestion,
                    level="warning" if level == "warning" else "error",
                )
            )

    def unknown(self, what: str, name: str, known: Iterable[str], path: YamlPath) -> None:
        known = list(known)
        self.problem(
            f"unknown-{what.replace(' ', '-')}",
            f"unknown {what} '{name}'",
            path,
            suggestion=suggest(name, known),
        )

    # -- checks ----------------------------------------------------------
    def citation(self, cite: Citation | None, path: YamlPath) -> None:
        if cite is None:
            return
        articles = self.pack.document.articles
        text = articles.get(cite.article)
        if text is None:
            self.unknown("article", cite.article, articles, (*path, "article"))
            return
        quote = normalise_text(cite.quote)
        if not quote:
            # "" is in every text: a blank quote would pass the verbatim check while quoting nothing
            self.problem("quote-blank", "the quote is blank: quote the article's words", (*path, "quote"))
        elif quote not in normalise_text(text):
            self.problem(
                "quote-not-in-article",
                f"the quote is not in the text of {cite.article} as registered in "
                "document.articles (quotes must be verbatim)",
                (*path, "quote"),
            )

    def categories(self, names: Iterable[str], path: YamlPath, *, in_pack: bool) -> None:
        valid = {c.value for c in SubjectCategory}
        for i, name in enumerate(names):
            if name not in valid:
                self.unknown("category", name, valid, (*path, i))
            elif in_pack and name not in self.pack.categories:
                self.problem(
                    "category-not-in-pack",
                    f"category '{name}' is not listed in the pack's categories",
                    (*path, i),
                    suggestion=suggest(name, self.pack.categories),
                )

    def compile(self) -> CompiledPack | None:
        pack = self.pack
        doc = pack.document
        if doc.expires is not None and doc.expires < doc.effective:
            self.problem(
                "validity-window",
                "document.expires is before document.effective",
                ("document", "expires"),
            )
        self.citation(pack.validity.cite, ("validity", "cite"))
        self.citation(pack.cycle.cite, ("cycle", "cite"))
        self._repeats()
        self.categories(pack.categories, ("categories",), in_pack=False)
        self._unique([g.id for g in pack.grades], ("grades",), "grade")
        grade_ids = [g.id for g in pack.grades]
        grade_order = {g: i for i, g in enumerate(grade_ids)}

        bands = {name: self._bandset(name, bs, grade_ids) for name, bs in pack.bands.items()}
        self._cycle()
        windows = compile_windows(pack, self, self.cat.record_kinds)
        facts = self._facts()
        fact_by_id = {f.id: f for f in facts}
        rules = self._rules(fact_by_id)
        exclusions = self._exclusions(fact_by_id)
        paths = self._paths(rules, bands, fact_by_id)
        measures = self._measures(grade_ids)
        measure_conditions = self._measure_conditions(fact_by_id)
        thresholds = compile_thresholds(pack, self, {f.id: (f.index, f.aggregate) for f in facts})
        lists = self._lists(fact_by_id)
        self._deadlines()
        self._repair()
        self._exemptions()
        if pack.reports is not None:
            self.citation(pack.reports.cite, ("reports", "cite"))
            known_lists = [x.id for x in pack.lists]
            for j, lid in enumerate(pack.reports.crisis_lists):
                if lid not in known_lists:
                    self.unknown("list", lid, known_lists, ("reports", "crisis_lists", j))
        for i, ru in enumerate(pack.roll_up):
            self.categories([ru.category], ("roll_up", i, "category"), in_pack=True)
            self.citation(ru.cite, ("roll_up", i, "cite"))
        self._interpretations()
        if any(p.level == "error" for p in self.problems):
            return None
        read_by_all = {f for e in exclusions for f in e.facts} | {
            f for x in lists for f in (*x.entry, *(() if x.removal is None else (x.removal,)))
        }
        paths = {c: replace(p, relevant=p.facts_used | read_by_all) for c, p in paths.items()}
        kind_to_facts: dict[str, list[CFact]] = {}
        for f in facts:
            for kind in sorted(f.kinds):
                kind_to_facts.setdefault(kind, []).append(f)
        return CompiledPack(
            model=pack,
            source=self.source,
            content_hash="",
            catalogue=self.cat,
            facts=tuple(facts),
            fact_by_id=fact_by_id,
            kind_to_facts={k: tuple(v) for k, v in kind_to_facts.items()},
            exclusions=tuple(exclusions),
            path_by_category=paths,
            roll_up={r.category: r for r in pack.roll_up},
            grade_order=grade_order,
            measures=measures,
            bands={k: v for k, v in bands.items() if v is not None},
            rules={r.id: r for r in pack.rules},
            lists=tuple(lists),
            **_sum_keying(facts, rules, exclusions),
            uses_operation=any("operated_months_in_cycle" in e.expression.names for e in exclusions),
            term_measures={m.id: m.ends_with_term_of for m in pack.measures if m.ends_with_term_of is not None},
            windows=windows,
            cycle_kind=pack.cycle.kind,
            rolling_months=pack.cycle.months or 0,
            splits=tuple((f.index, f.split) for f in facts if f.split is not None),
            thresholds=thresholds,
            priors=self.priors,
            repair_takes_effect=pack.repair_effect.takes_effect if pack.repair_effect is not None else None,
            measure_conditions=measure_conditions,
            uses_tenure=any(n in TENURE_SYMBOLS for n in self._names_read(exclusions, measure_conditions)),
            days_since=tuple(
                sorted(
                    n.removeprefix("days_since_")
                    for n in self._names_read(exclusions, measure_conditions)
                    if n.startswith("days_since_")
                )
            ),
        )

    def _names_read(self, exclusions: list[CExclusion], conditions: dict[str, Expression]) -> set[str]:
        """Every name an exclusion, override, class or measure expression reads."""
        return {
            n for e in (*(x.expression for x in exclusions), *conditions.values(), *self.expressions) for n in e.names
        }

    def _measure_conditions(self, facts: dict[str, CFact]) -> dict[str, Expression]:
        symbols = {**self._symbols(facts), "grade": Symbol("str", "the grade the subject received")}
        out: dict[str, Expression] = {}
        for i, m in enumerate(self.pack.measures):
            expr = compile_condition(m.when, symbols, ("measures", i, "when"), self)
            if expr is not None:
                out[m.id] = expr
        return out

    def _cycle(self) -> None:
        cycle = self.pack.cycle
        if (cycle.kind == "rolling") != (cycle.months is not None):
            self.problem("cycle-months", "a rolling cycle needs months, and only a rolling cycle has them", ("cycle",))
        if not self.pack.record_windows and any(f.window == "in_force" for f in self.pack.facts):
            self.problem(
                "no-record-windows",
                "facts count records in force but the pack declares no record_windows: only records with their "
                "own publicity_end would ever leave force",
                ("record_windows",),
                level="warning",
            )

    def _repeats(self) -> None:
        """Lists are sets in meaning: a repeated id or name (``rules: [a, a]`` deducts twice) is refused."""
        for repeat in repeated_entries(self.pack):
            self.problem(
                "duplicate-entry",
                f"'{repeat.value}' is listed twice (first at index {repeat.first})",
                repeat.path,
            )
        self._unique([x.id for x in self.pack.linked_consequences], ("linked_consequences",), "linked consequence")
        self._unique([p.id for p in self.pack.prior], ("prior",), "prior")
        rolled: set[str] = set()
        for i, rule in enumerate(self.pack.roll_up):
            if rule.category in rolled:
                self.problem(
                    "duplicate-roll-up", f"category '{rule.category}' is rolled up twice", ("roll_up", i, "category")
                )
            rolled.add(rule.category)

    def _unique(self, ids: list[str], path: YamlPath, what: str) -> None:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                self.problem(f"duplicate-{what.replace(' ', '-')}", f"duplicate {what} id '{ident}'", (*path, i))
            seen.add(ident)

    def _bandset(self, name: str, bs: BandSet, grade_ids: list[str]) -> CBandSet | None:
        base: YamlPath = ("bands", name)
        self.citation(bs.cite, (*base, "cite"))
        out = []
        for i, band in enumerate(bs.bands):
            if band.grade not in grade_ids:
                self.unknown("grade", band.grade, grade_ids, (*base, "bands", i, "grade"))
            out.append(CBand(band.grade, parse_interval(band.range)))
        for problem in interval_overlaps([b.interval for b in out]):
            i, j = problem
            self.problem(
                "band-overlap",
                f"bands {out[i].grade} {out[i].interval} and {out[j].grade} {out[j].interval} overlap",
                (*base, "bands", j, "range"),
            )
        domain = parse_interval(bs.domain) if bs.domain is not None else None
        for gap in interval_gaps([b.interval for b in out]):
            if domain is None or _gap_meets_domain(gap, domain):
                self.problem("band-gap", f"no band covers scores {gap}", (*base, "bands"))
        return CBandSet(name, tuple(out), bs.cite, domain)

    def _facts(self) -> list[CFact]:
        out: list[CFact] = []
        self._unique([f.id for f in self.pack.facts], ("facts",), "fact")
        for i, fact in enumerate(self.pack.facts):
            path: YamlPath = ("facts", i)
            for j, kind in enumerate(fact.match.kinds):
                if kind not in self.cat.record_kinds:
                    self.unknown("record kind", kind, self.cat.record_kinds, (*path, "match", "kinds", j))
            codes = self._codes(fact, path)
            split = self._split(fact)
            for needed in ([split] if split else []) + (["points"] if fact.aggregate == "sum_points" else []):
                for kind in fact.match.kinds:
                    spec = self.cat.record_kinds.get(kind)
                    if spec is not None and needed not in spec.fields:
                        self.problem(
                            "fact-no-field",
                            f"records of kind '{kind}' carry no {needed}",
                            (*path, "match", "kinds"),
                        )
            if fact.aggregate == "sum_amount":
                for kind in fact.match.kinds:
                    spec = self.cat.record_kinds.get(kind)
                    if spec is not None and "amount" not in spec.fields:
                        self.problem(
                            "fact-no-amount",
                            f"records of kind '{kind}' carry no amount",
                            (*path, "aggregate"),
                        )
            self.citation(fact.cite, (*path, "cite"))
            excluded = self._code_refs(fact.match.exclude_codes or [], (*path, "match", "exclude_codes"))
            where: list[tuple[str, frozenset[Any]]] = []
            for name, value in sorted((fact.match.where or {}).items()):
                allowed = value if isinstance(value, list) else [value]
                if name in ("severity", "level"):
                    values = SEVERITIES if name == "severity" else (*ASSESSMENT_LEVELS, *HONOUR_LEVELS)
                    for j, value in enumerate(allowed):
                        if value not in values:
                            self.unknown(name, str(value), values, (*path, "match", "where", name, j))
                if name == "reason":
                    for j, reason in enumerate(allowed):
                        if reason not in self.cat.agreement_end_reasons:
                            self.unknown(
                                "reason",
                                str(reason),
                                self.cat.agreement_end_reasons,
                                (*path, "match", "where", name, j),
                            )
                for kind in fact.match.kinds:
                    spec = self.cat.record_kinds.get(kind)
                    if spec is not None and name not in spec.fields:
                        self.problem(
                            "match-field",
                            f"records of kind '{kind}' have no field '{name}'",
                            (*path, "match", "where", name),
                        )
                where.append((name, frozenset(allowed)))
            out.append(
                CFact(
                    index=i,
                    id=fact.id,
                    aggregate=fact.aggregate,
                    kinds=frozenset(fact.match.kinds),
                    codes=codes,
                    include_managed_clinics=fact.include_managed_clinics,
                    requires_document=fact.requires_document,
                    exclude_codes=excluded,
                    where=tuple(where),
                    to_cycle_end=fact.window in ("to_cycle_end", "effective_to_cycle_end"),
                    not_before=self.pack.document.effective if fact.window == "effective_to_cycle_end" else None,
                    within_validity=fact.within_validity,
                    filtered=codes is not None or bool(excluded) or bool(where),
                    in_force=fact.window == "in_force",
                    split=split,
                )
            )
        return out

    def _split(self, fact: Fact) -> str | None:
        """The attribute the first table rule over this fact is keyed by (conflicts: see _rules)."""
        for rule in self.pack.rules:
            if rule.fact == fact.id and rule.table:
                for row in rule.table:
                    for key in TABLE_KEYS:
                        if getattr(row, key) is not None:
                            return key
        return None

    def _codes(self, fact: Fact, path: YamlPath) -> frozenset[str] | None:
        if fact.match.codes is None:
            return None
        return self._code_refs(fact.match.codes, (*path, "match", "codes"))

    def _code_refs(self, refs: list[str], path: YamlPath) -> frozenset[str]:
        codes: set[str] = set()
        for j, ref in enumerate(refs):
            where = (*path, j)
            if ref.startswith("group:"):
                group = ref.removeprefix("group:")
                if group not in self.cat.groups:
                    self.unknown("code group", group, self.cat.groups, where)
                    continue
                codes |= self.cat.groups[group]
            elif ref not in self.cat.violations:
                self.unknown("violation code", ref, self.cat.violations, where)
            else:
                codes.add(ref)
        return frozenset(codes)

    def _rules(self, facts: dict[str, CFact]) -> dict[str, CRule]:
        out: dict[str, CRule] = {}
        self._unique([r.id for r in self.pack.rules], ("rules",), "rule")
        for i, rule in enumerate(self.pack.rules):
            path: YamlPath = ("rules", i)
            self.citation(rule.cite, (*path, "cite"))
            fact = facts.get(rule.fact)
            if fact is None:
                self.unknown("fact", rule.fact, facts, (*path, "fact"))
                continue
            modes = [
                m for m in ("per_occurrence", "once", "tiers", "table", "per_point") if getattr(rule, m) is not None
            ]
            if len(modes) != 1:
                self.problem(
                    "rule-mode", "a rule needs exactly one of per_occurrence, once, tiers, table, per_point", path
                )
                continue
            mode = modes[0]
            rows: tuple[tuple[str, Decimal, Citation], ...] = ()
            if mode == "table":
                key = table_key(rule, path, self)
                if key is not None and key != fact.split:
                    self.problem(
                        "table-keys",
                        f"fact '{fact.id}' is already read by severity or level in another way; one fact, one key",
                        (*path, "table"),
                    )
                if key is not None:
                    rows = table_rows(rule, key)
                if fact.aggregate != "count":
                    self.problem("rule-fact-type", "a table needs a count fact", (*path, "fact"))
            if mode == "per_point" and fact.aggregate != "sum_points":
                self.problem("rule-fact-type", "per_point needs a sum_points fact", (*path, "fact"))
            if mode == "per_occurrence" and fact.aggregate != "count":
                self.problem("rule-fact-type", "per_occurrence needs a count fact", (*path, "fact"))
            if mode == "tiers" and fact.aggregate not in ("count", "sum_amount", "sum_points"):
                self.problem("rule-fact-type", "tiers need a count, sum_amount or sum_points fact", (*path, "fact"))
            if fact.aggregate == "value":
                self.problem("rule-fact-type", "a value fact cannot drive a scorecard rule", (*path, "fact"))
            tiers: list[CTier] = []
            for tier in rule.tiers or []:
                interval = parse_interval(tier.range)
                tiers.append(CTier(interval, tier.points, None))
            for a, b in interval_overlaps([t.interval for t in tiers]):
                self.problem(
                    "tier-overlap",
                    f"tiers {tiers[a].interval} and {tiers[b].interval} overlap",
                    (*path, "tiers", b, "range"),
                )
            points = next((p for p in (rule.per_occurrence, rule.once, rule.per_point) if p is not None), None)
            out[rule.id] = CRule(
                id=rule.id,
                fact=fact.index,
                sign=-1 if rule.effect == "deduct" else 1,
                mode=mode,  # type: ignore[arg-type]
                points=points if points is not None else Decimal(0),
                tiers=tuple(tiers),
                cap=rule.cap,
                cite=rule.cite,
                rows=rows,
            )
        return out

    def _symbols(self, facts: dict[str, CFact]) -> dict[str, Symbol]:
        symbols = dict(SUBJECT_SYMBOLS)
        for fact in facts.values():
            kind = _FACT_TYPES.get(fact.aggregate)
            if kind is not None:
                symbols[fact.id] = Symbol(kind, f"fact {fact.id}")
        for spec in self.pack.lists:
            symbols[f"listed_{spec.id}"] = Symbol("bool", f"the subject is on list {spec.id} at the evaluation date")
        symbols.update(prior_symbols(self.priors))
        symbols.update(days_since_symbols(self.cat.record_kinds))
        return symbols

    def _exclusions(self, facts: dict[str, CFact]) -> list[CExclusion]:
        symbols = self._symbols(facts)
        out = []
        self._unique([e.id for e in self.pack.exclusions], ("exclusions",), "exclusion")
        for i, exc in enumerate(self.pack.exclusions):
            path: YamlPath = ("exclusions", i)
            self.citation(exc.cite, (*path, "cite"))
            expr = compile_condition(exc.when, symbols, (*path, "when"), self)
            if expr is None:
                continue
            used = tuple(facts[n].index for n in expr.names if n in facts)
            uses_agreement = bool({"agreement_end_reason", "operated_months_in_cycle"} & set(expr.names))
            out.append(CExclusion(exc.id, expr, used, uses_agreement, exc.cite))
        return out

    def _paths(
        self,
        rules: dict[str, CRule],
        bands: dict[str, CBandSet | None],
        facts: dict[str, CFact],
    ) -> dict[str, CPath]:
        by_category: dict[str, CPath] = {}
        self._unique([p.id for p in self.pack.paths], ("paths",), "path")
        for i, gp in enumerate(self.pack.paths):
            path: YamlPath = ("paths", i)
            compiled = self._path(gp, path, rules, bands, facts)
            self.categories(gp.categories, (*path, "categories"), in_pack=True)
            for j, cat in enumerate(gp.categories):
                if cat in by_category:
                    self.problem(
                        "category-two-paths",
                        f"category '{cat}' already has path '{by_category[cat].id}'",
                        (*path, "categories", j),
                    )
                elif compiled is not None:
                    by_category[cat] = compiled
        return by_category

    def _path(
        self,
        gp: GradingPath,
        path: YamlPath,
        rules: dict[str, CRule],
        bands: dict[str, CBandSet | None],
        facts: dict[str, CFact],
    ) -> CPath | None:
        self.citation(gp.cite, (*path, "cite"))
        bandset: CBandSet | None = None
        if gp.bands is not None:
            bandset = bands.get(gp.bands)
            if gp.bands not in bands:
                self.unknown("band set", gp.bands, bands, (*path, "bands"))
        elif gp.method != "classification":
            self.problem("path-bands", f"a {gp.method} path needs bands", path)
        path_rules: list[CRule] = []
        for j, rid in enumerate(gp.rules):
            if rid not in rules:
                if rid not in {r.id for r in self.pack.rules}:  # a declared but broken rule is reported there
                    self.unknown("rule", rid, rules, (*path, "rules", j))
            else:
                path_rules.append(rules[rid])
        if gp.method != "scorecard" and gp.rules:
            self.problem("path-rules", f"a {gp.method} path takes no rules", (*path, "rules"))
        if gp.method != "classification" and (gp.classes or gp.default_grade):
            self.problem("path-classes", "classes and default_grade are for classification paths", path)
        if gp.method == "scorecard" and gp.base is None:
            self.problem("path-base", "a scorecard path needs a base score", path)
        score_fact = self._score_fact(gp, path, facts)
        if gp.method == "classification" and (score_fact is None) != (gp.bands is None):
            self.problem("path-bands", "a classification path takes score_fact and bands together", path)
        classes = self._classes(gp, path, facts)
        if gp.method == "classification" and gp.combine == "worst" and gp.default_grade is None:
            self.problem("path-default-grade", "a classification path needs default_grade", path)
        if gp.combine == "agree" and gp.default_grade is not None:
            self.problem(
                "path-default-grade", "combine: agree has no default grade (nothing supplied: not evaluable)", path
            )
        grade_ids = [g.id for g in self.pack.grades]
        if gp.default_grade is not None and gp.default_grade not in grade_ids:
            self.unknown("grade", gp.default_grade, grade_ids, (*path, "default_grade"))
        score_spec = compile_score(gp, path, self)
        if score_spec is not None and bandset is not None:
            self._clamp_in_bands(score_spec, bandset, path)
        has_score = gp.method != "classification" or score_fact is not None
        overrides = compile_overrides(
            gp,
            path,
            self,
            override_symbols(self._symbols(facts), has_score),
            {f.id: f.index for f in facts.values()},
            grade_ids,
        )
        self.expressions.extend(o.expression for o in overrides)
        if bandset is None and gp.method != "classification":
            return None
        used = {r.fact for r in path_rules}
        for ov in overrides:
            used.update(ov.facts)
        if score_fact is not None:
            used.add(score_fact)
        for cls in classes:
            used.update(cls.criteria)
            used.update(cls.reads)
        noted = self._noted(gp, path, facts)
        used.update(noted)
        return CPath(
            id=gp.id,
            method=gp.method,
            base=gp.base if gp.base is not None else Decimal(0),
            rules=tuple(path_rules),
            score_fact=score_fact,
            bands=bandset,
            facts_used=frozenset(used),
            cite=gp.cite,
            classes=tuple(classes),
            default_grade=gp.default_grade,
            noted=noted,
            combine=gp.combine,
            score_spec=score_spec,
            overrides=overrides,
        )

    def _clamp_in_bands(self, spec: CScore, bands: CBandSet, path: YamlPath) -> None:
        """The minimum and maximum a score is kept within must themselves be gradable."""
        for name, bound in (("min", spec.minimum), ("max", spec.maximum)):
            if bound is not None and bands.grade_for(bound) is None:
                self.problem(
                    "score-clamp-bands",
                    f"score.{name} {bound} falls in no band of '{bands.id}': a score kept at it could not be graded",
                    (*path, "score", name),
                )

    def _score_fact(self, gp: GradingPath, path: YamlPath, facts: dict[str, CFact]) -> int | None:
        """The index of the value fact that supplies the path's score, if it takes one."""
        if gp.score_fact is None:
            if gp.method == "external_score":
                self.problem("path-score-fact", "an external_score path needs score_fact", path)
            return None
        if gp.method == "scorecard":
            self.problem("path-score-fact", "a scorecard path computes its own score", (*path, "score_fact"))
        elif gp.score_fact not in facts:
            self.unknown("fact", gp.score_fact, facts, (*path, "score_fact"))
        elif facts[gp.score_fact].aggregate != "value":
            self.problem("path-score-fact", "score_fact must be a value fact", (*path, "score_fact"))
        else:
            return facts[gp.score_fact].index
        return None

    def _noted(self, gp: GradingPath, path: YamlPath, facts: dict[str, CFact]) -> tuple[int, ...]:
        if gp.noted and gp.method != "classification":
            self.problem("path-noted", "noted facts are for classification paths", (*path, "noted"))
        out: list[int] = []
        for j, fid in enumerate(gp.noted):
            if fid not in facts:
                self.unknown("fact", fid, facts, (*path, "noted", j))
            else:
                out.append(facts[fid].index)
        return tuple(out)

    def _classes(self, gp: GradingPath, path: YamlPath, facts: dict[str, CFact]) -> list[CClass]:
        grade_ids = [g.id for g in self.pack.grades]
        out: list[CClass] = []
        for k, cls in enumerate(gp.classes):
            where: YamlPath = (*path, "classes", k)
            self.citation(cls.cite, (*where, "cite"))
            if cls.grade not in grade_ids:
                self.unknown("grade", cls.grade, grade_ids, (*where, "grade"))
            if not cls.criteria and cls.when is None:
                self.problem("class-criteria", "a class needs criteria or a when expression", where)
            expr = compile_condition(cls.when, self._symbols(facts), (*where, "when"), self)
            if expr is not None:
                self.expressions.append(expr)
            indices = []
            for j, fid in enumerate(cls.criteria):
                fact = facts.get(fid)
                if fact is None:
                    self.unknown("fact", fid, facts, (*where, "criteria", j))
                elif fact.aggregate not in ("any", "count"):
                    self.problem("criterion-fact", "a criterion must be an any or count fact", (*where, "criteria", j))
                else:
                    indices.append(fact.index)
            if cls.while_listed is not None and cls.while_listed not in {x.id for x in self.pack.lists}:
                self.unknown("list", cls.while_listed, [x.id for x in self.pack.lists], (*where, "while_listed"))
            reads = tuple(facts[n].index for n in (expr.names if expr is not None else ()) if n in facts)
            out.append(CClass(cls.grade, tuple(indices), cls.cite, cls.while_listed, expr, reads))
        return out

    def _exemptions(self) -> None:
        for i, ex in enumerate(self.pack.property_exemptions):
            if ex.property not in PROPERTY_IDS:
                self.unknown("property", ex.property, PROPERTY_IDS, ("property_exemptions", i, "property"))
            self.citation(ex.cite, ("property_exemptions", i, "cite"))

    def _deadlines(self) -> None:
        ids = [d.id for d in self.pack.deadlines]
        self._unique(ids, ("deadlines",), "deadline")
        for i, d in enumerate(self.pack.deadlines):
            path: YamlPath = ("deadlines", i)
            self.citation(d.cite, (*path, "cite"))
            units = [u for u in ("working_days", "months", "years") if getattr(d, u) is not None]
            if len(units) != 1:
                self.problem("deadline-unit", "a deadline needs exactly one of working_days, months, years", path)
            if d.follows is not None and d.follows not in ids:
                self.unknown("deadline", d.follows, ids, (*path, "follows"))
            if d.follows == d.id:
                self.problem("deadline-cycle", "a deadline cannot follow itself", (*path, "follows"))

    def _repair(self) -> None:
        list_ids = [x.id for x in self.pack.lists]
        self._unique([r.id for r in self.pack.repair], ("repair",), "repair route")
        for i, route in enumerate(self.pack.repair):
            path: YamlPath = ("repair", i)
            self.citation(route.cite, (*path, "cite"))
            for j, kind in enumerate(route.applies_to.kinds):
                if kind not in self.cat.record_kinds:
                    self.unknown("record kind", kind, self.cat.record_kinds, (*path, "applies_to", "kinds", j))
            self._code_refs(route.applies_to.codes or [], (*path, "applies_to", "codes"))
            self._code_refs(route.applies_to.exclude_codes or [], (*path, "applies_to", "exclude_codes"))
            if route.listed_on is not None and route.listed_on not in list_ids:
                self.unknown("list", route.listed_on, list_ids, (*path, "listed_on"))
            self._unique([c.id for c in route.conditions], (*path, "conditions"), "condition")
            for j, cond in enumerate(route.conditions):
                where: YamlPath = (*path, "conditions", j)
                self.citation(cond.cite, (*where, "cite"))
                if cond.check == "waiting" and (
                    cond.waiting is None or (cond.waiting.months is None) == (cond.waiting.years is None)
                ):
                    self.problem("repair-waiting", "a waiting condition needs waiting with months or years", where)
                if cond.check in ("record_after", "no_repeat", "no_later", "no_later_heavier") and not cond.kinds:
                    self.problem("repair-kinds", f"a {cond.check} condition needs kinds", where)
                for k, kind in enumerate(cond.kinds):
                    if kind not in self.cat.record_kinds:
                        self.unknown("record kind", kind, self.cat.record_kinds, (*where, "kinds", k))
                if cond.check == "not_listed" and cond.on_list not in list_ids:
                    self.unknown("list", str(cond.on_list), list_ids, (*where, "on_list"))
                if cond.check == "declared" and cond.declaration is None:
                    self.problem("repair-declaration", "a declared condition needs a declaration id", where)
                if cond.check == "no_recent_revocation" and cond.years is None:
                    self.problem("repair-years", "no_recent_revocation needs years", where)

    def _lists(self, facts: dict[str, CFact]) -> list[CList]:
        out: list[CList] = []
        self._unique([x.id for x in self.pack.lists], ("lists",), "list")
        for i, spec in enumerate(self.pack.lists):
            path: YamlPath = ("lists", i)
            self.citation(spec.cite, (*path, "cite"))
            entry = []
            for j, fid in enumerate(spec.entry):
                if fid not in facts:
                    self.unknown("fact", fid, facts, (*path, "entry", j))
                else:
                    entry.append(facts[fid].index)
            removal = None
            if spec.removal is not None:
                if spec.removal not in facts:
                    self.unknown("fact", spec.removal, facts, (*path, "removal"))
                else:
                    removal = facts[spec.removal].index
            term = None
            if spec.term is not None:
                term = (spec.term.get("years", 0), spec.term.get("months", 0))
            if spec.categories is not None:
                self.categories(spec.categories, (*path, "categories"), in_pack=True)
            cats = frozenset(spec.categories) if spec.categories is not None else None
            out.append(CList(spec.id, tuple(entry), removal, term, spec.cite, cats))
        list_ids = {x.id for x in self.pack.lists}
        for i, lc in enumerate(self.pack.linked_consequences):
            self.citation(lc.cite, ("linked_consequences", i, "cite"))
            if lc.on_list not in list_ids:
                self.unknown("list", lc.on_list, list_ids, ("linked_consequences", i, "on_list"))
        for i, disc in enumerate(self.pack.disclosure):
            self.citation(disc.cite, ("disclosure", i, "cite"))
            for j, lid in enumerate(disc.lists):
                if lid not in list_ids:
                    self.unknown("list", lid, list_ids, ("disclosure", i, "lists", j))
        return out

    def _measures(self, grade_ids: list[str]) -> dict[tuple[str, str], tuple[Measure, ...]]:
        table: dict[tuple[str, str], list[Measure]] = {}
        self._unique([m.id for m in self.pack.measures], ("measures",), "measure")
        for i, m in enumerate(self.pack.measures):
            path: YamlPath = ("measures", i)
            self.citation(m.cite, (*path, "cite"))
            self.categories(m.categories, (*path, "categories"), in_pack=True)
            if (m.grades is None) == (m.grades_below is None):
                self.problem("measure-grades", "a measure needs exactly one of grades, grades_below", path)
                continue
            if m.grades_below is not None:
                if m.grades_below not in grade_ids:
                    self.unknown("grade", m.grades_below, grade_ids, (*path, "grades_below"))
                    continue
                grades = grade_ids[grade_ids.index(m.grades_below) + 1 :]
            else:
                grades = list(m.grades or [])
                for j, g in enumerate(grades):
                    if g not in grade_ids:
                        self.unknown("grade", g, grade_ids, (*path, "grades", j))
            if m.ends_with_term_of is not None and m.ends_with_term_of not in {x.id for x in self.pack.lists}:
                self.unknown("list", m.ends_with_term_of, [x.id for x in self.pack.lists], (*path, "ends_with_term_of"))
            for g in grades:
                for cat in m.categories:
                    table.setdefault((g, cat), []).append(m)
        return {k: tuple(v) for k, v in table.items()}

    def _interpretations(self) -> None:
        pack = self.pack
        known = (
            {r.id for r in pack.rules}
            | {f.id for f in pack.facts}
            | {e.id for e in pack.exclusions}
            | {p.id for p in pack.paths}
            | set(pack.bands)
            | {m.id for m in pack.measures}
            | {r.category for r in pack.roll_up}
            | {x.id for x in pack.lists}
            | {x.id for x in pack.linked_consequences}
            | {x.id for x in pack.deadlines}
            | {x.id for x in pack.repair}
            | {t.id for t in pack.thresholds}
            | {w.id for w in pack.record_windows}
            | {x.id for x in pack.prior}
            | {o.id for p in pack.paths for o in p.overrides}
        )
        self._unique([i.id for i in pack.interpretations], ("interpretations",), "interpretation")
        for i, interp in enumerate(pack.interpretations):
            for j, ref in enumerate(interp.rules):
                if ref not in known:
                    self.unknown("rule", ref, known, ("interpretations", i, "rules", j))


def _sum_keying(facts: list[CFact], rules: dict[str, CRule], exclusions: list[CExclusion]) -> dict[str, Any]:
    """How each sum fact enters the engine's decision-cache key (see CompiledPack.sum_tiers)."""
    in_expressions = {f for e in exclusions for f in e.facts}
    tiers: list[tuple[int, tuple[tuple[Interval, ...], ...]]] = []
    raw: list[int] = []
    patch: dict[str, int] = {}
    for fact in facts:
        if fact.aggregate == "sum_points":
            raw.append(fact.index)  # points are few and small: the sum itself is the key
            continue
        if fact.aggregate != "sum_amount":
            continue
        readers = [r for r in rules.values() if r.fact == fact.index]
        if fact.index in in_expressions or any(r.mode != "tiers" for r in readers):
            raw.append(fact.index)
            continue
        tiers.append((fact.index, tuple(tuple(t.interval for t in r.tiers) for r in readers)))
        patch.update({r.id: fact.index for r in readers})
    return {"sum_tiers": tuple(tiers), "raw_sums": tuple(raw), "patch_rules": patch}


def _gap_meets_domain(gap: str, domain: Interval) -> bool:
    """Whether a gap (as rendered by :func:`interval_gaps`) shares a point with the domain."""
    return _overlap(parse_interval(gap), domain)


def interval_overlaps(intervals: list[Interval]) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of intervals that share at least one point."""
    out = []
    for i in range(len(intervals)):
        for j in range(i + 1, len(intervals)):
            if _overlap(intervals[i], intervals[j]):
                out.append((i, j))
    return out


def _overlap(a: Interval, b: Interval) -> bool:
    # a ends before b starts, or b ends before a starts → disjoint
    return not (_ends_before(a, b) or _ends_before(b, a))


def _ends_before(a: Interval, b: Interval) -> bool:
    if a.high is None or b.low is None:
        return False
    if a.high < b.low:
        return True
    return a.high == b.low and not (a.high_inclusive and b.low_inclusive)


def interval_gaps(intervals: list[Interval]) -> list[str]:
    """Uncovered stretches of the real line, described as text (empty when covered)."""
    if not intervals:
        return ["(-inf, +inf)"]
    ordered = sorted(
        intervals,
        key=lambda iv: (Decimal("-Infinity") if iv.low is None else iv.low, not iv.low_inclusive),
    )
    gaps: list[str] = []
    first = ordered[0]
    if first.low is not None:
        gaps.append(f"(-inf, {first.low}{')' if first.low_inclusive else ']'}")
    reach, reach_inclusive = first.high, first.high_inclusive
    for iv in ordered[1:]:
        if reach is None:
            break
        if iv.low is None:
            # starts at -inf too: it can only extend how far the covered part reaches
            if iv.high is None or iv.high > reach or (iv.high == reach and iv.high_inclusive):
                reach, reach_inclusive = iv.high, iv.high_inclusive
            if reach is None:
                break
            continue
        if iv.low > reach or (iv.low == reach and not reach_inclusive and not iv.low_inclusive):
            left = "(" if reach_inclusive else "["
            right = ")" if iv.low_inclusive else "]"
            gaps.append(f"{left}{reach}, {iv.low}{right}")
        if iv.high is None:
            reach = None
            break
        if iv.high > reach or (iv.high == reach and iv.high_inclusive):
            reach, reach_inclusive = iv.high, iv.high_inclusive
    if reach is not None:
        gaps.append(f"{'(' if reach_inclusive else '['}{reach}, +inf)")
    return gaps


def compile_pack(pack: Pack, located: Located | None, source: str) -> tuple[CompiledPack | None, list[Problem]]:
    compiler = _Compiler(pack, located, source)
    compiled = compiler.compile()
    return compiled, compiler.problems
