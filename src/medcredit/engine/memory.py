"""What an evaluation remembers across time: earlier results, tenure, repairs that took effect, and
the day an accumulated fact reached a threshold.

Pure functions of the subject's history, the pack and the evaluation point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from medcredit.engine.operation import IGNORED_OBJECTIONS, whole_months
from medcredit.history.model import PriorResult, Record
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.memory import CPrior, CThreshold
from medcredit.time.periods import month_period_end
from medcredit.trace.result import InputRecord, Sanction
from medcredit.trace.steps import RepairedStep, ThresholdStep

_UNKNOWN = -1


def tenure(designated: dt.date | None, day: dt.date) -> tuple[int, int]:
    """Whole (years, months) since ``designated`` at ``day``: a month is complete on its corresponding day
    (《民法典》 第二百零一、二百零二条); (-1, -1) when the date is not given or is later."""
    if designated is None or designated > day:
        return _UNKNOWN, _UNKNOWN
    months = whole_months(designated, day)
    return months // 12, months


def prior_values(
    pack: CompiledPack, results: Mapping[int, tuple[str, str | None]], cycle: int
) -> tuple[tuple[str, bool | str], ...]:
    """The value of each prior name for ``cycle``, from earlier results by cycle: (status, grade)."""
    order = pack.grade_order
    out: list[tuple[str, bool | str]] = []
    for p in pack.priors:
        earlier = [results.get(cycle - k) for k in range(1, p.cycles + 1)]
        graded = [g for r in earlier if r is not None and r[0] == "graded" and (g := r[1] or "") in order]
        out.append((p.id, _prior(p, earlier, graded, order)))
    return tuple(out)


def _prior(
    p: CPrior, earlier: list[tuple[str, str | None] | None], graded: list[str], order: Mapping[str, int]
) -> bool | str:
    if p.kind == "at_or_below":
        assert p.grade is not None
        bar = order[p.grade]
        return all(r is not None and r[0] == "graded" and order.get(r[1] or "", -1) >= bar for r in earlier)
    if p.kind == "grade_back":
        last = earlier[-1]
        return (last[1] or "") if last is not None and last[0] == "graded" else ""
    return max(graded, key=lambda g: order[g], default="")


def prior_results(given: Iterable[PriorResult]) -> dict[int, tuple[str, str | None]]:
    return {p.year: (p.status, p.grade) for p in given}


def repaired(
    pack: CompiledPack, records: list[InputRecord], cycle: int, day: dt.date
) -> dict[int, tuple[int, dt.date]]:
    """Records a granted repair has taken out by ``day``: index → (repair record index, effective date).

    ``on_grant``: from the repair decision's date; ``next_cycle``: from 1 January after it.  A later
    ``repair_revoked`` for the same record (辽宁 第三十六条) restores it.
    """
    if pack.repair_takes_effect is None:
        return {}
    by_id = {item.record.id: i for i, item in enumerate(records) if item.record.id is not None}
    granted: dict[int, tuple[int, dt.date]] = {}
    revoked: dict[int, dt.date] = {}
    for i, item in enumerate(records):
        rec = item.record
        target = by_id.get(rec.ref) if rec.ref is not None else None
        if target is None or rec.date > day or rec.date < records[target].record.date:
            continue  # no such record, a decision after the evaluation date, or one before the record existed
        if rec.kind == "repair_granted":
            effective = rec.date if pack.repair_takes_effect == "on_grant" else dt.date(rec.date.year + 1, 1, 1)
            if effective <= day and (target not in granted or granted[target][1] < effective):
                granted[target] = (i, effective)
        elif rec.kind == "repair_revoked":
            revoked[target] = max(rec.date, revoked.get(target, rec.date))
    return {t: g for t, g in granted.items() if revoked.get(t, dt.date.min) < records[g[0]].record.date}


def repaired_steps(pack: CompiledPack, taken_out: Mapping[int, tuple[int, dt.date]]) -> list[RepairedStep]:
    effect = pack.model.repair_effect
    if effect is None:
        return []
    return [RepairedStep("repair_effect", (i, g), when, effect.cite) for i, (g, when) in sorted(taken_out.items())]


def _contribution(aggregate: str, record: Record) -> Decimal:
    if aggregate == "sum_points":
        return record.points or Decimal(0)
    if aggregate == "sum_amount":
        return record.amount or Decimal(0)
    return Decimal(1)


def sanctions(
    pack: CompiledPack, records: list[InputRecord], fact_records: list[list[int]], day: dt.date
) -> tuple[tuple[Sanction, ...], list[ThresholdStep]]:
    """Every sanction a threshold started by ``day``, with its start, term and the records that reached it."""
    found: list[Sanction] = []
    steps: list[ThresholdStep] = []
    for t in pack.thresholds:
        aggregate = pack.facts[t.fact].aggregate
        taken = sorted(fact_records[t.fact], key=lambda i: (records[i].record.date, i))
        groups: dict[int, list[int]] = {}
        for i in taken:
            year = records[i].record.date.year if t.calendar_year else 0
            groups.setdefault(year, []).append(i)
        for indices in groups.values():
            hit = _reached(t, aggregate, [(i, records[i].record) for i in indices])
            if hit is not None:
                sanction, step = _sanction(t, hit, day)
                found.append(sanction)
                steps.append(step)
    return tuple(sorted(found, key=lambda s: (s.start, s.id))), sorted(steps, key=lambda s: (s.start, s.ref))


def _reached(
    t: CThreshold, aggregate: str, items: list[tuple[int, Record]]
) -> tuple[dt.date, Decimal, tuple[int, ...], bool] | None:
    """The first day the running total reaches the threshold (records of one day count together)."""
    total = Decimal(0)
    k = 0
    while k < len(items):
        day = items[k][1].date
        same = [x for x in items[k:] if x[1].date == day]
        k += len(same)
        total += sum((_contribution(aggregate, r) for _, r in same), Decimal(0))
        if total >= t.reaches:
            single = any(_contribution(aggregate, r) >= t.reaches for _, r in same)
            used = tuple(i for i, r in items[:k])
            return day, total, used, single
    return None


def _sanction(
    t: CThreshold, hit: tuple[dt.date, Decimal, tuple[int, ...], bool], day: dt.date
) -> tuple[Sanction, ThresholdStep]:
    start, total, used, single = hit
    route = "single_event" if single else "accumulation"
    term = t.term_for(single)
    end = latest = None
    if term is not None:
        end = month_period_end(start, term.low)
        latest = None if term.fixed else month_period_end(start, term.high)
    active = start <= day and (latest or end or dt.date.max) >= day
    sanction = Sanction(t.id, t.kind, start, end, latest, route, total, used, active)
    return sanction, ThresholdStep(t.id, used, total, start, end, latest, route, t.cite)


def days_since(kinds: tuple[str, ...], records: list[InputRecord], day: dt.date) -> tuple[int, ...]:
    """Days from the latest record of each kind (dated on or before ``day``) to ``day``; -1 when none.

    A record whose objection was upheld or deleted as unverifiable does not count (as for facts).
    """
    latest: dict[str, dt.date] = {}
    for item in records:
        rec = item.record
        if rec.kind not in kinds or rec.date > day:
            continue
        if rec.objection is not None and rec.objection.status in IGNORED_OBJECTIONS:
            continue
        if rec.kind not in latest or rec.date > latest[rec.kind]:
            latest[rec.kind] = rec.date
    return tuple((day - latest[k]).days if k in latest else _UNKNOWN for k in kinds)
