"""The reminders job: each learner due one gets it through the outbox (the delivery engine,
under the channel's budget), and it is recorded in the same transaction."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.context import Services
from bot.core.events import Button, Reply
from bot.core.reminders.ids import CHOOSE, NO_LESSON, OFF
from bot.core.reminders.rules import AFTER_DAYS, WEEK_DAYS, daytime, quota_left
from bot.core.shared import outbox
from bot.core.shared.menus import OPEN_LESSON
from bot.storage import reminders as store
from bot.storage import usage
from bot.storage.reminders import Due

log = logging.getLogger(__name__)


async def send_reminders(services: Services, now: datetime) -> int:
    """Queue the reminders due now (none at night or past a capped app's share); their count."""
    config = services.config
    if not daytime(now, config.timezone):
        return 0
    month = now.astimezone(config.timezone).strftime("%Y-%m")
    full = {channel for channel, monthly in config.monthly_quotas.items()
            if not quota_left(await usage.sent_in(services.db, channel, month), monthly)}
    due = [d for d in await store.due(services.db, now - timedelta(days=AFTER_DAYS),
                                      now - timedelta(days=WEEK_DAYS))
           if d.channel not in full and d.lesson_id in services.catalog.lessons]
    if not due:
        return 0
    found = {r.user_id: r for r in await outbox.recipients(services, [d.user_id for d in due])}
    async with services.db.transaction() as conn:
        for item in due:
            recipient = found.get(item.user_id)
            if recipient is None:
                continue
            await outbox.notify(conn, recipient, _reminder(services, item), now)
            await store.mark_sent(conn, item.user_id, now)
    log.info("queued %s lesson reminder(s)", len(due))
    return len(due)


def _reminder(services: Services, item: Due) -> Reply:
    t = services.translations.get(item.locale)
    lesson = services.catalog.lessons[item.lesson_id]
    steps = len(lesson.steps)
    where = (t._("step {number} of {count}").format(number=item.position + 1, count=steps)
             if item.position < steps else t._("the quiz"))
    text = t._("🔔 You stopped at {where} of “{title}”. Type /continue to go on where you left "
               "it. (To stop these reminders, type /stopreminders.)").format(
        where=where, title=lesson.title[t.locale])
    return Reply(text, ((Button(t._("▶ Continue"), OPEN_LESSON(lesson.id)),),
                        (Button(t._("🔕 Stop reminders"), CHOOSE(OFF, NO_LESSON)),)))
