"""Canned replies through HTTP: shared ones (admins) and each staff member's own, with a "/"
shortcut word; the case page offers the shared ones and one's own, never a colleague's."""
from __future__ import annotations

from sqlmodel import Session, select

from bot.models import AuditLog, CannedReply
from helpers import logged_in, make_case



def replies(service) -> list[CannedReply]:
    with Session(service.engine) as session:
        return session.exec(select(CannedReply).order_by(CannedReply.id)).all()


def test_own_and_shared_canned_replies_are_offered_to_the_right_people(service):
    case_id, _, _ = make_case(service.engine)
    admin = logged_in(service, "boss", role="admin")
    admin.get("/admin/canned")
    assert admin.post("/admin/canned", {"title": "窓口の案内", "shortcut": "madoguchi",
                                        "text": "窓口の電話番号をお知らせします。"}).status_code == 303
    aoki, baba = logged_in(service, "aoki"), logged_in(service, "baba")
    aoki.get("/admin/canned/mine")
    assert aoki.post("/admin/canned/mine", {"title": "あいさつ", "shortcut": "/aisatsu ",
                                            "text": "担当の青木です。"}).status_code == 303
    baba.get("/admin/canned/mine")
    baba.post("/admin/canned/mine", {"title": "馬場のあいさつ", "text": "担当の馬場です。"})
    shared, own, other = replies(service)
    assert shared.owner_id is None and own.owner_id is not None and own.shortcut == "aisatsu"

    page = aoki.get(f"/admin/cases/{case_id}").text
    assert 'id="canned-popup"' in page
    assert 'data-text="担当の青木です。" data-keys="aisatsu あいさつ"' in page
    assert 'data-text="窓口の電話番号をお知らせします。"' in page
    assert "担当の馬場です。" not in page                       # a colleague's stays theirs
    mine = aoki.get("/admin/canned/mine").text
    assert "担当の青木です。" in mine and "窓口の電話番号" not in mine and "担当の馬場です。" not in mine
    assert aoki.get("/admin/canned").status_code == 403        # shared ones: admins only

    # one's own can be edited and retired; a colleague's or a shared one cannot be reached
    assert aoki.post("/admin/canned/mine", {"reply_id": str(own.id), "title": "あいさつ",
                                            "text": "担当の青木です。", "active": "no"}).status_code == 303
    assert "担当の青木です。" not in aoki.get(f"/admin/cases/{case_id}").text
    for target in (other.id, shared.id):
        response = aoki.post("/admin/canned/mine", {"reply_id": str(target), "title": "乗っ取り",
                                                    "text": "書き換え"})
        assert response.status_code == 400 and "見つかりません" in response.text
    assert admin.post("/admin/canned", {"reply_id": str(own.id), "title": "x",
                                        "text": "y"}).status_code == 400
    assert [r.title for r in replies(service)] == ["窓口の案内", "あいさつ", "馬場のあいさつ"]
    with Session(service.engine) as session:
        details = [a.detail for a in session.exec(select(AuditLog).where(
            AuditLog.action == "canned.save").order_by(AuditLog.id)).all()]
    assert details == [f"id={shared.id} shared", f"id={own.id} own", f"id={other.id} own",
                       f"id={own.id} own"]


def test_bad_canned_reply_input_is_a_400_with_the_reason(service):
    aoki = logged_in(service)
    aoki.get("/admin/canned/mine")
    for data, reason in (({"title": "", "text": "本文"}, "題名"),
                         ({"title": "題", "text": ""}, "本文"),
                         ({"title": "題" * 101, "text": "本文"}, "題名"),
                         ({"title": "題", "text": "あ" * 5001}, "本文"),
                         ({"title": "題", "text": "本文", "shortcut": "two words"}, "ショートカット"),
                         ({"title": "題", "text": "本文", "shortcut": "a/b"}, "ショートカット"),
                         ({"title": "題", "text": "本文", "shortcut": "x" * 33}, "ショートカット"),
                         ({"title": "題", "text": "本文", "active": "maybe"}, "使う"),
                         ({"title": "題", "text": "本文", "reply_id": "abc"}, "見つかりません")):
        response = aoki.post("/admin/canned/mine", data)
        assert response.status_code == 400 and reason in response.text, data
    assert replies(service) == []
