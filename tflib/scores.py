"""Implementation scores, implementation rates, ranking and the incentive fund.

Everything here is a plain function on polars frames, so notebooks and tests call it directly:

- `measure_status`: one row per member x measure with its status on the scale of
  `tflib.status` as of a date, from the action items and the progress history;
- `implementation_scores`: UN Global Survey style scores (points / maximum points) per party,
  overall, per pillar and per dimension;
- `implementation_rates`: WTO TFA style implementation rate and on-time rate per party;
- `rank`: parties ranked by overall score, ties shared;
- `score_series`: overall score and implementation rate per party over several dates.

`scores` and `ranking` are thin wrappers that read the region's store. The incentive fund,
which shares money by these scores, is `tflib.fund`.

Only parties are scored: non-parties are tracked (`measure_status` covers every member) but
neither scored, ranked nor paid. A measure with no progress reported is shown as no data: it
earns no points but still counts 3 in the maximum, so missing reports never raise a score.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from .params import RegionParams, load_region
from .paths import Project
from .status import MAX_POINTS, POINTS, STATUSES

ProjectLike = Project | str | Path | None

# Duration-weighted percent complete from which a measure counts as partial (below: pilot if
# anything is done, not started if nothing is).
PARTIAL_FROM = 35.0
FULL_AT = 100.0
# Scores are compared at this many decimals, so float noise can neither break a tie nor
# push a party under the fund's minimum score.
TIE_DECIMALS = 6
_EPS = 1e-9

GROUP_TYPES: tuple[str, ...] = ("overall", "pillar", "dimension")
SOURCES: tuple[str, ...] = ("baseline", "reported", "no_data")
OVERALL = "all"

STATUS_SCHEMA: dict[str, pl.DataType] = {
    "country": pl.String,
    "measure_id": pl.String,
    "pillar_id": pl.String,
    "dimension": pl.String,
    "deadline": pl.Date,
    "status": pl.String,
    "completion": pl.Float64,
    "source": pl.String,
    "points": pl.Int64,
    "max_points": pl.Int64,
    "implemented_on": pl.Date,
    "illustrative": pl.Boolean,
}

_ITEM_COLUMNS = ("item_id", "country", "measure_id", "step_id", "start", "due")
_UPDATE_SCHEMA: dict[str, pl.DataType] = {
    "item_id": pl.String,
    "reported_on": pl.Date,
    "status": pl.String,
    "pct_complete": pl.Float64,
    "update_id": pl.Int64,
    "illustrative": pl.Boolean,
}


# ---------------------------------------------------------------------------------------------
# Measure status


def measure_status(
    params: RegionParams,
    items: pl.DataFrame,
    updates: pl.DataFrame,
    as_of: dt.date | str,
) -> pl.DataFrame:
    """Status of every member x measure of the strategy as of `as_of`.

    `items` are action items (`tflib.tracker.action_items`), `updates` the progress history
    (`tflib.tracker.progress(..., history=True)`); only updates reported on or before `as_of`
    count, and per item the latest (by `reported_on`, then `update_id`) wins.

    - A measure in the country's baseline is full (source "baseline", 3 points).
    - Otherwise its completion is the mean of its steps' percent complete weighted by each
      step's planned duration (`due - start`, or `planned_due - planned_start` where the items
      carry the original plan beside a replan); a step never reported counts as 0, a step whose
      latest status is not applicable is left out. All steps not applicable: the measure is
      not applicable (left out of the maximum: `max_points` 0).
    - No step reported at all: status and completion null, source "no_data", 0 of 3 points.
    - Else status from completion: 100 and every counted step full -> full; >= 35 -> partial;
      > 0 -> pilot; 0 -> not started.

    `implemented_on` is the earliest date on which the measure's status, computed from each
    step's latest update as of that date, was full (null for baseline measures, implemented
    before the strategy, and for measures not full as of `as_of`).

    Columns: country, measure_id, pillar_id, dimension, deadline, status, completion, source,
    points, max_points, implemented_on, illustrative.
    """
    as_of = _to_date(as_of)
    grid = _member_measures(params)
    steps = _steps(items)
    ups = _updates(updates, as_of)
    states = _states_by_date(steps, ups, as_of)

    current = states.filter(pl.col("on") == as_of).select(
        "country", "measure_id", "status", "completion", pl.col("illustrative").alias("reported_illustrative")
    )
    implemented = (
        states.filter(pl.col("status") == "full")
        .group_by("country", "measure_id", maintain_order=True)
        .agg(pl.col("on").min().alias("first_full"))
    )
    df = grid.join(current, on=["country", "measure_id"], how="left").join(
        implemented, on=["country", "measure_id"], how="left"
    )
    baseline = pl.col("baseline")
    status = pl.when(baseline).then(pl.lit("full")).otherwise(pl.col("status"))
    df = df.with_columns(
        status=status,
        completion=pl.when(baseline).then(pl.lit(FULL_AT)).otherwise(pl.col("completion")),
        source=pl.when(baseline)
        .then(pl.lit("baseline"))
        .when(pl.col("status").is_null())
        .then(pl.lit("no_data"))
        .otherwise(pl.lit("reported")),
        implemented_on=pl.when(~baseline & (status == "full")).then(pl.col("first_full")).otherwise(None),
        illustrative=pl.col("measure_illustrative")
        | (~baseline & pl.col("reported_illustrative").fill_null(False)),
    )
    points = pl.col("status").replace_strict(POINTS, default=None, return_dtype=pl.Int64)
    df = df.with_columns(
        points=pl.when(pl.col("status").is_null()).then(pl.lit(0, dtype=pl.Int64)).otherwise(points),
        max_points=pl.when(pl.col("status") == "not_applicable")
        .then(pl.lit(0, dtype=pl.Int64))
        .otherwise(pl.lit(MAX_POINTS, dtype=pl.Int64)),
    )
    return df.sort("_member", "_measure").select(
        [pl.col(name).cast(dtype) for name, dtype in STATUS_SCHEMA.items()]
    )


def _member_measures(params: RegionParams) -> pl.DataFrame:
    """Every member x measure, in params order, with the measure's attributes and baseline flag."""
    rows = []
    measure_index = 0
    for m_idx, member in enumerate(params.region.members):
        country = params.countries.get(member.iso3)
        baseline = set(country.baseline) if country else set()
        measure_index = 0
        for pillar in params.strategy.pillars:
            for measure in pillar.measures:
                rows.append(
                    {
                        "country": member.iso3,
                        "measure_id": measure.id,
                        "pillar_id": pillar.id,
                        "dimension": measure.dimension,
                        "deadline": measure.deadline,
                        "measure_illustrative": measure.illustrative,
                        "baseline": measure.id in baseline,
                        "_member": m_idx,
                        "_measure": measure_index,
                    }
                )
                measure_index += 1
    return pl.DataFrame(
        rows,
        schema={
            "country": pl.String,
            "measure_id": pl.String,
            "pillar_id": pl.String,
            "dimension": pl.String,
            "deadline": pl.Date,
            "measure_illustrative": pl.Boolean,
            "baseline": pl.Boolean,
            "_member": pl.Int64,
            "_measure": pl.Int64,
        },
    )


def _steps(items: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in _ITEM_COLUMNS if c not in items.columns]
    if missing:
        raise ValueError(f"action items frame lacks column(s) {missing}")
    # The planned duration weighs the step in its measure's completion: the original plan's
    # dates where the items carry them (planned_start / planned_due), not a later replan's.
    start = "planned_start" if "planned_start" in items.columns else "start"
    due = "planned_due" if "planned_due" in items.columns else "due"
    return items.select(
        pl.col("item_id").cast(pl.String),
        pl.col("country").cast(pl.String),
        pl.col("measure_id").cast(pl.String),
        pl.col("step_id").cast(pl.String),
        weight=(pl.col(due).cast(pl.Date) - pl.col(start).cast(pl.Date))
        .dt.total_days()
        .clip(lower_bound=0)
        .cast(pl.Float64),
    ).unique("item_id", keep="last", maintain_order=True)


def _updates(updates: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Updates reported on or before `as_of`: for each item and day, the latest one."""
    if updates.height == 0 and "item_id" not in updates.columns:
        return pl.DataFrame(schema=_UPDATE_SCHEMA)
    required = ("item_id", "reported_on", "status", "pct_complete")
    missing = [c for c in required if c not in updates.columns]
    if missing:
        raise ValueError(f"progress updates frame lacks column(s) {missing}")
    df = updates
    if "update_id" not in df.columns:
        # Without ids, a later row of the same day supersedes an earlier one.
        df = df.with_row_index("update_id")
    if "illustrative" not in df.columns:
        df = df.with_columns(illustrative=pl.lit(False))
    df = df.select([pl.col(name).cast(dtype) for name, dtype in _UPDATE_SCHEMA.items()]).filter(
        pl.col("reported_on") <= as_of
    )
    unknown = sorted(set(df["status"].drop_nulls().unique(maintain_order=True).to_list()) - set(STATUSES))
    if unknown or df["status"].null_count():
        raise ValueError(f"progress updates with statuses off the scale {list(STATUSES)}: {unknown or [None]}")
    return (
        df.with_columns(pl.col("illustrative").fill_null(False))
        .sort("item_id", "reported_on", "update_id")
        .unique(["item_id", "reported_on"], keep="last", maintain_order=True)
    )


def _states_by_date(steps: pl.DataFrame, ups: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Status of each (country, measure) that has action items, on `as_of` and on every date
    one of its steps was updated: country, measure_id, on, status, completion, illustrative."""
    keyed = ups.join(steps.select("item_id", "country", "measure_id"), on="item_id", how="inner")
    dates = pl.concat(
        [
            keyed.select("country", "measure_id", pl.col("reported_on").alias("on")),
            steps.select("country", "measure_id").unique(maintain_order=True).with_columns(on=pl.lit(as_of, dtype=pl.Date)),
        ]
    ).unique(maintain_order=True)
    grid = steps.join(dates, on=["country", "measure_id"], how="inner").sort("on")
    latest = keyed.select(_UPDATE_SCHEMA.keys()).sort("reported_on")
    grid = grid.join_asof(
        latest,
        left_on="on",
        right_on="reported_on",
        by="item_id",
        strategy="backward",
        check_sortedness=False,
    )
    counted = pl.col("status").fill_null("") != "not_applicable"  # never reported: counted as 0
    pct = pl.col("pct_complete").fill_null(0.0)
    weight = pl.col("weight")
    agg = grid.group_by("country", "measure_id", "on", maintain_order=True).agg(
        reported=pl.col("reported_on").is_not_null().any(),
        n_counted=counted.sum(),
        n_full=(counted & (pl.col("status") == "full").fill_null(False)).sum(),
        wsum=weight.filter(counted).sum(),
        wpct=(weight * pct).filter(counted).sum(),
        psum=pct.filter(counted).sum(),
        illustrative=(pl.col("illustrative").fill_null(False) & pl.col("reported_on").is_not_null()).any(),
    )
    completion = (
        pl.when(~pl.col("reported") | (pl.col("n_counted") == 0))
        .then(None)
        .when(pl.col("wsum") > 0)
        .then(pl.col("wpct") / pl.col("wsum"))
        # Steps without a planned duration: a plain mean.
        .otherwise(pl.col("psum") / pl.col("n_counted"))
    )
    agg = agg.with_columns(completion=completion)
    c = pl.col("completion")
    status = (
        pl.when(~pl.col("reported"))
        .then(None)
        .when(pl.col("n_counted") == 0)
        .then(pl.lit("not_applicable"))
        .when((c >= FULL_AT - _EPS) & (pl.col("n_full") == pl.col("n_counted")))
        .then(pl.lit("full"))
        .when(c >= PARTIAL_FROM - _EPS)
        .then(pl.lit("partial"))
        .when(c > _EPS)
        .then(pl.lit("pilot"))
        .otherwise(pl.lit("not_started"))
    )
    return agg.with_columns(status=status).select("country", "measure_id", "on", "status", "completion", "illustrative")


# ---------------------------------------------------------------------------------------------
# Scores and rates


def implementation_scores(params: RegionParams, status: pl.DataFrame) -> pl.DataFrame:
    """UN Global Survey style scores of the parties: points / maximum points.

    `status` is a `measure_status` frame. Non-parties are left out. Long frame, one row per
    party x group: country, group_type ("overall", "pillar", "dimension"), group (the pillar or
    dimension id; "all" for overall), points, max_points, score (null when the maximum is 0:
    every measure not applicable), measures (count, not applicable included), no_data (count of
    measures with no data), illustrative.
    """
    parties = params.region.parties
    df = status.filter(pl.col("country").is_in(parties)).with_columns(
        pl.col("points").fill_null(0), pl.col("max_points").fill_null(0)
    )

    def by(group_type: str, key: str | None) -> pl.DataFrame:
        group = pl.col(key) if key else pl.lit(OVERALL)
        return (
            df.with_columns(group=group.cast(pl.String))
            .group_by("country", "group", maintain_order=True)
            .agg(
                points=pl.col("points").sum(),
                max_points=pl.col("max_points").sum(),
                measures=pl.len(),
                no_data=(pl.col("source") == "no_data").sum(),
                illustrative=pl.col("illustrative").any(),
            )
            .with_columns(group_type=pl.lit(group_type))
        )

    out = pl.concat([by("overall", None), by("pillar", "pillar_id"), by("dimension", "dimension")])
    order = {OVERALL: 0}
    order.update({p.id: i for i, p in enumerate(params.strategy.pillars)})
    dim_order = {d.id: i for i, d in enumerate(params.strategy.dimensions)}
    out = out.with_columns(
        _party=pl.col("country").replace_strict({c: i for i, c in enumerate(parties)}, return_dtype=pl.Int64),
        _type=pl.col("group_type").replace_strict({g: i for i, g in enumerate(GROUP_TYPES)}, return_dtype=pl.Int64),
        _group=pl.when(pl.col("group_type") == "dimension")
        .then(pl.col("group").replace_strict(dim_order, default=len(dim_order), return_dtype=pl.Int64))
        .otherwise(pl.col("group").replace_strict(order, default=len(order), return_dtype=pl.Int64)),
        score=pl.when(pl.col("max_points") > 0).then(pl.col("points") / pl.col("max_points")).otherwise(None),
    )
    return out.sort("_party", "_type", "_group", "group").select(
        pl.col("country"),
        pl.col("group_type"),
        pl.col("group"),
        pl.col("points").cast(pl.Int64),
        pl.col("max_points").cast(pl.Int64),
        pl.col("score").cast(pl.Float64),
        pl.col("measures").cast(pl.Int64),
        pl.col("no_data").cast(pl.Int64),
        pl.col("illustrative"),
    )


def implementation_rates(params: RegionParams, status: pl.DataFrame, as_of: dt.date | str) -> pl.DataFrame:
    """WTO TFA style implementation rates of the parties as of `as_of`.

    Commitments are the party's measures that apply (not applicable left out; no data counts as
    not implemented). Columns: country, commitments, implemented (status full),
    implementation_rate (implemented / commitments), due (commitments with deadline <= as_of),
    implemented_on_time (due commitments full and implemented on or before their deadline;
    baseline measures count as on time), on_time_rate (implemented_on_time / due; null when
    nothing is due).
    """
    as_of = _to_date(as_of)
    parties = params.region.parties
    full = (pl.col("status") == "full").fill_null(False)
    on_time = full & ((pl.col("source") == "baseline") | (pl.col("implemented_on") <= pl.col("deadline")).fill_null(False))
    due = pl.col("deadline") <= as_of
    agg = (
        status.filter(pl.col("country").is_in(parties) & (pl.col("status").fill_null("") != "not_applicable"))
        .group_by("country", maintain_order=True)
        .agg(
            commitments=pl.len(),
            implemented=full.sum(),
            due=due.sum(),
            implemented_on_time=(due & on_time).sum(),
        )
    )
    out = pl.DataFrame({"country": parties}, schema={"country": pl.String}).join(
        agg, on="country", how="left", maintain_order="left"
    )
    counts = ("commitments", "implemented", "due", "implemented_on_time")
    out = out.with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in counts])
    return out.with_columns(
        implementation_rate=pl.when(pl.col("commitments") > 0)
        .then(pl.col("implemented") / pl.col("commitments"))
        .otherwise(None)
        .cast(pl.Float64),
        on_time_rate=pl.when(pl.col("due") > 0)
        .then(pl.col("implemented_on_time") / pl.col("due"))
        .otherwise(None)
        .cast(pl.Float64),
    ).select("country", "commitments", "implemented", "implementation_rate", "due", "implemented_on_time", "on_time_rate")


def rank(scores: pl.DataFrame) -> pl.DataFrame:
    """Parties ranked by overall score, best first; ties share the best rank (1, 2, 2, 4).

    `scores` is an `implementation_scores` frame (its overall rows are used) or any frame with
    country and score. Scores are compared rounded to 6 decimals. A party without a score
    (every measure not applicable) has a null rank and comes last. Columns: country, score,
    rank, tied.
    """
    df = scores
    if "group_type" in df.columns:
        df = df.filter(pl.col("group_type") == "overall")
    key = pl.col("score").round(TIE_DECIMALS)
    return (
        df.select(pl.col("country").cast(pl.String), pl.col("score").cast(pl.Float64))
        .with_columns(
            rank=key.rank("min", descending=True).cast(pl.Int64),
            tied=(pl.len().over(key) > 1) & key.is_not_null(),
        )
        .sort(["rank", "country"], nulls_last=True)
    )


def score_series(
    params: RegionParams,
    items: pl.DataFrame,
    updates: pl.DataFrame,
    dates: list[dt.date] | list[str],
) -> pl.DataFrame:
    """Overall score and implementation rates of every party on each date, plus the regional
    median of the overall score on that date.

    Columns: date, country, score, implementation_rate, on_time_rate, regional_median.
    """
    frames = []
    for day in sorted({_to_date(d) for d in dates}):
        status = measure_status(params, items, updates, day)
        overall = implementation_scores(params, status).filter(pl.col("group_type") == "overall")
        rates = implementation_rates(params, status, day)
        frames.append(
            overall.select("country", "score")
            .join(rates.select("country", "implementation_rate", "on_time_rate"), on="country", how="left", maintain_order="left")
            .with_columns(date=pl.lit(day, dtype=pl.Date))
        )
    schema = {
        "date": pl.Date,
        "country": pl.String,
        "score": pl.Float64,
        "implementation_rate": pl.Float64,
        "on_time_rate": pl.Float64,
        "regional_median": pl.Float64,
    }
    if not frames:
        return pl.DataFrame(schema=schema)
    out = pl.concat(frames).with_columns(regional_median=pl.col("score").median().over("date"))
    return out.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


# ---------------------------------------------------------------------------------------------
# From the store


def load(
    region: str | RegionParams | None, as_of: dt.date | str | None, project: ProjectLike
) -> tuple[RegionParams, dt.date, pl.DataFrame, pl.DataFrame]:
    from . import tracker

    params = region if isinstance(region, RegionParams) else load_region(region, project)
    day = _to_date(as_of) if as_of is not None else params.as_of
    items = tracker.action_items(params, project=project)
    updates = tracker.progress(params, as_of=day, history=True, project=project)
    return params, day, items, updates


def overall_scores(params: RegionParams, items: pl.DataFrame, updates: pl.DataFrame, as_of: dt.date) -> dict[str, float | None]:
    """Overall score of every party as of `as_of` (None: no measure applies)."""
    status = measure_status(params, items, updates, as_of)
    overall = implementation_scores(params, status).filter(pl.col("group_type") == "overall")
    found = dict(overall.select("country", "score").iter_rows())
    return {c: found.get(c) for c in params.region.parties}


def scores(
    region: str | RegionParams | None = None,
    as_of: dt.date | str | None = None,
    project: ProjectLike = None,
) -> pl.DataFrame:
    """`score_table` as of `as_of` (default: the region's as_of), read from the store."""
    params, day, items, updates = load(region, as_of, project)
    return score_table(params, measure_status(params, items, updates, day), day)


def score_table(params: RegionParams, status: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """One row per party as of `as_of`, from `measure_status` on that date.

    Columns: country, as_of, score, rank, tied, points, max_points, measures, no_data,
    commitments, implemented, implementation_rate, due, implemented_on_time, on_time_rate,
    then one score column per pillar (``pillar_<id>``) and per dimension (``dimension_<id>``),
    and illustrative.
    """
    long = implementation_scores(params, status)
    overall = long.filter(pl.col("group_type") == "overall").drop("group_type", "group")
    groups = (
        long.filter(pl.col("group_type") != "overall")
        .with_columns(column=pl.col("group_type") + "_" + pl.col("group"))
        .pivot(on="column", index="country", values="score")
    )
    ranked = rank(long).select("country", "rank", "tied")
    rates = implementation_rates(params, status, as_of)
    out = (
        overall.join(ranked, on="country", how="left", maintain_order="left")
        .join(rates, on="country", how="left", maintain_order="left")
        .join(groups, on="country", how="left", maintain_order="left")
        .with_columns(as_of=pl.lit(as_of, dtype=pl.Date))
    )
    first = [
        "country",
        "as_of",
        "score",
        "rank",
        "tied",
        "points",
        "max_points",
        "measures",
        "no_data",
        "commitments",
        "implemented",
        "implementation_rate",
        "due",
        "implemented_on_time",
        "on_time_rate",
    ]
    group_columns = [c for c in groups.columns if c != "country"]
    return out.select(*first, *group_columns, "illustrative")


def ranking(
    region: str | RegionParams | None = None,
    as_of: dt.date | str | None = None,
    project: ProjectLike = None,
) -> pl.DataFrame:
    """`rank` of the parties as of `as_of` (default: the region's as_of), read from the store."""
    params, day, items, updates = load(region, as_of, project)
    return rank(implementation_scores(params, measure_status(params, items, updates, day)))


def _to_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
