"""The columnar batch path against the per-subject engine, and against the law's words.

Differential: every bundled pack, a mixed population over the whole catalogue
(tests/golden_bytes/population.py) and Wushan-like histories (bench/generate.py):
the table must agree with :func:`medcredit.evaluate` subject by subject.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow", reason="the columnar path needs the 'columnar' extra (pyarrow, numpy)")

from medcredit.columnar import evaluate_table, fallback_info, subjects_to_tables  # noqa: E402
from medcredit.diagnostics.errors import HistoryError, ValidityError  # noqa: E402
from medcredit.engine.evaluation import evaluate  # noqa: E402
from medcredit.history.model import Subject  # noqa: E402
from medcredit.pack.compiled import CompiledPack  # noqa: E402
from medcredit.pack.loader import bundled_pack_names, load_pack, validate_pack_text  # noqa: E402
from medcredit.render.output import to_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "golden_bytes"))
sys.path.insert(0, str(ROOT / "bench"))

import population  # noqa: E402
from generate import generate  # noqa: E402

CYCLE = 2023


def _mixed() -> list[Subject]:
    return [Subject.model_validate(d) for d in population.population(500, 11)]


def _wushan_like() -> list[Subject]:
    return [Subject.model_validate_json(line) for line in generate(800, 7)]


POPULATIONS = {"mixed": _mixed(), "wushan_like": _wushan_like()}


def _engine_row(pack: CompiledPack, subject: Subject) -> tuple[Any, ...]:
    r = evaluate(pack, subject, CYCLE, override_validity=True)
    score = None if r.score is None else str(r.score)
    return (r.status, r.reason, r.path, r.grade, score, list(r.exclusions), list(r.measures))


def _table_row(row: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("status", "reason", "path", "grade", "score", "exclusions", "measures")
    return tuple(row[k] for k in keys)


@pytest.mark.parametrize("population_name", sorted(POPULATIONS))
@pytest.mark.parametrize("pack_name", bundled_pack_names())
def test_table_agrees_with_the_engine(pack_name: str, population_name: str) -> None:
    pack = load_pack(pack_name)
    subjects = POPULATIONS[population_name]
    s, r = subjects_to_tables(subjects)
    table = evaluate_table(pack, s, r, cycle=CYCLE, override_validity=True)
    rows = table.to_pylist()
    assert [row["id"] for row in rows] == [x.id for x in subjects]
    mismatches = [
        (x.id, _table_row(row), _engine_row(pack, x))
        for x, row in zip(subjects, rows, strict=True)
        if _table_row(row) != _engine_row(pack, x)
    ]
    assert mismatches == []
    by_rule = [c for c in table.column_names if c.startswith("rule:")]
    for row in rows:
        path = pack.model.paths[[p.id for p in pack.model.paths].index(row["path"])] if row["path"] else None
        if path is None or path.method != "scorecard" or row["status"] == "excluded":
            assert all(row[c] is None for c in by_rule)
            continue
        # the trace matrix: base score plus the signed points of the path's rules is the score
        points = sum((row[f"rule:{rid}"] for rid in path.rules), Decimal(0))
        assert path.base + points == Decimal(row["score"])
        assert all(row[c] is None for c in by_rule if c.removeprefix("rule:") not in path.rules)
    meta = table.schema.metadata
    assert meta[b"medcredit.pack_hash"].decode() == pack.content_hash


def test_wushan_is_vectorised_not_delegated() -> None:
    pack = load_pack("wushan")
    s, r = subjects_to_tables(POPULATIONS["wushan_like"])
    table = evaluate_table(pack, s, r, cycle=CYCLE)
    rows = table.to_pylist()
    # the scorecard (附件) and the hospitals graded from the 考核等次 (第十八条（一）, combine: agree) both
    assert {x["evaluated_by"] for x in rows} == {"columnar"}
    assert {x["category"] for x in rows} >= {"hospital_inpatient", "outpatient_clinic", "retail_pharmacy"}
    info = fallback_info(table)
    assert info == {"pack": None, "paths": {}, "subjects_by_reason": {}}


def _hospital(sid: str, *assessments: dict[str, Any]) -> Subject:
    records = [{"kind": "inspection", "date": "2023-03-01"}]
    records += [{"kind": "annual_assessment", "date": "2024-01-20", "year": 2023, **a} for a in assessments]
    subject = {"id": sid, "category": "hospital_inpatient", "opened": "2010-01-01", "records": records}
    return Subject.model_validate(subject)


def test_wushan_assessment_level_and_score_must_agree() -> None:
    # 第十八条（一）: "考核等次为优秀的（90分以上），信用等级为A级；考核等次为合格的（65分以上，不足90分），
    # 信用等级为B级" — the 等次, a score or both; evidence naming different grades cannot be graded
    subjects = [
        _hospital("L", {"level": "excellent"}),
        _hospital("S", {"score": "72.5"}),
        _hospital("LS", {"level": "qualified", "score": "89.99"}),
        _hospital("X", {"level": "excellent", "score": "70"}),
        _hospital("SS", {"score": "70"}, {"score": "75"}),
        _hospital("EQ", {"score": "70"}, {"score": "70.0"}),
        _hospital("O", {"score": "70"}, {"score": "-3"}, {"score": "-5"}),
        _hospital("LL", {"level": "excellent"}, {"level": "unqualified"}),
        _hospital("N"),
    ]
    rows = _grade(subjects)
    assert {r["evaluated_by"] for r in rows} == {"columnar"}
    got = [(r["status"], r["reason"], r["grade"], r["score"]) for r in rows]
    assert got == [
        ("graded", None, "A", None),
        ("graded", None, "B", "72.5"),
        ("graded", None, "B", "89.99"),
        ("not_evaluable", "conflicting_scores", None, "70"),
        ("not_evaluable", "conflicting_scores", None, None),
        ("graded", None, "B", "70"),
        ("not_evaluable", "conflicting_scores", None, None),
        ("not_evaluable", "conflicting_scores", None, None),
        ("not_evaluable", "missing_score", None, None),
    ]
    pack = load_pack("wushan")
    assert got == [(e[0], e[1], e[3], e[4]) for e in (_engine_row(pack, x) for x in subjects)]
    # a score outside the bands' domain (a variant declaring domain [0, 100]): not evaluable, the smallest named
    text = (ROOT / "src" / "medcredit" / "packs" / "wushan.yaml").read_text("utf-8")
    bounded = text.replace("  assessment_grades:\n", '  assessment_grades:\n    domain: "[0, 100]"\n', 1)
    variant, problems = validate_pack_text(bounded, "w.yaml")
    assert variant is not None and bounded != text, problems
    s, r = subjects_to_tables(subjects)
    rows = evaluate_table(variant, s, r, cycle=CYCLE).to_pylist()
    assert (rows[6]["status"], rows[6]["reason"], rows[6]["score"]) == ("not_evaluable", "score_outside_bands", "-5")
    assert [_table_row(x) for x in rows] == [_engine_row(variant, x) for x in subjects]


def test_fallback_is_stated_for_subjects_with_list_records() -> None:
    pack = load_pack("suixian")
    subjects = POPULATIONS["mixed"][:120]
    s, r = subjects_to_tables(subjects)
    table = evaluate_table(pack, s, r, cycle=CYCLE, override_validity=True)
    info = fallback_info(table)
    by = table.column("evaluated_by").to_pylist()
    delegated = [v for v in by if v != "columnar"]
    assert delegated and "columnar" in by
    assert info["subjects_by_reason"] == {delegated[0]: len(delegated)}
    assert "list" in delegated[0]
    # delegated: exactly the subjects on a path with a record of a kind that feeds one of the pack's lists
    feeding = [f for lst in pack.lists for f in (*lst.entry, lst.removal) if f is not None]
    kinds = {k for f in feeding for k in pack.facts[f].kinds}
    for subject, who in zip(subjects, by, strict=True):
        own = [rec.kind for rec in subject.records]
        own += [rec.kind for clinic in subject.managed_clinics for rec in clinic.records]
        if subject.agreement_end is not None:
            own.append("agreement_termination")
        on_path = subject.category.value in pack.path_by_category
        assert (who != "columnar") == (on_path and bool(kinds & set(own)))


def _outpatient(sid: str, records: list[dict[str, Any]], **extra: Any) -> Subject:
    data: dict[str, Any] = {"id": sid, "category": "outpatient_clinic", "opened": "2015-01-01", **extra}
    data["records"] = [{"kind": "inspection", "date": "2023-03-01"}, *records]
    return Subject.model_validate(data)


def _grade(subjects: list[Subject], pack_name: str = "wushan", **kw: Any) -> list[dict[str, Any]]:
    s, r = subjects_to_tables(subjects)
    rows: list[dict[str, Any]] = evaluate_table(load_pack(pack_name), s, r, cycle=CYCLE, **kw).to_pylist()
    return rows


def test_wushan_amount_tiers_at_the_boundaries() -> None:
    # 附件 一（一）: "累计总金额不足1万元的，扣2分；总金额1万元以上，不足5万元的，扣5分" and
    # 第二十六条: "本办法所称“以上”包括本数，“不足”不包括本数。"
    below = _outpatient("A", [{"kind": "fund_recovery", "date": "2023-05-01", "amount": "9999.99"}])
    at = _outpatient(
        "B",
        [
            {"kind": "audit_cut", "date": "2023-05-01", "amount": "4000.00"},
            {"kind": "fund_recovery", "date": "2023-12-31", "amount": "6000.00"},
        ],
    )
    top = _outpatient("C", [{"kind": "fund_recovery", "date": "2023-05-01", "amount": "100000.00"}])
    rows = _grade([below, at, top])
    assert [r["rule:recovered_amount"] for r in rows] == [Decimal(-2), Decimal(-5), Decimal(-20)]
    assert [r["score"] for r in rows] == ["98", "95", "80"]
    # 第十八条: "评价分值90分以上的，信用等级为A级；评价分值65以上不足90分的，信用等级为B级"
    assert [r["grade"] for r in rows] == ["A", "A", "B"]


def test_wushan_per_occurrence_once_and_fraud_code() -> None:
    # 附件: "约谈一次扣5分" / "被医疗保障部门中止或暂停服务协议的，扣10分" / "第四十条 … 每次扣20分"
    subject = _outpatient(
        "D",
        [
            {"kind": "interview", "date": "2023-02-01"},
            {"kind": "interview", "date": "2023-03-01"},
            {"kind": "agreement_suspension", "date": "2023-04-01"},
            {"kind": "agreement_suspension", "date": "2023-05-01"},
            {"kind": "fraud", "date": "2023-06-01", "code": "fraud_other"},
            {"kind": "fraud", "date": "2023-06-02", "code": "ind_fraud"},  # 第四十一条: not a 第四十条 fraud
        ],
    )
    (row,) = _grade([subject])
    assert (row["rule:interview"], row["rule:agreement_suspension"], row["rule:fraud"]) == (-10, -10, -20)
    assert (row["score"], row["grade"]) == ("60", "C")


def test_wushan_exclusions_of_article_19() -> None:
    # 第十九条（四）: "评价年度内营业时间不足6个月的"; 《民法典》 第二百零一条: the opening day is not
    # counted, so opened 30 June counts from 1 July: six whole months; opened 1 July: five
    july_first = _outpatient("E", [], opened="2023-06-30")
    july_second = _outpatient("F", [], opened="2023-07-01")
    # 第十九条（一）: "主动解除服务协议的"
    voluntary = _outpatient("G", [], agreement_end={"date": "2023-11-30", "reason": "voluntary"})
    # 第十五条: "对接受监督检查的信用主体进行一次信用评价"
    uninspected = Subject.model_validate({"id": "H", "category": "retail_pharmacy", "opened": "2015-01-01"})
    rows = _grade([july_first, july_second, voluntary, uninspected])
    assert [r["status"] for r in rows] == ["graded", "excluded", "excluded", "excluded"]
    assert rows[1]["exclusions"] == ["operated_under_six_months"]
    assert rows[2]["exclusions"] == ["agreement_ended_voluntarily"]
    assert rows[3]["exclusions"] == ["not_inspected"]
    assert rows[1]["rule:interview"] is None  # no rule is applied to an excluded subject


def test_wushan_village_clinic_rolls_up() -> None:
    # 第四条: "开通医保网络结算的村卫生室纳入所在地乡镇卫生院、街道社区卫生服务中心管理"
    clinic = Subject.model_validate({"id": "VC1", "category": "village_clinic", "parent_id": "P"})
    parent = _outpatient(
        "P", [], managed_clinics=[{"id": "VC9", "records": [{"kind": "interview", "date": "2023-05-05"}]}]
    )
    rows = _grade([clinic, parent])
    assert (rows[0]["status"], rows[0]["reason"]) == ("rolled_up", "rolled_up_into_parent")
    assert (rows[1]["rule:interview"], rows[1]["score"]) == (-5, "95")


def test_trace_on_request_is_the_engines_trace() -> None:
    pack = load_pack("wushan")
    subjects = POPULATIONS["wushan_like"][:30]
    wanted = [subjects[3].id, subjects[17].id]
    s, r = subjects_to_tables(subjects)
    rows = evaluate_table(pack, s, r, cycle=CYCLE, trace_ids=wanted).to_pylist()
    for subject, row in zip(subjects, rows, strict=True):
        if subject.id in wanted:
            assert row["trace"] == to_json(evaluate(pack, subject, CYCLE), pack)
            assert json.loads(row["trace"])["format"] == "medcredit.trace/1"
        else:
            assert row["trace"] is None


def test_an_exclusion_the_vectoriser_refuses_falls_back_for_the_whole_pack() -> None:
    text = (ROOT / "src" / "medcredit" / "packs" / "wushan.yaml").read_text("utf-8")
    assert "when: inspections == 0" in text
    pack, problems = validate_pack_text(text.replace("when: inspections == 0", "when: inspections / 2 < 0.5"), "w.yaml")
    assert pack is not None, problems
    subjects = POPULATIONS["wushan_like"][:60]
    s, r = subjects_to_tables(subjects)
    table = evaluate_table(pack, s, r, cycle=CYCLE)
    assert "not_inspected" in fallback_info(table)["pack"] and "Div" in fallback_info(table)["pack"]
    assert [_table_row(x) for x in table.to_pylist()] == [_engine_row(pack, x) for x in subjects]


def test_vectorised_expressions_match_the_engine() -> None:
    text = (ROOT / "src" / "medcredit" / "packs" / "wushan.yaml").read_text("utf-8")
    when = (
        "recovered_total >= 10000.5 and interviews * 2 + late_refunds > 1"
        " or category in ['retail_pharmacy'] and not frauds == 0"
    )
    pack, problems = validate_pack_text(text.replace("when: inspections == 0", f'when: "{when}"'), "w.yaml")
    assert pack is not None, problems
    subjects = POPULATIONS["wushan_like"]
    s, r = subjects_to_tables(subjects)
    table = evaluate_table(pack, s, r, cycle=CYCLE)
    rows = table.to_pylist()
    assert {x["evaluated_by"] for x in rows if x["category"] != "hospital_inpatient"} == {"columnar"}
    assert [_table_row(x) for x in rows] == [_engine_row(pack, x) for x in subjects]


def _records(**columns: Any) -> Any:
    base: dict[str, Any] = {"subject_id": ["S1", "S1"], "kind": ["inspection", "interview"]}
    base["date"] = [dt.date(2023, 1, 5), dt.date(2023, 2, 5)]
    base.update(columns)
    return pa.table(base)


SUBJECTS = pa.table({"id": ["S1"], "category": ["retail_pharmacy"]})


def test_bad_cells_are_located_by_table_row_and_column() -> None:
    records = _records(kind=["inspection", "interveiw"], subject_id=["S1", "S2"])
    with pytest.raises(HistoryError) as info:
        evaluate_table(load_pack("wushan"), SUBJECTS, records, cycle=CYCLE)
    found = {(p.file, p.line, p.path[-1], p.code) for p in info.value.problems}
    assert ("records", 2, "kind", "table-kind") in found
    assert ("records", 2, "subject_id", "table-unknown-subject") in found
    kind_problem = next(p for p in info.value.problems if p.code == "table-kind")
    assert "interveiw" in kind_problem.message


def test_amounts_must_be_exact_decimals_and_fit_the_kind() -> None:
    with pytest.raises(HistoryError) as info:
        evaluate_table(load_pack("wushan"), SUBJECTS, _records(amount=[1.5, 2.0]), cycle=CYCLE)
    assert [p.code for p in info.value.problems] == ["table-column-type"]
    amounts = pa.array([Decimal("1.50"), None], pa.decimal128(10, 2))
    with pytest.raises(HistoryError) as info:
        evaluate_table(load_pack("wushan"), SUBJECTS, _records(amount=amounts), cycle=CYCLE)
    (problem,) = info.value.problems
    assert (problem.line, problem.path[-1], problem.code) == (1, "amount", "table-field-not-for-kind")


def test_missing_and_unknown_columns() -> None:
    with pytest.raises(HistoryError) as info:
        evaluate_table(load_pack("wushan"), pa.table({"id": ["S1"], "categroy": ["x"]}), _records(), cycle=CYCLE)
    codes = {(p.code, p.path[-1]) for p in info.value.problems}
    assert codes == {("table-missing-column", "category"), ("table-unknown-column", "categroy")}


def test_duplicate_subject_ids() -> None:
    subjects = pa.table({"id": ["S1", "S1"], "category": ["retail_pharmacy", "retail_pharmacy"]})
    with pytest.raises(HistoryError) as info:
        evaluate_table(load_pack("wushan"), subjects, _records(), cycle=CYCLE)
    assert [(p.line, p.code) for p in info.value.problems] == [(1, "table-duplicate-id"), (2, "table-duplicate-id")]


def test_cycle_outside_validity() -> None:
    with pytest.raises(ValidityError):
        evaluate_table(load_pack("wushan"), SUBJECTS, _records(), cycle=2020)


@pytest.mark.parametrize("name", bundled_pack_names())
def test_no_subjects_give_an_empty_results_table_with_the_same_columns(name: str) -> None:
    """An empty batch (Spark asks for one to learn the results' schema) is graded, not an error."""
    pack = load_pack(name)
    cycle = 2024 if name == "liaoning" else 2023
    full = evaluate_table(
        pack,
        *subjects_to_tables([Subject.model_validate(next(iter(population.population(5, 1))))]),
        cycle=cycle,
        override_validity=True,
    )
    empty_s, empty_r = subjects_to_tables([])
    empty = evaluate_table(pack, empty_s, empty_r, cycle=cycle, override_validity=True)
    assert empty.num_rows == 0
    assert empty.schema.names == full.schema.names
