"""Screenshots of a built site as readers see it (`tflib screens`): one page of each kind, in
each language of the region, at a desktop and a phone width, full page, in Debian's chromium
driven by Playwright. The browser tests check the same pages (tests/test_a11y.py)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .pages import KINDS, SITE_PAGES, Address, home_path, landing_path, site_dir, site_page_path
from .params import RegionParams
from .paths import Project, resolve

WIDTHS = (1300, 390)  # a desktop window and a phone, in CSS pixels
HEIGHT = 900  # of the window; screenshots take the whole page
# The kinds of page besides the report kinds (tflib.pages.KINDS) and the site pages.
HOME, COUNTRY = "home", "country"
# Chromium's own background traffic is switched off (without these flags it tries to reach
# outside hosts at start, which is noise, not the site's requests); no sandbox: CI runs as root.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# Every chart drawn, or given up on (site.js marks it): then the page is as a reader sees it.
CHARTS_SETTLED = (
    "() => Array.from(document.querySelectorAll('figure.tf-chart'))"
    ".every(f => f.querySelector('.tf-vega svg, .tf-vega canvas, .tf-chart-error'))"
)


class ScreensError(RuntimeError):
    """What `tflib screens` needs is missing (the site, the browser, Playwright)."""


@dataclass(frozen=True)
class SamplePage:
    """One page standing for its kind in one language (`path` relative to the region's site)."""

    kind: str
    lang: str
    path: str


@dataclass(frozen=True)
class Shot:
    """One screenshot taken: the page, the window's width, whether its charts were drawn in
    time, and how wide its content was (wider than the window: the page scrolls sideways)."""

    sample: SamplePage
    width: int
    settled: bool
    content_width: int

    def notes(self) -> list[str]:
        out = [] if self.settled else ["charts not drawn in time"]
        if self.content_width > self.width:
            out.append(f"scrolls sideways: {self.content_width} px of content")
        return out


def chromium_path() -> Path:
    return Path(shutil.which("chromium") or "/usr/bin/chromium")


def page_kinds(site: Path, lang: str) -> list[str]:
    """The kinds of page of a built site in `lang`, in reading order: the home page, a
    member's landing page, the report kinds, then the site pages (methods, cite, ...)."""
    folder = (site / home_path(lang)).parent  # the language's folder, where its site pages are
    extra = sorted(p.stem for p in folder.glob("*.html") if site_page_path(lang, p.stem) != home_path(lang) and p.stem not in SITE_PAGES)
    return [HOME, COUNTRY, *KINDS, *SITE_PAGES, *extra]


def sample_pages(params: RegionParams, site: Path, langs: Iterable[str] | None = None, kinds: Iterable[str] | None = None) -> list[SamplePage]:
    """One built page of each kind in each language: for a member's kinds, the first member
    (in the region's order) whose page is on the site. Kinds the site lacks are left out."""
    out = []
    for lang in langs or params.languages:
        known = page_kinds(site, lang)
        wanted = list(kinds) if kinds is not None else known
        unknown = [k for k in wanted if k not in known]
        if unknown:
            raise ValueError(f"unknown page kind(s) {unknown}; known: {', '.join(known)}")
        for kind in wanted:
            path = _first_page(params, site, lang, kind)
            if path is not None:
                out.append(SamplePage(kind, lang, path))
    return out


def _first_page(params: RegionParams, site: Path, lang: str, kind: str) -> str | None:
    if kind == HOME:
        candidates = [home_path(lang)]
    elif kind == COUNTRY:
        candidates = [landing_path(lang, m) for m in params.region.member_codes]
    elif kind in KINDS:
        members = [None] if KINDS[kind].scope == "region" else list(params.region.member_codes)
        candidates = [Address(params.id, kind, member, lang).html for member in members]
    else:
        candidates = [site_page_path(lang, kind)]
    return next((c for c in candidates if (site / c).is_file()), None)


def built_site(params: RegionParams, project: Project | None = None) -> Path:
    """The region's published site; ScreensError naming the command that builds it when absent."""
    site = site_dir(resolve(project), params.id)
    if not (site / "index.html").is_file():
        raise ScreensError(f"no site for {params.id} at {site}; build it first: tflib build --region {params.id}")
    return site


@contextmanager
def served(site: Path) -> Iterator[str]:
    """The site over http on 127.0.0.1 (search needs it); yields the base URL of the region."""
    from .site.serve import make_server

    root = site.parent  # every region's site: pages link to the shared root index
    server = make_server(root if (root / "index.html").is_file() else site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        prefix = f"/{site.name}" if (root / "index.html").is_file() else ""
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's chromium, headless, driven by Playwright (no browser is downloaded)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ScreensError("tflib screens needs Playwright: pip install -c constraints.txt -e '.[test]' (make env)") from None
    path = chromium_path()
    if not path.exists():
        raise ScreensError(f"no chromium at {path}: apt-get install chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(path), args=list(CHROMIUM_ARGS), headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_settled(page, url: str, timeout_ms: float = 20000) -> bool:
    """Load `url` and wait until its charts are drawn and its fonts loaded; False when the
    charts did not settle in time (the page is then left as it is)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(url, wait_until="load")
    try:
        page.wait_for_function(CHARTS_SETTLED, timeout=timeout_ms)
        page.evaluate("() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))")
    except PlaywrightTimeout:
        return False
    return True


def screens_dir(params: RegionParams, project: Project | None = None) -> Path:
    return resolve(project).reports_dir / "screens" / params.id


def take(
    params: RegionParams,
    project: Project | None = None,
    langs: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    widths: Iterable[int] = WIDTHS,
    out: Path | None = None,
    on_file: Callable[[Path, "Shot"], None] | None = None,
) -> list[Path]:
    """Full-page PNG screenshots of one page of each kind, per language and width, written to
    `out` (default reports/screens/<region>/) as <lang>/<kind>-<width>.png, each as wide as the
    window. `on_file` hears of each file and what was seen taking it."""
    site = built_site(params, project)
    samples = sample_pages(params, site, langs, kinds)
    folder = out or screens_dir(params, project)
    written = []
    with served(site) as base, chromium() as browser:
        for width in widths:
            context = browser.new_context(viewport={"width": width, "height": HEIGHT}, device_scale_factor=1)
            page = context.new_page()
            for sample in samples:
                settled = open_settled(page, f"{base}/{sample.path}")
                path = folder / sample.lang / f"{sample.kind}-{width}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                wide, tall = page.evaluate("() => [document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight]")
                # The window's width, as a reader sees it; what spills over is reported, not shown.
                page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": tall})
                written.append(path)
                if on_file is not None:
                    on_file(path, Shot(sample, width, settled, wide))
            context.close()
    return written

