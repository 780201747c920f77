"""The baseline beside POST /callback: a bare FastAPI endpoint that checks the HMAC and
does one INSERT of the event row into the same table (so the workers get the same work
behind it) — nothing else. Its own process, the same uvicorn.

    python bench/bare_main.py --port 8125 --database-url URL --secret S
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi import FastAPI, HTTPException, Request  # noqa: E402
from fastapi.concurrency import run_in_threadpool  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bot.db import make_engine  # noqa: E402
from bot.line.webhook import _row  # noqa: E402
from bot.models import InboundEvent  # noqa: E402


def build(database_url: str, secret: str) -> FastAPI:
    engine = make_engine(database_url)
    app = FastAPI()
    counter = itertools.count(1)

    def insert_one(event: dict) -> None:
        event = {**event, "webhookEventId": f"bare-{next(counter)}-{event['webhookEventId']}"[:64]}
        with engine.begin() as connection:
            connection.execute(insert(InboundEvent).values(_row(event)))

    @app.post("/bare")
    async def bare(request: Request) -> dict:
        body = await request.body()
        digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
        if not hmac.compare_digest(digest.decode(), request.headers.get("x-line-signature", "")):
            raise HTTPException(400, "invalid signature")
        await run_in_threadpool(insert_one, json.loads(body)["events"][0])
        return {}

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    import uvicorn
    uvicorn.run(build(args.database_url, args.secret), host="127.0.0.1", port=args.port,
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
