"""A standard output whose encoding cannot hold Chinese text (PYTHONIOENCODING=ascii, latin-1): one line
saying what to set, exit 2, never a UnicodeEncodeError traceback part way through the output (robustness)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from medcredit.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SUBJECTS = str(ROOT / "examples" / "wushan-subjects.jsonl")
PHARMACY = str(ROOT / "examples" / "one-pharmacy.json")


def _stdout(monkeypatch: pytest.MonkeyPatch, encoding: str) -> io.BytesIO:
    raw = io.BytesIO()
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(raw, encoding=encoding, write_through=True))
    return raw


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize(
    "argv",
    [
        ["evaluate", "--pack", "wushan", "--cycle", "2023", SUBJECTS, "--format", "summary"],
        ["evaluate", "--pack", "wushan", "--cycle", "2023", SUBJECTS],
        ["explain", "--pack", "wushan", "--cycle", "2023", PHARMACY],
        ["compare", SUBJECTS, "--cycle", "2023"],
        ["diff", "wushan", "wushan", "--population", SUBJECTS, "--cycle", "2023"],
    ],
    ids=["summary", "jsonl", "explain", "compare", "diff"],
)
def test_a_streaming_command_is_refused_before_writing_anything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], encoding: str, argv: list[str]
) -> None:
    raw = _stdout(monkeypatch, encoding)
    assert main(["--lang", "en", *argv]) == 2
    assert raw.getvalue() == b""
    err = capsys.readouterr().err
    assert err.startswith("medcredit: standard output is ") and "PYTHONIOENCODING=utf-8" in err
    assert err.count("\n") == 1


def test_any_other_command_says_the_same_when_its_output_cannot_be_encoded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command that writes at the end (deadline names its rule in Chinese) is caught at the top."""
    _stdout(monkeypatch, "ascii")
    assert main(["--lang", "en", "deadline", "--pack", "liaoning", "objection_verification", "2023-09-28"]) == 2
    err = capsys.readouterr().err
    assert "standard output is ascii" in err and "Traceback" not in err


def test_an_output_that_replaces_what_it_cannot_encode_is_not_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = io.BytesIO()
    monkeypatch.setattr(
        "sys.stdout", io.TextIOWrapper(raw, encoding="ascii", errors="backslashreplace", write_through=True)
    )
    assert main(["evaluate", "--pack", "wushan", "--cycle", "2023", SUBJECTS, "--format", "summary"]) == 0
    assert b"\\u" in raw.getvalue()
