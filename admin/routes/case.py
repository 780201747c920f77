"""One case: read the conversation, take/assign, reply, note, status, follow-up."""
from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlmodel import Session, select

from admin import labels
from admin.case_data import agency_names, conversation, suggested_windows
from admin.casework_data import casework_context
from admin.queue_data import staff_names, waiting_seconds, wall_waiting_seconds
from admin.routes.canned import offered as offered_canned
from admin.unread import mark_read
from admin.params import RowId, Version, row_id
from admin.web import audit, db, redirect, render, require_staff
from bot import clock
from bot.line import linemsg, staff_voice
from bot.cases import CaseStatus, lifecycle
from bot.models import Case, FollowUp, Note, Resident, StaffUser
from bot.line.outbox import enqueue

router = APIRouter()

NOTICES = {
    "sent": "返信を送りました。",
    "queued": "返信を送信待ちにしました（再送を続けます）。",
    "failed": "返信を送れませんでした。下の会話に理由を表示しています。",
    "taken": "この相談の担当になりました。",
    "assigned": "担当者を変更しました。",
    "note": "メモを保存しました。",
    "status": "状態を変更しました。",
    "corrected": "分類の修正を保存しました。",
    "consent": "本人同意を記録しました。",
    "tamokan": "多機関協働の設定を保存しました。",
    "labels": "ラベルを変更しました。",
}
CONFLICT = ("この相談は、あなたが画面を開いた後に他の職員（または相談者の新しいメッセージ）により"
            "更新されました。内容は保存していません。最新の状態を確認してから、もう一度操作してください。")
MAX_TEXT = 5000


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise HTTPException(404, "相談が見つかりません。")
    return case


def _page(request: Request, session: Session, staff: StaffUser, case: Case, *,
          status_code: int = 200, error: Optional[str] = None, notice: Optional[str] = None,
          draft: str = "", confirm_reply: bool = False, log_view: bool = False,
          live: bool = False, seen: bool = True):
    """The case page. With `log_view` (a GET) the view is audited and, when `seen` (the
    page is in front of the staff member), the messages it shows are marked read; `live`:
    drawn again by static/live.js because a message came in."""
    runtime = request.app.state.runtime
    resident = session.get(Resident, case.resident_id)
    names = staff_names(session)
    entries = conversation(session, case, names)
    if log_view:
        audit(session, staff, "case.view", case.id, "live update" if live else None)
        if seen:
            mark_read(session, case, staff, max((e.id for e in entries), default=None))
        session.commit()
    person = {   # only what staff may see: never the LINE user ID
        "case_code": resident.case_code,
        "terms_consent": resident.terms_consent, "terms_consent_at": resident.terms_consent_at,
        "share_consent": resident.share_consent, "share_consent_at": resident.share_consent_at,
        "relation": labels.RELATION_LABELS.get(resident.intake_relation or "", "未回答"),
        "age": labels.age_label(resident.intake_age),
        "area_text": resident.intake_area_text, "area_town": resident.area_town,
        "reachable": resident.reachable, "deleted": resident.deleted_at is not None,
        "notifications_enabled": resident.notifications_enabled,
    }
    other_cases = session.exec(select(Case.id, Case.status, Case.opened_at)
                               .where(Case.resident_id == resident.id, Case.id != case.id)
                               .order_by(Case.id.desc())).all()
    notes = session.exec(select(Note).where(Note.case_id == case.id).order_by(Note.id)).all()
    followups = session.exec(select(FollowUp).where(FollowUp.case_id == case.id)
                             .order_by(FollowUp.due_at)).all()
    canned = offered_canned(session, staff)
    staff_list = session.exec(select(StaffUser).where(StaffUser.disabled == False)  # noqa: E712
                              .order_by(StaffUser.display_name, StaffUser.login)).all()
    return render(request, "case.html", {
        "case": case, "person": person, "names": names,
        "entries": entries,
        "waiting": waiting_seconds(case, runtime.hours, clock.now()),
        "waiting_wall": wall_waiting_seconds(case, clock.now()),
        "notes": notes, "followups": followups, "canned": canned, "staff_list": staff_list,
        "windows": suggested_windows(runtime.directory, runtime.settings.municipality, case),
        "agencies": agency_names(runtime.directory, runtime.settings.municipality),
        "other_cases": other_cases, "error": error, "notice": notice, "draft": draft,
        "confirm_reply": confirm_reply,
        "assignee_name": names.get(case.assignee_id) if case.assignee_id else None,
        "someone_else": case.assignee_id is not None and case.assignee_id != staff.id,
        **casework_context(session, case, names),
    }, status_code=status_code)


# for the casework routes (admin/routes/casework.py)
case_page_with, load_case = _page, _case


def redirect_to_case(request: Request, case: Case, notice: str):
    return redirect(request, f"/admin/cases/{case.id}?notice={notice}#actions")


_back = redirect_to_case


@router.get("/admin/cases/{case_id}")
def case_page(request: Request, case_id: RowId, notice: Optional[str] = None,
              live: bool = False, seen: bool = True,
              staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    case = _case(session, case_id)
    return _page(request, session, staff, case, notice=NOTICES.get(notice or ""), log_view=True,
                 live=live, seen=seen)


@router.post("/admin/cases/{case_id}/take")
def take(request: Request, case_id: RowId, version: Version,
         staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    case = _case(session, case_id)
    if not lifecycle.take(session, case, staff=staff, version=version):
        return _conflict(request, session, staff, case)
    session.commit()
    return _back(request, case, "taken")


@router.post("/admin/cases/{case_id}/assign")
def assign(request: Request, case_id: RowId, version: Version, assignee_id: str = Form(""),
           staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    case = _case(session, case_id)
    target: Optional[StaffUser] = None
    if assignee_id:
        target_id = row_id(assignee_id)
        target = session.get(StaffUser, target_id) if target_id else None
        if target is None or target.disabled:
            return _page(request, session, staff, case, status_code=400,
                         error="その職員には割り当てられません。")
    if not lifecycle.assign(session, case, staff=staff, assignee=target, version=version):
        return _conflict(request, session, staff, case)
    session.commit()
    return _back(request, case, "assigned")


@router.post("/admin/cases/{case_id}/reply")
def reply(request: Request, case_id: RowId, version: Version, text: str = Form(""),
          confirm_other: str = Form(""),
          staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    case = _case(session, case_id)
    body = text.strip()
    if not body:
        return _page(request, session, staff, case, status_code=400, error="返信が空です。")
    if linemsg.utf16_len(body) > MAX_TEXT:
        return _page(request, session, staff, case, status_code=400, draft=text,
                     error=f"返信が長すぎます（{MAX_TEXT}文字まで）。")
    if version != case.version:
        return _page(request, session, staff, case, status_code=409, error=CONFLICT, draft=text)
    resident = session.get(Resident, case.resident_id)
    if case.status == CaseStatus.CLOSED:
        return _page(request, session, staff, case, status_code=400, draft=text,
                     error="終了した相談には返信できません。先に状態を「対応中」に戻してください。")
    if resident.deleted_at is not None or not resident.line_user_id:
        return _page(request, session, staff, case, status_code=400, draft=text,
                     error="相談者がデータを削除したため、返信できません。")
    if not resident.reachable:
        return _page(request, session, staff, case, status_code=400, draft=text,
                     error="相談者がブロック中のため、返信は届きません。")
    if case.assignee_id not in (None, staff.id) and confirm_other != "yes":
        return _page(request, session, staff, case, draft=text, confirm_reply=True)
    settings = request.app.state.runtime.settings
    messages = staff_voice.as_staff([linemsg.text(body)], settings.public_base_url)
    rows = enqueue(session, resident, messages, purpose="staff", case_id=case.id,
                   staff_id=staff.id, retry_hours=settings.outbox_retry_hours)
    if not lifecycle.staff_reply(session, case, staff=staff, version=version,
                                 outbox_ids=[row.id for row in rows]):
        return _conflict(request, session, staff, case, draft=text)
    session.commit()
    ids = [row.id for row in rows]
    request.app.state.runtime.sender.send_due(ids)
    states = set()
    for row in rows:
        session.refresh(row)
        states.add(row.status)
    notice = "sent" if states == {"sent"} else ("failed" if "failed" in states else "queued")
    return _back(request, case, notice)


@router.post("/admin/cases/{case_id}/note")
def add_note(request: Request, case_id: RowId, text: str = Form(""),
             staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    case = _case(session, case_id)
    body = text.strip()
    if not body or len(body) > MAX_TEXT:
        return _page(request, session, staff, case, status_code=400,
                     error="メモは1〜5000文字で書いてください。")
    session.add(Note(case_id=case.id, staff_id=staff.id, text=body))
    audit(session, staff, "case.note", case.id)
    session.commit()
    return _back(request, case, "note")


@router.post("/admin/cases/{case_id}/status")
def change_status(request: Request, case_id: RowId, version: Version,
                  status: str = Form(...), close_reason: str = Form(""),
                  referred_agency: str = Form(""),
                  staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    case = _case(session, case_id)
    agency = referred_agency.strip()[:200] or None
    if status == CaseStatus.CLOSED:
        if close_reason not in labels.CLOSE_REASONS:
            return _page(request, session, staff, case, status_code=400,
                         error="終了の理由を選んでください。")
        changed = lifecycle.close(session, case, staff=staff, version=version,
                                  reason=close_reason, referred_agency=agency)
    elif status == CaseStatus.PENDING:
        changed = lifecycle.pend(session, case, staff=staff, version=version,
                                 referred_agency=agency)
    elif status == CaseStatus.OPEN:
        changed = lifecycle.reopen(session, case, staff=staff, version=version,
                                   referred_agency=agency)
    else:
        return _page(request, session, staff, case, status_code=400, error="その状態にはできません。")
    if not changed:
        return _conflict(request, session, staff, case)
    session.commit()
    return _back(request, case, "status")


def _conflict(request: Request, session: Session, staff: StaffUser, case: Case, draft: str = ""):
    """Someone changed the case since the form was drawn: nothing is saved."""
    session.rollback()
    return _page(request, session, staff, _reload(session, case), status_code=409,
                 error=CONFLICT, draft=draft)


def _reload(session: Session, case: Case) -> Case:
    session.expire_all()
    return session.get(Case, case.id)
