"""The YAML pack-test runner reports file → case → expected vs got, and fails when it should."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medcredit.cli.main import main
from medcredit.diagnostics.errors import ProblemsError
from medcredit.packtests.runner import run_file

FIXTURE = Path(__file__).parent / "fixtures" / "cases" / "wrong.cases.yaml.txt"


@pytest.fixture
def wrong_cases(tmp_path: Path) -> Path:
    target = tmp_path / "wrong.cases.yaml"
    shutil.copy(FIXTURE, target)
    return target


def test_a_wrong_expectation_is_a_difference(wrong_cases: Path) -> None:
    """A case expecting B/80 for a clean pharmacy (A/100) reports both differences with its line."""
    outcomes = list(run_file(wrong_cases))
    first = outcomes[0]
    assert not first.passed
    assert first.line == 3
    rendered = sorted(d.render() for d in first.differences)
    assert rendered == ["grade: expected 'B', got 'A'", "score: expected Decimal('80'), got Decimal('100')"]


def test_a_bad_history_in_a_case_is_located(wrong_cases: Path) -> None:
    """An unknown record kind inside a case is a problem naming the case file's line and a suggestion."""
    second = list(run_file(wrong_cases))[1]
    assert not second.passed
    (problem,) = second.problems
    assert problem.line == 16
    assert problem.suggestion == "interview"


def test_cli_test_command_fails_on_failures(wrong_cases: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`medcredit test FILE` prints FAIL lines with file:line and exits 1."""
    code = main(["test", str(wrong_cases)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"FAIL {wrong_cases}:3 → deliberately wrong grade" in out
    assert "0 passed, 2 failed" in out


def test_cli_test_command_passes_bundled_cases(capsys: pytest.CaptureFixture[str]) -> None:
    """The bundled YAML cases pass through the CLI runner too."""
    code = main(["test", str(Path(__file__).parent / "packs")])
    assert code == 0
    assert " 0 failed" in capsys.readouterr().out


def test_malformed_case_file_is_rejected(tmp_path: Path) -> None:
    """A case file with an unknown key is a ProblemsError with the key's line."""
    bad = tmp_path / "bad.cases.yaml"
    bad.write_text("pack: wushan\ncases:\n  - name: x\n    cycle: 2023\n    expct: {}\n", encoding="utf-8")
    with pytest.raises(ProblemsError) as info:
        list(run_file(bad))
    lines = {p.line for p in info.value.problems}
    assert 5 in lines
