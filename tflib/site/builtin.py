"""The default site engine: executed notebooks become one static website per region that
works offline.

Nothing is executed or computed here: each page's notebook was run before (one notebook per
page) and is only converted (`tflib.site.report`); the site's own pages (`tflib.site.landing`),
the downloads, the bulk export and the PDF briefs read the build's release tables. Layout of
a region's site, from the page registry (`tflib.pages`), with relative links only::

    index.html                          -> the default language's home
    <lang>/index.html                   regional home: members, scores, ranks, warnings
    <lang>/<ISO3>/index.html            member landing: score, rank, warnings, its pages, brief
    <lang>/<ISO3>/<kind>.html           report pages (downloads in <ISO3>/downloads/<kind>/)
    <lang>/region/overview.html         the regional overview page
    <lang>/methods.html, cite.html, changes.html, search.html
    assets/  pagefind/  downloads/

Publishing is atomic (`tflib.site.atomic`); search is a Pagefind index over the finished site.
A download, brief or export that cannot be written is listed in the returned failures (the
build exits 1) and the rest of the site is still published.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from .. import pages
from ..i18n import t
from ..inputs import PROVENANCE, ReleaseTables, release_dir
from ..params import RegionParams, available_regions, load_region
from ..paths import Project, resolve
from . import atomic, brief, downloads, landing, report
from .model import PageRecord, Release
from .shell import ASSETS, BUNDLE, Site, environment


def index_search(folder: Path) -> None:
    """Pagefind over the finished site: one index per page language (from <html lang>), only
    the content marked data-pagefind-body; writes folder/pagefind/ with its UI files."""
    cmd = [sys.executable, "-m", "pagefind", "--site", str(folder), "--keep-index-url", "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not (folder / "pagefind" / "pagefind.js").exists():
        raise RuntimeError(f"pagefind failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


def _index_records(params: RegionParams, records: list[PageRecord]) -> dict[pages.Address, PageRecord]:
    out: dict[pages.Address, PageRecord] = {}
    for rec in records:
        if rec.address.region != params.id or rec.lang not in params.languages:
            raise ValueError(f"page {rec.page_id} is not a page of region {params.id!r}")
        if rec.ok and not Path(rec.notebook).exists():
            raise ValueError(f"page {rec.page_id}: executed notebook {rec.notebook} does not exist")
        if rec.address in out:
            raise ValueError(f"page {rec.page_id} is given twice")
        out[rec.address] = rec
    return out


def _first_specs(records: list[PageRecord]) -> list[dict]:
    for rec in records:
        if rec.ok:
            specs = [o.spec for o in report.outputs(nbformat.read(rec.notebook, as_version=4)) if o.spec is not None]
            if specs:
                return specs
    return []


def build_site(params: RegionParams, records: list[PageRecord], out: Path, release: Release, work: Path, project: Project) -> list[str]:
    """Write the whole site into the empty folder `out` (no search index, no swap); return
    the artefacts that could not be written."""
    tables = ReleaseTables(work)
    site = Site(
        params=params, release=release, project=project, out=out, records=_index_records(params, records),
        tables=tables, env=environment(), exporter=report.html_exporter(), cache_dir=work / "cache",
    )
    # Every page that will exist, so links (and the language switch) only point at real files.
    for lang in site.languages:
        site.planned.add(pages.home_path(lang))
        site.planned.update(pages.site_page_path(lang, name) for name in pages.SITE_PAGES)
        site.planned.update(pages.landing_path(lang, iso3) for iso3 in site.members)
    site.planned.update(a.html for a in site.records)

    # Assets: the stylesheet and script, and the Vega bundle once for every page.
    (out / "assets").mkdir(parents=True, exist_ok=True)
    for asset in sorted(ASSETS.iterdir()):
        if asset.is_file():
            shutil.copyfile(asset, out / "assets" / asset.name)
    (out / BUNDLE).write_text(report.vega_bundle(_first_specs(records), cache_dir=site.cache_dir), encoding="utf-8")

    provenance = (release_dir(work) / PROVENANCE).read_text(encoding="utf-8")
    try:
        pairs = downloads.write_bulk_export(params, tables, out / pages.BULK_DIR, provenance)
        site.bulk = [(str(label), site.rel_of(Path(path))) for label, path in pairs]
    except Exception as exc:  # noqa: BLE001 - the site is published without it; the build fails
        site.failures.append(f"bulk export: {type(exc).__name__}: {exc}")
    with_pages = [c for c in site.members if any(a.member == c for a in site.records)]
    for lang in site.languages:
        for iso3 in with_pages:
            target = out / pages.brief_path(lang, iso3)
            try:
                written = brief.write_country_brief(params, iso3, lang, target, tables, release=release.release_id)
                site.briefs[(lang, iso3)] = site.rel_of(Path(written))
            except Exception as exc:  # noqa: BLE001 - the landing page is published without it
                site.failures.append(f"{pages.brief_path(lang, iso3)}: {type(exc).__name__}: {exc}")

    for address in sorted(site.records):
        report.report_page(site, site.records[address])
    for lang in site.languages:
        landing.home(site, lang)
        for iso3 in site.members:
            landing.landing(site, lang, iso3)
        landing.methods(site, lang, provenance)
        landing.cite(site, lang)
        landing.changes(site, lang)
        landing.search(site, lang)
    landing.root(site)
    return site.failures


def publish(params: RegionParams, records: list[PageRecord], site_dir: Path, release: Release, *, work: Path, project: Project | str | Path | None = None) -> list[str]:
    """Build the region's site from the executed pages and the release tables in `work`, and
    put it at `site_dir` atomically: an error or an interruption leaves the previous site
    untouched. Returns the artefacts (downloads, briefs, exports) that could not be written."""
    proj = resolve(project)
    site_dir = Path(site_dir).absolute()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    with atomic.lock(site_dir):
        atomic.recover(site_dir)
        tmp = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.new-", dir=site_dir.parent))
        try:
            failures = build_site(params, records, tmp, release, work, proj)
            index_search(tmp)
            tmp.chmod(0o755)  # mkdtemp makes it private; a published site is readable
            atomic.swap(tmp, site_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return failures


def write_sites_index(sites: Path, project: Project) -> None:
    """`reports/_site/index.html`: a link to each region's published site; it opens the only
    one when there is one."""
    published = [r for r in available_regions(project) if (sites / r / "index.html").exists()]
    if not published:
        return
    names = []
    for region in published:
        params = load_region(region, project)
        names.append((region, params.text(params.region.name, params.region.default_language), params.region.default_language))
    items = "\n".join(f'<li><a href="{html.escape(r)}/index.html" lang="{html.escape(lang)}">{html.escape(name)}</a></li>' for r, name, lang in names)
    refresh = f'<meta http-equiv="refresh" content="0; url={html.escape(published[0])}/index.html">' if len(published) == 1 else ""
    title = html.escape(t("Trade facilitation reform tracker", "en"))
    text = (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{refresh}\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n<ul>\n{items}\n</ul>\n</main>\n</body>\n</html>\n"
    )
    sites.mkdir(parents=True, exist_ok=True)
    tmp = sites / ".index.html.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(sites / "index.html")
