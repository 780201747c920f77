"""Follow-ups for staff: the global 「予定されたフォローアップ」 list, and schedule /
reschedule / cancel (the case page includes templates/_followups_case.html)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlmodel import Session, select

from admin.params import RowId
from admin.web import TEMPLATES, audit, db, redirect, render, require_staff
from bot import clock, followups
from bot.followups import store
from bot.models import Case, Resident, StaffUser
from bot.line.outbox import pushes_this_month

router = APIRouter()

TEMPLATES.env.globals.update(
    followup_kind_labels=store.KIND_LABELS, followup_status_labels=store.STATUS_LABELS,
    followup_template_labels=store.TEMPLATE_LABELS, followup_pending=store.PENDING,
)


def _due(value: str) -> datetime:
    try:
        return clock.from_jst(datetime.fromisoformat(value))
    except ValueError:
        raise followups.FollowUpError("日時を入力してください（日本時間）") from None


def _back(request: Request, case_id: Optional[int], next_page: str, notice: str):
    if next_page == "list" or case_id is None:
        return redirect(request, f"/admin/followups?notice={notice}")
    return redirect(request, f"/admin/cases/{case_id}?notice=followup#followups")


def _error(request: Request, message: str):
    return render(request, "followups.html", {"error": message, **_listing(request)},
                  status_code=400)


def _listing(request: Request) -> dict:
    settings = request.app.state.runtime.settings
    with Session(request.app.state.runtime.engine) as session:
        rows = store.upcoming(session)
        codes = {}
        if rows:
            resident_ids = {f.resident_id for f, _ in rows}
            codes = dict(session.exec(select(Resident.id, Resident.case_code)
                                      .where(Resident.id.in_(resident_ids))).all())
        return {
            "rows": [(f, case, codes.get(f.resident_id, "")) for f, case in rows],
            "held": followups.held_count(session),
            "pushes": pushes_this_month(session),
            "budget": settings.followup_push_budget,
            "budget_left": followups.push_budget_left(session, settings),
            "quiet": followups.quiet_hours(settings).label(),
            "now_jst": clock.to_jst(clock.now()).strftime("%Y-%m-%dT%H:%M"),
        }


@router.get("/admin/followups")
def followup_list(request: Request, notice: str = "", staff: StaffUser = Depends(require_staff)):
    notices = {"cancelled": "取り消しました。", "rescheduled": "日時を変更しました。",
               "scheduled": "予約しました。"}
    return render(request, "followups.html", {"notice": notices.get(notice), **_listing(request)})


@router.post("/admin/cases/{case_id}/followups")
def schedule(request: Request, case_id: RowId, due_at: str = Form(""), template: str = Form("checkin"),
             text: str = Form(""), next_page: str = Form("case"),
             staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    if session.get(Case, case_id) is None:
        raise HTTPException(404, "相談が見つかりません。")
    settings = request.app.state.runtime.settings
    try:
        due = _due(due_at)
        if due < clock.now():
            raise followups.FollowUpError("日時は今より後にしてください")
        row = followups.schedule(session, settings, case_id, due, template=template or None,
                                 text=text)
    except followups.FollowUpError as error:
        session.rollback()
        return _error(request, str(error))
    audit(session, staff, "followup.schedule", case_id, detail=f"follow-up {row.id}")
    session.commit()
    return _back(request, case_id, next_page, "scheduled")


@router.post("/admin/followups/{followup_id}/reschedule")
def reschedule(request: Request, followup_id: RowId, due_at: str = Form(""),
               past_budget: str = Form(""), next_page: str = Form("list"),
               staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    settings = request.app.state.runtime.settings
    try:
        row = followups.reschedule(session, settings, followup_id, _due(due_at),
                                   past_budget=bool(past_budget))
    except followups.FollowUpError as error:
        session.rollback()
        return _error(request, str(error))
    audit(session, staff, "followup.reschedule", row.case_id,
          detail=f"follow-up {row.id}" + (" past budget" if past_budget else ""))
    session.commit()
    return _back(request, row.case_id, next_page, "rescheduled")


@router.post("/admin/followups/{followup_id}/cancel")
def cancel(request: Request, followup_id: RowId, next_page: str = Form("list"),
           staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    try:
        row = followups.cancel(session, followup_id)
    except followups.FollowUpError as error:
        session.rollback()
        return _error(request, str(error))
    audit(session, staff, "followup.cancel", row.case_id, detail=f"follow-up {row.id}")
    session.commit()
    return _back(request, row.case_id, next_page, "cancelled")
