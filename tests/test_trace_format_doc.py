"""docs/reference/trace-format.md describes the keys results really have, and every step kind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import medcredit
from medcredit.trace import steps as step_module

PAGE = (Path(__file__).resolve().parents[1] / "docs" / "reference" / "trace-format.md").read_text("utf-8")


def _documented() -> list[str]:
    return re.findall(r"^\| `([a-z_.]+)`(?:, `([a-z_]+)`)? \|", PAGE, flags=re.M)


def test_every_key_of_a_result_is_documented_in_order() -> None:
    pack = medcredit.load_pack("wushan")
    subject = medcredit.load_subject(
        {
            "id": "92500237MA5U00001T",
            "category": "retail_pharmacy",
            "records": [{"kind": "inspection", "date": "2023-03-01"}],
        }
    )
    body = json.loads(medcredit.to_json(medcredit.evaluate(pack, subject, 2023), pack))
    # the explanation's rows name trace.steps and trace.records: both live under "trace"
    keys = list(dict.fromkeys(k.split(".")[0] for pair in _documented() for k in pair if k))
    optional = {"as_of", "window", "sanctions"}  # as-of packs, packs with thresholds
    assert [k for k in keys if k not in optional] == list(body)
    assert {"trace.steps", "trace.records"} == {k for pair in _documented() for k in pair if k.startswith("trace.")}
    assert list(body["trace"]) == ["steps", "records"]
    assert list(body["trace"]["records"][0]) == ["index", "origin", "record", "used_by", "not_applicable", "flags"]


def test_every_step_kind_is_listed() -> None:
    kinds = set(re.findall(r'Literal\["([a-z_]+)"\]', Path(step_module.__file__).read_text("utf-8")))
    listed = re.search(r"Step kinds: (.*?)\. `medcredit explain`", PAGE, flags=re.S)
    assert listed is not None
    assert set(re.findall(r"`([a-z_]+)`", listed.group(1))) == kinds
