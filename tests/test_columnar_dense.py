"""A scorecard path scored over the whole slice (masked) gives what scoring its rows alone gives.

``evaluate_table`` scores a path that holds at least ``1/DENSE_SHARE`` of a slice's subjects
over every subject of the slice and writes the points where the path applies; smaller paths
are scored at their rows.  Forced one way and then the other, every bundled pack must give
the same results table (same Parquet bytes), sliced or whole.  (Wushan is the bundled pack with
scorecard paths.)
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow", reason="the columnar path needs the 'columnar' extra (pyarrow, numpy)")

import pyarrow.parquet as pq  # noqa: E402

from medcredit.columnar import evaluate as evaluate_module  # noqa: E402
from medcredit.columnar import evaluate_table, subjects_to_tables  # noqa: E402
from medcredit.history.model import Subject  # noqa: E402
from medcredit.pack.loader import bundled_pack_names, load_pack  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "golden_bytes"))

import population  # noqa: E402

TABLES = subjects_to_tables([Subject.model_validate(d) for d in population.population(300, 11)])
SCORECARD_PACKS = [
    name
    for name in bundled_pack_names()
    if any(path.method == "scorecard" for path in load_pack(name).path_by_category.values())
]


def _bytes(table: Any) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


@pytest.mark.parametrize("pack_name", SCORECARD_PACKS)
@pytest.mark.parametrize("size", [10**9, 16])
def test_dense_and_indexed_scorecards_agree(pack_name: str, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = load_pack(pack_name)
    tables = []
    for share in (0, 10**9):  # never dense, always dense
        monkeypatch.setattr(evaluate_module, "DENSE_SHARE", share)
        tables.append(evaluate_table(pack, *TABLES, cycle=2023, override_validity=True, slice_subjects=size))
    assert tables[0].equals(tables[1], check_metadata=True)
    assert _bytes(tables[0]) == _bytes(tables[1])
    assert any(name.startswith("rule:") for name in tables[0].column_names)
