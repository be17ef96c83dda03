"""The repair conditions, one registered function per condition type a pack may declare.

Each condition type of the pack format (``RepairCondition.check``) has exactly one
function here, registered with its id and a docstring that documents it; the
registry refuses an id the pack format does not know, and a test checks that
every id the format knows is registered.  So a new condition type can never
fall silently into another's code.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from medcredit.engine.listing import measures_term_end
from medcredit.history.model import Record, Subject
from medcredit.pack.compiled import CFact, CompiledPack
from medcredit.pack.model import RepairCondition, RepairRoute
from medcredit.pack.validity import in_force
from medcredit.procedures.standing import Standing
from medcredit.time.periods import first_day_after_period

#: The condition types the pack format accepts.
CONDITION_TYPES: tuple[str, ...] = typing.get_args(RepairCondition.model_fields["check"].annotation)


@dataclass(frozen=True, slots=True)
class Context:
    """What a condition is checked against: the record to repair, on a date, with the subject's standing."""

    cond: RepairCondition
    route: RepairRoute
    pack: CompiledPack
    subject: Subject
    record: Record
    on: dt.date
    stand: Standing
    declarations: Mapping[str, bool]
    revoked: dt.date | None  # the latest revocation of a repair of this record, on or before ``on``
    # the latest revocation of any repair of the subject, on or before ``on``, with the record it named:
    # "三年内不得申请信用修复" bars the 失信主体 from applying at all (辽宁 第三十六条), not one record
    barred: tuple[dt.date, str] | None = None
    override_validity: bool = False  # records outside the document's validity count (as in the grade)


class Verdict(NamedTuple):
    met: bool
    reason: str
    reason_zh: str
    earliest: dt.date | None = None  # for time conditions: the first date on which it holds
    unknown: bool = False  # not met because the history does not say (e.g. whether a penalty is 较重)


Check = Callable[[Context], Verdict]


@dataclass(frozen=True, slots=True)
class ConditionType:
    id: str
    check: Check
    time_based: bool  # its earliest date counts towards the answer's earliest date
    doc: str


_REGISTRY: dict[str, ConditionType] = {}
#: Every registered condition type by id.
CONDITIONS: Mapping[str, ConditionType] = _REGISTRY


def condition(check_id: str, *, time_based: bool = False) -> Callable[[Check], Check]:
    """Register the function that checks conditions of type ``check_id``."""
    if check_id not in CONDITION_TYPES:
        raise ValueError(f"'{check_id}' is not a repair condition type of the pack format")
    if check_id in _REGISTRY:
        raise ValueError(f"repair condition type '{check_id}' is registered twice")

    def add(fn: Check) -> Check:
        if not (fn.__doc__ or "").strip():
            raise ValueError(f"repair condition type '{check_id}' needs a docstring: it is its documentation")
        _REGISTRY[check_id] = ConditionType(check_id, fn, time_based, (fn.__doc__ or "").strip())
        return fn

    return add


def _kinds(ctx: Context) -> str:
    return "/".join(ctx.cond.kinds)


@condition("waiting", time_based=True)
def _waiting(ctx: Context) -> Verdict:
    """A waiting period from the record (its date, its publicity start, or the listing) has passed.

    Periods follow 《民法典》 第二百零一、二百零二条 and are not extended over holidays; a revoked
    repair restarts them from the revocation (辽宁 第三十六条).
    """
    w = ctx.cond.waiting
    assert w is not None
    record = ctx.record
    if w.anchor == "publicity_start":
        anchor = record.publicity_start or record.date
    elif w.anchor == "list_since":
        listing = next((x for x in ctx.stand.listings if x.list_id == ctx.route.listed_on), None)
        anchor = listing.since if listing else record.date
    else:
        anchor = record.date
    restarted = ctx.revoked is not None and ctx.revoked > anchor
    if ctx.revoked is not None and restarted:
        anchor = ctx.revoked
    first = first_day_after_period(anchor, years=w.years or 0, months=w.months or 0).value
    span = f"{w.years} year(s)" if w.years else f"{w.months} month(s)"
    span_zh = f"{w.years}年" if w.years else f"{w.months}个月"
    note = " (restarted by a revoked repair)" if restarted else ""
    note_zh = "（因撤销修复决定重新计算）" if restarted else ""
    if ctx.on >= first:
        return Verdict(
            True,
            f"{span} from {anchor} completed; possible from {first}{note}",
            f"自{anchor}起{span_zh}已届满，{first}起可申请{note_zh}",
            first,
        )
    return Verdict(
        False,
        f"{span} from {anchor} not completed; possible from {first}{note}",
        f"自{anchor}起{span_zh}未届满，{first}起方可申请{note_zh}",
        first,
    )


@condition("declared")
def _declared(ctx: Context) -> Verdict:
    """The applicant states it, with evidence (e.g. obligations fulfilled); not stated is not met."""
    key = ctx.cond.declaration or ctx.cond.id
    value = ctx.declarations.get(key)
    if value is True:
        return Verdict(True, f"declared: {key}", f"申请人已声明并提供材料：{key}")
    if value is False:
        return Verdict(False, f"declared not met: {key}", f"申请人声明未满足：{key}")
    return Verdict(False, f"not declared: {key} (pass it as a declaration)", f"未声明：{key}")


def takers(pack: CompiledPack, record: Record) -> list[CFact]:
    """The pack's facts that take ``record`` by kind, codes and fields (before dates and documents)."""
    return [f for f in pack.facts if record.kind in f.kinds and f.accepts(record)]


def lacks_document(pack: CompiledPack, record: Record) -> bool:
    """Whether the pack counts ``record`` only on a legally effective document it does not have (辽宁 第十五条
    "认定失信行为应当以下列具有法律效力的文书为依据"): then it is no untrustworthy information."""
    facts = takers(pack, record)
    return record.document is None and bool(facts) and all(f.requires_document for f in facts)


def outside_validity(pack: CompiledPack, record: Record, override: bool) -> bool:
    """Whether the pack takes no information from ``record`` because it is dated outside the document's
    validity (its facts are ``within_validity``), unless the validity is overridden."""
    if override or in_force(pack, record.date):
        return False
    facts = takers(pack, record)
    return bool(facts) and all(f.within_validity for f in facts)


def _standing_records(ctx: Context) -> list[Record]:
    """The subject's records less those that are no information of this pack on the application's date.

    A penalty deleted as unverifiable or found wrong on objection (辽宁 第二十七条) was, in law,
    never received: it is no "再次受到…行政处罚" (第三十一条（三）, 第三十二条（四））.  Nor is a penalty
    the grade does not count for want of its legal document (第十五条), or one dated outside the
    document's validity.  A later penalty that was itself repaired was still received, so repair does
    not take it out here.
    """
    set_aside = ctx.stand.set_aside()
    override = ctx.override_validity
    return [
        r
        for i, r in enumerate(ctx.subject.records)
        if i not in set_aside and not lacks_document(ctx.pack, r) and not outside_validity(ctx.pack, r, override)
    ]


@condition("record_after")
def _record_after(ctx: Context) -> Verdict:
    """A record of ``kinds`` exists from the information's date to the application (e.g. a credit commitment)."""
    record = ctx.record
    later = [r for r in _standing_records(ctx) if r.kind in ctx.cond.kinds and record.date <= r.date <= ctx.on]
    if later:
        first_after = min(r.date for r in later)
        return Verdict(True, f"{_kinds(ctx)} on {first_after}", f"{first_after} 已有{_kinds(ctx)}记录")
    return Verdict(False, f"no {_kinds(ctx)} record after {record.date}", f"{record.date}之后没有{_kinds(ctx)}记录")


def _later(ctx: Context) -> list[Record]:
    record, kinds, on = ctx.record, ctx.cond.kinds, ctx.on
    return [r for r in _standing_records(ctx) if r is not record and r.kind in kinds and record.date < r.date <= on]


@condition("no_repeat")
def _no_repeat(ctx: Context) -> Verdict:
    """No later record of ``kinds`` for the same kind of violation (未因同一类违法行为再次受到处罚).

    Nothing later at all: met, whatever the record's code.  Later records but no code on the
    record: "the same kind" cannot be judged, so the answer says it is not known.
    """
    record = ctx.record
    later = _later(ctx)
    if not later:
        return Verdict(True, f"no later {_kinds(ctx)}", f"此后未再受到{_kinds(ctx)}")
    if record.code is None:
        return Verdict(
            False,
            f"not known: {len(later)} later {_kinds(ctx)} but the record has no violation code, so "
            "'the same kind of violation' cannot be judged; give the record its catalogue code",
            f"无法判断：此后有{len(later)}条{_kinds(ctx)}，但该记录未注明违法行为代码，"
            "无法判断是否属于同一类违法行为，请补充代码",
            unknown=True,
        )
    repeats = [r for r in later if r.code == record.code]
    if repeats:
        first_repeat = min(r.date for r in repeats)
        return Verdict(
            False,
            f"same conduct ({record.code}) penalised again on {first_repeat}",
            f"{first_repeat}因同一类违法行为（{record.code}）再次受到处罚",
        )
    return Verdict(True, f"no repeated {record.code} conduct", f"未因同一类违法行为（{record.code}）再次受到处罚")


@condition("no_later_heavier")
def _no_later_heavier(ctx: Context) -> Verdict:
    """No later *heavier* penalty (辽宁 第三十二条（四）"较重的行政处罚"); the history says which are heavier.

    A later penalty that does not say (no ``heavier`` field) makes the answer "not known".
    """
    later = _later(ctx)
    heavier = [r for r in later if r.heavier is True]
    if heavier:
        first = min(r.date for r in heavier)
        return Verdict(False, f"a heavier penalty on {first}", f"{first}再次受到较重的行政处罚")
    unknown = [r for r in later if r.heavier is None]
    if unknown:
        days = ", ".join(str(r.date) for r in sorted(unknown, key=lambda r: r.date))
        return Verdict(
            False,
            f"not known: later penalties ({days}) do not say whether they are heavier (give 'heavier' on them)",
            f"无法判断：此后的行政处罚（{days}）未注明是否为较重的行政处罚，请在记录上注明 heavier",
            unknown=True,
        )
    if later:
        return Verdict(True, "later penalties are all marked not heavier", "此后的行政处罚均注明不属于较重的行政处罚")
    return Verdict(True, "no later penalty", "此后未再受到行政处罚")


@condition("no_later")
def _no_later(ctx: Context) -> Verdict:
    """No later record of ``kinds`` at all between the information and the application."""
    later = _later(ctx)
    if later:
        first_later = min(r.date for r in later)
        return Verdict(False, f"a later {_kinds(ctx)} on {first_later}", f"{first_later}再次受到{_kinds(ctx)}")
    return Verdict(True, f"no later {_kinds(ctx)}", f"此后未再受到{_kinds(ctx)}")


@condition("not_listed")
def _not_listed(ctx: Context) -> Verdict:
    """The subject is not on list ``on_list`` on the date of the application."""
    on_list = ctx.cond.on_list
    assert on_list is not None
    listing = ctx.stand.on_list(on_list)
    if listing is not None:
        return Verdict(False, f"on list {on_list} since {listing.since}", f"自{listing.since}起在{on_list}名单中")
    return Verdict(True, f"not on list {on_list}", f"不在{on_list}名单中")


@condition("term_ended", time_based=True)
def _term_ended(ctx: Context) -> Verdict:
    """The term of the measures stated in the listing decision has ended (辽宁 第十六条, 第三十二条（三）).

    The subject stays listed after the term, which is why repair is needed at all.
    """
    on = ctx.on
    end_day = measures_term_end(ctx.record)
    if end_day is not None:
        end = end_day + dt.timedelta(days=1)
        if on >= end:
            return Verdict(True, f"the measures' term ended on {end_day}", f"管理措施期限已于{end_day}届满", end)
        return Verdict(False, f"the measures' term runs until {end_day}", f"管理措施期限至{end_day}，尚未届满", end)
    return Verdict(True, "no term was set for the measures", "相应管理措施未设期限")


@condition("no_recent_revocation", time_based=True)
def _no_recent_revocation(ctx: Context) -> Verdict:
    """No repair of the subject's was revoked for deception within ``years`` (辽宁 第三十六条).

    The bar is on the subject ("失信主体…三年内不得申请信用修复"), whichever record the revoked repair was
    for; the restarted publicity period is the revoked record's own (see :func:`_waited`).
    """
    years = ctx.cond.years
    assert years is not None
    if ctx.barred is None:
        return Verdict(True, "no revoked repair", "无被撤销的信用修复决定")
    revoked, ref = ctx.barred
    first = first_day_after_period(revoked, years=years).value
    return Verdict(
        ctx.on >= first,
        f"a repair (of record {ref}) was revoked on {revoked}: no application until {first}",
        f"{revoked}撤销准予信用修复决定（记录 {ref}），{first}前不得申请",
        first,
    )


@condition("not_unrepairable")
def _not_unrepairable(ctx: Context) -> Verdict:
    """The record is not flagged as never repairable by a law or State Council policy (辽宁 第三十四条)."""
    if ctx.record.unrepairable:
        return Verdict(
            False,
            "a law or State Council policy makes this information never repairable",
            "法律、法规和党中央、国务院政策文件明确规定不可信用修复",
        )
    return Verdict(True, "not flagged as never repairable", "未被规定为不可修复")
