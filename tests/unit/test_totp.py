"""The second factor's pure parts (admin/totp.py): RFC 6238 codes, the ±1-step window,
the enrolment URI and QR code."""
from __future__ import annotations

from datetime import datetime, timezone

from admin.totp import code_at, matching_step, provisioning_uri, qr_svg, step_at

# RFC 6238 appendix B (SHA-1): the ASCII secret "12345678901234567890", base32-encoded.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def test_codes_are_the_rfc_6238_test_vectors():
    # the RFC's 8-digit values 94287082, 07081804, 14050471; six digits are their last six
    for epoch, code in ((59, "287082"), (1111111109, "081804"), (1111111111, "050471")):
        assert code_at(RFC_SECRET, step_at(at(epoch))) == code


def test_a_code_matches_its_step_and_one_step_either_side_only():
    now = at(1111111109)
    current = step_at(now)
    for offset in (-1, 0, 1):
        code = code_at(RFC_SECRET, current + offset)
        assert matching_step(RFC_SECRET, code, now) == current + offset
    for offset in (-2, 2):
        assert matching_step(RFC_SECRET, code_at(RFC_SECRET, current + offset), now) is None


def test_malformed_codes_never_match():
    now = at(59)
    for code in ("", "28708", "2870822", "abcdef", "28 70 8x"):
        assert matching_step(RFC_SECRET, code, now) is None
    assert matching_step(RFC_SECRET, "287 082", now) == 1          # spaces as typed are fine


def test_the_enrolment_uri_and_qr_code():
    uri = provisioning_uri(RFC_SECRET, "sato")
    assert uri.startswith("otpauth://totp/") and "sato" in uri
    assert f"secret={RFC_SECRET}" in uri and "issuer=" in uri
    svg = qr_svg(uri)
    assert svg.startswith("<svg") and "<path" in svg and "<script" not in svg
