"""The LINE platform for the benchmarks, as its own process, so its work is never charged
to the service under test: the built-in emulator's Messaging API, plus control routes

  POST /ctl/tokens   reply tokens issued for the given user ids
  GET  /ctl/sent     what was accepted since `start`: [user id, time.time(), reply|push, first text]
  GET  /ctl/count    how many sends were accepted

    python bench/emulator_main.py --port 8124 --secret S --token T
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi import FastAPI, Request  # noqa: E402

from bot.emulator import LinePlatform  # noqa: E402
from bot.emulator.api import create_emulator_app  # noqa: E402


def first_text(messages: list[dict]) -> str:
    for message in messages:
        if message.get("type") == "text":
            return str(message.get("text", ""))[:80]
    return ""


def build(secret: str, token: str) -> FastAPI:
    platform = LinePlatform(secret, token)
    app = create_emulator_app(platform)

    @app.post("/ctl/tokens")
    async def tokens(request: Request) -> dict:
        users = (await request.json())["users"]
        return {"tokens": [platform.issue_reply_token(user) for user in users]}

    @app.get("/ctl/sent")
    def sent(start: int = 0) -> dict:
        records = platform.sent[start:]
        return {"records": [[r.user_id, r.at, r.kind, first_text(r.messages)]
                            for r in records]}

    @app.get("/ctl/count")
    def count() -> dict:
        return {"sent": len(platform.sent)}

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    import uvicorn
    uvicorn.run(build(args.secret, args.token), host="127.0.0.1", port=args.port,
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
