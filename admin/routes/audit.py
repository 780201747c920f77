"""The audit log (admins only; read-only: there is no route that edits or deletes it)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func
from sqlmodel import Session, select

from admin.queue_data import staff_names
from admin.params import AuditAction, Page
from admin.web import db, render, require_admin
from bot.models import AuditLog, Case, Resident, StaffUser

router = APIRouter()
PAGE_SIZE = 100


@router.get("/admin/audit")
def audit_page(request: Request, page: Page = 1, action: AuditAction = None,
               staff: StaffUser = Depends(require_admin), session: Session = Depends(db)):
    page = max(1, page)
    query = select(AuditLog)
    count = select(func.count(AuditLog.id))
    if action:
        query, count = query.where(AuditLog.action == action), count.where(AuditLog.action == action)
    total = session.exec(count).one()
    entries = session.exec(query.order_by(AuditLog.id.desc())
                           .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    case_ids = {e.case_id for e in entries if e.case_id}
    codes = dict(session.exec(select(Case.id, Resident.case_code)
                              .join(Resident, Resident.id == Case.resident_id)
                              .where(Case.id.in_(case_ids))).all()) if case_ids else {}
    actions = session.exec(select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    return render(request, "audit.html", {
        "entries": entries, "names": staff_names(session), "codes": codes, "page": page,
        "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE), "action": action or "",
        "actions": actions, "total": total})
