"""End to end: from the webhook POST to the reply reaching the emulator, at 50 messages/s.

Residents are consented and in the consultation step (inserted directly), so every
message takes the full path: signature, store, worker, tagging and risk, directory
search, Flex carousel, outbox, Messaging API call to the emulator. Each resident writes
every few seconds; a message's latency is from its scheduled send time to the first
message the emulator accepted for that resident after it. RSS of the service process is
read after the run.

    python bench/end_to_end.py [--seconds 30] [--rate 50] [--database sqlite|postgres]
"""
from __future__ import annotations

import argparse
import secrets
import time
from bisect import bisect_left
from collections import defaultdict

from harness import BenchService, Request, dumps, ms, open_loop, percentile, table

from bot.emulator.resident import make_ulid, make_user_id, signature_for

LEAD_S = 1.0
SPACING_S = 6.0          # seconds between two messages of the same resident

# Written for this benchmark: the kinds of things residents write, in their own words.
CONSULTATIONS = [
    "母が最近物忘れがひどくて、火の消し忘れもあって心配です。どこに相談すればいいですか",
    "父の介護で仕事を休みがちになってしまい、このままだと続けられそうにありません",
    "息子が高校をやめてから二年、ほとんど部屋から出てきません",
    "家賃を二か月滞納していて、来月には出ていくように言われています",
    "仕事をクビになって貯金も底をつきそうです。生活保護って私でも受けられますか",
    "夫に怒鳴られるのが怖くて、家に帰りたくないです",
    "子どもが学校に行きたがらなくて、朝になるとお腹が痛いと言います",
    "双子の育児で毎日眠れず、誰にも頼れなくてつらいです",
    "障害者手帳の申請ってどこでできますか。娘が発達障害と診断されました",
    "リボ払いの残高が膨らんで返せなくなってきました",
    "一人暮らしで話す人がいなくて、さみしいです",
    "80代の母と50代のひきこもりの兄が二人で暮らしていて、どうしたらいいか分かりません",
    "親の介護と子育てが重なって、もう限界です",
    "中学生の娘が、祖母の世話で部活に行けていないみたいです",
    "最近眠れなくて、気分が落ち込む日が続いています",
    "携帯代が払えず止められてしまいました。仕事探しにも困っています",
    "ごみが片付けられなくて、近所から苦情が来ています",
    "昔の職場の人間関係がつらくて、次の仕事が怖いです",
    "シングルで子ども二人、養育費も入らずお金が足りません",
    "隣に住むおばあちゃんがずっと同じ服で、ご飯を食べているか心配です",
    "母が入院して、退院後の生活をどう支えればいいのか分かりません",
    "借金のことで家族にも言えず、毎日不安です",
    "職場でいじめられていて、朝起きるのがつらい",
    "息子が不登校になって三か月、私も仕事を減らしました",
    "年金だけでは暮らしていけなくて、食費を削っています",
]


def run(service: BenchService, seconds: float, rate: float = 50) -> tuple[str, dict]:
    secret = service.get("/bench/info")["secret"]
    count = int(rate * seconds)
    residents = max(1, min(count, int(rate * SPACING_S)))
    users = [make_user_id() for _ in range(residents)]
    for index in range(0, len(users), 500):
        service.post("/bench/residents", {"users": users[index:index + 500]})
    senders = [users[i % residents] for i in range(count)]
    start = time.time() + LEAD_S + 2.0
    tokens = service.post("/bench/tokens", {"users": senders})["tokens"]
    requests, due = [], []
    for index, (user, token) in enumerate(zip(senders, tokens, strict=False)):
        at = start + index / rate
        ms_due = int(at * 1000)
        event = {"type": "message", "mode": "active", "timestamp": ms_due,
                 "source": {"type": "user", "userId": user},
                 "webhookEventId": make_ulid(ms_due),
                 "deliveryContext": {"isRedelivery": False}, "replyToken": token,
                 "message": {"id": str(800000000000000000 + index), "type": "text",
                             "quoteToken": secrets.token_urlsafe(24),
                             "text": CONSULTATIONS[index % len(CONSULTATIONS)]}}
        body = dumps({"destination": "U" + "0" * 32, "events": [event]})
        requests.append(Request("/callback", body, {
            "content-type": "application/json",
            "x-line-signature": signature_for(body, secret)}))
        due.append(at)
    first_sent = service.get("/bench/status")["sent"]
    result = open_loop(service.url, requests, rate, start)
    drain = service.wait_idle()
    time.sleep(1.0)
    records = service.get("/bench/sent", start=first_sent)["records"]
    arrivals: dict[str, list[float]] = defaultdict(list)
    kinds: dict[str, int] = defaultdict(int)
    for user, at, kind in records:
        arrivals[user].append(at)
        kinds[kind] += 1
    latencies, unanswered = [], 0
    for user, at in zip(senders, due, strict=False):
        times = arrivals[user]
        position = bisect_left(times, at)
        if position < len(times) and times[position] - at < SPACING_S:
            latencies.append(times[position] - at)
        else:
            unanswered += 1
    acks = [lat for lat in result.latencies_s if lat is not None]
    rss = service.rss_mb()
    stats = {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
             "p99": percentile(latencies, 99), "max": max(latencies, default=float("nan")),
             "answered": len(latencies), "sent": count, "unanswered": unanswered,
             "ack_p99": percentile(acks, 99), "drain_s": drain, "rss_mb": rss,
             "replies": kinds.get("reply", 0), "pushes": kinds.get("push", 0)}
    database = service.database_url.split(":")[0].split("+")[0]
    text = table(
        ["measure", "value"],
        [["messages sent", f"{count} at {rate:g}/s from {residents} consented residents"],
         ["answered (reply at the emulator)", f"{len(latencies)} ({unanswered} not within "
                                              f"{SPACING_S:g} s)"],
         ["webhook -> reply p50 ms", ms(stats["p50"])],
         ["webhook -> reply p95 ms", ms(stats["p95"]) + "   (target <= 300)"],
         ["webhook -> reply p99 ms", ms(stats["p99"])],
         ["webhook -> reply max ms", ms(stats["max"])],
         ["POST /callback p99 ms (same run)", ms(stats["ack_p99"])],
         ["API calls at the emulator", f"{kinds.get('reply', 0)} replies, "
                                       f"{kinds.get('push', 0)} pushes"],
         ["service RSS after the run", f"{rss:.0f} MB"]],
        f"End to end ({database}, {seconds:g} s at {rate:g} messages/s, full tagging + "
        f"directory path)")
    return text, stats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    from harness import database_url
    with database_url(args.database) as url, BenchService(url) as service:
        print(run(service, args.seconds, args.rate)[0])


if __name__ == "__main__":
    main()
