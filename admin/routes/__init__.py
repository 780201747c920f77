"""The staff web app: routes grouped by resource, mounted by bot.app.create_app."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from admin.csrf import csrf_protect

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def build_admin_router() -> APIRouter:
    from admin.routes import (account, audit, auth, canned, case, case_labels, casework,
                              corrections, followups, live, queue, search, staff, stats, windows)
    router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
    for module in (auth, account, queue, search, case, casework, case_labels, corrections, followups,
                   stats, staff, windows, canned, audit, live):
        router.include_router(module.router)
    return router


def mount_admin(app: FastAPI) -> None:
    app.include_router(build_admin_router())
    app.mount("/admin/static", StaticFiles(directory=str(STATIC_DIR)), name="admin-static")
