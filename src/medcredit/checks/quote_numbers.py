"""Quote–parameter consistency: the numbers a rule quotes are the numbers it uses.

Every element quotes its clause verbatim, so the clause's numbers (扣5分,
1万元以上, 3个月, 五个工作日, 不低于20%) can be read back and compared with the
element's parameters.  A parameter edited without its quote (or a quote
replaced without its parameters) is then caught statically.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from medcredit.checks.base import Check, CheckContext, register
from medcredit.diagnostics.problems import Problem, YamlPath
from medcredit.pack.intervals import parse_interval
from medcredit.pack.model import Pack, ParamRange

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_POWERS = {"十": 10, "百": 100, "千": 1000}
_CN = "零〇一二两三四五六七八九十百千"
_NUM = rf"(?:\d+(?:\.\d+)?|[{_CN}]+)"
_RANGE = r"\s*[—~～\-－至到]\s*"


def chinese_number(text: str) -> Decimal:
    """``'5'`` → 5, ``'五'`` → 5, ``'十五'`` → 15, ``'二十'`` → 20, ``'两'`` → 2, ``'一百零五'`` → 105."""
    if text[0].isdigit():
        return Decimal(text)
    total = pending = 0
    for ch in text:
        if ch in _DIGITS:
            pending = _DIGITS[ch]
        else:
            total += (pending or 1) * _POWERS[ch]
            pending = 0
    return Decimal(total + pending)


#: unit → pattern whose last group is the number (an optional range start precedes it)
_UNITS: dict[str, tuple[str, Decimal]] = {
    "points": (rf"(?:扣除?|加|减|记满?|达到)(?:({_NUM}){_RANGE})?({_NUM})分", Decimal(1)),
    "yuan": (rf"(?:({_NUM}){_RANGE})?({_NUM})元", Decimal(1)),
    "ten_thousand_yuan": (rf"(?:({_NUM}){_RANGE})?({_NUM})万元", Decimal(10000)),
    "working_days": (rf"(?:({_NUM}){_RANGE})?({_NUM})个*工作日", Decimal(1)),
    "months": (rf"(?:({_NUM}){_RANGE})?({_NUM})个月", Decimal(1)),
    # a period of years, not a date: at most three digits, not followed by a month
    "years": (rf"(?<![\d{_CN}])(?:({_NUM}){_RANGE})?(\d{{1,3}}|[{_CN}]+)年(?!\d|[{_CN}]+月)", Decimal(1)),
    "percentage_points": (rf"(?:({_NUM}){_RANGE})?({_NUM})个?百分点", Decimal(1)),
    "percent": (rf"(?:({_NUM}){_RANGE})?({_NUM})\s*[%％]|百分之({_NUM})", Decimal(1)),
    "times": (rf"(?:({_NUM}){_RANGE})?({_NUM})次", Decimal(1)),
}
_COMPILED = {unit: (re.compile(pattern), scale) for unit, (pattern, scale) in _UNITS.items()}


def quoted_numbers(quote: str) -> dict[str, dict[Decimal, str]]:
    """Unit → {value → the words that state it}, for the numbers with a unit in ``quote``.

    Amounts in 元 and 万元 are both reported in yuan (``1万元`` → 10000).
    """
    text = re.sub(r"\s+", "", quote)
    found: dict[str, dict[Decimal, str]] = {}
    for unit, (pattern, scale) in _COMPILED.items():
        key = "yuan" if unit == "ten_thousand_yuan" else unit
        for match in pattern.finditer(text):
            for group in match.groups():
                if group:
                    found.setdefault(key, {})[chinese_number(group) * scale] = match.group(0)
    return found


@dataclass(frozen=True)
class Parameter:
    """A number an element uses, where it is written, and its unit in the quote's terms."""

    unit: str
    value: Decimal
    path: YamlPath
    label: str


def _term(term: Mapping[Literal["years", "months"], int] | None, path: YamlPath) -> list[Parameter]:
    return [Parameter(unit, Decimal(v), (*path, unit), unit) for unit, v in (term or {}).items()]


def _number_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _elements(pack: Pack) -> Iterator[tuple[str, YamlPath, str, list[Parameter], bool]]:  # noqa: C901  (one flat walk over every kind of pack element)
    """(element label, path, quote, parameters, whether every quoted number must be a parameter)."""
    facts = {f.id: f for f in pack.facts}
    for i, rule in enumerate(pack.rules):
        path: YamlPath = ("rules", i)
        params: list[Parameter] = []
        for name in ("per_occurrence", "once", "cap", "per_point"):
            value = getattr(rule, name)
            if value is not None:
                params.append(Parameter("points", value, (*path, name), name))
        if rule.per_point is not None:  # "每记1分扣0.5分": the unit point the rule counts in is part of its words
            params.append(Parameter("points", Decimal(1), (*path, "per_point"), "per point"))
        fact = facts.get(rule.fact)
        for j, tier in enumerate(rule.tiers or []):
            params.append(Parameter("points", tier.points, (*path, "tiers", j, "points"), f"tier {tier.range}"))
            if fact is not None and fact.aggregate == "sum_amount":
                interval = parse_interval(tier.range)
                for bound in (interval.low, interval.high):
                    if bound is not None and bound != 0:
                        params.append(Parameter("yuan", bound, (*path, "tiers", j, "range"), f"tier {tier.range}"))
        for j, row in enumerate(rule.table or []):
            if row.points == 0:
                continue  # "不加分": the quote states no number for a row that gives nothing
            where: YamlPath = (*path, "table", j)
            row_param = Parameter("points", row.points, (*where, "points"), f"row {row.severity or row.level}")
            params.append(row_param)
            yield f"rule '{rule.id}' row {row.severity or row.level}", where, row.cite.quote, [row_param], True
        # a scorecard line's numbers are all parameters: a quoted amount or points figure with no
        # counterpart means a tier was dropped or changed
        yield f"rule '{rule.id}'", path, rule.cite.quote, params, True
    for i, threshold in enumerate(pack.thresholds):
        path = ("thresholds", i)
        params = [Parameter("points", threshold.reaches, (*path, "reaches"), "reaches")]
        for name in ("term", "single_event", "accumulation"):
            term = getattr(threshold, name)
            for unit in ("months", "years") if term is not None else ():
                value = getattr(term, unit)
                bounds = [value] if isinstance(value, int) else [] if value is None else [value.min, value.max]
                params += [Parameter(unit, Decimal(b), (*path, name, unit), f"{name} {unit}") for b in bounds]
        yield f"threshold '{threshold.id}'", path, threshold.cite.quote, params, False
    for i, window in enumerate(pack.record_windows):
        path = ("record_windows", i)
        params = [
            Parameter(unit, Decimal(v), (*path, unit), unit)
            for unit, v in (("months", window.months), ("years", window.years))
            if v is not None
        ]
        yield f"record window '{window.id}'", path, window.cite.quote, params, False
    for i, dl in enumerate(pack.deadlines):
        path = ("deadlines", i)
        params = [
            Parameter(unit, Decimal(v), (*path, unit), unit)
            for unit, v in (("working_days", dl.working_days), ("months", dl.months), ("years", dl.years))
            if v is not None
        ]
        yield f"deadline '{dl.id}'", path, dl.cite.quote, params, False
    for i, lst in enumerate(pack.lists):
        yield f"list '{lst.id}'", ("lists", i), lst.cite.quote, _term(lst.term, ("lists", i, "term")), False
    for i, lc in enumerate(pack.linked_consequences):
        path = ("linked_consequences", i)
        yield f"consequence '{lc.id}'", path, lc.cite.quote, _term(lc.term, (*path, "term")), False
    for i, route in enumerate(pack.repair):
        for j, cond in enumerate(route.conditions):
            path = ("repair", i, "conditions", j)
            params = []
            if cond.waiting is not None:
                for unit in ("months", "years"):
                    value = getattr(cond.waiting, unit)
                    if value is not None:
                        params.append(Parameter(unit, Decimal(value), (*path, "waiting", unit), f"waiting {unit}"))
            if cond.years is not None:
                params.append(Parameter("years", Decimal(cond.years), (*path, "years"), "years"))
            yield f"repair condition '{route.id}.{cond.id}'", path, cond.cite.quote, params, False
    if pack.reports is not None:
        path = ("reports",)
        params = _term(pack.reports.max_validity, (*path, "max_validity"))
        yield "reports", path, pack.reports.cite.quote, params, False
    for i, measure in enumerate(pack.measures):
        path = ("measures", i)
        params = []
        for name, value in measure.params.items():
            if isinstance(value, ParamRange):
                for bound in (value.min, value.max):
                    if bound is not None:
                        # 下调5个百分点 is stored as -5: the quote states the size, the sign is the direction
                        params.append(Parameter(value.unit, abs(bound), (*path, "params", name), name))
        yield f"measure '{measure.id}'", path, measure.cite.quote, params, False


@register
class QuoteParameters(Check):
    """A number in an element's quoted clause disagrees with the element's parameters.

    Anti-pattern: changing a rule's points, a tier's bounds, a deadline's working
    days, a term or a measure's range without changing the clause it quotes (or
    quoting a different clause without updating the numbers).  The quote still
    says 扣5分 while the rule deducts 10.  The check reads the numbers with a unit
    in the quote — 扣N分, N元 / N万元, N个工作日, N个月, N年 (a period, not a
    date), N个百分点, N%, N次; Arabic or Chinese numerals (五, 十五, 两), ranges
    such as 3—6个月 or 1~5个百分点 — and reports every parameter whose value the
    quote does not state in that unit; for scorecard rules, also every quoted
    points figure or amount that no parameter uses.  A unit the quote does not
    mention is not compared.  Best practice: edit the parameter and its quote
    together; if the law really states the number elsewhere, quote that words.
    Warning; an error under ``--strict``.
    """

    id = "quote-parameters"
    level = "warning"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        for label, path, quote, params, exhaustive in _elements(ctx.pack.model):
            numbers = quoted_numbers(quote)
            for param in params:
                stated = numbers.get(param.unit)
                if stated is None or param.value in stated:
                    continue
                says = "、".join(sorted(set(stated.values())))
                yield self.problem(
                    ctx,
                    f"{label}: {param.label} is {_number_text(param.value)} ({param.unit}) but its quote says {says}",
                    param.path,
                )
            if not exhaustive:
                continue
            for unit, stated in numbers.items():
                used = {p.value for p in params if p.unit == unit}
                if unit not in ("points", "yuan"):
                    continue
                for value, words in sorted(stated.items()):
                    if value not in used:
                        yield self.problem(
                            ctx,
                            f"{label}: its quote says {words} but no parameter uses {_number_text(value)} ({unit})",
                            (*path, "cite", "quote"),
                        )
