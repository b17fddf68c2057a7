"""Neutral events going into the core and replies coming out of it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum


class EventKind(Enum):
    """What the user sent."""

    TEXT = "text"  # typed text, commands included
    ACTION = "action"  # a button press carrying a payload
    PHOTO = "photo"  # a picture; its caption, if any, is the text
    UNSUPPORTED = "unsupported"  # a sticker, voice note, video... where text is expected
    # The channel withheld what was sent (Zalo does for protected users, such as children):
    # the bot cannot read it.
    WITHHELD = "withheld"


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show; the core's replies degrade to fit."""

    buttons: bool
    edit: bool
    max_text: int
    name: str  # the channel's name as people know it ("Telegram"); "" for the terminal
    photos: bool = False  # users can send photos, and photos can be shown
    files: bool = True  # files (spreadsheets) can be sent to users


@dataclass(frozen=True)
class Photo:
    """A picture a user sent, as the channel keeps it (the core never downloads it)."""

    ref: str  # "channel:file id": the channel can send it again without uploading
    size: int | None  # bytes, when the channel says
    width: int
    height: int
    as_file: bool = False  # sent as a file (uncompressed), which cannot be re-sent as a photo


@dataclass(frozen=True)
class Incoming:
    """One thing a user did, in any channel."""

    channel: str
    user_key: str  # the user's id within the channel
    kind: EventKind
    sent_at: datetime  # when the user sent it (aware, UTC), not when it arrived
    capabilities: Capabilities
    text: str = ""
    action: str = ""
    locale_hint: str | None = None
    display_name: str | None = None  # used to greet, never stored
    event_id: str = ""  # the channel's update id, for logs
    # The channel's increasing number for events (Telegram's update id), when it has one: an
    # event numbered no higher than the last one handled for this user is a replay.
    sequence: int | None = None
    photo: Photo | None = None  # with EventKind.PHOTO
    # The channel's id of this message, for channels without increasing numbers (Zalo): a
    # message id handled before is a replay (a webhook delivered again after a crash).
    message_id: str | None = None


class Nav(StrEnum):
    """The navigation a button does, whatever its label: typed words and numbers find it."""

    MENU = "menu"
    BACK = "back"
    CANCEL = "cancel"
    SKIP = "skip"


# In a numbered list these numbers always mean the same navigation, wherever it is shown.
NAV_KEYS = {Nav.BACK: "9", Nav.MENU: "0"}


@dataclass(frozen=True)
class Button:
    """A choice shown to the user; the action comes back when it is chosen."""

    label: str
    action: str
    nav: Nav | None = None


@dataclass(frozen=True)
class Reply:
    """One message to show. edit=True asks to replace the message whose button was pressed."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    image: str | None = None  # a path to a local image shown before the text
    photo: str | None = None  # a Photo.ref shown with the text as its caption (no buttons)
    edit: bool = False
    numbered: bool = True  # False when the user is asked to type: numbers are then text
    documents: tuple[str, ...] = ()  # paths of files (spreadsheets) sent after the text

    def options(self) -> list[Button]:
        """The buttons in reading order."""
        return [button for row in self.buttons for button in row]

    def keyed_options(self) -> list[tuple[str, Button]]:
        """The buttons with the number a text-only chat shows for each, in showing order."""
        return keyed(self.options())


def keyed(buttons: list[Button]) -> list[tuple[str, Button]]:
    """Each button with its number, in showing order: the choices 1, 2, 3… in reading order,
    9 for Back and 0 for Menu, the same on every screen (a long list with a Back skips 9)."""
    fixed: dict[Nav, Button] = {}
    choices: list[Button] = []
    for button in buttons:
        if button.nav in NAV_KEYS and button.nav not in fixed:
            fixed[button.nav] = button
        else:
            choices.append(button)
    taken = {NAV_KEYS[nav] for nav in fixed}
    numbers = (str(n) for n in itertools.count(1) if str(n) not in taken)
    pairs = [(next(numbers), button) for button in choices]
    pairs += [(NAV_KEYS[nav], fixed[nav]) for nav in NAV_KEYS if nav in fixed]
    return sorted(pairs, key=lambda pair: (pair[0] == "0", int(pair[0])))  # 0 comes last
