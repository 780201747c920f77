"""FastAPI app factory. The lifespan owns the database engine, the LINE client, the
event worker and the scheduler."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Optional

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from linebot.v3 import WebhookParser
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot import clock, webguard
from bot.config import Settings, get_settings
from bot.db import create_schema, make_engine
from bot.directory import Directory
from bot.directory.live import LiveDirectory
from bot.flows.context import FlowContext
from bot.hours import BusinessHours
from bot.line.client import LineClient
from bot.line.outbox import OutboxSender
from bot.scheduler import build_scheduler
from bot.wake import Listener
from bot.line.webhook import build_router
from bot.worker import EventWorker

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything the lifespan starts, reachable from routes as request.app.state.runtime."""
    settings: Settings
    engine: Engine
    client: LineClient
    sender: OutboxSender
    worker: EventWorker
    scheduler: Any
    hours: BusinessHours
    windows: LiveDirectory
    extras: dict = field(default_factory=dict)

    def directory(self) -> Directory:
        """The windows: the file (loaded once; raises DirectoryError when it is invalid)
        with the admins' edits over it."""
        return self.windows.current()


ROLES = ("all", "web", "worker")


def create_app(settings: Optional[Settings] = None, *, engine: Optional[Engine] = None,
               start_background: bool = True, mount_extras=None, role: str = "all") -> FastAPI:
    """The service. `role`: `web` verifies, stores and answers webhooks and serves the
    staff pages, and runs nothing in the background; `worker` processes the stored events
    and runs the scheduler, serving only /healthz; `all` (the default) is both."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    settings = settings or get_settings()
    settings.require_production_settings()
    engine = engine or make_engine(settings.database_url)
    create_schema(engine)
    hours = BusinessHours(settings.business_open, settings.business_close)
    client = LineClient(settings.line_api_host, settings.line_channel_access_token)
    sender = OutboxSender(engine, client)
    windows = LiveDirectory(engine, settings.directory_path)    # the file + the admins' edits

    from bot.nlp import analyze                     # the tagger, loaded once here
    from bot.tagger_model import use_deployment_model
    use_deployment_model(settings)                  # NLP_MODEL_PATH, when set
    from bot.notifier import Notifier
    notifier = Notifier(settings, engine)           # on-call alerts (webhook / SMTP)

    def make_context() -> FlowContext:
        return FlowContext(now=clock.now(), city=settings.city,
                           municipality=settings.municipality, hours=hours,
                           retention_days=settings.retention_days,
                           terms_url=f"{settings.public_base_url}/terms",
                           directory=windows.current(),
                           analyze=analyze, on_call=notifier.configured)

    from bot.followups import ConversationFollowUps, FollowUpDispatcher
    followups = FollowUpDispatcher(engine, settings, sender)
    worker = EventWorker(engine, settings, sender, make_context, on_alert=notifier,
                         followup_hooks=ConversationFollowUps(settings))
    scheduler = build_scheduler(engine, settings, sender, followups=followups)
    runtime = Runtime(settings, engine, client, sender, worker, scheduler, hours, windows)
    runtime.extras["followups"] = followups
    runtime.extras["notifier"] = notifier
    runtime.extras["role"] = role
    background = start_background and role != "web"
    listener = Listener(engine, worker.wake)      # wakes on events other processes store

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if background:
            worker.start()
            listener.start()
            scheduler.start()
        try:
            yield
        finally:
            if background:
                scheduler.shutdown(wait=False)
                listener.stop()
                worker.stop()
            sender.close()
            client.close()

    app = FastAPI(title="くらしの相談LINE", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    webguard.install(app, settings.public_base_url)    # headers, 400 for bad parameters, 500
    if role != "worker":
        parser = WebhookParser(settings.line_channel_secret)
        app.include_router(build_router(parser, engine, on_stored=worker.wake if background
                                        else lambda: None))

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            return JSONResponse({"status": "error", "database": type(error).__name__}, 503)
        return JSONResponse({"status": "ok"})

    if role == "worker":                  # a worker serves its health check only
        return app
    from bot.pages import router as pages_router
    app.include_router(pages_router)
    from admin.routes import mount_admin
    mount_admin(app)                      # staff pages under /admin (and /admin/static)
    if mount_extras is not None:
        mount_extras(app)
    return app
