"""How typed text picks one of the options shown last: its number, its label, or a navigation
word (the reference for text-only chats, where there are no buttons to press)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.events import NAV_KEYS, Nav, Reply
from bot.core.shared.text import fold, is_number
from bot.i18n import Translator
from bot.storage.dialogs import Option

_LABEL_KEY = re.compile(r"[^\w]+")
# Words that find a navigation button in either language, whatever its label says.
NAV_WORDS: dict[Nav, frozenset[str]] = {
    Nav.MENU: frozenset({"menu", "trang chu", "ve menu"}),
    Nav.BACK: frozenset({"back", "quay lai", "tro lai", "tro ve"}),
    Nav.CANCEL: frozenset({"cancel", "huy", "huy bo", "thoat"}),
    Nav.SKIP: frozenset({"skip", "bo qua"}),
}


def shown(reply: Reply) -> list[Option]:
    """The options of a reply as remembered for typing: numbered, unless it asks to type."""
    if reply.numbered:
        return [Option(b.label, b.action, key, b.nav or "") for key, b in reply.keyed_options()]
    return [Option(b.label, b.action, "", b.nav or "") for b in reply.options()]


def wants_menu(text: str, numbers: bool) -> bool:
    """Whether typed text asks for the main menu: its word, or 0 where numbers are typed (no
    question takes a lone 0 as its answer: not a hamlet, a household or a count)."""
    return key(text) in NAV_WORDS[Nav.MENU] or (numbers and text in ("0", "00"))


def pick(t: Translator, options: Sequence[Option], text: str, numbers: bool
         ) -> str | Reply | None:
    """The action of the option typed (its number, label or navigation word), an explanation
    when a number matches none, or None when the text is not a choice (a form's answer)."""
    numbered = [o for o in options if o.key]
    if numbers and numbered and is_number(text):
        number = str(int(text)) if len(text) <= 6 else text  # "01" is 1
        found = next((o for o in numbered if o.key == number), None)
        return found.action if found is not None else _which_numbers(t, numbered)
    typed = key(text)
    if not typed:
        return None
    for option in options:
        if key(option.label) == typed:
            return option.action
    for option in options:
        if option.nav and typed in NAV_WORDS.get(Nav(option.nav), frozenset()):
            return option.action
    return None


def is_choice_list(options: Sequence[Option]) -> bool:
    """True when the last options were a numbered list (typed numbers choose), not a question
    answered by typing."""
    return any(o.key for o in options)


def key(label: str) -> str:
    """A label or typed text reduced for matching: folded, without emoji and punctuation."""
    return _LABEL_KEY.sub(" ", fold(label)).strip()


def _which_numbers(t: Translator, numbered: list[Option]) -> Reply:
    choices = [o for o in numbered if o.nav not in {nav.value for nav in NAV_KEYS}]
    if len(choices) == 1:  # not "from 1 to 1"
        return Reply(t._("Please type 1 to choose the option shown."))
    if not choices:  # only Back and Menu: "0", "9 or 0"
        keys = [o.key for o in numbered]
        if len(keys) == 1:
            return Reply(t._("Please type {number}, the number shown.").format(number=keys[0]))
        return Reply(t._("Please type one of the numbers shown: {numbers}.").format(
            numbers=", ".join(keys)))
    last = max(int(o.key) for o in choices)
    return Reply(t._("Please type a number from 1 to {count}.").format(count=last))

