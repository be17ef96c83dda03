"""Impact analysis (``medcredit diff``): transitions, drivers, outputs and streaming.

The sample population is ``examples/wushan-subjects.jsonl`` (cycle 2023).  Under the
bundled Wushan pack its outcomes are: four A (a clean pharmacy at 100; 福康门诊部 at
100 − 5 (10,000.00 recovered and cut) − 5 (one interview) = 90; the community centre at
100 − 5 − 5 = 90 from its village clinic's audit cut and late refund; the township
hospital's assessment 92.5), one B (仁和大药房: 100 − 10 (62,000.50) − 10 (two interviews)
− 10 (suspension) − 5 (late refund) = 65), one C (the hospital assessed 64.99), one D
(永安诊所: 100 − 20 − 20 (two frauds) − 20 (120,000.00 recovered) = 40), three excluded
(opened 2 July, ended voluntarily, not inspected) and one village clinic rolled up.

The fixture ``tests/fixtures/impact/wushan_strict_b.yaml`` only moves the B threshold
from 65 to 70 in both band sets (B [70, 90), C [60, 70)).  The only score in [65, 70) is
仁和大药房's 65, so exactly one subject moves, B → C; 64.99 was C and stays C, and 90 is
still A.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from medcredit.analysis.impact import (
    STATUS_OUTCOMES,
    Impact,
    ImpactAnalysis,
    analyse,
    impact_to_dict,
    impact_to_json,
    pack_differences,
    render_impact_text,
)
from medcredit.analysis.impact_html import render_impact_html
from medcredit.cli.main import main
from medcredit.diagnostics.errors import ValidityError
from medcredit.history.identifiers import uscc_check_char
from medcredit.history.reader import iter_subjects
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import load_pack

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "wushan-subjects.jsonl"
STRICT = ROOT / "tests" / "fixtures" / "impact" / "wushan_strict_b.yaml"
WUSHAN_YAML = ROOT / "src" / "medcredit" / "packs" / "wushan.yaml"

RENHE = "92500237MA5U000031"  # 仁和大药房, scored 65
FUKANG = "92500237MA5U00002X"  # 福康门诊部, scored 90 with one interview
NEW_SHOP = "92500237MA5U00008G"  # opened 2023-07-02: 5 whole months in 2023


@pytest.fixture(scope="module")
def wushan() -> CompiledPack:
    return load_pack("wushan")


@pytest.fixture(scope="module")
def strict() -> CompiledPack:
    return load_pack(STRICT)


@pytest.fixture(scope="module")
def sample_impact(wushan: CompiledPack, strict: CompiledPack) -> Impact:
    return analyse(
        wushan,
        strict,
        iter_subjects(SAMPLE),
        2023,
        old_source="wushan",
        new_source="wushan_strict_b.yaml",
        population="wushan-subjects.jsonl",
    )


def _uscc(n: int) -> str:
    body = f"92500237MA5U{n:05d}"
    return body + uscc_check_char(body)


def _variant(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    """A copy of the bundled Wushan pack with exact text replacements (each must match once)."""
    text = WUSHAN_YAML.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "variant.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_fixture_only_changes_band_ranges(wushan: CompiledPack, strict: CompiledPack) -> None:
    """The strict fixture is a valid Wushan pack differing only in the two band sets' ranges."""
    changes = pack_differences(wushan.model, strict.model)
    assert [(c.section, c.id, c.change, c.fields) for c in changes] == [
        ("bands", "assessment_grades", "changed", ("bands",)),
        ("bands", "scorecard_grades", "changed", ("bands",)),
    ]
    assert strict.id == wushan.id == "wushan"
    assert strict.content_hash != wushan.content_hash
    assert [b.range for b in strict.model.bands["scorecard_grades"].bands] == [
        "[90, +inf)",
        "[70, 90)",
        "[60, 70)",
        "(-inf, 60)",
    ]


def test_sample_transition_counts(sample_impact: Impact) -> None:
    """On the sample, a B threshold of 70 moves exactly one subject (score 65) from B to C."""
    impact = sample_impact
    assert impact.labels == ("A", "B", "C", "D", *STATUS_OUTCOMES)
    assert impact.nonzero() == {
        ("A", "A"): 4,
        ("B", "C"): 1,
        ("C", "C"): 1,
        ("D", "D"): 1,
        ("excluded", "excluded"): 3,
        ("rolled_up", "rolled_up"): 1,
    }
    assert (impact.subjects, impact.evaluated, impact.rejected) == (11, 11, 0)
    assert (impact.changed, impact.unchanged, impact.improved, impact.worsened) == (1, 10, 0, 1)
    assert impact.distribution("old") == {
        "A": 4,
        "B": 1,
        "C": 1,
        "D": 1,
        "excluded": 3,
        "not_evaluable": 0,
        "out_of_scope": 0,
        "rolled_up": 1,
        "failed": 0,
        "rejected": 0,
    }
    assert impact.distribution("new")["B"] == 0
    assert impact.distribution("new")["C"] == 2


def test_sample_drivers_and_examples(sample_impact: Impact) -> None:
    """The B → C move is driven by the scorecard band set (same score 65, new grade), not by any rule."""
    [driver] = sample_impact.drivers
    assert (driver.kind, driver.ref, driver.detail, driver.subjects) == (
        "band_set",
        "scorecard_grades",
        "bands_changed",
        1,
    )
    assert driver.transitions == (("B", "C", 1),)
    [transition] = sample_impact.transitions
    assert (transition.old, transition.new, transition.subjects) == ("B", "C", 1)
    [example] = transition.examples
    assert example.subject_id == RENHE
    assert example.where.endswith("wushan-subjects.jsonl:3")
    assert str(example.old_score) == str(example.new_score) == "65"
    assert example.drivers == ("band_set:scorecard_grades",)


def test_rule_and_exclusion_drivers(tmp_path: Path, wushan: CompiledPack) -> None:
    """Doubling the interview deduction and relaxing the 6-month exclusion is attributed per element.

    Interview at 10 points: 福康门诊部 90 → 85 (A → B), 仁和大药房 65 → 55 (B → D; two
    interviews).  Exclusion at < 5 months: the shop opened 2 July has 5 whole months, so it
    is graded (100, A) instead of excluded.
    """
    path = _variant(
        tmp_path,
        ("    fact: interviews\n    per_occurrence: 5\n", "    fact: interviews\n    per_occurrence: 10\n"),
        ("    when: operated_months_in_cycle < 6\n", "    when: operated_months_in_cycle < 5\n"),
    )
    impact = analyse(wushan, load_pack(path), iter_subjects(SAMPLE), 2023)
    moved = {(a, b): n for (a, b), n in impact.nonzero().items() if a != b}
    assert moved == {("A", "B"): 1, ("B", "D"): 1, ("excluded", "A"): 1}
    assert (impact.changed, impact.improved, impact.worsened) == (3, 0, 2)
    assert [(d.kind, d.ref, d.detail, d.subjects, d.transitions) for d in impact.drivers] == [
        ("rule", "interview", "points_changed", 2, (("A", "B", 1), ("B", "D", 1))),
        ("exclusion", "operated_under_six_months", "fired_in_old_only", 1, (("excluded", "A", 1),)),
    ]
    examples = {(t.old, t.new): [e.subject_id for e in t.examples] for t in impact.transitions}
    assert examples == {("A", "B"): [FUKANG], ("B", "D"): [RENHE], ("excluded", "A"): [NEW_SHOP]}
    assert [(c.section, c.id, c.fields) for c in impact.pack_changes] == [
        ("exclusions", "operated_under_six_months", ("when",)),
        ("rules", "interview", ("per_occurrence",)),
    ]


def test_same_pack_changes_nothing(wushan: CompiledPack) -> None:
    """A pack compared with itself: everything on the diagonal, no drivers, no pack differences."""
    impact = analyse(wushan, wushan, iter_subjects(SAMPLE), 2023)
    assert impact.changed == 0
    assert impact.transitions == ()
    assert impact.drivers == ()
    assert impact.pack_changes == ()
    assert all(a == b for a, b in impact.nonzero())


MEASURE = """  - id: hosp_a_prepayment
    grades: [A]
    categories: [hospital_inpatient]
    kind: prepayment_standard_adjustment
    params: {change: {min: 1, max: 10, unit: percentage_points}}
    mandatory: false
    effect: {zh: 次年基金预付标准可上调1~10个百分点, en: next year's prepayment standard may rise 1-10 points}
    cite: {article: 第二十一条, quote: 4.次年基金预付标准可上调1~10个百分点。}
"""
NEVER_OPEN = """  - id: never_open
    when: operated_months_in_cycle == 0
    reason: {zh: 评价年度内未营业, en: did not operate in the cycle}
    cite: {article: 第十九条, quote: （四）评价年度内营业时间不足6个月的。}
"""


def test_pack_differences_added_and_removed(tmp_path: Path, wushan: CompiledPack) -> None:
    """Pack differences name elements added and removed, not only changed ones."""
    path = _variant(
        tmp_path,
        (
            "    rules: [recovered_amount, interview, agreement_suspension, late_refund, fraud]\n",
            "    rules: [recovered_amount, agreement_suspension, late_refund, fraud]\n",
        ),
        (MEASURE, ""),
        ("paths:\n", NEVER_OPEN + "\npaths:\n"),
    )
    changes = pack_differences(wushan.model, load_pack(path).model)
    assert [(c.section, c.id, c.change, c.fields) for c in changes] == [
        ("exclusions", "never_open", "added", ()),
        ("paths", "outpatient_scorecard", "changed", ("rules",)),
        ("measures", "hosp_a_prepayment", "removed", ()),
    ]


def test_json_is_deterministic(wushan: CompiledPack, strict: CompiledPack, sample_impact: Impact) -> None:
    """Two independent analyses of the same inputs serialise to the same bytes; the JSON is plain data."""
    again = analyse(
        wushan,
        strict,
        iter_subjects(SAMPLE),
        2023,
        old_source="wushan",
        new_source="wushan_strict_b.yaml",
        population="wushan-subjects.jsonl",
    )
    first, second = impact_to_json(sample_impact).encode(), impact_to_json(again).encode()
    assert first == second
    body = json.loads(first)
    assert body == impact_to_dict(sample_impact)
    assert body["format"] == "medcredit.impact/1"
    assert body["summary"]["changed"] == 1
    assert body["matrix"][1][2] == 1  # B → C
    assert body["transitions"][0]["examples"][0] == {
        "subject": RENHE,
        "name": "仁和大药房",
        "where": f"{SAMPLE}:3",
        "old_score": "65",
        "new_score": "65",
        "drivers": ["band_set:scorecard_grades"],
    }


def test_html_is_self_contained(sample_impact: Impact) -> None:
    """The HTML report has a well-formed inline SVG chart and the matrix, and loads nothing from outside."""
    page = render_impact_html(sample_impact)
    assert page.startswith("<!DOCTYPE html>")
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    svg = ET.fromstring(page[start:end])
    bars = [el for el in svg if el.tag.endswith("rect") and el.find("{http://www.w3.org/2000/svg}title") is not None]
    assert len(bars) == 2 * len(sample_impact.labels)  # old and new bar per outcome
    assert '<table class="matrix">' in page
    assert '<td class="n moved" title="B → C">1</td>' in page
    assert '<td class="n diag" title="A → A">4</td>' in page
    assert "scorecard_grades" in page
    assert RENHE in page
    assert "<script" not in page
    assert "<link" not in page
    assert "src=" not in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_html_and_text_escape(wushan: CompiledPack, strict: CompiledPack) -> None:
    """Text taken from inputs (here the population's name) is HTML-escaped in the report."""
    impact = analyse(wushan, strict, iter_subjects(SAMPLE), 2023, population='<b>"pop" & co</b>')
    page = render_impact_html(impact)
    assert "<b>" not in page
    assert "&lt;b&gt;&quot;pop&quot; &amp; co&lt;/b&gt;" in page
    assert '<b>"pop" & co</b>' in render_impact_text(impact)


def test_text_report(sample_impact: Impact) -> None:
    """The text report has the summary, an aligned matrix, the drivers and the examples."""
    text = render_impact_text(sample_impact)
    assert "changed: 1 (improved 0, worsened 1, other 0); unchanged: 10" in text
    lines = text.splitlines()
    header = next(line for line in lines if line.strip().startswith("old \\ new"))
    row_b = next(line for line in lines if line.startswith("  B "))
    # columns are right-aligned under their headers: B's C cell (1) ends where the "C" header ends
    assert header.split()[3:7] == ["A", "B", "C", "D"]
    assert row_b[header.index(" C ") + 1] == "1"
    assert "band_set  scorecard_grades  bands_changed  1" in text
    assert f"    {RENHE} 仁和大药房  score 65 → 65  [band_set:scorecard_grades]" in text


def test_validity_is_checked_before_reading(wushan: CompiledPack, strict: CompiledPack) -> None:
    """A cycle outside a pack's validity fails before any subject is read, unless overridden."""

    def never() -> Any:
        raise AssertionError("the population must not be read")
        yield

    with pytest.raises(ValidityError, match="cycle 2022"):
        analyse(wushan, strict, never(), 2022)
    impact = analyse(wushan, strict, iter_subjects(SAMPLE), 2022, override_validity=True)
    assert impact.validity_overridden
    assert impact.subjects == 11


def test_cli_text_json_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``medcredit diff`` prints text by default, deterministic JSON on request, writes the HTML, exits 0."""
    html = tmp_path / "impact.html"
    argv = ["diff", "wushan", str(STRICT), "--population", str(SAMPLE), "--cycle", "2023"]
    assert main([*argv, "--html", str(html)]) == 0
    text = capsys.readouterr().out
    assert "transition matrix (rows: old, columns: new)" in text
    assert "B → C: 1" in text
    assert "<svg" in html.read_text(encoding="utf-8")
    assert main([*argv, "--format", "json"]) == 0
    first = capsys.readouterr().out
    assert main([*argv, "--format", "json"]) == 0
    assert capsys.readouterr().out == first
    assert json.loads(first)["summary"]["changed"] == 1


def test_cli_outside_validity_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --override-validity, a cycle before Wushan's validity is a clear error (exit 2)."""
    argv = ["diff", "wushan", str(STRICT), "--population", str(SAMPLE), "--cycle", "2022"]
    assert main(argv) == 2
    assert "outside the validity" in capsys.readouterr().err
    assert main([*argv, "--override-validity"]) == 0


def _population(path: Path) -> None:
    """2,000 input lines: 1,800 pharmacies, 198 hospitals and 2 malformed lines.

    Pharmacy ``i`` has one inspection and ``i % 10`` interviews, so its score is
    100 − 5k: k 0–2 → 100/95/90 (A), k 3–7 → 85…65 (B; strict: 85…70 B, 65 C), k 8 → 60 (C),
    k 9 → 55 (D), 180 of each k.  The first 100 hospitals are assessed 67 (B; strict: C),
    the other 98 are assessed 95 (A).
    """
    with path.open("w", encoding="utf-8") as out:
        for i in range(1800):
            records: list[dict[str, Any]] = [{"kind": "inspection", "date": "2023-03-01"}]
            records += [{"kind": "interview", "date": "2023-05-01"}] * (i % 10)
            subject = {"id": _uscc(i), "category": "retail_pharmacy", "opened": "2015-01-01", "records": records}
            out.write(json.dumps(subject) + "\n")
            if i == 900:
                out.write('{"id": "broken", \n')
        for j in range(198):
            score = "67" if j < 100 else "95"
            subject = {
                "id": _uscc(5000 + j),
                "category": "hospital_inpatient",
                "opened": "2005-01-01",
                "records": [
                    {"kind": "inspection", "date": "2023-05-05"},
                    {"kind": "annual_assessment", "date": "2024-03-01", "year": 2023, "score": score},
                ],
            }
            out.write(json.dumps(subject) + "\n")
        out.write('{"id": "x", "category": "no_such_category"}\n')


class _Terminal(io.StringIO):
    """A stderr that claims to be a terminal, so the progress bar is drawn."""

    def isatty(self) -> bool:
        return True


def test_cli_streams_a_large_population(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A generated 2,000-line JSONL population streams through with a progress bar and exact counts."""
    population = tmp_path / "population.jsonl"
    _population(population)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    html = tmp_path / "report.html"
    argv = ["diff", "wushan", str(STRICT), "--population", str(population), "--cycle", "2023"]
    # the two rejected lines make it exit 1, as evaluate does (README: rejected subjects are 1)
    assert main([*argv, "--format", "json", "--html", str(html)]) == 1
    body = json.loads(capsys.readouterr().out)
    progress = terminal.getvalue()
    size = population.stat().st_size
    # the progress line closes at all bytes read of the file's size (its time values are not asserted),
    # then the batch's account (issue 11) with the time taken is the last line
    last, account = progress.rsplit("\r", 1)[1].splitlines()
    total = f"{size / 1024:.1f} KB"
    assert re.fullmatch(
        rf"compared: 2,000 subjects · {re.escape(total)} of {re.escape(total)} \(100%\) · [0-9.]+ [KMG]?B/s"
        r" · ETA \d+:\d\d\x1b\[K",
        last,
    ), last
    assert re.fullmatch(
        r"medcredit: 2000 inputs: 1998 evaluated, 2 rejected, 0 failed, 0 blank lines skipped; [0-9.]+ s"
        r" \(see above\)",
        account,
    )
    assert "history-json" in progress  # the rejected lines are reported on stderr
    labels = body["labels"]
    cells = {(labels[i], labels[j]): n for i, row in enumerate(body["matrix"]) for j, n in enumerate(row) if n}
    assert cells == {
        ("A", "A"): 540 + 98,
        ("B", "B"): 720,
        ("B", "C"): 180 + 100,
        ("C", "C"): 180,
        ("D", "D"): 180,
        ("rejected", "rejected"): 2,
    }
    assert body["summary"] == {
        "subjects": 2000,
        "evaluated": 1998,
        "rejected": 2,
        "failed": 0,
        "changed": 280,
        "unchanged": 1720,
        "improved": 0,
        "worsened": 280,
    }
    assert [(d["ref"], d["subjects"]) for d in body["drivers"]] == [
        ("scorecard_grades", 180),
        ("assessment_grades", 100),
    ]
    [transition] = body["transitions"]
    # at most five examples, the first B → C subjects in input order: pharmacies 7, 17, 27, 37, 47
    assert [e["subject"] for e in transition["examples"]] == [_uscc(i) for i in (7, 17, 27, 37, 47)]
    assert "<svg" in html.read_text(encoding="utf-8")


def test_accumulator_keeps_bounded_examples(wushan: CompiledPack, strict: CompiledPack, tmp_path: Path) -> None:
    """Incremental use keeps at most ``max_examples`` ids per transition, whatever the population size."""
    population = tmp_path / "population.jsonl"
    _population(population)
    analysis = ImpactAnalysis(wushan, strict, 2023, max_examples=2)
    for item in iter_subjects(population):
        analysis.add(item)
    impact = analysis.finish()
    assert impact.count("B", "C") == 280
    assert [len(t.examples) for t in impact.transitions] == [2]


def _dividing_pack(tmp_path: Path) -> Path:
    """The minimal fixture with its exclusion's condition dividing by the number of inspections."""
    text = (Path(__file__).parent / "fixtures" / "minimal_pack.yaml").read_text("utf-8")
    assert text.count("when: inspections == 0") == 1
    path = tmp_path / "div.yaml"
    path.write_text(text.replace("when: inspections == 0", "when: 1 / inspections == 0"), "utf-8")
    return path


def test_a_subject_failing_under_one_pack_is_a_change_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A subject excluded under the old pack whose evaluation fails under the new one used to be counted as
    rejected → rejected, i.e. "unchanged", with exit 0: the report said no subject changed."""
    old = Path(__file__).parent / "fixtures" / "minimal_pack.yaml"
    population = tmp_path / "p.jsonl"
    population.write_text('{"id":"A","category":"retail_pharmacy","records":[]}\n', "utf-8")
    args = ["diff", str(old), str(_dividing_pack(tmp_path)), "--population", str(population), "--cycle", "2023"]
    assert main([*args, "--format", "json"]) == 1
    captured = capsys.readouterr()
    body = json.loads(captured.out)
    assert body["summary"]["changed"] == 1 and body["summary"]["failed"] == 1 and body["summary"]["unchanged"] == 0
    labels = body["labels"]
    cells = {(labels[i], labels[j]): n for i, row in enumerate(body["matrix"]) for j, n in enumerate(row) if n}
    assert cells == {("excluded", "failed"): 1}
    assert f"{population}:1: [error] subject A: ExpressionError" in captured.err
    assert "DivisionByZero" in captured.err and "1 failed" in captured.err
    html = tmp_path / "report.html"
    assert main([*args, "--html", str(html)]) == 1
    out = capsys.readouterr().out
    assert "failed 1" in out and "(none: every subject that changed failed under a pack)" in out
    assert "Every subject that changed outcome failed under one of the packs" in html.read_text("utf-8")


def test_a_population_of_rejected_lines_only_is_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    population = tmp_path / "p.jsonl"
    population.write_text("{bad\n", "utf-8")
    assert main(["diff", "wushan", "wushan", "--population", str(population), "--cycle", "2023"]) == 1
    assert "(history-json)" in capsys.readouterr().err


def test_compare_keeps_the_other_packs_rows_of_a_failing_subject(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """compare used to drop every row of a subject failing under one pack, the good packs' rows too."""
    old = Path(__file__).parent / "fixtures" / "minimal_pack.yaml"
    population = tmp_path / "p.jsonl"
    population.write_text('{"id":"A","category":"retail_pharmacy","records":[]}\n', "utf-8")
    args = ["compare", str(population), "--cycle", "2023", "--pack", str(old), "--pack", str(_dividing_pack(tmp_path))]
    assert main([*args, "--format", "json"]) == 1
    captured = capsys.readouterr()
    rows = json.loads(captured.out)["results"]
    assert [r["status"] for r in rows] == ["excluded", "failed"]
    assert "DivisionByZero" in rows[1]["note"]
    assert "div.yaml" in captured.err and "1 failed" in captured.err
