"""CLI:  python -m bot.nlp tag | evaluate FILE.jsonl | train [--with-local-corrections [--database-url URL]]

Area names default to the towns of every municipality in bot.directory (as the service uses
them); --towns FILE overrides, --towns '' disables (then a generic 〜町/〜に住んでる pattern is used).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .analyzer import analyze


def directory_towns() -> list[str]:
    """Every town, district and alias of every municipality in the service directory, plus the
    municipality names themselves (射水市 / 射水), as the service matches them.  Imported lazily:
    bot.nlp works without the service installed; then the list is empty."""
    try:
        from bot.directory import get_directory
    except Exception:  # pragma: no cover - the service is optional here
        return []
    d = get_directory()
    names: set[str] = set()
    for m in d.municipalities():
        towns = d.town_names(m)
        names.update(towns)
        # the old town a 町 name starts with (淀江町中西尾 -> 淀江町) is a place residents name too
        for t in towns:
            i = t.find("町")
            if 2 <= i < len(t) - 1:
                names.add(t[:i + 1])
        short = re.sub(r"^.+?[都道府県](?:.+?郡)?", "", m) or m   # 富山県射水市 -> 射水市, 東伯郡北栄町 -> 北栄町
        names.add(short)
        stem = re.sub(r"[市町村]$", "", short)
        if len(stem) >= 2:
            names.add(stem)
    return sorted(names, key=lambda n: (-len(n), n))


def _load_towns(path: str | None) -> list[str]:
    if path is None:
        return directory_towns()
    if not path:
        return []
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix in (".yaml", ".yml", ".json"):
        import yaml

        data = yaml.safe_load(text)
        names: list[str] = []

        def walk(x, key=""):
            if isinstance(x, dict):
                for k, v in x.items():
                    walk(v, str(k))
            elif isinstance(x, list):
                for v in x:
                    walk(v, key)
            elif isinstance(x, str) and key in ("towns", "town", "districts", "areas", "area", "municipality"):
                names.append(x)
        walk(data)
        return names
    return [line.strip() for line in text.splitlines() if line.strip()]


class BadLine(ValueError):
    pass


def parse_line(line: str) -> dict:
    """A JSON object with "text" (and optional "id", "context"), or a plain line of text."""
    stripped = line.strip()
    if not stripped.startswith("{"):
        return {"text": stripped}
    try:
        row = json.loads(stripped)
    except json.JSONDecodeError as e:
        raise BadLine(f"not valid JSON ({e.msg} at column {e.colno}); "
                      "plain text lines must not start with '{'") from None
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        raise BadLine('a JSON line needs a "text" string')
    context = row.get("context") or []
    if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
        raise BadLine('"context" must be a list of strings')
    return row


def tag_line(row: dict, towns: list[str]) -> dict:
    a = analyze(row["text"], row.get("context") or (), towns)
    return {
        "id": row.get("id"),
        "fields": a.field_keys,
        "risk": a.risk,
        "risk_score": a.risk_score,
        "ask": a.ask,
        "review": a.review,
        "handoff": a.handoff,
        "area": a.area,
        "patterns": a.patterns,
        "evidence": {
            "fields": {f.key: [s.text for s in f.evidence] for f in a.fields},
            "risk": [s.text for s in a.risk_evidence],
            "risk_kinds": a.risk_kinds,
            "mentions": [{"text": m.span.text, "reason": m.reason} for m in a.mentions],
            "handoff_reasons": a.handoff_reasons,
            "intents": a.intents,
        },
    }


def cmd_tag(args) -> int:
    towns = _load_towns(args.towns)
    bad = 0
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            row = parse_line(line)
        except BadLine as e:
            print(f"line {n}: {e}", file=sys.stderr)
            bad += 1
            continue
        sys.stdout.write(json.dumps(tag_line(row, towns), ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 1 if bad else 0


def cmd_evaluate(args) -> int:
    from .evaluate import format_report, load_jsonl, predict, score

    gold = load_jsonl(args.file)
    pred = predict(gold, _load_towns(args.towns))
    s = score(gold, pred)
    print(format_report(s))
    if args.errors:
        print("\nerrors:")
        for g in gold:
            p = pred[g["id"]]
            if set(g["fields"]) != set(p["fields"]) or g["risk"] != p["risk"] or bool(g["handoff"]) != p["handoff"]:
                print(f"{g['id']} gold={sorted(g['fields'])}/{g['risk']}/{g['handoff']} "
                      f"pred={sorted(p['fields'])}/{p['risk']}/{p['handoff']}{' ask' if p.get('ask') else ''}"
                      f"  {g['text'][:60]}")
    return 0


def cmd_train(args) -> int:
    from .corpus import CORPUS_DIR, CorpusError, load_corpus
    from .evaluate import format_report
    from .model import DEFAULT_MODEL
    from .train import save, train

    try:
        rows = load_corpus(Path(args.corpus) if args.corpus else CORPUS_DIR)
    except CorpusError as e:
        print(f"corpus error: {e}", file=sys.stderr)
        return 2
    local, out = [], Path(args.out) if args.out else DEFAULT_MODEL
    if args.with_local_corrections:
        # Lazily: the tagger knows no database; the service's side reads it (bot/corrections.py).
        from bot.tagger_model import LocalTrainingError, local_training_set

        try:
            local, out = local_training_set(args.database_url, args.out)
        except LocalTrainingError as e:
            print(f"local corrections: {e}", file=sys.stderr)
            return 2
    elif args.database_url:
        print("--database-url goes with --with-local-corrections", file=sys.stderr)
        return 2
    model, report = train(rows, use_rules=not args.no_rules, log=lambda m: print(m, file=sys.stderr),
                          local=local)
    print("cross-validation by writer, every row (out-of-fold):")
    print(format_report(report["all"]))
    print("\nthe same, on the reported blind sets the thresholds are chosen on:")
    print(format_report(report["calibration"]))
    print("thresholds:", json.dumps(model.thresholds, sort_keys=True))
    save(model, out)
    print(f"model: {out} ({out.stat().st_size / 1e6:.1f} MB, {len(model.vocab)} features)")
    if args.with_local_corrections:
        print(f"with {len(local)} locally corrected messages; the service reads this model when "
              f"NLP_MODEL_PATH={out}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bot.nlp")
    sub = ap.add_subparsers(dest="cmd", required=True)
    towns_help = ("file of town names (one per line, or YAML); default: the towns of every "
                  "municipality in the service directory; --towns '' for none")
    t = sub.add_parser("tag", help="JSON Lines or plain text lines on stdin -> one JSON line per input")
    t.add_argument("--towns", help=towns_help)
    t.set_defaults(func=cmd_tag)
    e = sub.add_parser("evaluate", help="score a labelled JSON Lines file")
    e.add_argument("file")
    e.add_argument("--towns", help=towns_help)
    e.add_argument("--errors", action="store_true", help="list mismatching messages")
    e.set_defaults(func=cmd_evaluate)
    tr = sub.add_parser("train", help="rebuild the model from data/nlp/ (deterministic)")
    tr.add_argument("--corpus", help="corpus folder (default data/nlp)")
    tr.add_argument("--out", help="model file (default data/nlp/model.npz)")
    tr.add_argument("--no-rules", action="store_true", help="train without the rule stage's features (comparison)")
    tr.add_argument("--with-local-corrections", action="store_true",
                    help="add this deployment's staff-corrected messages still within retention (read from "
                         "its database, never written out); --out defaults to NLP_MODEL_PATH, else var/nlp-model.npz")
    tr.add_argument("--database-url", help="with --with-local-corrections: the database (default DATABASE_URL)")
    tr.set_defaults(func=cmd_train)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
