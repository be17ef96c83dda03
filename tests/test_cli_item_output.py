"""``ItemWriter``: the same bytes whether it writes text to a text stream or UTF-8 to the bytes beneath it.

``medcredit evaluate`` writes to the byte stream under standard output when that stream is UTF-8
(``utf8_buffer``), so the direct writer's lines, UTF-8 already, are not decoded and encoded again.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from golden_bytes.population import population
from medcredit.cli.item_output import ItemWriter, utf8_buffer
from medcredit.engine.batch import evaluate_items
from medcredit.engine.codegen import CompactResult
from medcredit.engine.evaluation import Evaluator
from medcredit.history.reader import ReadTally, iter_jsonl
from medcredit.pack.loader import load_pack
from medcredit.trace.result import Result


def _outcomes(pack_id: str) -> list[tuple[Any, Any]]:
    """Results (compact and full), rejected lines and the items behind them, for a mixed population."""
    lines = [json.dumps(s, ensure_ascii=False).encode() for s in population(150, 3)]
    lines[4] = b"{not json"
    lines[9] = json.dumps({"id": "x", "category": "nowhere"}).encode()
    ev = Evaluator(load_pack(pack_id), compiled=True)
    items = iter_jsonl(lines, "mixed.jsonl", "utf-8", ReadTally())
    return list(evaluate_items(ev, items, 2023, compact=True))


@pytest.mark.parametrize("pack_id", ["wushan", "liaoning"])
@pytest.mark.parametrize("fmt", ["jsonl", "summary", "text"])
def test_text_and_bytes_routes_write_the_same(pack_id: str, fmt: str) -> None:
    pack = load_pack(pack_id)
    outcomes = _outcomes(pack_id)
    if pack_id == "wushan":  # its scorecard is compiled: lines from the direct writer
        assert any(isinstance(r, CompactResult) for _, r in outcomes)
    text_out, text_err = io.StringIO(), io.StringIO()
    raw_out, raw_err, raw = io.StringIO(), io.StringIO(), io.BytesIO()
    by_text = ItemWriter(pack, fmt, "zh", text_out, text_err)
    by_bytes = ItemWriter(pack, fmt, "zh", raw_out, raw_err, raw=raw)
    for w in (by_text, by_bytes):
        w.header()
    for item, outcome in outcomes:
        for w in (by_text, by_bytes):
            if isinstance(outcome, Result | CompactResult):
                w(outcome, item)
            else:  # rejected or failed, as medcredit evaluate passes them
                w(None, outcome)
    assert raw_out.getvalue() == ""  # nothing went to the text layer
    assert raw.getvalue() == text_out.getvalue().encode("utf-8")
    assert raw_err.getvalue() == text_err.getvalue() != ""  # the rejected lines are reported
    assert by_text.outcomes == by_bytes.outcomes


def test_utf8_buffer_only_under_a_utf8_text_stream() -> None:
    under = io.BytesIO()
    assert utf8_buffer(io.TextIOWrapper(under, encoding="utf-8")) is under
    assert utf8_buffer(io.TextIOWrapper(io.BytesIO(), encoding="UTF_8")) is not None
    assert utf8_buffer(io.TextIOWrapper(io.BytesIO(), encoding="latin-1")) is None
    assert utf8_buffer(io.StringIO()) is None
