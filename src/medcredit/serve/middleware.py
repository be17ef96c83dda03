"""Bearer-token check and version headers as a plain ASGI middleware.

A plain ASGI wrapper rather than Starlette's ``BaseHTTPMiddleware``: that one runs the
app in a separate task and copies each response through a stream, which costs more
than the evaluation of a small subject.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medcredit.serve.problem import problem_response

PUBLIC_PATHS = frozenset({"/healthz", "/openapi.json", "/docs"})


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
