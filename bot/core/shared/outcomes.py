"""What a household visit achieved, as volunteers record it and reports count it."""

from __future__ import annotations

from bot.i18n import N_
from bot.storage.visits import OUTCOME_KEYS

# The keys match the visits table's o_* columns.
OUTCOMES: dict[str, str] = {
    "vneid_level2": N_("VNeID level 2 activated"),
    "public_service": N_("An online public service used"),
    "payment_account": N_("Bank app, e-wallet or Mobile Money set up"),
    "biometrics": N_("Biometrics registered"),
    "first_payment": N_("A first online payment"),
    "two_factor": N_("Two-factor authentication turned on"),
    "scam_talk": N_("A talk on avoiding scams"),
}
if tuple(OUTCOMES) != OUTCOME_KEYS:  # a new outcome needs its column too (a migration)
    raise RuntimeError("OUTCOMES and the visits table's o_* columns differ")
