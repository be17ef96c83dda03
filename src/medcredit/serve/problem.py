"""Errors as ``application/problem+json`` (RFC 9457), with medcredit's located problems."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.responses import JSONResponse

from medcredit import __version__
from medcredit.diagnostics.problems import Problem

PROBLEM_JSON = "application/problem+json"

#: the problem schema published in the OpenAPI document for every error status
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "medcredit_version"],
    "properties": {
        "type": {"type": "string", "description": "a URN naming the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "medcredit_version": {"type": "string"},
        "packs": {"type": "array", "items": {"type": "object"}, "description": "the packs served (id, content hash)"},
        "problems": {
            "type": "array",
            "description": "located problems in the request (file is <request>, line/column in the body)",
            "items": {"type": "object"},
        },
    },
}


class ServiceProblemError(Exception):
    """Raised by a handler to answer with a problem document."""

    def __init__(self, status: int, kind: str, title: str, detail: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.problems = tuple(problems)


def problem_response(
    status: int,
    kind: str,
    title: str,
    detail: str,
    *,
    instance: str = "",
    problems: Sequence[Problem] = (),
    headers: dict[str, str] | None = None,
    packs: Sequence[dict[str, str]] = (),
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:medcredit:problem:{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "medcredit_version": __version__,
    }
    if packs:
        body["packs"] = list(packs)
    if problems:
        body["problems"] = [p.as_dict() for p in problems]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the error statuses an operation can answer."""
    titles = {
        400: "malformed request",
        401: "missing or wrong bearer token",
        404: "unknown pack",
        413: "request body or batch too large",
        422: "the request was understood but its content is invalid",
        504: "the evaluation took longer than the per-request timeout",
    }
    return {
        status: {"description": titles[status], "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
        for status in statuses
    }
