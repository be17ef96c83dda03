"""Many words coded at once through Arrow give the codes one Python lookup per word gives.

``_Vocab.codes`` looks a batch of distinct words up in an Arrow copy of the words seen so far
(refreshed when words were added one by one in between) and turns only the words never seen
into Python strings: against ``_Vocab.code`` word by word, over batches that repeat, overlap,
are empty, and interleave with single words.
"""

from __future__ import annotations

import random

import pytest

pa = pytest.importorskip("pyarrow", reason="the columnar path needs the 'columnar' extra (pyarrow, numpy)")

from medcredit.columnar.evaluate import _Vocab  # noqa: E402


def test_batches_of_words_get_the_codes_word_by_word() -> None:
    rng = random.Random(3)
    pool = [f"{rng.randint(0, 100)}.{rng.randint(0, 99):02d}" for _ in range(300)] + ["巫山", "", "-0"]
    fast, slow = _Vocab(["seed", "85.00"]), _Vocab(["seed", "85.00"])
    for _ in range(40):
        if rng.random() < 0.3:  # a single word in between (as a scorecard's score text)
            word = rng.choice(pool)
            assert fast.code(word) == slow.code(word)
        batch = list(dict.fromkeys(rng.sample(pool, rng.randint(0, 60))))
        got = fast.codes(pa.array(batch, pa.string())).tolist()
        assert got == [slow.code(w) for w in batch]
        assert fast.words == slow.words and fast.index == slow.index
    assert len(fast.words) > 100
