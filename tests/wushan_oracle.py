"""An independent scorer for 巫山医保发〔2022〕82号, written from the seed text.

It reads the law (shared/seeds/004_dc3d7edc95aa6502.txt) directly, with no use of
the pack, the compiler or the engine: only the history types.  Where the law is
silent, it follows the decisions recorded in the pack's ``interpretations`` (which
are part of the specification, not of the implementation), each cited below.

It is deliberately plain: one function, literal numbers, no tables shared with
the engine, so that a mistake in the engine's general machinery (intervals, tiers,
windows, exclusions) shows up as a disagreement.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from medcredit.history.model import Record, Subject

# 《医疗保障基金使用监督管理条例》第四十条第一款 (一)–(四): the frauds 附件一（五） deducts for.
ARTICLE_40_FRAUD_CODES = frozenset(
    {"fraud_false_claims", "fraud_falsified_documents", "fraud_fictitious_services", "fraud_other"}
)
# 第四条: the subjects; 第十六条: the two ways of grading them.
INPATIENT = "hospital_inpatient"
SCORED = frozenset({"outpatient_clinic", "retail_pharmacy"})
VILLAGE_CLINIC = "village_clinic"


@dataclass(frozen=True)
class OracleResult:
    status: str  # graded, excluded, not_evaluable, out_of_scope, rolled_up
    grade: str | None = None
    score: Decimal | None = None


def grade_for(score: Decimal) -> str:
    """第十八条 with 第二十六条 (“以上”包括本数，“不足”不包括本数)."""
    if score >= 90:  # 90分以上
        return "A"
    if score >= 65:  # 65分以上，不足90分
        return "B"
    if score >= 60:  # 60分以上，不足65分
        return "C"
    return "D"  # 不足60分


def amount_points(total: Decimal) -> int:
    """附件一（一）: 不足1万元扣2分；1万元以上不足5万元扣5分；5万元以上不足10万元扣10分；10万元以上扣20分.

    Interpretation recovered_amount_zero: nothing recovered means nothing deducted.
    """
    if total <= 0:
        return 0
    if total < 10000:
        return 2
    if total < 50000:
        return 5
    if total < 100000:
        return 10
    return 20


def _counts(record: Record) -> bool:
    """A record whose objection was upheld, or that was deleted as unverifiable, is not used."""
    return record.objection is None or record.objection.status not in ("upheld", "deleted_unverifiable")


def _add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_operated(subject: Subject, terminations: list[Record], cycle: int) -> int:
    """第十九条（四） with interpretation operating_months: whole months from the day after the
    opening (《民法典》 第二百零一条: the opening day is not counted) to the cycle's end or the
    agreement's end, by corresponding days; an unknown opening date means the whole year.  The
    agreement's end is the latest one up to the cycle's end (one before the opening belongs to an
    earlier business and is ignored)."""
    first, last = dt.date(cycle, 1, 1), dt.date(cycle, 12, 31)
    day_after = subject.opened + dt.timedelta(days=1) if subject.opened is not None else first
    begin = max(first, day_after)
    stop = last
    ends = [r.date for r in terminations if r.date <= last and (subject.opened is None or r.date >= subject.opened)]
    if ends:
        stop = min(stop, max(ends))
    months = 0
    while months < 12 and _add_months(begin, months + 1) <= stop + dt.timedelta(days=1):
        months += 1
    return months if stop >= begin else 0


def score_subject(subject: Subject, cycle: int) -> OracleResult:
    """The status, grade and score Wushan's measures give ``subject`` for ``cycle``."""
    category = subject.category.value
    if category == VILLAGE_CLINIC:
        return OracleResult("rolled_up")  # 第四条: managed under its township hospital
    if category != INPATIENT and category not in SCORED:
        return OracleResult("out_of_scope")
    first, last = dt.date(cycle, 1, 1), dt.date(cycle, 12, 31)

    def in_cycle(r: Record) -> bool:
        return first <= r.date <= last

    own = [r for r in subject.records if _counts(r)]
    clinics = [r for c in subject.managed_clinics for r in c.records if _counts(r)]
    terminations = [r for r in own if r.kind == "agreement_termination"]
    if subject.agreement_end is not None:
        end = subject.agreement_end
        terminations.append(Record.model_construct(kind="agreement_termination", date=end.date, reason=end.reason))

    # 第十九条（一）–（三）: any agreement end in the cycle, by its reason (interpretation agreement_end_in_cycle)
    reasons = {r.reason for r in terminations if in_cycle(r)}
    if reasons & {"voluntary", "violation", "fraud", "renewal_not_met"}:
        return OracleResult("excluded")
    if months_operated(subject, terminations, cycle) < 6:  # 第十九条（四）
        return OracleResult("excluded")
    # 第十五条: only subjects that underwent supervision inspection are evaluated (interpretation
    # inspection_evidence: an inspection or an on-site recovery, of the subject itself)
    if not any(r.kind in ("inspection", "fund_recovery") and in_cycle(r) for r in own):
        return OracleResult("excluded")

    if category == INPATIENT:
        # 第十六条、第十八条（一）: the annual assessment score of the cycle's year
        found = {r.score for r in own if r.kind == "annual_assessment" and r.year == cycle and r.score is not None}
        if len(found) != 1:
            return OracleResult("not_evaluable")
        score = found.pop()
        return OracleResult("graded", grade_for(score), score)

    # 附件: 100 points minus the deductions; the managed village clinics' records count too
    counted = [r for r in own + clinics if in_cycle(r)]
    recovered = sum((r.amount or Decimal(0) for r in counted if r.kind in ("fund_recovery", "audit_cut")), Decimal(0))
    deduction = amount_points(recovered)  # （一）
    deduction += 5 * sum(1 for r in counted if r.kind == "interview")  # （二） 约谈一次扣5分
    if any(r.kind == "agreement_suspension" for r in counted):  # （三） 扣10分 (interpretation suspension_once)
        deduction += 10
    deduction += 5 * sum(1 for r in counted if r.kind == "late_refund")  # （四） 每次扣5分
    deduction += 20 * sum(1 for r in counted if r.kind == "fraud" and r.code in ARTICLE_40_FRAUD_CODES)  # （五）
    score = Decimal(100 - deduction)  # 二、基础分值100分－被扣除的分数 (no floor: interpretation no_score_floor)
    return OracleResult("graded", grade_for(score), score)
