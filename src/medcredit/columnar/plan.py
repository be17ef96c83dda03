"""What of a compiled pack the columnar path computes itself, and why the rest falls back.

Derived from the :class:`~medcredit.pack.compiled.CompiledPack` alone, never from
a pack's name: scorecard paths (per-occurrence, once and tiered rules over count
and sum facts, caps, bands) and external-score paths are vectorised, with the
exclusions whose expressions :mod:`medcredit.columnar.vexpr` can evaluate, and
classification paths for subjects that cannot be on a list.  Subjects whose
records feed a list (list status, ``while_listed`` classes, consequences for
linked persons) are graded by the per-subject engine; so is every subject when
an exclusion cannot be vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from medcredit.columnar.vexpr import NotVectorisedError, Num, Value, check
from medcredit.pack.compiled import CompiledPack, CPath


@dataclass(frozen=True, slots=True)
class Plan:
    pack_reason: str | None  # set: every subject falls back, for this reason
    path_reasons: dict[str, str]  # path id → why its subjects fall back
    list_kinds: frozenset[str]  # a subject with a record of these kinds falls back (lists)
    rules: tuple[str, ...]  # the trace matrix columns, in pack order
    scale: int  # decimal places of points and scores on vectorised paths


def decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def sample_names(pack: CompiledPack, size: int = 1) -> dict[str, Value]:
    """Columns of the right kinds for every name an expression may use (for checking)."""
    zeros = np.zeros(size, dtype=np.int64)
    names: dict[str, Value] = {
        "category": np.full(size, "", dtype=object),
        "subject_type": np.full(size, "", dtype=object),
        "cycle": Num(zeros, 0),
        "agreement_end_reason": np.full(size, "", dtype=object),
        "operated_months_in_cycle": Num(zeros, 0),
    }
    for fact in pack.facts:
        if fact.aggregate == "count":
            names[fact.id] = Num(zeros, 0)
        elif fact.aggregate == "sum_amount":
            names[fact.id] = Num(zeros, 2)
        elif fact.aggregate == "any":
            names[fact.id] = np.zeros(size, dtype=bool)
    return names


def _path_reason(path: CPath) -> str | None:
    """Why a path's subjects go to the per-subject engine (None: vectorised)."""
    if path.noted:
        return "noted facts (reported, deciding no class) are not vectorised"
    if path.score_spec is not None:
        return "score arithmetic (rounding, minimum, maximum) is not vectorised"
    if path.overrides:
        return "overrides after scoring are not vectorised"
    if any(c.expression is not None for c in path.classes):
        return "classes decided by an expression are not vectorised"
    if any(r.mode in ("table", "per_point") for r in path.rules):
        return "rules by severity, honour level or records' own points are not vectorised"
    return None  # subjects with list records fall back too (list_kinds)


def make_plan(pack: CompiledPack) -> Plan:
    pack_reason: str | None = None
    names = sample_names(pack)
    for exc in pack.exclusions:
        try:
            check(exc.expression, names)
        except NotVectorisedError as err:
            pack_reason = f"exclusion {exc.id}: {err}"
            break
    if pack_reason is None and any(f.within_validity for f in pack.facts):
        pack_reason = "facts limited to records dated within the validity are not vectorised"
    if pack_reason is None and pack.cycle_kind != "calendar_year":
        pack_reason = f"a cycle of kind {pack.cycle_kind} (evaluation on a date) is graded by the per-subject engine"
    if pack_reason is None and any(f.in_force or f.aggregate == "sum_points" for f in pack.facts):
        pack_reason = "facts over records in force, or over records' own points, are not vectorised"
    if pack_reason is None and (pack.thresholds or pack.priors or pack.repair_takes_effect or pack.uses_tenure):
        pack_reason = (
            "thresholds, prior results, tenure and repairs that take effect are graded by the per-subject engine"
        )
    if pack_reason is None and pack.measure_conditions:
        pack_reason = "measures with a when condition are graded by the per-subject engine"
    if pack_reason is None and pack.term_measures:
        pack_reason = "measures that end with a listing's term are not vectorised"
    if pack.model.linked_consequences and pack_reason is None and not pack.lists:
        pack_reason = "linked consequences without lists are graded by the per-subject engine"
    paths = {p.id: p for p in pack.path_by_category.values()}
    path_reasons = {pid: why for pid, p in sorted(paths.items()) if (why := _path_reason(p)) is not None}
    list_kinds: set[str] = set()
    for lst in pack.lists:
        for f in (*lst.entry, *(() if lst.removal is None else (lst.removal,))):
            list_kinds |= pack.facts[f].kinds
    rules: list[str] = []
    scale = 0
    for rule in pack.rules.values():
        on_path = [p for p in paths.values() if any(r.id == rule.id for r in p.rules)]
        if not on_path:
            continue
        rules.append(rule.id)
    for p in paths.values():
        scale = max(scale, decimals(p.base))
        for crule in p.rules:
            values: list[Any] = [crule.points, *(t.points for t in crule.tiers)]
            if crule.cap is not None:
                values.append(crule.cap)
            scale = max(scale, *(decimals(Decimal(v)) for v in values))
    return Plan(pack_reason, path_reasons, frozenset(list_kinds), tuple(rules), scale)
