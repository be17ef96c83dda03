"""Engine properties, checked over a corpus of Wushan subjects covering every status.

Properties: every input record is accounted for exactly once; rule points add up
to the score; evaluation is deterministic, independent of record order and of
tracing; objections and identifier problems are handled as documented.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import medcredit
from medcredit.history.identifiers import USCC_ALPHABET, uscc_check_char
from medcredit.render.output import to_json
from medcredit.trace.steps import BandStep, PathStep, RuleStep

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "wushan-subjects.jsonl"


def _id(n: int) -> str:
    body = f"92500237MA5U{n:05d}"
    return body + uscc_check_char(body)


def rec(kind: str, date: str = "2023-06-01", **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "date": date, **fields}


def _objection(status: str) -> dict[str, Any]:
    return {"filed": "2023-07-01", "status": status}


CONSTRUCTED: list[dict[str, Any]] = [
    {
        "id": _id(101),
        "name": "mixed scorecard",
        "category": "outpatient_clinic",
        "opened": "2012-01-01",
        "records": [
            rec("inspection", "2023-02-01"),
            rec("fund_recovery", "2023-02-01", amount="4000.00", code="inst_overcharging"),
            rec("audit_cut", "2023-11-30", amount="6000.00"),
            rec("interview", "2023-03-01"),
            rec("interview", "2023-12-31"),
            rec("interview", "2024-01-01"),
            rec("agreement_suspension", "2023-04-01", months=3),
            rec("agreement_suspension", "2023-09-01", months=1),
            rec("late_refund", "2023-05-01"),
            rec("fraud", "2023-06-01", code="fraud_other"),
            rec("fraud", "2023-06-02", code="ind_fraud"),
            rec("violation", "2023-06-03", code="inst_overcharging"),
            rec("honour", "2023-10-01"),
            rec("annual_assessment", "2024-02-01", year=2023, score="88"),
            rec("interview", "2023-08-01", objection=_objection("pending")),
            rec("interview", "2023-08-02", objection=_objection("upheld")),
            rec("late_refund", "2023-08-03", objection=_objection("deleted_unverifiable")),
        ],
        "managed_clinics": [
            {"id": "VC-A", "records": [rec("audit_cut", "2023-07-01", amount="1.00"), rec("inspection", "2023-07-01")]}
        ],
    },
    {
        "id": _id(102),
        "category": "hospital_inpatient",
        "opened": "2000-01-01",
        "records": [
            rec("inspection", "2023-05-01"),
            rec("annual_assessment", "2024-03-01", year=2023, score="77.5"),
            rec("annual_assessment", "2023-03-01", year=2022, score="55"),
            rec("interview", "2023-06-01"),
        ],
        "managed_clinics": [{"id": "VC-B", "records": [rec("interview", "2023-06-01")]}],
    },
    {
        "id": _id(103),
        "category": "hospital_inpatient",
        "opened": "2000-01-01",
        "records": [
            rec("inspection", "2023-05-01"),
            rec("annual_assessment", "2024-03-01", year=2023, score="77"),
            rec("annual_assessment", "2024-03-02", year=2023, score="78"),
        ],
    },
    {
        "id": _id(104),
        "category": "retail_pharmacy",
        "opened": "2015-01-01",
        "agreement_end": {"date": "2023-10-01", "reason": "fraud"},
        "records": [rec("inspection", "2023-05-01"), rec("fraud", "2023-05-01", code="fraud_false_claims")],
    },
    {
        "id": _id(105),
        "category": "retail_pharmacy",
        "opened": "2015-01-01",
        "records": [
            rec("inspection", "2023-05-01"),
            rec("agreement_termination", "2023-02-01", reason="expired"),
            rec("agreement_termination", "2023-09-01", reason="renewal_not_met"),
        ],
    },
    {"id": _id(106), "category": "physician", "records": [rec("fraud", code="ind_fraud")]},
    {"id": _id(107), "category": "retail_pharmacy", "records": []},
    {
        "id": _id(108),
        "category": "retail_pharmacy",
        "opened": "2015-01-01",
        "records": [rec("inspection", "2023-05-01")]
        + [rec("fraud", f"2023-0{m}-01", code="fraud_other") for m in range(1, 8)],
    },
]


def _corpus() -> list[dict[str, Any]]:
    examples = [json.loads(x) for x in EXAMPLES.read_text(encoding="utf-8").splitlines() if x.strip()]
    return examples + CONSTRUCTED


CORPUS = _corpus()


def _evaluate(pack: medcredit.CompiledPack, data: dict[str, Any], **kw: Any) -> medcredit.Result:
    return medcredit.evaluate(pack, medcredit.Subject.model_validate(data), 2023, **kw)


def _decision(r: medcredit.Result) -> tuple[Any, ...]:
    return (r.status, r.grade, r.score, r.reason, r.exclusions, r.measures, r.path, r.applies_in)


def test_corpus_covers_every_status(pack) -> None:
    """The corpus below exercises graded, excluded, not_evaluable, out_of_scope and rolled_up."""
    statuses = {_evaluate(pack, d).status for d in CORPUS}
    assert statuses == {"graded", "excluded", "not_evaluable", "out_of_scope", "rolled_up"}


@pytest.mark.parametrize("data", CORPUS, ids=lambda d: d["id"])
def test_every_record_accounted_once(pack, data: dict[str, Any]) -> None:
    """Every input record (own, agreement_end shorthand, managed clinics') appears exactly once in
    record_uses: used by named pack elements, or not applicable with a reason — never both, never neither."""
    r = _evaluate(pack, data)
    expected = (
        len(data["records"])
        + (1 if "agreement_end" in data else 0)
        + sum(len(c["records"]) for c in data.get("managed_clinics", []))
    )
    assert len(r.records) == expected
    assert [u.index for u in r.record_uses] == list(range(expected))
    for use in r.record_uses:
        assert bool(use.used_by) != bool(use.reason), use


@pytest.mark.parametrize("data", CORPUS, ids=lambda d: d["id"])
def test_used_by_names_pack_elements(pack, data: dict[str, Any]) -> None:
    """used_by only names elements of the pack (rules, exclusions, paths)."""
    model = pack.model
    known = {r.id for r in model.rules} | {e.id for e in model.exclusions} | {p.id for p in model.paths}
    r = _evaluate(pack, data)
    for use in r.record_uses:
        assert set(use.used_by) <= known


@pytest.mark.parametrize("data", CORPUS, ids=lambda d: d["id"])
def test_rule_points_add_up_to_score(pack, data: dict[str, Any]) -> None:
    """base + Σ rule points == score, every running score is consistent, and the band step shows the score."""
    r = _evaluate(pack, data)
    if r.status != "graded" or r.path != "outpatient_scorecard":
        return
    (path_step,) = [s for s in r.steps if isinstance(s, PathStep)]
    assert path_step.start_score == 100
    running = path_step.start_score
    rule_steps = [s for s in r.steps if isinstance(s, RuleStep)]
    assert [s.ref for s in rule_steps] == [
        "recovered_amount",
        "interview",
        "agreement_suspension",
        "late_refund",
        "fraud",
    ]
    for step in rule_steps:
        assert step.points <= 0
        running += step.points
        assert step.running == running
        # a rule that deducts names the records it used; one that does not, none
        assert bool(step.records) == (step.points != 0)
    assert running == r.score
    assert path_step.start_score + sum(s.points for s in rule_steps) == r.score
    (band,) = [s for s in r.steps if isinstance(s, BandStep)]
    assert band.score == r.score
    assert band.grade == r.grade


def test_mixed_scorecard_worked_by_hand(pack) -> None:
    """The mixed corpus subject: amount 4000+6000+1 (clinic) = 10001.00 → 5; interviews 3/1, 12/31 and the
    pending one → 15 (2024-01-01 outside, upheld one ignored); suspensions → 10 once; late refund 5
    (deleted one ignored); one 第四十条 fraud 20 (ind_fraud not) → 100 − 55 = 45, D."""
    r = _evaluate(pack, CONSTRUCTED[0])
    points = {s.ref: s.points for s in r.steps if s.kind == "rule"}
    assert points == {
        "recovered_amount": Decimal(-5),
        "interview": Decimal(-15),
        "agreement_suspension": Decimal(-10),
        "late_refund": Decimal(-5),
        "fraud": Decimal(-20),
    }
    assert r.score == 45
    assert r.grade == "D"


@pytest.mark.parametrize("data", CORPUS, ids=lambda d: d["id"])
def test_deterministic_json(pack, data: dict[str, Any]) -> None:
    """Same input → byte-identical JSON, also from a separately validated copy of the subject."""
    first = to_json(_evaluate(pack, data), pack)
    second = to_json(_evaluate(pack, json.loads(json.dumps(data))), pack)
    assert first == second
    assert to_json(_evaluate(pack, data), pack, indent=2) == to_json(_evaluate(pack, data), pack, indent=2)


@pytest.mark.parametrize("data", CORPUS, ids=lambda d: d["id"])
def test_trace_off_same_decision(pack, data: dict[str, Any]) -> None:
    """trace=False gives the same status, grade, score, exclusions and measures as trace=True."""
    traced = _evaluate(pack, data, trace=True)
    fast = _evaluate(pack, data, trace=False)
    assert _decision(fast) == _decision(traced)
    assert [w.code for w in fast.warnings] == [w.code for w in traced.warnings]
    assert fast.record_uses == ()
    assert not [s for s in fast.steps if s.kind == "rule"]


def _uses_by_record(r: medcredit.Result) -> Counter[tuple[str, tuple[str, ...], str | None, tuple[str, ...]]]:
    return Counter(
        (
            r.records[u.index].record.model_dump_json(),
            u.used_by,
            u.reason,
            u.flags,
        )
        for u in r.record_uses
    )


@pytest.mark.parametrize("data", CORPUS, ids=lambda d: d["id"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_record_order_does_not_matter(pack, data: dict[str, Any], seed: int) -> None:
    """Shuffling the records (and the managed clinics' records) changes neither the decision nor what became
    of each record."""
    shuffled = json.loads(json.dumps(data))
    rng = random.Random(seed)
    rng.shuffle(shuffled["records"])
    for clinic in shuffled.get("managed_clinics", []):
        rng.shuffle(clinic["records"])
    if seed == 2:
        shuffled["records"].reverse()
    a, b = _evaluate(pack, data), _evaluate(pack, shuffled)
    assert _decision(a) == _decision(b)
    assert _uses_by_record(a) == _uses_by_record(b)


# --- objections ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "used_by", "reason", "flags", "score"),
    [
        ("upheld", (), "objection_upheld", (), 100),
        ("deleted_unverifiable", (), "objection_deleted", (), 100),
        ("pending", ("interview",), None, ("objection_pending",), 95),
        ("rejected", ("interview",), None, (), 95),
        ("corrected", ("interview",), None, (), 95),
    ],
)
def test_objection_on_record(
    run, status: str, used_by: tuple[str, ...], reason: str | None, flags: tuple[str, ...], score: int
) -> None:
    """An upheld objection or deletion as unverifiable makes the record not applicable; a pending one is
    used but marked (objection mark while pending); rejected / corrected records are used as they stand."""
    r = run("retail_pharmacy", [rec("inspection"), rec("interview", objection=_objection(status))])
    use = r.record_uses[1]
    assert (use.used_by, use.reason, use.flags) == (used_by, reason, flags)
    assert r.score == score


def test_objection_upheld_on_inspection_removes_inspection(run) -> None:
    """An inspection record whose objection was upheld is not evidence of inspection."""
    r = run("retail_pharmacy", [rec("inspection", objection=_objection("upheld"))])
    assert r.status == "excluded"
    assert r.exclusions == ("not_inspected",)
    assert r.record_uses[0].reason == "objection_upheld"


def test_objection_upheld_on_assessment_leaves_score_missing(run) -> None:
    """An assessment whose objection was upheld is not used: the hospital has no score (missing_score)."""
    r = run(
        "hospital_inpatient",
        [
            rec("inspection"),
            rec("annual_assessment", "2024-03-01", year=2023, score="91", objection=_objection("upheld")),
        ],
    )
    assert r.status == "not_evaluable"
    assert r.reason == "missing_score"
    assert r.record_uses[1].reason == "objection_upheld"


def test_objection_upheld_on_agreement_termination_is_ignored(run) -> None:
    """A termination record whose objection was upheld is not applicable (reason objection_upheld), like any
    other record: it cannot exclude the subject under 巫山 第十九条 nor shorten its operating months."""
    r = run(
        "retail_pharmacy",
        [
            rec("inspection", "2023-02-01"),
            rec("agreement_termination", "2023-03-01", reason="violation", objection=_objection("upheld")),
        ],
    )
    assert r.status == "graded"
    assert r.exclusions == ()
    assert r.record_uses[1].used_by == ()
    assert r.record_uses[1].reason == "objection_upheld"


# --- identifiers ----------------------------------------------------------------------------------


def _bad_check(uscc: str) -> str:
    wrong = next(c for c in USCC_ALPHABET if c != uscc[-1])
    return uscc[:-1] + wrong


def test_wrong_uscc_check_char_is_a_warning(run) -> None:
    """A wrong 统一社会信用代码 check character (GB 32100-2015) is a warning with code "identifier"; the
    subject is still evaluated."""
    good = run("retail_pharmacy", [rec("inspection")], id=_id(7))
    assert "identifier" not in [w.code for w in good.warnings]
    bad = run("retail_pharmacy", [rec("inspection")], id=_bad_check(_id(7)))
    assert [w.code for w in bad.warnings] == ["identifier"]
    assert bad.subject_id == _bad_check(_id(7))
    assert _decision(bad) == _decision(good)


def test_malformed_identifier_is_a_warning(run) -> None:
    """A malformed identifier is reported too, never raised."""
    r = run("retail_pharmacy", [rec("inspection")], id="NOT-A-CODE")
    assert "identifier" in [w.code for w in r.warnings]
    assert r.status == "graded"


def test_shared_decisions_keep_each_subjects_own_score_text() -> None:
    """Two assessments equal as numbers but written differently (0.00 vs 0) are reported as written."""
    import medcredit

    pack = medcredit.load_pack("wushan")

    def hospital(score: str) -> medcredit.Subject:
        return medcredit.Subject.model_validate(
            {
                "id": "92500237MA5U00001T",
                "category": "hospital_inpatient",
                "opened": "2013-01-01",
                "records": [
                    {"kind": "inspection", "date": "2023-01-01"},
                    {"kind": "annual_assessment", "date": "2024-01-01", "year": 2023, "score": score},
                ],
            }
        )

    assert str(medcredit.evaluate(pack, hospital("0"), 2023).score) == "0"
    assert str(medcredit.evaluate(pack, hospital("0.00"), 2023).score) == "0.00"
