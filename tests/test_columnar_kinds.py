"""Validation's counts and codes taken once give what a pass per check gives.

The fields present by record kind, counted in one pass over grouped bits, are those counted
field by field.

:func:`medcredit.columnar.schema._present_by_kind` keys each row by its kind and a bit per
column that is neither all null nor all set, up to eight columns a count: against one
``bincount`` per column, with unknown kinds, more than eight such columns (two groups),
columns all null or never null, and sliced columns (offsets that are not multiples of 8).
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow", reason="the columnar path needs the 'columnar' extra (pyarrow, numpy)")

from medcredit.columnar.schema import _null, _present_by_kind, validate  # noqa: E402
from medcredit.diagnostics.errors import HistoryError  # noqa: E402


@pytest.mark.parametrize(("seed", "columns"), [(0, 3), (1, 8), (2, 9), (3, 17), (4, 0)])
def test_present_by_kind_is_the_count_field_by_field(seed: int, columns: int) -> None:
    rng = random.Random(seed)
    kinds, n = 6, 300
    kind_code = np.array([rng.randrange(-1, kinds) for _ in range(n)], dtype=np.int64)  # -1: unknown
    data: dict[str, pa.Array] = {}
    for c in range(columns):
        share = rng.choice([0.0, 1.0, 0.1, 0.5, 0.9])  # all null, never null, or some
        values = [rng.random() if rng.random() < share else None for _ in range(n + 11)]
        whole = pa.array(values, pa.float64())
        data[f"c{c}"] = whole.slice(c % 11, n) if c % 2 else pa.chunked_array([whole.slice(0, n)])
    rows, counted = _present_by_kind(kind_code, kinds, data, lambda name: _null(data[name]))
    assert rows.tolist() == np.bincount(kind_code + 1, minlength=kinds + 1).tolist()
    assert sorted(counted) == sorted(data)
    for name, column in data.items():
        has = ~np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        want = np.bincount(kind_code[has] + 1, minlength=kinds + 1)
        assert counted[name].tolist() == want.tolist(), name


def test_village_clinics_without_a_parent_are_valid_input() -> None:
    """Only Wushan (第四条) manages village clinics under a parent; the tables, like the history, do not require
    ``parent_id`` (the pack decides): validation reports the unknown category, nothing about parents."""
    categories = ["village_clinic", "village_clinic", None, "pharmacy", "outpatient_clinic", "village_clinic"]
    parents = [None, "P", None, None, None, None]
    subjects = pa.table(
        {"id": [f"S{k}" for k in range(6)], "category": categories, "parent_id": pa.array(parents, pa.string())}
    )
    records = pa.table({"subject_id": ["S1"], "kind": ["inspection"], "date": [dt.date(2023, 5, 1)]})
    with pytest.raises(HistoryError) as info:
        validate(subjects, records)
    assert [p.path[-1] for p in info.value.problems] == ["category", "category"]
