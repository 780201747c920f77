"""Canned replies: shared ones (admins manage them at /admin/canned) and each staff member's
own (/admin/canned/mine). Both are offered on the case page, by the list and by typing "/"
in the reply box (admin/static/admin.js)."""
from __future__ import annotations

import unicodedata
from typing import Optional

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session, or_, select

from admin.params import row_id
from admin.web import audit, db, redirect, render, require_admin, require_staff
from bot.models import CannedReply, StaffUser

router = APIRouter()
MAX_TEXT = 5000
MAX_SHORTCUT = 32


def offered(session: Session, staff: StaffUser) -> list[CannedReply]:
    """What the case page offers this staff member: the shared replies and their own."""
    return list(session.exec(select(CannedReply).where(
        CannedReply.active == True,  # noqa: E712
        or_(CannedReply.owner_id.is_(None), CannedReply.owner_id == staff.id))
        .order_by(CannedReply.owner_id.is_(None), CannedReply.title)).all())


def _owned_by(owner_id: Optional[int]):
    return (CannedReply.owner_id.is_(None) if owner_id is None
            else CannedReply.owner_id == owner_id)


def _page(request: Request, session: Session, owner_id: Optional[int], *,
          error: Optional[str] = None, status_code: int = 200):
    replies = session.exec(select(CannedReply).where(_owned_by(owner_id))
                           .order_by(CannedReply.active.desc(), CannedReply.title)).all()
    return render(request, "canned.html", {
        "replies": replies, "error": error, "mine": owner_id is not None,
        "action": "/admin/canned/mine" if owner_id is not None else "/admin/canned",
    }, status_code=status_code)


def _shortcut(value: str) -> Optional[str]:
    """Empty, or a word typed after "/": no spaces, no "/", at most 32 characters."""
    word = unicodedata.normalize("NFKC", value).strip().lstrip("/")
    if not word:
        return None
    if len(word) > MAX_SHORTCUT or any(c.isspace() or c == "/" or unicodedata.category(c) == "Cc"
                                       for c in word):
        raise ValueError(f"ショートカットは空白と / を含めず{MAX_SHORTCUT}文字までにしてください。")
    return word


def _save(request: Request, session: Session, staff: StaffUser, owner_id: Optional[int],
          title: str, text: str, reply_id: str, active: str, shortcut: str):
    title, text = title.strip(), text.strip()
    try:
        if not 1 <= len(title) <= 100 or not 1 <= len(text) <= MAX_TEXT:
            raise ValueError(f"題名（100文字まで）と本文（{MAX_TEXT}文字まで）を入れてください。")
        if active not in ("yes", "no"):
            raise ValueError("使う・使わないを選んでください。")
        word = _shortcut(shortcut)
        reply: Optional[CannedReply] = None
        if reply_id:
            found = row_id(reply_id)
            reply = session.exec(select(CannedReply).where(
                CannedReply.id == found, _owned_by(owner_id))).first() if found else None
            if reply is None:                 # someone else's, or not there
                raise ValueError("その定型文は見つかりません。")
    except ValueError as error:
        return _page(request, session, owner_id, error=str(error), status_code=400)
    reply = reply or CannedReply(title=title, text=text, owner_id=owner_id)
    reply.title, reply.text, reply.active, reply.shortcut = title, text, active == "yes", word
    session.add(reply)
    session.flush()
    audit(session, staff, "canned.save",
          detail=f"id={reply.id} {'own' if owner_id is not None else 'shared'}")
    session.commit()
    return redirect(request, "/admin/canned/mine" if owner_id is not None else "/admin/canned")


@router.get("/admin/canned")
def shared_page(request: Request, admin: StaffUser = Depends(require_admin),
                session: Session = Depends(db)):
    return _page(request, session, None)


@router.post("/admin/canned")
def save_shared(request: Request, title: str = Form(""), text: str = Form(""),
                reply_id: str = Form(""), active: str = Form("yes"), shortcut: str = Form(""),
                admin: StaffUser = Depends(require_admin), session: Session = Depends(db)):
    return _save(request, session, admin, None, title, text, reply_id, active, shortcut)


@router.get("/admin/canned/mine")
def own_page(request: Request, staff: StaffUser = Depends(require_staff),
             session: Session = Depends(db)):
    return _page(request, session, staff.id)


@router.post("/admin/canned/mine")
def save_own(request: Request, title: str = Form(""), text: str = Form(""),
             reply_id: str = Form(""), active: str = Form("yes"), shortcut: str = Form(""),
             staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    return _save(request, session, staff, staff.id, title, text, reply_id, active, shortcut)
