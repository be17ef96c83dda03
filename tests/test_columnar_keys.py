"""Records to subjects: the fixed-width hash join gives exactly the dictionary-encoding answer.

Fuzzed id columns (deterministic seed): repeats, ids no subject has, ids of other lengths,
nulls, records out of subject order, sliced arrays, and forced hash collisions.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow", reason="the columnar path needs the 'columnar' extra (pyarrow, numpy)")

from medcredit.columnar import keys  # noqa: E402


def _case(rng: random.Random) -> tuple[Any, Any]:
    width = rng.choice([1, 7, 8, 9, 18, 24])
    alphabet = "AB" if rng.random() < 0.3 else "0123456789ABCDEFGHJKLMNPQRTUWXY巫"
    n = rng.randint(0, 60)

    def word(size: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(size))

    ids: list[str | None] = [word(width) for _ in range(n)]
    if n and rng.random() < 0.3:  # a repeated subject id
        ids[rng.randrange(n)] = ids[rng.randrange(n)]
    if n and rng.random() < 0.1:
        ids[rng.randrange(n)] = word(width + 1)  # mixed lengths: the exact path
    if n and rng.random() < 0.05:
        ids[rng.randrange(n)] = None
    records: list[str | None] = []
    for _ in range(rng.randint(0, 120)):
        roll = rng.random()
        if roll < 0.75 and n:
            records.append(ids[rng.randrange(n)])
        elif roll < 0.85:
            records.append(word(width))  # no such subject (usually)
        elif roll < 0.95:
            records.append(word(rng.randint(0, width + 2)))
        else:
            records.append(None)
    if rng.random() < 0.7:  # usually grouped by subject
        records.sort(key=lambda x: (x is None, ids.index(x) if x in ids else -1, x or ""))
    return _maybe_sliced(rng, ids), _maybe_sliced(rng, records)


def _maybe_sliced(rng: random.Random, values: list[str | None]) -> Any:
    if rng.random() < 0.3:  # an array with an offset into larger buffers
        return pa.array(["pad", *values, "pad"], pa.string()).slice(1, len(values))
    return pa.array(values, pa.string())


def _chunked(rng: random.Random, values: Any) -> Any:
    cuts = sorted(rng.randint(0, len(values)) for _ in range(rng.randint(0, 3)))
    bounds = [0, *cuts, len(values)]
    return pa.chunked_array([values.slice(a, z - a) for a, z in itertools.pairwise(bounds)], pa.string())


@pytest.mark.parametrize("seed", range(4))
def test_fixed_width_join_equals_dictionary_encoding(seed: int) -> None:
    rng = random.Random(seed)
    fast_paths = 0
    for _ in range(150):
        ids, records = _case(rng)
        got = keys.subject_rows(records, ids)
        want = keys.subject_rows_hashed(records, ids)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1]), (ids, records)
        chunked = _chunked(rng, records)  # as a Parquet file reads: runs may cross chunk boundaries
        got = keys.subject_rows(chunked, ids)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1]), (ids, chunked)
        fast_paths += keys._fixed_width_join(keys._runs(records)[1], ids) is not None
    assert fast_paths > 30  # many cases took the fixed-width path, so it is what was compared


def test_hash_collisions_fall_back_to_the_exact_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # every id hashes alike: every confirmation by string comparison fails, and the answer stays exact
    monkeypatch.setattr(keys, "_hashes", lambda data, width: np.zeros(len(data), dtype=np.uint64))
    ids = pa.array(["AAAA", "BBBB", "CCCC", "BBBB"])
    records = pa.array(["CCCC", "CCCC", "DDDD", "BBBB", "AA", None])
    assert keys._fixed_width_join(keys._runs(records)[1], ids) is None
    rows, duplicate = keys.subject_rows(records, ids)
    assert rows.tolist() == [2, 2, -1, 1, -1, -1]
    assert duplicate.tolist() == [False, True, False, True]


def test_a_run_across_chunks_is_one_run() -> None:
    records = pa.chunked_array([["A", "A"], ["A", "B"], [], ["B"], [None], [None, "B"]], pa.string())
    starts, runs = keys.runs_of(records)
    assert starts.tolist() == [0, 3, 5, 6, 7] and runs.to_pylist() == ["A", "B", None, None, "B"]
