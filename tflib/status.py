"""The implementation status scale (UN Global Survey on Digital and Sustainable Trade
Facilitation style): not applicable / not started / pilot / partial / full.

Points: full 3, partial 2, pilot 1, not started 0; "not applicable" is left out of the
maximum, so it neither helps nor hurts a score.
"""

from __future__ import annotations

from typing import Literal

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

LABELS: dict[str, dict[str, str]] = {
    "not_applicable": {"en": "Not applicable", "es": "No aplica", "fr": "Sans objet"},
    "not_started": {"en": "Not started", "es": "No iniciado", "fr": "Non commencé"},
    "pilot": {"en": "Pilot", "es": "Piloto", "fr": "Pilote"},
    "partial": {"en": "Partial", "es": "Parcial", "fr": "Partiel"},
    "full": {"en": "Full", "es": "Completo", "fr": "Complet"},
}


def label(status: str, lang: str) -> str:
    labels = LABELS[status]
    return labels.get(lang, labels["en"])


def parse_status(text: str) -> str:
    """A status code from its code or its label in any supported language (case-insensitive)."""
    key = " ".join(str(text).strip().lower().replace("_", " ").split())
    for code, labels in LABELS.items():
        if key == code.replace("_", " ") or key in (v.lower() for v in labels.values()):
            return code
    allowed = ", ".join(STATUSES)
    raise ValueError(f"{text!r} is not on the status scale ({allowed})")
