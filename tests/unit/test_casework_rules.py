"""The casework input rules and search helpers, without a service: when 本人同意 was given,
the 多機関協働 agencies, label names, queue filters, case codes, the search digest."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from fastapi import HTTPException

from admin.casework import BadInput, parse_agencies, parse_given_at, parse_label_name
from admin.queue_filters import parse_filter
from admin.search import BadQuery, code_part, query_digest, snippet, text_query

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc)          # 12:00 JST


def test_given_at_is_read_as_japan_time_and_bounded():
    assert parse_given_at("2026-06-01T09:30", NOW) == datetime(2026, 6, 1, 0, 30, tzinfo=timezone.utc)
    assert parse_given_at(" 2026-06-01T12:04 ", NOW) > NOW      # a clock a little ahead
    for value, reason in (("2026-06-01T12:30", "未来"), ("2025-05-01T10:00", "1年以上前"),
                          ("2026-06-01", "正しく"), ("2026-13-01T10:00", "正しく"), ("", "正しく")):
        with pytest.raises(BadInput, match=reason):
            parse_given_at(value, NOW)


def test_agencies_one_a_line_cleaned_and_bounded():
    assert parse_agencies("Ａ社協\n\n A社協 \r\n包括") == ["A社協", "包括"]
    assert len(parse_agencies("\n".join(f"機関{i}" for i in range(10)))) == 10
    for text in ("", "\n \n", "\n".join(f"機関{i}" for i in range(11)), "あ" * 101,
                 "機関\u200b名", "機関\t名", "x" * 2001):
        with pytest.raises(BadInput):
            parse_agencies(text)


def test_label_names():
    assert parse_label_name("  要訪問 ") == "要訪問"
    for name in ("", " ", "あ" * 41, "a\nb"):
        with pytest.raises(BadInput):
            parse_label_name(name)


def test_queue_filter_parsing():
    parsed = parse_filter(label="3", field="kaigo", risk="high", area=" 小杉 ", status="open",
                          assignee="me")
    assert (parsed.label, parsed.area, parsed.assignee) == (3, "小杉", "me") and parsed.active
    assert parsed.query_string().startswith("&label=3&field=kaigo&risk=high&area=")
    empty = parse_filter(label="", field="", area="  ")
    assert not empty.active and empty.query_string() == ""
    assert parse_filter(assignee="0042").assignee == "42"
    for kwargs in ({"label": "0"}, {"label": "x"}, {"field": "kaigo2"}, {"risk": "low"},
                   {"status": "bot"}, {"assignee": "-1"}, {"area": "あ" * 65}):
        with pytest.raises(HTTPException) as error:
            parse_filter(**kwargs)
        assert error.value.status_code == 400 and error.value.detail.startswith(next(iter(kwargs)))


def test_case_codes_however_typed():
    assert code_part("R-ACD347") == code_part("acd347") == code_part("Ｒ－ＡＣＤ３４７") == "ACD347"
    assert code_part("r- acd") == "ACD"
    for query in ("R-", "A", "R-ACD%", "R-ABCDEFG", "家賃"):
        with pytest.raises(BadQuery):
            code_part(query)


def test_text_query_digest_snippet():
    assert text_query(" 家賃 ") == "家賃"
    for query in ("家", "あ" * 101, "家\x00賃"):
        with pytest.raises(BadQuery):
            text_query(query)
    digest = query_digest("k" * 32, "家賃")
    assert digest == query_digest("k" * 32, " 家賃 ") != query_digest("j" * 32, "家賃")
    assert len(digest) == 64 and "家賃" not in digest
    body = "前" * 50 + "家賃<b>" + "後" * 50
    marked = str(snippet(body, "家賃<b>"))
    assert marked.startswith("…" + "前" * 40 + "<mark>家賃&lt;b&gt;</mark>")
    assert marked.endswith("後" * 40 + "…")
