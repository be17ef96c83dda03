"""Village clinics (村卫生室) under each pack: only Wushan manages them under a parent.

巫山 第四条: "本办法所称信用主体是指本县定点医疗机构、定点零售药店,开通医保网络结算的村卫生室纳入所在地
乡镇卫生院、街道社区卫生服务中心管理。"  The other documents have no such clause: a village clinic with
insurance settlement is a designated medical institution (辽宁 第三条（一）"机构类信用主体：包括医疗保障
定点医疗机构"), and Suixian classifies "执法案件信息中涉及的当事人".  So a history need not name a
parent (``parent_id``): the pack decides what a village clinic is, and a clinic given alone is graded
alone where the pack says so.  These cases were derived from the documents' words, not from the engine's output.
"""

from __future__ import annotations

from typing import Any

import pytest

import medcredit
from medcredit.history.reader import Loaded, iter_subjects

CYCLE = 2023
VILLAGE = {"id": "V-0001", "name": "某村卫生室", "category": "village_clinic"}
# 睢县 三（二）4 and 中牟 三（二）5 (6): "将不属于医疗保障基金支付范围的医药费用纳入医疗保障基金结算"
NON_COVERED = {"kind": "violation", "date": "2023-05-01", "code": "inst_non_covered_billing"}


def _evaluate(pack: str, **extra: Any) -> medcredit.Result:
    subject = medcredit.Subject.model_validate({**VILLAGE, **extra})
    return medcredit.evaluate(medcredit.load_pack(pack), subject, CYCLE)


def test_suixian_grades_a_village_clinic_alone_as_the_party_to_its_case() -> None:
    """睢县 三（二）: "符合下列情形之一的，为C类失信企业：… 4. 将不属于医疗保障基金支付范围的医药费用
    纳入医疗保障基金结算的"."""
    result = _evaluate("suixian", records=[NON_COVERED])
    assert (result.status, result.grade) == ("graded", "C")


def test_zhongmou_lists_a_village_clinic_alone() -> None:
    """中牟 三（二）5: the listed conduct, here "(6) 将不属于医疗保障基金支付范围的医药费用纳入医疗保障基金结算"."""
    result = _evaluate("zhongmou", records=[NON_COVERED])
    assert (result.status, result.grade) == ("graded", "untrustworthy")


def test_liaoning_grades_a_village_clinic_as_an_institution() -> None:
    """辽宁 第三条（一）: "机构类信用主体：包括医疗保障定点医疗机构、定点零售药店…"; with no information
    the class is "no record"."""
    result = _evaluate("liaoning")
    assert result.status == "graded"
    assert result.grade == "no_record"


@pytest.mark.parametrize("pack", ["suixian", "zhongmou", "liaoning"])
def test_a_parent_changes_nothing_where_clinics_are_graded_alone(pack: str) -> None:
    alone = _evaluate(pack, records=[NON_COVERED])
    with_parent = _evaluate(pack, records=[NON_COVERED], parent_id="12500237MB1C2D3E4X")
    assert (alone.status, alone.grade, alone.score) == (with_parent.status, with_parent.grade, with_parent.score)


def test_wushan_rolls_a_village_clinic_up_and_warns_when_the_parent_is_not_named() -> None:
    """巫山 第四条: "纳入所在地乡镇卫生院、街道社区卫生服务中心管理": not graded alone, either way."""
    named = _evaluate("wushan", parent_id="12500237MB1C2D3E4X")
    alone = _evaluate("wushan")
    for result in (named, alone):
        assert (result.status, result.reason) == ("rolled_up", "rolled_up_into_parent")
    assert "parent_unknown" not in {w.code for w in named.warnings}
    assert "parent_unknown" in {w.code for w in alone.warnings}
    assert "第四条" in medcredit.render_text(alone, medcredit.load_pack("wushan"), "zh")


def test_wushan_warns_that_records_given_on_the_clinics_own_line_are_not_counted() -> None:
    """第四条: the clinic's records count for its parent, which is graded from its own history (managed_clinics):
    records given on the clinic's own line count nowhere, and the output says so instead of "counted under the
    parent"."""
    fraud = {"kind": "fraud", "date": "2023-05-01", "code": "fraud_other"}
    given = _evaluate("wushan", parent_id="12500237MB1C2D3E4X", records=[fraud])
    assert given.status == "rolled_up"
    assert "records_given_alone" in {w.code for w in given.warnings}
    text = medcredit.render_text(given, medcredit.load_pack("wushan"), "zh")
    assert "managed_clinics" in text and "不计入评价" in text
    empty = _evaluate("wushan", parent_id="12500237MB1C2D3E4X")
    assert "records_given_alone" not in {w.code for w in empty.warnings}


def test_a_village_clinic_without_parent_is_read_from_jsonl(tmp_path: Any) -> None:
    """The reader (fast path and pydantic alike) accepts it: the pack, not the history, decides."""
    path = tmp_path / "v.jsonl"
    path.write_text('{"id": "V-0001", "category": "village_clinic", "records": []}\n', "utf-8")
    items = list(iter_subjects(str(path), None))
    assert len(items) == 1 and isinstance(items[0], Loaded)


def test_liaoning_a_managed_clinics_records_are_not_the_hospitals() -> None:
    """辽宁: village clinics are graded alone (interpretation subjects: 本办法没有纳入上级机构管理的规定): a
    serious listing of a clinic managed by a township hospital does not list the hospital."""
    pack = medcredit.load_pack("liaoning")
    clinic_records = [
        {
            "kind": "serious_list_entry",
            "date": "2024-03-12",
            "document": {"kind": "administrative_decision", "number": "辽医保〔2024〕1号"},
        }
    ]
    hospital = medcredit.Subject.model_validate(
        {
            "id": "12210000123456788H",
            "category": "hospital_inpatient",
            "records": [{"kind": "inspection", "date": "2024-02-01"}],
            "managed_clinics": [{"id": "VC1", "records": clinic_records}],
        }
    )
    alone = medcredit.Subject.model_validate(
        {
            "id": "12210000123456788H",
            "category": "hospital_inpatient",
            "records": [{"kind": "inspection", "date": "2024-02-01"}],
        }
    )
    result = medcredit.evaluate(pack, hospital, 2024)
    assert (result.grade, result.listings) == (medcredit.evaluate(pack, alone, 2024).grade, ())
    assert result.grade != "serious_untrust"
