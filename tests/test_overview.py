"""The regional overview page: map values against the loaders, no data kept as no data, the
status heatmap against `measure_status`, the fund table against `scores.fund`."""

from __future__ import annotations

import polars as pl
import pytest

import chartcheck
import tflib
from tflib import fund as fund_mod
from tflib import monitor, page, scores
from tflib.status import label
from tflib.analysis import overview
from tflib.ingest import ingest

from projects import make_project


def test_lpi_map_has_belize_as_no_data_and_panama_with_its_2023_score():
    ctx = page.context("overview", "sica", None, "en")
    data = overview.lpi_map_data(ctx)
    by_country = dict(data.select("iso3", "lpi_score").iter_rows())
    # Belize is in no LPI wave: it is on the map, with no value (never 0).
    assert "BLZ" in by_country and by_country["BLZ"] is None
    real = tflib.lpi().filter((pl.col("iso3") == "PAN") & (pl.col("year") == 2023))["lpi_score"].item()
    assert by_country["PAN"] == real
    # Every member is in view, once.
    assert set(overview.members(ctx)) <= set(by_country) and data.height == len(by_country)


def test_lpi_map_draws_belize_grey_and_checks_every_value():
    ctx = page.context("overview", "sica", None, "en")
    spec = page.show(overview.lpi_map(ctx)).spec
    assert chartcheck.check_chart(spec, "sica", None, None) > 0
    rows = chartcheck.chart_rows(spec)
    base = {r["map_id"]: r for r in rows if "map_id" in r}
    assert base["BLZ"]["detail"].startswith("no data")
    assert not [r for r in rows if r.get("iso3") == "BLZ"], "Belize has no LPI value to draw"


def test_map_view_frames_the_members_and_their_neighbours():
    ctx = page.context("overview", "sica", None, "en")
    g = overview.geo(ctx)
    assert g.view[: len(overview.members(ctx))] == overview.members(ctx)
    assert {"MEX", "COL", "HTI"} <= set(g.view)
    # The Netherlands reach into the box only through Bonaire: left out.
    assert "NLD" not in g.view
    x0, y0, x1, y1 = g.box
    assert all(x0 <= lon <= x1 and y0 <= lat <= y1 for lon, lat in g.points.values())


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    proj = make_project(tmp_path_factory.mktemp("overview") / "proj", with_submissions=True)
    ingest([proj.submissions_dir / "sica"], "sica", proj)
    return proj


def test_heatmap_cells_are_the_measure_status(shipped):
    ctx = page.context("overview", "sica", None, "en", project=shipped)
    table = overview.status_table(ctx)
    expected = scores.measure_status(
        ctx.params, tflib.action_items("sica", project=shipped), tflib.progress("sica", history=True, project=shipped), ctx.as_of
    )
    got = dict(((r["country"], r["measure_id"]), r["status"]) for r in table.iter_rows(named=True))
    want = dict(((r["country"], r["measure_id"]), r["status"]) for r in expected.iter_rows(named=True))
    assert got == want and len(got) == len(overview.members(ctx)) * len(ctx.params.measures)
    spec = page.show(overview.status_heatmap(ctx, table)).spec
    drawn = {(r["country"], r["measure_id"]): r["status_label"] for r in chartcheck.chart_rows(spec) if "status_label" in r}
    labels = {s: label(s, "en") for s in tflib.STATUSES}
    assert drawn == {k: labels[v] if v else "no data" for k, v in want.items()}
    # Baseline cells are told apart from reported ones.
    base = table.filter(pl.col("source") == "baseline")
    assert base.height and set(base["source_label"]) == {"implemented before the strategy (baseline)"}


def test_fund_table_is_the_fund_and_ranking(shipped):
    ctx = page.context("overview", "sica", None, "en", project=shipped)
    table = overview.fund_table(ctx).frame
    fund = fund_mod.fund("sica", project=shipped)
    ranking = scores.ranking("sica", project=shipped)
    assert table["country"].to_list() == fund["country"].to_list()
    assert table["total_amount"].to_list() == [float(v) for v in fund["total"]]
    assert dict(table.select("country", "rank").iter_rows()) == dict(ranking.select("country", "rank").iter_rows())
    tied = ranking.filter(pl.col("tied"))["country"].to_list()
    assert all("(tied)" in r for r in table.filter(pl.col("country").is_in(tied))["rank_label"])
    assert not set(table["country"]) & set(overview.non_parties(ctx))


def test_score_map_checks_against_the_scores_loader(shipped):
    ctx = page.context("overview", "sica", None, "en", project=shipped)
    spec = page.show(overview.score_map(ctx)).spec
    assert chartcheck.check_chart(spec, "sica", shipped, None) == 2 * len(ctx.params.region.parties)


def test_warning_counts_leave_out_confidential_indicators(shipped):
    ctx = page.context("overview", "sica", None, "en", project=shipped)
    counts = overview.warning_counts(ctx)
    assert counts["country"].to_list() == overview.members(ctx)
    every = monitor.warnings_for_region("sica", as_of=ctx.as_of, project=shipped)
    hidden = every.filter(pl.col("country").is_in(["GTM", "NIC"]) & (pl.col("indicator_id") == "inspection_rate")).height
    assert counts["total"].sum() == every.height - hidden


# ---------------------------------------------------------------------------------------------
# The frame of an archipelago: every polygon of every member, or the region's own frame


def _polygon_boxes(iso3: str) -> list[tuple[float, float, float, float]]:
    """The lon/lat box of each polygon of `iso3` in the 50m TopoJSON, decoded here (feature
    found by its isoA3 property, delta-encoded arcs summed with numpy), not by tflib."""
    import json

    import numpy as np

    topo = json.loads(tflib.reference.topojson_path(resolution="50m").read_text(encoding="utf-8"))
    scale, translate = np.array(topo["transform"]["scale"]), np.array(topo["transform"]["translate"])
    arcs = [np.cumsum(np.array(a, dtype=float), axis=0) * scale + translate for a in topo["arcs"]]
    (feature,) = [f for f in topo["objects"]["countries"]["geometries"] if f["properties"].get("isoA3") == iso3]
    polygons = [feature["arcs"]] if feature["type"] == "Polygon" else feature["arcs"]
    boxes = []
    for polygon in polygons:
        pts = np.vstack([arcs[i if i >= 0 else ~i] for i in polygon[0]])
        boxes.append((pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()))
    return boxes


def _contains(box, inner) -> bool:
    return box[0] <= inner[0] and box[1] <= inner[1] and inner[2] <= box[2] and inner[3] <= box[3]


def test_the_frame_holds_every_island_of_an_archipelago_member(tmp_path):
    from asia import REGION, make_asia_project

    proj = make_asia_project(tmp_path / "proj")
    ctx = page.context("overview", REGION, None, "en", project=proj)
    g = overview.geo(ctx)
    for iso3 in ("PHL", "IDN", "MNG"):
        boxes = _polygon_boxes(iso3)
        assert len(boxes) > (1 if iso3 != "MNG" else 0)
        outside = [b for b in boxes if not _contains(g.box, b)]
        assert outside == [], (iso3, g.box, outside[:3])
    # Manila's island (Luzon, the north of the Philippines) and Jakarta's (Java) are in view.
    assert g.box[3] > 18.5 and g.box[1] < -8
    assert g.view[:3] == ["PHL", "IDN", "MNG"] and {"MYS", "CHN", "TLS"} <= set(g.view)
    x0, y0, x1, y1 = g.box
    assert all(x0 <= lon <= x1 and y0 <= lat <= y1 for lon, lat in g.points.values())
    assert g.rotation == 0.0


def test_the_region_frame_wins(tmp_path):
    from asia import REGION, make_asia_project

    frame = {"west": 116.0, "south": 4.0, "east": 127.5, "north": 21.5}
    proj = make_asia_project(tmp_path / "proj", region_map={"frame": frame})
    ctx = page.context("overview", REGION, None, "en", project=proj)
    g = overview.geo(ctx)
    assert g.box == (116.0, 4.0, 127.5, 21.5)
    # Members outside the frame stay on the map's list; their labels stay inside the frame.
    assert g.view[:3] == ["PHL", "IDN", "MNG"]
    assert all(116.0 <= lon <= 127.5 and 4.0 <= lat <= 21.5 for lon, lat in g.points.values())
    spec = page.show(overview.lpi_map(ctx, g)).spec
    fit = spec["projection"]["fit"]["geometry"]["coordinates"]
    assert fit == [[116.0, 4.0], [127.5, 21.5]]


def test_a_frame_across_the_antimeridian_goes_the_short_way():
    # Natural Earth splits Fiji at 180: one ring east of it, one west.
    rings = [[(177.0, -18.0), (180.0, -18.0), (180.0, -16.0)], [(-180.0, -17.0), (-178.0, -17.0), (-178.0, -16.0)]]
    assert overview.frame_box(rings) == (177.0, -18.0, 182.0, -16.0)
    g = overview.Geo(topology={}, view=[], box=(176.0, -19.0, 183.0, -15.0), points={})
    assert g.rotation == -179.5
    assert overview.frame_box([[(-90.0, 10.0), (-80.0, 20.0)]], 1.0) == (-91.0, 9.0, -79.0, 21.0)


def test_map_notes_come_from_the_region_params():
    for lang, start in (("es", "Guatemala mantiene un reclamo territorial"), ("en", "Guatemala maintains a territorial claim")):
        ctx = page.context("overview", "sica", None, lang)
        html = overview.claim_note(ctx).html
        assert html.count('class="tf-caveat"') == 1 and start in html, html
