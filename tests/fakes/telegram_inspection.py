"""Inspection and waiting helpers of the fake Telegram Bot API: the calls the bot made, the
chats' current state, and waits for calls, texts or idleness."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from tests.fakes.telegram_methods import BotApiMethods
from tests.fakes.telegram_model import (
    CANONICAL,
    SENT_OR_EDITED,
    TEXT_METHODS,
    ApiError,
    Call,
    ChatState,
    JSONDict,
    StoredMessage,
    WebhookDelivery,
    render_text,
)


class CallInspection(BotApiMethods):
    """What tests read and await on the fake; FakeBotApi records the calls and serves them."""

    calls: list[Call]
    server_errors: list[str]
    _marks: dict[int, int]
    _in_flight: int
    _last_activity: float
    _posting: int
    webhook_deliveries: list[WebhookDelivery]

    # ------------------------------------------------------------------ inspection

    @property
    def unconfirmed(self) -> list[int]:
        """update_ids queued but not yet confirmed by a getUpdates offset or (webhook mode)
        delivered with a 2xx answer."""
        return [int(update["update_id"]) for update in self._pending]

    def deliveries_of(self, update_id: int) -> list[WebhookDelivery]:
        """The webhook POSTs of this update (forged ones included), in order."""
        return [d for d in self.webhook_deliveries if d.update_id == update_id]

    def sent_to(self, chat_id: int) -> list[Call]:
        """Successful sendMessage/sendPhoto/sendDocument/editMessage* calls for the chat."""
        return [
            call
            for call in self.calls
            if call.ok and call.method in SENT_OR_EDITED and call.chat_id == chat_id
        ]

    def texts_to(self, chat_id: int) -> list[str]:
        """Texts (or captions) of :meth:`sent_to` calls, in order."""
        return [call.text for call in self.sent_to(chat_id)]

    def messages(self, chat_id: int) -> list[JSONDict]:
        """Current state (Bot API Message dicts) of all messages in the chat, by message_id."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [chat.messages[key].data for key in sorted(chat.messages)]

    def last_markup(self, chat_id: int) -> list[list[JSONDict]] | None:
        """inline_keyboard of the bot message most recently sent/edited in the chat, or None."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return None
        bot_messages = [m for m in chat.messages.values() if m.from_bot]
        if not bot_messages:
            return None
        latest = max(bot_messages, key=lambda m: m.touched)
        if latest.markup is None:
            return None
        keyboard: list[list[JSONDict]] = latest.markup["inline_keyboard"]
        return keyboard

    def buttons(self, chat_id: int) -> list[tuple[str, str]]:
        """(label, callback_data) of the latest sent/edited message with an inline keyboard."""
        chat = self._chats.get(chat_id)
        stored = None if chat is None else self._latest_with_keyboard(chat)
        return [] if stored is None else self._buttons_of(stored)

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Labels of the reply keyboard currently shown in the chat, or None."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.reply_keyboard is None:
            return None
        return [
            [b["text"] if isinstance(b, dict) else str(b) for b in row]
            for row in chat.reply_keyboard.get("keyboard", [])
        ]

    def my_commands(
        self, language_code: str = "", scope: JSONDict | None = None
    ) -> list[tuple[str, str]]:
        """(command, description) pairs set via setMyCommands for this scope/language."""
        commands = self._commands.get(self._commands_key(scope, language_code), [])
        return [(str(c.get("command")), str(c.get("description"))) for c in commands]

    def describe(self, last: int = 8) -> str:
        """A human-readable summary of recent calls and state, for assertion messages."""
        calls = [c for c in self.calls if c.method != "getUpdates"][-last:]
        lines = [f"last {len(calls)} non-getUpdates calls:"]
        for call in calls:
            text = call.text.replace("\n", "\\n")
            status = "ok" if call.ok else f"{call.status} {call.description}"
            lines.append(f"  {call.method} chat={call.chat_id} [{status}] {text[:100]!r}")
        lines.append(f"unconfirmed updates: {self.unconfirmed}")
        if self._webhook is not None:
            lines.append(f"webhook: {self._webhook.url}; last POSTs:")
            for delivery in self.webhook_deliveries[-last:]:
                state = "ok" if delivery.ok else f"{delivery.status} {delivery.error}"
                lines.append(f"  update {delivery.update_id} attempt {delivery.attempt} "
                             f"[{state}]" + ("" if delivery.genuine else " (forged)"))
        polls = sum(1 for c in self.calls if c.method == "getUpdates")
        lines.append(f"getUpdates calls: {polls}")
        if self.server_errors:
            lines.append(f"SERVER ERRORS: {self.server_errors}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ waiting helpers

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
        what: str = "",
    ) -> None:
        """Wait until ``predicate()`` is true (checked every 10 ms) or raise AssertionError."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                name = what or getattr(predicate, "__name__", repr(predicate))
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {name}\n{self.describe()}"
                )
            await asyncio.sleep(0.01)

    async def wait_calls(
        self,
        method: str,
        count: int = 1,
        chat_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` (to ``chat_id``) were made."""
        name = CANONICAL.get(method.lower(), method)

        def matching() -> list[Call]:
            return [
                c
                for c in self.calls
                if c.method == name and (chat_id is None or c.chat_id == chat_id)
            ]

        await self.wait_for(
            lambda: len(matching()) >= count,
            timeout,
            f"{count} {name} call(s)" + (f" to chat {chat_id}" if chat_id is not None else ""),
        )
        return matching()

    async def wait_text(
        self,
        chat_id: int,
        contains: str,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        since: int | None = None,
    ) -> Call:
        """Wait for a successful sendMessage/editMessageText to the chat containing ``contains``.

        Only calls made after the latest update injected for that chat count (or after
        index ``since`` into ``calls``). The substring is matched against the raw text and the
        HTML-rendered text.
        """
        start = self._marks.get(chat_id, 0) if since is None else since
        found: list[Call] = []

        def seen() -> bool:
            for call in self.calls[start:]:
                if call.ok and call.method in TEXT_METHODS and call.chat_id == chat_id:
                    text = call.text
                    with contextlib.suppress(ApiError):
                        text += "\0" + render_text(text, call.params.get("parse_mode"))
                    if contains in text:
                        found.append(call)
                        return True
            return False

        await self.wait_for(seen, timeout, f"a text containing {contains!r} to chat {chat_id}")
        return found[0]

    async def wait_delivered(
        self, update_id: int, timeout: float = 10.0  # noqa: ASYNC109
    ) -> list[WebhookDelivery]:
        """Wait until the webhook delivery of this update is over (the bot answered 2xx, or the
        fake gave up after its retries) and return its POSTs (:meth:`deliveries_of`)."""

        def over() -> bool:
            delivered = any(d.genuine for d in self.deliveries_of(update_id))
            return delivered and all(u["update_id"] != update_id for u in self._pending)

        await self.wait_for(over, timeout, f"the webhook delivery of update {update_id}")
        return self.deliveries_of(update_id)

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until all injected updates are confirmed (by a getUpdates offset or a 2xx
        webhook answer), no webhook POST and no call is in flight, and no call arrived for
        ``quiet`` s."""

        def idle() -> bool:
            return (
                not self._pending
                and self._in_flight == 0
                and self._posting == 0
                and time.monotonic() - self._last_activity >= quiet
            )

        await self.wait_for(idle, timeout, f"the bot to be idle for {quiet}s")

    # ------------------------------------------------------------------ internals: keyboards

    @staticmethod
    def _latest_with_keyboard(chat: ChatState) -> StoredMessage | None:
        candidates = [m for m in chat.messages.values() if m.from_bot and m.markup is not None]
        return max(candidates, key=lambda m: m.touched) if candidates else None

    @staticmethod
    def _buttons_of(stored: StoredMessage) -> list[tuple[str, str]]:
        if stored.markup is None:
            return []
        result: list[tuple[str, str]] = []
        for row in stored.markup["inline_keyboard"]:
            for button in row:
                target = button.get("callback_data", button.get("url", ""))
                result.append((str(button.get("text", "")), str(target)))
        return result
