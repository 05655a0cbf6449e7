"""The one Altair theme of tflib and the chart builders every page uses.

Every chart leaves here *finished*: a title, a subtitle that names the units, the source line
and, for illustrative data, the word "illustrative"; number and date formats of the page's
language (Vega's own locale config, so 3,34 in Spanish); and ``usermeta.tflib`` describing
the data so tests can compare every value drawn with the loaders. Nothing here is global:
the theme is applied to each chart, never registered, so pages cannot leak state.
Charts carry pre-aggregated data only (a few hundred rows at most).
"""

from __future__ import annotations

import functools
import json
import os
import textwrap
from typing import Any

import altair as alt
import polars as pl
import vl_convert

from .i18n import gettext, t

# Colours: the one home of every colour a chart draws with (tests/test_chart_readability.py).
# Each has a contrast of at least 3:1 with the white page (WCAG 1.4.11), the sets stay apart
# under the common colour-vision deficiencies, and status is never told by colour alone: each
# status has its shape too (`STATUS_SHAPES`), and charts write "no data" out.
ACCENT = "#0b6e99"       # the page's country
PEER = "#7a929f"         # the other members
COMPARATOR = "#b0741c"   # the comparators outside the region
COMPARATORS = [COMPARATOR, "#8c5a14", "#6e4d99"]
MEDIAN = "#555555"       # the median of the other members
TARGET = "#b5446e"       # national targets and the data date
EXTRA = "#2f7d4a"
# One colour per series everywhere: a statistic keeps its colour from page to page.
STATISTIC_COLOURS = {"median": ACCENT, "p90": "#6a4c93", "mean": EXTRA}
# "No data" as a category (legends, maps): a neutral grey no status uses, drawn as a cross.
NO_DATA = "#767676"
# The ground of a cell or band that writes "no data" out (never a value's colour).
NO_DATA_FILL = "#f2f2f2"
STATUS_COLOURS = {
    "not_applicable": "#4d4d4d",
    "not_started": "#cc3d3d",
    "pilot": "#8f7400",
    "partial": "#2a8fbd",
    "full": "#123f6e",
}
# A cross (x) in the unit square Vega's symbol paths use.
NO_DATA_SHAPE = "M-1,-0.7L-0.7,-1L0,-0.3L0.7,-1L1,-0.7L0.3,0L1,0.7L0.7,1L0,0.3L-0.7,1L-1,0.7L-0.3,0Z"
STATUS_SHAPES = {
    "not_applicable": "triangle-down",
    "not_started": "square",
    "pilot": "triangle-up",
    "partial": "diamond",
    "full": "circle",
}
# Doing Business measures: export border, export documentary, import border, import documentary.
DB_MEASURE_COLOURS = [ACCENT, "#6e4d99", COMPARATOR, "#8c5a14"]
ROLE_COLOURS = {"focus": ACCENT, "peer": PEER, "comparator": COMPARATOR}
CATEGORY_COLOURS = [ACCENT, COMPARATOR, "#6e4d99", EXTRA, TARGET, MEDIAN, "#3d5a80", "#8c5a14"]
# Batch kernels (the build's runner sets this) build charts the lean way: see `lean_altair`.
LEAN_ENV = "TFLIB_LEAN_CHARTS"


def lean_altair() -> None:
    """Build charts without Altair's defensive work, which costs most of a page's time.

    Altair deep-copies every subchart at each layer/concat/property call (so a user who
    mutates a chart afterwards cannot change another), validates every object against the
    Vega-Lite schema as it is made and again in ``to_dict``, and great-tables re-reads its
    locale tables for every formatted column. tflib's builders never mutate a chart after
    composing it, so in a batch kernel copies are shallow, validation happens once per spec
    in the tests instead (every chart of every page kind is validated against the Vega-Lite
    schema), and Altair's class table and great-tables' locale tables are built once. A test proves pages built this way equal
    pages built with the libraries' defaults. Interactive sessions keep the defaults: this
    runs only where `LEAN_ENV` is set."""
    global LEAN
    if LEAN:
        return
    from altair.utils import schemapi
    import great_tables._formats as gt_formats

    schemapi.disable_debug_mode()
    deep_copy = schemapi.SchemaBase.copy

    def shallow_copy(self, deep=True, ignore=None):
        return deep_copy(self, deep=False, ignore=ignore)

    schemapi.SchemaBase.copy = shallow_copy
    schemapi.SchemaBase.validate_property = classmethod(lambda cls, name, value, schema=None: None)
    # Altair hashes every schema class again for each `from_dict` (each shorthand channel).
    converters: dict[Any, Any] = {}

    def from_dict(cls, dct, validate=True):
        if validate:
            cls.validate(dct)
        key = cls._default_wrapper_classes.__func__
        if key not in converters:
            converters[key] = schemapi._FromDict(cls._default_wrapper_classes())
        return converters[key].from_dict(dct, cls)

    schemapi.SchemaBase.from_dict = classmethod(from_dict)
    # `to_dict` asks a runtime protocol about every leaf of the spec (each data value):
    # plain JSON scalars are returned as they are, without asking.
    todict = schemapi._todict
    scalars = (str, int, float, bool, type(None))

    def plain_first(obj, context, np_opt, pd_opt):
        return obj if type(obj) in scalars else todict(obj, context, np_opt, pd_opt)

    schemapi._todict = plain_first
    for name in ("_get_locales_data", "_get_default_locales_data", "_get_currencies_data"):
        setattr(gt_formats, name, functools.cache(getattr(gt_formats, name)))
    LEAN = True


LEAN = False
if os.environ.get(LEAN_ENV) == "1":
    lean_altair()


def spec_of(chart: Any) -> dict[str, Any]:
    """A chart's Vega-Lite spec; validated by Altair unless the kernel is lean (`lean_altair`)."""
    return chart.to_dict(validate=not LEAN)


FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# Single and layered charts take the width of the page's column: Vega fits plot, axes and
# legend into it and follows the window, from a 360 px phone up. Composed charts (panels)
# cannot ("container" works for single views only), so their panels are stacked, each
# PANEL_WIDTH wide: that fits the narrowest column with its axis labels.
WIDTH = "container"
PANEL_WIDTH = 160
# Vega does not wrap text: titles and subtitles are wrapped here to fit the narrowest column
# (about 300 px: 14 px bold title type, 11 px subtitle type).
TITLE_CHARS = 34
SUBTITLE_CHARS = 48
# Long axis labels are cut at this many pixels (their full text is in the tooltip and table).
LABEL_LIMIT = 130

_LOCALES = {"es": "es-ES", "en": "en-US", "fr": "fr-FR", "pt": "pt-BR"}


def js_string(text: str) -> str:
    """`text` as a Vega expression string literal: quotes and backslashes escaped, so a label
    such as "Délai à l'exportation" or "Côte d'Ivoire" never breaks the expression."""
    return json.dumps(text, ensure_ascii=False)


def vega_map(mapping: dict[str, str], field: str) -> str:
    """A Vega expression mapping the values of `field` to labels (others: null)."""
    return f"({json.dumps(mapping, ensure_ascii=False)})[datum[{js_string(field)}]]"


def vega_locale(lang: str) -> dict[str, Any]:
    """Vega's number and time format locale for `lang` (bundled with vl-convert: offline)."""
    tag = _LOCALES.get(lang, "en-US")
    return {"number": vl_convert.get_format_locale(tag), "time": vl_convert.get_time_format_locale(tag)}


def theme_config(lang: str) -> dict[str, Any]:
    return {
        "font": FONT,
        "locale": vega_locale(lang),
        "view": {"stroke": None},
        "title": {"anchor": "start", "fontSize": 14, "fontWeight": 600, "subtitleColor": "#555", "subtitleFontSize": 11, "offset": 10},
        "axis": {"labelFontSize": 11, "titleFontSize": 11, "titleColor": "#333", "gridColor": "#eee", "domainColor": "#999", "labelLimit": 180},
        # One entry a line unless a chart's legend says otherwise (`legend`): never wider than the column.
        "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom", "direction": "vertical", "labelLimit": 200},
        "range": {"category": CATEGORY_COLOURS},
        "bar": {"color": ACCENT},
        "line": {"color": ACCENT, "strokeWidth": 2},
        "point": {"color": ACCENT},
    }


def subtitle_lines(lang: str, source: str, unit: str | None = None, illustrative: bool = False, note: str | list[str] | None = None) -> list[str]:
    # Source and unit may be msgids (translated here) or text already in `lang`; a note may
    # be several lines (one sentence each, so none is cut at the chart's width).
    lines = []
    if unit:
        lines.append(t("Unit: {unit}", lang, unit=gettext(unit, lang)))
    lines += [n for n in ([note] if isinstance(note, str) else note or []) if n]
    lines.append(t("Source: {source}", lang, source=gettext(source, lang)))
    if illustrative:
        lines.append(t("Illustrative data (generated), not real figures", lang))
    return lines


def wrap(text: str, width: int) -> list[str]:
    """`text` as lines of at most `width` characters (a longer word keeps its own line)."""
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [text]


def legend(labels: list[str], **kw: Any) -> alt.Legend:
    """A legend that fits the narrowest column: one entry a line (a legend starts where the
    plot does, after the axis labels, so entries side by side would run off a phone)."""
    return alt.Legend(columns=1, direction="vertical", **kw)


def band_height(rows: int, step: int) -> int:
    """The height of `rows` bands of `step` pixels. (A chart as wide as its column takes a
    number here, not a Step, which Vega-Lite would report as dropping "fit-y".)"""
    return max(rows, 1) * step


def value_axis(fmt: str, **kw: Any) -> alt.Axis:
    """A value axis in d3 format `fmt`; ticks no finer than its last digit, so no label repeats
    (",.0f" over 0 to 4 would read 0, 1, 1, 2, 2)."""
    import re

    digits = re.search(r"\.(\d+)[f%]", fmt)
    step = 10 ** -int(digits.group(1)) if digits else None
    if step is not None and fmt.endswith("%"):
        step /= 100
    return alt.Axis(format=fmt, **({"tickMinStep": step} if step else {}), **kw)


def integer_axis(**kw: Any) -> alt.Axis:
    """An axis of counts: whole-number ticks, each once (never 0, 1, 1, 2)."""
    return value_axis("d", tickMinStep=1, **kw)


def finish(
    chart: alt.TopLevelMixin,
    *,
    lang: str,
    title: str,
    summary: str,
    source: str,
    unit: str | None = None,
    illustrative: bool = False,
    note: str | list[str] | None = None,
    meta: dict[str, Any] | None = None,
    check: dict[str, Any] | None = None,
) -> alt.TopLevelMixin:
    """Title, subtitle (unit, note, source, illustrative), summary, theme and test metadata.
    `summary` is one sentence in `lang` saying what the chart shows, built from the data it
    draws: the spec's top-level "description" and ``usermeta.tflib.summary``, which the page
    shows with the chart for readers who cannot see it. `check` (from `check_spec`) tells tests how to compare the
    chart's values with loaders."""
    if not summary or not summary.strip():
        raise ValueError(f"chart {title!r} has no summary")
    subtitle = [line for text in subtitle_lines(lang, source, unit, illustrative, note) for line in wrap(text, SUBTITLE_CHARS)]
    usermeta = {"tflib": {"source": source, "unit": unit, "illustrative": illustrative, "summary": summary, "check": check, **(meta or {})}}
    lines = wrap(title, TITLE_CHARS)
    # A chart as wide as its column fits it across, and keeps the height its content asks for.
    fluid = {"autosize": alt.AutoSizeParams(type="fit-x", contains="padding")} if getattr(chart, "width", None) == WIDTH else {}
    return chart.properties(
        title=alt.Title(lines if len(lines) > 1 else title, subtitle=subtitle), description=summary, usermeta=usermeta, **fluid
    ).configure(**theme_config(lang))


def check_spec(
    loader: str | None,
    *,
    key: dict[str, str] | None = None,
    value: dict[str, str] | None = None,
    args: dict[str, Any] | None = None,
    filter: dict[str, Any] | None = None,
    scale: float = 1,
    why: str | None = None,
) -> dict[str, Any]:
    """How a test re-derives a chart's values: call `loader` (lpi, doing_business,
    indicators, progress, action_items, scores, trade) with `args`, keep rows matching
    `filter`, join chart rows to loader rows on `key` ({chart field: loader field}) and
    compare `value` fields ({chart field: loader field}, loader value x `scale`). A chart of
    derived figures with no loader says `why`."""
    return {"loader": loader, "key": key or {}, "value": value or {}, "args": args or {}, "filter": filter or {}, "scale": scale, "why": why}


def no_data_label(lang: str) -> str:
    return gettext("no data", lang)


# ---------------------------------------------------------------------------------------------
# Builders. Each takes a tidy, pre-aggregated polars frame.


def line_over_time(
    df: pl.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = None,
    x_title: str,
    y_title: str,
    x_type: str = "T",
    y_format: str = ",.1f",
    dash: str | None = None,
    focus: str | None = None,
    colours: dict[str, str] | None = None,
) -> alt.Chart:
    """Lines with points; `focus` (a value of `color`) is drawn thicker; `colours` maps the
    values of `color` to their colours (the series' own, the same on every page)."""
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:{x_type}", title=x_title),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=value_axis(y_format)),
        "tooltip": [alt.Tooltip(f"{x}:{x_type}", title=x_title), alt.Tooltip(f"{y}:Q", format=y_format, title=y_title)] + ([alt.Tooltip(f"{color}:N", title=" ")] if color else []),
    }
    if color:
        scale = alt.Scale(domain=list(colours), range=list(colours.values())) if colours else alt.Undefined
        enc["color"] = alt.Color(f"{color}:N", title=None, scale=scale, legend=legend(list(colours or df[color].unique(maintain_order=True).to_list())))
        if focus is not None:
            enc["strokeWidth"] = alt.condition(alt.datum[color] == focus, alt.value(3), alt.value(1.2))
            enc["opacity"] = alt.condition(alt.datum[color] == focus, alt.value(1), alt.value(0.6))
    if dash:
        enc["strokeDash"] = alt.StrokeDash(f"{dash}:N", title=None)
    return alt.Chart(df).mark_line(point=True).encode(**enc).properties(width=WIDTH, height=260)


def bar_compare(
    df: pl.DataFrame,
    *,
    category: str,
    value: str,
    value_title: str,
    focus: str | None = None,
    role: str | None = None,
    sort_descending: bool = True,
    value_format: str = ",.1f",
    label: str | None = None,
    integer: bool = False,
    category_title: str | None = None,
) -> alt.Chart:
    """Horizontal bars, one per category, the focus in the accent, comparators in amber;
    `integer`: counts, whose axis has whole-number ticks only. The tooltip names the
    category `category_title` and the value `value_title`."""
    colour: Any = alt.value(PEER)
    if role is not None:
        colour = alt.Color(f"{role}:N", scale=role_scale(), legend=None)
    elif focus is not None:
        colour = alt.condition(alt.datum[category] == focus, alt.value(ACCENT), alt.value(PEER))
    label_field = label or category
    # The order as a list: layers sorting by a field make Vega drop the sort (a warning).
    order = df.sort(value, descending=sort_descending, maintain_order=True)[label_field].to_list()
    base = alt.Chart(df).encode(
        y=alt.Y(f"{label_field}:N", sort=order, scale=alt.Scale(domain=order), title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT + 30)),
        x=alt.X(f"{value}:Q", title=value_title, axis=integer_axis() if integer else value_axis(value_format)),
        tooltip=[alt.Tooltip(label_field, title=category_title or ""), alt.Tooltip(value, format=value_format, title=value_title)],
    )
    bars = base.mark_bar().encode(color=colour)
    text = base.mark_text(align="left", dx=3, fontSize=10, color="#333").encode(text=alt.Text(f"{value}:Q", format=value_format))
    return (bars + text).properties(width=WIDTH, height=band_height(len(order), 18))


def choropleth(
    values: pl.DataFrame,
    topology: dict[str, Any],
    *,
    value: str,
    value_title: str,
    lang: str,
    iso3_in_view: list[str],
    scheme: str = "blues",
    reverse: bool = False,
    value_format: str = ",.2f",
    name: str = "name",
) -> alt.LayerChart:
    """A map: grey base layer for every country in view (so "no data" still shows), the
    values drawn over it. `values` has iso3, `name` and `value`; null values are no data."""
    nodata = no_data_label(lang)
    # The grey base layer names every country (no data included) under `map_id`; only rows
    # with a value carry `iso3`, so every keyed row is a real value of the loader.
    names = values.select(pl.col("iso3").alias("map_id"), pl.col(name).alias("map_name"), pl.when(pl.col(value).is_null()).then(pl.lit(nodata)).otherwise(pl.lit("")).alias("_no_data"))
    drawn = values.filter(pl.col(value).is_not_null())
    # Inline only the countries in view: a few KB per map instead of the world.
    geo = alt.InlineData(values=subset_topology(topology, iso3_in_view), format=alt.DataFormat(type="topojson", feature="countries"))
    in_view = alt.FieldOneOfPredicate(field="properties.iso3", oneOf=iso3_in_view)
    base = (
        alt.Chart(geo)
        .mark_geoshape(fill=NO_DATA, stroke="white", strokeWidth=0.6)
        .transform_filter(in_view)
        .transform_lookup(lookup="properties.iso3", from_=alt.LookupData(names, "map_id", ["map_name", "_no_data"]))
        .encode(tooltip=[alt.Tooltip("map_name:N", title=None), alt.Tooltip("_no_data:N", title=None)])
    )
    filled = (
        alt.Chart(geo)
        .mark_geoshape(stroke="white", strokeWidth=0.6)
        .transform_filter(in_view)
        .transform_lookup(lookup="properties.iso3", from_=alt.LookupData(drawn, "iso3", [name, value]))
        .transform_filter(alt.datum[value] != None)  # noqa: E711 - Vega expression, not Python
        .encode(
            color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme=scheme, reverse=reverse), legend=alt.Legend(format=value_format, orient="bottom", direction="horizontal")),
            tooltip=[alt.Tooltip(f"{name}:N", title=None), alt.Tooltip(f"{value}:Q", format=value_format, title=value_title)],
        )
    )
    return alt.layer(base, filled).project(type="mercator").properties(width=WIDTH, height=340)


def role_scale(labels: dict[str, str] | None = None, present: Any = None) -> alt.Scale:
    """Colours of the roles (focus, peer, comparator), keyed by their codes or by `labels`
    (role -> label); `present`: only these roles (a legend lists only what is drawn)."""
    roles = [r for r in ROLE_COLOURS if present is None or r in set(present)]
    return alt.Scale(domain=[(labels or {}).get(r, r) for r in roles], range=[ROLE_COLOURS[r] for r in roles])


def status_codes(present: Any) -> list[str | None]:
    """The statuses among `present` (codes; None is no data), in scale order, no data last."""
    from .status import STATUSES

    have = set(present)
    return [s for s in STATUSES if s in have] + ([None] if None in have else [])


def status_label_of(code: str | None, lang: str) -> str:
    from .status import label

    return no_data_label(lang) if code is None else label(code, lang)


def status_colour_scale(lang: str, present: Any) -> alt.Scale:
    """Status labels of the statuses a chart draws (`present`: codes, None = no data), in
    scale order, then "no data": a legend lists only what is drawn."""
    codes = status_codes(present)
    return alt.Scale(domain=[status_label_of(c, lang) for c in codes], range=[STATUS_COLOURS[c] if c else NO_DATA for c in codes])


def status_shape_scale(lang: str, present: Any) -> alt.Scale:
    """The shapes of the statuses a chart draws, the second cue besides their colour."""
    codes = status_codes(present)
    return alt.Scale(domain=[status_label_of(c, lang) for c in codes], range=[STATUS_SHAPES[c] if c else NO_DATA_SHAPE for c in codes])


def status_legend(lang: str, present: Any) -> alt.Legend:
    return legend([status_label_of(c, lang) for c in status_codes(present)], symbolSize=90)


def statistic_scale(statistics: list[str | None], labels: list[str]) -> alt.Scale:
    """Colours of statistics (median, 90th percentile, mean), the same on every page."""
    return alt.Scale(domain=labels, range=[STATISTIC_COLOURS.get(s or "", ACCENT) for s in statistics])


def subset_topology(topology: dict[str, Any], iso3: list[str]) -> dict[str, Any]:
    """The TopoJSON reduced to the `countries` whose ISO3 code is in `iso3`, arcs re-indexed.
    Each geometry carries its code as `properties.iso3` (`reference.feature_iso3`: Natural
    Earth's adm0A3 is not ISO3 for South Sudan and a few others), which the maps key on."""
    from .reference import feature_iso3

    wanted = set(iso3)
    geoms = []
    for g in topology["objects"]["countries"]["geometries"]:
        code = feature_iso3(g.get("properties"))
        if code in wanted:
            geoms.append({**g, "properties": {**(g.get("properties") or {}), "iso3": code}})
    used: dict[int, int] = {}

    def remap(arcs: Any) -> Any:
        if isinstance(arcs, int):
            idx = arcs if arcs >= 0 else ~arcs
            new = used.setdefault(idx, len(used))
            return new if arcs >= 0 else ~new
        return [remap(a) for a in arcs]

    out_geoms = [{**g, "arcs": remap(g["arcs"])} for g in geoms if "arcs" in g]
    arcs = [None] * len(used)
    for old, new in used.items():
        arcs[new] = topology["arcs"][old]
    result = {k: v for k, v in topology.items() if k not in ("objects", "arcs", "bbox")}
    result["arcs"] = arcs
    result["objects"] = {"countries": {"type": "GeometryCollection", "geometries": out_geoms}}
    return result
