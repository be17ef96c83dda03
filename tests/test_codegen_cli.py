"""The CLI's engines: ``evaluate --engine compiled`` writes the same bytes as ``--engine interpreted``;
``check`` lists which grading paths are compiled and why the others are interpreted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golden_bytes.population import population
from medcredit.cli.main import main

EXAMPLES = Path(__file__).parent.parent / "examples"


def _evaluate(capsys: pytest.CaptureFixture[str], *args: str) -> bytes:
    capsys.readouterr()
    assert main(["evaluate", *args]) == 0
    return capsys.readouterr().out.encode("utf-8")


@pytest.mark.parametrize("extra", [[], ["--no-trace"], ["--format", "text"], ["--override-validity"]])
def test_engines_write_the_same_bytes(capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list[str]) -> None:
    mixed = tmp_path / "mixed.jsonl"
    lines = [json.dumps(s, ensure_ascii=False) for s in population(400, 3)]
    mixed.write_text("\n".join([*lines, (EXAMPLES / "wushan-subjects.jsonl").read_text(encoding="utf-8")]), "utf-8")
    cycle = "2021" if extra == ["--override-validity"] else "2023"
    args = ["--pack", "wushan", "--cycle", cycle, str(mixed), *extra]
    compiled = _evaluate(capsys, *args, "--engine", "compiled")
    assert compiled == _evaluate(capsys, *args, "--engine", "interpreted")
    assert compiled == _evaluate(capsys, *args)  # compiled is the default
    assert b"outpatient_clinic" in compiled  # scorecard subjects were there to compile


def test_check_lists_compiled_and_interpreted_paths(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--today", "2026-11-25", "wushan", "suixian"])
    out = capsys.readouterr().out
    assert "engine: path outpatient_scorecard (outpatient_clinic, retail_pharmacy): compiled" in out
    assert "engine: path inpatient_assessment (hospital_inpatient): compiled" in out
    assert "engine: path risk_classification" in out and "interpreted: the pack keeps lists" in out
