"""The columnar path does no Python-level work per row: its call count stays level as N grows.

Counted with ``sys.setprofile`` (every Python and builtin call, numpy and Arrow entry points
included) over ``evaluate_table`` on Wushan-like populations of 500 and 5,000 subjects: ten
times the rows must cost far less than ten times the calls.  Graded in slices, the calls grow
with the number of slices, not with the rows per slice.  Work, not wall-clock time, is
bounded, so the test is deterministic on any machine.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

pytest.importorskip("pyarrow", reason="the columnar path needs the 'columnar' extra (pyarrow, numpy)")

from medcredit.columnar import evaluate_table, subjects_to_tables
from medcredit.history.model import Subject
from medcredit.pack.loader import load_pack

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from generate import generate


def _calls(n: int, slice_subjects: int = 10**9) -> int:
    pack = load_pack("wushan")
    s, r = subjects_to_tables([Subject.model_validate_json(line) for line in generate(n, 5)])
    # the plan is made once per pack: not counted; one thread, as the profiler sees only this one
    table = evaluate_table(pack, s, r, cycle=2023, slice_subjects=slice_subjects, threads=1)
    assert set(table.column("evaluated_by").to_pylist()) == {"columnar"}
    count = 0

    def counter(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(counter)
    try:
        evaluate_table(pack, s, r, cycle=2023, slice_subjects=slice_subjects, threads=1)
    finally:
        sys.setprofile(None)
    return count


def test_python_calls_do_not_grow_with_the_rows() -> None:
    small, large = _calls(500), _calls(5000)
    # per-row work would make this 10×; what grows is per distinct value (scores written, score texts)
    assert large < 1.3 * small, (small, large)


def test_python_calls_grow_with_the_slices_not_the_rows() -> None:
    # ten slices either way: twice the rows per slice must not cost twice the calls
    small, large = _calls(2000, slice_subjects=200), _calls(4000, slice_subjects=400)
    assert large < 1.3 * small, (small, large)
    # and a slice costs about what one whole call costs (the join and the results table are made once)
    assert small < 10 * 1.3 * _calls(200), small
