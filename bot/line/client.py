"""The Messaging API through line-bot-sdk v3, reduced to the outcomes the outbox needs."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Optional

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
)

TIMEOUT_S = (3.0, 10.0)   # connect, read


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status: int                 # HTTP status; 0 = no answer (timeout, refused)
    reason: str = ""            # LINE's message, for failed rows
    retry_after_s: Optional[float] = None

    @property
    def retryable(self) -> bool:
        return self.status == 0 or self.status == 429 or self.status >= 500

    @property
    def already_sent(self) -> bool:
        return self.status == 409   # same X-Line-Retry-Key was accepted before


class LineClient:
    def __init__(self, host: str, access_token: str):
        configuration = Configuration(host=host, access_token=access_token)
        self._api_client = ApiClient(configuration)
        self._api = MessagingApi(self._api_client)

    def close(self) -> None:
        self._api_client.close()

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendResult:
        request = ReplyMessageRequest.from_dict({"replyToken": reply_token, "messages": messages})
        return self._call(lambda: self._api.reply_message_with_http_info(
            request, _request_timeout=TIMEOUT_S))

    def push(self, user_id: str, messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        request = PushMessageRequest.from_dict({"to": user_id, "messages": messages})
        return self._call(lambda: self._api.push_message_with_http_info(
            request, x_line_retry_key=retry_key, _request_timeout=TIMEOUT_S))

    def show_loading(self, user_id: str, seconds: int = 5) -> SendResult:
        request = ShowLoadingAnimationRequest(chatId=user_id, loadingSeconds=seconds)
        return self._call(lambda: self._api.show_loading_animation_with_http_info(
            request, _request_timeout=TIMEOUT_S))

    @staticmethod
    def _call(send: Callable[[], Any]) -> SendResult:
        try:
            response = send()
            return SendResult(True, response.status_code)
        except ApiException as error:
            return SendResult(False, error.status or 0, _reason(error),
                              _retry_after(error))
        except Exception as error:  # timeouts, refused connections: retry later
            return SendResult(False, 0, type(error).__name__)


def _reason(error: ApiException) -> str:
    try:
        body = json.loads(error.body or "{}")
    except (TypeError, ValueError):
        return f"HTTP {error.status}"
    message = body.get("message") or f"HTTP {error.status}"
    details = "; ".join(f"{d.get('property', '')}: {d.get('message', '')}"
                        for d in body.get("details") or [])
    return f"{message} ({details})" if details else message


def _retry_after(error: ApiException) -> Optional[float]:
    value = (error.headers or {}).get("Retry-After") if error.headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
