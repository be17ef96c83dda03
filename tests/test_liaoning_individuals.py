"""辽宁 第三条（二）"个人类信用主体：包括…参保人员以及其他参与医疗保障活动的个人".

The individuals an institution names (法定代表人, 主要负责人, 实际控制人, 直接责任人员) take part in medical
insurance activities in person: each is an individual credit subject graded on their own information, as
the physicians and the insured are (interpretation ``subjects``), not left out of scope.
"""

from __future__ import annotations

import datetime as dt

import pytest

import medcredit

PACK = medcredit.load_pack("liaoning")
DOC = {"kind": "administrative_decision", "number": "辽医保罚〔2024〕1号"}
PERSON = "210102198001011232"


@pytest.mark.parametrize("category", ["legal_representative", "principal", "actual_controller", "responsible_person"])
def test_each_person_an_institution_names_is_graded_on_their_own_information(category: str) -> None:
    violation = {"kind": "violation", "date": "2024-05-01", "code": "ind_lending_credentials", "document": DOC}
    subject = medcredit.Subject.model_validate({"id": PERSON, "category": category, "records": [violation]})
    result = medcredit.evaluate(PACK, subject, 2024)
    assert (result.status, result.grade) == ("graded", "general_untrust")
    clean = medcredit.Subject.model_validate({"id": PERSON, "category": category, "records": []})
    assert medcredit.evaluate(PACK, clean, 2024).grade == "no_record"


def test_a_listed_principal_is_on_the_list_in_standing() -> None:
    entry = {"kind": "serious_list_entry", "date": "2024-05-01", "document": DOC}
    subject = medcredit.Subject.model_validate({"id": PERSON, "category": "principal", "records": [entry]})
    assert medcredit.evaluate(PACK, subject, 2024).grade == "serious_untrust"
    assert medcredit.standing(PACK, subject, dt.date(2024, 6, 1)).on_list("serious_list") is not None
