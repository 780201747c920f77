"""bot.webguard on a small app: the headers on a 500 and on a page that sets its own
policy, HSTS only for an https address, and validation errors as 400 with a reason."""
from __future__ import annotations

from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from bot import webguard


def guarded(public_base_url: str) -> TestClient:
    app = FastAPI()
    webguard.install(app, public_base_url)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    @app.get("/own-policy")
    def own_policy() -> HTMLResponse:
        return HTMLResponse("ok", headers={"Content-Security-Policy": "default-src 'none'"})

    @app.get("/number")
    def number(n: int = Query(ge=1, le=10)) -> dict:
        return {"n": n}

    return TestClient(app, raise_server_exceptions=False)


def test_an_unhandled_error_is_a_plain_500_with_the_headers():
    response = guarded("http://localhost:8000").get("/boom")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    for name, value in webguard.SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_hsts_only_when_the_public_address_is_https():
    for path in ("/boom", "/own-policy", "/number?n=1", "/missing"):
        assert (guarded("https://soudan.example.lg.jp").get(path)
                .headers["strict-transport-security"] == webguard.HSTS)
        assert "strict-transport-security" not in guarded("http://localhost").get(path).headers


def test_a_page_keeps_its_own_policy_and_gets_the_others():
    response = guarded("http://localhost").get("/own-policy")
    assert response.headers["content-security-policy"] == "default-src 'none'"
    assert response.headers["x-frame-options"] == "DENY"


def test_a_bad_parameter_is_400_naming_it():
    client = guarded("http://localhost")
    for query in ("n=0", "n=11", "n=abc", "n=" + "9" * 40, ""):
        response = client.get(f"/number?{query}")
        assert response.status_code == 400
        assert response.json()["detail"].startswith("n: ")
