"""Where a message's time goes on the worker path, stage by stage (cProfile).

The service is built in this process without its background threads; the LINE emulator
runs in its own process (bench/emulator_main.py). Consented residents in the
consultation step send the end-to-end benchmark's consultation texts. Two passes over
fresh events: one timed plainly (ms per message, the worker processing and sending in
one thread), one under cProfile, whose shares of the time by stage are scaled to the
plain pass. The webhook's share (verify + store, no HTTP server) is timed apart.

    python bench/profile_worker.py [--database sqlite|postgres] [--messages 400] [--dump F]
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import secrets
import time
from datetime import timedelta
from typing import Iterable

from sqlalchemy import event

from harness import (EmulatorProcess, add_consented_residents, database_url, dumps, table)

from bot.app import create_app
from bot.config import Settings
from bot.emulator.resident import make_ulid, make_user_id, signature_for
from bot.line.outbox import OutboxSender
from bot.line.webhook import parse_events, store_events
from bot import worker_queue
from bot.worker import warm_up
from end_to_end import CONSULTATIONS

# Stage -> the functions whose cumulative time it is: (file suffix, function name) or
# (file suffix, function name, caller file suffix, caller name) for one caller's share.
STAGES: list[tuple[str, list[tuple[str, ...]]]] = [
    ("claim (next event, order check)", [
        ("bot/worker.py", "_claim"), ("bot/worker.py", "_earlier_pending"),
        ("bot/worker_queue.py", "claim_next")]),
    ("view load (resident, state, case, history)", [
        ("bot/worker.py", "_load_view"), ("bot/worker.py", "_resident_for", "bot/worker.py", "_handle"),
        ("bot/effects.py", "open_case", "bot/worker.py", "_handle"),
        ("bot/worker.py", "_recent_texts", "bot/worker.py", "_handle"),
        ("bot/worker.py", "_staff_replied_at", "bot/worker.py", "_handle")]),
    ("tagging (bot.nlp.analyze)", [("bot/nlp/analyzer.py", "analyze")]),
    ("directory search + area", [
        ("bot/directory/core.py", "search"), ("bot/directory/core.py", "resolve_area")]),
    ("Flex carousel", [("bot/line/flex.py", "windows_carousel")]),
    ("action writes (EffectRunner.run)", [("bot/effects.py", "run")]),
    ("event finish + commit", [("bot/worker.py", "_finish_event"),
                               ("sqlalchemy/orm/session.py", "commit", "bot/worker.py", "_process")]),
    ("outbox claim", [("bot/line/outbox.py", "_claim"), ("bot/line/outbox.py", "_due_rows"),
                      ("bot/line/outbox.py", "_renew")]),
    ("LINE call (SDK + HTTP)", [("bot/line/client.py", "reply"), ("bot/line/client.py", "push")]),
    ("outbox finish", [("bot/line/outbox.py", "_finish")]),
]
ROUTE = ("bot/flows/router.py", "route")


class InlineSender(OutboxSender):
    """Sends in the calling thread, so the profile sees the whole path of a message."""

    def send_due(self, only_ids: Iterable[int] | None = None, limit: int = 50,
                 wait: bool = True) -> int:
        return super().send_due(only_ids, limit, wait=True)

    def _lane_for(self, resident_id: int):
        return _Inline()


class _Inline:
    def submit(self, fn, *args):
        return _Done(fn(*args))


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def cumulative(stats: pstats.Stats, spec: tuple[str, ...]) -> float:
    total = 0.0
    for (filename, _line, name), entry in stats.stats.items():  # type: ignore[attr-defined]
        if not filename.endswith(spec[0]) or name != spec[1]:
            continue
        if len(spec) == 2:
            total += entry[3]
            continue
        for (caller_file, _l, caller_name), caller_entry in entry[4].items():
            if caller_file.endswith(spec[2]) and caller_name == spec[3]:
                total += caller_entry[3]
    return total


def events(emulator: EmulatorProcess, users: list[str], count: int, secret: str) -> list[bytes]:
    senders = [users[i % len(users)] for i in range(count)]
    tokens = emulator.tokens(senders)
    bodies = []
    now_ms = int(time.time() * 1000)
    for index, (user, token) in enumerate(zip(senders, tokens, strict=True)):
        event = {"type": "message", "mode": "active", "timestamp": now_ms,
                 "source": {"type": "user", "userId": user}, "webhookEventId": make_ulid(now_ms),
                 "deliveryContext": {"isRedelivery": False}, "replyToken": token,
                 "message": {"id": str(900000000000000000 + index), "type": "text",
                             "quoteToken": secrets.token_urlsafe(24),
                             "text": CONSULTATIONS[index % len(CONSULTATIONS)]}}
        bodies.append(dumps({"destination": "U" + "0" * 32, "events": [event]}))
    return bodies


def run(kind: str, messages: int, dump: str | None = None) -> str:
    with EmulatorProcess() as emulator, database_url(kind) as url:
        settings = Settings(demo=True, line_channel_secret=emulator.secret,
                            line_channel_access_token=emulator.token,
                            line_api_host=emulator.url, database_url=url,
                            secret_key=secrets.token_hex(32))
        app = create_app(settings, start_background=False)
        runtime = app.state.runtime
        worker, engine = runtime.worker, runtime.engine
        worker.sender = InlineSender(engine, runtime.client)
        warm_up(worker.make_context)
        # The steady path: the events below are all stored before the worker starts, which
        # would count as behind and read each message twice (that is for surges).
        worker_queue.BEHIND_AFTER = timedelta(days=1)
        from linebot.v3 import WebhookParser
        webhook_parser = WebhookParser(emulator.secret)

        def residents(count: int) -> list[str]:
            """Fresh residents for each pass: one consultation each, as on a busy day."""
            users = [make_user_id() for _ in range(count)]
            add_consented_residents(engine, users)
            return users

        def store(bodies: list[bytes]) -> float:
            started = time.perf_counter()
            for body in bodies:
                signature = signature_for(body, emulator.secret)
                store_events(engine, parse_events(webhook_parser, body, signature))
            return (time.perf_counter() - started) / len(bodies)

        statements = [0]
        event.listen(engine, "before_cursor_execute",
                     lambda *args: statements.__setitem__(0, statements[0] + 1))

        def drain() -> float:
            statements[0] = 0
            started = time.perf_counter()
            while worker.run_once():
                pass
            return time.perf_counter() - started

        store(events(emulator, residents(50), 50, emulator.secret))       # warm every path once
        drain()
        webhook_s = store(events(emulator, residents(messages), messages, emulator.secret))
        plain_s = drain() / messages
        per_message = statements[0] / messages
        sent_before = emulator.count()
        store(events(emulator, residents(messages), messages, emulator.secret))
        profiler = cProfile.Profile()
        profiler.enable()
        profiled_total = drain()
        profiler.disable()
        replies = emulator.count() - sent_before
        if dump:
            profiler.dump_stats(dump)
        stats = pstats.Stats(profiler)
        scale = plain_s / (profiled_total / messages)
        rows, accounted = [["webhook: verify + store (no HTTP server)", f"{webhook_s * 1000:.2f}",
                            ""]], 0.0
        tagging = directory = flex = 0.0
        for label, specs in STAGES:
            seconds = sum(cumulative(stats, spec) for spec in specs)
            if label.startswith("tagging"):
                tagging = seconds
            elif label.startswith("directory"):
                directory = seconds
            elif label.startswith("Flex"):
                flex = seconds
            per = seconds / messages * scale
            rows.append([label, f"{per * 1000:.2f}", f"{seconds / profiled_total:.0%}"])
            accounted += seconds
        flows = cumulative(stats, ROUTE) - tagging - directory - flex
        rows.insert(5, ["flows (route, less the three above)", f"{flows / messages * scale * 1000:.2f}",
                        f"{flows / profiled_total:.0%}"])
        accounted += flows
        other = profiled_total - accounted
        rows.append(["other (sessions, loop, GC)", f"{other / messages * scale * 1000:.2f}",
                     f"{other / profiled_total:.0%}"])
        rows.append(["worker total per message", f"{plain_s * 1000:.2f}", "100%"])
        runtime.client.close()
        engine.dispose()
        top = pstats.Stats(profiler)
        return table(["stage", "ms/message", "share"], rows,
                     f"Worker path by stage ({kind}, {messages} consultations, {replies} "
                     f"replies; ms scaled from cProfile shares to the unprofiled "
                     f"{plain_s * 1000:.1f} ms/message; {per_message:.1f} SQL statements "
                     f"per message)") + _top(top)


def _top(stats: pstats.Stats, count: int = 25) -> str:
    import io
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(count)
    return "\n\nTop functions by own time:\n" + "\n".join(out.getvalue().splitlines()[6:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--dump", help="write the cProfile data here (snakeviz, pstats)")
    args = parser.parse_args()
    print(run(args.database, args.messages, args.dump))


if __name__ == "__main__":
    main()
