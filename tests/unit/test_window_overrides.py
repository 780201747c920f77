"""Staff edits of windows laid over the YAML: validated as in the file, kept in the
database (LiveDirectory), and exported back to a file `validate` accepts."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel, select

from bot.db import make_engine
from bot.directory import get_directory
from bot.directory.__main__ import main as directory_cli
from bot.directory.core import Directory
from bot.directory.live import EditConflict, LiveDirectory
from bot.directory.overrides import (EditRejected, apply_overrides, check_sources, export_yaml,
                                     overlay)
from bot.models import AuditLog, StaffUser

DATA = Path(__file__).resolve().parents[2] / "data" / "resource_directory.yaml"
IMIZU = "富山県射水市"
SOURCE = "https://www.city.imizu.toyama.jp/example/page.html"
WEEKDAYS = {"weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:30",
                        "closes": "17:15"}],
            "holidays": "closed", "year_end_closed": True, "source": SOURCE}
EDITS = {
    "imizu-kaigo-01": {"phone": "0766-83-7000", "phone_source": SOURCE,
                       "description": "高齢の方の暮らしと介護の相談", "opening": WEEKDAYS},
    "imizu-kaigo-02": {"status": "suspended"},
    "imizu-kosodate-02": {"phone": "0766-51-6626", "phone_source": SOURCE, "opening": {
        "always": True, "source": SOURCE}},
}


@pytest.fixture(scope="module")
def base():
    return get_directory(DATA)


def test_an_edit_is_checked_by_the_files_rules(base):
    window = base.window("imizu-kaigo-01")
    with pytest.raises(EditRejected, match="phone: not a phone number"):
        overlay(window, {"phone": "0766-83"})
    with pytest.raises(EditRejected, match="HH:MM"):
        overlay(window, {"opening": {**WEEKDAYS, "weekly": [{"days": ["mon"], "opens": "25:00",
                                                             "closes": "17:00"}]}})
    with pytest.raises(EditRejected, match="holidays: as_listed"):
        overlay(window, {"opening": {**WEEKDAYS, "weekly": [{"days": ["holiday"], "opens": "09:00",
                                                             "closes": "12:00"}]}})
    with pytest.raises(EditRejected, match="status"):
        overlay(window, {"status": "closed"})
    with pytest.raises(EditRejected, match="one line"):
        overlay(window, {"description": "一行目\n二行目"})
    with pytest.raises(EditRejected, match="not editable here: name"):
        overlay(window, {"name": "別の名前"})


def test_a_phone_or_hours_needs_the_official_page(base):
    window = base.window("imizu-kaigo-01")
    with pytest.raises(EditRejected, match="phone_source"):
        check_sources(window, overlay(window, {"phone": "0766-83-7000"}))
    with pytest.raises(EditRejected, match="phone_source"):
        overlay(window, {"phone": "0766-83-7000", "phone_source": "市役所に電話で確認"})
    with pytest.raises(EditRejected, match="opening.source"):
        check_sources(window, overlay(window, {"opening": {**WEEKDAYS, "source": "市の計画書 p.12"}}))
    check_sources(window, overlay(window, {"phone": None}))          # unknown needs no page
    check_sources(window, overlay(window, {"description": "介護の相談"}))


def test_overrides_change_what_search_finds(base):
    effective = apply_overrides(base, EDITS)
    assert effective.window("imizu-kaigo-01").phone == "0766-83-7000"
    assert effective.window("imizu-kaigo-01").opening.weekly[0].opens == "08:30"
    area = base.resolve_area(IMIZU, text="七美に住んでます")       # kaigo-02's district
    assert base.search(IMIZU, ["kaigo"], area)[0].window.id == "imizu-kaigo-02"
    assert "imizu-kaigo-02" not in {m.window.id for m in effective.search(IMIZU, ["kaigo"], area)}
    # an override for a window the file no longer has, or one its rules refuse: the file stands
    kept = apply_overrides(base, {"gone-01": {"phone": "0766-83-7000"},
                                  "imizu-kaigo-03": {"phone": "bad"}})
    assert kept.window("imizu-kaigo-03") == base.window("imizu-kaigo-03")


def test_export_writes_the_effective_directory_back_as_a_valid_file(base, tmp_path):
    effective = apply_overrides(base, EDITS)
    out = tmp_path / "exported.yaml"
    out.write_text(export_yaml(DATA.read_text(encoding="utf-8"), effective, note="test export"),
                   encoding="utf-8")
    assert directory_cli(["validate", str(out)]) == 0
    again = Directory.load(out)
    assert again.data.windows == effective.data.windows
    assert again.data.national_lines == base.data.national_lines
    assert again.data.municipalities == base.data.municipalities
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# data/resource_directory.yaml") and "# EXPORTED test export" in text
    # exporting the export again changes nothing but the note
    twice = tmp_path / "twice.yaml"
    twice.write_text(export_yaml(text, again, note="test export"), encoding="utf-8")
    assert twice.read_text(encoding="utf-8") == text


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'windows.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(StaffUser(login="boss", password_hash="x", role="admin"))
        session.commit()
    yield engine
    engine.dispose()


def test_live_directory_stores_audits_and_every_process_sees_an_edit(engine, tmp_path):
    here, other = LiveDirectory(engine, DATA), LiveDirectory(engine, DATA)
    assert other.current().window("imizu-kaigo-02").status == "active"
    with Session(engine) as session:
        edit = here.edit(session, "imizu-kaigo-02", {"status": "suspended", "phone": "0766-86-8000",
                                                    "phone_source": SOURCE},
                         staff_id=1, expected_version=0)
    assert edit.changed == ["phone", "phone_source", "status"] and edit.version == 1
    # the other process's cached directory is stale at its next read
    assert other.current().window("imizu-kaigo-02").status == "suspended"
    assert other.current().window("imizu-kaigo-02").phone == "0766-86-8000"
    with Session(engine) as session:
        details = session.exec(select(AuditLog.detail).where(AuditLog.action == "window.edit")).all()
        with pytest.raises(EditConflict):          # a form drawn before that edit
            here.edit(session, "imizu-kaigo-02", {"status": "active"}, staff_id=1,
                      expected_version=0)
        here.edit(session, "imizu-kaigo-02", {"status": "active"}, staff_id=1, expected_version=1)
    assert "window=imizu-kaigo-02 phone: 0766-86-8739 → 0766-86-8000" in details
    assert "window=imizu-kaigo-02 status: active → suspended" in details
    # the second edit keeps the first one's phone, and only the file's other fields follow it
    assert other.current().window("imizu-kaigo-02").phone == "0766-86-8000"
    assert other.current().window("imizu-kaigo-02").status == "active"

    out = tmp_path / "export.yaml"
    assert directory_cli(["export", "--file", str(DATA), "--out", str(out),
                          "--database-url", str(engine.url)]) == 0
    assert Directory.load(out).window("imizu-kaigo-02").phone == "0766-86-8000"
    assert directory_cli(["validate", str(out)]) == 0
