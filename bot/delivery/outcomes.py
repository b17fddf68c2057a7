"""What a channel is asked to send (a Part), what it answers (an Outcome), and who sends it.

A channel adapter turns one Part into one call of its API and the call's fate into one of six
neutral results; everything else (pacing, retries, order, counting) is the engine's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum
from typing import Protocol

from bot.core.events import Button, Reply


class Result(StrEnum):
    """What became of one send."""

    SENT = "sent"
    BLOCKED = "blocked"  # the user blocked the bot or is gone: trying again won't help
    RETRY_AFTER = "retry_after"  # flood control: the channel asks everyone to wait
    BAD_REQUEST = "bad_request"  # refused as asked (an edit of a message too old, a bad id)
    TRANSIENT = "transient"  # a timeout, a network or server error: worth trying again
    # The channel's plan has no messages left this month: nothing goes out until it renews
    # (or the plan grows); a broadcast pauses rather than trying.
    QUOTA = "quota"


@dataclass(frozen=True)
class Outcome:
    """The result of one send, why, and what the channel gave back."""

    result: Result
    detail: str = ""
    retry_after: float = 0.0  # seconds, for RETRY_AFTER
    message_id: int | None = None  # of the message sent or edited, when the channel says
    seconds: float = 0.0  # how long the send took (the engine measures it)
    messages: int = 1  # the platform's messages it took (a long text split in several)


SENT = Outcome(Result.SENT)


class Priority(IntEnum):
    """Who goes first when the channel's budget is short: lower values first."""

    REPLY = 0  # a person is waiting for this answer
    NOTICE = 1  # notifications to other users (help requests, escalations)
    BULK = 2  # broadcasts fill what is left


@dataclass(frozen=True)
class Part:
    """One message for one call of a channel's API: a text with its buttons (or an edit of an
    earlier message), a photo with the text as its caption, a local image, or a file."""

    text: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo: str | None = None  # a stored photo reference ("<channel>:<file id>")
    image: str | None = None  # a path to a local image, uploaded
    document: str | None = None  # a path to a local file, uploaded
    edit_of: int | None = None  # replace this message rather than send a new one
    paid: bool = False  # a paid broadcast (Telegram's allow_paid_broadcast)
    numbered: bool = True  # text-only channels number the buttons (False: the user types)

    def as_new(self) -> Part:
        """The same message sent anew, when the one to edit cannot be edited."""
        return replace(self, edit_of=None)


class Sender(Protocol):
    """A channel's adapter: one Part to one chat, its fate as an Outcome. Never raises for a
    refusal or a network fault; those are outcomes."""

    async def send(self, chat: str, part: Part) -> Outcome:
        """Send one part and say what became of it."""
        ...


def parts_of(reply: Reply, edit_of: int | None = None) -> list[Part]:
    """A core reply as the channel calls that show it, in order: the image, the text (editing
    edit_of when the reply asks for it), then its files."""
    parts = [Part(image=reply.image)] if reply.image else []
    parts.append(Part(reply.text, reply.buttons, photo=reply.photo,
                      edit_of=edit_of if reply.edit and not reply.photo else None,
                      numbered=reply.numbered))
    parts += [Part(document=path) for path in reply.documents]
    return parts


def parts_of_all(replies: list[Reply], pressed: int | None = None) -> list[Part]:
    """Replies as parts; only the first reply marked edit replaces the pressed message."""
    parts: list[Part] = []
    editable = pressed
    for reply in replies:
        reply_parts = parts_of(reply, editable)
        if any(part.edit_of is not None for part in reply_parts):
            editable = None
        parts += reply_parts
    return parts
