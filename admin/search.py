"""Search: by case code (every staff member) and by message text (admins only, within
retention). The text query is never stored: the audit log keeps a keyed digest of it."""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from markupsafe import Markup, escape
from sqlalchemy import or_
from sqlmodel import Session, select

from bot.models import Case, Message, Resident

MAX_RESULTS = 50
TEXT_QUERY_CHARS = (2, 100)
SNIPPET_CHARS = 40                   # either side of the match
_CODE_RE = re.compile(r"^(?:R-?)?([A-Z0-9]{2,6})$")


class BadQuery(ValueError):
    """The reason is shown with a 400."""


@dataclass
class Hit:
    case_id: int
    case_code: str
    status: str
    at: Optional[datetime]
    sender: Optional[str] = None
    snippet: Optional[Markup] = None


def normalise(query: str) -> str:
    return unicodedata.normalize("NFKC", query).strip()


def code_part(query: str) -> str:
    """The characters of a case code staff typed (`R-ACD3`, `acd3`, `Ｒ－ＡＣＤ３`)."""
    match = _CODE_RE.match(normalise(query).upper().replace(" ", ""))
    if match is None:
        raise BadQuery("相談者コードは R-ACD347 のように、R- に続く英数字で入れてください（2文字以上）。")
    return match.group(1)


def by_code(session: Session, query: str) -> list[Hit]:
    part = code_part(query)
    rows = session.exec(select(Case.id, Resident.case_code, Case.status, Case.opened_at)
                        .join(Resident, Resident.id == Case.resident_id)
                        .where(Resident.case_code.like(f"R-%{part}%"))
                        .order_by(Case.id.desc()).limit(MAX_RESULTS)).all()
    return [Hit(case_id, code, status, at) for case_id, code, status, at in rows]


def text_query(query: str) -> str:
    text = normalise(query)
    low, high = TEXT_QUERY_CHARS
    if not low <= len(text) <= high:
        raise BadQuery(f"検索する言葉は{low}〜{high}文字で入れてください。")
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise BadQuery("検索する言葉に使えない文字が含まれています。")
    return text


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def by_text(session: Session, query: str, now: datetime, retention_days: int) -> list[Hit]:
    """Messages (resident's and staff's) still held: not erased, and of a case not closed
    longer than the retention period (the retention job may not have run yet)."""
    text = text_query(query)
    cutoff = now - timedelta(days=retention_days)
    rows = session.exec(
        select(Message.case_id, Message.text, Message.sender, Message.created_at,
               Resident.case_code, Case.status)
        .join(Case, Case.id == Message.case_id)
        .join(Resident, Resident.id == Case.resident_id)
        .where(Message.text.is_not(None), Message.sender.in_(("resident", "staff")),
               Message.text.ilike(_like_pattern(text), escape="\\"),
               Case.text_purged_at.is_(None), Resident.deleted_at.is_(None),
               or_(Case.closed_at.is_(None), Case.closed_at >= cutoff))
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(MAX_RESULTS)).all()
    return [Hit(case_id, code, status, at, sender, snippet(body, text))
            for case_id, body, sender, at, code, status in rows]


def snippet(body: str, text: str) -> Markup:
    """A short piece of the message around the first match, the match marked."""
    index = body.lower().find(text.lower())
    if index < 0:
        return escape(body[:2 * SNIPPET_CHARS])
    start, end = max(0, index - SNIPPET_CHARS), index + len(text)
    before = ("…" if start else "") + body[start:index]
    after = body[end:end + SNIPPET_CHARS] + ("…" if end + SNIPPET_CHARS < len(body) else "")
    return Markup("{}<mark>{}</mark>{}").format(before, body[index:end], after)


def query_digest(secret_key: str, query: str) -> str:
    """What the audit log keeps of a text search: HMAC-SHA256 of the normalised query under
    a key derived from SECRET_KEY. The log alone does not reveal what was searched; someone
    holding the key can check whether a given word was (admin/README.md)."""
    key = hashlib.sha256(b"audit-search-query\x00" + secret_key.encode()).digest()
    return hmac.new(key, normalise(query).encode(), hashlib.sha256).hexdigest()
