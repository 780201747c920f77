"""APScheduler jobs run inside the service: outbox retries (and, as they land,
follow-ups and the retention purge). Every job claims its work, so several service
processes can run the same schedule against one database."""
from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.outbox import OutboxSender

log = logging.getLogger(__name__)

OUTBOX_RETRY_EVERY_S = 2


def build_scheduler(engine: Engine, settings: Settings, sender: OutboxSender) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(sender.send_due, "interval", seconds=OUTBOX_RETRY_EVERY_S,
                      id="outbox-retry", max_instances=1, coalesce=True)
    return scheduler
