"""Hand-written Python scorer of the Wushan pack: the performance baseline and a correctness oracle.

The rules are written out by hand from ``src/medcredit/packs/wushan.yaml``
(巫山医保发〔2022〕82号) and its interpretations, without using the pack, the
compiler or the engine:

* scope: hospital_inpatient, outpatient_clinic, retail_pharmacy are graded;
  village_clinic is rolled up into its parent (第四条); anything else is out of scope;
* exclusions (第十九条, 第十五条): any termination of the service agreement dated
  in the cycle (the subject's ``agreement_end`` or an ``agreement_termination``
  record of its own) whose reason is voluntary, violation / fraud, or renewal
  conditions not met — every such termination counts, not only the last one;
  fewer than 6 whole months operated in the cycle (opening day counted,
  corresponding-day rule, from max(opened, 1 Jan) to the latest termination on
  or after opening, else 31 Dec); not inspected in the cycle (no ``inspection``
  and no ``fund_recovery`` of its own dated in the cycle);
* hospital_inpatient: the cycle's ``annual_assessment`` score (exactly one
  distinct value, else not evaluable), bands A ≥ 90, B ≥ 65, C ≥ 60, else D;
* outpatient_clinic / retail_pharmacy: 100 minus: the cycle sum of
  fund_recovery + audit_cut in tiers (0, 1万) → 2, [1万, 5万) → 5,
  [5万, 10万) → 10, [10万, ∞) → 20; 5 per interview; 10 once for any
  suspension; 5 per late_refund; 20 per fraud with a 条例第四十条 code;
  no floor; same bands.

Records of managed village clinics count for the parent's scorecard, but not
their inspections, terminations or annual assessments; records (terminations
included) whose objection was upheld or deleted as unverifiable are ignored.
This follows the pack as of commit f2047d9 ("every termination in the cycle
applies by reason; clinics' inspections don't count for the parent; objections
on terminations").

Two variants take the same inputs as the engine or the raw parsed JSON:
:func:`score_subject` (a validated :class:`medcredit.history.model.Subject`) and
:func:`score_dict` (the mapping from ``json.loads(line, parse_float=Decimal)``).
Both return ``(status, grade, score)``.

As a script, ``python bench/baseline.py FILE.jsonl`` is the hand-written
end-to-end equivalent of ``medcredit evaluate --format summary`` (read, parse,
score, print one line per subject), for comparing the CLI end to end.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from typing import Any

from medcredit.history.model import Subject, SubjectCategory

CYCLE = 2023
Outcome = tuple[str, str | None, Decimal | int | None]

# 条例第四十条 fraud codes (catalogue group tiaoli_40); ind_fraud is 第四十一条第二款 and does not count
FRAUD_40 = frozenset({"fraud_false_claims", "fraud_falsified_documents", "fraud_fictitious_services", "fraud_other"})
EXCLUDING_END_REASONS = frozenset({"voluntary", "violation", "fraud", "renewal_not_met"})
IGNORED_OBJECTIONS = frozenset({"upheld", "deleted_unverifiable"})
SCORED = frozenset({"outpatient_clinic", "retail_pharmacy"})

_START = dt.date(CYCLE, 1, 1)
_END = dt.date(CYCLE, 12, 31)
_START_S = _START.isoformat()
_END_S = _END.isoformat()
_LATEST_FULL_START = dt.date(CYCLE, 6, 30)  # opened on or before 30 June: 6 months by 31 December
_LATEST_FULL_START_S = _LATEST_FULL_START.isoformat()
_HOSPITAL = SubjectCategory.HOSPITAL_INPATIENT
_OUTPATIENT = SubjectCategory.OUTPATIENT_CLINIC
_PHARMACY = SubjectCategory.RETAIL_PHARMACY
_VILLAGE = SubjectCategory.VILLAGE_CLINIC


def _grade(score: Decimal | int) -> str:
    if score >= 90:
        return "A"
    if score >= 65:
        return "B"
    if score >= 60:
        return "C"
    return "D"


def _tier_points(fen: int) -> int:
    if fen <= 0:
        return 0
    if fen < 1_000_000:
        return 2
    if fen < 5_000_000:
        return 5
    if fen < 10_000_000:
        return 10
    return 20


def _plus_months(day: dt.date, months: int) -> dt.date:
    """``day`` + ``months`` by the corresponding day, clamped to the month's end."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _six_months(opened: dt.date | None, stop: dt.date) -> bool:
    """At least 6 whole months from max(day after opening, cycle start) to ``stop`` (inclusive).

    《民法典》 第二百零一条: the opening day is not counted.
    """
    begin = _START if opened is None or opened < _START else max(_START, opened + dt.timedelta(days=1))
    return _plus_months(begin, 6) <= stop + dt.timedelta(days=1)


def score_subject(s: Subject) -> Outcome:
    """Wushan outcome for a validated subject, for the 2023 cycle."""
    category = s.category
    hospital = category is _HOSPITAL
    if not hospital and category is not _OUTPATIENT and category is not _PHARMACY:
        return ("rolled_up" if category is _VILLAGE else "out_of_scope"), None, None
    opened = s.opened
    stop: dt.date | None = None  # latest termination up to the cycle end, on or after opening
    ended = False  # a termination in the cycle for an excluding reason
    inspected = False
    fen = interviews = suspensions = late = frauds = 0
    scores: set[Decimal] = set()
    for rec in s.records:
        if rec.objection is not None and rec.objection.status in IGNORED_OBJECTIONS:
            continue
        kind = rec.kind
        d = rec.date
        if kind == "agreement_termination":
            if d <= _END:
                if opened is None or d >= opened:
                    stop = d if stop is None or d > stop else stop
                if d >= _START and rec.reason in EXCLUDING_END_REASONS:
                    ended = True
            continue
        if kind == "annual_assessment":
            if rec.year == CYCLE:
                scores.add(rec.score)  # type: ignore[arg-type]  # required for the kind
            continue
        if d < _START or d > _END:
            continue
        if kind == "inspection":
            inspected = True
        elif kind == "fund_recovery":
            inspected = True
            fen += int(rec.amount * 100)  # type: ignore[operator]  # required for the kind
        elif kind == "audit_cut":
            fen += int(rec.amount * 100)  # type: ignore[operator]
        elif kind == "interview":
            interviews += 1
        elif kind == "agreement_suspension":
            suspensions += 1
        elif kind == "late_refund":
            late += 1
        elif kind == "fraud" and rec.code in FRAUD_40:
            frauds += 1
    if s.managed_clinics:
        for clinic in s.managed_clinics:
            for rec in clinic.records:
                if rec.objection is not None and rec.objection.status in IGNORED_OBJECTIONS:
                    continue
                d = rec.date
                if d < _START or d > _END:
                    continue
                kind = rec.kind
                if kind == "fund_recovery" or kind == "audit_cut":
                    fen += int(rec.amount * 100)  # type: ignore[operator]
                elif kind == "interview":
                    interviews += 1
                elif kind == "agreement_suspension":
                    suspensions += 1
                elif kind == "late_refund":
                    late += 1
                elif kind == "fraud" and rec.code in FRAUD_40:
                    frauds += 1
    end = s.agreement_end
    if end is not None and end.date <= _END:
        d = end.date
        if opened is None or d >= opened:
            stop = d if stop is None or d > stop else stop
        if d >= _START and end.reason in EXCLUDING_END_REASONS:
            ended = True
    if ended:
        return "excluded", None, None
    if stop is None:
        # fast path: opened on or before 30 June operates 6 whole months by 31 December
        if opened is not None and opened > _LATEST_FULL_START and not _six_months(opened, _END):
            return "excluded", None, None
    elif not _six_months(opened, stop):
        return "excluded", None, None
    if not inspected:
        return "excluded", None, None
    if hospital:
        if len(scores) != 1:
            return "not_evaluable", None, None
        score = next(iter(scores))
        return "graded", _grade(score), score
    total = 100 - _tier_points(fen) - 5 * interviews - (10 if suspensions else 0) - 5 * late - 20 * frauds
    return "graded", _grade(total), total


def _fen(amount: Any) -> int:
    """Integer fen of a JSON amount: a string, an int, or a Decimal (parse_float=Decimal)."""
    return int(Decimal(amount) * 100) if isinstance(amount, str) else int(amount * 100)


def _d(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def score_dict(s: dict[str, Any]) -> Outcome:
    """Wushan outcome for a parsed (not validated) JSON subject, for the 2023 cycle.

    Dates are compared as ISO strings (``YYYY-MM-DD`` orders like the dates) and
    parsed only when the six-month test needs them.
    """
    category = s["category"]
    if category not in SCORED and category != "hospital_inpatient":
        return ("rolled_up" if category == "village_clinic" else "out_of_scope"), None, None
    opened: str | None = s.get("opened")
    stop: str | None = None
    ended = False
    inspected = False
    fen = interviews = suspensions = late = frauds = 0
    scores: set[Decimal] = set()
    for rec in s.get("records", ()):
        objection = rec.get("objection")
        if objection is not None and objection["status"] in IGNORED_OBJECTIONS:
            continue
        kind = rec["kind"]
        d = rec["date"]
        if kind == "agreement_termination":
            if d <= _END_S:
                if opened is None or d >= opened:
                    stop = d if stop is None or d > stop else stop
                if d >= _START_S and rec["reason"] in EXCLUDING_END_REASONS:
                    ended = True
            continue
        if kind == "annual_assessment":
            if rec["year"] == CYCLE:
                scores.add(Decimal(rec["score"]))
            continue
        if d < _START_S or d > _END_S:
            continue
        if kind == "inspection":
            inspected = True
        elif kind == "fund_recovery":
            inspected = True
            fen += _fen(rec["amount"])
        elif kind == "audit_cut":
            fen += _fen(rec["amount"])
        elif kind == "interview":
            interviews += 1
        elif kind == "agreement_suspension":
            suspensions += 1
        elif kind == "late_refund":
            late += 1
        elif kind == "fraud" and rec.get("code") in FRAUD_40:
            frauds += 1
    for clinic in s.get("managed_clinics", ()):
        for rec in clinic.get("records", ()):
            objection = rec.get("objection")
            if objection is not None and objection["status"] in IGNORED_OBJECTIONS:
                continue
            d = rec["date"]
            if d < _START_S or d > _END_S:
                continue
            kind = rec["kind"]
            if kind == "fund_recovery" or kind == "audit_cut":
                fen += _fen(rec["amount"])
            elif kind == "interview":
                interviews += 1
            elif kind == "agreement_suspension":
                suspensions += 1
            elif kind == "late_refund":
                late += 1
            elif kind == "fraud" and rec.get("code") in FRAUD_40:
                frauds += 1
    end = s.get("agreement_end")
    if end is not None and end["date"] <= _END_S:
        d = end["date"]
        if opened is None or d >= opened:
            stop = d if stop is None or d > stop else stop
        if d >= _START_S and end["reason"] in EXCLUDING_END_REASONS:
            ended = True
    if ended:
        return "excluded", None, None
    if stop is None and (opened is None or opened <= _LATEST_FULL_START_S):
        operated = True  # fast path: no agreement end and opened by 1 July
    else:
        operated = _six_months(None if opened is None else _d(opened), _END if stop is None else _d(stop))
    if not operated or not inspected:
        return "excluded", None, None
    if category == "hospital_inpatient":
        if len(scores) != 1:
            return "not_evaluable", None, None
        score = next(iter(scores))
        return "graded", _grade(score), score
    total = 100 - _tier_points(fen) - 5 * interviews - (10 if suspensions else 0) - 5 * late - 20 * frauds
    return "graded", _grade(total), total


def main(argv: list[str] | None = None) -> int:
    """Read a JSONL file, score every subject, print ``id  category  status  grade  score``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python bench/baseline.py FILE.jsonl\n")
        return 2
    write = sys.stdout.write
    with open(args[0], encoding="utf-8") as fh:
        for line in fh:
            s = json.loads(line, parse_float=Decimal)
            status, grade, score = score_dict(s)
            write(f"{s['id']}\t{s['category']}\t{status}\t{grade or '-'}\t{'-' if score is None else score}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
