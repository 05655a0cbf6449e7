"""The site works for readers, checked in a real browser (Debian's chromium driven by
Playwright, the site served on 127.0.0.1): one page of each kind in each language of a
region, at a desktop (1300 px) and a phone (390 px) width —

- axe-core (pinned in package-lock.json, served from node_modules, never a CDN) finds no
  serious or critical violation of WCAG 2.0 A/AA, 2.1 AA or 2.2 AA, with no rule disabled
  and no element excluded;
- the page never scrolls sideways;
- every chart, once drawn, has an accessible name (its title, not Vega's "Vega
  visualization") and a data table a reader can reach from it;
- the browser logs no warning and no error (Vega's warnings included).

The sites are the ones the other site tests share (built once from the shipped data)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tflib import pages as pages_mod
from tflib import screens
from tflib.params import load_region

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_MISSING = f"axe-core is not installed ({AXE} is missing): run `npm ci` at the project root (package-lock.json pins it)"
TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
SERIOUS = ("serious", "critical")
VEGA_DEFAULT_NAME = "vega visualization"
CHART_TIMEOUT_MS = 20000

pytestmark = [
    pytest.mark.xdist_group("site"),
    pytest.mark.skipif(not screens.chromium_path().exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]


def _cases():
    out = []
    for region in ("sica", "eac"):
        marks = [pytest.mark.xdist_group("eac")] if region == "eac" else []  # with test_reports' eac build
        out += [pytest.param(region, lang, id=f"{region}-{lang}", marks=marks) for lang in load_region(region).languages]
    return out


CASES = _cases()


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@dataclass
class Visit:
    """What one page showed at one width."""

    sample: screens.SamplePage
    width: int
    violations: list[dict] = field(default_factory=list)  # serious and critical only
    scroll: tuple[int, int] = (0, 0)  # scrollWidth, clientWidth of the document
    n_charts: int = 0
    charts: list[str] = field(default_factory=list)  # problems of its charts
    console: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.sample.path} ({self.sample.kind}) at {self.width} px"


# Every figure's title (from its spec), whether it drew, and whether a data table is in it or
# referenced from it (aria-describedby/-details/-controls/-owns, or an in-page link).
CHARTS_JS = r"""
() => Array.from(document.querySelectorAll('figure.tf-chart')).map((fig) => {
  let title = null;
  try {
    const spec = JSON.parse(fig.querySelector('script.tf-spec').textContent);
    let t = spec.title;
    if (t && typeof t === 'object' && !Array.isArray(t)) t = t.text;
    if (Array.isArray(t)) t = t.join(' ');
    title = (typeof t === 'string' && t.trim()) ? t : null;
  } catch (e) { title = null; }
  const tables = Array.from(fig.querySelectorAll('table'));
  const refs = new Set();
  for (const el of [fig, ...fig.querySelectorAll('*')]) {
    for (const a of ['aria-describedby', 'aria-details', 'aria-controls', 'aria-owns']) {
      (el.getAttribute(a) || '').split(/\s+/).filter(Boolean).forEach((id) => refs.add(id));
    }
    const href = el.tagName === 'A' ? (el.getAttribute('href') || '') : '';
    if (href.startsWith('#') && href.length > 1) refs.add(decodeURIComponent(href.slice(1)));
  }
  for (const id of refs) {
    const target = document.getElementById(id);
    if (!target) continue;
    if (target.matches('table')) tables.push(target);
    tables.push(...target.querySelectorAll('table'));
  }
  const dataTable = tables.some((t) => t.querySelector('th') && Array.from(t.querySelectorAll('tr')).some((tr) => tr.querySelector('td')));
  return {
    id: fig.id,
    title: title,
    drawn: !!fig.querySelector('.tf-vega svg, .tf-vega canvas') && !fig.querySelector('.tf-chart-error'),
    dataTable: dataTable,
  };
})
"""

AXE_JS = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.map(String), impact: n.impact})),
  }));
}
"""


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip().casefold()


def _ax_nodes(cdp, index: int) -> tuple[str, list[tuple[str, str]]]:
    """Chromium's accessible name of the index-th chart figure, and the (role, name) of what
    inside it assistive technology is given (nodes not ignored)."""
    obj = cdp.send("Runtime.evaluate", {"expression": f"document.querySelectorAll('figure.tf-chart')[{index}]"})["result"]["objectId"]
    try:
        node = cdp.send("Accessibility.getPartialAXTree", {"objectId": obj, "fetchRelatives": False})["nodes"][0]
        inside = cdp.send("Accessibility.queryAXTree", {"objectId": obj})["nodes"]
    finally:
        cdp.send("Runtime.releaseObject", {"objectId": obj})
    named = lambda n: (n.get("name") or {}).get("value", "")  # noqa: E731
    inner = [((n.get("role") or {}).get("value", "?"), named(n)) for n in inside if not n.get("ignored") and n.get("nodeId") != node.get("nodeId")]
    return named(node), inner


# The roles a chart's drawing is exposed with: each must be named (not by Vega's default).
GRAPHIC_ROLES = ("img", "image", "graphics-document")


def chart_problems(page, cdp, settled: bool) -> list[str]:
    problems = [] if settled else [f"charts not drawn within {CHART_TIMEOUT_MS / 1000:.0f} s"]
    for i, chart in enumerate(page.evaluate(CHARTS_JS)):
        label = f"#{chart['id']}"
        if not chart["drawn"]:
            problems.append(f"{label}: not drawn")
        name, inner = _ax_nodes(cdp, i)
        if not name.strip():
            problems.append(f"{label}: the figure has no accessible name")
        elif _normal(name) == VEGA_DEFAULT_NAME:
            problems.append(f"{label}: the figure is named {name!r}")
        elif chart["title"] and _normal(chart["title"]) not in _normal(name):
            problems.append(f"{label}: the figure's accessible name {name!r} does not give its title {chart['title']!r}")
        for role, inner_name in inner:
            if VEGA_DEFAULT_NAME in _normal(inner_name):
                problems.append(f"{label}: a {role} inside is named {inner_name!r}")
            elif role in GRAPHIC_ROLES and not inner_name.strip():
                problems.append(f"{label}: a {role} inside has no accessible name")
        if not chart["dataTable"]:
            problems.append(f"{label}: no data table in the figure or referenced by it")
    return sorted(set(problems), key=problems.index)


@pytest.fixture(scope="module")
def browser():
    with screens.chromium() as b:
        yield b


@pytest.fixture(scope="module")
def audit(region_build, browser):
    """`audit(region, lang)`: every sample page of the region in `lang` visited at both
    widths (cached for the module)."""
    done: dict[tuple[str, str], tuple[list[screens.SamplePage], list[Visit]]] = {}
    page = browser.new_page()
    cdp = page.context.new_cdp_session(page)
    heard: list[str] = []
    listening = [False]

    def on_console(msg):
        if listening[0] and msg.type in ("warning", "error"):
            heard.append(f"console {msg.type}: {msg.text}")

    def on_error(exc):
        if listening[0]:
            heard.append(f"page error: {exc}")

    page.on("console", on_console)
    page.on("pageerror", on_error)

    def run(region: str, lang: str):
        if (region, lang) in done:
            return done[(region, lang)]
        proj, _ = region_build(region)
        params = load_region(region, proj)
        site = pages_mod.site_dir(proj, region)
        samples = screens.sample_pages(params, site, [lang])
        visits = []
        with screens.served(site) as base:
            for width in screens.WIDTHS:
                page.set_viewport_size({"width": width, "height": screens.HEIGHT})
                for sample in samples:
                    heard.clear()
                    listening[0] = True
                    settled = screens.open_settled(page, f"{base}/{sample.path}", CHART_TIMEOUT_MS)
                    page.wait_for_timeout(100)  # late warnings of the last chart's drawing
                    listening[0] = False
                    visit = Visit(sample, width, console=list(heard))
                    visit.scroll = tuple(page.evaluate("() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"))
                    visit.n_charts = page.locator("figure.tf-chart").count()
                    visit.charts = chart_problems(page, cdp, settled)
                    if AXE.exists():
                        page.add_script_tag(path=str(AXE))
                        found = page.evaluate(AXE_JS, TAGS)
                        for v in found:
                            nodes = [n for n in v["nodes"] if n["impact"] in SERIOUS]
                            if nodes:
                                visit.violations.append({**v, "nodes": nodes})
                    visits.append(visit)
        done[(region, lang)] = (samples, visits)
        return done[(region, lang)]

    yield run
    page.close()


@pytest.mark.parametrize("region, lang", CASES)
def test_every_kind_of_page_is_checked(audit, region_build, region, lang):
    """The sample has the home page, a member's landing page, every report kind the region
    publishes and every site page: a kind missing from the build cannot pass unseen."""
    proj, _ = region_build(region)
    params = load_region(region, proj)
    samples, _ = audit(region, lang)
    expected = {screens.HOME, screens.COUNTRY, *pages_mod.SITE_PAGES}
    expected |= {a.kind for a in pages_mod.addresses(params, langs=[lang])}
    assert expected - {s.kind for s in samples} == set()


@pytest.mark.parametrize("region, lang", CASES)
def test_no_serious_or_critical_axe_violation(audit, region, lang):
    if not AXE.exists():
        if in_ci():
            pytest.fail(AXE_MISSING)
        pytest.skip(AXE_MISSING)
    _, visits = audit(region, lang)
    lines = []
    for v in visits:
        for rule in v.violations:
            targets = "; ".join(" ".join(n["target"]) for n in rule["nodes"][:8])
            more = f" (+{len(rule['nodes']) - 8} more)" if len(rule["nodes"]) > 8 else ""
            lines.append(f"{v.where}: {rule['id']} [{rule['impact']}] {len(rule['nodes'])} node(s): {rule['help']}: {targets}{more}")
    assert not lines, f"{len(lines)} serious/critical axe-core violation(s):\n" + "\n".join(lines)


@pytest.mark.parametrize("region, lang", CASES)
def test_no_page_scrolls_sideways(audit, region, lang):
    _, visits = audit(region, lang)
    lines = [f"{v.where}: {v.scroll[0]} px of content in {v.scroll[1]} px" for v in visits if v.scroll[0] > v.scroll[1]]
    assert not lines, "pages scroll sideways:\n" + "\n".join(lines)


@pytest.mark.parametrize("region, lang", CASES)
def test_every_chart_has_a_name_and_a_data_table(audit, region, lang):
    _, visits = audit(region, lang)
    assert sum(v.n_charts for v in visits) > 0  # the check saw charts
    lines = [f"{v.where}: {p}" for v in visits for p in v.charts]
    assert not lines, f"{len(lines)} chart problem(s):\n" + "\n".join(lines)


@pytest.mark.parametrize("region, lang", CASES)
def test_no_console_warning_or_error(audit, region, lang):
    _, visits = audit(region, lang)
    lines = [f"{v.where}: {m}" for v in visits for m in v.console]
    assert not lines, f"{len(lines)} console message(s):\n" + "\n".join(lines)
