"""辽宁 第十六条 "惩戒措施，有明确期限的，至期限届满之日起终止实施；没有明确期限的，至信用主体被移出严重失信
主体名单之日起终止实施".

The measures that run with the listing (第二十五条（三）（四）, ``ends_with_term_of``) end at the entry's
term, or, without a term, at the removal decision: a subject removed within the cycle is not given them
for the year the result applies in; the trace keeps their step, marked with the day they ended.
"""

from __future__ import annotations

import medcredit

PACK = medcredit.load_pack("liaoning")
DOC = {"kind": "administrative_decision", "number": "辽医保〔2023〕1号"}
PHARMACY = "91210100123456788H"
BANS = {"punish_bidding_ban", "punish_practice_ban"}


def _subject(*records: dict[str, object]) -> medcredit.Subject:
    return medcredit.Subject.model_validate({"id": PHARMACY, "category": "retail_pharmacy", "records": records})


ENTRY = {"kind": "serious_list_entry", "id": "S1", "date": "2023-04-03", "document": DOC}


def test_a_removal_in_the_cycle_ends_the_measures_that_run_with_the_listing() -> None:
    removed = medcredit.evaluate(PACK, _subject(ENTRY, {"kind": "serious_list_removal", "date": "2023-09-30"}), 2023)
    assert removed.grade == "serious_untrust"  # the entry is serious information of 2023 (第十三条（二）)
    assert not BANS & set(removed.measures)
    assert "punish_joint_list" not in removed.measures  # （五） goes with the list (interpretation punishments)
    ended = [s for s in removed.steps if s.kind == "measure" and s.ref in BANS]
    assert {str(s.term_ended) for s in ended} == {"2023-09-29"}
    listed = medcredit.evaluate(PACK, _subject(ENTRY), 2023)
    assert set(listed.measures) >= BANS | {"punish_joint_list"}  # still listed at the end of the cycle: they apply


def test_a_removal_after_the_cycle_leaves_them_for_that_cycle() -> None:
    later = medcredit.evaluate(PACK, _subject(ENTRY, {"kind": "serious_list_removal", "date": "2024-02-01"}), 2023)
    assert set(later.measures) >= BANS
