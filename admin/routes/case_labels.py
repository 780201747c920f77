"""Labels: the set admins manage, and staff attaching and detaching them on a case
(audited)."""
from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session, select

from admin.casework import BadInput, parse_label_name
from admin.params import RowId, row_id
from admin.routes.case import case_page_with, load_case, redirect_to_case
from admin.web import audit, db, redirect, render, require_admin, require_staff
from bot.models import CaseLabel, Label, StaffUser

router = APIRouter()


def _labels_page(request: Request, session: Session, *, error: Optional[str] = None,
                 status_code: int = 200):
    rows = session.exec(select(Label).order_by(Label.active.desc(), Label.name)).all()
    return render(request, "labels.html", {"rows": rows, "error": error},
                  status_code=status_code)


@router.get("/admin/labels")
def labels_page(request: Request, admin: StaffUser = Depends(require_admin),
                session: Session = Depends(db)):
    return _labels_page(request, session)


@router.post("/admin/labels")
def save_label(request: Request, name: str = Form(""), label_id: str = Form(""),
               active: str = Form("yes"),
               admin: StaffUser = Depends(require_admin), session: Session = Depends(db)):
    """Create a label (no label_id) or rename / retire one. A retired label stays on the
    cases that have it and in the filters; it can no longer be attached."""
    try:
        clean = parse_label_name(name)
        if active not in ("yes", "no"):
            raise BadInput("使う・使わないを選んでください。")
        label: Optional[Label] = None
        if label_id:
            found = row_id(label_id)
            label = session.get(Label, found) if found else None
            if label is None:
                raise BadInput("そのラベルは見つかりません。")
        clash = session.exec(select(Label).where(Label.name == clean)).first()
        if clash is not None and clash is not label:
            raise BadInput("同じ名前のラベルがあります。")
    except BadInput as error:
        return _labels_page(request, session, error=str(error), status_code=400)
    label = label or Label(name=clean)
    label.name, label.active = clean, active == "yes"
    session.add(label)
    session.flush()
    audit(session, admin, "label.save", detail=f"id={label.id} name={clean} active={active}")
    session.commit()
    return redirect(request, "/admin/labels")


@router.post("/admin/cases/{case_id}/labels")
def attach_or_detach(request: Request, case_id: RowId, label_id: str = Form(""),
                     action: str = Form("attach"),
                     staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    case = load_case(session, case_id)
    found = row_id(label_id)
    label = session.get(Label, found) if found else None
    link = session.get(CaseLabel, (case.id, label.id)) if label else None
    if label is None or action not in ("attach", "detach"):
        return case_page_with(request, session, staff, case, status_code=400,
                              error="ラベルを選んでください。")
    if action == "attach":
        if not label.active:
            return case_page_with(request, session, staff, case, status_code=400,
                                  error="使用を終えたラベルは付けられません。")
        if link is None:
            session.add(CaseLabel(case_id=case.id, label_id=label.id, staff_id=staff.id))
            audit(session, staff, "case.label", case.id, detail=f"attach {label.name}")
    elif link is not None:
        session.delete(link)
        audit(session, staff, "case.label", case.id, detail=f"detach {label.name}")
    session.commit()
    return redirect_to_case(request, case, "labels")

