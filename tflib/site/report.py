"""Report pages of the builtin site: an executed notebook becomes page HTML and downloads.

Nothing is executed here. The notebook's outputs become body HTML laid out as nbconvert's
``basic`` template does (no CDN scripts, no MathJax, no require.js); Vega-Lite outputs become
``<figure class="tf-chart">`` elements holding their spec as JSON, drawn in the browser by
``assets/site.js`` with the local Vega bundle. The release tables each output carries
(`tflib.tables.MIME`) are the page's downloads: nothing is read back from a chart's spec.

A page's content (body and downloads) is kept in the build's cache under a key of everything
it is made of (`RenderContext.key`): an unchanged page is never converted again, only its
shell (navigation, release, language switch: cheap templating) is written anew.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from .. import fingerprint
from ..i18n import t
from ..params import RegionParams
from ..paths import Project
from ..tables import MIME as TABLE_MIME
from ..tables import Table, unique_names
from . import downloads
from .model import PageRecord
from .shell import Site, relative

VEGA_LITE_MIME = re.compile(r"^application/vnd\.vegalite\.[^+]*\+json$")


def chart_mime(data: dict[str, Any]) -> str | None:
    return next((k for k in data if VEGA_LITE_MIME.match(k)), None)


def chart_specs(nb: Any) -> list[dict[str, Any]]:
    """Every Vega-Lite spec of the notebook's outputs, in page order (chart-1, chart-2, ...)."""
    specs = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            key = chart_mime(out.get("data", {}))
            if key:
                specs.append(out["data"][key])
    return specs


def chart_title(spec: dict[str, Any], fallback: str = "") -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        text = title.get("text", "")
    else:
        text = title or ""
    if isinstance(text, list):
        text = " ".join(str(x) for x in text)
    return str(text) or fallback


def spec_json(spec: dict[str, Any]) -> str:
    """The spec as JSON safe inside a <script> element: no "<", ">" or "&" left raw, so no
    "</script>" or "<!--" can end or confuse it (JSON.parse reads the escapes back)."""
    text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _text(value: str) -> str:
    """Text content as an HTML parser writes it back ("&", "<", ">" escaped; quotes kept)."""
    return html.escape(value, quote=False)


def _attr(value: str) -> str:
    """An attribute value between double quotes, escaped as an HTML parser writes it back."""
    return html.escape(value, quote=False).replace('"', "&quot;")


def chart_summary(spec: dict[str, Any], title: str) -> str:
    """The chart's one-sentence summary in the page language: its top-level description
    (which Vega also reads), else the summary the chart carries in its metadata, else its title."""
    meta = (spec.get("usermeta") or {}).get("tflib") or {}
    for text in (spec.get("description"), meta.get("summary") if isinstance(meta, dict) else None):
        if isinstance(text, str) and text.strip():
            return text.strip()
    return title


# A chart's data table shows at most this many cells (its first rows): a longer table is one
# to open from the chart's downloads, which hold it whole, not to carry in every page view.
TABLE_CELLS = 4000


def _cell(tab: Table, column: str, dtype: Any, value: Any, row: dict[str, Any], lang: str) -> tuple[str, bool]:
    """(text, is a number) of one cell: decimals at the table's precision in the page's
    format, dates in the page's language, no data as the translated "no data"."""
    from ..i18n import fmt_date, fmt_number, gettext

    numeric = dtype.is_numeric()
    if value is None:
        return gettext("no data", lang), numeric
    if isinstance(value, bool):
        return (gettext("Yes", lang) if value else gettext("No", lang)), False
    if isinstance(value, float):
        return fmt_number(value, lang, tab.digits(column, {**row, column: value})), True
    if isinstance(value, Decimal):
        return fmt_number(value, lang, max(0, -int(value.as_tuple().exponent))), True
    if isinstance(value, int):
        return str(value), True  # counts and years as the source writes them (no grouping)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes"), False
    if isinstance(value, dt.date):
        return fmt_date(value, lang), False
    if isinstance(value, (list, tuple)):
        return "; ".join("" if v is None else str(v) for v in value), False
    if column == "unit":
        return gettext(str(value), lang), False  # a unit as the catalogs write it in the language
    if column == "period" or column.endswith("_period"):
        from ..periods import label

        return label(str(value), lang), False  # T3 2026, not 2026-Q3
    return str(value), False


def scroll_box(inner: str, label: str) -> str:
    """A box that scrolls wide content inside itself: focusable and named, so a keyboard
    user can reach it and scroll it with the arrow keys."""
    return f'<div aria-label="{_attr(label)}" class="tf-scroll" role="region" tabindex="0">{inner}</div>'


# A value written as a code (snake_case or one lower-case word: "median", "not_started"):
# the reader's form of it is in a label column or the table's title.
_CODE = re.compile(r"^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$")


def reader_columns(tab: Table, lang: str) -> dict[str, str]:
    """The columns a reader is shown, with their headers: those the codebook describes in
    the page's language, a code column replaced by its label column (`status` by
    `status_label`, shown under the code's description), and no column of codes. The
    downloads keep every column."""
    frame = tab.frame
    out: dict[str, str] = {}
    for c, d in frame.schema.items():
        if f"{c}_label" in frame.columns:
            continue  # its label stands in its place
        base = c[: -len("_label")] if c.endswith("_label") else None
        header = tab.describe(c, lang) or (tab.describe(base, lang) if base else "")
        if not header:
            continue  # a chart's own layout column (order, mark, facet label)
        if d == pl.String and not (c == "period" or c.endswith("_period")):
            values = [v for v in frame[c].drop_nulls().unique().to_list() if v]
            if values and all(_CODE.match(v) for v in values):
                continue
        out[c] = header
    return out or {c: c for c in frame.columns}


def data_table_html(tab: Table, lang: str) -> str:
    """A release table as an HTML table to read: caption (title and unit), a header per
    column (its description in the page language, else its name), numbers right-aligned."""
    from ..i18n import fmt_number, gettext

    frame = tab.frame
    columns = reader_columns(tab, lang)
    shown = max(1, TABLE_CELLS // max(1, len(columns)))
    schema = frame.schema
    head = "".join(
        ('<th class="tf-num" scope="col">' if schema[c].is_numeric() else '<th scope="col">') + f"{_text(header)}</th>"
        for c, header in columns.items()
    )
    body = []
    for row in frame.head(shown).iter_rows(named=True):
        cells = []
        for c in columns:
            d = schema[c]
            text, num = _cell(tab, c, d, row[c], row, lang)
            classes = " ".join(x for x in ("tf-num" if num else "", "tf-nodata" if row[c] is None else "") if x)
            cells.append(f'<td class="{classes}">{_text(text)}</td>' if classes else f"<td>{_text(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    unit = f' <span class="tf-unit">({_text(gettext(tab.unit, lang))})</span>' if tab.unit else ""
    table = (
        f'<table class="tf-table tf-data"><caption>{_text(tab.title)}{unit}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    note = ""
    if frame.height > shown:
        text = t("The first {shown} of {n} rows: the whole table is in the downloads.", lang, shown=fmt_number(shown, lang, 0), n=fmt_number(frame.height, lang, 0))
        note = f'<p class="tf-meta">{_text(text)}</p>'
    return scroll_box(table, t("Data table: {title}", lang, title=tab.title)) + note


def data_tables_html(tables: list[Table], lang: str, title: str, n: int | None = None) -> str:
    """A chart's data, as tables in a disclosure under it: the keyboard and screen-reader
    alternative to reading values off the chart or its tooltips."""
    from ..i18n import tn

    if not tables:
        return ""
    summary = _text(tn("Data table", "Data tables", len(tables), lang))
    named = f'<span class="tf-visually-hidden">: {_text(title)}</span>' if title else ""
    inner = "".join(data_table_html(tab, lang) for tab in tables)
    anchor = f' id="chart-{n}-data"' if n is not None else ""
    return f'<details class="tf-chart-data" data-pagefind-ignore=""{anchor}><summary>{summary}{named}</summary>{inner}</details>'


def figure_html(
    spec: dict[str, Any], n: int, links: list[tuple[str, str]], lang: str, fallback: str = "", tables: list[Table] | None = None
) -> str:
    """A chart as the page shows it: an empty box site.js draws into, named by the chart's
    title and described by its one-sentence summary (shown as the caption), its spec, its
    downloads (the chart as SVG and PNG, made in the browser once it is drawn, and the data
    of its tables) and, after the figure, its tables to read. Attributes are in name order
    and text escaped as nbconvert's serialiser leaves them, so both body renderers give the
    same bytes."""
    title = chart_title(spec, fallback)
    summary = chart_summary(spec, title)
    exports = " ".join(
        f'<button class="tf-export" data-format="{fmt}" disabled="" type="button">{fmt.upper()}</button>' for fmt in ("svg", "png")
    )
    items = " ".join(f'<a download="" href="{_attr(href)}">{_text(label)}</a>' for label, href in links)
    label = _text(t("Download", lang))
    caption = (
        f'<figcaption class="tf-chart-caption"><p class="tf-chart-summary" id="chart-{n}-summary">{_text(summary)}</p>'
        f'<p class="tf-downloads" data-pagefind-ignore=""><span>{label}:</span> {exports} {items}</p></figcaption>'
    )
    # The figure is named by its title and points to its data table (aria-details), so a
    # screen reader announces the chart and where its values are.
    details = f' aria-details="chart-{n}-data"' if tables else ""
    return (
        f'<figure{details} aria-label="{_attr(title)}" class="tf-chart" id="chart-{n}">'
        f'<div aria-describedby="chart-{n}-summary" aria-label="{_attr(title)}" class="tf-vega" role="img"><p class="tf-chart-fallback">{_text(title)}</p></div>'
        f'<script class="tf-spec" type="application/json">{spec_json(spec)}</script>'
        f"{caption}</figure>{data_tables_html(list(tables or []), lang, title, n)}"
    )


def _shown(out: dict[str, Any]) -> bool:
    """Whether an output is published: stderr and errors are not (a page shows results only)."""
    return not (out.get("output_type") == "error" or (out.get("output_type") == "stream" and out.get("name") == "stderr"))


def _joined(text: Any) -> str:
    """A notebook text field: a string, or the list of lines it is stored as on disk."""
    return "".join(text) if isinstance(text, list) else str(text)


def _tables_of(data: dict[str, Any]) -> list[Table]:
    return [Table.from_payload(p) for p in (data.get(TABLE_MIME) or {}).get("tables", [])]


def _figure_output(data: dict[str, Any], key: str, n: int, captions: dict[int, list[tuple[str, str]]], lang: str) -> str:
    fallback = _joined(data.get("text/plain", "")).removeprefix("[chart] ")
    return figure_html(data[key], n, captions.get(n, []), lang, fallback, _tables_of(data))


def _html_output(data: dict[str, Any]) -> str:
    """An HTML output as the page shows it: a page table (an output carrying its release
    table) in a box of its own that scrolls it, named by the table's title."""
    text = _joined(data["text/html"])
    titles = [p.get("title") or "" for p in (data.get(TABLE_MIME) or {}).get("tables", [])]
    if titles and "<table" in text:
        return scroll_box(text, titles[0])
    return text


def prepare_notebook(nb: Any, captions: dict[int, list[tuple[str, str]]], lang: str) -> Any:
    """A copy of the executed notebook ready for nbconvert (a NotebookNode): Vega-Lite
    outputs replaced by figures, stderr and error outputs dropped (a published page shows
    results only), and code cells left without output removed. Only what is kept is copied."""
    import nbformat  # only here: importing it costs seconds (its schema validator)

    n = 0
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            outputs = []
            for out in cell.get("outputs", []):
                if not _shown(out):
                    continue
                key = chart_mime(out.get("data", {}))
                if key:
                    n += 1
                    out = nbformat.v4.new_output("display_data", data={"text/html": _figure_output(out["data"], key, n, captions, lang)})
                elif "text/html" in out.get("data", {}):
                    out = {**out, "data": {**out["data"], "text/html": _html_output(out["data"])}}
                outputs.append(out)
            if not outputs:
                continue
            cell = {**cell, "outputs": outputs}
        cells.append(cell)
    return nbformat.from_dict({**nb, "cells": copy.deepcopy(cells)})


def html_exporter():
    """nbconvert's basic template: body HTML only (no CDN scripts, MathJax or require.js)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


_EXPORTER: Any = None


def _fast_cells(nb: Any, captions: dict[int, list[tuple[str, str]]], lang: str) -> list[tuple[str, list[tuple[str, str]]]] | None:
    """The published cells as (cell id, [(output type, HTML)]) when every one is a code cell
    whose shown outputs are HTML or charts (what report pages hold); None otherwise."""
    n = 0
    cells = []
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code" or not isinstance(cell.get("id"), str):
            return None
        shown = []
        for out in cell.get("outputs", []):
            if not _shown(out):
                continue
            if out.get("output_type") not in ("display_data", "execute_result"):
                return None
            data = out.get("data", {})
            key = chart_mime(data)
            if key:
                n += 1
                shown.append(("display_data", _figure_output(data, key, n, captions, lang)))
            elif isinstance(data.get("text/html"), (str, list)):
                shown.append((out["output_type"], _html_output(data)))
            else:
                return None
        if shown:
            cells.append((cell["id"], shown))
    return cells


def notebook_body(nb: Any, captions: dict[int, list[tuple[str, str]]], lang: str) -> str:
    """The page body: the notebook's outputs as nbconvert's basic template lays them out
    (inputs and prompts excluded), in the form its HTML serialiser writes them.

    Report pages hold only code cells with HTML and chart outputs; those are laid out here
    directly, each output's HTML as the page made it (nbconvert would re-serialise it: the
    same document, attributes in another order). Any other notebook goes through nbconvert."""
    cells = _fast_cells(nb, captions, lang)
    if cells is None:
        global _EXPORTER
        if _EXPORTER is None:
            _EXPORTER = html_exporter()
        body, _ = _EXPORTER.from_notebook_node(prepare_notebook(nb, captions, lang))
        return body
    parts = []
    for cell_id, shown in cells:
        parts.append(f'<div class="cell border-box-sizing code_cell rendered" id="cell-id={_attr(cell_id)}">\n<div class="output_wrapper">\n<div class="output">\n')
        for output_type, text in shown:
            extra = " output_execute_result" if output_type == "execute_result" else ""
            parts.append(f'<div class="output_area">\n<div class="output_html rendered_html output_subarea{extra}">{text}</div>\n</div>\n')
        parts.append("</div>\n</div>\n</div>\n")
    return "".join(parts)


def user_cache() -> Path:
    """The user's cache folder for what depends only on installed package versions (the
    Vega bundle): shared by every project and region, so only the first build pays for it."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tflib"


def vega_bundle(specs: Iterable[dict[str, Any]] = (), cache_dir: Path | None = None) -> str:
    """Vega, Vega-Lite and vega-embed as one script (from vl-convert: no network), in the
    Vega-Lite version the charts were made with when vl-convert has it. Bundling takes
    seconds, so it is kept per vl-convert and Vega-Lite version in `cache_dir` and in the
    user's cache (`user_cache`; skipped where it cannot be written)."""
    import vl_convert

    wanted = None
    for spec in specs:
        match = re.search(r"/v(\d+)\.(\d+)(?:\.\d+)?\.json$", str(spec.get("$schema", "")))
        if match:
            wanted = f"{match.group(1)}.{match.group(2)}"
            break
    if not (wanted and wanted in vl_convert.get_vegalite_versions()):
        wanted = None
    name = f"vega-bundle-{getattr(vl_convert, '__version__', 'unknown')}-{wanted or 'default'}.js"
    places = [*([Path(cache_dir) / name] if cache_dir is not None else []), user_cache() / name]
    text = next((p.read_text(encoding="utf-8") for p in places if p.is_file()), None)
    if text is None:
        text = vl_convert.javascript_bundle(vl_version=wanted) if wanted else vl_convert.javascript_bundle()
    for cached in places:
        if cached.is_file():
            continue
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(cached)  # whole or absent, should a build be stopped here
        except OSError:
            if cached.parent != user_cache():
                raise
    return text


def error_line(error: str | None) -> str:
    """The first line of a page's error ("cell N: Ename: message"), at most 500 characters."""
    line = (error or "").strip().splitlines()[0] if (error or "").strip() else "unknown error"
    return line if len(line) <= 500 else line[:499] + "…"


# ---------------------------------------------------------------------------------------------
# What a page publishes


@dataclass(frozen=True)
class Output:
    """One display output of a page that publishes data: a chart (with its spec) or a table."""

    spec: dict[str, Any] | None
    tables: list[Table]


def outputs(nb: Any) -> list[Output]:
    """The page's charts and tables in page order, each with its release tables (`nb` read
    by nbformat or as plain JSON)."""
    out = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            key = chart_mime(data)
            tables = _tables_of(data)
            if key or tables:
                out.append(Output(data[key] if key else None, tables))
    return out


def page_tables(nb: Any) -> list[Table]:
    """Every release table of the page, once each, in page order."""
    return unique_names(tab for o in outputs(nb) for tab in o.tables)


# ---------------------------------------------------------------------------------------------
# A page's content, made once per content


@dataclass(frozen=True)
class RenderContext:
    """What the content of every report page depends on besides its executed notebook, by
    digest, and the folder its content is kept in (None: made anew every time)."""

    params: RegionParams
    as_of: dt.date
    code: str
    catalogs: str
    params_digest: str
    cache: Path | None

    @classmethod
    def of(cls, params: RegionParams, project: Project, cache: Path | None) -> "RenderContext":
        return cls(params, params.as_of, fingerprint.code_digest(), fingerprint.catalogs_digest(), fingerprint.params_digest(params, project), cache)

    def key(self, record: PageRecord) -> str:
        """The page's content key: its executed notebook (by content) and address, the data
        date, the code, the catalogs and the params (titles and names in the downloads)."""
        return fingerprint.combine({
            "notebook": fingerprint.digest_bytes(Path(record.notebook).read_bytes()),
            "page": f"{self.params.id}/{record.page_id}",
            "as_of": self.as_of.isoformat(),
            "code": self.code,
            "catalogs": self.catalogs,
            "params": self.params_digest,
        })  # fmt: skip

    def folder(self, key: str) -> Path:
        assert self.cache is not None
        return self.cache / "pages" / key


@dataclass(frozen=True)
class PageContent:
    """A report page's content: its body HTML and its downloads (every file of the page's
    downloads folder, and the linked ones by "page" and "chart-N"), with what the page's
    shell needs to know."""

    body: str
    files: list[str]
    downloads: dict[str, list[tuple[str, str]]]
    illustrative: bool
    has_charts: bool
    schema: str | None = None  # the first chart's Vega-Lite schema (the bundle follows it)
    failure: str | None = None  # the downloads could not be written: why

    def to_json(self) -> dict[str, Any]:
        return {"body": self.body, "files": self.files, "downloads": self.downloads, "illustrative": self.illustrative, "has_charts": self.has_charts, "schema": self.schema}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "PageContent":
        links = {k: [(str(label), str(name)) for label, name in pairs] for k, pairs in data["downloads"].items()}
        return cls(data["body"], list(data["files"]), links, bool(data["illustrative"]), bool(data["has_charts"]), data.get("schema"))


CONTENT = "_content.json"


def make_content(params: RegionParams, record: PageRecord, folder: Path, as_of: dt.date) -> PageContent:
    """Convert the page's executed notebook: write its downloads into `folder` and lay out
    its body. Nothing is executed; a download that cannot be written leaves the page
    without downloads and says why (`failure`)."""
    nb = json.loads(Path(record.notebook).read_text(encoding="utf-8"))
    found = outputs(nb)
    lang, address = record.lang, record.address
    failure = None
    try:
        written = downloads.write_page_downloads(record, found, folder, lang, title=downloads.page_title(params, record, lang), as_of=as_of)
    except Exception as exc:  # noqa: BLE001 - the page is published; the failure fails the build
        failure = f"{record.page_id}: downloads: {type(exc).__name__}: {exc}"
        written = {}
    files = {k: [(str(label), Path(path).name) for label, path in pairs] for k, pairs in written.items()}
    captions = {
        int(k[6:]): [(label, relative(address.html, f"{address.downloads}/{name}")) for label, name in pairs]
        for k, pairs in files.items()
        if k.startswith("chart-") and k[6:].isdigit()
    }
    specs = [o.spec for o in found if o.spec is not None]
    return PageContent(
        body=notebook_body(nb, captions, lang),
        files=sorted(f.name for f in Path(folder).iterdir() if f.is_file()) if failure is None else [],
        downloads=files if failure is None else {},
        illustrative=any(tab.illustrative for o in found for tab in o.tables),
        has_charts=bool(specs),
        schema=(str(specs[0].get("$schema") or "") or None) if specs else None,
        failure=failure,
    )


def cached_content(ctx: RenderContext, record: PageRecord, key: str | None = None) -> tuple[PageContent, Path]:
    """The page's content and the folder holding its download files: from the cache when the
    same content was made before (an unchanged page is not converted again), else made now
    and kept (whole or not at all: made aside, then renamed into place). `key`: the page's
    `RenderContext.key`, when known."""
    key = key or ctx.key(record)
    folder = ctx.folder(key)
    index = folder / CONTENT
    if index.is_file():
        os.utime(folder)  # used: kept by `prune`
        return PageContent.from_json(json.loads(index.read_text(encoding="utf-8"))), folder
    tmp = folder.with_name(f".{key}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    content = make_content(ctx.params, record, tmp, ctx.as_of)
    if content.failure is not None:
        shutil.rmtree(tmp, ignore_errors=True)  # tried again next time
        return content, folder
    (tmp / CONTENT).write_text(json.dumps(content.to_json(), ensure_ascii=False), encoding="utf-8")
    try:
        tmp.rename(folder)
    except OSError:  # made meanwhile by another process: the same content
        shutil.rmtree(tmp, ignore_errors=True)
    return content, folder


def convert(context: RenderContext, records: list[PageRecord]) -> list[tuple[PageContent, Path]]:
    """The content of `records` (made, or taken from the cache): the work of one process."""
    from .. import i18n

    for lang, fallback in context.params.region.language_fallbacks.items():
        i18n.declare_fallback(lang, fallback)  # a worker process has not loaded the region
    return [cached_content(context, rec) for rec in records]


# A worker is a fresh interpreter that reads its import path and its pages on stdin (pickled)
# and writes their content on stdout: no module of the caller's program is imported again.
WORKER = "import sys, pickle; sys.path[:0] = pickle.load(sys.stdin.buffer); from tflib.site.report import serve; serve()"


def serve() -> None:
    """A worker's main: convert the pages read on stdin, write their content on stdout."""
    import pickle
    import sys

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the results
    context, records = pickle.load(sys.stdin.buffer)
    pickle.dump(convert(context, records), out)
    out.close()


def prune(folder: Path, since: float) -> None:
    """Remove the entries of a cache folder not used since `since` (a time stamp of the file
    system): content no page of the site is made of any more."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.stat().st_mtime < since:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def place(kept: Path, target: Path) -> None:
    """Put a file kept in the cache into the site being written: a hard link where the file
    system allows (the cache never changes a file it keeps: new content is a new key), else
    a copy."""
    try:
        os.link(kept, target)
    except OSError:
        shutil.copyfile(kept, target)


def report_page(site: Site, record: PageRecord, content: PageContent | None = None, files: Path | None = None) -> None:
    """Write the report page at its address, in the site's shell, with its downloads. The
    content is made (or taken from the cache) unless given with the folder of its files."""
    lang, country, kind = record.lang, record.country, record.kind
    rel_path = record.address.html
    title = site.kind_title(kind, lang)
    from .. import pages

    who = site.params.name_of(country, lang) if country else site.region_name(lang)
    crumbs: list[tuple[str, str | None]] = [(site.region_name(lang), pages.home_path(lang))]
    if country:
        crumbs.append((site.params.short_name_of(country, lang), pages.landing_path(lang, country)))
    crumbs.append((title, None))
    full_title = pages.titled(title, who, lang)

    if not record.ok:
        shell = site.shell(rel_path, lang, title=full_title, crumbs=crumbs, country=country, kind=kind)
        site.render("failed.html.j2", rel_path, shell, heading=full_title, error=error_line(record.error))
        return

    out_dir = site.out / record.address.downloads
    out_dir.mkdir(parents=True, exist_ok=True)
    if content is None:
        if site.context is None or site.context.cache is None:
            content, files = make_content(site.params, record, out_dir, site.release.as_of), out_dir
        else:
            content, files = cached_content(site.context, record)
    if content.failure:
        site.failures.append(content.failure)
    assert files is not None
    if files != out_dir:
        for name in content.files:
            place(files / name, out_dir / name)
    page_links = [(label, relative(rel_path, f"{record.address.downloads}/{name}")) for label, name in content.downloads.get("page", [])]
    shell = site.shell(
        rel_path,
        lang,
        title=full_title,
        crumbs=crumbs,
        country=country,
        kind=kind,
        illustrative=content.illustrative,
        has_charts=content.has_charts,
        page_downloads=page_links,
    )
    site.render("page.html.j2", rel_path, shell, body=content.body)
