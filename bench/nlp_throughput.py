"""Throughput of bot.nlp: full pipeline vs plain fugashi tokenisation, in one run.

    python bench/nlp_throughput.py [--n 20000]

Corpus: generated phone-style sentences (plus ../shared/eval texts if present).
Prints messages/s for both, their ratio, and the process RSS after loading.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SUBJECTS = ["母", "父", "息子", "娘", "夫", "彼氏", "ばあちゃん", "友達", "私", "兄"]
SITUATIONS = [
    "が部屋から出てこない", "の介護で毎日へとへと", "に殴られた", "が学校に行けてない", "が仕事を探してる",
    "の借金の取り立てがくる", "が眠れないって言ってる", "が一人で寂しそう", "の家賃が払えない", "がゴミ屋敷になってる",
    "が保育園に落ちた", "の障害者手帳の更新をしたい", "がリボ払いで困ってる", "がもう無理って言ってる",
]
TAILS = ["。どうしたらいいですか", "…", "。相談できますか？", "ｗ", "😢", "。電話番号教えて",
         "。河東町です", "。もう限界"]
EXTRA = ["こんにちは", "ありがとうございました！", "ｼﾆﾀｲ", "死ぬほど眠いｗ", "がっこう いきたくない",
         "住民票ってどこで取れますか"]


PREFIX = ["", "すみません。", "{n}歳の", "{n}年前から", "昨日から", "この{n}日、", "{n}月になってから", "実は、"]


def corpus(n: int) -> list[str]:
    """Distinct messages (the analyzer caches normalisation of repeated text, so a corpus of
    repeats would flatter it)."""
    rnd = random.Random(42)
    texts: list[str] = []
    seen: set[str] = set()
    tries = 0
    while len(texts) < n and tries < n * 20:
        tries += 1
        t = (rnd.choice(PREFIX).format(n=rnd.randint(2, 99)) + rnd.choice(SUBJECTS) + rnd.choice(SITUATIONS)
             + rnd.choice(TAILS))
        if t not in seen:
            seen.add(t)
            texts.append(t)
    texts += EXTRA
    # the training corpus's own wording: every register and length the writers used
    for path in sorted((ROOT / "data" / "nlp" / "corpus").glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    dev = ROOT.parent / "shared" / "eval" / "consultations_dev.jsonl"
    if dev.exists():
        texts += [json.loads(line)["text"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    texts = corpus(args.n)

    from bot.nlp import analyze
    from bot.nlp.lexicon import load_lexicon
    from bot.nlp.model import DEFAULT_MODEL, LinearModel
    from bot.nlp.normalize import normalize
    from bot.nlp.tokenizer import get_tagger

    t0 = time.perf_counter()
    tagger = get_tagger()
    lex = load_lexicon()
    analyze("準備")
    load_s = time.perf_counter() - t0
    rss = rss_mb()
    t1 = time.perf_counter()
    model = LinearModel.load(DEFAULT_MODEL)   # a second load, timed alone
    model_s = time.perf_counter() - t1
    del model

    def plain():
        for t in texts:
            [(n.surface, n.feature.lemma) for n in tagger(t)]

    def full():
        for t in texts:
            analyze(t)
        normalize.cache_clear()  # every repeat starts cold

    # interleaved repeats, best of each: both sides see the same machine load
    runs: dict[str, list[float]] = {"plain fugashi": [], "full pipeline": []}
    for _ in range(args.repeat):
        for name, fn in (("plain fugashi", plain), ("full pipeline", full)):
            s = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - s)
    best = {name: len(texts) / min(r) for name, r in runs.items()}
    ratio = best["full pipeline"] / best["plain fugashi"]
    print(f"corpus: {len(texts)} messages, avg {sum(map(len, texts)) / len(texts):.1f} chars; "
          f"lexicon: {lex.n_patterns} phrase patterns, {len(lex.index)} index keys")
    print(f"{'pipeline':<16}{'messages/s':>12}")
    for name, v in best.items():
        print(f"{name:<16}{v:>12,.0f}")
    print(f"{'ratio full/plain':<16}{ratio:>12.2f}   (target >= 0.40, full >= 3,000 msg/s)")
    print(f"load time {load_s:.2f}s (model file {DEFAULT_MODEL.stat().st_size / 1e6:.1f} MB loads alone in "
          f"{model_s:.2f}s; target <= 2 s, <= 20 MB), RSS after loading {rss:.1f} MB (target <= 250 MB)")


if __name__ == "__main__":
    main()
