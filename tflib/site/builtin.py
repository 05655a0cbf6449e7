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
    <lang>/methods.html, glossary.html, cite.html, changes.html, search.html
    assets/  pagefind/  downloads/
    releases/<release id>/<release id>-data.zip   every release's bulk archive, kept from the
                                        previous site, so a cited release still resolves

Publishing is atomic (`tflib.site.atomic`); search is a Pagefind index over the finished site.
A download, brief or export that cannot be written is listed in the returned failures (the
build exits 1) and the rest of the site is still published.

Publishing is incremental: each report page's content, each brief and the bulk export are
kept in the build's cache (``work/cache``) under the digest of what they are made of, so only
what changed is made again; the shell of every page is written anew each time (it names the
release). What no page uses any more is removed from the cache.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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
    # Pagefind lists the languages in no fixed order: sorted, the same site gives the same index.
    entry = folder / "pagefind" / "pagefind-entry.json"
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["languages"] = dict(sorted(data.get("languages", {}).items()))
    entry.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


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


# Below this many pages to convert, worker processes cost more to start than they save.
POOL_MIN_PAGES = 32


class _Contents:
    """The content of the site's report pages. Pages whose content is not in the cache are
    converted by `workers` worker processes while the rest of the site is written; the
    others are read from the cache."""

    def __init__(self, site: Site, workers: int):
        import pickle

        self.site = site
        self.ready: dict[pages.Address, tuple[report.PageContent, Path]] = {}
        self.running: list[tuple[list[PageRecord], subprocess.Popen]] = []
        context = site.context
        self.keys = {a: context.key(rec) for a, rec in sorted(site.records.items()) if rec.ok}
        missing = [site.records[a] for a, key in self.keys.items() if not (context.folder(key) / report.CONTENT).is_file()]
        if workers > 1 and len(missing) >= POOL_MIN_PAGES:
            for n in range(workers):
                chunk = missing[n::workers]
                proc = subprocess.Popen([sys.executable, "-c", report.WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                self.running.append((chunk, proc))
                assert proc.stdin is not None
                pickle.dump(list(sys.path), proc.stdin)
                pickle.dump((context, chunk), proc.stdin)
                proc.stdin.close()
                proc.stdin = None  # all it reads is written

    def get(self, address: pages.Address) -> tuple[report.PageContent, Path]:
        if address not in self.ready:
            self.collect()
            if address not in self.ready:
                self.ready[address] = report.cached_content(self.site.context, self.site.records[address], self.keys.get(address))
        return self.ready[address]

    def collect(self) -> None:
        """The workers' results; a worker that failed leaves its pages to this process (which
        then meets the same error, with its traceback)."""
        import pickle

        for chunk, proc in self.running:
            out, _ = proc.communicate()
            if proc.returncode == 0:
                for rec, made in zip(chunk, pickle.loads(out)):
                    self.ready[rec.address] = made
        self.running = []

    def close(self) -> None:
        for _, proc in self.running:
            proc.kill()
            proc.wait()
        self.running = []


def build_site(params: RegionParams, records: list[PageRecord], out: Path, release: Release, work: Path, project: Project, workers: int = 1, previous: Path | None = None) -> list[str]:
    """Write the whole site into the empty folder `out` (no search index, no swap); return
    the artefacts that could not be written. Report pages' content, briefs and the bulk
    export are taken from the build's cache when their inputs are unchanged. The archives of
    earlier releases are taken from the `previous` site."""
    tables = ReleaseTables(work)
    cache = work / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    started = _now(cache)
    site = Site(
        params=params, release=release, project=project, out=out, records=_index_records(params, records),
        tables=tables, env=environment(), context=report.RenderContext.of(params, project, cache), cache_dir=cache,
    )
    # Every page that will exist, so links (and the language switch) only point at real files.
    for lang in site.languages:
        site.planned.add(pages.home_path(lang))
        site.planned.update(pages.site_page_path(lang, name) for name in pages.SITE_PAGES)
        site.planned.update(pages.landing_path(lang, iso3) for iso3 in site.members)
    site.planned.update(a.html for a in site.records)

    contents = _Contents(site, workers)
    try:
        (out / "assets").mkdir(parents=True, exist_ok=True)
        for asset in sorted(ASSETS.iterdir()):
            if asset.is_file():
                shutil.copyfile(asset, out / "assets" / asset.name)

        provenance = (release_dir(work) / PROVENANCE).read_text(encoding="utf-8")
        site.archives = keep_archives(previous, out, release.release_id)
        try:
            pairs = downloads.cached_bulk_export(params, tables, out / pages.BULK_DIR, provenance, cache=cache / "bulk", key=_bulk_key(site, work), release_id=release.release_id)
            archive = out / pages.release_archive_path(release.release_id)
            archive.parent.mkdir(parents=True, exist_ok=True)
            for n, (label, path) in enumerate(pairs):
                if Path(path).suffix == ".zip":  # the release's archive, at its own address
                    os.replace(path, archive)
                    pairs[n] = (label, archive)
                    site.archives[release.release_id] = site.rel_of(archive)
            site.bulk = [(str(label), site.rel_of(Path(path))) for label, path in pairs]
        except Exception as exc:  # noqa: BLE001 - the site is published without it; the build fails
            site.failures.append(f"bulk export: {type(exc).__name__}: {exc}")
        with_pages = [c for c in site.members if any(a.member == c for a in site.records)]
        for lang in site.languages:
            for iso3 in with_pages:
                target = out / pages.brief_path(lang, iso3)
                try:
                    written = brief.write_country_brief(params, iso3, lang, target, tables, release=release.release_id, cache=cache / "briefs")
                    site.briefs[(lang, iso3)] = site.rel_of(Path(written))
                except Exception as exc:  # noqa: BLE001 - the landing page is published without it
                    site.failures.append(f"{pages.brief_path(lang, iso3)}: {type(exc).__name__}: {exc}")

        made = {a: contents.get(a) for a, rec in sorted(site.records.items()) if rec.ok}
        # The Vega bundle once for every page, in the Vega-Lite version of the first chart.
        schema = next((made[r.address][0].schema for r in records if r.ok and made[r.address][0].schema), None)
        (out / BUNDLE).write_text(report.vega_bundle([{"$schema": schema}] if schema else [], cache_dir=site.cache_dir), encoding="utf-8")
        for address in sorted(site.records):
            report.report_page(site, site.records[address], *made.get(address, (None, None)))
    finally:
        contents.close()
    for lang in site.languages:
        landing.home(site, lang)
        for iso3 in site.members:
            landing.landing(site, lang, iso3)
        landing.methods(site, lang)
        landing.glossary(site, lang)
        landing.cite(site, lang)
        landing.changes(site, lang)
        landing.search(site, lang)
    landing.root(site)
    for kept in ("pages", "briefs", "bulk"):
        report.prune(cache / kept, started)
    return site.failures


def _now(folder: Path) -> float:
    """The file system's time now (what the mtimes of cache entries are compared with)."""
    probe = folder / f".now.{os.getpid()}"
    probe.touch()
    try:
        return probe.stat().st_mtime
    finally:
        probe.unlink()


def _bulk_key(site: Site, work: Path) -> str:
    """The bulk export's inputs: the release tables (files), the params and the code."""
    from .. import fingerprint

    folder = release_dir(work)
    files = fingerprint.digest_files([p for p in folder.rglob("*") if p.is_file()], folder)
    return fingerprint.combine({"release": files, "params": site.context.params_digest, "code": site.context.code, "release_id": site.release.release_id})


# A release id as `tflib.build.release_id` makes them: nothing else is taken from a previous site.
_RELEASE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*-\d{4}-\d{2}-\d{2}-[0-9a-f]{10}$")


def keep_archives(previous: Path | None, out: Path, current: str) -> dict[str, str]:
    """The bulk archives of the earlier releases in the `previous` site, put at the same
    address in the site being written (`out`); only the archive of each release is kept, not
    its pages. Returns {release id: path from the site's root}."""
    kept: dict[str, str] = {}
    folder = previous / pages.RELEASES_DIR if previous is not None else None
    if folder is None or not folder.is_dir():
        return kept
    for entry in sorted(folder.iterdir()):
        rid = entry.name
        source = previous / pages.release_archive_path(rid)
        if rid == current or not _RELEASE_ID.match(rid) or source.is_symlink() or not source.is_file():
            continue
        target = out / pages.release_archive_path(rid)
        target.parent.mkdir(parents=True, exist_ok=True)
        report.place(source, target)
        kept[rid] = pages.release_archive_path(rid)
    return kept


def publish(params: RegionParams, records: list[PageRecord], site_dir: Path, release: Release, *, work: Path, project: Project | str | Path | None = None, workers: int = 1) -> list[str]:
    """Build the region's site from the executed pages and the release tables in `work`, and
    put it at `site_dir` atomically: an error or an interruption leaves the previous site
    untouched. Pages are converted by up to `workers` processes. Returns the artefacts
    (downloads, briefs, exports) that could not be written."""
    proj = resolve(project)
    site_dir = Path(site_dir).absolute()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    with atomic.lock(site_dir):
        atomic.recover(site_dir)
        tmp = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.new-", dir=site_dir.parent))
        try:
            failures = build_site(params, records, tmp, release, work, proj, workers, previous=site_dir if site_dir.is_dir() else None)
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
