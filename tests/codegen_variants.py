"""Variants of the bundled classification packs without lists, so their classification paths compile.

The bundled Suixian, Zhongmou and Liaoning packs keep lists, which the code generator leaves to the
interpreter; with the lists (and what refers to them) taken out, their classification paths (worst
class, noted facts, supplied scores, validity-limited facts) are compiled, and the differential test
can compare them with the interpreter.  Only for tests: the variants are not the law.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import read_pack_source, validate_pack_text

VARIANTS = ("suixian", "zhongmou", "liaoning")


def without_lists(name: str) -> CompiledPack:
    data: dict[str, Any] = yaml.safe_load(read_pack_source(name).text)
    data.pop("lists", None)
    data.pop("linked_consequences", None)
    data["repair"] = [
        r
        for r in data.get("repair", [])
        if not r.get("listed_on") and not any(c.get("on_list") for c in r.get("conditions", []))
    ]
    if data.get("reports"):
        data["reports"]["crisis_lists"] = []
    data["disclosure"] = [d for d in data.get("disclosure", []) if not d.get("lists")]
    for measure in data.get("measures", []):
        measure.pop("ends_with_term_of", None)
        if "listed_" in str(measure.get("when", "")):  # a condition on a list taken out: the measure goes too
            measure["drop"] = True
    data["measures"] = [m for m in data.get("measures", []) if not m.pop("drop", False)]
    for path in data["paths"]:
        path["classes"] = [c for c in path.get("classes", []) if "while_listed" not in c]
    for _ in range(5):  # interpretations may name what was taken out
        pack, problems = validate_pack_text(yaml.safe_dump(data, allow_unicode=True), f"{name}-without-lists.yaml")
        if pack is not None:
            return pack
        gone = {m.group(1) for p in problems if (m := re.match(r"unknown rule '([^']+)'", p.message))}
        if not gone:
            break
        for interp in data.get("interpretations", []):
            interp["rules"] = [r for r in interp.get("rules", []) if r not in gone]
    raise AssertionError(f"{name} without lists does not compile: {[p.message for p in problems]}")
