"""Hostile text in a built site: markup, template syntax and spreadsheet formulas planted in
a measure name, an agency name and progress notes (tests/planted.py) show as the text they
are on every page, in the search results, chart tooltips and the PDF brief, and no download
opens them as formulas.

In a real browser (Debian's chromium driven by Playwright) no planted script runs and no
dialog opens; the planted strings are read back literally from the pages. Every CSV and
Excel cell of the site (per-page files, archives, bulk export, codebooks) is compared with
its release table: text cells starting with = + - @, a tab or a carriage return carry a
leading ', every other cell is the table's own text, and numbers stay numbers (-1.7 is
never quoted).
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import re
import threading
import zipfile
from pathlib import Path

import nbformat
import openpyxl
import polars as pl
import pytest

from tflib import pages

from planted import (
    FORMULA_NOTE,
    HOSTILE_AGENCY,
    HOSTILE_FILE,
    HOSTILE_MEASURE,
    HOSTILE_MEMBER,
    HOSTILE_NOTE,
    LANG,
)
from test_browser import ARGS, CHROMIUM

pytestmark = pytest.mark.xdist_group("planted")
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)")

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
PWNED = "() => window.__pwned === undefined ? null : String(window.__pwned)"


def _expected_cell(value: str | None, text: bool) -> str | None:
    """A CSV cell as it must be published (OWASP): a text cell that a spreadsheet would read
    as a formula gets a leading quote; numbers, dates and true/false are written as they are."""
    if value is None or not text:
        return value
    return "'" + value if value.startswith(TRIGGERS) else value


def _is_text(dtype: pl.DataType) -> bool:
    return dtype == pl.String or isinstance(dtype, (pl.List, pl.Categorical, pl.Enum))


def _read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    return header, rows


# ---------------------------------------------------------------------------------------------
# What the site publishes, and the release tables behind it


@pytest.fixture(scope="module")
def sources(planted_site):
    """Release tables by the folder their downloads are in: each built page's tables (from its
    executed notebook) and the bulk export's."""
    from tflib import pages
    from tflib.inputs import ReleaseTables
    from tflib.params import load_region
    from tflib.site.downloads import bulk_tables
    from tflib.site.report import page_tables

    params = load_region("sica", planted_site.project)
    out = {pages.BULK_DIR: bulk_tables(params, ReleaseTables(planted_site.work))}
    for address in pages.addresses(params):
        if address.executed(planted_site.work).exists():
            nb = nbformat.read(address.executed(planted_site.work), as_version=4)
            out[address.downloads] = {tab.name: tab for tab in page_tables(nb)}
    assert f"{LANG}/{HOSTILE_MEMBER}/downloads/progress" in out, sorted(out)
    return out


def _csv_files(site: Path):
    """(where, folder, file name, bytes) of every CSV of the site, loose or inside a ZIP
    archive (whose folder is the archive's; a release's archive holds the bulk export)."""
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if path.suffix == ".csv":
            yield rel, path.parent.relative_to(site).as_posix(), path.name, path.read_bytes()
        elif path.suffix == ".zip":
            folder = pages.BULK_DIR if rel.startswith(pages.RELEASES_DIR + "/") else path.parent.relative_to(site).as_posix()
            with zipfile.ZipFile(path) as zf:
                for name in zf.namelist():
                    if name.endswith(".csv"):
                        yield f"{rel}!{name}", folder, Path(name).name, zf.read(name)


def test_every_csv_cell_is_its_table_cell_and_no_text_opens_as_a_formula(planted_site, sources):
    checked = quoted = negatives = 0
    for where, folder, name, data in _csv_files(planted_site.site):
        header, rows = _read_csv(data)
        tab = sources.get(folder, {}).get(Path(name).stem)
        if tab is None:  # codebooks: text only
            assert name == "codebook.csv", where
            for row in rows:
                assert not any(cell.startswith(TRIGGERS) for cell in row), (where, row)
            continue
        text = tab.text_frame()
        assert header == text.columns and len(rows) == text.height, where
        kinds = {c: _is_text(d) for c, d in tab.frame.schema.items()}
        for i, row in enumerate(rows):
            source = text.row(i, named=True)
            for col, cell in zip(header, row):
                want = _expected_cell(source[col], kinds[col])
                assert cell == ("" if want is None else want), (where, col, i)
                if kinds[col] and cell.startswith("'") and not (source[col] or "").startswith("'"):
                    quoted += 1
                if not kinds[col] and cell.startswith("-"):
                    assert NUMBER.match(cell), (where, col, cell)
                    negatives += 1
        checked += 1
    assert checked > 20 and quoted > 0 and negatives > 0, (checked, quoted, negatives)


def test_planted_formulas_are_quoted_where_they_are_published(planted_site):
    from tflib.safety import safe_filename

    site = planted_site.site
    page = pages.Address("sica", "progress", HOSTILE_MEMBER, LANG)
    items = pl.read_csv(site / page.downloads / "action_items.csv", infer_schema=False)
    mine = items.filter(pl.col("measure_id") == planted_site.measure_id)
    assert set(mine["measure"]) == {"'" + HOSTILE_MEASURE}
    assert "'" + HOSTILE_AGENCY in items["agency_name"].to_list()
    history = pl.read_csv(site / pages.BULK_DIR / "progress_history.csv", infer_schema=False)
    notes = history.filter(pl.col("country") == HOSTILE_MEMBER)["note"].to_list()
    assert "'" + FORMULA_NOTE in notes and "'" + HOSTILE_NOTE in notes
    # The sender's file name is shown safe: no markup, no quotes.
    planted = history.filter(pl.col("note") == "'" + FORMULA_NOTE)["source_file"].to_list()
    assert planted == [safe_filename(HOSTILE_FILE)] and not re.search(r'[<>"]', planted[0])
    indicators = pl.read_csv(site / pages.BULK_DIR / "indicators.csv", infer_schema=False)
    assert any(v.startswith("-") and NUMBER.match(v) for v in indicators["value"].drop_nulls())


def test_workbooks_hold_text_as_string_cells_and_numbers_as_numbers(planted_site, sources):
    site = planted_site.site
    books = sorted(site.rglob("*.xlsx"))
    assert books
    found_measure = False
    for book in books:
        folder = book.parent.relative_to(site).as_posix()
        with zipfile.ZipFile(book) as zf:
            sheets = [zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert not any(re.search(r"<f[ >]", s) for s in sheets), book  # not one formula
        wb = openpyxl.load_workbook(book)
        for ws in wb.worksheets:
            rows = list(ws.iter_rows())
            header = [c.value for c in rows[0]]
            for row in rows:
                for cell in row:
                    if isinstance(cell.value, str):
                        assert cell.data_type == "s" and not cell.value.startswith(TRIGGERS), (book, ws.title, cell.value)
            tab = {name[:31]: t for name, t in sources[folder].items()}.get(ws.title)  # sheet names are cut to 31
            if tab is None:
                assert ws.title in ("codebook", "notes"), (book, ws.title)
                continue
            frame = tab.rounded()
            for col, dtype in frame.schema.items():
                cells = [r[header.index(col)] for r in rows[1:]]
                if dtype.is_numeric():
                    want = [None if v is None else float(v) if isinstance(dtype, pl.Decimal) else v for v in frame[col].to_list()]
                    assert [c.value for c in cells] == want, (book, ws.title, col)
                    assert all(c.data_type == "n" for c in cells if c.value is not None)
                elif dtype == pl.String:
                    want = [None if v in (None, "") else _expected_cell(v, True) for v in frame[col].to_list()]
                    assert [c.value for c in cells] == want, (book, ws.title, col)
            if ws.title == "action_items" and "'" + HOSTILE_MEASURE in [c.value for r in rows for c in r]:
                found_measure = True
    assert found_measure


def test_brief_prints_hostile_names_as_text(planted_site):
    """Typst gets the names as values, never as markup: `#set`, `*`, `$` and `<` print."""
    from pypdf import PdfReader

    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731 - a table cell may wrap anywhere
    for lang in ("es", "en"):
        pdf = planted_site.site / lang / HOSTILE_MEMBER / "brief.pdf"
        text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert squeeze(HOSTILE_MEASURE) in squeeze(text), (lang, text[:2000])


def test_feedback_file_of_a_hostile_file_name_is_safe(planted_site):
    (result,) = [r for r in planted_site.results if HOSTILE_MEMBER in r.countries and r.kind == "progress"]
    (path,) = [planted_site.project.root / p for p in result.feedback_paths]
    assert path.exists() and path.parent.name == "sica"
    assert not re.search(r'[<>"]', path.name) and path.name.startswith("HND img src=x onerror=alert(1) progress-")
    heading = path.read_text(encoding="utf-8").splitlines()[0]
    assert "<img" not in heading


# ---------------------------------------------------------------------------------------------
# In the browser


@pytest.fixture(scope="module")
def served(planted_site):
    root = planted_site.site
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def tab(browser):
    """A page that records dialogs (alert, confirm) and page errors."""
    page = browser.new_page()
    page.events = []  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (page.events.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: page.events.append(f"pageerror: {e}"))
    yield page
    page.close()


def _open(page, url: str) -> None:
    page.goto(url, wait_until="load")
    n = page.locator("figure.tf-chart").count()
    if n:
        page.wait_for_function("n => document.querySelectorAll('figure.tf-chart .tf-vega svg').length >= n", arg=n, timeout=20000)


def _no_script_ran(page) -> None:
    assert page.evaluate(PWNED) is None
    assert page.events == []
    # Planted tags are text, not elements.
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("() => [...document.scripts].filter(s => s.textContent.includes('__pwned') && !s.classList.contains('tf-spec')).length") == 0


@needs_chromium
def test_pages_show_planted_text_literally_and_run_nothing(planted_site, served, tab):
    member = f"{served}/{LANG}/{HOSTILE_MEMBER}"
    _open(tab, f"{member}/progress.html")
    _no_script_ran(tab)
    shown = tab.inner_text("main")
    assert HOSTILE_MEASURE in shown and HOSTILE_AGENCY in shown
    for url in (f"{member}/index.html", f"{member}/logistics.html", f"{served}/{LANG}/index.html", f"{served}/{LANG}/methods.html", f"{served}/en/methods.html"):
        _open(tab, url)
        _no_script_ran(tab)


@needs_chromium
def test_chart_tooltips_show_planted_text_literally(planted_site, served, tab):
    """The timeline's tooltip shows the step's measure and agency, through vega-tooltip."""
    _open(tab, f"{served}/{LANG}/{HOSTILE_MEMBER}/progress.html")
    mark = tab.locator(f"#chart-1 svg [aria-label*='{planted_site.item_id}']").first
    mark.hover(force=True)
    tip = tab.locator("#vg-tooltip-element")
    tip.wait_for(state="visible", timeout=10000)
    text = tip.inner_text()
    assert planted_site.item_id in text and HOSTILE_MEASURE in text and HOSTILE_AGENCY in text, text
    _no_script_ran(tab)
    assert tip.locator("img, script, b").count() == 0


@needs_chromium
def test_search_results_show_planted_text_literally(planted_site, served, tab):
    _open(tab, f"{served}/{LANG}/search.html")
    tab.locator(".pagefind-ui__search-input").first.fill("onerror")
    tab.wait_for_selector(".pagefind-ui__result", timeout=15000)
    results = tab.locator(".pagefind-ui__result")
    assert results.count() > 0
    # The excerpt quotes the agency's name as text (Pagefind escapes what it indexed).
    assert '<img src=x onerror="window.__pwned=2">' in " ".join(results.all_inner_texts())
    _no_script_ran(tab)
    assert tab.locator(".pagefind-ui__result img[src='x']").count() == 0
