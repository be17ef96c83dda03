"""Golden tests of the Suixian pack (睢医保营商〔2022〕5号, 企业信用风险分级分类管理办法).

Each test's docstring names the heading of the document it checks.  The pack
uses the document's own headings as article ids (三, 三（一）, 四（二）1 …).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import medcredit
from medcredit.diagnostics.errors import ValidityError
from medcredit.history.identifiers import uscc_check_char
from medcredit.pack.compiled import normalise_text

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "001_a1a686247af0236f.txt"
CYCLE = 2023


def _uscc(body: str) -> str:
    return body + uscc_check_char(body)


PHARMACY_ID = _uscc("91411422MA9G5KXH0")
HOSPITAL_ID = _uscc("12411422MB1C2D3E4")


@pytest.fixture(scope="module")
def pack() -> medcredit.CompiledPack:
    return medcredit.load_pack("suixian")


def subject(records: list[dict[str, Any]], **extra: Any) -> medcredit.Subject:
    data: dict[str, Any] = {"id": PHARMACY_ID, "category": "retail_pharmacy", "opened": "2015-06-01"}
    data.update(extra)
    data["records"] = records
    return medcredit.Subject.model_validate(data)


def run(pack: medcredit.CompiledPack, records: list[dict[str, Any]], cycle: int = CYCLE, **extra: Any):
    return medcredit.evaluate(pack, subject(records, **extra), cycle)


def conduct(code: str, date: str = "2023-06-15") -> dict[str, Any]:
    """A violation record, or a fraud record for 条例第四十条 codes."""
    kind = "fraud" if code.startswith("fraud_") else "violation"
    return {"kind": kind, "date": date, "code": code}


def risk(score: str, year: int = CYCLE, date: str = "2024-01-15") -> dict[str, Any]:
    return {"kind": "risk_assessment", "date": date, "year": year, "score": score}


# criterion, catalogue code, class
CRITERIA = [
    ("b1_no_internal_controls", "inst_no_internal_controls", "B"),
    ("b2_records_not_kept", "inst_records_not_kept", "B"),
    ("b3_purchase_data_not_uploaded", "agr_purchase_data_not_uploaded", "B"),
    ("b4_vbp_prices_not_disclosed", "agr_vbp_prices_not_disclosed", "B"),
    ("c1_selling_daily_goods", "agr_selling_daily_goods", "C"),
    ("c2_facilitating_resale", "inst_facilitating_resale", "C"),
    ("c3_inducement", "agr_inducement_discounts", "C"),
    ("c4_non_covered_billing", "inst_non_covered_billing", "C"),
    ("c5_no_purchase_receipt", "agr_no_purchase_receipt", "C"),
    ("d1_false_claims", "fraud_false_claims", "D"),
    ("d1_false_claims", "fraud_fictitious_services", "D"),
    ("d2_falsified_documents", "fraud_falsified_documents", "D"),
    ("d3_fraud_found_in_enforcement", "fraud_other", "D"),
    ("d4_major_risk", "agr_major_risk_found", "D"),
]

MEASURES = {
    "A": {"a_self_governance", "a_random_sampling", "a_facilitation_priority", "a_credit_reminder"},
    "B": {"b_random_sampling", "b_credit_reminder"},
    "C": {"c_random_sampling", "c_licensing_key_review", "c_reminder_or_interview"},
    "D": {"d_random_sampling", "d_licensing_key_review", "d_credit_reminder", "d_key_supervision_list"},
}
SAMPLING = {"A": ("a_random_sampling", 1), "B": ("b_random_sampling", 3), "C": ("c_random_sampling", 20)}
SAMPLING["D"] = ("d_random_sampling", 50)
EXAMPLE_CODE = {"B": "inst_records_not_kept", "C": "inst_non_covered_billing", "D": "fraud_falsified_documents"}


# -- the document --------------------------------------------------------------


def test_document_identity_and_validity(pack: medcredit.CompiledPack) -> None:
    """文号 睢医保营商〔2022〕5号; 六（四）: 未出台新办法之前，此办法一直有效 → no expiry."""
    doc = pack.document
    assert doc.number == "睢医保营商〔2022〕5号"
    assert doc.expires is None
    assert pack.model.validity.rule == "cycle_within"
    assert medcredit.evaluate(pack, subject([]), 2035).status == "graded"


def test_cycle_before_the_document_is_refused(pack: medcredit.CompiledPack) -> None:
    """六（四） and interpretation document_dates: first evaluable cycle is 2023; 2022 needs an override."""
    with pytest.raises(ValidityError):
        medcredit.evaluate(pack, subject([]), 2022)
    result = medcredit.evaluate(pack, subject([]), 2022, override_validity=True)
    assert result.validity_overridden


@pytest.mark.skipif(not SEED.exists(), reason="seed file not available")
def test_registered_article_texts_are_in_the_seed(pack: medcredit.CompiledPack) -> None:
    """Every heading's registered text (序言, 一 … 六（四）) is copied verbatim from the seed."""
    seed = normalise_text(SEED.read_text(encoding="utf-8"))
    for article, text in pack.document.articles.items():
        assert normalise_text(text) in seed, article


def test_every_heading_is_cited_or_declared_non_executable(pack: medcredit.CompiledPack) -> None:
    """Coverage of the headings: 序言、一、二、六（一）至（三） are non-executable; the rest is cited.

    五 (repair) is registered for later encoding; only the list-removal fact cites it so far.
    """
    model = pack.model
    cited = {m.cite.article for m in model.measures} | {f.cite.article for f in model.facts if f.cite}
    cited |= {c.cite.article for p in model.paths for c in p.classes} | {p.cite.article for p in model.paths}
    cited |= {x.cite.article for x in model.lists} | {d.cite.article for d in model.disclosure}
    cited |= {model.cycle.cite.article}
    if model.validity.cite is not None:
        cited.add(model.validity.cite.article)
    cited |= {b.cite.article for b in model.bands.values()}
    assert set(model.document.articles) - cited - set(model.non_executable) == set()
    assert next(iter(model.paths)).cite.article == "四（二）"  # the scope of the classification
    assert "五" in cited  # only as the removal fact's anchor; repair conditions are encoded elsewhere
    assert "五" not in model.non_executable


# -- 三（一）至（三）: criteria ----------------------------------------------------


@pytest.mark.parametrize(("criterion", "code", "grade"), CRITERIA)
def test_each_criterion_alone_gives_its_class(
    pack: medcredit.CompiledPack, criterion: str, code: str, grade: str
) -> None:
    """三（一）至（三）: 符合下列情形之一的，为B/C/D类失信企业 — one criterion suffices, and the trace names it."""
    result = run(pack, [conduct(code)])
    assert result.status == "graded"
    assert result.grade == grade
    assert result.score is None  # no risk score supplied: classified by criteria alone
    assert criterion in result.record_uses[0].used_by
    class_step = next(s for s in result.steps if s.kind == "class" and s.ref == grade)
    assert class_step.matched is True
    assert criterion in class_step.facts


def test_d3_covers_every_article_40_fraud(pack: medcredit.CompiledPack) -> None:
    """三（三）3: 在行政执法中发现乙方存在骗取医保基金行为 — a D1 fraud is also found fraud (D3)."""
    result = run(pack, [conduct("fraud_false_claims")])
    assert set(result.record_uses[0].used_by) >= {"d1_false_claims", "d3_fraud_found_in_enforcement"}


def test_no_criterion_gives_a(pack: medcredit.CompiledPack) -> None:
    """三: none of the B, C, D criteria met → A类（信用风险低）."""
    result = run(pack, [])
    assert (result.status, result.grade, result.score) == ("graded", "A", None)
    assert set(result.measures) == MEASURES["A"]
    assert result.listings == ()


@pytest.mark.parametrize(
    ("classes", "expected"),
    [("BC", "C"), ("CD", "D"), ("BD", "D"), ("BCD", "D"), ("DB", "D")],
)
def test_highest_class_matched_wins(pack: medcredit.CompiledPack, classes: str, expected: str) -> None:
    """三（一）至（三）: a subject meeting criteria of several classes is in the highest-risk one."""
    records = [conduct(EXAMPLE_CODE[c]) for c in classes]
    result = run(pack, records)
    assert result.grade == expected


RANK = {"A": 0, "B": 1, "C": 2, "D": 3}
BOUNDS = [(Decimal(200), "B"), (Decimal(500), "C"), (Decimal(750), "D")]


def band_of(score: Decimal) -> str:
    grade = "A"
    for low, name in BOUNDS:
        if score >= low:
            grade = name
    return grade


@settings(max_examples=150, deadline=None)
@given(
    picked=st.sets(st.sampled_from(range(len(CRITERIA))), max_size=5),
    score=st.none() | st.decimals(min_value=0, max_value=1000, places=2),
)
def test_class_is_the_worst_of_criteria_and_score(
    pack: medcredit.CompiledPack, picked: set[int], score: Decimal | None
) -> None:
    """三、三（一）至（三）: any criterion gives its class, the highest wins, the score's class combines by worst."""
    records = [conduct(CRITERIA[i][1]) for i in sorted(picked)]
    if score is not None:
        records.append(risk(str(score)))
    expected = max([CRITERIA[i][2] for i in picked] + ([band_of(score)] if score is not None else ["A"]), key=RANK.get)
    result = run(pack, records)
    assert (result.status, result.grade) == ("graded", expected)
    listed = any(CRITERIA[i][2] == "D" for i in picked)
    assert [x.list_id for x in result.listings] == (["serious_untrustworthy"] if listed else [])


# -- 三: risk-score ranges -------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("0", "A"),
        ("199.99", "A"),
        ("200", "B"),
        ("499.99", "B"),
        ("500", "C"),
        ("749.99", "C"),
        ("750", "D"),
        ("1000", "D"),
    ],
)
def test_risk_score_bands_at_every_boundary(pack: medcredit.CompiledPack, score: str, grade: str) -> None:
    """三: A [0,200]、B [200,500]、C [500,750]、D [750,1000], read lower-bound inclusive (class_boundaries)."""
    result = run(pack, [risk(score)])
    assert result.status == "graded"
    assert result.score == Decimal(score)
    assert result.grade == grade


def test_score_above_1000_is_not_evaluated(pack: medcredit.CompiledPack) -> None:
    """三: the scale ends at 1000; a score of 1000.01 is rejected with the history, never classified."""
    with pytest.raises(ValidationError):
        subject([risk("1000.01")])


def test_negative_score_is_not_evaluable(pack: medcredit.CompiledPack) -> None:
    """三: the scale starts at 0; a negative risk score belongs to no class."""
    result = run(pack, [risk("-0.01")])
    assert result.status == "not_evaluable"


@pytest.mark.parametrize(
    ("score", "code", "expected"),
    [
        ("100", "inst_non_covered_billing", "C"),  # score in A band + a C criterion
        ("800", None, "D"),  # score in D band, no criteria
        ("300", "fraud_falsified_documents", "D"),  # B band + D criterion
        ("600", "inst_records_not_kept", "C"),  # C band + B criterion
    ],
)
def test_score_and_criteria_combine_by_worst(
    pack: medcredit.CompiledPack, score: str, code: str | None, expected: str
) -> None:
    """三 with 三（一）至（三）: the supplied score's class and the criteria's class combine, higher risk wins."""
    records = [risk(score)] + ([conduct(code)] if code else [])
    result = run(pack, records)
    assert result.status == "graded"
    assert result.score == Decimal(score)
    assert result.grade == expected


def test_conflicting_scores_are_not_evaluable(pack: medcredit.CompiledPack) -> None:
    """三 (interpretation score_and_criteria): two different scores for one year cannot be classified."""
    result = run(pack, [risk("100"), risk("300", date="2024-02-01")])
    assert (result.status, result.reason) == ("not_evaluable", "conflicting_scores")


def test_score_of_another_year_does_not_count(pack: medcredit.CompiledPack) -> None:
    """三 with the calendar-year cycle: a 2022 score does not classify the 2023 cycle."""
    result = run(pack, [risk("900", year=2022, date="2023-01-20")])
    assert (result.grade, result.score) == ("A", None)
    assert result.record_uses[0].reason == "outside_cycle"


# -- 三（三）: serious untrustworthy information ---------------------------------


@pytest.mark.parametrize(("criterion", "code"), [(c, code) for c, code, g in CRITERIA if g == "D"])
def test_d_criteria_put_the_subject_on_the_serious_list(
    pack: medcredit.CompiledPack, criterion: str, code: str
) -> None:
    """三（三）: 出现下列情形，直接列入严重失信信息 — listed from the date of the conduct."""
    result = run(pack, [conduct(code, "2023-04-10"), conduct(code, "2023-09-01")])
    (listing,) = result.listings
    assert listing.list_id == "serious_untrustworthy"
    assert listing.since.isoformat() == "2023-04-10"
    assert listing.active
    assert listing.until is None


@pytest.mark.parametrize("code", ["inst_records_not_kept", "inst_non_covered_billing"])
def test_b_and_c_criteria_do_not_list(pack: medcredit.CompiledPack, code: str) -> None:
    """三（三） and interpretation c_class_label: only D criteria lead to serious untrustworthy information."""
    assert run(pack, [conduct(code)]).listings == ()


def test_listing_and_class_d_persist_until_removal(pack: medcredit.CompiledPack) -> None:
    """三（三）, 五 (serious_list_persistence): the listing lasts until removal, and so does class D."""
    result = run(pack, [conduct("fraud_false_claims", "2023-04-10")], cycle=2024)
    assert result.grade == "D"
    (listing,) = result.listings
    assert listing.since.isoformat() == "2023-04-10"
    assert listing.active
    assert set(result.record_uses[0].used_by) == {"serious_untrustworthy", "serious_conduct_to_date"}


def test_removal_record_ends_the_listing(pack: medcredit.CompiledPack) -> None:
    """三（三）, 五: a removal decision after the last D conduct takes the subject off the list."""
    records = [
        conduct("agr_major_risk_found", "2023-04-10"),
        {"kind": "serious_list_removal", "date": "2024-03-01"},
    ]
    result = run(pack, records, cycle=2024)
    (listing,) = result.listings
    assert listing.until is not None
    assert listing.until.isoformat() == "2024-02-29"  # the last day on the list: the day before removal
    assert listing.until_rule == "removal"
    assert not listing.active


def test_conduct_before_the_document_is_not_listed(pack: medcredit.CompiledPack) -> None:
    """三（三） with 六（四）: the list exists from the document's entry into force, not before."""
    result = run(pack, [conduct("fraud_false_claims", "2020-05-01")])
    assert all(x.since >= pack.document.effective for x in result.listings)


# -- 四（一）、四（二）1: measures ---------------------------------------------------


@pytest.mark.parametrize("grade", ["A", "B", "C", "D"])
def test_measures_per_class(pack: medcredit.CompiledPack, grade: str) -> None:
    """四（二）1 (1)–(4) and 四（一） (reminder_levels): the measures of each class, with the sampling ratio."""
    records = [conduct(EXAMPLE_CODE[grade])] if grade in EXAMPLE_CODE else []
    result = run(pack, records)
    assert result.grade == grade
    assert set(result.measures) == MEASURES[grade]
    measure_id, ratio = SAMPLING[grade]
    measure = next(m for m in pack.model.measures if m.id == measure_id)
    sampling = measure.params["sampling_ratio"]
    assert not isinstance(sampling, (Decimal, bool, str))
    assert (sampling.min, sampling.max, sampling.unit) == (Decimal(ratio), None, "percent")
    assert measure.kind == "random_inspection_sampling"


def test_measure_details(pack: medcredit.CompiledPack) -> None:
    """四（二）1 (1): 可不主动实施现场检查 is permissive; (3)(4): 在行政许可工作中，进行重点审查.

    四（一）: 特定严重失信行为 → 列入重点监督检查对象名单, 专项抽查和联合抽查.
    """
    by_id = {m.id: m for m in pack.model.measures}
    assert by_id["a_self_governance"].mandatory is False
    assert by_id["a_self_governance"].params["proactive_on_site_inspection"] is False
    assert by_id["c_licensing_key_review"].kind == by_id["d_licensing_key_review"].kind == "licensing_key_review"
    assert by_id["b_credit_reminder"].params["methods"] == "oral_or_written_reminder"
    assert by_id["c_reminder_or_interview"].params["methods"] == "written_reminder_or_integrity_interview"
    key = by_id["d_key_supervision_list"].params
    assert key["special_random_checks"] is True
    assert key["joint_random_checks"] is True


def test_result_applies_next_year(pack: medcredit.CompiledPack) -> None:
    """四（一）: 按照年度随机抽查任务要求 — the 2023 classification steers the 2024 random inspections."""
    assert run(pack, []).applies_in == 2024


# -- 四（二）2: disclosure -----------------------------------------------------------


def test_disclosure(pack: medcredit.CompiledPack) -> None:
    """四（二）2: lists published on the portal; natural persons only by query and government sharing."""
    by_type = {tuple(d.subject_types): d for d in pack.model.disclosure}
    institutions = by_type[("institution",)]
    assert institutions.channels == ["public"]
    assert institutions.lists == ["serious_untrustworthy"]
    individuals = by_type[("individual",)]
    assert "public" not in individuals.channels
    assert set(individuals.channels) == {"query", "government_sharing"}
    assert individuals.lists == []


# -- time and scope ------------------------------------------------------------------


@pytest.mark.parametrize("date", ["2022-12-31", "2024-01-01"])
def test_record_outside_the_cycle_does_not_count(pack: medcredit.CompiledPack, date: str) -> None:
    """三 with the calendar-year cycle (evaluation_cycle): only case information dated in the cycle classifies."""
    result = run(pack, [conduct("inst_non_covered_billing", date)])
    assert result.grade == "A"
    assert result.record_uses[0].reason == "outside_cycle"
    assert not result.record_uses[0].used


def test_cycle_edges_count(pack: medcredit.CompiledPack) -> None:
    """三 with the calendar-year cycle: 1 January and 31 December are inside the cycle."""
    assert run(pack, [conduct("inst_records_not_kept", "2023-01-01")]).grade == "B"
    assert run(pack, [conduct("inst_records_not_kept", "2023-12-31")]).grade == "B"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (conduct("inst_overcharging"), "code_not_matched"),  # 条例第三十八条（三）: not on Suixian's lists
        (conduct("inst_obstructing_inspection"), "code_not_matched"),
        ({"kind": "interview", "date": "2023-05-05"}, "kind_not_used"),
        ({"kind": "administrative_penalty", "date": "2023-05-05", "code": "inst_overcharging"}, "code_not_matched"),
    ],
)
def test_non_matching_records_are_reported_not_applicable(
    pack: medcredit.CompiledPack, record: dict[str, Any], reason: str
) -> None:
    """三（一）至（三） (criteria_codes): conduct outside the criteria lists does not move the class."""
    result = run(pack, [record])
    assert result.grade == "A"
    (use,) = result.record_uses
    assert not use.used
    assert use.reason == reason


def test_natural_persons_are_not_graded(pack: medcredit.CompiledPack) -> None:
    """四（二）: 信息主体为社会法人、个体工商户的，按照失信等级标准开展分级分类执法检查 (interpretation subjects)."""
    person = medcredit.Subject.model_validate(
        {"id": "11010519491231002X", "category": "pharmacist", "records": [conduct("ind_reselling_drugs")]}
    )
    result = medcredit.evaluate(pack, person, CYCLE)
    assert (result.status, result.grade) == ("out_of_scope", None)
    assert result.record_uses[0].reason == "subject_out_of_scope"


@pytest.mark.parametrize("category", ["hospital_inpatient", "outpatient_clinic", "other_institution"])
def test_every_institution_category_is_classified(pack: medcredit.CompiledPack, category: str) -> None:
    """三: every enforcement-case party that is a legal person or individual business is classified."""
    result = run(pack, [conduct("inst_non_covered_billing")], id=HOSPITAL_ID, category=category)
    assert (result.status, result.grade) == ("graded", "C")


def test_village_clinic_is_classified_alone(pack: medcredit.CompiledPack) -> None:
    """三 (interpretation subjects): Suixian has no roll-up; a village clinic that is a case party is classified."""
    result = run(pack, [conduct("agr_no_purchase_receipt")], category="village_clinic", parent_id=HOSPITAL_ID)
    assert (result.status, result.grade) == ("graded", "C")


def test_managed_clinic_records_do_not_count_for_the_parent(pack: medcredit.CompiledPack) -> None:
    """三: the 信息主体 is the party of the case — a managed village clinic's fraud is not the hospital's."""
    result = run(
        pack,
        [],
        id=HOSPITAL_ID,
        category="hospital_inpatient",
        managed_clinics=[{"id": "vc-1", "records": [conduct("fraud_false_claims")]}],
    )
    assert result.grade == "A"
    assert result.listings == ()
    assert result.record_uses[0].reason == "clinic_not_counted"
