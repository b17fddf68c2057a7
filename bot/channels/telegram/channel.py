"""Telegram updates -> core events -> Telegram messages. No business rules here."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from telegram import Chat, ChatMember, Message, MessageEntity, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.base import TELEGRAM
from bot.channels.telegram.faults import is_network_fault
from bot.channels.telegram.render import call
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.updates import Arrival, ArrivalHandler, arrival_of
from bot.core.events import EventKind, Incoming, Photo, Reply
from bot.core.service import Core
from bot.delivery.engine import DeliveryEngine
from bot.delivery.outcomes import Result
from bot.i18n import Translations

log = logging.getLogger(__name__)

CHANNEL = "telegram"
Context = ContextTypes.DEFAULT_TYPE


class TelegramChannel:
    """Turns each update into one core call and renders the replies."""

    def __init__(self, translations: Translations, allow_groups: bool = False):
        self.translations = translations
        self.allow_groups = allow_groups  # else the bot leaves a group it is added to
        self.core: Core | None = None  # set when the application starts (post_init)
        self.engine: DeliveryEngine | None = None  # likewise
        self.sender: TelegramSender | None = None  # the engine's adapter, for the spinner
        self._spinners: set[asyncio.Task[None]] = set()  # answerCallbackQuery calls under way

    def handlers(self) -> list[BaseHandler[Update, Context, None]]:
        """The handlers, in order: private texts and presses read from their JSON (nearly
        every update, updates.py), then PTB's: text (commands included), buttons, anything
        else, and what happens in groups."""
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        group = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
        return [
            ArrivalHandler(self.on_arrival),
            MessageHandler(private & filters.TEXT, self.on_text),
            CallbackQueryHandler(self.on_button),
            MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                           self.on_other),
            # Commands and mentions only: a group's own talk is not for the bot.
            MessageHandler(group & (filters.COMMAND | filters.Entity(MessageEntity.MENTION)),
                           self.on_group_text),
            ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER),
        ]

    async def on_arrival(self, update: Update, _context: Context) -> None:
        """A private text or a button press, read from the update's JSON (updates.py)."""
        arrival = arrival_of(update)
        if arrival is None:
            return
        if arrival.query_id:
            await self._press(arrival)
        else:
            await self._run(arrival, EventKind.TEXT, text=arrival.text)

    async def on_text(self, update: Update, _context: Context) -> None:
        """A typed message or command that PTB parsed."""
        message = update.effective_message
        if message is None or message.text is None:  # the filters let only text through
            return
        arrival = arrival_of(update, text=message.text)
        if arrival is not None:
            await self._run(arrival, EventKind.TEXT, text=message.text)

    async def on_other(self, update: Update, _context: Context) -> None:
        """A photo (or a picture sent as a file), sticker, voice note or other non-text message."""
        message = update.effective_message
        arrival = arrival_of(update)
        if arrival is None:
            return
        photo = photo_of(message) if isinstance(message, Message) else None
        if photo is None:
            await self._run(arrival, EventKind.UNSUPPORTED)
            return
        caption = message.caption or "" if isinstance(message, Message) else ""
        await self._run(arrival, EventKind.PHOTO, text=caption, photo=photo)

    async def on_button(self, update: Update, _context: Context) -> None:
        """A button press that PTB parsed (one on an inline message, say)."""
        query = update.callback_query
        if query is None:  # the handler is for button presses only
            return
        arrival = arrival_of(update, data=query.data or "")
        if arrival is None:  # no chat to answer in: the spinner is stopped all the same
            self._spin(query.id)
            return
        await self._press(arrival)

    async def _press(self, arrival: Arrival) -> None:
        """A button press: stop the spinner while the press is answered like any other event.
        A button pressed in a group (a forwarded message) is answered in the presser's private
        chat, never in the group, where others would read it."""
        self._spin(arrival.query_id)
        await self._run(arrival, EventKind.ACTION, action=arrival.data,
                        pressed=arrival.message_id)

    def _spin(self, query_id: str) -> None:
        # Side by side, and not awaited: the answer comes a round trip sooner, and this
        # update's slot is free as soon as the press is handled.
        spinner = asyncio.create_task(self._stop_spinner(query_id))
        self._spinners.add(spinner)
        spinner.add_done_callback(self._spinners.discard)

    async def on_group_text(self, update: Update, context: Context) -> None:
        """A message in a group: one line saying the bot works in private chats."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or self.engine is None:
            return
        t = self.translations.get(
            self.translations.negotiate(user.language_code if user else None))
        line = t._("I only work in private chats. Please write to me directly: @{username}"
                   ).format(username=context.bot.username)
        self.engine.reply(str(chat.id), [Reply(line)])

    async def on_membership(self, update: Update, context: Context) -> None:
        """Added to a group or channel: leave it, unless the configuration allows groups."""
        change = update.my_chat_member
        if change is None or _is_private(change.chat) or self.allow_groups:
            return
        if change.new_chat_member.status not in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
            return
        log.info("added to a %s chat; leaving it (telegram.allow_groups is off)",
                 change.chat.type)
        try:
            await call(context.bot, "leaveChat", chat_id=change.chat.id)
        except TelegramError as exc:
            log.warning("could not leave a %s chat: %s", change.chat.type, exc)

    async def _run(self, arrival: Arrival, kind: EventKind, text: str = "",
                   action: str = "", pressed: int | None = None,
                   photo: Photo | None = None) -> None:
        if self.core is None or self.engine is None:
            return
        event = Incoming(channel=CHANNEL, user_key=str(arrival.user_id), kind=kind,
                         sent_at=arrival.sent_at or datetime.now(UTC), capabilities=TELEGRAM,
                         text=text, action=action, locale_hint=arrival.language,
                         display_name=arrival.first_name, event_id=str(arrival.update_id),
                         sequence=arrival.update_id, photo=photo)
        replies = await self.core.handle(event)
        # Queued, not awaited: the engine paces and retries; this update's slot is free now.
        # Pressed in a group, the answer goes to the presser alone (or nowhere, when they have
        # no private chat with the bot: the engine logs the refusal).
        language = arrival.language
        self.engine.reply(str(arrival.reply_to), replies, pressed,
                          lambda: self._apology(language))

    async def on_error(self, update: object, context: Context) -> None:
        """Log the failure once with its update id and tell the user briefly."""
        update_id = update.update_id if isinstance(update, Update) else None
        if is_network_fault(context.error):  # polling: the transport logged the episode
            log.debug("update %s: %s", update_id, context.error)
            return
        log.error("error while handling update %s: %s", update_id, context.error,
                  exc_info=context.error)
        arrival = arrival_of(update) if isinstance(update, Update) else None
        if arrival is None or self.engine is None:
            return
        # Never in a group: the apology goes to the user's private chat.
        self.engine.reply(str(arrival.reply_to), [self._apology(arrival.language)])

    async def _stop_spinner(self, query_id: str) -> None:
        """Answer the callback query; a failure is logged, never raised (the press still
        counts). A network fault is logged once per episode by the transport."""
        if self.sender is None:
            return
        outcome = await self.sender.stop_spinner(query_id)
        if outcome.result is not Result.SENT:  # e.g. too old to answer
            faulty = outcome.result in (Result.TRANSIENT, Result.RETRY_AFTER)
            log.log(logging.DEBUG if faulty else logging.INFO,
                    "could not answer callback query: %s", outcome.detail)

    def _apology(self, language: str | None) -> Reply:
        """The short apology, in the user's language."""
        t = self.translations.get(self.translations.negotiate(language))
        return Reply(t._("Sorry, something went wrong on my side. Please try again in a "
                         "moment, or type /menu."))


def _is_private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == Chat.PRIVATE


def photo_of(message: Message) -> Photo | None:
    """The picture in a message: its largest size, or an image sent as a file."""
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return Photo(f"{CHANNEL}:{largest.file_id}", largest.file_size, largest.width,
                     largest.height)
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        thumbnail = document.thumbnail
        width, height = (thumbnail.width, thumbnail.height) if thumbnail else (0, 0)
        return Photo(f"{CHANNEL}:{document.file_id}", document.file_size, width, height,
                     as_file=True)
    return None
