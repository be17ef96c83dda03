"""Credit repair eligibility declared in packs (辽宁 第三十一至三十六条; 睢县 五).

For one record on one date: which repair route applies, every condition met or
not and why, and the earliest date on which the time conditions hold.  Waiting
periods follow 《民法典》 第二百零一、二百零二条 and are not extended over holidays
(the pack records that interpretation); a repair revoked for deception restarts
the periods and bars new applications for the years the pack states (第三十六条).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from medcredit.diagnostics.errors import MedcreditError
from medcredit.history.model import Record, Subject
from medcredit.pack.compiled import CFact, CompiledPack
from medcredit.pack.model import Match, RepairCondition, RepairRoute
from medcredit.procedures.standing import Standing, standing
from medcredit.time.periods import first_day_after_period


class UnknownRecordError(MedcreditError):
    """The subject has no record with that id."""


@dataclass(frozen=True, slots=True)
class ConditionResult:
    id: str
    check: str
    met: bool
    reason: str
    reason_zh: str
    earliest: dt.date | None  # for time conditions: first date on which it holds
    article: str
    quote: str


@dataclass(frozen=True, slots=True)
class RepairAnswer:
    pack_id: str
    subject_id: str
    record_id: str
    on: dt.date
    route: str | None
    eligible: bool
    conditions: tuple[ConditionResult, ...]
    earliest: dt.date | None
    reason: str
    validity_overridden: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "pack": self.pack_id,
            "subject": self.subject_id,
            "record": self.record_id,
            "on": self.on.isoformat(),
            "route": self.route,
            "eligible": self.eligible,
            "earliest": self.earliest.isoformat() if self.earliest else None,
            "reason": self.reason,
            "conditions": [
                {
                    "id": c.id,
                    "check": c.check,
                    "met": c.met,
                    "reason": c.reason,
                    "reason_zh": c.reason_zh,
                    "earliest": c.earliest.isoformat() if c.earliest else None,
                    "article": c.article,
                    "quote": c.quote,
                }
                for c in self.conditions
            ],
            "validity_overridden": self.validity_overridden,
        }


def _matches(pack: CompiledPack, match: Match, record: Record) -> bool:
    if record.kind not in match.kinds:
        return False
    cat = pack.catalogue
    codes = cat.expand_codes(match.codes) if match.codes is not None else None
    excluded = cat.expand_codes(match.exclude_codes or [])
    fact = CFact(
        index=-1,
        id="repair",
        aggregate="any",
        kinds=frozenset(match.kinds),
        codes=codes,
        include_managed_clinics=False,
        requires_document=False,
        exclude_codes=excluded,
        where=tuple(
            (name, frozenset(v if isinstance(v, list) else [v])) for name, v in sorted((match.where or {}).items())
        ),
    )
    return fact.accepts(record)


def _find(subject: Subject, record_id: str) -> tuple[int, Record]:
    for i, rec in enumerate(subject.records):
        if rec.id == record_id:
            return i, rec
    known = [r.id for r in subject.records if r.id]
    raise UnknownRecordError(
        f"subject {subject.id} has no record with id '{record_id}'"
        + (f" (ids: {', '.join(known)})" if known else " (its records have no ids)")
    )


def _revocation(subject: Subject, record_id: str, on: dt.date) -> dt.date | None:
    dates = [r.date for r in subject.records if r.kind == "repair_revoked" and r.ref == record_id and r.date <= on]
    return max(dates) if dates else None


def _check(
    cond: RepairCondition,
    route: RepairRoute,
    pack: CompiledPack,
    subject: Subject,
    record: Record,
    on: dt.date,
    stand: Standing,
    declarations: Mapping[str, bool],
) -> ConditionResult:
    def result(met: bool, en: str, zh: str, earliest: dt.date | None = None) -> ConditionResult:
        return ConditionResult(cond.id, cond.check, met, en, zh, earliest, cond.cite.article, cond.cite.quote)

    revoked = _revocation(subject, record.id or "", on)
    if cond.check == "waiting":
        assert cond.waiting is not None
        w = cond.waiting
        if w.anchor == "publicity_start":
            anchor = record.publicity_start or record.date
        elif w.anchor == "list_since":
            listing = next((x for x in stand.listings if x.list_id == route.listed_on), None)
            anchor = listing.since if listing else record.date
        else:
            anchor = record.date
        restarted = revoked is not None and revoked > anchor
        if restarted:
            assert revoked is not None
            anchor = revoked
        first = first_day_after_period(anchor, years=w.years or 0, months=w.months or 0).value
        span = f"{w.years} year(s)" if w.years else f"{w.months} month(s)"
        span_zh = f"{w.years}年" if w.years else f"{w.months}个月"
        note = " (restarted by a revoked repair)" if restarted else ""
        note_zh = "（因撤销修复决定重新计算）" if restarted else ""
        if on >= first:
            return result(
                True,
                f"{span} from {anchor} completed; possible from {first}{note}",
                f"自{anchor}起{span_zh}已届满，{first}起可申请{note_zh}",
                first,
            )
        return result(
            False,
            f"{span} from {anchor} not completed; possible from {first}{note}",
            f"自{anchor}起{span_zh}未届满，{first}起方可申请{note_zh}",
            first,
        )
    if cond.check == "declared":
        key = cond.declaration or cond.id
        value = declarations.get(key)
        if value is True:
            return result(True, f"declared: {key}", f"申请人已声明并提供材料：{key}")
        if value is False:
            return result(False, f"declared not met: {key}", f"申请人声明未满足：{key}")
        return result(False, f"not declared: {key} (pass it as a declaration)", f"未声明：{key}")
    if cond.check == "record_after":
        later = [r for r in subject.records if r.kind in cond.kinds and record.date <= r.date <= on]
        if later:
            first_after = min(r.date for r in later)
            return result(
                True, f"{'/'.join(cond.kinds)} on {first_after}", f"{first_after} 已有{'/'.join(cond.kinds)}记录"
            )
        return result(
            False,
            f"no {'/'.join(cond.kinds)} record after {record.date}",
            f"{record.date}之后没有{'/'.join(cond.kinds)}记录",
        )
    if cond.check == "no_repeat":
        if record.code is None:
            return result(
                False,
                "the record has no violation code, so a repeat of the same kind of violation cannot be "
                "ruled out; give the record its catalogue code",
                "该记录未注明违法行为代码，无法判断是否因同一类违法行为再次受到处罚，请补充代码",
            )
        repeats = [
            r
            for r in subject.records
            if r is not record and r.kind in cond.kinds and r.code == record.code and record.date < r.date <= on
        ]
        if repeats:
            first_repeat = min(r.date for r in repeats)
            return result(
                False,
                f"same conduct ({record.code}) penalised again on {first_repeat}",
                f"{first_repeat}因同一类违法行为（{record.code}）再次受到处罚",
            )
        return result(True, f"no repeated {record.code} conduct", f"未因同一类违法行为（{record.code}）再次受到处罚")
    if cond.check == "no_later":
        later = [r for r in subject.records if r is not record and r.kind in cond.kinds and record.date < r.date <= on]
        if later:
            first_later = min(r.date for r in later)
            return result(
                False,
                f"a later {'/'.join(cond.kinds)} on {first_later}",
                f"{first_later}再次受到{'/'.join(cond.kinds)}",
            )
        return result(True, f"no later {'/'.join(cond.kinds)}", f"此后未再受到{'/'.join(cond.kinds)}")
    if cond.check == "not_listed":
        assert cond.on_list is not None
        listing = stand.on_list(cond.on_list)
        if listing is not None:
            return result(
                False, f"on list {cond.on_list} since {listing.since}", f"自{listing.since}起在{cond.on_list}名单中"
            )
        return result(True, f"not on list {cond.on_list}", f"不在{cond.on_list}名单中")
    if cond.check == "term_ended":
        listing = next((x for x in stand.listings if x.list_id == route.listed_on), None) if route.listed_on else None
        term = record.term_months
        if term:
            end = first_day_after_period(record.date, months=term).value
            if on >= end:
                return result(True, f"the {term}-month term ended before {end}", f"{term}个月的措施期限已届满", end)
            return result(
                False, f"the {term}-month term runs until the day before {end}", f"{term}个月的措施期限未届满", end
            )
        if listing is not None and listing.until is not None and listing.until_rule == "term":
            end = listing.until + dt.timedelta(days=1)
            return result(on >= end, f"term ends {listing.until}", f"期限至{listing.until}", end)
        return result(True, "no term was set for the measures", "相应管理措施未设期限")
    if cond.check == "no_recent_revocation":
        assert cond.years is not None
        if revoked is None:
            return result(True, "no revoked repair", "无被撤销的信用修复决定")
        first = first_day_after_period(revoked, years=cond.years).value
        met = on >= first
        return result(
            met,
            f"a repair was revoked on {revoked}: no application until {first}",
            f"{revoked}撤销准予信用修复决定，{first}前不得申请",
            first,
        )
    # not_unrepairable
    if record.unrepairable:
        return result(
            False,
            "a law or State Council policy makes this information never repairable",
            "法律、法规和党中央、国务院政策文件明确规定不可信用修复",
        )
    return result(True, "not flagged as never repairable", "未被规定为不可修复")


_TIME_CHECKS = frozenset({"waiting", "no_recent_revocation", "term_ended"})


def assess_repair(
    pack: CompiledPack,
    subject: Subject,
    record_id: str,
    on: dt.date,
    *,
    declarations: Mapping[str, bool] | None = None,
    override_validity: bool = False,
) -> RepairAnswer:
    """Can the information in ``record_id`` be repaired on ``on``?  Every condition, with reasons."""
    _index, record = _find(subject, record_id)
    stand = standing(pack, subject, on, override_validity=override_validity)
    decl = dict(declarations or {})
    routes = [r for r in pack.model.repair if _matches(pack, r.applies_to, record)]
    chosen: RepairRoute | None = None
    for route in routes:
        # listed_on names the list whose entry this route repairs (for anchors and terms); the
        # listing need not still be active: a term may have ended it, which is a repair condition
        if route.exclude_listed and any(x.active for x in stand.listings):
            continue
        chosen = route
        break
    if chosen is None:
        why = (
            "no repair route of this pack applies to this record"
            if not routes
            else ("the record's listing status matches no repair route")
        )
        return RepairAnswer(pack.id, subject.id, record_id, on, None, False, (), None, why, stand.validity_overridden)
    results = tuple(_check(c, chosen, pack, subject, record, on, stand, decl) for c in chosen.conditions)
    eligible = all(c.met for c in results)
    time_dates = [c.earliest for c in results if c.check in _TIME_CHECKS and c.earliest is not None]
    earliest = max(time_dates) if time_dates else None
    unmet = [c.id for c in results if not c.met]
    reason = "all conditions met" if eligible else "unmet: " + ", ".join(unmet)
    return RepairAnswer(
        pack.id, subject.id, record_id, on, chosen.id, eligible, results, earliest, reason, stand.validity_overridden
    )


def declaration_names(pack: CompiledPack) -> frozenset[str]:
    """The declarations this pack's repair conditions ask for (what ``declarations`` may name)."""
    return frozenset(
        cond.declaration or cond.id
        for route in pack.model.repair
        for cond in route.conditions
        if cond.check == "declared"
    )
