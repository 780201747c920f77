"""Figures for the plan's evaluation (推進会議): aggregates only, never message text."""
from __future__ import annotations

import csv
import io
import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional

from markupsafe import Markup, escape
from sqlmodel import Session, select

from admin import labels
from bot import clock
from bot.hours import BusinessHours
from bot.models import Case, DeletionRecord, FollowUp


def month_keys(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    end_year, end_month = map(int, last.split("-"))
    keys = []
    while (year, month) <= (end_year, end_month) and len(keys) < 60:
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def default_range(months: int = 6) -> tuple[str, str]:
    today = clock.to_jst(clock.now()).date()
    year, month = today.year, today.month - (months - 1)
    while month <= 0:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}", f"{today.year:04d}-{today.month:02d}"


def _month_start_utc(key: str) -> datetime:
    year, month = map(int, key.split("-"))
    return clock.from_jst(datetime(year, month, 1))


def _next_month(key: str) -> str:
    year, month = map(int, key.split("-"))
    return f"{year + 1:04d}-01" if month == 12 else f"{year:04d}-{month + 1:02d}"


def percentile(values: list[float], p: float) -> Optional[float]:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Stats:
    months: list[str]
    consultations: dict[str, int] = field(default_factory=dict)          # month -> cases
    by_field: dict[str, Counter] = field(default_factory=dict)           # month -> field -> n
    field_totals: Counter = field(default_factory=Counter)
    risk: Counter = field(default_factory=Counter)
    handoffs: dict[str, int] = field(default_factory=dict)               # month -> queued cases
    handoff_reasons: Counter = field(default_factory=Counter)
    first_response_n: int = 0
    first_response_median: Optional[float] = None                        # business seconds
    first_response_p90: Optional[float] = None
    referrals: Counter = field(default_factory=Counter)                  # agency -> cases
    tamokan: int = 0                                                     # closed as 多機関協働へ
    tamokan_flagged: int = 0          # cases flagged 多機関協働 during the period
    tamokan_agencies: Counter = field(default_factory=Counter)           # agency -> those cases
    close_reasons: Counter = field(default_factory=Counter)
    patterns: Counter = field(default_factory=Counter)
    followups_sent: int = 0
    followups_answered: int = 0
    deletions: int = 0

    @property
    def total(self) -> int:
        return sum(self.consultations.values())


def compute(session: Session, hours: BusinessHours, first: str, last: str) -> Stats:
    months = month_keys(first, last)
    stats = Stats(months=months)
    start, end = _month_start_utc(months[0]), _month_start_utc(_next_month(months[-1]))
    for key in months:
        stats.consultations[key], stats.handoffs[key], stats.by_field[key] = 0, 0, Counter()
    cases = session.exec(select(Case).where(Case.opened_at >= start, Case.opened_at < end)).all()
    response_times = []
    for case in cases:
        key = clock.month_key(case.opened_at)
        if key not in stats.consultations:
            continue
        stats.consultations[key] += 1
        for name in case.fields or []:
            stats.by_field[key][name] += 1
            stats.field_totals[name] += 1
        stats.risk[case.risk or "none"] += 1
        stats.patterns.update(case.patterns or [])
        if case.queued_at is not None:
            stats.handoffs[key] += 1
            stats.handoff_reasons.update(case.handoff_reasons or [])
            if case.first_response_at is not None:
                response_times.append(hours.seconds_between(case.queued_at, case.first_response_at))
        if case.referred_agency:
            stats.referrals[case.referred_agency] += 1
        if case.status == "closed" and case.close_reason:
            stats.close_reasons[case.close_reason] += 1
            if case.close_reason == "tamokan":
                stats.tamokan += 1
    stats.first_response_n = len(response_times)
    if response_times:
        stats.first_response_median = statistics.median(response_times)
        stats.first_response_p90 = percentile(response_times, 90)
    followups = session.exec(select(FollowUp).where(FollowUp.sent_at >= start,
                                                    FollowUp.sent_at < end)).all()
    stats.followups_sent = len(followups)
    stats.followups_answered = sum(1 for f in followups if f.answered_at is not None)
    stats.deletions = len(session.exec(select(DeletionRecord.id).where(
        DeletionRecord.at >= start, DeletionRecord.at < end)).all())
    flagged = session.exec(select(Case.tamokan_agencies).where(
        Case.tamokan_at >= start, Case.tamokan_at < end)).all()
    stats.tamokan_flagged = len(flagged)
    for agencies in flagged:
        stats.tamokan_agencies.update(agencies or [])
    return stats


def to_csv(stats: Stats) -> str:
    """section, month, key, label, value — counts and durations only."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "month", "key", "label", "value"])
    for month in stats.months:
        writer.writerow(["consultations", month, "all", "相談件数", stats.consultations[month]])
        for key, label in labels.FIELD_LABELS.items():
            writer.writerow(["field", month, key, label, stats.by_field[month].get(key, 0)])
        writer.writerow(["handoffs", month, "all", "職員へ引き継ぎ", stats.handoffs[month]])
    for key in ("none", "high", "emergency"):
        writer.writerow(["risk", "", key, labels.RISK_LABELS[key], stats.risk.get(key, 0)])
    for key, value in sorted(stats.handoff_reasons.items()):
        writer.writerow(["handoff_reason", "", key, labels.HANDOFF_LABELS.get(key, key), value])
    writer.writerow(["first_response", "", "n", "初回応答のあった件数", stats.first_response_n])
    writer.writerow(["first_response", "", "median_business_seconds", "初回応答時間の中央値（業務時間・秒）",
                     _num(stats.first_response_median)])
    writer.writerow(["first_response", "", "p90_business_seconds", "初回応答時間の90パーセンタイル（業務時間・秒）",
                     _num(stats.first_response_p90)])
    for agency, value in sorted(stats.referrals.items()):
        writer.writerow(["referral", "", "agency", _cell(agency), value])
    writer.writerow(["tamokan", "", "tamokan", "多機関協働へ", stats.tamokan])
    writer.writerow(["tamokan", "", "flagged", "多機関協働（設定した相談）", stats.tamokan_flagged])
    for agency, value in sorted(stats.tamokan_agencies.items()):
        writer.writerow(["tamokan_agency", "", "agency", _cell(agency), value])
    for key, value in sorted(stats.close_reasons.items()):
        writer.writerow(["close_reason", "", key, labels.CLOSE_REASON_LABELS.get(key, key), value])
    for key, value in sorted(stats.patterns.items()):
        writer.writerow(["pattern", "", key, labels.pattern_label(key), value])
    writer.writerow(["followup", "", "sent", "フォローアップ送信", stats.followups_sent])
    writer.writerow(["followup", "", "answered", "フォローアップへの返答", stats.followups_answered])
    writer.writerow(["deletion", "", "deleted", "相談者によるデータ削除", stats.deletions])
    return out.getvalue()


def _num(value: Optional[float]) -> str:
    return "" if value is None else str(int(round(value)))


def _cell(value: str) -> str:
    """Keep spreadsheet formulas out of exported cells (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# ----------------------------------------------------------------------------- charts (SVG)
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a"]


def stacked_month_chart(stats: Stats) -> Markup:
    keys = list(labels.FIELD_LABELS)
    width, height, left, bottom, top = 640, 260, 40, 40, 10
    totals = [sum(stats.by_field[m].values()) for m in stats.months]
    peak = max(totals + [1])
    slot = (width - left - 10) / max(1, len(stats.months))
    bar = min(48.0, slot * 0.6)
    parts = [f'<svg class="chart" role="img" aria-label="月別・分野別の相談件数" viewBox="0 0 {width} {height + 120}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    plot = height - bottom - top
    parts.append(f'<line x1="{left}" y1="{top + plot}" x2="{width - 5}" y2="{top + plot}" stroke="#333"/>')
    parts.append(f'<text x="{left - 5}" y="{top + 10}" text-anchor="end" font-size="11">{peak}</text>')
    for index, month in enumerate(stats.months):
        x = left + index * slot + (slot - bar) / 2
        y = top + plot
        for color, key in zip(PALETTE, keys, strict=False):
            value = stats.by_field[month].get(key, 0)
            if not value:
                continue
            h = plot * value / peak
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color}">'
                         f'<title>{escape(month)} {escape(labels.field_label(key))}: {value}</title></rect>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot + 16}" text-anchor="middle" '
                     f'font-size="11">{escape(month)}</text>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                     f'font-size="10">{stats.consultations[month]}</text>')
    for index, (color, key) in enumerate(zip(PALETTE, keys, strict=False)):
        lx, ly = left + (index % 4) * 150, height + 5 + (index // 4) * 20
        parts.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{color}"/>')
        parts.append(f'<text x="{lx + 16}" y="{ly + 11}" font-size="11">{escape(labels.field_label(key))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(items: list[tuple[str, int]], title: str, color: str = "#1f77b4") -> Markup:
    rows = len(items) or 1
    width, row_h, label_w = 640, 24, 220
    peak = max([value for _, value in items] + [1])
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {rows * row_h + 10}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    if not items:
        parts.append('<text x="5" y="18" font-size="12">データなし</text>')
    for index, (label, value) in enumerate(items):
        y = 5 + index * row_h
        w = (width - label_w - 60) * value / peak
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{color}"/>')
        parts.append(f'<text x="{label_w + w + 5:.1f}" y="{y + 15}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


MONTH_YEARS = (2000, 2099)        # the months the statistics can be asked for


def parse_month(value: Optional[str]) -> Optional[str]:
    """`YYYY-MM` normalised, or None when it is not a month within MONTH_YEARS."""
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value + "-01")
    except ValueError:
        return None
    if not MONTH_YEARS[0] <= parsed.year <= MONTH_YEARS[1]:
        return None
    return f"{parsed.year:04d}-{parsed.month:02d}"
