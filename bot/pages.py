"""Public pages the resident can open from the chat (the terms and privacy notice)."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

router = APIRouter()
_templates = Jinja2Templates(directory=str(Path(__file__).parent / "wording"))


@router.get("/terms", response_class=HTMLResponse)
def terms(request: Request) -> HTMLResponse:
    runtime = request.app.state.runtime
    directory = runtime.directory()
    return _templates.TemplateResponse(request, "terms.html", {
        "city": runtime.settings.city,
        "hours": runtime.hours.label(),
        "retention_days": runtime.settings.retention_days,
        "crisis_lines": directory.national_lines_for("emergency", ["suicide"], []),
        "attribution": directory.attribution(runtime.settings.municipality),
    })
