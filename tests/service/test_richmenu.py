"""The rich menu: definition within LINE's rules, image rendered with a Japanese font, and
`python -m bot richmenu` creating, uploading and setting it through the emulator."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bot.line import richmenu
from bot.emulator.limits import check_action

ROOT = Path(__file__).resolve().parents[2]
LABELS = ["相談する", "近くの窓口", "相談員と話す", "緊急のとき", "使い方・プライバシー", "ことば・Language"]


def test_definition_has_the_six_buttons_tiling_the_image():
    menu = richmenu.definition()
    assert [a["action"]["label"] for a in menu["areas"]] == LABELS
    assert [a["action"]["data"] for a in menu["areas"]] == [
        "a=consult", "a=windows", "a=staff", "a=emergency", "a=help", "a=lang"]
    assert len(menu["chatBarText"]) <= 14
    area = sum(a["bounds"]["width"] * a["bounds"]["height"] for a in menu["areas"])
    assert area == richmenu.WIDTH * richmenu.HEIGHT
    for i, a in enumerate(menu["areas"]):
        assert list(check_action(a["action"], f"areas[{i}].action", 20)) == []
        b = a["bounds"]
        assert b["x"] + b["width"] <= richmenu.WIDTH and b["y"] + b["height"] <= richmenu.HEIGHT


def test_image_is_a_png_of_the_menu_size_under_one_megabyte():
    data = richmenu.render_image()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (richmenu.WIDTH, richmenu.HEIGHT)
    assert len(data) < 1024 * 1024
    # the emergency panel is red, the labels are drawn (not a blank panel)
    assert image.getpixel((100, richmenu.HEIGHT - 100))[0] > 150
    top_left = image.crop((0, 0, 833, 843)).getcolors(maxcolors=100000)
    assert len(top_left) > 10


def test_without_a_japanese_font_it_fails_clearly(monkeypatch):
    monkeypatch.setattr(richmenu.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout="", stderr=""))
    monkeypatch.setattr(richmenu.glob, "glob", lambda *a, **k: [])
    with pytest.raises(richmenu.FontNotFound, match="fonts-noto-cjk"):
        richmenu.find_font()


def test_blob_host_follows_the_api_host():
    assert richmenu.data_host("https://api.line.me") == "https://api-data.line.me"
    assert richmenu.data_host("http://127.0.0.1:9/emulator") == "http://127.0.0.1:9/emulator"
    assert richmenu.data_host("https://api.line.me", "https://blob.example") == "https://blob.example"


def test_install_through_the_emulator_replaces_the_old_menu(service):
    settings = service.demo.settings
    first = richmenu.install(settings.line_api_host, settings.line_channel_access_token)
    second = richmenu.install(settings.line_api_host, settings.line_channel_access_token)
    platform = service.platform
    assert platform.default_rich_menu_id == second
    assert first not in platform.rich_menus                     # the old one is gone
    menu = platform.rich_menus[second]
    assert menu.image_content_type == "image/png" and menu.image
    assert [a["action"]["label"] for a in menu.body["areas"]] == LABELS


def test_the_command_creates_uploads_and_sets_default(service):
    settings = service.demo.settings
    env = {**os.environ, "LINE_API_HOST": settings.line_api_host,
           "LINE_CHANNEL_ACCESS_TOKEN": settings.line_channel_access_token,
           "DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run([sys.executable, "-m", "bot", "richmenu"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert service.platform.default_rich_menu_id in result.stdout
