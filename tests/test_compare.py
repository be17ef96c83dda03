"""One institution's history under all four packs: the same facts, four different legal answers.

The pharmacy's 2023: an on-site inspection recovering 62,000.50 yuan for billing
non-covered costs (条例第三十八条第（六）项, with an administrative decision), one
interview, a suspension, a late refund, and a county honour.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import medcredit
from medcredit.cli.main import main
from medcredit.history.reader import load_subject

HISTORY = Path(__file__).resolve().parents[1] / "examples" / "one-pharmacy.json"


@pytest.fixture(scope="module")
def results() -> dict[str, medcredit.Result]:
    subject = load_subject(HISTORY)
    return {
        name: medcredit.evaluate(medcredit.load_pack(name), subject, 2023) for name in medcredit.bundled_pack_names()
    }


def test_wushan_scores_the_scorecard(results: dict[str, medcredit.Result]) -> None:
    """巫山 附件: 100 − 10 (50,000–100,000 yuan) − 5 (interview) − 10 (suspension) − 5 (late refund) = 70 → B."""
    r = results["wushan"]
    assert (r.grade, r.score) == ("B", Decimal(70))
    assert r.measures == ("outpatient_b_audits",)
    assert r.listings == ()


def test_suixian_classifies_by_criteria(results: dict[str, medcredit.Result]) -> None:
    """睢县 三（二）4: billing non-covered costs is a C criterion → class C, sampling ≥ 20%."""
    r = results["suixian"]
    assert r.grade == "C"
    assert r.score is None
    assert r.listings == ()


def test_zhongmou_lists_the_pharmacy(results: dict[str, medcredit.Result]) -> None:
    """牟医保 三（二）5(6): the same conduct puts it on the untrustworthy list, but no ban (not serious)."""
    r = results["zhongmou"]
    assert r.grade == "untrustworthy"
    assert [(x.list_id, str(x.since)) for x in r.listings] == [("untrustworthy", "2023-03-02")]
    assert r.consequences == ()


def test_liaoning_does_not_judge_conduct_before_it_took_effect(results: dict[str, medcredit.Result]) -> None:
    """辽宁 第三十九条 "本办法自 2023 年 4 月 1 日起施行": the violation of 2023-03-02 predates the measures and
    is not judged by them (outside_validity); the honour of 2023-10-01 (第十二条（一）) makes it trustworthy."""
    r = results["liaoning"]
    assert r.grade == "trustworthy"
    assert r.listings == ()
    violation = next(u for u in r.record_uses if r.records[u.index].record.id == "V1")
    assert violation.reason == "outside_validity"


def test_the_four_answers_differ(results: dict[str, medcredit.Result]) -> None:
    """Four jurisdictions, four grade vocabularies: the comparison is of outcomes, not of letters."""
    assert {name: r.grade for name, r in results.items()} == {
        "liaoning": "trustworthy",
        "suixian": "C",
        "wushan": "B",
        "zhongmou": "untrustworthy",
    }
    assert {name: len(r.measures) > 0 for name, r in results.items()} == dict.fromkeys(results, True)


def test_compare_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`medcredit compare FILE --cycle 2023 --format json` shows the same four results side by side."""
    assert main(["compare", str(HISTORY), "--cycle", "2023", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    rows = {row["pack"]: row for row in body["results"]}
    assert rows["wushan"]["score"] == "70"
    assert rows["zhongmou"]["listings"] == ["untrustworthy"]
    assert rows["suixian"]["grade_label"].startswith("C类")


def test_compare_command_text(capsys: pytest.CaptureFixture[str]) -> None:
    """The text table aligns CJK labels and names every pack."""
    assert main(["compare", str(HISTORY), "--cycle", "2023"]) == 0
    out = capsys.readouterr().out
    for name in ("liaoning", "suixian", "wushan", "zhongmou"):
        assert name in out
    assert "B级" in out
