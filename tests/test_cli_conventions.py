"""CLI conventions: --version, shell completion, colour (NO_COLOR, --color), deadline --list, exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import medcredit
from medcredit.cli.common import colour_enabled
from medcredit.cli.main import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"medcredit {medcredit.__version__}"


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_covers_every_command(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The script is generated from the parser, so every command (including new groups) completes."""
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for command in ("validate", "check", "evaluate", "deadline", "render", "init", "completion"):
        assert command in script, command


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_follows_no_color_and_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """auto colours a terminal unless NO_COLOR is set; always/never win over both."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour_enabled("auto", _Tty()) and not colour_enabled("auto", io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_enabled("auto", _Tty())
    assert colour_enabled("always", io.StringIO()) and not colour_enabled("never", _Tty())


def test_check_colours_only_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--color always` puts ANSI colour on levels; the default on a pipe does not."""
    from importlib import resources

    base = resources.files("medcredit").joinpath("packs/wushan.yaml").read_text("utf-8")
    bad = tmp_path / "stale.yaml"
    bad.write_text(base.replace("  expires: null", "  expires: 2024-12-31"), encoding="utf-8")
    main(["check", "--today", "2026-11-25", "--seeds", str(tmp_path), str(bad)])
    assert "\033[" not in capsys.readouterr().out
    main(["--color", "always", "check", "--today", "2026-11-25", str(bad)])
    assert "\033[33mwarning\033[0m" in capsys.readouterr().out


def test_deadline_list(capsys: pytest.CaptureFixture[str]) -> None:
    """辽宁 第二十七条: 收到异议申请后，应当在三个工作日内进行核查 — listed first, with its period and article."""
    assert main(["deadline", "--pack", "liaoning", "--list"]) == 0
    first = capsys.readouterr().out.splitlines()[0].split("\t")
    assert first == ["objection_verification", "3 working days", "异议核查", "[第二十七条]"]
    assert main(["deadline", "--pack", "liaoning", "--list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in listed] == [d.id for d in medcredit.load_pack("liaoning").model.deadlines]


def test_deadline_without_arguments_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadline", "--pack", "liaoning"]) == 2
    assert "--list" in capsys.readouterr().err


def test_unannounced_year_names_the_schedule_option(capsys: pytest.CaptureFixture[str]) -> None:
    """A year whose official holiday schedule is unknown: exit 2, and the message says how to supply it."""
    code = main(["deadline", "--pack", "liaoning", "objection_verification", "2031-03-01", "--override-validity"])
    assert code == 2
    err = capsys.readouterr().err
    assert "2031" in err and "--schedule FILE" in err


def test_cli_reference_page_is_up_to_date() -> None:
    """docs/reference/cli.md is what `medcredit docs` generates from the parser now (no drift)."""
    from medcredit.authoring.docgen import cli_markdown
    from medcredit.cli.main import build_parser

    page = (Path(__file__).resolve().parents[1] / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    assert page == cli_markdown(build_parser()), "run `medcredit docs docs` and commit the result"
    for command in ("render", "init", "completion", "deadline", "validate"):
        assert f"## `medcredit {command}`" in page


def test_validate_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`validate --format json`: one object per pack with ok, id, hash and located problems; exit code as text."""
    assert main(["validate", "--format", "json", "wushan"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["ok"] is True and entry["id"] == "wushan" and entry["problems"] == []
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: medcredit.pack/1\nid: x\n", encoding="utf-8")
    assert main(["validate", "--format", "json", str(bad)]) == 1
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["ok"] is False and entry["problems"][0]["file"] == str(bad) and entry["problems"][0]["line"] >= 1


def test_test_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`test --format json` reports every case with file, line and outcome."""
    example = Path(__file__).resolve().parents[1] / "docs" / "example"
    assert main(["test", "--format", "json", str(example / "example-county.cases.yaml")]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["failed"] == 0 and body["passed"] == len(body["cases"]) == 5
    assert all(c["passed"] and c["line"] > 0 for c in body["cases"])
