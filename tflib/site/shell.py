"""The builtin site's shell: the site being built, its links, navigation and templates.

Every page of the site is rendered through `Site.shell` (header, language switch, navigation
by member and by page kind, breadcrumbs, footer) and a Jinja2 template with autoescape on.
Paths come from the page registry (`tflib.pages`); links are relative, so the site works
from a folder on disk.
"""

from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from .. import pages
from ..i18n import N_, fallback_notice, fmt_date, t
from ..inputs import ReleaseTables
from ..pages import Address
from ..params import RegionParams
from ..paths import Project
from .model import PageRecord, Release

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
ASSETS = HERE / "assets"
BUNDLE = "assets/vega-bundle.js"

# Source citations: the only external links of the site (on the methods page).
EXTERNAL_LINKS = {
    "lpi": "https://lpi.worldbank.org/",
    "cc_by": "https://creativecommons.org/licenses/by/4.0/",
    "natural_earth": "https://www.naturalearthdata.com/",
}

# Messages the templates show (`_("...")` there); listed here so the catalogs pick them up.
TEMPLATE_MESSAGES = (
    N_("Skip to the content"),
    N_("Release {release}"),
    N_("Search"),
    N_("Search the site"),
    N_("Languages"),
    N_("Countries"),
    N_("Pages"),
    N_("Members"),
    N_("party"),
    N_("not a party"),
    N_("Breadcrumb"),
    N_("Illustrative data"),
    N_("failed"),
    N_("Download the data of this page"),
    N_("Data as of {date}"),
    N_("Latest progress report: {date}"),
    N_("Last submission received: {when}"),
    N_("Methods and sources"),
    N_("How to cite"),
    N_("Revision log"),
    N_("Country"),
    N_("Status"),
    N_("Implementation score"),
    N_("Rank"),
    N_("Early warnings"),
    N_("Report pages"),
    N_("Download all the data"),
    N_("Open the regional overview"),
    N_("This page failed in this build."),
    N_("Its figures could not be produced; the other pages of the release are not affected."),
    N_("Error"),
    N_("Implementation rate"),
    N_("Early warnings by kind"),
    N_("No early warnings as of this date."),
    N_("Country brief (PDF)"),
    N_("No report pages for this country in this build."),
    N_("What is illustrative"),
    N_("Measures marked illustrative: not documented in the strategy's sources, drawn from WTO TFA articles to make a realistic plan."),
    N_("How scores are computed"),
    N_("Caveats"),
    N_("Please cite this release as:"),
    N_("The data sources have their own citations: see the methods and sources."),
    N_("Release"),
    N_("Previous release"),
    N_("first release"),
    N_("tflib version"),
    N_("Changes in this release"),
    N_("No changes recorded."),
    N_("Pages re-run in this release"),
    N_("Search works when the site is published on a web server, not when its pages are opened from a folder on this computer."),
    N_("Find a page from the list of countries and pages instead."),
    N_("Search needs JavaScript."),
    N_("Choose a language"),
    N_("Total"),
    N_("Same page for other countries"),
    N_("Glossary"),
    N_("Releases"),
    N_("The data of this release:"),
    N_("All tables (ZIP)"),
    N_("Every release's data stays downloadable at its own address, so a cited release can be found again."),
    N_("What the figures, terms and codes of this site mean."),
    N_("The parties ordered by implementation score, highest first; equal scores share a rank."),
    N_("The share of a party's commitments (the measures that apply to it) that are fully implemented, counted as the WTO counts the implementation of the Trade Facilitation Agreement. Unlike the score, it gives no credit for partial progress, so it is often lower."),
    N_("On-time rate"),
    N_("Of the commitments whose regional deadline has passed, the share that were fully implemented by that deadline."),
    N_("Measure"),
    N_("A reform of the regional strategy, with a code, a regional deadline and the steps that implement it. The codes are listed below."),
    N_("Measure codes"),
    N_("Action item"),
    N_("One step of a measure in a member's national plan: what is to be done, by which agency, from a planned start to a due date. Members report the status and the percent complete of each action item."),
    N_("Action item code"),
    N_("An action item's code joins three codes with hyphens: the member's three-letter ISO country code, the measure's code and the step's code."),
    N_("For example:"),
    N_("% complete"),
    N_("The share of an action item's work done, as the member last reported it. A measure's completion is the mean of its steps' percent complete, each weighted by its planned duration."),
    N_("Where a measure stands in a country, from the completion of its steps:"),
    N_("A measure already in place before the strategy (baseline) counts as fully implemented."),
    N_("Signals, as of the data date, that something needs attention:"),
    N_("Party"),
    N_("A member bound by the strategy: it is scored and ranked. The other members are tracked and compared, not scored."),
    N_("One publication of this site. Its code joins the region, the data date and a code of what it was made from; every release's data stays downloadable."),
    N_("Code"),
    N_("Pillar"),
    N_("illustrative"),
    N_("Glossary: what the figures, terms and codes mean"),
    N_("Sources"),
    N_("Definitions"),
    N_("More in the glossary"),
    N_("Every term and code of the site is explained in the glossary."),
    N_("Measure and action item codes, statuses and warnings are explained in the glossary."),
    N_("Latest progress report"),
    N_("Data"),
    N_("this release"),
    N_("not kept"),
    N_("The points a party earns on the measures of the strategy, as a share of the most it could earn: 3 points for a measure fully implemented, 2 for one partially implemented, 1 at pilot stage and 0 when not started. Measures that do not apply to the country are left out; a measure with no report earns nothing but still counts in the maximum. Only parties to the strategy are scored."),
)


# ---------------------------------------------------------------------------------------------


def relative(from_page: str, target: str) -> str:
    """Link from the page at `from_page` to `target` (both relative to the site root)."""
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


def language_name(code: str) -> str:
    """The language's own name ("Español", "English", "Français")."""
    try:
        from babel import Locale

        name = Locale.parse(code).get_display_name(code) or code
    except Exception:  # noqa: BLE001 - an unknown code is shown as it is
        return code
    return name[:1].upper() + name[1:]


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass
class Link:
    label: str
    href: str
    current: bool = False
    note: str = ""
    failed: bool = False


@dataclass
class Site:
    """One region's site being written into `out` (a temporary folder until it is swapped in)."""

    params: RegionParams
    release: Release
    project: Project
    out: Path
    records: dict[Address, PageRecord]
    tables: ReleaseTables
    env: jinja2.Environment
    context: Any = None  # tflib.site.report.RenderContext: what pages' content is made of, and its cache
    planned: set[str] = field(default_factory=set)
    bulk: list[tuple[str, str]] = field(default_factory=list)  # (label, path from the root)
    archives: dict[str, str] = field(default_factory=dict)  # release id -> its bulk archive, from the root
    briefs: dict[tuple[str, str], str] = field(default_factory=dict)  # (lang, iso3) -> path
    cache_dir: Path | None = None  # the build's cache (Vega bundle, page content, briefs, bulk export)
    failures: list[str] = field(default_factory=list)  # artefacts that could not be written

    @property
    def languages(self) -> list[str]:
        return list(self.params.languages)

    @property
    def members(self) -> list[str]:
        return self.params.region.member_codes

    @property
    def scores(self) -> pl.DataFrame:
        return self.tables.frame("scores", self.params.region.default_language)

    @property
    def warnings(self) -> pl.DataFrame:
        return self.tables.frame("early_warnings", self.params.region.default_language)

    def region_name(self, lang: str) -> str:
        return self.params.text(self.params.region.name, lang)

    def kind_title(self, kind: str, lang: str) -> str:
        return pages.page_title(self.params, kind, lang)

    def record(self, lang: str, member: str | None, kind: str) -> PageRecord | None:
        return self.records.get(Address(self.params.id, kind, member, lang))

    def kinds_of(self, lang: str, member: str | None) -> list[str]:
        """The page kinds published for `member` (None: the region) in `lang`, registry order."""
        return [k for k in pages.KINDS if self.record(lang, member, k) is not None]

    def member_kinds(self) -> list[str]:
        """Member page kinds published in any language, registry order."""
        return [k for k in pages.KINDS if any(a.kind == k and a.member is not None for a in self.records)]

    def write(self, rel_path: str, text: str) -> Path:
        path = self.out / rel_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def rel_of(self, path: Path) -> str:
        """A file written under the site, as a path from the site's root."""
        try:
            return Path(path).resolve().relative_to(self.out.resolve()).as_posix()
        except ValueError:
            raise ValueError(f"{path} was written outside the site folder {self.out}") from None

    def alternate(self, rel_path: str, lang: str) -> str:
        """The same page in `lang`, or that language's home when it has no such page."""
        target = pages.in_language(rel_path, lang)
        return target if target in self.planned else pages.home_path(lang)

    def shell(self, rel_path: str, lang: str, *, title: str, crumbs: list[tuple[str, str | None]], country: str | None = None, kind: str | None = None, illustrative: bool = False, has_charts: bool = False, page_downloads: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        link = functools.partial(relative, rel_path)
        languages = [
            Link(language_name(code), link(self.alternate(rel_path, code)), current=code == lang, note=code)
            for code in self.languages
        ]
        countries = [
            Link(
                self.params.short_name_of(iso3, lang),
                link(pages.landing_path(lang, iso3)),
                current=iso3 == country,
                note=t("party", lang) if self.params.region.is_party(iso3) else t("not a party", lang),
            )
            for iso3 in self.members
        ]
        nav = []
        for name in self.kinds_of(lang, None):
            rec = self.record(lang, None, name)
            nav.append(Link(self.kind_title(name, lang), link(rec.address.html), current=country is None and kind == name, failed=not rec.ok))
        if country:
            for name in self.kinds_of(lang, country):
                rec = self.record(lang, country, name)
                nav.append(Link(self.kind_title(name, lang), link(rec.address.html), current=kind == name, failed=not rec.ok))
        # The same kind of page for the other countries: compare across members in one click.
        others = []
        if country and kind:
            for iso3 in self.members:
                rec = self.record(lang, iso3, kind)
                if iso3 != country and rec is not None:
                    others.append(Link(self.params.short_name_of(iso3, lang), link(rec.address.html), failed=not rec.ok))
        return {
            "lang": lang,
            "title": title,
            "region_name": self.region_name(lang),
            "release": self.release,
            "as_of": fmt_date(self.params.as_of, lang, "long"),
            "latest_report": fmt_date(self.release.latest_report, lang, "long"),
            "last_submission": None if self.release.last_submission is None else t(
                "{date}, {time} UTC", lang, date=fmt_date(self.release.last_submission.date(), lang, "long"), time=self.release.last_submission.strftime("%H:%M")
            ),
            "asset": lambda name: link(f"assets/{name}"),
            "root": link("index.html"),
            "home": link(pages.home_path(lang)),
            "methods": link(pages.site_page_path(lang, "methods")),
            "glossary": link(pages.site_page_path(lang, "glossary")),
            "cite": link(pages.site_page_path(lang, "cite")),
            "changes": link(pages.site_page_path(lang, "changes")),
            "search": link(pages.site_page_path(lang, "search")),
            "pagefind": link("pagefind") + "/",
            "site_root": link("index.html").removesuffix("index.html") or "./",
            "languages": languages,
            "countries": countries,
            "pages": nav,
            "others": others,
            "crumbs": [(label, link(target) if target else None) for label, target in crumbs],
            "illustrative": illustrative,
            # The interface of a language without a catalog is shown in its declared fallback.
            "language_notice": fallback_notice(lang),
            "has_charts": has_charts,
            "bundle": link(BUNDLE),
            "page_downloads": page_downloads or [],
            "_": lambda message, **values: t(message, lang, **values),
        }

    def render(self, template: str, rel_path: str, shell: dict[str, Any], **values: Any) -> Path:
        text = self.env.get_template(template).render(**shell, **values)
        return self.write(rel_path, text)
