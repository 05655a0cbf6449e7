"""Land-border corridors of one member: crossing times per crossing and direction, the
status of the land-corridor measures, and the real Doing Business border-compliance figures
of the member against landlocked comparators and the other members.

Every catalogue indicator of the page's dimension is shown: the first one recorded per
crossing (`per_crossing: true`) is the crossing time with its own charts and table; any further
per-crossing indicator gets a chart over time by crossing and direction; the national ones
are shown over time in a section of their own. A dimension with no per-crossing indicator has
no crossing charts, and the page says why."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import altair as alt
import polars as pl
from babel.dates import format_skeleton

from .. import charts
from ..i18n import N_, fmt_date, fmt_number, gettext, sentence, t, tn
from ..page import Context, Figure, figure, no_data, release_table, show
from ..params import DIRECTION_LABELS, STATISTIC_LABELS
from ..status import STATUSES, label
from ..tables import Table
from . import dimension as dim



def crossing_indicator(ctx: Context) -> str | None:
    """The page's border-crossing time: the first indicator of the page's dimension that the
    catalogue records per crossing and direction (`per_crossing: true`); None if it has none."""
    for ind_id in ctx.address.spec.indicators(ctx.params):
        if ctx.params.indicators.get(ind_id).per_crossing:
            return ind_id
    return None

# Source lines (translated where shown: t(SOURCE, lang)).
SOURCE = N_("national border post records reported to the secretariat (tflib tracker)")
SOURCE_STATUS = N_("national progress reports to the secretariat (tflib tracker)")
SOURCE_DB = N_("World Bank, Doing Business 2016–2020, Trading across borders (national rows)")
DB_LATEST = 2020
CHECK_FIELDS = {f: f for f in ("country", "indicator_id", "statistic", "crossing_id", "direction", "period", "value")}
DB_YEARS = (2016, 2017, 2018, 2019, 2020)

# Doing Business border-compliance measures shown here: field -> label.
DB_TIME = {"export_border_hours": N_("Time to export: border compliance"), "import_border_hours": N_("Time to import: border compliance")}
DB_COST = {"export_border_usd": N_("Cost to export: border compliance"), "import_border_usd": N_("Cost to import: border compliance")}



def _crossing_check(ctx: Context) -> dict:
    """How tests re-derive a crossing-time chart: keyed on the observation id, so every drawn
    value, crossing, direction, statistic and period is compared with the store's row."""
    return charts.check_spec(
        "indicators",
        args={"country": ctx.country, "indicator": crossing_indicator(ctx)},
        key={"obs_id": "obs_id"},
        value=CHECK_FIELDS,
    )

def _month(day: dt.date, lang: str) -> str:
    return format_skeleton("yMMMM", day, locale=lang)


_direction = dim.direction_label


@dataclass(frozen=True)
class CorridorsData:
    crossing_indicator: str | None     # the crossing time (first per-crossing indicator), if any
    times: pl.DataFrame                # the country's observations of it
    crossing: dict[str, pl.DataFrame]  # every per-crossing indicator of the dimension -> observations
    series: dict[str, dim.Series]      # the national indicators of the dimension
    status: pl.DataFrame               # the dimension's measures for the country
    db: pl.DataFrame                   # Doing Business rows (real)

    @property
    def other_crossing(self) -> list[str]:
        """Per-crossing indicators after the crossing time, each with a chart of its own."""
        return [i for i in self.crossing if i != self.crossing_indicator]

    @property
    def illustrative(self) -> bool:
        return (
            is_illustrative(self.times, self.status)
            or any(bool(f["illustrative"].fill_null(False).any()) for f in self.crossing.values())
            or any(s.illustrative for s in self.series.values())
        )


def load(ctx: Context) -> CorridorsData:
    """Everything the page shows, every catalogue indicator of its dimension included."""
    dim.require_country(ctx)
    inds = dim.page_indicators(ctx)
    crossing = {i.id: dim.crossing_observations(ctx, i.id) for i in inds if i.per_crossing}
    first = crossing_indicator(ctx)
    return CorridorsData(
        crossing_indicator=first,
        times=crossing[first] if first else crossing_times(ctx),
        crossing=crossing,
        series={i.id: dim.series(ctx, i.id) for i in inds if not i.per_crossing},
        status=measure_status(ctx),
        db=db_frame(ctx),
    )


def no_crossing_indicator_sentence(ctx: Context) -> str:
    return t("No indicator of this dimension is recorded per crossing and direction in the indicator catalogue (per_crossing), so this page has no crossing times.", ctx.lang)


def crossing_times_view(ctx: Context, data: CorridorsData) -> list:
    """The crossing-time charts, or why there are none."""
    if data.crossing_indicator is None:
        return [no_data(ctx, t("crossing times (no indicator of this dimension is recorded per crossing)", ctx.lang))]
    if not has_crossings(ctx):
        return [no_data(ctx, t("no land-border crossings recorded for this country", ctx.lang))]
    if data.times.height == 0:
        return [no_data(ctx, t("crossing times at this country's land borders", ctx.lang))]
    return [show(over_time_chart(ctx, data.times)), show(latest_chart(ctx, data.times))]


def other_crossing_views(ctx: Context, data: CorridorsData) -> list:
    """A chart over time for each further per-crossing indicator of the dimension."""
    return [dim.crossing_view(ctx, i, data.crossing[i]) for i in data.other_crossing]


# ---------------------------------------------------------------------------------------------
# Crossings and crossing times


crossings = dim.crossings


def has_crossings(ctx: Context) -> bool:
    return crossings(ctx).height > 0


def crossing_times(ctx: Context) -> pl.DataFrame:
    """The country's public crossing-time observations up to the page date, with labels
    (no rows when the dimension has no per-crossing indicator)."""
    return dim.crossing_observations(ctx, crossing_indicator(ctx) or "")


_segments = dim.crossing_segments


def over_time_chart(ctx: Context, times: pl.DataFrame) -> Figure:
    """Median crossing time per month, one line per crossing, one panel per direction."""
    df = _segments(times.filter(pl.col("statistic") == "median")).select(
        "obs_id", "country", "indicator_id", "statistic", "crossing_id", "direction", "period", "period_start", "value",
        "crossing_label", "direction_label", "_line",
    )
    hours = t("Median crossing time (hours)", ctx.lang)
    directions = [_direction(d, ctx.lang) for d in DIRECTION_LABELS]
    crossings_shown = df["crossing_label"].unique(maintain_order=True).to_list()
    # One view (crossing by colour, direction by dash), not a panel per direction: a single view
    # takes its column's width, from a phone up.
    chart = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("period_start:T", title=t("Month", ctx.lang), axis=alt.Axis(format="%b %Y")),
            y=alt.Y("value:Q", title=hours, axis=charts.value_axis(",.1f")),
            color=alt.Color("crossing_label:N", title=None, legend=charts.legend(crossings_shown, orient="top")),
            strokeDash=alt.StrokeDash("direction_label:N", title=None, sort=directions, scale=alt.Scale(domain=directions, range=[[1, 0], [5, 3]]), legend=charts.legend(directions, symbolType="stroke")),
            detail="_line:N",
            tooltip=[alt.Tooltip("crossing_label:N", title=t("Crossing", ctx.lang)), alt.Tooltip("direction_label:N", title=t("Direction", ctx.lang)), alt.Tooltip("period_start:T", format="%b %Y", title=t("Month", ctx.lang)), alt.Tooltip("value:Q", format=",.1f", title=hours)],
        )
        .properties(width=charts.WIDTH, height=260)
    )
    ind = ctx.params.indicators.get(df["indicator_id"][0]) if df.height else None
    summary = (dim.crossing_summary(ctx, ind, df, hours) if ind is not None
               else t("{indicator} {in_country}: no data.", ctx.lang, indicator=hours, in_country=ctx.in_country()))
    return figure(ctx, charts.finish(
        chart,
        lang=ctx.lang,
        title=t("Land-border crossing time of {country} by month", ctx.lang, country=ctx.country_name),
        summary=summary,
        source=t(SOURCE, ctx.lang),
        unit=t("hours, median per month; a gap is a month with no report", ctx.lang),
        illustrative=bool(times["illustrative"].fill_null(False).any()),
        check=_crossing_check(ctx),
    ), "crossing_times", df)


def latest_period(times: pl.DataFrame) -> dt.date | None:
    """Start of the latest period with any crossing-time report (None: no data)."""
    return times["period_start"].max() if times.height else None


def latest_frame(ctx: Context, times: pl.DataFrame) -> pl.DataFrame:
    """Median and 90th percentile of every crossing x direction in the latest period (long),
    with the first period's median beside it; a crossing x direction not reported in the latest
    period has null values (no data)."""
    xs = crossings(ctx)
    grid = xs.select("crossing_id", "crossing", "neighbour", "corridor", "crossing_label", "_order").join(
        pl.DataFrame({"direction": list(DIRECTION_LABELS)}), how="cross"
    ).with_columns(direction_label=pl.col("direction").replace_strict({d: _direction(d, ctx.lang) for d in DIRECTION_LABELS}, return_dtype=pl.String))
    last = latest_period(times)
    cur = times.filter(pl.col("period_start") == last) if last else times.clear()
    wide = cur.pivot(on="statistic", index=["crossing_id", "direction"], values="value") if cur.height else pl.DataFrame(schema={"crossing_id": pl.String, "direction": pl.String})
    for stat in ("median", "p90"):
        if stat not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(stat))
    first = (
        times.filter(pl.col("statistic") == "median")
        .sort("period_start")
        .group_by("crossing_id", "direction", maintain_order=True)
        .agg(first_period=pl.col("period").first(), first_median=pl.col("value").first())
    )
    return (
        grid.join(wide.select("crossing_id", "direction", "median", "p90"), on=["crossing_id", "direction"], how="left")
        .join(first, on=["crossing_id", "direction"], how="left")
        .with_columns(
            period=pl.lit(cur["period"][0] if cur.height else None, dtype=pl.String),
            change=pl.col("median") - pl.col("first_median"),
        )
        .sort("_order", "direction")
    )


def latest_chart(ctx: Context, times: pl.DataFrame) -> Figure:
    """Latest period: a bar for the median, a tick for the 90th percentile, per crossing and
    direction; a crossing or direction not reported then is written "no data"."""
    last = latest_period(times)
    cur = times.filter(pl.col("period_start") == last).select(
        "obs_id", "country", "indicator_id", "statistic", "crossing_id", "direction", "period", "value",
        "crossing_label", "direction_label", "statistic_label",
    )
    summary = latest_frame(ctx, times)
    missing = summary.filter(pl.col("median").is_null() & pl.col("p90").is_null()).select(
        "crossing_label", "direction_label", note=pl.lit(gettext("no data", ctx.lang))
    )
    hours = t("Crossing time (hours)", ctx.lang)
    y = alt.Y("crossing_label:N", title=None, sort=summary["crossing_label"].unique(maintain_order=True).to_list(), axis=alt.Axis(labelLimit=charts.LABEL_LIMIT))
    y_off = alt.YOffset("direction_label:N", sort=[_direction(d, ctx.lang) for d in DIRECTION_LABELS])
    colour = alt.Color("direction_label:N", title=None, sort=[_direction(d, ctx.lang) for d in DIRECTION_LABELS], scale=alt.Scale(range=[charts.ACCENT, charts.COMPARATOR]), legend=charts.legend([_direction(d, ctx.lang) for d in DIRECTION_LABELS]))
    tip = [alt.Tooltip("crossing_label:N", title=t("Crossing", ctx.lang)), alt.Tooltip("direction_label:N", title=t("Direction", ctx.lang)), alt.Tooltip("statistic_label:N", title=t("Statistic", ctx.lang)), alt.Tooltip("value:Q", format=",.1f", title=hours)]
    base = alt.Chart(cur)
    bars = base.transform_filter(alt.datum.statistic == "median").mark_bar(height=9).encode(
        y=y, yOffset=y_off, x=alt.X("value:Q", title=hours, axis=charts.value_axis(",.0f")), color=colour, tooltip=tip
    )
    ticks = base.transform_filter(alt.datum.statistic == "p90").mark_tick(color="#333", thickness=2, size=11).encode(
        y=y, yOffset=y_off, x="value:Q", tooltip=tip
    )
    layers = [bars, ticks]
    if missing.height:
        layers.append(
            alt.Chart(missing).mark_text(align="left", dx=3, fontSize=10, color="#777", fontStyle="italic").encode(
                y=y, yOffset=y_off, x=alt.datum(0), text="note:N"
            )
        )
    chart = alt.layer(*layers).properties(width=charts.WIDTH, height=charts.band_height(2 * summary["crossing_label"].n_unique(), 11))
    month = _month(last, ctx.lang) if last else gettext("no data", ctx.lang)
    medians = summary.filter(pl.col("median").is_not_null()).sort("median")
    if medians.height:
        hi = medians.row(-1, named=True)
        text = t("In {month}, the longest median crossing time {in_country} is {value} hours, at {crossing} ({direction}).", ctx.lang, month=month, in_country=ctx.in_country(),
                 value=fmt_number(hi["median"], ctx.lang, 1), crossing=hi["crossing_label"], direction=hi["direction_label"])
    else:
        text = t("No crossing time {in_country} has been reported.", ctx.lang, in_country=ctx.in_country())
    return figure(ctx, charts.finish(
        chart,
        lang=ctx.lang,
        title=t("Crossing time at each border post of {country}, {month}", ctx.lang, country=ctx.country_name, month=month),
        summary=text,
        source=t(SOURCE, ctx.lang),
        unit=t("hours; bar = median, tick = 90th percentile", ctx.lang),
        illustrative=bool(times["illustrative"].fill_null(False).any()),
        check=_crossing_check(ctx),
    ), "crossing_latest", pl.concat([cur, missing.drop("note")], how="diagonal_relaxed"))


def latest_table(ctx: Context, times: pl.DataFrame) -> Table:
    """The crossing table (one row per crossing x direction of the latest period)."""
    frame = latest_frame(ctx, times).with_columns(
        corridor=pl.col("corridor").fill_null(t("none named", ctx.lang))
    ).select(
        "crossing_id", "crossing", "neighbour", "corridor", "direction", "direction_label", "period", "median", "p90", "first_period", "first_median", "change"
    )
    return release_table(ctx, "crossing_table", frame, title=latest_table_title(ctx, times), source=SOURCE,
                         illustrative=bool(times["illustrative"].fill_null(False).any()), unit=t("hours", ctx.lang),
                         precision={c: 1 for c in ("median", "p90", "first_median", "change")})


def latest_table_title(ctx: Context, times: pl.DataFrame) -> str:
    last = latest_period(times)
    month = _month(last, ctx.lang) if last else gettext("no data", ctx.lang)
    return t("Crossing times of {country} in {month}, against the first month reported", ctx.lang, country=ctx.country_name, month=month)


def is_illustrative(times: pl.DataFrame, status: pl.DataFrame) -> bool:
    """True when any tracker value on the page is illustrative."""
    return bool(times["illustrative"].fill_null(False).any()) or bool(status["illustrative"].fill_null(False).any())


def crossing_sentences(ctx: Context, times: pl.DataFrame) -> list[str]:
    xs = crossings(ctx)
    if xs.height == 0:
        return [t("No land-border crossings are recorded for {country} in the region's parameters, so this page has no crossing times for it.", ctx.lang, country=ctx.country_name)]
    names = ", ".join(f"{r['crossing']} ({r['neighbour']})" for r in xs.iter_rows(named=True))
    out = [sentence(tn("{country} has {n} monitored land-border crossing: {names}.", "{country} has {n} monitored land-border crossings: {names}.", xs.height, ctx.lang, country=ctx.country_name, n=xs.height, names=names))]
    if crossing_indicator(ctx) is None:
        out.append(no_crossing_indicator_sentence(ctx))
        return out
    if times.height == 0:
        out.append(t("No crossing times have been reported for them.", ctx.lang))
        return out
    summary = latest_frame(ctx, times)
    last = latest_period(times)
    have = summary.filter(pl.col("median").is_not_null()).sort("median")
    if have.height:
        lo, hi = have.row(0, named=True), have.row(-1, named=True)
        out.append(
            t(
                "In {month} the median crossing time ranged from {low} h ({low_name}, {low_dir}) to {high} h ({high_name}, {high_dir}).",
                ctx.lang,
                month=_month(last, ctx.lang),
                low=fmt_number(lo["median"], ctx.lang, 1), low_name=lo["crossing"], low_dir=lo["direction_label"],
                high=fmt_number(hi["median"], ctx.lang, 1), high_name=hi["crossing"], high_dir=hi["direction_label"],
            )
        )
    gaps = summary.filter(pl.col("median").is_null()).height
    if gaps:
        out.append(t("Crossing and direction pairs with no report for that month (no data): {n}.", ctx.lang, n=gaps))
    target = ctx.params.country(ctx.country).targets.get(crossing_indicator(ctx) or "")
    if target is not None and have.height:
        stat = target.statistic or "median"
        col = "median" if stat == "median" else "p90"
        meets = summary.filter(pl.col(col) <= target.value).height
        reported = summary.filter(pl.col(col).is_not_null()).height
        out.append(
            t(
                "The national target is {value} h ({statistic}) by {date}; reported crossing and direction pairs that meet it: {meets} of {reported}.",
                ctx.lang,
                value=fmt_number(target.value, ctx.lang, 1), statistic=gettext(STATISTIC_LABELS[stat], ctx.lang),
                date=fmt_date(target.by, ctx.lang, "long"), meets=meets, reported=reported,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# Land-corridor measures


def measure_status(ctx: Context) -> pl.DataFrame:
    """Status of each measure of the land-corridor dimension for the country as of the page date."""
    st = ctx.frame("measure_status")
    mine = st.filter((pl.col("country") == ctx.country) & (pl.col("dimension") == ctx.address.spec.dimension(ctx.params).id))
    measures = {m.id: m for m in ctx.params.measures}
    nodata = gettext("no data", ctx.lang)
    order = {m.id: i for i, m in enumerate(ctx.params.measures)}
    return mine.with_columns(
        measure=pl.col("measure_id").replace_strict({k: _measure_label(ctx.text(m.name), k) for k, m in measures.items()}, return_dtype=pl.String),
        tfa=pl.col("measure_id").replace_strict({k: ", ".join(m.tfa_articles) for k, m in measures.items()}, return_dtype=pl.String),
        measure_illustrative=pl.col("measure_id").replace_strict({k: m.illustrative for k, m in measures.items()}, return_dtype=pl.Boolean),
        status_label=pl.col("status").replace_strict({s: label(s, ctx.lang) for s in STATUSES}, default=nodata, return_dtype=pl.String),
        source_label=pl.col("source").replace_strict(
            {"baseline": t("in place before the strategy", ctx.lang), "reported": t("reported", ctx.lang), "no_data": nodata},
            default=nodata, return_dtype=pl.String,
        ),
        documented=pl.col("measure_id").replace_strict(
            {k: t("illustrative (not in the strategy's sources)", ctx.lang) if m.illustrative else t("in the strategy", ctx.lang) for k, m in measures.items()},
            return_dtype=pl.String,
        ),
        _order=pl.col("measure_id").replace_strict(order, return_dtype=pl.Int64),
    ).sort("_order")


def status_table(ctx: Context, status: pl.DataFrame) -> Table:
    return release_table(ctx, "measure_status", status, title=t("Land-corridor measures {in_country}", ctx.lang, in_country=ctx.in_country()),
                         source=SOURCE_STATUS, illustrative=True, precision={"completion": 0})


def measure_chart(ctx: Context, status: pl.DataFrame) -> Figure:
    df = status.select(
        "country", "measure_id", "measure", "status_label", "deadline", "completion",
        note=pl.when(pl.col("completion").is_null()).then(pl.lit(gettext("no data", ctx.lang))).otherwise(pl.col("status_label")),
    )
    pct = t("Completion (% of the measure's steps, weighted by duration)", ctx.lang)
    y = alt.Y("measure:N", title=None, sort=status["measure"].to_list(), axis=alt.Axis(labelLimit=charts.LABEL_LIMIT + 30))
    base = alt.Chart(df).encode(
        y=y,
        tooltip=[alt.Tooltip("measure:N", title=t("Measure", ctx.lang)), alt.Tooltip("status_label:N", title=t("Status", ctx.lang)), alt.Tooltip("completion:Q", format=",.0f", title=t("% complete", ctx.lang)), alt.Tooltip("deadline:T", title=t("Deadline", ctx.lang))],
    )
    bars = base.mark_bar(height=14).encode(
        x=alt.X("completion:Q", title=pct, scale=alt.Scale(domain=[0, 100]), axis=charts.value_axis(",.0f")),
        color=alt.Color("status_label:N", title=t("Status", ctx.lang), scale=charts.status_colour_scale(ctx.lang, status["status"].to_list()),
                        legend=charts.status_legend(ctx.lang, status["status"].to_list())),
    )
    text = base.mark_text(align="left", dx=4, fontSize=10, color="#333").encode(
        x=alt.X("_x:Q"), text="note:N"
    ).transform_calculate(_x="datum.completion == null ? 0 : datum.completion")
    chart = (bars + text).properties(width=charts.WIDTH, height=charts.band_height(status["measure"].n_unique(), 22))
    return figure(ctx, charts.finish(
        chart,
        lang=ctx.lang,
        title=t("Land-corridor measures {in_country}", ctx.lang, in_country=ctx.in_country()),
        summary=measure_sentences(ctx, status)[0],
        source=t(SOURCE_STATUS, ctx.lang),
        unit=t("% complete as of the data date", ctx.lang),
        illustrative=True,
        check=charts.check_spec(None, why="measure status and completion derived from the action items' progress (tflib.scores.measure_status)"),
    ), "measures", df.drop("note"))


def measure_sentences(ctx: Context, status: pl.DataFrame) -> list[str]:
    n = status.height
    full = status.filter(pl.col("status") == "full").height
    nodata = status.filter(pl.col("status").is_null()).height
    overdue = status.filter((pl.col("deadline") < ctx.as_of) & (pl.col("status").fill_null("") != "full") & (pl.col("status").fill_null("") != "not_applicable")).height
    return [
        t(
            "Land-corridor measures fully implemented {in_country}: {full} of {n}; past their regional deadline and not full: {overdue}; with no progress reported: {nodata}.",
            ctx.lang, full=full, n=n, in_country=ctx.in_country(), overdue=overdue, nodata=nodata,
        )
    ]


# ---------------------------------------------------------------------------------------------
# Doing Business: border compliance, real reference data


def landlocked_comparators(ctx: Context) -> list[str]:
    # The landlocked reference points of this page: comparators on the UN's LLDC list
    # (data/reference/un/lldc.csv).
    lldc = set(ctx.frame("lldc")["iso3"])
    return [c for c in ctx.params.region.comparators if c in lldc]


def db_frame(ctx: Context) -> pl.DataFrame:
    """National Doing Business rows, DB2016–DB2020, for the country, the landlocked comparators
    and the other members; role focus / comparator / peer."""
    comps = landlocked_comparators(ctx)
    peers = [m for m in ctx.params.region.member_codes if m != ctx.country]
    wanted = [ctx.country, *comps, *peers]
    role = {ctx.country: "focus", **{c: "comparator" for c in comps}, **{p: "peer" for p in peers}}
    order = {code: i for i, code in enumerate(wanted)}
    db = ctx.frame("doing_business").filter(pl.col("iso3").is_in(wanted) & pl.col("report_year").is_in(list(DB_YEARS)))
    fields = [*DB_TIME, *DB_COST]
    nodata, nopractice = gettext("no data", ctx.lang), gettext("no practice", ctx.lang)
    notes = [
        pl.when(pl.col(f).is_not_null()).then(pl.lit("")).when(pl.col(f"{f}_no_practice")).then(pl.lit(nopractice)).otherwise(pl.lit(nodata)).alias(f"{f}_note")
        for f in fields
    ]
    return (
        db.select("iso3", "report_year", "data_year", "geography", *fields, *[f"{f}_no_practice" for f in fields])
        .with_columns(
            *notes,
            name=pl.col("iso3").replace_strict({c: ctx.name_of(c) for c in wanted}, return_dtype=pl.String),
            role=pl.col("iso3").replace_strict(role, return_dtype=pl.String),
            _order=pl.col("iso3").replace_strict(order, return_dtype=pl.Int64),
        )
        .sort("_order", "report_year")
    )


def _db_check(fields: dict[str, str], years: list[int]) -> dict:
    return charts.check_spec(
        "doing_business",
        key={"iso3": "iso3", "report_year": "report_year"},
        value={f: f for f in fields},
        filter={"report_year": years},
    )


def db_latest_chart(ctx: Context, db: pl.DataFrame, kind: str) -> Figure:
    """DB2020 border compliance (time or cost), export and import side by side, one bar per
    economy; "no practice" and "no data" are written, never drawn as 0."""
    fields = DB_TIME if kind == "time" else DB_COST
    cols = list(fields)
    df = db.filter(pl.col("report_year") == DB_LATEST).select("iso3", "name", "role", "report_year", "data_year", "_order", *cols, *[f"{c}_note" for c in cols])
    # Short column headers: the title says time or cost.
    labels = {f: (t("Export", ctx.lang) if f.startswith("export") else t("Import", ctx.lang)) for f in cols}
    expr = charts.vega_map(labels, "measure")
    unit_fmt = ",.0f"
    value_title = t("Hours", ctx.lang) if kind == "time" else t("US dollars", ctx.lang)
    y = alt.Y("name:N", title=None, sort=df.sort("_order")["name"].to_list(), axis=alt.Axis(labelLimit=charts.LABEL_LIMIT - 20))
    colour = alt.Color("role:N", scale=charts.role_scale(), legend=None)
    base = alt.Chart().encode(y=y)
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=value_title, axis=charts.value_axis(unit_fmt)),
        color=colour,
        tooltip=[alt.Tooltip("name:N", title=t("Country", ctx.lang)), alt.Tooltip("measure_label:N", title=t("Measure", ctx.lang)), alt.Tooltip("value:Q", format=unit_fmt, title=value_title)],
    )
    text = base.mark_text(align="left", dx=3, fontSize=10, color="#333").encode(
        x=alt.X("_x:Q"), text="_label:N"
    ).transform_calculate(
        _x="datum.value == null ? 0 : datum.value",
        _label=f"datum.value == null ? datum.note : format(datum.value, '{unit_fmt}')",
    )
    chart = (
        alt.layer(bars, text, data=df)
        .transform_fold(cols, as_=["measure", "value"])
        .transform_calculate(measure_label=expr, note=" : ".join(f"datum.measure == {charts.js_string(f)} ? datum[{charts.js_string(f + '_note')}]" for f in cols) + " : ''")
        .properties(width=charts.PANEL_WIDTH, height=alt.Step(16))
        # Export above import (stacked panels fit a phone), on one scale.
        .facet(row=alt.Row("measure_label:N", title=None, sort=[labels[f] for f in cols], header=alt.Header(labelFontWeight="bold", labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top")))
        .resolve_scale(x="shared")
    )
    mine = df.filter(pl.col("iso3") == ctx.country)
    values = "; ".join(
        t("{measure}: {value}", ctx.lang, measure=labels[f], value=(fmt_number(mine[f][0], ctx.lang, 0) if mine.height and mine[f][0] is not None else (mine[f"{f}_note"][0] if mine.height else gettext("no data", ctx.lang))))
        for f in cols
    )
    summary = t("DB{year}, {country}, in {unit}: {values}.", ctx.lang, year=DB_LATEST, country=ctx.country_name, unit=value_title.lower(), values=values)
    title = (
        t("Border compliance time in DB2020: {country}, landlocked comparators and the other members", ctx.lang, country=ctx.country_name)
        if kind == "time"
        else t("Border compliance cost in DB2020: {country}, landlocked comparators and the other members", ctx.lang, country=ctx.country_name)
    )
    return figure(ctx, charts.finish(
        chart,
        lang=ctx.lang,
        title=title,
        summary=summary,
        source=t(SOURCE_DB, ctx.lang),
        unit=(t("hours per shipment; DB2020 describes May 2019", ctx.lang) if kind == "time" else t("US dollars per shipment; DB2020 describes May 2019", ctx.lang)),
        note=t("Amber: landlocked comparators ({comparators}); blue: {country}; grey: other members.", ctx.lang, comparators=_and([ctx.name_of(c) for c in landlocked_comparators(ctx)], ctx.lang), country=ctx.country_name),
        check=_db_check(fields, [DB_LATEST]),
    ), f"db_{kind}_{DB_LATEST}", df.drop("_order"))


def db_trend_chart(ctx: Context, db: pl.DataFrame) -> Figure:
    """DB2016–DB2020 border compliance time and cost of the country and the landlocked
    comparators (other members thin and grey), by report year."""
    fields = {**DB_TIME, **DB_COST}
    cols = list(fields)
    df = db.select("iso3", "name", "role", "report_year", "data_year", *cols)
    labels = {f: t(v, ctx.lang) for f, v in fields.items()}
    units = {f: (gettext("hours", ctx.lang) if f.endswith("hours") else gettext("USD", ctx.lang)) for f in cols}
    expr = charts.vega_map({f: f"{labels[f]} ({units[f]})" for f in cols}, "measure")
    # Panel headings on two lines where long: a panel is narrow enough for a phone.
    wrapped = json.dumps({f"{labels[f]} ({units[f]})": "|".join(charts.wrap(f"{labels[f]} ({units[f]})", 34)) for f in cols}, ensure_ascii=False)
    x = alt.X("report_year:O", title=t("Report year (DB2020 = data for 2019)", ctx.lang), axis=alt.Axis(labelAngle=0))
    y = alt.Y("value:Q", title=None, axis=charts.value_axis(",.0f"))
    tip = [alt.Tooltip("name:N", title=t("Country", ctx.lang)), alt.Tooltip("report_year:O", title=t("Report year", ctx.lang)), alt.Tooltip("measure_label:N", title=t("Measure", ctx.lang)), alt.Tooltip("value:Q", format=",.0f", title=t("Value", ctx.lang))]
    highlighted = [ctx.country, *landlocked_comparators(ctx)]
    names = [ctx.name_of(c) for c in highlighted]
    peers = alt.Chart().transform_filter(alt.datum.role == "peer").mark_line(color=charts.PEER, strokeWidth=1, opacity=0.6).encode(x=x, y=y, detail="name:N", tooltip=tip)
    main = alt.Chart().transform_filter(alt.datum.role != "peer").mark_line(point=True, strokeWidth=2.5).encode(
        x=x, y=y, color=alt.Color("name:N", title=None, sort=names, scale=alt.Scale(domain=names, range=[charts.ACCENT, *charts.COMPARATORS][: len(names)]), legend=charts.legend(names)), tooltip=tip
    )
    chart = (
        alt.layer(peers, main, data=df)
        .transform_fold(cols, as_=["measure", "value"])
        .transform_calculate(measure_label=expr)
        .properties(width=charts.PANEL_WIDTH, height=130)
        .facet(facet=alt.Facet("measure_label:N", title=None, sort=[f"{labels[f]} ({units[f]})" for f in cols],
                               header=alt.Header(labelFontWeight="bold", labelAngle=0, labelAlign="left", labelAnchor="start", labelExpr=f"split({wrapped}[datum.value] || datum.value, '|')")), columns=1)
        .resolve_scale(y="independent")
    )
    col = "export_border_hours"
    mine = df.filter((pl.col("iso3") == ctx.country) & pl.col(col).is_not_null()).sort("report_year")
    if mine.height:
        a, b = mine.row(0, named=True), mine.row(-1, named=True)
        summary = t("Export border compliance {in_country} took {first_value} hours in DB{first} and {last_value} hours in DB{last}.", ctx.lang, in_country=ctx.in_country(),
                    first=a["report_year"], last=b["report_year"], first_value=fmt_number(a[col], ctx.lang, 0), last_value=fmt_number(b[col], ctx.lang, 0))
    else:
        summary = t("Doing Business has no export border compliance time {in_country} for DB{first}–DB{last}.", ctx.lang, in_country=ctx.in_country(), first=min(DB_YEARS), last=max(DB_YEARS))
    return figure(ctx, charts.finish(
        chart,
        lang=ctx.lang,
        title=t("Border compliance of {country} and the landlocked comparators, DB2016–DB2020", ctx.lang, country=ctx.country_name),
        summary=summary,
        source=t(SOURCE_DB, ctx.lang),
        unit=t("hours and US dollars per shipment, by report year", ctx.lang),
        note=[t("Grey lines: the other members of the region.", ctx.lang), t("Each panel has its own scale (hours, US dollars).", ctx.lang)],
        check=_db_check(fields, list(DB_YEARS)),
    ), "db_trend", df)


def db_sentences(ctx: Context, db: pl.DataFrame) -> list[str]:
    comps = landlocked_comparators(ctx)
    out = [
        tn(
            "{comparators} is landlocked: its overseas trade must transit a neighbour's territory, so its border compliance is a reference point for trade that depends on land corridors and border crossings.",
            "{comparators} are landlocked: their overseas trade must transit a neighbour's territory, so their border compliance is a reference point for trade that depends on land corridors and border crossings.",
            len(comps), ctx.lang, comparators=_and([ctx.name_of(c) for c in comps], ctx.lang),
        )
    ] if comps else []
    latest = db.filter(pl.col("report_year") == DB_LATEST)

    def val(iso3: str, field: str) -> str:
        row = latest.filter(pl.col("iso3") == iso3)
        if not row.height:
            return gettext("no data", ctx.lang)
        if row[field][0] is None:
            return gettext("no practice", ctx.lang) if row[f"{field}_no_practice"][0] else gettext("no data", ctx.lang)
        return fmt_number(row[field][0], ctx.lang, 0)

    if len(comps) >= 2:
        a, b = comps[0], comps[1]
        out.append(
            t(
                "In DB2020 (data for May 2019) border compliance took {exp} hours to export and {imp} hours to import {in_country}, against {a_exp} and {a_imp} {in_a} and {b_exp} and {b_imp} {in_b}.",
                ctx.lang,
                exp=val(ctx.country, "export_border_hours"), imp=val(ctx.country, "import_border_hours"), in_country=ctx.in_country(),
                in_a=ctx.in_country(a), a_exp=val(a, "export_border_hours"), a_imp=val(a, "import_border_hours"),
                in_b=ctx.in_country(b), b_exp=val(b, "export_border_hours"), b_imp=val(b, "import_border_hours"),
            )
        )
    mine = db.filter(pl.col("iso3") == ctx.country).sort("report_year")
    if mine.height >= 2:
        first, last = mine.row(0, named=True), mine.row(-1, named=True)
        for field in DB_TIME:
            a, b = first[field], last[field]
            what = t("Time to export", ctx.lang) if field.startswith("export") else t("Time to import", ctx.lang)
            if a is None or b is None:
                continue
            if a == b:
                out.append(t("{what} through the border {in_country} stayed at {value} hours from DB{first_year} to DB{last_year}.", ctx.lang, what=what, in_country=ctx.in_country(), value=fmt_number(b, ctx.lang, 0), first_year=first["report_year"], last_year=last["report_year"]))
            else:
                out.append(t("{what} through the border {in_country} went from {first} hours in DB{first_year} to {last} hours in DB{last_year}.", ctx.lang, what=what, in_country=ctx.in_country(), first=fmt_number(a, ctx.lang, 0), last=fmt_number(b, ctx.lang, 0), first_year=first["report_year"], last_year=last["report_year"]))
    return out


def _measure_label(name: str, measure_id: str) -> str:
    """The measure's name with its id, unless the name already shows it."""
    return name if f"({measure_id})" in name else f"{name} ({measure_id})"


def _and(names: list[str], lang: str) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " " + t("and", lang) + " " + names[-1]
