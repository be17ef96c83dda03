"""Tests of the ``medcredit`` command line: exit codes, parsable problems, outputs, no tracebacks (cli)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from medcredit.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
WUSHAN = ROOT / "policies" / "wushan.yaml"
EXAMPLES = ROOT / "examples" / "wushan-subjects.jsonl"
FIXTURES = Path(__file__).parent / "fixtures"
BAD_PACKS = FIXTURES / "bad_packs"
HISTORIES = FIXTURES / "bad_histories"

PROBLEM_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \[(?P<level>error|warning)\] (?P<msg>.+) \((?P<code>[a-z0-9-]+)\)$"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``main(argv)`` in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [i for i, line in enumerate(lines, start=1) if needle in line and not line.startswith("#")]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


@pytest.fixture
def one_subject(tmp_path: Path) -> Path:
    """The first example subject (a retail pharmacy graded A in 2023) as a single-subject .json file."""
    first = EXAMPLES.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "one.json"
    path.write_text(json.dumps(json.loads(first), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


# ------------------------------------------------------------------ validate


def test_validate_bundled_pack_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """``validate policies/wushan.yaml`` exits 0, prints no problems and confirms on stderr."""
    code, out, err = run(capsys, "validate", str(WUSHAN))
    assert code == 0
    assert out == ""
    assert "ok (wushan" in err


def test_validate_by_bundled_name_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """``validate wushan`` (a bundled name, not a path) exits 0."""
    code, _out, _err = run(capsys, "validate", "wushan")
    assert code == 0


def test_validate_bad_pack_prints_parsable_problem_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad pack exits non-zero and prints one ``file:line:col: [level] message (code)`` line per problem."""
    path = BAD_PACKS / "three_errors.yaml"
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3
    matches = [PROBLEM_LINE.match(line) for line in lines]
    assert all(matches), lines
    parsed = [(m["file"], int(m["line"]), m["level"], m["code"]) for m in matches if m]
    assert parsed == [
        (str(path), line_of(path, "intervew"), "error", "unknown-record-kind"),
        (str(path), line_of(path, "when: inspection == 0"), "error", "expression"),
        (str(path), line_of(path, "扣50分"), "error", "quote-not-in-article"),
    ]
    assert "did you mean 'interview'?" in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("fixture", "needle", "code"),
    [
        ("misspelled_top_level_key.yaml", "exclusion:", "schema-extra-forbidden"),
        ("malformed_indentation.yaml", "   effective:", "yaml-syntax"),
        ("duplicate_key.yaml", "issued: 2022-12-29", "duplicate-key"),
        ("unknown_article.yaml", "第三十条", "unknown-article"),
    ],
)
def test_validate_reports_the_line_of_each_bad_fixture(
    capsys: pytest.CaptureFixture[str], fixture: str, needle: str, code: str
) -> None:
    """Each bad fixture's problem line names the fixture's offending line and the problem code."""
    path = BAD_PACKS / fixture
    exit_code, out, _err = run(capsys, "validate", str(path))
    assert exit_code == 1
    m = PROBLEM_LINE.match(out.splitlines()[0])
    assert m is not None
    assert (m["file"], int(m["line"]), m["code"]) == (str(path), line_of(path, needle), code)


def test_validate_several_packs_exits_with_the_worst(capsys: pytest.CaptureFixture[str]) -> None:
    """Validating a good and a bad pack together exits 1 and reports only the bad pack's problems."""
    bad = BAD_PACKS / "unknown_record_kind.yaml"
    code, out, _err = run(capsys, "validate", str(WUSHAN), str(bad))
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines()] == [str(bad)]


def test_validate_unknown_pack_name_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    """``validate wushn`` exits non-zero with a did-you-mean on stderr and no traceback."""
    code, _out, err = run(capsys, "validate", "wushn")
    assert code != 0
    assert "did you mean 'wushan'?" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ evaluate


def test_evaluate_jsonl_writes_one_json_line_per_subject(capsys: pytest.CaptureFixture[str]) -> None:
    """``evaluate --pack wushan --cycle 2023 examples/wushan-subjects.jsonl`` prints one JSON result per subject."""
    code, out, err = run(capsys, "evaluate", "--pack", "wushan", "--cycle", "2023", str(EXAMPLES))
    assert code == 0, err
    inputs = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == len(inputs)
    assert [r["subject"]["id"] for r in results] == [s["id"] for s in inputs]
    assert {r["format"] for r in results} == {"medcredit.trace/1"}
    assert all(r["cycle"] == 2023 and r["applies_in"] == 2024 for r in results)
    assert results[0]["status"] == "graded"
    assert results[0]["grade"] == "A"
    assert results[0]["score"] == "100"


def test_evaluate_single_json_as_json(capsys: pytest.CaptureFixture[str], one_subject: Path) -> None:
    """``--format json`` on a single-subject .json prints one JSON object (not a list) with the decision."""
    code, out, _err = run(
        capsys, "evaluate", "--pack", "wushan", "--cycle", "2023", "--format", "json", str(one_subject)
    )
    assert code == 0
    body = json.loads(out)
    assert isinstance(body, dict)
    assert body["subject"]["id"] == "92500237MA5U00001T"
    assert (body["status"], body["grade"], body["score"]) == ("graded", "A", "100")
    assert body["pack"]["id"] == "wushan"
    assert body["warnings"] == []


def test_evaluate_text_format(capsys: pytest.CaptureFixture[str], one_subject: Path) -> None:
    """``--format text`` prints the readable Chinese explanation with the subject, outcome and steps."""
    code, out, _err = run(
        capsys, "evaluate", "--pack", "wushan", "--cycle", "2023", "--format", "text", str(one_subject)
    )
    assert code == 0
    assert "92500237MA5U00001T" in out
    assert "结论" in out
    assert "A级" in out
    assert "评价过程" in out


def test_explain_in_chinese_and_english(capsys: pytest.CaptureFixture[str], one_subject: Path) -> None:
    """``explain`` prints text in Chinese by default and in English with ``--lang en``; both cite articles."""
    code, zh, _ = run(capsys, "explain", "--pack", "wushan", "--cycle", "2023", str(one_subject))
    assert code == 0
    assert "评价过程" in zh
    assert "【第十八条】" in zh
    code, en, _ = run(capsys, "explain", "--pack", "wushan", "--cycle", "2023", "--lang", "en", str(one_subject))
    assert code == 0
    assert "Outcome: graded, grade A, score 100" in en
    assert "Steps:" in en
    assert "【第十八条】" in en
    assert "评价过程" not in en


def test_evaluate_summary_format(capsys: pytest.CaptureFixture[str]) -> None:
    """``--format summary``: a header row, then one tab-separated row per subject with its name from the history."""
    code, out, _ = run(capsys, "evaluate", "--pack", "wushan", "--cycle", "2023", "--format", "summary", str(EXAMPLES))
    assert code == 0
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows[0] == ["subject", "name", "category", "status", "grade", "score"]
    assert rows[1] == ["92500237MA5U00001T", "清溪药店（无违规）", "retail_pharmacy", "graded", "A", "100"]
    assert len(rows) == 1 + sum(1 for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip())
    assert all(len(row) == len(rows[0]) for row in rows)


def test_summary_row_without_a_name_shows_a_dash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A subject the history gives no name gets ``-`` in the name column, so the columns stay aligned."""
    history = tmp_path / "h.jsonl"
    history.write_text(
        '{"id": "s1", "category": "retail_pharmacy", "opened": "2010-01-01", "records": []}\n', encoding="utf-8"
    )
    code, out, _ = run(capsys, "evaluate", "--pack", "wushan", "--cycle", "2023", "--format", "summary", str(history))
    assert code == 0
    assert out.splitlines()[1].split("\t")[:3] == ["s1", "-", "retail_pharmacy"]


def test_wrong_check_digit_warning_reaches_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    """A subject with a wrong USCC check character is evaluated and its JSON result carries an identifier warning."""
    code, out, _ = run(
        capsys, "evaluate", "--pack", "wushan", "--cycle", "2023", str(HISTORIES / "wrong_check_digit.json")
    )
    assert code == 0
    body = json.loads(out)
    assert body["status"] == "graded"
    assert "identifier" in [w["code"] for w in body["warnings"]]


# ------------------------------------------------------------------ bad inputs: clear message, non-zero, no traceback


def test_missing_history_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A missing history file gives a message naming it on stderr, a non-zero exit and no traceback."""
    missing = tmp_path / "missing.jsonl"
    code, out, err = run(capsys, "evaluate", "--pack", "wushan", "--cycle", "2023", str(missing))
    assert code != 0
    assert str(missing) in err
    assert "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".yaml"])
def test_unreadable_input_exits_with_the_documented_code_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str
) -> None:
    """The CLI documents exit 2 for 'usage error or unreadable input': a missing file is unreadable input."""
    code, _out, _err = run(capsys, "evaluate", "--pack", "wushan", "--cycle", "2023", str(tmp_path / f"no{suffix}"))
    assert code == 2


def test_malformed_json_history(capsys: pytest.CaptureFixture[str]) -> None:
    """A truncated .json history exits 1 with a located history-json problem on stderr and no traceback."""
    path = HISTORIES / "malformed.json"
    code, _out, err = run(capsys, "evaluate", "--pack", "wushan", "--cycle", "2023", str(path))
    assert code == 1
    problem_lines = [m for m in (PROBLEM_LINE.match(x) for x in err.splitlines()) if m]
    assert [(m["file"], m["code"]) for m in problem_lines] == [(str(path), "history-json")]
    assert int(problem_lines[0]["line"]) >= 1
    assert "malformed JSON" in err
    assert "Traceback" not in err


def test_unknown_pack_name_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    """``--pack wushn`` exits 2 with "did you mean 'wushan'?" on stderr and no traceback."""
    code, out, err = run(capsys, "evaluate", "--pack", "wushn", "--cycle", "2023", str(EXAMPLES))
    assert code == 2
    assert "did you mean 'wushan'?" in err
    assert "Traceback" not in err
    assert out == ""


def test_invalid_pack_file_for_evaluate(capsys: pytest.CaptureFixture[str]) -> None:
    """Evaluating with an invalid pack file exits 1 and prints the pack's problems on stderr."""
    pack = BAD_PACKS / "unknown_record_kind.yaml"
    code, out, err = run(capsys, "evaluate", "--pack", str(pack), "--cycle", "2023", str(EXAMPLES))
    assert code == 1
    assert out == ""
    assert f"{pack}:{line_of(pack, 'intervew')}:" in err
    assert "Traceback" not in err


def test_cycle_outside_validity_needs_override(capsys: pytest.CaptureFixture[str], one_subject: Path) -> None:
    """Cycle 2021 precedes the pack's validity: refused with a hint at --override-validity, no traceback."""
    code, out, err = run(capsys, "evaluate", "--pack", "wushan", "--cycle", "2021", str(one_subject))
    assert code != 0
    assert "outside the validity" in err
    assert "--override-validity" in err
    assert "Traceback" not in err
    assert out == ""


def test_override_validity_is_recorded(capsys: pytest.CaptureFixture[str], one_subject: Path) -> None:
    """With --override-validity the cycle is evaluated and the result records the override and a warning."""
    code, out, _ = run(
        capsys, "evaluate", "--pack", "wushan", "--cycle", "2021", "--override-validity", str(one_subject)
    )
    assert code == 0
    body = json.loads(out)
    assert body["validity_overridden"] is True
    assert "validity_override" in [w["code"] for w in body["warnings"]]


def test_jsonl_with_bad_lines_evaluates_the_good_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """A JSONL file with bad lines exits 1; good subjects are still evaluated and each bad line is named file:line."""
    path = HISTORIES / "bad_lines.jsonl"
    code, out, err = run(capsys, "evaluate", "--pack", "wushan", "--cycle", "2023", str(path))
    assert code == 1
    records = [json.loads(line) for line in out.splitlines()]
    graded = [r for r in records if r.get("status") != "rejected"]
    rejected = [r for r in records if r.get("status") == "rejected"]
    assert [r["subject"]["id"] for r in graded] == ["92500237MA5U00001T", "92500237MA5U00001A"]
    bad_line = line_of(path, '"id": "92500237MA5U00002X"')
    assert rejected[0]["where"] == f"{path}:{bad_line}"
    assert rejected[0]["problems"][0]["code"] == "history-unknown-record-kind"
    assert rejected[0]["problems"][0]["suggestion"] == "interview"
    assert f"{path}:{bad_line}:" in err
    assert "2 evaluated, 10 rejected" in err
    assert "Traceback" not in err


def test_unknown_history_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A history file with an unknown extension is a clear error, not a traceback."""
    path = tmp_path / "subjects.txt"
    path.write_text("id,category\n", encoding="utf-8")
    code, _out, err = run(capsys, "evaluate", "--pack", "wushan", "--cycle", "2023", str(path))
    assert code != 0
    assert "history-format" in err
    assert "Traceback" not in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Missing required options are a usage error (exit 2) from argparse."""
    with pytest.raises(SystemExit) as info:
        main(["evaluate", str(EXAMPLES)])
    assert info.value.code == 2
    assert "--pack" in capsys.readouterr().err


# ------------------------------------------------------------------ the installed console script


def test_installed_console_script() -> None:
    """The installed ``medcredit`` script validates the bundled pack (exit 0) and refuses a bad pack name cleanly."""
    exe = shutil.which("medcredit")
    assert exe is not None, "the medcredit console script is not installed"
    ok = subprocess.run(
        [exe, "validate", str(WUSHAN)], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [exe, "evaluate", "--pack", "wushn", "--cycle", "2023", str(EXAMPLES)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert bad.returncode == 2
    assert "did you mean 'wushan'?" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_installed_console_script_reads_jsonl_from_stdin() -> None:
    """``medcredit evaluate ... -`` reads JSONL from standard input and writes one result line per subject."""
    exe = shutil.which("medcredit")
    assert exe is not None
    first_two = "\n".join(EXAMPLES.read_text(encoding="utf-8").splitlines()[:2]) + "\n"
    proc = subprocess.run(
        [exe, "evaluate", "--pack", "wushan", "--cycle", "2023", "-"],
        input=first_two,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    ids = [json.loads(line)["subject"]["id"] for line in proc.stdout.splitlines()]
    assert ids == ["92500237MA5U00001T", "92500237MA5U00002X"]
