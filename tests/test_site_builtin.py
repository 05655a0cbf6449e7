"""The built-in site engine: executed notebooks -> one static site that works from disk.

A module fixture runs a few report pages (CRI and BLZ, Spanish and English, plus the regional
overview when its notebook exists), adds one failed page, and publishes them once. The tests
read that site: pages and landing pages exist, every local link resolves, the language switch
keeps the page, charts carry parseable specs, the Vega bundle is local and written once, no
external resource is loaded, failed pages are marked, search is indexed, and a publish that
fails midway leaves the previous site as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
import threading
import urllib.parse
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import polars as pl
import pytest

from tflib import monitor, pages
from tflib.i18n import fmt_date, fmt_number, fmt_percent, t
from tflib.inputs import public
from tflib.params import load_region
from tflib.scores import scores
from tflib.site import atomic, builtin, landing, report, serve, shell
from tflib.site.model import PageRecord, Release, Revision

KINDS = ["progress", "logistics", "overview"]
COUNTRIES = ["CRI", "BLZ"]
LANGS = ["es", "en"]
FAILED = pages.Address("sica", "sme", "CRI", "es")
FAILED_ERROR = "cell 3: ValueError: boom <b>not bold</b>"
EXTERNAL_OK = set(shell.EXTERNAL_LINKS.values())


class Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(path: Path) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def resolve_link(page: Path, href: str) -> Path:
    target = urllib.parse.unquote(href.split("#", 1)[0].split("?", 1)[0])
    return (page.parent / target).resolve()


def is_external(url: str) -> bool:
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url.strip(), re.I))


def lang_switch(path: Path) -> dict[str, str]:
    """hreflang -> href of the page's language switch."""
    return {a["hreflang"]: a["href"] for tag, a in tags(path) if tag == "a" and a.get("rel") == "alternate" and a.get("hreflang")}


pytestmark = pytest.mark.xdist_group("site")


@pytest.fixture(scope="module")
def built(site_build, tmp_path_factory):
    """A few pages of the shared build (CRI and BLZ, Spanish and English, the overview),
    published again, into a site of their own, with one failed page added."""
    tmp = tmp_path_factory.mktemp("site")
    proj, summary = site_build
    params = load_region("sica", proj)
    work = pages.work_dir(proj, "sica")
    records = [PageRecord(a, a.executed(work), ok=True) for a in pages.addresses(params, KINDS, COUNTRIES, LANGS)]
    records.append(PageRecord(FAILED, tmp / "never-ran.ipynb", ok=False, error=FAILED_ERROR))
    release = Release(
        release_id="sica-2026-09-30-5e1f0c2a9b",
        region="sica",
        as_of=params.as_of,
        latest_report=dt.date(2026, 9, 28),
        tflib_version="0.1.0",
        changed_pages=[r.page_id for r in records],
        previous_release="sica-2026-09-30-0d4c7a1e33",
        revisions=[Revision("sica-2026-09-30-5e1f0c2a9b", dt.date(2026, 9, 28), ("es/CRI/progress", "es/CRI/logistics", "en/region/overview"))],
    )
    site = tmp / "_site" / "sica"
    failures = builtin.publish(params, records, site, release, work=work, project=proj)
    return {"proj": proj, "params": params, "records": records, "release": release, "site": site, "summary": summary, "work": work, "failures": failures}


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_notebooks_ran_and_every_artefact_was_written(built):
    assert built["summary"].failures == [] and built["failures"] == []


def test_index_pages_exist_for_every_language(built):
    site, params = built["site"], built["params"]
    # The shared build's sites index opens the only region published.
    sites = (pages.sites_dir(built["proj"]) / "index.html").read_text(encoding="utf-8")
    assert 'url=sica/index.html' in sites and 'href="sica/index.html"' in sites
    assert (site / "index.html").exists()
    root = (site / "index.html").read_text(encoding="utf-8")
    assert 'url=es/index.html' in root and 'href="en/index.html"' in root
    for lang in LANGS:
        for name in ("index", "methods", "glossary", "cite", "changes", "search"):
            assert (site / lang / f"{name}.html").exists(), (lang, name)
        for iso3 in params.region.member_codes:
            assert (site / lang / iso3 / "index.html").exists(), (lang, iso3)
    for rec in built["records"]:
        assert (site / rec.address.html).exists(), rec.page_id
    assert (site / "es" / "region" / "overview.html").exists()


def test_every_page_declares_its_language(built):
    site = built["site"]
    for path in html_files(site):
        if path.parent.name == "pagefind" or "pagefind" in path.relative_to(site).parts:
            continue
        lang = path.relative_to(site).parts[0]
        first = next(a for tag, a in tags(path) if tag == "html")
        assert first.get("lang") == (lang if lang in LANGS else "es"), path


def test_every_local_link_resolves(built):
    site = built["site"]
    checked = 0
    for path in html_files(site):
        if "pagefind" in path.relative_to(site).parts:
            continue
        for tag, attrs in tags(path):
            for name in ("href", "src", "action"):
                url = attrs.get(name)
                if not url or url.startswith(("#", "data:", "mailto:")) or is_external(url):
                    continue
                assert not url.startswith("/"), f"{path}: absolute link {url}"
                target = resolve_link(path, url)
                assert target.exists(), f"{path.relative_to(site)}: {name}={url} does not resolve"
                assert site.resolve() in target.parents, f"{path}: {url} leaves the site"
                checked += 1
    assert checked > 500


def test_navigation_reaches_members_dimensions_and_back(built):
    site, params = built["site"], built["params"]
    page = site / "es" / "CRI" / "progress.html"
    hrefs = {resolve_link(page, a["href"]) for tag, a in tags(page) if tag == "a" and a.get("href")}
    for iso3 in params.region.member_codes:
        assert (site / "es" / iso3 / "index.html").resolve() in hrefs
    for name in ("index", "methods", "cite", "changes"):
        assert (site / "es" / f"{name}.html").resolve() in hrefs
    assert (site / "es" / "CRI" / "sme.html").resolve() in hrefs  # the failed page stays reachable
    text = page.read_text(encoding="utf-8")
    assert 'class="tf-breadcrumbs"' in text
    assert text.count(t("party", "es")) >= len(params.region.parties)


def test_language_switch_keeps_the_page(built):
    site = built["site"]
    page = site / "es" / "CRI" / "progress.html"
    assert resolve_link(page, lang_switch(page)["en"]) == (site / "en" / "CRI" / "progress.html").resolve()
    back = site / "en" / "CRI" / "progress.html"
    assert resolve_link(back, lang_switch(back)["es"]) == page.resolve()
    for path in (site / "es").rglob("*.html"):
        if "downloads" in path.parts:
            continue
        twin = site / "en" / path.relative_to(site / "es")
        expected = twin if twin.exists() else site / "en" / "index.html"
        assert resolve_link(path, lang_switch(path)["en"]) == expected.resolve(), path
    # The failed page exists in Spanish only: its switch falls back to the English home.
    failed = site / "es" / "CRI" / "sme.html"
    assert resolve_link(failed, lang_switch(failed)["en"]) == (site / "en" / "index.html").resolve()


def test_charts_are_figures_with_parseable_specs(built):
    site = built["site"]
    compared = 0
    for rec in built["records"]:
        if not rec.ok:
            continue
        nb = nbformat.read(rec.notebook, as_version=4)
        expected = report.chart_specs(nb)
        text = (site / rec.address.html).read_text(encoding="utf-8")
        assert "application/vnd.vegalite" not in text
        specs = re.findall(r'<script[^>]*class="tf-spec"[^>]*>(.*?)</script>', text, re.S)
        assert len(specs) == len(expected), rec.page_id
        for n, (raw, spec) in enumerate(zip(specs, expected), 1):
            assert "</" not in raw
            assert json.loads(raw) == spec
            assert f'id="chart-{n}"' in text
            compared += 1
    assert compared >= 4


def test_vega_bundle_written_once_and_linked_relatively(built):
    site = built["site"]
    bundles = [p for p in site.rglob("*") if p.is_file() and "vega" in p.name.lower() and p.suffix == ".js"]
    assert bundles == [site / "assets" / "vega-bundle.js"]
    bundle = bundles[0].read_text(encoding="utf-8")
    assert "vegaEmbed" in bundle and len(bundle) > 100_000
    for rec in built["records"]:
        if not rec.ok:
            continue
        page = site / rec.address.html
        scripts = [a["src"] for tag, a in tags(page) if tag == "script" and a.get("src")]
        vega = [s for s in scripts if s.endswith("vega-bundle.js")]
        assert vega == ["../../assets/vega-bundle.js"], page
        assert resolve_link(page, vega[0]) == bundles[0].resolve()
        assert any(s.endswith("assets/site.js") for s in scripts)
        assert "vegaEmbed=" not in page.read_text(encoding="utf-8")  # referenced, never inlined
    site_js = (site / "assets" / "site.js").read_text(encoding="utf-8")
    assert 'actions: false, renderer: "svg"' in site_js and ".tf-spec" in site_js


def test_no_external_resources_anywhere(built):
    site = built["site"]
    attr = re.compile(r"""\b(src|href|action|srcset|poster|data)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", re.I)
    css_url = re.compile(r"""(?:url\(|@import\s+)["']?\s*((?:https?:)?//[^"')\s]+)""", re.I)
    external_links = []
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary (png, wasm, pdf, xlsx, dta, pagefind index)
        rel = path.relative_to(site).as_posix()
        for m in attr.finditer(text):
            name, url = m.group(1).lower(), m.group(2)
            assert name == "href", f"{rel}: external {name}={url}"
            assert path.suffix == ".html", f"{rel}: external link {url}"
            external_links.append((rel, url))
        assert not css_url.findall(text), f"{rel}: external url() {css_url.findall(text)}"
        if path.suffix == ".html":
            assert "cdn" not in " ".join(a.get("src", "") or "" for _, a in tags(path)).lower()
    # External links only cite the sources, only on the methods pages.
    assert external_links, "the methods pages cite their sources"
    for rel, url in external_links:
        assert rel.endswith("/methods.html"), (rel, url)
        assert url in EXTERNAL_OK, (rel, url)


def test_failed_page_says_so_and_landing_pages_mark_it(built):
    site = built["site"]
    lang, country = FAILED.lang, FAILED.member
    page = site / FAILED.html
    text = page.read_text(encoding="utf-8")
    assert t("This page failed in this build.", lang) in text
    assert html.escape(FAILED_ERROR) in text and "<b>not bold</b>" not in text
    assert 'class="tf-sidebar"' in text and 'class="tf-lang"' in text  # navigation still works
    landing = (site / lang / country / "index.html").read_text(encoding="utf-8")
    item = re.search(r'<li class="tf-failed"><a href="sme.html">[^<]*</a>\s*<span class="tf-flag-failed">([^<]*)</span>', landing)
    assert item and item.group(1) == t("failed", lang)
    home = (site / lang / "index.html").read_text(encoding="utf-8")
    assert 'class="tf-flag-failed" href="CRI/sme.html"' in home
    # Pages that ran are not marked.
    assert "tf-failed" not in re.search(r'<ul class="tf-page-list">(.*?)</ul>', (site / lang / "BLZ" / "index.html").read_text(encoding="utf-8"), re.S).group(1)


def test_landing_pages_show_score_rank_and_warnings(built):
    site, params, proj = built["site"], built["params"], built["proj"]
    table = scores(params, as_of=params.as_of, project=proj)
    row = table.filter(pl.col("country") == "CRI").to_dicts()[0]
    warns = public(monitor.warnings_for_region(params, as_of=params.as_of, project=proj), params).filter(pl.col("country") == "CRI")
    for lang in LANGS:
        text = (site / lang / "CRI" / "index.html").read_text(encoding="utf-8")
        assert html.escape(fmt_percent(row["score"], lang)) in text
        assert t("{rank} of {n}", lang, rank=row["rank"], n=len(params.region.parties)) in text
        for kind in monitor.KINDS:
            n = warns.filter(pl.col("kind") == kind).height
            assert re.search(rf"<th scope=\"row\">{re.escape(html.escape(monitor.kind_label(kind, lang)))}</th><td class=\"tf-num\">{re.escape(fmt_number(n, lang, 0))}</td>", text), (lang, kind)
        assert (site / lang / "CRI" / "progress.html").exists()
        assert 'href="progress.html"' in text
    blz = (site / "en" / "BLZ" / "index.html").read_text(encoding="utf-8")
    assert t("{country} is tracked and compared, not scored: it is not bound by the strategy.", "en", country="Belize") in blz
    home = (site / "es" / "index.html").read_text(encoding="utf-8")
    assert home.count('href="CRI/index.html"') >= 1 and home.count('href="BLZ/index.html"') >= 1


def test_illustrative_badge_and_methods_page(built):
    site, params = built["site"], built["params"]
    progress = (site / "es" / "CRI" / "progress.html").read_text(encoding="utf-8")
    assert f'<p class="tf-badge" data-pagefind-ignore>{t("Illustrative data", "es")}</p>' in progress
    methods = (site / "en" / "methods.html").read_text(encoding="utf-8")
    for m in params.measures:
        if m.illustrative:
            assert f"<code>{m.id}</code>" in methods
    assert "CC BY 4.0" in methods and "Natural Earth" in methods and "Doing Business" in methods
    # The reference data's developer provenance stays in the bulk archive, off the reader's page.
    assert "lpi_2010_2023.csv" not in methods and 'class="tf-provenance"' not in methods
    with zipfile.ZipFile(site / pages.release_archive_path("sica-2026-09-30-5e1f0c2a9b")) as zf:
        assert "lpi_2010_2023.csv" in zf.read("sica-2026-09-30-5e1f0c2a9b/reference-provenance.md").decode("utf-8")
    cite = (site / "es" / "cite.html").read_text(encoding="utf-8")
    assert "sica-2026-09-30-5e1f0c2a9b" in cite and params.region.secretariat in cite and "[URL]" not in cite
    changes = (site / "en" / "changes.html").read_text(encoding="utf-8")
    assert "sica-2026-09-30-0d4c7a1e33" in changes and "sica-2026-09-30-5e1f0c2a9b (September 28, 2026): 3 pages updated, about Costa Rica and Central American Integration System (SICA), in English and Spanish." in changes
    # The revision log is written in the page's language, like every other text.
    spanish = (site / "es" / "changes.html").read_text(encoding="utf-8")
    assert "(28 de septiembre de 2026): se actualizaron 3 páginas, sobre Costa Rica y Sistema de la Integración Centroamericana (SICA), en inglés y español." in spanish
    # The release's date is its latest progress report, never the day it was built.
    assert t("Latest progress report: {date}", "en", date=fmt_date(dt.date(2026, 9, 28), "en", "long")) in changes
    assert 'href="CRI/progress.html"' in changes


def test_search_index_and_offline_note(built):
    site = built["site"]
    assert (site / "pagefind" / "pagefind.js").exists()
    assert (site / "pagefind" / "pagefind-ui.js").exists() and (site / "pagefind" / "pagefind-ui.css").exists()
    metas = {p.name.split("_")[0] for p in (site / "pagefind").glob("pagefind.*.pf_meta")}
    assert metas == {f"pagefind.{lang}" for lang in LANGS}  # one index per language
    search = (site / "es" / "search.html").read_text(encoding="utf-8")
    assert 'src="../pagefind/pagefind-ui.js"' in search and 'href="../pagefind/pagefind-ui.css"' in search
    assert 'class="tf-search-offline" hidden' in search
    site_js = (site / "assets" / "site.js").read_text(encoding="utf-8")
    assert 'location.protocol !== "file:"' in site_js and "PagefindUI" in site_js
    # Every other page has the header widget (live when served, a plain form from disk).
    progress = (site / "es" / "CRI" / "progress.html").read_text(encoding="utf-8")
    assert 'data-pagefind-path="../../pagefind/"' in progress and 'action="../search.html"' in progress
    assert 'src="../../pagefind/pagefind-ui.js"' in progress
    assert "data-pagefind-body" in (site / "es" / "CRI" / "progress.html").read_text(encoding="utf-8")
    assert "data-pagefind-body" not in search


def test_serve_gives_the_right_types(built):
    site = built["site"]
    server = serve.make_server(site, 0)
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        wasm = next((site / "pagefind").glob("wasm.*.pagefind")).name
        for path, mime in [("es/index.html", "text/html"), ("assets/site.js", "text/javascript"), ("pagefind/pagefind.js", "text/javascript"), (f"pagefind/{wasm}", "application/octet-stream"), ("assets/site.css", "text/css")]:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=10) as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"].startswith(mime), (path, resp.headers["Content-Type"])
    finally:
        server.shutdown()
        server.server_close()
    assert serve.MIME_TYPES[".wasm"] == "application/wasm"
    assert serve.MIME_TYPES[".pf_meta"] == "application/octet-stream"


# ---------------------------------------------------------------------------------------------
# Atomic publishing and the downloads (a small site: one page)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small(built, tmp_path_factory):
    params, proj = built["params"], built["proj"]
    records = [r for r in built["records"] if r.page_id == "es/CRI/progress"]
    release = dataclasses.replace(built["release"], release_id="sica-2026-09-30-7a7a7a7a7a", changed_pages=[], revisions=[])
    return params, proj, records, release, tmp_path_factory.mktemp("small") / "sica", built["work"]


def test_downloads_and_briefs_are_linked_from_the_pages(small):
    params, proj, records, release, site, work = small
    assert builtin.publish(params, records, site, release, work=work, project=proj) == []
    page = site / "es" / "CRI" / "progress.html"
    links = [a["href"] for tag, a in tags(page) if tag == "a" and "download" in a]
    assert "downloads/progress/data.xlsx" in links
    text = page.read_text(encoding="utf-8")
    # The first chart offers its table, and its images (made in the browser: see test_browser).
    assert re.search(r'<figure [^>]*class="tf-chart" id="chart-1">.*?<figcaption[^>]*>.*?data-format="svg".*?data-format="png".*?href="downloads/progress/action_items.csv"', text, re.S)
    for href in links:
        assert (page.parent / href).exists(), href
    landing_page = (site / "es" / "CRI" / "index.html").read_text(encoding="utf-8")
    assert 'href="brief.pdf"' in landing_page and (site / "es" / "CRI" / "brief.pdf").exists()
    assert (site / "en" / "CRI" / "brief.pdf").exists()
    assert not (site / "es" / "BLZ" / "brief.pdf").exists()  # no pages for BLZ in this build
    home = (site / "en" / "index.html").read_text(encoding="utf-8")
    assert 'href="../releases/sica-2026-09-30-7a7a7a7a7a/sica-2026-09-30-7a7a7a7a7a-data.zip"' in home


def test_a_failing_publish_keeps_the_previous_site(small, monkeypatch):
    params, proj, records, release, site, work = small
    builtin.publish(params, records, site, release, work=work, project=proj)
    before = snapshot(site)
    assert "sica-2026-09-30-7a7a7a7a7a" in before["es/index.html"].decode()
    newer = dataclasses.replace(release, release_id="sica-2026-09-30-8b8b8b8b8b")

    # Midway: the Spanish pages are written, then the English ones fail.
    real_landing = landing.landing

    def failing(site_, lang, iso3):
        if lang == "en":
            raise RuntimeError("disk full")
        return real_landing(site_, lang, iso3)

    monkeypatch.setattr(landing, "landing", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        builtin.publish(params, records, site, newer, work=work, project=proj)
    assert snapshot(site) == before
    monkeypatch.setattr(landing, "landing", real_landing)

    # An interruption (Ctrl+C) once the site is complete, just before the swap.
    real_index = builtin.index_search

    def interrupted(folder):
        real_index(folder)
        raise KeyboardInterrupt

    monkeypatch.setattr(builtin, "index_search", interrupted)
    with pytest.raises(KeyboardInterrupt):
        builtin.publish(params, records, site, newer, work=work, project=proj)
    assert snapshot(site) == before
    # Nothing half-built is left beside the site.
    assert sorted(p.name for p in site.parent.iterdir()) == [".sica.lock", "sica"]
    monkeypatch.setattr(builtin, "index_search", real_index)

    # A publish that succeeds replaces the site as a whole.
    builtin.publish(params, records, site, newer, work=work, project=proj)
    assert "sica-2026-09-30-8b8b8b8b8b" in (site / "es" / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in site.parent.iterdir()) == [".sica.lock", "sica"]


def test_a_swap_exchanges_the_two_folders_in_one_step(tmp_path, monkeypatch):
    """Where the system can, the old and the new site trade places in one rename: there is no
    moment without a site (the two-rename fallback below is never used)."""
    site = tmp_path / "_site"
    site.mkdir()
    (site / "index.html").write_text("old", encoding="utf-8")
    probe_a, probe_b = tmp_path / "a", tmp_path / "b"
    probe_a.mkdir()
    probe_b.mkdir()
    if not atomic.exchange(probe_a, probe_b):
        pytest.skip("this system or file system cannot exchange two folders in one step")
    new = tmp_path / "new"
    new.mkdir()
    (new / "index.html").write_text("new", encoding="utf-8")

    def no_replace(src, dst):
        raise AssertionError("the fallback renamed the site away")

    monkeypatch.setattr(atomic.os, "replace", no_replace)
    atomic.swap(new, site)
    assert (site / "index.html").read_text(encoding="utf-8") == "new" and not new.exists()


def test_a_swap_that_fails_puts_the_old_site_back(tmp_path, monkeypatch):
    site = tmp_path / "_site"
    site.mkdir()
    (site / "index.html").write_text("old", encoding="utf-8")
    new = tmp_path / "new"
    new.mkdir()
    (new / "index.html").write_text("new", encoding="utf-8")
    monkeypatch.setattr(atomic, "exchange", lambda a, b: False)  # the two-rename fallback
    real = atomic.os.replace
    calls = []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # old -> backup worked, new -> site fails
            raise OSError("interrupted")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky)
    with pytest.raises(OSError):
        atomic.swap(new, site)
    monkeypatch.undo()
    assert (site / "index.html").read_text(encoding="utf-8") == "old"
    # A crash between the two renames (old moved aside, new not in place) is undone next time.
    backup = tmp_path / "._site.old-x"
    real(site, backup)
    atomic.recover(site)
    assert (site / "index.html").read_text(encoding="utf-8") == "old" and not backup.exists()


# ---------------------------------------------------------------------------------------------
# Small pieces


def test_spec_json_cannot_end_its_script():
    spec = {"title": "a </script><script>alert(1)</script> & <!-- b", "mark": "bar"}
    text = report.spec_json(spec)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == spec


def test_template_messages_reach_the_catalogs():
    used = set()
    for path in shell.TEMPLATES.glob("*.j2"):
        for double, single in re.findall(r"""_\(\s*(?:"([^"]+)"|'([^']+)')""", path.read_text(encoding="utf-8")):
            used.add(double or single)
    assert used and used <= set(shell.TEMPLATE_MESSAGES), sorted(used - set(shell.TEMPLATE_MESSAGES))


def test_records_must_belong_to_the_region(built, tmp_path):
    params = built["params"]
    bad = PageRecord(pages.Address("eac", "progress", "KEN", "es"), tmp_path / "x.ipynb", ok=False, error="x")
    with pytest.raises(ValueError, match="not a page of region"):
        builtin.publish(params, [bad], tmp_path / "sica", built["release"], work=built["work"], project=built["proj"])
    assert not (tmp_path / "sica").exists()
    assert [p.name for p in tmp_path.iterdir()] == [".sica.lock"]
