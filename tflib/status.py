"""The implementation status scale (UN Global Survey on Digital and Sustainable Trade
Facilitation style): not applicable / not started / pilot / partial / full.

Points: full 3, partial 2, pilot 1, not started 0; "not applicable" is left out of the
maximum, so it neither helps nor hurts a score.
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Every spelling of every status (its code, its label in each language) -> its code."""
    names = {}
    for code in STATUSES:
        names[code.replace("_", " ")] = code
        for lang in available_languages():
            names.setdefault(label(code, lang).lower(), code)
    return names


def parse_status(text: str) -> str:
    """A status code from its code or its label in any language tflib speaks (case-insensitive)."""
    key = " ".join(str(text).strip().lower().replace("_", " ").split())
    if key in _names():
        return _names()[key]
    allowed = ", ".join(STATUSES)
    raise ValueError(f"{text!r} is not on the status scale ({allowed})")
