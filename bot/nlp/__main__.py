"""CLI:  python -m bot.nlp tag  |  python -m bot.nlp evaluate FILE.jsonl [--towns FILE] [--errors]

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


def cmd_tag(args) -> int:
    towns = _load_towns(args.towns)
    for line in sys.stdin:
        if not line.strip():
            continue
        row = json.loads(line)
        a = analyze(row.get("text") or "", row.get("context") or (), towns)
        evidence = {f.key: [s.text for s in f.evidence] for f in a.fields}
        out = {
            "id": row.get("id"),
            "fields": a.field_keys,
            "risk": a.risk,
            "handoff": a.handoff,
            "area": a.area,
            "patterns": a.patterns,
            "evidence": {
                "fields": evidence,
                "risk": [s.text for s in a.risk_evidence],
                "risk_kinds": a.risk_kinds,
                "mentions": [{"text": m.span.text, "reason": m.reason} for m in a.mentions],
                "handoff_reasons": a.handoff_reasons,
                "intents": a.intents,
            },
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


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
                      f"pred={sorted(p['fields'])}/{p['risk']}/{p['handoff']}  {g['text'][:60]}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bot.nlp")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tag", help="JSON Lines on stdin -> one JSON line per input")
    t.add_argument("--towns", help="file of town names (one per line, or YAML); default: the towns of every "
                                   "municipality in the service directory; --towns '' for none")
    t.set_defaults(func=cmd_tag)
    e = sub.add_parser("evaluate", help="score a labelled JSON Lines file")
    e.add_argument("file")
    e.add_argument("--towns", help="file of town names (one per line, or YAML); default: the towns of every "
                                   "municipality in the service directory; --towns '' for none")
    e.add_argument("--errors", action="store_true", help="list mismatching messages")
    e.set_defaults(func=cmd_evaluate)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
