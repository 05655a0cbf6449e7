"""Regional overview: where the members stand on real logistics benchmarks (World Bank LPI and
Doing Business), how far each has implemented the strategy, the ranking and incentive fund of
the parties, and the early warnings across the region.

Maps are drawn here rather than with `charts.choropleth`: the countries without a value
(Belize in the LPI, the non-parties in the implementation score) are carried in a separate
lookup keyed `map_id`, so every row keyed like the loader is a row of the loader and can be
checked, while the no-data countries still appear in grey, named and marked "no data". The
maps are framed on the members (neighbours clipped at the edge) and carry their values as text.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import altair as alt
import polars as pl
from babel.lists import format_list

import json

from .. import charts, monitor, reference, scores
from ..i18n import N_, fmt_date, fmt_money, fmt_number, fmt_percent, gettext, t, tn
from ..inputs import BOUNDARY_RESOLUTION
from ..page import Block, Context, Figure, esc, figure, release_table
from ..tables import Table
from ..status import STATUSES, label

SOURCE = N_("national progress reports to the secretariat (tflib tracker)")
LPI_SOURCE = N_("World Bank, Logistics Performance Index 2023 (CC BY 4.0)")
DB_SOURCE = N_("World Bank, Doing Business 2020 (data as of May 2019)")
LPI_YEAR = 2023
DB_REPORT_YEAR = 2020
# Degrees of lon/lat around the members' polygons (region.yaml `map.frame` replaces the box).
MAP_MARGIN = 1.0
# Mercator has no north or south end: a frame stops at these latitudes.
MAP_MAX_LAT = 85.0
SHAPES = "tflib-boundaries"
# The width a map's height is made for (it takes its column's width, its box kept whole).
MAP_WIDTH = 560
# Section titles of the page.
MAPS_TITLE = N_("The members on the map")
STATUS_TITLE = N_("Implementation status by measure and member")
FUND_TITLE = N_("Ranking and incentive fund")
RANKING_TITLE = N_("Ranking of the parties")
WARNINGS_TITLE = N_("Early warnings by member")
# Not a dot: the heat map draws each status as a shape, "full" as a dot.
BASELINE_MARK = "✓"
ILLUSTRATIVE_MARK = "*"
NON_PARTY_MARK = "†"
# Measure names on the heatmap's axis are cut to this many characters (the tooltip has them whole).
LABEL_CHARS = 46


def members(ctx: Context) -> list[str]:
    return [m.iso3 for m in ctx.params.region.members]


def non_parties(ctx: Context) -> list[str]:
    return [c for c in members(ctx) if not ctx.params.region.is_party(c)]


def names(ctx: Context, iso3s: list[str]) -> str:
    """Country names as a list in the page language ("Belice y República Dominicana")."""
    return format_list([ctx.name_of(c) for c in iso3s], locale=ctx.lang) if iso3s else ""


# ---------------------------------------------------------------------------------------------
# Maps


@dataclass(frozen=True)
class Geo:
    """The boundaries of one page's maps: the TopoJSON, the countries in view (members first,
    then every country that reaches into the members' box), the box (lon/lat; east may pass
    180 when the region straddles the antimeridian) and the point where each country's value
    is written."""

    topology: dict[str, Any]
    view: list[str]
    box: tuple[float, float, float, float]
    points: dict[str, tuple[float, float]]

    @property
    def rotation(self) -> float:
        """Longitude the projection turns to the centre: 0 unless the box crosses ±180."""
        x0, _, x1, _ = self.box
        return -(x0 + x1) / 2 if x0 < -180 or x1 > 180 else 0.0


def geo(ctx: Context) -> Geo:
    """Read the boundaries once per page and frame the region: the box around every polygon
    of every member (islands included) with a margin, or region.yaml's `map.frame`, and
    every country whose main land mass reaches into it as context."""
    boundaries = ctx.frame("boundaries").filter(pl.col("resolution") == BOUNDARY_RESOLUTION)
    topology = json.loads(boundaries["topology"][0])
    shapes = _polygons(topology)
    own = [c for c in members(ctx) if c in shapes]
    frame = ctx.params.region.map.frame
    if frame is not None:
        box = (frame.west, frame.south, frame.east, frame.north)
    else:
        box = frame_box([p[0] for c in own for p in shapes[c]], MAP_MARGIN)
    centre = (box[0] + box[2]) / 2
    # Context: countries whose main land mass reaches into the box (not the Netherlands for
    # Bonaire, whose value would be written on the island).
    context = sorted(
        c for c, polys in shapes.items()
        if c not in own and reference.is_valid_iso3(c) and _meets(_near(max(polys, key=lambda p: abs(_area(p[0])))[0], centre), box)
    )
    view = own + context
    points = {}
    for c in view:
        best = (0.0, None)
        for p in shapes[c]:
            clipped = _clip(_near(p[0], centre), box)
            if len(clipped) >= 3 and abs(_area(clipped)) > best[0]:
                best = (abs(_area(clipped)), _centroid(clipped))
        if best[1] is not None:
            points[c] = best[1]
    return Geo(topology=topology, view=view, box=box, points=points)


def frame_box(rings: list[list[tuple[float, float]]], margin: float = 0.0) -> tuple[float, float, float, float]:
    """The smallest lon/lat box holding every ring, plus `margin` degrees. Longitudes go the
    short way round: rings on both sides of ±180 (Fiji, split there by Natural Earth) give a
    box from 177 to 182 rather than the whole world. Latitudes stop at ±MAP_MAX_LAT."""
    spans = sorted((min(x for x, _ in r), max(x for x, _ in r)) for r in rings if r)
    merged: list[list[float]] = []
    for w, e in spans:
        if merged and w <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([w, e])
    # The widest stretch of longitude with no ring is what the box leaves out: between two
    # runs of rings (the box then crosses ±180), or around the back (the usual case).
    around = merged[0][0] + 360 - merged[-1][1]
    gap, i = max(((merged[k + 1][0] - merged[k][1], k) for k in range(len(merged) - 1)), default=(-1.0, -1))
    west, east = (merged[i + 1][0], merged[i][1] + 360) if gap > around else (merged[0][0], merged[-1][1])
    south = max(min(y for r in rings for _, y in r) - margin, -MAP_MAX_LAT)
    north = min(max(y for r in rings for _, y in r) + margin, MAP_MAX_LAT)
    return (west - margin, south, east + margin, north)


def _near(pts: list[tuple[float, float]], centre: float) -> list[tuple[float, float]]:
    """The ring moved by whole turns (360 degrees) to the side of ±180 nearest `centre`."""
    mid = (min(x for x, _ in pts) + max(x for x, _ in pts)) / 2
    turn = 360.0 * round((centre - mid) / 360.0)
    return [(x + turn, y) for x, y in pts] if turn else pts


def _polygons(topology: dict[str, Any]) -> dict[str, list[list[list[tuple[float, float]]]]]:
    """Each country's polygons (rings of lon/lat points, outer ring first), decoded from arcs,
    keyed by ISO3 (`reference.feature_iso3`)."""
    tr = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        pts, x, y = [], 0.0, 0.0
        for p in arc:
            if tr:
                x, y = x + p[0], y + p[1]
                pts.append((x * tr["scale"][0] + tr["translate"][0], y * tr["scale"][1] + tr["translate"][1]))
            else:
                pts.append((p[0], p[1]))
        arcs.append(pts)

    def ring(idx: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in idx:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts[1:] if out else pts)
        return out

    shapes = {}
    for g in topology["objects"]["countries"]["geometries"]:
        iso3 = reference.feature_iso3(g.get("properties"))
        if not iso3 or "arcs" not in g:
            continue
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        shapes[iso3] = [[ring(r) for r in p] for p in polys]
    return shapes


def _area(pts: list[tuple[float, float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1])) / 2


def _centroid(pts: list[tuple[float, float]]) -> tuple[float, float]:
    a = _area(pts)
    cx = sum((x0 + x1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]))
    cy = sum((y0 + y1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]))
    return (cx / (6 * a), cy / (6 * a)) if abs(a) > 1e-12 else pts[0]


def _meets(pts: list[tuple[float, float]], box: tuple[float, float, float, float]) -> bool:
    xs, ys = [x for x, _ in pts], [y for _, y in pts]
    return min(xs) <= box[2] and max(xs) >= box[0] and min(ys) <= box[3] and max(ys) >= box[1]


def _clip(pts: list[tuple[float, float]], box: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """The ring clipped to the box (Sutherland-Hodgman): where a neighbour's value goes."""
    x0, y0, x1, y1 = box
    edges = [
        (lambda p: p[0] >= x0, lambda a, b: (x0, a[1] + (b[1] - a[1]) * (x0 - a[0]) / (b[0] - a[0]))),
        (lambda p: p[0] <= x1, lambda a, b: (x1, a[1] + (b[1] - a[1]) * (x1 - a[0]) / (b[0] - a[0]))),
        (lambda p: p[1] >= y0, lambda a, b: (a[0] + (b[0] - a[0]) * (y0 - a[1]) / (b[1] - a[1]), y0)),
        (lambda p: p[1] <= y1, lambda a, b: (a[0] + (b[0] - a[0]) * (y1 - a[1]) / (b[1] - a[1]), y1)),
    ]
    out = list(pts)
    for inside, cut in edges:
        src, out = out, []
        for i, cur in enumerate(src):
            prev = src[i - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
        if not out:
            break
    return out


def _map_height(box: tuple[float, float, float, float], width: int) -> int:
    """Height that keeps the box's Mercator proportions at `width`."""
    merc = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
    return int(round(width * (merc(box[3]) - merc(box[1])) / math.radians(box[2] - box[0])))


def region_map(
    ctx: Context,
    g: Geo,
    data: pl.DataFrame,
    *,
    key: str,
    value: str,
    value_title: str,
    value_format: str,
    missing: dict[str, str],
    legend_missing: str,
    scheme: str = "blues",
) -> alt.LayerChart:
    """A map of `data` (one row per country of `g.view`: `key` = ISO3, `name`, `value`; null
    = no data), framed on the members' box. Countries without a value are drawn grey, with
    `missing[iso3]` (default "no data") in the tooltip and the grey legend entry
    `legend_missing`; values are written on the map so the page reads without hovering."""
    # The shapes are a named dataset, attached by `with_shapes` once the chart is finished:
    # inline, Altair would deep-copy the TopoJSON at every layer and property step.
    shapes = alt.NamedData(name=SHAPES, format=alt.DataFormat(type="topojson", feature="countries"))
    nodata = charts.no_data_label(ctx.lang)
    shown = data.filter(pl.col(value).is_not_null())
    blank = data.filter(pl.col(value).is_null())
    # The grey base: every country in view, keyed map_id (not the loader's key: it carries
    # no value to check, and the countries without a value are not rows of the loader).
    base_rows = data.select(
        pl.col(key).alias("map_id"),
        "name",
        pl.col(key).replace_strict({c: missing.get(c, nodata) for c in blank[key].to_list()}, default="", return_dtype=pl.String).alias("detail"),
        pl.lit(legend_missing).alias("legend"),
    )
    in_view = alt.FieldOneOfPredicate(field="properties.iso3", oneOf=g.view)
    base = (
        alt.Chart(shapes)
        .mark_geoshape(stroke="white", strokeWidth=0.6)
        .transform_filter(in_view)
        .transform_lookup(lookup="properties.iso3", from_=alt.LookupData(base_rows.to_pandas(), "map_id", ["name", "detail", "legend"]))
        .encode(
            color=alt.Color(
                "legend:N", title=None, scale=alt.Scale(domain=[legend_missing], range=[charts.NO_DATA]),
                # A square swatch: the map draws areas, not dots.
                legend=alt.Legend(orient="bottom", symbolType="square") if blank.height else None,
            ),
            tooltip=[alt.Tooltip("name:N", title=None), alt.Tooltip("detail:N", title=None)],
        )
    )
    filled = (
        alt.Chart(shapes)
        .mark_geoshape(stroke="white", strokeWidth=0.6)
        .transform_filter(in_view)
        .transform_lookup(lookup="properties.iso3", from_=alt.LookupData(shown.select(key, "name", value).to_pandas(), key, ["name", value]))
        .transform_filter(alt.datum[value] != None)  # noqa: E711 - Vega expression, not Python
        .encode(
            color=alt.Color(
                f"{value}:Q", title=value_title, scale=alt.Scale(scheme=scheme),
                legend=alt.Legend(format=value_format, orient="bottom", direction="horizontal", gradientLength=220),
            ),
            tooltip=[alt.Tooltip("name:N", title=None), alt.Tooltip(f"{value}:Q", format=value_format, title=value_title)],
        )
    )
    labels = shown.select(key, value).with_columns(
        lon=pl.col(key).replace_strict({c: p[0] for c, p in g.points.items()}, default=None, return_dtype=pl.Float64),
        lat=pl.col(key).replace_strict({c: p[1] for c, p in g.points.items()}, default=None, return_dtype=pl.Float64),
    ).filter(pl.col("lon").is_not_null())
    text = alt.Chart(labels.to_pandas()).encode(longitude="lon:Q", latitude="lat:Q", text=alt.Text(f"{value}:Q", format=value_format))
    halo = text.mark_text(fontSize=10, fontWeight=600, stroke="white", strokeWidth=3, strokeOpacity=0.85, strokeJoin="round")
    ink = text.mark_text(fontSize=10, fontWeight=600, color="#222")
    x0, y0, x1, y1 = g.box
    height = _map_height(g.box, MAP_WIDTH)
    fit = {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": [[x0, y0], [x1, y1]]}}
    return (
        alt.layer(base, filled, halo, ink)
        .resolve_scale(color="independent")
        .project(type="mercator", fit=fit, clipExtent=alt.ExprRef("[[0, 0], [width, height]]"), **({"rotate": [g.rotation, 0, 0]} if g.rotation else {}))
        .properties(width=charts.WIDTH, height=height)
    )


def map_summary(ctx: Context, data: pl.DataFrame, key: str, value: str, what: str, fmt: Any) -> str:
    """A map in one sentence: the members' highest and lowest value, and those without one."""
    own = data.filter(pl.col(key).is_in(members(ctx)))
    have = own.filter(pl.col(value).is_not_null()).sort(value, key)
    missing = own.filter(pl.col(value).is_null())[key].to_list()
    lang = ctx.lang
    if have.is_empty():
        return t("{what}: no member has data.", lang, what=what)
    lo, hi = have.row(0, named=True), have.row(-1, named=True)
    out = t("{what} among the members: highest {high} ({high_value}), lowest {low} ({low_value}).", lang, what=what,
            high=ctx.name_of(hi[key]), high_value=fmt(hi[value]), low=ctx.name_of(lo[key]), low_value=fmt(lo[value]))
    if missing:
        out += " " + t("No data: {countries}.", lang, countries=names(ctx, missing))
    return out


def with_shapes(chart: alt.TopLevelMixin, g: Geo) -> alt.TopLevelMixin:
    """The finished map with its boundaries (only the countries in view) as a top-level dataset."""
    chart.datasets = {SHAPES: charts.subset_topology(g.topology, g.view)}
    return chart


def _view_frame(ctx: Context, g: Geo) -> pl.DataFrame:
    return pl.DataFrame({"iso3": g.view, "name": [ctx.short_name_of(c) for c in g.view]}, schema={"iso3": pl.String, "name": pl.String})


def lpi_map_data(ctx: Context, g: Geo | None = None) -> pl.DataFrame:
    """Overall LPI 2023 of every country in the map's view (null = not covered: Belize)."""
    g = g or geo(ctx)
    lpi = ctx.frame("lpi").filter(pl.col("year") == LPI_YEAR).select("iso3", "year", "lpi_score")
    return _view_frame(ctx, g).join(lpi, on="iso3", how="left", maintain_order="left")


def lpi_map(ctx: Context, g: Geo | None = None, data: pl.DataFrame | None = None) -> Figure:
    g = g or geo(ctx)
    data = lpi_map_data(ctx, g) if data is None else data
    uncovered = data.filter(pl.col("lpi_score").is_null())["iso3"].to_list()
    chart = region_map(
        ctx, g, data, key="iso3", value="lpi_score", value_title=t("LPI score", ctx.lang), value_format=",.1f",
        missing={c: t("no data: not covered by the LPI {year}", ctx.lang, year=LPI_YEAR) for c in uncovered},
        legend_missing=charts.no_data_label(ctx.lang),
    )
    own_uncovered = [c for c in uncovered if c in members(ctx)]
    finished = charts.finish(
        chart,
        lang=ctx.lang,
        title=t("Logistics Performance Index {year}: the members and their neighbours", ctx.lang, year=LPI_YEAR),
        summary=map_summary(ctx, data, "iso3", "lpi_score", t("LPI score {year}", ctx.lang, year=LPI_YEAR), lambda v: fmt_number(v, ctx.lang, reference.LPI_PRECISION.of({"year": LPI_YEAR}))),
        source=t(LPI_SOURCE, ctx.lang),
        unit=t("overall LPI score, 1 (worst) to 5 (best)", ctx.lang),
        note=t("Grey: no data ({countries} not covered by the LPI).", ctx.lang, countries=names(ctx, own_uncovered)) if own_uncovered else None,
        illustrative=False,
        check=charts.check_spec("lpi", key={"iso3": "iso3"}, value={"lpi_score": "lpi_score"}, filter={"year": LPI_YEAR}),
    )
    return figure(ctx, with_shapes(finished, g), "lpi_map", data.with_columns(year=pl.lit(LPI_YEAR, dtype=pl.Int64)))


def score_map_data(ctx: Context, g: Geo | None = None) -> pl.DataFrame:
    """Overall implementation score of each party (null for non-parties and neighbours)."""
    g = g or geo(ctx)
    board = ctx.frame("scores").select("country", "score", "illustrative")
    return _view_frame(ctx, g).rename({"iso3": "country"}).join(board, on="country", how="left", maintain_order="left")


def score_map(ctx: Context, g: Geo | None = None, data: pl.DataFrame | None = None) -> Figure:
    g = g or geo(ctx)
    data = score_map_data(ctx, g) if data is None else data
    own = set(members(ctx))
    missing = {}
    for c in data["country"].to_list():
        if c not in own:
            missing[c] = t("not a member: not scored", ctx.lang)
        elif not ctx.params.region.is_party(c):
            missing[c] = t("not scored: tracked, not bound by the strategy", ctx.lang)
        else:
            missing[c] = charts.no_data_label(ctx.lang)
    chart = region_map(
        ctx, g, data, key="country", value="score", value_title=t("Implementation score", ctx.lang), value_format=".0%",
        missing=missing, legend_missing=t("not scored (no data)", ctx.lang), scheme="greens",
    )
    finished = charts.finish(
        chart,
        lang=ctx.lang,
        title=t("Implementation score of the parties", ctx.lang),
        summary=map_summary(ctx, data.filter(pl.col("country").is_in(ctx.params.region.parties)), "country", "score", t("Implementation score", ctx.lang), lambda v: fmt_percent(v, ctx.lang)),
        source=t(SOURCE, ctx.lang),
        unit=t("% of maximum points (full 3, partial 2, pilot 1, not started 0)", ctx.lang),
        note=t("Only the parties are scored; grey countries are not scored (non-parties: {countries}).", ctx.lang, countries=names(ctx, non_parties(ctx)))
        if non_parties(ctx)
        else t("Only the parties are scored; grey countries are not scored.", ctx.lang),
        illustrative=bool(data["illustrative"].fill_null(False).any()),
        check=charts.check_spec("scores", key={"country": "country"}, value={"score": "score"}),
    )
    return figure(ctx, with_shapes(finished, g), "score_map", data)


def db_map_data(ctx: Context, g: Geo | None = None) -> pl.DataFrame:
    """DB2020 border compliance time to export (hours) in view; null = no data or no practice."""
    g = g or geo(ctx)
    db = ctx.frame("doing_business").filter(pl.col("report_year") == DB_REPORT_YEAR)
    db = db.select("iso3", "report_year", "data_year", "export_border_hours", "export_border_hours_no_practice")
    return _view_frame(ctx, g).join(db, on="iso3", how="left", maintain_order="left")


def db_map(ctx: Context, g: Geo | None = None, data: pl.DataFrame | None = None) -> Figure:
    g = g or geo(ctx)
    data = db_map_data(ctx, g) if data is None else data
    missing = {
        r["iso3"]: t("no practice (not applicable)", ctx.lang) if r["export_border_hours_no_practice"] else charts.no_data_label(ctx.lang)
        for r in data.iter_rows(named=True)
    }
    chart = region_map(
        ctx, g, data.select("iso3", "name", "export_border_hours"), key="iso3", value="export_border_hours",
        value_title=t("Hours", ctx.lang), value_format=",.0f", missing=missing,
        legend_missing=charts.no_data_label(ctx.lang), scheme="oranges",
    )
    finished = charts.finish(
        chart,
        lang=ctx.lang,
        title=t("Border compliance time to export, Doing Business {report} (data {data})", ctx.lang, report=DB_REPORT_YEAR, data=DB_REPORT_YEAR - 1),
        summary=map_summary(ctx, data, "iso3", "export_border_hours", t("Border compliance time to export, in hours", ctx.lang), lambda v: fmt_number(v, ctx.lang, 0)),
        source=t(DB_SOURCE, ctx.lang),
        unit=t("hours at the border to export a shipment (darker = slower)", ctx.lang),
        illustrative=False,
        check=charts.check_spec(
            "doing_business", key={"iso3": "iso3"}, value={"export_border_hours": "export_border_hours"}, filter={"report_year": DB_REPORT_YEAR}
        ),
    )
    return figure(ctx, with_shapes(finished, g), "db_map", data)


def claim_note(ctx: Context, g: Geo | None = None) -> Block:
    """The notes of region.yaml `map.notes` whose countries are all on the map (territorial
    claims between members, say), as caveat lines."""
    view = set((g or geo(ctx)).view)
    notes = [ctx.text(n.text) for n in ctx.params.region.map.notes if set(n.countries) <= view]
    return Block("".join(f'<p class="tf-caveat">{esc(n)}</p>' for n in notes))


# ---------------------------------------------------------------------------------------------
# Measure x member status


def status_table(ctx: Context) -> pl.DataFrame:
    """Status of every measure for every member as of the page date (`scores.measure_status`)
    with labels in the page language: one row per member x measure."""
    status = ctx.frame("measure_status")
    nodata = gettext("no data", ctx.lang)
    measure_names, full_names, order = {}, {}, {}
    for m in ctx.params.measures:
        name = ctx.text(m.name)
        short = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "…"
        mark = f" {ILLUSTRATIVE_MARK}" if m.illustrative else ""
        measure_names[m.id] = short + mark
        full_names[m.id] = name + mark
        order[m.id] = len(order)
    own = members(ctx)
    col_names = {c: ctx.name_of(c) + ("" if ctx.params.region.is_party(c) else f" {NON_PARTY_MARK}") for c in own}
    sources = {
        "baseline": t("implemented before the strategy (baseline)", ctx.lang),
        "reported": t("reported progress", ctx.lang),
        "no_data": t("no progress reported", ctx.lang),
    }
    return status.with_columns(
        measure=pl.col("measure_id").replace_strict(measure_names, return_dtype=pl.String),
        measure_name=pl.col("measure_id").replace_strict(full_names, return_dtype=pl.String),
        measure_order=pl.col("measure_id").replace_strict(order, return_dtype=pl.Int64),
        country_name=pl.col("country").replace_strict(col_names, return_dtype=pl.String),
        country_order=pl.col("country").replace_strict({c: i for i, c in enumerate(own)}, return_dtype=pl.Int64),
        party=pl.col("country").is_in(ctx.params.region.parties),
        status_label=pl.col("status").replace_strict({s: label(s, ctx.lang) for s in STATUSES}, default=nodata, return_dtype=pl.String),
        source_label=pl.col("source").replace_strict(sources, return_dtype=pl.String),
        completion_pct=pl.col("completion").round(0),
        mark=pl.when(pl.col("source") == "baseline")
        .then(pl.lit(BASELINE_MARK))
        .when(pl.col("status").is_null())
        .then(pl.lit(nodata))
        .otherwise(pl.lit("")),
    ).sort("measure_order", "country_order")


def status_heatmap(ctx: Context, status: pl.DataFrame) -> Figure:
    df = status.select(
        "country", "country_name", "country_order", "measure_id", "measure", "measure_name", "measure_order",
        "status", "status_label", "source_label", "completion_pct", "deadline", "mark",
    )
    lang = ctx.lang
    # One order per axis, given as lists: layers that sort by a field conflict in Vega.
    countries = df.sort("country_order")["country_name"].unique(maintain_order=True).to_list()
    measures = df.sort("measure_order")["measure"].unique(maintain_order=True).to_list()
    x = alt.X("country_name:N", sort=countries, scale=alt.Scale(domain=countries), title=None, axis=alt.Axis(orient="top", labelAngle=-90, labelAlign="left", labelBaseline="middle", labelLimit=140, domain=False, ticks=False))
    y = alt.Y("measure:N", sort=measures, scale=alt.Scale(domain=measures), title=None, axis=alt.Axis(labelLimit=charts.LABEL_LIMIT + 30, domain=False, ticks=False))
    present = df["status"].to_list()
    status_title = t("Status", lang)
    tooltip = [
        alt.Tooltip("country_name:N", title=t("Country", lang)),
        alt.Tooltip("measure_name:N", title=t("Measure", lang)),
        alt.Tooltip("status_label:N", title=status_title),
        alt.Tooltip("source_label:N", title=t("Basis", lang)),
        alt.Tooltip("completion_pct:Q", title=t("% complete", lang), format=",.0f"),
        alt.Tooltip("deadline:T", title=t("Regional deadline", lang)),
    ]
    # Each status a shape in its colour (no data: a grey cross), so the legend shows the very
    # marks the grid draws and status never rests on colour alone.
    grid = alt.Chart(df).mark_rect(fill=charts.NO_DATA_FILL, stroke="white", strokeWidth=2).encode(x=x, y=y, tooltip=tooltip)
    cells = alt.Chart(df).mark_point(filled=True, size=110, opacity=1).encode(
        x=x, y=y,
        color=alt.Color("status_label:N", title=status_title, scale=charts.status_colour_scale(lang, present), legend=charts.status_legend(lang, present)),
        shape=alt.Shape("status_label:N", title=status_title, scale=charts.status_shape_scale(lang, present)),
        tooltip=tooltip,
    )
    marks = (
        alt.Chart(df.filter(pl.col("mark") == BASELINE_MARK))
        .mark_text(fontSize=10, dx=10, dy=-6, color="#222")
        .encode(x=x, y=y, text="mark:N")
    )
    illustrative = bool(status["illustrative"].fill_null(False).any())
    note = t(
        "{baseline} implemented before the strategy · {star} illustrative measure · {dagger} not bound by the strategy",
        ctx.lang, baseline=BASELINE_MARK, star=ILLUSTRATIVE_MARK, dagger=NON_PARTY_MARK,
    )
    layers = [grid, cells] + ([marks] if df.filter(pl.col("mark") == BASELINE_MARK).height else [])
    n = df.height
    summary = t(
        "Status of {n} measures in {m} members: fully implemented {full} times, with no data {none} times.",
        lang, n=len(measures), m=len(countries), full=df.filter(pl.col("status") == "full").height, none=df.filter(pl.col("status").is_null()).height,
    )
    return figure(ctx, charts.finish(
        alt.layer(*layers).properties(width=charts.WIDTH, height=charts.band_height(len(measures), 24)),
        lang=ctx.lang,
        title=t("Implementation status of each measure by member, {date}", ctx.lang, date=fmt_date(ctx.as_of, ctx.lang)),
        summary=summary,
        source=t(SOURCE, ctx.lang),
        unit=t("status of the measure on the UN Global Survey scale", ctx.lang),
        note=note,
        illustrative=illustrative,
        check=charts.check_spec(None, why="statuses derived from the action items and the progress history by tflib.scores.measure_status (tested in tests/test_overview.py)"),
    ), "measure_status", df)


# ---------------------------------------------------------------------------------------------
# Ranking and incentive fund


def fund_table(ctx: Context) -> Table:
    """Ranking and incentive fund of the parties, in rank order (ties share a rank): the
    fund table the build computed (`tflib.fund.incentive_fund`, `scores.rank`), labelled. A
    region without a fund (no `incentive_fund` in region.yaml) gets the ranking alone."""
    if ctx.params.region.incentive_fund is None:
        return ranking_table(ctx)
    fund = ctx.frame("fund")
    yes, no = t("Yes", ctx.lang), t("No", ctx.lang)
    frame = fund.with_columns(
        name=pl.col("country").replace_strict({c: ctx.name_of(c) for c in fund["country"].to_list()}, return_dtype=pl.String),
        rank_label=pl.struct("rank", "tied").map_elements(
            lambda r: gettext("no data", ctx.lang) if r["rank"] is None else (t("{rank} (tied)", ctx.lang, rank=r["rank"]) if r["tied"] else str(r["rank"])),
            return_dtype=pl.String,
        ),
        score_pct=pl.col("score") * 100,
        improvement_pts=pl.col("improvement") * 100,
        eligible_label=pl.when(pl.col("eligible")).then(pl.lit(yes)).otherwise(pl.lit(no)),
        # Money is exact decimal in the frame; floats are only for display.
        total_amount=pl.col("total").cast(pl.Float64),
        share_pct=pl.col("share") * 100,
        how=pl.col("explanation").list.join(" · "),
    ).drop("explanation")
    return release_table(ctx, "fund", frame, title=t(FUND_TITLE, ctx.lang), source=SOURCE, illustrative=True, precision=FUND_DECIMALS)


def _rank_label(ctx: Context, rank: int | None, tied: bool | None) -> str:
    if rank is None:
        return gettext("no data", ctx.lang)
    return t("{rank} (tied)", ctx.lang, rank=rank) if tied else str(rank)


def ranking_table(ctx: Context) -> Table:
    """The parties ranked by implementation score (the scores table), for a region with no
    incentive fund: the same columns as the fund table, without the money."""
    ranked = ctx.frame("scores").filter(pl.col("country").is_in(ctx.params.region.parties)).sort("rank", nulls_last=True, maintain_order=True)
    frame = ranked.select(
        "country", "score", "rank", "tied",
        name=pl.col("country").replace_strict({c: ctx.name_of(c) for c in ranked["country"].to_list()}, return_dtype=pl.String, default=None),
        rank_label=pl.struct("rank", "tied").map_elements(lambda r: _rank_label(ctx, r["rank"], r["tied"]), return_dtype=pl.String),
        score_pct=pl.col("score") * 100,
    )
    return release_table(ctx, "fund", frame, title=t(RANKING_TITLE, ctx.lang), source=SOURCE, illustrative=True, precision={"score": 4, "score_pct": 1})


def fund_title(ctx: Context) -> str:
    """The section's title: the ranking and the fund, or the ranking alone without a fund."""
    return t(FUND_TITLE if ctx.params.region.incentive_fund is not None else RANKING_TITLE, ctx.lang)


def fund_columns(ctx: Context) -> dict[str, str]:
    fund = ctx.params.region.incentive_fund
    if fund is None:
        return {"rank_label": t("Rank", ctx.lang), "name": t("Country", ctx.lang), "score_pct": t("Score (% of maximum points)", ctx.lang)}
    currency = fund.currency if fund else ctx.params.region.currency
    since = ctx.as_of - dt.timedelta(days=fund.improvement_window_days if fund else 365)
    return {
        "rank_label": t("Rank", ctx.lang),
        "name": t("Country", ctx.lang),
        "score_pct": t("Score (% of maximum points)", ctx.lang),
        "improvement_pts": t("Score gain since {date} (percentage points)", ctx.lang, date=fmt_date(since, ctx.lang)),
        "eligible_label": t("Eligible", ctx.lang),
        "total_amount": t("Fund total ({currency})", ctx.lang, currency=currency),
        "share_pct": t("Share of the fund (%)", ctx.lang),
        "how": t("How the amount was computed", ctx.lang),
    }


FUND_DECIMALS = {"score_pct": 1, "improvement_pts": 1, "total_amount": 2, "share_pct": 1}


def non_party_sentence(ctx: Context) -> str:
    others = non_parties(ctx)
    if not others:
        return ""
    return t("{countries}: tracked and compared, not scored, ranked or paid from the fund, as they are not bound by the strategy.", ctx.lang, countries=names(ctx, others))


def fund_sentence(ctx: Context) -> str:
    fund = ctx.params.region.incentive_fund
    if fund is None:
        return t("No incentive fund is set for this region: the parties are ranked by implementation score only.", ctx.lang)
    return t(
        "The fund of {amount} is illustrative: {floor} is shared equally, the rest goes {score} by score and {improvement} by improvement to parties scoring at least {minimum}.",
        ctx.lang,
        amount=fmt_money(fund.amount, fund.currency, ctx.lang),
        floor=fmt_percent(fund.floor_share, ctx.lang),
        score=fmt_percent(fund.score_weight, ctx.lang),
        improvement=fmt_percent(fund.improvement_weight, ctx.lang),
        minimum=fmt_percent(fund.min_score, ctx.lang),
    )


# ---------------------------------------------------------------------------------------------
# Early warnings


def warning_counts(ctx: Context) -> pl.DataFrame:
    """Early warnings per member and kind (confidential indicators left out), with the
    member's latest progress report. One row per member, in members order; zero is a count."""
    found = ctx.frame("early_warnings")
    own = members(ctx)
    last = dict(ctx.frame("last_report").iter_rows())
    counts = found.group_by("country", "kind", maintain_order=True).len("n")
    rows = []
    for c in own:
        mine = dict(counts.filter(pl.col("country") == c).select("kind", "n").iter_rows())
        row = {"country": c, "name": ctx.name_of(c), "party": ctx.params.region.is_party(c)}
        row.update({k: int(mine.get(k, 0)) for k in monitor.KINDS})
        row["total"] = sum(row[k] for k in monitor.KINDS)
        row["last_report"] = last.get(c)
        row["last_report_label"] = fmt_date(last.get(c), ctx.lang)
        rows.append(row)
    schema = {"country": pl.String, "name": pl.String, "party": pl.Boolean, **{k: pl.Int64 for k in monitor.KINDS}, "total": pl.Int64, "last_report": pl.Date, "last_report_label": pl.String}
    return pl.DataFrame(rows, schema=schema)


def warnings_release(ctx: Context, counts: pl.DataFrame, illustrative: bool) -> Table:
    return release_table(ctx, "warning_counts", counts, title=t(WARNINGS_TITLE, ctx.lang), source=SOURCE, illustrative=illustrative)


def warning_columns(ctx: Context) -> dict[str, str]:
    return {
        "name": t("Country", ctx.lang),
        **{k: monitor.kind_label(k, ctx.lang) for k in monitor.KINDS},
        "total": t("Total", ctx.lang),
        "last_report_label": t("Last progress report", ctx.lang),
    }


# Who has missed the most progress reports, in the words of the region's submission period.
MOST_MISSING = {
    "month": N_("Most monthly reports missing: {countries} ({n})."),
    "quarter": N_("Most quarterly reports missing: {countries} ({n})."),
}


def warning_sentences(ctx: Context, counts: pl.DataFrame) -> list[str]:
    if counts.is_empty() or counts["total"].sum() == 0:
        return [t("No early warnings as of this date.", ctx.lang)]
    out = [t("Early warnings across the region as of {date}: {n}.", ctx.lang, n=fmt_number(counts["total"].sum(), ctx.lang, 0), date=fmt_date(ctx.as_of, ctx.lang, "long"))]
    top = counts["overdue"].max()
    if top:
        who = counts.filter(pl.col("overdue") == top)["country"].to_list()
        out.append(t("Most overdue action items: {countries} ({n}).", ctx.lang, countries=names(ctx, who), n=fmt_number(top, ctx.lang, 0)))
    else:
        out.append(t("No action item is overdue.", ctx.lang))
    missing = counts["missing_submission"].max()
    if missing:
        who = counts.filter(pl.col("missing_submission") == missing)["country"].to_list()
        message = MOST_MISSING[ctx.params.region.submission_period]
        out.append(t(message, ctx.lang, countries=names(ctx, who), n=fmt_number(missing, ctx.lang, 0)))
    return out


def report_meta(ctx: Context, counts: pl.DataFrame) -> Block:
    """The regional counterpart of the header's "last progress report" line."""
    dates = counts.filter(pl.col("last_report").is_not_null())
    if dates.is_empty():
        text = t("No progress report received by {date}.", ctx.lang, date=fmt_date(ctx.as_of, ctx.lang, "long"))
    else:
        latest = dates["last_report"].max()
        who = dates.filter(pl.col("last_report") == latest)["country"].to_list()
        if len(who) == counts.height:
            text = t("Latest progress report received: {date}, from every member.", ctx.lang, date=fmt_date(latest, ctx.lang, "long"))
        else:
            text = t("Latest progress report received: {date} ({countries}).", ctx.lang, date=fmt_date(latest, ctx.lang, "long"), countries=names(ctx, who))
        silent = counts.filter(pl.col("last_report").is_null())["country"].to_list()
        if silent:
            text += " " + t("No report ever received from {countries}.", ctx.lang, countries=names(ctx, silent))
    return Block(f'<p class="tf-meta">{esc(text)}</p>')


# ---------------------------------------------------------------------------------------------
# Narrative


def summary_sentences(ctx: Context, status: pl.DataFrame, fund: pl.DataFrame, lpi: pl.DataFrame) -> list[str]:
    """The page's opening paragraph, built from the data."""
    out = []
    scored = fund.filter(pl.col("score").is_not_null())
    if scored.height:
        best = scored["score"].max()
        leaders = scored.filter(pl.col("score").round(scores.TIE_DECIMALS) == round(best, scores.TIE_DECIMALS))["country"].to_list()
        out.append(
            tn(
                "Highest implementation score: {countries} ({score} of the maximum points), the only party with a score.",
                "Highest implementation score: {countries} ({score} of the maximum points); the median of the {n} parties is {median}.",
                scored.height, ctx.lang, countries=names(ctx, leaders), score=fmt_percent(best, ctx.lang), n=scored.height,
                median=fmt_percent(scored["score"].median(), ctx.lang),
            )
        )
    else:
        out.append(t("No party has an implementation score yet.", ctx.lang))
    parties = status.filter(pl.col("party") & (pl.col("status").fill_null("") != "not_applicable"))
    if parties.height:
        full = parties.filter(pl.col("status") == "full")
        baseline = full.filter(pl.col("source") == "baseline").height
        out.append(
            t(
                "Region-wide, commitments of the parties fully implemented: {full} of {n} ({share}), {baseline} of them before the strategy.",
                ctx.lang, full=full.height, n=parties.height, share=fmt_percent(full.height / parties.height, ctx.lang), baseline=baseline,
            )
        )
        unreported = parties.filter(pl.col("status").is_null()).height
        if unreported:
            out.append(tn("{n} commitment has no progress reported (no data: not counted as implemented).", "{n} commitments have no progress reported (no data: not counted as implemented).", unreported, ctx.lang, n=unreported))
    others = non_parties(ctx)
    if others:
        out.append(t("Tracked and compared but not scored (not bound by the strategy): {countries}.", ctx.lang, countries=names(ctx, others)))
    own = lpi.filter(pl.col("iso3").is_in(members(ctx)))
    covered = own.filter(pl.col("lpi_score").is_not_null())
    if covered.height:
        top = covered["lpi_score"].max()
        best = covered.filter(pl.col("lpi_score") == top)["iso3"].to_list()
        out.append(
            t(
                "Highest score among the members on the World Bank's LPI {year} (real data): {countries} ({score} of 5).",
                ctx.lang, year=LPI_YEAR, countries=names(ctx, best), score=fmt_number(top, ctx.lang, 1),
            )
        )
    uncovered = own.filter(pl.col("lpi_score").is_null())["iso3"].to_list()
    if uncovered:
        out.append(t("{countries}: no LPI {year} score (no data).", ctx.lang, countries=names(ctx, uncovered), year=LPI_YEAR))
    return out


def page_illustrative(status: pl.DataFrame) -> bool:
    return bool(status["illustrative"].fill_null(False).any())

