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
