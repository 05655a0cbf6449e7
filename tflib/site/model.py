"""What the build hands to a site engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class PageRecord:
    """One report page: a dimension for a country (None = regional) in a language."""

    dimension: str  # progress, logistics, sme, landlocked, digital, overview, impact
    country: str | None
    lang: str
    notebook: Path  # the executed notebook (exists when ok)
    ok: bool
    error: str | None = None  # "cell N: Ename: message" when the page failed
    inputs: Path | None = None  # folder of the page's materialised input frames (parquet)

    @property
    def page_id(self) -> str:
        return f"{self.lang}/{self.country or 'region'}/{self.dimension}"


@dataclass(frozen=True)
class Release:
    """Identity of a published release (for the cite page and the revision log)."""

    release_id: str  # e.g. "sica-2026-09-30-r3"
    region: str
    as_of: dt.date
    built_on: dt.date
    tflib_version: str
    changed_pages: list[str] = field(default_factory=list)  # page ids re-run in this build
    previous_release: str | None = None
    changes: list[str] = field(default_factory=list)  # human-readable revision notes (English)
