"""A listing dates from the conduct that put the subject on the list this time, and ends only by its own causes.

睢县 三（三）"出现下列情形，直接列入严重失信信息" and 中牟 三（二）5 "信用主体有下列情形之一的，…将其
列入失信名单" list a subject when the conduct occurs.  A subject taken off the list (a removal
decision, the list's term run out) and later found again is listed anew: the listing's date is the
new conduct's, not the first conduct ever listed.  A credit repair is "granted for the record named in
ref": one that repairs another record (a late refund) does not take the subject off the list for
conduct it never repaired.  A suspension of the service agreement is the agency's response to a breach
of that agreement: 中牟 三（二）4 "对违反法定义务或者约定义务的信用主体" applies.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import medcredit

SUIXIAN = medcredit.load_pack("suixian")
ZHONGMOU = medcredit.load_pack("zhongmou")
PHARMACY_SX = "91411422MA9G5KXH0R"
PHARMACY_ZM = "91410122MA0000001R"


def _pharmacy(uscc: str, *records: dict[str, Any]) -> medcredit.Subject:
    return medcredit.Subject.model_validate({"id": uscc, "category": "retail_pharmacy", "records": records})


def _listing(result: Any, list_id: str) -> Any:
    (found,) = [x for x in result.listings if x.list_id == list_id]
    return found


def test_suixian_a_relisting_after_removal_dates_from_the_new_conduct() -> None:
    subject = _pharmacy(
        PHARMACY_SX,
        {"kind": "fraud", "date": "2023-06-01", "code": "fraud_other"},
        {"kind": "serious_list_removal", "date": "2024-03-01"},
        {"kind": "fraud", "date": "2025-02-01", "code": "fraud_other"},
    )
    assert not medcredit.standing(SUIXIAN, subject, dt.date(2024, 12, 31)).listings[0].active
    listing = _listing(medcredit.evaluate(SUIXIAN, subject, 2025), "serious_untrustworthy")
    assert (listing.since, listing.active) == (dt.date(2025, 2, 1), True)
    assert 1 in listing.records  # the removal that ended the first listing explains the date
    on = medcredit.standing(SUIXIAN, subject, dt.date(2025, 3, 1)).on_list("serious_untrustworthy")
    assert on is not None and on.since == dt.date(2025, 2, 1)


def test_suixian_conduct_while_listed_keeps_the_first_date() -> None:
    subject = _pharmacy(
        PHARMACY_SX,
        {"kind": "fraud", "date": "2023-06-01", "code": "fraud_other"},
        {"kind": "fraud", "date": "2024-02-01", "code": "fraud_other"},
        {"kind": "serious_list_removal", "date": "2024-03-01"},
    )
    listing = _listing(medcredit.evaluate(SUIXIAN, subject, 2024), "serious_untrustworthy")
    assert (listing.since, listing.until, listing.active) == (dt.date(2023, 6, 1), dt.date(2024, 2, 29), False)


def test_zhongmou_a_relisting_after_the_term_ran_out_dates_from_the_new_conduct() -> None:
    subject = _pharmacy(
        PHARMACY_ZM,
        {"kind": "violation", "date": "2023-01-10", "code": "inst_overcharging"},
        {"kind": "violation", "date": "2024-06-01", "code": "inst_overcharging"},
    )
    assert not medcredit.standing(ZHONGMOU, subject, dt.date(2024, 3, 1)).listings[0].active
    listing = _listing(medcredit.evaluate(ZHONGMOU, subject, 2024), "untrustworthy")
    assert (listing.since, listing.until) == (dt.date(2024, 6, 1), dt.date(2025, 6, 1))


def test_zhongmou_conduct_within_the_term_extends_the_same_listing() -> None:
    subject = _pharmacy(
        PHARMACY_ZM,
        {"kind": "violation", "date": "2023-01-10", "code": "inst_overcharging"},
        {"kind": "violation", "date": "2024-01-10", "code": "inst_overcharging"},  # the term's last day
    )
    listing = _listing(medcredit.evaluate(ZHONGMOU, subject, 2024), "untrustworthy")
    assert (listing.since, listing.until) == (dt.date(2023, 1, 10), dt.date(2025, 1, 10))


def _repaired(ref: str) -> medcredit.Subject:
    return _pharmacy(
        PHARMACY_ZM,
        {"kind": "violation", "id": "V1", "date": "2023-03-01", "code": "inst_overcharging"},
        {"kind": "late_refund", "id": "L1", "date": "2023-04-01", "amount": 10},
        {"kind": "repair_granted", "date": "2023-08-01", "ref": ref},
    )


def test_zhongmou_a_repair_of_another_record_leaves_the_listing() -> None:
    subject = _repaired("L1")
    result = medcredit.evaluate(ZHONGMOU, subject, 2023)
    assert result.grade == "untrustworthy"
    listing = _listing(result, "untrustworthy")
    assert (listing.until, listing.until_rule) == (dt.date(2024, 3, 1), "term")
    assert medcredit.standing(ZHONGMOU, subject, dt.date(2023, 9, 1)).on_list("untrustworthy") is not None


def test_zhongmou_a_repair_of_the_listed_record_ends_the_listing() -> None:
    subject = _repaired("V1")
    result = medcredit.evaluate(ZHONGMOU, subject, 2023)
    assert result.grade == "violated"
    listing = _listing(result, "untrustworthy")
    assert (listing.until, listing.until_rule) == (dt.date(2023, 7, 31), "removal")
    assert medcredit.standing(ZHONGMOU, subject, dt.date(2023, 9, 1)).on_list("untrustworthy") is None


def test_zhongmou_a_suspension_of_the_agreement_is_a_breach_of_agreed_obligations() -> None:
    for extra in ({"code": "agr_selling_daily_goods"}, {}):
        subject = _pharmacy(PHARMACY_ZM, {"kind": "agreement_suspension", "date": "2023-06-01", "months": 3, **extra})
        result = medcredit.evaluate(ZHONGMOU, subject, 2023)
        assert result.grade == "violated"
        assert "onsite_inspection" in result.measures
        assert "no_measure_without_breach" not in result.measures
    outside = _pharmacy(PHARMACY_ZM, {"kind": "agreement_suspension", "date": "2022-06-01", "months": 3})
    assert medcredit.evaluate(ZHONGMOU, outside, 2023).grade == "not_listed"


# -- a removal or repair must be later than the conduct it ends the listing for (睢县 serious_list_persistence
# "直至有晚于最后一次列入情形的移出记录"; 中牟 listing_duration), and a repair is granted for one record


def test_suixian_a_removal_on_the_day_of_the_conduct_does_not_end_its_listing() -> None:
    subject = _pharmacy(
        PHARMACY_SX,
        {"kind": "fraud", "date": "2023-04-01", "code": "fraud_other"},
        {"kind": "serious_list_removal", "date": "2023-04-01"},
    )
    listing = _listing(medcredit.evaluate(SUIXIAN, subject, 2024), "serious_untrustworthy")
    assert (listing.since, listing.until, listing.active) == (dt.date(2023, 4, 1), None, True)
    assert medcredit.evaluate(SUIXIAN, subject, 2024).grade == "D"


def test_suixian_new_conduct_on_the_day_of_a_removal_is_listed_from_that_day() -> None:
    subject = _pharmacy(
        PHARMACY_SX,
        {"kind": "fraud", "date": "2023-04-01", "code": "fraud_other"},
        {"kind": "serious_list_removal", "date": "2023-06-01"},
        {"kind": "fraud", "date": "2023-06-01", "code": "fraud_false_claims"},
    )
    result = medcredit.evaluate(SUIXIAN, subject, 2024)
    listing = _listing(result, "serious_untrustworthy")
    assert (listing.since, listing.active, result.grade) == (dt.date(2023, 6, 1), True, "D")
    assert 1 in listing.records  # the removal ended the listing of 1 April


def test_zhongmou_repairing_one_listed_record_leaves_the_other_grounds() -> None:
    """三（二）5: each listed conduct is a ground to list; repairing V1 leaves V2's (item (4)) standing."""
    records = [
        {"kind": "violation", "id": "V1", "date": "2023-03-01", "code": "inst_overcharging"},
        {"kind": "violation", "id": "V2", "date": "2023-06-01", "code": "inst_item_substitution"},
        {"kind": "repair_granted", "date": "2023-10-01", "ref": "V1"},
    ]
    on = medcredit.standing(ZHONGMOU, _pharmacy(PHARMACY_ZM, *records), dt.date(2023, 11, 1)).on_list("untrustworthy")
    assert on is not None and on.until == dt.date(2024, 6, 1)  # 12 months from V2 (《民法典》 第二百零二条)
    both = [*records, {"kind": "repair_granted", "date": "2023-12-01", "ref": "V2"}]
    listing = medcredit.standing(ZHONGMOU, _pharmacy(PHARMACY_ZM, *both), dt.date(2024, 1, 1)).listings[0]
    assert (listing.until, listing.until_rule, listing.active) == (dt.date(2023, 11, 30), "removal", False)


def test_zhongmou_a_repair_on_the_day_of_new_listed_conduct_leaves_it_listed() -> None:
    subject = _pharmacy(
        PHARMACY_ZM,
        {"kind": "violation", "id": "V1", "date": "2023-03-15", "code": "inst_overcharging"},
        {"kind": "repair_granted", "date": "2023-06-01", "ref": "V1"},
        {"kind": "violation", "id": "V2", "date": "2023-06-01", "code": "inst_item_substitution"},
    )
    result = medcredit.evaluate(ZHONGMOU, subject, 2023)
    listing = _listing(result, "untrustworthy")
    assert (result.grade, listing.since, listing.active) == ("untrustworthy", dt.date(2023, 6, 1), True)


def test_zhongmou_a_repaired_record_no_longer_sets_the_term_of_the_listing() -> None:
    """Each listed record is a ground for its own 12 months; once V2 is repaired only V1's ground is left,
    which ran out on 2023-03-01: the listing ends at the repair, not 12 months after V2."""
    v1 = {"kind": "violation", "id": "V1", "date": "2022-03-01", "code": "inst_overcharging"}
    v2 = {"kind": "violation", "id": "V2", "date": "2023-02-01", "code": "inst_overcharging"}
    repaired = _pharmacy(PHARMACY_ZM, v1, v2, {"kind": "repair_granted", "date": "2023-06-01", "ref": "V2"})
    listing = medcredit.standing(ZHONGMOU, repaired, dt.date(2023, 12, 31)).listings[0]
    assert (listing.since, listing.until, listing.until_rule) == (dt.date(2022, 3, 1), dt.date(2023, 5, 31), "removal")
    assert medcredit.evaluate(ZHONGMOU, repaired, 2023).grade == "violated"
    early = _pharmacy(PHARMACY_ZM, v1, v2, {"kind": "repair_granted", "date": "2023-02-15", "ref": "V2"})
    ends = medcredit.standing(ZHONGMOU, early, dt.date(2023, 12, 31)).listings[0]
    assert (ends.until, ends.until_rule) == (dt.date(2023, 3, 1), "term")  # V1's own 12 months
