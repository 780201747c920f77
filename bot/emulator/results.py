"""What every emulated Messaging API call returns, LINE's error shapes, and the bearer
token check in front of the calls (shared by platform.py and richmenus.py)."""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol


@dataclass
class ApiResult:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None       # a blob answer (getMessageContent) instead of JSON


class _Authenticating(Protocol):
    def check_auth(self, authorization: str | None) -> ApiResult | None: ...


ERROR_MESSAGES = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    429: "The API rate limit has been exceeded. Try again later.",
    500: "Internal server error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def error(status: int, message: str, details: list | None = None,
           headers: dict[str, str] | None = None) -> ApiResult:
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = details
    return ApiResult(status, body, dict(headers or {}))


def bad_body(details: list[dict]) -> ApiResult:
    return error(400, f"The request body has {len(details)} error(s)", details)


def requires_token(method: Callable[..., ApiResult]) -> Callable[..., ApiResult]:
    """Answer 401 like LINE before the call when the bearer token is missing or wrong."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def checked(self: _Authenticating, *args: Any, **kwargs: Any) -> ApiResult:
        authorization = signature.bind(self, *args, **kwargs).arguments.get("authorization")
        return self.check_auth(authorization) or method(self, *args, **kwargs)
    return checked
