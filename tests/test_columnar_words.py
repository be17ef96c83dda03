"""Ids compared as machine words give what string comparison and the dictionary join give.

:func:`medcredit.columnar.keys.word_runs` (runs of equal record owners found by comparing the
ids' bytes as 64-bit words) against :func:`medcredit.columnar.keys.runs_of` (Arrow string
comparison), and :func:`medcredit.columnar.keys.join_words` (runs joined to subject ids by
hashed words, every match confirmed word by word) against Arrow's dictionary encoding: ids of
every width around a word (1 to 25 bytes), non-ASCII ids, chunked and sliced arrays (offsets
that are not multiples of 8), empty chunks, empty slices, repeats and forced hash collisions.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow", reason="the columnar path needs the 'columnar' extra (pyarrow, numpy)")

from medcredit.columnar import keys  # noqa: E402
from medcredit.columnar.slices import partition  # noqa: E402

WIDTHS = [1, 7, 8, 9, 15, 16, 17, 18, 24, 25]


def _word(rng: random.Random, size: int) -> str:
    # "巫" is 3 bytes: a width in bytes, not characters
    alphabet = "AB" if rng.random() < 0.3 else "0123456789ABCDEFGHJKLMNPQRTUWXY"
    text = "".join(rng.choice(alphabet) for _ in range(size))
    if size >= 3 and rng.random() < 0.3:
        at = rng.randrange(size - 2)
        text = text[:at] + "巫" + text[at + 3 :]
    return text


def _chunked(rng: random.Random, values: list[str]) -> Any:
    """Chunks as a Parquet file reads them, some empty, some sliced out of larger buffers."""
    cuts = sorted(rng.randint(0, len(values)) for _ in range(rng.randint(0, 4)))
    chunks = []
    for a, z in itertools.pairwise([0, *cuts, len(values)]):
        pad = rng.randint(0, 9)
        whole = pa.array(["x" * len(values[0].encode()) if values else "x"] * pad + values[a:z], pa.string())
        chunks.append(whole.slice(pad, z - a))
    return pa.chunked_array(chunks, pa.string())


@pytest.mark.parametrize("seed", range(6))
def test_word_runs_are_the_string_runs(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        width = rng.choice(WIDTHS)
        pool = [_word(rng, width) for _ in range(rng.randint(1, 6))]
        pool = [w for w in pool if len(w.encode()) == width] or ["Z" * width]
        values = [rng.choice(pool) for _ in range(rng.randint(0, 80))]
        owners = _chunked(rng, values)
        if values:
            assert keys.common_width(owners) == width
        starts, runs = keys.word_runs(owners, width)
        want_starts, want_runs = keys.runs_of(owners)
        assert starts.tolist() == want_starts.tolist(), values
        assert keys.hash_words(runs).tolist() == keys._hashes(want_runs, width).tolist()


def test_common_width_refuses_mixed_lengths_and_nulls() -> None:
    assert keys.common_width(pa.chunked_array([["AB", "CD"], [], ["EF"]])) == 2
    assert keys.common_width(pa.chunked_array([["AB"], ["CDE"]])) is None  # each chunk of one width
    assert keys.common_width(pa.chunked_array([["AB", "CDE"]])) is None
    assert keys.common_width(pa.chunked_array([["AB", None]])) is None
    assert keys.common_width(pa.chunked_array([["", ""]])) is None
    assert keys.common_width(pa.chunked_array([[]], pa.string())) is None
    assert keys.common_width(pa.chunked_array([["巫山"]])) == 6


@pytest.mark.parametrize("seed", range(6))
def test_join_words_is_the_dictionary_join(seed: int) -> None:
    rng = random.Random(seed)
    confirmed = 0
    for _ in range(80):
        width = rng.choice(WIDTHS)
        n = rng.randint(0, 50)
        ids = [_word(rng, width) for _ in range(n)]
        ids = [w if len(w.encode()) == width else "Q" * width for w in ids]
        if n and rng.random() < 0.3:
            ids[rng.randrange(n)] = ids[rng.randrange(n)]  # a repeat
        owners = [
            rng.choice(ids) if ids and rng.random() < 0.8 else _word(rng, width) for _ in range(rng.randint(0, 60))
        ]
        owners = [w if len(w.encode()) == width else "R" * width for w in owners]
        id_array = _chunked(rng, ids).combine_chunks() if ids else pa.array([], pa.string())
        starts, runs = keys.word_runs(_chunked(rng, owners), width)
        joined = keys.join_words(runs, keys.id_words(id_array, width)) if ids else None
        want_rows, want_duplicate = keys.subject_rows_hashed(pa.array(owners, pa.string()), id_array)
        if joined is None:
            continue
        found, duplicate, hashed = joined
        lengths = np.diff(np.append(starts, len(owners)))
        assert np.repeat(found, lengths).tolist() == want_rows.tolist(), (ids, owners)
        assert duplicate.tolist() == want_duplicate.tolist()
        assert hashed.tolist() == keys._hashes(id_array, width).tolist()
        confirmed += 1
    assert confirmed > 40


def test_join_words_with_colliding_hashes_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = pa.array(["AAAA", "BBBB", "CCCC"])
    _, runs = keys.word_runs(pa.chunked_array([["CCCC", "CCCC", "AAAA"]]), 4)
    assert keys.join_words(runs, keys.id_words(ids, 4)) is not None
    # every id hashes alike: the first match found is confirmed on the words, and fails
    monkeypatch.setattr(keys, "hash_words", lambda words: np.zeros(len(words[0]), dtype=np.uint64))
    assert keys.join_words(runs, keys.id_words(ids, 4)) is None


def test_the_grouped_partition_takes_the_word_path_and_agrees_with_the_whole_join() -> None:
    rng = random.Random(5)
    for width in (5, 8, 18, 21):
        ids = list(dict.fromkeys(_word(rng, width) for _ in range(300)))
        ids = [w for w in ids if len(w.encode()) == width]
        counts = [rng.choice([0, 0, 1, 2, 3, 7]) for _ in ids]  # some subjects without records
        owners = [w for w, c in zip(ids, counts, strict=True) for _ in range(c)]
        subjects = pa.table({"id": _chunked(rng, ids)})
        records = pa.table({"subject_id": _chunked(rng, owners)})
        want, _ = keys.subject_rows_hashed(records.column("subject_id"), subjects.column("id").combine_chunks())
        for size in (1, 7, 64, len(ids) - 1):
            found = partition(subjects, records, size)
            assert found is not None and found.order is None and found.runs is not None
            assert np.array_equal(found.record_rows(), want)
            assert found.cuts.tolist() == np.searchsorted(want, found.bounds).tolist()
