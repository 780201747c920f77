"""Score predictions against a labelled JSON Lines file (../shared/eval/README.md)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from .analyzer import analyze
from .result import FIELD_KEYS, RISK_LEVELS


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(gold: list[dict], pred: dict[str, dict]) -> dict:
    per = {k: [0, 0, 0] for k in FIELD_KEYS}
    conf = {g: {p: 0 for p in RISK_LEVELS} for g in RISK_LEVELS}
    hand_ok = hand_true = hand_true_hit = 0
    ask = {level: 0 for level in RISK_LEVELS}  # asked (not tagged emergency), by gold level
    area_ok = area_n = 0
    for g in gold:
        p = pred[g["id"]]
        gf, pf = set(g.get("fields") or []), set(p.get("fields") or [])
        for k in FIELD_KEYS:
            if k in gf and k in pf:
                per[k][0] += 1
            elif k in pf:
                per[k][1] += 1
            elif k in gf:
                per[k][2] += 1
        conf[g["risk"]][p["risk"]] += 1
        if p.get("ask") and p["risk"] != "emergency":
            ask[g["risk"]] += 1
        if bool(g["handoff"]) == bool(p["handoff"]):
            hand_ok += 1
        if g["handoff"]:
            hand_true += 1
            hand_true_hit += bool(p["handoff"])
        if "area" in g:
            area_n += 1
            area_ok += (g.get("area") or None) == (p.get("area") or None)
    n = len(gold)
    fields = {k: dict(zip(("tp", "fp", "fn"), v, strict=True), **dict(zip(("p", "r", "f1"), _f1(*v), strict=True)))
              for k, v in per.items()}
    tp = sum(v[0] for v in per.values())
    fp = sum(v[1] for v in per.values())
    fn = sum(v[2] for v in per.values())
    micro = _f1(tp, fp, fn)[2]
    macro = sum(f["f1"] for f in fields.values()) / len(FIELD_KEYS)
    n_em = sum(conf["emergency"].values())
    n_hi = sum(conf["high"].values())
    n_none = sum(conf["none"].values())
    return {
        "n": n,
        "fields": fields,
        "micro_f1": micro,
        "macro_f1": macro,
        "confusion": conf,
        "emergency_recall": conf["emergency"]["emergency"] / n_em if n_em else 0.0,
        "emergency_as_none": conf["emergency"]["none"],
        # emergencies not tagged emergency that the ask-step still reaches, and those it does not
        "emergency_caught_by_ask": ask["emergency"],
        "emergency_neither": n_em - conf["emergency"]["emergency"] - ask["emergency"],
        "ask_rate_calm": ask["none"] / n_none if n_none else 0.0,
        "high_recall": (conf["high"]["high"] + conf["high"]["emergency"]) / n_hi if n_hi else 0.0,
        "at_risk_recall": (conf["high"]["high"] + conf["high"]["emergency"] + conf["emergency"]["high"]
                           + conf["emergency"]["emergency"]) / (n_hi + n_em) if n_hi + n_em else 0.0,
        "false_alarm_rate": (conf["none"]["high"] + conf["none"]["emergency"]) / n_none if n_none else 0.0,
        "handoff_accuracy": hand_ok / n if n else 0.0,
        "handoff_recall": hand_true_hit / hand_true if hand_true else 0.0,
        "area_exact": area_ok / area_n if area_n else 0.0,
    }


def format_report(s: dict) -> str:
    lines = [f"messages: {s['n']}", "", "field        P      R      F1     TP  FP  FN",
             "-----------  -----  -----  -----  --- --- ---"]
    for k, v in s["fields"].items():
        lines.append(f"{k:<11}  {v['p']:.3f}  {v['r']:.3f}  {v['f1']:.3f}  {v['tp']:>3} {v['fp']:>3} {v['fn']:>3}")
    lines += [f"micro-F1     {s['micro_f1']:.3f}", f"macro-F1     {s['macro_f1']:.3f}", "",
              "risk confusion (rows = gold, cols = predicted)",
              "gold\\pred    none   high   emergency"]
    for g in RISK_LEVELS:
        row = s["confusion"][g]
        lines.append(f"{g:<11}  {row['none']:>5}  {row['high']:>5}  {row['emergency']:>9}")
    lines += ["",
              f"emergency recall      {s['emergency_recall']:.3f}",
              f"emergency -> none     {s['emergency_as_none']}",
              f"emergency caught only by the ask-step  {s['emergency_caught_by_ask']}",
              f"emergency with neither tag nor ask     {s['emergency_neither']}",
              f"ask-step on calm messages              {s['ask_rate_calm']:.3f}",
              f"high recall           {s['high_recall']:.3f}",
              f"at-risk recall        {s['at_risk_recall']:.3f}",
              f"false-alarm rate      {s['false_alarm_rate']:.3f}",
              f"handoff accuracy      {s['handoff_accuracy']:.3f}",
              f"handoff recall        {s['handoff_recall']:.3f}",
              f"area exact match      {s['area_exact']:.3f}"]
    return "\n".join(lines)


def load_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def predict(rows: Iterable[dict], towns: Iterable[str] = ()) -> dict[str, dict]:
    towns = list(towns)
    out = {}
    for r in rows:
        a = analyze(r["text"], r.get("context") or (), towns)
        out[r["id"]] = {"fields": a.field_keys, "risk": a.risk, "handoff": a.handoff, "area": a.area, "ask": a.ask}
    return out


def evaluate_file(path: str | Path, towns: Iterable[str] = ()) -> dict:
    gold = load_jsonl(path)
    return score(gold, predict(gold, towns))
