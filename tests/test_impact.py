"""The impact estimate: its params file, its arithmetic and its "no data" rule."""

from __future__ import annotations

import polars as pl
import pytest
import yaml

import tflib
from tflib.analysis import impact
from tflib.params import ParamsError

from projects import make_project


def _obs(rows: list[tuple]) -> pl.DataFrame:
    """Observations of one country: (statistic, crossing_id, direction, period, value)."""
    out = []
    for stat, crossing, direction, period, value in rows:
        start, _ = tflib.periods.bounds(period)
        out.append({"statistic": stat, "crossing_id": crossing, "direction": direction, "period": period, "period_start": start, "value": value})
    schema = {"statistic": pl.String, "crossing_id": pl.String, "direction": pl.String, "period": pl.String, "period_start": pl.Date, "value": pl.Float64}
    return pl.DataFrame(out, schema=schema)


# ---------------------------------------------------------------------------------------------
# Params


def test_shipped_impact_params_load():
    params = tflib.region("sica")
    imp = impact.load_impact(params)
    assert imp.method.per_day_ad_valorem.low == 0.006
    assert imp.method.per_day_ad_valorem.high == 0.021
    assert "Hummels" in imp.method.citation and "2013" in imp.method.citation
    assert {c.indicator for c in imp.channels} == {"clearance_time", "border_crossing_time"}
    # Every trade flow named is a real SIECA aggregate.
    flows = set(tflib.sieca_trade()["indicator"])
    assert all(c.trade.flow in flows for c in imp.channels)


def _edit_impact(tmp_path, change) -> tuple:
    proj = make_project(tmp_path / "proj")
    path = proj.regions_dir / "sica" / "impact.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tflib.region("sica", proj), path


def test_unknown_key_is_an_error_naming_file_and_key(tmp_path):
    params, path = _edit_impact(tmp_path, lambda d: d["method"].update(discount_rate=0.05))
    with pytest.raises(ParamsError) as err:
        impact.load_impact(params)
    message = str(err.value)
    assert str(path) in message
    assert "method.discount_rate" in message and "unknown key" in message


def test_nested_unknown_key_and_bad_values_name_the_key(tmp_path):
    params, _ = _edit_impact(tmp_path, lambda d: d["channels"][1]["trade"].update(weight=2))
    with pytest.raises(ParamsError, match=r"impact\.yaml: channels\.1\.trade\.weight: unknown key"):
        impact.load_impact(params)
    params, _ = _edit_impact(tmp_path / "b", lambda d: d["method"]["per_day_ad_valorem"].update(low=0.03))
    with pytest.raises(ParamsError, match=r"method\.per_day_ad_valorem.*low must not exceed high"):
        impact.load_impact(params)
    params, _ = _edit_impact(tmp_path / "c", lambda d: d["channels"][0].update(indicator="no_such_indicator"))
    with pytest.raises(ParamsError, match=r"channels\.0\.indicator: unknown indicator 'no_such_indicator'"):
        impact.load_impact(params)


# ---------------------------------------------------------------------------------------------
# Arithmetic


def test_estimate_equals_a_hand_computation():
    # Clearance median 48 h -> 30 h -> 36 h: first to latest is 12 h = 0.5 day.
    obs = _obs([("median", None, None, "2025-Q1", 48.0), ("median", None, None, "2025-Q2", 30.0), ("median", None, None, "2025-Q3", 36.0),
                ("p90", None, None, "2025-Q1", 200.0), ("p90", None, None, "2025-Q3", 100.0)])
    saving = impact.days_saved(obs, "median", hours_per_day=24)
    assert saving is not None
    assert (saving.first_period, saving.latest_period) == ("2025-Q1", "2025-Q3")
    assert saving.hours_saved == pytest.approx(12.0)
    assert saving.days_saved == pytest.approx(0.5)
    low, high = impact.value_of_time(1_000_000, saving.days_saved, 0.006, 0.021)
    assert low == pytest.approx(1_000_000 * 0.5 * 0.006)  # USD 3,000
    assert high == pytest.approx(1_000_000 * 0.5 * 0.021)  # USD 10,500


def test_crossings_and_directions_are_averaged_unweighted():
    obs = _obs([
        ("median", "a", "exit", "2025-01", 10.0), ("median", "a", "exit", "2025-03", 4.0),   # 6 h saved
        ("median", "a", "entry", "2025-02", 8.0), ("median", "a", "entry", "2025-04", 8.0),  # 0 h
        ("median", "b", "exit", "2025-01", 20.0), ("median", "b", "exit", "2025-05", 5.0),   # 15 h
        ("median", "b", "entry", "2025-05", 9.0),                                               # one period: left out
    ])
    saving = impact.days_saved(obs, "median")
    assert saving.series == 3
    assert saving.hours_saved == pytest.approx((6 + 0 + 15) / 3)
    assert saving.days_saved == pytest.approx(7 / 24)
    assert (saving.first_period, saving.latest_period) == ("2025-01", "2025-05")


@pytest.mark.parametrize("days", [0.5, 0.0, -0.25, 3.0])
def test_range_low_never_exceeds_high(days):
    low, high = impact.value_of_time(2_500_000, days, 0.006, 0.021)
    assert low <= high
    if days < 0:  # time rose: a cost, still ordered
        assert high < 0 or (low == high == 0)


def test_no_estimate_with_fewer_than_two_periods():
    one = _obs([("median", None, None, "2026-Q3", 30.0), ("p90", None, None, "2026-Q2", 90.0), ("p90", None, None, "2026-Q3", 80.0)])
    assert impact.days_saved(one, "median") is None
    assert impact.days_saved(_obs([]), "median") is None
    # No estimate is no data, never 0.
    assert impact.value_of_time(1_000_000, None, 0.006, 0.021) is None


def test_page_rows_say_no_data_when_a_country_lacks_two_periods(monkeypatch):
    """The Dominican Republic has no land-border crossing in params: its crossing-time channel
    has no estimate (nulls, not zeros), while a channel with data gets an ordered range."""
    from tflib import page

    clearance = _obs([("median", None, None, "2025-Q1", 48.0), ("median", None, None, "2026-Q3", 24.0)])

    def fake(ctx, indicator, country):
        frame = clearance if indicator == "clearance_time" else _obs([])
        return frame.with_columns(country=pl.lit("DOM"), illustrative=pl.lit(True))

    monkeypatch.setattr(impact, "_observations", fake)
    ctx = page.context("impact", "sica", "DOM", "en")
    imp = impact.assumptions(ctx)
    inputs = impact.channel_inputs(ctx, imp)
    border = inputs.filter(pl.col("channel_id") == "border").row(0, named=True)
    assert border["days_saved"] is None and border["low"] is None and border["high"] is None
    row = inputs.filter(pl.col("channel_id") == "clearance").row(0, named=True)
    assert row["days_saved"] == pytest.approx(1.0)
    assert row["low"] == pytest.approx(imp.per_trade_value_usd * 0.006)
    assert row["high"] == pytest.approx(imp.per_trade_value_usd * 0.021)
