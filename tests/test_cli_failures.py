"""Failures outside the input: a worker process that dies, an output the system refuses.

Each is said on standard error in one line with exit code 2 (the run did not complete), never as a
traceback.
"""

from __future__ import annotations

import errno
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from golden_bytes.population import population
from medcredit.cli import parallel
from medcredit.cli.main import main


@pytest.fixture
def histories(tmp_path: Path) -> Path:
    path = tmp_path / "h.jsonl"
    lines = [json.dumps(s, ensure_ascii=False) for s in population(parallel.CHUNK_LINES * 3, 2)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _die(job: tuple[Any, ...]) -> Any:
    os._exit(9)  # as a worker killed by the system would


def test_a_worker_that_dies_is_said_not_a_traceback(
    histories: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(parallel, "run_chunk", _die)  # the forked workers inherit the patch
    code = main(["evaluate", "--pack", "wushan", "--cycle", "2023", str(histories), "--jobs", "2", "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2
    assert "a worker process stopped before finishing its lines" in err
    assert "Traceback" not in err


class _FullDisk(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_an_output_the_system_refuses_is_said_not_a_traceback(
    histories: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    full = io.TextIOWrapper(io.BufferedWriter(_FullDisk(), buffer_size=64), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", full)
    code = main(["evaluate", "--pack", "wushan", "--cycle", "2023", str(histories), "--jobs", "1", "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2
    assert os.strerror(errno.ENOSPC) in err
    assert "Traceback" not in err


def test_a_wrong_cycle_or_date_fails_before_any_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--as-of for a calendar-year pack: exit 2 with the reason, and no summary header on standard output."""
    history = tmp_path / "one.jsonl"
    history.write_text('{"id": "x", "category": "retail_pharmacy"}\n', encoding="utf-8")
    code = main(["evaluate", "--pack", "wushan", "--as-of", "2023-06-01", "--format", "summary", str(history)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "calendar-year cycles" in captured.err


def test_a_reader_that_goes_away_ends_the_run_quietly(histories: Path) -> None:
    """`medcredit evaluate … | head -1`: the pipe closes early; exit without a traceback or a message from
    Python's flush at exit ("Exception ignored ...")."""
    import subprocess

    command = [sys.executable, "-m", "medcredit", "evaluate", "--pack", "wushan", "--cycle", "2023"]
    command += ["--format", "jsonl", "--jobs", "1", str(histories)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # the reader goes away with megabytes still to come
    err = proc.stderr.read().decode("utf-8")
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0
    assert json.loads(first)["format"] == "medcredit.trace/1"
    assert "Exception ignored" not in err and "Traceback" not in err, err


def test_a_defect_met_on_one_subject_fails_that_subject_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from medcredit.engine import evaluation

    original = evaluation.Evaluator.evaluate_compact

    def overflowing(self: Any, subject: Any, *args: Any, **kwargs: Any) -> Any:
        if subject.id == "B":
            raise OverflowError("date value out of range")  # a defect the engine did not foresee
        return original(self, subject, *args, **kwargs)

    monkeypatch.setattr(evaluation.Evaluator, "evaluate_compact", overflowing)
    source = tmp_path / "h.jsonl"
    lines = [{"id": k, "category": "retail_pharmacy", "records": []} for k in "ABC"]
    source.write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    code = main(["evaluate", "--pack", "wushan", "--cycle", "2023", str(source), "--format", "jsonl", "--jobs", "1"])
    captured = capsys.readouterr()
    assert code == 1
    out = [json.loads(line) for line in captured.out.splitlines()]
    assert [x.get("subject", {}).get("id") or x["status"] for x in out] == ["A", "failed", "C"]
    assert out[1]["error"]["type"] == "InternalError"
    assert "OverflowError: date value out of range" in out[1]["error"]["message"]
    assert "Traceback" not in captured.err
