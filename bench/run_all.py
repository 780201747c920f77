"""All benchmarks, one command; prints the tables.

    python bench/run_all.py [--seconds 10] [--workers 1,2,4] [--surge-seconds 60]
                            [--skip profile,capacity,ack,surge,tagging,followups,admin]

Sections: machine; the worker path by stage (bench/profile_worker.py, SQLite and
PostgreSQL); capacity (bench/capacity.py: SQLite one process, PostgreSQL 1 web + N worker
processes); webhook acknowledgement beside a bare HMAC + INSERT endpoint with workers
saturated in other processes; a surge of 10x the measured capacity; tagging
(bench/nlp_throughput.py), follow-up dispatch (bench/followup_dispatch.py), admin queue.
The older single-process benches (webhook_ack.py, end_to_end.py) run alone.
Not tests: numbers only. See docs/performance.md for a recorded run.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness import ROOT, machine, table  # noqa: E402

SECTIONS = ("profile", "capacity", "ack", "surge", "tagging", "followups", "admin")


def run_script(name: str, *args: str) -> str:
    path = BENCH / name
    if not path.exists():
        return f"{name}: not available yet"
    done = subprocess.run([sys.executable, str(path), *args], cwd=ROOT, capture_output=True,
                          text=True)
    output = done.stdout.rstrip()
    if done.returncode:
        output += f"\n({name} exited with {done.returncode}: {done.stderr.strip()[-800:]})"
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10,
                        help="seconds per capacity step (default 10)")
    parser.add_argument("--rates", default="10,20,30,40,50,60,80,100,150,200,300",
                        help="capacity steps, messages/s")
    parser.add_argument("--workers", default="1,2,4", help="PostgreSQL worker processes")
    parser.add_argument("--messages", type=int, default=300, help="profiled consultations")
    parser.add_argument("--ack-rate", type=float, default=200)
    parser.add_argument("--surge-seconds", type=float, default=60)
    parser.add_argument("--surge-factor", type=float, default=10)
    parser.add_argument("--skip", default="", help="comma list of: " + ",".join(SECTIONS))
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    started = time.monotonic()
    print("python bench/run_all.py " + " ".join(sys.argv[1:]), flush=True)
    print(table(["", ""], [list(row) for row in machine()], "Machine"), flush=True)
    print(f"load average at the start: {os.getloadavg()}", flush=True)

    import capacity
    import profile_worker
    if "profile" not in skip:
        for kind in ("sqlite", "postgres"):
            print("\n" + profile_worker.run(kind, args.messages).split("\n\nTop")[0], flush=True)
    rates = [float(r) for r in args.rates.split(",")]
    found: dict[str, dict] = {}
    if "capacity" not in skip:
        found["sqlite"] = capacity.capacity("sqlite", 1, rates, args.seconds)[1]
        print("\n" + found["sqlite"]["text"], flush=True)
        for workers in [int(w) for w in args.workers.split(",")]:
            found[f"pg{workers}"] = capacity.capacity("postgres", workers, rates, args.seconds)[1]
            print("\n" + found[f"pg{workers}"]["text"], flush=True)
        print("\n" + capacity.scaling_table(found), flush=True)
    if "ack" not in skip:
        print("\n" + capacity.ack(args.ack_rate, args.seconds, 2)[0], flush=True)
    if "surge" not in skip:
        base_layout = found.get("pg2") or found.get("pg1") or {}
        rate = base_layout.get("capacity") or 20
        print("\n" + capacity.surge(max(1.0, rate / 4), rate, args.surge_factor,
                                     args.surge_seconds, 10, 2)[0], flush=True)
    print(f"load average at the end of the service benches: {os.getloadavg()}", flush=True)

    if "tagging" not in skip:
        print("\nTagging (bench/nlp_throughput.py)\n" + run_script("nlp_throughput.py"),
              flush=True)
    if "followups" not in skip:
        print("\nFollow-up dispatch (bench/followup_dispatch.py)\n"
              + run_script("followup_dispatch.py"), flush=True)
    if "admin" not in skip:
        import admin_queue
        print("\n" + admin_queue.run_all(["sqlite", "postgres"]), flush=True)
    print(f"\n(total {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
