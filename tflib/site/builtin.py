"""The default site engine: executed notebooks become one static website that works offline.

Nothing is executed here: each page's notebook was run before (one notebook per page) and is
only converted. nbconvert's ``basic`` template turns its outputs into body HTML (no CDN
scripts, no MathJax, no require.js); Vega-Lite outputs become ``<figure class="tf-chart">``
elements holding their spec as JSON, drawn in the browser by ``assets/site.js`` with the
local Vega bundle from vl-convert. Jinja2 templates add the page shell: header, navigation by
country and by dimension, language switch, breadcrumbs and footer.

Layout (relative links only, so the site works from a folder on disk)::

    index.html                          -> the default language's home
    <lang>/index.html                   regional home: members, scores, ranks, warnings
    <lang>/<ISO3>/index.html            country landing: score, rank, warnings, its pages
    <lang>/<ISO3>/<dimension>.html      report pages (downloads in <ISO3>/downloads/<dimension>/)
    <lang>/region/overview.html         the regional overview page
    <lang>/methods.html, cite.html, changes.html, search.html
    assets/  pagefind/  downloads/

Publishing is atomic: the site is built in a temporary folder beside ``site_dir`` and swapped
into place only when complete, so a failure or an interruption leaves the previous site as
it was. Search is a Pagefind index made over the finished site (one index per language).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import html
import http.server
import json
import logging
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import nbformat
from markupsafe import Markup
import polars as pl

from .. import monitor
from .. import page as pagemod
from .. import scores as scoresmod
from ..i18n import N_, fmt_date, fmt_number, fmt_percent, t
from ..params import RegionParams
from ..paths import Project, resolve
from ..tracker import country_name
from .model import PageRecord, Release

log = logging.getLogger(__name__)

ProjectLike = Project | str | Path | None

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
ASSETS = HERE / "assets"

# Page order in navigation: the order of the dimension titles.
DIMENSIONS: tuple[str, ...] = tuple(pagemod.DIMENSION_TITLES)
REGION_DIMENSIONS = ("overview",)
VEGA_LITE_MIME = re.compile(r"^application/vnd\.vegalite\.[^+]*\+json$")
REGION_FOLDER = "region"
SPECIAL_PAGES = ("methods", "cite", "changes", "search")
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
    N_("Built on {date}"),
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
    N_("Licences and attribution"),
    N_("Sources and provenance"),
    N_("The provenance notes below are written in English."),
    N_("Please cite this release as:"),
    N_("The data sources have their own citations: see the methods and sources."),
    N_("Replace [URL] by the address where this site is published."),
    N_("Release"),
    N_("Previous release"),
    N_("first release"),
    N_("tflib version"),
    N_("Changes in this release"),
    N_("Revision notes are written in English."),
    N_("No changes recorded."),
    N_("Pages re-run in this release"),
    N_("Search needs the site to be served: run tflib serve, then open the address it prints."),
    N_("Search needs JavaScript."),
    N_("Choose a language"),
    N_("Total"),
    N_("Same page for other countries"),
)


# ---------------------------------------------------------------------------------------------
# Paths of the site (posix, relative to its root)


def page_path(lang: str, country: str | None, dimension: str) -> str:
    return f"{lang}/{country or REGION_FOLDER}/{dimension}.html"


def home_path(lang: str) -> str:
    return f"{lang}/index.html"


def landing_path(lang: str, iso3: str) -> str:
    return f"{lang}/{iso3}/index.html"


def special_path(lang: str, name: str) -> str:
    return f"{lang}/{name}.html"


def downloads_dir(lang: str, country: str | None, dimension: str) -> str:
    return f"{lang}/{country or REGION_FOLDER}/downloads/{dimension}"


def page_order(dimensions: Iterable[str]) -> list[str]:
    """Dimensions in navigation order: the known ones as in DIMENSIONS, then any other."""
    found = set(dimensions)
    return [d for d in DIMENSIONS if d in found] + sorted(found - set(DIMENSIONS))


def relative(from_page: str, target: str) -> str:
    """Link from the page at `from_page` to `target` (both relative to the site root)."""
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


# ---------------------------------------------------------------------------------------------
# Charts


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


def is_illustrative(spec: dict[str, Any]) -> bool:
    meta = spec.get("usermeta") or {}
    return bool((meta.get("tflib") or {}).get("illustrative"))


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
    """A chart as the page shows it: an empty box site.js draws into, its spec, its downloads."""
    title = chart_title(spec, fallback)
    caption = ""
    if links:
        items = " ".join(f'<a href="{html.escape(href)}" download>{html.escape(label)}</a>' for label, href in links)
        label = html.escape(t("Download", lang))
        caption = f'<figcaption class="tf-downloads" data-pagefind-ignore><span>{label}:</span> {items}</figcaption>'
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


def vega_bundle(specs: Iterable[dict[str, Any]] = ()) -> str:
    """Vega, Vega-Lite and vega-embed as one script (from vl-convert: no network), in the
    Vega-Lite version the charts were made with when vl-convert has it."""
    import vl_convert

    wanted = None
    for spec in specs:
        match = re.search(r"/v(\d+)\.(\d+)(?:\.\d+)?\.json$", str(spec.get("$schema", "")))
        if match:
            wanted = f"{match.group(1)}.{match.group(2)}"
            break
    if wanted and wanted in vl_convert.get_vegalite_versions():
        return vl_convert.javascript_bundle(vl_version=wanted)
    return vl_convert.javascript_bundle()


# ---------------------------------------------------------------------------------------------
# Safe text


def text_blocks(text: str) -> str:
    """Markdown-like text (the reference provenance) as escaped HTML: headings, bullet lists,
    paragraphs and `code`. Everything is escaped first; no markup from the text survives."""

    def inline(s: str) -> str:
        s = html.escape(s, quote=True)
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", s)

    out: list[str] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            out.append("<p>" + inline(" ".join(para)) + "</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if heading:
            flush()
            level = min(len(heading.group(1)) + 2, 6)  # under the page's h1 and section h2
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif re.match(r"^[-*]\s+", stripped):
            if para:
                flush()
            items.append(re.sub(r"^[-*]\s+", "", stripped))
        elif items and raw.startswith((" ", "\t")):
            items[-1] += " " + stripped  # continuation of a list item
        else:
            if items:
                flush()
            para.append(stripped)
    flush()
    return "\n".join(out)


def error_line(error: str | None) -> str:
    """The first line of a page's error ("cell N: Ename: message"), at most 500 characters."""
    line = (error or "").strip().splitlines()[0] if (error or "").strip() else "unknown error"
    return line if len(line) <= 500 else line[:499] + "…"


# ---------------------------------------------------------------------------------------------
# The site being built


@dataclass
class Link:
    label: str
    href: str
    current: bool = False
    note: str = ""
    failed: bool = False


@dataclass
class Site:
    params: RegionParams
    release: Release
    project: Project
    out: Path  # the temporary folder being filled
    records: dict[tuple[str, str | None, str], PageRecord]
    scores: pl.DataFrame
    warnings: pl.DataFrame
    env: jinja2.Environment
    exporter: Any = None
    planned: set[str] = field(default_factory=set)
    bulk: list[tuple[str, str]] = field(default_factory=list)  # (label, path from the root)
    briefs: dict[tuple[str, str], str] = field(default_factory=dict)  # (lang, iso3) -> path
    cache_dir: Path | None = None  # downloads of unchanged pages are reused from here

    @property
    def languages(self) -> list[str]:
        return list(self.params.languages)

    @property
    def members(self) -> list[str]:
        return self.params.region.member_codes

    def region_name(self, lang: str) -> str:
        return self.params.text(self.params.region.name, lang)

    def dimension_title(self, dimension: str, lang: str) -> str:
        title = pagemod.DIMENSION_TITLES.get(dimension)
        return t(title, lang) if title else dimension.replace("_", " ").capitalize()

    def record(self, lang: str, country: str | None, dimension: str) -> PageRecord | None:
        return self.records.get((lang, country, dimension))

    def country_dimensions(self, lang: str, iso3: str) -> list[str]:
        return page_order(d for (l, c, d) in self.records if l == lang and c == iso3)

    def region_dimensions(self, lang: str) -> list[str]:
        return page_order(d for (l, c, d) in self.records if l == lang and c is None)

    def all_dimensions(self) -> list[str]:
        """Country dimensions that have a page in any language, in page order."""
        return page_order(d for (_, c, d) in self.records if c is not None)

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

    # -- shared page context ----------------------------------------------------------------

    def alternate(self, rel_path: str, lang: str) -> str:
        """The same page in `lang`, or that language's home when it has no such page."""
        rest = rel_path.split("/", 1)[1] if "/" in rel_path else rel_path
        target = f"{lang}/{rest}"
        return target if target in self.planned else home_path(lang)

    def shell(self, rel_path: str, lang: str, *, title: str, crumbs: list[tuple[str, str | None]], country: str | None = None, dimension: str | None = None, illustrative: bool = False, has_charts: bool = False, page_downloads: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        link = functools.partial(relative, rel_path)
        languages = [
            Link(language_name(code), link(self.alternate(rel_path, code)), current=code == lang, note=code)
            for code in self.languages
        ]
        countries = []
        for iso3 in self.members:
            countries.append(
                Link(
                    country_name(iso3, lang),
                    link(landing_path(lang, iso3)),
                    current=iso3 == country,
                    note=t("party", lang) if self.params.region.is_party(iso3) else t("not a party", lang),
                )
            )
        pages = []
        for dim in self.region_dimensions(lang):
            rec = self.record(lang, None, dim)
            pages.append(Link(self.dimension_title(dim, lang), link(page_path(lang, None, dim)), current=country is None and dimension == dim, failed=not rec.ok))
        if country:
            for dim in self.country_dimensions(lang, country):
                rec = self.record(lang, country, dim)
                pages.append(Link(self.dimension_title(dim, lang), link(page_path(lang, country, dim)), current=dimension == dim, failed=not rec.ok))
        # The same dimension for the other countries: compare across members in one click.
        others = []
        if country and dimension:
            for iso3 in self.members:
                if iso3 != country and (lang, iso3, dimension) in self.records:
                    others.append(Link(country_name(iso3, lang), link(page_path(lang, iso3, dimension)), failed=not self.records[(lang, iso3, dimension)].ok))
        return {
            "lang": lang,
            "title": title,
            "region_name": self.region_name(lang),
            "release": self.release,
            "as_of": fmt_date(self.params.as_of, lang, "long"),
            "built_on": fmt_date(self.release.built_on, lang, "long"),
            "asset": lambda name: link(f"assets/{name}"),
            "root": link("index.html"),
            "home": link(home_path(lang)),
            "methods": link(special_path(lang, "methods")),
            "cite": link(special_path(lang, "cite")),
            "changes": link(special_path(lang, "changes")),
            "search": link(special_path(lang, "search")),
            "pagefind": link("pagefind") + "/",
            "site_root": link("index.html").removesuffix("index.html") or "./",
            "languages": languages,
            "countries": countries,
            "pages": pages,
            "others": others,
            "crumbs": [(label, link(target) if target else None) for label, target in crumbs],
            "illustrative": illustrative,
            "has_charts": has_charts,
            "bundle": link(BUNDLE),
            "page_downloads": page_downloads or [],
            "_": lambda message, **values: t(message, lang, **values),
        }

    def render(self, template: str, rel_path: str, shell: dict[str, Any], **values: Any) -> Path:
        text = self.env.get_template(template).render(**shell, **values)
        return self.write(rel_path, text)


def language_name(code: str) -> str:
    """The language's own name ("Español", "English", "Français")."""
    try:
        from babel import Locale

        name = Locale.parse(code).get_display_name(code) or code
    except Exception:  # noqa: BLE001 - an unknown code is shown as it is
        return code
    return name[:1].upper() + name[1:]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# ---------------------------------------------------------------------------------------------
# Optional writers of other modules (downloads, bulk export, briefs)


def _downloads_module():
    try:
        from . import downloads
    except ImportError:
        return None
    return downloads


def _brief_module():
    try:
        from . import brief
    except ImportError:
        return None
    return brief


def _accepts(func: Any, name: str) -> bool:
    import inspect

    try:
        return name in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def _links_from(site: Site, from_page: str, pairs: Iterable[tuple[str, Path]]) -> list[tuple[str, str]]:
    return [(str(label), relative(from_page, site.rel_of(Path(path)))) for label, path in pairs]


# ---------------------------------------------------------------------------------------------
# Pages


def _report_page(site: Site, record: PageRecord) -> None:
    lang, country, dim = record.lang, record.country, record.dimension
    rel_path = page_path(lang, country, dim)
    title = site.dimension_title(dim, lang)
    who = country_name(country, lang) if country else site.region_name(lang)
    crumbs: list[tuple[str, str | None]] = [(site.region_name(lang), home_path(lang))]
    if country:
        crumbs.append((country_name(country, lang), landing_path(lang, country)))
    crumbs.append((title, None))
    full_title = f"{title}: {who}"

    if not record.ok:
        shell = site.shell(rel_path, lang, title=full_title, crumbs=crumbs, country=country, dimension=dim)
        site.render("failed.html.j2", rel_path, shell, heading=full_title, error=error_line(record.error))
        return

    nb = nbformat.read(record.notebook, as_version=4)
    specs = chart_specs(nb)
    captions: dict[int, list[tuple[str, str]]] = {}
    page_links: list[tuple[str, str]] = []
    downloads = _downloads_module()
    if downloads is not None:
        out_dir = site.out / downloads_dir(lang, country, dim)
        out_dir.mkdir(parents=True, exist_ok=True)
        extra = {"as_of": site.release.as_of} if _accepts(downloads.write_page_downloads, "as_of") else {}
        try:
            written = _cached_downloads(site, record, specs, out_dir, lang, extra)
        except Exception:  # noqa: BLE001 - a page without downloads is still a page
            log.exception("downloads failed for %s", record.page_id)
            written = {}
        for key, pairs in (written or {}).items():
            links = _links_from(site, rel_path, pairs)
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
        dimension=dim,
        illustrative=any(is_illustrative(s) for s in specs),
        has_charts=bool(specs),
        page_downloads=page_links,
    )
    site.render("page.html.j2", rel_path, shell, body=body)


def _cached_downloads(site: Site, record: PageRecord, specs: list[dict], out_dir: Path, lang: str, extra: dict) -> dict:
    """The page's downloads, reused when the same page (same executed notebook, same code)
    was published before: rendering charts to PNG is the slow part of publishing."""
    import hashlib
    import json as _json

    from ..build import code_hash

    downloads = _downloads_module()
    if site.cache_dir is None:
        return downloads.write_page_downloads(record, specs, out_dir, lang, **extra)
    key = hashlib.sha256(record.notebook.read_bytes() + lang.encode() + code_hash().encode() + str(extra).encode()).hexdigest()
    cached = site.cache_dir / "downloads" / key
    index = cached / "_links.json"
    if not index.exists():
        tmp = cached.with_name(key + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        written = downloads.write_page_downloads(record, specs, tmp, lang, **extra)
        links = {k: [[str(label), str(Path(p).relative_to(tmp))] for label, p in pairs] for k, pairs in (written or {}).items()}
        (tmp / "_links.json").write_text(_json.dumps(links), encoding="utf-8")
        shutil.rmtree(cached, ignore_errors=True)
        tmp.rename(cached)
    links = _json.loads(index.read_text(encoding="utf-8"))
    for f in cached.iterdir():
        if f.name != "_links.json":
            shutil.copyfile(f, out_dir / f.name)
    return {k: [(label, out_dir / rel) for label, rel in pairs] for k, pairs in links.items()}


def _score_row(site: Site, iso3: str) -> dict[str, Any] | None:
    rows = site.scores.filter(pl.col("country") == iso3).to_dicts()
    return rows[0] if rows else None


def _score_cells(site: Site, iso3: str, lang: str) -> dict[str, str]:
    row = _score_row(site, iso3)
    parties = len(site.params.region.parties)
    if row is None:
        return {"score": t("not scored", lang), "rank": "–", "rate": "–"}
    score = fmt_percent(row["score"], lang) if row["score"] is not None else t("no data", lang)
    if row["rank"] is None:
        rank = t("no data", lang)
    else:
        rank = t("{rank} of {n}", lang, rank=fmt_number(row["rank"], lang, 0), n=fmt_number(parties, lang, 0))
        if row["tied"]:
            rank = t("{rank} (tied)", lang, rank=rank)
    rate = fmt_percent(row["implementation_rate"], lang) if row.get("implementation_rate") is not None else t("no data", lang)
    return {"score": score, "rank": rank, "rate": rate}


def _warning_counts(site: Site, iso3: str | None = None) -> dict[str, int]:
    frame = site.warnings if iso3 is None else site.warnings.filter(pl.col("country") == iso3)
    counts = {k: 0 for k in monitor.KINDS}
    for row in frame.group_by("kind", maintain_order=True).len().to_dicts():
        counts[row["kind"]] = int(row["len"])
    return counts


def _tracker_illustrative(site: Site, iso3: str | None = None) -> bool:
    frames = [site.scores, site.warnings]
    flags = []
    for frame in frames:
        if "illustrative" in frame.columns and frame.height:
            f = frame if iso3 is None else frame.filter(pl.col("country") == iso3)
            flags.append(bool(f["illustrative"].fill_null(False).any()))
    return any(flags)


def _page_links(site: Site, lang: str, from_page: str, country: str | None) -> list[Link]:
    dims = site.country_dimensions(lang, country) if country else site.region_dimensions(lang)
    out = []
    for dim in dims:
        rec = site.record(lang, country, dim)
        out.append(Link(site.dimension_title(dim, lang), relative(from_page, page_path(lang, country, dim)), failed=not rec.ok))
    return out


def _home(site: Site, lang: str) -> None:
    rel_path = home_path(lang)
    name = site.region_name(lang)
    shell = site.shell(rel_path, lang, title=name, crumbs=[(name, None)], illustrative=_tracker_illustrative(site))
    rows = []
    for iso3 in site.members:
        cells = _score_cells(site, iso3, lang)
        pages = _page_links(site, lang, rel_path, iso3)
        rows.append(
            {
                "name": country_name(iso3, lang),
                "iso3": iso3,
                "href": relative(rel_path, landing_path(lang, iso3)),
                "party": site.params.region.is_party(iso3),
                "warnings": fmt_number(sum(_warning_counts(site, iso3).values()), lang, 0),
                "pages": pages,
                "failed": sum(p.failed for p in pages),
                **cells,
            }
        )
    dims = site.all_dimensions()
    matrix = []
    for iso3 in site.members:
        cells = []
        for dim in dims:
            rec = site.record(lang, iso3, dim)
            cells.append(None if rec is None else Link("", relative(rel_path, page_path(lang, iso3, dim)), failed=not rec.ok))
        if any(c is not None for c in cells):
            matrix.append({"name": country_name(iso3, lang), "cells": cells})
    total = sum(_warning_counts(site).values())
    site.render(
        "home.html.j2",
        rel_path,
        shell,
        heading=name,
        intro=t("{strategy}: implementation by the members as of {date}.", lang, strategy=site.params.text(site.params.strategy.name, lang), date=fmt_date(site.params.as_of, lang, "long")),
        overview=_page_links(site, lang, rel_path, None),
        rows=rows,
        dims=[site.dimension_title(d, lang) for d in dims],
        matrix=matrix,
        warnings_total=t("{n} early warnings across the region as of {date}.", lang, n=fmt_number(total, lang, 0), date=fmt_date(site.params.as_of, lang, "long")),
        bulk=[(t(label, lang), relative(rel_path, target)) for label, target in site.bulk],
    )


def _landing(site: Site, lang: str, iso3: str) -> None:
    rel_path = landing_path(lang, iso3)
    name = country_name(iso3, lang)
    shell = site.shell(rel_path, lang, title=name, crumbs=[(site.region_name(lang), home_path(lang)), (name, None)], country=iso3, illustrative=_tracker_illustrative(site, iso3))
    party = site.params.region.is_party(iso3)
    status = (
        t("{country} is a party to the strategy: it is scored and ranked.", lang, country=name)
        if party
        else t("{country} is tracked and compared, not scored: it is not bound by the strategy.", lang, country=name)
    )
    counts = _warning_counts(site, iso3)
    brief = site.briefs.get((lang, iso3))
    site.render(
        "country.html.j2",
        rel_path,
        shell,
        heading=name,
        status=status,
        party=party,
        cells=_score_cells(site, iso3, lang),
        warnings=[(monitor.kind_label(k, lang), fmt_number(v, lang, 0)) for k, v in counts.items()],
        warnings_total=fmt_number(sum(counts.values()), lang, 0),
        has_warnings=sum(counts.values()) > 0,
        report_pages=_page_links(site, lang, rel_path, iso3),
        brief=relative(rel_path, brief) if brief else None,
    )


def _methods(site: Site, lang: str, provenance: str) -> None:
    rel_path = special_path(lang, "methods")
    title = t("Methods and sources", lang)
    shell = site.shell(rel_path, lang, title=title, crumbs=[(site.region_name(lang), home_path(lang)), (title, None)])
    measures = [
        {"id": m.id, "name": site.params.text(m.name, lang)}
        for m in site.params.measures
        if m.illustrative
    ]
    scoring = [
        t("Scores follow the UN Global Survey on Digital and Sustainable Trade Facilitation: a measure earns 3 points when fully implemented, 2 when partially implemented, 1 at pilot stage and 0 when not started.", lang),
        t("Measures that do not apply to a country are left out of its maximum. A measure nobody reported on is shown as no data: it earns no points but still counts in the maximum, so missing reports never raise a score.", lang),
        t("A measure's completion is the duration-weighted mean of the latest percent complete of its steps.", lang),
        t("A party's implementation score is its points as a share of its maximum points. Parties are ranked by score; equal scores share a rank. Only parties to the strategy are scored; the other members are tracked and compared.", lang),
        t("The implementation rate (WTO TFA style) is the share of a party's commitments that are fully implemented; the on-time rate is the share of the commitments already due that were implemented by their deadline.", lang),
    ]
    caveat = {key: t(text, lang) for key, text in pagemod.CAVEATS.items()}
    licences = [
        {
            "text": t("Logistics Performance Index: World Bank, licensed under Creative Commons Attribution 4.0 (CC BY 4.0).", lang),
            "links": [("lpi.worldbank.org", EXTERNAL_LINKS["lpi"]), ("CC BY 4.0", EXTERNAL_LINKS["cc_by"])],
        },
        {"text": t("Doing Business, Trading across borders: World Bank, editions DB2016 to DB2020.", lang) + " " + caveat["doing_business"], "links": []},
        {"text": t("Country boundaries: Natural Earth (public domain).", lang) + " " + caveat["boundaries"], "links": [("naturalearthdata.com", EXTERNAL_LINKS["natural_earth"])]},
    ]
    site.render(
        "methods.html.j2",
        rel_path,
        shell,
        heading=title,
        illustrative_text=t(
            "No tracker data is public. The tracker figures of this site (action items, progress reports, national indicators, "
            "and the scores, ranks and early warnings computed from them) are ILLUSTRATIVE: they were made by a seeded generator "
            "and are not real figures. The reference data (World Bank LPI, Doing Business, Natural Earth boundaries) is real and published.",
            lang,
        ),
        measures=measures,
        scoring=scoring,
        caveats=[text for key, text in caveat.items() if key != "illustrative"],
        licences=licences,
        provenance=Markup(text_blocks(provenance)),
        provenance_in_english=lang != "en",
    )


def _cite(site: Site, lang: str) -> None:
    rel_path = special_path(lang, "cite")
    title = t("How to cite", lang)
    shell = site.shell(rel_path, lang, title=title, crumbs=[(site.region_name(lang), home_path(lang)), (title, None)])
    work = t("Trade Facilitation Reform Tracker: {region}", lang, region=site.region_name(lang))
    release = site.release
    citation = t(
        "{secretariat}. {title}. Release {release}, data as of {date}. [URL]",
        lang,
        secretariat=site.params.region.secretariat,
        title=work,
        release=release.release_id,
        date=fmt_date(release.as_of, lang, "long"),
    )
    bibtex = "\n".join(
        [
            f"@misc{{{re.sub(r'[^A-Za-z0-9_-]', '_', release.release_id)},",
            f"  author = {{{{{site.params.region.secretariat}}}}},",
            f"  title = {{{work}}},",
            f"  year = {{{release.as_of.year}}},",
            f"  note = {{Release {release.release_id}, data as of {release.as_of.isoformat()}}},",
            "  url = {[URL]}",
            "}",
        ]
    )
    site.render("cite.html.j2", rel_path, shell, heading=title, citation=citation, bibtex=bibtex)


def _changes(site: Site, lang: str) -> None:
    rel_path = special_path(lang, "changes")
    title = t("Revision log", lang)
    shell = site.shell(rel_path, lang, title=title, crumbs=[(site.region_name(lang), home_path(lang)), (title, None)])
    release = site.release
    # Re-run pages, once per page whatever the language; linked in this language when it has one.
    seen: dict[tuple[str | None, str], set[str]] = {}
    for page_id in release.changed_pages:
        parts = page_id.split("/")
        if len(parts) != 3:
            continue
        page_lang, where, dim = parts
        seen.setdefault((None if where == REGION_FOLDER else where, dim), set()).add(page_lang)
    changed = []
    order = {d: i for i, d in enumerate(page_order(d for _, d in seen))}
    for (country, dim), langs in sorted(seen.items(), key=lambda kv: (kv[0][0] is not None, kv[0][0] or "", order[kv[0][1]])):
        who = country_name(country, lang) if country else site.region_name(lang)
        label = f"{site.dimension_title(dim, lang)}: {who} ({', '.join(sorted(langs))})"
        target = page_path(lang, country, dim)
        changed.append(Link(label, relative(rel_path, target) if target in site.planned else ""))
    site.render(
        "changes.html.j2",
        rel_path,
        shell,
        heading=title,
        previous=release.previous_release,
        as_of_long=fmt_date(release.as_of, lang, "long"),
        notes=list(release.changes),
        notes_in_english=lang != "en" and bool(release.changes),
        changed=changed,
    )


def _search(site: Site, lang: str) -> None:
    rel_path = special_path(lang, "search")
    title = t("Search", lang)
    shell = site.shell(rel_path, lang, title=title, crumbs=[(site.region_name(lang), home_path(lang)), (title, None)])
    site.render(
        "search.html.j2",
        rel_path,
        shell,
        heading=title,
    )


def _root(site: Site) -> None:
    default = site.params.region.default_language
    links = [Link(language_name(code), home_path(code)) for code in site.languages]
    text = site.env.get_template("root.html.j2").render(
        lang=default,
        title=site.region_name(default),
        target=home_path(default),
        links=links,
        asset=lambda name: f"assets/{name}",
        _=lambda message, **values: t(message, default, **values),
    )
    site.write("index.html", text)


# ---------------------------------------------------------------------------------------------
# Search


def index_search(folder: Path) -> None:
    """Pagefind over the finished site: one index per page language (from <html lang>), only
    the content marked data-pagefind-body; writes folder/pagefind/ with its UI files."""
    cmd = [sys.executable, "-m", "pagefind", "--site", str(folder), "--keep-index-url", "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not (folder / "pagefind" / "pagefind.js").exists():
        raise RuntimeError(f"pagefind failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


# ---------------------------------------------------------------------------------------------
# Publishing


def _index_records(params: RegionParams, records: list[PageRecord]) -> dict[tuple[str, str | None, str], PageRecord]:
    out: dict[tuple[str, str | None, str], PageRecord] = {}
    members = set(params.region.member_codes)
    for rec in records:
        if rec.lang not in params.languages:
            raise ValueError(f"page {rec.page_id}: {rec.lang!r} is not a language of region {params.id!r}")
        if rec.country is not None and rec.country not in members:
            raise ValueError(f"page {rec.page_id}: {rec.country!r} is not a member of region {params.id!r}")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", rec.dimension) or rec.dimension in SPECIAL_PAGES or rec.dimension == "index":
            raise ValueError(f"page {rec.page_id}: {rec.dimension!r} cannot be a page name")
        if rec.ok and not Path(rec.notebook).exists():
            raise ValueError(f"page {rec.page_id}: executed notebook {rec.notebook} does not exist")
        key = (rec.lang, rec.country, rec.dimension)
        if key in out:
            raise ValueError(f"page {rec.page_id} is given twice")
        out[key] = rec
    return out


def _public_warnings(params: RegionParams, project: Project) -> pl.DataFrame:
    frame = monitor.warnings_for_region(params, as_of=params.as_of, project=project)
    ctx = pagemod.Context(params=params, country=None, lang=params.region.default_language, as_of=params.as_of, project=project)
    return pagemod.public(frame, ctx)


def build_site(params: RegionParams, records: list[PageRecord], out: Path, release: Release, project: ProjectLike = None, cache_dir: Path | None = None) -> None:
    """Write the whole site into the empty folder `out` (no search index, no swap)."""
    proj = resolve(project)
    from .. import reference

    site = Site(
        params=params,
        release=release,
        project=proj,
        out=out,
        records=_index_records(params, records),
        cache_dir=cache_dir,
        scores=scoresmod.scores(params, as_of=params.as_of, project=proj),
        warnings=_public_warnings(params, proj),
        env=_environment(),
        exporter=html_exporter(),
    )
    # Every page that will exist, so links (and the language switch) only point at real files.
    for lang in site.languages:
        site.planned.add(home_path(lang))
        site.planned.update(special_path(lang, name) for name in SPECIAL_PAGES)
        site.planned.update(landing_path(lang, iso3) for iso3 in site.members)
    site.planned.update(page_path(lang, c, d) for (lang, c, d) in site.records)

    # Assets: the stylesheet and script, and the Vega bundle once for every page.
    (out / "assets").mkdir(parents=True, exist_ok=True)
    for asset in sorted(ASSETS.iterdir()):
        if asset.is_file():
            shutil.copyfile(asset, out / "assets" / asset.name)
    first_specs = []
    for rec in site.records.values():
        if rec.ok:
            first_specs = chart_specs(nbformat.read(rec.notebook, as_version=4))
            if first_specs:
                break
    (out / BUNDLE).write_text(vega_bundle(first_specs), encoding="utf-8")

    downloads = _downloads_module()
    if downloads is not None:
        try:
            pairs = downloads.write_bulk_export(params, out / "downloads", project=proj)
            site.bulk = [(str(label), site.rel_of(Path(path))) for label, path in pairs]
        except Exception:  # noqa: BLE001 - the site is still useful without the bulk export
            log.exception("bulk export failed")
    brief = _brief_module()
    if brief is not None:
        with_pages = sorted({c for (_, c, _) in site.records if c is not None}, key=site.members.index)
        for lang in site.languages:
            for iso3 in with_pages:
                target = out / lang / iso3 / "brief.pdf"
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    written = brief.write_country_brief(params, iso3, lang, target, project=proj)
                    site.briefs[(lang, iso3)] = site.rel_of(Path(written or target))
                except Exception:  # noqa: BLE001 - a landing page without its brief is still a page
                    log.exception("brief failed for %s %s", iso3, lang)

    for key in sorted(site.records, key=lambda k: (k[0], k[1] or "", k[2])):
        _report_page(site, site.records[key])
    provenance = reference.provenance(proj)
    for lang in site.languages:
        _home(site, lang)
        for iso3 in site.members:
            _landing(site, lang, iso3)
        _methods(site, lang, provenance)
        _cite(site, lang)
        _changes(site, lang)
        _search(site, lang)
    _root(site)


@contextlib.contextmanager
def _lock(site_dir: Path) -> Iterator[None]:
    """One publisher at a time per site folder (a lock file beside it)."""
    lock_path = site_dir.parent / f".{site_dir.name}.lock"
    with open(lock_path, "a+") as fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - not POSIX: no lock
            pass
        yield


def _recover(site_dir: Path) -> None:
    """Undo what an interrupted publish left: a site moved aside but not replaced is put back;
    half-built folders and old backups are removed."""
    parent = site_dir.parent
    backups = sorted(parent.glob(f".{site_dir.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not site_dir.exists() and backups:
        os.replace(backups.pop(), site_dir)
    for leftover in [*backups, *parent.glob(f".{site_dir.name}.new-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def _swap(new: Path, site_dir: Path) -> None:
    """Put `new` in the place of `site_dir`: old -> backup, new -> site_dir, backup deleted."""
    backup = None
    if site_dir.exists():
        backup = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
        backup.rmdir()
        os.replace(site_dir, backup)
    try:
        os.replace(new, site_dir)
    except BaseException:
        if backup is not None:
            os.replace(backup, site_dir)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def publish(params: RegionParams, records: list[PageRecord], site_dir: Path, release: Release, project: ProjectLike = None, cache_dir: Path | None = None) -> Path:
    """Build the site from the executed pages and put it at `site_dir` atomically.

    The site is written to a temporary folder beside `site_dir` (same file system), indexed
    for search, and only then swapped into place: an error or an interruption leaves the
    previous site untouched. Returns `site_dir`.
    """
    site_dir = Path(site_dir).absolute()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    with _lock(site_dir):
        _recover(site_dir)
        tmp = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.new-", dir=site_dir.parent))
        try:
            build_site(params, records, tmp, release, project, cache_dir)
            index_search(tmp)
            tmp.chmod(0o755)  # mkdtemp makes it private; a published site is readable
            _swap(tmp, site_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return site_dir


# ---------------------------------------------------------------------------------------------
# Serving


MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".dta": "application/x-stata-dta",
    ".zip": "application/zip",
    ".wasm": "application/wasm",
    ".pagefind": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.info("%s %s", self.address_string(), format % args)


def make_server(site_dir: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A static file server for `site_dir` on 127.0.0.1 (port 0 picks a free port)."""
    folder = Path(site_dir)
    if not (folder / "index.html").exists():
        raise FileNotFoundError(f"no site at {folder} (no index.html)")
    handler = functools.partial(_Handler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve(site_dir: Path, port: int = 8000) -> None:
    """Serve the site on http://127.0.0.1:PORT/ until interrupted (Ctrl+C)."""
    server = make_server(site_dir, port)
    host, real_port = server.server_address[:2]
    print(f"serving {Path(site_dir)} on http://{host}:{real_port}/ (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
