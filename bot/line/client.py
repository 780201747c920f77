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
        return self._post("/v2/bot/message/reply",
                          {"replyToken": reply_token, "messages": messages})

    def push(self, user_id: str, messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        return self._post("/v2/bot/message/push", {"to": user_id, "messages": messages},
                          {"X-Line-Retry-Key": retry_key})

    def _post(self, path: str, body: dict[str, Any],
              headers: Optional[dict[str, str]] = None) -> SendResult:
        """The SDK's transport (auth, user agent, ApiException) with the body as built.

        The messages come from bot.line.linemsg, already clipped to LINE's limits (and the
        emulator refuses anything else in the tests). Going through the SDK's request
        models would validate and re-serialise every Flex carousel in pydantic: the
        largest single cost of a reply (docs/performance.md)."""
        return self._call(lambda: self._api_client.call_api(
            path, "POST", header_params={"Accept": "application/json",
                                         "Content-Type": "application/json",
                                         **(headers or {})},
            body=body, response_types_map={}, auth_settings=["Bearer"],
            _request_timeout=TIMEOUT_S))

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
