"""Atheris target: the pack YAML loader on arbitrary bytes (run on demand; issue 11).

    pip install -e '.[atheris]'
    mkdir -p bench/out/atheris-pack
    python bench/atheris_pack_yaml.py -atheris_runs=20000 -max_len=200000 bench/out/atheris-pack

Each input is loaded as a pack file, as ``medcredit validate`` does (size limit,
UTF-8, the YAML loader's event limits, schema, compilation, every problem rendered).
A finding is any exception that is not a MedcreditError, or a load over the promised
2 s of CPU (times the instrumentation margin of ``atheris_common``).  libFuzzer writes
the input of a finding to ``crash-*``; minimise it and keep it in ``tests/fuzz/crashers``.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from atheris_common import ROOT, crasher_texts, instrumented, run, within_bound

with instrumented():
    from medcredit.diagnostics.errors import MedcreditError
    from medcredit.pack.loader import read_pack_source, validate_pack_text

PACK_CPU_S = 2.0
_WORKDIR = Path(tempfile.mkdtemp(prefix="medcredit-atheris-"))


def load(data: bytes) -> None:
    """Load ``data`` as a pack file; only MedcreditError may escape (it is swallowed here)."""
    path = _WORKDIR / "fuzz.yaml"
    path.write_bytes(data)
    with contextlib.suppress(MedcreditError):
        # read_pack_source + validate_pack_text is load_pack without its cache (a cached load
        # would make the second timing of a slow input fast)
        source = read_pack_source(path)
        _compiled, problems = validate_pack_text(source.text, source.file)
        for problem in problems:
            problem.render()


def check(data: bytes) -> None:
    within_bound(lambda: load(data), PACK_CPU_S)


def seeds() -> list[bytes]:
    packs = sorted((ROOT / "src" / "medcredit" / "packs").glob("*.yaml"))
    return [path.read_bytes() for path in packs] + crasher_texts("pack")


if __name__ == "__main__":
    raise SystemExit(run(check, seeds, "atheris_pack_yaml"))
