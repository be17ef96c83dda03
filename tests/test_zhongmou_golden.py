"""Golden tests for the Zhongmou pack (牟医保〔2020〕46号).

Each test names the clause of the notice it checks; article ids are the
notice's own headings (三（二）5 is the untrustworthy-list conduct).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import medcredit
from medcredit.history.identifiers import resident_id_check_char, uscc_check_char

CYCLE = 2023
INSPECTION_MEASURES = (
    "onsite_inspection",
    "questioning",
    "document_request",
    "evidence_collection",
    "sealing_materials",
    "third_party_assistance",
    "other_statutory_measures",
)


def _uscc(serial: int) -> str:
    body = f"91410122MA{serial:07d}"
    return body + uscc_check_char(body)


def _rid(birth: str, serial: int) -> str:
    body = f"410122{birth}{serial:03d}"
    return body + resident_id_check_char(body)


INSTITUTION_ID = _uscc(1)
LEGAL_REP_ID = _rid("19700315", 11)
PRINCIPAL_ID = _rid("19750601", 12)
CONTROLLER_ID = _rid("19800909", 13)
INSURED_ID = _rid("19900101", 21)


@pytest.fixture(scope="module")
def pack() -> medcredit.CompiledPack:
    return medcredit.load_pack("zhongmou")


def _institution(records: list[dict[str, Any]], *, category: str = "retail_pharmacy", **extra: Any) -> dict[str, Any]:
    return {
        "id": INSTITUTION_ID,
        "name": "中牟县某大药房",
        "category": category,
        "opened": "2015-01-01",
        "linked_persons": [
            {"role": "legal_representative", "id": LEGAL_REP_ID, "name": "张某"},
            {"role": "principal", "id": PRINCIPAL_ID, "name": "李某"},
            {"role": "actual_controller", "id": CONTROLLER_ID, "name": "王某"},
        ],
        "records": records,
        **extra,
    }


def _evaluate(pack: medcredit.CompiledPack, data: dict[str, Any], cycle: int = CYCLE) -> medcredit.Result:
    return medcredit.evaluate(pack, medcredit.Subject.model_validate(data), cycle)


def _listing(result: medcredit.Result, list_id: str) -> Any:
    found = [x for x in result.listings if x.list_id == list_id]
    assert len(found) == 1, result.listings
    return found[0]


def _list_ids(result: medcredit.Result) -> set[str]:
    return {x.list_id for x in result.listings}


# (item number, record kind, catalogue code, subject category, fact id)
ITEMS = [
    (1, "violation", "inst_split_hospitalization", "hospital_inpatient", "item_01_split_hospitalization"),
    (2, "violation", "inst_excessive_services", "hospital_inpatient", "item_02_excessive_services"),
    (3, "violation", "inst_overcharging", "outpatient_clinic", "item_03_overcharging"),
    (4, "violation", "inst_item_substitution", "retail_pharmacy", "item_04_item_substitution"),
    (5, "violation", "inst_facilitating_resale", "retail_pharmacy", "item_05_facilitating_resale"),
    (6, "violation", "inst_non_covered_billing", "hospital_inpatient", "item_06_non_covered_billing"),
    (7, "violation", "ind_lending_credentials", "insured_person", "item_07_lending_credentials"),
    (8, "violation", "ind_duplicate_benefits", "insured_person", "item_08_duplicate_benefits"),
    (9, "violation", "ind_reselling_drugs", "insured_person", "item_09_reselling_drugs"),
    (10, "fraud", "fraud_false_claims", "retail_pharmacy", "item_10_false_claims"),
    (11, "fraud", "fraud_falsified_documents", "hospital_inpatient", "item_11_falsified_documents"),
    (12, "fraud", "fraud_fictitious_services", "outpatient_clinic", "item_12_fictitious_services"),
    (14, "fraud", "fraud_other", "retail_pharmacy", "item_14_other_fraud"),
    (14, "fraud", "ind_fraud", "insured_person", "item_14_other_fraud"),
    (15, "violation", "inst_other_fund_loss", "hospital_inpatient", "item_15_other_fund_loss"),
]


def _subject_for(category: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    if category == "insured_person":
        return {"id": INSURED_ID, "category": category, "records": records}
    return _institution(records, category=category)


@pytest.mark.parametrize(
    ("item", "kind", "code", "category", "fact_id"),
    ITEMS,
    ids=[f"item{i[0]}-{i[2]}" for i in ITEMS],
)
def test_each_listed_item_alone_puts_subject_on_untrustworthy_list(
    pack: medcredit.CompiledPack, item: int, kind: str, code: str, category: str, fact_id: str
) -> None:
    """三（二）5 (1)–(12), (14), (15): "信用主体有下列情形之一的，行政机关应当……将其列入失信名单"."""
    result = _evaluate(pack, _subject_for(category, [{"kind": kind, "date": "2023-05-10", "code": code}]))
    assert result.status == "graded"
    assert result.grade == "untrustworthy"
    listing = _listing(result, "untrustworthy")
    assert listing.since == dt.date(2023, 5, 10)
    assert listing.until == dt.date(2024, 5, 10)  # 12 months, 国办发〔2025〕22号 (listing_duration)
    assert listing.active
    assert "serious_untrustworthy" not in _list_ids(result)
    # the record was taken by the fact of exactly this item, which quotes the item
    assert fact_id in result.record_uses[0].used_by
    cite = next(f.cite for f in pack.model.facts if f.id == fact_id)
    assert cite is not None
    assert cite.article == "三（二）5"
    assert cite.quote.startswith(f"({item})")


def test_there_is_no_item_13(pack: medcredit.CompiledPack) -> None:
    """三（二）5: the source numbering jumps from (12) to (14); nothing is invented for (13)."""
    item_facts = [f for f in pack.model.facts if f.id.startswith("item_")]
    numbers = sorted(int(f.id.split("_")[1]) for f in item_facts)
    assert numbers == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15]
    assert "(13)" not in pack.article_text("三（二）5")
    assert any(i.id == "missing_item_13" for i in pack.interpretations)


def test_administrative_penalty_with_listed_code_lists(pack: medcredit.CompiledPack) -> None:
    """三（二）5 (3) "重复收费、超标准收费、分解项目收费": a penalty decision for listed conduct establishes it."""
    record = {"kind": "administrative_penalty", "date": "2023-07-01", "code": "inst_overcharging", "amount": "5000"}
    result = _evaluate(pack, _institution([record]))
    assert result.grade == "untrustworthy"
    assert _listing(result, "untrustworthy").since == dt.date(2023, 7, 1)


@pytest.mark.parametrize(
    "code", ["inst_no_internal_controls", "inst_obstructing_inspection", "agr_selling_daily_goods"]
)
def test_unlisted_violation_does_not_list_but_triggers_supervision(pack: medcredit.CompiledPack, code: str) -> None:
    """三（二）5 lists only its items (条例第三十九条 and agreement breaches are not among them);
    三（二）4 "对违反法定义务或者约定义务的信用主体" still gets the supervision measures."""
    result = _evaluate(pack, _institution([{"kind": "violation", "date": "2023-04-01", "code": code}]))
    assert result.status == "graded"
    assert result.grade == "violated"
    assert result.listings == ()
    assert result.consequences == ()
    assert set(result.measures) == set(INSPECTION_MEASURES)


def test_clean_subject_is_not_listed_and_has_no_measures(pack: medcredit.CompiledPack) -> None:
    """三（二）4–5: no breach recorded → not listed, no supervision measure follows from this notice."""
    result = _evaluate(pack, _institution([{"kind": "inspection", "date": "2023-03-01", "method": "on_site"}]))
    assert result.grade == "not_listed"
    assert result.listings == ()
    # the pack states explicitly that the notice prescribes nothing for subjects without a breach
    assert result.measures == ("no_measure_without_breach",)
    assert result.record_uses[0].reason == "kind_not_used"


def test_serious_impact_puts_institution_on_serious_list_and_bans_managers(pack: medcredit.CompiledPack) -> None:
    """三（二）6: "定点医药机构造成医疗保障基金重大损失或者其他严重不良社会影响的，其法定代表人或者主要负责人5年内
    禁止从事定点医药机构管理活动"; 《民法典》第二百零一、二百零二条: 2023-03-15 + 5 years ends 2028-03-15."""
    record = {"kind": "fraud", "date": "2023-03-15", "code": "fraud_fictitious_services", "serious_impact": True}
    result = _evaluate(pack, _institution([record]))
    assert result.grade == "serious"
    serious = _listing(result, "serious_untrustworthy")
    assert serious.since == dt.date(2023, 3, 15)
    assert serious.active
    # serious conduct is also listed conduct (三（二）5 (12))
    assert _listing(result, "untrustworthy").since == dt.date(2023, 3, 15)
    bans = {c.person_id: c for c in result.consequences}
    assert set(bans) == {LEGAL_REP_ID, PRINCIPAL_ID}
    for person_id, role in ((LEGAL_REP_ID, "legal_representative"), (PRINCIPAL_ID, "principal")):
        ban = bans[person_id]
        assert ban.id == "management_ban"
        assert ban.kind == "management_ban"
        assert ban.role == role
        assert ban.institution_id == INSTITUTION_ID
        assert ban.start == dt.date(2023, 3, 15)
        assert ban.end == dt.date(2028, 3, 15)


def test_actual_controller_is_not_banned(pack: medcredit.CompiledPack) -> None:
    """三（二）6 names only "法定代表人或者主要负责人"; an actual controller is not banned."""
    record = {"kind": "violation", "date": "2023-03-15", "code": "inst_split_hospitalization", "serious_impact": True}
    result = _evaluate(pack, _institution([record]))
    assert CONTROLLER_ID not in {c.person_id for c in result.consequences}
    assert {c.role for c in result.consequences} == {"legal_representative", "principal"}


def test_ban_listed_on_29_february_ends_28_february(pack: medcredit.CompiledPack) -> None:
    """三（二）6 "5年内"; 《民法典》第二百零二条: no 29 February in 2029, so the ban ends on 2029-02-28."""
    record = {"kind": "violation", "date": "2024-02-29", "code": "inst_overcharging", "serious_impact": True}
    result = _evaluate(pack, _institution([record]), 2024)
    assert {c.end for c in result.consequences} == {dt.date(2029, 2, 28)}
    assert {c.start for c in result.consequences} == {dt.date(2024, 2, 29)}


def test_ban_visible_in_the_persons_own_result(pack: medcredit.CompiledPack) -> None:
    """三（二）6: the ban is the legal representative's own consequence (person linked to the institution)."""
    record = {"kind": "violation", "date": "2023-03-15", "code": "inst_non_covered_billing", "serious_impact": True}
    institution = _institution([record])
    person = {
        "id": LEGAL_REP_ID,
        "name": "张某",
        "category": "legal_representative",
        "linked_institutions": [institution],
    }
    result = _evaluate(pack, person)
    assert result.status == "graded"
    assert result.grade == "not_listed"  # the person's own record is clean
    assert len(result.consequences) == 1
    ban = result.consequences[0]
    assert (ban.kind, ban.person_id, ban.role, ban.institution_id) == (
        "management_ban",
        LEGAL_REP_ID,
        "legal_representative",
        INSTITUTION_ID,
    )
    assert (ban.start, ban.end) == (dt.date(2023, 3, 15), dt.date(2028, 3, 15))

    controller = {"id": CONTROLLER_ID, "category": "other_individual", "linked_institutions": [institution]}
    assert _evaluate(pack, controller).consequences == ()


def test_ban_still_visible_later_and_not_shortened_by_removal(pack: medcredit.CompiledPack) -> None:
    """三（二）6 "5年内": the ban runs its 5 years even after removal from the serious list."""
    records = [
        {"kind": "violation", "date": "2023-03-15", "code": "inst_item_substitution", "serious_impact": True},
        {"kind": "serious_list_removal", "date": "2024-06-30"},
    ]
    result = _evaluate(pack, _institution(records), 2025)
    serious = _listing(result, "serious_untrustworthy")
    assert serious.until == dt.date(2024, 6, 29)  # last listed day: the day before removal
    assert serious.until_rule == "removal"
    assert not serious.active
    assert {c.end for c in result.consequences} == {dt.date(2028, 3, 15)}


def test_serious_list_entry_record_is_serious(pack: medcredit.CompiledPack) -> None:
    """三（二）7 "法人、非法人组织被列入严重失信名单的": an entry made by the authority counts, with its date."""
    result = _evaluate(pack, _institution([{"kind": "serious_list_entry", "date": "2023-09-01"}]))
    assert result.grade == "serious"
    assert _listing(result, "serious_untrustworthy").since == dt.date(2023, 9, 1)
    assert {c.end for c in result.consequences} == {dt.date(2028, 9, 1)}


def test_listed_conduct_without_serious_impact_is_not_serious(pack: medcredit.CompiledPack) -> None:
    """三（二）6 needs "重大损失或者其他严重不良社会影响": serious_impact false leaves the subject merely listed."""
    record = {"kind": "violation", "date": "2023-03-15", "code": "inst_overcharging", "serious_impact": False}
    result = _evaluate(pack, _institution([record]))
    assert result.grade == "untrustworthy"
    assert _list_ids(result) == {"untrustworthy"}
    assert result.consequences == ()


def test_insured_person_on_list_for_item_7(pack: medcredit.CompiledPack) -> None:
    """三（二）5 (7) "将本人的医疗保障凭证交由他人冒名使用": an insured person is put on the untrustworthy list."""
    person = {
        "id": INSURED_ID,
        "name": "赵某",
        "category": "insured_person",
        "records": [{"kind": "violation", "date": "2023-11-20", "code": "ind_lending_credentials"}],
    }
    result = _evaluate(pack, person)
    assert result.status == "graded"
    assert result.grade == "untrustworthy"
    listing = _listing(result, "untrustworthy")
    assert (listing.since, listing.until, listing.active) == (dt.date(2023, 11, 20), dt.date(2024, 11, 20), True)
    assert set(result.measures) == set(INSPECTION_MEASURES)
    assert result.consequences == ()


def test_individual_serious_impact_is_not_serious(pack: medcredit.CompiledPack) -> None:
    """三（二）6 speaks of "定点医药机构": an individual's listed conduct stays on the general list only."""
    person = {
        "id": INSURED_ID,
        "category": "insured_person",
        "records": [{"kind": "violation", "date": "2023-11-20", "code": "ind_reselling_drugs", "serious_impact": True}],
    }
    result = _evaluate(pack, person)
    assert result.grade == "untrustworthy"
    assert _list_ids(result) == {"untrustworthy"}


def test_measures_for_listed_subjects(pack: medcredit.CompiledPack) -> None:
    """三（二）4 (1)–(7) for subjects in breach; 三（二）7 "在严重失信名单中标明法定代表人、负责人信息" when serious."""
    listed = _evaluate(pack, _institution([{"kind": "fraud", "date": "2023-06-01", "code": "fraud_false_claims"}]))
    assert listed.grade == "untrustworthy"
    assert set(listed.measures) == set(INSPECTION_MEASURES)

    serious_record = {"kind": "fraud", "date": "2023-06-01", "code": "fraud_false_claims", "serious_impact": True}
    serious = _evaluate(pack, _institution([serious_record]))
    assert serious.grade == "serious"
    assert set(serious.measures) == {*INSPECTION_MEASURES, "serious_list_names_representative"}

    by_id = {m.id: m for m in pack.model.measures}
    assert [by_id[m].cite.quote[:3] for m in INSPECTION_MEASURES] == [
        "（1）",
        "（2）",
        "（3）",
        "（4）",
        "(5)",
        "(6)",
        "(7)",
    ]
    assert all(by_id[m].cite.article == "三（二）4" for m in INSPECTION_MEASURES)


def test_listing_ends_with_the_national_publicity_window(pack: medcredit.CompiledPack) -> None:
    """三（二）5 sets no term; 国办发〔2025〕22号 publishes 一般 information at most 12 months (listing_duration)."""
    records = [{"kind": "violation", "date": "2023-05-10", "code": "inst_overcharging"}]
    still = _evaluate(pack, _institution(records), 2023)
    assert still.grade == "untrustworthy"
    ended = _evaluate(pack, _institution(records), 2025)
    assert ended.grade == "not_listed"
    listing = _listing(ended, "untrustworthy")
    assert (listing.since, listing.until, listing.until_rule, listing.active) == (
        dt.date(2023, 5, 10),
        dt.date(2024, 5, 10),
        "term",
        False,
    )


def test_record_after_cycle_end_is_not_counted(pack: medcredit.CompiledPack) -> None:
    """三（二）5: the list status is taken at the end of the cycle; later conduct belongs to later cycles."""
    result = _evaluate(pack, _institution([{"kind": "violation", "date": "2024-01-02", "code": "inst_overcharging"}]))
    assert result.grade == "not_listed"
    assert result.listings == ()
    assert result.record_uses[0].reason == "outside_cycle"


def test_managed_clinic_records_do_not_list_the_parent(pack: medcredit.CompiledPack) -> None:
    """三（二）5 lists the subject that committed the conduct; the notice has no roll-up of village clinics."""
    clinic = {
        "id": "村卫生室-01",
        "records": [{"kind": "violation", "date": "2023-05-10", "code": "inst_split_hospitalization"}],
    }
    result = _evaluate(pack, _institution([], category="hospital_inpatient", managed_clinics=[clinic]))
    assert result.grade == "not_listed"
    assert result.record_uses[0].reason == "clinic_not_counted"


def test_other_institution_out_of_scope(pack: medcredit.CompiledPack) -> None:
    """Notice addressed to "各定点医药机构": a non-designated institution is not evaluated."""
    result = _evaluate(pack, _institution([], category="other_institution"))
    assert result.status == "out_of_scope"


def test_validity_and_document(pack: medcredit.CompiledPack) -> None:
    """牟医保〔2020〕46号: no end date; cycles before 2020 need an explicit override."""
    doc = pack.document
    assert doc.number == "牟医保〔2020〕46号"
    assert doc.expires is None
    assert pack.model.cycle.result_applies == "same_year"
    assert _evaluate(pack, _institution([]), 2020).status == "graded"
    with pytest.raises(medcredit.ValidityError):
        _evaluate(pack, _institution([]), 2019)


def test_report_and_query_log_articles_registered_as_library_functions(pack: medcredit.CompiledPack) -> None:
    """二（四） "信用报告有效期原则上不超过1年" and 三（二）3 "查询日志应当长期保存" are library functions."""
    assert "信用报告有效期原则上不超过1年" in pack.article_text("二（四）")
    assert "查询日志应当长期保存" in pack.article_text("三（二）3")
    # 二（四） is executable pack data (reports rules used by medcredit.procedures.reports.report_validity);
    # 三（二）3 is a duty of the querying authority, served by medcredit.procedures.reports.QueryLog
    assert pack.model.reports is not None
    assert pack.model.reports.cite.article == "二（四）"
    assert "medcredit.procedures.reports.QueryLog" in pack.model.non_executable["三（二）3"]
