"""Webhook acknowledgement: POST /callback vs a bare one-INSERT endpoint, same process.

For each rate R: signed text events go open-loop to /callback at R per second for
`seconds` (new residents: the worker greets each and shows the terms meanwhile, as in
production); the worker drains; then the same bodies go at R to /bench/bare, which does
one INSERT of the event row into the same table and nothing else (no signature check,
no parsing or validation) — so the worker has the same work behind both phases, and the
ratio is the cost of what the webhook adds. Latency counts from each request's scheduled
time (open loop: no coordinated omission).

    python bench/webhook_ack.py [--seconds 30] [--rates 50,200,500] [--database sqlite|postgres]
"""
from __future__ import annotations

import argparse
from collections import Counter
import secrets
import time

from harness import (BenchService, Request, dumps, ms, open_loop, percentile, table)

from bot.emulator.resident import make_ulid, make_user_id, signature_for

LEAD_S = 1.0


def events_for(service: BenchService, rate: int, seconds: float, start_wall: float,
               residents: int = 1000) -> list[bytes]:
    count = int(rate * seconds)
    users = [make_user_id() for _ in range(min(residents, count))]
    senders = [users[i % len(users)] for i in range(count)]
    tokens = service.post("/bench/tokens", {"users": senders})["tokens"]
    bodies = []
    for index, (user, token) in enumerate(zip(senders, tokens, strict=False)):
        ms_due = int((start_wall + index / rate) * 1000)
        event = {"type": "message", "mode": "active", "timestamp": ms_due,
                 "source": {"type": "user", "userId": user},
                 "webhookEventId": make_ulid(ms_due),
                 "deliveryContext": {"isRedelivery": False}, "replyToken": token,
                 "message": {"id": str(700000000000000000 + index), "type": "text",
                             "quoteToken": secrets.token_urlsafe(24),
                             "text": f"こんにちは、相談してもいいですか（{index}）"}}
        bodies.append(dumps({"destination": "U" + "0" * 32, "events": [event]}))
    return bodies


def summary(latencies: list, statuses: list, duration: float) -> dict:
    answered = [lat for lat in latencies if lat is not None]
    ok = sum(1 for status in statuses if status == 200)
    others = Counter(status for status in statuses if status != 200)
    if others:
        print(f"  (answers other than 200: {dict(others)}; None = no answer)", flush=True)
    return {"p50": percentile(answered, 50), "p95": percentile(answered, 95),
            "p99": percentile(answered, 99), "max": max(answered, default=float("nan")),
            "ok": ok, "n": len(latencies), "rate": len(latencies) / duration}


def run(service: BenchService, rates: list[int], seconds: float) -> tuple[str, list[dict]]:
    secret = service.get("/bench/info")["secret"]
    rows, results = [], []
    for number, rate in enumerate(rates):
        phases = {}
        for name in ("callback", "bare"):
            start = time.time() + LEAD_S + 1.0
            bodies = events_for(service, rate, seconds, start)
            if name == "callback":
                requests = [Request("/callback", body, {
                    "content-type": "application/json",
                    "x-line-signature": signature_for(body, secret)}) for body in bodies]
            else:
                requests = [Request("/bench/bare", body, {"content-type": "application/json"})
                            for body in bodies]
            result = open_loop(service.url, requests, rate, max(start, time.time() + LEAD_S))
            phases[name] = summary(result.latencies_s, result.statuses, result.duration_s)
            last = number == len(rates) - 1 and name == "bare"
            phases[name]["drain_s"] = None if last else service.wait_idle()
        callback, bare = phases["callback"], phases["bare"]
        results.append({"rate": rate, **phases})
        for name, s in (("POST /callback", callback), ("bare INSERT", bare)):
            drain = "" if s["drain_s"] is None else f"{s['drain_s']:.0f}"
            rows.append([f"{rate}/s", name, f"{s['rate']:.0f}/s", ms(s["p50"]),
                         ms(s["p95"]), ms(s["p99"]), ms(s["max"]), f"{s['ok']}/{s['n']}", drain])
        rows.append([f"{rate}/s", "ratio callback/bare", "",
                     f"{callback['p50'] / bare['p50']:.2f}", f"{callback['p95'] / bare['p95']:.2f}",
                     f"{callback['p99'] / bare['p99']:.2f}", "", "", ""])
    database = service.database_url.split(":")[0].split("+")[0]
    text = table(["rate", "endpoint", "sent", "p50 ms", "p95 ms", "p99 ms", "max ms", "200s",
                  "drain s"], rows,
                 f"Webhook acknowledgement ({database}, {seconds:g} s per phase; "
                 f"target p99 <= 50 ms at 200/s, ratio <= 1.5)\n"
                 f"drain s = how long the worker needed after the phase to process its backlog")
    return text, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rates", default="50,200,500")
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    from harness import database_url
    with database_url(args.database) as url, BenchService(url) as service:
        print(run(service, [int(r) for r in args.rates.split(",")], args.seconds)[0])


if __name__ == "__main__":
    main()
