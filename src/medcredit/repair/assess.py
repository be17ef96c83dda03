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

from medcredit.diagnostics.errors import ArgumentError, MedcreditError
from medcredit.history.model import Record, Subject
from medcredit.pack.compiled import CFact, CompiledPack
from medcredit.pack.model import Match, RepairRoute
from medcredit.procedures.standing import Standing, standing
from medcredit.repair.conditions import CONDITIONS, Context, lacks_document, outside_validity, takers


class UnknownRecordError(MedcreditError):
    """The subject has no record with that id, or more than one (which one is meant cannot be told)."""


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
    unknown: bool = False  # not met because the history does not say (e.g. whether a penalty is 较重)


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
    reason_zh: str = ""  # the reason in Chinese (empty: as ``reason``)

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
            "reason_zh": self.reason_zh or self.reason,
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
                    "not_known": c.unknown,
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
    found = [(i, rec) for i, rec in enumerate(subject.records) if rec.id == record_id]
    if len(found) == 1:
        return found[0]
    if found:
        where = ", ".join(f"records[{i}]" for i, _rec in found)
        raise UnknownRecordError(
            f"subject {subject.id} has {len(found)} records with id '{record_id}' ({where}): "
            "give each record its own id, so that the repair names one"
        )
    known = [r.id for r in subject.records if r.id]
    raise UnknownRecordError(
        f"subject {subject.id} has no record with id '{record_id}'"
        + (f" (ids: {', '.join(known)})" if known else " (its records have no ids)")
    )


def _revocations(subject: Subject, stand: Standing) -> list[Record]:
    """The subject's revocations in force on the standing's date (a revocation the subject objected to
    successfully, or dated later, revokes nothing), each of a repair granted before it for the record it
    names: 第三十六条 "撤销准予信用修复的决定" presupposes that decision, and a revocation of none revokes
    nothing (as for the lists: engine.listing ``_not_revoked``)."""
    records = subject.records
    in_force = [records[i] for i in stand.in_force]
    granted = [(r.ref, r.date) for r in in_force if r.kind == "repair_granted" and r.ref is not None]
    return [
        r
        for r in in_force
        if r.kind == "repair_revoked" and any(ref == r.ref and day <= r.date for ref, day in granted)
    ]


def _revocation(revocations: list[Record], record_id: str) -> dt.date | None:
    dates = [r.date for r in revocations if r.ref == record_id]
    return max(dates) if dates else None


def _latest_revocation(revocations: list[Record]) -> tuple[dt.date, str] | None:
    """The subject's latest revoked repair (date, the record it named), whatever the record."""
    found = [(r.date, r.ref or "") for r in revocations]
    return max(found) if found else None


def _checked_declarations(pack: CompiledPack, declarations: Mapping[str, bool] | None) -> dict[str, bool]:
    """The declarations as given, refusing a name the pack does not ask for or a value that is not a bool
    (a misspelt declaration must not be ignored silently: the condition would be judged undeclared)."""
    given = dict(declarations or {})
    known = declaration_names(pack)
    for name, value in given.items():
        if name not in known:
            raise ArgumentError(
                f"unknown declaration {name!r} for pack {pack.id} (known: {', '.join(sorted(known)) or 'none'})"
            )
        if not isinstance(value, bool):
            raise ArgumentError(f"declaration {name!r} must be True or False, got {type(value).__name__} {value!r}")
    return given


def _check(ctx: Context) -> ConditionResult:
    cond = ctx.cond
    kind = CONDITIONS.get(cond.check)
    if kind is None:  # the pack model admits only registered types; a test keeps the two equal
        raise MedcreditError(f"repair condition type '{cond.check}' has no registered check")
    v = kind.check(ctx)
    cite = cond.cite
    return ConditionResult(
        cond.id, cond.check, v.met, v.reason, v.reason_zh, v.earliest, cite.article, cite.quote, v.unknown
    )


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
    index, record = _find(subject, record_id)
    stand = standing(pack, subject, on, override_validity=override_validity)
    decl = _checked_declarations(pack, declarations)
    set_aside = stand.set_aside().get(index)
    if set_aside is not None:
        # information deleted or found wrong on objection (辽宁 第二十七条) is no longer held: repair
        # (第三十条 "失信主体…申请信用修复") has nothing to act on
        why = f"the information was set aside on objection ({set_aside}) by {on}: there is nothing to repair"
        why_zh = f"该信息已于 {on} 前经异议处理不予采用（{set_aside}），无需修复"
        return _nothing(pack, subject, record_id, on, stand, why, why_zh)
    if not takers(pack, record):
        # 失信信息 is what the pack's facts count (睢县 五 "失信主体…失信信息"): a record none of them takes (a code no
        # criterion lists, say) is graded as not applicable, and there is nothing to repair
        why = "no fact of this pack counts the record (see evaluate: not applicable): there is nothing to repair"
        why_zh = "本政策包不将该记录计为信息（评价中为不适用），无需修复"
        return _nothing(pack, subject, record_id, on, stand, why, why_zh)
    if lacks_document(pack, record):
        # the pack counts such a record only on a legally effective document (辽宁 第十五条): without one it is
        # no untrustworthy information, in the grade or here
        why = (
            "the record has no legally effective document, which this pack requires before it counts: "
            "there is nothing to repair"
        )
        why_zh = "该记录没有本政策包要求的具有法律效力的文书，不构成失信信息，无需修复"
        return _nothing(pack, subject, record_id, on, stand, why, why_zh)
    if outside_validity(pack, record, override_validity):
        # the pack takes no information dated outside its document's validity (辽宁 validity_window): not in the
        # grade, not as a listing in standing, and so not here either
        doc = pack.document
        why = (
            f"the record is dated {record.date}, outside the validity of {doc.number} "
            f"({doc.effective} to {doc.expires or 'open-ended'}): this pack takes no information from it, "
            "so there is nothing to repair under it"
        )
        why_zh = (
            f"该记录日期 {record.date} 不在{doc.number}有效期内（{doc.effective} 至 {doc.expires or '长期'}），"
            "本政策包不采用该信息，无需依本政策包修复"
        )
        return _nothing(pack, subject, record_id, on, stand, why, why_zh)
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
        if not routes:
            why, why_zh = "no repair route of this pack applies to this record", "本政策包没有适用于该记录的修复途径"
        else:
            why, why_zh = "the record's listing status matches no repair route", "该记录的名单状态不符合任何修复途径"
        return _nothing(pack, subject, record_id, on, stand, why, why_zh)
    removed = _removed_listing(stand, chosen, index, record)
    if removed is not None:
        # 第三十二条 "被列入严重失信主体名单满一年": a listing a removal decision already ended has nothing left to
        # repair (the subject was taken off the list; 第十六条); a later listing is repaired through its own entry
        return _nothing(
            pack, subject, record_id, on, stand, f"{removed[0]}: there is nothing to repair", f"{removed[1]}，无需修复"
        )
    revocations = _revocations(subject, stand)
    revoked = _revocation(revocations, record.id or "")
    barred = _latest_revocation(revocations)
    results = tuple(
        _check(Context(c, chosen, pack, subject, record, on, stand, decl, revoked, barred, override_validity))
        for c in chosen.conditions
    )
    eligible = all(c.met for c in results)
    time_dates = [c.earliest for c in results if CONDITIONS[c.check].time_based and c.earliest is not None]
    earliest = max(time_dates) if time_dates else None
    unmet = [c.id for c in results if not c.met]
    reason = "all conditions met" if eligible else "unmet: " + ", ".join(unmet)
    reason_zh = "全部条件满足" if eligible else "未满足：" + "、".join(unmet)
    return RepairAnswer(
        pack.id,
        subject.id,
        record_id,
        on,
        chosen.id,
        eligible,
        results,
        earliest,
        reason,
        stand.validity_overridden,
        reason_zh,
    )


def _removed_listing(stand: Standing, route: RepairRoute, index: int, record: Record) -> tuple[str, str] | None:
    """Why the listing this record entered is over (English, Chinese), if the route repairs a listing: a removal
    decision ended it, or the record entered an earlier spell than the current one (which ended before the
    subject was listed again, from other conduct)."""
    if route.listed_on is None:
        return None
    for listing in stand.listings:
        if listing.list_id != route.listed_on or index not in listing.records:
            continue
        if not listing.active and listing.until_rule == "removal" and listing.until is not None:
            day = listing.until + dt.timedelta(days=1)
            return f"the subject was removed from the list {route.listed_on} on {day}", f"主体已于 {day} 移出名单"
        if record.date < listing.since:
            return (
                f"the listing this record entered ended before the current one began on {listing.since}",
                f"该记录所引起的列入已经结束，现在的列入自 {listing.since} 起，由其他行为引起",
            )
    return None


def _nothing(
    pack: CompiledPack, subject: Subject, record_id: str, on: dt.date, stand: Standing, why: str, why_zh: str
) -> RepairAnswer:
    """The answer when no repair route is assessed: not eligible, with the reason in both languages."""
    return RepairAnswer(
        pack.id, subject.id, record_id, on, None, False, (), None, why, stand.validity_overridden, why_zh
    )


def declaration_names(pack: CompiledPack) -> frozenset[str]:
    """The declarations this pack's repair conditions ask for (what ``declarations`` may name)."""
    return frozenset(
        cond.declaration or cond.id
        for route in pack.model.repair
        for cond in route.conditions
        if cond.check == "declared"
    )
