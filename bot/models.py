"""Tables. Times are aware UTC (bot.clock). A resident is known to staff only by case_code."""
from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from bot import clock

# Queue order: lower rank first.
PRIORITY_RANK = {"emergency": 0, "high": 1, "normal": 2}
RISK_TO_PRIORITY = {"emergency": "emergency", "high": "high", "none": "normal"}

_CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"       # no look-alikes (0/O, 1/I, 5/S, 8/B)


def new_case_code() -> str:
    return "R-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


def json_column() -> Any:
    return Field(default=None, sa_column=Column(JSON))


class Resident(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    case_code: str = Field(default_factory=new_case_code, unique=True, index=True, max_length=16)
    line_user_id: Optional[str] = Field(default=None, unique=True, index=True, max_length=64)
    created_at: datetime = Field(default_factory=clock.now)
    reachable: bool = True                       # False after unfollow (blocked)
    notifications_enabled: bool = True           # 「通知停止」 turns follow-ups off
    language: str = Field(default="ja", max_length=8)   # ja / easy / en: what the bot writes in
    deleted_at: Optional[datetime] = None        # data erased at the resident's request
    terms_consent: Optional[bool] = None         # None = not asked/answered yet
    terms_consent_at: Optional[datetime] = None
    share_consent: Optional[bool] = None         # sharing with other agencies (本人同意)
    share_consent_at: Optional[datetime] = None
    intake_relation: Optional[str] = None        # self / family / supporter / skip
    intake_age: Optional[str] = None             # 10s … 80s+, skip
    intake_area_text: Optional[str] = None       # what the resident typed
    area_town: Optional[str] = None              # resolved town/district
    area_lat: Optional[float] = None
    area_lng: Optional[float] = None
    last_message_at: Optional[datetime] = None


class ConversationState(SQLModel, table=True):
    resident_id: int = Field(primary_key=True, foreign_key="resident.id")
    step: str = "new"
    data: Optional[dict] = json_column()
    updated_at: datetime = Field(default_factory=clock.now)


class Consent(SQLModel, table=True):
    """History of consent answers (the Resident row caches the latest, bot.consent)."""
    id: Optional[int] = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    kind: str = Field(max_length=16)             # terms / share
    granted: bool                                # False: refused, or withdrawn
    at: datetime = Field(default_factory=clock.now)   # when the resident gave (or withdrew) it
    # How: line (answered in the chat), phone / in_person (recorded by a staff member).
    method: str = Field(default="line", max_length=16)
    staff_id: Optional[int] = Field(default=None, foreign_key="staffuser.id")
    case_id: Optional[int] = Field(default=None, foreign_key="case.id")
    recorded_at: Optional[datetime] = None       # when staff wrote it down (None: by the bot)


class InboundEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_inbound_pending", "status", "id"),
                      Index("ix_inbound_claim", "status", "triage_rank", "id"),
                      Index("ix_inbound_resident_pending", "line_user_id", "status", "id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    webhook_event_id: str = Field(unique=True, max_length=64)
    event_type: str = Field(max_length=32)
    mode: str = Field(default="active", max_length=16)
    line_user_id: Optional[str] = Field(default=None, index=True, max_length=64)
    payload: Optional[dict] = json_column()      # the event as LINE sent it (erased on deletion)
    event_time: datetime                         # LINE's timestamp
    received_at: datetime = Field(default_factory=clock.now)
    is_redelivery: bool = False
    status: str = Field(default="pending", max_length=16)   # pending / done / ignored / failed
    claimed_by: Optional[str] = Field(default=None, max_length=64)
    claimed_at: Optional[datetime] = None
    processed_at: Optional[datetime] = None
    error: Optional[str] = Field(default=None, sa_column=Column(Text))
    # Claim order when the worker is behind (bot/worker_queue.py): 0 emergency, 1 high,
    # 2 read and not urgent, 3 not read yet; lowest first, then oldest first.
    triage_rank: int = Field(default=3, sa_column_kwargs={"server_default": "3"})


class Case(SQLModel, table=True):
    __table_args__ = (Index("ix_case_queue", "status", "priority_rank", "queued_at"),
                      Index("ix_case_closed", "status", "closed_at"))   # the closed tab
    id: Optional[int] = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    status: str = Field(default="bot", max_length=16)         # bot.cases.CaseStatus
    priority: str = Field(default="normal", max_length=16)
    priority_rank: int = PRIORITY_RANK["normal"]
    risk: str = Field(default="none", max_length=16)         # highest seen on the case
    fields: Optional[list] = json_column()                   # union of field keys
    patterns: Optional[list] = json_column()
    handoff_reasons: Optional[list] = json_column()
    area: Optional[str] = Field(default=None, max_length=64)
    assignee_id: Optional[int] = Field(default=None, foreign_key="staffuser.id", index=True)
    opened_at: datetime = Field(default_factory=clock.now)
    queued_at: Optional[datetime] = None          # since when a person should look at it
    first_response_at: Optional[datetime] = None
    last_message_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None
    close_reason: Optional[str] = Field(default=None, max_length=32)
    referred_agency: Optional[str] = Field(default=None, max_length=200)
    windows_shown_at: Optional[datetime] = None
    outcome: Optional[str] = Field(default=None, max_length=32)   # e.g. connected (follow-up answer)
    text_purged_at: Optional[datetime] = None
    version: int = 1                              # optimistic lock for staff edits
    # The read mark (admin/unread.py): the newest message on the case when the person
    # responsible (the assignee; anyone while unassigned) last had the case page open.
    read_message_id: Optional[int] = None
    # 多機関協働 (admin/casework.py): since when the case is worked with other agencies, and
    # which (names as staff typed them); None when not flagged.
    tamokan_at: Optional[datetime] = None
    tamokan_agencies: Optional[list] = json_column()


class Message(SQLModel, table=True):
    __table_args__ = (Index("ix_message_case_time", "case_id", "created_at"),
                      # the queue's "last resident message" per case: max(id) from the index
                      Index("ix_message_case_sender", "case_id", "sender", "id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    case_id: Optional[int] = Field(default=None, foreign_key="case.id")
    direction: str = Field(max_length=8)           # in / out
    sender: str = Field(max_length=16)             # resident / bot / staff
    staff_id: Optional[int] = Field(default=None, foreign_key="staffuser.id")
    kind: str = Field(default="text", max_length=16)   # text / postback / location / flex …
    text: Optional[str] = Field(default=None, sa_column=Column(Text))   # None once erased
    payload: Optional[dict] = json_column()        # outgoing LINE messages / postback data
    analysis: Optional[dict] = json_column()       # tags, evidence and risk (bot.nlp)
    risk: str = Field(default="none", max_length=16)
    outbox_id: Optional[int] = Field(default=None, foreign_key="outbox.id")
    created_at: datetime = Field(default_factory=clock.now)


class MessageCorrection(SQLModel, table=True):
    """Staff's reading of one resident message (bot/corrections.py): the fields and risk it
    should have had, and the tagger's own at the first correction — ground truth for the
    tagger's agreement figures and for `python -m bot.nlp train --with-local-corrections`.
    Labels only: the text stays in Message (and goes with it on deletion and retention)."""
    message_id: int = Field(primary_key=True, foreign_key="message.id")
    fields: list = Field(sa_column=Column(JSON, nullable=False))
    risk: str = Field(max_length=16)
    tagged_fields: list = Field(sa_column=Column(JSON, nullable=False))
    tagged_risk: str = Field(max_length=16)
    staff_id: int = Field(foreign_key="staffuser.id")
    corrected_at: datetime = Field(default_factory=clock.now)


class Outbox(SQLModel, table=True):
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=lambda: str(uuid.uuid4()), unique=True, max_length=36)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    case_id: Optional[int] = Field(default=None, foreign_key="case.id")
    purpose: str = Field(default="bot", max_length=16)        # bot / staff / followup / alert
    messages: list = Field(sa_column=Column(JSON, nullable=False))
    reply_token: Optional[str] = Field(default=None, max_length=128)
    reply_deadline: Optional[datetime] = None
    status: str = Field(default="queued", max_length=16)      # queued / sending / sent / failed
    sent_via: Optional[str] = Field(default=None, max_length=8)   # reply / push
    attempts: int = 0                  # finished send attempts
    claims: int = 0                    # times a sender took the row (more than attempts + 1
                                       # means an earlier sender died mid-send)
    next_attempt_at: datetime = Field(default_factory=clock.now)
    give_up_at: Optional[datetime] = None
    claimed_by: Optional[str] = Field(default=None, max_length=64)
    claimed_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=clock.now)
    sent_at: Optional[datetime] = None
    error: Optional[str] = Field(default=None, sa_column=Column(Text))


class PushCount(SQLModel, table=True):
    month: str = Field(primary_key=True, max_length=7)   # YYYY-MM (JST)
    count: int = 0


class StaffUser(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    login: str = Field(unique=True, index=True, max_length=64)
    display_name: str = Field(default="", max_length=64)
    password_hash: str
    role: str = Field(default="staff", max_length=16)   # staff / admin
    disabled: bool = False
    failed_logins: int = 0                # password and second-step failures alike
    locked_until: Optional[datetime] = None
    created_at: datetime = Field(default_factory=clock.now)
    # Set when an admin chose the password (new account, reset): the staff member must
    # pick their own before any other page (admin/web.py).
    must_change_password: bool = False
    password_changed_at: Optional[datetime] = None
    # Second factor (admin/totp.py): the secret is stored at enrolment and counts once
    # totp_enabled_at is set; totp_last_step is the last time step accepted (no replay).
    totp_secret: Optional[str] = Field(default=None, max_length=64)
    totp_enabled_at: Optional[datetime] = None
    totp_last_step: Optional[int] = None


class RecoveryCode(SQLModel, table=True):
    """A one-time code that stands in for the second factor (SHA-256 of an 80-bit random code;
    the code itself is shown once at enrolment)."""
    id: Optional[int] = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staffuser.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: Optional[datetime] = None


class AuditLog(SQLModel, table=True):
    """Who did what, when. Never holds message text."""
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=clock.now, index=True)
    staff_id: Optional[int] = Field(default=None, foreign_key="staffuser.id")
    action: str = Field(max_length=32)
    case_id: Optional[int] = Field(default=None, foreign_key="case.id")
    detail: Optional[str] = Field(default=None, max_length=500)
    # Where a staff request came from: TRUSTED_PROXY_HEADER when set, else the socket peer
    # (admin/web.py); None for what the bot and the scheduler do on their own.
    source_address: Optional[str] = Field(default=None, max_length=64)


class Note(SQLModel, table=True):
    """A staff member's private note on a case."""
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    staff_id: int = Field(foreign_key="staffuser.id")
    text: Optional[str] = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=clock.now)


class CannedReply(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    title: str = Field(max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    active: bool = True
    owner_id: Optional[int] = Field(default=None, foreign_key="staffuser.id", index=True)  # None: shared
    shortcut: Optional[str] = Field(default=None, max_length=32)   # typed after "/" in the reply box


class Label(SQLModel, table=True):
    """A label staff attach to cases; the set is managed by admins."""
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=40)
    active: bool = True
    created_at: datetime = Field(default_factory=clock.now)


class CaseLabel(SQLModel, table=True):
    case_id: int = Field(foreign_key="case.id", primary_key=True)
    label_id: int = Field(foreign_key="label.id", primary_key=True, index=True)
    staff_id: Optional[int] = Field(default=None, foreign_key="staffuser.id")
    at: datetime = Field(default_factory=clock.now)


class FollowUp(SQLModel, table=True):
    __table_args__ = (Index("ix_followup_due", "status", "due_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=lambda: str(uuid.uuid4()), unique=True, max_length=36)
    case_id: int = Field(foreign_key="case.id", index=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    kind: str = Field(max_length=32)               # after_windows / after_close / staff
    text: Optional[str] = Field(default=None, sa_column=Column(Text))   # free text (staff)
    template: Optional[str] = Field(default=None, max_length=64)
    due_at: datetime
    status: str = Field(default="scheduled", max_length=16)  # scheduled/claimed/sent/cancelled/held/failed
    created_by: Optional[int] = Field(default=None, foreign_key="staffuser.id")
    created_at: datetime = Field(default_factory=clock.now)
    claimed_by: Optional[str] = Field(default=None, max_length=64)
    claimed_at: Optional[datetime] = None
    sent_at: Optional[datetime] = None
    outbox_id: Optional[int] = Field(default=None, foreign_key="outbox.id")
    answered_at: Optional[datetime] = None
    answer: Optional[str] = Field(default=None, max_length=32)
    reason: Optional[str] = Field(default=None, max_length=200)
    # "<kind>:<case id>:<basis epoch>" for policy follow-ups: one per case and event,
    # even when several processes plan at once (NULL for staff-scheduled ones).
    policy_key: Optional[str] = Field(default=None, unique=True, max_length=96)
    budget_exempt: bool = False                  # staff chose to send it past the push budget


class DeletionRecord(SQLModel, table=True):
    """What remains after a resident erased their data: counts for statistics only."""
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=clock.now)
    messages_erased: int = 0
    cases: int = 0


class AdminSession(SQLModel, table=True):
    """A staff member's login session (the signed cookie names it; logout deletes it)."""
    id: str = Field(primary_key=True, max_length=64)          # random, in the signed cookie
    staff_id: int = Field(foreign_key="staffuser.id", index=True)
    created_at: datetime = Field(default_factory=clock.now)
    last_seen_at: datetime = Field(default_factory=clock.now)
    expires_at: datetime


class WindowOverride(SQLModel, table=True):
    """A deployment's own edits of one window of data/resource_directory.yaml (admin page):
    `values` holds only the fields staff changed (phone, phone_source, opening, description,
    status), laid over the YAML entry by bot/directory/live.py, so they survive upgrades of
    the file. `version` goes up by one at every edit (never down): the sum over the table
    tells every process that its cached directory is stale."""
    window_id: str = Field(primary_key=True, max_length=64)
    values: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 1
    updated_at: datetime = Field(default_factory=clock.now)
    updated_by: Optional[int] = Field(default=None, foreign_key="staffuser.id")
