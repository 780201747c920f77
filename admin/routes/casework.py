"""Casework on one case: 本人同意 recorded by staff, the 多機関協働 flag, labels. Each change
is audited; bad input is a 400 with the case page and the reason."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session

from admin.casework import BadInput, parse_agencies, parse_consent_method, parse_given_at
from admin.params import RowId
from admin.routes.case import case_page_with, load_case, redirect_to_case
from admin.web import audit, db, require_staff
from bot import clock
from bot.cases import STAFF_HELD
from bot.consent import record_consent
from bot.models import Resident, StaffUser

router = APIRouter()
STAFF_WORKING = STAFF_HELD      # waiting, open, pending: not the bot's, not closed


@router.post("/admin/cases/{case_id}/consent")
def record_share_consent(request: Request, case_id: RowId, decision: str = Form(""),
                         method: str = Form(""), given_at: str = Form(""),
                         staff: StaffUser = Depends(require_staff),
                         session: Session = Depends(db)):
    """本人同意 to share with other agencies, given (or withdrawn) by LINE, phone or in
    person, as a staff member heard it."""
    case = load_case(session, case_id)
    resident = session.get(Resident, case.resident_id)
    try:
        if decision not in ("grant", "withdraw"):
            raise BadInput("同意か撤回かを選んでください。")
        how = parse_consent_method(method)
        at = parse_given_at(given_at, clock.now())
        if resident is None or resident.deleted_at is not None:
            raise BadInput("相談者がデータを削除したため、同意は記録できません。")
    except BadInput as error:
        return case_page_with(request, session, staff, case, status_code=400, error=str(error))
    granted = decision == "grant"
    record_consent(session, resident, "share", granted, at=at, method=how,
                   staff_id=staff.id, case_id=case.id)
    audit(session, staff, "consent.share", case.id,
          detail=f"{'granted' if granted else 'withdrawn'} method={how} "
                 f"at={clock.to_jst(at):%Y-%m-%d %H:%M} JST")
    session.commit()
    return redirect_to_case(request, case, "consent")


@router.post("/admin/cases/{case_id}/tamokan")
def set_tamokan(request: Request, case_id: RowId, action: str = Form("set"),
                agencies: str = Form(""),
                staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    """Flag (or unflag) a case as worked together with other agencies (多機関協働), with the
    agencies involved. Only a case staff hold (waiting, open, pending) can change."""
    case = load_case(session, case_id)
    try:
        if case.status not in STAFF_WORKING:
            raise BadInput("多機関協働は、対応中の相談（対応待ち・対応中・返事待ち）にだけ設定できます。")
        if action not in ("set", "clear"):
            raise BadInput("多機関協働の操作が正しくありません。")
        names = parse_agencies(agencies) if action == "set" else []
    except BadInput as error:
        return case_page_with(request, session, staff, case, status_code=400, error=str(error))
    if names:
        case.tamokan_at = case.tamokan_at or clock.now()
        case.tamokan_agencies = names
        detail = f"set agencies={len(names)}: " + " / ".join(names)
    else:
        case.tamokan_at, case.tamokan_agencies = None, None
        detail = "cleared"
    session.add(case)
    audit(session, staff, "case.tamokan", case.id, detail=detail)
    session.commit()
    return redirect_to_case(request, case, "tamokan")
