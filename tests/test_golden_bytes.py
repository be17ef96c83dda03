"""Byte-for-byte regression of `medcredit evaluate --format jsonl`.

Recorded before the package was reorganised into layers (architecture issue):
a refactor must not change a single byte of any result or trace.  The digests
cover 10,000 generated subjects (every record kind, code and category) under
every bundled pack; the bundled samples are kept whole so a difference can be
read.  A deliberate change of the law's reading re-records them and says why in
the commit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from golden_bytes.population import population
from medcredit.cli.main import main

HERE = Path(__file__).parent / "golden_bytes"
RECORDED = json.loads((HERE / "recorded.json").read_text(encoding="utf-8"))
EXAMPLES = Path(__file__).parent.parent / "examples"


def _run(capsys: pytest.CaptureFixture[str], pack: str, cycle: int, path: Path) -> bytes:
    capsys.readouterr()
    code = main(["evaluate", "--pack", pack, "--cycle", str(cycle), str(path), "--format", "jsonl"])
    out = capsys.readouterr().out
    assert code == 0
    return out.encode("utf-8")


@pytest.fixture(scope="module")
def population_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = RECORDED["population"]
    path = tmp_path_factory.mktemp("pop") / "population.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for subject in population(spec["subjects"], spec["seed"]):
            out.write(json.dumps(subject, ensure_ascii=False) + "\n")
    return path


@pytest.mark.parametrize("key", sorted(RECORDED["sha256"]))
def test_population_bytes_unchanged(key: str, population_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack, cycle = key.rsplit("-", 1)
    out = _run(capsys, pack, int(cycle), population_file)
    assert out.count(b"\n") == RECORDED["population"]["subjects"]
    assert hashlib.sha256(out).hexdigest() == RECORDED["sha256"][key]


@pytest.mark.parametrize("pack", ["wushan", "suixian", "zhongmou", "liaoning"])
@pytest.mark.parametrize("sample", ["wushan-subjects.jsonl", "one-pharmacy.json"])
def test_sample_bytes_unchanged(pack: str, sample: str, capsys: pytest.CaptureFixture[str]) -> None:
    cycle = 2024 if pack == "liaoning" else 2023
    out = _run(capsys, pack, cycle, EXAMPLES / sample)
    expected = (HERE / f"sample-{pack}-{sample.split('.')[0]}.jsonl").read_bytes()
    assert out.decode("utf-8").splitlines() == expected.decode("utf-8").splitlines()
    assert out == expected
