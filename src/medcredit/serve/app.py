"""The HTTP service: evaluation, explanation, procedures and pack metadata over JSON.

Packs are compiled once, when the app is created; handlers only evaluate.  Every
response carries the medcredit version, and the pack id and content hash it was
computed with, in headers (``Medcredit-Version``, ``Medcredit-Pack``,
``Medcredit-Pack-Hash``) and in the body.  Every error is an
``application/problem+json`` document (RFC 9457) listing the located problems.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, TypeVar

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from medcredit import __version__
from medcredit.analysis.compare import compare_rows
from medcredit.authoring.schemas import history_schema, pack_schema
from medcredit.diagnostics.errors import MedcreditError, ProblemsError
from medcredit.diagnostics.problems import Problem
from medcredit.engine.arguments import CYCLE_MAX, CYCLE_MIN
from medcredit.engine.evaluation import Evaluator, evaluate
from medcredit.engine.window import Point, evaluation_point
from medcredit.history.reader import Loaded, Rejected
from medcredit.pack.compiled import CompiledPack
from medcredit.procedures.deadlines import compute_deadline, deadline_chain
from medcredit.procedures.querystore import open_query_log
from medcredit.procedures.reports import QueryLogError
from medcredit.procedures.standing import standing
from medcredit.render.output import TraceEncoder, render_text, result_to_dict, to_json
from medcredit.render.procedures import standing_dict
from medcredit.repair.assess import assess_repair
from medcredit.serve import openapi_doc
from medcredit.serve.config import ServiceConfig
from medcredit.serve.middleware import ServiceMiddleware
from medcredit.serve.problem import ServiceProblemError, error_responses, problem_response
from medcredit.serve.requests import one_subject, read_body, subjects

T = TypeVar("T")

Cycle = Annotated[
    int | None,
    Query(
        ge=CYCLE_MIN,
        le=CYCLE_MAX,
        description="evaluation cycle (calendar year); or as_of for an as-of pack",
        examples=[2023],
    ),
]
Year = Annotated[
    int, Query(ge=CYCLE_MIN, le=CYCLE_MAX, description="evaluation cycle (calendar year)", examples=[2023])
]
AsOf = Annotated[
    dt.date | None,
    Query(
        ge=dt.date(1990, 1, 1),
        le=dt.date(2199, 12, 31),
        description="evaluation date, for packs whose cycle kind is as_of or rolling (instead of cycle)",
        examples=["2025-06-30"],
    ),
]
PackId = Annotated[str | None, Query(description="pack id (default: the only pack served)", examples=["wushan"])]
Override = Annotated[bool, Query(description="evaluate outside the pack's validity (recorded in the result)")]
Day = Annotated[dt.date, Query(ge=dt.date(1990, 1, 1), le=dt.date(2200, 12, 31), examples=["2024-03-01"])]
TraceMode = Literal["full", "summary", "none"]
Lang = Literal["zh", "en"]


def _pack_headers(packs: Sequence[CompiledPack]) -> dict[str, str]:
    return {
        "Medcredit-Version": __version__,
        "Medcredit-Pack": ",".join(p.id for p in packs),
        "Medcredit-Pack-Hash": ",".join(p.content_hash for p in packs),
    }


def _pack_ref(pack: CompiledPack) -> dict[str, str]:
    return {"id": pack.id, "content_hash": pack.content_hash, "document": pack.document.number}


def _json(body: dict[str, Any], packs: Sequence[CompiledPack], status: int = 200) -> Response:
    return JSONResponse(body, status_code=status, headers=_pack_headers(packs))


def _summary_trace(result: dict[str, Any]) -> dict[str, Any]:
    """Only the steps that changed or fixed the outcome (points given, exclusions or classes matched)."""
    trace = result.get("trace")
    if trace is None:
        return result
    steps = [
        s
        for s in trace["steps"]
        if (s["kind"] == "rule" and s.get("points") not in (None, "0", "0.00"))
        or (s["kind"] in ("exclusion", "class") and s.get("matched"))
        or s["kind"] not in ("rule", "exclusion", "class", "fact")
    ]
    return {**result, "trace": {**trace, "steps": steps}}


def _rejected(item: Rejected) -> dict[str, Any]:
    return {
        "format": "medcredit.trace/1",
        "status": "rejected",
        "where": item.where,
        "problems": [p.as_dict() for p in item.problems],
    }


def create_app(config: ServiceConfig) -> FastAPI:  # noqa: C901  (the routes are closures over the config; each is small)
    """The service for ``config`` (packs already compiled)."""
    app = FastAPI(
        title="medcredit",
        version=__version__,
        description=openapi_doc.DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
    )
    log_lock = threading.Lock()  # the JSONL log has one writer; SQLite serialises writers itself
    query_log = None if config.query_log is None else open_query_log(config.query_log)
    if query_log is not None:
        # a corrupt or tampered log is refused now, not answered with a 500 on every logged query
        # (nor extended: a chain appended to a broken one would look intact from there on)
        try:
            query_log.verify()
        except QueryLogError as exc:
            raise QueryLogError(
                f"{exc}; the service does not append to a query log that fails `medcredit querylog verify`"
            ) from None
    all_packs = [config.packs[k] for k in sorted(config.packs)]
    pack_refs = [_pack_ref(p) for p in all_packs]
    # one evaluator and one encoder per pack, shared by every request thread (both are thread-safe)
    evaluators = {id(p): Evaluator(p) for p in all_packs}
    encoders = {id(p): TraceEncoder(p) for p in all_packs}

    def pack_or_404(pack_id: str | None) -> CompiledPack:
        pack = config.pack(pack_id)
        if pack is None:
            known = ", ".join(sorted(config.packs))
            detail = "give ?pack=" if pack_id is None else f"no pack '{pack_id}' is served"
            raise ServiceProblemError(404, "unknown-pack", "unknown pack", f"{detail} (served: {known})")
        return pack

    async def timed(fn: Callable[[], T]) -> T:
        try:
            return await asyncio.wait_for(run_in_threadpool(fn), timeout=config.timeout_s)
        except TimeoutError:
            raise ServiceProblemError(
                504, "timeout", "timeout", f"the request took longer than {config.timeout_s:g} s"
            ) from None

    @app.exception_handler(ServiceProblemError)
    async def _service_problem(request: Request, exc: ServiceProblemError) -> Response:
        return problem_response(
            exc.status,
            exc.kind,
            exc.title,
            exc.detail,
            instance=request.url.path,
            problems=exc.problems,
            headers=_pack_headers(all_packs),
            packs=pack_refs,
        )

    @app.exception_handler(RequestValidationError)
    async def _bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            Problem(
                code=f"request-{str(e.get('type', 'invalid')).replace('_', '-')}",
                message=str(e.get("msg", "invalid")),
                file="<query>" if e.get("loc", ("",))[0] == "query" else "<request>",
                path=tuple(str(x) for x in e.get("loc", ())[1:]),
            )
            for e in exc.errors()
        ]
        return problem_response(
            422,
            "invalid-parameters",
            "invalid parameters",
            "see problems",
            instance=request.url.path,
            problems=problems,
            headers=_pack_headers(all_packs),
            packs=pack_refs,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return problem_response(
            exc.status_code,
            "http",
            str(exc.detail),
            str(exc.detail),
            instance=request.url.path,
            headers=_pack_headers(all_packs),
            packs=pack_refs,
        )

    @app.exception_handler(MedcreditError)
    async def _medcredit(request: Request, exc: MedcreditError) -> Response:
        problems = exc.problems if isinstance(exc, ProblemsError) else ()
        return problem_response(
            422,
            type(exc).__name__,
            "cannot answer",
            str(exc).splitlines()[0],
            instance=request.url.path,
            problems=problems,
            headers=_pack_headers(all_packs),
            packs=pack_refs,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # a bug, not bad input: still a problem document, never a traceback on the wire
        return problem_response(
            500,
            "internal",
            "internal error",
            type(exc).__name__,
            instance=request.url.path,
            headers=_pack_headers(all_packs),
            packs=pack_refs,
        )

    app.add_middleware(
        ServiceMiddleware,
        headers=_pack_headers(all_packs),
        token_ok=config.token_ok if config.tokens else None,
    )

    @app.get("/healthz", tags=["service"], responses=openapi_doc.HEALTH)
    async def healthz() -> Response:
        """Liveness: the service is up and its packs are compiled."""
        return _json(
            {"status": "ok", "medcredit_version": __version__, "packs": [_pack_ref(p) for p in all_packs]}, all_packs
        )

    @app.get("/v1/packs", tags=["packs"], responses=openapi_doc.PACKS)
    async def packs() -> Response:
        """The packs this service evaluates with."""
        return _json(
            {"medcredit_version": __version__, "packs": [openapi_doc.pack_summary(p) for p in all_packs]}, all_packs
        )

    @app.get("/v1/packs/{pack_id}", tags=["packs"], responses={**openapi_doc.PACK, **error_responses(404, 422)})
    async def pack_detail(pack_id: str) -> Response:
        """One pack: document metadata, validity, content hash, articles and interpretations."""
        pack = pack_or_404(pack_id)
        return _json({"medcredit_version": __version__, "pack": openapi_doc.pack_detail(pack)}, [pack])

    @app.get("/v1/schemas/{which}", tags=["packs"], responses={**openapi_doc.SCHEMA, **error_responses(422)})
    async def schema(which: Literal["pack", "history"]) -> Response:
        """The JSON Schema of the pack or the history format."""
        return _json(pack_schema() if which == "pack" else history_schema(), all_packs)

    def evaluation(
        pack: CompiledPack, items: list[Any], point: Point, override: bool, mode: TraceMode
    ) -> tuple[list[str], int, int]:
        cycle, as_of = (point.cycle, None) if point.as_of is None else (None, point.as_of)
        texts: list[str] = []
        evaluated = rejected = 0
        for item in items:
            if isinstance(item, Rejected):
                rejected += 1
                texts.append(json.dumps(_rejected(item), ensure_ascii=False))
                continue
            assert isinstance(item, Loaded)
            evaluator = evaluators.get(id(pack)) or Evaluator(pack)
            result = evaluator.evaluate(
                item.subject, cycle, as_of=as_of, trace=mode != "none", override_validity=override
            )
            evaluated += 1
            if mode == "full":
                encoder = encoders.get(id(pack))
                texts.append(encoder.encode(result) if encoder is not None else to_json(result, pack))
            else:
                d = result_to_dict(result, pack, trace=mode == "summary")
                texts.append(json.dumps(_summary_trace(d), ensure_ascii=False))
        return texts, evaluated, rejected

    @app.post(
        "/v1/evaluate",
        tags=["grading"],
        openapi_extra=openapi_doc.history_body(config.max_batch),
        responses={**openapi_doc.EVALUATE, **error_responses(400, 404, 413, 422, 504)},
    )
    async def evaluate_route(
        request: Request,
        cycle: Cycle = None,
        pack: PackId = None,
        trace: Annotated[TraceMode, Query(description="full trace, decisive steps only, or none")] = "full",
        override_validity: Override = False,
        as_of: AsOf = None,
    ) -> Response:
        """Grade one subject or a batch; rejected subjects are listed with their located problems."""
        compiled = pack_or_404(pack)
        point = evaluation_point(compiled, cycle, as_of)  # a wrong cycle or date: 422 before reading the body
        items, single = subjects(await read_body(request, config.max_body_bytes), config.max_batch)
        if single and isinstance(items[0], Rejected):
            raise ServiceProblemError(
                422, "invalid-history", "invalid subject", "the subject was rejected", items[0].problems
            )
        texts, evaluated, rejected = await timed(lambda: evaluation(compiled, items, point, override_validity, trace))
        head = json.dumps(
            {
                "medcredit_version": __version__,
                "pack": _pack_ref(compiled),
                "cycle": point.cycle,
                **({"as_of": as_of.isoformat()} if as_of is not None else {}),
                "trace": trace,
                "summary": {"inputs": len(items), "evaluated": evaluated, "rejected": rejected},
            },
            ensure_ascii=False,
        )
        body = f'{head[:-1]},"results":[{",".join(texts)}]}}'
        return Response(body, media_type="application/json", headers=_pack_headers([compiled]))

    @app.post(
        "/v1/explain",
        tags=["grading"],
        openapi_extra=openapi_doc.history_body(config.max_batch),
        responses={**openapi_doc.EXPLAIN, **error_responses(400, 404, 413, 422, 504)},
    )
    async def explain_route(
        request: Request,
        cycle: Cycle = None,
        pack: PackId = None,
        lang: Annotated[Lang, Query(description="language of the explanation")] = "zh",
        override_validity: Override = False,
        as_of: AsOf = None,
    ) -> Response:
        """Each subject's result as readable text citing the articles."""
        compiled = pack_or_404(pack)
        point = evaluation_point(compiled, cycle, as_of)
        items, _single = subjects(await read_body(request, config.max_body_bytes), config.max_batch)

        def run() -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for item in items:
                if isinstance(item, Rejected):
                    out.append(_rejected(item))
                    continue
                assert isinstance(item, Loaded)
                result = evaluate(compiled, item.subject, cycle, as_of=as_of, override_validity=override_validity)
                out.append(
                    {"subject": result.subject_id, "status": result.status, "text": render_text(result, compiled, lang)}
                )
            return out

        results = await timed(run)
        return _json(
            {"medcredit_version": __version__, "pack": _pack_ref(compiled), "cycle": point.cycle, "results": results},
            [compiled],
        )

    @app.post(
        "/v1/compare",
        tags=["grading"],
        openapi_extra=openapi_doc.history_body(config.max_batch),
        responses={**openapi_doc.COMPARE, **error_responses(400, 404, 413, 422, 504)},
    )
    async def compare_route(
        request: Request,
        cycle: Year,
        pack: Annotated[list[str] | None, Query(description="packs to compare (default: every pack served)")] = None,
        override_validity: Override = False,
    ) -> Response:
        """One history under several packs, side by side."""
        chosen = [pack_or_404(p) for p in pack] if pack else all_packs
        items, _single = subjects(await read_body(request, config.max_body_bytes), config.max_batch)

        def run() -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = []
            for item in items:
                if isinstance(item, Rejected):
                    rows.append(_rejected(item))
                else:
                    assert isinstance(item, Loaded)
                    # a pack under which the subject fails gives a failed row; the other packs' rows stay
                    rows.extend(compare_rows(chosen, item.subject, cycle, override_validity=override_validity)[0])
            return rows

        rows = await timed(run)
        return _json(
            {
                "medcredit_version": __version__,
                "packs": [_pack_ref(p) for p in chosen],
                "cycle": cycle,
                "results": rows,
            },
            chosen,
        )

    @app.post(
        "/v1/standing",
        tags=["procedures"],
        openapi_extra=openapi_doc.subject_body(),
        responses={**openapi_doc.STANDING, **error_responses(400, 404, 413, 422, 504)},
    )
    async def standing_route(
        request: Request,
        as_of: Day,
        officer: Annotated[str, Query(min_length=1, max_length=200, description="who queries (logged)")],
        purpose: Annotated[str, Query(min_length=1, max_length=500, description="why (logged)")],
        pack: PackId = None,
        override_validity: Override = False,
    ) -> Response:
        """A subject's standing on a date.  The query is logged (中牟 三（二）3: officer, time, content, purpose)."""
        compiled = pack_or_404(pack)
        if not officer.strip() or not purpose.strip():
            raise ServiceProblemError(
                422, "query-log", "officer and purpose required", "officer and purpose are logged"
            )
        item = one_subject(await read_body(request, config.max_body_bytes), config.max_batch)
        st = await timed(lambda: standing(compiled, item.subject, as_of, override_validity=override_validity))
        entry = None
        if query_log is not None:
            with log_lock:
                entry = query_log.record(
                    at=dt.datetime.now(dt.UTC),
                    officer=officer,
                    subject_id=item.subject.id,
                    content=f"standing as of {as_of.isoformat()} under {compiled.id}",
                    purpose=purpose,
                )
        body = {
            "medcredit_version": __version__,
            "pack": _pack_ref(compiled),
            "standing": standing_dict(st),
            "logged": None if entry is None else {"at": entry.at, "officer": entry.officer, "purpose": entry.purpose},
        }
        return _json(body, [compiled])

    @app.post(
        "/v1/repair",
        tags=["procedures"],
        openapi_extra=openapi_doc.subject_body(),
        responses={**openapi_doc.REPAIR, **error_responses(400, 404, 413, 422, 504)},
    )
    async def repair_route(
        request: Request,
        record: Annotated[str, Query(min_length=1, max_length=200, description="id of the record to repair")],
        on: Day,
        pack: PackId = None,
        declare: Annotated[list[str] | None, Query(description="declared conditions that hold")] = None,
        deny: Annotated[list[str] | None, Query(description="declared conditions that do not hold")] = None,
        override_validity: Override = False,
    ) -> Response:
        """Whether a record can be repaired on a date, condition by condition."""
        compiled = pack_or_404(pack)
        item = one_subject(await read_body(request, config.max_body_bytes), config.max_batch)
        declarations = dict.fromkeys(declare or [], True)
        declarations.update(dict.fromkeys(deny or [], False))
        answer = await timed(
            lambda: assess_repair(
                compiled, item.subject, record, on, declarations=declarations, override_validity=override_validity
            )
        )
        return _json(
            {"medcredit_version": __version__, "pack": _pack_ref(compiled), "repair": answer.as_dict()}, [compiled]
        )

    @app.post(
        "/v1/deadline",
        tags=["procedures"],
        responses={**openapi_doc.DEADLINE, **error_responses(404, 422, 504)},
    )
    async def deadline_route(
        deadline: Annotated[str, Query(min_length=1, max_length=200, examples=["objection_verification"])],
        start: Day,
        pack: PackId = None,
        chain: Annotated[bool, Query(description="also the deadlines that follow this one")] = False,
        override_validity: Override = False,
    ) -> Response:
        """The due date of a procedural deadline declared in a pack (working days, official calendar)."""
        compiled = pack_or_404(pack)

        def run() -> list[dict[str, object]]:
            if chain:
                return [
                    a.as_dict() for a in deadline_chain(compiled, deadline, start, override_validity=override_validity)
                ]
            return [compute_deadline(compiled, deadline, start, override_validity=override_validity).as_dict()]

        answers = await timed(run)
        return _json({"medcredit_version": __version__, "pack": _pack_ref(compiled), "deadlines": answers}, [compiled])

    app.openapi = openapi_doc.openapi_builder(app, sorted(config.packs))  # type: ignore[method-assign]
    return app
