"""Password hashing for staff accounts (argon2id, via argon2-cffi) and the password rules.
Shared: admin logs staff in with it; `python -m bot create-staff`, the demo and the seed
create accounts; the admin page and `create-staff` check new passwords alike."""
from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS_PATH = Path(__file__).resolve().parents[1] / "data" / "common-passwords.txt"
# Keyboard rows and sequences: a password that is a run of one of these is refused.
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm",
              "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
              "qazwsxedcrfvtgbyhnujmikolp")
_TRAILING = string.digits + string.punctuation + " "


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The list shipped in data/common-passwords.txt (lower case)."""
    lines = COMMON_PASSWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.startswith("#"))


def _is_sequence(text: str) -> bool:
    """A run along a keyboard row or the alphabet/digits (either way, repeated or not)."""
    for sequence in _SEQUENCES:
        for candidate in (sequence, sequence[::-1]):
            if text in candidate * (len(text) // len(candidate) + 2):
                return True
    return False


def check_password_strength(password: str, login: str | None = None) -> str | None:
    """A reason (Japanese, for staff) the password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "パスワードが長すぎます。"
    lowered = password.lower()
    stem = lowered.rstrip(_TRAILING)
    common = common_passwords()
    if (lowered in common or (len(stem) >= 3 and stem in common)
            or len(set(lowered)) < 4 or _is_sequence(lowered)
            or (len(stem) >= 6 and _is_sequence(stem))):
        return ("よく使われるパスワードや、キーボードの並び・同じ文字の繰り返しは使えません。"
                "推測されにくい言葉を組み合わせてください。")
    if login and len(login) >= 3 and login.lower() in lowered:
        return "ログインIDを含むパスワードは使えません。"
    return None
