"""APScheduler jobs run inside the service: outbox retries, due follow-ups, the
retention purge, and forgetting deleted residents' LINE user IDs. Every job claims its
work, so several service processes can run the same schedule against one database."""
from __future__ import annotations

import logging
from typing import Optional

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.line.outbox import OutboxSender

log = logging.getLogger(__name__)

OUTBOX_RETRY_EVERY_S = 2
FORGET_DELETED_EVERY_S = 30     # how soon a deleted resident's LINE user ID is dropped


def build_scheduler(engine: Engine, settings: Settings, sender: OutboxSender,
                    followups: Optional[object] = None) -> BackgroundScheduler:
    """`followups` is a bot.followups.FollowUpDispatcher (one is made when not given)."""
    from bot.followups import FollowUpDispatcher
    from bot.erasure import forget_deleted_residents
    from bot.retention import purge_expired

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(sender.send_due, "interval", seconds=OUTBOX_RETRY_EVERY_S,
                      id="outbox-retry", max_instances=1, coalesce=True)
    dispatcher = followups or FollowUpDispatcher(engine, settings, sender)
    scheduler.add_job(dispatcher.tick, "interval", seconds=settings.followup_dispatch_every_s,
                      id="followups", max_instances=1, coalesce=True)
    scheduler.add_job(purge_expired, "interval", seconds=settings.retention_every_s,
                      args=[engine, settings.retention_days], id="retention",
                      max_instances=1, coalesce=True)
    scheduler.add_job(forget_deleted_residents, "interval", seconds=FORGET_DELETED_EVERY_S,
                      args=[engine], id="forget-deleted", max_instances=1, coalesce=True)
    return scheduler
