"""Pack format part 1: severity, points and honour levels on records, records in force, as-of and rolling
evaluation, score arithmetic, overrides and linked persons as subjects.

The YAML cases in fixtures/capabilities/ test each construct at its boundaries against the words of the
fixture document (capabilities.txt); this file tests what cases cannot: located errors for bad packs and
histories, argument errors, the JSON shape, the CLI, caching and the API.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

import medcredit
from medcredit.diagnostics.errors import ArgumentError, HistoryError, ProblemsError
from medcredit.engine.evaluation import Evaluator
from medcredit.engine.linked import linked_subjects
from medcredit.engine.window import evaluation_point
from medcredit.pack.dynamic import CScore
from medcredit.pack.loader import validate_pack_text
from medcredit.render.output import render_text, to_json
from medcredit.trace.steps import OverrideStep, ScoreStep, WindowStep

CAPS = Path(__file__).parent / "fixtures" / "capabilities"
DYNAMIC = CAPS / "dynamic_scorecard.yaml"
ROLLING = CAPS / "rolling.yaml"
GUANGDONG = CAPS / "guangdong_shaped.yaml"
PHARMACY = "92500237MA00000016"
PERSON = "500237196304040036"


def _subject(records: list[dict[str, Any]], category: str = "retail_pharmacy", **extra: Any) -> medcredit.Subject:
    ident = PHARMACY if category in ("retail_pharmacy", "hospital_inpatient") else PERSON
    return medcredit.load_subject({"id": ident, "category": category, "records": records, **extra})


def _violation(day: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "violation", "date": day, "code": "inst_excessive_services", **fields}


# ----------------------------------------------------------------------------- histories


def test_severity_accepts_the_chinese_words_and_stores_the_ids() -> None:
    s = _subject([_violation("2025-01-01", severity="严重"), _violation("2025-01-02", severity="一般")])
    assert [r.severity for r in s.records] == ["serious", "general"]


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        (_violation("2025-01-01", severity="grave"), "severity"),
        ({"kind": "honour", "date": "2025-01-01", "level": "excellent"}, "not a level of an honour"),
        ({"kind": "annual_assessment", "date": "2025-01-01", "year": 2024, "level": "city"}, "annual assessment"),
        (_violation("2025-01-01", points="1.005"), "points"),
        (_violation("2025-03-01", publicity_end="2025-02-01"), "publicity_end"),
        ({"kind": "inspection", "date": "2025-01-01", "severity": "minor"}, "do not apply"),
    ],
)
def test_bad_dynamic_fields_are_located_history_errors(record: dict[str, Any], fragment: str) -> None:
    with pytest.raises(HistoryError) as err:
        _subject([record])
    text = str(err.value) + " ".join(p.message for p in err.value.problems)
    assert fragment in text
    assert any("records" in str(p.path) for p in err.value.problems)


# ----------------------------------------------------------------------------- packs that do not compile


def _pack_with(tmp_path: Path, change: Any, source: Path = DYNAMIC) -> Path:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    target = tmp_path / source.name
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (tmp_path / "capabilities.txt").write_text((CAPS / "capabilities.txt").read_text(encoding="utf-8"), "utf-8")
    return target


def _rule(data: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rid)


def _path(data: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(p for p in data["paths"] if p["id"] == pid)


BAD_PACKS = {
    "table-incomplete": lambda d: _rule(d, "dishonesty_by_severity")["table"].pop(1),
    "table-row": lambda d: _rule(d, "dishonesty_by_severity")["table"][0].update(level="city"),
    "window-unit": lambda d: d["record_windows"][0].update(years=1),
    "window-shadowed": lambda d: d["record_windows"].insert(
        0, {"id": "everything", "months": 6, "cite": d["record_windows"][0]["cite"]}
    ),
    "cycle-months": lambda d: d["cycle"].update(months=12),
    "override-action": lambda d: _path(d, "institutions")["overrides"][0].update(best="B"),
    "unknown-grade": lambda d: _path(d, "institutions")["overrides"][0].update(grade="Z"),
    "score-clamp": lambda d: _path(d, "institutions")["score"].update(min=100, max=0),
    "score-clamp-bands": lambda d: _path(d, "institutions")["score"].update(min=-5),
    "score-missing": lambda d: _path(d, "institutions")["score"].update(missing="not_evaluable"),
    "rule-fact-type": lambda d: _rule(d, "staff_points_deduction").update(fact="dishonesty"),
    "unknown-severity": lambda d: d["facts"][1]["match"]["where"].update(severity="grave"),
    "expression": lambda d: _path(d, "institutions")["overrides"][0].update(when="listed_nonsense"),
}


@pytest.mark.parametrize("code", sorted(BAD_PACKS))
def test_a_malformed_dynamic_construct_is_a_located_load_error(code: str, tmp_path: Path) -> None:
    target = _pack_with(tmp_path, BAD_PACKS[code])
    with pytest.raises(ProblemsError) as err:
        medcredit.load_pack(target)
    problems = err.value.problems
    assert code in {p.code for p in problems}, [(p.code, p.message) for p in problems]
    located = [p for p in problems if p.code == code]
    assert all(p.line and p.line > 0 for p in located), located


def test_unknown_name_error_lists_the_names_an_override_may_use(tmp_path: Path) -> None:
    target = _pack_with(tmp_path, BAD_PACKS["expression"])
    with pytest.raises(ProblemsError) as err:
        medcredit.load_pack(target)
    message = next(p.message for p in err.value.problems if p.code == "expression")
    for name in ("listed_serious", "grade", "score", "as_of", "terminated", "operated_months_in_cycle"):
        assert name in message


def test_an_override_after_an_unconditional_fix_is_reported_unreachable(tmp_path: Path) -> None:
    def always_first(d: dict[str, Any]) -> None:
        _path(d, "institutions")["overrides"][0]["when"] = "True"

    target = _pack_with(tmp_path, always_first)
    pack, problems = validate_pack_text(target.read_text(encoding="utf-8"), str(target))
    assert pack is not None
    assert [p.level for p in problems if p.code == "override-unreachable"] == ["warning"] * 4


# ----------------------------------------------------------------------------- when an evaluation looks


def test_as_of_is_refused_for_a_calendar_year_pack() -> None:
    pack = medcredit.load_pack("wushan")
    with pytest.raises(ArgumentError, match="calendar-year"):
        medcredit.evaluate(pack, _subject([]), as_of=dt.date(2023, 6, 30))


@pytest.mark.parametrize(
    ("cycle", "as_of", "fragment"),
    [
        (None, None, "give the cycle"),
        (2024, dt.date(2025, 1, 1), "disagree"),
        (None, "2025-01-01", "datetime.date"),
        (None, dt.datetime(2025, 1, 1, 12), "datetime.date"),
        (None, dt.date(1800, 1, 1), "out of range"),
    ],
)
def test_bad_evaluation_dates_are_argument_errors(cycle: Any, as_of: Any, fragment: str) -> None:
    pack = medcredit.load_pack(DYNAMIC)
    with pytest.raises(ArgumentError, match=fragment):
        medcredit.evaluate(pack, _subject([]), cycle, as_of=as_of)


def test_a_year_means_its_last_day_for_an_as_of_pack() -> None:
    pack = medcredit.load_pack(DYNAMIC)
    assert evaluation_point(pack, 2025, None).end == dt.date(2025, 12, 31)
    by_year = medcredit.evaluate(pack, _subject([_violation("2025-10-01", severity="minor")]), 2025)
    by_date = medcredit.evaluate(
        pack, _subject([_violation("2025-10-01", severity="minor")]), as_of=dt.date(2025, 12, 31)
    )
    assert to_json(by_year, pack) == to_json(by_date, pack)


def test_json_states_the_window_only_for_date_packs() -> None:
    rolling = medcredit.load_pack(ROLLING)
    result = medcredit.evaluate(rolling, _subject([]), as_of=dt.date(2025, 6, 30))
    data = json.loads(to_json(result, rolling))
    assert data["as_of"] == "2025-06-30"
    assert data["window"] == {"from": "2024-07-01", "to": "2025-06-30"}
    assert "window 2024-07-01 to 2025-06-30" in render_text(result, rolling, "en")
    wushan = medcredit.load_pack("wushan")
    plain = json.loads(to_json(medcredit.evaluate(wushan, _subject([]), 2023), wushan))
    assert "as_of" not in plain and "window" not in plain


def test_records_out_of_force_are_one_step_per_window_and_day_citing_the_window() -> None:
    pack = medcredit.load_pack(DYNAMIC)
    records = [
        _violation("2025-01-15", severity="minor"),
        _violation("2024-01-15", severity="general"),
        _violation("2025-01-15", severity="minor", id="twin"),
    ]
    result = medcredit.evaluate(pack, _subject(records), as_of=dt.date(2025, 6, 30))
    windows = [s for s in result.steps if isinstance(s, WindowStep)]
    assert [(s.ref, s.records, s.last_day) for s in windows] == [
        ("general_publicity", (1,), dt.date(2025, 1, 15)),
        ("minor_publicity", (0, 2), dt.date(2025, 4, 15)),
    ]
    assert windows[0].cite is not None and "一般失信信息公示期为1年" in windows[0].cite.quote
    assert "no longer in force (window minor_publicity, in force until 2025-04-15)" in render_text(result, pack, "en")


# ----------------------------------------------------------------------------- score arithmetic


@pytest.mark.parametrize(
    ("mode", "value", "expected"),
    [
        ("half_up", "99.485", "99.49"),
        ("half_even", "99.485", "99.48"),
        ("half_even", "99.495", "99.50"),
        ("down", "99.489", "99.48"),
        ("up", "99.481", "99.49"),
        ("half_up", "-0.005", "0.00"),
        ("half_up", "100.004", "100.00"),
        ("half_up", "101", "100.00"),
    ],
)
def test_rounding_comes_first_then_the_limits(mode: str, value: str, expected: str) -> None:
    spec = CScore(Decimal(0), Decimal(100), Decimal("0.01"), mode, False, None)
    assert str(spec.finish(Decimal(value))) == expected


def test_a_score_step_shows_the_score_before_and_after() -> None:
    pack = medcredit.load_pack(DYNAMIC)
    honours = [{"kind": "honour", "date": "2025-01-01", "level": "national"}]
    result = medcredit.evaluate(pack, _subject(honours), as_of=dt.date(2025, 6, 30))
    step = next(s for s in result.steps if isinstance(s, ScoreStep))
    assert (step.before, str(step.after)) == (Decimal(112), "100.00")
    assert step.cite is not None and step.cite.article == "第三条"


# ----------------------------------------------------------------------------- overrides


def test_a_preceded_override_is_reported_not_applied() -> None:
    pack = medcredit.load_pack(DYNAMIC)
    records = [
        _violation("2025-05-01", severity="serious"),
        {"kind": "agreement_termination", "date": "2025-06-01", "reason": "violation"},
    ]
    result = medcredit.evaluate(pack, _subject(records), as_of=dt.date(2025, 6, 30))
    steps = {s.ref: s for s in result.steps if isinstance(s, OverrideStep)}
    assert steps["serious_fixed"].matched
    assert steps["terminated_lowest"].skipped == "preceded:serious_fixed"
    assert steps["listed_d"].skipped == "preceded:serious_fixed"
    assert result.grade == "D" and result.score == Decimal(60)


def test_overrides_and_windows_enter_the_cache_key() -> None:
    """A shared cache gives every subject the result it would get alone (as-of dates, severities, points)."""
    pack = medcredit.load_pack(DYNAMIC)
    shared = Evaluator(pack)
    histories = [[_violation("2025-01-15", severity=s)] for s in ("minor", "general", "serious")] + [
        [_violation("2025-01-15", severity="minor", publicity_end="2025-12-31")],
        [_violation("2025-01-15", points="2")],
    ]
    for day in (dt.date(2025, 4, 15), dt.date(2025, 4, 16), dt.date(2026, 2, 1)):
        for records in histories:
            for category in ("retail_pharmacy", "physician"):
                subject = _subject(records, category)
                alone = medcredit.evaluate(pack, subject, as_of=day)
                assert to_json(shared.evaluate(subject, as_of=day), pack) == to_json(alone, pack)


# ----------------------------------------------------------------------------- linked persons


def _institution_with_people() -> medcredit.Subject:
    return medcredit.load_subject(
        {
            "id": PHARMACY,
            "category": "retail_pharmacy",
            "records": [{"kind": "serious_list_entry", "date": "2025-02-01"}],
            "linked_persons": [
                {
                    "role": "legal_representative",
                    "id": PERSON,
                    "name": "张某",
                    "records": [_violation("2025-03-01", severity="general")],
                },
                {"role": "directly_responsible", "id": "500237198001010015"},
            ],
        }
    )


def test_linked_persons_become_subjects_graded_under_their_role() -> None:
    pack = medcredit.load_pack(GUANGDONG)
    people = linked_subjects(_institution_with_people())
    assert [(p.id, p.category.value, len(p.records)) for p in people] == [
        (PERSON, "legal_representative", 1),
        ("500237198001010015", "responsible_person", 0),
    ]
    results = [medcredit.evaluate(pack, p, as_of=dt.date(2025, 6, 30)) for p in people]
    assert [(r.path, r.grade, str(r.score)) for r in results] == [
        ("individuals", "C", "79"),
        ("individuals", "B", "85"),
    ]
    assert linked_subjects(people[0]) == ()


def test_cli_evaluates_linked_persons_as_of_a_date(tmp_path: Path) -> None:
    history = tmp_path / "h.jsonl"
    history.write_text(_institution_with_people().model_dump_json() + "\n", encoding="utf-8")
    summary = tmp_path / "summary.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "medcredit",
            "evaluate",
            "--pack",
            str(GUANGDONG),
            "--as-of",
            "2025-06-30",
            "--linked",
            "--format",
            "jsonl",
            "--summary-json",
            str(summary),
            str(history),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(x["subject"]["id"], x["grade"], x["as_of"]) for x in lines] == [
        (PHARMACY, "E", "2025-06-30"),
        (PERSON, "C", "2025-06-30"),
        ("500237198001010015", "B", "2025-06-30"),
    ]
    account = json.loads(summary.read_text(encoding="utf-8"))
    assert (account["inputs"], account["results"], account["linked_results"], account["balanced"]) == (1, 1, 2, True)
    assert "and 2 linked persons" in done.stderr


def test_cli_as_of_on_a_calendar_pack_is_a_usage_error(tmp_path: Path) -> None:
    history = tmp_path / "h.jsonl"
    history.write_text(json.dumps({"id": PHARMACY, "category": "retail_pharmacy"}) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "medcredit", "evaluate", "--pack", "wushan", "--as-of", "2025-06-30", str(history)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "calendar-year" in done.stderr and "Traceback" not in done.stderr


def test_a_spreadsheet_carries_severity_points_level_and_publicity_end(tmp_path: Path) -> None:
    sheet = tmp_path / "h.csv"
    sheet.write_text(
        "主体编号,主体类别,记录类型,记录日期,违规代码,严重程度,记分,公示截止日期,等次或级别\n"
        f"{PHARMACY},retail_pharmacy,violation,2025-01-15,inst_excessive_services,一般,3,2025-12-31,\n"
        f"{PHARMACY},retail_pharmacy,honour,2025-02-01,,,,,省级\n",
        encoding="utf-8",
    )
    (subject,) = [item.subject for item in medcredit.iter_subjects(sheet)]
    violation, honour = subject.records
    assert (violation.severity, violation.points, violation.publicity_end) == (
        "general",
        Decimal(3),
        dt.date(2025, 12, 31),
    )
    assert honour.level == "provincial"


def test_a_score_fix_after_a_grade_only_fix_is_a_warning(tmp_path: Path) -> None:
    """Listed → D before "D with 60 points": a serious subject that is also listed would keep its score."""

    def grade_only_first(d: dict[str, Any]) -> None:
        overrides = _path(d, "institutions")["overrides"]
        overrides.insert(0, overrides.pop(2))  # listed_d first

    target = _pack_with(tmp_path, grade_only_first)
    pack, problems = validate_pack_text(target.read_text(encoding="utf-8"), str(target))
    assert pack is not None
    assert [p.level for p in problems if p.code == "override-order"] == ["warning"]
    _pack, clean = validate_pack_text(DYNAMIC.read_text(encoding="utf-8"), str(DYNAMIC))
    assert not [p for p in clean if p.code == "override-order"]
