"""The conversation as pure functions: `route(view, inbound, ctx) -> actions`, called
directly with a ResidentView and a FlowContext — no service, no database, no LINE.

One test per path of docs/conversation.md. The tagger is a stub (`Tags`), so these tests
say what the flows do with a given analysis, whatever the tagger of the day decides.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from typing import Any, Optional

import pytest

from bot.cases import CaseStatus
from bot.directory import get_directory
from bot.flows.actions import (Alert, CancelFollowUps, Escalate, FollowUpAnswer, GoTo,
                               RecordConsent, RecordInbound, Say, SetProfile, SetReachable,
                               UpdateCase)
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.flows.router import route
from bot.flows.state import Scratch, Step
from bot.hours import BusinessHours
from bot.nlp.result import Analysis, FieldTag, Span

IMIZU = "富山県射水市"
MONDAY_NOON = datetime(2025, 6, 2, 3, 0, tzinfo=timezone.utc)      # 12:00 JST, business hours
SUNDAY_NOON = datetime(2025, 6, 1, 3, 0, tzinfo=timezone.utc)


class Tags:
    """A stub tagger: the analysis each text gets (nothing when not listed)."""

    def __init__(self, **by_text: Analysis):
        self.by_text = by_text

    def __call__(self, text: str, context: Any = (), towns: Any = ()) -> Analysis:
        return self.by_text.get(text) or tagged(text)


def tagged(text: str, fields: tuple[str, ...] = (), risk: str = "none",
           kinds: tuple[str, ...] = (), reasons: tuple[str, ...] = (),
           patterns: tuple[str, ...] = (), intents: tuple[str, ...] = (),
           area: Optional[str] = None) -> Analysis:
    return Analysis(text=text, normalized=text,
                    fields=[FieldTag(f, 2.0, [Span(text[:2], 0, 2)]) for f in fields],
                    risk=risk, risk_evidence=[Span(text[:2], 0, 2)] if risk != "none" else [],
                    risk_kinds=list(kinds), mentions=[], handoff=bool(reasons),
                    handoff_reasons=list(reasons), patterns=list(patterns), area=area,
                    intents=list(intents))


def context(tags: Tags | None = None, now: datetime = MONDAY_NOON, on_call: bool = False) -> FlowContext:
    return FlowContext(now=now, city="射水市", municipality=IMIZU,
                       hours=BusinessHours(time(8, 30), time(17, 15)), retention_days=365,
                       terms_url="http://test/terms", directory=get_directory(),
                       analyze=tags or Tags(), on_call=on_call)


def resident(step: str = "consult", **changes: Any) -> ResidentView:
    view = ResidentView(step=Step(step), data=Scratch(), terms_consent=True, share_consent=None,
                        case_status=None, case_risk="none", area_town=None, area_lat=None,
                        area_lng=None, intake_relation="self", recent_texts=())
    return replace(view, **changes)


def said(text: str, at: datetime = MONDAY_NOON) -> Inbound:
    return Inbound("text", at, text=text)


def tapped(data: dict[str, str], at: datetime = MONDAY_NOON) -> Inbound:
    return Inbound("postback", at, data=data)


def messages(actions: list) -> list[dict]:
    says = [a for a in actions if isinstance(a, Say)]
    assert len(says) <= 1, "one Say per event: the whole answer goes in the reply token"
    return says[0].messages if says else []


def texts(actions: list) -> str:
    return "\n".join(m.get("text") or m.get("altText") or "" for m in messages(actions))


def of(kind: type, actions: list) -> list:
    return [a for a in actions if isinstance(a, kind)]


# --------------------------------------------------------------------- every event
@pytest.mark.parametrize("view, inbound", [
    (resident("new", terms_consent=None), Inbound("follow", MONDAY_NOON)),
    (resident(), said("母の介護のことで")),
    (resident(), said("こんにちは")),
    (resident(case_status="waiting"), said("まだですか")),
])
def test_every_event_has_one_say_of_at_most_five_messages(view, inbound):
    tags = Tags(母の介護のことで=tagged("母の介護のことで", ("kaigo",)))
    actions = route(view, inbound, context(tags))
    assert 1 <= len(messages(actions)) <= 5


def test_scratch_is_stored_as_the_json_it_always_was():
    scratch = Scratch(awaiting="area", fields=("kaigo",), complex=True)
    assert scratch.to_json() == {"awaiting": "area", "fields": ["kaigo"], "complex": True}
    assert Scratch.from_json(scratch.to_json()) == scratch
    assert scratch.changed(awaiting=None, shown=3) == Scratch(fields=("kaigo",), complex=True,
                                                              shown=3)
    assert Step.parse("onboarding.terms") is Step.TERMS and Step.parse("gone") is Step.CONSULT


def test_unfollow_only_marks_the_resident_unreachable():
    assert route(resident(), Inbound("unfollow", MONDAY_NOON), context()) == [SetReachable(False)]


# --------------------------------------------------------------------- onboarding
def test_follow_greets_with_the_terms_and_waits_for_consent():
    actions = route(resident("new", terms_consent=None), Inbound("follow", MONDAY_NOON), context())
    assert actions[0] == SetReachable(True)
    assert GoTo("onboarding.terms") in actions
    assert "110" in texts(actions) and "射水市" in texts(actions)
    assert not of(RecordInbound, actions)


def test_consent_is_recorded_and_the_intake_begins():
    view = resident("onboarding.terms", terms_consent=None)
    actions = route(view, tapped({"a": "consent", "v": "yes"}), context())
    assert RecordConsent("terms", True) in actions and GoTo("onboarding.relation") in actions


def test_every_intake_question_can_be_skipped():
    view = resident("onboarding.relation")
    actions = route(view, tapped({"a": "relation", "v": "skip"}), context())
    assert SetProfile({"intake_relation": "skip"}) in actions
    assert GoTo("onboarding.age") in actions


def test_before_consent_risk_still_gets_the_crisis_lines_and_nothing_is_kept():
    tags = Tags(死にたい=tagged("死にたい", ("kokoro",), "emergency", ("suicide",)))
    view = resident("onboarding.terms", terms_consent=None)
    actions = route(view, said("死にたい"), context(tags))
    first = messages(actions)[0]["text"]
    assert "110" in first or "119" in first
    assert not of(Escalate, actions) and not of(Alert, actions)
    assert len(messages(actions)) == 2 and "a=consent" not in str(messages(actions))   # alone


# --------------------------------------------------------------------- 1. emergency
def test_emergency_answers_with_crisis_lines_first_and_alerts_staff():
    tags = Tags(死にたい=tagged("死にたい", ("kokoro",), "emergency", ("suicide",)))
    actions = route(resident(), said("死にたい"), context(tags))
    first = messages(actions)[0]["text"]
    assert "110" in first and "119" in first
    assert Escalate("emergency", ["risk"]) in actions or any(
        e.priority == "emergency" for e in of(Escalate, actions))
    assert of(Alert, actions)
    assert of(RecordInbound, actions)[0].risk == "emergency"


def test_a_later_message_on_an_emergency_case_is_an_update_not_a_new_alarm():
    tags = Tags(つらい=tagged("つらい", ("kokoro",), "emergency", ("suicide",)))
    view = resident(case_status="waiting", case_risk="emergency")
    actions = route(view, said("つらい"), context(tags))
    assert Alert("update") in actions


# --------------------------------------------------------------------- 2. staff hold the case
@pytest.mark.parametrize("status", [CaseStatus.WAITING, CaseStatus.OPEN, CaseStatus.PENDING])
def test_staff_held_case_is_acknowledged_once_per_stretch(status):
    ctx = context()
    first = route(resident(case_status=status), said("よろしくお願いします"), ctx)
    assert "相談員に届いています" in texts(first) and "少し" not in texts(first)
    assert "17:15" in texts(first)                  # a real time, not 'soon'
    ack = of(GoTo, first)[-1].data
    again = route(resident(case_status=status, data=ack), said("追加です"), ctx)
    assert messages(again) == []
    staff_wrote = resident(case_status=status, data=ack,
                           staff_replied_at=MONDAY_NOON + timedelta(minutes=5))
    later = route(staff_wrote, said("ありがとうございます"), context(now=MONDAY_NOON + timedelta(minutes=10)))
    assert "相談員に届いています" in texts(later)


def test_a_new_need_while_staff_hold_the_case_is_answered_with_windows():
    tags = Tags(母の介護=tagged("母の介護", ("kaigo",)))
    view = resident(case_status="waiting", area_town="七美")
    actions = route(view, said("母の介護"), context(tags))
    assert any(m["type"] == "flex" for m in messages(actions))
    assert "相談員にも届いています" in texts(actions) and "少し" not in texts(actions)
    assert of(GoTo, actions)[-1].data.ack_at                 # counts as this stretch's receipt
    assert not [e for e in of(Escalate, actions) if e.priority != "normal"]


def test_a_need_at_night_gets_the_lines_open_now_first():
    tags = Tags(子育て=tagged("子育て", ("kosodate",)))
    night = datetime(2025, 6, 4, 14, 30, tzinfo=timezone.utc)          # Wednesday 23:30 JST
    actions = route(resident(area_town="七美"), said("子育て", night), context(tags, now=night))
    sent = messages(actions)
    lines = next(i for i, m in enumerate(sent) if "いま電話できる窓口" in str(m))
    windows = next(i for i, m in enumerate(sent) if "相談できる窓口：" in m.get("altText", ""))
    assert lines < windows and len(sent) <= 5
    assert "tel:%238000" in str(sent[lines]) and "6月5日（木）8:30" in texts(actions)


def test_a_resident_writing_on_a_pending_case_puts_it_back_to_staff():
    actions = route(resident(case_status="pending"), said("お返事です"), context())
    assert Escalate("normal", []) in actions


# --------------------------------------------------------------------- 3. high risk
def test_high_risk_gets_lines_and_raises_the_priority():
    tags = Tags(眠れない=tagged("眠れない", ("kokoro",), "high", ("suicide",)))
    actions = route(resident(), said("眠れない"), context(tags))
    assert any(e.priority == "high" for e in of(Escalate, actions))
    assert messages(actions)


# --------------------------------------------------------------------- 4. asking for a person
def test_asking_for_a_person_queues_the_case_and_says_when_staff_answer():
    tags = Tags(人と話したい=tagged("人と話したい", reasons=("asks_person",)))
    actions = route(resident(), said("人と話したい"), context(tags, now=SUNDAY_NOON))
    assert any(e.priority == "normal" for e in of(Escalate, actions))
    assert "6月2日" in texts(actions)                     # Monday: the next opening


def test_the_staff_button_queues_the_case_too():
    actions = route(resident(), tapped({"a": "staff"}), context())
    assert of(Escalate, actions)


# --------------------------------------------------------------------- 5. entangled household
def test_entangled_household_escalates_and_asks_share_consent_once():
    words = "息子がひきこもりで母の介護もある"
    tags = Tags(**{words: tagged(words, ("hikikomori", "kaigo"), reasons=("entangled",),
                                 patterns=("8050",))})
    actions = route(resident(), said(words), context(tags))
    assert Escalate("normal", ["entangled"]) in actions
    assert any("share" in str(m.get("quickReply", "")) for m in messages(actions))
    asked = route(resident(share_consent=False), said(words), context(tags))
    assert not any("share" in str(m.get("quickReply", "")) for m in messages(asked))


def test_share_consent_answer_is_recorded():
    actions = route(resident(), tapped({"a": "share", "v": "yes"}), context())
    assert RecordConsent("share", True) in actions


# --------------------------------------------------------------------- 6. a need
def test_a_need_without_an_area_asks_the_area_first():
    tags = Tags(母の介護=tagged("母の介護", ("kaigo",)))
    actions = route(resident(), said("母の介護"), context(tags))
    assert "介護" in texts(actions)
    assert of(GoTo, actions)[-1].data.awaiting == "area"
    assert UpdateCase(windows_shown=True) not in actions


def test_a_need_with_a_known_area_shows_the_windows_carousel():
    tags = Tags(母の介護=tagged("母の介護", ("kaigo",)))
    view = resident(area_town="七美")
    actions = route(view, said("母の介護"), context(tags))
    assert any(m["type"] == "flex" for m in messages(actions))
    assert UpdateCase(windows_shown=True) in actions


def test_the_area_answer_is_remembered():
    view = resident(data=Scratch(awaiting="area", fields=("kaigo",)))
    actions = route(view, tapped({"action": "area", "choice": "town", "town": "七美"}), context())
    profile = of(SetProfile, actions)
    assert profile and profile[0].values["area_town"] == "七美"


def test_skipping_the_area_shows_citywide_windows_and_is_remembered():
    view = resident(data=Scratch(awaiting="area", fields=("kaigo",)))
    actions = route(view, tapped({"action": "area", "choice": "skip"}), context())
    assert of(GoTo, actions)[-1].data.area_skipped is True


# --------------------------------------------------------------------- 7. practical questions
def test_hours_question_is_answered_with_the_hours():
    tags = Tags(何時まで=tagged("何時まで", intents=("ask_hours",)))
    actions = route(resident(), said("何時まで"), context(tags))
    assert "8:30" in texts(actions)


def test_delete_asks_for_confirmation_then_erases():
    asked = route(resident(), said("削除"), context())
    assert of(GoTo, asked)[-1].step == "delete.confirm"
    confirm = messages(asked)[-1]["quickReply"]["items"][0]["action"]["data"]
    from urllib.parse import parse_qsl
    done = route(resident("delete.confirm"), tapped(dict(parse_qsl(confirm))), context())
    assert any(type(a).__name__ == "EraseResident" for a in done)


def test_menu_word_shows_the_menu():
    assert messages(route(resident(), said("メニュー"), context()))


# --------------------------------------------------------------------- 8. listening
def test_listening_offers_staff_windows_and_menu_after_a_few_turns():
    view, offered = resident(), False
    for _ in range(4):
        actions = route(view, said("こんにちは"), context())
        offered = offered or "quickReply" in messages(actions)[-1]
        view = replace(view, data=of(GoTo, actions)[-1].data or Scratch())
    assert offered


# --------------------------------------------------------------------- follow-up answers
def test_a_follow_up_button_is_an_answer_action():
    actions = route(resident(), tapped({"a": "fu", "f": "7", "v": "connected"}), context())
    assert FollowUpAnswer("connected", 7) in actions


def test_a_message_after_a_follow_up_cancels_the_automatic_ones():
    actions = route(resident(), said("こんにちは"), context())
    assert of(CancelFollowUps, actions) and FollowUpAnswer("text") in actions


# --------------------------------------------------------------------- asking when unsure (issue 11)
def asked(text: str, risk: str = "none", fields: tuple[str, ...] = ()) -> Analysis:
    return replace(tagged(text, fields, risk, ("suicide",) if risk != "none" else ()), ask=True)


def safety_replies(actions: list) -> list[str]:
    last = messages(actions)[-1]
    return [item["action"]["data"] for item in last.get("quickReply", {}).get("items", [])]


def test_a_place_given_as_the_area_answer_is_not_asked_about():
    """Read with the earlier worry, a town name can reach the ask band; it adds nothing new."""
    tags = Tags(七美=asked("七美"))
    view = resident(data=Scratch(awaiting="area", fields=("kosodate",)))
    actions = route(view, said("七美"), context(tags))
    assert "死にたい気持ち" not in texts(actions)
    assert any(m["type"] == "flex" for m in messages(actions))          # the windows


def test_the_grey_zone_asks_directly_and_queues_the_case_as_to_review():
    tags = Tags(もう全部どうでもいい=asked("もう全部どうでもいい"))
    actions = route(resident(), said("もう全部どうでもいい"), context(tags))
    assert "死にたい気持ち" in texts(actions) and "自動応答" in texts(actions)
    assert safety_replies(actions) == ["a=safety&v=yes", "a=safety&v=no", "a=safety&v=unsure"]
    assert [(e.priority, e.reasons) for e in of(Escalate, actions)] == [("normal", ["review"])]
    assert not of(Alert, actions)
    assert of(GoTo, actions)[-1].data.awaiting == "safety"


def test_high_risk_is_answered_with_lines_and_the_direct_question():
    tags = Tags(消えたい=asked("消えたい", "high", ("kokoro",)))
    actions = route(resident(), said("消えたい"), context(tags))
    assert any(e.priority == "high" for e in of(Escalate, actions))
    assert "0120" in texts(actions)                                   # the lines come first
    assert safety_replies(actions)[0] == "a=safety&v=yes"


@pytest.mark.parametrize("answer", [tapped({"a": "safety", "v": "yes"}), tapped({"a": "safety", "v": "unsure"}),
                                    said("はい"), said("わからない")])
def test_yes_or_dont_know_gets_the_crisis_reply_and_alerts_staff(answer):
    view = resident(data=Scratch(awaiting="safety", fields=("kokoro",)))
    actions = route(view, answer, context())
    assert "110" in texts(actions) and "119" in texts(actions)
    assert of(Alert, actions) and any(e.priority == "emergency" for e in of(Escalate, actions))
    assert any(u.risk == "emergency" for u in of(UpdateCase, actions))
    assert of(GoTo, actions)[-1].data.awaiting is None


@pytest.mark.parametrize("answer", [tapped({"a": "safety", "v": "no"}), said("いいえ")])
def test_no_keeps_listening_without_an_alarm(answer):
    actions = route(resident(data=Scratch(awaiting="safety")), answer, context())
    assert "ありがとうございます" in texts(actions) and "110" not in texts(actions)
    assert not of(Alert, actions) and not of(Escalate, actions)
    assert of(GoTo, actions)[-1].data.awaiting is None


def test_no_with_a_need_written_shows_its_windows():
    view = resident(data=Scratch(awaiting="safety", fields=("kaigo",)), area_town="七美")
    actions = route(view, tapped({"a": "safety", "v": "no"}), context())
    assert any(m.get("type") == "flex" for m in messages(actions))


def test_not_confidently_calm_is_queued_as_to_review_and_still_answered():
    tags = Tags(なんか疲れた=replace(tagged("なんか疲れた"), review=True))
    actions = route(resident(), said("なんか疲れた"), context(tags))
    assert [(e.priority, e.reasons) for e in of(Escalate, actions)] == [("normal", ["review"])]
    assert messages(actions) and "死にたい気持ち" not in texts(actions)


def test_a_calm_message_is_neither_asked_nor_queued():
    actions = route(resident(), said("こんにちは"), context())
    assert not of(Escalate, actions) and "死にたい気持ち" not in texts(actions)
