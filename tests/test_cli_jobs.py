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
from medcredit.cli.parallel import CHUNK_LINES


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
