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
from typing import Any

import altair as alt
import polars as pl
import vl_convert

from .i18n import gettext, t

# Colours: a calm, colour-blind-safe palette; the focus country always in the accent.
ACCENT = "#0b6e99"
PEER = "#9db4c0"
COMPARATOR = "#c98c2b"
NO_DATA = "#ececec"
STATUS_COLOURS = {
    "not_applicable": "#a9a9a9",
    "not_started": "#f1c6b8",
    "pilot": "#f6dd8a",
    "partial": "#9cc9a4",
    "full": "#2f7d4a",
}
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
WIDTH = 560

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
        "title": {"anchor": "start", "fontSize": 15, "fontWeight": 600, "subtitleColor": "#555", "subtitleFontSize": 11, "offset": 10},
        "axis": {"labelFontSize": 11, "titleFontSize": 11, "titleColor": "#333", "gridColor": "#eee", "domainColor": "#999"},
        "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom"},
        "range": {"category": [ACCENT, COMPARATOR, "#6a4c93", "#2f7d4a", "#b5446e", "#7a7a7a", "#3d5a80", "#98c1d9"]},
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


def finish(
    chart: alt.TopLevelMixin,
    *,
    lang: str,
    title: str,
    source: str,
    unit: str | None = None,
    illustrative: bool = False,
    note: str | list[str] | None = None,
    meta: dict[str, Any] | None = None,
    check: dict[str, Any] | None = None,
) -> alt.TopLevelMixin:
    """Title, subtitle (unit, note, source, illustrative), theme and test metadata.
    `check` (from `check_spec`) tells tests how to compare the chart's values with loaders."""
    subtitle = subtitle_lines(lang, source, unit, illustrative, note)
    usermeta = {"tflib": {"source": source, "unit": unit, "illustrative": illustrative, "check": check, **(meta or {})}}
    return chart.properties(title=alt.Title(title, subtitle=subtitle), usermeta=usermeta).configure(**theme_config(lang))


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
) -> alt.Chart:
    """Lines with points; `focus` (a value of `color`) is drawn thicker and in the accent."""
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:{x_type}", title=x_title),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format)),
        "tooltip": [alt.Tooltip(f"{x}:{x_type}", title=x_title), alt.Tooltip(f"{y}:Q", format=y_format, title=y_title)] + ([alt.Tooltip(f"{color}:N", title=" ")] if color else []),
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
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
    category_title: str | None = None,
) -> alt.Chart:
    """Horizontal bars, one per category, the focus in the accent, comparators in amber.
    The tooltip names the category `category_title` and the value `value_title`."""
    colour: Any = alt.value(PEER)
    if role is not None:
        colour = alt.Color(
            f"{role}:N",
            scale=alt.Scale(domain=["focus", "peer", "comparator"], range=[ACCENT, PEER, COMPARATOR]),
            legend=None,
        )
    elif focus is not None:
        colour = alt.condition(alt.datum[category] == focus, alt.value(ACCENT), alt.value(PEER))
    label_field = label or category
    base = alt.Chart(df).encode(
        y=alt.Y(f"{label_field}:N", sort=alt.EncodingSortField(field=value, order="descending" if sort_descending else "ascending"), title=None),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
        tooltip=[alt.Tooltip(label_field, title=category_title or ""), alt.Tooltip(value, format=value_format, title=value_title)],
    )
    bars = base.mark_bar().encode(color=colour)
    text = base.mark_text(align="left", dx=3, fontSize=10, color="#333").encode(text=alt.Text(f"{value}:Q", format=value_format))
    return (bars + text).properties(width=WIDTH - 140, height=alt.Step(18))


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


def status_colour_scale(lang: str) -> alt.Scale:
    """Status labels in scale order, then "no data" in grey."""
    from .status import STATUSES, label

    return alt.Scale(
        domain=[label(s, lang) for s in STATUSES] + [no_data_label(lang)],
        range=[STATUS_COLOURS[s] for s in STATUSES] + [NO_DATA],
    )


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
