"""Staff password rules (bot/security.py): at least 12 characters, not on the common-password
list shipped in data/common-passwords.txt, not a keyboard run or a repeated character."""
from __future__ import annotations

import pytest

from bot.config import DemoSettings, MissingSetting, Settings
from bot.security import COMMON_PASSWORDS_PATH, check_password_strength, common_passwords


def test_the_list_is_shipped_as_data_and_holds_a_few_hundred_entries():
    assert COMMON_PASSWORDS_PATH.is_file()
    words = common_passwords()
    assert len(words) >= 300
    assert {"password", "123456", "qwerty", "iloveyou", "1qaz2wsx"} <= words
    assert all(word == word.lower() and word.strip() == word for word in words)


@pytest.mark.parametrize("password", [
    "correct horse battery", "another password", "そうだん窓口はみなとまち", "tQ7-vanilla-orbit"])
def test_long_uncommon_passwords_are_accepted(password):
    assert check_password_strength(password) is None


@pytest.mark.parametrize("password", ["", "abc", "aaaaaaaaaa", "Tr0ub4dor&3"])
def test_shorter_than_twelve_is_refused(password):
    assert "12文字以上" in check_password_strength(password)


@pytest.mark.parametrize("password", [
    "password1234", "Password2026!", "PASSWORD123456", "qwerty123456", "iloveyou1234",
    "1qaz2wsx3edc", "1234567890123", "qwertyuiopasdf", "zyxwvutsrqponm", "aaaaaaaaaaaa",
    "abababababab", "0987654321098", "welcome2025!!", "9876543210987"])
def test_common_passwords_keyboard_runs_and_repeats_are_refused(password):
    reason = check_password_strength(password)
    assert reason is not None and "よく使われる" in reason, password


def test_very_long_passwords_are_refused():
    assert check_password_strength("x7" * 101) == "パスワードが長すぎます。"


@pytest.mark.parametrize("key", ["", "abc", "x" * 31, "鍵" * 10])
def test_secret_key_shorter_than_32_bytes_is_refused_outside_the_demo(key):
    settings = Settings(_env_file=None, line_channel_secret="s", line_channel_access_token="t",
                        secret_key=key)
    with pytest.raises(MissingSetting, match="SECRET_KEY"):
        settings.require_production_settings()


def test_a_32_byte_secret_key_is_accepted_and_the_demo_needs_none():
    Settings(_env_file=None, line_channel_secret="s", line_channel_access_token="t",
             secret_key="k" * 32).require_production_settings()
    DemoSettings(_env_file=None, secret_key="").require_production_settings()


def test_the_demo_cannot_be_switched_on_by_a_setting(monkeypatch):
    monkeypatch.setenv("DEMO", "true")
    settings = Settings(_env_file=None, demo=True)
    assert settings.demo is False
    with pytest.raises(MissingSetting):
        settings.require_production_settings()
