"""A channel whose plan caps the messages a month (Zalo's Basic plan: 3,000): every message
sent is counted, the admins are told when 70, 85 and 95% of the month's are used, and once all
are, nothing more is tried until the month renews (the outcome is QUOTA: a broadcast pauses)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.core.context import Services
from bot.core.events import Reply
from bot.core.shared import outbox
from bot.delivery.outcomes import Outcome, Part, Result, Sender
from bot.storage import usage

log = logging.getLogger(__name__)


def month_of(moment: datetime, services: Services) -> str:
    """The local month, YYYY-MM, that a send counts in."""
    return moment.astimezone(services.config.timezone).strftime("%Y-%m")


class CountedSender:
    """Wraps a channel's Sender: each message sent counts against the month's quota."""

    def __init__(self, inner: Sender, services: Services, channel: str, monthly: int,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.inner, self.services = inner, services
        self.channel, self.monthly = channel, monthly
        self.clock = clock
        self._used: tuple[str, int] | None = None  # (month, sent): the last count seen

    async def send(self, chat: str, part: Part) -> Outcome:
        """Send through the channel unless the month's messages are used up; count it when it
        went out."""
        month = month_of(self.clock(), self.services)
        if self._used is None or self._used[0] != month:
            self._used = (month, await usage.sent_in(self.services.db, self.channel, month))
        if self._used[1] >= self.monthly:
            return Outcome(Result.QUOTA, f"the month's {self.monthly} messages are used up")
        outcome = await self.inner.send(chat, part)
        if outcome.result is Result.SENT:
            try:
                await self._count(outcome.messages)
            except Exception:  # counting must never make a sent message look failed
                log.exception("%s: could not count a message against the quota", self.channel)
        return outcome

    async def _count(self, messages: int) -> None:
        month = month_of(self.clock(), self.services)
        sent, warned = await usage.add_sent(self.services.db, self.channel, month, messages)
        self._used = (month, sent)
        percent = sent * 100 // self.monthly
        level = usage.warn_level(sent, self.monthly)
        if level > warned and await usage.warned(self.services.db, self.channel, month, level):
            log.warning("%s: %s of this month's %s messages used (%s%%)", self.channel, sent,
                        self.monthly, percent)
            await self._tell_admins(sent, percent)

    async def _tell_admins(self, sent: int, percent: int) -> None:
        services = self.services
        admins = await outbox.admins(services)
        now = self.clock()
        async with services.db.transaction() as conn:
            for admin in admins:
                t = services.translations.get(admin.locale)
                text = t._("⚠ {channel}: {sent} of this month's {limit} messages are used "
                           "({percent}%). When they run out, {channel} delivers nothing more "
                           "until next month.").format(
                    channel=self.channel.capitalize(), sent=t.number(sent),
                    limit=t.number(self.monthly), percent=percent)
                await outbox.notify(conn, admin, Reply(text), now)
