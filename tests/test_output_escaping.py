"""Text outputs show an input's control characters escaped, never obey them (diagnostics.escape and its users):
one problem is one line, GitHub workflow commands cannot be injected, a table row cannot be forged."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from medcredit.cli.main import main
from medcredit.diagnostics.errors import ExpressionError
from medcredit.diagnostics.escape import github_message, github_property, keep_lines, one_line
from medcredit.diagnostics.problems import Problem
from medcredit.engine.batch import Failed

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = Path(__file__).parent / "fixtures" / "minimal_pack.yaml"
EXAMPLES = ROOT / "examples" / "wushan-subjects.jsonl"

HOSTILE = "interview\n::error file=x,line=1::INJECTED 100% \x1b[31mred\x07\r\t\x85\u2028\u202e"
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def test_one_line_escapes_every_control_character_and_keeps_cjk() -> None:
    every = "".join(chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))) + "\u2028\u2029\u202e\u2066"
    shown = one_line(every + "信用主体　全角")
    assert not UNSAFE.search(shown)
    assert shown.endswith("信用主体　全角")  # the ideographic space is text, not a control
    assert shown.startswith("\\x00\\x01") and "\\t\\n\\x0b\\x0c\\r" in shown and "\\x1b" in shown
    assert "\\x7f" in shown and "\\x85" in shown and "\\u2028" in shown
    assert keep_lines("a\x1bb\nc") == "a\\x1bb\nc"


def test_github_escaping_follows_the_workflow_command_rules() -> None:
    assert github_message("50%\r\nnext") == "50%25%0D%0Anext"
    assert github_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert "\x1b" not in github_message("\x1b[31m")


def _hostile_pack(tmp_path: Path) -> Path:
    """The minimal pack with an unknown record kind whose name carries line feeds, a command and ESC."""
    text = MINIMAL.read_text(encoding="utf-8")
    quoted = HOSTILE.replace("\\", "\\\\").replace("\n", "\\n").replace("\x1b", "\\e").replace("\x07", "\\a")
    quoted = quoted.replace("\r", "\\r").replace("\t", "\\t").replace("\x85", "\\N").replace("\u2028", "\\L")
    quoted = quoted.replace("\u202e", "\\u202e")
    text = text.replace("match: {kinds: [interview]}", f'match: {{kinds: ["{quoted}"]}}')
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["github", "parsable", "human"])
def test_check_writes_one_line_per_problem_whatever_the_pack_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    pack = _hostile_pack(tmp_path)
    assert main(["--color", "never", "check", str(pack), "--format", fmt]) == 1
    out = capsys.readouterr().out
    lines = out.split("\n")[:-1]
    problem_lines = [line for line in lines if "unknown-record-kind" in line]
    assert len(problem_lines) == 1, out
    assert not UNSAFE.search(out.replace("\n", ""))
    assert not any(line.startswith("::error file=x") for line in lines)
    if fmt == "github":
        (line,) = problem_lines
        assert line.startswith("::error file=")
        assert "%0A::error file=x,line=1::INJECTED 100%25" in line
    else:
        assert "\\n::error file=x" in problem_lines[0]


def test_problem_render_and_failed_render_are_one_line() -> None:
    problem = Problem("code", f"bad value '{HOSTILE}'", file="a\nb.yaml", line=3, column=4)
    assert "\n" not in problem.render() and not UNSAFE.search(problem.render())
    failed = Failed(f"in.jsonl:{HOSTILE}", HOSTILE, ExpressionError(HOSTILE))
    assert not UNSAFE.search(failed.render())


def test_compare_text_table_cannot_be_forged_by_an_id(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever the history model lets through, a line feed or tab in an id stays inside its cell."""

    def row(pack: Any, subject: Any, cycle: Any, override_validity: Any) -> dict[str, Any]:
        return {
            "subject": "evil\nforged\trow\x1b[2J",
            "pack": pack.id,
            "status": "graded",
            "grade": "A",
            "score": "100",
            "listings": ["list\nx"],
            "measures": [],
        }

    from medcredit.analysis import compare

    monkeypatch.setattr(compare, "_row", row)
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    assert main(["compare", str(EXAMPLES), "--cycle", "2023", "--pack", "wushan"]) == 0
    out = capsys.readouterr().out.split("\n")[:-1]
    assert len(out) == 1 + len(lines)
    assert all(not UNSAFE.search(line) for line in out)
    assert "evil\\nforged\\trow\\x1b[2J" in out[1]


def test_error_messages_on_stderr_show_control_characters_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path / "no\x1b[2Jsuch\x07.yaml")]) == 2
    err = capsys.readouterr().err
    assert "no\\x1b[2Jsuch\\x07.yaml" in err and "\x1b" not in err and "\x07" not in err
    with pytest.raises(SystemExit) as caught:
        main(["evaluate", "--pack", "wushan", "--cycle", "20\x1b[31m23", str(EXAMPLES)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "\\x1b[31m" in err and "\x1b" not in err


def test_explanation_text_escapes_a_name_with_a_line_feed() -> None:
    from medcredit.engine.evaluation import evaluate
    from medcredit.history.model import Subject
    from medcredit.pack.loader import load_pack
    from medcredit.render.output import render_text

    pack = load_pack("wushan")
    subject = Subject.model_validate(
        {
            "id": "92500237MA5U00001T",
            "name": "药房\n信用主体 forged\x1b[2J",
            "category": "retail_pharmacy",
            "records": [{"kind": "inspection", "date": "2023-03-01"}],
        }
    )
    text = render_text(evaluate(pack, subject, 2023), pack, "zh")
    first = text.split("\n")[0]
    assert "药房\\n信用主体 forged\\x1b[2J" in first
    assert not UNSAFE.search(text.replace("\n", ""))


def test_summary_rows_show_control_characters_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "esc.jsonl"
    subject = {
        "id": "A",
        "name": "x\u001b[31mred\u0007",
        "category": "retail_pharmacy",
        "records": [{"kind": "inspection", "date": "2023-01-01"}],
    }
    source.write_text(json.dumps(subject) + "\n", "utf-8")
    assert main(["evaluate", "--pack", "wushan", "--cycle", "2023", str(source), "--format", "summary"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert out.splitlines()[1].split("\t")[:2] == ["A", "x\\x1b[31mred\\x07"]
