"""Logistics of one member: the tracker's border and port indicators against the national
target and the other members, the World Bank Logistics Performance Index and Doing Business
"Trading across borders" against the other members and the region's comparators.

Every catalogue indicator of the page's dimension is shown: the national ones against the
national target and the median of the other members, the ones recorded per border crossing
and direction (`per_crossing: true`) by crossing and direction over time.

Every chart carries the loader's own column names (country, indicator_id, statistic, period,
value; iso3, year, lpi_score, customs, …; iso3, report_year, export_border_hours, …) so that
each value drawn is checked against its loader. Figures derived here (medians of the other
members, national targets, labels) travel in datasets without a country key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import altair as alt
import polars as pl

from .. import charts, periods, reference, units
from ..i18n import N_, fmt_date, fmt_number, fmt_percent, gettext, sentence, t, tn
from ..inputs import indicator_precision
from ..page import Block, Context, Figure, esc, figure, no_data, show
from . import dimension as dim
from . import peers
from ..page import section as page_section
from ..params import STATISTIC_LABELS

# A median of the other members is drawn for a period only when at least this many reported.
MIN_PEERS = 2


TRACKER_SOURCE = N_("national indicator reports to the secretariat (tracker)")
LPI_SOURCE = N_("World Bank, Logistics Performance Index (CC BY 4.0)")
DB_SOURCE = N_("World Bank, Doing Business, Trading across borders (national figures)")

UNIT_LABELS = {
    "h": N_("hours"),
    "days": N_("days"),
    "agencies": N_("number of agencies"),
}

LPI_COMPONENT_LABELS = {
    "customs": N_("Customs"),
    "infrastructure": N_("Infrastructure"),
    "international_shipments": N_("International shipments"),
    "logistics_competence": N_("Logistics competence and quality"),
    "timeliness": N_("Timeliness"),
    "tracking_tracing": N_("Tracking and tracing"),
}

# Doing Business measures by panel: (column, label).
DB_MEASURE_LABELS = {
    "export_border": N_("Export, border compliance"),
    "export_doc": N_("Export, documentary compliance"),
    "import_border": N_("Import, border compliance"),
    "import_doc": N_("Import, documentary compliance"),
}
DB_KINDS = {"hours": N_("hours"), "usd": N_("US dollars")}
DB_LATEST = 2020

# Colours are the charts' own (tflib.charts): one colour per series on every page.
# The median's mark on the LPI components chart: a short upright bar, in the chart and its legend.
TICK_SHAPE = "M-0.2,-1L0.2,-1L0.2,1L-0.2,1Z"

# Section headings (kept here, not in the notebook, so the catalogs pick them up).
SECTIONS = {
    "tracker": N_("Border and port indicators reported to the secretariat"),
    "lpi": N_("Logistics Performance Index (World Bank)"),
    "doing_business": N_("Trading across borders (World Bank Doing Business)"),
}

assert set(LPI_COMPONENT_LABELS) == set(reference.LPI_COMPONENTS)


def section(ctx: Context, key: str) -> Block:
    return page_section(ctx, t(SECTIONS[key], ctx.lang))


# ---------------------------------------------------------------------------------------------
# Small helpers


def _require_country(ctx: Context) -> str:
    if ctx.country is None:
        raise ValueError("the logistics page is a country page: pass a member's ISO3 code")
    return ctx.country


def _members(ctx: Context) -> list[str]:
    return list(ctx.params.region.member_codes)


def _others(ctx: Context) -> list[str]:
    return [c for c in _members(ctx) if c != ctx.country]


def _comparators(ctx: Context) -> list[str]:
    return list(ctx.params.region.comparators)


def _role(ctx: Context, iso3: str) -> str:
    if iso3 == ctx.country:
        return "focus"
    return "peer" if iso3 in _members(ctx) else "comparator"


def _role_labels(ctx: Context) -> dict[str, str]:
    return {
        "focus": ctx.country_name,
        "peer": t("Other members", ctx.lang),
        "comparator": t("Comparators", ctx.lang),
    }


def _role_scale(ctx: Context, present: Any = None) -> alt.Scale:
    """Role colours by label; `present` (role codes): only the roles the chart draws."""
    return charts.role_scale(_role_labels(ctx), present)


def _median_label(ctx: Context) -> str:
    return peers.label(ctx)


def _with_names(ctx: Context, frame: pl.DataFrame) -> pl.DataFrame:
    """Add `name` (in the page language), `role` and `role_label` from `iso3`."""
    codes = frame["iso3"].unique(maintain_order=True).to_list()
    labels = _role_labels(ctx)
    return frame.with_columns(
        name=pl.col("iso3").replace_strict({c: ctx.name_of(c) for c in codes}, return_dtype=pl.String),
        role=pl.col("iso3").replace_strict({c: _role(ctx, c) for c in codes}, return_dtype=pl.String),
    ).with_columns(role_label=pl.col("role").replace_strict(labels, return_dtype=pl.String))


def _economy_order(ctx: Context) -> list[str]:
    """The country, the other members by name, then the comparators by name (ISO3 codes)."""
    others = sorted(_others(ctx), key=ctx.name_of)
    comps = sorted(_comparators(ctx), key=ctx.name_of)
    return [ctx.country, *others, *comps]


def _segments(frame: pl.DataFrame, position: dict[Any, int], at: str, by: list[str]) -> pl.DataFrame:
    """`_seg`: a new line segment after every missing period, so gaps are drawn as gaps
    (a line never bridges a period without data)."""
    if frame.is_empty():
        return frame.with_columns(_seg=pl.lit(0, dtype=pl.Int64))
    return (
        frame.with_columns(_pos=pl.col(at).replace_strict(position, return_dtype=pl.Int64))
        .sort([*by, "_pos"])
        .with_columns(_seg=(pl.col("_pos") - pl.int_range(pl.len(), dtype=pl.Int64).over(by)))
        .drop("_pos")
    )


def unit_label(unit: str, lang: str) -> str:
    return t(UNIT_LABELS[unit], lang) if unit in UNIT_LABELS else units.label(unit, lang)


# ---------------------------------------------------------------------------------------------
# Tracker indicators (illustrative in the shipped data)


def tracker_indicators(ctx: Context) -> list[str]:
    """The national (not per-crossing) indicators of the page's dimension, in catalogue order."""
    return [i for i in ctx.address.spec.indicators(ctx.params) if not ctx.params.indicators.get(i).per_crossing]


def crossing_indicators(ctx: Context) -> list[str]:
    """The indicators of the page's dimension recorded per crossing and direction, in catalogue order."""
    return [i for i in ctx.address.spec.indicators(ctx.params) if ctx.params.indicators.get(i).per_crossing]


@dataclass(frozen=True)
class LogisticsData:
    indicators: pl.DataFrame           # the national tracker indicators, every member (indicator_frame)
    series: dict[str, pl.DataFrame]    # national indicator -> its rows (every member)
    crossing: dict[str, pl.DataFrame]  # per-crossing indicator -> the country's observations
    lpi: pl.DataFrame
    db: pl.DataFrame

    @property
    def illustrative(self) -> bool:
        """True when any tracker value on the page is illustrative."""
        frames = [self.indicators, *self.crossing.values()]
        return any(bool(f["illustrative"].fill_null(False).any()) for f in frames if f.height)


def load(ctx: Context) -> LogisticsData:
    """Everything the page shows, every catalogue indicator of its dimension included."""
    frame = indicator_frame(ctx)
    return LogisticsData(
        indicators=frame,
        series={i: frame.filter(pl.col("indicator_id") == i) for i in tracker_indicators(ctx)},
        crossing={i: dim.crossing_observations(ctx, i) for i in crossing_indicators(ctx)},
        lpi=lpi_frame(ctx),
        db=db_frame(ctx),
    )


def tracker_views(ctx: Context, data: LogisticsData) -> list[Figure | Block]:
    """One view per indicator of the dimension: the national ones, then the per-crossing ones."""
    views = [indicator_view(ctx, data.indicators, i) for i in data.series]
    return views + [dim.crossing_view(ctx, i, obs) for i, obs in data.crossing.items()]


def indicator_frame(ctx: Context) -> pl.DataFrame:
    """The page's tracker indicators for every member, periods ended by the page date.
    Confidential values (e.g. a member's inspection rate) never reach a page's tables,
    so they reach neither the country's charts nor the other members' medians."""
    _require_country(ctx)
    return ctx.frame("indicators").filter(
        pl.col("indicator_id").is_in(tracker_indicators(ctx)) & pl.col("crossing_id").is_null() & (pl.col("period_end") <= ctx.as_of)
    )


def is_illustrative(ctx: Context, frame: pl.DataFrame) -> bool:
    """True when any tracker value on the page is illustrative."""
    return bool(frame["illustrative"].fill_null(False).any()) if frame.height else False


def is_confidential(ctx: Context, indicator_id: str) -> bool:
    return indicator_id in ctx.confidential(_require_country(ctx))


def indicator_series(ctx: Context, frame: pl.DataFrame, indicator_id: str) -> dict[str, Any]:
    """The country's observations and the median of the other members for one indicator:
    {"mine", "median", "periods" (code -> label, in order)}."""
    ind = ctx.params.indicators.get(indicator_id)
    rows = frame.filter(pl.col("indicator_id") == indicator_id)
    stat_labels = {s: gettext(STATISTIC_LABELS[s], ctx.lang) for s in STATISTIC_LABELS}
    if rows.is_empty():
        return {"mine": rows, "median": rows, "periods": {}}
    starts = rows["period_start"].to_list()
    seq = {p: periods.bounds(p)[0] for p in periods.sequence(min(starts), max(starts), ind.frequency)}
    seen = dict(rows.select("period", "period_start").unique(maintain_order=True).iter_rows())
    order = sorted({**seq, **seen}.items(), key=lambda kv: (kv[1], kv[0]))
    labels = {code: periods.label(code, ctx.lang) for code, _ in order}
    position = {code: i for i, (code, _) in enumerate(order)}

    def labelled(df: pl.DataFrame) -> pl.DataFrame:
        return df.with_columns(
            period_label=pl.col("period").replace_strict(labels, return_dtype=pl.String),
            stat_label=pl.col("statistic").replace_strict(stat_labels, default=None, return_dtype=pl.String),
        )

    mine = rows.filter(pl.col("country") == ctx.country).select(
        "country", "indicator_id", "statistic", "period", "value", "illustrative"
    )
    mine = _segments(labelled(mine), position, "period", ["statistic"]).with_columns(series=pl.lit(ctx.country_name))
    median = peers.median_of_others(rows, ctx.country, ["statistic", "period"], min_reporting=MIN_PEERS)
    median = _segments(labelled(median), position, "period", ["statistic"]).with_columns(series=pl.lit(_median_label(ctx)))
    return {"mine": mine, "median": median, "periods": labels}


def _target(ctx: Context, indicator_id: str):
    return ctx.params.country(_require_country(ctx)).targets.get(indicator_id)


def indicator_chart(ctx: Context, frame: pl.DataFrame, indicator_id: str) -> alt.TopLevelMixin | None:
    """The country's values over time (median and 90th percentile for time indicators), the
    median of the other members dashed, and the national target as a rule. None when the
    country has no public value."""
    if is_confidential(ctx, indicator_id):
        return None
    ind = ctx.params.indicators.get(indicator_id)
    series = indicator_series(ctx, frame, indicator_id)
    mine, median, period_labels = series["mine"], series["median"], series["periods"]
    if mine.is_empty():
        return None
    lang = ctx.lang
    unit = unit_label(ind.unit, lang)
    digits = 0 if ind.unit == "agencies" else 1
    fmt = f",.{digits}f"
    axis_fmt = ",.0f"
    labels = list(period_labels.values())
    med_label = _median_label(ctx)
    x = alt.X("period_label:O", scale=alt.Scale(domain=labels), title=t("Period", lang), axis=alt.Axis(labelAngle=0, labelOverlap="greedy", labelSeparation=6))

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title=unit, axis=charts.value_axis(axis_fmt), scale=alt.Scale(zero=True))

    dash = alt.StrokeDash(
        "series:N", title=None,
        scale=alt.Scale(domain=[ctx.country_name, med_label], range=[[1, 0], [5, 3]]),
        legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2, symbolSize=300, direction="vertical"),
    )
    if ind.statistics:
        stats = [gettext(STATISTIC_LABELS[s], lang) for s in ind.statistics]
        colour = alt.Color("stat_label:N", title=None, scale=charts.statistic_scale(list(ind.statistics), stats), legend=charts.legend(stats, orient="top"))
    else:
        colour = alt.Color("series:N", title=None, scale=alt.Scale(domain=[ctx.country_name, med_label], range=[charts.ACCENT, charts.MEDIAN]), legend=charts.legend([ctx.country_name, med_label], orient="top"))
    tip_stat = [alt.Tooltip("stat_label:N", title=t("Statistic", lang))] if ind.statistics else []
    mine_layer = (
        alt.Chart(mine.drop("illustrative"))
        .mark_line(point=alt.OverlayMarkDef(size=40, filled=True), strokeWidth=2.5)
        .encode(
            x=x,
            y=y("value"),
            color=colour,
            strokeDash=dash,
            detail=alt.Detail("_seg:N"),
            tooltip=[alt.Tooltip("series:N", title=t("Country", lang)), *tip_stat, alt.Tooltip("period_label:N", title=t("Period", lang)), alt.Tooltip("value:Q", title=unit, format=fmt)],
        )
    )
    layers: list[alt.Chart] = [mine_layer]
    if median.height:
        layers.append(
            alt.Chart(median)
            .mark_line(strokeWidth=1.5, opacity=0.85)
            .encode(
                x=x,
                y=y("median"),
                color=colour,
                strokeDash=dash,
                detail=alt.Detail("_seg:N"),
                tooltip=[alt.Tooltip("series:N", title=t("Series", lang)), *tip_stat, alt.Tooltip("period_label:N", title=t("Period", lang)), alt.Tooltip("median:Q", title=unit, format=fmt), alt.Tooltip("reporting:Q", title=t("Members reporting", lang))],
            )
        )
    target = _target(ctx, indicator_id)
    target_note = None
    if target is not None:
        stat = gettext(STATISTIC_LABELS[target.statistic], lang) if target.statistic else None
        values = dict(value=units.amount(target.value, ind.unit, lang, 0 if float(target.value).is_integer() else digits), date=fmt_date(target.by, lang))
        target_note = (
            t("Red dotted line: national target ({statistic}), {value} by {date}.", lang, statistic=stat, **values)
            if stat
            else t("Red dotted line: national target, {value} by {date}.", lang, **values)
        )
        tdf = pl.DataFrame({"target": [target.value], "target_label": [t("national target", lang)]})
        rule = alt.Chart(tdf).mark_rule(color=charts.TARGET, strokeDash=[2, 2], strokeWidth=1.5).encode(y=y("target"))
        # The short label sits under the rule at the left, where the series usually start above it.
        label = alt.Chart(tdf).mark_text(align="left", baseline="top", dx=4, dy=3, color=charts.TARGET, fontSize=10).encode(y=y("target"), x=alt.value(0), text="target_label:N")
        layers += [rule, label]
    chart = alt.layer(*layers).properties(width=charts.WIDTH, height=240)
    summary = _indicator_summary(ctx, ind, mine, median, unit, digits)
    if ind.statistics:
        shown = " · ".join(gettext(STATISTIC_LABELS[s], lang) for s in ind.statistics)
        unit_line = t("{unit}; {statistics} per period", lang, unit=unit, statistics=shown)
    else:
        unit_line = unit
    note = [t("A gap is a period without data.", lang), peers.note(ctx) if median.height else None, target_note]
    return figure(ctx, charts.finish(
        chart,
        lang=lang,
        title=t("{indicator}: {country}", lang, indicator=ctx.text(ind.name), country=ctx.country_name),
        summary=summary,
        source=t(TRACKER_SOURCE, lang),
        unit=unit_line,
        note=note,
        illustrative=bool(mine["illustrative"].fill_null(False).any()) or is_illustrative(ctx, frame.filter(pl.col("indicator_id") == indicator_id)),
        check=charts.check_spec(
            "indicators",
            args={"country": ctx.country, "indicator": indicator_id},
            key={"country": "country", "indicator_id": "indicator_id", "statistic": "statistic", "period": "period"},
            value={"value": "value"},
        ),
    ), f"indicator_{indicator_id}", pl.concat([mine, median], how="diagonal_relaxed"), precision={"median": indicator_precision(ctx.params)})


def _indicator_summary(ctx: Context, ind: Any, mine: pl.DataFrame, median: pl.DataFrame, unit: str, digits: int) -> str:
    """The country's latest value of the indicator's first statistic, and the median beside it."""
    lang = ctx.lang
    stat = ind.statistics[0] if ind.statistics else None
    rows = mine.filter(pl.col("value").is_not_null() & (pl.col("statistic").is_null() if stat is None else pl.col("statistic") == stat))
    last = rows.row(-1, named=True)
    what = ctx.text(ind.name) if stat is None else t("{indicator} ({statistic})", lang, indicator=ctx.text(ind.name), statistic=gettext(STATISTIC_LABELS[stat], lang))
    args = dict(what=what, country=ctx.country_name, period=last["period_label"], value=fmt_number(last["value"], lang, digits), unit=unit)
    med = median.filter((pl.col("period") == last["period"]) & (pl.col("statistic").is_null() if stat is None else pl.col("statistic") == stat))
    if med.height and med["median"][0] is not None:
        return t("{what}, {country}, {period}: {value} {unit}, against a median of {median} for the other members.", lang, median=fmt_number(med["median"][0], lang, digits), **args)
    return t("{what}, {country}, {period}: {value} {unit}.", lang, **args)


def indicator_view(ctx: Context, frame: pl.DataFrame, indicator_id: str) -> Figure | Block:
    """What the page shows for one indicator: its chart, the not-published note for a
    confidential indicator, or "no data"."""
    lang = ctx.lang
    try:
        ind = ctx.params.indicators.get(indicator_id)
    except KeyError:
        return no_data(ctx, indicator_id)
    name = ctx.text(ind.name)
    if is_confidential(ctx, indicator_id):
        text = t("{indicator}: not published, at the request of {country}.", lang, indicator=name, country=ctx.country_name)
        return Block(f'<p class="tf-confidential">{esc(text)}</p>')
    chart = indicator_chart(ctx, frame, indicator_id)
    if chart is None:
        return no_data(ctx, t("{indicator} for {country}", lang, indicator=name, country=ctx.country_name))
    return show(chart)


# ---------------------------------------------------------------------------------------------
# World Bank Logistics Performance Index (real)


def lpi_frame(ctx: Context) -> pl.DataFrame:
    """LPI waves of the members and comparators, with names and roles. A missing wave has no
    row (no data, never 0)."""
    _require_country(ctx)
    return _with_names(ctx, ctx.frame("lpi"))


def has_lpi(ctx: Context, lpi: pl.DataFrame) -> bool:
    return lpi.filter(pl.col("iso3") == ctx.country).height > 0


def lpi_no_data(ctx: Context) -> Block:
    return no_data(ctx, sentence(t("{country} is not covered by the Logistics Performance Index", ctx.lang, country=ctx.country_name)))


def _lpi_format(year: int) -> str:
    """The d3 format of LPI scores of a wave, at their published precision."""
    return f",.{reference.LPI_PRECISION.of({'year': year})}f"


def lpi_trend_chart(ctx: Context, lpi: pl.DataFrame) -> alt.TopLevelMixin | None:
    """Overall LPI score per wave: the country, the median of the other members (dashed) and
    the comparators. A wave the country missed is a gap."""
    if not has_lpi(ctx, lpi):
        return None
    lang = ctx.lang
    waves = sorted(lpi["year"].unique(maintain_order=True).to_list())
    position = {w: i for i, w in enumerate(waves)}
    shown = [ctx.country, *_comparators(ctx)]
    lines = _segments(
        lpi.filter(pl.col("iso3").is_in(shown)).select("iso3", "year", "lpi_score", "name"),
        position, "year", ["iso3"],
    )
    med_label = _median_label(ctx)
    median = peers.median_of_others(lpi.filter(pl.col("iso3").is_in(_members(ctx))), ctx.country, ["year"], value="lpi_score", country_col="iso3", min_reporting=MIN_PEERS).rename({"median": "median_score"})
    median = _segments(median.with_columns(series=pl.lit(med_label)), position, "year", ["series"]).rename({"series": "name"})
    comp_names = [ctx.name_of(c) for c in _comparators(ctx)]
    colour = alt.Color(
        "name:N", title=None,
        scale=alt.Scale(domain=[ctx.country_name, *([med_label] if median.height else []), *comp_names],
                        range=[charts.ACCENT, *([charts.MEDIAN] if median.height else []), *charts.COMPARATORS[: len(comp_names)]]),
        legend=charts.legend([ctx.country_name, med_label, *comp_names]),
    )
    x = alt.X("year:Q", title=t("LPI wave", lang), axis=alt.Axis(format="d", values=waves), scale=alt.Scale(domain=[waves[0], waves[-1]]))
    y_title = t("LPI score (1 = worst, 5 = best)", lang)
    main = charts.line_over_time(lines, x="year", y="lpi_score", color="name", x_type="Q", x_title="", y_title=y_title, y_format=",.2f", focus=ctx.country_name)
    main = main.encode(
        x=x, color=colour, detail=alt.Detail("_seg:N"),
        y=alt.Y("lpi_score:Q", title=y_title, scale=alt.Scale(zero=False), axis=charts.value_axis(",.1f")),
        tooltip=[alt.Tooltip("name:N", title=t("Economy", lang)), alt.Tooltip("year:Q", title=t("LPI wave", lang)), alt.Tooltip("lpi_score:Q", format=",.2f", title=y_title)],
    )
    layers = [main]
    if median.height:
        layers.append(
            alt.Chart(median)
            .mark_line(strokeDash=[5, 3], strokeWidth=2, point=alt.OverlayMarkDef(size=20))
            .encode(
                x=x,
                y=alt.Y("median_score:Q", title=y_title, scale=alt.Scale(zero=False), axis=charts.value_axis(",.1f")),
                color=colour,
                detail=alt.Detail("_seg:N"),
                tooltip=[alt.Tooltip("name:N", title=t("Series", lang)), alt.Tooltip("year:Q", title=t("LPI wave", lang)), alt.Tooltip("median_score:Q", format=",.2f", title=y_title), alt.Tooltip("reporting:Q", title=t("Members with data", lang))],
            )
        )
    missing = [w for w in waves if w not in set(lines.filter(pl.col("iso3") == ctx.country)["year"].to_list())]
    note = t("Dashed: median of the other members with data. Waves without data for {country}: {waves}.", lang, country=ctx.country_name, waves=", ".join(str(w) for w in missing)) if missing else t("Dashed: median of the other members with data.", lang)
    mine = lines.filter(pl.col("iso3") == ctx.country).sort("year").row(-1, named=True)
    med = median.filter(pl.col("year") == mine["year"])
    args = dict(country=ctx.country_name, year=mine["year"], score=fmt_number(mine["lpi_score"], lang, reference.LPI_PRECISION.of({"year": mine["year"]})))
    if med.height:
        m = med["median_score"][0]
        args["median"] = fmt_number(m, lang, reference.LPI_PRECISION.of({"year": mine["year"]}))
        summary = (t("{country} scores {score} in the {year} LPI, above the median of {median} for the other members.", lang, **args) if mine["lpi_score"] > m
                   else t("{country} scores {score} in the {year} LPI, below the median of {median} for the other members.", lang, **args) if mine["lpi_score"] < m
                   else t("{country} scores {score} in the {year} LPI, the median of the other members.", lang, **args))
    else:
        summary = t("{country} scores {score} in the {year} LPI.", lang, **args)
    return figure(ctx, charts.finish(
        alt.layer(*layers).properties(width=charts.WIDTH, height=260),
        lang=lang,
        title=t("Logistics Performance Index of {country}, {first}–{last}", lang, country=ctx.country_name, first=waves[0], last=waves[-1]),
        summary=summary,
        source=t(LPI_SOURCE, lang),
        unit=t("score from 1 (worst) to 5 (best)", lang),
        note=note,
        check=charts.check_spec("lpi", key={"iso3": "iso3", "year": "year"}, value={"lpi_score": "lpi_score"}),
    ), "lpi_trend", pl.concat([lines, median], how="diagonal_relaxed"), precision={"median_score": reference.LPI_PRECISION})


def _ranked_bars(ctx: Context, rows: pl.DataFrame, *, value: str, rank: str, value_title: str, rank_title: str, domain: list[float], fmt: str) -> alt.LayerChart:
    """One bar per economy of `rows` (iso3, name, role_label, `value`, `rank`), best first;
    the region's economies missing from `rows` are written "no data" (no bar)."""
    lang = ctx.lang
    rows = rows.sort(value, "name", descending=[True, False])
    covered = set(rows["iso3"].to_list())
    gaps = [c for c in _economy_order(ctx) if c not in covered]
    gap_df = pl.DataFrame({"name": [ctx.name_of(c) for c in gaps], "gap_label": [charts.no_data_label(lang)] * len(gaps)}, schema={"name": pl.String, "gap_label": pl.String})
    order = rows["name"].to_list() + gap_df["name"].to_list()
    y = alt.Y("name:N", sort=order, title=None)
    base = alt.Chart(rows).encode(y=y)
    bars = base.mark_bar().encode(
        x=alt.X(f"{value}:Q", title=value_title, axis=charts.value_axis(",~f"), scale=alt.Scale(domain=domain)),
        color=alt.Color("role_label:N", title=None, scale=_role_scale(ctx, [_role(ctx, c) for c in rows["iso3"].to_list()]), legend=charts.legend(list(_role_labels(ctx).values()))),
        tooltip=[alt.Tooltip("name:N", title=t("Economy", lang)), alt.Tooltip(f"{value}:Q", format=fmt, title=value_title), alt.Tooltip(f"{rank}:Q", title=rank_title)],
    )
    values = base.mark_text(align="left", dx=3, fontSize=10, color="#333").encode(x=f"{value}:Q", text=alt.Text(f"{value}:Q", format=fmt))
    layers: list[alt.Chart] = [bars, values]
    if gap_df.height:
        layers.append(alt.Chart(gap_df).mark_text(align="left", x=3, fontSize=10, fontStyle="italic", color="#777").encode(y=y, text="gap_label:N"))
    return alt.layer(*layers).properties(width=charts.WIDTH, height=charts.band_height(len(order), 18))


def _ranked_summary(ctx: Context, rows: pl.DataFrame, value: str, rank: str, what: str, digits: int) -> str:
    """Where the country stands in a ranked bar chart, or that it has no value there."""
    lang = ctx.lang
    mine = rows.filter(pl.col("iso3") == ctx.country)
    best = rows.sort(value, descending=True).row(0, named=True)
    args = dict(country=ctx.country_name, what=what, best=best["name"], best_value=fmt_number(best[value], lang, digits))
    if mine.is_empty():
        return t("{country} has no data in {what}; {best} scores highest, {best_value}.", lang, **args)
    row = mine.row(0, named=True)
    return t("In {what}, {country} scores {value} (rank {rank}); {best} scores highest, {best_value}.", lang, value=fmt_number(row[value], lang, digits), rank=row[rank], **args)


def lpi_latest_chart(ctx: Context, lpi: pl.DataFrame) -> Figure:
    """Overall score of every member and comparator in the latest wave; economies the wave
    does not cover are labelled "no data" (no bar)."""
    lang = ctx.lang
    wave = int(lpi["year"].max())
    rows = lpi.filter(pl.col("year") == wave).select("iso3", "year", "lpi_score", "lpi_rank", "name", "role_label")
    chart = _ranked_bars(ctx, rows, value="lpi_score", rank="lpi_rank", value_title=t("LPI score (1 = worst, 5 = best)", lang),
                         rank_title=t("Rank (tied ranks shared)", lang), domain=[0, 5], fmt=_lpi_format(wave))
    return figure(ctx, charts.finish(
        chart,
        lang=lang,
        title=t("Logistics Performance Index {year}: members and comparators", lang, year=wave),
        summary=_ranked_summary(ctx, rows, "lpi_score", "lpi_rank", t("the {year} LPI", lang, year=wave), reference.LPI_PRECISION.of({"year": wave})),
        source=t(LPI_SOURCE, lang),
        unit=t("score from 1 (worst) to 5 (best)", lang),
        note=t("Small differences are not significant (survey estimates).", lang),
        check=charts.check_spec("lpi", key={"iso3": "iso3", "year": "year"}, value={"lpi_score": "lpi_score", "lpi_rank": "lpi_rank"}),
    ), "lpi_latest", rows)


def lpi_components_chart(ctx: Context, lpi: pl.DataFrame) -> alt.TopLevelMixin | None:
    """The six LPI components in the country's latest wave: the country, each other member
    and comparator (faint), and the median of the other members (tick)."""
    if not has_lpi(ctx, lpi):
        return None
    lang = ctx.lang
    wave = int(lpi.filter(pl.col("iso3") == ctx.country)["year"].max())
    fmt = _lpi_format(wave)
    comps = list(reference.LPI_COMPONENTS)
    comp_labels = {c: t(LPI_COMPONENT_LABELS[c], lang) for c in comps}
    rows = lpi.filter(pl.col("year") == wave).select("iso3", "year", "name", "role", "role_label", *comps)
    med_label = _median_label(ctx)
    median = (
        lpi.filter((pl.col("year") == wave) & pl.col("iso3").is_in(_others(ctx)))
        .select(pl.col(comps).median(), reporting=pl.len())
        .filter(pl.col("reporting") >= MIN_PEERS)
        .with_columns(role_label=pl.lit(med_label), name=pl.lit(med_label), year=pl.lit(wave, dtype=pl.Int64))
    )
    labels = _role_labels(ctx)
    # The median is drawn as an upright bar, the economies as dots: the legend shows the same marks.
    drawn = [("focus", labels["focus"], "circle")]
    if median.height:
        drawn.append(("median", med_label, TICK_SHAPE))
    present = set(rows["role"].to_list())
    drawn += [(r, labels[r], "circle") for r in ("peer", "comparator") if r in present]
    colours = {"focus": charts.ACCENT, "median": charts.MEDIAN, **charts.ROLE_COLOURS}
    domain = [label for _, label, _ in drawn]
    colour = alt.Color("role_label:N", title=None, scale=alt.Scale(domain=domain, range=[colours[r] for r, _, _ in drawn]), legend=charts.legend(domain))
    shape = alt.Shape("role_label:N", title=None, scale=alt.Scale(domain=domain, range=[s for _, _, s in drawn]))
    value_title = t("Score (1 = worst, 5 = best)", lang)
    # Component names on two lines where long: the axis leaves room for the plot and legend.
    wrapped = json.dumps({v: "|".join(charts.wrap(v, 18)) for v in comp_labels.values()}, ensure_ascii=False)
    y = alt.Y("component:N", sort=list(comp_labels.values()), title=None, axis=alt.Axis(labelExpr=f"split({wrapped}[datum.value] || datum.value, '|')"))
    x = alt.X("score:Q", title=value_title, scale=alt.Scale(zero=False, nice=True), axis=charts.value_axis(",.1f"))
    tooltip = [alt.Tooltip("name:N", title=t("Economy", lang)), alt.Tooltip("component:N", title=t("Component", lang)), alt.Tooltip("score:Q", format=fmt, title=value_title)]

    def folded(df: pl.DataFrame) -> alt.Chart:
        return alt.Chart(df).transform_fold(comps, as_=["component_id", "score"]).transform_calculate(component=charts.vega_map(comp_labels, "component_id"))

    others = folded(rows).transform_filter(alt.datum.role != "focus").mark_point(filled=True, size=45, opacity=0.8).encode(x=x, y=y, color=colour, shape=shape, tooltip=tooltip)
    focus = folded(rows).transform_filter(alt.datum.role == "focus")
    layers: list[alt.Chart] = [others]
    if median.height:
        layers.append(folded(median).mark_point(filled=True, size=220, opacity=1).encode(x=x, y=y, color=colour, shape=shape, tooltip=tooltip))
    layers += [
        focus.mark_point(filled=True, size=150, opacity=1).encode(x=x, y=y, color=colour, shape=shape, tooltip=tooltip),
        focus.mark_text(dy=-12, fontSize=10, color=charts.ACCENT, fontWeight=600).encode(x=x, y=y, text=alt.Text("score:Q", format=fmt)),
    ]
    mine = rows.filter(pl.col("iso3") == ctx.country).row(0, named=True)
    ranked = sorted(((mine[c], comp_labels[c]) for c in comps if mine[c] is not None), reverse=True)
    digits = reference.LPI_PRECISION.of({"year": wave})
    summary = t("In the {year} LPI, the strongest component of {country} is {best} ({best_value}) and the weakest {worst} ({worst_value}).", lang,
                year=wave, country=ctx.country_name, best=ranked[0][1], best_value=fmt_number(ranked[0][0], lang, digits),
                worst=ranked[-1][1], worst_value=fmt_number(ranked[-1][0], lang, digits))
    return figure(ctx, charts.finish(
        alt.layer(*layers).properties(width=charts.WIDTH, height=charts.band_height(len(comps), 38)),
        lang=lang,
        title=t("LPI {year} components: {country} and its peers", lang, year=wave, country=ctx.country_name),
        summary=summary,
        source=t(LPI_SOURCE, lang),
        unit=t("score from 1 (worst) to 5 (best)", lang),
        note=t("Tick: median of the other members with data.", lang) if median.height else None,
        check=charts.check_spec("lpi", key={"iso3": "iso3", "year": "year"}, value={c: c for c in comps}),
    ), "lpi_components", pl.concat([rows, median], how="diagonal_relaxed"))


# ---------------------------------------------------------------------------------------------
# World Bank Doing Business, Trading across borders (real, discontinued)


def _db_columns(kind: str) -> list[str]:
    return [f"{m}_{kind}" for m in DB_MEASURE_LABELS]


DB_VALUE_COLUMNS = _db_columns("hours") + _db_columns("usd")
DB_FLAG_COLUMNS = [f"{c}_no_practice" for c in DB_VALUE_COLUMNS]


def db_frame(ctx: Context) -> pl.DataFrame:
    """Doing Business national rows (report years 2016–2020) of the members and comparators."""
    _require_country(ctx)
    return _with_names(ctx, ctx.frame("doing_business")).select("iso3", "report_year", "data_year", "name", "role", "role_label", "db_score", "db_rank", *DB_VALUE_COLUMNS, *DB_FLAG_COLUMNS)


def has_db(ctx: Context, db: pl.DataFrame) -> bool:
    return db.filter(pl.col("iso3") == ctx.country).height > 0


def db_no_data(ctx: Context) -> Block:
    return no_data(ctx, t("Doing Business has no figures for {country}", ctx.lang, country=ctx.country_name))


def _db_check() -> dict[str, Any]:
    return charts.check_spec(
        "doing_business",
        key={"iso3": "iso3", "report_year": "report_year"},
        value={c: c for c in DB_VALUE_COLUMNS + DB_FLAG_COLUMNS},
    )


def _db_gap_expr(column: str, lang: str) -> str:
    """"no practice" where the file says so, "no data" where the value is missing, else ''."""
    no_practice, missing = t("no practice", lang), charts.no_data_label(lang)
    return f"datum[{charts.js_string(column + '_no_practice')}] ? {charts.js_string(no_practice)} : (datum[{charts.js_string(column)}] == null ? {charts.js_string(missing)} : '')"


def db_compare_chart(ctx: Context, db: pl.DataFrame, kind: str = "hours", report_year: int = DB_LATEST) -> alt.TopLevelMixin | None:
    """Time ("hours") or cost ("usd") of border and documentary compliance, export and import,
    in one Doing Business report: the country, the other members and the comparators.
    "No practice" and missing values are labelled, never drawn as 0."""
    lang = ctx.lang
    rows = db.filter(pl.col("report_year") == report_year)
    if rows.filter(pl.col("iso3") == ctx.country).is_empty():
        return None
    order_codes = _economy_order(ctx)
    covered = set(rows["iso3"].to_list())
    order = [ctx.name_of(c) for c in order_codes]
    gaps = [ctx.name_of(c) for c in order_codes if c not in covered]
    gap_df = pl.DataFrame({"name": gaps, "gap_label": [charts.no_data_label(lang)] * len(gaps)}, schema={"name": pl.String, "gap_label": pl.String})
    fmt = ",.0f"
    unit = t(DB_KINDS[kind], lang)
    panels = []
    # One scale for the four panels (all in `unit`), so bars compare across panels too.
    top = max((v for c in _db_columns(kind) for v in rows[c].to_list() if v is not None), default=0) or 1
    present = [_role(ctx, c) for c in rows["iso3"].to_list()]
    for measure, label in DB_MEASURE_LABELS.items():
        col = f"{measure}_{kind}"
        y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=charts.LABEL_LIMIT))
        base = alt.Chart(rows).encode(y=y)
        bars = base.mark_bar().encode(
            x=alt.X(f"{col}:Q", title=unit, axis=charts.value_axis(fmt, tickCount=4), scale=alt.Scale(domain=[0, top], nice=True)),
            color=alt.Color("role_label:N", title=None, scale=_role_scale(ctx, present), legend=charts.legend(list(_role_labels(ctx).values()))),
            tooltip=[alt.Tooltip("name:N", title=t("Economy", lang)), alt.Tooltip(f"{col}:Q", format=",.1f", title=unit)],
        )
        values = base.mark_text(align="left", dx=3, fontSize=10, color="#333").encode(x=f"{col}:Q", text=alt.Text(f"{col}:Q", format=fmt))
        labels = (
            base.transform_calculate(gap_label=_db_gap_expr(col, lang))
            .transform_filter("datum.gap_label != ''")
            .mark_text(align="left", x=3, fontSize=10, fontStyle="italic", color="#777")
            .encode(text="gap_label:N")
        )
        layers = [bars, values, labels]
        if gap_df.height:
            layers.append(alt.Chart(gap_df).mark_text(align="left", x=3, fontSize=10, fontStyle="italic", color="#777").encode(y=y, text="gap_label:N"))
        panels.append(alt.layer(*layers).properties(width=charts.PANEL_WIDTH, height=alt.Step(16), title=alt.Title(t(label, lang), fontSize=12, fontWeight=500)))
    # Stacked, not side by side: composed charts cannot take the column's width, and stacked
    # panels fit a phone.
    grid = alt.vconcat(*panels, spacing=18).resolve_scale(x="shared", color="shared")
    title = (
        t("Time to export and import, DB{year}: {country} and its peers", lang, year=report_year, country=ctx.country_name)
        if kind == "hours"
        else t("Cost to export and import, DB{year}: {country} and its peers", lang, year=report_year, country=ctx.country_name)
    )
    mine = rows.filter(pl.col("iso3") == ctx.country).row(0, named=True)
    peers_rows = rows.filter(pl.col("iso3").is_in(_others(ctx)))
    parts = []
    for measure, label in DB_MEASURE_LABELS.items():
        col = f"{measure}_{kind}"
        parts.append(t("{measure}: {value}", lang, measure=t(label, lang), value=_db_number(mine[col], col, lang) if not mine[f"{col}_no_practice"] else t("no practice", lang)))
    med = peers_rows["export_border_" + kind].median() if peers_rows.height else None
    summary = t("DB{year}, {country}, in {unit}: {values}.", lang, year=report_year, country=ctx.country_name, unit=unit, values="; ".join(parts))
    if med is not None:
        summary += " " + t("Median of the other members for export border compliance: {median}.", lang, median=_db_number(med, "export_border_" + kind, lang))
    return figure(ctx, charts.finish(
        grid,
        lang=lang,
        title=title,
        summary=summary,
        source=t(DB_SOURCE, lang),
        unit=unit,
        note=t("DB{year} describes conditions in May {data_year}. \"no practice\": the economy has no such procedure (not zero).", lang, year=report_year, data_year=report_year - 1),
        check=_db_check(),
    ), f"db_{kind}_{report_year}", rows.select("iso3", "report_year", "data_year", "name", "role", "role_label", *_db_columns(kind), *[f"{c}_no_practice" for c in _db_columns(kind)]))


def db_score_chart(ctx: Context, db: pl.DataFrame, report_year: int = DB_LATEST) -> Figure | None:
    """The Doing Business score for trading across borders (0-100), the report's headline
    figure: the country, the other members and the comparators, best first; economies
    without a score are labelled "no data" (no bar)."""
    lang = ctx.lang
    rows = db.filter((pl.col("report_year") == report_year) & pl.col("db_score").is_not_null())
    if rows.filter(pl.col("iso3") == ctx.country).is_empty():
        return None
    rows = rows.select("iso3", "report_year", "data_year", "name", "role", "role_label", "db_score", "db_rank")
    chart = _ranked_bars(ctx, rows, value="db_score", rank="db_rank", value_title=t("Score (0 to 100, higher is better)", lang),
                         rank_title=t("Rank", lang), domain=[0, 100], fmt=",.2f")
    return figure(ctx, charts.finish(
        chart,
        lang=lang,
        title=t("Trading across borders score, DB{year}: {country} and its peers", lang, year=report_year, country=ctx.country_name),
        summary=_ranked_summary(ctx, rows, "db_score", "db_rank", f"DB{report_year}", 2),
        source=t(DB_SOURCE, lang),
        unit=t("score from 0 to 100 (100 = the best performance observed)", lang),
        note=t("DB{year} describes conditions in May {data_year}.", lang, year=report_year, data_year=report_year - 1),
        check=charts.check_spec("doing_business", key={"iso3": "iso3", "report_year": "report_year"}, value={"db_score": "db_score", "db_rank": "db_rank"}),
    ), f"db_score_{report_year}", rows)


def _no_practice_runs(rows: pl.DataFrame, cols: list[str], years: list[int], measure_labels: dict[str, str], lang: str) -> pl.DataFrame:
    """Labels for runs of consecutive reports marked "No Practice": report_year (first of the
    run), measure, label ("no practice DB2018–DB2020") and a pixel row (ypx) per run."""
    out = []
    for col in cols:
        flagged = set(rows.filter(pl.col(f"{col}_no_practice"))["report_year"].to_list())
        run: list[int] = []
        for year in [*years, None]:
            if year in flagged:
                run.append(year)
                continue
            if run:
                span = f"DB{run[0]}" if len(run) == 1 else f"DB{run[0]}–DB{run[-1]}"
                out.append({"report_year": run[0], "measure": measure_labels[col.rsplit("_", 1)[0]], "label": t("no practice ({reports})", lang, reports=span)})
                run = []
    for i, row in enumerate(out):
        row["ypx"] = 4 + 12 * i
    return pl.DataFrame(out, schema={"report_year": pl.Int64, "measure": pl.String, "label": pl.String, "ypx": pl.Int64})


def db_trend_chart(ctx: Context, db: pl.DataFrame) -> alt.TopLevelMixin | None:
    """The country's compliance time and cost in every report, DB2016–DB2020."""
    lang = ctx.lang
    rows = db.filter(pl.col("iso3") == ctx.country).sort("report_year")
    if rows.is_empty():
        return None
    years = rows["report_year"].to_list()
    measure_labels = {m: t(label, lang) for m, label in DB_MEASURE_LABELS.items()}
    colour = alt.Color(
        "measure:N", title=None,
        scale=alt.Scale(domain=list(measure_labels.values()), range=charts.DB_MEASURE_COLOURS),
        legend=charts.legend(list(measure_labels.values())),
    )
    # Report years as numbers ("2016", not "DB2016"): five labels fit a phone's panel.
    x = alt.X("report_year:O", title=t("Doing Business report", lang), axis=alt.Axis(labelAngle=0))
    panels = []
    for kind in DB_KINDS:
        cols = _db_columns(kind)
        mapping = {f"{m}_{kind}": measure_labels[m] for m in DB_MEASURE_LABELS}
        unit = t(DB_KINDS[kind], lang)
        base = alt.Chart(rows.select("iso3", "report_year", "name", *DB_VALUE_COLUMNS, *DB_FLAG_COLUMNS)).transform_fold(cols, as_=["column", "value"]).transform_calculate(measure=charts.vega_map(mapping, "column"))
        lines = base.mark_line(point=alt.OverlayMarkDef(size=35, filled=True), invalid="break-paths-show-domains").encode(
            x=x,
            y=alt.Y("value:Q", title=unit, axis=charts.value_axis(",.0f"), scale=alt.Scale(zero=True)),
            color=colour,
            tooltip=[alt.Tooltip("measure:N", title=t("Measure", lang)), alt.Tooltip("report_year:O", title=t("Doing Business report", lang)), alt.Tooltip("value:Q", format=",.1f", title=unit)],
        )
        # "No practice" cells: one label per run of reports at the top of the panel, in the
        # measure's colour, never a point at 0. (The flags themselves are checked in `base`.)
        runs = _no_practice_runs(rows, cols, years, measure_labels, lang)
        layers = [lines]
        if runs.height:
            layers.append(
                alt.Chart(runs)
                .mark_text(align="left", baseline="top", dx=-4, fontSize=9, fontStyle="italic")
                .encode(x=x, y=alt.Y("ypx:Q", scale=None), text="label:N", color=colour)
            )
        panels.append(alt.layer(*layers).properties(width=charts.PANEL_WIDTH, height=180, title=alt.Title(unit, fontSize=12, fontWeight=500)))
    first, last = years[0], years[-1]
    col = "export_border_hours"
    ends = rows.filter(pl.col(col).is_not_null()).sort("report_year")
    if ends.height:
        a, b = ends.row(0, named=True), ends.row(-1, named=True)
        summary = t("Export border compliance {in_country} took {first_value} hours in DB{first} and {last_value} hours in DB{last}.", lang, in_country=ctx.in_country(),
                    first=a["report_year"], last=b["report_year"], first_value=_db_number(a[col], col, lang), last_value=_db_number(b[col], col, lang))
    else:
        summary = t("Doing Business has no export border compliance time {in_country} for DB{first}–DB{last}.", lang, in_country=ctx.in_country(), first=first, last=last)
    return figure(ctx, charts.finish(
        alt.vconcat(*panels, spacing=18).resolve_scale(y="independent", color="shared"),
        lang=lang,
        title=t("Trading across borders {in_country}, DB{first}–DB{last}", lang, in_country=ctx.in_country(), first=first, last=last),
        summary=summary,
        source=t(DB_SOURCE, lang),
        unit=t("hours and US dollars per shipment", lang),
        note=[t("Report years: DB{year} describes conditions in May {data_year}.", lang, year=last, data_year=last - 1),
              t("Each panel has its own scale (hours, US dollars).", lang)],
        check=_db_check(),
    ), "db_trend", rows.select("iso3", "report_year", "data_year", "name", *DB_VALUE_COLUMNS, *DB_FLAG_COLUMNS))


# ---------------------------------------------------------------------------------------------
# Narrative


def headline_indicator(ctx: Context) -> str | None:
    """The indicator the page's summary opens with: the first of the page's tracker
    indicators reported as a median (a time, WCO Time Release Study style), else none."""
    return next((i for i in tracker_indicators(ctx) if "median" in ctx.params.indicators.get(i).statistics), None)


def _headline_sentences(ctx: Context, frame: pl.DataFrame) -> list[str]:
    lang = ctx.lang
    headline = headline_indicator(ctx)
    if headline is None:
        return []
    ind = ctx.params.indicators.get(headline)
    name = ctx.text(ind.name)
    mine = frame.filter(
        (pl.col("country") == ctx.country) & (pl.col("indicator_id") == headline) & (pl.col("statistic") == "median") & pl.col("value").is_not_null()
    ).sort("period_start")
    unit = unit_label(ind.unit, lang)
    if mine.is_empty():
        return [t("There are no data on {indicator} for {country}.", lang, indicator=name, country=ctx.country_name)]
    first, last = mine.row(0, named=True), mine.row(-1, named=True)
    value, period = fmt_number(last["value"], lang, 1), periods.label(last["period"], lang)
    out: list[str]
    if mine.height == 1:
        out = [t("{indicator} (median) {in_country}: {value} {unit} in {period}.", lang, indicator=name, in_country=ctx.in_country(), value=value, unit=unit, period=period)]
    else:
        change = (last["value"] - first["value"]) / first["value"] if first["value"] else None
        values = dict(indicator=name, in_country=ctx.in_country(), value=value, unit=unit, period=period, first=fmt_number(first["value"], lang, 1), first_period=periods.label(first["period"], lang))
        if change is None or abs(change) < 0.005:
            out = [t("{indicator} (median) {in_country}: {value} {unit} in {period}, about the same as in {first_period} ({first} {unit}).", lang, **values)]
        elif change < 0:
            out = [t("{indicator} (median) {in_country}: {value} {unit} in {period}, down {change} from {first} {unit} in {first_period}.", lang, change=fmt_percent(-change, lang), **values)]
        else:
            out = [t("{indicator} (median) {in_country}: {value} {unit} in {period}, up {change} from {first} {unit} in {first_period}.", lang, change=fmt_percent(change, lang), **values)]
    target = _target(ctx, headline)
    if target is not None and target.statistic in (None, "median"):
        met = last["value"] <= target.value
        values = dict(target=fmt_number(target.value, lang, 0), unit=unit, date=fmt_date(target.by, lang, "long"))
        if met:
            out.append(t("The national target of {target} {unit} by {date} is already met.", lang, **values))
        else:
            out.append(t("The national target is {target} {unit} by {date}.", lang, **values))
    return out


def _lpi_sentence(ctx: Context, lpi: pl.DataFrame) -> str:
    lang = ctx.lang
    if not has_lpi(ctx, lpi):
        return sentence(t("{country} is not covered by the World Bank Logistics Performance Index: there are no LPI data for it.", lang, country=ctx.country_name))
    wave = int(lpi.filter(pl.col("iso3") == ctx.country)["year"].max())
    fmt_digits = reference.LPI_PRECISION.of({"year": wave})
    members = lpi.filter((pl.col("year") == wave) & pl.col("iso3").is_in(_members(ctx)))
    score = members.filter(pl.col("iso3") == ctx.country)["lpi_score"][0]
    higher = members.filter(pl.col("lpi_score") > score).height
    tied = sorted(members.filter((pl.col("lpi_score") == score) & (pl.col("iso3") != ctx.country))["name"].to_list())
    others = members.filter(pl.col("iso3") != ctx.country)["lpi_score"]
    values = dict(
        year=wave, country=ctx.country_name, score=fmt_number(score, lang, fmt_digits), position=higher + 1, n=members.height,
        median=fmt_number(others.median(), lang, fmt_digits) if others.len() else gettext("no data", lang), tied=", ".join(tied),
    )
    if tied:
        return tn("In the LPI {year}, {country} scored {score} out of 5, position {position} (tied with {tied}) among the {n} member with data; the median of the other members was {median}.", "In the LPI {year}, {country} scored {score} out of 5, position {position} (tied with {tied}) among the {n} members with data; the median of the other members was {median}.", members.height, lang, **values)
    return tn("In the LPI {year}, {country} scored {score} out of 5 and is the only member with data.", "In the LPI {year}, {country} scored {score} out of 5, position {position} among the {n} members with data; the median of the other members was {median}.", members.height, lang, **values)


def _db_sentence(ctx: Context, db: pl.DataFrame) -> str:
    lang = ctx.lang
    rows = db.filter(pl.col("report_year") == DB_LATEST)
    mine = rows.filter(pl.col("iso3") == ctx.country)
    values = dict(year=DB_LATEST, data_year=DB_LATEST - 1, country=ctx.country_name, in_country=ctx.in_country())
    if mine.is_empty():
        return t("Doing Business DB{year} has no data for {country}.", lang, **values)
    row = mine.row(0, named=True)
    median_hours = peers.median_value(rows.filter(pl.col("iso3").is_in(_members(ctx))), ctx.country, "export_border_hours", "iso3")
    median = _db_number(median_hours, "export_border_hours", lang)
    if row["export_border_hours_no_practice"]:
        return t("In Doing Business DB{year} (data of May {data_year}), border compliance to export is marked \"no practice\" for {country}; the median of the other members was {median} hours.", lang, median=median, **values)
    if row["export_border_hours"] is None:
        return t("Doing Business DB{year} has no border compliance time to export for {country}.", lang, **values)
    return t(
        "In Doing Business DB{year} (data of May {data_year}), border compliance to export took {hours} hours {in_country}, against a median of {median} hours for the other members.",
        lang, hours=_db_number(row["export_border_hours"], "export_border_hours", lang), median=median, **values,
    )


def _db_number(value: float | None, column: str, lang: str) -> str:
    """A Doing Business figure at its published precision (48, 242.7), or no data."""
    if value is None:
        return gettext("no data", lang)
    p = reference.DB_PRECISION[column]
    return fmt_number(value, lang, p if isinstance(p, int) else p.of(value))


def _db_score_sentence(ctx: Context, db: pl.DataFrame) -> str:
    lang = ctx.lang
    rows = db.filter((pl.col("report_year") == DB_LATEST) & pl.col("iso3").is_in(_members(ctx)))
    mine = rows.filter(pl.col("iso3") == ctx.country)
    if mine.is_empty() or mine["db_score"][0] is None:
        return t("Doing Business DB{year} gives no trading-across-borders score for {country}.", lang, year=DB_LATEST, country=ctx.country_name)
    median = peers.median_value(rows, ctx.country, "db_score", "iso3")
    return t(
        "Its Doing Business DB{year} score for trading across borders is {score} out of 100, against a median of {median} for the other members.",
        lang, year=DB_LATEST, score=_db_number(mine["db_score"][0], "db_score", lang), median=_db_number(median, "db_score", lang),
    )


def summary_sentences(ctx: Context, frame: pl.DataFrame, lpi: pl.DataFrame, db: pl.DataFrame) -> list[str]:
    """The page's opening paragraph, built from the data."""
    return [*_headline_sentences(ctx, frame), _lpi_sentence(ctx, lpi), _db_sentence(ctx, db), _db_score_sentence(ctx, db)]
