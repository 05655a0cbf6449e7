"""The published site in a real browser (Debian's chromium driven by Playwright), served on
127.0.0.1: every page loads without console errors and without any request leaving the
site, every chart draws, search finds a country, and the language switch keeps the page."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tflib import screens

CHROMIUM = str(screens.chromium_path())
pytestmark = [
    pytest.mark.xdist_group("site"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]
# Chromium's own background traffic is switched off (tflib.screens says why).
ARGS = list(screens.CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def site(site_build):
    from tflib import pages

    proj, report = site_build
    root = pages.site_dir(proj, "sica")
    assert (root / "index.html").exists()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def all_pages(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.html") if "pagefind" not in p.parts)


def test_every_page_loads_cleanly_and_every_chart_draws(site, browser):
    root, base = site
    pages = all_pages(root)
    assert len(pages) > 100
    page = browser.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))

    def route(r):
        host = urlparse(r.request.url).hostname
        if host not in ("127.0.0.1", None) and not r.request.url.startswith(("data:", "blob:")):
            outside.append(r.request.url)
            return r.abort()
        return r.continue_()

    page.route("**/*", route)
    problems = []
    for rel in pages:
        errors.clear()
        page.goto(f"{base}/{rel}", wait_until="load")
        charts = page.locator("figure.tf-chart")
        n = charts.count()
        if n:
            page.wait_for_function(
                "n => document.querySelectorAll('figure.tf-chart .tf-vega svg').length >= n", arg=n, timeout=20000
            )
        if errors:
            problems.append((rel, list(errors)))
    assert outside == []
    assert problems == []


def test_search_finds_a_country(site, browser):
    root, base = site
    page = browser.new_page()
    page.goto(f"{base}/en/index.html")
    box = page.locator("input[type=search], .pagefind-ui__search-input").first
    box.fill("Guatemala")
    page.wait_for_selector(".pagefind-ui__result", timeout=15000)
    results = page.locator(".pagefind-ui__result-link").all_inner_texts()
    assert any("Guatemala" in r for r in results), results


def test_language_switch_keeps_the_page(site, browser):
    root, base = site
    page = browser.new_page()
    page.goto(f"{base}/es/CRI/logistics.html")
    link = page.locator("a[hreflang=en], a[lang=en]").first
    link.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/en/CRI/logistics.html")
    assert page.locator("html").get_attribute("lang") == "en"


def test_pages_work_from_disk(site, browser):
    """Opened straight from the folder (file://): pages and charts work; search says it
    needs the site served."""
    root, _ = site
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((root / "es" / "GTM" / "progress.html").as_uri())
    n = page.locator("figure.tf-chart").count()
    assert n > 0
    page.wait_for_function("n => document.querySelectorAll('figure.tf-chart .tf-vega svg').length >= n", arg=n, timeout=20000)
    assert errors == []


def test_charts_export_as_svg_and_png_in_the_browser(site, browser, tmp_path):
    """A chart's images are made from the drawn chart by the site's own Vega runtime, from
    disk as well as served: an SVG document and a PNG image, named after the chart."""
    root, base = site
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    for url in (f"{base}/es/GTM/logistics.html", (root / "es" / "GTM" / "logistics.html").as_uri()):
        page.goto(url)
        page.wait_for_function("() => !document.querySelector('#chart-1 button.tf-export').disabled", timeout=20000)
        for fmt, magic in (("svg", b"<svg"), ("png", b"\x89PNG")):
            with page.expect_download() as info:
                page.click(f"#chart-1 button.tf-export[data-format={fmt}]")
            download = info.value
            assert download.suggested_filename == f"chart-1.{fmt}"
            path = tmp_path / download.suggested_filename
            download.save_as(path)
            assert magic in path.read_bytes()[:200], fmt
    context.close()


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.I)


def test_no_file_of_the_site_loads_anything_from_outside(site):
    root, _ = site
    offenders = []
    for path in root.rglob("*"):
        if path.suffix not in {".html", ".css", ".js"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in EXTERNAL.finditer(text):
            # Citations to a source's website are links a reader may follow, not resources.
            start = text.rfind("<", 0, m.start())
            if text[start : start + 2].lower() == "<a":
                continue
            offenders.append((str(path.relative_to(root)), text[m.start() : m.start() + 80]))
        if path.suffix == ".css":
            offenders += [(str(path.relative_to(root)), m.group(0)) for m in CSS_IMPORT.finditer(text)]
    assert offenders == []
