"""Repairs, revocations, objections and lists: ``standing``, ``assess_repair`` and ``evaluate`` tell one story.

Derived from the documents' words:
- 辽宁 第十六条 "信用主体列入或移出严重失信主体名单，由医疗保障行政部门作出决定" and the pack's interpretation
  serious_list_rules: a list ends by the removal decision (a repair decision alone does not take the subject off);
- 辽宁 第三十六条 "由医疗保障行政部门撤销准予信用修复的决定，恢复之前状态 … 三年内不得申请信用修复";
- 辽宁 第二十七条 (objections, 异议标注 while pending) and 第三十一条（四）"未在严重失信主体名单中";
- 睢县 五 "失信主体同时满足下列条件的，可申请进行信用修复" for every kind of 失信信息 the classes count.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import medcredit
from medcredit.history.identifiers import org_code_check_char, uscc_check_char
from medcredit.repair.assess import UnknownRecordError

DOC = {"kind": "administrative_decision", "number": "辽医保罚〔2023〕1号"}
_BODY = "12210000" + "12345678" + org_code_check_char("12345678")
INSTITUTION = _BODY + uscc_check_char(_BODY)


def _subject(records: list[dict[str, Any]], category: str = "hospital_inpatient") -> medcredit.Subject:
    return medcredit.Subject.model_validate({"id": INSTITUTION, "category": category, "records": records})


def _rec(kind: str, date: str, *, document: bool = True, **fields: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {"kind": kind, "date": date, **fields}
    if document:
        rec["document"] = DOC
    return rec


LIAONING = medcredit.load_pack("liaoning")
SUIXIAN = medcredit.load_pack("suixian")
ENTRY = _rec("serious_list_entry", "2023-05-10", id="S1")
GRANTED = _rec("repair_granted", "2024-06-01", document=False, ref="S1")
REMOVED = _rec("serious_list_removal", "2024-06-01", document=False)
REVOKED = _rec("repair_revoked", "2024-09-10", document=False, ref="S1")


def _listed(pack: medcredit.CompiledPack, subject: medcredit.Subject, on: str) -> bool:
    return medcredit.standing(pack, subject, dt.date.fromisoformat(on)).on_list("serious_list") is not None


def test_a_revoked_repair_restores_the_listing_its_removal_ended() -> None:
    """第三十六条 "撤销准予信用修复的决定，恢复之前状态": listed again, in standing and in the 2024 grade."""
    subject = _subject([ENTRY, GRANTED, REMOVED, REVOKED])
    assert not _listed(LIAONING, subject, "2024-08-01")  # removed after the repair
    assert _listed(LIAONING, subject, "2024-10-01")  # the repair revoked: the earlier state again
    assert medcredit.evaluate(LIAONING, subject, 2024).grade == "serious_untrust"
    without_revocation = _subject([ENTRY, GRANTED, REMOVED])
    assert medcredit.evaluate(LIAONING, without_revocation, 2024).grade != "serious_untrust"


def test_a_removal_after_the_revocation_ends_the_listing_again() -> None:
    """A new removal decision (第十六条) after the revocation stands: the revocation undoes only what came before."""
    later = _rec("serious_list_removal", "2024-12-01", document=False)
    subject = _subject([ENTRY, GRANTED, REMOVED, REVOKED, later])
    assert not _listed(LIAONING, subject, "2024-12-15")
    assert _listed(LIAONING, subject, "2024-11-15")


def test_a_repair_decision_alone_leaves_the_subject_listed_in_standing_as_in_the_grade() -> None:
    """第十六条: listing and removal are the department's decisions; standing agrees with evaluate, and so does
    第三十一条（四）"未在严重失信主体名单中" for another penalty's repair."""
    penalty = _rec("administrative_penalty", "2023-04-10", id="P1", code="inst_overcharging", amount="5000")
    subject = _subject([penalty, ENTRY, GRANTED])
    graded = medcredit.evaluate(LIAONING, subject, 2024)
    assert graded.grade == "serious_untrust"
    assert _listed(LIAONING, subject, "2024-10-01")
    answer = medcredit.assess_repair(
        LIAONING, subject, "P1", dt.date(2024, 7, 1), declarations={"obligations_fulfilled": True}
    )
    (not_listed,) = [c for c in answer.conditions if c.check == "not_listed"]
    assert not not_listed.met


def test_suixian_standing_and_grade_agree_after_a_repair() -> None:
    """睢县: a D-class fraud puts the subject on the serious list; a repair decision alone does not end it."""
    fraud = _rec("fraud", "2023-05-01", document=False, id="F1", code="fraud_false_claims")
    commitment = _rec("credit_commitment", "2023-06-01", document=False)
    granted = _rec("repair_granted", "2023-09-01", document=False, ref="F1")
    subject = _subject([fraud, commitment, granted], "retail_pharmacy")
    grade = medcredit.evaluate(SUIXIAN, subject, 2024).grade
    on_a_list = bool([x for x in medcredit.standing(SUIXIAN, subject, dt.date(2024, 6, 1)).listings if x.active])
    assert (grade == "D") == on_a_list


def test_suixian_a_suspension_that_sets_the_class_can_be_repaired() -> None:
    """睢县 五: repair is open to the 失信信息 the classes count, an agreement suspension among them (C1)."""
    suspension = _rec("agreement_suspension", "2023-05-01", document=False, id="A1", code="agr_selling_daily_goods")
    commitment = _rec("credit_commitment", "2023-06-01", document=False)
    subject = _subject([suspension, commitment], "retail_pharmacy")
    assert medcredit.evaluate(SUIXIAN, subject, 2023).grade == "C"
    declared = {"obligations_fulfilled": True, "other_requirements_met": True}
    too_early = medcredit.assess_repair(SUIXIAN, subject, "A1", dt.date(2023, 8, 1), declarations=declared)
    assert too_early.route is not None and not too_early.eligible
    answer = medcredit.assess_repair(SUIXIAN, subject, "A1", dt.date(2023, 8, 2), declarations=declared)
    assert answer.eligible, answer.reason  # "(三) 失信信息披露期限已达3个月以上": from 2023-08-02


def test_a_revoked_repair_bars_every_repair_of_the_subject_for_three_years() -> None:
    """第三十六条 "三年内不得申请信用修复": the 失信主体 may not apply, whichever record it would be for."""
    p1 = _rec("administrative_penalty", "2023-04-10", id="P1", code="inst_overcharging", amount="1000")
    p2 = _rec("administrative_penalty", "2023-05-10", id="P2", code="inst_records_not_kept", amount="1000")
    granted = _rec("repair_granted", "2023-11-01", document=False, ref="P1")
    revoked = _rec("repair_revoked", "2024-01-10", document=False, ref="P1")
    subject = _subject([p1, p2, granted, revoked])
    declared = {"obligations_fulfilled": True, "harm_eliminated": True}
    answer = medcredit.assess_repair(LIAONING, subject, "P2", dt.date(2024, 6, 1), declarations=declared)
    (bar,) = [c for c in answer.conditions if c.check == "no_recent_revocation"]
    assert not bar.met and bar.earliest == dt.date(2027, 1, 11)
    later = medcredit.assess_repair(
        LIAONING, subject, "P2", dt.date(2027, 1, 11), declarations=declared, override_validity=True
    )  # the measures expired on 2025-03-31: asked anyway, to see the bar lift
    assert [c.met for c in later.conditions if c.check == "no_recent_revocation"] == [True]


@pytest.mark.parametrize(
    ("on", "in_force", "flag"),
    [("2023-05-20", True, None), ("2023-06-03", True, "objection_pending"), ("2023-06-10", False, None)],
)
def test_standing_reads_an_objection_by_its_dates(on: str, in_force: bool, flag: str | None) -> None:
    """第二十七条: before the objection is filed the record simply stands; while it is pending it stands with its
    异议标注; once upheld it is no longer in force."""
    objection = {"filed": "2023-06-01", "status": "upheld", "resolved": "2023-06-05"}
    penalty = _rec("administrative_penalty", "2023-05-01", id="P1", amount="1000", objection=objection)
    st = medcredit.standing(LIAONING, _subject([penalty]), dt.date.fromisoformat(on))
    assert (0 in st.in_force) is in_force
    assert st.flagged == (((0, flag),) if flag else ())
    if not in_force:
        assert st.not_in_force == ((0, "objection_upheld"),)


def test_declarations_must_be_known_and_true_or_false() -> None:
    """A misspelt declaration would leave its condition undeclared (unmet) without a word: refused instead."""
    subject = _subject([_rec("administrative_penalty", "2023-01-10", id="P1", amount="1000")])
    with pytest.raises(medcredit.ArgumentError, match="unknown declaration 'bogus'"):
        medcredit.assess_repair(LIAONING, subject, "P1", dt.date(2024, 1, 1), declarations={"bogus": True})
    with pytest.raises(medcredit.ArgumentError, match="must be True or False"):
        medcredit.assess_repair(
            LIAONING, subject, "P1", dt.date(2024, 1, 1), declarations={"obligations_fulfilled": "yes"}
        )


def test_two_records_with_one_id_cannot_be_told_apart() -> None:
    twice = [_rec("administrative_penalty", d, id="P1", amount="1000") for d in ("2023-01-10", "2023-02-10")]
    with pytest.raises(UnknownRecordError, match=r"2 records with id 'P1' \(records\[0\], records\[1\]\)"):
        medcredit.assess_repair(LIAONING, _subject(twice), "P1", dt.date(2024, 1, 1))


@pytest.mark.parametrize(
    "records",
    [
        # the removal came before the repair: the state before the repair was "removed"
        [ENTRY, _rec("serious_list_removal", "2024-03-01", document=False), GRANTED, REVOKED],
        # nothing was granted: there is no repair to revoke
        [ENTRY, REMOVED, REVOKED],
    ],
    ids=["removal-before-the-repair", "no-repair-granted"],
)
def test_a_revocation_undoes_only_the_removal_its_repair_led_to(records: list[dict[str, Any]]) -> None:
    """第三十六条 "恢复之前状态": the state before the revoked repair, not before every removal."""
    subject = _subject(records)
    assert not _listed(LIAONING, subject, "2024-10-01")
    assert medcredit.evaluate(LIAONING, subject, 2024).grade != "serious_untrust"


def test_a_revocation_set_aside_by_an_upheld_objection_revokes_nothing() -> None:
    """第二十七条: an objection upheld against the revocation: the repair and its removal stand, in the grade, in
    standing and for the three-year bar and the restarted waiting period of 第三十六条."""
    objection = {"filed": "2024-09-20", "status": "upheld", "resolved": "2024-10-01"}
    revoked = {**REVOKED, "objection": objection}
    subject = _subject([ENTRY, GRANTED, REMOVED, revoked])
    assert not _listed(LIAONING, subject, "2024-12-31")
    assert medcredit.evaluate(LIAONING, subject, 2024).grade != "serious_untrust"
    p1 = _rec("administrative_penalty", "2023-04-10", id="P1", code="inst_overcharging", amount="1000")
    granted = _rec("repair_granted", "2023-11-01", document=False, ref="P1")
    set_aside = {**_rec("repair_revoked", "2024-01-10", document=False, ref="P1"), "objection": objection}
    answer = medcredit.assess_repair(
        LIAONING, _subject([p1, granted, set_aside]), "P1", dt.date(2024, 12, 1), declarations={}
    )
    assert [c.met for c in answer.conditions if c.check == "no_recent_revocation"] == [True]


def test_standing_puts_a_subject_the_pack_does_not_cover_on_no_list_and_under_no_sanction() -> None:
    """As the evaluation (out_of_scope): a pack for medical staff starts no sanction for a pharmacy, and a
    pack whose lists are for institutions lists no insured person."""
    root = Path(__file__).parent / "fixtures" / "capabilities"
    staff_only = medcredit.load_pack(str(root / "personnel_points.yaml"))
    pharmacy = medcredit.load_subject(
        {
            "id": "92500237MA00000016",
            "category": "retail_pharmacy",
            "records": [{"kind": "violation", "date": "2024-07-01", "code": "inst_excessive_services", "points": 12}],
        }
    )
    assert medcredit.evaluate(staff_only, pharmacy, 2024).status == "out_of_scope"
    assert medcredit.standing(staff_only, pharmacy, dt.date(2024, 12, 31)).sanctions == ()
    dynamic = medcredit.load_pack(str(root / "dynamic_scorecard.yaml"))
    person = medcredit.load_subject(
        {
            "id": "500237196304040036",
            "category": "insured_person",
            "records": [{"kind": "serious_list_entry", "date": "2025-02-01"}],
        }
    )
    assert medcredit.evaluate(dynamic, person, as_of=dt.date(2025, 6, 30)).status == "out_of_scope"
    assert medcredit.standing(dynamic, person, dt.date(2025, 6, 30)).listings == ()


def test_suixian_a_record_no_criterion_counts_has_nothing_to_repair() -> None:
    """睢县 五 repairs 失信信息: a violation whose code no class of 三 lists is graded not applicable
    (code_not_matched), so it is no 失信信息 and there is nothing to repair."""
    overcharging = _rec("violation", "2023-05-01", document=False, id="V1", code="inst_overcharging")
    subject = _subject([overcharging], "retail_pharmacy")
    assert medcredit.evaluate(SUIXIAN, subject, 2023).grade == "A"
    declared = {"obligations_fulfilled": True, "other_requirements_met": True}
    answer = medcredit.assess_repair(SUIXIAN, subject, "V1", dt.date(2023, 9, 1), declarations=declared)
    assert (answer.eligible, answer.route) == (False, None)
    assert "no fact of this pack counts the record" in answer.reason
