"""The city's windows (admins only): hours, phone, description and suspension, edited over
data/resource_directory.yaml. The bot uses an edit with its next message
(bot/directory/live.py owns the effective directory)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from sqlmodel import Session

from admin.params import MAX_ROW_ID
from admin.queue_data import staff_names
from admin.web import db, render, require_admin, runtime
from admin.window_form import (DAY_KEYS, DAY_LABELS, HOLIDAY_LABELS, STATUS_LABELS, form_echo,
                               form_view, values_from_form)
from bot.directory import Window
from bot.directory.live import EditConflict, LiveDirectory
from bot.directory.overrides import EditRejected
from bot.hours import describe
from bot.models import StaffUser

router = APIRouter()
WindowId = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]


def _window(request: Request, window_id: str) -> Window:
    live: LiveDirectory = runtime(request).windows
    try:
        window = live.current().window(window_id)
    except KeyError:
        raise HTTPException(404, "その窓口は見つかりません。") from None
    if window.municipality != runtime(request).settings.municipality:
        raise HTTPException(404, "その窓口は見つかりません。")
    return window


def hours_text(window: Window) -> str:
    if window.opening is not None:
        return describe(window.opening)
    return window.hours or "不明"


@router.get("/admin/windows")
def windows_page(request: Request, admin: StaffUser = Depends(require_admin),
                 session: Session = Depends(db)):
    live: LiveDirectory = runtime(request).windows
    return render(request, "windows.html", {
        "windows": live.current().windows(runtime(request).settings.municipality),
        "edits": live.versions(), "names": staff_names(session), "hours_text": hours_text,
        "status_labels": STATUS_LABELS})


def _edit_page(request: Request, window: Window, *, form: dict | None = None,
               error: str | None = None, notice: str | None = None, status_code: int = 200):
    row = runtime(request).windows.versions().get(window.id)
    return render(request, "window_edit.html", {
        "window": window, "form": form or form_view(window), "version": row.version if row else 0,
        "error": error, "notice": notice, "hours_text": hours_text(window),
        "day_keys": DAY_KEYS, "day_labels": DAY_LABELS, "holiday_labels": HOLIDAY_LABELS,
        "status_labels": STATUS_LABELS}, status_code=status_code)


@router.get("/admin/windows/{window_id}")
def window_page(request: Request, window_id: WindowId, admin: StaffUser = Depends(require_admin)):
    return _edit_page(request, _window(request, window_id))


@router.post("/admin/windows/{window_id}")
async def save_window(request: Request, window_id: WindowId,
                      admin: StaffUser = Depends(require_admin), session: Session = Depends(db)):
    window = _window(request, window_id)
    form = await request.form()
    version = form.get("version")
    if not isinstance(version, str) or not version.isdigit() or int(version) > MAX_ROW_ID:
        return _edit_page(request, window, status_code=400,
                          error="フォームが古いか壊れています。開き直してください。")
    live: LiveDirectory = runtime(request).windows
    try:
        values = values_from_form(form, window)
        edit = live.edit(session, window.id, values, staff_id=admin.id,
                         expected_version=int(version))
    except EditRejected as exc:
        return _edit_page(request, window, form=form_echo(form, window), status_code=400,
                          error=f"保存できません: {exc}")
    except EditConflict:
        return _edit_page(request, window, status_code=409,
                          error="ほかの方がこの窓口を保存しました。最新の内容を確かめてから直してください。")
    saved = live.current().window(window.id)
    notice = ("保存しました。ボットは次のメッセージからこの内容で案内します。" if edit.changed
              else "変更はありません。")
    return _edit_page(request, saved, notice=notice)
