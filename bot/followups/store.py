"""Follow-up rows: who may receive one, scheduling by staff, cancelling, listing."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Optional

from sqlalchemy import update
from sqlmodel import Session, select

from bot.config import Settings
from bot.followups.timing import QuietHours, as_utc
from bot.cases import STAFF_HELD
from bot.models import AuditLog, Case, FollowUp, Resident

AUTOMATIC_KINDS = ("after_windows", "after_close")
KINDS = AUTOMATIC_KINDS + ("staff",)
PENDING = ("scheduled", "held")
STAFF_TEMPLATES = ("checkin", "after_windows", "after_close")   # followup.yaml keys
TEXT_MAX = 1000                                                 # staff free text

KIND_LABELS = {"after_windows": "窓口案内の後", "after_close": "終了後の見守り", "staff": "職員の予定"}
STATUS_LABELS = {"scheduled": "予定", "claimed": "送信中", "sent": "送信済み",
                 "cancelled": "取り消し", "held": "保留（プッシュ予算）", "failed": "送信失敗"}
TEMPLATE_LABELS = {"checkin": "その後いかがですか", "after_windows": "窓口にはつながりましたか",
                   "after_close": "お変わりありませんか"}


class FollowUpError(ValueError):
    """A staff request that cannot be carried out (shown to staff as is)."""


def quiet_hours(settings: Settings) -> QuietHours:
    return QuietHours(settings.quiet_hours_start, settings.quiet_hours_end)


def why_not_reachable(resident: Optional[Resident]) -> Optional[str]:
    """None when the resident may receive a follow-up, else the reason they may not."""
    if resident is None or resident.deleted_at is not None or not resident.line_user_id:
        return "resident deleted data"
    if not resident.reachable:
        return "resident unfollowed"
    if not resident.terms_consent:
        return "no terms consent"
    if not resident.notifications_enabled:
        return "notifications off (通知停止)"
    return None


def why_not_for_case(followup: FollowUp, case: Optional[Case], settings: Settings) -> Optional[str]:
    """None when the case still calls for this follow-up (policies only; staff decide theirs)."""
    if case is None:
        return "case gone"
    if case.close_reason == "deleted":
        return "resident deleted data"
    if followup.kind == "after_windows":
        if case.status == "closed":
            return "case closed"
        if settings.followup_cancel_on_staff_take and (
                case.status in STAFF_HELD or case.assignee_id is not None):
            return "staff took the case"
    if followup.kind == "after_close" and case.status != "closed":
        return "case reopened"
    return None


def schedule(session: Session, settings: Settings, case_id: int, due_at: datetime, *,
             template: Optional[str] = None, text: Optional[str] = None,
             staff_id: Optional[int] = None, kind: str = "staff") -> FollowUp:
    """A follow-up at `due_at` (moved out of quiet hours), from a template or free text."""
    case = session.get(Case, case_id)
    if case is None:
        raise FollowUpError("相談が見つかりません")
    if kind not in KINDS:
        raise FollowUpError(f"unknown follow-up kind: {kind}")
    text = (text or "").strip() or None
    if text is None and template is None:
        template = "checkin" if kind == "staff" else kind
    if template is not None and template not in STAFF_TEMPLATES:
        raise FollowUpError("テンプレートを選んでください")
    if text is not None and len(text) > TEXT_MAX:
        raise FollowUpError(f"本文は{TEXT_MAX}字までです")
    resident = session.get(Resident, case.resident_id)
    if resident is None or resident.deleted_at is not None:
        raise FollowUpError("相談者はデータを削除しています")
    due = quiet_hours(settings).next_allowed(as_utc(due_at))
    followup = FollowUp(case_id=case.id, resident_id=case.resident_id, kind=kind,
                        template=None if text else template, text=text, due_at=due,
                        created_by=staff_id)
    session.add(followup)
    session.flush()
    if staff_id is not None:
        session.add(AuditLog(staff_id=staff_id, action="followup_schedule", case_id=case.id,
                             detail=f"follow-up {followup.id} at {due.isoformat()}"))
    return followup


def reschedule(session: Session, settings: Settings, followup_id: int, due_at: datetime, *,
               staff_id: Optional[int] = None, past_budget: bool = False) -> FollowUp:
    """Move a scheduled or held follow-up (a held one is released)."""
    followup = session.get(FollowUp, followup_id)
    if followup is None or followup.status not in PENDING:
        raise FollowUpError("このフォローアップは変更できません（送信済みか取り消し済み）")
    followup.due_at = quiet_hours(settings).next_allowed(as_utc(due_at))
    followup.status, followup.reason = "scheduled", None
    followup.claimed_by = followup.claimed_at = None
    if past_budget:
        followup.budget_exempt = True
    session.add(followup)
    if staff_id is not None:
        session.add(AuditLog(staff_id=staff_id, action="followup_reschedule",
                             case_id=followup.case_id,
                             detail=f"follow-up {followup.id} at {followup.due_at.isoformat()}"
                                    + (" past budget" if past_budget else "")))
    return followup


def cancel(session: Session, followup_id: int, *, staff_id: Optional[int] = None,
           reason: str = "cancelled by staff") -> FollowUp:
    followup = session.get(FollowUp, followup_id)
    if followup is None or followup.status not in PENDING:
        raise FollowUpError("このフォローアップは取り消せません（送信済みか取り消し済み）")
    followup.status, followup.reason = "cancelled", reason[:200]
    session.add(followup)
    if staff_id is not None:
        session.add(AuditLog(staff_id=staff_id, action="followup_cancel",
                             case_id=followup.case_id, detail=f"follow-up {followup.id}"))
    return followup


def cancel_pending(session: Session, reason: str, *, case_ids: Iterable[int] | None = None,
                   resident_id: Optional[int] = None,
                   kinds: Iterable[str] = AUTOMATIC_KINDS) -> int:
    """Cancel scheduled/held follow-ups of these cases or this resident. Returns how many."""
    statement = (update(FollowUp).where(FollowUp.status.in_(PENDING))
                 .where(FollowUp.kind.in_(list(kinds)))
                 .values(status="cancelled", reason=reason[:200]))
    if case_ids is not None:
        statement = statement.where(FollowUp.case_id.in_(list(case_ids)))
    if resident_id is not None:
        statement = statement.where(FollowUp.resident_id == resident_id)
    return session.exec(statement).rowcount  # type: ignore[call-overload]


def cancel_for_staff_take(session: Session, settings: Settings, case_id: int) -> int:
    """For the admin side: staff took the case (assign / answer)."""
    if not settings.followup_cancel_on_staff_take:
        return 0
    return cancel_pending(session, "staff took the case", case_ids=[case_id],
                          kinds=("after_windows",))


def for_case(session: Session, case_id: int) -> list[FollowUp]:
    return list(session.exec(select(FollowUp).where(FollowUp.case_id == case_id)
                             .order_by(FollowUp.due_at.desc(), FollowUp.id.desc())))


def upcoming(session: Session, statuses: Iterable[str] = ("scheduled", "held", "claimed"),
             limit: int = 200) -> list[tuple[FollowUp, Case]]:
    rows = session.exec(select(FollowUp, Case).join(Case, Case.id == FollowUp.case_id)
                        .where(FollowUp.status.in_(list(statuses)))
                        .order_by(FollowUp.due_at, FollowUp.id).limit(limit))
    return list(rows)


def count_by_status(session: Session) -> dict[str, int]:
    from sqlalchemy import func
    rows = session.exec(select(FollowUp.status, func.count()).group_by(FollowUp.status))
    return {status: count for status, count in rows}
