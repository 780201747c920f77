"""What every HTTP response of the service gets, whichever route (or none) answered it:
the security headers (HSTS too when the public address is https), a 400 with a reason
for a parameter that fails validation, and a plain 500 that still carries the headers."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; media-src 'self' data:; connect-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def headers_for(public_base_url: str) -> dict[str, str]:
    """The headers every response carries; HSTS only when the service is served over https."""
    headers = dict(SECURITY_HEADERS)
    if public_base_url.lower().startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeaders:
    """ASGI middleware: adds each header the response did not set itself (a page with its
    own Content-Security-Policy keeps it). Covers 404/405, static files and raised errors."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]):
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _reason(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ())[1:]) or "request"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "; ".join(parts)[:500]


def install(app: FastAPI, public_base_url: str) -> None:
    headers = headers_for(public_base_url)
    app.add_middleware(SecurityHeaders, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _reason(error)}, status_code=400)

    # Unhandled errors are answered outside the middleware stack, so this one sets the
    # headers itself; the exception is still logged by the server.
    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> PlainTextResponse:
        return PlainTextResponse("Internal Server Error", status_code=500, headers=headers)
