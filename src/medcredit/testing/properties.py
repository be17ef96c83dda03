"""Generic properties every pack must satisfy, each a plain function.

Each ``check_*`` function takes a compiled pack and concrete inputs, returns
``True`` when the property was checked and held, ``False`` when it did not
apply to these inputs (e.g. the status changed, so grades are not comparable,
or the pack exempts the property), and raises :class:`PropertyViolationError` (an
``AssertionError``) when it does not hold.  The message says what went wrong
and carries the counterexample as ready-to-paste pack-test cases (the format of
:mod:`medcredit.packtests.runner`).

The properties (ids in brackets; :data:`medcredit.testing.PROPERTIES` lists them):

* monotonicity — adding an untrustworthy record never improves the grade or the
  score [``monotonic_untrustworthy``]; adding a trustworthy record never worsens
  them [``monotonic_trustworthy``]; a larger amount never lowers a deduction
  [``monotonic_amount``].  Grades compare by the pack's grade order (first is
  best); scores by the direction of the band set (higher is better when the best
  grade's band lies above the worst's).  Only two *graded* results are compared:
  an added record may trigger an exclusion or lift one (Wushan evaluates only
  inspected subjects, and an on-site recovery shows an inspection), and an
  excluded or not-evaluable result has no grade to compare.
* accounting — the points of the rule steps add up from the base to the score,
  each running total is the previous one plus the step's points, and each rule's
  points agree with its declared points, count and cap [``accounting``]; every
  input record appears in the trace exactly once, used by named pack elements
  or not applicable with a known reason [``trace_records``].
* bands — every score maps to exactly one grade: statically at every band edge
  (±0.01, ±0.001) and for every score the engine produces [``bands``].
* independence — the order of the records [``record_order``], evaluating other
  subjects before or in between, and unrelated institutions attached to a person
  [``unrelated_subjects``], and records outside the cycle [``outside_cycle``] do
  not change the result.
* determinism and round trip — the same input gives the same bytes, and the
  decision does not depend on whether a trace is kept [``determinism``]; results,
  traces and histories survive JSON serialisation [``round_trip``].
* time — a repair's earliest date is the first date on which its time
  conditions hold [``repair_earliest``]; deadlines land on working days, the
  N-th working day after the start for ``working_days`` deadlines
  [``deadline_working_days``].

Exemptions: a pack that breaks a property on purpose (e.g. a rule that rewards)
declares it with a reason (``property_exemptions`` in the pack, see
:func:`pack_exemptions`), or the caller passes ``exemptions``.  An exemption may
name pack elements (fact, rule, list ids, or class grades): then the
monotonicity properties skip only records taken by those elements.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

import yaml

from medcredit.diagnostics.errors import CalendarError, MedcreditError
from medcredit.diagnostics.problems import suggest
from medcredit.engine.evaluation import Evaluator
from medcredit.engine.operation import IGNORED_OBJECTIONS
from medcredit.engine.window import evaluation_point, expiry
from medcredit.history.catalogue import catalogue
from medcredit.history.model import SEVERITIES, Record, Subject
from medcredit.pack.compiled import CBandSet, CFact, CompiledPack, CPath
from medcredit.pack.property_ids import PROPERTY_IDS
from medcredit.procedures.deadlines import compute_deadline, deadline_chain
from medcredit.render.output import REASONS, result_to_dict, to_json
from medcredit.repair.assess import assess_repair
from medcredit.testing.registry import UnknownPropertyError
from medcredit.time.official_calendar import OfficialCalendar, default_calendar
from medcredit.time.periods import period_end
from medcredit.trace.result import Result
from medcredit.trace.steps import BandStep, OverrideStep, PathStep, RuleStep, ScoreStep

# ----------------------------------------------------------------------------- ids

MONOTONIC_UNTRUSTWORTHY = "monotonic_untrustworthy"
MONOTONIC_TRUSTWORTHY = "monotonic_trustworthy"
MONOTONIC_AMOUNT = "monotonic_amount"
ACCOUNTING = "accounting"
TRACE_RECORDS = "trace_records"
BANDS = "bands"
RECORD_ORDER = "record_order"
UNRELATED_SUBJECTS = "unrelated_subjects"
OUTSIDE_CYCLE = "outside_cycle"
OUT_OF_FORCE = "out_of_force"
MONOTONIC_SEVERITY = "monotonic_severity"
REPAIR_NEVER_WORSENS = "repair_never_worsens"
THRESHOLD_LATER = "threshold_later"
DETERMINISM = "determinism"
ROUND_TRIP = "round_trip"
REPAIR_EARLIEST = "repair_earliest"
DEADLINE_WORKING_DAYS = "deadline_working_days"


#: 失信信息 in the shared catalogue: records that say the subject broke a rule.
UNTRUSTWORTHY_KINDS = frozenset(
    {
        "fund_recovery",
        "audit_cut",
        "interview",
        "agreement_suspension",
        "late_refund",
        "fraud",
        "violation",
        "administrative_penalty",
        "serious_list_entry",
        "commitment_breach",
        "bid_misconduct",
        "penalty_refused",
    }
)
#: 守信信息 in the shared catalogue.
TRUSTWORTHY_KINDS = frozenset({"honour", "credit_commitment", "report_verified"})

Polarity = Literal["untrustworthy", "trustworthy", "neutral"]


# ----------------------------------------------------------------------------- exemptions


@dataclass(frozen=True, slots=True)
class Exemption:
    """A pack's declaration that it breaks ``property`` on purpose, and why.

    ``elements`` (fact, rule or list ids, or class grades) limit the exemption of a
    monotonicity property to records those elements take; empty means the whole property.
    """

    property: str
    reason: str
    elements: tuple[str, ...] = ()


Exemptions = Mapping[str, str] | Iterable[Exemption] | None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    for attr in ("en", "zh"):
        got = getattr(value, attr, None)
        if isinstance(got, str) and got:
            return got
    if isinstance(value, Mapping):
        return str(value.get("en") or value.get("zh") or "")
    return str(value)


def _field(item: Any, name: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)


def pack_exemptions(pack: CompiledPack) -> tuple[Exemption, ...]:
    """The exemptions a pack declares (``property_exemptions``; none if the format lacks the field)."""
    declared = getattr(pack.model, "property_exemptions", None) or []
    out = []
    for item in declared:
        prop = _field(item, "property")
        if not isinstance(prop, str):
            continue
        elements = _field(item, "elements") or ()
        out.append(Exemption(prop, _text(_field(item, "reason")), tuple(str(e) for e in elements)))
    return tuple(out)


def normalise_exemptions(pack: CompiledPack, extra: Exemptions = None) -> dict[str, tuple[Exemption, ...]]:
    """Exemptions by property id: the pack's own plus ``extra``; unknown property ids are errors."""
    items: list[Exemption] = list(pack_exemptions(pack))
    if isinstance(extra, Mapping):
        items.extend(Exemption(k, v) for k, v in extra.items())
    elif extra is not None:
        items.extend(extra)
    table: dict[str, list[Exemption]] = {}
    for ex in items:
        if ex.property not in PROPERTY_IDS:
            hint = suggest(ex.property, PROPERTY_IDS)
            raise UnknownPropertyError(
                f"exemption names unknown property '{ex.property}'"
                + (f"; did you mean '{hint}'?" if hint else f" (known: {', '.join(PROPERTY_IDS)})")
            )
        table.setdefault(ex.property, []).append(ex)
    return {k: tuple(v) for k, v in table.items()}


def _whole_exemption(pack: CompiledPack, prop: str, exemptions: Exemptions) -> Exemption | None:
    for ex in normalise_exemptions(pack, exemptions).get(prop, ()):
        if not ex.elements:
            return ex
    return None


def _scoped_exemption(pack: CompiledPack, prop: str, exemptions: Exemptions, record: Record) -> Exemption | None:
    names = _elements_taking(pack, record)
    for ex in normalise_exemptions(pack, exemptions).get(prop, ()):
        if not ex.elements or names & set(ex.elements):
            return ex
    return None


# ----------------------------------------------------------------------------- counterexamples


class PropertyViolationError(AssertionError):
    """A property does not hold; the message carries the counterexample as pack-test cases."""

    def __init__(self, property_id: str, pack: CompiledPack, explanation: str, cases: Sequence[dict[str, Any]]):
        self.property_id = property_id
        self.pack_id = pack.id
        self.explanation = explanation
        self.cases = list(cases)
        self.cases_yaml = cases_yaml(self.cases)
        super().__init__(self.render())

    def render(self) -> str:
        head = f"property '{self.property_id}' does not hold for pack '{self.pack_id}': {self.explanation}"
        if not self.cases:
            return head
        return (
            f"{head}\n"
            f"Counterexample as pack-test cases (paste under `cases:` in a *.cases.yaml file whose "
            f"`pack:` is {self.pack_id}; `expect` holds what the engine gives now: correct it to what "
            f"the pack should give):\n{self.cases_yaml}"
        )


def _plain(value: Any) -> Any:
    """Values YAML can write readably: decimals as exact strings, enums as values, lists."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def subject_yaml_data(subject: Subject) -> dict[str, Any]:
    """A subject as the smallest mapping that validates back to it (no defaults, no nulls)."""
    data = subject.model_dump(mode="python", exclude_none=True, exclude_defaults=True)
    data.setdefault("id", subject.id)
    data.setdefault("category", subject.category.value)
    plain: dict[str, Any] = _plain(data)
    return plain


def expect_of(result: Result) -> dict[str, Any]:
    """The ``expect`` mapping of a pack-test case that the result passes."""
    out: dict[str, Any] = {"status": result.status}
    if result.grade is not None:
        out["grade"] = result.grade
    if result.score is not None:
        out["score"] = format(result.score, "f")
    if result.exclusions:
        out["exclusions"] = list(result.exclusions)
    if result.status not in ("graded", "excluded") and result.reason:
        out["reason"] = result.reason
    active = [x.list_id for x in result.listings if x.active]
    if active:
        out["lists"] = active
    return out


def evaluation_case(name: str, subject: Subject, cycle: int, result: Result | None) -> dict[str, Any]:
    """One evaluation case (``name``, ``cycle``, ``subject``, ``expect``) for :mod:`medcredit.packtests.runner`."""
    if len(name) > 120:
        name = name[:119] + "…"
    case: dict[str, Any] = {"name": name, "cycle": cycle, "subject": subject_yaml_data(subject)}
    case["expect"] = expect_of(result) if result is not None else {}
    return case


class _CaseDumper(yaml.SafeDumper):
    """Safe YAML without anchors and aliases: every case reads on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def cases_yaml(cases: Sequence[dict[str, Any]], indent: int = 2) -> str:
    """Cases as YAML list items, indented to sit under ``cases:``."""
    if not cases:
        return ""
    text = yaml.dump(
        [_plain(c) for c in cases],
        Dumper=_CaseDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=None,
        width=200,
    )
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in text.splitlines(keepends=True))


# ----------------------------------------------------------------------------- helpers


_EVALUATORS: dict[int, tuple[CompiledPack, Evaluator]] = {}


def fresh_evaluators() -> None:
    """Start the next property run with empty decision caches (runs never share decisions)."""
    _EVALUATORS.clear()


def _evaluator(pack: CompiledPack) -> Evaluator:
    """One caching evaluator per pack, so properties exercise shared decisions (unrelated_subjects)."""
    kept = _EVALUATORS.get(id(pack))
    if kept is None or kept[0] is not pack:
        if len(_EVALUATORS) >= 16:
            _EVALUATORS.clear()
        kept = _EVALUATORS[id(pack)] = (pack, Evaluator(pack))
    return kept[1]


def _run(pack: CompiledPack, prop: str, subject: Subject, cycle: int, label: str, *, trace: bool = True) -> Result:
    """Evaluate, turning an engine crash into a violation with the input as a case."""
    try:
        return _evaluator(pack).evaluate(subject, cycle, trace=trace, override_validity=True)
    except Exception as exc:  # a crash on valid input is a failure of any property
        raise PropertyViolationError(
            prop,
            pack,
            f"the engine raised {type(exc).__name__}: {exc} ({label})",
            [evaluation_case(f"{prop}: {label} (the engine raised {type(exc).__name__})", subject, cycle, None)],
        ) from exc


def decision(result: Result) -> tuple[Any, ...]:
    """What a result decides, without the trace and without record indices."""
    return (
        result.status,
        result.grade,
        result.score,
        tuple(sorted(result.exclusions)),
        tuple(sorted(result.measures)),
        result.reason,
        tuple((x.list_id, x.since, x.until, x.until_rule, x.active, x.measures_until) for x in result.listings),
        tuple(sorted((c.id, c.person_id, c.role, c.start, c.end) for c in result.consequences)),
        tuple(sorted(w.code for w in result.warnings)),
    )


_DECISION_FIELDS = (
    "status",
    "grade",
    "score",
    "exclusions",
    "measures",
    "reason",
    "listings",
    "consequences",
    "warnings",
)


def _decision_diff(a: Result, b: Result) -> str:
    parts = []
    for name, x, y in zip(_DECISION_FIELDS, decision(a), decision(b), strict=True):
        if x != y:
            parts.append(f"{name} {_show(x)} → {_show(y)}")
    return "; ".join(parts) or "no difference"


def _show(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _fact_takes(fact: CFact, record: Record) -> bool:
    if record.kind not in fact.kinds or not fact.accepts(record):
        return False
    return not (fact.requires_document and record.document is None)


def _facts_taking(pack: CompiledPack, record: Record) -> list[CFact]:
    return [f for f in pack.kind_to_facts.get(record.kind, ()) if _fact_takes(f, record)]


def _elements_taking(pack: CompiledPack, record: Record) -> set[str]:
    """Ids of the facts taking ``record`` and of the rules, classes and lists built on them."""
    facts = {f.index for f in _facts_taking(pack, record)}
    names = {pack.facts[i].id for i in facts}
    for path in pack.path_by_category.values():
        names.update(r.id for r in path.rules if r.fact in facts)
        names.update(c.grade for c in path.classes if facts & set(c.criteria))
    for lst in pack.lists:
        if facts & set(lst.entry) or (lst.removal is not None and lst.removal in facts):
            names.add(lst.id)
    return names


def record_polarity(pack: CompiledPack, record: Record) -> Polarity:
    """Whether a record is untrustworthy, trustworthy or neither, for this pack.

    The catalogue decides for its 失信 kinds (:data:`UNTRUSTWORTHY_KINDS`) and 守信
    kinds (:data:`TRUSTWORTHY_KINDS`), whatever the pack does with them (so a pack
    that rewards a violation is caught).  Any other kind is judged by what the pack
    does with the record: feeding a deduction, a class worse than the default or a
    list entry makes it untrustworthy; feeding an addition, a better class or a list
    removal makes it trustworthy; both or neither makes it neutral (e.g. inspections,
    scores, agreement ends that only trigger exclusions).
    """
    if record.kind in UNTRUSTWORTHY_KINDS:
        return "untrustworthy"
    if record.kind in TRUSTWORTHY_KINDS:
        return "trustworthy"
    roles = fact_roles(pack)
    found: set[str] = set()
    for fact in _facts_taking(pack, record):
        found |= roles.get(fact.index, set())
    if found == {"untrustworthy"}:
        return "untrustworthy"
    if found == {"trustworthy"}:
        return "trustworthy"
    return "neutral"


def fact_roles(pack: CompiledPack) -> dict[int, set[str]]:
    """For each fact index: ``untrustworthy`` if it feeds a deduction, a class worse than the
    default or a list entry; ``trustworthy`` if it feeds an addition, a better class or a removal."""
    roles: dict[int, set[str]] = {}

    def add(index: int, role: str) -> None:
        roles.setdefault(index, set()).add(role)

    order = pack.grade_order
    for path in pack.path_by_category.values():
        for rule in path.rules:
            add(rule.fact, "untrustworthy" if rule.sign < 0 else "trustworthy")
        if path.default_grade is not None:
            default = order[path.default_grade]
            for cls in path.classes:
                if order[cls.grade] != default:
                    for f in cls.criteria:
                        add(f, "untrustworthy" if order[cls.grade] > default else "trustworthy")
    for lst in pack.lists:
        for f in lst.entry:
            add(f, "untrustworthy")
        if lst.removal is not None:
            add(lst.removal, "trustworthy")
    return roles


def kinds_that_may_be(pack: CompiledPack, polarity: Polarity) -> frozenset[str]:
    """Record kinds some record of which has ``polarity`` under this pack."""
    fixed, opposite = (
        (UNTRUSTWORTHY_KINDS, TRUSTWORTHY_KINDS)
        if polarity == "untrustworthy"
        else (TRUSTWORTHY_KINDS, UNTRUSTWORTHY_KINDS)
    )
    roles = fact_roles(pack)
    derived = {
        kind
        for kind, facts in pack.kind_to_facts.items()
        if kind not in opposite and any(polarity in roles.get(f.index, set()) for f in facts)
    }
    return frozenset(fixed) | frozenset(derived)


def higher_is_better(pack: CompiledPack, bands: CBandSet) -> bool | None:
    """True when the best grade's band lies above the worst's; None when it cannot be told."""
    order = pack.grade_order
    ranked = sorted(
        bands.bands,
        key=lambda b: Decimal("-Infinity") if b.interval.low is None else b.interval.low,
    )
    low, high = order.get(ranked[0].grade), order.get(ranked[-1].grade)
    if low is None or high is None or low == high:
        return None
    return high < low


def _path_of(pack: CompiledPack, result: Result) -> CPath | None:
    return pack.path_by_category.get(result.category)


def comparison(pack: CompiledPack, before: Result, after: Result) -> tuple[str, str, str] | None:
    """``(what, from, to)`` when ``after`` is better than ``before`` (grade first, then score), else None."""
    order = pack.grade_order
    if before.grade is not None and after.grade is not None and before.grade != after.grade:
        if order[after.grade] < order[before.grade]:
            return ("grade", before.grade, after.grade)
        return None
    path = _path_of(pack, after)
    if before.score is None or after.score is None or path is None or path.bands is None:
        return None
    up = higher_is_better(pack, path.bands)
    if up is None or before.score == after.score:
        return None
    if (after.score > before.score) == up:
        return ("score", _show(before.score), _show(after.score))
    return None


def improvement(pack: CompiledPack, before: Result, after: Result) -> str | None:
    """How ``after`` is better than ``before`` (both graded), in words, or None if it is not."""
    found = comparison(pack, before, after)
    return None if found is None else f"the {found[0]} improved from {found[1]} to {found[2]}"


def worsening(pack: CompiledPack, before: Result, after: Result) -> str | None:
    """How ``after`` is worse than ``before`` (both graded), in words, or None if it is not."""
    found = comparison(pack, after, before)
    return None if found is None else f"the {found[0]} worsened from {found[2]} to {found[1]}"


def with_records(subject: Subject, records: Iterable[Record]) -> Subject:
    """A copy of ``subject`` whose own records are ``records``."""
    return subject.model_copy(update={"records": tuple(records)})


# ----------------------------------------------------------------------------- monotonicity


def _check_added(
    prop: str,
    polarity: Polarity,
    pack: CompiledPack,
    subject: Subject,
    cycle: int,
    record: Record,
    exemptions: Exemptions,
) -> bool:
    if record_polarity(pack, record) != polarity:
        return False
    if _scoped_exemption(pack, prop, exemptions, record) is not None:
        return False
    before = _run(pack, prop, subject, cycle, "without the record")
    grown = with_records(subject, (*subject.records, record))
    after = _run(pack, prop, grown, cycle, "with the record")
    if before.status != "graded" or after.status != "graded":
        return False
    index = len(subject.records)
    if polarity == "untrustworthy":
        change, what = improvement(pack, before, after), "adding an untrustworthy record"
    else:
        change, what = worsening(pack, before, after), "adding a trustworthy record"
    if change is None:
        return True
    label = f"records[{index}] ({record.kind}{', ' + record.code if record.code else ''})"
    raise PropertyViolationError(
        prop,
        pack,
        f"{what} {label}: {change}",
        [
            evaluation_case(f"{prop}: without {label}", subject, cycle, before),
            evaluation_case(f"{prop}: with {label}", grown, cycle, after),
        ],
    )


def check_monotonic_untrustworthy(
    pack: CompiledPack, subject: Subject, cycle: int, record: Record, *, exemptions: Exemptions = None
) -> bool:
    """Adding an untrustworthy ``record`` never improves the grade or the score.

    Checked only when ``record`` is untrustworthy (:func:`record_polarity`) and both
    results are graded.
    """
    return _check_added(MONOTONIC_UNTRUSTWORTHY, "untrustworthy", pack, subject, cycle, record, exemptions)


def check_monotonic_trustworthy(
    pack: CompiledPack, subject: Subject, cycle: int, record: Record, *, exemptions: Exemptions = None
) -> bool:
    """Adding a trustworthy ``record`` never worsens the grade or the score (both graded)."""
    return _check_added(MONOTONIC_TRUSTWORTHY, "trustworthy", pack, subject, cycle, record, exemptions)


def _rule_points(result: Result) -> dict[str, Decimal]:
    return {s.ref: (s.points or Decimal(0)) for s in result.steps if s.kind == "rule"}


def check_monotonic_amount(
    pack: CompiledPack,
    subject: Subject,
    cycle: int,
    index: int,
    increase: Decimal,
    *,
    exemptions: Exemptions = None,
) -> bool:
    """Raising the amount of ``subject.records[index]`` by ``increase`` never lowers a deduction.

    Every deducting rule of a summed-amount fact deducts at least as much as before,
    and (when the record is untrustworthy and both results are graded) neither the
    grade nor the score improves.
    """
    prop = MONOTONIC_AMOUNT
    if not 0 <= index < len(subject.records) or increase <= 0:
        return False
    record = subject.records[index]
    if "amount" not in catalogue().record_kinds[record.kind].fields:
        return False
    if _scoped_exemption(pack, prop, exemptions, record) is not None:
        return False
    old = record.amount if record.amount is not None else Decimal(0)
    new_amount = (old + increase).quantize(Decimal("0.01"))
    if new_amount >= Decimal("1e13"):
        return False
    bigger = record.model_copy(update={"amount": new_amount})
    grown_records = list(subject.records)
    grown_records[index] = bigger
    grown = with_records(subject, grown_records)
    before = _run(pack, prop, subject, cycle, "the smaller amount")
    after = _run(pack, prop, grown, cycle, "the larger amount")
    label = f"records[{index}] ({record.kind}) amount {_show(old)} → {_show(new_amount)}"
    problems: list[str] = []
    rules_by_id = {r.id: r for p in pack.path_by_category.values() for r in p.rules}
    points_before, points_after = _rule_points(before), _rule_points(after)
    for rule_id, p_before in points_before.items():
        rule = rules_by_id.get(rule_id)
        if rule is None or rule.sign > 0 or pack.facts[rule.fact].aggregate != "sum_amount":
            continue
        p_after = points_after.get(rule_id)
        if p_after is not None and abs(p_after) < abs(p_before):
            problems.append(f"rule {rule_id} deducts {_show(abs(p_after))} instead of {_show(abs(p_before))}")
    if before.status == "graded" and after.status == "graded" and record_polarity(pack, record) == "untrustworthy":
        change = improvement(pack, before, after)
        if change:
            problems.append(change)
    if not problems:
        return bool(points_before) or (before.status == after.status == "graded")
    raise PropertyViolationError(
        prop,
        pack,
        f"raising {label}: " + "; ".join(problems),
        [
            evaluation_case(f"{prop}: {record.kind} amount {_show(old)}", subject, cycle, before),
            evaluation_case(f"{prop}: {record.kind} amount {_show(new_amount)}", grown, cycle, after),
        ],
    )


# ----------------------------------------------------------------------------- accounting


def _scorecard_accounting(pack: CompiledPack, path: CPath, result: Result) -> list[str]:
    """Problems with a scorecard's arithmetic: start at the base, each running total, each rule's points."""
    problems: list[str] = []
    steps = result.steps
    path_steps = [s for s in steps if isinstance(s, PathStep) and s.ref == path.id]
    running = path.base
    if not path_steps or path_steps[0].start_score != path.base:
        problems.append(f"the path step does not start at the base {_show(path.base)}")
    total = Decimal(0)
    rules = {r.id: r for r in path.rules}
    fixed: Decimal | None = None
    for s in steps:
        if isinstance(s, ScoreStep):
            running = _finished(path, s, running, problems)
            continue
        if isinstance(s, OverrideStep) and s.matched and s.score is not None and s.score != running:
            fixed = s.score  # an override fixed the score (e.g. "等级确定为D级，分值为60分")
        if not isinstance(s, RuleStep):
            continue
        points = s.points
        total += points
        if s.running != running + points:
            problems.append(
                f"rule {s.ref}: running total {_show(s.running)} is not "
                f"{_show(running)} {'+' if points >= 0 else '-'} {_show(abs(points))}"
            )
        running = s.running
        rule = rules.get(s.ref.partition(":")[0])  # a table rule's steps are RULE:ROW
        if rule is None:
            problems.append(f"rule step {s.ref} is not a rule of path {path.id}")
            continue
        fact = pack.facts[rule.fact]
        if fact.aggregate == "count" and rule.mode in ("per_occurrence", "once"):
            n = int(s.input)
            raw = rule.points * n if rule.mode == "per_occurrence" else (rule.points if n else Decimal(0))
            if rule.cap is not None:
                raw = min(raw, rule.cap)
            expected = raw if rule.sign > 0 else -raw
            if points != expected:
                problems.append(
                    f"rule {s.ref}: {n} record(s) × {_show(rule.points)} ({rule.mode}"
                    f"{', cap ' + _show(rule.cap) if rule.cap is not None else ''}) gives "
                    f"{_show(expected)}, the trace says {_show(points)}"
                )
            if points and len(s.records) != n:
                problems.append(f"rule {s.ref}: counts {n} record(s) but cites {len(s.records)}")
    if fixed is not None:
        running = fixed
    elif result.score is not None and path.score_spec is not None:
        pass  # the score step checked the arithmetic that finished the score
    elif result.score is not None and path.base + total != result.score:
        problems.append(
            f"base {_show(path.base)} plus the rule points {_show(total)} is "
            f"{_show(path.base + total)}, the result's score is {_show(result.score)}"
        )
    if result.score is None:
        problems.append("a scorecard result has no score")
    elif running != result.score:
        problems.append(f"the last running total {_show(running)} is not the score {_show(result.score)}")
    return problems


def _finished(path: CPath, step: ScoreStep, running: Decimal, problems: list[str]) -> Decimal:
    """The score step starts from the running total and applies the path's declared arithmetic."""
    if step.before != running:
        problems.append(f"the score step starts from {_show(step.before)}, the running total is {_show(running)}")
    if path.score_spec is None:
        problems.append("a score step on a path that declares no score arithmetic")
    elif path.score_spec.finish(step.before) != step.after:
        problems.append(
            f"the score arithmetic gives {_show(path.score_spec.finish(step.before))}, not {_show(step.after)}"
        )
    return step.after


def check_accounting(pack: CompiledPack, subject: Subject, cycle: int, *, exemptions: Exemptions = None) -> bool:
    """The points in the trace add up to the score.

    For a scorecard: the path step starts at the base, each rule step's running total
    is the previous one plus its points, the band step and the result carry the final
    total, and each rule's points agree with its declared points, count and cap.  For
    a supplied score: the path or band step carries the result's score.
    """
    prop = ACCOUNTING
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    result = _run(pack, prop, subject, cycle, "evaluation")
    path = _path_of(pack, result)
    if path is None or result.status in ("excluded", "out_of_scope", "rolled_up"):
        return False
    problems: list[str] = []
    steps = result.steps
    if path.method == "scorecard":
        problems += _scorecard_accounting(pack, path, result)
    band_steps = [s for s in steps if isinstance(s, BandStep)]
    overridden = any(isinstance(s, OverrideStep) and s.matched and s.score is not None for s in steps)
    if result.score is not None and not overridden:
        for s in band_steps:
            if s.score != result.score:
                problems.append(f"band step {s.ref} carries {_show(s.score)}, the score is {_show(result.score)}")
        if path.method == "external_score":
            carried = [s.start_score for s in steps if isinstance(s, PathStep) and s.start_score is not None]
            if carried and carried[-1] != result.score:
                problems.append(f"the path step carries {_show(carried[-1])}, the score is {_show(result.score)}")
    if not problems:
        return True
    raise PropertyViolationError(
        prop, pack, "; ".join(problems), [evaluation_case(f"{prop}: {problems[0]}", subject, cycle, result)]
    )


def known_elements(pack: CompiledPack) -> set[str]:
    """Ids a record can be used by in a trace: facts, rules, exclusions, paths, lists, band sets."""
    names = {f.id for f in pack.facts} | {e.id for e in pack.exclusions} | set(pack.bands)
    for path in pack.path_by_category.values():
        names.add(path.id)
        names.update(r.id for r in path.rules)
        names.update(o.id for o in path.overrides)
    names.update(t.id for t in pack.thresholds)
    names.update(x.id for x in pack.lists)
    return names


def _expected_record_count(subject: Subject) -> int:
    n = len(subject.records) + sum(len(c.records) for c in subject.managed_clinics)
    return n + (1 if subject.agreement_end is not None else 0)


def check_trace_records(pack: CompiledPack, subject: Subject, cycle: int, *, exemptions: Exemptions = None) -> bool:
    """Every input record appears in the trace exactly once: used by named pack elements, or
    not applicable with a known reason (never both, never neither)."""
    prop = TRACE_RECORDS
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    result = _run(pack, prop, subject, cycle, "evaluation")
    problems: list[str] = []
    n = len(result.records)
    expected = _expected_record_count(subject)
    if n != expected:
        problems.append(f"the result holds {n} input records, the history has {expected}")
    indices = [u.index for u in result.record_uses]
    if sorted(indices) != list(range(n)):
        missing = sorted(set(range(n)) - set(indices))
        twice = sorted({i for i in indices if indices.count(i) > 1})
        extra = sorted(set(indices) - set(range(n)))
        if missing:
            problems.append(f"records {missing} are missing from the trace")
        if twice:
            problems.append(f"records {twice} appear more than once")
        if extra:
            problems.append(f"the trace names records {extra} that do not exist")
    known = known_elements(pack)
    for use in result.record_uses:
        if use.used_by and use.reason is not None:
            problems.append(f"record {use.index} is both used ({', '.join(use.used_by)}) and not applicable")
        elif not use.used_by and not use.reason:
            problems.append(f"record {use.index} is neither used nor given a reason")
        elif use.reason is not None and use.reason.partition(":")[0] not in (*REASONS, "not_used_by_path"):
            problems.append(f"record {use.index} has an unknown reason code '{use.reason}'")
        unknown = [u for u in use.used_by if u not in known]
        if unknown:
            problems.append(f"record {use.index} is used by unknown element(s) {unknown}")
    for s in result.steps:
        bad = [i for i in s.records if not 0 <= i < n]
        if bad:
            problems.append(f"step {s.kind} {s.ref} cites records {bad} that do not exist")
    if not problems:
        return True
    raise PropertyViolationError(
        prop, pack, "; ".join(problems), [evaluation_case(f"{prop}: {problems[0]}", subject, cycle, result)]
    )


# ----------------------------------------------------------------------------- bands


def _domain(bands: CBandSet) -> Any:
    return getattr(bands, "domain", None)


def grades_containing(bands: CBandSet, score: Decimal) -> list[str]:
    """The grades of every band that contains ``score``."""
    return [b.grade for b in bands.bands if b.interval.contains(score)]


def band_probes(bands: CBandSet) -> list[Decimal]:
    """Scores at, just below and just above every finite band edge."""
    out: set[Decimal] = set()
    steps = (Decimal("0.01"), Decimal("0.001"))
    for band in bands.bands:
        for edge in (band.interval.low, band.interval.high):
            if edge is None:
                continue
            out.add(edge)
            for d in steps:
                out.update((edge - d, edge + d))
    return sorted(out)


def check_band_sets(pack: CompiledPack, *, exemptions: Exemptions = None) -> bool:
    """Every score at or next to a band edge (inside the declared domain) is in exactly one band."""
    prop = BANDS
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    problems: list[str] = []
    for name, bands in sorted(pack.bands.items()):
        domain = _domain(bands)
        for score in band_probes(bands):
            if domain is not None and not domain.contains(score):
                continue
            grades = grades_containing(bands, score)
            if len(grades) != 1:
                problems.append(
                    f"band set {name}: score {_show(score)} is in {len(grades)} bands"
                    + (f" ({', '.join(grades)})" if grades else "")
                )
    if problems:
        raise PropertyViolationError(prop, pack, "; ".join(problems[:6]), [])
    return True


def check_bands(pack: CompiledPack, subject: Subject, cycle: int, *, exemptions: Exemptions = None) -> bool:
    """The score the engine produces for ``subject`` is in exactly one band, and the grade is that band's
    (combined with the class for a classification path).

    A score a scorecard computes must be graded even outside the band set's declared
    ``domain`` (the compiler checks the bands cover the domain, but cannot see which
    scores the rules reach); a supplied score outside the domain is bad input and skipped.
    """
    prop = BANDS
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    result = _run(pack, prop, subject, cycle, "evaluation")
    path = _path_of(pack, result)
    if path is None or path.bands is None or result.score is None:
        return False
    bands = path.bands
    domain = _domain(bands)
    if domain is not None and not domain.contains(result.score) and path.method != "scorecard":
        return False  # a supplied score outside the declared domain is bad input, not a pack defect
    grades = grades_containing(bands, result.score)
    problem = None
    if len(grades) != 1:
        problem = f"score {_show(result.score)} is in {len(grades)} bands of {bands.id}" + (
            f" ({', '.join(grades)})" if grades else ""
        )
    elif result.status != "graded":
        problem = f"score {_show(result.score)} is in band {grades[0]} but the result is {result.status}"
    elif any(isinstance(s, OverrideStep) and s.matched for s in result.steps):
        problem = None  # an override the pack declares (and the trace cites) decided the grade after the band
    elif path.method != "classification" and result.grade != grades[0]:
        problem = f"score {_show(result.score)} is in band {grades[0]} but the grade is {result.grade}"
    elif path.method == "classification" and result.grade is not None:
        order = pack.grade_order
        if order[result.grade] < order[grades[0]]:
            problem = f"score {_show(result.score)} is in band {grades[0]} but the grade is the better {result.grade}"
    if problem is None:
        return True
    raise PropertyViolationError(prop, pack, problem, [evaluation_case(f"{prop}: {problem}", subject, cycle, result)])


# ----------------------------------------------------------------------------- independence


def _uses_by_record(result: Result) -> list[tuple[frozenset[str], str | None, frozenset[str]]]:
    out: list[tuple[frozenset[str], str | None, frozenset[str]]] = [(frozenset(), None, frozenset())] * len(
        result.records
    )
    for use in result.record_uses:
        if 0 <= use.index < len(out):
            out[use.index] = (frozenset(use.used_by), use.reason, frozenset(use.flags))
    return out


def _step_shape(result: Result) -> list[tuple[Any, ...]]:
    # record indices follow the input order, and the citation is the pack's: every other field counts
    return [
        (type(s).__name__, *(v for name, v in zip(s._fields, s, strict=True) if name not in ("records", "cite")))
        for s in result.steps
    ]


def check_record_order(
    pack: CompiledPack,
    subject: Subject,
    cycle: int,
    permutation: Sequence[int],
    *,
    exemptions: Exemptions = None,
) -> bool:
    """Reordering the records (new position j holds old record ``permutation[j]``) changes neither
    the decision, nor the steps, nor what becomes of each record."""
    prop = RECORD_ORDER
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    if sorted(permutation) != list(range(len(subject.records))):
        raise ValueError("permutation must reorder every record index exactly once")
    shuffled = with_records(subject, [subject.records[i] for i in permutation])
    a = _run(pack, prop, subject, cycle, "records in the original order")
    b = _run(pack, prop, shuffled, cycle, "records reordered")
    problems = []
    if decision(a) != decision(b):
        problems.append(_decision_diff(a, b))
    elif len(a.records) != len(b.records) or len(a.records) < len(subject.records):
        problems.append(f"the trace holds {len(a.records)} records in one order and {len(b.records)} in the other")
    elif _step_shape(a) != _step_shape(b):
        problems.append("the steps of the trace differ")
    else:
        ua, ub = _uses_by_record(a), _uses_by_record(b)
        for j, i in enumerate(permutation):
            if ua[i] != ub[j]:
                problems.append(
                    f"record {subject.records[i].kind} ({subject.records[i].id}) is "
                    f"{_describe_use(ua[i])} in one order and {_describe_use(ub[j])} in the other"
                )
                break
    if not problems:
        return True
    raise PropertyViolationError(
        prop,
        pack,
        "reordering the records changed the result: " + problems[0],
        [
            evaluation_case(f"{prop}: original order", subject, cycle, a),
            evaluation_case(f"{prop}: reordered", shuffled, cycle, b),
        ],
    )


def _describe_use(use: tuple[frozenset[str], str | None, frozenset[str]]) -> str:
    used, reason, _flags = use
    return f"used by {', '.join(sorted(used))}" if used else f"not applicable ({reason})"


def check_unrelated_subjects(
    pack: CompiledPack,
    subject: Subject,
    cycle: int,
    others: Sequence[Subject],
    *,
    exemptions: Exemptions = None,
) -> bool:
    """Evaluating other subjects first (each twice: duplicates), and attaching to a person
    institutions that do not list them, leave the subject's result byte for byte the same."""
    prop = UNRELATED_SUBJECTS
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    alone = to_json(_run(pack, prop, subject, cycle, "alone"), pack)
    for other in others:
        for _ in range(2):
            _run(pack, prop, other, cycle, "another subject")
    again_result = _run(pack, prop, subject, cycle, "after the others")
    again = to_json(again_result, pack)
    problem = None
    if again != alone:
        problem = "the result changed after other subjects were evaluated"
    elif subject.subject_type == "individual":
        unrelated = [
            o.model_copy(update={"linked_persons": tuple(p for p in o.linked_persons if p.id != subject.id)})
            for o in others
            if o.subject_type == "institution"
        ]
        if unrelated:
            linked = subject.model_copy(update={"linked_institutions": (*subject.linked_institutions, *unrelated)})
            with_unrelated = _run(pack, prop, linked, cycle, "with unrelated institutions")
            if to_json(with_unrelated, pack) != alone:
                problem = "linking institutions that do not list the person changed the person's result"
                again_result = with_unrelated
                subject = linked
    if problem is None:
        return True
    raise PropertyViolationError(
        prop, pack, problem, [evaluation_case(f"{prop}: {problem}", subject, cycle, again_result)]
    )


def outside_cycle_irrelevant(pack: CompiledPack, record: Record, cycle: int) -> bool:
    """Whether ``record`` lies outside the cycle in a way no fact of the pack may count.

    After the cycle: always (a yearly score by its ``year``).  Before the cycle: only
    for kinds no ``to_cycle_end`` fact takes, and never an agreement end (which ends
    operation before the cycle begins).
    """
    point = evaluation_point(pack, cycle, None)  # an as-of or rolling pack's window is not the calendar year
    start, end = point.start, point.end
    to_end = any(f.to_cycle_end or f.in_force for f in pack.kind_to_facts.get(record.kind, ()))
    if record.kind in ("annual_assessment", "risk_assessment") and record.year is not None:
        if record.year > cycle:
            return True
        return record.year < cycle and not to_end
    if record.date > end:
        return True
    if record.date < start:
        return record.kind != "agreement_termination" and not to_end
    return False


def out_of_force_irrelevant(pack: CompiledPack, record: Record, cycle: int) -> bool:
    """Whether ``record`` is out of force at the end of ``cycle`` and only facts over records in force take
    its kind (a fact over the cycle, or a list, may still count it legitimately)."""
    facts = pack.kind_to_facts.get(record.kind, ())
    if not facts or not all(f.in_force for f in facts):
        return False
    if record.objection is not None and record.objection.status in IGNORED_OBJECTIONS:
        return False  # not counted for the objection's sake, whatever its window
    ends = expiry(pack, record)
    return ends is not None and ends[1] < evaluation_point(pack, cycle, None).end and record.date <= ends[1]


def check_out_of_force(
    pack: CompiledPack, subject: Subject, cycle: int, record: Record, *, exemptions: Exemptions = None
) -> bool:
    """Adding ``record``, out of force on the evaluation date (:func:`out_of_force_irrelevant`), changes nothing
    but its own trace entry: not applicable, naming its window and last day."""
    prop = OUT_OF_FORCE
    if _whole_exemption(pack, prop, exemptions) is not None or not out_of_force_irrelevant(pack, record, cycle):
        return False
    before = _run(pack, prop, subject, cycle, "without the record")
    grown = with_records(subject, (*subject.records, record))
    after = _run(pack, prop, grown, cycle, "with the record")
    if after.status in ("out_of_scope", "rolled_up"):
        return False  # no fact is read for such a subject: every record has the scope's reason
    use = after.record_uses[len(subject.records)]
    problem = None
    if decision(before) != decision(after):
        problem = _decision_diff(before, after)
    elif use.used_by or not (use.reason or "").startswith("out_of_force:"):
        problem = f"the record out of force is reported as {use.used_by or use.reason!r}, not out_of_force"
    if problem is None:
        return True
    raise PropertyViolationError(
        prop,
        pack,
        f"a record out of force: {problem}",
        [
            evaluation_case(f"{prop}: without the record", subject, cycle, before),
            evaluation_case(f"{prop}: with the record out of force", grown, cycle, after),
        ],
    )


def check_monotonic_severity(
    pack: CompiledPack, subject: Subject, cycle: int, record: Record, *, exemptions: Exemptions = None
) -> bool:
    """Raising the severity of an untrustworthy ``record`` (minor → general → serious) never gives a better
    grade or score (both results graded)."""
    prop = MONOTONIC_SEVERITY
    if record.severity is None or record.severity == "serious" or record_polarity(pack, record) != "untrustworthy":
        return False
    if _scoped_exemption(pack, prop, exemptions, record) is not None:
        return False
    heavier = record.model_copy(update={"severity": SEVERITIES[SEVERITIES.index(record.severity) + 1]})
    lighter_subject = with_records(subject, (*subject.records, record))
    heavier_subject = with_records(subject, (*subject.records, heavier))
    before = _run(pack, prop, lighter_subject, cycle, "lighter")
    after = _run(pack, prop, heavier_subject, cycle, "heavier")
    if before.status != "graded" or after.status != "graded":
        return False
    change = improvement(pack, before, after)
    if change is None:
        return True
    raise PropertyViolationError(
        prop,
        pack,
        f"raising severity {record.severity} → {heavier.severity}: {change}",
        [
            evaluation_case(f"{prop}: {record.severity}", lighter_subject, cycle, before),
            evaluation_case(f"{prop}: {heavier.severity}", heavier_subject, cycle, after),
        ],
    )


def check_repair_never_worsens(
    pack: CompiledPack, subject: Subject, cycle: int, repair: Record, *, exemptions: Exemptions = None
) -> bool:
    """Adding a granted repair (a ``repair_granted`` record) never worsens the grade or the score."""
    prop = REPAIR_NEVER_WORSENS
    if pack.repair_takes_effect is None or repair.kind != "repair_granted":
        return False
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    before = _run(pack, prop, subject, cycle, "without the repair")
    repaired_subject = with_records(subject, (*subject.records, repair))
    after = _run(pack, prop, repaired_subject, cycle, "with the repair")
    if before.status != "graded" or after.status != "graded":
        return False
    change = worsening(pack, before, after)
    if change is None:
        return True
    raise PropertyViolationError(
        prop,
        pack,
        f"a granted repair of {repair.ref}: {change}",
        [
            evaluation_case(f"{prop}: without the repair", subject, cycle, before),
            evaluation_case(f"{prop}: with the repair", repaired_subject, cycle, after),
        ],
    )


def check_threshold_later(
    pack: CompiledPack, subject: Subject, cycle: int, index: int, days: int, *, exemptions: Exemptions = None
) -> bool:
    """Moving a record ``days`` later never makes a threshold's sanction start earlier (or appear earlier)."""
    prop = THRESHOLD_LATER
    if not pack.thresholds or not 0 <= index < len(subject.records) or days <= 0:
        return False
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    record = subject.records[index]
    try:
        moved_record = record.model_copy(update={"date": record.date + dt.timedelta(days=days)})
    except OverflowError:
        return False
    moved = with_records(subject, (*subject.records[:index], moved_record, *subject.records[index + 1 :]))
    before = _run(pack, prop, subject, cycle, "as recorded")
    after = _run(pack, prop, moved, cycle, "with the record later")
    first_before = _first_starts(before)
    problem = None
    for sid, start in _first_starts(after).items():
        earlier = first_before.get(sid)
        if earlier is None or start < earlier:
            problem = f"moving record {index} {days} day(s) later made sanction {sid} start on {start}" + (
                f" instead of {earlier}" if earlier is not None else " where none started"
            )
            break
    if problem is None:
        return True
    raise PropertyViolationError(
        prop,
        pack,
        problem,
        [
            evaluation_case(f"{prop}: as recorded", subject, cycle, before),
            evaluation_case(f"{prop}: record {index} later", moved, cycle, after),
        ],
    )


def _first_starts(result: Result) -> dict[str, dt.date]:
    out: dict[str, dt.date] = {}
    for s in result.sanctions:
        out[s.id] = min(s.start, out.get(s.id, s.start))
    return out


def check_outside_cycle(
    pack: CompiledPack, subject: Subject, cycle: int, record: Record, *, exemptions: Exemptions = None
) -> bool:
    """Adding ``record``, dated outside the cycle (:func:`outside_cycle_irrelevant`), changes
    nothing but the trace entry of that record, which is not applicable."""
    prop = OUTSIDE_CYCLE
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    if not outside_cycle_irrelevant(pack, record, cycle):
        return False
    before = _run(pack, prop, subject, cycle, "without the record")
    grown = with_records(subject, (*subject.records, record))
    after = _run(pack, prop, grown, cycle, "with the record")
    index = len(subject.records)
    problem = None
    if decision(before) != decision(after):
        problem = _decision_diff(before, after)
    else:
        use = next((u for u in after.record_uses if u.index == index), None)
        if use is not None and use.used_by:
            problem = f"the record is used by {', '.join(use.used_by)}"
    if problem is None:
        return True
    label = f"records[{index}] ({record.kind}, {record.date.isoformat()})"
    explanation = f"adding {label}, outside cycle {cycle}, changed the result: {problem}"
    raise PropertyViolationError(
        prop,
        pack,
        explanation,
        [
            evaluation_case(f"{prop}: without {label}", subject, cycle, before),
            evaluation_case(f"{prop}: with {label}", grown, cycle, after),
        ],
    )


# ----------------------------------------------------------------------------- determinism


@contextmanager
def _cold(pack: CompiledPack) -> Iterator[None]:
    """Empty the pack's decision cache, if the engine keeps one, for the duration (a cache must be
    invisible: a cold engine gives the same bytes as a warm one)."""
    cache = getattr(pack, "decisions", None)
    saved = dict(cache) if isinstance(cache, dict) else None
    if isinstance(cache, dict):
        cache.clear()
    try:
        yield
    finally:
        if isinstance(cache, dict) and saved is not None:
            cache.clear()
            cache.update(saved)


def check_determinism(pack: CompiledPack, subject: Subject, cycle: int, *, exemptions: Exemptions = None) -> bool:
    """The same input (also re-validated from its own dump, and with the engine's caches
    emptied) gives the same JSON bytes, and evaluating without a trace gives the same decision."""
    prop = DETERMINISM
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    first = _run(pack, prop, subject, cycle, "first evaluation")
    copy = Subject.model_validate(subject.model_dump())
    with _cold(pack):
        second = _run(pack, prop, copy, cycle, "second evaluation, with the engine's caches emptied")
    fast = _run(pack, prop, subject, cycle, "without a trace", trace=False)
    problem = None
    if to_json(first, pack) != to_json(second, pack):
        problem = "two evaluations of the same input gave different JSON"
    elif decision(first) != decision(fast):
        problem = "evaluating without a trace changed the decision: " + _decision_diff(first, fast)
    if problem is None:
        return True
    raise PropertyViolationError(prop, pack, problem, [evaluation_case(f"{prop}: {problem}", subject, cycle, first)])


def _same_decimal(text: Any, value: Decimal | None) -> bool:
    if value is None:
        return text is None
    return isinstance(text, str) and Decimal(text) == value


def check_round_trip(pack: CompiledPack, subject: Subject, cycle: int, *, exemptions: Exemptions = None) -> bool:
    """Results and traces survive JSON: the text re-serialises to the same bytes, decimals read
    back exactly, every traced record validates back to the input record, and the history
    itself round-trips through JSON to the same result bytes."""
    prop = ROUND_TRIP
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    result = _run(pack, prop, subject, cycle, "evaluation")
    text = to_json(result, pack)
    problems: list[str] = []
    try:
        data = json.loads(text)
    except ValueError as exc:
        data = None
        problems.append(f"the JSON does not parse: {exc}")
    if data is not None:
        if json.dumps(data, ensure_ascii=False, separators=(",", ":")) != text:
            problems.append("the JSON does not re-serialise to the same text")
        if data != json.loads(json.dumps(result_to_dict(result, pack), ensure_ascii=False)):
            problems.append("the JSON text differs from the result's dictionary")
        for key in ("status", "grade", "path", "reason"):
            if data.get(key) != getattr(result, key):
                problems.append(f"{key} reads back as {data.get(key)!r}, not {getattr(result, key)!r}")
        if not _same_decimal(data.get("score"), result.score):
            problems.append(f"the score reads back as {data.get('score')!r}, not {_show(result.score)}")
        trace = data.get("trace") or {}
        traced = trace.get("records") or []
        if result.record_uses and len(traced) != len(result.records):
            problems.append(f"the JSON trace holds {len(traced)} records, the result {len(result.records)}")
        for item in traced:
            index = item.get("index")
            if not isinstance(index, int) or not 0 <= index < len(result.records):
                problems.append(f"a traced record has index {index!r}")
                continue
            try:
                back = Record.model_validate(item.get("record"))
            except Exception as exc:
                problems.append(f"traced record {index} does not validate: {type(exc).__name__}")
                continue
            original = result.records[index].record
            if back.model_dump() != original.model_dump():
                problems.append(f"traced record {index} reads back different from the input record")
        for step, kept in zip(trace.get("steps") or [], result.steps, strict=False):
            if isinstance(kept, RuleStep) and not _same_decimal(step.get("points"), kept.points):
                problems.append(f"step {kept.ref}: points read back as {step.get('points')!r}")
            running = kept.running if isinstance(kept, RuleStep) else kept.score if isinstance(kept, BandStep) else None
            if running is not None and not _same_decimal(step.get("running_score"), running):
                problems.append(f"step {kept.ref}: running score reads back as {step.get('running_score')!r}")
    again = Subject.model_validate_json(subject.model_dump_json())
    if to_json(_run(pack, prop, again, cycle, "history read back from JSON"), pack) != text:
        problems.append("the history read back from its JSON gives a different result")
    if not problems:
        return True
    raise PropertyViolationError(
        prop, pack, "; ".join(problems[:5]), [evaluation_case(f"{prop}: {problems[0]}", subject, cycle, result)]
    )


# ----------------------------------------------------------------------------- time


def _repair_case(
    prop: str, subject: Subject, record_id: str, on: dt.date, declarations: Mapping[str, bool], expect: dict[str, Any]
) -> dict[str, Any]:
    return {
        "name": f"{prop}: repair of {record_id} on {on.isoformat()}",
        "subject": subject_yaml_data(subject),
        "repair": {
            "record": record_id,
            "on": on,
            "declare": sorted(k for k, v in declarations.items() if v),
        },
        "override_validity": True,
        "expect": expect,
    }


def declarations_of(pack: CompiledPack) -> dict[str, bool]:
    """Every declaration any repair condition of the pack asks for, declared true."""
    out: dict[str, bool] = {}
    for route in pack.model.repair:
        for cond in route.conditions:
            if cond.check == "declared":
                out[cond.declaration or cond.id] = True
    return out


def check_repair_earliest(
    pack: CompiledPack,
    subject: Subject,
    record_id: str,
    on: dt.date,
    *,
    declarations: Mapping[str, bool] | None = None,
    exemptions: Exemptions = None,
) -> bool:
    """A repair's earliest date E is the first day its time conditions hold.

    Assessed on ``on`` (all declarations true unless given), then on E and on the day
    before E with the same history: on E every time condition (one that reports an
    earliest date) is met, on the day before at least one is not, and on ``on`` they
    are met exactly when ``on`` >= E.  Checked when the same route applies on all three
    days and no record of the history is dated after ``on``.
    """
    prop = REPAIR_EARLIEST
    if _whole_exemption(pack, prop, exemptions) is not None or not pack.model.repair:
        return False
    if any(r.date > on for r in subject.records):
        return False
    decl = dict(declarations) if declarations is not None else declarations_of(pack)

    def assess(day: dt.date) -> Any:
        try:
            return assess_repair(pack, subject, record_id, day, declarations=decl, override_validity=True)
        except CalendarError:
            return None
        except MedcreditError:
            raise
        except Exception as exc:
            raise PropertyViolationError(
                prop,
                pack,
                f"assess_repair raised {type(exc).__name__}: {exc} (on {day})",
                [_repair_case(prop, subject, record_id, day, decl, {})],
            ) from exc

    answer = assess(on)
    if answer is None or answer.route is None or answer.earliest is None:
        return False
    earliest = answer.earliest
    timed = {c.id for c in answer.conditions if c.earliest is not None}
    problems: list[str] = []

    def timed_met(ans: Any) -> bool:
        return all(c.met for c in ans.conditions if c.id in timed)

    if timed_met(answer) != (on >= earliest):
        problems.append(
            f"on {on} the time conditions are {'met' if timed_met(answer) else 'not met'} "
            f"but the earliest date is {earliest}"
        )
    at = assess(earliest)
    before = assess(earliest - dt.timedelta(days=1))
    if at is None or before is None or at.route != answer.route or before.route != answer.route:
        if problems:
            raise PropertyViolationError(
                prop,
                pack,
                f"repair of {record_id}: " + "; ".join(problems),
                [_repair_case(prop, subject, record_id, on, decl, {"earliest": earliest})],
            )
        return False
    if not timed_met(at):
        unmet = [c.id for c in at.conditions if c.id in timed and not c.met]
        problems.append(f"on the earliest date {earliest} time condition(s) {unmet} are not met")
    if timed_met(before):
        problems.append(f"the time conditions already hold on {earliest - dt.timedelta(days=1)}, before {earliest}")
    if not problems:
        return True
    cases = [
        _repair_case(prop, subject, record_id, on, decl, {"earliest": earliest}),
        _repair_case(prop, subject, record_id, earliest, decl, {"eligible": at.eligible, "earliest": at.earliest}),
    ]
    raise PropertyViolationError(prop, pack, f"repair of {record_id}: " + "; ".join(problems), cases)


def check_deadline_working_days(
    pack: CompiledPack,
    deadline_id: str,
    start: dt.date,
    *,
    calendar: OfficialCalendar | None = None,
    exemptions: Exemptions = None,
) -> bool:
    """Every due date of the chain from ``deadline_id`` (counted from ``start``) is a working day
    after its start; a ``working_days`` deadline is exactly that many working days later, a month
    or year deadline is the first working day on or after the end of the period."""
    prop = DEADLINE_WORKING_DAYS
    if _whole_exemption(pack, prop, exemptions) is not None:
        return False
    cal = calendar or default_calendar()
    try:
        answers = deadline_chain(pack, deadline_id, start, calendar=cal, override_validity=True)
        single = compute_deadline(pack, deadline_id, start, calendar=cal, override_validity=True)
    except CalendarError:
        return False  # a year whose official schedule is not known: refused by name, not a violation
    problems: list[str] = []
    if single.due.value != answers[0].due.value:
        problems.append(f"{deadline_id}: the chain and the single computation disagree")
    for a in answers:
        d, due = a.deadline, a.due.value
        try:
            working = cal.is_working_day(due)
            if d.working_days is not None:
                counted = cal.count_working_days(a.start, due)
                if counted != d.working_days:
                    problems.append(f"{d.id}: {counted} working days from {a.start} to {due}, not {d.working_days}")
            else:
                end = period_end(a.start, years=d.years or 0, months=d.months or 0).value
                if due < end:
                    problems.append(f"{d.id}: due {due} before the period ends on {end}")
                day = end
                while day < due:
                    if cal.is_working_day(day):
                        problems.append(f"{d.id}: {day} is a working day on or after {end}, but due is {due}")
                        break
                    day += dt.timedelta(days=1)
        except CalendarError:
            return False
        if not working:
            problems.append(f"{d.id}: due {due} (from {a.start}) is not a working day")
        if due <= a.start:
            problems.append(f"{d.id}: due {due} is not after the start {a.start}")
    if not problems:
        return True
    case = {
        "name": f"{prop}: {deadline_id} from {start.isoformat()}",
        "deadline": {"id": deadline_id, "start": start},
        "override_validity": True,
        "expect": {"due": answers[0].due.value},
    }
    raise PropertyViolationError(prop, pack, "; ".join(problems), [case])


#: The check function of every property that runs on one (pack, subject, cycle).
SUBJECT_CHECKS: dict[str, Callable[..., bool]] = {
    ACCOUNTING: check_accounting,
    TRACE_RECORDS: check_trace_records,
    BANDS: check_bands,
    DETERMINISM: check_determinism,
    ROUND_TRIP: check_round_trip,
}
