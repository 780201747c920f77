"""The Messaging API over HTTP, as line-bot-sdk v3 calls it, backed by a LinePlatform.

Mount it at /emulator and point the SDK's Configuration(host=...) at
http://HOST:PORT/emulator. Blob endpoints (rich menu image) live on api-data.line.me in
production; the SDK uses Configuration.host for them too, so one host serves both.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from .platform import ApiResult, LinePlatform

_UNPARSEABLE = object()


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _UNPARSEABLE


def _respond(result: ApiResult) -> Response:
    if result.content is not None:
        return Response(result.content, status_code=result.status, headers=result.headers)
    return JSONResponse(result.body, status_code=result.status, headers=result.headers)


def create_emulator_app(platform: LinePlatform) -> FastAPI:
    app = FastAPI(title="LINE Messaging API emulator", docs_url=None, redoc_url=None,
                  openapi_url=None)

    async def call(op: Callable[..., ApiResult], *args: Any) -> Response:
        # Platform calls may sleep (injected delays); keep them off the event loop.
        return _respond(await run_in_threadpool(op, *args))

    def auth(request: Request) -> str | None:
        return request.headers.get("authorization")

    @app.post("/v2/bot/message/reply")
    async def reply(request: Request) -> Response:
        body = await _json_body(request)
        return await call(platform.reply, _or_none(body), auth(request))

    @app.post("/v2/bot/message/push")
    async def push(request: Request) -> Response:
        body = await _json_body(request)
        return await call(platform.push, _or_none(body), auth(request),
                          request.headers.get("x-line-retry-key"))

    @app.get("/v2/bot/message/{message_id}/content")
    async def content(message_id: str, request: Request) -> Response:
        return await call(platform.message_content, message_id, auth(request))

    @app.post("/v2/bot/chat/loading/start")
    async def loading(request: Request) -> Response:
        body = await _json_body(request)
        return await call(platform.start_loading, _or_none(body), auth(request))

    @app.get("/v2/bot/message/quota")
    async def quota(request: Request) -> Response:
        return await call(platform.quota, auth(request))

    @app.get("/v2/bot/message/quota/consumption")
    async def consumption(request: Request) -> Response:
        return await call(platform.quota_consumption, auth(request))

    @app.post("/v2/bot/richmenu")
    async def create_rich_menu(request: Request) -> Response:
        body = await _json_body(request)
        return await call(platform.create_rich_menu, _or_none(body), auth(request))

    @app.get("/v2/bot/richmenu/list")
    async def list_rich_menus(request: Request) -> Response:
        return await call(platform.list_rich_menus, auth(request))

    @app.post("/v2/bot/richmenu/{rich_menu_id}/content")
    async def upload_image(rich_menu_id: str, request: Request) -> Response:
        content = await request.body()
        return await call(platform.upload_rich_menu_image, rich_menu_id, content,
                          request.headers.get("content-type"), auth(request))

    @app.get("/v2/bot/richmenu/{rich_menu_id}")
    async def get_rich_menu(rich_menu_id: str, request: Request) -> Response:
        return await call(platform.get_rich_menu, rich_menu_id, auth(request))

    @app.delete("/v2/bot/richmenu/{rich_menu_id}")
    async def delete_rich_menu(rich_menu_id: str, request: Request) -> Response:
        return await call(platform.delete_rich_menu, rich_menu_id, auth(request))

    @app.post("/v2/bot/user/all/richmenu/{rich_menu_id}")
    async def set_default(rich_menu_id: str, request: Request) -> Response:
        return await call(platform.set_default_rich_menu, rich_menu_id, auth(request))

    @app.get("/v2/bot/user/all/richmenu")
    async def get_default(request: Request) -> Response:
        return await call(platform.get_default_rich_menu, auth(request))

    @app.delete("/v2/bot/user/all/richmenu")
    async def cancel_default(request: Request) -> Response:
        return await call(platform.cancel_default_rich_menu, auth(request))

    return app


def _or_none(body: Any) -> Any:
    """Unparseable JSON reaches the platform as None, which it answers with a 400."""
    return None if body is _UNPARSEABLE else body
