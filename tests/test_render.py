"""Rendering: readable text (中文 / English) and the versioned JSON trace."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from medcredit.render.output import render_text, result_to_dict, to_json


def rec(kind: str, date: str = "2023-06-01", **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "date": date, **fields}


SCORECARD_RECORDS = [
    rec("inspection", "2023-02-01"),
    rec("fund_recovery", "2023-02-01", amount="62000.50", code="inst_non_covered_billing"),
    rec("interview", "2023-03-01"),
    rec("late_refund", "2023-04-01", objection={"filed": "2023-04-10", "status": "pending"}),
    rec("interview", "2022-12-31"),  # outside the cycle
    rec("fraud", "2023-05-01", code="ind_fraud"),  # individual fraud code: not matched
    rec("honour", "2023-10-01"),  # a kind the pack does not use
]


@pytest.fixture
def scorecard(run):
    """100 − 10 (62000.50) − 5 (interview) − 5 (late refund) = 80, B."""
    return run("retail_pharmacy", SCORECARD_RECORDS)


@pytest.fixture
def hospital(run):
    return run(
        "hospital_inpatient", [rec("inspection"), rec("annual_assessment", "2024-03-01", year=2023, score="64.99")]
    )


def test_scorecard_result_is_what_the_texts_describe(scorecard) -> None:
    assert scorecard.status == "graded"
    assert scorecard.score == 80
    assert scorecard.grade == "B"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh",
            [
                "结论：已评级，B级，评价分值 80",
                "结果用于 2024 年",
                "【附件】recovered_amount：输入 62000.50，-10 分，累计 90",
                "【附件】interview：输入 1，-5 分，累计 85",
                "【附件】late_refund：输入 1，-5 分，累计 80",
                "【第十八条】分值 80 → B级",
                "【第十九条】排除情形",
                "【第十五条】排除情形 not_inspected",
                "【第二十二条】措施 outpatient_b_audits",
                "不适用：不在评价周期内",
                "不适用：违规代码不属于任何规则适用的范围",
                "不适用：本政策包不使用此类记录",
                "（异议处理中，已作异议标注）",
                "[recovered_amount_zero]",
            ],
        ),
        (
            "en",
            [
                "Outcome: graded, grade B, score 80",
                "result applies in 2024",
                "【附件】 recovered_amount: input 62000.50, -10 points, running 90",
                "【附件】 interview: input 1, -5 points, running 85",
                "【第十八条】 score 80 → grade B",
                "【第二十二条】 measure outpatient_b_audits",
                "not applicable: outside the evaluation cycle",
                "not applicable: its violation code is not one any rule uses",
                "not applicable: a record kind this pack does not use",
                "(objection pending: marked)",
            ],
        ),
    ],
)
def test_text_scorecard(pack, scorecard, lang: str, expected: list[str]) -> None:
    """The text names the grade, the article of every applied rule, and why records were not applicable."""
    text = render_text(scorecard, pack, lang)
    for fragment in expected:
        assert fragment in text, fragment


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_text_names_article_of_every_rule_step(pack, scorecard, lang: str) -> None:
    """Each rule step's line starts with its article: one 【附件】 line per scorecard rule."""
    text = render_text(scorecard, pack, lang)
    for rule in ("recovered_amount", "interview", "agreement_suspension", "late_refund", "fraud"):
        (line,) = [ln for ln in text.splitlines() if f"】{rule}" in ln or f"】 {rule}:" in ln]
        assert "【附件】" in line


@pytest.mark.parametrize(("lang", "label"), [("zh", "C级"), ("en", "grade C")])
def test_text_hospital(pack, hospital, lang: str, label: str) -> None:
    """Assessment path: 【第十六条】 path, 【第十八条】 band, 【第二十一条】 measures, grade label and score."""
    text = render_text(hospital, pack, lang)
    assert label in text
    assert "64.99" in text
    for article in ("【第十六条】", "【第十八条】", "【第二十一条】"):
        assert article in text


@pytest.mark.parametrize(("lang", "words"), [("zh", "不参与信用评价"), ("en", "not evaluated (excluded)")])
def test_text_excluded(pack, run, lang: str, words: str) -> None:
    """巫山 第十九条（一）: an excluded subject's text names the status, 【第十九条】 and the reason."""
    r = run("retail_pharmacy", [rec("inspection")], agreement_end={"date": "2023-09-30", "reason": "voluntary"})
    text = render_text(r, pack, lang)
    assert words in text
    assert "【第十九条】" in text
    assert ("适用，不参与评价" if lang == "zh" else "applies: not evaluated") in text
    assert ("原因：符合不参与评价的情形" if lang == "zh" else "Reason: an exclusion applies") in text


@pytest.mark.parametrize(("lang", "words"), [("zh", "不单独评价"), ("en", "not graded alone")])
def test_text_rolled_up(pack, run, lang: str, words: str) -> None:
    """巫山 第四条: a village clinic alone is reported as not graded alone, citing 【第四条】 and the parent."""
    r = run("village_clinic", [rec("interview")], parent_id="92500237MA5U00007D")
    text = render_text(r, pack, lang)
    assert words in text
    assert "【第四条】" in text
    assert "92500237MA5U00007D" in text
    # its own line's records count nowhere: the text says where they must be given instead
    assert ("由上级管理机构评价" if lang == "zh" else "graded with the managing parent") in text
    assert ("此处提供的记录不计入评价" if lang == "zh" else "the records given here are not counted") in text


def test_text_missing_score_names_article(pack, run) -> None:
    """Every step of the text names its article: the missing-score step of an inpatient hospital cites the
    assessment path (【第十六条】 考核等次), and the missing_assessment interpretation is listed."""
    r = run("hospital_inpatient", [rec("inspection")])
    assert r.status == "not_evaluable"
    text = render_text(r, pack, "zh")
    (line,) = [ln for ln in text.splitlines() if "assessment_score" in ln]
    assert "【第十六条】" in line
    assert "[missing_assessment]" in text


def test_text_validity_override_names_article(pack, run) -> None:
    """Every step of the text names its article: the validity-override step cites 【第二十七条】."""
    r = run("retail_pharmacy", [rec("inspection", "2022-05-01")], cycle=2022, override_validity=True)
    text = render_text(r, pack, "en")
    (line,) = [ln for ln in text.splitlines() if "outside the pack's validity" in ln]
    assert "【第二十七条】" in line
    assert "Warning:" in text


# --- JSON -------------------------------------------------------------------------------------------


def _floats(value: Any) -> list[Any]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return []


def test_json_header(pack, scorecard) -> None:
    data = json.loads(to_json(scorecard, pack))
    assert data["format"] == "medcredit.trace/1"
    assert data["pack"] == {"id": "wushan", "document": "巫山医保发〔2022〕82号", "hash": pack.content_hash}
    assert scorecard.pack_hash == pack.content_hash
    assert len(pack.content_hash) >= 16
    assert data["cycle"] == 2023
    assert data["applies_in"] == 2024
    assert data["status"] == "graded"
    assert data["grade"] == "B"


def test_json_rule_steps_carry_article_and_quote(pack, scorecard) -> None:
    """Every step of kind rule carries "article" and "quote", and the quote is in that article's text."""
    data = json.loads(to_json(scorecard, pack))
    rule_steps = [s for s in data["trace"]["steps"] if s["kind"] == "rule"]
    assert [s["ref"] for s in rule_steps] == [
        "recovered_amount",
        "interview",
        "agreement_suspension",
        "late_refund",
        "fraud",
    ]
    articles = pack.model.document.articles
    for step in rule_steps:
        assert step["article"] == "附件"
        assert step["quote"]
        assert step["quote"] in articles[step["article"]]


def test_json_missing_step_carries_article(pack, run) -> None:
    """The missing-score step of a not-evaluable hospital cites the assessment path (第十六条)."""
    r = run("hospital_inpatient", [rec("inspection")])
    data = result_to_dict(r, pack)
    (step,) = [s for s in data["trace"]["steps"] if s["kind"] == "missing"]
    assert step.get("article") == "第十六条"
    assert "考核等次" in step.get("quote", "")


def test_json_round_trip_and_decimals_as_strings(pack, scorecard) -> None:
    """json.loads(to_json(r)) equals result_to_dict(r); decimals are exact strings, never floats."""
    text = to_json(scorecard, pack)
    data = json.loads(text)
    assert data == result_to_dict(scorecard, pack)
    assert data["score"] == "80"
    assert isinstance(data["score"], str)
    assert _floats(data) == []
    steps = data["trace"]["steps"]
    rule = next(s for s in steps if s["ref"] == "recovered_amount")
    assert rule["points"] == "-10"
    assert rule["running_score"] == "90"
    assert rule["value"] == "62000.50"
    records = data["trace"]["records"]
    assert records[1]["record"]["amount"] == "62000.50"
    assert Decimal(records[1]["record"]["amount"]) == Decimal("62000.50")


def test_json_hospital_decimal_score(pack, hospital) -> None:
    data = json.loads(to_json(hospital, pack, indent=2))
    assert data["score"] == "64.99"
    assert data["grade"] == "C"
    assert _floats(data) == []
    assert [m["id"] for m in data["measures"]] == list(hospital.measures)
    assert all(m["article"] == "第二十一条" for m in data["measures"])


def test_json_record_trace(pack, scorecard) -> None:
    """Each record appears in the trace with its origin, its use or its not-applicable reason, and flags."""
    records = json.loads(to_json(scorecard, pack))["trace"]["records"]
    assert [r["index"] for r in records] == list(range(len(SCORECARD_RECORDS)))
    assert [r["origin"] for r in records] == [f"records[{i}]" for i in range(len(SCORECARD_RECORDS))]
    by_index = {r["index"]: (r["used_by"], r["not_applicable"], r["flags"]) for r in records}
    assert by_index[1] == (["not_inspected", "recovered_amount"], None, [])
    assert by_index[3] == (["late_refund"], None, ["objection_pending"])
    assert by_index[4] == ([], "outside_cycle", [])
    assert by_index[5] == ([], "code_not_matched", [])
    assert by_index[6] == ([], "kind_not_used", [])


def test_json_exclusions_and_warnings(pack, run) -> None:
    r = run(
        "retail_pharmacy",
        [rec("inspection", "2022-05-01")],
        cycle=2022,
        override_validity=True,
        agreement_end={"date": "2022-03-01", "reason": "violation"},
    )
    data = json.loads(to_json(r, pack))
    assert data["status"] == "excluded"
    assert [(e["id"], e["article"]) for e in data["exclusions"]] == [
        ("agreement_ended_for_violation", "第十九条"),
        ("operated_under_six_months", "第十九条"),
    ]
    assert "validity_override" in [w["code"] for w in data["warnings"]]
    assert data["validity_overridden"] is True


def test_disclosure_follows_the_subject_type() -> None:
    """睢县 四（二）2: institutions' lists are public; natural persons only by query and government sharing."""
    import medcredit
    from medcredit.render.output import result_to_dict

    pack = medcredit.load_pack("suixian")
    person = medcredit.Subject.model_validate({"id": "411422198001010017", "category": "insured_person"})
    shop = medcredit.Subject.model_validate({"id": "91411422MA0000000X", "category": "retail_pharmacy"})
    assert result_to_dict(medcredit.evaluate(pack, person, 2023), pack)["disclosure"] == [
        {"channels": ["query", "government_sharing"], "lists": [], "article": "四（二）2"}
    ]
    assert result_to_dict(medcredit.evaluate(pack, shop, 2023), pack)["disclosure"][0]["channels"] == ["public"]


def test_equal_valued_scores_keep_their_own_text() -> None:
    """Decimal('0') == Decimal('0.00') but "0" ≠ "0.00": rendering one must not change how the other prints.

    Found when the byte-regression test ran before the round-trip property: the memoised
    step text of a score of 0 was reused for a score of 0.00.
    """
    import json

    import medcredit
    from medcredit.render.output import result_to_dict, to_json

    pack = medcredit.load_pack("wushan")

    def hospital(score: str) -> medcredit.Subject:
        return medcredit.Subject.model_validate(
            {
                "id": "92500237MA5U00001T",
                "category": "hospital_inpatient",
                "opened": "2013-01-01",
                "records": [
                    {"kind": "inspection", "date": "2023-01-01"},
                    {"kind": "annual_assessment", "date": "2023-01-01", "year": 2023, "score": score},
                ],
            }
        )

    for score in ("0", "0.00", "0.0", "0"):
        result = medcredit.evaluate(pack, hospital(score), 2023)
        assert to_json(result, pack) == json.dumps(
            result_to_dict(result, pack), ensure_ascii=False, separators=(",", ":")
        )
