"""Statistics for the plan's evaluation, with charts and a CSV of the aggregates."""
from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import Session

from admin import labels, tagger_agreement
from admin.stats_data import (MONTH_YEARS, bar_chart, compute, default_range, parse_month,
                              stacked_month_chart, to_csv)
from admin.web import audit, db, render, require_staff, secure
from bot.models import StaffUser

router = APIRouter()


def _month(name: str, value: Optional[str], default: str) -> str:
    if not value:
        return default
    month = parse_month(value)
    if month is None:
        low, high = MONTH_YEARS
        raise HTTPException(400, f"{name}: a month YYYY-MM between {low}-01 and {high}-12")
    return month


def _range(first: Optional[str], last: Optional[str]) -> tuple[str, str]:
    default_first, default_last = default_range()
    first, last = _month("first", first, default_first), _month("last", last, default_last)
    return (first, last) if first <= last else (last, first)


@router.get("/admin/stats")
def stats_page(request: Request, first: Optional[str] = None, last: Optional[str] = None,
               staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    first, last = _range(first, last)
    stats = compute(session, request.app.state.runtime.hours, first, last)
    charts = {
        "fields": stacked_month_chart(stats),
        "field_totals": bar_chart([(labels.field_label(k), stats.field_totals.get(k, 0))
                                   for k in labels.FIELD_LABELS], "分野別の相談件数"),
        "risk": bar_chart([(labels.RISK_LABELS[k], stats.risk.get(k, 0))
                           for k in ("emergency", "high", "none")], "危険度", "#d62728"),
        "referrals": bar_chart(sorted(stats.referrals.items(), key=lambda kv: -kv[1]),
                               "つないだ先の機関", "#2ca02c"),
        "close": bar_chart([(labels.CLOSE_REASON_LABELS.get(k, k), v)
                            for k, v in sorted(stats.close_reasons.items())], "終了の理由", "#9467bd"),
    }
    return render(request, "stats.html", {"stats": stats, "charts": charts,
                                          "first": first, "last": last,
                                          "agreement": tagger_agreement.by_month(session, stats.months),
                                          "percent": tagger_agreement.percent})


@router.get("/admin/stats.csv")
def stats_csv(request: Request, first: Optional[str] = None, last: Optional[str] = None,
              staff: StaffUser = Depends(require_staff), session: Session = Depends(db)):
    first, last = _range(first, last)
    stats = compute(session, request.app.state.runtime.hours, first, last)
    audit(session, staff, "stats.export", detail=f"{first}..{last}")
    session.commit()
    body = "\ufeff" + to_csv(stats)           # BOM: Excel opens UTF-8 Japanese correctly
    response = Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="yorisoi-stats-{first}-{last}.csv"'})
    return secure(request, response)
