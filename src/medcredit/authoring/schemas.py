"""JSON Schemas of the pack and history formats, generated from the pydantic models.

Shipped as ``schemas/pack.schema.json`` and ``schemas/history.schema.json`` (a
test keeps them equal to what the models generate) so editors with the YAML
language server can complete and check packs and histories:
``# yaml-language-server: $schema=../schemas/pack.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter

from medcredit.history.catalogue import catalogue
from medcredit.history.model import Subject
from medcredit.pack.model import Pack


class HistoryDocument(BaseModel):
    """A history file: one subject, a list of subjects, or {subjects: [...]}."""

    subjects: list[Subject]


_DECIMAL_PATTERN_PREFIX = "^(?!^[-+.]*$)"  # how pydantic's decimal-as-text patterns begin


def _stable(node: Any) -> Any:
    """The schema without details that differ between pydantic releases.

    pydantic 2.13 describes a decimal given as text with a regular expression and
    2.14 does not; we drop that pattern (the models still check decimals) and merge
    the union alternatives that become identical, so the shipped file is the same
    whichever release generates it.
    """
    if isinstance(node, list):
        out: list[Any] = []
        for item in (_stable(x) for x in node):
            if item not in out:
                out.append(item)
        return out
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if node.get("type") == "string" and isinstance(pattern, str) and pattern.startswith(_DECIMAL_PATTERN_PREFIX):
            node = {k: v for k, v in node.items() if k != "pattern"}
        return {k: _stable(v) for k, v in node.items()}
    return node


def pack_schema() -> dict[str, Any]:
    schema: dict[str, Any] = _stable(Pack.model_json_schema(mode="validation"))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "medcredit policy pack (medcredit.pack/1)"
    return schema


def history_schema() -> dict[str, Any]:
    subject = _stable(TypeAdapter(Subject).json_schema(mode="validation"))
    defs = subject.pop("$defs", {})
    if "Subject" not in defs:  # not recursive: the top level is Subject's own definition
        defs["Subject"] = subject
    # Subject is recursive (a person's linked_institutions are subjects), so pydantic already put its
    # definition in $defs and the top level is only a reference to it: keep the definition
    kinds = sorted(catalogue().record_kinds)
    codes = sorted(catalogue().violations)
    # the catalogue is data, so the schema lists its kinds and codes for completion
    if "Record" in defs:
        defs["Record"]["properties"]["kind"] = {"enum": kinds, "title": "Kind", "type": "string"}
        defs["Record"]["properties"]["code"] = {"anyOf": [{"enum": codes, "type": "string"}, {"type": "null"}]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "medcredit subject history",
        "$defs": defs,
        "anyOf": [
            {"$ref": "#/$defs/Subject"},
            {"type": "array", "items": {"$ref": "#/$defs/Subject"}},
            {
                "type": "object",
                "properties": {"subjects": {"type": "array", "items": {"$ref": "#/$defs/Subject"}}},
                "required": ["subjects"],
            },
        ],
    }


def schema_json(which: Literal["pack", "history"]) -> str:
    schema = pack_schema() if which == "pack" else history_schema()
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
