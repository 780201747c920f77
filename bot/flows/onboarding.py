"""Greeting, terms and consent, and the three-question intake (every step skippable)."""
from __future__ import annotations

from typing import Any, Callable

from bot.flows import consultation, pre_consent
from bot.flows.actions import Action, GoTo, RecordConsent, Say, SetProfile
from bot.flows.context import FlowContext, Inbound, ResidentView
from bot.flows.crisis import crisis_block
from bot.flows.state import Step
from bot.line import linemsg
from bot.line.terms_card import terms_card
from bot.wording import say

RELATIONS = ("self", "family", "supporter")
AGES = ("10s", "20s", "30s", "40s", "50s", "60s", "70s", "80s")
SKIP = "skip"


def greet(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    """A follow event: greeting and terms, or a welcome back for someone who consented."""
    if view.terms_consent:
        return [Say([linemsg.text(say("onboarding.welcome_back"))]), GoTo(Step.CONSULT)]
    crisis = pre_consent.crisis_first(view, inbound, ctx)     # risk is read even now
    if crisis:
        # the crisis reply alone; the greeting and the terms come with the next message
        return [Say(crisis)]
    greeting = say("onboarding.greeting", city=ctx.city, hours=ctx.hours.label(),
                   crisis=crisis_block(ctx.directory, "emergency"))
    return [Say([linemsg.text(greeting), terms_message(ctx)]), GoTo(Step.TERMS)]


def terms_message(ctx: FlowContext) -> dict[str, Any]:
    """The terms as a card with the answers and a button to the whole terms page."""
    return terms_card(ctx.terms_url, ctx.retention_days,
                      [item["action"] for item in consent_quick_replies()])


def consent_quick_replies() -> list[dict[str, Any]]:
    return [linemsg.quick_postback(say("onboarding.consent_button_yes"), "a=consent&v=yes"),
            linemsg.quick_postback(say("onboarding.consent_button_no"), "a=consent&v=no")]


def _chosen(inbound: Inbound, question: str, options: dict[str, str]) -> str | None:
    """The option picked by button (postback) or typed as the button's label."""
    if inbound.kind == "postback" and inbound.data.get("a") == question:
        value = inbound.data.get("v")
        return value if value in options else None
    if inbound.kind == "text" and inbound.text:
        typed = inbound.text.strip()
        for value, label in options.items():
            if typed == label:
                return value
    return None


def _consent_options() -> dict[str, str]:
    return {"yes": say("onboarding.consent_button_yes"), "no": say("onboarding.consent_button_no")}


def on_terms(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    answer = _chosen(inbound, "consent", _consent_options())
    if answer == "yes":
        return [RecordConsent("terms", True),
                Say([linemsg.text(say("onboarding.consent_thanks")), relation_question()]),
                GoTo(Step.RELATION)]
    if answer == "no":
        return [RecordConsent("terms", False),
                Say([linemsg.text(say("onboarding.declined", crisis=crisis_block(ctx.directory, "emergency"))),
                     terms_message(ctx)]),
                GoTo(Step.DECLINED)]
    # Anything else before consent: not stored; risk still read (the crisis reply alone,
    # the terms again with a later message), windows shown for a need, then the question.
    return [Say(_before_consent(view, inbound, ctx))]


def _before_consent(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[dict[str, Any]]:
    messages, crisis = pre_consent.answer(view, inbound, ctx)
    return messages if crisis else messages + _reminder(ctx)


def _reminder(ctx: FlowContext) -> list[dict[str, Any]]:
    return [linemsg.text(say("onboarding.declined_reminder") + "\n" + crisis_block(ctx.directory, "emergency")),
            terms_message(ctx)]


def _labels(kind: str) -> dict[str, str]:
    if kind == "relation":
        labels = {value: say(f"onboarding.relation_{value}") for value in RELATIONS}
    else:
        labels = {value: say("onboarding.age_label", decade=value[:-1]) for value in AGES}
        labels["80s"] = say("onboarding.age_80s")
    labels[SKIP] = say("onboarding.skip")
    return labels


def _question(kind: str, question_key: str) -> dict[str, Any]:
    items = [linemsg.quick_postback(label, f"a={kind}&v={value}")
             for value, label in _labels(kind).items()]
    return linemsg.text(say(question_key), items)


def relation_question() -> dict[str, Any]:
    return _question("relation", "onboarding.ask_relation")


def age_question() -> dict[str, Any]:
    return _question("age", "onboarding.ask_age")


def area_question() -> dict[str, Any]:
    return linemsg.text(say("onboarding.ask_area"),
                        [linemsg.quick_location(say("flex.area_location")),
                         linemsg.quick_postback(say("onboarding.skip"), "a=area&v=skip")])


def _intake_step(kind: str, profile_key: str, next_step: Step,
                 next_message: Callable[[], dict[str, Any]],
                 view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    answer = _chosen(inbound, kind, _labels(kind))
    if answer is None:
        # The resident wrote something else: end the intake and listen to them.
        return [GoTo(Step.CONSULT)] + consultation.handle(view, inbound, ctx)
    return [SetProfile({profile_key: answer}), Say([next_message()]), GoTo(next_step)]


def on_relation(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    return _intake_step("relation", "intake_relation", Step.AGE, age_question,
                        view, inbound, ctx)


def on_age(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    return _intake_step("age", "intake_age", Step.AREA, area_question,
                        view, inbound, ctx)


def on_area(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    done: list[Action] = [Say([linemsg.text(say("onboarding.intake_done"))]), GoTo(Step.CONSULT)]
    if inbound.kind == "postback" and inbound.data.get("a") == "area":
        return [SetProfile({"intake_area_text": None})] + done
    if inbound.kind == "text" and inbound.text:
        typed = inbound.text.strip()
        if typed == say("onboarding.skip"):
            return done
        if len(typed) <= 30:
            return [SetProfile({"intake_area_text": typed, **pre_consent.area_profile(ctx, typed)})] + done
    if inbound.kind == "location":
        return [SetProfile({"area_lat": inbound.lat, "area_lng": inbound.lng,
                            **pre_consent.area_profile(ctx, None, inbound.lat, inbound.lng)})] + done
    return [GoTo(Step.CONSULT)] + consultation.handle(view, inbound, ctx)


def on_declined(view: ResidentView, inbound: Inbound, ctx: FlowContext) -> list[Action]:
    """Without consent nothing is stored; consent can be given at any time."""
    if _chosen(inbound, "consent", _consent_options()) is not None:
        return on_terms(view, inbound, ctx)
    return [Say(_before_consent(view, inbound, ctx))]


STEPS: dict[Step, Callable[[ResidentView, Inbound, FlowContext], list[Action]]] = {
    Step.TERMS: on_terms,
    Step.RELATION: on_relation,
    Step.AGE: on_age,
    Step.AREA: on_area,
    Step.DECLINED: on_declined,
}
