"""The service under benchmark, as its own process: the real app with the built-in
emulator as LINE (what `python -m bot demo` runs), plus /bench routes for the harness:

  POST /bench/bare        the baseline: one INSERT of the event row, no signature or checks
  GET  /bench/info        the channel secret (to sign webhooks) — loopback benches only
  POST /bench/tokens      reply tokens issued by the emulator for the given user ids
  POST /bench/residents   consented residents in the consultation step
  GET  /bench/status      pending inbound events, messages delivered to the emulator
  GET  /bench/sent        what reached the emulator: [user id, time.time(), reply|push]

    python bench/service_main.py --port 8123 --database-url sqlite:///var/bench.db
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi import Request  # noqa: E402
from fastapi.concurrency import run_in_threadpool  # noqa: E402
from sqlalchemy import func, insert  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from bot.demo import build_emulated_service  # noqa: E402
from bot.models import InboundEvent  # noqa: E402
from bot.line.webhook import _row  # noqa: E402
from harness import add_consented_residents  # noqa: E402



def build(port: int, database_url: str):
    base_url = f"http://127.0.0.1:{port}"
    demo = build_emulated_service(base_url, database_url, worker_poll_s=0.2)
    app, platform = demo.app, demo.platform
    engine = app.state.runtime.engine
    counter = iter(range(1, 10**12))

    def insert_one(payload: dict) -> None:
        event = dict(payload["events"][0])
        event["webhookEventId"] = f"bare-{next(counter)}-{event['webhookEventId']}"[:64]
        with Session(engine) as session:
            session.exec(insert(InboundEvent).values(_row(event)))  # type: ignore[call-overload]
            session.commit()

    @app.post("/bench/bare")
    async def bare(request: Request) -> dict:
        """The baseline: no signature, no validation, one INSERT of the event row into
        the same table (so the worker gets the same work behind it), wake the worker."""
        payload = await request.json()
        await run_in_threadpool(insert_one, payload)
        app.state.runtime.worker.wake()
        return {}

    @app.get("/bench/info")
    def info() -> dict:
        return {"secret": demo.settings.line_channel_secret}

    @app.post("/bench/tokens")
    async def tokens(request: Request) -> dict:
        users = (await request.json())["users"]
        return {"tokens": [platform.issue_reply_token(user) for user in users]}

    @app.post("/bench/residents")
    async def residents(request: Request) -> dict:
        users = (await request.json())["users"]
        await run_in_threadpool(add_consented_residents, engine, users)
        return {"added": len(users)}

    @app.get("/bench/status")
    def status() -> dict:
        with Session(engine) as session:
            pending = session.exec(select(func.count()).select_from(InboundEvent)
                                   .where(InboundEvent.status == "pending")).one()
        return {"pending": pending, "sent": len(platform.sent)}

    @app.get("/bench/sent")
    def sent(start: int = 0) -> dict:
        records = platform.sent[start:]
        return {"records": [[r.user_id, r.at, r.kind] for r in records],
                "next": start + len(records)}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    import uvicorn
    uvicorn.run(build(args.port, args.database_url), host="127.0.0.1", port=args.port,
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
