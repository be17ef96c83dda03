"""Repair reads a later penalty as the law does: one set aside on objection was never received.

辽宁 第三十一条（三）"未因同一类违法行为再次受到医疗保障行政部门行政处罚" and 第三十二条（四）
"未再受到医疗保障行政部门较重的行政处罚" ask whether the subject was penalised again.  Under
第二十七条 a record whose objection was upheld, or which was deleted as unverifiable
("对无法核实真实性的异议信息，应当及时予以删除"), no longer stands: by the application's date it
is no repeat.  An objection resolved after the application changes nothing on that day.  And the
information itself, once set aside, leaves nothing to repair (第三十条 "失信主体…申请信用修复").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import medcredit
from medcredit.history.identifiers import org_code_check_char, uscc_check_char

PACK = medcredit.load_pack("liaoning")
DOC = {"kind": "administrative_decision", "number": "辽医保罚〔2023〕1号"}
_BASE = "12210000" + "12345678" + org_code_check_char("12345678")
INSTITUTION = _BASE + uscc_check_char(_BASE)
DECLARED = {"obligations_fulfilled": True, "harm_eliminated": True}


def _subject(*records: dict[str, Any]) -> medcredit.Subject:
    return medcredit.Subject.model_validate({"id": INSTITUTION, "category": "hospital_inpatient", "records": records})


def _penalty(day: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "administrative_penalty", "date": day, "document": DOC, **fields}


def _condition(answer: medcredit.RepairAnswer, check_id: str) -> Any:
    (found,) = [c for c in answer.conditions if c.id == check_id]
    return found


def _objection(status: str, resolved: str) -> dict[str, str]:
    return {"filed": "2023-08-05", "status": status, "resolved": resolved}


@pytest.mark.parametrize("status", ["upheld", "deleted_unverifiable"])
def test_a_repeat_penalty_set_aside_on_objection_is_no_repeat(status: str) -> None:
    subject = _subject(
        _penalty("2023-05-15", id="P1", code="inst_overcharging", amount="5000"),
        _penalty(
            "2023-08-01", id="P2", code="inst_overcharging", amount="1", objection=_objection(status, "2023-08-10")
        ),
    )
    answer = medcredit.assess_repair(PACK, subject, "P1", dt.date(2024, 1, 10), declarations=DECLARED)
    assert _condition(answer, "no_repeat_penalty").met
    assert answer.eligible, answer.reason


def test_an_objection_upheld_after_the_application_does_not_count_on_that_day() -> None:
    subject = _subject(
        _penalty("2023-05-15", id="P1", code="inst_overcharging", amount="5000"),
        _penalty(
            "2023-08-01", id="P2", code="inst_overcharging", amount="1", objection=_objection("upheld", "2024-02-10")
        ),
    )
    before = medcredit.assess_repair(PACK, subject, "P1", dt.date(2024, 1, 10), declarations=DECLARED)
    assert not _condition(before, "no_repeat_penalty").met
    after = medcredit.assess_repair(PACK, subject, "P1", dt.date(2024, 2, 10), declarations=DECLARED)
    assert _condition(after, "no_repeat_penalty").met


def test_a_repeat_penalty_that_was_repaired_was_still_received() -> None:
    subject = _subject(
        _penalty("2023-05-15", id="P1", code="inst_overcharging", amount="5000"),
        _penalty("2023-08-01", id="P2", code="inst_overcharging", amount="1"),
        {"kind": "repair_granted", "date": "2023-12-01", "ref": "P2"},
    )
    answer = medcredit.assess_repair(PACK, subject, "P1", dt.date(2024, 1, 10), declarations=DECLARED)
    assert not _condition(answer, "no_repeat_penalty").met


def test_a_heavier_penalty_set_aside_on_objection_is_not_a_heavier_penalty() -> None:
    subject = _subject(
        {"kind": "serious_list_entry", "date": "2023-05-10", "id": "S1", "document": DOC},
        _penalty(
            "2023-09-01",
            amount="1",
            heavier=True,
            objection={**_objection("upheld", "2023-09-20"), "filed": "2023-09-10"},
        ),
    )
    answer = medcredit.assess_repair(PACK, subject, "S1", dt.date(2024, 6, 1), declarations=DECLARED)
    assert _condition(answer, "no_heavier_penalty").met
    standing_one = _subject(
        {"kind": "serious_list_entry", "date": "2023-05-10", "id": "S1", "document": DOC},
        _penalty("2023-09-01", amount="1", heavier=True),
    )
    answer = medcredit.assess_repair(PACK, standing_one, "S1", dt.date(2024, 6, 1), declarations=DECLARED)
    assert not _condition(answer, "no_heavier_penalty").met


def test_information_set_aside_on_objection_has_nothing_to_repair() -> None:
    subject = _subject(
        _penalty(
            "2023-05-15",
            id="P1",
            code="inst_overcharging",
            amount="5000",
            objection={"filed": "2023-06-01", "status": "upheld", "resolved": "2023-06-10"},
        ),
    )
    answer = medcredit.assess_repair(PACK, subject, "P1", dt.date(2024, 1, 10), declarations=DECLARED)
    assert not answer.eligible
    assert answer.route is None
    assert "set aside on objection" in answer.reason
    # before the objection was resolved the information stood, and its route applies
    pending = medcredit.assess_repair(
        PACK, subject, "P1", dt.date(2023, 6, 5), declarations=DECLARED, override_validity=True
    )
    assert pending.route is not None


def test_a_penalty_without_its_legal_document_has_nothing_to_repair() -> None:
    """第十五条 "认定失信行为应当以下列具有法律效力的文书为依据": without the document the record is not counted
    (the grade says no_legal_document), so there is no untrustworthy information to repair."""
    bare = {"kind": "administrative_penalty", "date": "2023-06-01", "id": "P1", "code": "inst_overcharging"}
    subject = _subject(bare)
    answer = medcredit.assess_repair(PACK, subject, "P1", dt.date(2024, 6, 5), declarations=DECLARED)
    assert not answer.eligible and answer.route is None
    assert "no legally effective document" in answer.reason
    documented = medcredit.assess_repair(
        PACK, _subject({**bare, "document": DOC}), "P1", dt.date(2024, 6, 5), declarations=DECLARED
    )
    assert documented.route is not None


def test_information_outside_the_validity_has_nothing_to_repair_as_it_is_no_listing() -> None:
    """第三十九条 "本办法自2023年4月1日起施行" (interpretation validity_window): information dated before takes no
    part in the grade or in standing, so a serious-list entry of 15 March 2023 is no listing that a
    第三十二条 repair could end, and a later penalty's 第三十一条（四）"未在严重失信主体名单中" holds."""
    entry = {"kind": "serious_list_entry", "id": "S1", "date": "2023-03-15", "document": DOC}
    subject = _subject(entry, _penalty("2023-08-31", id="P1", code="inst_overcharging"))
    assert medcredit.standing(PACK, subject, dt.date(2024, 3, 16)).on_list("serious_list") is None
    answer = medcredit.assess_repair(PACK, subject, "S1", dt.date(2024, 3, 16), declarations=DECLARED)
    assert (answer.eligible, answer.route, answer.conditions) == (False, None, ())
    assert "outside the validity" in answer.reason and "有效期" in answer.reason_zh
    assert answer.as_dict()["reason_zh"] == answer.reason_zh
    penalty = medcredit.assess_repair(PACK, subject, "P1", dt.date(2024, 3, 1), declarations=DECLARED)
    assert _condition(penalty, "not_on_serious_list").met
    # with the validity overridden the entry is a listing again, and its route applies
    overridden = medcredit.assess_repair(
        PACK, subject, "S1", dt.date(2024, 3, 16), declarations=DECLARED, override_validity=True
    )
    assert overridden.route is not None


def test_a_later_penalty_without_its_legal_document_is_no_repeat() -> None:
    """第十五条: a penalty without its legal document is no untrustworthy information (nothing to repair, not
    counted by the grade), so it is not "再次受到…行政处罚" (第三十一条（三）) or "较重的行政处罚" (第三十二条（四）)
    either: one reading of the same record throughout."""
    bare = {"kind": "administrative_penalty", "date": "2023-12-01", "code": "inst_overcharging"}
    subject = _subject(_penalty("2023-08-31", id="P1", code="inst_overcharging"), bare)
    answer = medcredit.assess_repair(PACK, subject, "P1", dt.date(2024, 3, 1), declarations=DECLARED)
    assert _condition(answer, "no_repeat_penalty").met
    documented = _subject(_penalty("2023-08-31", id="P1", code="inst_overcharging"), {**bare, "document": DOC})
    again = medcredit.assess_repair(PACK, documented, "P1", dt.date(2024, 3, 1), declarations=DECLARED)
    assert not _condition(again, "no_repeat_penalty").met
    listed = {"kind": "serious_list_entry", "id": "S1", "date": "2023-06-01", "document": DOC}
    heavier = {"kind": "administrative_penalty", "date": "2024-01-03", "amount": "1", "heavier": True}
    serious = medcredit.assess_repair(PACK, _subject(listed, heavier), "S1", dt.date(2024, 6, 2), declarations=DECLARED)
    assert _condition(serious, "no_heavier_penalty").met
    with_document = _subject(listed, {**heavier, "document": DOC})
    refused = medcredit.assess_repair(PACK, with_document, "S1", dt.date(2024, 6, 2), declarations=DECLARED)
    assert not _condition(refused, "no_heavier_penalty").met


def test_a_listing_already_ended_by_removal_has_nothing_to_repair() -> None:
    """第三十二条 "被列入严重失信主体名单满一年" repairs a listing; 第十六条: the removal decision took the subject off
    the list after seven months, so there is no listing left to repair (and none that ran a year)."""
    entry = {"kind": "serious_list_entry", "id": "S1", "date": "2023-06-01", "document": DOC}
    removal = {"kind": "serious_list_removal", "date": "2024-01-01"}
    answer = medcredit.assess_repair(PACK, _subject(entry, removal), "S1", dt.date(2024, 6, 2), declarations=DECLARED)
    assert (answer.eligible, answer.route) == (False, None)
    assert "removed from the list serious_list on 2024-01-01" in answer.reason and "移出" in answer.reason_zh
    still_listed = medcredit.assess_repair(PACK, _subject(entry), "S1", dt.date(2024, 6, 2), declarations=DECLARED)
    assert still_listed.route == "serious_list" and still_listed.eligible


def test_a_revocation_of_no_granted_repair_revokes_nothing() -> None:
    """第三十六条 "撤销准予信用修复的决定，恢复之前状态…公示期重新计算，三年内不得申请信用修复" presupposes a repair
    granted: a revocation naming a record never repaired restarts no period and bars nothing."""
    p1 = _penalty("2023-08-31", id="P1", code="inst_overcharging")
    revoked = {"kind": "repair_revoked", "date": "2024-01-15", "ref": "P1"}
    answer = medcredit.assess_repair(PACK, _subject(p1, revoked), "P1", dt.date(2024, 3, 1), declarations=DECLARED)
    assert answer.eligible, answer.reason
    granted = {"kind": "repair_granted", "date": "2023-12-01", "ref": "P1"}
    real = medcredit.assess_repair(
        PACK, _subject(p1, granted, revoked), "P1", dt.date(2024, 3, 1), declarations=DECLARED
    )
    assert not _condition(real, "no_revoked_repair").met


def test_an_entry_of_an_earlier_listing_has_nothing_to_repair_after_a_relisting() -> None:
    """第十六条: the removal of 2023-09-01 ended the listing S1 entered; the subject was listed again by S2, whose
    listing has run nine months, not the year 第三十二条 asks for: S1 is not a way round it."""
    s1 = {"kind": "serious_list_entry", "id": "S1", "date": "2023-06-01", "document": DOC}
    s2 = {"kind": "serious_list_entry", "id": "S2", "date": "2023-09-02", "document": DOC}
    subject = _subject(s1, {"kind": "serious_list_removal", "date": "2023-09-01"}, s2)
    answer = medcredit.assess_repair(PACK, subject, "S1", dt.date(2024, 6, 5), declarations=DECLARED)
    assert (answer.eligible, answer.route) == (False, None)
    assert "current one began on 2023-09-02" in answer.reason
    current = medcredit.assess_repair(PACK, subject, "S2", dt.date(2024, 6, 5), declarations=DECLARED)
    assert current.route == "serious_list" and not _condition(current, "listed_one_year").met
