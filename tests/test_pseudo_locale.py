"""Pseudo-locale build: every word a reader gets is translated.

A small site of each shipped region (two members, every page kind, every language) is built
with ``TFLIB_PSEUDO=1``: every translated text (catalog messages and per-language params
texts) is then shown between the markers ⟦ ⟧ (`tflib.i18n.mark`). The tests read every HTML
page: its visible text (no <script> or <style>; alt, aria-label, title and placeholder
attributes included) and the texts of its Vega charts (titles, subtitles, axis, legend and
header titles, the labels drawn from the data, label expressions and tooltips). Whatever is
outside the markers must be a data value: a country's name, a place, an agency, a code a
reader is told about (ISO3, measure and action item ids), a release id, a number, or a month
of the page's language (CLDR). Anything else names the page and the text. Raw period codes
such as ``2026-Q3`` fail wherever they are.

A normal build of the same project afterwards re-runs every page (the pseudo pages are never
reused) and carries no marker.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pycountry
import pytest
import yaml
from babel import Locale

from tflib import i18n, pages, units
from tflib.build import build
from tflib.params import RegionParams, load_region

from projects import ingested_project

pytestmark = pytest.mark.xdist_group("pseudo")

# Two members per region, chosen so that every page kind and both sides of each choice appear:
# a party with land crossings on named corridors and on none (corridor page), and a member
# without a land crossing (no corridor page); in SICA a non-party (tracked, not scored).
MEMBERS = {"sica": ["GTM", "DOM"], "eac": ["KEN", "SOM"]}

# Pages whose words are known to reach the reader untranslated, with the work that removes
# them. Each entry: site path -> why. Remove an entry once that work is merged.
KNOWN: dict[str, str] = {}  # pages exempted from the check, with why (none)

# Codes written the same in every language: file formats, and the Doing Business editions
# (DB2020: the World Bank's name of the report).
CODES = {"CSV", "XLSX", "SVG", "PNG", "PDF", "JSON", "ZIP", "DB"}
# The field names of a BibTeX entry (the cite page): the format's syntax, not words.
BIBTEX = {"misc", "author", "title", "year", "note", "url", "URL"}

RAW_PERIOD = re.compile(r"\b\d{4}-(?:Q[1-4]|H[12]|\d{2})\b")
LETTERS = re.compile(r"[^\W\d_]+")


# ---------------------------------------------------------------------------------------------
# The sites


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """region -> (params, project, site folder, work folder): a pseudo-locale build of MEMBERS.
    Each build runs in a process of its own (`tflib build`), as a pseudo build is meant to: no
    marked text is left in this process's caches for the tests that follow."""
    out = {}
    for region, members in MEMBERS.items():
        proj = ingested_project(tmp_path_factory.mktemp(f"pseudo-{region}") / "proj", region)
        env = {**os.environ, "TFLIB_ROOT": str(proj.root), i18n.PSEUDO_ENV: "1"}
        done = subprocess.run([sys.executable, "-m", "tflib", "build", "--region", region, "--countries", ",".join(members), "--workers", "2"],
                              capture_output=True, text=True, timeout=900, env=env)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        out[region] = (load_region(region, proj), proj, pages.site_dir(proj, region), pages.work_dir(proj, region))
    return out


# ---------------------------------------------------------------------------------------------
# What a reader reads


class Visible(HTMLParser):
    """The text a reader gets from a page: its text outside <script>, <style> and <template>,
    the <title>, and the alt, aria-label, title, placeholder and value (of buttons) attributes."""

    ATTRS = ("alt", "aria-label", "title", "placeholder")
    HIDDEN = ("script", "style", "template")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.specs: list[dict] = []
        self._skip = 0
        self._spec: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and "tf-spec" in (a.get("class") or ""):
            self._spec = []
        if tag in self.HIDDEN:
            self._skip += 1
        for name in self.ATTRS:
            if a.get(name):
                self.texts.append(a[name])
        if tag == "input" and a.get("type") in ("button", "submit", "reset") and a.get("value"):
            self.texts.append(a["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self._skip = max(0, self._skip - 1)
        if tag == "script" and self._spec is not None:
            self.specs.append(json.loads("".join(self._spec)))
            self._spec = None

    def handle_data(self, data):
        if self._spec is not None:
            self._spec.append(data)
        elif not self._skip:
            self.texts.append(data)


def read_page(path: Path) -> tuple[list[str], list[dict]]:
    parser = Visible()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.texts, parser.specs


def outside_markers(text: str) -> str:
    """`text` with every marked run (nested ones included) replaced by a space. A run left
    open runs to the end: a label shortened to fit ("Guichet unique pour…") loses its end."""
    out, depth = [], 0
    for ch in text:
        if ch == i18n.OPEN:
            depth += 1
            if depth == 1:
                out.append(" ")
        elif ch == i18n.CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Chart texts


NOMINAL = ("nominal", "ordinal")
LABEL_CHANNELS = ("x", "y", "color", "fill", "stroke", "shape", "strokeDash", "row", "column", "facet", "text")


def _datasets(spec: dict) -> dict[str, list]:
    """field -> every value it takes in the spec's data."""
    values: dict[str, list] = {}

    def rows(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "datasets" and isinstance(value, dict):
                    for data in value.values():
                        yield from data if isinstance(data, list) else []
                elif key == "data" and isinstance(value, dict) and isinstance(value.get("values"), list):
                    yield from value["values"]
                else:
                    yield from rows(value)
        elif isinstance(node, list):
            for item in node:
                yield from rows(item)

    for row in rows(spec):
        if isinstance(row, dict):
            for k, v in row.items():
                values.setdefault(k, []).append(v)
    return values


def _string_literals(expr: str) -> list[str]:
    expr = re.sub(r"(regexp\((?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")),\s*'[a-z]*'\)", r"\1)", expr)  # a regexp's flags draw nothing
    return [m[1] or m[2] for m in re.finditer(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", expr)]


def chart_texts(spec: dict) -> list[tuple[str, str]]:
    """(where, text) for every text of a chart a reader sees."""
    out: list[tuple[str, str]] = []
    data = _datasets(spec)

    def shown(value, where):
        if isinstance(value, str):
            out.append((where, value))
        elif isinstance(value, list):
            for v in value:
                shown(v, where)

    def lines(value):
        # A title or subtitle wrapped to the chart's width: its lines read as one text.
        return " ".join(v for v in value if isinstance(v, str)) if isinstance(value, list) else value

    def walk(node, path):
        if isinstance(node, list):
            for item in node:
                walk(item, path)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key in ("datasets", "data", "usermeta", "config", "$schema"):
                continue
            if key in ("title", "subtitle", "description") and isinstance(value, (str, list)):
                shown(lines(value), f"{path}.{key}")
            elif key == "title" and isinstance(value, dict):
                shown(lines(value.get("text")), f"{path}.title")
                shown(lines(value.get("subtitle")), f"{path}.subtitle")
            elif key == "labelExpr" and isinstance(value, str):
                shown(_string_literals(value), f"{path}.labelExpr")
            elif key == "encoding" and isinstance(value, dict):
                encoding(value, f"{path}.encoding")
            else:
                walk(value, f"{path}.{key}")

    def encoding(enc, path):
        for channel, defs in enc.items():
            for d in defs if isinstance(defs, list) else [defs]:
                if not isinstance(d, dict):
                    continue
                where = f"{path}.{channel}"
                walk({k: v for k, v in d.items() if k not in ("sort", "scale")}, where)
                if channel == "tooltip":
                    if d.get("field") and "title" not in d:
                        out.append((f"{where} (tooltip title: the field name)", d["field"]))
                    if d.get("type") in NOMINAL and d.get("field") in data:
                        shown([v for v in data[d["field"]] if isinstance(v, str)], f"{where} values of {d['field']}")
                    continue
                guide = d.get("legend") if channel not in ("x", "y", "row", "column", "facet") else d.get("axis", d.get("header"))
                if guide is None and ("legend" in d or "axis" in d):
                    continue  # no guide drawn: the values are not shown as labels
                if channel in LABEL_CHANNELS and d.get("type") in NOMINAL and d.get("field") in data:
                    shown([v for v in data[d["field"]] if isinstance(v, str)], f"{where} labels of {d['field']}")
                domain = (d.get("scale") or {}).get("domain")
                if channel in LABEL_CHANNELS and isinstance(domain, list):
                    shown([v for v in domain if isinstance(v, str)], f"{where} scale domain")
                if channel == "text" and "datum" in d:
                    shown(d["datum"], f"{where} datum")
        return out

    walk(spec, "spec")
    return out


# ---------------------------------------------------------------------------------------------
# Data values


def data_values(params: RegionParams, work: Path, lang: str) -> tuple[list[str], set[str]]:
    """(values, tokens) a page in `lang` may show unmarked: whole values (names of countries,
    places and agencies, release ids), longest first, and single words (codes, months)."""
    values: set[str] = set()
    # Countries: ISO 3166 names in the language (pycountry's data) and the members' own forms.
    import gettext

    try:
        names = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    except OSError:
        names = gettext.NullTranslations()
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            english = getattr(country, attr, None)
            if english:
                values.update({english if lang == "en" else names.gettext(english), names.gettext(english).split(",")[0]})
    for cp in params.countries.values():
        forms = cp.names.get(lang)
        if forms is not None:
            values.update(v for v in (forms.name, forms.short, forms.in_) if v)
            values.update(i18n.sentence(v) for v in (forms.name, forms.short, forms.in_) if v)  # opening a sentence
        values.update(a.name for a in cp.agencies)
        values.add(cp.focal_point) if getattr(cp, "focal_point", None) else None
    for c in params.region.border_crossings:
        values.add(c.name)
        values.update(c.posts.values())
    values.add(params.region.secretariat)
    # The impact estimate's sources as params give them: a bibliographic reference, a file.
    impact = params.folder / "impact.yaml"
    if impact.exists():
        found = yaml.safe_load(impact.read_text(encoding="utf-8")) or {}
        values.add(" ".join(str((found.get("method") or {}).get("citation", "")).split()))
        values.add(str((found.get("trade") or {}).get("file", "")))
    # Codes and names a reader is told about, as the release tables hold them.
    release = work / "release"
    for name, columns in {"action_items": ("item_id", "measure_id", "agency_name", "country"), "progress_current": ("agency_name",), "early_warnings": ("item_id", "agency_name")}.items():
        path = next((p for p in (release / lang / f"{name}.parquet", release / f"{name}.parquet") if p.exists()), None)
        if path is not None:
            frame = pl.read_parquet(path)
            for col in columns:
                if col in frame.columns:
                    values.update(v for v in frame[col].drop_nulls().unique().to_list() if v)
    values.update(m.id for m in params.measures)
    values.update(step.id for m in params.measures for step in m.steps)  # S1, S2: the steps' codes
    # The reference data's publications, cited by their titles (kept in the language of publication).
    from tflib.site.landing import _reference_sources

    for source in _reference_sources(lang):
        values.update(v for v in (source["author"], source["title"]) if v)
        values.update(label for label, _ in source["links"])
    manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
    values.update(r["release_id"] for r in manifest["releases"])
    locale = Locale.parse(lang)
    # Languages (CLDR): by their own names (the language switch) and in the page's language.
    for code in params.languages:
        for name in (Locale.parse(code).get_display_name(code), locale.languages.get(code, "")):
            values.update({name, i18n.sentence(name)})
    # ISO 3166 codes name economies in the reference data's tables (maps of every economy in view).
    tokens = set(CODES) | {c.alpha_3 for c in pycountry.countries} | set(params.region.comparators) | {params.region.currency}
    tokens.add(params.id)
    # Money and lists as CLDR writes them in the language ("300,00 US$", "Belice y Guatemala").
    for currency in {params.region.currency, "USD"}:
        tokens.update(LETTERS.findall(locale.currency_symbols.get(currency, currency)))
    for pattern in locale.list_patterns["standard"].values():
        tokens.update(LETTERS.findall(pattern))
    for style in ("short", "medium", "long", "full"):  # "30 de septiembre de 2026"
        tokens.update(w for quoted in re.findall(r"'([^']*)'", str(locale.date_formats[style].pattern)) for w in LETTERS.findall(quoted))
    for context in ("format", "stand-alone"):
        for width in ("abbreviated", "wide"):
            for month in locale.months[context][width].values():
                tokens.update(LETTERS.findall(month))
    return sorted(values, key=len, reverse=True), tokens


def leaks(text: str, values: list[str], tokens: set[str]) -> list[str]:
    """The unmarked words of `text` that are no data value."""
    rest = outside_markers(text)
    for value in values:
        if value in rest:
            rest = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", rest)
    return [w for w in LETTERS.findall(rest) if w not in tokens]


def site_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def page_leaks(params: RegionParams, site: Path, work: Path) -> list[str]:
    """Each untranslated text once per page and place (a chart label once, not per row)."""
    found: dict[str, None] = {}
    allowed = {lang: data_values(params, work, lang) for lang in params.languages}
    for path in site_pages(site):
        rel = path.relative_to(site).as_posix()
        lang = rel.split("/")[0] if "/" in rel else params.region.default_language
        if rel in KNOWN:
            continue
        values, tokens = allowed[lang]
        if rel.endswith("/cite.html"):
            tokens = tokens | BIBTEX
        texts, specs = read_page(path)
        for text in texts:
            words = leaks(text, values, tokens)
            if words:
                found[f"{rel}: {' '.join(words)!r} in {' '.join(text.split())[:160]!r}"] = None
        for n, spec in enumerate(specs, 1):
            for where, text in chart_texts(spec):
                words = leaks(text, values, tokens)
                if words:
                    found[f"{rel} chart {n} {where}: {' '.join(words)!r} in {text[:160]!r}"] = None
    return list(found)


def raw_codes(params: RegionParams, site: Path, work: Path) -> list[str]:
    found: dict[str, None] = {}
    releases = [v for v in data_values(params, work, params.region.default_language)[0] if v.startswith(f"{params.id}-")]
    for path in site_pages(site):
        rel = path.relative_to(site).as_posix()
        if rel in KNOWN:
            continue
        texts, specs = read_page(path)
        texts += [text for spec in specs for _, text in chart_texts(spec)]
        for text in texts:
            for release in releases:
                text = text.replace(release, " ")
            for code in RAW_PERIOD.findall(text):
                found[f"{rel}: {code!r} in {' '.join(text.split())[:160]!r}"] = None
    return list(found)


# ---------------------------------------------------------------------------------------------
# The tests


def test_the_markers_follow_the_environment(monkeypatch):
    monkeypatch.delenv(i18n.PSEUDO_ENV, raising=False)
    assert i18n.t("Data as of {date}", "es", date="30 sept 2026") == "Datos al 30 sept 2026"
    monkeypatch.setenv(i18n.PSEUDO_ENV, "1")
    # The literal parts are marked, the value filled in is not: it is checked on its own.
    assert i18n.t("Data as of {date}", "es", date="30 sept 2026") == "⟦Datos al ⟧30 sept 2026"
    assert units.amount(5.2, "days", "es") == "5,2⟦ días⟧"
    assert i18n.sentence(i18n.gettext("no data", "fr")) == "⟦pas de données⟧"
    assert outside_markers(i18n.t("{page}: {name}", "fr", page=i18n.t("Implementation progress", "fr"), name="le Kenya")).split() == ["le", "Kenya"]


@pytest.mark.parametrize("region", list(MEMBERS))
def test_every_kind_and_language_is_built(sites, region):
    params, _, site, _ = sites[region]
    kinds = {p.relative_to(site).parts[-1].removesuffix(".html") for p in site_pages(site)}
    assert set(pages.KINDS) <= kinds
    assert {p.relative_to(site).parts[0] for p in site_pages(site) if len(p.relative_to(site).parts) > 1} == set(params.languages)


@pytest.mark.parametrize("region", list(MEMBERS))
def test_every_word_a_reader_gets_is_translated(sites, region):
    params, _, site, work = sites[region]
    found = page_leaks(params, site, work)
    assert found == [], f"{len(found)} untranslated text(s):\n" + "\n".join(found[:60])


@pytest.mark.parametrize("region", list(MEMBERS))
def test_no_raw_period_code_reaches_a_page(sites, region):
    params, _, site, work = sites[region]
    found = raw_codes(params, site, work)
    assert found == [], "\n".join(found[:40])


@pytest.mark.parametrize("region", list(MEMBERS))
def test_search_opened_from_disk_speaks_to_readers(sites, region):
    """Opened from a folder, the search page once told readers to run a developer command."""
    params, _, site, _ = sites[region]
    for lang in params.languages:
        page = (site / pages.site_page_path(lang, "search")).read_text(encoding="utf-8")
        note = page.split('class="tf-search-offline" hidden>', 1)[1].split("</p>", 1)[0]
        text = re.sub(r"<[^>]+>", "", note).replace(i18n.OPEN, "").replace(i18n.CLOSE, "")
        assert not re.search(r"\btflib\b|\bserve\b|\brun\b", text), text
        assert i18n.t("Search works when the site is published on a web server, not when its pages are opened from a folder on this computer.", lang) in text
        assert 'href="index.html"' in note  # the way to the countries and their pages


def test_a_normal_build_after_a_pseudo_one_has_no_marker(sites):
    params, proj, site, _ = sites["sica"]
    report = build("sica", countries=MEMBERS["sica"], project=proj, workers=2)
    assert report.exit_code == 0
    assert report.pages_skipped == 0, "a pseudo-locale page was reused by a normal build"
    marked = [p.relative_to(site).as_posix() for p in site_pages(site) if i18n.OPEN in p.read_text(encoding="utf-8") or i18n.CLOSE in p.read_text(encoding="utf-8")]
    assert marked == []
