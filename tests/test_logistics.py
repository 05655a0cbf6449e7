"""The logistics page: missing is missing, confidential stays off, every value drawn is checked."""

from __future__ import annotations

import polars as pl
import pytest

# These tests read the default project: make it a temporary one with the shipped data ingested.
pytestmark = pytest.mark.usefixtures("default_project_is_shipped")

from chartcheck import chart_rows, check_chart
from tflib import page
from tflib.analysis import logistics


@pytest.fixture(scope="module")
def frames():
    out = {}
    for iso3 in ("CRI", "GTM", "NIC", "BLZ"):
        ctx = page.context("logistics", "sica", iso3, "en")
        out[iso3] = (ctx, logistics.indicator_frame(ctx), logistics.lpi_frame(ctx), logistics.db_frame(ctx))
    return out


def _charts(ctx, ind, lpi, db):
    found = [logistics.indicator_chart(ctx, ind, i) for i in logistics.tracker_indicators(ctx)]
    found += [logistics.lpi_trend_chart(ctx, lpi), logistics.lpi_latest_chart(ctx, lpi), logistics.lpi_components_chart(ctx, lpi)]
    found += [logistics.db_score_chart(ctx, db), logistics.db_compare_chart(ctx, db, "hours"), logistics.db_compare_chart(ctx, db, "usd"), logistics.db_trend_chart(ctx, db)]
    return [c.to_dict() for c in found if c is not None]


@pytest.mark.parametrize("iso3", ["CRI", "GTM", "NIC", "BLZ"])
def test_every_chart_checks_against_its_loader(frames, iso3):
    specs = _charts(*frames[iso3])
    assert specs
    assert all(check_chart(s, "sica", None, None) > 0 for s in specs)


@pytest.mark.parametrize("iso3", ["GTM", "NIC"])
def test_confidential_inspection_rate_never_reaches_a_page(frames, iso3):
    ctx, ind, _lpi, _db = frames[iso3]
    assert logistics.indicator_chart(ctx, ind, "inspection_rate") is None
    assert "not published" in logistics.indicator_view(ctx, ind, "inspection_rate").html
    # Nor the other members' medians on any page.
    for _ctx, ind_other, _l, _d in frames.values():
        assert ind_other.filter((pl.col("indicator_id") == "inspection_rate") & (pl.col("country") == iso3)).is_empty()


def test_belize_has_no_lpi_and_says_so(frames):
    ctx, ind, lpi, db = frames["BLZ"]
    assert not logistics.has_lpi(ctx, lpi)
    assert logistics.lpi_trend_chart(ctx, lpi) is None and logistics.lpi_components_chart(ctx, lpi) is None
    latest = logistics.lpi_latest_chart(ctx, lpi).to_dict()
    rows = chart_rows(latest)
    assert not [r for r in rows if r.get("iso3") == "BLZ"]
    assert {"name": "Belize", "gap_label": "no data"} in rows
    assert "no LPI data" in " ".join(logistics.summary_sentences(ctx, ind, lpi, db))


def test_nicaragua_lpi_gaps_are_gaps(frames):
    ctx, _ind, lpi, _db = frames["NIC"]
    spec = logistics.lpi_trend_chart(ctx, lpi).to_dict()
    mine = [r for r in chart_rows(spec) if r.get("iso3") == "NIC"]
    assert sorted(r["year"] for r in mine) == [2010, 2014, 2016, 2023]
    # A new line segment after each missing wave: 2010 | 2014-2016 | 2023.
    assert len({r["_seg"] for r in mine}) == 3


def test_no_practice_is_a_label_not_zero(frames):
    ctx, _ind, _lpi, db = frames["CRI"]
    marked = db.with_columns(
        export_border_hours=pl.when(pl.col("iso3") == "CRI").then(None).otherwise(pl.col("export_border_hours")),
        export_border_hours_no_practice=pl.col("iso3") == "CRI",
    )
    spec = logistics.db_compare_chart(ctx, marked, "hours").to_dict()
    text = str(spec)
    assert "no practice" in text
    cri = [r for r in chart_rows(spec) if r.get("iso3") == "CRI"]
    assert cri and all(r["export_border_hours"] is None and r["export_border_hours_no_practice"] for r in cri)
    trend = logistics.db_trend_chart(ctx, marked).to_dict()
    assert "no practice (DB2016–DB2020)" in str(trend)
    assert "no practice" in logistics.summary_sentences(ctx, _ind, _lpi, marked)[-2]


def test_the_doing_business_score_is_shown_against_the_peers(frames):
    """The headline DB figure, trading across borders (0-100), as the World Bank publishes it."""
    ctx, ind, lpi, db = frames["CRI"]
    fig = logistics.db_score_chart(ctx, db)
    table = fig.tables[0]
    rows = {r["iso3"]: r for r in table.text_frame().to_dicts()}
    # Every member and comparator with a score, at the published precision (DB2020, El Salvador).
    assert set(rows) == set(ctx.params.region.member_codes) | set(ctx.params.region.comparators)
    assert (rows["SLV"]["db_score"], rows["SLV"]["db_rank"]) == ("89.76", "46")
    assert check_chart(fig.spec, "sica", None, None) == 2 * len(rows)
    sentence = logistics.summary_sentences(ctx, ind, lpi, db)[-1]
    assert "77.60 out of 100" in sentence and "other members" in sentence
