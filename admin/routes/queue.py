"""The queue page, its self-refreshing fragment, and the JSON API."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from admin.params import MAX_ROW_ID, Page, RefreshSeconds
from admin.queue_filters import QueueFilter, QueueFilters, filter_choices
from admin.queue_data import (MAX_PAGE_SIZE, PAGE_SIZE, TABS, queue_page, queue_rows,
                              tab_counts, waiting_emergencies)
from admin.web import db, redirect, render, require_staff, require_staff_api, secure
from bot.models import StaffUser
from bot.line.outbox import pushes_this_month

router = APIRouter()


def _tab(tab: str) -> str:
    if tab not in TABS:
        raise HTTPException(404, "no such tab")
    return tab


def _refresh_ms(refresh: float | None) -> int:
    seconds = 10.0 if refresh is None else min(max(refresh, 1.0), 300.0)
    return int(seconds * 1000)


def _queue_context(request: Request, session: Session, staff: StaffUser, tab: str,
                   page: int, filters: QueueFilter) -> dict:
    runtime = request.app.state.runtime
    counts = tab_counts(session, staff)
    result = queue_page(session, staff, tab, runtime.hours, page=page, counts=counts,
                        filters=filters)
    return {
        "tab": tab, "tabs": TABS, "filters": filters, "kept": filters.query_string(),
        "rows": result.rows, "paging": result,
        "counts": counts,
        "emergencies": waiting_emergencies(session),
        "push_count": pushes_this_month(session),
        "push_quota": runtime.settings.push_quota_per_month,
    }


@router.get("/admin/queue")
def queue_view(request: Request, filters: QueueFilters, tab: str = "waiting", page: Page = 1,
               refresh: RefreshSeconds = None,
               staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    context = _queue_context(request, session, staff, _tab(tab), page, filters)
    context["refresh_ms"] = _refresh_ms(refresh)
    context["choices"] = filter_choices(session)
    return render(request, "queue.html", context)


@router.get("/admin/queue/fragment")
def queue_fragment(request: Request, filters: QueueFilters, tab: str = "waiting",
                   page: Page = 1,
                   staff: StaffUser = Depends(require_staff_api), session: Session = Depends(db)):
    """The part of the queue page that refreshes itself (rows, counts, alert data)."""
    return render(request, "_queue_body.html",
                  _queue_context(request, session, staff, _tab(tab), page, filters))


@router.get("/admin/api/queue")
def queue_api(request: Request, filters: QueueFilters, tab: str = "waiting", page: Page = 1,
              per_page: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
              staff: StaffUser = Depends(require_staff_api), session: Session = Depends(db)):
    """One page of a tab (`page`, `per_page` ≤ 200); `total` and `pages` tell what is left."""
    runtime = request.app.state.runtime
    result = queue_page(session, staff, _tab(tab), runtime.hours, page=page,
                        per_page=per_page, last_messages=False, filters=filters)
    body = {"tab": tab, "staff": staff.display_name or staff.login,
            "push_count": pushes_this_month(session),
            "push_quota": runtime.settings.push_quota_per_month,
            "total": result.total, "page": result.page, "pages": result.pages,
            "per_page": result.per_page,
            "cases": [row.as_json() for row in result.rows]}
    return secure(request, JSONResponse(body))


@router.get("/admin/queue/next")
def next_case(request: Request, after: int | None = Query(None, ge=1, le=MAX_ROW_ID),
              staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    """The keyboard's "next case" from a case page: the first waiting case in queue order
    other than the one just left; the queue when none is waiting."""
    rows = queue_rows(session, staff, "waiting", request.app.state.runtime.hours, limit=2,
                      last_messages=False)
    target = next((row for row in rows if row.case_id != after), None)
    return redirect(request, f"/admin/cases/{target.case_id}" if target else "/admin/queue")
