"""Ids compared as machine words give what string comparison and the dictionary join give.

:func:`medcredit.columnar.keys.word_runs` (runs of equal record owners found by comparing the
ids' bytes as 64-bit words) against :func:`medcredit.columnar.keys.runs_of` (Arrow string
comparison), and :func:`medcredit.columnar.keys.ordered_rows` (which of a slice's subject ids
have records, from sorted hashes, proved word by word) against Arrow's dictionary encoding: ids of
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


def _ids(rng: random.Random, width: int, n: int) -> list[str]:
    ids = [_word(rng, width) for _ in range(n)]
    return [w if len(w.encode()) == width else "Q" * width for w in ids]


@pytest.mark.parametrize("seed", range(6))
def test_ordered_rows_are_those_of_the_dictionary_join(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(80):
        width = rng.choice(WIDTHS)
        ids = list(dict.fromkeys(_ids(rng, width, rng.randint(1, 50))))
        later = [w for w in _ids(rng, width, rng.randint(0, 5)) if w not in ids]  # the next slice's
        having = [w for w in ids if rng.random() < 0.8]
        owners = [w for w in having + later for _ in range(rng.randint(1, 3))]
        id_array = _chunked(rng, ids).combine_chunks()
        id_words = keys.id_words(id_array, width)
        runs = [np.zeros(0, np.uint64)] * len(id_words)  # no records: no runs
        if owners:
            runs = [word[: len(ids)] for word in keys.word_runs(_chunked(rng, owners), width)[1]]
        found = keys.ordered_rows(runs, id_words)
        assert found is not None, (ids, owners)
        rows, hashed = found
        assert rows.tolist() == [ids.index(w) for w in having]
        assert hashed.tolist() == keys._hashes(id_array, width).tolist()


@pytest.mark.parametrize("seed", range(4))
def test_ordered_rows_refuse_what_is_not_in_order(seed: int) -> None:
    rng = random.Random(seed)
    refused = 0
    for _ in range(80):
        width = rng.choice(WIDTHS)
        ids = _ids(rng, width, rng.randint(2, 30))
        if rng.random() < 0.2:
            ids[rng.randrange(len(ids))] = ids[rng.randrange(len(ids))]  # perhaps a repeat
        owners = [rng.choice(ids) for _ in range(rng.randint(1, 40))]  # any order, repeats
        id_array = pa.array(ids, pa.string())
        _, runs = keys.word_runs(pa.chunked_array([owners], pa.string()), width)
        runs = [word[: len(ids)] for word in runs]
        found = keys.ordered_rows(runs, keys.id_words(id_array, width))
        want, _ = keys.subject_rows_hashed(pa.array(owners, pa.string()), id_array)
        run_rows = want[np.flatnonzero(np.r_[True, want[1:] != want[:-1]])][: len(ids)]
        if found is None:
            refused += 1
            continue
        # accepted: the first runs are exactly the ids said, each once, in order
        rows = found[0]
        assert len(set(ids)) == len(ids)
        assert run_rows[: len(rows)].tolist() == rows.tolist()
        assert rows.tolist() == sorted(set(rows.tolist()))
    assert refused > 10


def test_ordered_rows_with_colliding_hashes_refuse(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = pa.array(["AAAA", "BBBB", "CCCC"])
    _, runs = keys.word_runs(pa.chunked_array([["AAAA", "AAAA", "CCCC"]]), 4)
    found = keys.ordered_rows(runs, keys.id_words(ids, 4))
    assert found is not None and found[0].tolist() == [0, 2]
    # every id hashes alike: two ids with one hash, refused (the general join decides)
    monkeypatch.setattr(keys, "hash_words", lambda words: np.zeros(len(words[0]), dtype=np.uint64))
    assert keys.ordered_rows(runs, keys.id_words(ids, 4)) is None


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
