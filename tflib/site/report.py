"""Report pages of the builtin site: an executed notebook becomes page HTML and downloads.

Nothing is executed here. nbconvert's ``basic`` template turns the notebook's outputs into
body HTML (no CDN scripts, no MathJax, no require.js); Vega-Lite outputs become
``<figure class="tf-chart">`` elements holding their spec as JSON, drawn in the browser by
``assets/site.js`` with the local Vega bundle. The release tables each output carries
(`tflib.tables.MIME`) are the page's downloads: nothing is read back from a chart's spec.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from .. import fingerprint
from ..i18n import t
from ..tables import MIME as TABLE_MIME
from ..tables import Table, unique_names
from . import downloads
from .model import PageRecord
from .shell import Site, relative

VEGA_LITE_MIME = re.compile(r"^application/vnd\.vegalite\.[^+]*\+json$")


def chart_mime(data: dict[str, Any]) -> str | None:
    return next((k for k in data if VEGA_LITE_MIME.match(k)), None)


def chart_specs(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
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


def figure_html(spec: dict[str, Any], n: int, links: list[tuple[str, str]], lang: str, fallback: str = "") -> str:
    """A chart as the page shows it: an empty box site.js draws into, its spec, and its
    downloads: the chart as SVG and PNG (made in the browser once it is drawn) and the
    data of its tables."""
    title = chart_title(spec, fallback)
    exports = " ".join(
        f'<button type="button" class="tf-export" data-format="{fmt}" disabled>{fmt.upper()}</button>' for fmt in ("svg", "png")
    )
    items = " ".join(f'<a href="{html.escape(href)}" download>{html.escape(label)}</a>' for label, href in links)
    label = html.escape(t("Download", lang))
    caption = f'<figcaption class="tf-downloads" data-pagefind-ignore><span>{label}:</span> {exports} {items}</figcaption>'
    return (
        f'<figure class="tf-chart" id="chart-{n}">'
        f'<div class="tf-vega" role="img" aria-label="{html.escape(title)}"><p class="tf-chart-fallback">{html.escape(title)}</p></div>'
        f'<script type="application/json" class="tf-spec">{spec_json(spec)}</script>'
        f"{caption}</figure>"
    )


def prepare_notebook(nb: nbformat.NotebookNode, captions: dict[int, list[tuple[str, str]]], lang: str) -> nbformat.NotebookNode:
    """A copy of the executed notebook ready for nbconvert: Vega-Lite outputs replaced by
    figures, stderr and error outputs dropped (a published page shows results only), and
    code cells left without output removed."""
    nb = copy.deepcopy(nb)
    n = 0
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            outputs = []
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error" or (out.get("output_type") == "stream" and out.get("name") == "stderr"):
                    continue
                data = out.get("data", {})
                key = chart_mime(data)
                if key:
                    n += 1
                    fallback = str(data.get("text/plain", "")).removeprefix("[chart] ")
                    out = nbformat.v4.new_output("display_data", data={"text/html": figure_html(data[key], n, captions.get(n, []), lang, fallback)})
                outputs.append(out)
            cell.outputs = outputs
            if not outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


def html_exporter():
    """nbconvert's basic template: body HTML only (no CDN scripts, MathJax or require.js)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


def notebook_body(nb: nbformat.NotebookNode, exporter: Any = None) -> str:
    body, _ = (exporter or html_exporter()).from_notebook_node(nb)
    return body


def vega_bundle(specs: Iterable[dict[str, Any]] = (), cache_dir: Path | None = None) -> str:
    """Vega, Vega-Lite and vega-embed as one script (from vl-convert: no network), in the
    Vega-Lite version the charts were made with when vl-convert has it. Bundling takes
    seconds, so it is kept in `cache_dir` per vl-convert and Vega-Lite version."""
    import vl_convert

    wanted = None
    for spec in specs:
        match = re.search(r"/v(\d+)\.(\d+)(?:\.\d+)?\.json$", str(spec.get("$schema", "")))
        if match:
            wanted = f"{match.group(1)}.{match.group(2)}"
            break
    if not (wanted and wanted in vl_convert.get_vegalite_versions()):
        wanted = None
    cached = None if cache_dir is None else Path(cache_dir) / f"vega-bundle-{getattr(vl_convert, '__version__', 'unknown')}-{wanted or 'default'}.js"
    if cached is not None and cached.is_file():
        return cached.read_text(encoding="utf-8")
    text = vl_convert.javascript_bundle(vl_version=wanted) if wanted else vl_convert.javascript_bundle()
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(cached.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(cached)  # whole or absent, should a build be stopped here
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


def outputs(nb: nbformat.NotebookNode) -> list[Output]:
    """The page's charts and tables in page order, each with its release tables."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            key = chart_mime(data)
            payload = data.get(TABLE_MIME)
            tables = [Table.from_payload(p) for p in (payload or {}).get("tables", [])]
            if key or tables:
                out.append(Output(data[key] if key else None, tables))
    return out


def page_tables(nb: nbformat.NotebookNode) -> list[Table]:
    """Every release table of the page, once each, in page order."""
    return unique_names(tab for o in outputs(nb) for tab in o.tables)


def report_page(site: Site, record: PageRecord) -> None:
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

    nb = nbformat.read(record.notebook, as_version=4)
    found = outputs(nb)
    specs = [o.spec for o in found if o.spec is not None]
    captions: dict[int, list[tuple[str, str]]] = {}
    page_links: list[tuple[str, str]] = []
    out_dir = site.out / record.address.downloads
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        written = _cached_downloads(site, record, found, out_dir, lang)
    except Exception as exc:  # noqa: BLE001 - the page is published; the failure fails the build
        site.failures.append(f"{record.page_id}: downloads: {type(exc).__name__}: {exc}")
        written = {}
    for key, pairs in written.items():
        links = [(str(label), relative(rel_path, site.rel_of(Path(path)))) for label, path in pairs]
        if key == "page":
            page_links = links
        elif key.startswith("chart-") and key[6:].isdigit():
            captions[int(key[6:])] = links
    body = notebook_body(prepare_notebook(nb, captions, lang), site.exporter)
    shell = site.shell(
        rel_path,
        lang,
        title=full_title,
        crumbs=crumbs,
        country=country,
        kind=kind,
        illustrative=any(tab.illustrative for o in found for tab in o.tables),
        has_charts=bool(specs),
        page_downloads=page_links,
    )
    site.render("page.html.j2", rel_path, shell, body=body)


def _cached_downloads(site: Site, record: PageRecord, found: list[Output], out_dir: Path, lang: str) -> dict[str, list[tuple[str, Path]]]:
    """The page's downloads, reused when the same page (same executed notebook, same code)
    was published before: rendering charts to PNG is the slow part of publishing."""
    if site.cache_dir is None:
        return downloads.write_page_downloads(record, found, out_dir, lang, title=downloads.page_title(site.params, record, lang), as_of=site.release.as_of)
    key = hashlib.sha256(record.notebook.read_bytes() + lang.encode() + fingerprint.code_digest().encode() + site.release.as_of.isoformat().encode()).hexdigest()
    cached = site.cache_dir / "page-downloads" / key
    index = cached / "_links.json"
    if not index.exists():
        tmp = cached.with_name(key + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        written = downloads.write_page_downloads(record, found, tmp, lang, title=downloads.page_title(site.params, record, lang), as_of=site.release.as_of)
        links = {k: [[str(label), str(Path(p).relative_to(tmp))] for label, p in pairs] for k, pairs in written.items()}
        (tmp / "_links.json").write_text(json.dumps(links), encoding="utf-8")
        shutil.rmtree(cached, ignore_errors=True)
        tmp.rename(cached)
    links = json.loads(index.read_text(encoding="utf-8"))
    for f in cached.iterdir():
        if f.name != "_links.json":
            shutil.copyfile(f, out_dir / f.name)
    return {k: [(label, out_dir / rel) for label, rel in pairs] for k, pairs in links.items()}
