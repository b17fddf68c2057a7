"""What an admin may type as a nominee's reason.

The reason goes into a document attached to an official proposal, read by people outside the
bot: one line of words, at most MAX_REASON characters, never a link or an @name, never a
number that could be a phone or an ID number (nobody's contact details go into the list).
"""

from __future__ import annotations

import re

from bot.core.shared.text import Checked, looks_like_link, normalize
from bot.i18n import N_

MAX_REASON = 300
# Nine digits or more, with at most one space, dot or dash between two of them (0912 345 678,
# +84 912.345.678, a 12-digit ID number): a phone or ID number, never in a proposal.
_LONG_NUMBER = re.compile(r"\d(?:[ .\-]?\d){8,}")


def check_reason(typed: str) -> Checked:
    """A reason: words, one line, 1 to MAX_REASON characters, no link, no phone or ID number."""
    reason = normalize(typed)
    if looks_like_link(reason):
        return Checked(problem=N_("Links and @names can't go in the shortlist. Please type the "
                                  "reason in words."))
    if _LONG_NUMBER.search(reason):
        return Checked(problem=N_("That looks like a phone or ID number. The shortlist carries "
                                  "nobody's contact details: please type the reason without "
                                  "it."))
    if not any(ch.isalpha() for ch in reason):
        return Checked(problem=N_("Please type the reason in words, for example: Helped 120 "
                                  "households set up VNeID in ten days."))
    if len(reason) > MAX_REASON:
        return Checked(problem=N_("That reason has {count} characters; at most {limit} fit. "
                                  "Please shorten it and send it again."),
                       numbers={"count": len(reason), "limit": MAX_REASON})
    return Checked(value=reason)
