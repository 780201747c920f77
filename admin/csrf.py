"""CSRF protection: every POST under /admin carries the session's token (form field
`csrf_token` or header `X-CSRF-Token`); without it or with a wrong one: 403."""
from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from admin.session import cookie_is_new, read_cookie

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def csrf_token(request: Request) -> str:
    return read_cookie(request)["csrf"]


async def csrf_protect(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    if cookie_is_new(request):              # no valid signed cookie: no token to match
        raise HTTPException(403, "CSRF token missing or invalid")
    sent = request.headers.get("x-csrf-token")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, csrf_token(request)):
        raise HTTPException(403, "CSRF token missing or invalid")
