"""What every report page shares: its context, header, text blocks, tables and caveats.

Notebooks stay thin: they build a `Context` from their parameters, ask the analysis modules
for pre-aggregated frames, and hand charts, tables and sentences to the functions here.
Text from submissions or params is always escaped: pages are written as HTML built with
`html.escape`, never by formatting strings into Markdown.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from . import tracker
from .i18n import N_, fmt_date, fmt_number, gettext, t  # noqa: F401 - t is re-exported for notebooks
from .params import RegionParams, load_region
from .paths import Project, resolve

ProjectLike = Project | str | Path | None

DIMENSION_TITLES = {
    "progress": N_("Implementation progress"),
    "logistics": N_("Logistics"),
    "sme": N_("SME inclusion"),
    "landlocked": N_("Land-border corridors"),
    "digital": N_("Digital and paperless trade"),
    "overview": N_("Regional overview"),
    "impact": N_("Impact estimate"),
}

CAVEATS = {
    "illustrative": N_(
        "Tracker figures on this page (action items, progress, national indicators) are ILLUSTRATIVE: "
        "they were made by a seeded generator because no tracker data is public. They are not real figures."
    ),
    "lpi": N_(
        "LPI scores are survey estimates with confidence intervals: small differences between countries are "
        "not significant, and the 2023 ranks are tied ranks. Data: World Bank, Logistics Performance Index (CC BY 4.0)."
    ),
    "doing_business": N_(
        "The World Bank discontinued Doing Business in 2021 after data irregularities were found in some editions. "
        "Its report year is not its data year: DB2020 describes conditions in May 2019."
    ),
    "boundaries": N_(
        "Boundaries shown do not imply endorsement or acceptance by the secretariat or its members. "
        "Map data: Natural Earth (public domain)."
    ),
    "descriptive": N_(
        "Before/after comparisons are descriptive: they do not show that a reform caused the change."
    ),
}


@dataclass(frozen=True)
class Context:
    """Everything a page is about: region, country (None on regional pages), language, date."""

    params: RegionParams
    country: str | None
    lang: str
    as_of: dt.date
    project: Project = field(default_factory=Project.default)

    @property
    def region(self) -> str:
        return self.params.id

    @property
    def country_name(self) -> str:
        return tracker.country_name(self.country, self.lang) if self.country else self.params.text(self.params.region.name, self.lang)

    def name_of(self, iso3: str) -> str:
        return tracker.country_name(iso3, self.lang)

    def text(self, value: dict[str, str]) -> str:
        return self.params.text(value, self.lang)

    def confidential(self, iso3: str) -> set[str]:
        return set(self.params.countries[iso3].confidential) if iso3 in self.params.countries else set()


def context(
    region: str = "sica",
    country: str | None = None,
    lang: str | None = None,
    as_of: str | dt.date | None = None,
    project: ProjectLike = None,
) -> Context:
    """The page context from notebook parameters (as_of defaults to the region's)."""
    proj = resolve(project)
    params = load_region(region, proj)
    lang = lang or params.region.default_language
    if lang not in params.languages:
        raise ValueError(f"{lang!r} is not a language of region {region!r} ({', '.join(params.languages)})")
    if country is not None:
        country = country.upper()
        params.country(country)  # raises for a non-member
    when = as_of if isinstance(as_of, dt.date) else (dt.date.fromisoformat(as_of) if as_of else params.as_of)
    return Context(params=params, country=country, lang=lang, as_of=when, project=proj)


# ---------------------------------------------------------------------------------------------
# Public values only


def public(frame: pl.DataFrame, ctx: Context, indicator_col: str = "indicator_id", country_col: str = "country") -> pl.DataFrame:
    """Drop every value a member marked confidential (indicator ids) and their free-text notes."""
    if frame.is_empty() or country_col not in frame.columns:
        return frame
    hidden = [(c, i) for c in ctx.params.countries for i in ctx.confidential(c)]
    out = frame
    if indicator_col in frame.columns:
        for iso3, ind in hidden:
            hit = (pl.col(country_col) == iso3) & (pl.col(indicator_col) == ind)
            out = out.filter(~hit.fill_null(False))  # rows without an indicator stay
    if "note" in out.columns:
        noted = [c for c in ctx.params.countries if "note" in ctx.confidential(c)]
        out = out.with_columns(pl.when(pl.col(country_col).is_in(noted)).then(None).otherwise(pl.col("note")).alias("note"))
    return out


def last_submission(ctx: Context, iso3: str | None = None) -> dt.date | None:
    """Date of the country's latest progress report on or before as_of (None = no data)."""
    iso3 = iso3 or ctx.country
    hist = tracker.progress(ctx.params, country=iso3, history=True, as_of=ctx.as_of, project=ctx.project)
    return hist["reported_on"].max() if hist.height else None


# ---------------------------------------------------------------------------------------------
# HTML blocks (IPython displays them; nbconvert keeps them as they are)


class Block:
    """A piece of page HTML that Jupyter displays as HTML."""

    def __init__(self, html_text: str):
        self.html = html_text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:  # text/plain fallback: the text without tags
        import re

        return html.unescape(re.sub(r"<[^>]+>", "", self.html))


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


class Figure:
    """A finished chart as Jupyter shows it: the Vega-Lite spec as its own MIME type, read
    by JupyterLab and by the site engine with the local Vega bundle (no CDN script)."""

    def __init__(self, chart: Any):
        self.chart = chart
        self.spec = chart.to_dict()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        import altair as alt

        title = self.spec.get("title", {})
        text = title.get("text", "") if isinstance(title, dict) else str(title)
        return {f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.split('.')[0].lstrip('v')}+json": self.spec, "text/plain": f"[chart] {text}"}


def show(chart: Any) -> Figure:
    return Figure(chart)


def header(ctx: Context, dimension: str, illustrative: bool = True) -> Block:
    """Title, as-of date, the country's last submission, and the illustrative notice."""
    title = t(DIMENSION_TITLES[dimension], ctx.lang)
    who = ctx.country_name
    parts = [f'<h1 class="tf-title">{esc(title)}: {esc(who)}</h1>']
    meta = [t("Data as of {date}", ctx.lang, date=fmt_date(ctx.as_of, ctx.lang, "long"))]
    if ctx.country:
        last = last_submission(ctx)
        meta.append(t("Last progress report from {country}: {date}", ctx.lang, country=who, date=fmt_date(last, ctx.lang, "long")))
        if not ctx.params.region.is_party(ctx.country):
            meta.append(t("{country} is tracked and compared, not scored: it is not bound by the strategy.", ctx.lang, country=who))
    parts.append('<p class="tf-meta">' + " · ".join(esc(m) for m in meta) + "</p>")
    if illustrative:
        parts.append(f'<p class="tf-illustrative"><strong>{esc(gettext("Illustrative data", ctx.lang))}.</strong> {esc(t(CAVEATS["illustrative"], ctx.lang))}</p>')
    return Block("\n".join(parts))


def section(ctx: Context, title: str) -> Block:
    return Block(f'<h2 class="tf-section">{esc(title)}</h2>')


def paragraph(*sentences: str) -> Block:
    """Sentences built from data (already translated and formatted) as one escaped paragraph."""
    return Block("<p>" + " ".join(esc(s) for s in sentences if s) + "</p>")


def bullets(items: list[str]) -> Block:
    if not items:
        return Block("")
    return Block("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")


def caveat(ctx: Context, *kinds: str) -> Block:
    return Block("".join(f'<p class="tf-caveat">{esc(t(CAVEATS[k], ctx.lang))}</p>' for k in kinds))


def no_data(ctx: Context, what: str) -> Block:
    return Block(f'<p class="tf-nodata">{esc(t("No data: {what}", ctx.lang, what=what))}</p>')


def table(
    frame: pl.DataFrame,
    ctx: Context,
    *,
    columns: dict[str, str],
    decimals: dict[str, int] | None = None,
    title: str | None = None,
    source: str | None = None,
    illustrative: bool = False,
) -> Block:
    """A great-tables table: labelled columns, numbers in the page's format, missing = no data."""
    from great_tables import GT

    import hashlib

    df = frame.select(list(columns))
    # A stable id (great-tables draws a random one) so equal pages are equal files.
    digest = hashlib.sha1(f"{list(columns.items())}{title}{df.write_csv()}".encode()).hexdigest()[:10]
    gt = GT(df, id=f"t{digest}").cols_label(**columns)
    locale = ctx.lang
    for col, d in (decimals or {}).items():
        gt = gt.fmt_number(columns=col, decimals=d, locale=locale)
    gt = gt.sub_missing(missing_text=gettext("no data", ctx.lang))
    if title:
        gt = gt.tab_header(title=title)
    notes = []
    if source:
        notes.append(t("Source: {source}", ctx.lang, source=gettext(source, ctx.lang)))
    if illustrative:
        notes.append(t("Illustrative data (generated), not real figures", ctx.lang))
    for note in notes:
        gt = gt.tab_source_note(note)
    return Block(gt.as_raw_html(inline_css=False))


def number(value: float | None, ctx: Context, digits: int = 1) -> str:
    return fmt_number(value, ctx.lang, digits)
