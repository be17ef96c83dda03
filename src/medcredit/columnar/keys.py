"""Records to subjects: each record's row in the subjects table, and which subject ids repeat.

Two ways to the same answer.  :func:`subject_rows_hashed` is Arrow's dictionary encoding
(one hash pass over the subject ids and the first id of each run of records): exact for
any ids, but hashing variable-length strings costs ≈ 0.3 µs an id.  :func:`subject_rows`
first tries the common case of ids of one byte length (a USCC is 18 characters): the
bytes of each id are read as machine words straight from the Arrow buffer, hashed in
numpy, and joined by sorting the 64-bit hashes.  Equal ids have equal hashes, so an id
whose hash no subject has is absent; every match and every repeat found through a hash
is then confirmed by comparing the strings themselves, and any hash collision (or ids of
mixed lengths, or null ids) sends the whole table to the exact path.  The answer is
therefore always the exact one; only the time differs.

The sliced path (:mod:`medcredit.columnar.slices`) goes further for ids of one byte length:
:func:`word_runs` finds the runs of equal record owners by comparing the ids' words (no
string comparison, no copy of the run ids as strings), and :func:`ordered_rows` finds which
of a slice's subject ids have records from the sorted hashes and proves it by comparing the
words of those ids with the runs', in order.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# odd 64-bit multipliers (from splitmix64): a multiply-xorshift mix per word
_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB)


def subject_rows(subject_ids: pa.Array | pa.ChunkedArray, ids: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The subjects-table row of each record (-1: no such subject), and which subject ids repeat.

    A repeated id's records belong to its first row (as a dictionary lookup would say).
    """
    starts, runs = _runs(subject_ids)
    fast = _fixed_width_join(runs, ids)
    if fast is None:
        found, duplicate = _hashed_join(runs, ids)
    else:
        found, duplicate = fast
    lengths = np.diff(np.append(starts, len(subject_ids)))
    return np.repeat(found, lengths).astype(np.int64), duplicate


def subject_rows_hashed(subject_ids: pa.Array | pa.ChunkedArray, ids: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """:func:`subject_rows` by Arrow's dictionary encoding alone (the reference for tests)."""
    starts, runs = _runs(subject_ids)
    found, duplicate = _hashed_join(runs, ids)
    lengths = np.diff(np.append(starts, len(subject_ids)))
    return np.repeat(found, lengths).astype(np.int64), duplicate


def _runs(subject_ids: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Where each run of equal subject ids starts, and the id of each run (records usually come grouped).

    Chunk by chunk (as a Parquet file reads): no copy joins the chunks, and a run that
    crosses a chunk boundary is still one run.
    """
    chunks = subject_ids.chunks if isinstance(subject_ids, pa.ChunkedArray) else [subject_ids]
    starts: list[np.ndarray] = []
    runs: list[pa.Array] = []
    offset = 0
    last: object = None  # the id that ends the chunks so far
    for chunk in chunks:
        m = len(chunk)
        if m == 0:
            continue
        first = np.ones(m, dtype=bool)
        first[1:] = np.asarray(pc.not_equal(chunk[1:], chunk[:-1]).fill_null(True), dtype=bool)
        head = chunk[0].as_py()
        first[0] = head is None or head != last
        last = chunk[m - 1].as_py()
        starts.append(np.flatnonzero(first) + offset)
        runs.append(chunk.filter(pa.array(first)))
        offset += m
    if not runs:
        return np.zeros(0, dtype=np.int64), pa.array([], pa.string())
    return np.concatenate(starts), runs[0] if len(runs) == 1 else pa.concat_arrays(runs)


def _hashed_join(runs: pa.Array, ids: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The dictionary of the concatenation lists the subject ids first: a unique id's index is its row."""
    n = len(ids)
    encoded = pc.dictionary_encode(pa.concat_arrays([ids, runs])).indices.fill_null(-1)
    index = np.asarray(encoded.to_numpy(zero_copy_only=False), dtype=np.int64)
    own, looked_up = index[:n], index[n:]
    size = n + len(runs) + 1
    duplicate = np.zeros(n, dtype=bool)
    if not np.array_equal(own, np.arange(n)):
        counts = np.bincount(own[own >= 0], minlength=size)
        duplicate = (own >= 0) & (counts[np.maximum(own, 0)] > 1)
    # a dictionary index → the first subject row with that id (-1: an id no subject has)
    first_row = np.full(size, -1, dtype=np.int64)
    rows_back = np.arange(n)[::-1]
    valid_back = own[::-1] >= 0
    first_row[own[::-1][valid_back]] = rows_back[valid_back]
    found = np.where(looked_up >= 0, first_row[np.maximum(looked_up, 0)], -1)
    return found, duplicate


def _width(data: pa.Array) -> int | None:
    """The byte length shared by every string of ``data`` (None: mixed lengths, nulls, or not plain strings)."""
    if not pa.types.is_string(data.type) or data.null_count or len(data) == 0:
        return None
    offsets = np.frombuffer(data.buffers()[1], dtype=np.int32)[data.offset : data.offset + len(data) + 1]
    width = int(offsets[1] - offsets[0])
    if width == 0 or int(offsets[-1] - offsets[0]) != width * len(data):
        return None
    if not np.all(np.diff(offsets) == width):
        return None
    return width


def _hashes(data: pa.Array, width: int) -> np.ndarray:
    """A 64-bit hash of each string (every one ``width`` bytes long), from its bytes read in place."""
    return _mix(_words(data, width))


def _words(data: pa.Array, width: int) -> list[np.ndarray]:
    """The bytes of each string (every one ``width`` bytes long) as little-endian 64-bit words.

    From 8 bytes on, the words are read straight from the data buffer, one string apart (the last
    word may overlap the one before it, so every byte is read without padding a copy): equal
    strings have equal words and, at one width, unequal strings differ in some word.
    """
    offsets = np.frombuffer(data.buffers()[1], dtype=np.int32)[data.offset : data.offset + len(data) + 1]
    start, n = int(offsets[0]), len(data)
    if n == 0:  # e.g. no run id of the subjects' length: there may be no data buffer to view
        return [np.zeros(0, dtype=np.uint64)]
    if width >= 8:
        places = list(range(0, width - 7, 8))
        if places[-1] != width - 8:
            places.append(width - 8)
        return [
            np.ndarray((n,), dtype="<u8", buffer=data.buffers()[2], offset=start + p, strides=(width,)) for p in places
        ]
    raw = np.frombuffer(data.buffers()[2], dtype=np.uint8)[start : start + width * n]
    padded = np.zeros((n, 8), dtype=np.uint8)
    padded[:, :width] = raw.reshape(n, width)
    return [padded.view("<u8")[:, 0]]


def _mix(words: list[np.ndarray]) -> np.ndarray:
    """A 64-bit hash of each string from its words (a multiply-xorshift round per word)."""
    h = np.zeros(len(words[0]), dtype=np.uint64)
    for j, word in enumerate(words):
        h ^= word
        h *= np.uint64(_MULTIPLIERS[j % 3])
        h ^= h >> np.uint64(31)
    return h


def runs_of(subject_ids: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Where each run of equal ids starts, and the id of each run."""
    return _runs(subject_ids)


def _fixed_width_join(
    runs: pa.Array, ids: pa.Array, width: int | None = None, hashed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The join through 64-bit hashes of fixed-width ids, every match confirmed; None: use the exact path.

    Hashes are joined by :func:`_hash_join`; every match and every repeat it finds is then
    confirmed by comparing the strings themselves.
    """
    width = _width(ids) if width is None else width
    if width is None:
        return None
    n = len(ids)
    hashed = _hashes(ids, width) if hashed is None else hashed
    duplicate = np.zeros(n, dtype=bool)
    if len(runs):
        # a run id of another length (or null) is no subject's id
        lengths = np.asarray(pc.binary_length(runs).fill_null(-1), dtype=np.int64)
        pending = np.flatnonzero(lengths == width)
        wanted = runs if len(pending) == len(runs) else runs.take(pa.array(pending))
        keys = _hashes(wanted, width)
    else:
        pending, keys = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    joined = _hash_join(hashed, keys)
    if joined is None:
        return None
    found_at, pairs = joined
    if len(pairs[0]):
        if not pc.all(pc.equal(ids.take(pa.array(pairs[0])), ids.take(pa.array(pairs[1])))).as_py():
            return None  # a hash collision: the exact path decides
        duplicate[pairs[0]] = True
        duplicate[pairs[1]] = True
    hit = found_at >= 0
    if hit.any():
        matched = wanted if bool(hit.all()) else wanted.filter(pa.array(hit))
        if not pc.all(pc.equal(ids.take(pa.array(found_at[hit])), matched)).as_py():
            return None
    found = np.full(len(runs), -1, dtype=np.int64)
    found[pending] = found_at
    return found, duplicate


def _hash_join(hashed: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]] | None:
    """The row of ``hashed`` holding each key (-1: none), and the pairs of rows with equal hashes.

    The hashes go into direct-address tables (a slot per hash prefix, two to four times as many
    slots as hashes), in rounds: in each round the first row to claim a slot keeps it, and the
    rows that lost go to the next round's table, sized to them and indexed by other bits of the
    hash.  A row whose whole hash equals its slot holder's is a repeat of it (a pair: the holder,
    the row).  Each key is looked up round by round until a slot holds its hash.  All of it is
    whole-array numpy; the caller confirms the pairs and the matches on the ids themselves.
    None: slots never settled (pathological hashes).
    """
    n = len(hashed)
    rows = np.arange(n, dtype=np.int64)  # the rows still to place
    looked_up: np.ndarray | None = None  # positions in ``keys`` still looked for (None: all of them)
    found_at = np.full(len(keys), -1, dtype=np.int64)
    repeats: list[np.ndarray] = []
    shift = 0
    while len(rows):
        bits = max(4, int(2 * len(rows)).bit_length())
        if shift + bits > 64:
            return None
        mask = np.uint64((1 << bits) - 1)
        mine = hashed if len(rows) == n else hashed[rows]
        slot = (mine >> np.uint64(shift)) & mask
        table = np.full(1 << bits, -1, dtype=np.int64)
        table[slot[::-1]] = rows[::-1]  # the last write wins: the first row of each slot
        holder = table[slot]
        lost = holder != rows
        same = lost & (hashed[holder] == mine)
        if same.any():  # repeated ids (or a whole-hash collision, which the caller's check finds)
            repeats.append(np.stack([holder[same], rows[same]]))
        wanted = keys if looked_up is None else keys[looked_up]
        if len(wanted):
            # an empty slot (-1) reads row 0's hash, but is no hit: no masked gathers (they cost more)
            candidate = table[(wanted >> np.uint64(shift)) & mask]
            hit = (hashed[np.maximum(candidate, 0)] == wanted) & (candidate >= 0)
            if looked_up is None:
                np.copyto(found_at, candidate, where=hit)
                looked_up = np.flatnonzero(~hit)
            else:
                found_at[looked_up[hit]] = candidate[hit]
                looked_up = looked_up[~hit]
        rows = rows[lost & ~same]
        shift += 7
    pairs = np.concatenate(repeats, axis=1) if repeats else np.zeros((2, 0), dtype=np.int64)
    return found_at, (pairs[0], pairs[1])


def common_width(data: pa.ChunkedArray) -> int | None:
    """The byte length shared by every string of every chunk (None: mixed lengths, nulls, no strings)."""
    widths = {_width(chunk) for chunk in data.chunks if len(chunk)}
    return widths.pop() if len(widths) == 1 else None


def word_runs(ids: pa.ChunkedArray, width: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Where each run of equal ids starts, and each run's id as its words (:func:`_words`).

    ``ids`` must all be ``width`` bytes long (:func:`common_width`).  Neighbours are compared
    word by word (a few machine-word comparisons per id, where a string comparison costs several
    times that), chunk by chunk; a run that crosses a chunk boundary is still one run.
    """
    starts: list[np.ndarray] = []
    runs: list[list[np.ndarray]] = []
    for found in word_runs_by_chunk(ids, width):
        assert found is not None, "ids of another width"
        starts.append(found[0])
        runs.append(found[1])
    if not runs:
        return np.zeros(0, dtype=np.int64), [np.zeros(0, dtype=np.uint64)]
    return np.concatenate(starts), [np.concatenate(parts) for parts in zip(*runs, strict=True)]


def word_runs_by_chunk(ids: pa.ChunkedArray, width: int) -> Iterator[tuple[np.ndarray, list[np.ndarray]] | None]:
    """:func:`word_runs` one chunk at a time: the runs that start in each chunk (starts counted from the
    first chunk); None, and nothing after it, for a chunk whose ids are not all ``width`` bytes long."""
    offset = 0
    last: list[int] | None = None  # the words of the id that ends the chunks so far
    for chunk in ids.chunks:
        m = len(chunk)
        if m == 0:
            continue
        if _width(chunk) != width:
            yield None
            return
        # aligned copies (a few machine words per id): numpy compares and gathers unaligned words slowly
        words = [np.ascontiguousarray(word) for word in _words(chunk, width)]
        first = np.empty(m, dtype=bool)
        first[0] = last is None or any(int(w[0]) != v for w, v in zip(words, last, strict=True))
        differs = first[1:]
        np.not_equal(words[0][1:], words[0][:-1], out=differs)
        for word in words[1:]:
            differs |= word[1:] != word[:-1]
        at = np.flatnonzero(first)
        yield at + offset, [word[at] for word in words]
        last = [int(word[m - 1]) for word in words]
        offset += m


def id_words(ids: pa.Array, width: int) -> list[np.ndarray]:
    """The words of ids all ``width`` bytes long (:func:`_words`), as aligned copies (gathered from fast)."""
    return [np.ascontiguousarray(word) for word in _words(ids, width)]


def hash_words(words: list[np.ndarray]) -> np.ndarray:
    """The 64-bit hash of each id from its words (that of :func:`_hashes`)."""
    return _mix(words)


def ordered_rows(run_words: list[np.ndarray], id_words: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """The ids that the first runs name, if they name them in order; and the 64-bit hash of each id.

    For records grouped by subject in subject order, the runs looked at (as many as the ids, or
    fewer) are the runs of the ids that have records, in id order, then runs of later ids.  Which
    ids have records is read from the hashes (the ids' sorted, the runs' sorted, one merge), then
    proved: the first ``m`` runs must equal, word by word, the ``m`` ids that have records, in
    order.  Sorts and a few passes, where a hash table costs scattered reads and writes.  None:
    two ids with one hash (a repeat or a collision), or the proof fails (records out of order, a
    subject in two runs, a collision): the caller's general join decides.
    """
    hashed = hash_words(id_words)
    order = np.argsort(hashed)
    ids_sorted = hashed[order]
    if bool((ids_sorted[1:] == ids_sorted[:-1]).any()):
        return None
    runs_sorted = np.sort(hash_words(run_words))
    has = np.zeros(len(hashed), dtype=bool)
    if len(runs_sorted):
        at = np.minimum(np.searchsorted(runs_sorted, ids_sorted), len(runs_sorted) - 1)
        has[order] = runs_sorted[at] == ids_sorted
    rows = np.flatnonzero(has)
    # (more ids with records than runs looked at, and the prefix compared is shorter: not equal)
    if not all(bool(np.array_equal(i[rows], r[: len(rows)])) for i, r in zip(id_words, run_words, strict=True)):
        return None
    return rows, hashed
