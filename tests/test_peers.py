"""One median definition: a member is compared with the median of the *other* members (or
parties) with a value, and every chart that draws that median says so in its subtitle."""

from __future__ import annotations

import statistics

import polars as pl
import pytest

# These tests read the default project: make it a temporary one with the shipped data ingested.
pytestmark = pytest.mark.usefixtures("default_project_is_shipped")

import tflib
from tflib import page, periods, scores
from tflib.analysis import logistics, peers, progress


def test_the_progress_median_is_the_other_parties_scores():
    ctx = page.context("progress", "sica", "GTM", "en")
    history = progress.score_history(ctx)
    params = ctx.params
    # From the source: the store's items and progress, scored month by month.
    items = tflib.action_items("sica")
    updates = tflib.progress("sica", history=True)
    ends = periods.month_ends(params.region.illustrative.start, params.as_of)
    series = scores.score_series(params, items, updates, ends)
    for row in history.iter_rows(named=True):
        others = series.filter((pl.col("date") == row["date"]) & (pl.col("country") != "GTM"))["score"].drop_nulls().to_list()
        assert row["median_others"] == pytest.approx(statistics.median(others)), row["date"]
        assert row["parties_reporting"] == len(others) == len(params.region.parties) - 1
    spec = progress.score_chart(ctx, history).spec
    assert peers.note(ctx, parties=True) in " ".join(spec["title"]["subtitle"])  # the subtitle is wrapped into short lines
    assert "Median of the other parties" in str(spec["datasets"])


def test_the_logistics_median_leaves_the_member_out():
    ctx = page.context("logistics", "sica", "CRI", "en")
    frame = logistics.indicator_frame(ctx)
    series = logistics.indicator_series(ctx, frame, "clearance_time")
    source = tflib.indicators("sica", indicator="clearance_time").filter(pl.col("period_end") <= ctx.as_of)
    hidden = {c for c, cp in ctx.params.countries.items() if "clearance_time" in cp.confidential}
    checked = 0
    for row in series["median"].iter_rows(named=True):
        others = source.filter(
            (pl.col("country") != "CRI") & ~pl.col("country").is_in(list(hidden)) & (pl.col("statistic") == row["statistic"]) & (pl.col("period") == row["period"])
        )["value"].drop_nulls().to_list()
        assert row["median"] == pytest.approx(statistics.median(others)) and row["reporting"] == len(others)
        checked += 1
    assert checked > 10
    fig = logistics.indicator_chart(ctx, frame, "clearance_time")
    assert peers.note(ctx) in " ".join(fig.spec["title"]["subtitle"])


def test_every_sentence_and_chart_with_a_median_names_whose():
    """The wording of the pages: no bare 'members' median' left."""
    ctx = page.context("logistics", "sica", "GTM", "en")
    ind, lpi, db = logistics.indicator_frame(ctx), logistics.lpi_frame(ctx), logistics.db_frame(ctx)
    with_median = [s for s in logistics.summary_sentences(ctx, ind, lpi, db) if "median" in s.replace("(median)", "")]
    assert len(with_median) >= 3  # LPI, DB border time, DB score
    assert all("the other members" in s for s in with_median), with_median
