"""The CLI speaks zh and en (`--lang`, else the locale); progress for file inputs; the closing summary.

Time values are never asserted: the progress tests drive an injected clock, and the summary tests
check only the shape of the time field.
"""

from __future__ import annotations

import io
import json
import re
import string
from collections import Counter
from pathlib import Path

import pytest

from medcredit.cli.common import Progress
from medcredit.cli.main import main
from medcredit.cli.messages import MESSAGES, argparse_message, locale_lang, resolve_lang

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "wushan-subjects.jsonl"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL overrides the others
        ({"LC_ALL": "", "LANG": "zh_CN.GB18030"}, "zh"),  # an empty variable counts as unset
    ],
)
def test_language_from_the_locale(env: dict[str, str], lang: str) -> None:
    assert locale_lang(env) == lang
    assert resolve_lang(None, env) == lang
    assert resolve_lang("en", {"LANG": "zh_CN.UTF-8"}) == "en"  # --lang wins over the locale


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, texts in MESSAGES.items():
        assert set(texts) == {"zh", "en"}, key
        assert fields(texts["zh"]) == fields(texts["en"]), key


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["--lang", "zh", "evaluate", "--pack", "wushan"], {}, "用法错误: 缺少必需的参数：FILE"),
        (["evaluate", "--pack", "wushan"], {"LANG": "zh_CN.UTF-8"}, "用法错误: 缺少必需的参数：FILE"),
        (["evaluate", "--pack", "wushan"], {}, "error: the following arguments are required: FILE"),
        (["--lang", "zh", "evaluate", "--pack", "wushan", "h.jsonl"], {}, "须给出以下参数之一：--cycle --as-of"),
        (["--lang=zh", "check", "wushan", "--format", "xml"], {}, "用法错误: 参数 --format 的取值 'xml' 无效"),
    ],
)
def test_usage_errors_speak_the_language(
    argv: list[str],
    env: dict[str, str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert expected in capsys.readouterr().err


def test_unknown_argparse_wording_is_kept() -> None:
    assert argparse_message("something argparse never said", "zh") == "something argparse never said"


def test_usage_error_of_a_command_in_zh(capsys: pytest.CaptureFixture[str]) -> None:
    """`deadline` without DEADLINE and DATE, and an unknown check id with a close match, in Chinese."""
    assert main(["--lang", "zh", "deadline", "--pack", "liaoning"]) == 2
    assert "deadline 需要 DEADLINE 和 DATE 两个参数" in capsys.readouterr().err
    assert main(["--lang", "zh", "check", "wushan", "--select", "quote-parameter"]) == 2
    err = capsys.readouterr().err
    assert "未知的检查项“quote-parameter”" in err and "是否想输入“quote-parameters”" in err


def test_headlines_of_validate_check_test(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "zh", "validate", "wushan"]) == 0
    assert re.search(r"^wushan：通过（wushan，sha256:[0-9a-f]{12}…）$", capsys.readouterr().err, re.M)
    assert main(["validate", "wushan"]) == 0
    assert re.search(r"^wushan: ok \(wushan, sha256:[0-9a-f]{12}…\)$", capsys.readouterr().err, re.M)
    assert main(["--lang", "zh", "check", "wushan", "--today", "2023-06-01"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "已检查 1 个政策包：0 个错误，0 个警告"
    cases = str(ROOT / "tests" / "packs" / "wushan" / "boundaries.cases.yaml")
    assert main(["--lang", "zh", "test", cases]) == 0
    zh = capsys.readouterr().out.splitlines()[-1]
    assert main(["test", cases]) == 0
    en = capsys.readouterr().out.splitlines()[-1]
    passed = re.fullmatch(r"(\d+) passed, 0 failed", en)
    assert passed and zh == f"{passed.group(1)} 个通过，0 个失败"


@pytest.mark.parametrize("command", [["validate", "wushan"], ["check", "wushan", "--today", "2023-06-01"]])
def test_lang_after_the_command_too(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """`medcredit check PACK --lang zh` speaks as `medcredit --lang zh check PACK` does."""
    assert main(["--lang", "zh", *command]) == 0
    before = capsys.readouterr()
    assert main([*command, "--lang", "zh"]) == 0
    assert capsys.readouterr() == before


def _grades_of(jsonl: str) -> Counter[str]:
    """Outcomes counted from the results themselves: the grade, or the status when there is none."""
    counts: Counter[str] = Counter()
    for line in jsonl.splitlines():
        result = json.loads(line)
        counts[result.get("grade") or result["status"]] += 1
    return counts


def test_closing_summary_counts_grades_errors_skipped_and_time(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["evaluate", "--pack", "wushan", "--cycle", "2023", "--format", "jsonl", str(EXAMPLES)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    grades = ", ".join(f"{k} {v}" for k, v in sorted(_grades_of(out).items()))
    n = len(out.splitlines())
    assert re.fullmatch(
        rf"medcredit: {n} inputs: {n} evaluated, 0 rejected, 0 failed, 0 blank lines skipped; "
        rf"grades: {re.escape(grades)}; [0-9]+\.[0-9]{{2}} s\n",
        err,
    ), err
    assert main(["--lang", "zh", *argv]) == 0
    _, err = capsys.readouterr()
    assert re.fullmatch(
        rf"medcredit: 共 {n} 条输入：评价 {n} 个，拒绝 0 个，失败 0 个，跳过空行 0 行；"
        rf"等级：{re.escape(grades)}；用时 [0-9]+\.[0-9]{{2}} 秒\n",
        err,
    ), err


def test_closing_summary_counts_rejected_and_blank_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One bad line and one blank line among good ones: each is counted, the good ones still graded."""
    good = EXAMPLES.read_text(encoding="utf-8").splitlines()[:2]
    history = tmp_path / "mixed.jsonl"
    history.write_text("\n".join([good[0], "{not json", "", good[1]]) + "\n", encoding="utf-8")
    assert main(["evaluate", "--pack", "wushan", "--cycle", "2023", str(history)]) == 1
    out, err = capsys.readouterr()
    graded = "\n".join(line for line in out.splitlines() if json.loads(line)["status"] != "rejected")
    grades = ", ".join(f"{k} {v}" for k, v in sorted(_grades_of(graded).items()))
    assert sum(_grades_of(graded).values()) == 2
    assert re.fullmatch(
        rf"medcredit: 4 inputs: 2 evaluated, 1 rejected, 0 failed, 1 blank lines skipped; grades: {re.escape(grades)}; "
        r"[0-9.]+ s \(see above\)",
        err.splitlines()[-1],
    )


def test_progress_is_off_in_captured_output_and_forced_by_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["evaluate", "--pack", "wushan", "--cycle", "2023", "--no-trace", str(EXAMPLES)]
    assert main(argv) == 0
    assert "\r" not in capsys.readouterr().err  # stderr is not a terminal: no progress
    assert main(["--progress", *argv]) == 0
    err = capsys.readouterr().err
    size = EXAMPLES.stat().st_size
    total = f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} B"
    n = sum(1 for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip())
    final = err.split("\r")[-1].splitlines()[0]
    # all bytes read at the end: 100%; rate and ETA are present but their values are not asserted
    assert re.fullmatch(
        rf"evaluated: {n} subjects · {re.escape(total)} of {re.escape(total)} \(100%\) · [0-9.]+ [KMG]?B/s"
        r" · ETA \d+:\d\d\x1b\[K",
        final,
    ), final


def test_progress_never_drawn_with_no_progress(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["--no-progress", "evaluate", "--pack", "wushan", "--cycle", "2023", "--no-trace", str(EXAMPLES)]) == 0
    assert "\r" not in terminal.getvalue()


def test_progress_line_from_bytes_read() -> None:
    """1 KB of 4 KB read in 2 s: 25%, 512 B/s, and the remaining 3 KB take 6 s more."""
    clock, stream, done = FakeClock(), Terminal(), [0]
    progress = Progress(stream, "evaluated", total=4096, position=lambda: done[0], clock=clock)
    assert progress.enabled  # a terminal
    clock.now += 2
    done[0] = 1024
    progress.count = 10
    assert progress.line(clock.now) == "evaluated: 10 subjects · 1.0 KB of 4.0 KB (25%) · 512 B/s · ETA 0:06"
    zh = Progress(stream, "已评价", total=4096, position=lambda: 1024, clock=clock, lang="zh")
    clock.now += 2
    assert zh.line(clock.now) == "已评价：0 个主体 · 1.0 KB / 4.0 KB（25%） · 512 B/秒 · 预计剩余 0:06"


def test_progress_redraws_at_most_every_interval() -> None:
    """Ticks within the interval draw nothing; the next tick after it draws one line; close ends the line."""
    clock, stream = FakeClock(), Terminal()
    progress = Progress(stream, "evaluated", total=1000, position=lambda: 500, clock=clock, interval=1.0)
    for _ in range(64):
        progress.tick()
    assert stream.getvalue() == ""
    clock.now += 1.5
    for _ in range(16):
        progress.tick()
    assert stream.getvalue().count("\r") == 1 and "(50%)" in stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith("\n") and stream.getvalue().count("\r") == 2


def test_progress_without_a_size_counts_subjects() -> None:
    """Standard input has no size: the line gives the subjects and their rate, no percent or ETA."""
    clock, stream = FakeClock(), Terminal()
    progress = Progress(stream, "evaluated", clock=clock)
    progress.count = 300
    clock.now += 3
    assert progress.line(clock.now) == "evaluated: 300 subjects · 100/s"


def test_progress_of_a_whole_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A JSON document is read whole before its first subject: once read, it is 100% of its size."""
    subjects = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines()[:3]]
    history = tmp_path / "three.json"
    history.write_text(json.dumps(subjects, ensure_ascii=False), encoding="utf-8")
    assert main(["--progress", "evaluate", "--pack", "wushan", "--cycle", "2023", str(history)]) == 0
    final = capsys.readouterr().err.split("\r")[-1].splitlines()[0]
    assert final.startswith("evaluated: 3 subjects · ") and "(100%)" in final


def test_init_and_deadline_list_messages_in_zh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing seed for `init` is a usage error in Chinese; a pack without deadlines says so in Chinese."""
    missing = tmp_path / "missing.txt"
    assert main(["--lang", "zh", "init", str(missing), "--id", "taizhou", str(tmp_path / "t.yaml")]) == 2
    assert f"找不到原文文件：{missing}" in capsys.readouterr().err
    import medcredit

    assert not medcredit.load_pack("wushan").model.deadlines  # 巫山's document sets no procedural deadline
    assert main(["--lang", "zh", "deadline", "--pack", "wushan", "--list"]) == 0
    assert capsys.readouterr().out == "政策包 'wushan' 没有规定期限\n"


def test_unannounced_year_in_zh(capsys: pytest.CaptureFixture[str]) -> None:
    """The unknown-schedule usage error names --schedule in Chinese too."""
    argv = ["deadline", "--pack", "liaoning", "objection_verification", "2031-03-01", "--override-validity"]
    assert main(["--lang", "zh", *argv]) == 2
    err = capsys.readouterr().err
    assert "2031" in err and "请用 --schedule FILE 提供该年的放假安排" in err
