"""``evaluate --jobs 2`` writes the same bytes (stdout and stderr) and exit code as one process.

The CLI is started as a subprocess, as a user runs it; the input spans several chunks
(medcredit.cli.parallel.CHUNK_LINES) and holds blank, malformed and invalid lines.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from golden_bytes.population import population
from medcredit.cli.parallel import AUTO_MIN_BYTES, CHUNK_LINES, MAX_AUTO_JOBS, auto_jobs, available_cores


def _untimed(stderr: bytes) -> bytes:
    """The closing line without the time taken (``; 0.44 s``), the one thing allowed to differ between runs."""
    return re.sub(rb"; [0-9.]+ s", b"", stderr)


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "medcredit", "evaluate", *args], capture_output=True, check=False)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = [json.dumps(s, ensure_ascii=False) for s in population(CHUNK_LINES + 300, 5)]
    lines[10] = "{not json"
    lines[CHUNK_LINES - 1] = ""  # a blank line at a chunk's end
    lines[CHUNK_LINES + 5] = json.dumps({"id": "x", "category": "nowhere"})
    path = tmp_path_factory.mktemp("jobs") / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("extra", [["--format", "jsonl"], ["--format", "summary", "--no-trace"]])
def test_two_jobs_write_the_same_bytes(mixed: Path, extra: list[str]) -> None:
    args = ["--pack", "wushan", "--cycle", "2023", str(mixed), *extra]
    one, two = _run(*args, "--jobs", "1"), _run(*args, "--jobs", "2")
    assert one.returncode == two.returncode == 1  # the malformed lines are reported
    assert one.stdout == two.stdout
    # the closing line states the time taken, which is the one thing allowed to differ
    assert _untimed(one.stderr) == _untimed(two.stderr)
    header = 1 if "summary" in extra else 0  # the summary format's header row
    assert one.stdout.count(b"\n") == CHUNK_LINES + 299 + header  # every line but the blank one has an outcome


def test_jobs_is_checked() -> None:
    done = _run("--pack", "wushan", "--cycle", "2023", "x.jsonl", "--jobs", "0")
    assert done.returncode == 2
    assert b"--jobs takes 1 to 64 processes" in done.stderr


def test_auto_is_one_process_for_small_files_stdin_and_one_core(tmp_path: Path) -> None:
    """``--jobs auto`` (the default) starts workers only where they pay: a regular file of AUTO_MIN_BYTES or more."""
    small, big = tmp_path / "small.jsonl", tmp_path / "big.jsonl"
    small.write_bytes(b"{}\n")
    with big.open("wb") as f:
        f.truncate(AUTO_MIN_BYTES)  # sparse: only the size is read
    assert auto_jobs("-", cores=4) == 1
    assert auto_jobs(str(small), cores=4) == 1
    assert auto_jobs(str(tmp_path / "missing.jsonl"), cores=4) == 1
    assert auto_jobs(str(big), cores=1) == 1
    assert auto_jobs(str(big), cores=2) == 2
    assert auto_jobs(str(big), cores=64) == MAX_AUTO_JOBS
    assert auto_jobs(str(big)) == min(available_cores(), MAX_AUTO_JOBS)


def test_jobs_auto_is_the_default_and_writes_what_one_process_writes(tmp_path: Path) -> None:
    """A file over the threshold, graded with the default (several processes on a machine with several cores)
    and with ``--jobs 1``: the same bytes."""
    lines, size = [], 0
    for s in population(100_000, 9):
        line = json.dumps(s, ensure_ascii=False)
        lines.append(line)
        size += len(line.encode()) + 1
        if size > AUTO_MIN_BYTES:
            break
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["--pack", "wushan", "--cycle", "2023", str(path), "--format", "jsonl"]
    default, one = _run(*args), _run(*args, "--jobs", "1")
    assert default.returncode == one.returncode
    assert default.stdout == one.stdout and default.stdout.count(b"\n") == len(lines)
    assert _untimed(default.stderr) == _untimed(one.stderr)
    assert _run(*args, "--jobs", "auto").stdout == one.stdout


def test_jobs_names_what_it_takes() -> None:
    done = _run("--pack", "wushan", "--cycle", "2023", "x.jsonl", "--jobs", "many")
    assert done.returncode == 2
    assert b"'many' is not a whole number of processes or auto" in done.stderr
