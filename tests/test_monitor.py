"""Item status, early warnings and replanning, against values computed by hand."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import polars as pl
import pytest

from tflib.monitor import early_warnings, item_status, missing_submissions, warning_message
from tflib.params import load_region
from tflib.plan import replan

D = dt.date
AS_OF = D(2026, 9, 30)


def _items() -> pl.DataFrame:
    rows = [
        ("CRI-X-A", D(2026, 1, 1), D(2026, 6, 30), []),
        ("CRI-X-B", D(2026, 1, 1), D(2026, 12, 31), []),
        ("CRI-X-C", D(2026, 3, 1), D(2027, 3, 1), []),
        ("CRI-X-D", D(2026, 8, 1), D(2026, 12, 31), []),
        ("CRI-X-E", D(2026, 1, 1), D(2026, 6, 30), []),
        ("CRI-X-F", D(2026, 12, 31), D(2027, 6, 30), ["CRI-X-C"]),
    ]
    return pl.DataFrame(
        [
            {"item_id": i, "country": "CRI", "measure_id": "X", "step_id": i[-1], "agency_name": "Aduanas",
             "start": s, "due": d, "depends_on": deps, "deadline": D(2027, 12, 31), "feasible": True}
            for i, s, d, deps in rows
        ]
    )


def _updates() -> pl.DataFrame:
    rows = [
        ("CRI-X-A", D(2026, 3, 31), "partial", 50.0),
        ("CRI-X-B", D(2026, 1, 31), "not_started", 0.0),
        ("CRI-X-B", D(2026, 9, 30), "partial", 60.0),
        ("CRI-X-D", D(2026, 9, 30), "pilot", 10.0),
        ("CRI-X-E", D(2026, 5, 31), "full", 100.0),
        ("CRI-X-E", D(2026, 10, 31), "full", 100.0),  # after as_of: ignored
    ]
    return pl.DataFrame(
        [
            {"item_id": i, "country": "CRI", "reported_on": d, "status": s, "pct_complete": p, "update_id": n, "illustrative": False}
            for n, (i, d, s, p) in enumerate(rows)
        ]
    )


@pytest.fixture(scope="module")
def status() -> pl.DataFrame:
    return item_status(_items(), _updates(), AS_OF, stall_days=90)


def row(frame: pl.DataFrame, item: str) -> dict:
    return frame.filter(pl.col("item_id") == item).row(0, named=True)


def test_overdue_and_stalled(status):
    a = row(status, "CRI-X-A")
    assert a["overdue"] and a["days_overdue"] == 92
    assert a["stalled"] and a["days_quiet"] == 183
    assert not a["at_risk"]  # overdue items are overdue, not "at risk"


def test_projection_from_pace_since_work_began(status):
    b = row(status, "CRI-X-B")
    # 60 % in the 242 days since the last 0 % report (31 Jan): 40 % more takes ceil(161.3) days.
    assert b["pace_per_day"] == pytest.approx(60 / 242)
    assert b["projected"] == AS_OF + dt.timedelta(days=162)
    assert b["at_risk"] and b["slip_days"] == 70
    d = row(status, "CRI-X-D")
    # No 0 % report: pace counts from the planned start (1 Aug), 10 % in 60 days.
    assert d["projected"] == AS_OF + dt.timedelta(days=540)


def test_started_item_never_reported_is_stalled_and_at_risk(status):
    c = row(status, "CRI-X-C")
    assert c["status"] is None and c["pct_complete"] is None  # no data, not 0
    assert c["projected"] == AS_OF + dt.timedelta(days=365)  # needs its whole planned duration
    assert c["at_risk"] and c["stalled"] and c["days_quiet"] == 213


def test_finished_and_future_items_raise_nothing(status):
    e = row(status, "CRI-X-E")
    assert e["status"] == "full" and e["projected"] == D(2026, 5, 31)
    assert not (e["overdue"] or e["at_risk"] or e["stalled"])
    f = row(status, "CRI-X-F")
    assert not (f["overdue"] or f["at_risk"] or f["stalled"]) and f["projected"] is None


def test_missing_submissions_by_month():
    params = load_region("sica")
    missing = missing_submissions(params, _items(), _updates(), AS_OF)
    # Items began in January 2026; reports came in January, March, May and September.
    assert missing["period"].to_list() == ["2026-02", "2026-04", "2026-06", "2026-07", "2026-08"]


def _obs(country, indicator, statistic, rows, crossing=None, direction=None):
    return pl.DataFrame(
        [
            {"country": country, "indicator_id": indicator, "statistic": statistic, "crossing_id": crossing, "direction": direction,
             "period": p, "period_start": s, "period_end": e, "value": v, "illustrative": False}
            for p, s, e, v in rows
        ],
        schema={"country": pl.String, "indicator_id": pl.String, "statistic": pl.String, "crossing_id": pl.String, "direction": pl.String,
                "period": pl.String, "period_start": pl.Date, "period_end": pl.Date, "value": pl.Float64, "illustrative": pl.Boolean},
    )


Q1 = ("2026-Q1", D(2026, 1, 1), D(2026, 3, 31))
Q2 = ("2026-Q2", D(2026, 4, 1), D(2026, 6, 30))


def test_regression_is_worse_than_the_previous_period_only():
    params = load_region("sica")
    target = params.country("CRI").targets["clearance_time"]  # median, lower is better
    obs = _obs("CRI", "clearance_time", "median", [(*Q1, target.value * 1.5), (*Q2, target.value * 1.65)])  # 10 % worse
    found = early_warnings(params, _items().head(0), _updates().head(0), obs, as_of=AS_OF)
    regs = found.filter(pl.col("kind") == "regression")
    assert regs.height == 1
    prev = regs.row(0, named=True)
    assert prev["basis"] == "previous_period"
    assert prev["value"] == pytest.approx(target.value * 1.65) and prev["reference"] == pytest.approx(target.value * 1.5)
    assert prev["severity"] == "low"  # 10 % is beyond the 5 % tolerance but not three times it
    assert "indicator_regression" not in found["kind"].to_list()
    msg = warning_message(prev, "es", params)
    assert "empeoró" in msg


def test_an_improving_indicator_short_of_a_future_target_raises_nothing():
    """The review's case: GTM, Agua Caliente exit, 24.6 -> 15.5 h, target not met yet but not due."""
    params = load_region("sica")
    target = params.country("CRI").targets["clearance_time"]
    assert target.by > AS_OF
    obs = _obs("CRI", "clearance_time", "median", [(*Q1, target.value * 2), (*Q2, target.value * 1.5)])
    found = early_warnings(params, _items().head(0), _updates().head(0), obs, as_of=AS_OF)
    assert found.is_empty()


def test_target_missed_when_its_date_has_passed(tmp_path):
    """A target whose date has passed and is not met is `target_missed`, even when the
    indicator improved; an improvement is never a regression."""
    params = load_region("sica")
    target = params.country("CRI").targets["clearance_time"]
    obs = _obs("CRI", "clearance_time", "median", [(*Q1, target.value * 2), (*Q2, target.value * 1.5)])
    after = target.by + dt.timedelta(days=1)
    found = early_warnings(params, _items().head(0), _updates().head(0), obs, as_of=after)
    assert found["kind"].to_list() == ["target_missed"]
    row = found.row(0, named=True)
    assert row["reference"] == target.value and row["due"] == target.by and row["severity"] == "high"
    assert row["basis"] == "target"
    assert "national target" in warning_message(row, "en", params)
    met = _obs("CRI", "clearance_time", "median", [(*Q1, target.value * 2), (*Q2, target.value)])
    assert early_warnings(params, _items().head(0), _updates().head(0), met, as_of=after).is_empty()


def test_warnings_frame_is_sorted_by_severity_and_complete():
    params = load_region("sica")
    obs = pl.DataFrame(schema={"country": pl.String, "indicator_id": pl.String, "statistic": pl.String, "crossing_id": pl.String,
                               "direction": pl.String, "period": pl.String, "period_start": pl.Date, "period_end": pl.Date,
                               "value": pl.Float64, "illustrative": pl.Boolean})
    found = early_warnings(params, _items(), _updates(), obs, as_of=AS_OF)
    kinds = found.group_by("kind").len().sort("kind")
    assert dict(kinds.rows()) == {"at_risk": 3, "missing_submission": 5, "overdue": 1, "stalled": 2}
    order = {"high": 0, "medium": 1, "low": 2}
    ranks = [order[s] for s in found["severity"]]
    assert ranks == sorted(ranks)
    for r in found.iter_rows(named=True):
        for lang in ("es", "en"):
            assert warning_message(r, lang, params)


def test_replan_keeps_ids_and_moves_the_rest(status):
    items = _items()
    new, moves = replan(items, status, AS_OF)
    assert new["item_id"].to_list() == items["item_id"].to_list()
    by_id = {r["item_id"]: r for r in new.iter_rows(named=True)}
    assert by_id["CRI-X-E"]["due"] == D(2026, 5, 31)  # done: ends when it was reported full
    assert by_id["CRI-X-B"]["due"] == AS_OF + dt.timedelta(days=162)  # under way: its pace
    # Not started and started late: starts now, for its planned duration (365 days).
    assert by_id["CRI-X-C"]["start"] == AS_OF and by_id["CRI-X-C"]["due"] == AS_OF + dt.timedelta(days=365)
    # F depends on C: it starts when C now ends, keeping its planned duration.
    assert by_id["CRI-X-F"]["start"] == by_id["CRI-X-C"]["due"]
    assert (by_id["CRI-X-F"]["due"] - by_id["CRI-X-F"]["start"]).days == (D(2027, 6, 30) - D(2026, 12, 31)).days
    moved = dict(zip(moves["item_id"], moves["shift_days"]))
    assert moved["CRI-X-C"] == (AS_OF + dt.timedelta(days=365) - D(2027, 3, 1)).days
    assert moved["CRI-X-E"] == -30
    assert "CRI-X-A" in moved  # overdue: replanned to the pace-projected end


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from projects import make_project
    from tflib.ingest import ingest

    proj = make_project(tmp_path_factory.mktemp("mon") / "proj", with_submissions=True)
    ingest([proj.submissions_dir / "sica"], "sica", proj)
    return proj


def _cli(proj, *args):
    env = {**__import__("os").environ, "TFLIB_ROOT": str(proj.root), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "tflib", *args], capture_output=True, text=True, env=env, timeout=120)


def test_warnings_cli_json_for_every_party(built):
    res = _cli(built, "warnings", "--region", "sica", "--format", "json", "--lang", "en")
    assert res.returncode == 0, res.stderr
    found = json.loads(res.stdout)
    assert {w["kind"] for w in found} == {"overdue", "at_risk", "stalled", "missing_submission", "regression", "target_missed"}
    assert all(w["message"] for w in found)
    one = _cli(built, "warnings", "--region", "sica", "--country", "PAN", "--format", "json", "--as-of", "2025-12-31")
    assert one.returncode == 0, one.stderr
    pan = json.loads(one.stdout)
    assert pan and {w["country"] for w in pan} == {"PAN"}
    assert all(w["last_reported"] is None or w["last_reported"] <= "2025-12-31" for w in pan)


def test_replan_cli_records_revisions_and_keeps_ids(built, tmp_path):
    import tflib

    before = tflib.action_items("sica", project=built)
    res = _cli(built, "plan", "--region", "sica", "--replan", "--out", str(tmp_path / "plans"))
    assert res.returncode == 0, res.stderr
    assert "items moved" in res.stdout
    after = tflib.action_items("sica", project=built)
    assert after["item_id"].to_list() == before["item_id"].to_list()
    assert (after["planned_due"] == before["due"]).all()  # the original allocation is kept
    changed = after.filter(pl.col("due") != pl.col("planned_due"))
    assert changed.height > 0 and changed["replanned_as_of"].drop_nulls().len() == changed.height
    assert tflib.counts("sica", built)["schedule_revisions"] == changed.height


def test_scores_cli_json(built):
    res = _cli(built, "scores", "--region", "sica", "--format", "json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    params = load_region("sica", built)
    assert sorted(r["country"] for r in out["ranking"]) == sorted(params.region.parties)
    total = sum(float(r["total"]) for r in out["fund"])
    assert total == pytest.approx(params.region.incentive_fund.amount, abs=0.001)


def test_shipped_data_flags_no_improving_indicator(built):
    """No warning on the shipped data says an indicator regressed when it improved."""
    from tflib import monitor, tracker

    params = load_region("sica", built)
    found = monitor.warnings_for_region(params, project=built)
    obs = tracker.indicators(params, project=built)
    regs = found.filter(pl.col("kind") == "regression")
    assert regs.height > 0
    for r in regs.iter_rows(named=True):
        ind = params.indicators.get(r["indicator_id"])
        worse = r["value"] > r["reference"] if ind.polarity == "lower_better" else r["value"] < r["reference"]
        assert worse, r
    # GTM, Agua Caliente, exit: 24.6 -> 15.5 h in the review; an improvement, never a warning.
    agua = found.filter((pl.col("country") == "GTM") & (pl.col("crossing_id") == "agua-caliente") & (pl.col("direction") == "exit"))
    assert agua.is_empty(), agua
    series = obs.filter((pl.col("country") == "GTM") & (pl.col("crossing_id") == "agua-caliente") & (pl.col("direction") == "exit") & (pl.col("period_end") <= params.as_of))
    for _, one in series.group_by("statistic"):
        values = one.sort("period_start")["value"].to_list()
        assert values[-1] < values[-2]
    # Every target warning is for a target whose date has passed.
    assert all(r["due"] <= params.as_of for r in found.filter(pl.col("kind") == "target_missed").iter_rows(named=True))
