"""Building blocks shared by the dimension pages (SME inclusion, digital trade, ...).

- Indicator series of one member: every reporting period from the member's start to the page
  date, the periods without a value kept as gaps (never 0) and labelled "no data" on charts.
- The latest period across members, with the members that did not report it as no data.
- An indicator with no role of its own on its page, over time (chart, trend and target
  sentences), and an indicator recorded per border crossing and direction, over time.
- The strategy's measures of one dimension for a member (status, completion, steps) and the
  status of their action items.

Charts drawn here carry the loader's own column names (country, indicator_id, statistic,
period, value; item_id, status, pct_complete) so tests re-derive every value drawn. Rows that
only mark "no data" or a national target are kept in separate datasets without those keys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import altair as alt
import polars as pl

from .. import charts, periods, units
from ..i18n import N_, fmt_date, fmt_number, fmt_percent, gettext, sentence, t, tn
from ..page import Block, Context, Figure, figure, no_data, show
from ..params import DIRECTION_LABELS, STATISTIC_LABELS, Dimension, Indicator, text_in
from ..status import STATUSES, label
from . import peers

# How a chart row is matched to its indicators-loader row.
INDICATOR_KEY = {"country": "country", "indicator_id": "indicator_id", "statistic": "statistic", "period": "period"}
PROGRESS_KEY = {"item_id": "item_id"}
TRACKER_SOURCE = N_("{agency}, reported to the secretariat (tflib tracker)")
PROGRESS_SOURCE = N_("national progress reports to the secretariat (tflib tracker)")
HEIGHT = 240
# The heading of a page's section of indicators that have no role of their own there.
OTHER_SECTION = N_("Other indicators of this dimension")
# How a per-crossing chart row is checked against its indicators-loader row.
CROSSING_CHECK_FIELDS = {f: f for f in ("country", "indicator_id", "statistic", "crossing_id", "direction", "period", "value")}


def page_dimension(ctx: Context) -> Dimension:
    """The strategy dimension the page presents (strategy.yaml dimensions[].page, default: id)."""
    found = ctx.address.spec.dimension(ctx.params)
    if found is None:
        raise ValueError(f"region {ctx.region} has no {ctx.kind} page: {ctx.address.spec.absent_why(ctx.params)}")
    return found


def page_indicators(ctx: Context) -> list[Indicator]:
    """The catalogue indicators of the page's dimension, in catalogue order: exactly the ones
    the page shows (the catalogue's `dimension` decides, never an id written in code)."""
    return [ctx.params.indicators.get(i) for i in ctx.address.spec.indicators(ctx.params)]


def short_name(ctx: Context, indicator: Indicator) -> str:
    """The indicator's short label (catalogue `short_name`), else its name."""
    return ctx.text(indicator.short_name or indicator.name)


def headline_statistic(indicator: Indicator) -> str | None:
    """The statistic a single value of the indicator stands for: the median where it is
    reported, else its first statistic (None: a plain value)."""
    if not indicator.statistics:
        return None
    return "median" if "median" in indicator.statistics else indicator.statistics[0]


def require_country(ctx: Context) -> str:
    if not ctx.country:
        raise ValueError("this page is about one member: pass a country")
    return ctx.country


# ---------------------------------------------------------------------------------------------
# Values in words


def fmt_value(value: float | None, unit: str, lang: str, digits: int = 1) -> str:
    """A value with its unit, in the page's language (no data stays no data)."""
    return units.amount(value, unit, lang, digits)


def fmt_signed_percent(value: float | None, lang: str) -> str:
    """A growth rate in % with its sign (+7.5%, −0.4%)."""
    if value is None:
        return gettext("no data", lang)
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return sign + fmt_percent(abs(value) / 100, lang, 1)


def fmt_gap(value: float, unit: str, lang: str) -> str:
    """A difference between two values of the same unit (percentage points for %)."""
    if unit == "%":
        return t("{value} percentage points", lang, value=fmt_number(abs(value), lang, 1))
    return fmt_value(abs(value), unit, lang)


def unit_label(indicator: Indicator, lang: str) -> str:
    return {
        "%": t("% (share)", lang),
        "USD": t("US dollars per shipment", lang),
        "h": t("hours", lang),
    }.get(indicator.unit) or units.label(indicator.unit, lang)


def source_of(ctx: Context, indicator: Indicator) -> str:
    return t(TRACKER_SOURCE, ctx.lang, agency=text_in(indicator.source, ctx.lang))


def statistic_label(statistic: str | None, lang: str) -> str | None:
    return gettext(STATISTIC_LABELS[statistic], lang) if statistic else None


# ---------------------------------------------------------------------------------------------
# Observations


def observations(ctx: Context, indicator_id: str, country: str | None = None) -> pl.DataFrame:
    """Published observations of one indicator (members, periods ended by the page date):
    confidential series removed, latest revision per period."""
    df = ctx.frame("indicators").filter(pl.col("indicator_id") == indicator_id)
    if country is not None:
        df = df.filter(pl.col("country") == country)
    return (
        df.filter(
            pl.col("country").is_in(ctx.params.region.member_codes)
            & (pl.col("period_end") <= ctx.as_of)
            & pl.col("crossing_id").is_null()
            & pl.col("direction").is_null()
        )
        .select("country", "indicator_id", "statistic", "period", "period_start", "value", "unit", "illustrative")
        .sort("country", "statistic", "period_start", nulls_last=True)
    )


@dataclass(frozen=True)
class Series:
    """One member's series of one indicator over every expected period."""

    indicator: Indicator
    country: str
    periods: list[str]          # every expected period, in order
    frame: pl.DataFrame         # observed rows (loader columns + period_label, series, _seg)
    missing: pl.DataFrame       # period, period_label, series: expected but not reported
    statistics: list[str | None]
    names: dict[str | None, str]  # statistic -> series label
    confidential: bool = False    # the member does not publish this indicator

    @property
    def empty(self) -> bool:
        return self.frame.is_empty()

    @property
    def illustrative(self) -> bool:
        return bool(self.frame["illustrative"].fill_null(False).any()) if self.frame.height else False

    def values(self, statistic: str | None = None) -> pl.DataFrame:
        """Observed (period, value) of one statistic, oldest first."""
        f = self.frame.filter(pl.col("statistic").is_null() if statistic is None else pl.col("statistic") == statistic)
        return f.sort("period_start").select("period", "value")


def series(ctx: Context, indicator_id: str, statistics: list[str] | None = None) -> Series:
    """The page country's series, with a gap for every period it did not report."""
    iso3 = require_country(ctx)
    ind = ctx.params.indicators.get(indicator_id)
    obs = observations(ctx, indicator_id, iso3)
    stats: list[str | None] = list(statistics or ind.statistics or [None])
    obs = obs.filter(pl.col("statistic").is_in([s for s in stats if s]) if stats != [None] else pl.col("statistic").is_null())
    first = ctx.params.countries[iso3].start
    if obs.height:
        first = min(first, obs["period_start"].min())
    expected = periods.complete_between(ind.frequency, first, ctx.as_of)
    order = {p: i for i, p in enumerate(expected)}
    names = {s: (statistic_label(s, ctx.lang) if s else ctx.text(ind.name)) for s in stats}
    frame = obs.with_columns(
        period_label=pl.col("period").map_elements(lambda p: periods.label(p, ctx.lang), return_dtype=pl.String),
        series=pl.col("statistic").replace_strict(names, default=ctx.text(ind.name), return_dtype=pl.String),
        _idx=pl.col("period").replace_strict(order, default=-1, return_dtype=pl.Int64),
    ).filter(pl.col("value").is_not_null() & (pl.col("_idx") >= 0))
    # Consecutive periods share a line segment; a missing period starts a new one.
    frame = frame.sort("series", "_idx").with_columns(
        _seg=pl.col("series") + "-" + (pl.col("_idx") - pl.int_range(pl.len()).over("series")).cast(pl.String)
    ).drop("_idx")
    rows = []
    for s in stats:
        seen = set(frame.filter(pl.col("series") == names[s])["period"].to_list())
        rows += [{"period": p, "period_label": periods.label(p, ctx.lang), "series": names[s]} for p in expected if p not in seen]
    missing = pl.DataFrame(rows, schema={"period": pl.String, "period_label": pl.String, "series": pl.String})
    return Series(ind, iso3, expected, frame, missing, stats, names, indicator_id in ctx.confidential(iso3))


def target_of(ctx: Context, indicator_id: str) -> dict[str, Any] | None:
    """The page country's national target for the indicator (params), if it has one."""
    target = ctx.params.countries[require_country(ctx)].targets.get(indicator_id)
    return None if target is None else {"value": target.value, "by": target.by, "statistic": target.statistic}


def trend_sentences(ctx: Context, s: Series, statistic: str | None = None) -> list[str]:
    """Latest value against the first, the direction by the indicator's polarity, and gaps."""
    ind, lang = s.indicator, ctx.lang
    name = ctx.text(ind.name)
    if s.confidential:
        return [sentence(t("{country} does not publish {indicator}.", lang, country=ctx.country_name, indicator=name))]
    if statistic:
        name = t("{indicator} ({statistic})", lang, indicator=name, statistic=statistic_label(statistic, lang))
    vals = s.values(statistic)
    if vals.is_empty():
        return [sentence(t("{country} has reported no value of {indicator} since {start}.", lang, country=ctx.country_name, indicator=name, start=periods.label(s.periods[0], lang) if s.periods else fmt_date(ctx.as_of, lang)))]
    first, last = vals.row(0, named=True), vals.row(-1, named=True)
    value, period = fmt_value(last["value"], ind.unit, lang), periods.label(last["period"], lang)
    if vals.height == 1:
        out = [t("{indicator} {in_country}: {value} in {period}.", lang, indicator=name, in_country=ctx.in_country(), value=value, period=period)]
    else:
        better = (last["value"] > first["value"]) == (ind.polarity == "higher_better")
        args = dict(indicator=name, in_country=ctx.in_country(), value=value, period=period, first=fmt_value(first["value"], ind.unit, lang), first_period=periods.label(first["period"], lang))
        if last["value"] == first["value"]:
            out = [t("{indicator} {in_country}: {value} in {period}, the same as in {first_period}.", lang, **args)]
        elif better:
            out = [t("{indicator} {in_country}: {value} in {period}, against {first} in {first_period} (an improvement).", lang, **args)]
        else:
            out = [t("{indicator} {in_country}: {value} in {period}, against {first} in {first_period} (a deterioration).", lang, **args)]
    gaps = s.missing.filter(pl.col("series") == s.names[statistic]).height
    if gaps:
        out.append(t("Periods without data since {start}: {n} of {total}.", lang, n=gaps, total=len(s.periods), start=periods.label(s.periods[0], lang)))
    return out


def target_sentence(ctx: Context, s: Series) -> str | None:
    target = target_of(ctx, s.indicator.id)
    if target is None or s.confidential:
        return None
    ind, lang = s.indicator, ctx.lang
    vals = s.values(target["statistic"])
    args = dict(target=fmt_value(target["value"], ind.unit, lang, 0 if float(target["value"]).is_integer() else 1), by=fmt_date(target["by"], lang, "long"))
    if vals.is_empty():
        return t("The national target is {target} by {by}; there is no value to compare with it.", lang, **args)
    last = vals.row(-1, named=True)
    args |= dict(value=fmt_value(last["value"], ind.unit, lang), period=periods.label(last["period"], lang))
    gap = last["value"] - target["value"]
    met = gap >= 0 if ind.polarity == "higher_better" else gap <= 0
    if met:
        return t("The latest value ({value}, {period}) meets the national target of {target} set for {by}.", lang, **args)
    return t("The latest value ({value}, {period}) is {gap} short of the national target of {target} set for {by}.", lang, gap=fmt_gap(gap, ind.unit, lang), **args)


# ---------------------------------------------------------------------------------------------
# Charts of one member's series


def _x_axis(s: Series, lang: str, title: str) -> alt.X:
    labels = [periods.label(p, lang) for p in s.periods]
    ticks = labels
    if s.indicator.frequency == "month" and len(labels) > 12:
        # One label a quarter keeps a monthly axis readable; every month keeps its slot.
        ticks = [periods.label(p, lang) for p in s.periods if int(p[5:7]) in (1, 4, 7, 10)]
    return alt.X("period_label:O", title=title, scale=alt.Scale(domain=labels), sort=labels, axis=alt.Axis(values=ticks, labelAngle=0, labelOverlap="greedy", labelSeparation=6))


def _x_title(s: Series, lang: str) -> str:
    return _x_title_of(s.indicator, lang)


def _x_title_of(indicator: Indicator, lang: str) -> str:
    return {"year": t("Year", lang), "quarter": t("Quarter", lang), "month": t("Month", lang)}[indicator.frequency]


def series_chart(ctx: Context, s: Series, *, title: str, kind: str = "line", y_format: str = ",.0f", show_target: bool = True) -> Figure:
    """One member's series of one indicator: a line (or bars) over every expected period, a
    grey "no data" band where a period was not reported, and the national target if any."""
    ind, lang = s.indicator, ctx.lang
    x = _x_axis(s, lang, _x_title(s, lang))
    y_title = unit_label(ind, lang)
    # Zero-based; the top follows the data (and the target), so small shares still show their trend.
    y_scale = alt.Scale(zero=True, nice=True)
    data = s.frame.select("country", "indicator_id", "statistic", "period", "period_label", "series", "value", "_seg")
    tooltip = [alt.Tooltip("series:N", title=t("Series", lang)), alt.Tooltip("period_label:N", title=t("Period", lang)), alt.Tooltip("value:Q", title=y_title, format=",.1f")]
    several = len(s.statistics) > 1
    if kind == "line":
        # Each statistic in its own colour, the same on every page (charts.STATISTIC_COLOURS).
        colours = {s.names[st]: charts.STATISTIC_COLOURS.get(st or "", charts.ACCENT) for st in s.statistics} if several else None
        main = charts.line_over_time(data, x="period_label", y="value", color="series" if several else None, x_title=_x_title(s, lang), y_title=y_title, x_type="O", y_format=y_format, colours=colours)
        main = main.encode(x=x, y=alt.Y("value:Q", title=y_title, scale=y_scale, axis=charts.value_axis(y_format)), detail="_seg:N", tooltip=tooltip)
    else:
        bars = alt.Chart(data).mark_bar(color=charts.ACCENT, width=alt.RelativeBandSize(0.6)).encode(x=x, y=alt.Y("value:Q", title=y_title, scale=y_scale, axis=charts.value_axis(y_format)), tooltip=tooltip)
        text = alt.Chart(data).mark_text(dy=-6, fontSize=10, color="#333").encode(x=x, y="value:Q", text=alt.Text("value:Q", format=",.1f"))
        main = bars + text
    layers = []
    if s.missing.height:
        nodata = charts.no_data_label(lang)
        gaps = s.missing.group_by("period_label", maintain_order=True).agg(pl.col("series").sort().str.join(", ").alias("series")).with_columns(_no_data=pl.lit(nodata))
        band = alt.Chart(gaps).mark_bar(color=charts.NO_DATA_FILL, width=alt.RelativeBandSize(0.6)).encode(
            x=x, tooltip=[alt.Tooltip("period_label:N", title=t("Period", lang)), alt.Tooltip("_no_data:N", title=t("Value", lang)), alt.Tooltip("series:N", title=t("Series", lang))]
        )
        words = alt.Chart(gaps).mark_text(angle=270, align="left", baseline="middle", fontSize=9, color="#777").encode(x=x, y=alt.value(HEIGHT - 6), text="_no_data:N")
        layers += [band, words]
    layers.append(main)
    target = target_of(ctx, ind.id) if show_target and not s.confidential else None
    if target is not None:
        text = t("National target: {value} by {by}", lang, value=fmt_value(target["value"], ind.unit, lang, 0), by=fmt_date(target["by"], lang))
        tdf = pl.DataFrame({"target": [target["value"]], "_label": [text]})
        rule = alt.Chart(tdf).mark_rule(color=charts.TARGET, strokeDash=[5, 3]).encode(y="target:Q")
        tlabel = alt.Chart(tdf).mark_text(align="right", baseline="bottom", dx=-2, dy=-3, fontSize=10, color=charts.TARGET).encode(y="target:Q", x=alt.value("width"), text="_label:N")
        layers += [rule, tlabel]
    chart = alt.layer(*layers).properties(width=charts.WIDTH, height=HEIGHT)
    note = t("Grey bands: periods with no data.", lang) if s.missing.height else None
    return figure(ctx, charts.finish(
        chart,
        lang=lang,
        title=title,
        summary=series_summary(ctx, s),
        source=source_of(ctx, ind),
        unit=y_title,
        illustrative=s.illustrative,
        note=note,
        check=charts.check_spec("indicators", args={"country": s.country, "indicator": ind.id}, key=INDICATOR_KEY, value={"value": "value"}),
    ), f"series_{ind.id}", pl.concat([data.drop("_seg"), s.missing.with_columns(country=pl.lit(s.country), indicator_id=pl.lit(ind.id))], how="diagonal_relaxed"))


def series_summary(ctx: Context, s: Series) -> str:
    """A series chart in one sentence: the latest value reported (its first statistic)."""
    lang, ind = ctx.lang, s.indicator
    stat = s.statistics[0]
    rows = s.frame.filter(pl.col("series") == s.names[stat]).sort("period")
    name = ctx.text(ind.name) if stat is None else t("{indicator} ({statistic})", lang, indicator=ctx.text(ind.name), statistic=statistic_label(stat, lang))
    if rows.is_empty():
        return t("{indicator} {in_country}: no data.", lang, indicator=name, in_country=ctx.in_country())
    last = rows.row(-1, named=True)
    return t("{indicator} {in_country}: {value} in {period}, the latest period with data.", lang, indicator=name, in_country=ctx.in_country(),
             value=fmt_value(last["value"], ind.unit, lang), period=last["period_label"])


# ---------------------------------------------------------------------------------------------
# An indicator with no role of its own on its page, over time


def over_time_title(ctx: Context, indicator: Indicator) -> str:
    return t("{indicator} {in_country}", ctx.lang, indicator=ctx.text(indicator.name), in_country=ctx.in_country())


def over_time_sentences(ctx: Context, s: Series) -> list[str]:
    """The trend of each statistic of the series, then its national target if any."""
    if s.confidential:
        return trend_sentences(ctx, s)[:1]
    out = [x for stat in s.statistics for x in trend_sentences(ctx, s, stat)]
    target = target_sentence(ctx, s)
    return out + ([target] if target else [])


def over_time_view(ctx: Context, s: Series, title: str | None = None) -> Figure | Block:
    """The page country's series over time with its national target (bars for a yearly
    indicator, else a line); the not-published note or "no data" when there is nothing to draw."""
    name = ctx.text(s.indicator.name)
    if s.confidential:
        return no_data(ctx, t("{indicator} (not published by {country})", ctx.lang, indicator=name, country=ctx.country_name))
    if s.empty:
        return no_data(ctx, name)
    kind = "bar" if s.indicator.frequency == "year" else "line"
    return show(series_chart(ctx, s, title=title or over_time_title(ctx, s.indicator), kind=kind))


# ---------------------------------------------------------------------------------------------
# Indicators recorded per border crossing and direction


def crossings(ctx: Context) -> pl.DataFrame:
    """The region's border crossings that touch the page country: id, name, neighbour, post, corridor."""
    rows = []
    for order, c in enumerate(ctx.params.region.border_crossings):
        if ctx.country not in c.countries:
            continue
        neighbour = c.countries[1] if c.countries[0] == ctx.country else c.countries[0]
        rows.append(
            {
                "crossing_id": c.id,
                "crossing": c.name,
                "neighbour_iso3": neighbour,
                "neighbour": ctx.short_name_of(neighbour),
                "post": c.posts.get(ctx.country),
                "corridor": ctx.text(c.corridor) if c.corridor else None,
                "crossing_label": f"{c.name} ({ctx.short_name_of(neighbour)})",
                "_order": order,
            }
        )
    schema = {"crossing_id": pl.String, "crossing": pl.String, "neighbour_iso3": pl.String, "neighbour": pl.String,
              "post": pl.String, "corridor": pl.String, "crossing_label": pl.String, "_order": pl.Int64}
    return pl.DataFrame(rows, schema=schema)


def direction_label(code: str, lang: str) -> str:
    return gettext(DIRECTION_LABELS[code], lang) if code in DIRECTION_LABELS else code


def crossing_observations(ctx: Context, indicator_id: str) -> pl.DataFrame:
    """The page country's public observations of a per-crossing indicator up to the page date,
    with crossing, direction and statistic labels (an unknown id gives no rows)."""
    xs = crossings(ctx)
    obs = ctx.frame("indicators").filter(
        (pl.col("country") == ctx.country) & (pl.col("indicator_id") == indicator_id) & (pl.col("period_end") <= ctx.as_of)
    )
    obs = obs.join(xs.select("crossing_id", "crossing", "neighbour", "crossing_label", "_order"), on="crossing_id", how="inner")
    return obs.with_columns(
        direction_label=pl.col("direction").replace_strict({d: direction_label(d, ctx.lang) for d in DIRECTION_LABELS}, default=pl.col("direction"), return_dtype=pl.String),
        statistic_label=pl.col("statistic").replace_strict({s: gettext(v, ctx.lang) for s, v in STATISTIC_LABELS.items()}, default=pl.col("statistic"), return_dtype=pl.String),
    ).sort("_order", "direction", "statistic", "period_start")


def crossing_segments(df: pl.DataFrame) -> pl.DataFrame:
    """`_line`: a line id per run of consecutive periods of a crossing, direction and
    statistic, so a period with no report breaks the line."""
    series = ["crossing_id", "direction", "statistic"]
    return (
        df.sort(*series, "period_start")
        .with_columns(_gap=(pl.col("period_start") != (pl.col("period_end").shift(1) + dt.timedelta(days=1))).over(series).fill_null(True))
        .with_columns(_run=pl.col("_gap").cast(pl.Int64).cum_sum().over(series))
        .with_columns(_line=pl.concat_str(pl.col("crossing_id"), pl.col("direction"), pl.col("_run").cast(pl.String), separator="|"))
        .drop("_gap", "_run")
    )


def crossing_chart(ctx: Context, indicator: Indicator, obs: pl.DataFrame) -> Figure:
    """A per-crossing indicator of the page country over time: its headline statistic, one
    line per crossing (colour) and direction (dash), and the national target if it is set
    for that statistic."""
    lang = ctx.lang
    stat = headline_statistic(indicator)
    shown = obs.filter(pl.col("statistic").is_null() if stat is None else pl.col("statistic") == stat)
    df = crossing_segments(shown).select(
        "obs_id", "country", "indicator_id", "statistic", "crossing_id", "direction", "period", "period_start", "value",
        "crossing_label", "direction_label", "_line",
    )
    unit = unit_label(indicator, lang)
    y_title = unit if stat is None else t("{indicator} ({statistic})", lang, indicator=unit, statistic=statistic_label(stat, lang))
    directions = [direction_label(d, lang) for d in DIRECTION_LABELS]
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("period_start:T", title=_x_title_of(indicator, lang), axis=alt.Axis(format="%b %Y")),
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=True), axis=charts.value_axis(",.0f")),
        color=alt.Color("crossing_label:N", title=None, legend=charts.legend(df["crossing_label"].unique(maintain_order=True).to_list(), orient="top")),
        strokeDash=alt.StrokeDash("direction_label:N", title=None, sort=directions, scale=alt.Scale(domain=directions, range=[[1, 0], [5, 3]]), legend=charts.legend(directions, symbolType="stroke")),
        detail="_line:N",
        tooltip=[alt.Tooltip("crossing_label:N", title=t("Crossing", lang)), alt.Tooltip("direction_label:N", title=t("Direction", lang)),
                 alt.Tooltip("period:N", title=t("Period", lang)), alt.Tooltip("value:Q", format=",.1f", title=y_title)],
    )
    layers: list[Any] = [lines]
    target = target_of(ctx, indicator.id)
    if target is not None and target["statistic"] in (None, stat):
        text = t("National target: {value} by {by}", lang, value=fmt_value(target["value"], indicator.unit, lang, 0), by=fmt_date(target["by"], lang))
        tdf = pl.DataFrame({"target": [target["value"]], "_label": [text]})
        layers.append(alt.Chart(tdf).mark_rule(color=charts.TARGET, strokeDash=[2, 2]).encode(y="target:Q"))
        layers.append(alt.Chart(tdf).mark_text(align="right", baseline="bottom", dx=-2, dy=-3, fontSize=10, color=charts.TARGET).encode(y="target:Q", x=alt.value("width"), text="_label:N"))
    unit_line = (
        t("{unit}; a gap is a period with no report", lang, unit=unit) if stat is None
        else t("{unit}, {statistic} per period; a gap is a period with no report", lang, unit=unit, statistic=statistic_label(stat, lang))
    )
    return figure(ctx, charts.finish(
        alt.layer(*layers).properties(width=charts.WIDTH, height=HEIGHT),
        lang=lang,
        title=t("{indicator} {in_country}, by crossing and direction", lang, indicator=ctx.text(indicator.name), in_country=ctx.in_country()),
        summary=crossing_summary(ctx, indicator, df, y_title),
        source=source_of(ctx, indicator),
        unit=unit_line,
        illustrative=bool(df.height and obs["illustrative"].fill_null(False).any()),
        check=charts.check_spec("indicators", args={"country": ctx.country, "indicator": indicator.id}, key={"obs_id": "obs_id"}, value=CROSSING_CHECK_FIELDS),
    ), f"crossing_{indicator.id}", df.drop("_line"))


def crossing_summary(ctx: Context, indicator: Indicator, df: pl.DataFrame, what: str) -> str:
    """The latest period of a per-crossing chart in one sentence: its lowest and highest value."""
    lang = ctx.lang
    last = df.filter(pl.col("value").is_not_null())
    if last.is_empty():
        return t("{indicator} {in_country}: no data.", lang, indicator=ctx.text(indicator.name), in_country=ctx.in_country())
    last = last.filter(pl.col("period_start") == last["period_start"].max()).sort("value")
    lo, hi = last.row(0, named=True), last.row(-1, named=True)

    def where(r: dict[str, Any]) -> str:
        return f"{r['crossing_label']} ({r['direction_label']})"

    args = dict(what=what, period=periods.label(lo["period"], lang), in_country=ctx.in_country())
    if last.height == 1:
        return t("{what} {in_country}, {period}: {value} at {where}.", lang, value=fmt_value(lo["value"], indicator.unit, lang), where=where(lo), **args)
    return t("{what} {in_country}, {period}: from {low} at {low_where} to {high} at {high_where}.", lang,
             low=fmt_value(lo["value"], indicator.unit, lang), low_where=where(lo), high=fmt_value(hi["value"], indicator.unit, lang), high_where=where(hi), **args)


def crossing_view(ctx: Context, indicator_id: str, obs: pl.DataFrame) -> Figure | Block:
    """What a page shows for a per-crossing indicator: its chart, the not-published note, or
    "no data" saying why (no monitored crossing, or no report)."""
    ind = ctx.params.indicators.get(indicator_id)
    name = ctx.text(ind.name)
    if indicator_id in ctx.confidential(require_country(ctx)):
        return no_data(ctx, t("{indicator} (not published by {country})", ctx.lang, indicator=name, country=ctx.country_name))
    if crossings(ctx).is_empty():
        return no_data(ctx, t("{indicator} (recorded per land-border crossing; none of {country} is monitored)", ctx.lang, indicator=name, country=ctx.country_name))
    if obs.is_empty():
        return no_data(ctx, name)
    return show(crossing_chart(ctx, ind, obs))


# ---------------------------------------------------------------------------------------------
# Latest period across members


@dataclass(frozen=True)
class Latest:
    indicator: Indicator
    statistic: str | None
    period: str | None            # the latest period any member reported (None: nobody did)
    frame: pl.DataFrame           # every member: loader columns, value null where not reported

    @property
    def reported(self) -> pl.DataFrame:
        return self.frame.filter(pl.col("value").is_not_null())

    @property
    def illustrative(self) -> bool:
        return bool(self.frame["illustrative"].fill_null(False).any())


def latest(ctx: Context, indicator_id: str, statistic: str | None = None) -> Latest:
    """Every member's value of the latest period reported by any member (no data = null)."""
    ind = ctx.params.indicators.get(indicator_id)
    obs = observations(ctx, indicator_id)
    obs = obs.filter(pl.col("statistic").is_null() if statistic is None else pl.col("statistic") == statistic).filter(pl.col("value").is_not_null())
    members = ctx.params.region.member_codes
    period = obs.sort("period_start")["period"][-1] if obs.height else None
    frame = (
        pl.DataFrame({"country": members, "name": [ctx.name_of(c) for c in members], "_order": list(range(len(members)))})
        .join(obs.filter(pl.col("period") == period).select("country", "indicator_id", "statistic", "period", "value", "illustrative"), on="country", how="left")
        .sort("_order")
        .drop("_order")
    )
    return Latest(ind, statistic, period, frame)


def rank_sentence(ctx: Context, lt: Latest, what: str) -> str:
    """Where the page country stands among the members that reported the latest period."""
    lang = ctx.lang
    if lt.period is None:
        return t("No member has reported {what} yet.", lang, what=what)
    rep = lt.reported
    med = peers.median_value(rep, ctx.country)
    others = rep.filter(pl.col("country") != ctx.country).height
    args = dict(what=what, period=periods.label(lt.period, lang), n=rep.height, others=others, median=fmt_value(med, lt.indicator.unit, lang), country=ctx.country_name)
    mine = rep.filter(pl.col("country") == ctx.country)
    if mine.is_empty():
        return sentence(tn("{country} has no data on {what} for {period}; the value of the {others} other member that reported is {median}.", "{country} has no data on {what} for {period}; the median of the {others} other members that reported is {median}.", others, lang, **args))
    value = mine["value"][0]
    better = rep.filter(pl.col("value") > value if lt.indicator.polarity == "higher_better" else pl.col("value") < value).height
    return tn("On {what} in {period}, {country} ({value}) is the only member that reported.", "On {what} in {period}, {country} ({value}) ranks {rank} of the {n} members that reported; the median of the others is {median}.", rep.height, lang, value=fmt_value(value, lt.indicator.unit, lang), rank=better + 1, **args)


def compare_chart(
    ctx: Context,
    frame: pl.DataFrame,
    *,
    name: str,
    value: str,
    title: str,
    source: str,
    unit: str,
    value_title: str,
    check: dict[str, Any],
    higher_better: bool,
    illustrative: bool,
    value_format: str = ",.1f",
    note: str | None = None,
    missing_text: dict[str, str] | None = None,
) -> Figure:
    """Horizontal bars, one per country (`frame` has country, name, role and `value`), best
    first; countries without a value listed last with "no data" (or `missing_text[iso3]`)."""
    lang = ctx.lang
    have = frame.filter(pl.col(value).is_not_null()).sort(value, descending=higher_better)
    lack = frame.filter(pl.col(value).is_null())
    order = have["name"].to_list() + lack["name"].to_list()
    y = alt.Y("name:N", sort=order, scale=alt.Scale(domain=order), title=None)
    colour = alt.Color("role:N", scale=charts.role_scale(), legend=None)
    tip = [alt.Tooltip("name:N", title=t("Country", lang)), alt.Tooltip(f"{value}:Q", title=value_title, format=value_format)]
    bars = alt.Chart(have).mark_bar().encode(y=y, x=alt.X(f"{value}:Q", title=value_title, axis=charts.value_axis(",~f")), color=colour, tooltip=tip)
    text = alt.Chart(have).mark_text(align="left", dx=3, fontSize=10, color="#333").encode(y=y, x=f"{value}:Q", text=alt.Text(f"{value}:Q", format=value_format))
    layers = [bars, text]
    if lack.height:
        nodata = charts.no_data_label(lang)
        words = [(missing_text or {}).get(c, nodata) for c in lack["country"].to_list()]
        gaps = pl.DataFrame({"name": lack["name"].to_list(), "_no_data": words})
        layers.append(alt.Chart(gaps).mark_text(align="left", dx=3, fontSize=10, fontStyle="italic", color="#777").encode(y=y, x=alt.value(0), text="_no_data:N"))
    chart = alt.layer(*layers).properties(width=charts.WIDTH, height=charts.band_height(len(order), 20))
    summary = compare_summary(ctx, have, value, value_title, value_format, higher_better)
    return figure(ctx, charts.finish(chart, lang=lang, title=title, summary=summary, source=source, unit=unit, illustrative=illustrative, note=note, check=check), name, frame)


def compare_summary(ctx: Context, have: pl.DataFrame, value: str, what: str, value_format: str, higher_better: bool) -> str:
    """A comparison in one sentence: the page country's value and the best one (`have` sorted best first)."""
    lang = ctx.lang
    digits = int(value_format.split(".")[-1][0]) if "." in value_format else 0
    if have.is_empty():
        return t("{what}: no country has data.", lang, what=what)
    best = have.row(0, named=True)
    args = dict(what=what, country=ctx.country_name, best=best["name"], best_value=fmt_number(best[value], lang, digits), n=have.height)
    mine = have.filter(pl.col("country") == ctx.country)
    if mine.is_empty():
        return t("{what}: {country} has no data; the best of the {n} countries with data is {best}, {best_value}.", lang, **args)
    rank = have["country"].to_list().index(ctx.country) + 1
    return t("{what}: {country} {value}, rank {rank} of the {n} countries with data; the best is {best}, {best_value}.", lang,
             value=fmt_number(mine[value][0], lang, digits), rank=rank, **args)


def latest_chart(ctx: Context, lt: Latest, *, title: str, value_format: str = ",.1f") -> Figure:
    """The members' values of the latest period, the page country in the accent."""
    ind, lang = lt.indicator, ctx.lang
    frame = lt.frame.with_columns(role=pl.when(pl.col("country") == ctx.country).then(pl.lit("focus")).otherwise(pl.lit("peer")))
    frame = frame.select("country", "name", "role", "indicator_id", "statistic", "period", "value")
    lower = ind.polarity == "lower_better"
    note = t("Lower is better.", lang) if lower else None
    args: dict[str, Any] = {"indicator": ind.id}
    hidden = {c: t("not published", lang) for c in frame["country"].to_list() if ind.id in ctx.confidential(c)}
    return compare_chart(
        ctx,
        frame,
        name=f"latest_{ind.id}",
        missing_text=hidden,
        value="value",
        title=title,
        source=source_of(ctx, ind),
        unit=unit_label(ind, lang),
        value_title=unit_label(ind, lang),
        check=charts.check_spec("indicators", args=args, key=INDICATOR_KEY, value={"value": "value"}),
        higher_better=not lower,
        illustrative=lt.illustrative,
        value_format=value_format,
        note=note,
    )


# ---------------------------------------------------------------------------------------------
# Measures of a dimension


def dimension_measures(ctx: Context, dimension: str) -> list:
    return [m for m in ctx.params.measures if m.dimension == dimension]


def measure_name(ctx: Context, measure) -> str:
    name = ctx.text(measure.name)
    if not measure.illustrative:
        return name
    return t("{measure} (illustrative measure)", ctx.lang, measure=name)


def measure_frames(ctx: Context, dimension: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(status of the dimension's measures for every member, the page country's action items
    of those measures with their latest progress)."""
    ids = [m.id for m in dimension_measures(ctx, dimension)]
    items = ctx.frame("action_items")
    status = ctx.frame("measure_status").filter(pl.col("measure_id").is_in(ids))
    nodata = gettext("no data", ctx.lang)
    names = {m.id: measure_name(ctx, m) for m in dimension_measures(ctx, dimension)}
    order = {m: i for i, m in enumerate(ids)}
    status = status.with_columns(
        measure=pl.col("measure_id").replace_strict(names, return_dtype=pl.String),
        status_label=pl.col("status").replace_strict({s: label(s, ctx.lang) for s in STATUSES}, default=nodata, return_dtype=pl.String),
        name=pl.col("country").map_elements(ctx.name_of, return_dtype=pl.String),
    )
    iso3 = require_country(ctx)
    current = ctx.frame("progress_current").filter(pl.col("country") == iso3)
    mine = items.filter((pl.col("country") == iso3) & pl.col("measure_id").is_in(ids)).select("item_id", "step_id", "step_name", "planned_due")
    steps = (
        current.filter(pl.col("measure_id").is_in(ids))
        .join(mine, on=["item_id", "step_id"], how="left")
        .with_columns(
            measure=pl.col("measure_id").replace_strict(names, return_dtype=pl.String),
            status_label=pl.col("status").replace_strict({s: label(s, ctx.lang) for s in STATUSES}, default=nodata, return_dtype=pl.String),
            _order=pl.col("measure_id").replace_strict(order, return_dtype=pl.Int64),
        )
        .sort("_order", "step_id")
        .drop("_order")
    )
    return status, steps


def measure_sentences(ctx: Context, status: pl.DataFrame, steps: pl.DataFrame) -> list[str]:
    """One sentence per measure of the dimension for the page country."""
    lang, out = ctx.lang, []
    mine = status.filter(pl.col("country") == ctx.country)
    for row in mine.iter_rows(named=True):
        s = steps.filter(pl.col("measure_id") == row["measure_id"])
        args = dict(measure=row["measure"], country=ctx.country_name, in_country=ctx.in_country(), deadline=fmt_date(row["deadline"], lang, "long"))
        if row["source"] == "baseline":
            out.append(t("{measure}: already implemented {in_country} before the strategy (baseline).", lang, **args))
        elif row["source"] == "no_data":
            out.append(t("{measure}: {country} has not reported progress yet; regional deadline {deadline}.", lang, **args))
        elif row["status"] == "full":
            out.append(t("{measure}: fully implemented {in_country} since {date}.", lang, date=fmt_date(row["implemented_on"], lang, "long"), **args))
        else:
            args |= dict(status=row["status_label"].lower(), completion=fmt_percent((row["completion"] or 0) / 100, lang),
                         full=s.filter(pl.col("status") == "full").height, n=s.height)
            if row["deadline"] < ctx.as_of:
                out.append(tn("{measure}: status {status} {in_country}, {completion} complete ({full} of {n} step fully implemented); the regional deadline of {deadline} has passed.", "{measure}: status {status} {in_country}, {completion} complete ({full} of {n} steps fully implemented); the regional deadline of {deadline} has passed.", args["n"], lang, **args))
            else:
                out.append(tn("{measure}: status {status} {in_country}, {completion} complete ({full} of {n} step fully implemented); regional deadline {deadline}.", "{measure}: status {status} {in_country}, {completion} complete ({full} of {n} steps fully implemented); regional deadline {deadline}.", args["n"], lang, **args))
    return out


def steps_chart(ctx: Context, steps: pl.DataFrame, *, title: str) -> Figure:
    """The page country's action items of a dimension: % complete, coloured by status."""
    lang = ctx.lang
    nodata = gettext("no data", lang)
    df = steps.select(
        "item_id", "measure_id", "measure", "step_name", "agency_name", "due", "status", "status_label", "pct_complete",
        _label=pl.when(pl.col("pct_complete").is_null()).then(pl.lit(nodata)).otherwise(
            pl.col("pct_complete").map_elements(lambda v: fmt_percent(v / 100, lang), return_dtype=pl.String)
        ),
        _item=pl.col("item_id") + " · " + pl.col("step_name"),
    )
    # Long step names on two lines (a phone's column has no room for one long line).
    df = df.with_columns(_item=pl.col("_item").map_elements(lambda x: "|".join(charts.wrap(x, 30)[:2]) + ("…" if len(charts.wrap(x, 30)) > 2 else ""), return_dtype=pl.String))
    two = df["_item"].str.contains("|", literal=True).any()
    order = df["_item"].to_list()
    y = alt.Y("_item:N", sort=order, scale=alt.Scale(domain=order), title=None,
              axis=alt.Axis(labelLimit=200, labelFontSize=10, labelExpr="split(datum.value, '|')", labelLineHeight=11))
    present = df["status"].to_list()
    status = t("Status", lang)
    colour = alt.Color("status_label:N", title=status, scale=charts.status_colour_scale(lang, present), legend=charts.status_legend(lang, present))
    tip = [
        alt.Tooltip("measure:N", title=t("Measure", lang)), alt.Tooltip("step_name:N", title=t("Step", lang)),
        alt.Tooltip("agency_name:N", title=t("Responsible agency", lang)), alt.Tooltip("due:T", title=t("Due", lang)),
        alt.Tooltip("status_label:N", title=t("Status", lang)), alt.Tooltip("_label:N", title=t("% complete", lang)),
    ]
    bars = alt.Chart(df).mark_bar(height=12).encode(
        y=y, x=alt.X("pct_complete:Q", title=t("% complete", lang), scale=alt.Scale(domain=[0, 100])),
        color=colour, tooltip=tip,
    )
    # The status's shape in its colour at the end of each bar, so 0 % and never-reported items
    # (no bar; labelled "no data") still show their status, and not by colour alone.
    dots = alt.Chart(df).mark_point(filled=True, size=70, opacity=1, stroke="white", strokeWidth=0.8).encode(
        y=y, x=alt.X("_x:Q"), color=colour, shape=alt.Shape("status_label:N", title=status, scale=charts.status_shape_scale(lang, present)), tooltip=tip
    ).transform_calculate(_x="datum.pct_complete == null ? 0 : datum.pct_complete")
    text = alt.Chart(df).mark_text(align="left", dx=7, fontSize=10, color="#333").encode(
        y=y, x=alt.X("_x:Q"), text="_label:N", tooltip=tip
    ).transform_calculate(_x="datum.pct_complete == null ? 0 : datum.pct_complete")
    chart = alt.layer(bars, dots, text).properties(width=charts.WIDTH, height=charts.band_height(len(order), 28 if two else 18))
    n = df.height
    summary = tn("{n} action item: {full} fully implemented, {none} with no progress reported.", "{n} action items: {full} fully implemented, {none} with no progress reported.", n, lang,
                 n=n, full=df.filter(pl.col("status") == "full").height, none=df.filter(pl.col("pct_complete").is_null()).height)
    return figure(ctx, charts.finish(
        chart, lang=lang, title=title, summary=summary, source=t(PROGRESS_SOURCE, lang),
        unit=t("% complete of each action item, as last reported", lang),
        illustrative=steps_illustrative(ctx, steps),
        check=charts.check_spec("progress", args={"country": ctx.country}, key=PROGRESS_KEY, value={"pct_complete": "pct_complete", "status": "status"}),
    ), "action_items", df.drop("_label", "_item"))


def steps_illustrative(ctx: Context, steps: pl.DataFrame) -> bool:
    """True when any progress shown is illustrative or any measure is an illustrative one."""
    ids = set(steps["measure_id"].to_list())
    return bool(steps["illustrative"].fill_null(False).any()) or any(m.illustrative for m in ctx.params.measures if m.id in ids)


def steps_table_frame(ctx: Context, steps: pl.DataFrame) -> pl.DataFrame:
    """The action items as a table (no data kept missing)."""
    return steps.select("item_id", "measure_id", "measure", "step_name", "agency_name", "due", "status", "status_label", "pct_complete", "reported_on", "illustrative")


def steps_table_columns(lang: str) -> dict[str, str]:
    return {
        "item_id": t("Action item", lang), "measure": t("Measure", lang), "step_name": t("Step", lang),
        "agency_name": t("Responsible agency", lang), "due": t("Due", lang), "status_label": t("Status", lang),
        "pct_complete": t("% complete", lang), "reported_on": t("Reported on", lang),
    }
