"""Reading request bodies: size limit, UTF-8, subjects with located problems, batch limit."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from medcredit.diagnostics.errors import HistoryError, ProblemsError
from medcredit.diagnostics.problems import Problem
from medcredit.history.reader import Item, Loaded, Rejected, iter_document, parse_json, validate_subject
from medcredit.io.encoding import UTF8, Detected, decode_document
from medcredit.serve.problem import ServiceProblemError

REQUEST = "<request>"


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes ``limit`` bytes (whatever Content-Length says)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ServiceProblemError(413, "too-large", "request body too large", f"the body limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ServiceProblemError(413, "too-large", "request body too large", f"the body limit is {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _text(body: bytes) -> str:
    if not body.strip():
        detail = "send a subject, a list or {subjects: [...]}"
        raise ServiceProblemError(400, "empty-body", "empty request body", detail)
    try:
        return decode_document(body, Detected(UTF8, "default"), REQUEST)
    except ProblemsError as exc:
        detail = str(exc).splitlines()[0]
        raise ServiceProblemError(400, "encoding", "the body is not UTF-8 (RFC 8259)", detail, exc.problems) from None


def subjects(body: bytes, max_batch: int) -> tuple[list[Item], bool]:
    """The items of a body and whether it was one subject (not a list or ``{subjects: [...]}``).

    Subjects are validated without positions first (fast); only when some are rejected is the
    body composed again to locate each problem at its line and column.
    """
    text = _text(body)
    try:
        data = parse_json(text)
    except Exception:
        # malformed JSON: the document reader says where, as for a .json file
        items = list(iter_document(text, REQUEST, "json"))
        raise ServiceProblemError(
            400, "malformed-json", "malformed JSON", "the body is not valid JSON", _problems(items)
        ) from None
    single = isinstance(data, dict) and "subjects" not in data
    raw: Any = data.get("subjects") if isinstance(data, dict) and not single else data
    count = len(raw) if isinstance(raw, list) else 1
    if count > max_batch:
        raise ServiceProblemError(
            413, "batch-too-large", "batch too large", f"{count} subjects; this service accepts at most {max_batch}"
        )
    if isinstance(raw, list) and not (isinstance(data, dict) and set(data) - {"subjects"}):
        fast: list[Item] = []
        for i, item in enumerate(raw):
            try:
                fast.append(Loaded(f"{REQUEST}#{i}", validate_subject(item, file=REQUEST, locate=_nowhere)))
            except HistoryError:
                break
        else:
            return fast, False
    elif single:
        try:
            return [Loaded(REQUEST, validate_subject(data, file=REQUEST, locate=_nowhere))], True
        except HistoryError:
            pass
    return list(iter_document(text, REQUEST, "json")), single


def _nowhere(_path: Any) -> tuple[int, int]:
    return (0, 0)


def _problems(items: list[Item]) -> list[Problem]:
    return [p for item in items if isinstance(item, Rejected) for p in item.problems]


def one_subject(body: bytes, max_batch: int) -> Loaded:
    """Exactly one valid subject, or a 422 problem with every located problem."""
    items, _single = subjects(body, max_batch)
    problems = _problems(items)
    if problems:
        raise ServiceProblemError(422, "invalid-history", "invalid subject", "the subject was rejected", problems)
    if len(items) != 1:
        raise ServiceProblemError(422, "one-subject", "one subject expected", f"the body holds {len(items)} subjects")
    item = items[0]
    assert isinstance(item, Loaded)
    return item


def rejected_problems(items: list[Item]) -> list[Problem]:
    return _problems(items)
