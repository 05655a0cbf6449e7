"""What every report page shares: its context, header, text blocks, tables and caveats.

Notebooks stay thin: they build a `Context` from their parameters, ask the analysis modules
for pre-aggregated frames, and hand charts, tables and sentences to the functions here.
Text from submissions or params is always escaped: pages are written as HTML built with
`html.escape`, never by formatting strings into Markdown.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from . import charts, pages, periods
from .i18n import N_, fmt_date, fmt_number, gettext, sentence, t  # noqa: F401 - t is re-exported for notebooks
from .inputs import Loader, RegionData, standard_precision
from .params import RegionParams, load_region
from .paths import Project, resolve
from .tables import MIME as TABLE_MIME
from .tables import Precision, Table

ProjectLike = Project | str | Path | None

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
    """Everything a page is about: region, page kind, country (None on regional pages),
    language, date, and the loader of the tables the page declared."""

    params: RegionParams
    country: str | None
    lang: str
    as_of: dt.date
    address: pages.Address
    loader: Loader
    project: Project = field(default_factory=Project.default)

    @property
    def region(self) -> str:
        return self.params.id

    @property
    def kind(self) -> str:
        return self.address.kind

    @property
    def country_name(self) -> str:
        return self.name_of(self.country) if self.country else self.params.text(self.params.region.name, self.lang)

    def name_of(self, iso3: str) -> str:
        """The country's name in running text (`RegionParams.name_of`)."""
        return self.params.name_of(iso3, self.lang)

    def short_name_of(self, iso3: str) -> str:
        """The country's name in tables and on maps (`RegionParams.short_name_of`)."""
        return self.params.short_name_of(iso3, self.lang)

    def in_country(self, iso3: str | None = None) -> str:
        """"in <country>" (the page's country by default): `RegionParams.in_country`
        ("in the Philippines", "aux Philippines", else the catalog's "in {country}")."""
        return self.params.in_country(iso3 or self.country, self.lang)

    def text(self, value: dict[str, str]) -> str:
        return self.params.text(value, self.lang)

    def confidential(self, iso3: str) -> set[str]:
        return set(self.params.countries[iso3].confidential) if iso3 in self.params.countries else set()

    def table(self, name: str) -> Table:
        """A table the page declared (tflib.pages.KINDS); any other name raises UndeclaredTable."""
        return self.loader.table(name)

    def frame(self, name: str) -> pl.DataFrame:
        return self.table(name).frame


def context(
    kind: str,
    region: str | None = None,
    country: str | None = None,
    lang: str | None = None,
    as_of: str | dt.date | None = None,
    inputs: str | Path | None = None,
    project: ProjectLike = None,
) -> Context:
    """The page context from notebook parameters. `inputs` is the page's folder of
    materialised tables (the build passes it, relative to the project); without it the
    tables are computed from the store, as of `as_of` (default: the region's)."""
    proj = resolve(project)
    params = load_region(region, proj)
    spec = pages.kind(kind)
    lang = lang or params.region.default_language
    if lang not in params.languages:
        raise ValueError(f"{lang!r} is not a language of region {params.id!r} ({', '.join(params.languages)})")
    if country is not None:
        country = country.upper()
        params.country(country)  # raises for a non-member
    elif spec.scope == "member":
        # Opened by hand (JupyterLab) with no country: the first member that has this page.
        country = next((m for m in params.region.member_codes if spec.exists_for(params, m)), None)
        if country is None:
            raise ValueError(f"region {params.id} has no {kind} page for any member")
    if (spec.scope == "region") != (country is None):
        raise ValueError(f"a {kind} page is about {'the region' if spec.scope == 'region' else 'one member'}: country={country!r}")
    when = as_of if isinstance(as_of, dt.date) else (dt.date.fromisoformat(as_of) if as_of else params.as_of)
    address = pages.Address(params.id, kind, country, lang)
    inject_fault(address.page_id)
    if inputs is not None:
        if when != params.as_of:
            raise ValueError(f"materialised inputs are as of {params.as_of}; as_of={when} needs the store (inputs=None)")
        folder = Path(inputs)
        loader = Loader(address, folder=folder if folder.is_absolute() else proj.root / folder)
    else:
        loader = Loader(address, data=RegionData(params, proj, when))
    return Context(params=params, country=country, lang=lang, as_of=when, address=address, loader=loader, project=proj)


FAULT_ENV = "TFLIB_FAULT"


def inject_fault(page_id: str) -> None:
    """Make a page fail on purpose, to test how a build survives it. Inert unless the
    environment variable TFLIB_FAULT is set (the build passes its environment to the kernels).
    Its value is a comma-separated list of faults, each for one page id (`<lang>/<ISO3>/progress`):

    - `raise:<page id>`: the page raises an error;
    - `kill:<page id>`: the page's kernel kills itself with SIGKILL, as the OOM killer would;
    - `sleep:<page id>:<seconds>`: the page sleeps, to run past `tflib build --timeout`.
    """
    spec = os.environ.get(FAULT_ENV, "")
    for item in filter(None, (part.strip() for part in spec.split(","))):
        action, _, rest = item.partition(":")
        target, _, arg = rest.partition(":")
        if action not in ("raise", "kill", "sleep") or not target or (action == "sleep") != bool(arg):
            raise ValueError(f"{FAULT_ENV}: {item!r} is not raise:<page id>, kill:<page id> or sleep:<page id>:<seconds>")
        if target != page_id:
            continue
        if action == "raise":
            raise RuntimeError(f"{FAULT_ENV}: failure injected into {page_id}")
        if action == "kill":
            import signal

            os.kill(os.getpid(), signal.SIGKILL)
        if action == "sleep":
            import time

            time.sleep(float(arg))


def last_submission(ctx: Context, iso3: str | None = None) -> dt.date | None:
    """Date of the country's latest progress report on or before as_of (None = no data)."""
    iso3 = iso3 or ctx.country
    rows = ctx.frame("last_report").filter(pl.col("country") == iso3)
    return rows["last_report"][0] if rows.height else None


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
    by JupyterLab and by the site engine with the local Vega bundle (no CDN script), and the
    release tables it draws (`tflib.tables.MIME`), which its downloads are made of."""

    def __init__(self, chart: Any, tables: Sequence[Table] = ()):
        self.chart = chart
        self.tables = list(tables)
        self._spec: dict[str, Any] | None = None

    @property
    def spec(self) -> dict[str, Any]:
        if self._spec is None:
            self._spec = charts.spec_of(self.chart)
        return self._spec

    def to_dict(self) -> dict[str, Any]:
        return self.spec

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        import altair as alt

        title = self.spec.get("title", {})
        text = title.get("text", "") if isinstance(title, dict) else str(title)
        bundle = {f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.split('.')[0].lstrip('v')}+json": self.spec, "text/plain": f"[chart] {text}"}
        if self.tables:
            bundle[TABLE_MIME] = {"tables": [tab.to_payload() for tab in self.tables]}
        return bundle


def show(chart: Any) -> Figure:
    """What a notebook displays for a chart: a Figure (with its tables) as it is."""
    if isinstance(chart, Figure):
        return chart
    raise TypeError("page.show takes a Figure (page.figure: a finished chart with the table it draws)")


def _chart_title(chart: Any) -> str:
    import altair as alt

    title = getattr(chart, "title", None)
    text = getattr(title, "text", title)
    if isinstance(text, list):
        text = " ".join(str(x) for x in text)
    return "" if text is None or text is alt.Undefined else str(text)


def _precision(ctx: Context, frame: pl.DataFrame, given: Mapping[str, Precision] | None) -> dict[str, Precision]:
    standard = standard_precision(ctx.params)
    out = {c: standard[c] for c, d in frame.schema.items() if d.is_float() and c in standard}
    return {**out, **(given or {})}


def release_table(
    ctx: Context,
    name: str,
    frame: pl.DataFrame,
    *,
    title: str,
    source: str,
    unit: str | None = None,
    illustrative: bool = False,
    precision: Mapping[str, Precision] | None = None,
    columns: Mapping[str, str] | None = None,
    description: str | None = None,
) -> Table:
    """A release table of this page: standard precision for the known columns (indicator
    values, LPI, Doing Business), `precision` for the others."""
    return Table(
        name, frame, title=title, source=gettext(source, ctx.lang), unit=gettext(unit, ctx.lang) if unit else None,
        illustrative=illustrative, description=description, precision=_precision(ctx, frame, precision), columns=dict(columns or {}),
    )


def figure(
    ctx: Context,
    chart: Any,
    name: str,
    data: pl.DataFrame,
    *,
    precision: Mapping[str, Precision] | None = None,
    columns: Mapping[str, str] | None = None,
    description: str | None = None,
) -> Figure:
    """A finished chart (`charts.finish`) and the table it draws, `data`: the table takes the
    chart's title, unit, source and illustrative flag, so the two can never disagree."""
    meta = (getattr(chart, "usermeta", None) or {}).get("tflib") or {}
    table = release_table(
        ctx, name, data, title=_chart_title(chart), source=meta.get("source") or "", unit=meta.get("unit"),
        illustrative=bool(meta.get("illustrative")), precision=precision, columns=columns, description=description,
    )
    return Figure(chart, [table])


def header(ctx: Context, illustrative: bool = True) -> Block:
    """Title, as-of date, the country's last submission, and the illustrative notice."""
    title = pages.page_title(ctx.params, ctx.kind, ctx.lang)
    who = ctx.country_name
    parts = [f'<h1 class="tf-title">{esc(pages.titled(title, who, ctx.lang))}</h1>']
    meta = [t("Data as of {date}", ctx.lang, date=fmt_date(ctx.as_of, ctx.lang, "long"))]
    if ctx.country:
        last = last_submission(ctx)
        meta.append(t("Last progress report from {country}: {date}", ctx.lang, country=who, date=fmt_date(last, ctx.lang, "long")))
        if not ctx.params.region.is_party(ctx.country):
            meta.append(sentence(t("{country} is tracked and compared, not scored: it is not bound by the strategy.", ctx.lang, country=who)))
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


class TableBlock(Block):
    """A page table as Jupyter shows it: its HTML and the release table behind it."""

    def __init__(self, html_text: str, table: Table):
        super().__init__(html_text)
        self.table = table

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/html": self.html, "text/plain": repr(self), TABLE_MIME: {"tables": [self.table.to_payload()]}}


def table(
    data: pl.DataFrame | Table,
    ctx: Context,
    *,
    columns: dict[str, str],
    name: str | None = None,
    title: str | None = None,
    source: str | None = None,
    unit: str | None = None,
    illustrative: bool = False,
    precision: Mapping[str, Precision] | None = None,
    show_title: bool = True,
) -> TableBlock:
    """A great-tables table of `columns` (labelled) of a release table: numbers at the table's
    precision in the page's format, missing = no data. Its whole table is downloadable."""
    from great_tables import GT

    import hashlib

    if isinstance(data, Table):
        tab = data
    else:
        if name is None or title is None or source is None:
            raise TypeError("a page table needs a name, a title and a source")
        tab = release_table(ctx, name, data, title=title, source=source, unit=unit, illustrative=illustrative, precision=precision)
    df = tab.frame.select(list(columns))
    # Decimals that vary by row or value are formatted here; the others by great-tables.
    varying = [c for c in columns if c in tab.precision and tab.fixed(c) is None]
    if varying:
        rows = tab.frame.to_dicts()
        df = df.with_columns(
            pl.Series(c, [None if r[c] is None else fmt_number(r[c], ctx.lang, tab.digits(c, r)) for r in rows], dtype=pl.String) for c in varying
        )
    # Dates in the page's language, and reporting periods as readers write them (T3 2026, not 2026-Q3).
    df = df.with_columns(
        pl.col(c).map_elements(lambda d: fmt_date(d, ctx.lang), return_dtype=pl.String) for c, d in df.schema.items() if d == pl.Date
    ).with_columns(
        pl.col(c).map_elements(lambda p: periods.label(p, ctx.lang), return_dtype=pl.String)
        for c, d in df.schema.items() if d == pl.String and (c == "period" or c.endswith("_period"))
    )
    # A stable id (great-tables draws a random one) so equal pages are equal files.
    digest = hashlib.sha1(f"{list(columns.items())}{tab.title}{df.write_csv()}".encode()).hexdigest()[:10]
    gt = GT(df, id=f"t{digest}").cols_label(**columns)
    for col in columns:
        if tab.fixed(col) is not None:
            gt = gt.fmt_number(columns=col, decimals=tab.fixed(col), locale=ctx.lang)
    gt = gt.sub_missing(missing_text=gettext("no data", ctx.lang))
    if show_title:
        gt = gt.tab_header(title=tab.title)
    notes = [t("Source: {source}", ctx.lang, source=tab.source)]
    if tab.illustrative:
        notes.append(t("Illustrative data (generated), not real figures", ctx.lang))
    for note in notes:
        gt = gt.tab_source_note(note)
    return TableBlock(gt.as_raw_html(inline_css=False), tab)


def number(value: float | None, ctx: Context, digits: int = 1) -> str:
    return fmt_number(value, ctx.lang, digits)
