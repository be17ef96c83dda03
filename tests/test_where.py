"""`where:` filters: a record of the right kind refused by a field is reported as such, not as a code mismatch.

A ``where:`` field must equal the value (or one of the listed values); a record
without the field does not match — a blank ``fulfilled`` is not ``false``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

import medcredit
from medcredit.pack.loader import validate_pack_text
from medcredit.render.output import render_text, to_json


@pytest.fixture(scope="module")
def on_site_only() -> medcredit.CompiledPack:
    """Wushan, with only on-site inspections counting as 接受监督检查 (a where: on the inspection method)."""
    text = resources.files("medcredit").joinpath("packs/wushan.yaml").read_text("utf-8")
    old = "match: {kinds: [inspection, fund_recovery]}"
    assert text.count(old) == 1
    compiled, problems = validate_pack_text(
        text.replace(old, "match: {kinds: [inspection], where: {method: on_site}}"), "where.yaml"
    )
    assert compiled is not None, [p.render() for p in problems]
    return compiled


def _trace(pack: medcredit.CompiledPack, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    subject = medcredit.Subject.model_validate(
        {"id": "s1", "category": "retail_pharmacy", "opened": "2010-01-01", "records": records}
    )
    result = medcredit.evaluate(pack, subject, 2023)
    trace: list[dict[str, Any]] = json.loads(to_json(result, pack))["trace"]["records"]
    return trace, render_text(result, pack, lang="en")


def test_record_refused_by_a_where_field_says_so(on_site_only: medcredit.CompiledPack) -> None:
    """An online inspection, and one with no method at all, are refused by the where: field — and the trace says so."""
    trace, text = _trace(
        on_site_only,
        [
            {"kind": "inspection", "date": "2023-02-01", "method": "on_site"},
            {"kind": "inspection", "date": "2023-03-01", "method": "online"},
            {"kind": "inspection", "date": "2023-04-01"},
        ],
    )
    assert trace[0]["used_by"] == ["not_inspected"]  # the exclusion rule reading the inspections fact
    assert [(t["used_by"], t["not_applicable"]) for t in trace[1:]] == [([], "field_not_matched")] * 2
    assert "its violation code is not one any rule uses" not in text


def test_record_with_an_unused_code_still_says_code(pack: medcredit.CompiledPack) -> None:
    """A fraud record with an individual's code (条例第四十一条第二款) is refused by code, as before."""
    trace, _text = _trace(
        pack,
        [{"kind": "inspection", "date": "2023-02-01"}, {"kind": "fraud", "date": "2023-05-01", "code": "ind_fraud"}],
    )
    assert trace[1]["not_applicable"] == "code_not_matched"
