"""The implementation status scale (UN Global Survey on Digital and Sustainable Trade
Facilitation style): not applicable / not started / pilot / partial / full.

Points: full 3, partial 2, pilot 1, not started 0; "not applicable" is left out of the
maximum, so it neither helps nor hurts a score.
"""

from __future__ import annotations

from typing import Literal

from .i18n import N_, available_languages, gettext

STATUSES: tuple[str, ...] = ("not_applicable", "not_started", "pilot", "partial", "full")
Status = Literal["not_applicable", "not_started", "pilot", "partial", "full"]

POINTS: dict[str, int | None] = {
    "not_applicable": None,
    "not_started": 0,
    "pilot": 1,
    "partial": 2,
    "full": 3,
}
MAX_POINTS = 3

# English labels; translations are in the message catalogs (tflib/locale).
LABELS: dict[str, str] = {
    "not_applicable": N_("Not applicable"),
    "not_started": N_("Not started"),
    "pilot": N_("Pilot"),
    "partial": N_("Partial"),
    "full": N_("Full"),
}


def label(status: str, lang: str) -> str:
    return gettext(LABELS[status], lang)


def parse_status(text: str) -> str:
    """A status code from its code or its label in any language tflib speaks (case-insensitive)."""
    key = " ".join(str(text).strip().lower().replace("_", " ").split())
    for code in STATUSES:
        names = {code.replace("_", " ")} | {label(code, lang).lower() for lang in available_languages()}
        if key in names:
            return code
    allowed = ", ".join(STATUSES)
    raise ValueError(f"{text!r} is not on the status scale ({allowed})")
