"""The fake LINE platform's state: reply tokens, retry keys, sent messages, faults.

Every Messaging API operation is a method returning an ApiResult (status, JSON body,
headers) so the HTTP layer in api.py stays a thin translation and tests can call the
platform directly. One RLock guards all state; a Condition on it wakes wait_for().
"""
from __future__ import annotations

import calendar
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from . import limits
from .results import ERROR_MESSAGES as _ERROR_MESSAGES
from .results import ApiResult, bad_body, error, requires_token
from .richmenus import RichMenu, RichMenus

Clock = Callable[[], float]


@dataclass
class SentRecord:
    kind: str                      # "reply" | "push"
    user_id: str
    messages: list[dict]
    retry_key: str | None
    at: float
    request_id: str


@dataclass
class Fault:
    kind: str                      # "reply" | "push" | "any"
    status: int
    times: int
    delay: float
    accepted_then_500: bool
    retry_after: int | None


@dataclass
class LoadingRecord:
    user_id: str
    seconds: int
    at: float


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class LinePlatform(RichMenus):
    def __init__(self, channel_secret: str, access_token: str,
                 reply_token_ttl: float = 60.0, clock: Clock = time.time,
                 monthly_push_limit: int | None = None) -> None:
        self.channel_secret = channel_secret
        self.access_token = access_token
        self.reply_token_ttl = reply_token_ttl
        self.clock = clock
        self.monthly_push_limit = monthly_push_limit
        self.bot_user_id = "U" + secrets.token_hex(16)   # the webhook's "destination"
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.sent: list[SentRecord] = []
            self.loading: list[LoadingRecord] = []
            self.rich_menus: dict[str, RichMenu] = {}
            self.default_rich_menu_id: str | None = None
            self._reply_tokens: dict[str, tuple[str, float]] = {}
            self._used_tokens: set[str] = set()
            self._retry_keys: dict[str, tuple[str, list[dict]]] = {}
            self._faults: list[Fault] = []
            self._message_seq = 0
            self._contents: dict[str, tuple[bytes, str]] = {}   # what residents sent, by message ID
            self._changed.notify_all()

    # ---- reply tokens -------------------------------------------------------------

    def issue_reply_token(self, user_id: str) -> str:
        token = secrets.token_hex(16)
        with self._lock:
            self._reply_tokens[token] = (user_id, self.clock())
        return token

    def _token_owner(self, token: Any) -> str | None:
        """The user a usable token belongs to, or None (unknown, used or expired)."""
        entry = self._reply_tokens.get(token) if isinstance(token, str) else None
        if entry is None or token in self._used_tokens:
            return None
        user_id, issued = entry
        if self.clock() - issued >= self.reply_token_ttl:
            return None
        return user_id

    # ---- fault injection ----------------------------------------------------------

    def inject(self, kind: str = "any", status: int = 500, times: int = 1, delay: float = 0,
               accepted_then_500: bool = False, retry_after: int | None = None) -> None:
        """Make the next `times` matching calls fail with `status` after sleeping `delay`.

        A status below 400 only delays. With accepted_then_500 the call is processed and
        recorded as usual, then answered with `status` (default 500) as if the response
        got lost, so a retry with the same X-Line-Retry-Key sees 409.
        """
        if kind not in ("reply", "push", "any"):
            raise ValueError("kind must be reply, push or any")
        with self._lock:
            self._faults.append(Fault(kind, status, times, delay, accepted_then_500,
                                      retry_after))

    def _take_fault(self, kind: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.kind in (kind, "any") and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    @staticmethod
    def _fault_result(fault: Fault) -> ApiResult:
        headers = {}
        if fault.status == 429:
            headers["Retry-After"] = str(fault.retry_after or 1)
        return error(fault.status, _ERROR_MESSAGES.get(fault.status, "Error"),
                      headers=headers)

    # ---- authentication -----------------------------------------------------------

    def check_auth(self, authorization: str | None) -> ApiResult | None:
        if not authorization or not authorization.startswith("Bearer "):
            return error(401, "Authorization header required. Must follow the scheme,"
                               " 'Authorization: Bearer <ACCESS TOKEN>'")
        if not secrets.compare_digest(authorization[len("Bearer "):].encode(),
                                      self.access_token.encode()):
            return error(401, "Authentication failed. Confirm that the access token in"
                               " the authorization header is valid.")
        return None

    # ---- sending --------------------------------------------------------------------

    def reply(self, body: Any, authorization: str | None) -> ApiResult:
        return self._send("reply", body, authorization, None)

    def push(self, body: Any, authorization: str | None,
             retry_key: str | None = None) -> ApiResult:
        return self._send("push", body, authorization, retry_key)

    def _send(self, kind: str, body: Any, authorization: str | None,
              retry_key: str | None) -> ApiResult:
        request_id = str(uuid.uuid4())
        result = self._send_checked(kind, body, authorization, retry_key, request_id)
        result.headers.setdefault("x-line-request-id", request_id)
        return result

    def _send_checked(self, kind: str, body: Any, authorization: str | None,
                      retry_key: str | None, request_id: str) -> ApiResult:
        denied = self.check_auth(authorization)
        if denied:
            return denied
        if retry_key is not None and not _is_uuid(retry_key):
            return error(400, "The retry key must be a UUID in hexadecimal format",
                          [{"message": "must be a UUID", "property": "X-Line-Retry-Key"}])
        fault = self._take_fault(kind)
        if fault and fault.delay:
            time.sleep(fault.delay)     # outside the lock: other calls go on meanwhile
        if fault and fault.status >= 400 and not fault.accepted_then_500:
            return self._fault_result(fault)
        result = self._accept(kind, body, retry_key, request_id)
        if fault and fault.accepted_then_500 and result.status == 200:
            return self._fault_result(fault)
        return result

    def _accept(self, kind: str, body: Any, retry_key: str | None,
                request_id: str) -> ApiResult:
        if not isinstance(body, dict):
            return error(400, "The request body could not be parsed as JSON")
        with self._lock:
            if retry_key is not None and retry_key in self._retry_keys:
                accepted_id, sent_messages = self._retry_keys[retry_key]
                return ApiResult(409, {"message": "The retry key is already accepted",
                                       "sentMessages": sent_messages},
                                 {"x-line-accepted-request-id": accepted_id})
            if kind == "reply":
                user_id = self._token_owner(body.get("replyToken"))
                if user_id is None:
                    return error(400, "Invalid reply token")
            else:
                user_id = body.get("to")
                if not isinstance(user_id, str) or not limits.USER_ID.match(user_id):
                    return error(400, "The property, 'to', in the request body is invalid"
                                       " (line: -, column: -)")
            details = limits.check_messages(body.get("messages"))
            if details:
                return bad_body(details)
            if kind == "push" and self.monthly_push_limit is not None \
                    and self.push_count_this_month() >= self.monthly_push_limit:
                return error(429, "You have reached your monthly limit.")
            if kind == "reply":
                self._used_tokens.add(body["replyToken"])
            messages = [dict(m) for m in body["messages"]]
            sent_messages = [self._sent_message(m) for m in messages]
            if retry_key is not None:
                self._retry_keys[retry_key] = (request_id, sent_messages)
            self.sent.append(SentRecord(kind, user_id, messages, retry_key, self.clock(),
                                        request_id))
            self._changed.notify_all()
            return ApiResult(200, {"sentMessages": sent_messages})

    def _sent_message(self, message: dict) -> dict:
        self._message_seq += 1
        sent = {"id": str(500000000000000000 + self._message_seq)}
        if message.get("type") in ("text", "textV2", "sticker", "image", "video"):
            sent["quoteToken"] = secrets.token_urlsafe(24)
        return sent

    # ---- what was delivered ---------------------------------------------------------

    def records_for(self, user_id: str) -> list[SentRecord]:
        with self._lock:
            return [r for r in self.sent if r.user_id == user_id]

    def messages_for(self, user_id: str) -> list[dict]:
        with self._lock:
            return [m for r in self.sent if r.user_id == user_id for m in r.messages]

    def all_messages(self) -> list[dict]:
        with self._lock:
            return [m for r in self.sent for m in r.messages]

    def wait_for(self, predicate: Callable[[list[dict]], bool] | int,
                 user_id: str | None = None, timeout: float = 5.0) -> list[dict]:
        """Block until the delivered messages (of user_id, or all) satisfy predicate,
        or number at least `predicate` when it is an int. Returns those messages."""
        if isinstance(predicate, int):
            count = predicate
            predicate = lambda messages: len(messages) >= count  # noqa: E731
        collect = (lambda: self.messages_for(user_id)) if user_id else self.all_messages
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                messages = collect()
                if predicate(messages):
                    return messages
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"emulator: condition not met within {timeout}s; "
                                       f"{len(messages)} message(s) delivered")
                self._changed.wait(remaining)

    @property
    def push_count(self) -> int:
        with self._lock:
            return sum(1 for r in self.sent if r.kind == "push")

    def push_count_this_month(self) -> int:
        start = _month_start(self.clock())
        with self._lock:
            return sum(1 for r in self.sent if r.kind == "push" and r.at >= start)

    @requires_token
    def quota(self, authorization: str | None) -> ApiResult:
        if self.monthly_push_limit is None:
            return ApiResult(200, {"type": "none"})
        return ApiResult(200, {"type": "limited", "value": self.monthly_push_limit})

    @requires_token
    def quota_consumption(self, authorization: str | None) -> ApiResult:
        # LINE counts one message per recipient per request, however many bubbles.
        return ApiResult(200, {"totalUsage": self.push_count_this_month()})

    # ---- content residents sent (images) -------------------------------------------

    def store_content(self, message_id: str, content: bytes, content_type: str) -> None:
        with self._lock:
            self._contents[message_id] = (content, content_type)

    @requires_token
    def message_content(self, message_id: str, authorization: str | None) -> ApiResult:
        """getMessageContent: the bytes a resident sent, or LINE's 404 for an unknown ID."""
        with self._lock:
            stored = self._contents.get(message_id)
        if stored is None:
            return error(404, "Not found")
        content, content_type = stored
        return ApiResult(200, {}, {"content-type": content_type}, content=content)

    # ---- loading animation ----------------------------------------------------------

    @requires_token
    def start_loading(self, body: Any, authorization: str | None) -> ApiResult:
        if not isinstance(body, dict):
            return error(400, "The request body could not be parsed as JSON")
        chat_id = body.get("chatId")
        seconds = body.get("loadingSeconds", 20)
        details = []
        if not isinstance(chat_id, str) or not limits.USER_ID.match(chat_id):
            details.append({"message": "invalid chat id", "property": "chatId"})
        if not isinstance(seconds, int) or not 5 <= seconds <= 60 or seconds % 5:
            details.append({"message": "must be a multiple of 5 between 5 and 60",
                            "property": "loadingSeconds"})
        if details:
            return bad_body(details)
        with self._lock:
            self.loading.append(LoadingRecord(chat_id, seconds, self.clock()))
            self._changed.notify_all()
        return ApiResult(202, {})

    def loading_active(self, user_id: str) -> bool:
        """Whether LINE would still show the loading indicator: started, not expired,
        and no message delivered to the user since."""
        now = self.clock()
        with self._lock:
            starts = [r for r in self.loading if r.user_id == user_id]
            if not starts or now - starts[-1].at >= starts[-1].seconds:
                return False
            return not any(r.user_id == user_id and r.at >= starts[-1].at for r in self.sent)


def _month_start(now: float) -> float:
    """Start of the calendar month in Japan time, where LINE's monthly quota resets."""
    jst = time.gmtime(now + 9 * 3600)
    return calendar.timegm((jst.tm_year, jst.tm_mon, 1, 0, 0, 0)) - 9 * 3600
