"""``evaluate --jobs 2`` writes the same bytes (stdout and stderr) and exit code as one process.

The CLI is started as a subprocess, as a user runs it; the input spans several chunks
(medcredit.cli.parallel.CHUNK_LINES) and holds blank, malformed and invalid lines.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from golden_bytes.population import population
from medcredit.cli.item_output import ItemWriter
from medcredit.cli.parallel import (
    AUTO_MIN_BYTES,
    CHUNK_LINES,
    MAX_AUTO_JOBS,
    Spooled,
    _copy_spooled,
    _spool,
    auto_jobs,
)
from medcredit.io.cores import available_cores
from medcredit.pack.loader import load_pack


def _untimed(stderr: bytes) -> bytes:
    """The closing line without the time taken (``; 0.44 s``), the one thing allowed to differ between runs."""
    return re.sub(rb"; [0-9.]+ s", b"", stderr)


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "medcredit", "evaluate", *args]
    return subprocess.run(command, capture_output=True, check=False, env=env)


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


def test_workers_output_spooled_or_inline_writes_the_same_and_leaves_nothing(mixed: Path, tmp_path: Path) -> None:
    """The workers leave each chunk's output in the parent's spool directory, which is gone afterwards; with
    no usable temporary directory the output travels through the pool's pipes: the same bytes either way."""
    args = ["--pack", "wushan", "--cycle", "2023", str(mixed), "--format", "jsonl"]
    one = _run(*args, "--jobs", "1")
    spool_root = tmp_path / "tmp"
    spool_root.mkdir()
    spooled = _run(*args, "--jobs", "2", env={**os.environ, "TMPDIR": str(spool_root)})
    inline = _run(*args, "--jobs", "2", env={**os.environ, "TMPDIR": str(tmp_path / "missing")})
    assert spooled.stdout == inline.stdout == one.stdout
    assert _untimed(spooled.stderr) == _untimed(inline.stderr) == _untimed(one.stderr)
    assert list(spool_root.iterdir()) == []


def _writer(raw: Any) -> ItemWriter:
    """The writer the parent copies a spooled chunk through: to ``raw`` (bytes), or as text when None."""
    return ItemWriter(load_pack("wushan"), "jsonl", "zh", io.StringIO(), io.StringIO(), raw=raw)


def test_a_spooled_chunk_follows_what_is_buffered_before_it(tmp_path: Path) -> None:
    chunk = tmp_path / "chunk.jsonl"
    chunk.write_bytes("第二行\n".encode() * 1000)
    target = tmp_path / "out.jsonl"
    with target.open("wb") as f:  # a descriptor: sendfile
        writer = _writer(f)
        f.write(b"header\n")  # buffered, not yet on the descriptor
        _copy_spooled(str(chunk), writer)
        f.write(b"after\n")
    assert target.read_bytes() == b"header\n" + chunk.read_bytes() + b"after\n"
    memory = io.BytesIO(b"header\n")  # no descriptor: read and written
    memory.seek(0, io.SEEK_END)
    _copy_spooled(str(chunk), _writer(memory))
    assert memory.getvalue() == b"header\n" + chunk.read_bytes()
    text = _writer(None)  # a text stream only
    _copy_spooled(str(chunk), text)
    assert isinstance(text.out, io.StringIO)
    assert text.out.getvalue() == chunk.read_text(encoding="utf-8")


def test_a_chunk_that_cannot_be_spooled_comes_back_inline(tmp_path: Path) -> None:
    raw = io.BytesIO(b"line\n")
    assert _spool(raw, str(tmp_path / "missing"), 1) == b"line\n"
    assert _spool(raw, None, 1) == b"line\n"
    spooled = _spool(raw, str(tmp_path), 501)
    assert isinstance(spooled, Spooled) and Path(spooled.path).read_bytes() == b"line\n"
