"""Issue 12 item 5, through the emulator: an English message gets English; 「やさしい日本語で」
switches and stays; the crisis reply in English keeps the real numbers with tel: buttons;
the rich menu's language entry; deletion in English; back to 日本語."""
from __future__ import annotations

from datetime import datetime


from bot.directory import get_directory
from helpers import quick_data, quick_labels, reply_to, resident_row
from test_conversation import Chat, texts_of

WEDNESDAY_2330 = datetime(2025, 6, 4, 23, 30)




def tel_buttons(message: dict) -> list[tuple[str, str]]:
    """(label, uri) of every tap-to-call button of a Flex card."""
    found: list[tuple[str, str]] = []

    def walk(node):
        if isinstance(node, dict):
            action = node.get("action")
            if node.get("type") == "button" and str(action.get("uri", "")).startswith("tel:"):
                found.append((action["label"], action["uri"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(message)
    return found


def test_a_new_resident_writing_in_english_is_answered_in_english_throughout(service, at_jst):
    at_jst(WEDNESDAY_2330)
    user = service.resident()
    first = reply_to(service, user, lambda: user.say("Hello, I need some help please"))
    body = texts_of(first)
    assert "automatic assistant" in body and "Do you agree" in body
    assert "ご利用のお約束" not in body
    assert resident_row(service, user).language == "en"
    terms = first[-1]
    thanks = reply_to(service, user, lambda: user.postback(quick_data(terms, "I agree")))
    assert "3 short questions" in texts_of(thanks)
    assert "Myself" in quick_labels(thanks[-1])
    latest = thanks[-1]
    for answer in ("Skip", "Skip", "Skip"):
        latest = reply_to(service, user, lambda m=latest, a=answer: user.postback(quick_data(m, a)))[-1]
    assert "what is troubling you" in latest["text"]

    # a crisis in English: the feeling, 110/119, then the real lines with call buttons
    crisis = reply_to(service, user, lambda: user.say("I want to die"))
    said = texts_of(crisis)
    assert "110 (police)" in said and "119 (ambulance)" in said
    buttons = [b for m in crisis if m["type"] == "flex" for b in tel_buttons(m)]
    official = {line.tel: line.number for line in get_directory().national_lines()}
    assert buttons, "the lines come with tap-to-call buttons"
    for label, uri in buttons:
        assert uri in official and label == f"Call ({official[uri]})"
    assert "Open now" in said and "24 hours" in said           # よりそい at 23:30

    # a Japanese word now does not switch back: the choice is kept
    kept = reply_to(service, user, lambda: user.say("ありがとう"))
    assert "ありがとうございます" not in texts_of(kept)


def test_easy_japanese_on_request_is_kept_until_japanese_is_asked_for(service):
    chat = Chat(service)
    switched = chat.send("やさしい日本語でおねがいします")
    assert "やさしい日本語(にほんご)で書(か)きます" in texts_of(switched)
    assert chat.resident.language == "easy"
    later = chat.send("どうしたらいいか")
    assert "(" in texts_of(later) and "AI（自動(じどう)の返事(へんじ)）" in texts_of(later)
    back = chat.send("日本語で")
    assert "ふつうの日本語でお返事します" in texts_of(back)
    assert chat.resident.language == "ja"
    again = chat.send("どうしたらいいか")
    assert "ありがとうございます" in texts_of(again) and "(" not in texts_of(again)


def test_the_rich_menu_language_entry_and_the_emergency_button_in_english(service, at_jst):
    at_jst(WEDNESDAY_2330)
    chat = Chat(service)
    asked = chat.send(postback="a=lang")
    assert quick_labels(asked[-1]) == ["日本語", "やさしい日本語", "English"]
    english = chat.send(postback=quick_data(asked[-1], "English"))
    assert "I will write in English" in texts_of(english)
    emergency = chat.send(postback="a=emergency", expect=2)
    assert "call 110 (police) or 119 (ambulance)" in texts_of(emergency)
    buttons = tel_buttons(emergency[-1])
    assert ("110 (police)", "tel:110") in buttons and ("119 (ambulance)", "tel:119") in buttons
    assert any(label.startswith("Call (") for label, _ in buttons)


def test_deletion_in_english(service):
    chat = Chat(service)
    chat.send("English please")
    asked = chat.send("delete")
    assert "It cannot be undone" in texts_of(asked)
    done = chat.send(postback=quick_data(asked[-1], "Erase"))
    assert "Your records have been erased" in texts_of(done)
