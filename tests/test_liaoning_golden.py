"""Golden tests of the Liaoning pack (辽医保规〔2023〕3号, 辽宁省医疗保障基金监管信用管理暂行办法).

Each test's docstring names the article it checks.  Grades, best first:
``trustworthy`` (守信信息, 第十二条), ``no_record`` (default), ``general_untrust``
(一般失信信息, 第十三条（一）), ``serious_untrust`` (严重失信信息, 第十三条（二）).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

import medcredit
from medcredit.history.identifiers import org_code_check_char, resident_id_check_char, uscc_check_char
from medcredit.pack.coverage import uncovered

CYCLE = 2023
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_43bddf6e746f112b.txt"

DOC = {"kind": "administrative_decision", "number": "辽医保罚〔2023〕1号"}


def _uscc(region: str = "210000", org8: str = "12345678") -> str:
    first17 = "12" + region + org8 + org_code_check_char(org8)
    return first17 + uscc_check_char(first17)


def _resident(seq: str = "123") -> str:
    first17 = "210102" + "19800101" + seq
    return first17 + resident_id_check_char(first17)


INSTITUTION_ID = _uscc()
PERSON_ID = _resident()


@pytest.fixture(scope="module")
def pack() -> medcredit.CompiledPack:
    return medcredit.load_pack("liaoning")


def _subject(category: str = "hospital_inpatient", records: list[dict[str, Any]] | None = None, **extra: Any) -> Any:
    individual = category in {
        "physician",
        "nurse",
        "pharmacist",
        "insured_person",
        "legal_representative",
        "other_individual",
    }
    data: dict[str, Any] = {
        "id": PERSON_ID if individual else INSTITUTION_ID,
        "category": category,
        "records": records or [],
        **extra,
    }
    if category == "village_clinic":
        data.setdefault("parent_id", _uscc(org8="87654321"))
    return medcredit.Subject.model_validate(data)


def _rec(kind: str, date: str = "2023-06-15", *, document: bool = True, **fields: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {"kind": kind, "date": date, **fields}
    if document:
        rec["document"] = DOC
    return rec


# 第十三条（一）一般失信信息: record → fact that takes it
GENERAL = {
    "commitment_breach": (_rec("commitment_breach"), "commitment_breaches"),
    "violation": (_rec("violation", code="inst_overcharging"), "violations"),
    "fraud_not_referred": (_rec("fraud", code="fraud_other"), "frauds_handled"),
    "fraud_referred_false": (_rec("fraud", code="fraud_false_claims", referred_to_judiciary=False), "frauds_handled"),
    "administrative_penalty": (_rec("administrative_penalty", amount="5000"), "penalties"),
    "agreement_ended_for_violation": (
        _rec("agreement_termination", reason="violation"),
        "agreement_ended_for_violation",
    ),
    "agreement_suspension": (_rec("agreement_suspension", months=3), "agreement_suspensions"),
    "interview": (_rec("interview"), "other_handling"),
    "fund_recovery": (_rec("fund_recovery", amount="1200.50"), "other_handling"),
    "late_refund": (_rec("late_refund", amount="300"), "other_handling"),
    "bid_misconduct": (_rec("bid_misconduct"), "bid_misconduct"),
}

# 第十三条（二）严重失信信息
SERIOUS = {
    "agreement_ended_for_fraud": (_rec("agreement_termination", reason="fraud"), "agreement_ended_for_fraud"),
    "fraud_referred": (_rec("fraud", code="fraud_fictitious_services", referred_to_judiciary=True), "fraud_referred"),
    "penalty_refused": (_rec("penalty_refused", amount="20000"), "penalty_refusals"),
    "serious_list_entry": (_rec("serious_list_entry"), "serious_list_entries"),
}

# 第十二条 守信信息
TRUSTWORTHY = {
    "honour": (_rec("honour", document=False), "honours"),
    "report_verified": (_rec("report_verified", document=False), "verified_reports"),
    "credit_commitment": (_rec("credit_commitment", document=False), "credit_commitments"),
}

INSTITUTIONS = ["hospital_inpatient", "outpatient_clinic", "retail_pharmacy", "village_clinic", "other_institution"]
INDIVIDUALS = ["physician", "nurse", "pharmacist", "insured_person", "legal_representative", "other_individual"]


# --------------------------------------------------------------------------- the pack itself


def test_document_identity(pack: medcredit.CompiledPack) -> None:
    """第三十九条: in force 2023-04-01 for 2 years, i.e. to 2025-03-31; printed 2023-03-21."""
    doc = pack.document
    assert doc.number == "辽医保规〔2023〕3号"
    assert doc.issued == dt.date(2023, 3, 21)
    assert doc.effective == dt.date(2023, 4, 1)
    assert doc.expires == dt.date(2025, 3, 31)
    assert pack.model.validity.rule == "cycle_overlaps"
    assert list(doc.articles) == [f"第{n}条" for n in _CHINESE_NUMBERS]


_CHINESE_NUMBERS = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    "十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十",
    "二十一", "二十二", "二十三", "二十四", "二十五", "二十六", "二十七", "二十八", "二十九", "三十",
    "三十一", "三十二", "三十三", "三十四", "三十五", "三十六", "三十七", "三十八", "三十九",
]  # fmt: skip


def _clean_seed(text: str) -> str:
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s*#+\s*", "", line).replace("**", "")
        lines.append(re.sub(r"^\s*-\s+", "", line))
    return re.sub(r"\s+", "", "".join(lines))


@pytest.mark.skipif(not SEED.exists(), reason="seed file not available")
def test_articles_are_verbatim_from_seed(pack: medcredit.CompiledPack) -> None:
    """Every registered article text appears in the seed (markdown markup and white space aside)."""
    seed = _clean_seed(SEED.read_text("utf-8"))
    for article, text in pack.document.articles.items():
        assert re.sub(r"\s+", "", text) in seed, article


def test_article_coverage(pack: medcredit.CompiledPack) -> None:
    """Every article is cited by an executable element or declared non-executable, except objection and repair.

    第二十七条 (objections) and 第三十一条–第三十六条 (repair) are encoded by a separate task and
    must not be declared non-executable.
    """
    later = {"第二十七条", *(f"第三十{n}条" for n in "一二三四五六")}
    assert not later & set(pack.model.non_executable)
    assert set(uncovered(pack.model)) <= later


# --------------------------------------------------------------------------- 第十三条（一）


@pytest.mark.parametrize("name", sorted(GENERAL))
def test_general_untrustworthy_conduct(pack: medcredit.CompiledPack, name: str) -> None:
    """第十三条（一）1–3: each kind of general untrustworthy information → general_untrust."""
    record, fact = GENERAL[name]
    result = medcredit.evaluate(pack, _subject(records=[record]), CYCLE)
    assert result.status == "graded"
    assert result.grade == "general_untrust"
    assert result.path == "institution_information"
    assert fact in result.record_uses[0].used_by


@pytest.mark.parametrize("reason", ["voluntary", "renewal_not_met", "expired"])
def test_agreement_end_other_reasons_not_untrustworthy(pack: medcredit.CompiledPack, reason: str) -> None:
    """第十三条（一）2: ending the agreement voluntarily or without renewal is not a violation dealt with."""
    record = _rec("agreement_termination", reason=reason)
    result = medcredit.evaluate(pack, _subject(records=[record]), CYCLE)
    assert result.grade == "no_record"
    assert not result.record_uses[0].used


def test_online_audit_cut_not_counted(pack: medcredit.CompiledPack) -> None:
    """第十三条（一）2 (interpretation handling_records): an online-audit cut is not a handling decision."""
    record = _rec("audit_cut", amount="800")
    result = medcredit.evaluate(pack, _subject(records=[record]), CYCLE)
    assert result.grade == "no_record"
    assert result.record_uses[0].reason == "kind_not_used"


def test_serious_impact_alone_stays_general(pack: medcredit.CompiledPack) -> None:
    """第十三条（二）: a violation with serious impact is not one of the listed serious cases."""
    record = _rec("violation", code="inst_split_hospitalization", serious_impact=True)
    result = medcredit.evaluate(pack, _subject(records=[record]), CYCLE)
    assert result.grade == "general_untrust"


# --------------------------------------------------------------------------- 第十三条（二）


@pytest.mark.parametrize("name", sorted(SERIOUS))
def test_serious_untrustworthy_conduct(pack: medcredit.CompiledPack, name: str) -> None:
    """第十三条（二）1–4: each kind of serious untrustworthy information → serious_untrust."""
    record, fact = SERIOUS[name]
    result = medcredit.evaluate(pack, _subject(records=[record]), CYCLE)
    assert result.status == "graded"
    assert result.grade == "serious_untrust"
    assert fact in result.record_uses[0].used_by


def test_referred_fraud_is_serious_not_general(pack: medcredit.CompiledPack) -> None:
    """第十三条（一）2 “不含严重失信信息”: a fraud referred to the judiciary grades serious."""
    record = _rec("fraud", code="fraud_other", referred_to_judiciary=True)
    result = medcredit.evaluate(pack, _subject(records=[record]), CYCLE)
    assert result.grade == "serious_untrust"
    assert {"frauds_handled", "fraud_referred"} <= set(result.record_uses[0].used_by)


def test_worst_information_wins(pack: medcredit.CompiledPack) -> None:
    """第十三条: serious beats general beats trustworthy."""
    honour = TRUSTWORTHY["honour"][0]
    general = GENERAL["violation"][0]
    serious = SERIOUS["penalty_refused"][0]
    assert medcredit.evaluate(pack, _subject(records=[honour, general]), CYCLE).grade == "general_untrust"
    assert medcredit.evaluate(pack, _subject(records=[general, serious]), CYCLE).grade == "serious_untrust"
    everything = [honour, general, serious]
    assert medcredit.evaluate(pack, _subject(records=everything), CYCLE).grade == "serious_untrust"


# --------------------------------------------------------------------------- 第十二条


@pytest.mark.parametrize("name", sorted(set(TRUSTWORTHY) - {"credit_commitment"}))
def test_trustworthy_information(pack: medcredit.CompiledPack, name: str) -> None:
    """第十二条（一）（二）: honours or verified reports only → trustworthy (no legal document needed)."""
    record, fact = TRUSTWORTHY[name]
    result = medcredit.evaluate(pack, _subject(records=[record]), CYCLE)
    assert result.grade == "trustworthy"
    assert fact in result.record_uses[0].used_by


def test_honour_with_general_conduct_is_general(pack: medcredit.CompiledPack) -> None:
    """第十二条、第十三条（一）: an honour does not offset general untrustworthy information."""
    records = [TRUSTWORTHY["honour"][0], GENERAL["bid_misconduct"][0]]
    assert medcredit.evaluate(pack, _subject(records=records), CYCLE).grade == "general_untrust"


def test_trustworthy_outside_cycle_not_counted(pack: medcredit.CompiledPack) -> None:
    """第十九条: only information dated in the cycle (1 Jan – 31 Dec) counts."""
    records = [_rec("honour", "2022-12-31", document=False), _rec("violation", "2024-01-01", code="inst_overcharging")]
    result = medcredit.evaluate(pack, _subject(records=records), CYCLE)
    assert result.grade == "no_record"
    assert [u.reason for u in result.record_uses] == ["outside_cycle", "outside_cycle"]


def test_no_records(pack: medcredit.CompiledPack) -> None:
    """第十二条、第十三条: no information at all → no_record (the default); result applies next year (第十九条)."""
    result = medcredit.evaluate(pack, _subject(), CYCLE)
    assert result.status == "graded"
    assert result.grade == "no_record"
    assert result.applies_in == CYCLE + 1
    assert result.listings == ()
    assert "identifier" not in {w.code for w in result.warnings}


# --------------------------------------------------------------------------- 第三条 subjects


@pytest.mark.parametrize("category", INSTITUTIONS + INDIVIDUALS)
def test_every_subject_category_is_graded(pack: medcredit.CompiledPack, category: str) -> None:
    """第三条、第十条: institutions (统一社会信用代码) and individuals (身份证号码) are all subjects."""
    result = medcredit.evaluate(pack, _subject(category), CYCLE)
    assert result.status == "graded"
    assert result.grade == "no_record"
    expected = "institution_information" if category in INSTITUTIONS else "individual_information"
    assert result.path == expected
    assert "identifier" not in {w.code for w in result.warnings}  # the generated identifiers are valid


def test_physician(pack: medcredit.CompiledPack) -> None:
    """第三条（二）、第十二条、第十三条（一）: a physician gets the same classification."""
    honour = TRUSTWORTHY["honour"][0]
    assert medcredit.evaluate(pack, _subject("physician", [honour]), CYCLE).grade == "trustworthy"
    penalty = _rec("administrative_penalty", amount="2000")
    result = medcredit.evaluate(pack, _subject("physician", [honour, penalty]), CYCLE)
    assert result.grade == "general_untrust"
    assert result.path == "individual_information"
    assert medcredit.evaluate(pack, _subject("physician"), CYCLE).grade == "no_record"


def test_insured_person(pack: medcredit.CompiledPack) -> None:
    """第三条（二）、第十三条: an insured person's violations are general, referred fraud serious."""
    violation = _rec("violation", code="ind_lending_credentials")
    assert medcredit.evaluate(pack, _subject("insured_person", [violation]), CYCLE).grade == "general_untrust"
    fraud = _rec("fraud", code="ind_fraud", referred_to_judiciary=True)
    assert medcredit.evaluate(pack, _subject("insured_person", [fraud]), CYCLE).grade == "serious_untrust"
    not_referred = _rec("fraud", code="ind_fraud")
    assert medcredit.evaluate(pack, _subject("insured_person", [not_referred]), CYCLE).grade == "general_untrust"
    assert medcredit.evaluate(pack, _subject("insured_person"), CYCLE).grade == "no_record"


# --------------------------------------------------------------------------- 第十五条


@pytest.mark.parametrize("name", sorted(GENERAL) + sorted(SERIOUS))
def test_untrustworthy_without_document_not_counted(pack: medcredit.CompiledPack, name: str) -> None:
    """第十五条: untrustworthy information without a legally effective document is not counted."""
    record, _ = {**GENERAL, **SERIOUS}[name]
    bare = {k: v for k, v in record.items() if k != "document"}
    result = medcredit.evaluate(pack, _subject(records=[bare]), CYCLE)
    assert result.grade == "no_record"
    assert result.record_uses[0].reason == "no_legal_document"
    assert result.listings == ()


@pytest.mark.parametrize("kind", ["judgment", "arbitration", "administrative_decision", "other_legal_basis"])
def test_untrustworthy_with_document_counted(pack: medcredit.CompiledPack, kind: str) -> None:
    """第十五条（一）–（三): judgments, arbitral awards, administrative decisions and other legal bases count."""
    record = {
        "kind": "violation",
        "date": "2023-08-01",
        "code": "inst_item_substitution",
        "document": {"kind": kind, "number": "（2023）辽01行初1号"},
    }
    result = medcredit.evaluate(pack, _subject(records=[record]), CYCLE)
    assert result.grade == "general_untrust"
    assert result.record_uses[0].used


def test_agreement_end_shorthand_has_no_document(pack: medcredit.CompiledPack) -> None:
    """第十五条: the agreement_end shorthand carries no document, so it cannot ground untrustworthiness."""
    subject = _subject(agreement_end={"date": "2023-05-01", "reason": "fraud"})
    result = medcredit.evaluate(pack, subject, CYCLE)
    assert result.grade == "no_record"
    assert result.record_uses[-1].reason == "no_legal_document"


# --------------------------------------------------------------------------- 第十六条 serious list


def _listing(result: medcredit.Result) -> Any:
    (listing,) = result.listings
    assert listing.list_id == "serious_list"
    return listing


def test_listing_active_at_cycle_end(pack: medcredit.CompiledPack) -> None:
    """第十六条: a subject put on the list by the department stays listed until removed."""
    result = medcredit.evaluate(pack, _subject(records=[_rec("serious_list_entry", "2023-04-03")]), CYCLE)
    listing = _listing(result)
    assert listing.active
    assert listing.since == dt.date(2023, 4, 3)
    assert listing.until is None
    assert result.grade == "serious_untrust"


def test_listing_ended_by_removal(pack: medcredit.CompiledPack) -> None:
    """第十六条: removal by the department ends the listing; the in-cycle entry still grades serious."""
    records = [_rec("serious_list_entry", "2023-04-03"), _rec("serious_list_removal", "2023-09-30", document=False)]
    result = medcredit.evaluate(pack, _subject(records=records), CYCLE)
    listing = _listing(result)
    assert not listing.active
    assert listing.until == dt.date(
        2023, 9, 29
    )  # 第十六条: measures end on the removal day, so the last listed day is the day before
    assert listing.until_rule == "removal"
    assert result.grade == "serious_untrust"
    assert all("serious_list" in u.used_by for u in result.record_uses)


def test_listing_from_earlier_cycle_and_later_removal(pack: medcredit.CompiledPack) -> None:
    """第十六条: a 2023 listing removed in 2025 is active at the end of 2024, so its punishments still run in 2024."""
    records = [_rec("serious_list_entry", "2023-06-01"), _rec("serious_list_removal", "2025-02-01", document=False)]
    result = medcredit.evaluate(pack, _subject(records=records), 2024)
    listing = _listing(result)
    assert listing.active
    assert listing.since == dt.date(2023, 6, 1)
    assert result.grade == "serious_untrust"  # while listed (interpretation serious_list_rules)
    assert result.record_uses[1].reason == "outside_cycle"


def test_relisting_after_removal(pack: medcredit.CompiledPack) -> None:
    """第十六条: a removal before a later entry does not end the later listing."""
    records = [
        _rec("serious_list_entry", "2023-04-10"),
        _rec("serious_list_removal", "2023-05-01", document=False),
        _rec("serious_list_entry", "2023-08-01"),
    ]
    listing = _listing(medcredit.evaluate(pack, _subject(records=records), CYCLE))
    assert listing.active
    assert listing.until is None


def test_listing_needs_document(pack: medcredit.CompiledPack) -> None:
    """第十五条、第十六条: a list entry without a legally effective document neither lists nor grades."""
    record = _rec("serious_list_entry", "2023-04-03", document=False)
    result = medcredit.evaluate(pack, _subject(records=[record]), CYCLE)
    assert result.listings == ()
    assert result.grade == "no_record"
    assert result.record_uses[0].reason == "no_legal_document"


def test_individual_listing(pack: medcredit.CompiledPack) -> None:
    """第十六条: individuals can be listed too."""
    result = medcredit.evaluate(pack, _subject("physician", [_rec("serious_list_entry", "2023-11-11")]), CYCLE)
    assert _listing(result).active
    assert result.grade == "serious_untrust"


# --------------------------------------------------------------------------- 第三十九条 validity


@pytest.mark.parametrize("cycle", [2023, 2024, 2025])
def test_cycles_in_validity(pack: medcredit.CompiledPack, cycle: int) -> None:
    """第三十九条: cycles overlapping 2023-04-01 – 2025-03-31 are evaluated."""
    result = medcredit.evaluate(pack, _subject(), cycle)
    assert result.status == "graded"
    assert not result.validity_overridden
    assert result.applies_in == cycle + 1


@pytest.mark.parametrize("cycle", [2022, 2026])
def test_cycles_outside_validity(pack: medcredit.CompiledPack, cycle: int) -> None:
    """第三十九条: 2022 ends before 2023-04-01 and 2026 starts after 2025-03-31."""
    with pytest.raises(medcredit.ValidityError):
        medcredit.evaluate(pack, _subject(), cycle)


@pytest.mark.parametrize("cycle", [2022, 2026])
def test_validity_override(pack: medcredit.CompiledPack, cycle: int) -> None:
    """第三十九条: an explicit override evaluates and warns."""
    record = _rec("violation", f"{cycle}-05-05", code="inst_overcharging")
    result = medcredit.evaluate(pack, _subject(records=[record]), cycle, override_validity=True)
    assert result.validity_overridden
    assert result.grade == "general_untrust"
    assert "validity_override" in {w.code for w in result.warnings}


# --------------------------------------------------------------------------- 第二十三至二十五条 measures

TRUSTWORTHY_MEASURES = {
    "inspection_reduced",
    "risk_warning",
    "incentive_fast_track",
    "incentive_publicity",
    "incentive_funding_and_awards",
    "incentive_other",
}
GENERAL_MEASURES = {"inspection_increased", "punish_no_facilitation", "punish_no_honours", "punish_other"}
SERIOUS_INDIVIDUAL_MEASURES = GENERAL_MEASURES | {"punish_practice_ban", "punish_joint_list"}


@pytest.mark.parametrize(
    ("records", "category", "expected"),
    [
        ([TRUSTWORTHY["honour"][0]], "retail_pharmacy", TRUSTWORTHY_MEASURES),
        ([], "retail_pharmacy", {"inspection_normal", "risk_warning"}),
        ([GENERAL["interview"][0]], "retail_pharmacy", GENERAL_MEASURES),
        # serious information without a listing decision: （五） goes with the serious list (第十六条), not given
        (
            [SERIOUS["penalty_refused"][0]],
            "retail_pharmacy",
            (SERIOUS_INDIVIDUAL_MEASURES - {"punish_joint_list"}) | {"punish_bidding_ban"},
        ),
        ([TRUSTWORTHY["credit_commitment"][0]], "nurse", {"inspection_normal", "risk_warning"}),
        ([], "insured_person", {"inspection_normal", "risk_warning"}),
        ([GENERAL["commitment_breach"][0]], "pharmacist", GENERAL_MEASURES),
        ([SERIOUS["serious_list_entry"][0]], "physician", SERIOUS_INDIVIDUAL_MEASURES),
    ],
    ids=[
        "institution-trustworthy",
        "institution-no-record",
        "institution-general",
        "institution-serious",
        "individual-commitment-only",
        "individual-no-record",
        "individual-general",
        "individual-serious",
    ],
)
def test_measures_per_level(
    pack: medcredit.CompiledPack, records: list[dict[str, Any]], category: str, expected: set[str]
) -> None:
    """第二十三条 (inspection), 第二十四条 (incentives for trustworthy), 第二十五条 (punishments)."""
    result = medcredit.evaluate(pack, _subject(category, records), CYCLE)
    assert set(result.measures) == expected


def test_optional_measures(pack: medcredit.CompiledPack) -> None:
    """第二十二条, 第二十四条（四）、第二十五条（三）–（六）: conditional, open-ended or law-dependent measures."""
    optional = {m.id for m in pack.model.measures if not m.mandatory}
    assert optional == {
        "risk_warning",
        "incentive_other",
        "punish_bidding_ban",
        "punish_practice_ban",
        "punish_joint_list",
        "punish_other",
    }


def test_risk_warning_is_conditional(pack: medcredit.CompiledPack) -> None:
    """第二十二条: the warning is for subjects below the punishment standard with hidden risks.

    The condition cannot be read from the history, so the measure is listed as non-mandatory for
    the unpunished grades, with its condition stated, and never for untrustworthy grades.
    """
    (measure,) = [m for m in pack.model.measures if m.cite.article == "第二十二条"]
    assert measure.id == "risk_warning"
    assert measure.grades == ["trustworthy", "no_record"]
    assert not measure.mandatory
    assert "失信隐患" in str(measure.params["condition"])
    general = medcredit.evaluate(pack, _subject(records=[GENERAL["violation"][0]]), CYCLE)
    assert "risk_warning" not in general.measures
