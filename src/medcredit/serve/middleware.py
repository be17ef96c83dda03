"""Bearer-token check and version headers as a plain ASGI middleware.

A plain ASGI wrapper rather than Starlette's ``BaseHTTPMiddleware``: that one runs the
app in a separate task and copies each response through a stream, which costs more
than the evaluation of a small subject.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medcredit.serve.problem import problem_response

PUBLIC_PATHS = frozenset({"/healthz", "/openapi.json", "/docs"})
#: Query parameters that may be given several times (the operations take a list); any other given twice is
#: refused: the framework would keep one of them silently (``?cycle=2023&cycle=2024`` graded for 2024).
REPEATABLE = {"/v1/compare": frozenset({"pack"}), "/v1/repair": frozenset({"declare", "deny"})}


def repeated_parameter(path: str, query: bytes) -> str | None:
    """Why the query string names a parameter more than once (None: it does not)."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    lists = REPEATABLE.get(path, frozenset())
    for name, count in Counter(name for name, _value in pairs).items():
        if count > 1 and name not in lists:
            return f"query parameter '{name[:40]}' is given {count} times: give it once"
    for (name, value), count in Counter(pairs).items():
        if count > 1:
            return f"query parameter '{name[:40]}' names '{value[:40]}' {count} times: name each once"
    return None


class ServiceMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        headers: dict[str, str],
        token_ok: Callable[[str], bool] | None,
    ) -> None:
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self.token_ok = token_ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.token_ok is not None and scope["path"] not in PUBLIC_PATHS and not self._authorised(scope):
            response = problem_response(
                401,
                "unauthorized",
                "unauthorized",
                "a valid bearer token is required",
                instance=scope["path"],
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, self._with_headers(send))
            return
        repeated = repeated_parameter(scope["path"], scope.get("query_string", b""))
        if repeated is not None:
            response = problem_response(
                422, "invalid-parameters", "invalid parameters", repeated, instance=scope["path"]
            )
            await response(scope, receive, self._with_headers(send))
            return
        await self.app(scope, receive, self._with_headers(send))

    def _authorised(self, scope: Scope) -> bool:
        assert self.token_ok is not None
        for key, value in scope.get("headers", ()):
            if key == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                return scheme.lower() == "bearer" and self.token_ok(token.strip())
        return False

    def _with_headers(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", ())}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        return wrapped
