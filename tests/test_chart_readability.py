"""Charts a reader can read: on a phone as on a wide screen, in colours everyone can tell
apart, with legends that list only what is drawn, whole-number ticks on counts, no Vega
warning, and a one-sentence summary in the page's language.

The palette is checked against WCAG's contrast formula; the specs of every chart of every
page kind of every shipped region are read from the executed pages (as tests/test_reports.py
does); the drawn pages are loaded in Debian's chromium at 360 and 1300 px.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import nbformat
import pytest

from tflib import charts, i18n
from tflib import pages as registry
from tflib.params import STATISTIC_LABELS, load_region
from tflib.status import STATUSES, label

import chartcheck
from projects import REPO

pytestmark = pytest.mark.xdist_group("site")

REGIONS = [pytest.param("sica", id="sica"), pytest.param("eac", id="eac", marks=pytest.mark.xdist_group("eac"))]


# -- colours ------------------------------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour "#rrggbb"."""
    h = hex_colour.lstrip("#")
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str = "#ffffff") -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_contrast_formula_is_wcags():
    assert contrast("#000000") == pytest.approx(21)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey passing 4.5:1
    assert contrast("#ececec") == pytest.approx(1.18, abs=0.01)  # the old "no data" grey


def test_every_status_and_category_colour_has_3_to_1_contrast_with_the_page():
    colours = {
        **{f"status {s}": c for s, c in charts.STATUS_COLOURS.items()},
        "no data": charts.NO_DATA,
        **{f"role {r}": c for r, c in charts.ROLE_COLOURS.items()},
        **{f"statistic {s}": c for s, c in charts.STATISTIC_COLOURS.items()},
        **{f"comparator {i}": c for i, c in enumerate(charts.COMPARATORS)},
        **{f"category {i}": c for i, c in enumerate(charts.CATEGORY_COLOURS)},
        **{f"DB measure {i}": c for i, c in enumerate(charts.DB_MEASURE_COLOURS)},
        "median": charts.MEDIAN,
        "target": charts.TARGET,
    }
    low = {name: round(contrast(c), 2) for name, c in colours.items() if contrast(c) < 3}
    assert low == {}


def test_status_is_never_told_by_colour_alone():
    """Each status (and no data) has its own colour and its own shape; no data is neither a
    status's colour nor its shape, so it never reads as "not started"."""
    assert set(charts.STATUS_COLOURS) == set(charts.STATUS_SHAPES) == set(STATUSES)
    assert len(set(charts.STATUS_COLOURS.values())) == len(STATUSES)
    assert len(set(charts.STATUS_SHAPES.values())) == len(STATUSES)
    assert charts.NO_DATA not in charts.STATUS_COLOURS.values()
    assert charts.NO_DATA_SHAPE not in charts.STATUS_SHAPES.values()


def test_status_legends_list_only_the_statuses_drawn():
    scale = charts.status_colour_scale("es", ["full", None, "pilot", "full"]).to_dict()
    assert scale["domain"] == [label("pilot", "es"), label("full", "es"), i18n.gettext("no data", "es")]
    assert scale["range"] == [charts.STATUS_COLOURS["pilot"], charts.STATUS_COLOURS["full"], charts.NO_DATA]
    shapes = charts.status_shape_scale("es", ["full", None, "pilot"]).to_dict()
    assert shapes["range"] == [charts.STATUS_SHAPES["pilot"], charts.STATUS_SHAPES["full"], charts.NO_DATA_SHAPE]


def test_axes_without_decimals_never_repeat_a_tick_label():
    assert charts.value_axis(",.0f").to_dict()["tickMinStep"] == 1
    assert charts.value_axis(",.1f").to_dict()["tickMinStep"] == pytest.approx(0.1)
    assert charts.integer_axis().to_dict() == {"format": "d", "tickMinStep": 1}


# -- the specs of every page --------------------------------------------------------------------


@pytest.fixture(scope="module", params=REGIONS)
def built(request, region_build):
    """(params, [(job parameters, page id, specs)]) of every page of the region's site build."""
    proj, _ = region_build(request.param)
    params = load_region(request.param, proj)
    work = registry.work_dir(proj, request.param)
    found = []
    for a in registry.addresses(params):
        path = a.executed(work)
        if path.exists():
            nb = nbformat.read(path, as_version=4)
            found.append((a.parameters(a.inputs(work).relative_to(proj.root)), a.page_id, chartcheck.chart_specs(nb)))
    assert len(found) > 60
    return proj, params, found


def _title(spec) -> str:
    text = spec["title"]["text"]
    return " ".join(text) if isinstance(text, list) else text


def _views(spec):
    """Every unit or layer view of a spec (inside concatenations and facets)."""
    for key in ("vconcat", "hconcat", "concat"):
        for sub in spec.get(key, []):
            yield from _views(sub)
    if "spec" in spec:
        yield from _views(spec["spec"])
    if "layer" in spec:
        yield spec
        for sub in spec["layer"]:
            yield from _views(sub)
    elif "mark" in spec:
        yield spec


def _encodings(spec):
    for view in _views(spec):
        for channel, enc in (view.get("encoding") or {}).items():
            if isinstance(enc, dict):
                yield view, channel, enc


def _composite(spec) -> bool:
    return any(k in spec for k in ("vconcat", "hconcat", "concat", "facet", "spec"))


def test_every_chart_says_what_it_shows_in_one_sentence_of_its_language(built):
    """The summary is the spec's description and in usermeta (the page shows it); it is made of
    the data (it names a number or a date) and, on a page not in English, it is not the
    English sentence."""
    _, _, found = built
    english = {}
    for params, page_id, specs in found:
        if params["lang"] == "en":
            english[(params.get("country"), page_id.split("/")[-1])] = specs
    bad = []
    for params, page_id, specs in found:
        for i, spec in enumerate(specs):
            summary = (spec.get("usermeta") or {}).get("tflib", {}).get("summary")
            if not summary or spec.get("description") != summary:
                bad.append(f"{page_id} #{i} {_title(spec)!r}: summary {summary!r}, description {spec.get('description')!r}")
                continue
            if not re.search(r"\d", summary):
                bad.append(f"{page_id} #{i}: a summary with no figure: {summary!r}")
            twin = english.get((params.get("country"), page_id.split("/")[-1]))
            if params["lang"] != "en" and twin and i < len(twin) and twin[i]["usermeta"]["tflib"]["summary"] == summary:
                bad.append(f"{page_id} #{i}: the summary is the English one: {summary!r}")
    assert bad == []


def test_every_chart_fits_a_phone(built):
    """Single and layered charts take the column's width; composed charts stack panels no
    wider than charts.PANEL_WIDTH (never side by side); titles and subtitles are wrapped."""
    _, _, found = built
    bad = []
    for _, page_id, specs in found:
        for spec in specs:
            name = f"{page_id} {_title(spec)!r}"
            if _composite(spec):
                if "hconcat" in spec or spec.get("columns", 1) > 1 or "column" in (spec.get("facet") or {}):
                    bad.append(f"{name}: panels side by side")
                widths = [v.get("width") for v in _views(spec) if "width" in v]
                if any(not isinstance(w, int) or w > charts.PANEL_WIDTH for w in widths):
                    bad.append(f"{name}: panel widths {widths}")
            elif spec.get("width") != "container" or (spec.get("autosize") or {}).get("type") != "fit-x":
                bad.append(f"{name}: width {spec.get('width')!r}, autosize {spec.get('autosize')!r}")
            text = spec["title"]["text"]
            lines = text if isinstance(text, list) else [text]
            bad += [f"{name}: title line {x!r}" for x in lines if len(x) > charts.TITLE_CHARS and " " in x]
            bad += [f"{name}: subtitle line {x!r}" for x in spec["title"].get("subtitle", []) if len(x) > charts.SUBTITLE_CHARS and " " in x]
    assert bad == []


def test_legends_show_only_what_is_drawn(built):
    """A legend's entries are values the chart's data carry (no "Not applicable" where no
    item is, no country with no bar), and a median drawn as a tick is not shown as a dot."""
    _, _, found = built
    bad = []
    for _, page_id, specs in found:
        for spec in specs:
            rows = chartcheck.chart_rows(spec)
            for view, channel, enc in _encodings(spec):
                field = enc.get("field")
                domain = (enc.get("scale") or {}).get("domain")
                if channel not in ("color", "shape", "strokeDash", "fill") or enc.get("legend", {}) is None or not isinstance(domain, list) or not field:
                    continue
                values = {r[field] for r in rows if field in r}
                if values and not set(domain) <= values:
                    bad.append(f"{page_id} {_title(spec)!r}: legend {channel} lists {sorted(set(domain) - values)} not drawn")
                mark = view.get("mark")
                mark = mark.get("type") if isinstance(mark, dict) else mark
                if mark == "tick" and channel == "color":
                    bad.append(f"{page_id} {_title(spec)!r}: a tick in a legend of dots")
    assert bad == []


def test_one_colour_per_series_on_every_page(built):
    """A statistic (median, 90th percentile, mean) has the same colour in every chart."""
    _, _, found = built
    bad = []
    for params, page_id, specs in found:
        names = {i18n.gettext(text, params["lang"]): stat for stat, text in STATISTIC_LABELS.items()}
        for spec in specs:
            for _, channel, enc in _encodings(spec):
                scale = enc.get("scale") or {}
                if channel != "color" or not isinstance(scale.get("domain"), list) or not isinstance(scale.get("range"), list):
                    continue
                for value, colour in zip(scale["domain"], scale["range"]):
                    if value in names and colour != charts.STATISTIC_COLOURS[names[value]]:
                        bad.append(f"{page_id} {_title(spec)!r}: {value} in {colour}")
    assert bad == []


def test_counts_and_whole_numbers_have_whole_number_ticks(built):
    """An axis whose labels have no decimals never shows a tick between two whole numbers."""
    _, _, found = built
    bad = []
    for _, page_id, specs in found:
        for spec in specs:
            for _, channel, enc in _encodings(spec):
                axis = enc.get("axis") or {}
                fmt = axis.get("format") if isinstance(axis, dict) else None
                if channel in ("x", "y") and enc.get("type") == "quantitative" and isinstance(fmt, str) and re.search(r"(\.0f|d)$", fmt):
                    if axis.get("tickMinStep") != 1 and not axis.get("values"):
                        bad.append(f"{page_id} {_title(spec)!r}: {channel} axis {fmt} without tickMinStep 1")
    assert bad == []


def test_panels_share_their_scale_or_say_they_do_not(built):
    """Panels on scales of their own say so in the subtitle (Doing Business: hours, dollars)."""
    _, _, found = built
    bad = []
    for params, page_id, specs in found:
        own = i18n.t("Each panel has its own scale (hours, US dollars).", params["lang"])
        for spec in specs:
            resolve = (spec.get("resolve") or {}).get("scale") or {}
            if _composite(spec) and "independent" in (resolve.get("x"), resolve.get("y")) and own not in " ".join(spec["title"].get("subtitle", [])):
                bad.append(f"{page_id} {_title(spec)!r}: independent scales, not said")
    assert bad == []


# -- the drawn pages ----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def served(region_build):
    proj, _ = region_build("sica")
    root = registry.site_dir(proj, "sica")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_charts_fit_the_column_from_360_px_up_and_vega_warns_of_nothing(served):
    """Every page kind in both languages of two members: at 360 and 1300 px every chart is
    drawn no wider than its box, and Vega logs no warning."""
    from playwright.sync_api import sync_playwright

    root, base = served
    pages = sorted(
        str(p.relative_to(root)) for p in root.glob("*/*/*.html")
        if p.parent.name in ("CRI", "BLZ", "region") and p.stem not in ("index",)
    )
    assert len(pages) >= 20
    problems = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for width in (360, 1300):
            context = browser.new_context(viewport={"width": width, "height": 900})
            for path in pages:
                page = context.new_page()
                logged: list[str] = []
                page.on("console", lambda m: logged.append(m.text) if m.type in ("warning", "error") else None)
                page.goto(f"{base}/{path}")
                page.wait_for_function("() => Array.from(document.querySelectorAll('.tf-vega')).every(el => el.querySelector('svg') || el.classList.contains('tf-chart-error'))", timeout=20000)
                page.wait_for_timeout(300)
                sizes = page.evaluate(
                    "() => Array.from(document.querySelectorAll('.tf-vega')).map(el => [el.clientWidth, el.querySelector('svg') ? el.querySelector('svg').getBoundingClientRect().width : -1])"
                )
                problems += [f"{width}px {path} chart {i}: {round(svg)} px in a {box} px box" for i, (box, svg) in enumerate(sizes) if svg < 0 or svg > box + 1]
                problems += [f"{width}px {path}: {m[:200]}" for m in logged]
                page.close()
            context.close()
        browser.close()
    assert problems == []
