"""Words the resident can send at any step: 削除, メニュー, 通知停止, 通知再開."""
from __future__ import annotations

from typing import Any

from bot.flows.actions import Action, EraseResident, GoTo, Say, SetProfile
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.flows.state import Scratch, Step
from bot.line import linemsg
from bot.wording import say

DELETE_WORDS = {"削除", "さくじょ", "削除する", "データ削除", "記録を削除", "delete", "delete my data"}
MENU_WORDS = {"メニュー", "めにゅー", "menu", "使い方", "つかいかた"}
STOP_WORDS = {"通知停止", "通知を停止", "通知オフ"}
RESUME_WORDS = {"通知再開", "通知を再開", "通知オン"}


def _typed(inbound: Inbound) -> str:
    return (inbound.text or "").strip().lower() if inbound.kind == "text" else ""


def menu_message() -> dict[str, Any]:
    return linemsg.text(say("commands.menu"), [
        linemsg.quick_message(say("commands.menu_staff")),
        linemsg.quick_postback(say("commands.menu_windows"), "a=windows"),
    ])


def match(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action] | None:
    """Actions when the event is a command, else None."""
    typed = _typed(inbound)
    wants = inbound.data.get("a") if inbound.kind == "postback" else None
    if typed in DELETE_WORDS:
        return [Say([linemsg.text(say("commands.delete_confirm"), [
                    linemsg.quick_postback(say("commands.delete_yes"), "a=delete&v=yes"),
                    linemsg.quick_postback(say("commands.delete_no"), "a=delete&v=no")])]),
                GoTo(Step.DELETE_CONFIRM, Scratch(return_to=view.step))]
    if wants == "delete":
        return on_delete_answer(view, inbound)
    if typed in MENU_WORDS or wants == "menu":
        return [Say([menu_message()])]
    if typed in STOP_WORDS:
        return [SetProfile({"notifications_enabled": False}),
                Say([linemsg.text(say("commands.notifications_off"))])]
    if typed in RESUME_WORDS:
        return [SetProfile({"notifications_enabled": True}),
                Say([linemsg.text(say("commands.notifications_on"))])]
    return None


def on_delete_answer(view: ResidentView, inbound: Inbound) -> list[Action]:
    confirmed = (view.step == Step.DELETE_CONFIRM and inbound.kind == "postback"
                 and inbound.data.get("v") == "yes")
    if confirmed:
        return [EraseResident(), Say([linemsg.text(say("commands.deleted"))]), GoTo(Step.NEW)]
    back_to = Step.parse(view.data.return_to or Step.CONSULT)
    return [Say([linemsg.text(say("commands.delete_cancelled"))]), GoTo(back_to)]
