"""The SME and digital pages: gaps stay gaps, confidential stays off, every value drawn is
checked against its loader, illustrative measures are marked."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest

# These tests read the default project: make it a temporary one with the shipped data ingested.
pytestmark = pytest.mark.usefixtures("default_project_is_shipped")

from chartcheck import chart_rows, check_chart
from tflib import page, periods
from tflib.analysis import digital, dimension, sme
from tflib.inputs import Loader, RegionData

COUNTRIES = ["CRI", "GTM", "PAN", "BLZ"]


@pytest.fixture(scope="module")
def pages():
    """Per member: (SME page context, its data, digital page context, its data)."""
    out = {}
    for iso3 in COUNTRIES:
        sctx, dctx = page.context("sme", "sica", iso3, "en"), page.context("digital", "sica", iso3, "en")
        out[iso3] = (sctx, sme.load(sctx), dctx, digital.load(dctx))
    return out


def _specs(sctx, s, dctx, d):
    views = [sme.uptake_view(sctx, s), sme.cost_view(sctx, s), sme.doing_business_view(sctx), sme.growth_view(sctx, s),
             sme.steps_view(sctx, s), sme.uptake_compare_view(sctx, s)]
    views += [sme.other_view(sctx, s, i) for i in s.others]
    views += [digital.indicator_view(dctx, d, i) for i in d.series]
    views += [digital.readiness_view(dctx, d), digital.steps_view(dctx, d)]
    return [v.spec for v in views if isinstance(v, page.Figure)]


def _with_confidential(ctx, **hidden):
    """The page context of a region whose members keep more indicators confidential: its
    tables are computed again, so the values are gone from them, as in a build."""
    countries = dict(ctx.params.countries)
    for iso3, ids in hidden.items():
        countries[iso3] = countries[iso3].model_copy(update={"confidential": list(countries[iso3].confidential) + ids})
    params = ctx.params.model_copy(update={"countries": countries})
    return dataclasses.replace(ctx, params=params, loader=Loader(ctx.address, data=RegionData(params, ctx.project)))


def test_periods():
    assert periods.complete_between("quarter", dt.date(2024, 6, 1), dt.date(2026, 9, 30))[::9] == ["2024-Q2", "2026-Q3"]
    assert periods.complete_between("year", dt.date(2024, 6, 1), dt.date(2026, 9, 30)) == ["2024", "2025"]
    assert len(periods.complete_between("month", dt.date(2024, 6, 1), dt.date(2026, 9, 30))) == 28
    assert periods.bounds("2024-Q4") == (dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    assert periods.label("2026-Q3", "en") == "Q3 2026"


@pytest.mark.parametrize("iso3", COUNTRIES)
def test_every_chart_checks_against_its_loader(pages, iso3):
    specs = _specs(*pages[iso3])
    assert len(specs) == 13
    assert all(check_chart(s, "sica", None, None) > 0 for s in specs)


def test_missing_periods_are_gaps_not_zeros(pages):
    ctx, s, _dctx, _d = pages["CRI"]
    # Costa Rica did not report SME uptake for 2025-Q2.
    assert "2025-Q2" in s.uptake.missing["period"].to_list()
    assert "2025-Q2" not in s.uptake.frame["period"].to_list()
    spec = sme.uptake_view(ctx, s).spec
    rows = chart_rows(spec)
    assert not [r for r in rows if r.get("period") == "2025-Q2"]
    assert {"period_label": "Q2 2025", "series": s.uptake.names[None], "_no_data": "no data"} in rows
    # The gap starts a new line segment.
    assert len({r["_seg"] for r in rows if "_seg" in r}) == 2


def test_latest_period_members_without_data_say_so(pages):
    ctx, s, dctx, d = pages["BLZ"]
    # Belize reported no SME compliance cost for 2025, the latest year.
    lt = s.latest[s.roles["cost"]]
    assert lt.period == "2025" and lt.frame.filter(pl.col("country") == "BLZ")["value"][0] is None
    assert "Belize has no data on SME compliance cost per shipment for 2025" in " ".join(sme.comparison_sentences(ctx, s))
    table = sme.comparison_table(ctx, s).html
    assert "no data" in table
    cells, gaps, _cols = digital.readiness_frame(dctx, d)
    assert {"name": "Belize", "_no_data": "no data"}.items() <= gaps.filter(pl.col("name") == "Belize").row(0, named=True).items()
    assert cells.filter((pl.col("country") == "BLZ") & (pl.col("indicator_id") == "single_window_coverage")).is_empty()


def test_confidential_indicators_never_reach_the_pages(pages):
    hidden = dict(GTM=["fauca_coverage", "sme_simplified_uptake"], CRI=["ecoo_coverage"])
    sctx, ctx = _with_confidential(pages["GTM"][0], **hidden), _with_confidential(pages["GTM"][2], **hidden)
    d, s = digital.load(ctx), sme.load(sctx)
    assert d.series["fauca_coverage"].confidential and d.series["fauca_coverage"].frame.is_empty()
    assert "not published" in digital.indicator_view(ctx, d, "fauca_coverage").html
    assert digital.indicator_sentences(ctx, d, "fauca_coverage") == ["Guatemala does not publish Coverage of the single Central American declaration (FYDUCA/DUCA)."]
    # Nor in the comparisons of any member's page.
    rows = chart_rows(digital.readiness_view(ctx, d).spec)
    assert not [r for r in rows if (r.get("country"), r.get("indicator_id")) in {("GTM", "fauca_coverage"), ("CRI", "ecoo_coverage")} and "_no_data" not in r]
    assert {"name": "Costa Rica", "_no_data": "not published"}.items() <= [r for r in rows if r.get("name") == "Costa Rica" and "_no_data" in r][0].items()
    rows = chart_rows(sme.uptake_compare_view(sctx, s).spec)
    assert not [r for r in rows if r.get("country") == "GTM"]
    assert sme.comparison_frame(sctx, s).filter(pl.col("country") == "GTM")[s.roles["uptake"]][0] is None
    # Nor in the tables the page publishes.
    for fig in (digital.readiness_view(ctx, d), sme.uptake_compare_view(sctx, s)):
        for tab in fig.tables:
            assert not [r for r in tab.frame.to_dicts() if (r.get("country"), r.get("indicator_id")) in {("GTM", "fauca_coverage"), ("GTM", "sme_simplified_uptake"), ("CRI", "ecoo_coverage")} and r.get("value") is not None]


def test_illustrative_measures_are_marked(pages):
    sctx, s, ctx, d = pages["CRI"]
    table = digital.measures_table(ctx, d).html
    for code in ("SW", "ECOM"):
        name = ctx.text(ctx.params.strategy.measure(code).name)
        assert f"{name} (illustrative measure)" in table
    assert "(illustrative measure)" not in dimension.measure_name(ctx, ctx.params.strategy.measure("PDCC"))
    # Costa Rica's single window predates the strategy.
    assert "implemented before the strategy (baseline)" in table
    assert any("(illustrative measure)" in x for x in sme.measure_sentences(sctx, s))
    assert s.illustrative and d.illustrative


def test_targets_and_sentences_come_from_the_data(pages):
    _sctx, _s, ctx, d = pages["CRI"]
    sentences = digital.indicator_sentences(ctx, d, "fauca_coverage")
    last = d.series["fauca_coverage"].values().row(-1, named=True)
    assert f"{last['value']:.1f}%" in sentences[0]
    assert any("national target of 95%" in x for x in sentences)
    spec = digital.indicator_view(ctx, d, "fauca_coverage").spec
    assert {"target": 95.0}.items() <= [r for r in chart_rows(spec) if "target" in r][0].items()
