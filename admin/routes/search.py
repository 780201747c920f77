"""GET /admin/search: by case code for every staff member; by message text for admins only.
Every search is audited; a text query is kept only as a keyed digest."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session

from admin import search
from admin.web import audit, db, render, require_staff
from bot import clock
from bot.models import StaffUser

router = APIRouter()
SCOPES = ("code", "text")


def may_search_text(staff: StaffUser) -> bool:
    """Searching every resident's words is a supervisor's act: admins only (they also
    must use the second factor)."""
    return staff.role == "admin"


@router.get("/admin/search")
def search_page(request: Request,
                q: Annotated[str, Query(max_length=200)] = "",
                scope: Annotated[str, Query(pattern="^(code|text)$")] = "code",
                staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    context = {"q": q, "scope": scope, "hits": None, "error": None,
               "text_allowed": may_search_text(staff)}
    if not q.strip():
        return render(request, "search.html", context)
    if scope == "text" and not context["text_allowed"]:
        return render(request, "search.html", {
            **context, "error": "本文の検索は管理者だけが使えます。"}, status_code=403)
    runtime = request.app.state.runtime
    try:
        if scope == "code":
            hits = search.by_code(session, q)
            detail = f"code={search.code_part(q)} hits={len(hits)}"
        else:
            hits = search.by_text(session, q, clock.now(), runtime.settings.retention_days)
            digest = search.query_digest(runtime.settings.secret_key, q)
            detail = (f"hmac={digest} chars={len(search.normalise(q))} hits={len(hits)}")
    except search.BadQuery as error:
        return render(request, "search.html", {**context, "error": str(error)}, status_code=400)
    audit(session, staff, f"search.{scope}", detail=detail)
    session.commit()
    return render(request, "search.html", {**context, "hits": hits})
