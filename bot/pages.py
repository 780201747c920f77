"""Public pages the resident can open from the chat (the terms and privacy notice), and the
staff icon LINE shows beside messages a staff member wrote (bot/line/staff_voice.py)."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from bot.line import staff_voice

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


@router.get(staff_voice.ICON_PATH)
def staff_icon() -> Response:
    return Response(staff_voice.icon_png(), media_type="image/png",
                    headers={"Cache-Control": "public, max-age=86400"})
