"""Hypothesis strategies that generate valid subject histories for any pack.

Everything is read from the compiled pack and the shared catalogue, never from
the pack's name: the categories the pack covers (and a few it does not), the
record kinds its facts match and the violation codes they name, the values of
the ``where`` fields they test, the edges of every amount tier (±0.01 yuan) and
of every band (±0.01 points), and cycles inside the pack's validity window.
Dates fall inside the cycle, on its first and last day, and outside it on both
sides.  Every generated history passes :class:`medcredit.Subject` validation.

Strategies shrink towards short histories of in-cycle records with few fields,
so a counterexample is small enough to read and to paste as a pack-test case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import assume
from hypothesis import strategies as st
from pydantic import ValidationError

from medcredit.engine.validity import check_validity
from medcredit.history.catalogue import catalogue
from medcredit.history.identifiers import resident_id_check_char, uscc_check_char
from medcredit.history.model import (
    HONOUR_LEVELS,
    INSTITUTION_CATEGORIES,
    REQUIRED_FIELDS,
    SEVERITIES,
    Subject,
    SubjectCategory,
)
from medcredit.pack.compiled import CFact, CompiledPack

_CENT = Decimal("0.01")
_MAX_AMOUNT = Decimal("500000.00")
_METHODS = ("on_site", "online", "special", "other")
_OBJECTIONS = ("pending", "upheld", "corrected", "rejected", "deleted_unverifiable")
_ROLES = ("legal_representative", "principal", "actual_controller")


def institution_id(n: int) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015) numbered ``n``."""
    body = f"92500237MA5U{n % 100000:05d}"
    return body + uscc_check_char(body)


def person_id(n: int) -> str:
    """A valid 公民身份号码 (GB 11643-1999) numbered ``n`` (born 1 January 1980)."""
    body = f"50023719800101{n % 1000:03d}"
    return body + resident_id_check_char(body)


def subject_id(category: str, n: int) -> str:
    cat = SubjectCategory(category)
    return institution_id(n) if cat in INSTITUTION_CATEGORIES else person_id(n)


@dataclass(frozen=True)
class PackShape:
    """What the strategies need to know about a pack, read from the compiled pack."""

    pack: CompiledPack
    categories: tuple[str, ...]
    uncovered: tuple[str, ...]
    kinds: tuple[str, ...]
    other_kinds: tuple[str, ...]
    codes: dict[str, tuple[str, ...]]
    where_values: dict[str, tuple[Any, ...]]
    amount_edges: tuple[Decimal, ...]
    score_edges: tuple[Decimal, ...]
    cycles: tuple[int, ...]
    requires_document: frozenset[str] = field(default_factory=frozenset)
    enablers: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)

    @property
    def all_kinds(self) -> tuple[str, ...]:
        return self.kinds + self.other_kinds

    @property
    def dynamic(self) -> bool:
        """The pack reads severities, honour levels, records' own points or publicity windows: only then
        do the strategies draw those fields (so other packs' examples stay as they were)."""
        pack = self.pack
        return bool(pack.windows or pack.splits) or any(
            f.in_force or f.aggregate == "sum_points" or any(n in ("severity", "level") for n, _ in f.where)
            for f in pack.facts
        )


def _valid_codes(kind: str) -> tuple[str, ...]:
    cat = catalogue()
    if "code" not in cat.record_kinds[kind].fields:
        return ()
    if kind == "fraud":
        return tuple(sorted(c for c, v in cat.violations.items() if v.fraud))
    if kind == "violation":
        return tuple(sorted(c for c, v in cat.violations.items() if not v.fraud))
    return tuple(sorted(cat.violations))


def _edges(bounds: list[Decimal], low: Decimal, high: Decimal) -> tuple[Decimal, ...]:
    out: set[Decimal] = set()
    for b in bounds:
        for v in (b - _CENT, b, b + _CENT):
            if low <= v <= high:
                out.add(v.quantize(_CENT))
    return tuple(sorted(out))


def valid_cycles(pack: CompiledPack, around: range = range(2015, 2036)) -> tuple[int, ...]:
    """Cycles the pack may be evaluated for (without overriding its validity)."""
    return tuple(y for y in around if check_validity(pack, y))


def pack_shape(pack: CompiledPack) -> PackShape:
    """Read the generation parameters from a compiled pack."""
    cat = catalogue()
    model = pack.model
    used_kinds = sorted(pack.kind_to_facts)
    repair_kinds = {k for r in model.repair for k in r.applies_to.kinds} | {
        k for r in model.repair for c in r.conditions for k in c.kinds
    }
    other = sorted(set(cat.record_kinds) - set(used_kinds))
    # kinds used only by repair routes come first among the others: they matter there
    other.sort(key=lambda k: (k not in repair_kinds, k))
    codes: dict[str, tuple[str, ...]] = {}
    where_values: dict[str, set[Any]] = {}
    for fact in pack.facts:
        mentioned = set(fact.codes or ()) | set(fact.exclude_codes)
        for kind in fact.kinds:
            valid = set(_valid_codes(kind))
            codes[kind] = tuple(sorted(set(codes.get(kind, ())) | (mentioned & valid)))
        for name, allowed in fact.where:
            where_values.setdefault(name, set()).update(allowed)
    for route in model.repair:
        refs = list(route.applies_to.codes or [])
        try:
            mentioned = set(cat.expand_codes(refs))
        except KeyError:
            mentioned = set()
        for kind in route.applies_to.kinds:
            if kind in cat.record_kinds:
                valid = set(_valid_codes(kind))
                codes[kind] = tuple(sorted(set(codes.get(kind, ())) | (mentioned & valid)))
    amount_bounds: list[Decimal] = []
    for path in pack.path_by_category.values():
        for rule in path.rules:
            for tier in rule.tiers:
                for b in (tier.interval.low, tier.interval.high):
                    if b is not None:
                        amount_bounds.append(b)
    score_bounds: list[Decimal] = []
    for bs in pack.bands.values():
        for band in bs.bands:
            for b in (band.interval.low, band.interval.high):
                if b is not None:
                    score_bounds.append(b)
        domain = getattr(bs, "domain", None)
        if domain is not None:
            for b in (domain.low, domain.high):
                if b is not None:
                    score_bounds.append(b)
    cycles = valid_cycles(pack)
    covered = set(model.categories)
    uncovered = tuple(c.value for c in SubjectCategory if c.value not in covered)
    enablers = {c: find_enablers(pack, c, cycles[0]) for c in model.categories} if cycles else {}
    return PackShape(
        pack=pack,
        categories=tuple(model.categories),
        uncovered=uncovered,
        kinds=tuple(used_kinds),
        other_kinds=tuple(other),
        codes=codes,
        where_values={k: tuple(sorted(v, key=repr)) for k, v in where_values.items()},
        amount_edges=_edges(amount_bounds, _CENT, _MAX_AMOUNT),
        score_edges=_edges(score_bounds, Decimal(-1000), Decimal(1000)),
        cycles=cycles,
        requires_document=frozenset(k for f in pack.facts if f.requires_document for k in f.kinds),
        enablers={c: e for c, e in enablers.items() if e},
    )


SCORE_PLACEHOLDER = "score"


def _record_for(fact: CFact, kind: str, cycle: int) -> dict[str, Any] | None:
    """The simplest in-cycle record of ``kind`` that ``fact`` takes (a score is a placeholder)."""
    cat = catalogue()
    fields = cat.record_kinds[kind].fields
    rec: dict[str, Any] = {"kind": kind, "date": dt.date(cycle, 6, 30)}
    needed = set(REQUIRED_FIELDS.get(kind, ()))
    if fact.codes is not None:
        valid = [c for c in sorted(fact.codes) if c in _valid_codes(kind) and c not in fact.exclude_codes]
        if not valid:
            return None
        rec["code"] = valid[0]
    elif "code" in needed:
        valid = [c for c in _valid_codes(kind) if c not in fact.exclude_codes]
        if not valid:
            return None
        rec["code"] = valid[0]
    for name, allowed in fact.where:
        if name not in fields or not allowed:
            return None
        rec[name] = sorted(allowed, key=repr)[0]
    if "amount" in needed:
        rec["amount"] = Decimal("1.00")
    if "reason" in needed and "reason" not in rec:
        rec["reason"] = "expired"
    if "year" in needed:
        rec["year"] = cycle
    if "score" in needed and "level" not in rec:  # a level alone grades (巫山 第十八条（一）)
        rec["score"] = SCORE_PLACEHOLDER
    if "ref" in needed:
        rec["ref"] = "r1"
    if fact.requires_document:
        rec["document"] = {"kind": "administrative_decision", "number": "决定书1号"}
    return rec


def _concrete(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: (Decimal(75) if v == SCORE_PLACEHOLDER else v) for k, v in rec.items()}


def _progress(result: Any) -> tuple[int, int]:
    rank = {"graded": 3, "not_evaluable": 2, "excluded": 1}.get(result.status, 0)
    return rank, -len(result.exclusions)


def find_enablers(pack: CompiledPack, category: str, cycle: int, rounds: int = 6) -> tuple[dict[str, Any], ...]:
    """In-cycle records that let a plain subject of ``category`` be graded under ``pack``.

    A greedy search on the compiled pack, not on its name: while an exclusion fires,
    try one record of each kind its facts take and keep one that stops it; while a
    supplied score is missing, add a score record.  Returns what was found (possibly
    nothing: then generated subjects of the category are rarely graded).
    """
    from medcredit.engine.evaluation import evaluate

    base = {"id": subject_id(category, 1), "category": category, "opened": dt.date(cycle - 10, 1, 1)}
    if category == SubjectCategory.VILLAGE_CLINIC.value:
        base["parent_id"] = institution_id(501)
    found: list[dict[str, Any]] = []

    def result_with(extra: list[dict[str, Any]]) -> Any:
        try:
            subject = Subject.model_validate({**base, "records": [_concrete(r) for r in extra]})
            return evaluate(pack, subject, cycle, trace=False, override_validity=True)
        except (ValidationError, ValueError):
            return None

    for _ in range(rounds):
        result = result_with(found)
        if result is None or result.status == "graded":
            break
        candidates: list[dict[str, Any]] = []
        if result.status == "excluded":
            by_id = {e.id: e for e in pack.exclusions}
            for exc_id in result.exclusions:
                for fi in by_id[exc_id].facts:
                    fact = pack.facts[fi]
                    kinds = sorted(fact.kinds, key=lambda k: (len(REQUIRED_FIELDS.get(k, ())), k))
                    candidates.extend(r for k in kinds if (r := _record_for(fact, k, cycle)) is not None)
        elif result.status == "not_evaluable" and result.reason == "missing_score":
            path = pack.path_by_category.get(category)
            if path is not None and path.score_fact is not None:
                fact = pack.facts[path.score_fact]
                candidates.extend(r for k in sorted(fact.kinds) if (r := _record_for(fact, k, cycle)) is not None)
        progress = False
        for cand in candidates:
            after = result_with([*found, cand])
            if after is None:
                continue
            if _progress(after) > _progress(result):
                found.append(cand)
                progress = True
                break
        if not progress:
            break
    path = pack.path_by_category.get(category)
    if path is not None and path.method == "classification" and path.score_fact is not None:
        # a supplied score is optional on a classification path: supply one so bands are exercised
        fact = pack.facts[path.score_fact]
        if not any(r["kind"] in fact.kinds for r in found):
            found.extend(r for k in sorted(fact.kinds)[:1] if (r := _record_for(fact, k, cycle)) is not None)
    return tuple(found)


# ----------------------------------------------------------------------------- scalars


T = TypeVar("T")


@st.composite
def weighted(draw: st.DrawFn, *options: tuple[int, st.SearchStrategy[T]]) -> T:
    """One of ``options`` (weight, strategy), chosen by weight; shrinks towards the first option.

    (``st.one_of`` with a strategy repeated does not weight it: hypothesis merges equal branches.)
    """
    total = sum(w for w, _ in options if w > 0)
    pick = draw(st.integers(min_value=0, max_value=total - 1))
    for w, strategy in options:
        if w <= 0:
            continue
        if pick < w:
            return draw(strategy)
        pick -= w
    raise AssertionError("unreachable")  # pragma: no cover


def rarely(draw: st.DrawFn, one_in: int) -> bool:
    """True about once in ``one_in`` draws; shrinks to False."""
    return draw(st.integers(min_value=0, max_value=one_in - 1)) == one_in - 1


def cycles(shape: PackShape) -> st.SearchStrategy[int]:
    """A cycle inside the pack's validity (the earliest first, for shrinking)."""
    if not shape.cycles:
        raise ValueError(f"pack '{shape.pack.id}' is valid for no cycle between 2015 and 2035")
    return st.sampled_from(shape.cycles)


def dates(cycle: int) -> st.SearchStrategy[dt.date]:
    """Dates inside the cycle, on its edges, and outside it on both sides."""
    start, end = dt.date(cycle, 1, 1), dt.date(cycle, 12, 31)
    edges = [start, end, start - dt.timedelta(days=1), end + dt.timedelta(days=1)]
    inside = st.dates(min_value=start, max_value=end)
    wide = st.dates(min_value=dt.date(cycle - 3, 1, 1), max_value=dt.date(cycle + 2, 12, 31))
    return weighted((6, inside), (2, st.sampled_from(edges)), (2, wide))


def in_cycle_dates(cycle: int) -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=dt.date(cycle, 1, 1), max_value=dt.date(cycle, 12, 31))


def amounts(shape: PackShape) -> st.SearchStrategy[Decimal]:
    """Amounts in yuan (two decimals): every tier edge ±0.01, and anything up to 500,000."""
    parts: list[st.SearchStrategy[Decimal]] = []
    if shape.amount_edges:
        parts.append(st.sampled_from(shape.amount_edges))
    return weighted(
        (1, st.decimals(min_value=_CENT, max_value=_MAX_AMOUNT, places=2)),
        (2 if shape.amount_edges else 0, st.sampled_from(shape.amount_edges or (_CENT,))),
    )


def scores(shape: PackShape) -> st.SearchStrategy[Decimal]:
    """Assessment or risk scores: every band edge ±0.01, and anything in [-1000, 1000]."""
    parts: list[st.SearchStrategy[Decimal]] = []
    if shape.score_edges:
        parts.append(st.sampled_from(shape.score_edges))
    return weighted(
        (1, st.decimals(min_value=Decimal(-1000), max_value=Decimal(1000), places=2)),
        (2 if shape.score_edges else 0, st.sampled_from(shape.score_edges or (Decimal(0),))),
    )


# ----------------------------------------------------------------------------- records


@st.composite
def record_data(
    draw: st.DrawFn,
    shape: PackShape,
    cycle: int,
    *,
    kinds: tuple[str, ...] | None = None,
    date: st.SearchStrategy[dt.date] | None = None,
) -> dict[str, Any]:
    """One record as a dict (validated by :class:`medcredit.Record` when the subject is built)."""
    cat = catalogue()
    if kinds is None:
        kind = draw(
            weighted(
                (3 if shape.kinds else 0, st.sampled_from(shape.kinds or ("inspection",))),
                (1 if shape.other_kinds else 0, st.sampled_from(shape.other_kinds or ("inspection",))),
            )
        )
    else:
        kind = draw(st.sampled_from(kinds))
    fields = set(cat.record_kinds[kind].fields)
    required = set(REQUIRED_FIELDS.get(kind, ()))
    rec: dict[str, Any] = {"kind": kind, "date": draw(date if date is not None else dates(cycle))}

    def want(name: str) -> bool:
        return name in required or (name in fields and draw(st.booleans()))

    if want("code"):
        mentioned = shape.codes.get(kind, ())
        valid = _valid_codes(kind)
        rec["code"] = draw(
            weighted((2 if mentioned else 0, st.sampled_from(mentioned or valid)), (1, st.sampled_from(valid)))
        )
    if want("amount"):
        rec["amount"] = draw(amounts(shape))
    if want("reason"):
        rec["reason"] = draw(st.sampled_from(sorted(cat.agreement_end_reasons)))
    if want("year"):
        rec["year"] = draw(st.sampled_from((cycle, cycle - 1, cycle + 1)))
    if want("score"):
        rec["score"] = draw(scores(shape))
    if want("months"):
        rec["months"] = draw(st.integers(min_value=1, max_value=12))
    if want("method"):
        rec["method"] = draw(st.sampled_from(_METHODS))
    if want("publicity_start"):
        rec["publicity_start"] = rec["date"] + dt.timedelta(days=draw(st.integers(0, 30)))
    if want("term_months"):
        rec["term_months"] = draw(st.sampled_from((6, 12, 36)))
    for flag in ("fulfilled", "referred_to_judiciary", "unrepairable", "serious_impact"):
        if flag in fields and draw(st.booleans()):
            rec[flag] = draw(st.booleans())
    if want("ref"):
        rec["ref"] = draw(st.sampled_from(("r1", "r2", "r3")))
    if shape.dynamic:
        _dynamic_fields(draw, rec, fields)
    if (kind in shape.requires_document or rarely(draw, 10)) and draw(st.booleans()):
        rec["document"] = {"kind": "administrative_decision", "number": "决定书1号"}
    if rarely(draw, 12):
        rec["objection"] = {"filed": rec["date"], "status": draw(st.sampled_from(_OBJECTIONS))}
    return rec


def _dynamic_fields(draw: st.DrawFn, rec: dict[str, Any], fields: set[str]) -> None:
    """Severity, points, an honour's level and a publicity end, for packs that read them."""
    if "severity" in fields and draw(st.integers(0, 3)):
        rec["severity"] = draw(st.sampled_from(SEVERITIES))
    if "points" in fields and draw(st.booleans()):
        rec["points"] = draw(st.sampled_from((Decimal("0.01"), Decimal(1), Decimal("1.03"), Decimal(3), Decimal(12))))
    if rec["kind"] == "honour" and draw(st.integers(0, 3)):
        rec["level"] = draw(st.sampled_from(HONOUR_LEVELS))
    if "publicity_end" in fields and rarely(draw, 4):
        rec["publicity_end"] = rec.get("publicity_start", rec["date"]) + dt.timedelta(days=draw(st.integers(0, 800)))


def _number_ids(records: list[dict[str, Any]], prefix: str = "r") -> list[dict[str, Any]]:
    return [{**r, "id": f"{prefix}{i + 1}"} for i, r in enumerate(records)]


# ----------------------------------------------------------------------------- subjects


@st.composite
def subject_data(
    draw: st.DrawFn,
    shape: PackShape,
    cycle: int,
    *,
    category: str | None = None,
    max_records: int = 6,
    n: int = 1,
    extras: bool = True,
) -> dict[str, Any]:
    """A subject as a dict: a category the pack covers (sometimes one it does not)."""
    if category is None:
        category = draw(
            weighted(
                (6, st.sampled_from(shape.categories)),
                (1 if shape.uncovered else 0, st.sampled_from(shape.uncovered or shape.categories)),
            )
        )
    cat = SubjectCategory(category)
    institution = cat in INSTITUTION_CATEGORIES
    data: dict[str, Any] = {"id": subject_id(category, n), "category": category}
    opened = draw(
        weighted(
            (4, st.just(dt.date(cycle - 10, 1, 1))),
            (1, st.none()),
            (1, st.dates(min_value=dt.date(cycle - 1, 1, 1), max_value=dt.date(cycle, 12, 31))),
        )
    )
    if opened is not None:
        data["opened"] = opened
    if cat is SubjectCategory.VILLAGE_CLINIC:
        data["parent_id"] = institution_id(n + 500)
    # a few shared days make same-day records (ties in every "latest" rule) common
    days = draw(st.lists(dates(cycle), min_size=1, max_size=3))
    when = weighted((1, dates(cycle)), (1, st.sampled_from(days)))
    records = draw(st.lists(record_data(shape, cycle, date=when), max_size=max_records))
    enablers = shape.enablers.get(category, ())
    if enablers and not rarely(draw, 4):
        # records that let the subject be graded (e.g. an inspection), dated in the cycle
        made = []
        for rec in enablers:
            rec = {**rec, "date": draw(in_cycle_dates(cycle))}
            if rec.get("score") == SCORE_PLACEHOLDER:
                rec["score"] = draw(scores(shape))
            made.append(rec)
        records = made + records
    data["records"] = _number_ids(records)
    if extras and rarely(draw, 6):
        end = draw(dates(cycle))
        if opened is None or end >= opened:
            data["agreement_end"] = {
                "date": end,
                "reason": draw(st.sampled_from(sorted(catalogue().agreement_end_reasons))),
            }
    if extras and institution and rarely(draw, 6):
        clinic_records = draw(st.lists(record_data(shape, cycle), min_size=1, max_size=3))
        data["managed_clinics"] = [{"id": institution_id(n + 700), "records": _number_ids(clinic_records, "c")}]
    if extras and institution and rarely(draw, 4):
        data["linked_persons"] = [{"role": draw(st.sampled_from(_ROLES)), "id": person_id(n + 1)}]
    if extras and not institution and rarely(draw, 6):
        inst_categories = [c for c in shape.categories if SubjectCategory(c) in INSTITUTION_CATEGORIES]
        if inst_categories:
            inst = draw(
                subject_data(
                    shape,
                    cycle,
                    category=draw(st.sampled_from(inst_categories)),
                    max_records=3,
                    n=n + 900,
                    extras=False,
                )
            )
            inst["linked_persons"] = [{"role": draw(st.sampled_from(_ROLES)), "id": data["id"]}]
            data["linked_institutions"] = [inst]
    return data


def build_subject(data: dict[str, Any]) -> Subject:
    """Validate generated data; a combination the history model rejects is discarded."""
    try:
        return Subject.model_validate(data)
    except ValidationError:
        assume(False)
        raise  # pragma: no cover - assume(False) does not return


@st.composite
def subjects(
    draw: st.DrawFn,
    shape: PackShape,
    cycle: int,
    *,
    category: str | None = None,
    max_records: int = 6,
    n: int = 1,
) -> Subject:
    """A validated :class:`medcredit.Subject` for ``cycle``."""
    return build_subject(draw(subject_data(shape, cycle, category=category, max_records=max_records, n=n)))


@st.composite
def subject_and_cycle(draw: st.DrawFn, shape: PackShape, *, max_records: int = 6) -> tuple[Subject, int]:
    """A cycle inside the pack's validity and a subject for it."""
    cycle = draw(cycles(shape))
    return draw(subjects(shape, cycle, max_records=max_records)), cycle


@st.composite
def records(
    draw: st.DrawFn,
    shape: PackShape,
    cycle: int,
    *,
    kinds: tuple[str, ...] | None = None,
    date: st.SearchStrategy[dt.date] | None = None,
    record_id: str = "added",
) -> dict[str, Any]:
    """One record dict with an id, ready to append to a subject's records."""
    return {**draw(record_data(shape, cycle, kinds=kinds, date=date)), "id": record_id}
