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
"""

from __future__ import annotations

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
    offsets = np.frombuffer(data.buffers()[1], dtype=np.int32)[data.offset : data.offset + len(data) + 1]
    start, n = int(offsets[0]), len(data)
    if n == 0:  # e.g. no run id of the subjects' length: there may be no data buffer to view
        return np.zeros(0, dtype=np.uint64)
    if width >= 8:
        # 8-byte words read straight from the data buffer, one string apart (the last word may
        # overlap the one before it, so every byte is read without padding a copy)
        places = list(range(0, width - 7, 8))
        if places[-1] != width - 8:
            places.append(width - 8)
        words = [
            np.ndarray((n,), dtype="<u8", buffer=data.buffers()[2], offset=start + p, strides=(width,)) for p in places
        ]
    else:
        raw = np.frombuffer(data.buffers()[2], dtype=np.uint8)[start : start + width * n]
        padded = np.zeros((n, 8), dtype=np.uint8)
        padded[:, :width] = raw.reshape(n, width)
        words = [padded.view("<u8")[:, 0]]
    h = np.zeros(n, dtype=np.uint64)
    for j, word in enumerate(words):
        h ^= word
        h *= np.uint64(_MULTIPLIERS[j % 3])
        h ^= h >> np.uint64(31)
    return h


def runs_of(subject_ids: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Where each run of equal ids starts, and the id of each run."""
    return _runs(subject_ids)


def fixed_width_rows(runs: pa.Array, ids: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Each of ``runs``' row in ``ids`` (-1: none), which ids repeat, and the 64-bit hash of each id.

    None: not ids of one byte length, or a hash collision (the exact path decides).
    """
    width = _width(ids)
    if width is None:
        return None
    hashed = _hashes(ids, width)
    joined = _fixed_width_join(runs, ids, width, hashed)
    return None if joined is None else (joined[0], joined[1], hashed)


def _fixed_width_join(
    runs: pa.Array, ids: pa.Array, width: int | None = None, hashed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The join through 64-bit hashes of fixed-width ids, every match confirmed; None: use the exact path.

    The subject ids' hashes go into direct-address tables (a slot per hash prefix, about twice as
    many slots as ids), in rounds: in each round the first row to claim a slot keeps it, and the
    rows that lost go to the next round's table, indexed by other bits of the hash.  A row whose
    whole hash equals its slot holder's is a repeat (confirmed as the same string).  Each run id
    is looked up round by round until a slot holds its hash.  All of it is whole-array numpy.
    """
    width = _width(ids) if width is None else width
    if width is None:
        return None
    n = len(ids)
    hashed = _hashes(ids, width) if hashed is None else hashed
    bits = max(4, int(2 * n).bit_length())
    mask = np.uint64((1 << bits) - 1)
    duplicate = np.zeros(n, dtype=bool)
    remaining = np.arange(n, dtype=np.int64)
    if len(runs):
        # a run id of another length (or null) is no subject's id
        lengths = np.asarray(pc.binary_length(runs).fill_null(-1), dtype=np.int64)
        pending = np.flatnonzero(lengths == width)
        wanted = runs if len(pending) == len(runs) else runs.take(pa.array(pending))
        keys = _hashes(wanted, width)
    else:
        pending, keys = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    looked_up = np.arange(len(pending))  # positions in ``keys`` still looked for
    found_at = np.full(len(pending), -1, dtype=np.int64)
    repeats: list[np.ndarray] = []
    for shift in range(0, 64 - bits + 1, 7):
        if len(remaining) == 0:
            break
        slot = (hashed[remaining] >> np.uint64(shift)) & mask
        table = np.full(1 << bits, -1, dtype=np.int64)
        table[slot[::-1]] = remaining[::-1]  # the last write wins: the first row of each slot
        holder = table[slot]
        lost = holder != remaining
        same = lost & (hashed[holder] == hashed[remaining])
        if same.any():  # repeated ids (or a whole-hash collision, settled below by the strings)
            repeats.append(np.stack([holder[same], remaining[same]]))
        if len(looked_up):
            candidate = table[(keys[looked_up] >> np.uint64(shift)) & mask]
            hit = candidate >= 0
            hit[hit] = hashed[candidate[hit]] == keys[looked_up[hit]]
            found_at[looked_up[hit]] = candidate[hit]
            looked_up = looked_up[~hit]
        remaining = remaining[lost & ~same]
    if len(remaining):
        return None  # slots never settled (pathological hashes): the exact path decides
    if repeats:
        pairs = np.concatenate(repeats, axis=1)
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
