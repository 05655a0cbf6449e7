"""Implementation progress of one member: timeline, status mix, score over time, warnings,
what is due next and who owns it."""

from __future__ import annotations

import datetime as dt

import altair as alt
import polars as pl

from .. import charts, monitor
from ..i18n import N_, fmt_date, fmt_number, fmt_percent, gettext, sentence, t, tn
from ..page import Context, Figure, figure, release_table
from ..status import STATUSES, label
from ..tables import Table
from . import peers

SOURCE = N_("national progress reports to the secretariat (tflib tracker)")
# How far ahead "due next" looks.
DUE_NEXT_DAYS = 120


def _inputs(ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame]:
    return ctx.frame("action_items"), ctx.frame("progress_history")


def item_table(ctx: Context) -> pl.DataFrame:
    """The country's action items with their status as of the page date."""
    items, updates = _inputs(ctx)
    mine = items.filter(pl.col("country") == ctx.country)
    st = monitor.item_status(mine, updates, ctx.as_of, ctx.params.region.stall_days)
    names = {m.id: ctx.text(m.name) for m in ctx.params.measures}
    illus = {m.id: m.illustrative for m in ctx.params.measures}
    nodata = gettext("no data", ctx.lang)
    return (
        mine.select("item_id", "measure_id", "step_name", "agency_name", "start", "due", "planned_due", "on_critical_path")
        .join(st.select("item_id", "status", "pct_complete", "last_reported", "projected", "overdue", "at_risk", "stalled", "illustrative"), on="item_id", how="left")
        .with_columns(
            measure=pl.col("measure_id").replace_strict(names, return_dtype=pl.String),
            measure_illustrative=pl.col("measure_id").replace_strict(illus, return_dtype=pl.Boolean),
            status_label=pl.col("status").replace_strict({s: label(s, ctx.lang) for s in STATUSES}, default=nodata, return_dtype=pl.String),
        )
        .sort("start", "item_id")
    )


def status_mix(ctx: Context) -> pl.DataFrame:
    """Items per status (never-reported items counted as no data), in scale order."""
    items = item_table(ctx)
    order = [label(s, ctx.lang) for s in STATUSES] + [gettext("no data", ctx.lang)]
    counts = items.group_by("status_label", maintain_order=True).len("items")
    return (
        pl.DataFrame({"status_label": order, "order": list(range(len(order)))})
        .join(counts, on="status_label", how="left")
        .with_columns(pl.col("items").fill_null(0))
        .filter(pl.col("items") > 0)
        .sort("order")
    )


def timeline_chart(ctx: Context, items: pl.DataFrame) -> Figure:
    df = items.select(
        "item_id", "measure", "agency_name", "start", "due", "status", "status_label",
        pct=pl.col("pct_complete"),
    )
    lang = ctx.lang
    present = df["status"].to_list()
    status = t("Status", lang)
    # One order for every layer (by start): layers sorted differently make Vega drop the sort.
    order = df.sort("start", "item_id")["item_id"].to_list()
    y = alt.Y("item_id:N", sort=order, scale=alt.Scale(domain=order), title=None, axis=alt.Axis(labelFontSize=9))
    tooltip = [alt.Tooltip("item_id:N", title=t("Action item", lang)), alt.Tooltip("measure:N", title=t("Measure", lang)), alt.Tooltip("agency_name:N", title=t("Responsible agency", lang)), alt.Tooltip("start:T", title=t("Start", lang)), alt.Tooltip("due:T", title=t("Due", lang)), alt.Tooltip("status_label:N", title=t("Status", lang)), alt.Tooltip("pct:Q", format=",.0f", title=t("% complete", lang))]
    colour = alt.Color("status_label:N", title=status, scale=charts.status_colour_scale(lang, present), legend=charts.status_legend(lang, present))
    bars = alt.Chart(df).mark_bar(cornerRadius=2, height=10).encode(y=y, x=alt.X("start:T", title=t("Planned dates", lang)), x2="due:T", color=colour, tooltip=tooltip)
    # The status's shape at the end of each bar: status is not told by colour alone.
    ends = alt.Chart(df).mark_point(filled=True, size=60, opacity=1, stroke="white", strokeWidth=0.8).encode(
        y=y, x="due:T", color=colour, shape=alt.Shape("status_label:N", title=status, scale=charts.status_shape_scale(lang, present)), tooltip=tooltip,
    )
    as_of_rule = alt.Chart(pl.DataFrame({"as_of": [ctx.as_of]})).mark_rule(color=charts.TARGET, strokeDash=[4, 3]).encode(x="as_of:T")
    chart = alt.layer(bars, ends, as_of_rule).properties(width=charts.WIDTH, height=charts.band_height(len(order), 14))
    n = df.height
    late = items.filter((pl.col("due") < ctx.as_of) & ~pl.col("status").fill_null("").is_in(["full", "not_applicable"])).height
    summary = tn(
        "{country} has {n} action item, planned from {first} to {last}; {full} fully implemented, {late} past its due date and not fully implemented.",
        "{country} has {n} action items, planned from {first} to {last}; {full} fully implemented, {late} past their due date and not fully implemented.",
        n, lang, country=ctx.country_name, n=n, first=fmt_date(df["start"].min(), lang), last=fmt_date(df["due"].max(), lang),
        full=df.filter(pl.col("status") == "full").height, late=late,
    )
    return figure(ctx, charts.finish(
        chart,
        lang=lang,
        title=t("Action items of {country} over time", lang, country=ctx.country_name),
        summary=summary,
        source=t(SOURCE, lang),
        unit=t("dates; the dashed line is the data date", lang),
        illustrative=bool(items["illustrative"].fill_null(False).any()),
        check=charts.check_spec("action_items", args={"country": ctx.country}, key={"item_id": "item_id"}, value={"start": "start", "due": "due"}),
    ), "action_items", items.select("item_id", "measure_id", "measure", "step_name", "agency_name", "start", "due", "planned_due", "on_critical_path",
                                     "status", "status_label", "pct_complete", "last_reported", "projected", "overdue", "at_risk", "stalled", "illustrative"))


def status_chart(ctx: Context, mix: pl.DataFrame, illustrative: bool) -> Figure:
    chart = charts.bar_compare(mix, category="status_label", value="items", value_title=t("Action items", ctx.lang), value_format=",.0f", sort_descending=False, integer=True, category_title=t("Status", ctx.lang))
    counts = "; ".join(f"{r['status_label']}: {fmt_number(r['items'], ctx.lang, 0)}" for r in mix.iter_rows(named=True))
    return figure(ctx, charts.finish(
        chart,
        lang=ctx.lang,
        title=t("Status of the action items of {country}", ctx.lang, country=ctx.country_name),
        summary=t("Action items of {country} by status: {counts}.", ctx.lang, country=ctx.country_name, counts=counts),
        source=t(SOURCE, ctx.lang),
        unit=t("number of action items", ctx.lang),
        illustrative=illustrative,
        check=charts.check_spec(None, why="counts of the action items per status, derived from the progress reports"),
    ), "status_mix", mix.drop("order"))


def score_history(ctx: Context) -> pl.DataFrame:
    """Month-end overall score of the country and the median of the other parties' scores."""
    series = ctx.frame("score_series")
    mine = series.filter(pl.col("country") == ctx.country).select("date", "score")
    median = peers.median_of_others(series.filter(pl.col("country").is_in(ctx.params.region.parties)), ctx.country, ["date"], value="score")
    return mine.join(median.select("date", median_others="median", parties_reporting="reporting"), on="date", how="left", maintain_order="left")


def score_chart(ctx: Context, history: pl.DataFrame) -> Figure:
    me, med = ctx.country_name, peers.label(ctx, parties=True)
    long = pl.concat(
        [
            history.select("date", pl.col("score").alias("value"), pl.lit(me).alias("series")),
            history.select("date", pl.col("median_others").alias("value"), pl.lit(med).alias("series")),
        ]
    ).with_columns((pl.col("value") * 100).alias("value"))
    chart = charts.line_over_time(long, x="date", y="value", color="series", x_title=t("Month", ctx.lang), y_title=t("Implementation score (% of maximum points)", ctx.lang), y_format=",.0f", focus=me,
                                  colours={me: charts.ACCENT, med: charts.MEDIAN})
    return figure(ctx, charts.finish(
        chart,
        lang=ctx.lang,
        title=t("Implementation score of {country} against the median of the other parties", ctx.lang, country=ctx.country_name),
        summary=score_summary(ctx, history),
        source=t(SOURCE, ctx.lang),
        unit=t("% of maximum points (full 3, partial 2, pilot 1, not started 0)", ctx.lang),
        note=peers.note(ctx, parties=True),
        illustrative=True,
        check=charts.check_spec(None, why="monthly scores recomputed from the progress history (tflib.scores.score_series)"),
    ), "score_history", history)


def score_summary(ctx: Context, history: pl.DataFrame) -> str:
    """The score chart in one sentence: the latest month's score and the median beside it."""
    lang = ctx.lang
    scored = history.filter(pl.col("score").is_not_null())
    if scored.is_empty():
        return t("{country} has no implementation score yet.", lang, country=ctx.country_name)
    last = scored.row(-1, named=True)
    args = dict(country=ctx.country_name, date=fmt_date(last["date"], lang, "long"), score=fmt_percent(last["score"], lang))
    if last["median_others"] is None:
        return t("Implementation score of {country} on {date}: {score}.", lang, **args)
    return t("Implementation score of {country} on {date}: {score}, against a median of {median} for the other parties.", lang, median=fmt_percent(last["median_others"], lang), **args)


def warnings_frame(ctx: Context) -> pl.DataFrame:
    """The country's early warnings (those about confidential indicators never reach a page),
    most severe first, with the message, kind and severity in the page's language."""
    found = ctx.frame("early_warnings")
    messages = [monitor.warning_message(r, ctx.lang, ctx.params) for r in found.iter_rows(named=True)]
    return found.with_columns(
        message=pl.Series(messages, dtype=pl.String),
        kind_label=pl.col("kind").replace_strict({k: monitor.kind_label(k, ctx.lang) for k in monitor.KINDS}, return_dtype=pl.String),
        severity_label=pl.col("severity").replace_strict({"high": t("high", ctx.lang), "medium": t("medium", ctx.lang), "low": t("low", ctx.lang)}, return_dtype=pl.String),
    )


def warnings_table(ctx: Context, warnings: pl.DataFrame, illustrative: bool) -> Table:
    return release_table(ctx, "early_warnings", warnings, title=t("Early warnings", ctx.lang), source=SOURCE, illustrative=illustrative)


def due_next(ctx: Context, items: pl.DataFrame) -> pl.DataFrame:
    horizon = ctx.as_of + dt.timedelta(days=DUE_NEXT_DAYS)
    return items.filter(
        ~pl.col("status").fill_null("").is_in(["full", "not_applicable"]) & (pl.col("due") > ctx.as_of) & (pl.col("due") <= horizon)
    ).sort("due").select("item_id", "measure_id", "measure", "step_name", "agency_name", "due", "status", "status_label", "pct_complete")


def due_next_table(ctx: Context, items: pl.DataFrame, illustrative: bool) -> Table:
    return release_table(ctx, "due_next", due_next(ctx, items), title=t("Due next and who owns it", ctx.lang), source=SOURCE, illustrative=illustrative)


def summary_sentences(ctx: Context, items: pl.DataFrame, history: pl.DataFrame, warnings: pl.DataFrame) -> list[str]:
    """The page's opening paragraph, built from the data."""
    n = items.height
    full = items.filter(pl.col("status") == "full").height
    reported = items.filter(pl.col("status").is_not_null()).height
    out = [sentence(tn("{country} has {n} action item in the regional plan (fully implemented: {full}; never reported on: {unreported}).", "{country} has {n} action items in the regional plan (fully implemented: {full}; never reported on: {unreported}).", n, ctx.lang, country=ctx.country_name, n=n, full=full, unreported=n - reported))]
    if ctx.params.region.is_party(ctx.country) and history.height:
        last = history.row(-1, named=True)
        if last["score"] is not None:
            out.append(t("Its implementation score is {score} of the maximum, against a median of {median} for the other parties.", ctx.lang, score=fmt_percent(last["score"], ctx.lang), median=fmt_percent(last["median_others"], ctx.lang)))
    counts = {k: warnings.filter(pl.col("kind") == k).height for k in monitor.KINDS}
    out.append(t("Early warnings by kind — overdue: {overdue}; at risk: {at_risk}; stalled: {stalled}; progress reports missing: {missing}; indicator regressions: {regression}; national targets missed: {target_missed}.", ctx.lang, overdue=counts["overdue"], at_risk=counts["at_risk"], stalled=counts["stalled"], missing=counts["missing_submission"], regression=counts["regression"], target_missed=counts["target_missed"]))
    return out
