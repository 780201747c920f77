"""Staff correct the tagger's fields and risk of a resident message (bot/corrections.py);
audited with the values before and after."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlmodel import Session

from admin.params import RowId
from admin.routes.case import _case, _page
from admin.web import audit, db, redirect, require_staff
from bot import corrections
from bot.models import Message, StaffUser

router = APIRouter()

FieldKeys = Annotated[list[str], Form(max_length=32)]


@router.post("/admin/cases/{case_id}/messages/{message_id}/correction")
def correct_message(request: Request, case_id: RowId, message_id: RowId,
                    risk: str = Form(""), fields: FieldKeys = [],   # noqa: B006 (FastAPI's default)
                    staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    case = _case(session, case_id)
    message = session.get(Message, message_id)
    if message is None or message.case_id != case.id:
        raise HTTPException(404, "この相談のメッセージが見つかりません。")
    if not corrections.correctable(message):
        return _page(request, session, staff, case, status_code=400,
                     error="分類を直せるのは、残っている相談者の文章だけです。")
    try:
        change = corrections.correct(session, message, staff, fields, risk)
    except corrections.BadCorrection as error:
        return _page(request, session, staff, case, status_code=400,
                     error=f"分類を保存できません（{error}）。")
    audit(session, staff, "message.correct", case.id, change.describe(message_id))
    session.commit()
    return redirect(request, f"/admin/cases/{case.id}?notice=corrected#msg-{message_id}")
