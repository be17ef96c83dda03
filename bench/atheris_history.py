"""Atheris target: the history reader on arbitrary bytes (run on demand; issue 11).

    pip install -e '.[atheris]'
    mkdir -p bench/out/atheris-history
    python bench/atheris_history.py -atheris_runs=200000 bench/out/atheris-history

Each input is read as a JSONL file (encoding detection, per-line decoding), as a
JSON document and as a YAML document, through the same functions as the command
line.  A finding is any exception that is not a MedcreditError, a JSONL read whose
account does not balance (lines = items + blank lines), or a read over the promised
50 ms of CPU per line (times the instrumentation margin of ``atheris_common``).
libFuzzer writes the input of a finding to ``crash-*``; minimise it and keep it in
``tests/fuzz/crashers``.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from atheris_common import ROOT, crasher_texts, instrumented, run, within_bound

with instrumented():
    from medcredit.diagnostics.errors import MedcreditError
    from medcredit.history.reader import ReadTally, iter_jsonl, iter_subjects, subject_from_data
    from medcredit.io.encoding import SAMPLE_BYTES, detect

LINE_CPU_S = 0.050
_WORKDIR = Path(tempfile.mkdtemp(prefix="medcredit-atheris-"))


class UnbalancedAccountError(Exception):
    """A JSONL read that did not account for every line."""


def read_jsonl(data: bytes) -> None:
    """Read ``data`` as a JSONL file's bytes, as ``medcredit evaluate`` does, and check its account."""
    tally = ReadTally()
    detected = detect(data[:SAMPLE_BYTES], None, "fuzz.jsonl")
    items = sum(1 for _item in iter_jsonl(io.BytesIO(data), "fuzz.jsonl", detected.encoding, tally))
    if tally.lines != items + tally.blank:
        raise UnbalancedAccountError(f"{tally.lines} lines, {items} items, {tally.blank} blank")


def check(data: bytes) -> None:
    """One fuzz input: only MedcreditError may escape the readers (and nothing may be slow or unaccounted)."""
    lines = max(1, data.count(b"\n") + (not data.endswith(b"\n")))
    within_bound(lambda: read_jsonl(data), LINE_CPU_S * lines)
    with contextlib.suppress(MedcreditError):
        subject_from_data(data, source="fuzz.json")
    for name in ("fuzz.json", "fuzz.yaml"):
        path = _WORKDIR / name
        path.write_bytes(data)
        with contextlib.suppress(MedcreditError):
            for _item in iter_subjects(path, encoding=None, on_warning=lambda _problem: None):
                pass


def seeds() -> list[bytes]:
    examples = ROOT / "examples"
    lines = (examples / "wushan-subjects.jsonl").read_bytes().splitlines(keepends=True)
    return [*lines, (examples / "one-pharmacy.json").read_bytes(), *crasher_texts("history")]


if __name__ == "__main__":
    raise SystemExit(run(check, seeds, "atheris_history"))
