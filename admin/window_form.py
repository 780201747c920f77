"""The window edit form (admin/routes/windows.py): what the page shows for a window, and
the submitted form turned into the directory's own fields, which bot/directory checks
exactly as it checks the YAML."""
from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from bot.directory.models import DAYS, Window
from bot.directory.overrides import EditRejected

# Weekly ranges the form offers (one more empty row than the window has, at least this).
MIN_ROWS = 3
MAX_ROWS = 20
FIELD_MAX = 500
DAY_LABELS = {"mon": "月", "tue": "火", "wed": "水", "thu": "木", "fri": "金", "sat": "土",
              "sun": "日", "holiday": "祝"}
DAY_KEYS = (*DAYS, "holiday")
HOLIDAY_LABELS = {"closed": "祝日は休み", "as_weekday": "祝日も曜日どおり",
                  "as_listed": "「祝」に印のある時間帯だけ"}
STATUS_LABELS = {"active": "受付中（案内する）", "suspended": "休止中（案内しない）"}


def form_view(window: Window) -> dict[str, Any]:
    """The form's initial values for the window as the bot uses it now."""
    opening = window.opening
    ranges = [{"days": list(r.days), "opens": r.opens, "closes": r.closes}
              for r in (opening.weekly if opening else [])]
    rows = max(MIN_ROWS, len(ranges) + 1)
    ranges += [{"days": [], "opens": "", "closes": ""}] * (rows - len(ranges))
    return {
        "phone": window.phone or "", "phone_source": window.phone_source or "",
        "description": window.description or "", "status": window.status,
        "hours_mode": "unknown" if opening is None else "always" if opening.always else "weekly",
        "ranges": ranges, "monthly": list(opening.monthly) if opening else [],
        "holidays": opening.holidays if opening else "closed",
        "year_end_closed": opening.year_end_closed if opening else True,
        "hours_source": opening.source if opening else "",
    }


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > FIELD_MAX:
        raise EditRejected(f"{name}: {FIELD_MAX}文字までの文字で入れてください")
    return value.strip() or None


def values_from_form(form: FormData, window: Window) -> dict[str, Any]:
    """The submitted fields as the directory holds them (blank = unknown / none)."""
    values: dict[str, Any] = {
        "phone": _text(form, "phone"), "phone_source": _text(form, "phone_source"),
        "description": _text(form, "description"), "status": _text(form, "status"),
    }
    mode = _text(form, "hours_mode")
    if mode == "unknown":
        values["opening"] = None
        return values
    if mode not in ("always", "weekly"):
        raise EditRejected("hours_mode: 受付時間の種類（不明・24時間・曜日ごと）を選んでください")
    opening: dict[str, Any] = {"source": _text(form, "hours_source") or "",
                               "holidays": _text(form, "holidays") or "closed",
                               "year_end_closed": form.get("year_end_closed") == "yes"}
    if mode == "always":
        opening["always"] = True
    else:
        opening["weekly"] = _ranges(form)
        # monthly extras are kept as they are (edited in the YAML)
        if window.opening is not None and window.opening.monthly:
            opening["monthly"] = [r.model_dump() for r in window.opening.monthly]
    values["opening"] = opening
    return values


def _ranges(form: FormData) -> list[dict[str, Any]]:
    count = _text(form, "rows") or "0"
    if not count.isdigit() or int(count) > MAX_ROWS:
        raise EditRejected(f"rows: 曜日ごとの時間帯は{MAX_ROWS}行までです")
    ranges = []
    for i in range(int(count)):
        days = [d for d in form.getlist(f"days_{i}") if isinstance(d, str)]
        opens, closes = _text(form, f"opens_{i}"), _text(form, f"closes_{i}")
        if not days and not opens and not closes:
            continue                               # an empty row
        ranges.append({"days": days, "opens": opens or "", "closes": closes or ""})
    return ranges


def form_echo(form: FormData, window: Window) -> dict[str, Any]:
    """The form as submitted, to show again beside the reason it was refused."""
    view = form_view(window)

    def text(name: str) -> str:
        value = form.get(name)
        return value[:FIELD_MAX] if isinstance(value, str) else ""

    for name in ("phone", "phone_source", "description", "status", "hours_mode", "holidays",
                 "hours_source"):
        view[name] = text(name)
    view["year_end_closed"] = form.get("year_end_closed") == "yes"
    rows = len(view["ranges"])
    view["ranges"] = [{"days": [d for d in form.getlist(f"days_{i}") if d in DAY_KEYS],
                       "opens": text(f"opens_{i}"), "closes": text(f"closes_{i}")}
                      for i in range(rows)]
    return view
