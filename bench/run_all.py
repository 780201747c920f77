"""All benchmarks, one command; prints the tables.

    python bench/run_all.py [--seconds 30] [--postgres] [--skip admin,e2e,...]

Sections: machine, webhook acknowledgement (vs a bare INSERT endpoint), end to end
(webhook -> reply at the emulator), tagging (bench/nlp_throughput.py), follow-up
dispatch (bench/followup_dispatch.py), admin queue, memory. Not tests: numbers only.
See docs/performance.md for a recorded run.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness import ROOT, BenchService, database_url, machine, table  # noqa: E402

SECTIONS = ("ack", "e2e", "tagging", "followups", "admin")


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
    parser.add_argument("--seconds", type=float, default=30,
                        help="seconds per load phase (default 30)")
    parser.add_argument("--rates", default="50,200,500")
    parser.add_argument("--postgres", action="store_true",
                        help="also run the ack and end-to-end benches on PostgreSQL")
    parser.add_argument("--skip", default="", help="comma list of: " + ",".join(SECTIONS))
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    databases = ["sqlite"] + (["postgres"] if args.postgres else [])
    started = time.monotonic()

    print(table(["", ""], [list(row) for row in machine()], "Machine"), flush=True)

    import webhook_ack
    import end_to_end
    for kind in databases:
        if "ack" not in skip:
            with database_url(kind) as url, BenchService(url) as service:
                print("\n" + webhook_ack.run(service, [int(r) for r in args.rates.split(",")],
                                             args.seconds)[0], flush=True)
        if "e2e" not in skip:
            with database_url(kind) as url, BenchService(url) as service:
                print("\n" + end_to_end.run(service, args.seconds)[0], flush=True)

    if "tagging" not in skip:
        print("\nTagging (bench/nlp_throughput.py)\n" + run_script("nlp_throughput.py"),
              flush=True)
    if "followups" not in skip:
        print("\nFollow-up dispatch (bench/followup_dispatch.py)\n"
              + run_script("followup_dispatch.py"), flush=True)
    if "admin" not in skip:
        try:
            import admin_queue
        except ImportError:
            print("\nAdmin queue: not available yet (the admin app has not landed)")
        else:
            print("\n" + admin_queue.run_all(databases), flush=True)
    print(f"\n(total {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
