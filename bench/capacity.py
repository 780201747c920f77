"""Capacity of the service with every part in its own process (bench/cluster.py): the
LINE emulator, `python -m bot serve --role web` taking the webhooks and `--role worker`
processes draining them (SQLite: one `all` process), the load generator here, open loop.

    python bench/capacity.py capacity [--database sqlite|postgres] [--workers 1]
                             [--rates 20,40,...] [--seconds 10]
    python bench/capacity.py ack [--rate 200] [--seconds 10] [--workers 2]
    python bench/capacity.py surge [--base 20] [--factor 10] [--surge-seconds 60]

capacity: each rate for `seconds`, fresh consented residents sending one consultation
each (the full path: tagging, directory, Flex carousel, reply); a message's latency runs
from its scheduled POST to the emulator accepting its reply. The capacity is the highest
rate whose p95 stays <= 300 ms with every message answered; the search stops at the first
rate that fails. Then 5x the capacity (at least 100/s) for the same time: the messages
answered per second from the first POST to the last reply are the throughput at
saturation (the figure the scaling ratio compares).

ack: POST /callback on a web process and the bare endpoint (bench/bare_main.py: HMAC +
one INSERT into the same table) at the same rate, at the same time, while worker
processes drain both at full speed.

surge: `base` messages/s, then `factor` × `capacity` for `surge-seconds`, then `base`
again; 1 message in 100 of the surge is an emergency. Counts what was lost and what was
sent twice, and whether each emergency was answered before every calm message that
arrived before it.
"""
from __future__ import annotations

import argparse
import threading
import time
from typing import Optional

from cluster import Cluster, cluster, first_sends, log_dir, make_load, wait_answered
from harness import ms, open_loop, percentile, table

from end_to_end import CONSULTATIONS

P95_TARGET_S = 0.300
SATURATE_MIN = 100           # messages/s offered to measure the throughput at saturation
LEAD_S = 2.0
EMERGENCIES = ["もう死にたい。今から薬を全部飲みます", "今から橋から飛び降ります",
               "夫に包丁を向けられて、今も家にいて怖いです", "死にたい。ロープを用意しました"]


def _layout(running: Cluster, kind: str, workers: int) -> str:
    """SQLite: one process does everything. PostgreSQL: one web process + `workers`."""
    if kind == "sqlite":
        return running.spawn("all").url
    web = running.spawn("web", "web")
    for number in range(workers):
        running.spawn(f"worker-{number + 1}", "worker")
    return web.url


def _step(running: Cluster, url: str, rate: float, seconds: float) -> dict:
    count = max(1, int(rate * seconds))
    texts = [CONSULTATIONS[i % len(CONSULTATIONS)] for i in range(count)]
    start = time.time() + LEAD_S + count / 2000
    load = make_load(running, texts, [i / rate for i in range(count)], start)
    start = max(start, time.time() + 0.5)
    since = running.emulator.count()
    result = open_loop(url, load.requests, rate, start)
    wait_answered(running, since, count, timeout=120 + seconds * 10)
    sends = first_sends(running, since)
    latencies, last = [], start
    for user, offset in zip(load.users, load.offsets, strict=True):
        if user in sends:
            at = sends[user][0][0]
            latencies.append(at - (start + offset))
            last = max(last, at)
    acks = [lat for lat in result.latencies_s if lat is not None]
    return {"rate": rate, "n": count, "answered": len(latencies),
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99), "ack_p99": percentile(acks, 99),
            "throughput": len(latencies) / max(1e-9, last - start)}


def capacity(kind: str, workers: int, rates: list[float], seconds: float) -> tuple[str, dict]:
    rows, passed, saturated = [], None, None
    with cluster(kind, log_dir(f"capacity-{kind}-{workers}")) as running:
        url = _layout(running, kind, workers)
        _step(running, url, 5, 2)                      # every path warm once
        for rate in rates:
            step = _step(running, url, rate, seconds)
            ok = step["answered"] == step["n"] and step["p95"] <= P95_TARGET_S
            rows.append([f"{rate:g}/s", f"{step['answered']}/{step['n']}", ms(step["p50"]),
                         ms(step["p95"]), ms(step["p99"]), ms(step["ack_p99"]),
                         f"{step['throughput']:.0f}", "yes" if ok else "no"])
            running.wait_drained()
            if not ok:
                break
            passed = step
        # saturated: far more than it can take, for the same time; done/s = its throughput
        rate = max(SATURATE_MIN, 5 * (passed["rate"] if passed else 0))
        saturated = _step(running, url, rate, seconds)
        rows.append([f"{rate:g}/s (saturate)", f"{saturated['answered']}/{saturated['n']}",
                     ms(saturated["p50"]), ms(saturated["p95"]), ms(saturated["p99"]),
                     ms(saturated["ack_p99"]), f"{saturated['throughput']:.1f}", ""])
        rss = running.rss_mb()
    layout = ("SQLite, one process (web + worker)" if kind == "sqlite"
              else f"PostgreSQL, 1 web + {workers} worker process{'es' if workers > 1 else ''}")
    summary = {"layout": layout, "capacity": passed["rate"] if passed else 0,
               "throughput": saturated["throughput"] if saturated else None,
               "p95_at_capacity": passed["p95"] if passed else None,
               "rss": max(rss.values()) if rss else float("nan"), "rows": rows}
    text = table(["rate", "answered", "p50 ms", "p95 ms", "p99 ms", "ack p99", "done/s",
                  "p95 ok"], rows,
                 f"Capacity: {layout}, {seconds:g} s per rate (p95 webhook -> reply <= 300 ms)")
    text += (f"\ncapacity {summary['capacity']:g} messages/s; throughput at saturation "
             f"{summary['throughput'] or float('nan'):.0f}/s; largest RSS "
             f"{summary['rss']:.0f} MB ({', '.join(f'{k} {v:.0f}' for k, v in rss.items())})")
    summary["text"] = text
    return text, summary


def scaling_table(found: dict[str, dict]) -> str:
    """Capacity and saturated throughput per layout, per core and against one worker."""
    import os
    one = (found.get("pg1") or {}).get("throughput")
    rows = []
    for summary in found.values():
        throughput = summary["throughput"]
        rows.append([summary["layout"], f"{summary['capacity']:g}",
                     f"{throughput:.0f}" if throughput else "-",
                     f"{(throughput or 0) / (os.cpu_count() or 1):.0f}",
                     f"{throughput / one:.2f}" if throughput and one and "PostgreSQL" in
                     summary["layout"] else "", f"{summary['rss']:.0f}"])
    return table(["layout", "capacity /s", "saturated /s", "per core /s", "vs 1 worker",
                  "max RSS MB"], rows,
                 "Capacity summary (capacity: highest rate with p95 <= 300 ms; per core: "
                 "saturated throughput / logical cores of this machine)")


def ack(rate: float, seconds: float, workers: int, kind: str = "postgres") -> tuple[str, dict]:
    with cluster(kind, log_dir("ack")) as running:
        web = running.spawn("web", "web")
        bare = running.spawn_bare()
        for number in range(workers):
            running.spawn(f"worker-{number + 1}", "worker")
        count = int(rate * seconds)
        offsets = [i / rate for i in range(count)]
        texts = [CONSULTATIONS[i % len(CONSULTATIONS)] for i in range(count)]
        start = time.time() + LEAD_S + count / 1000
        loads = {"POST /callback": (web.url, make_load(running, texts, offsets, start)),
                 "bare (HMAC + INSERT)": (bare.url, make_load(running, texts, offsets, start,
                                                               path="/bare"))}
        results: dict[str, object] = {}

        def fire(name: str, url: str, requests) -> None:
            results[name] = open_loop(url, requests, rate, start)
        threads = [threading.Thread(target=fire, args=(name, url, load.requests))
                   for name, (url, load) in loads.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        backlog = running.pending()
        rss = running.rss_mb()
    stats = {}
    rows = []
    for name in loads:
        result = results[name]
        answered = [lat for lat in result.latencies_s if lat is not None]     # type: ignore[attr-defined]
        ok = sum(1 for status in result.statuses if status == 200)            # type: ignore[attr-defined]
        stats[name] = {q: percentile(answered, q) for q in (50, 95, 99)}
        stats[name]["max"] = max(answered, default=float("nan"))
        rows.append([name, f"{ok}/{count}", ms(stats[name][50]), ms(stats[name][95]),
                     ms(stats[name][99]), ms(stats[name]["max"])])
    a, b = (stats[name] for name in loads)
    rows.append(["ratio callback/bare", "", f"{a[50] / b[50]:.2f}", f"{a[95] / b[95]:.2f}",
                 f"{a[99] / b[99]:.2f}", ""])
    text = table(["endpoint", "200s", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows,
                 f"Webhook acknowledgement, side by side: {rate:g}/s to each for {seconds:g} s, "
                 f"{kind}, {workers} worker processes draining (target p99 ratio <= 1.5)")
    text += (f"\nbacklog left for the workers at the end: {backlog} events (they were "
             f"saturated); RSS web {rss.get('web', 0):.0f} MB, bare {rss.get('bare', 0):.0f} MB")
    return text, {"ratio_p99": a[99] / b[99], "callback_p99": a[99], "bare_p99": b[99]}


def surge(base: float, capacity_rate: float, factor: float, surge_s: float, after_s: float,
          workers: int, kind: str = "postgres") -> tuple[str, dict]:
    peak = capacity_rate * factor
    phases = [(base, 10.0, False), (peak, surge_s, True), (base, after_s, False)]
    offsets, texts, urgent = [], [], []
    at, index = 0.0, 0
    for rate, seconds, in_surge in phases:
        for n in range(int(rate * seconds)):
            offsets.append(at + n / rate)
            emergency = in_surge and index % 100 == 50
            texts.append(EMERGENCIES[index % len(EMERGENCIES)] if emergency
                         else CONSULTATIONS[index % len(CONSULTATIONS)])
            urgent.append(emergency)
            index += 1
        at += seconds
    with cluster(kind, log_dir("surge")) as running:
        url = _layout(running, kind, workers)
        _step(running, url, 5, 2)
        start = time.time() + LEAD_S + len(texts) / 1500
        load = make_load(running, texts, offsets, start)
        start = max(start, time.time() + 0.5)
        since = running.emulator.count()
        result = open_loop(url, load.requests, base, start, offsets=offsets)
        drain = running.wait_drained(timeout=3600)
        wait_answered(running, since, len(texts), timeout=120)
        sends = first_sends(running, since)
        rss = running.rss_mb()
    from bot.nlp import analyze
    calm = [analyze(text).risk == "none" for text in texts]
    stored = sum(1 for status in result.statuses if status == 200)
    lost = sum(1 for user in load.users if user not in sends)
    twice = sum(1 for user in load.users if len(sends.get(user, [])) > 1)
    pushes = sum(1 for user in load.users for _, kind_ in sends.get(user, []) if kind_ == "push")
    answered_at = {user: sends[user][0][0] for user in load.users if user in sends}
    emergencies = [i for i, flag in enumerate(urgent) if flag]
    first, overtaken = 0, []
    for i in emergencies:
        arrived, answered = start + offsets[i], answered_at.get(load.users[i])
        # older calm messages still waiting when it arrived, answered before it
        ahead = sum(1 for j in range(i) if calm[j] and answered is not None
                    and arrived <= answered_at.get(load.users[j], 0) < answered)
        overtaken.append(ahead)
        first += answered is not None and ahead == 0
    latency = {flag: [answered_at[load.users[i]] - (start + offsets[i])
                      for i in range(len(texts)) if load.users[i] in answered_at
                      and urgent[i] == flag and (flag or calm[i])]
               for flag in (True, False)}
    rows = [["messages", f"{len(texts)} ({base:g}/s 10 s, {peak:g}/s {surge_s:g} s, "
                         f"{base:g}/s {after_s:g} s)"],
            ["stored (200 from /callback)", f"{stored}"],
            ["lost (no answer)", f"{lost}"], ["answered twice", f"{twice}"],
            ["answered by push (reply token expired in the backlog)", f"{pushes}"],
            ["backlog drained after the load, s", f"{drain:.0f}"],
            ["emergencies answered before every older calm message still waiting",
             f"{first}/{len(emergencies)}"],
            ["older calm messages answered ahead of an emergency (max; in flight or "
             "claimed before the next look)", f"{max(overtaken, default=0)}"],
            ["emergency latency p50 / max ms",
             f"{ms(percentile(latency[True], 50))} / {ms(max(latency[True], default=float('nan')))}"],
            ["calm latency p50 / max ms",
             f"{ms(percentile(latency[False], 50))} / {ms(max(latency[False], default=float('nan')))}"],
            ["largest RSS MB", f"{max(rss.values()) if rss else float('nan'):.0f}"]]
    layout = ("SQLite, one process" if kind == "sqlite"
              else f"PostgreSQL, 1 web + {workers} worker processes")
    text = table(["measure", "value"], rows, f"Surge: {layout}, {factor:g}x capacity "
                 f"({capacity_rate:g}/s) for {surge_s:g} s")
    return text, {"lost": lost, "twice": twice, "first": first, "emergencies": len(emergencies),
                  "overtaken": max(overtaken, default=0)}


def _rates(text: str) -> list[float]:
    return [float(value) for value in text.split(",") if value]


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("capacity", "ack", "surge"))
    parser.add_argument("--database", default="postgres", choices=("sqlite", "postgres"))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rates", default="10,20,30,40,60,80,100,150,200,300")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--base", type=float, default=5)
    parser.add_argument("--capacity", type=float, default=20)
    parser.add_argument("--factor", type=float, default=10)
    parser.add_argument("--surge-seconds", type=float, default=60)
    parser.add_argument("--after-seconds", type=float, default=10)
    args = parser.parse_args(argv)
    if args.what == "capacity":
        print(capacity(args.database, args.workers, _rates(args.rates), args.seconds)[0])
    elif args.what == "ack":
        print(ack(args.rate, args.seconds, args.workers, args.database)[0])
    else:
        print(surge(args.base, args.capacity, args.factor, args.surge_seconds,
                    args.after_seconds, args.workers, args.database)[0])


if __name__ == "__main__":
    main()
