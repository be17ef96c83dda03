"""The direct trace writer: pieces that must print exactly as ``json.dumps`` and the reference encoder do,
bounded memory, and the same bytes from many threads.

The whole-line equality with ``to_json`` on every pack, golden case, population and generated subject
is in tests/test_codegen_differential.py; these are the parts a line-level comparison would hide.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from golden_bytes.population import population
from medcredit.engine.codegen import CompactResult
from medcredit.engine.evaluation import Evaluator
from medcredit.history.model import Record, Subject
from medcredit.history.reader import Loaded, iter_subjects
from medcredit.pack.loader import load_pack
from medcredit.render.direct import DirectEncoder
from medcredit.render.output import (
    TraceEncoder,
    _dumps,
    _records_list,
    _records_text,
    quote,
    record_json,
    result_to_dict,
    to_json,
)
from medcredit.trace.result import Sanction

EXAMPLES = Path(__file__).parent.parent / "examples"
WUSHAN = load_pack("wushan")


def _reference(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40))
def test_quote_is_json_dumps(text: str) -> None:
    assert quote(text) == _reference(text)


def test_quote_escapes_what_json_escapes() -> None:
    for text in ['a"b', "a\\b", "tab\there", "nl\n", "\x00\x1f", "\u2028", "巫山县", "\x7f", "'"]:
        assert quote(text) == _reference(text), text


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=24)


@settings(max_examples=200)
@given(
    _TEXT,
    st.one_of(st.none(), _TEXT),
    st.one_of(st.none(), _TEXT),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(["76", "76.00", "1e1", "-0.5", "1000"]),
)
def test_a_record_prints_as_its_json_dump(
    code: str, note: str | None, institution: str | None, amount: Any, score: str
) -> None:
    """pydantic's serializer and ``json.dumps`` agree on every string (escapes, CJK, U+2028) and number."""
    # an id is printable text (history model); control characters and escapes go through the note
    data = {
        "kind": "fund_recovery",
        "date": "2023-05-01",
        "amount": str(amount),
        "id": code if code.isprintable() else "r1",
    }
    data.update(note=note, institution=institution, objection={"status": "pending", "filed": "2023-05-02"})
    assessment = {"kind": "annual_assessment", "date": "2024-01-04", "year": 2023, "score": score, "note": note}
    for record in (Record.model_validate(data), Record.model_validate(assessment)):
        written = record_json(record)
        assert written == _reference(record.model_dump(mode="json", exclude_none=True)).encode("utf-8")


def _compact_results(pack: Any, subjects: list[Subject], cycle: int) -> list[CompactResult]:
    ev = Evaluator(pack, compiled=True)
    out = [ev.evaluate_compact(s, cycle) for s in subjects]
    return [c for c in out if isinstance(c, CompactResult)]


def _wushan_subjects() -> list[Subject]:
    """The Wushan examples and a mixed population (every record kind and category occurs)."""
    subjects = [i.subject for i in iter_subjects(EXAMPLES / "wushan-subjects.jsonl") if isinstance(i, Loaded)]
    for data in population(300, 5):
        try:
            subjects.append(Subject.model_validate(data))
        except ValueError:
            continue  # the population holds a few invalid histories on purpose
    return subjects


def test_a_tiny_memo_stays_bounded_and_writes_the_same_lines() -> None:
    subjects = _wushan_subjects()
    results = _compact_results(WUSHAN, subjects, 2023)
    assert len(results) > 100
    tiny = DirectEncoder(WUSHAN, limit=4)
    for c in results * 2:  # the second round meets evicted and kept pieces alike
        assert tiny.encode(c) == to_json(c.result(), WUSHAN)
        assert len(tiny._memo) <= 4


def test_one_encoder_shared_by_threads_writes_what_one_thread_writes() -> None:
    results = _compact_results(WUSHAN, _wushan_subjects(), 2023) * 2
    alone = [DirectEncoder(WUSHAN).encode(c) for c in results]
    shared = DirectEncoder(WUSHAN, limit=64)  # small: threads insert and evict concurrently
    written: list[list[str]] = [[] for _ in range(4)]

    def run(k: int) -> None:
        written[k] = [shared.encode(c) for c in results]

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(lines == alone for lines in written)


def test_validity_override_and_scores_with_decimals_write_like_the_reference() -> None:
    """A cycle outside the pack's validity (evaluated by override) puts a validity step first; an
    assessment score written with two decimals keeps them."""
    subjects = _wushan_subjects()
    ev = Evaluator(WUSHAN, compiled=True)
    encoder = DirectEncoder(WUSHAN)
    seen = 0
    for s in subjects:
        c = ev.evaluate_compact(s, 2021, override_validity=True)
        if isinstance(c, CompactResult):
            seen += 1
            assert c.steps, "the validity step comes before the path"
            assert encoder.encode(c) == to_json(ev.evaluate(s, 2021, override_validity=True), WUSHAN)
    assert seen


def test_the_reference_writes_a_traces_records_as_json_dumps_of_their_dicts() -> None:
    """``TraceEncoder`` writes the records' part of a trace without building its dicts: the same text."""
    subjects = _wushan_subjects()
    for name, cycle in (("wushan", 2023), ("liaoning", 2024), ("suixian", 2023), ("zhongmou", 2023)):
        ev = Evaluator(load_pack(name))
        seen = 0
        for s in subjects:
            result = ev.evaluate(s, cycle, override_validity=True)
            assert _records_text(result) == _dumps(_records_list(result)), (name, s.id)
            seen += bool(result.record_uses)
        assert seen > 100, name


def test_the_reference_heads_from_its_memo_are_the_dumped_dicts() -> None:
    """``TraceEncoder.head`` writes alike decisions from one cut text: the id, name and score of each subject
    (names with quotes, escapes and none at all) go where they belong."""
    subjects = _wushan_subjects()[:300]
    names = ['a"b\\n', None, "巫山\t"] * 100
    renamed = [s.model_copy(update={"name": n}) for s, n in zip(subjects, names[: len(subjects)], strict=True)]
    for name, cycle in (("wushan", 2023), ("liaoning", 2024), ("suixian", 2023), ("zhongmou", 2023)):
        pack = load_pack(name)
        ev, encoder = Evaluator(pack), TraceEncoder(pack)
        for s in subjects + renamed:
            result = ev.evaluate(s, cycle, override_validity=True)
            assert encoder.head(result) == _dumps(result_to_dict(result, pack, trace=False)), (name, s.id)
        assert len(encoder._heads) < len(subjects)  # alike decisions share a head


def test_a_head_memo_keeps_apart_equal_totals_written_differently() -> None:
    """A sanction's total is a Decimal: 10 and 10.0 are equal and hash alike but print differently."""
    pack = load_pack(Path(__file__).parent / "fixtures" / "capabilities" / "personnel_points.yaml")
    assert pack.thresholds
    subject = Subject.model_validate({"id": "110101199003077777", "category": "physician", "records": []})
    base = Evaluator(pack).evaluate(subject, 2024, override_validity=True)
    encoder = TraceEncoder(pack)
    for total in (Decimal("10"), Decimal("10.0"), Decimal("10")):
        sanction = Sanction("s", "suspension", dt.date(2024, 1, 1), None, None, "points", total, (), True)
        result = dataclasses.replace(base, sanctions=(sanction,))
        assert encoder.head(result) == _dumps(result_to_dict(result, pack, trace=False))
