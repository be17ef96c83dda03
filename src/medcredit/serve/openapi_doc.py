"""The service's OpenAPI description: request bodies from the history schema, responses with examples."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from medcredit.authoring.schemas import history_schema
from medcredit.pack.compiled import CompiledPack

DESCRIPTION = """\
Medical-insurance fund supervision credit rules as executable policy packs, over HTTP.

Every response carries the medcredit version and the pack id and content hash it was
computed with, in the headers `Medcredit-Version`, `Medcredit-Pack`, `Medcredit-Pack-Hash`
and in the body.  Errors are `application/problem+json` documents (RFC 9457) whose
`problems` list each located problem (line and column in the request body).
When the service is started with bearer tokens, every `/v1` call needs
`Authorization: Bearer TOKEN`.
"""

_REF = "#/components/schemas/"

EXAMPLE_SUBJECT: dict[str, Any] = {
    "id": "92500237MA5U00002X",
    "name": "福康门诊部",
    "category": "outpatient_clinic",
    "opened": "2018-03-01",
    "records": [
        {"kind": "inspection", "date": "2023-04-10", "method": "on_site"},
        {"kind": "fund_recovery", "date": "2023-04-10", "amount": "8600.00", "code": "inst_overcharging"},
    ],
}

_PACK_REF = {
    "type": "object",
    "required": ["id", "content_hash"],
    "properties": {"id": {"type": "string"}, "content_hash": {"type": "string"}, "document": {"type": "string"}},
}


def _ok(description: str, schema: dict[str, Any], example: dict[str, Any] | None = None) -> dict[int | str, Any]:
    content: dict[str, Any] = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {200: {"description": description, "content": {"application/json": content}}}


def _obj(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


_ARRAY_OF_OBJECTS = {"type": "array", "items": {"type": "object"}}
_VERSION = {"type": "string"}

HEALTH = _ok(
    "the service is up",
    _obj(
        ["status", "medcredit_version", "packs"],
        status={"type": "string"},
        medcredit_version=_VERSION,
        packs={"type": "array", "items": _PACK_REF},
    ),
)
PACKS = _ok(
    "the packs served", _obj(["medcredit_version", "packs"], medcredit_version=_VERSION, packs=_ARRAY_OF_OBJECTS)
)
PACK = _ok("one pack", _obj(["medcredit_version", "pack"], medcredit_version=_VERSION, pack={"type": "object"}))
SCHEMA = _ok("a JSON Schema (draft 2020-12)", {"type": "object"})
EVALUATE = _ok(
    "one result per subject, in input order (format medcredit.trace/1); rejected subjects have status 'rejected'",
    _obj(
        ["medcredit_version", "pack", "cycle", "trace", "summary", "results"],
        medcredit_version=_VERSION,
        pack=_PACK_REF,
        cycle={"type": "integer"},
        trace={"type": "string", "enum": ["full", "summary", "none"]},
        summary=_obj(
            ["inputs", "evaluated", "rejected"],
            inputs={"type": "integer"},
            evaluated={"type": "integer"},
            rejected={"type": "integer"},
        ),
        results=_ARRAY_OF_OBJECTS,
    ),
    {
        "medcredit_version": "0.1.0",
        "pack": {"id": "wushan", "content_hash": "sha256:…", "document": "巫医保发〔2022〕号"},
        "cycle": 2023,
        "trace": "none",
        "summary": {"inputs": 1, "evaluated": 1, "rejected": 0},
        "results": [{"format": "medcredit.trace/1", "status": "graded", "grade": "A", "score": "98"}],
    },
)
EXPLAIN = _ok(
    "the explanation of each subject's result",
    _obj(
        ["medcredit_version", "pack", "cycle", "results"],
        medcredit_version=_VERSION,
        pack=_PACK_REF,
        cycle={"type": "integer"},
        results=_ARRAY_OF_OBJECTS,
    ),
)
COMPARE = _ok(
    "one row per subject and pack",
    _obj(
        ["medcredit_version", "packs", "cycle", "results"],
        medcredit_version=_VERSION,
        packs={"type": "array", "items": _PACK_REF},
        cycle={"type": "integer"},
        results=_ARRAY_OF_OBJECTS,
    ),
)
STANDING = _ok(
    "the subject's standing on the date, and the query-log entry written",
    _obj(
        ["medcredit_version", "pack", "standing", "logged"],
        medcredit_version=_VERSION,
        pack=_PACK_REF,
        standing={"type": "object"},
        logged={"anyOf": [{"type": "object"}, {"type": "null"}]},
    ),
)
REPAIR = _ok(
    "eligibility for credit repair, condition by condition",
    _obj(
        ["medcredit_version", "pack", "repair"], medcredit_version=_VERSION, pack=_PACK_REF, repair={"type": "object"}
    ),
)
DEADLINE = _ok(
    "the due date(s), with the rule and article",
    _obj(
        ["medcredit_version", "pack", "deadlines"],
        medcredit_version=_VERSION,
        pack=_PACK_REF,
        deadlines=_ARRAY_OF_OBJECTS,
    ),
)


def history_body(max_batch: int) -> dict[str, Any]:
    """A request body: one subject, a list of subjects, or ``{subjects: [...]}``."""
    subject = {"$ref": _REF + "Subject"}
    batch = {"type": "array", "items": subject, "maxItems": max_batch}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            subject,
                            batch,
                            {
                                "type": "object",
                                "properties": {"subjects": batch},
                                "required": ["subjects"],
                                "additionalProperties": False,
                            },
                        ]
                    },
                    "examples": {
                        "one subject": {"value": EXAMPLE_SUBJECT},
                        "a batch": {"value": {"subjects": [EXAMPLE_SUBJECT]}},
                    },
                }
            },
        }
    }


def subject_body() -> dict[str, Any]:
    """A request body holding exactly one subject."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": _REF + "Subject"},
                    "examples": {"one subject": {"value": EXAMPLE_SUBJECT}},
                }
            },
        }
    }


def pack_summary(pack: CompiledPack) -> dict[str, Any]:
    doc = pack.document
    return {
        "id": pack.id,
        "name": pack.model.name.model_dump(mode="json", exclude_none=True),
        "jurisdiction": pack.model.jurisdiction.model_dump(mode="json", exclude_none=True),
        "content_hash": pack.content_hash,
        "document": {
            "number": doc.number,
            "title": doc.title,
            "issuer": doc.issuer,
            "issued": doc.issued.isoformat(),
            "effective": doc.effective.isoformat(),
            "expires": doc.expires.isoformat() if doc.expires else None,
        },
    }


def pack_detail(pack: CompiledPack) -> dict[str, Any]:
    model = pack.model
    return {
        **pack_summary(pack),
        "validity": model.validity.model_dump(mode="json", exclude_none=True),
        "cycle": model.cycle.model_dump(mode="json"),
        "categories": list(model.categories),
        "grades": [g.id for g in model.grades],
        "deadlines": [d.id for d in model.deadlines],
        "articles": dict(pack.document.articles),
        "interpretations": [i.model_dump(mode="json") for i in model.interpretations],
    }


def _enumerate_packs(doc: dict[str, Any], pack_ids: list[str]) -> None:
    """Name the packs served in the ``pack`` parameters, so clients (and generators) see the choices."""
    for item in doc.get("paths", {}).values():
        for operation in item.values():
            for param in operation.get("parameters", []):
                if param.get("name") not in ("pack", "pack_id"):
                    continue
                schema = param.get("schema", {})
                if schema.get("type") == "array" or "array" in json.dumps(schema.get("anyOf", [])):
                    param["schema"] = {"type": "array", "items": {"type": "string", "enum": pack_ids}}
                else:
                    param["schema"] = {"type": "string", "enum": pack_ids}


def openapi_builder(app: FastAPI, pack_ids: list[str]) -> Callable[[], dict[str, Any]]:
    """``app.openapi``: FastAPI's document plus the history models as components."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema = json.loads(json.dumps(history_schema()).replace('"#/$defs/', '"' + _REF))
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        components.update(schema["$defs"])
        _enumerate_packs(doc, pack_ids)
        app.openapi_schema = doc
        return doc

    return build
