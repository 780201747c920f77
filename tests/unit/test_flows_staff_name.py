"""The people who answer are called 相談員; the staff button's label, and the label it had
before (スタッフと話したい, still typed by residents who remember it), reach a person."""
from __future__ import annotations

import pytest

from bot.flows.actions import Escalate
from bot.flows.router import route
from bot.wording import say
from test_flows import context, of, resident, said


@pytest.mark.parametrize("typed", [say("consultation.button_staff"), "スタッフと話したい",
                                   say("richmenu.staff")])
def test_the_staff_button_typed_queues_the_case(typed):
    assert of(Escalate, route(resident(), said(typed), context()))


def test_the_button_is_labelled_with_the_one_name():
    assert say("consultation.button_staff") == say("commands.menu_staff") == "相談員と話したい"
    assert say("richmenu.staff").startswith(say("staff.sender_name"))
