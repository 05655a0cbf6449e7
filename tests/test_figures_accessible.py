"""Charts and tables for every reader: each chart is named by its title and described by a
one-sentence summary shown under it, its data can be read as an HTML table (numbers at the
table's declared precision in the page's language, no data said as such), and wide tables
scroll inside a box of their own that the keyboard can reach. The browser checks (the drawn
charts keep their names; nothing spills sideways at phone width; tab order) are at the end."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from tflib.site import report
from tflib.tables import MIME as TABLE_MIME
from tflib.tables import PerRow, Table

ASSETS = Path(report.__file__).parent / "assets"


class Tree(HTMLParser):
    """A small DOM: every element with its attributes, parent and text."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.root = {"tag": "#root", "attrs": {}, "children": [], "text": [], "parent": None}
        self.cur = self.root
        self.all: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        node = {"tag": tag, "attrs": dict(attrs), "children": [], "text": [], "parent": self.cur}
        self.cur["children"].append(node)
        self.all.append(node)
        if tag not in self.VOID:
            self.cur = node

    def handle_endtag(self, tag):
        node = self.cur
        while node is not None and node["tag"] != tag:
            node = node["parent"]
        if node is not None and node["parent"] is not None:
            self.cur = node["parent"]

    def handle_data(self, data):
        self.cur["text"].append(data)
        self.cur["children"].append(data)

    def find(self, tag: str, **attrs) -> list[dict]:
        return [n for n in self.all if n["tag"] == tag and all(n["attrs"].get(k.rstrip("_")) == v for k, v in attrs.items())]


def text_of(node) -> str:
    if isinstance(node, str):
        return node
    return "".join(text_of(c) for c in node["children"])


def ancestors(node):
    node = node["parent"]
    while node is not None:
        yield node
        node = node["parent"]


def spec(title="Exports of Costa Rica", description=None, summary=None) -> dict:
    s: dict = {"$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json", "title": {"text": title}, "mark": "bar"}
    if description is not None:
        s["description"] = description
    if summary is not None:
        s["usermeta"] = {"tflib": {"summary": summary}}
    return s


def scores_table() -> Table:
    frame = pl.DataFrame(
        {
            "year": [2021, 2022, 2023],
            "indicator_id": ["lpi", "lpi", "db"],
            "value": [3.339999999, None, 12345.5],
            "reported": [True, False, None],
            "date": [dt.date(2024, 3, 31), None, dt.date(2025, 1, 5)],
        },
        schema={"year": pl.Int64, "indicator_id": pl.String, "value": pl.Float64, "reported": pl.Boolean, "date": pl.Date},
    )
    return Table(
        "scores",
        frame,
        title="Scores of Costa Rica",
        source="Test source",
        unit="points",
        precision={"value": PerRow("indicator_id", {"lpi": 2}, 1)},
        columns={"year": "Año", "indicator_id": "Indicador", "value": "Valor", "reported": "Informado", "date": "Fecha"},
    )


# --- 1. name and summary -------------------------------------------------------------------


def test_a_chart_is_named_by_its_title_and_described_by_its_visible_summary():
    html = report.figure_html(spec(description="Exports grew every year since 2020."), 3, [], "en")
    tree = Tree(html)
    (box,) = tree.find("div", role="img")
    assert box["attrs"]["aria-label"] == "Exports of Costa Rica"
    target = box["attrs"]["aria-describedby"]
    (summary,) = [n for n in tree.all if n["attrs"].get("id") == target]
    assert text_of(summary) == "Exports grew every year since 2020."
    # Visible text, in the figure's caption: not hidden from sight.
    assert any(a["tag"] == "figcaption" for a in ancestors(summary))
    assert not any("tf-visually-hidden" in a["attrs"].get("class", "") or "hidden" in a["attrs"] for a in [summary, *ancestors(summary)])


def test_a_chart_without_a_description_is_described_by_its_summary_or_title():
    tree = Tree(report.figure_html(spec(summary="A summary kept in the chart's metadata."), 1, [], "en"))
    (box,) = tree.find("div", role="img")
    (summary,) = [n for n in tree.all if n["attrs"].get("id") == box["attrs"]["aria-describedby"]]
    assert text_of(summary) == "A summary kept in the chart's metadata."
    tree = Tree(report.figure_html(spec(), 2, [], "en"))
    (box,) = tree.find("div", role="img")
    (summary,) = [n for n in tree.all if n["attrs"].get("id") == box["attrs"]["aria-describedby"]]
    assert text_of(summary) == "Exports of Costa Rica"


def test_each_chart_of_a_page_has_its_own_summary_id():
    html = report.figure_html(spec(description="One."), 1, [], "en") + report.figure_html(spec(description="Two."), 2, [], "en")
    ids = [n["attrs"]["id"] for n in Tree(html).all if "id" in n["attrs"]]
    assert len(ids) == len(set(ids))


def test_site_js_keeps_the_named_box_and_hides_the_drawn_svg():
    """Vega names its SVG "Vega visualization" unless the spec has a description: the drawn
    SVG is hidden from assistive technology, the named box (role img) stays."""
    js = (ASSETS / "site.js").read_text(encoding="utf-8")
    assert re.search(r'setAttribute\("aria-hidden", "true"\)', js)


# --- 2. the chart's data as a table ---------------------------------------------------------


def test_a_chart_offers_its_data_as_a_table_in_the_page_language():
    html = report.figure_html(spec(), 1, [], "es", tables=[scores_table()])
    tree = Tree(html)
    (details,) = tree.find("details")
    (summary,) = [c for c in details["children"] if isinstance(c, dict) and c["tag"] == "summary"]
    assert text_of(summary).startswith("Tabla de datos")
    assert "Exports of Costa Rica" in text_of(summary)  # each chart's disclosure has its own name
    (table,) = tree.find("table")
    (caption,) = [n for n in tree.all if n["tag"] == "caption"]
    assert text_of(caption) == "Scores of Costa Rica (points)"
    heads = tree.find("th")
    # The indicator's code column is not shown: a reader gets no raw code ("lpi"); the
    # downloads keep every column.
    assert [text_of(h) for h in heads] == ["Año", "Valor", "Informado", "Fecha"]
    assert all(h["attrs"].get("scope") == "col" for h in heads)
    rows = [[text_of(td) for td in tr["children"] if isinstance(td, dict)] for tr in tree.find("tr")[1:]]
    # The source values at the declared digits (lpi: 2, others: 1), Spanish format; none is 0.
    assert rows == [
        ["2021", "3,34", "Sí", "31 mar 2024"],
        ["2022", "sin datos", "No", "sin datos"],
        ["2023", "12.345,5", "sin datos", "5 ene 2025"],
    ]
    value_cells = [tr["children"][1] for tr in tree.find("tr")[1:]]
    assert all("tf-num" in td["attrs"].get("class", "") for td in value_cells)
    assert "tf-num" in heads[1]["attrs"].get("class", "") and "tf-num" not in heads[2]["attrs"].get("class", "")
    assert "tf-nodata" in value_cells[1]["attrs"].get("class", "")


def test_the_data_table_is_after_the_chart_in_a_box_that_scrolls():
    html = report.figure_html(spec(), 1, [], "en", tables=[scores_table()])
    assert html.index("</figure>") < html.index("<details")
    tree = Tree(html)
    (box,) = tree.find("div", role="region")
    assert box["attrs"]["tabindex"] == "0" and box["attrs"]["aria-label"] == "Data table: Scores of Costa Rica"
    assert any(n["tag"] == "table" for n in box["children"] if isinstance(n, dict))


def test_a_huge_table_is_cut_and_says_where_the_whole_is():
    frame = pl.DataFrame({"n": list(range(5000)), "label": [f"row {i}" for i in range(5000)]})
    tab = Table("huge", frame, title="Huge", source="s")
    html = report.figure_html(spec(), 1, [], "en", tables=[tab])
    tree = Tree(html)
    shown = len(tree.find("tr")) - 1
    columns = len(tree.find("th"))
    assert shown * columns <= report.TABLE_CELLS and shown >= 100
    assert f"The first {shown:,} of 5,000 rows" in html


# --- 4. wide page tables --------------------------------------------------------------------


def notebook(outputs: list[dict]) -> dict:
    return {"cells": [{"cell_type": "code", "id": "c1", "source": "", "metadata": {}, "execution_count": 1, "outputs": outputs}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def page_table_output() -> dict:
    payload = {"tables": [scores_table().to_payload()]}
    return {"output_type": "display_data", "metadata": {}, "data": {"text/html": "<table><tr><td>1</td></tr></table>", TABLE_MIME: payload, "text/plain": "t"}}


@pytest.mark.parametrize("renderer", ["direct", "nbconvert"])
def test_a_page_table_scrolls_in_a_named_focusable_box(renderer):
    nb = notebook([page_table_output()])
    if renderer == "nbconvert":  # a markdown cell sends the notebook through nbconvert
        nb["cells"].append({"cell_type": "markdown", "id": "m1", "source": "Text", "metadata": {}})
    tree = Tree(report.notebook_body(nb, {}, "en"))
    (box,) = tree.find("div", role="region")
    assert box["attrs"]["tabindex"] == "0" and box["attrs"]["aria-label"] == "Scores of Costa Rica"
    assert tree.find("table") and all(any(a is box for a in ancestors(t)) for t in tree.find("table"))


@pytest.mark.parametrize("renderer", ["direct", "nbconvert"])
def test_both_renderers_give_charts_their_data_table(renderer):
    chart = {
        "output_type": "display_data",
        "metadata": {},
        "data": {"application/vnd.vegalite.v6+json": spec(description="Up."), TABLE_MIME: {"tables": [scores_table().to_payload()]}, "text/plain": "[chart] x"},
    }
    nb = notebook([chart])
    if renderer == "nbconvert":
        nb["cells"].append({"cell_type": "markdown", "id": "m1", "source": "Text", "metadata": {}})
    tree = Tree(report.notebook_body(nb, {}, "es"))
    assert len(tree.find("details")) == 1 and len(tree.find("table")) == 1
    (box,) = tree.find("div", role="img")
    assert box["attrs"]["aria-describedby"] == "chart-1-summary"


# --- 5, 6, 7. styles ------------------------------------------------------------------------


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted([luminance(a), luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def css_rule(css: str, selector: str) -> str:
    match = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert match, selector
    return match.group(1)


def css_colour(css: str, value: str) -> str:
    value = value.strip()
    var = re.fullmatch(r"var\((--[\w-]+)\)", value)
    if var:
        value = re.search(re.escape(var.group(1)) + r":\s*(#[0-9a-fA-F]{6})", css).group(1)
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", value), value
    return value


def declared(rule: str, prop: str) -> str:
    match = re.search(rf"(?:^|;|\s){re.escape(prop)}:\s*([^;]+)", rule)
    assert match, prop
    return match.group(1).strip()


def test_placeholders_are_readable():
    """Placeholders at 4.5:1 on white at least (Pagefind's own style fades them to 20 %)."""
    css = (ASSETS / "site.css").read_text(encoding="utf-8")
    rule = css_rule(css, "::placeholder")
    assert declared(rule, "opacity") == "1"
    assert contrast(css_colour(css, declared(rule, "color")), "#ffffff") >= 4.5


def test_status_flags_contrast_and_carry_text():
    css = (ASSETS / "site.css").read_text(encoding="utf-8")
    rule = css_rule(css, ".tf-flag-failed")
    assert contrast(css_colour(css, declared(rule, "color")), css_colour(css, declared(rule, "background"))) >= 4.5
    # The search box's edge is its only outline on a white page (1.4.11: 3:1).
    rule = css_rule(css, ".tf-search, .tf-header-pagefind")
    assert contrast(css_colour(css, declared(rule, "--pagefind-ui-border")), "#ffffff") >= 3


def test_charts_fit_their_figure_in_the_stylesheet():
    css = (ASSETS / "site.css").read_text(encoding="utf-8")
    assert declared(css_rule(css, ".tf-chart .tf-vega"), "width") == "100%"
    assert declared(css_rule(css, ".tf-vega svg"), "max-width") == "100%"
    rule = css_rule(css, ".tf-scroll")
    assert declared(rule, "overflow-x") == "auto"


# --- In the browser -------------------------------------------------------------------------

from test_browser import ARGS, CHROMIUM  # noqa: E402
from test_browser import browser, site  # noqa: E402,F401 - fixtures

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
DRAWN = "n => document.querySelectorAll('figure.tf-chart .tf-vega svg').length >= n"


def drawn(page, url: str) -> int:
    page.goto(url, wait_until="load")
    n = page.locator("figure.tf-chart").count()
    if n:
        page.wait_for_function(DRAWN, arg=n, timeout=20000)
    return n


@needs_chromium
@pytest.mark.xdist_group("site")
def test_drawn_charts_keep_their_names_and_summaries(site, browser):
    root, base = site
    page = browser.new_page()
    for rel, resize in (("es/CRI/progress.html", False), ("en/CRI/logistics.html", True), ("es/region/overview.html", False)):
        n = drawn(page, f"{base}/{rel}")
        assert n > 0, rel
        if resize:  # charts sized to their container draw again: the names stay
            page.set_viewport_size({"width": 400, "height": 800})
            page.wait_for_timeout(500)
        found = page.evaluate(
            """() => [...document.querySelectorAll('figure.tf-chart')].map(f => {
                const box = f.querySelector('.tf-vega');
                const desc = document.getElementById(box.getAttribute('aria-describedby'));
                const svg = box.querySelector('svg');
                return {role: box.getAttribute('role'), name: box.getAttribute('aria-label'),
                        desc: desc ? desc.innerText.trim() : '', shown: desc ? desc.offsetHeight > 0 : false,
                        hidden: svg.getAttribute('aria-hidden')};
            })"""
        )
        for chart in found:
            assert chart["role"] == "img" and chart["name"] and chart["name"] != "Vega visualization", (rel, chart)
            assert chart["desc"] and chart["shown"], (rel, chart)
            assert chart["hidden"] == "true", (rel, chart)
        # As assistive technology computes it: one image per chart, named by the chart's title.
        for chart in found:
            assert page.get_by_role("img", name=chart["name"], exact=True).count() >= 1
        assert page.get_by_role("img", name="Vega visualization").count() == 0
    page.close()


@needs_chromium
@pytest.mark.xdist_group("site")
def test_the_keyboard_reaches_every_charts_data(site, browser):
    root, base = site
    page = browser.new_page()
    n = drawn(page, f"{base}/es/CRI/progress.html")
    order = []
    for _ in range(400):
        page.keyboard.press("Tab")
        info = page.evaluate(
            "() => { const e = document.activeElement; const f = e.closest('figure.tf-chart, details.tf-chart-data');"
            " return [e.tagName, f ? (f.id || (f.previousElementSibling && f.previousElementSibling.id)) : null]; }"
        )
        if info[0] == "SUMMARY":
            order.append(info[1])
            if len(order) == n:
                break
    assert order == [f"chart-{i}-data" for i in range(1, n + 1)]  # each chart's table, in page order
    # Opened with the keyboard, the table's box is the next stop (it scrolls with the arrows).
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('role')") == "region"
    page.close()


@needs_chromium
@pytest.mark.xdist_group("site")
@pytest.mark.parametrize("width", [360, 390, 1300])
def test_nothing_spills_sideways(site, browser, width):
    """No page-level horizontal scroll; every chart inside its figure; every table of the home
    page whole at desktop width."""
    root, base = site
    page = browser.new_page(viewport={"width": width, "height": 900})
    for rel in ("es/CRI/progress.html", "en/GTM/corridors.html", "es/region/overview.html", "es/index.html", "en/search.html"):
        drawn(page, f"{base}/{rel}")
        page.wait_for_timeout(200)  # charts sized to their container redraw on resize
        wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, (rel, width, wide)
        over = page.evaluate(
            """() => [...document.querySelectorAll('figure.tf-chart')].filter(f => {
                const svg = f.querySelector('.tf-vega svg'); if (!svg) return false;
                return svg.getBoundingClientRect().right > f.getBoundingClientRect().right + 1;
            }).map(f => f.id)"""
        )
        assert over == [], (rel, width, over)
    if width >= 1300:
        page.goto(f"{base}/es/index.html")
        cut = page.evaluate("() => [...document.querySelectorAll('main .tf-table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1).length")
        assert cut == 0
    page.close()


@needs_chromium
@pytest.mark.xdist_group("site")
def test_search_boxes_have_labels(site, browser):
    root, base = site
    page = browser.new_page()
    for rel in ("en/index.html", "es/search.html"):
        page.goto(f"{base}/{rel}")
        page.wait_for_selector(".pagefind-ui__search-input", timeout=15000)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input[type=search], input[type=text]')]
                 .filter(i => !(i.labels && i.labels.length && i.labels[0].textContent.trim()))
                 .map(i => i.outerHTML)"""
        )
        assert unlabelled == [], (rel, unlabelled)
    # The search page shows its label.
    assert page.locator("label[for]").filter(has_text=re.compile("Buscar")).first.is_visible()
    page.close()
