"""What the build hands to a site engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..pages import Address


@dataclass(frozen=True)
class PageRecord:
    """One report page of the build: its address, its executed notebook (exists when ok)."""

    address: Address
    notebook: Path
    ok: bool
    error: str | None = None  # "cell N: Ename: message" when the page failed

    @property
    def page_id(self) -> str:
        return self.address.page_id

    @property
    def kind(self) -> str:
        return self.address.kind

    @property
    def country(self) -> str | None:
        return self.address.member

    @property
    def lang(self) -> str:
        return self.address.lang


@dataclass(frozen=True)
class Revision:
    """One release of the revision log: its id, its date and the pages it re-ran (page ids),
    which each page writes in its own language."""

    release_id: str
    latest_report: dt.date
    changed_pages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Release:
    """Identity of a published release (for the cite page and the revision log). Everything in
    it comes from the data (never the clock): the same inputs give the same release."""

    release_id: str  # "<region>-<as_of>-<digest of the site's inputs>"
    region: str
    as_of: dt.date
    latest_report: dt.date  # its latest progress report (the release's date)
    tflib_version: str
    last_submission: dt.datetime | None = None  # receipt of its latest real submission (UTC), from the store
    changed_pages: list[str] = field(default_factory=list)  # page ids re-run in this build
    previous_release: str | None = None
    revisions: list[Revision] = field(default_factory=list)  # the revision log, newest first
    # Every release of the region so far, newest first: (release id, its latest progress report).
    releases: list[tuple[str, dt.date]] = field(default_factory=list)
    last_submission: dt.datetime | None = None  # receipt of its latest real submission (UTC), from the store
