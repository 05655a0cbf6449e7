"""Status of every action item and the early warnings a secretariat acts on.

Per item: latest status and % complete as of a date, the pace of progress since work began,
and the completion date that pace projects. Warnings:

- ``overdue``: due date passed, not fully implemented;
- ``at_risk``: not yet due, but the projected completion falls after the due date (an item
  whose planned start has passed with no progress needs at least its planned duration);
- ``stalled``: work should be under way but nothing was reported for ``stall_days``;
- ``missing_submission``: a reporting period with no progress report from a member;
- ``regression``: an indicator worse (by its polarity) than the previous period beyond the
  region's tolerance (an indicator that improved is never a regression);
- ``target_missed``: the date of a national target has passed and the latest value does not
  meet it.

All functions are pure functions of frames; ``*_for_region`` wrappers read the store.
"""

from __future__ import annotations

import bisect
import datetime as dt
from pathlib import Path

import polars as pl

from . import periods, units
from .i18n import N_, fmt_date, fmt_number, t, tn
from .params import DIRECTION_LABELS, STATISTIC_LABELS, RegionParams, load_region
from .paths import Project

ProjectLike = Project | str | Path | None

KINDS = ("overdue", "at_risk", "stalled", "missing_submission", "regression", "target_missed")
KIND_LABELS = {
    "overdue": N_("Overdue"),
    "at_risk": N_("At risk"),
    "stalled": N_("Stalled"),
    "missing_submission": N_("Missing submission"),
    "regression": N_("Indicator regression"),
    "target_missed": N_("National target missed"),
}
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
# Overdue or slipping by more than this many days is serious.
SERIOUS_DAYS = 90

WARNING_SCHEMA = {
    "country": pl.String,
    "kind": pl.String,
    "severity": pl.String,
    "item_id": pl.String,
    "measure_id": pl.String,
    "agency_name": pl.String,
    "indicator_id": pl.String,
    "statistic": pl.String,
    "crossing_id": pl.String,
    "direction": pl.String,
    "period": pl.String,
    "basis": pl.String,
    "due": pl.Date,
    "projected": pl.Date,
    "last_reported": pl.Date,
    "days": pl.Int64,
    "value": pl.Float64,
    "reference": pl.Float64,
    "illustrative": pl.Boolean,
}


def item_status(items: pl.DataFrame, updates: pl.DataFrame, as_of: dt.date, stall_days: int) -> pl.DataFrame:
    """One row per action item: status and % complete as of `as_of`, pace, projection, flags.

    `items` as from tracker.action_items; `updates` as from tracker.progress(history=True).
    """
    hist = updates.filter(pl.col("reported_on") <= as_of).sort("item_id", "reported_on", "update_id")
    latest = hist.group_by("item_id", maintain_order=True).last().select(
        "item_id",
        pl.col("reported_on").alias("last_reported"),
        "status",
        "pct_complete",
        "illustrative",
    )
    # Work began after the last report at 0 % (or at the planned start if none was at 0 %).
    began = hist.filter(pl.col("pct_complete") <= 0).group_by("item_id", maintain_order=True).agg(pl.col("reported_on").max().alias("zero_on"))
    done_on = hist.filter(pl.col("status") == "full").group_by("item_id", maintain_order=True).agg(pl.col("reported_on").min().alias("completed_on"))
    counts = hist.group_by("item_id", maintain_order=True).len("n_updates")
    df = (
        items.select("item_id", "country", "measure_id", "step_id", "agency_name", "start", "due")
        .join(latest, on="item_id", how="left")
        .join(began, on="item_id", how="left")
        .join(done_on, on="item_id", how="left")
        .join(counts, on="item_id", how="left")
        .with_columns(pl.col("n_updates").fill_null(0), pl.col("illustrative").fill_null(False))
    )
    as_of_lit = pl.lit(as_of)
    done = pl.col("status").is_in(["full", "not_applicable"])
    since = pl.coalesce(pl.col("zero_on"), pl.col("start"))
    elapsed = (pl.col("last_reported") - since).dt.total_days()
    pace = pl.when((pl.col("pct_complete") > 0) & (elapsed > 0)).then(pl.col("pct_complete") / elapsed)
    planned_days = (pl.col("due") - pl.col("start")).dt.total_days()
    no_progress = pl.col("pct_complete").fill_null(0) <= 0
    df = df.with_columns(pace_per_day=pace).with_columns(
        projected=pl.when(pl.col("status") == "full")
        .then(pl.col("completed_on"))
        .when(pl.col("pace_per_day").is_not_null())
        .then(
            pl.col("last_reported")
            + pl.duration(days=((100 - pl.col("pct_complete")) / pl.col("pace_per_day")).ceil().cast(pl.Int64))
        )
        .when(no_progress & (pl.col("start") <= as_of_lit))
        .then(as_of_lit + pl.duration(days=planned_days))
    )
    quiet_since = pl.coalesce(pl.col("last_reported"), pl.col("start"))
    df = df.with_columns(
        overdue=(pl.col("due") < as_of_lit) & ~done.fill_null(False),
        days_overdue=pl.when(pl.col("due") < as_of_lit).then((as_of_lit - pl.col("due")).dt.total_days()),
        stalled=~done.fill_null(False)
        & (pl.col("start") <= as_of_lit)
        & ((as_of_lit - quiet_since).dt.total_days() > stall_days),
        days_quiet=(as_of_lit - quiet_since).dt.total_days(),
    ).with_columns(
        at_risk=~pl.col("overdue")
        & ~done.fill_null(False)
        & pl.col("projected").is_not_null()
        & (pl.col("projected") > pl.col("due")),
        slip_days=(pl.col("projected") - pl.col("due")).dt.total_days(),
    )
    return df.drop("zero_on").sort("country", "item_id")


def missing_submissions(params: RegionParams, items: pl.DataFrame, updates: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Member x period with no progress report, for periods in which some item was under way."""
    rows = []
    hist = updates.filter(pl.col("reported_on") <= as_of)
    # Each member's first planned start and the days it reported on (once each, in order).
    starts = dict(items.group_by("country").agg(pl.col("start").min()).iter_rows())
    reported = {c: sorted(days) for c, days in hist.group_by("country").agg(pl.col("reported_on").unique()).iter_rows()}
    for iso3, country in params.countries.items():
        if iso3 not in starts:
            continue
        days = reported.get(iso3, [])
        for period in periods.complete_between(params.region.submission_period, max(country.start, starts[iso3]), as_of):
            first, last = periods.bounds(period)
            at = bisect.bisect_left(days, first)
            if not (at < len(days) and days[at] <= last):
                rows.append({"country": iso3, "period": period, "due": last})
    return pl.DataFrame(rows, schema={"country": pl.String, "period": pl.String, "due": pl.Date})


def indicator_warnings(params: RegionParams, observations: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Per series (country x indicator x statistic x crossing x direction), as of `as_of`:
    `regression` when the latest value is worse than the previous period's beyond the region's
    tolerance, `target_missed` when the national target's date has passed and the latest
    value does not meet it. A target not yet due raises nothing."""
    tol = params.region.regression_tolerance
    obs = observations.filter((pl.col("period_end") <= as_of) & pl.col("value").is_not_null())
    keys = ["country", "indicator_id", "statistic", "crossing_id", "direction"]
    rows = []
    for key, series in obs.sort("period_start").group_by(keys, maintain_order=True):
        country, indicator_id, statistic, crossing, direction = key
        ind = params.indicators.get(indicator_id)
        lower_better = ind.polarity == "lower_better"
        values = series.select("period", "value", "illustrative").rows()
        period, value, illus = values[-1]
        base = dict(country=country, indicator_id=indicator_id, statistic=statistic, crossing_id=crossing, direction=direction, period=period, value=value, illustrative=illus)
        if len(values) >= 2:
            prev = values[-2][1]
            change = (value - prev) / abs(prev) if prev else 0.0
            worse = change > tol if lower_better else change < -tol
            if worse:
                rows.append({**base, "kind": "regression", "basis": "previous_period", "reference": prev, "severity": "medium" if abs(change) > 3 * tol else "low", "due": None})
        target = params.countries[country].targets.get(indicator_id)
        if target is not None and (target.statistic is None or target.statistic == statistic) and as_of >= target.by:
            missed = value > target.value if lower_better else value < target.value
            if missed:
                rows.append({**base, "kind": "target_missed", "basis": "target", "reference": target.value, "severity": "high", "due": target.by})
    schema = {k: WARNING_SCHEMA[k] for k in ("country", "kind", "indicator_id", "statistic", "crossing_id", "direction", "period", "value", "illustrative", "basis", "reference", "severity", "due")}
    return pl.DataFrame(rows, schema=schema)


def early_warnings(
    params: RegionParams,
    items: pl.DataFrame,
    updates: pl.DataFrame,
    observations: pl.DataFrame,
    as_of: dt.date | None = None,
    country: str | None = None,
) -> pl.DataFrame:
    """Every warning as of `as_of`, most severe first (schema: WARNING_SCHEMA)."""
    as_of = as_of or params.as_of
    if country:
        country = country.upper()
        items = items.filter(pl.col("country") == country)
        updates = updates.filter(pl.col("country") == country)
        observations = observations.filter(pl.col("country") == country)
    st = item_status(items, updates, as_of, params.region.stall_days)
    frames = []
    common = ["country", "item_id", "measure_id", "agency_name", "due", "projected", "last_reported", "illustrative"]
    frames.append(
        st.filter("overdue").select(
            *common,
            kind=pl.lit("overdue"),
            severity=pl.when(pl.col("days_overdue") > SERIOUS_DAYS).then(pl.lit("high")).otherwise(pl.lit("medium")),
            days=pl.col("days_overdue"),
        )
    )
    frames.append(
        st.filter("at_risk").select(
            *common,
            kind=pl.lit("at_risk"),
            severity=pl.when(pl.col("slip_days") > SERIOUS_DAYS).then(pl.lit("medium")).otherwise(pl.lit("low")),
            days=pl.col("slip_days"),
        )
    )
    frames.append(
        st.filter("stalled").select(*common, kind=pl.lit("stalled"), severity=pl.lit("medium"), days=pl.col("days_quiet"))
    )
    missing = missing_submissions(params, items, updates, as_of)
    frames.append(missing.with_columns(kind=pl.lit("missing_submission"), severity=pl.lit("low"), days=(pl.lit(as_of) - pl.col("due")).dt.total_days()))
    frames.append(indicator_warnings(params, observations, as_of))
    out = pl.concat([f.with_columns(pl.col(c).cast(WARNING_SCHEMA[c]) for c in f.columns if c in WARNING_SCHEMA) for f in frames], how="diagonal_relaxed")
    for col, dtype in WARNING_SCHEMA.items():
        if col not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=dtype).alias(col))
    out = out.select(list(WARNING_SCHEMA)).with_columns(pl.col("illustrative").fill_null(False))
    return out.sort(
        pl.col("severity").replace_strict(SEVERITY_ORDER, return_dtype=pl.Int8),
        "country",
        pl.col("kind").replace_strict({k: i for i, k in enumerate(KINDS)}, return_dtype=pl.Int8),
        "item_id",
        "indicator_id",
        "period",
        nulls_last=True,
    )


def warning_message(row: dict, lang: str, params: RegionParams) -> str:
    """One warning as a sentence in `lang`."""
    n = lambda v: fmt_number(v, lang, digits=0)  # noqa: E731
    kind = row["kind"]
    if kind == "overdue":
        return tn("{item} ({agency}) was due on {due} and is {days} day overdue.", "{item} ({agency}) was due on {due} and is {days} days overdue.", row["days"], lang, item=row["item_id"], agency=row["agency_name"] or "-", due=fmt_date(row["due"], lang), days=n(row["days"]))
    if kind == "at_risk":
        return tn("{item} ({agency}) is projected to finish on {projected}, {days} day after its due date of {due}.", "{item} ({agency}) is projected to finish on {projected}, {days} days after its due date of {due}.", row["days"], lang, item=row["item_id"], agency=row["agency_name"] or "-", projected=fmt_date(row["projected"], lang), days=n(row["days"]), due=fmt_date(row["due"], lang))
    if kind == "stalled":
        if row["last_reported"] is None:
            return t("{item} ({agency}) should be under way but has never been reported on.", lang, item=row["item_id"], agency=row["agency_name"] or "-")
        return tn("{item} ({agency}) has had no progress report for {days} day (last on {last}).", "{item} ({agency}) has had no progress report for {days} days (last on {last}).", row["days"], lang, item=row["item_id"], agency=row["agency_name"] or "-", days=n(row["days"]), last=fmt_date(row["last_reported"], lang))
    if kind == "missing_submission":
        return t("No progress report was received for {period}.", lang, period=periods.label(row["period"], lang))
    ind = params.indicators.get(row["indicator_id"])
    name = params.text(ind.name, lang)
    if row["statistic"]:
        name = f"{name} ({t(STATISTIC_LABELS[row['statistic']], lang)})"
    if row["crossing_id"]:
        crossing = next((c.name for c in params.region.border_crossings if c.id == row["crossing_id"]), row["crossing_id"])
        name = f"{name}, {crossing} ({t(DIRECTION_LABELS[row['direction']], lang)})"
    digits = 0 if float(row["value"]).is_integer() and float(row["reference"]).is_integer() else 1
    value, reference, period = units.amount(row["value"], ind.unit, lang, digits), units.amount(row["reference"], ind.unit, lang, digits), periods.label(row["period"], lang)
    if kind == "target_missed":
        return t("{indicator} was {value} in {period}: the national target of {target} set for {by} was missed.", lang, indicator=name, value=value, period=period, target=reference, by=fmt_date(row["due"], lang))
    return t("{indicator} worsened to {value} in {period}, from {previous} the period before.", lang, indicator=name, value=value, period=period, previous=reference)


def kind_label(kind: str, lang: str) -> str:
    return t(KIND_LABELS[kind], lang)


def warnings_for_region(
    region: str | RegionParams | None = None,
    country: str | None = None,
    as_of: dt.date | None = None,
    project: ProjectLike = None,
) -> pl.DataFrame:
    """Early warnings read from the region's store."""
    from . import tracker

    params = region if isinstance(region, RegionParams) else load_region(region, project)
    items = tracker.action_items(params, project=project)
    updates = tracker.progress(params, history=True, as_of=as_of or params.as_of, project=project)
    obs = tracker.indicators(params, project=project)
    return early_warnings(params, items, updates, obs, as_of=as_of, country=country)
