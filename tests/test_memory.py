"""Pack format part 2: prior results and evaluate_cycles, tenure, thresholds that start sanctions, repairs
that take effect.  The YAML cases in fixtures/capabilities/ (personnel_points, multi_year) test each construct
at its boundaries; this file tests errors, the JSON and text forms, standing, and the API.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import medcredit
from medcredit.diagnostics.errors import HistoryError, ProblemsError
from medcredit.engine.memory import tenure
from medcredit.render.output import render_text, to_json
from medcredit.testing import run_properties
from medcredit.trace.steps import RepairedStep, ThresholdStep

CAPS = Path(__file__).parent / "fixtures" / "capabilities"
PERSONNEL = CAPS / "personnel_points.yaml"
MULTI = CAPS / "multi_year.yaml"
PERSON = "500237196304040036"
PHARMACY = "92500237MA00000016"


def _points(day: str, points: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "violation", "date": day, "code": "inst_excessive_services", "points": points, **extra}


def _person(records: list[dict[str, Any]]) -> medcredit.Subject:
    return medcredit.load_subject({"id": PERSON, "category": "physician", "records": records})


@pytest.mark.parametrize(
    ("designated", "day", "expected"),
    [
        (dt.date(2021, 12, 31), dt.date(2024, 12, 31), (3, 36)),
        (dt.date(2021, 12, 31), dt.date(2024, 12, 30), (2, 35)),
        (dt.date(2024, 1, 31), dt.date(2024, 2, 29), (0, 1)),  # no 31 February: the month's last day
        (dt.date(2024, 1, 31), dt.date(2024, 2, 28), (0, 0)),
        (None, dt.date(2024, 12, 31), (-1, -1)),
        (dt.date(2025, 1, 1), dt.date(2024, 12, 31), (-1, -1)),
    ],
)
def test_tenure_counts_whole_months_by_the_corresponding_day(
    designated: dt.date | None, day: dt.date, expected: tuple[int, int]
) -> None:
    assert tenure(designated, day) == expected


def test_evaluate_cycles_reports_a_prior_result_the_history_contradicts() -> None:
    pack = medcredit.load_pack(MULTI)
    subject = medcredit.load_subject(
        {
            "id": PHARMACY,
            "category": "retail_pharmacy",
            "prior_results": [{"cycle": 2023, "grade": "B"}],
            "records": [_points("2023-05-01", 25), _points("2024-05-01", 25)],
        }
    )
    r2023, r2024 = medcredit.evaluate_cycles(pack, subject, [2024, 2023])
    assert (r2023.cycle, r2023.grade, r2024.grade) == (2023, "D", "D")
    assert [w.code for w in r2023.warnings if w.code == "prior_result_conflict"] == ["prior_result_conflict"]
    assert not [w for w in r2024.warnings if w.code == "prior_result_conflict"]


@pytest.mark.parametrize(
    ("subject", "fragment"),
    [
        ({"prior_results": [{"cycle": 2023, "grade": "D"}, {"cycle": 2023, "grade": "C"}]}, "same cycle"),
        ({"prior_results": [{"cycle": 2023, "status": "excluded", "grade": "D"}]}, "exactly when"),
        ({"prior_results": [{"cycle": 1800, "grade": "D"}]}, "1990"),
    ],
)
def test_bad_prior_results_are_located_history_errors(subject: dict[str, Any], fragment: str) -> None:
    with pytest.raises(HistoryError) as err:
        medcredit.load_subject({"id": PHARMACY, "category": "retail_pharmacy", **subject})
    assert fragment in " ".join(p.message for p in err.value.problems)


def _broken(tmp_path: Path, source: Path, change: Any) -> Path:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    target = tmp_path / source.name
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (tmp_path / "memory.txt").write_text((CAPS / "memory.txt").read_text(encoding="utf-8"), encoding="utf-8")
    return target


BAD = {
    "term-unit": (PERSONNEL, lambda d: d["thresholds"][0]["term"].update(years=1)),
    "term-range": (PERSONNEL, lambda d: d["thresholds"][0].update(term={"months": {"min": 6, "max": 1}})),
    "threshold-term": (PERSONNEL, lambda d: d["thresholds"][1].pop("single_event")),
    "threshold-fact": (
        PERSONNEL,
        lambda d: (
            d["facts"].append(
                {"id": "any_points", "aggregate": "any", "match": {"kinds": ["violation"]}, "doc": {"zh": "有记分"}}
            )
            or d["thresholds"][0].update(fact="any_points")
        ),
    ),
    "unknown-fact": (PERSONNEL, lambda d: d["thresholds"][0].update(fact="pionts")),
    "prior-kind": (MULTI, lambda d: d["prior"][0].pop("cycles")),
    "class-criteria": (MULTI, lambda d: d["paths"][0]["classes"][0].pop("when")),
    "expression": (MULTI, lambda d: d["measures"][0].update(when="d_last_three")),
}


@pytest.mark.parametrize("code", sorted(BAD))
def test_a_malformed_construct_is_a_located_load_error(code: str, tmp_path: Path) -> None:
    source, change = BAD[code]
    with pytest.raises(ProblemsError) as err:
        medcredit.load_pack(_broken(tmp_path, source, change))
    found = [p for p in err.value.problems if p.code == code]
    assert found and all(p.line for p in found), [(p.code, p.message) for p in err.value.problems]


def test_sanctions_in_json_text_and_trace() -> None:
    pack = medcredit.load_pack(PERSONNEL)
    subject = _person([_points("2024-03-01", 5, institution=PHARMACY), _points("2024-05-10", 4)])
    result = medcredit.evaluate(pack, subject, 2024)
    data = json.loads(to_json(result, pack))
    assert data["sanctions"] == [
        {
            "id": "suspension",
            "kind": "payment_suspension",
            "start": "2024-05-10",
            "end": "2024-06-10",
            "end_latest": "2024-11-10",
            "route": "accumulation",
            "total": "9",
            "records": [0, 1],
            "active": False,
        }
    ]
    step = next(s for s in result.steps if isinstance(s, ThresholdStep))
    assert step.cite.article == "第三条" and step.records == (0, 1)
    assert "Sanction: suspension payment_suspension 2024-05-10 → 2024-06-10 … 2024-11-10" in render_text(
        result, pack, "en"
    )
    assert [u.used_by for u in result.record_uses] == [("suspension", "points"), ("suspension", "points")]
    wushan = medcredit.load_pack("wushan")
    assert "sanctions" not in json.loads(
        to_json(
            medcredit.evaluate(wushan, medcredit.load_subject({"id": PHARMACY, "category": "retail_pharmacy"}), 2023),
            wushan,
        )
    )


def test_standing_shows_a_sanction_running_and_ended() -> None:
    pack = medcredit.load_pack(PERSONNEL)
    subject = _person([_points("2024-03-01", 5), _points("2024-05-10", 4)])
    running = medcredit.standing(pack, subject, dt.date(2024, 6, 1)).sanctions
    assert [(s.id, s.start, s.active) for s in running] == [("suspension", dt.date(2024, 5, 10), True)]
    before = medcredit.standing(pack, subject, dt.date(2024, 5, 9)).sanctions
    assert before == ()
    after = medcredit.standing(pack, subject, dt.date(2024, 11, 11)).sanctions
    assert [s.active for s in after] == [False]


def test_a_repair_taking_effect_is_a_cited_step() -> None:
    pack = medcredit.load_pack(PERSONNEL)
    subject = _person(
        [_points("2024-03-01", 9, id="r1"), {"kind": "repair_granted", "date": "2024-06-01", "ref": "r1"}]
    )
    assert medcredit.evaluate(pack, subject, 2024).grade == "suspended"
    result = medcredit.evaluate(pack, subject, 2025)
    step = next(s for s in result.steps if isinstance(s, RepairedStep))
    assert (step.records, step.effective) == ((0, 1), dt.date(2025, 1, 1))
    assert step.cite.article == "第七条"
    assert result.record_uses[0].reason == "repaired:1" and result.sanctions == ()


def test_the_memory_fixtures_pass_their_new_properties() -> None:
    for pack, props in (
        (PERSONNEL, ["repair_never_worsens", "threshold_later", "trace_records", "accounting"]),
        (MULTI, ["trace_records", "record_order", "determinism"]),
    ):
        report = run_properties(pack, "ci", properties=props, max_examples=25)
        assert report.ok, report.render()
        assert all(o.status == "passed" and o.checked for o in report.outcomes), report.render()


def test_check_compares_a_thresholds_numbers_with_its_quote(tmp_path: Path) -> None:
    """第三条 says 达到9分 and 1至6个月: a threshold changed to 10 points, or 1-3 months, is flagged."""
    from medcredit.cli.main import main

    assert main(["check", "--select", "quote-parameters", str(PERSONNEL)]) == 0
    changed = _broken(tmp_path, PERSONNEL, lambda d: d["thresholds"][0].update(reaches=10))
    assert main(["check", "--strict", "--select", "quote-parameters", str(changed)]) == 1


def test_the_guide_chapter_shows_the_fixtures_yaml() -> None:
    """docs/guide/across-time.md: every YAML line it shows is in the fixture packs it describes."""
    import re

    guide = (Path(__file__).resolve().parents[1] / "docs" / "guide" / "across-time.md").read_text(encoding="utf-8")
    packs = PERSONNEL.read_text(encoding="utf-8") + MULTI.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, flags=re.S)
    assert len(blocks) >= 6
    for block in blocks:
        for line in block.strip("\n").splitlines():
            assert line in packs, line


def test_evaluate_cycles_returns_calendar_order_and_refuses_a_cycle_named_twice() -> None:
    """Each cycle reads the ones before it, so results come in calendar order; a repeated cycle is not dropped
    silently but refused, and so is a year that is not an int."""
    pack = medcredit.load_pack("wushan")
    subject = medcredit.load_subject({"id": "92500237MA5U00001T", "category": "retail_pharmacy"})
    assert [r.cycle for r in medcredit.evaluate_cycles(pack, subject, [2024, 2023])] == [2023, 2024]
    with pytest.raises(medcredit.ArgumentError, match="cycles names 2023 more than once"):
        medcredit.evaluate_cycles(pack, subject, [2023, 2024, 2023])
    with pytest.raises(medcredit.ArgumentError, match="cycle must be a year"):
        medcredit.evaluate_cycles(pack, subject, ["2023"])
