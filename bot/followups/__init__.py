"""Scheduled follow-up check-ins: policies, staff scheduling, dispatch exactly once.

- timing:   quiet hours (JST) and policy due times
- store:    who may receive one; schedule / reschedule / cancel; listings for staff
- messages: what a follow-up says (bot/wording/followup.yaml)
- dispatch: planning policy follow-ups and claiming due rows into the outbox
- answers:  the hooks bot.effects calls when the resident writes or answers
The scheduler (bot/scheduler.py) runs `FollowUpDispatcher.tick` every few seconds.
"""
from bot.followups.answers import ConversationFollowUps, record_answer
from bot.followups.dispatch import (
    FollowUpDispatcher, held_count, plan_policy_followups, push_budget_left, retry_key_for,
)
from bot.followups.store import (
    AUTOMATIC_KINDS, FollowUpError, cancel, cancel_for_staff_take, cancel_pending, for_case,
    quiet_hours, reschedule, schedule, upcoming, why_not_reachable,
)
from bot.followups.timing import QuietHours, as_utc, policy_due

__all__ = [
    "AUTOMATIC_KINDS", "FollowUpDispatcher", "FollowUpError", "QuietHours", "as_utc", "cancel",
    "cancel_for_staff_take", "cancel_pending", "for_case", "held_count", "ConversationFollowUps",
    "plan_policy_followups", "policy_due", "push_budget_left", "quiet_hours", "record_answer",
    "reschedule", "retry_key_for", "schedule", "upcoming", "why_not_reachable",
]
