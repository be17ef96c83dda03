"""Golden cases for the Wushan pack, derived from the seed text (巫山医保发〔2022〕82号).

Each test's docstring cites the article (or the pack's recorded interpretation)
it checks.  Cycle 2023 unless stated; results apply in 2024 (第十五条).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import medcredit
from medcredit.trace.steps import ExclusionStep, RollUpStep, RuleStep

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "wushan-subjects.jsonl"


def rec(kind: str, date: str = "2023-06-01", **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "date": date, **fields}


INSPECTED = rec("inspection", "2023-03-01")


def assessment(score: str, year: int = 2023, date: str = "2024-03-01") -> dict[str, Any]:
    return rec("annual_assessment", date, year=year, score=score)


def fraud(code: str = "fraud_false_claims", date: str = "2023-06-01") -> dict[str, Any]:
    return rec("fraud", date, code=code)


def use_of(result: medcredit.Result, index: int) -> tuple[tuple[str, ...], str | None]:
    use = result.record_uses[index]
    assert use.index == index
    return use.used_by, use.reason


def rule_step(result: medcredit.Result, rule_id: str) -> RuleStep:
    (step,) = [s for s in result.steps if isinstance(s, RuleStep) and s.ref == rule_id]
    return step


def rule_points(result: medcredit.Result, rule_id: str) -> Decimal:
    return rule_step(result, rule_id).points


def exclusion_inputs(result: medcredit.Result, ref: str) -> dict[str, object]:
    (step,) = [s for s in result.steps if isinstance(s, ExclusionStep) and s.ref == ref]
    return dict(step.inputs)


# --- 第十八条 / 第二十六条: grade boundaries -----------------------------------------

BOUNDARIES = [
    ("100", "A"),
    ("90", "A"),
    ("90.00", "A"),
    ("89.99", "B"),
    ("65", "B"),
    ("64.99", "C"),
    ("60", "C"),
    ("59.99", "D"),
    ("0", "D"),
]


@pytest.mark.parametrize(
    ("word", "level", "grade"),
    [
        ("优秀", "excellent", "A"),
        ("合格", "qualified", "B"),
        ("基本合格", "basically_qualified", "C"),
        ("不合格", "unqualified", "D"),
    ],
)
def test_assessment_levels_in_the_documents_words(run, tmp_path: Path, word: str, level: str, grade: str) -> None:
    """巫山 第十八条（一）: "考核等次为优秀的（90分以上），信用等级为A级；考核等次为合格的…B级；考核等次为基本合格…
    C级；考核等次为不合格的…D级": a 考核等次 written in the document's words grades as its id does, whether
    read from JSONL (fast path) or validated by the model."""
    record = rec("annual_assessment", "2024-03-01", year=2023, level=word)
    by_word = run("hospital_inpatient", [INSPECTED, record])
    by_id = run("hospital_inpatient", [INSPECTED, {**record, "level": level}])
    assert (by_word.status, by_word.grade) == (by_id.status, by_id.grade) == ("graded", grade)
    line = {"id": "12500237MB1C2D3E4X", "category": "hospital_inpatient", "opened": "2010-01-01"}
    line["records"] = [INSPECTED, record]
    path = tmp_path / "h.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", "utf-8")
    (item,) = _read(path)
    assert item.records[1].level == level


def _read(path: Path) -> list[medcredit.Subject]:
    from medcredit.history.reader import Loaded, iter_subjects

    items = list(iter_subjects(str(path), None))
    assert all(isinstance(i, Loaded) for i in items), items
    return [i.subject for i in items if isinstance(i, Loaded)]


@pytest.mark.parametrize(("score", "grade"), BOUNDARIES)
def test_assessment_path_boundaries(run, score: str, grade: str) -> None:
    """巫山 第十八条（一）、第二十六条: 考核等次 90分以上 → A；65分以上，不足90分 → B；
    60分以上，不足65分 → C；不足60分 → D（“以上”包括本数，“不足”不包括本数）。"""
    r = run("hospital_inpatient", [INSPECTED, assessment(score)])
    assert r.status == "graded"
    assert r.path == "inpatient_assessment"
    assert r.score == Decimal(score)
    assert r.grade == grade


@pytest.mark.parametrize("band_set", ["assessment_grades", "scorecard_grades"])
@pytest.mark.parametrize(("score", "grade"), [*BOUNDARIES, ("-20", "D"), ("64", "C"), ("89", "B")])
def test_band_sets_boundaries(pack, band_set: str, score: str, grade: str) -> None:
    """巫山 第十八条（一）（二）、第二十六条: both band sets are left-closed, right-open:
    A [90,+∞)，B [65,90)，C [60,65)，D (-∞,60) (interpretation boundaries)."""
    assert pack.bands[band_set].grade_for(Decimal(score)) == grade


SCORECARD_SUMS = [
    pytest.param([], 100, "A", id="no-deduction-100-A"),
    pytest.param([rec("agreement_suspension")], 90, "A", id="suspension-90-A"),
    pytest.param([rec("interview"), rec("interview")], 90, "A", id="2-interviews-90-A"),
    pytest.param(
        [rec("interview"), rec("interview"), rec("audit_cut", amount="0.01")], 88, "B", id="90-minus-2-is-88-B"
    ),
    pytest.param([fraud(), rec("agreement_suspension"), rec("interview")], 65, "B", id="20+10+5-65-B"),
    pytest.param(
        [fraud(), rec("agreement_suspension"), rec("interview"), rec("audit_cut", amount="1.00")],
        63,
        "C",
        id="65-minus-2-is-63-C",
    ),
    pytest.param([fraud(), fraud()], 60, "C", id="2-frauds-60-C"),
    pytest.param(
        [fraud(), rec("agreement_suspension"), rec("interview"), rec("late_refund")], 60, "C", id="20+10+5+5-60-C"
    ),
    pytest.param([fraud(), fraud(), rec("audit_cut", amount="500.00")], 58, "D", id="60-minus-2-is-58-D"),
    pytest.param([fraud(), fraud(), rec("late_refund")], 55, "D", id="20+20+5-55-D"),
]


@pytest.mark.parametrize(("records", "score", "grade"), SCORECARD_SUMS)
def test_scorecard_sums_on_boundaries(run, records: list[dict[str, Any]], score: int, grade: str) -> None:
    """巫山 第十八条（二）、第二十六条、附件 二: 评价分值 = 100 − 扣分；90分以上 A，65以上不足90分 B，
    60分以上不足65分 C，不足60分 D — deductions landing exactly on 90 / 65 / 60 and just below."""
    r = run("outpatient_clinic", [INSPECTED, *records])
    assert r.status == "graded"
    assert r.path == "outpatient_scorecard"
    assert r.score == score
    assert r.grade == grade


def test_no_score_floor(run) -> None:
    """巫山 附件 二 (interpretation no_score_floor): 100 − 6×20 = −20, not floored at 0; grade D."""
    r = run("retail_pharmacy", [INSPECTED] + [fraud()] * 6)
    assert r.score == -20
    assert r.grade == "D"


# --- 附件 一（一）: amount tiers ------------------------------------------------------

AMOUNTS = [
    pytest.param([], 0, id="no-amount"),
    pytest.param([("fund_recovery", "0.00")], 0, id="0-no-deduction"),
    pytest.param([("fund_recovery", "0.01")], 2, id="0.01"),
    pytest.param([("fund_recovery", "9999.99")], 2, id="9999.99"),
    pytest.param([("fund_recovery", "10000.00")], 5, id="10000.00"),
    pytest.param([("audit_cut", "49999.99")], 5, id="49999.99"),
    pytest.param([("audit_cut", "50000.00")], 10, id="50000.00"),
    pytest.param([("fund_recovery", "99999.99")], 10, id="99999.99"),
    pytest.param([("fund_recovery", "100000.00")], 20, id="100000.00"),
    pytest.param([("audit_cut", "2500000.00")], 20, id="2.5M"),
    pytest.param([("fund_recovery", "9999.98"), ("audit_cut", "0.01")], 2, id="sum-9999.99"),
    pytest.param([("fund_recovery", "9999.99"), ("audit_cut", "0.01")], 5, id="sum-10000.00"),
    pytest.param([("audit_cut", "30000.00"), ("audit_cut", "19999.99")], 5, id="sum-49999.99"),
    pytest.param([("audit_cut", "30000.00"), ("fund_recovery", "20000.00")], 10, id="sum-50000.00"),
    pytest.param([("fund_recovery", "50000.00"), ("audit_cut", "49999.99")], 10, id="sum-99999.99"),
    pytest.param(
        [("fund_recovery", "33333.33"), ("fund_recovery", "33333.33"), ("audit_cut", "33333.34")],
        20,
        id="sum-100000.00-three-records",
    ),
]


@pytest.mark.parametrize(("pieces", "points"), AMOUNTS)
def test_recovered_amount_tiers(run, pieces: list[tuple[str, str]], points: int) -> None:
    """巫山 附件 一（一）: 追回的医保基金和网上审核审减的违规费用合并计算，不足1万元扣2分；1万元以上不足5万元扣5分；
    5万元以上不足10万元扣10分；10万元以上扣20分 (interpretation recovered_amount_zero: 0 → no deduction,
    tier (0, 10000); amounts exact to the fen)."""
    records = [INSPECTED] + [rec(kind, "2023-05-01", amount=amount) for kind, amount in pieces]
    r = run("retail_pharmacy", records)
    total = sum((Decimal(a) for _, a in pieces), Decimal("0.00"))
    step = rule_step(r, "recovered_amount")
    assert step.input == total
    assert str(step.input) == format(total, "f")  # the amount as given, to the fen
    assert rule_points(r, "recovered_amount") == -points
    assert r.score == 100 - points


def test_amounts_outside_cycle_are_not_summed(run) -> None:
    """巫山 附件 一（一）“一个评价周期累计总金额” + 第十五条 (cycle 1 Jan – 31 Dec): 5000.00 recovered on
    2022-12-31 does not lift the 2023 total of 9999.99 into the 1万元以上 tier."""
    r = run(
        "retail_pharmacy",
        [INSPECTED, rec("fund_recovery", "2022-12-31", amount="5000.00"), rec("audit_cut", amount="9999.99")],
    )
    assert rule_points(r, "recovered_amount") == -2
    assert use_of(r, 1) == ((), "outside_cycle")
    assert r.score == 98


# --- 附件 一（二）至（五）: counted deductions ---------------------------------------------


@pytest.mark.parametrize(("n", "score"), [(1, 95), (2, 90), (3, 85)])
def test_each_interview_deducts_5(run, n: int, score: int) -> None:
    """巫山 附件 一（二）: 被医疗保障部门约谈的，约谈一次扣5分 (3 interviews = 15)."""
    r = run("retail_pharmacy", [INSPECTED] + [rec("interview", f"2023-0{i + 2}-01") for i in range(n)])
    assert rule_points(r, "interview") == -5 * n
    assert r.score == score


@pytest.mark.parametrize("n", [1, 2, 3])
def test_suspension_deducts_10_once(run, n: int) -> None:
    """巫山 附件 一（三）: 被中止或暂停服务协议的，扣10分 — once per cycle even if suspended repeatedly
    (interpretation suspension_once)."""
    r = run("retail_pharmacy", [INSPECTED] + [rec("agreement_suspension", f"2023-0{i + 2}-01") for i in range(n)])
    assert rule_points(r, "agreement_suspension") == -10
    assert r.score == 90
    assert r.grade == "A"
    # every suspension is still reported as used by the rule
    assert all(r.record_uses[i].used_by == ("agreement_suspension",) for i in range(1, n + 1))


@pytest.mark.parametrize(("n", "score"), [(1, 95), (2, 90), (4, 80)])
def test_each_late_refund_deducts_5(run, n: int, score: int) -> None:
    """巫山 附件 一（四）: 未在规定时间内退回医保基金、上缴违约金或行政罚款，每次扣5分."""
    r = run("retail_pharmacy", [INSPECTED] + [rec("late_refund", f"2023-0{i + 2}-01") for i in range(n)])
    assert rule_points(r, "late_refund") == -5 * n
    assert r.score == score


@pytest.mark.parametrize(
    "code", ["fraud_false_claims", "fraud_falsified_documents", "fraud_fictitious_services", "fraud_other"]
)
def test_each_article_40_fraud_deducts_20(run, code: str) -> None:
    """巫山 附件 一（五）: 发生条例第四十条规定的骗取医疗保障基金支出行为的，每次扣20分 — every 第四十条 code."""
    r = run("outpatient_clinic", [INSPECTED, fraud(code), fraud(code, "2023-09-01")])
    assert rule_points(r, "fraud") == -40
    assert r.score == 60
    assert r.grade == "C"


def test_individual_fraud_code_does_not_count(run) -> None:
    """巫山 附件 一（五）+ interpretation fraud_per_record: only 条例第四十条 counts; a fraud record coded
    ind_fraud (条例第四十一条第二款, individuals) is not applicable, reason code_not_matched."""
    r = run("retail_pharmacy", [INSPECTED, fraud("ind_fraud")])
    assert rule_points(r, "fraud") == 0
    assert r.score == 100
    assert r.grade == "A"
    assert use_of(r, 1) == ((), "code_not_matched")


# --- 第十九条 and 第十五条: exclusions ----------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "exclusions"),
    [
        ("voluntary", ("agreement_ended_voluntarily",)),
        ("violation", ("agreement_ended_for_violation",)),
        ("fraud", ("agreement_ended_for_violation",)),
        ("renewal_not_met", ("agreement_not_renewed",)),
        ("expired", ()),
    ],
)
def test_agreement_end_reasons(run, reason: str, exclusions: tuple[str, ...]) -> None:
    """巫山 第十九条（一）（二）（三）: 主动解除 / 因违反…被解除（含骗保，interpretation agreement_end_in_cycle）/
    未达到续签条件被解除 → 不参与信用评价; an agreement that simply expired on 2023-09-30 (8 months
    operated) is evaluated."""
    r = run("retail_pharmacy", [INSPECTED], agreement_end={"date": "2023-09-30", "reason": reason})
    assert r.exclusions == exclusions
    if exclusions:
        assert r.status == "excluded"
        assert r.grade is None
        assert r.score is None
        assert r.measures == ()
    else:
        assert r.status == "graded"
        assert r.grade == "A"


@pytest.mark.parametrize(
    ("opened", "status", "months"),
    [
        ("2023-06-29", "graded", 6),
        ("2023-06-30", "graded", 6),
        ("2023-07-01", "excluded", 5),
        ("2023-12-31", "excluded", 0),
        ("2024-01-15", "excluded", 0),
    ],
)
def test_operated_under_six_months_by_opening(run, opened: str, status: str, months: int) -> None:
    """巫山 第十九条（四）: 评价年度内营业时间不足6个月的，不参与信用评价 (interpretation operating_months,
    《民法典》 第二百零一条 "开始的当日不计入": opened 2023-06-30 → counted from 1 July, 6 months by
    31 December, evaluated; opened 2023-07-01 → 5 whole months, excluded)."""
    r = run("retail_pharmacy", [rec("inspection", "2023-12-31")], opened=opened)
    assert r.status == status
    assert exclusion_inputs(r, "operated_under_six_months") == {"operated_months_in_cycle": months}
    assert r.exclusions == (("operated_under_six_months",) if status == "excluded" else ())


@pytest.mark.parametrize(
    ("end", "reason", "exclusions"),
    [
        # 1 Jan .. 30 Jun is six whole months (symmetric with 1 Jul .. 31 Dec in operating_months)
        ("2023-06-30", "voluntary", ("agreement_ended_voluntarily",)),
        ("2023-06-29", "voluntary", ("agreement_ended_voluntarily", "operated_under_six_months")),
        ("2023-06-29", "expired", ("operated_under_six_months",)),
        ("2023-06-30", "expired", ()),
    ],
)
def test_agreement_end_shortens_operation(run, end: str, reason: str, exclusions: tuple[str, ...]) -> None:
    """巫山 第十九条（一）（四）+ interpretation operating_months (营业时间 counted from opening to 协议解除之日):
    an agreement ended on 2023-06-29 leaves under 6 months → excluded by （四） as well as by the reason;
    ended 2023-06-30 gives exactly 6 months."""
    r = run("retail_pharmacy", [INSPECTED], opened="2020-01-01", agreement_end={"date": end, "reason": reason})
    assert r.exclusions == exclusions
    assert r.status == ("excluded" if exclusions else "graded")


def test_agreement_ended_before_cycle(run) -> None:
    """巫山 第十九条（四）+ interpretation agreement_end_in_cycle: ended for violations on 2022-11-30 (before
    the cycle) → no operation in 2023, excluded by （四）, not by （二）."""
    r = run(
        "retail_pharmacy",
        [INSPECTED],
        opened="2015-01-01",
        agreement_end={"date": "2022-11-30", "reason": "violation"},
    )
    assert r.status == "excluded"
    assert r.exclusions == ("operated_under_six_months",)


def test_agreement_ended_after_cycle_does_not_exclude(run) -> None:
    """巫山 第十九条 + interpretation agreement_end_in_cycle: an agreement ended for violations on 2024-02-01
    is not a fact of cycle 2023 (graded), but excludes cycle 2024 under （二） and （四）."""
    kwargs: dict[str, Any] = {"agreement_end": {"date": "2024-02-01", "reason": "violation"}}
    r2023 = run("retail_pharmacy", [INSPECTED], **kwargs)
    assert r2023.status == "graded"
    assert r2023.exclusions == ()
    assert r2023.grade == "A"
    r2024 = run("retail_pharmacy", [rec("inspection", "2024-01-10")], cycle=2024, **kwargs)
    assert r2024.status == "excluded"
    assert r2024.exclusions == ("agreement_ended_for_violation", "operated_under_six_months")


def test_earlier_termination_for_violation_in_cycle_still_excludes(run) -> None:
    """巫山 第十九条（二）+ interpretation agreement_end_in_cycle (服务协议在评价周期内解除的，按解除原因适用):
    an agreement ended for violations on 2023-03-01 excludes the cycle even if a later agreement expired
    on 2023-08-01; the earlier termination is a record the pack uses (not kind_not_used)."""
    r = run(
        "retail_pharmacy",
        [
            INSPECTED,
            rec("agreement_termination", "2023-03-01", reason="violation"),
            rec("agreement_termination", "2023-08-01", reason="expired"),
        ],
    )
    assert "agreement_ended_for_violation" in r.exclusions
    assert r.status == "excluded"
    assert r.record_uses[1].reason != "kind_not_used"


@pytest.mark.parametrize(
    "records",
    [
        pytest.param([], id="no-records"),
        pytest.param([rec("audit_cut", amount="300.00")], id="online-audit-only"),
        pytest.param([rec("inspection", "2022-12-31")], id="inspected-before-cycle"),
        pytest.param([rec("inspection", "2024-01-01")], id="inspected-after-cycle"),
        pytest.param([rec("interview"), rec("late_refund")], id="interview-only"),
    ],
)
def test_not_inspected_is_excluded(run, records: list[dict[str, Any]]) -> None:
    """巫山 第十五条: 每年对接受监督检查的信用主体进行一次信用评价 — no inspection in the cycle → not evaluated
    (interpretation inspection_evidence: an online audit cut alone is not an inspection)."""
    r = run("retail_pharmacy", records)
    assert r.status == "excluded"
    assert r.exclusions == ("not_inspected",)
    assert r.grade is None


def test_fund_recovery_is_inspection_evidence(run) -> None:
    """巫山 第十五条 + interpretation inspection_evidence: “接受现场检查追回” implies an on-site inspection."""
    r = run("retail_pharmacy", [rec("fund_recovery", amount="100.00")])
    assert r.status == "graded"
    assert r.score == 98
    assert r.record_uses[0].used_by == ("not_inspected", "recovered_amount")


def test_inpatient_hospital_not_inspected_is_excluded(run) -> None:
    """巫山 第十五条: the inspection condition applies to inpatient hospitals too, whatever their assessment."""
    r = run("hospital_inpatient", [assessment("95")])
    assert r.status == "excluded"
    assert r.exclusions == ("not_inspected",)


def test_unknown_opening_date_warns(run) -> None:
    """巫山 第十九条（四）+ interpretation operating_months: no opening date → assumed open all year, with a
    warning."""
    r = run("retail_pharmacy", [INSPECTED], opened=None)
    assert r.status == "graded"
    assert "opening_unknown" in [w.code for w in r.warnings]
    assert exclusion_inputs(r, "operated_under_six_months") == {"operated_months_in_cycle": 12}


# --- 第十五条: the cycle ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "inside"),
    [("2022-12-31", False), ("2023-01-01", True), ("2023-12-31", True), ("2024-01-01", False)],
)
def test_cycle_boundaries(run, date: str, inside: bool) -> None:
    """巫山 第十五条: 评价周期为1月1日至12月31日 — an interview on 2023-01-01 / 2023-12-31 counts for cycle 2023;
    one on 2022-12-31 / 2024-01-01 is not applicable, reason outside_cycle."""
    r = run("retail_pharmacy", [INSPECTED, rec("interview", date)])
    if inside:
        assert use_of(r, 1) == (("interview",), None)
        assert r.score == 95
    else:
        assert use_of(r, 1) == ((), "outside_cycle")
        assert r.score == 100


@pytest.mark.parametrize(("cycle", "applies"), [(2023, 2024), (2024, 2025), (2030, 2031)])
def test_result_applies_next_year(run, cycle: int, applies: int) -> None:
    """巫山 第十五条: 于次年开展上一年度的信用评价工作。评价结果运用于次年的监督管理 → applies_in = cycle + 1."""
    r = run("retail_pharmacy", [rec("inspection", f"{cycle}-05-01")], cycle=cycle)
    assert r.cycle == cycle
    assert r.applies_in == applies


def test_assessment_counts_by_year_not_date(run) -> None:
    """巫山 第十六条、第十八条（一）+ 第十五条: the 2023 assessment issued on 2024-03-01 grades cycle 2023; the
    2022 assessment issued on 2023-03-01 is outside cycle 2023; a 2024 assessment dated 2023-12-01 too."""
    r = run(
        "hospital_inpatient",
        [
            INSPECTED,
            assessment("50", year=2022, date="2023-03-01"),
            assessment("92", year=2023),
            assessment("40", year=2024, date="2023-12-01"),
        ],
    )
    assert r.status == "graded"
    assert r.score == 92
    assert r.grade == "A"
    assert use_of(r, 1) == ((), "outside_cycle")
    assert use_of(r, 2) == (("inpatient_assessment",), None)
    assert use_of(r, 3) == ((), "outside_cycle")


def test_only_previous_year_assessment_is_missing(run) -> None:
    """巫山 第十八条（一）+ interpretation missing_assessment: a 2022 assessment does not grade cycle 2023."""
    r = run("hospital_inpatient", [INSPECTED, assessment("95", year=2022, date="2023-02-01")])
    assert r.status == "not_evaluable"
    assert r.reason == "missing_score"


def test_missing_assessment_not_evaluable(run) -> None:
    """巫山 第十六条、第十八条（一）+ interpretation missing_assessment: no 考核等次 → 不能评价 (missing_score);
    the scorecard is not used as a substitute."""
    r = run("hospital_inpatient", [INSPECTED, rec("interview")])
    assert r.status == "not_evaluable"
    assert r.reason == "missing_score"
    assert r.grade is None
    assert r.score is None
    assert r.measures == ()
    assert not [s for s in r.steps if s.kind == "rule"]


def test_conflicting_assessments_not_evaluable(run) -> None:
    """巫山 第十八条（一）+ interpretation missing_assessment: two different 2023 scores → conflicting_scores."""
    r = run("hospital_inpatient", [INSPECTED, assessment("92"), assessment("88", date="2024-04-01")])
    assert r.status == "not_evaluable"
    assert r.reason == "conflicting_scores"
    assert r.grade is None


def test_duplicate_identical_assessments_grade(run) -> None:
    """巫山 第十八条（一）: the same score reported twice is one 考核等次, not a conflict."""
    r = run("hospital_inpatient", [INSPECTED, assessment("70"), assessment("70.00", date="2024-04-01")])
    assert r.status == "graded"
    assert r.grade == "B"


# --- 第二十一条 / 第二十二条: measures ----------------------------------------------------

HOSP = {
    "A": (
        "hosp_a_inspection_plan",
        "hosp_a_sampling_cut",
        "hosp_a_budget_index",
        "hosp_a_settlement_index",
        "hosp_a_prepayment",
    ),
    "B": ("hosp_b_inspection_plan", "hosp_b_budget_index", "hosp_b_settlement_index", "hosp_b_prepayment"),
    "C": (
        "hosp_c_inspection_plan",
        "hosp_c_budget_index",
        "hosp_c_settlement_index",
        "hosp_c_prepayment",
        "hosp_c_warning",
        "hosp_c_settlement_suspension",
        "hosp_below_b_chronic_disease",
    ),
    "D": ("hosp_d_termination", "hosp_below_b_chronic_disease"),
}
OUTPATIENT = {
    "A": ("outpatient_a_audits",),
    "B": ("outpatient_b_audits",),
    "C": (
        "outpatient_c_audits",
        "outpatient_c_warning",
        "outpatient_c_settlement_suspension",
        "outpatient_below_b_designations",
    ),
    "D": ("outpatient_d_termination", "outpatient_below_b_designations"),
}


@pytest.mark.parametrize(("score", "grade"), [("95", "A"), ("70", "B"), ("62", "C"), ("30", "D")])
def test_hospital_measures(run, score: str, grade: str) -> None:
    """巫山 第二十一条（一）至（五）: A/B/C/D measures for hospitals with inpatient and outpatient services;
    未达到B级以上 (C, D) → 不予申报慢特病待遇资格认定或其他试点工作."""
    r = run("hospital_inpatient", [INSPECTED, assessment(score)])
    assert r.grade == grade
    assert r.measures == HOSP[grade]
    assert ("hosp_below_b_chronic_disease" in r.measures) == (grade in ("C", "D"))


@pytest.mark.parametrize("category", ["outpatient_clinic", "retail_pharmacy"])
@pytest.mark.parametrize(("frauds", "grade"), [(0, "A"), (1, "B"), (2, "C"), (3, "D")])
def test_outpatient_and_pharmacy_measures(run, category: str, frauds: int, grade: str) -> None:
    """巫山 第二十二条（一）至（五）: A 稽核检查1次；B 不少于2次；C 不少于3次、警示约谈、可暂停网络结算；
    D 次年解除服务协议；未达到B级及以上 → 取消慢特病、国家谈判药品定点等."""
    r = run(category, [INSPECTED] + [fraud()] * frauds)
    assert r.grade == grade
    assert r.measures == OUTPATIENT[grade]


def test_excluded_subject_has_no_measures(run) -> None:
    """巫山 第十九条、第二十一条: a subject not evaluated has no grade and therefore no graded measures."""
    r = run(
        "hospital_inpatient", [INSPECTED, assessment("30")], agreement_end={"date": "2023-10-01", "reason": "voluntary"}
    )
    assert r.status == "excluded"
    assert r.measures == ()


# --- 第四条: village clinics ----------------------------------------------------------------


def test_village_clinic_alone_is_rolled_up(run) -> None:
    """巫山 第四条: 开通医保网络结算的村卫生室纳入所在地乡镇卫生院、街道社区卫生服务中心管理 — not graded alone;
    its records count under the parent (interpretation village_clinic_roll_up)."""
    parent = "92500237MA5U00007D"
    r = run("village_clinic", [INSPECTED, rec("interview")], parent_id=parent)
    assert r.status == "rolled_up"
    assert r.reason == "rolled_up_into_parent"
    assert r.grade is None
    assert r.score is None
    assert [u.reason for u in r.record_uses] == ["counted_under_parent"] * 2
    assert [(s.kind, s.parent_id) for s in r.steps if isinstance(s, RollUpStep)] == [("roll_up", parent)]


def test_managed_clinic_records_count_for_outpatient_parent(run) -> None:
    """巫山 第四条 + interpretation village_clinic_roll_up: a managed clinic's audit cut (10000.00 → 5),
    interview (5) and 第四十条 fraud (20) count in the community centre's scorecard: 100 − 30 = 70, B."""
    clinics = [
        {
            "id": "VC-1",
            "records": [rec("audit_cut", amount="10000.00"), rec("interview"), fraud()],
        }
    ]
    r = run("outpatient_clinic", [INSPECTED], managed_clinics=clinics)
    assert r.score == 70
    assert r.grade == "B"
    assert [u.used_by for u in r.record_uses[1:]] == [("recovered_amount",), ("interview",), ("fraud",)]


def test_managed_clinic_records_not_applicable_for_inpatient_parent(run) -> None:
    """巫山 第四条、第十六条 + interpretation village_clinic_roll_up: 上级机构为同时开展住院和门诊治疗的机构时，
    按考核等次划分，村卫生室记录在追踪中标为不适用 — every clinic record (including its inspection, recovery
    and its own assessment) is not applicable; the hospital is graded on its own 考核等次 only."""
    clinics = [
        {
            "id": "VC-1",
            "records": [
                rec("inspection", "2023-04-01"),
                rec("fund_recovery", amount="60000.00"),
                rec("interview"),
                assessment("50"),
            ],
        }
    ]
    r = run("hospital_inpatient", [INSPECTED, assessment("80")], managed_clinics=clinics)
    assert r.status == "graded"
    assert r.grade == "B"
    assert r.score == 80
    clinic_uses = [u for u in r.record_uses if r.records[u.index].origin.startswith("managed_clinics")]
    assert len(clinic_uses) == 4
    assert [u.used_by for u in clinic_uses] == [(), (), (), ()]
    assert all(u.reason for u in clinic_uses)
    assert clinic_uses[3].reason == "clinic_not_counted"


def test_clinic_inspection_does_not_make_inpatient_parent_inspected(run) -> None:
    """巫山 第十五条、第四条 + interpretation village_clinic_roll_up: a hospital graded by 考核等次 that was not
    itself inspected is not evaluated; its village clinic's inspection is not applicable to it."""
    clinics = [{"id": "VC-1", "records": [rec("inspection", "2023-04-01")]}]
    r = run("hospital_inpatient", [assessment("80")], managed_clinics=clinics)
    assert r.status == "excluded"
    assert r.exclusions == ("not_inspected",)


# --- scope and validity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "subject_id"),
    [("other_institution", None), ("physician", "110101199003070011"), ("insured_person", "110101199003070011")],
)
def test_categories_outside_pack_are_out_of_scope(run, category: str, subject_id: str | None) -> None:
    """巫山 第四条: 信用主体是指本县定点医疗机构、定点零售药店 — other institutions and individuals are out of
    scope; their records are reported, not dropped."""
    extra = {"id": subject_id} if subject_id else {}
    r = run(category, [INSPECTED, fraud("ind_fraud")], **extra)
    assert r.status == "out_of_scope"
    assert r.reason == "category_not_covered"
    assert r.grade is None
    assert [u.reason for u in r.record_uses] == ["subject_out_of_scope"] * 2


def test_cycle_before_effective_date_raises(run) -> None:
    """巫山 第二十七条: 本办法自2023年1月1日起试行 — cycle 2022 is outside the pack's validity."""
    with pytest.raises(medcredit.ValidityError, match="2022"):
        run("retail_pharmacy", [rec("inspection", "2022-05-01")], cycle=2022)


def test_validity_override_evaluates_and_warns(run) -> None:
    """巫山 第二十七条 + interpretation validity_window: an explicit override evaluates cycle 2022 and records
    a validity_override warning."""
    r = run(
        "retail_pharmacy",
        [rec("inspection", "2022-05-01"), rec("interview", "2022-06-01")],
        cycle=2022,
        override_validity=True,
    )
    assert r.status == "graded"
    assert r.score == 95
    assert r.validity_overridden is True
    assert r.applies_in == 2023
    assert [w.code for w in r.warnings].count("validity_override") == 1
    assert r.steps[0].kind == "validity"


def test_open_ended_validity(run) -> None:
    """巫山 第二十七条 (no expiry): later cycles are valid without override and carry no override warning."""
    r = run("retail_pharmacy", [rec("inspection", "2031-05-01")], cycle=2031)
    assert r.status == "graded"
    assert r.validity_overridden is False
    assert "validity_override" not in [w.code for w in r.warnings]


# --- the bundled examples -------------------------------------------------------------------------

EXPECTED_EXAMPLES: dict[str, tuple[str, str | None, str | None, tuple[str, ...]]] = {
    # id: (status, grade, score, exclusions)
    "92500237MA5U00001T": ("graded", "A", "100", ()),
    "92500237MA5U00002X": ("graded", "A", "90", ()),  # 10000.00 → 5, one interview → 5
    "92500237MA5U000031": ("graded", "B", "65", ()),  # 62000.50 → 10, 2×5, suspension 10, late 5
    "92500237MA5U000044": ("graded", "D", "40", ()),  # 2 frauds 40, 120000 → 20
    "92500237MA5U000057": ("graded", "A", "92.5", ()),
    "92500237MA5U00006A": ("graded", "C", "64.99", ()),
    "92500237MA5U00007D": ("graded", "A", "90", ()),  # clinic: 10000.00 → 5, late refund 5
    "92500237MA5U00008G": ("excluded", None, None, ("operated_under_six_months",)),
    "92500237MA5U00009K": ("excluded", None, None, ("agreement_ended_voluntarily",)),
    "92500237MA5U00010Q": ("excluded", None, None, ("not_inspected",)),
    "X-VC-003": ("rolled_up", None, None, ()),
}


def _examples() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_examples_file_is_fully_covered() -> None:
    """The bundled examples (巫山 第四条、第十五条、第十八条、第十九条、附件) are all checked below."""
    assert sorted(d["id"] for d in _examples()) == sorted(EXPECTED_EXAMPLES)


@pytest.mark.parametrize("data", _examples(), ids=lambda d: d["id"])
def test_bundled_examples(pack, data: dict[str, Any]) -> None:
    """巫山 第十八条、第十九条、第四条、附件: the grades of examples/wushan-subjects.jsonl, worked by hand."""
    status, grade, score, exclusions = EXPECTED_EXAMPLES[data["id"]]
    r = medcredit.evaluate(pack, medcredit.Subject.model_validate(data), 2023)
    assert r.status == status
    assert r.grade == grade
    assert r.score == (None if score is None else Decimal(score))
    assert r.exclusions == exclusions
    assert r.applies_in == 2024
