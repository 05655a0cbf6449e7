"""Pages for readers: methods, glossary and citation written for the public, sources named as
publications, one release id everywhere, and past releases kept downloadable.

Two small builds (SICA: Costa Rica's progress, SME and impact pages in Spanish and English;
EAC: Kenya's progress and impact pages in English and French) are read as a reader would: the
visible text of the pages, the brief's PDF text and the bulk archive's README. A submission
then makes a second SICA release, whose site must still hold the first release's archive.
"""

from __future__ import annotations

import html
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
import yaml

import tflib
from tflib import monitor, pages
from tflib.build import build
from tflib.i18n import t
from tflib.ingest import ingest
from tflib.params import ParamsError, load_region
from tflib.plan import item_id
from tflib.site import builtin

from projects import ingested_project, make_project, write_csv

SCOPES = {
    "sica": dict(countries=["CRI"], kinds=["progress", "sme", "impact"]),
    "eac": dict(countries=["KEN"], kinds=["progress", "impact"]),
}
COUNTRY = {"sica": "CRI", "eac": "KEN"}
# Words of the project's developer notes (the reference data's provenance) no reader page shows.
INTERNAL = ("data/reference", "ISO3 yourself", "Vega-Lite", "copy them", "byte for byte", "commit ", "repository", "in code")

pytestmark = pytest.mark.xdist_group("reader-pages")


class Text(HTMLParser):
    """The text a reader sees (scripts and styles left out), and the links with their targets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.ids: set[str] = set()
        self._skip = 0
        self._href: str | None = None
        self._link: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a":
            self._href, self._link = a.get("href") or "", []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._link).split())))
            self._href = None

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)
            if self._href is not None:
                self._link.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def read(path: Path) -> Text:
    parser = Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def main_text(path: Path) -> str:
    """The visible text of the page's <main>."""
    page = path.read_text(encoding="utf-8")
    parser = Text()
    parser.feed(page.split('<main id="main"', 1)[1].split("</main>", 1)[0])
    return parser.text


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Each region's small site, built from the shipped data in a project of its own."""
    out = {}
    for region, scope in SCOPES.items():
        proj = ingested_project(tmp_path_factory.mktemp(f"reader-{region}") / "proj", region)
        report = build(region, project=proj, workers=2, **scope)
        assert report.failures == [] and report.artefact_failures == [] and report.published
        out[region] = {"proj": proj, "params": load_region(region, proj), "report": report, "site": pages.site_dir(proj, region),
                       "snapshot": snapshot(pages.site_dir(proj, region))}
    return out


LANGS = [("sica", "es"), ("sica", "en"), ("eac", "en"), ("eac", "fr")]


# ---------------------------------------------------------------------------------------------
# Methods


@pytest.mark.parametrize("region,lang", LANGS)
def test_methods_page_is_written_for_the_public(sites, region, lang):
    site, params = sites[region]["site"], sites[region]["params"]
    path = site / lang / "methods.html"
    text = main_text(path)
    for word in INTERNAL:
        assert word not in text, (region, lang, word)
    assert not re.search(r"\w\.(csv|md|yaml|json)\b", text), re.search(r"\S+\.(csv|md|yaml|json)\b", text)
    assert 'class="tf-provenance"' not in path.read_text(encoding="utf-8")
    # Sources as publications, in the page's language.
    assert "Connecting to Compete 2023: Trade Logistics in an Uncertain Global Economy" in text
    assert "Doing Business 2020" in text and "Natural Earth" in text
    # Caveats: the LPI 2010 and 2012 correction, Doing Business discontinued, tracker data illustrative.
    assert t("In the copy of the LPI data this tracker reads, the timeliness and the tracking and tracing scores of the 2010 and 2012 waves were in each other's place; they are shown here as the World Bank published them.", lang) in text
    assert t("The World Bank discontinued Doing Business in 2021 after data irregularities were found in some editions. Its report year is not its data year: DB2020 describes conditions in May 2019.", lang) in text
    assert t("The tracker figures of this site (action items, progress reports, national indicators, and the scores, ranks and early warnings computed from them) are illustrative: they were made by the tracker's seeded generator, not reported by the members. The reference data (World Bank, Natural Earth) is real and published.", lang) in text
    # Definitions are the glossary's.
    assert any(href == "glossary.html" for href, _ in read(path).links)
    if lang != "en":
        assert "Logistics Performance Index: World Bank" not in text  # no English left


def test_methods_page_names_the_regions_trade_source(sites):
    from tflib.analysis.impact import load_impact

    for region, lang in LANGS:
        params = sites[region]["params"]
        imp = load_impact(params, check_file=False)
        text = main_text(sites[region]["site"] / lang / "methods.html")
        assert imp.method.citation.split(",")[0] in text  # Hummels, D. L. …
        if imp.trade is not None:
            assert params.text(imp.trade.source, lang) in text


# ---------------------------------------------------------------------------------------------
# Glossary


TERMS = ("implementation-score", "implementation-rate", "on-time-rate", "action-item", "item-code", "status", "early-warnings", "measure-codes")


@pytest.mark.parametrize("region,lang", LANGS)
def test_glossary_defines_every_term_and_explains_item_codes(sites, region, lang):
    site, params = sites[region]["site"], sites[region]["params"]
    path = site / lang / "glossary.html"
    page = read(path)
    for term in TERMS:
        assert term in page.ids, (region, lang, term)
    for kind in monitor.KINDS:
        assert f"warning-{kind}" in page.ids, kind
        assert monitor.kind_label(kind, lang) in page.text
    # The example item code is a real action item of the region (the first of the first party
    # with a plan), read from its parts.
    items = pl.read_csv(site / pages.BULK_DIR / "action_items.csv", infer_schema=False)
    country = next(c for c in params.region.parties if items.filter(pl.col("country") == c).height)
    row = items.filter(pl.col("country") == country).row(0, named=True)
    assert row["item_id"] == item_id(country, row["measure_id"], row["step_id"])
    assert row["item_id"] in page.text and params.in_country(country, lang) in page.text
    measure = next(m for m in params.measures if m.id == row["measure_id"])
    assert params.text(measure.name, lang) in page.text
    # Every measure code is defined, with its name.
    for m in params.measures:
        assert f"measure-{m.id}" in page.ids and params.text(m.name, lang) in page.text
    for word in INTERNAL:
        assert word not in main_text(path)


@pytest.mark.parametrize("region,lang", LANGS)
def test_figures_link_to_their_definitions(sites, region, lang):
    site, params = sites[region]["site"], sites[region]["params"]
    home = read(site / lang / "index.html")
    assert ("glossary.html#implementation-score", t("Implementation score", lang)) in home.links
    land = read(site / lang / COUNTRY[region] / "index.html")
    for term, label in (("implementation-score", "Implementation score"), ("implementation-rate", "Implementation rate"), ("early-warnings", "Early warnings")):
        assert (f"../glossary.html#{term}", t(label, lang)) in land.links, (term, land.links)
    # A short explanation beside the figures.
    assert t("Implementation score: the points a party earns on the strategy's measures, as a share of the most it could earn.", lang) in land.text
    assert t("Implementation rate: the share of its commitments fully implemented.", lang) in land.text
    # Every report page leads to the glossary (its charts and tables use measure and item codes).
    for page in (site / lang / COUNTRY[region]).glob("*.html"):
        assert "../glossary.html" in [h for h, _ in read(page).links], page


# ---------------------------------------------------------------------------------------------
# Sources


def test_no_source_is_a_file_path(sites):
    """No page, chart or download names a file of the project as a source: neither the text a
    reader sees nor the source line a chart draws."""
    for region in sites:
        site = sites[region]["site"]
        for path in sorted(site.rglob("*")):
            if path.suffix not in (".html", ".md", ".txt") or "pagefind" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            shown = [read(path).text, *re.findall(r'"source":"([^"]*)"', text)] if path.suffix == ".html" else [text]
            for needle in ("params/", "impact.yaml", "region.yaml", "trade/sieca_trade"):
                assert not any(needle in part for part in shown), (path.relative_to(site), needle)
        impact = site / sites[region]["params"].languages[0] / COUNTRY[region] / "impact.html"
        assert not re.search(r"\w\.(yaml|csv)\b", read(impact).text)


def test_the_impact_assumptions_name_their_publication(sites):
    from tflib.analysis.impact import load_impact

    params = sites["sica"]["params"]
    imp = load_impact(params, check_file=False)
    address = pages.Address("sica", "impact", "CRI", "en")
    text = (sites["sica"]["site"] / address.html).read_text(encoding="utf-8")
    book = (sites["sica"]["site"] / address.downloads / "codebook.md").read_text(encoding="utf-8")
    assert html.escape(params.text(imp.trade.source, "en"), quote=False) in text
    assert "Hummels and Schaur (2013)" in book


# ---------------------------------------------------------------------------------------------
# Citation and release


@pytest.mark.parametrize("region", list(SCOPES))
def test_one_release_id_everywhere(sites, region):
    import pypdf

    site, params, report = sites[region]["site"], sites[region]["params"], sites[region]["report"]
    rid = report.release.release_id
    for path in sorted(site.rglob("*.html")):
        if "pagefind" in path.parts or path.parent == site:
            continue
        footer = path.read_text(encoding="utf-8").split('<footer class="tf-footer">', 1)[1]
        assert set(re.findall(r"[a-z]+-\d{4}-\d{2}-\d{2}-[0-9a-f]{10}", footer)) <= {rid} and rid in footer, path
    for lang in params.languages:
        cite = main_text(site / lang / "cite.html")
        assert rid in cite
        pdf = pypdf.PdfReader(site / lang / COUNTRY[region] / "brief.pdf")
        pdf_text = " ".join(p.extract_text() for p in pdf.pages)
        assert set(re.findall(r"[a-z]+-\d{4}-\d{2}-\d{2}-[0-9a-f]{10}", pdf_text)) == {rid}
    readme = (site / pages.BULK_DIR / "README.txt").read_text(encoding="utf-8")
    assert f"Release: {rid}" in readme
    archive = site / pages.release_archive_path(rid)
    with zipfile.ZipFile(archive) as zf:
        inner = next(n for n in zf.namelist() if n.endswith("/README.txt"))
        assert f"Release: {rid}" in zf.read(inner).decode("utf-8")
        assert inner.startswith(f"{rid}/")


@pytest.mark.parametrize("region,lang", LANGS)
def test_cite_page_states_authors_and_gives_no_placeholder(sites, region, lang):
    site, params = sites[region]["site"], sites[region]["params"]
    assert params.region.site_url is None
    page = (site / lang / "cite.html").read_text(encoding="utf-8")
    text = main_text(site / lang / "cite.html")
    assert "[URL]" not in page and "url = " not in page and "http" not in text
    citation = page.split('<blockquote class="tf-citation">', 1)[1].split("</blockquote>", 1)[0]
    # The tracker data is illustrative: not the secretariat's.
    assert not html.unescape(citation).startswith(params.region.secretariat)
    assert f"author = {{{{{params.region.secretariat}}}}}" not in page
    assert t("The tracker figures of this release (action items, progress, indicators, and the scores and warnings computed from them) were made by the tracker's seeded generator: they are illustrative, not data of {secretariat} or its members.", lang, secretariat=params.region.secretariat) in html.unescape(citation)


def test_site_url_is_given_in_the_citation(sites, tmp_path):
    """With `site_url` the citation and its BibTeX give the site's address."""
    proj = sites["eac"]["proj"]
    region_yaml = proj.params_dir / "regions" / "eac" / "region.yaml"
    data = yaml.safe_load(region_yaml.read_text(encoding="utf-8"))
    data["site_url"] = "https://tracker.example.org/eac/"
    region_yaml.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        params = load_region("eac", proj)
        assert params.region.site_url == "https://tracker.example.org/eac"
        work = pages.work_dir(proj, "eac")
        records = _records(params, work)
        out = tmp_path / "eac"
        assert builtin.publish(params, records, out, sites["eac"]["report"].release, work=work, project=proj) == []
        for lang in params.languages:
            page = (out / lang / "cite.html").read_text(encoding="utf-8")
            assert "https://tracker.example.org/eac" in page.split('<blockquote class="tf-citation">', 1)[1].split("</blockquote>", 1)[0]
            assert "url = {https://tracker.example.org/eac}" in page
    finally:
        del data["site_url"]
        region_yaml.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _records(params, work):
    from tflib.site.model import PageRecord

    scope = SCOPES[params.id]
    return [PageRecord(a, a.executed(work), ok=True) for a in pages.addresses(params, scope["kinds"], scope["countries"], params.languages)]


@pytest.mark.parametrize("url", ["ftp://example.org/x", "example.org", "http://", "https://exa mple.org", "javascript:alert(1)"])
def test_site_url_must_be_an_http_address(tmp_path, url):
    proj = make_project(tmp_path / "proj")
    region_yaml = proj.params_dir / "regions" / "sica" / "region.yaml"
    data = yaml.safe_load(region_yaml.read_text(encoding="utf-8"))
    data["site_url"] = url
    region_yaml.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ParamsError, match="site_url"):
        load_region("sica", proj)


# ---------------------------------------------------------------------------------------------
# Past releases


def test_past_releases_stay_downloadable(sites, tmp_path):
    first = sites["sica"]
    proj = tflib.Project(shutil.copytree(first["proj"].root, tmp_path / "proj", symlinks=True))
    site = pages.site_dir(proj, "sica")
    old_id = first["report"].release.release_id
    old_zip = first["snapshot"][pages.release_archive_path(old_id)]
    # Each release keeps only its archive.
    assert [k for k in first["snapshot"] if k.startswith(pages.RELEASES_DIR + "/")] == [pages.release_archive_path(old_id)]

    params = load_region("sica", proj)
    item = tflib.progress("sica", country="CRI", project=proj).filter((pl.col("status").fill_null("") != "full") & (pl.col("reported_on") < params.as_of))["item_id"][0]
    path = write_csv(proj.root / "in" / "cri.csv", ["country", "item_id", "reported_on", "status", "pct_complete"], [["CRI", item, params.as_of.isoformat(), "full", "100"]])
    (res,) = ingest([path], "sica", proj)
    assert res.inserted == 1
    second = build("sica", project=proj, **SCOPES["sica"])
    new_id = second.release.release_id
    assert second.published and new_id != old_id and second.release.previous_release == old_id
    now = snapshot(site)
    assert now[pages.release_archive_path(old_id)] == old_zip  # the cited release still resolves, unchanged
    assert pages.release_archive_path(new_id) in now
    assert sorted(k for k in now if k.startswith(pages.RELEASES_DIR + "/")) == sorted([pages.release_archive_path(old_id), pages.release_archive_path(new_id)])
    for lang in params.languages:
        for name in ("cite", "changes"):
            page = site / lang / f"{name}.html"
            links = {h for h, _ in read(page).links}
            for rid in (old_id, new_id):
                assert "../" + pages.release_archive_path(rid) in links, (lang, name, rid)
                assert (page.parent / ("../" + pages.release_archive_path(rid))).resolve().is_file()

    # A rebuild with no change publishes nothing new; a forced one makes no new release and the same site.
    again = build("sica", project=proj, **SCOPES["sica"])
    assert not again.published and again.release.release_id == new_id
    forced = build("sica", project=proj, force=True, **SCOPES["sica"])
    assert forced.published and forced.release.release_id == new_id and forced.release.previous_release == old_id
    assert snapshot(site) == now
