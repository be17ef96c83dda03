"""The shortcuts that save passes over a slice give what the long way gives.

Null masks unpacked from validity bitmaps, amounts read in place at the summed rows only,
dictionary columns without a remapping pass when no code moves, and the scorecard's score
exponent not tracked per rule when no rule can lower it: each against the plain Arrow
computation or the per-subject engine, including offsets that are not multiples of 8,
chunked columns and decimal points (which the bundled packs do not have).
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow", reason="the columnar path needs the 'columnar' extra (pyarrow, numpy)")

from medcredit.columnar import evaluate_table, fallback_info, subjects_to_tables  # noqa: E402
from medcredit.columnar.evaluate import _fen, _ints, _rule_exponents, _Vocab  # noqa: E402
from medcredit.columnar.schema import valid_bits  # noqa: E402
from medcredit.engine.evaluation import evaluate  # noqa: E402
from medcredit.history.model import Subject  # noqa: E402
from medcredit.pack.loader import validate_pack_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402

CYCLE = 2023


def _sliced_arrays(values: list[object], kind: pa.DataType) -> list[pa.Array]:
    whole = pa.array(values, kind)
    return [whole, *(whole.slice(k, len(values) - k - 2) for k in (1, 3, 7, 8, 9, 13))]


@pytest.mark.parametrize("pattern", ["some", "none", "all"])
def test_valid_bits_are_the_arrow_validity(pattern: str) -> None:
    rng = np.random.default_rng(5)
    present = {"some": rng.random(61) < 0.4, "none": np.ones(61, bool), "all": np.zeros(61, bool)}[pattern]
    for arr in _sliced_arrays([int(k) if p else None for k, p in enumerate(present)], pa.int32()):
        want = ~np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        assert np.array_equal(valid_bits(arr), want)
        assert np.array_equal(_ints(pa.chunked_array([arr], arr.type), -1), np.where(want, arr.fill_null(0), -1))


def test_amounts_are_read_in_place_at_the_rows_asked_for() -> None:
    rng = np.random.default_rng(6)
    texts = [None if rng.random() < 0.3 else f"{rng.integers(0, 10**7)}.{rng.integers(0, 100):02d}" for _ in range(53)]
    for arr in _sliced_arrays([None if t is None else Decimal(t) for t in texts], pa.decimal128(17, 2)):
        fen = [0 if v is None else int(v * 100) for v in arr.to_pylist()]
        rows = np.array([k for k in range(len(arr)) if k % 3 != 1][::-1], dtype=np.int64)
        for column in (pa.chunked_array([arr], arr.type), pa.chunked_array([arr[:5], arr[5:]], arr.type)):
            assert _fen(column, rows).tolist() == [fen[k] for k in rows.tolist()]
            assert _fen(column, np.zeros(0, np.int64)).tolist() == []


@pytest.mark.parametrize("words", [["a", "b"], ["a", "b", "c", "d"], ["a", "b", "d", "c"], ["a", "b", "z", "c"]])
def test_dictionary_columns_with_and_without_a_remapping(words: list[str]) -> None:
    vocab = _Vocab(["a", "b"])
    for w in words:
        vocab.code(w)
    for codes in ([0, 1, 0], [0, -1, 1], [2, -1, 3, 0], [3, 3, -1], [-1, -1], []):
        codes = [c for c in codes if c < len(words)]
        arr = vocab.array(np.array(codes, dtype=np.int32))
        assert arr.to_pylist() == [None if c < 0 else words[c] for c in codes]
        used = sorted({words[c] for c in codes if c >= 2})
        assert arr.dictionary.to_pylist() == ["a", "b", *used]  # the given words, then the others used, sorted
        indices = np.frombuffer(arr.indices.buffers()[1], dtype=np.int32)[: len(codes)]
        assert all(indices[k] == 0 for k, c in enumerate(codes) if c < 0)  # a null's slot holds 0
        arr.validate(full=True)


@pytest.mark.parametrize(
    ("edits", "exponent_tracked"),
    [
        ({"per_occurrence: 5\n    cite:\n      article: 附件\n      quote: 被医疗保障部门约谈": 2.5}, True),
        ({'{range: "[10000, 50000)", points: 5}': "5.25", "once: 10": "0.5"}, True),
        ({"base: 100\n": "100.0"}, False),
    ],
)
def test_scorecard_scores_with_decimal_points_are_the_engines(edits: dict[str, object], exponent_tracked: bool) -> None:
    text = (ROOT / "src" / "medcredit" / "packs" / "wushan.yaml").read_text("utf-8")
    for old, value in edits.items():
        assert text.count(old) == 1, old
        if old.startswith("{range"):
            new = old.replace("points: 5}", f"points: {value}}}")
        elif old.startswith("base"):
            new = f"base: {value}\n"
        else:
            head, _, tail = old.partition(" ")
            _, _, rest = tail.partition("\n")
            new = f"{head} {value}" + ("\n" + rest if rest else "")
        text = text.replace(old, new)
    pack, problems = validate_pack_text(text, "w.yaml")
    assert pack is not None, problems
    path = pack.path_by_category["outpatient_clinic"]
    base_exp = int(path.base.as_tuple().exponent)
    assert any(e < base_exp for e in (0, *_rule_exponents(path))) == exponent_tracked
    subjects = [Subject.model_validate_json(line) for line in generate(600, 3)]
    s, r = subjects_to_tables(subjects)
    table = evaluate_table(pack, s, r, cycle=CYCLE, slice_subjects=128)
    assert fallback_info(table)["subjects_by_reason"] == {}
    got = [(x["status"], x["grade"], x["score"]) for x in table.to_pylist()]
    want = []
    for subject in subjects:
        result = evaluate(pack, subject, CYCLE)
        want.append((result.status, result.grade, None if result.score is None else str(result.score)))
    assert got == want
    scores = {g[2] for g in got if g[2] is not None}
    assert any("." in x for x in scores)  # the decimal places are written, as the engine writes them
