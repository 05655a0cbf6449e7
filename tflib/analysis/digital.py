"""Digital and paperless trade of one member: every catalogue indicator of the page's
dimension over time (coverage charts for percentage indicators, then time indicators, then
any other), with national targets, a digital-readiness table of the members in the latest
period (one column per indicator of the dimension), and the strategy's measures of the
dimension with their action items. Which indicators and measures appear is decided by the
region's params alone (the catalogue's `dimension`, the strategy's `page:`). Tracker figures
are illustrative."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import altair as alt
import polars as pl

from .. import charts, periods
from ..i18n import N_, fmt_date, gettext, sentence, t, tn
from ..page import Block, Context, Figure, figure, no_data, section as page_section, show, table
from ..params import Indicator
from . import peers
from . import dimension as dim

# Characters per line of a readiness column heading.
HEADING_WIDTH = 22

SECTIONS = {
    "coverage": N_("Paperless procedures over time"),
    "times": N_("Processing times over time"),
    "other": N_("Other indicators over time"),
    "readiness": N_("Digital readiness across members"),
    "measures": N_("Digital measures of the strategy"),
}


def group_of(indicator: Indicator) -> str:
    """Which indicator section shows it: percentages (coverage), distributions of a time
    (statistics reported, WCO Time Release Study style), or other values."""
    if indicator.unit == "%":
        return "coverage"
    if indicator.statistics:
        return "times"
    return "other"


@dataclass(frozen=True)
class DigitalData:
    indicators: list[Indicator]     # the dimension's indicators, coverage then times then other
    series: dict[str, dim.Series]
    latest: dict[str, dim.Latest]   # one readiness column per indicator, at its headline statistic
    status: pl.DataFrame   # the dimension's measures x members
    steps: pl.DataFrame    # the country's action items of those measures

    @property
    def illustrative(self) -> bool:
        return any(s.illustrative for s in self.series.values()) or bool(self.status["illustrative"].fill_null(False).any())

    def group(self, key: str) -> list[str]:
        """Ids of the indicators of one section (SECTIONS key), in catalogue order."""
        return [i.id for i in self.indicators if group_of(i) == key]


def load(ctx: Context) -> DigitalData:
    dim.require_country(ctx)
    status, steps = dim.measure_frames(ctx, dim.page_dimension(ctx).id)
    found = dim.page_indicators(ctx)
    order = list(SECTIONS)
    shown = sorted(found, key=lambda i: order.index(group_of(i)))
    return DigitalData(
        indicators=shown,
        series={i.id: dim.series(ctx, i.id) for i in shown},
        latest={i.id: dim.latest(ctx, i.id, dim.headline_statistic(i)) for i in shown},
        status=status,
        steps=steps,
    )


def sections(data: DigitalData) -> list[tuple[str, list[str]]]:
    """(section key, indicator ids) of the indicator sections with at least one indicator."""
    return [(key, data.group(key)) for key in ("coverage", "times", "other") if data.group(key)]


def section(ctx: Context, key: str) -> Block:
    return page_section(ctx, t(SECTIONS[key], ctx.lang))


def _name(ctx: Context, indicator_id: str) -> str:
    return ctx.text(ctx.params.indicators.get(indicator_id).name)


# ---------------------------------------------------------------------------------------------
# Sentences


def summary_sentences(ctx: Context, data: DigitalData) -> list[str]:
    """Readiness against the other members, the dimension's measures, the national targets
    set for the dimension's indicators."""
    out = [readiness_sentence(ctx, data)]
    out += measure_count_sentences(ctx, data)
    for ind in data.indicators:
        target = dim.target_sentence(ctx, data.series[ind.id])
        if target:
            out.append(t("{indicator}: {sentence}", ctx.lang, indicator=ctx.text(ind.name), sentence=target))
    return out


def indicator_sentences(ctx: Context, data: DigitalData, indicator_id: str) -> list[str]:
    s = data.series[indicator_id]
    out = []
    for stat in s.statistics:
        out += dim.trend_sentences(ctx, s, stat)
    target = dim.target_sentence(ctx, s)
    return out + ([target] if target else [])


def readiness_sentence(ctx: Context, data: DigitalData) -> str:
    """On how many digital indicators the country is at or better than the other members' median."""
    at_or_better, with_data = 0, 0
    for ind_id, lt in data.latest.items():
        rep = lt.reported
        mine = rep.filter(pl.col("country") == ctx.country)
        med = peers.median_value(rep, ctx.country)
        if mine.is_empty() or med is None:
            continue
        with_data += 1
        value = mine["value"][0]
        if (value >= med) if lt.indicator.polarity == "higher_better" else (value <= med):
            at_or_better += 1
    if not with_data:
        return sentence(t("{country} has no data on the digital indicators for the latest period.", ctx.lang, country=ctx.country_name))
    return t(
        "Digital indicators reported for the latest period by {country} and the other members: {m} of {total}; on {k} of them {country} is at or better than the median of the other members.",
        ctx.lang, country=ctx.country_name, k=at_or_better, m=with_data, total=len(data.latest),
    )


def measure_count_sentences(ctx: Context, data: DigitalData) -> list[str]:
    mine = data.status.filter(pl.col("country") == ctx.country)
    n = mine.height
    full = mine.filter(pl.col("status") == "full").height
    base = mine.filter(pl.col("source") == "baseline").height
    illus = [m.id for m in dim.dimension_measures(ctx, dim.page_dimension(ctx).id) if m.illustrative]
    out = [t("Digital measures of the strategy fully implemented {in_country}: {full} of {n}, of which before the strategy (baseline): {baseline}.",
             ctx.lang, full=full, n=n, in_country=ctx.in_country(), baseline=base)]
    if illus:
        out.append(t("Illustrative measures, not documented in the strategy's sources: {measures}.", ctx.lang, measures=", ".join(illus)))
    return out


def measure_sentences(ctx: Context, data: DigitalData) -> list[str]:
    return dim.measure_sentences(ctx, data.status, data.steps)


# ---------------------------------------------------------------------------------------------
# Charts and tables


def indicator_view(ctx: Context, data: DigitalData, indicator_id: str) -> Figure | Block:
    """One digital indicator of the country over time, with its national target if any."""
    s = data.series[indicator_id]
    if s.confidential:
        return no_data(ctx, t("{indicator} (not published by {country})", ctx.lang, indicator=_name(ctx, indicator_id), country=ctx.country_name))
    if s.empty:
        return no_data(ctx, _name(ctx, indicator_id))
    title = t("{indicator} {in_country}", ctx.lang, indicator=_name(ctx, indicator_id), in_country=ctx.in_country())
    kind = "bar" if s.indicator.frequency == "year" else "line"
    return show(dim.series_chart(ctx, s, title=title, kind=kind))


def column_label(ctx: Context, lt: dim.Latest) -> str:
    """A readiness column's label: the indicator's short name, with its statistic if any."""
    name = dim.short_name(ctx, lt.indicator)
    if lt.statistic is None:
        return name
    return t("{indicator}, {statistic}", ctx.lang, indicator=name, statistic=dim.statistic_label(lt.statistic, ctx.lang))


def readiness_frame(ctx: Context, data: DigitalData) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """(cells with a value, cells with no data, column labels in order) for the readiness table:
    one column per indicator of the dimension. Shade: each column scaled from its worst (0)
    to its best (1) member value."""
    lang = ctx.lang
    cells, gaps = [], []
    # Column headings: the short name wrapped, then the period, all with as many lines
    # (blank lines first) so that they line up at the bottom.
    heads = []
    for lt in data.latest.values():
        when = periods.label(lt.period, lang) if lt.period else gettext("no data", lang)
        heads.append(textwrap.wrap(column_label(ctx, lt), HEADING_WIDTH) + [when])
    depth = max((len(h) for h in heads), default=1)
    columns = ["|".join([""] * (depth - len(h)) + h) for h in heads]
    for (ind_id, lt), column in zip(data.latest.items(), columns):
        rep = lt.reported
        lo, hi = (rep["value"].min(), rep["value"].max()) if rep.height else (None, None)
        for row in lt.frame.iter_rows(named=True):
            if row["value"] is None:
                word = t("not published", lang) if ind_id in ctx.confidential(row["country"]) else gettext("no data", lang)
                gaps.append({"country": row["country"], "name": row["name"], "indicator_id": ind_id, "column": column, "_no_data": word})
                continue
            span = (hi - lo) if hi is not None and hi > lo else None
            shade = 0.5 if span is None else (row["value"] - lo) / span
            if lt.indicator.polarity == "lower_better":
                shade = 1 - shade
            cells.append({
                "country": row["country"], "name": row["name"], "indicator_id": ind_id, "statistic": row["statistic"],
                "period": row["period"], "period_label": periods.label(row["period"], lang), "value": row["value"], "column": column,
                "_text": dim.fmt_value(row["value"], lt.indicator.unit, lang), "_shade": shade,
            })
    schema_cells = {"country": pl.String, "name": pl.String, "indicator_id": pl.String, "statistic": pl.String, "period": pl.String,
                    "period_label": pl.String, "value": pl.Float64, "column": pl.String, "_text": pl.String, "_shade": pl.Float64}
    schema_gaps = {"country": pl.String, "name": pl.String, "indicator_id": pl.String, "column": pl.String, "_no_data": pl.String}
    return pl.DataFrame(cells, schema=schema_cells), pl.DataFrame(gaps, schema=schema_gaps), columns


def _readiness_units(ctx: Context, data: DigitalData) -> str:
    """The units of the readiness columns, each unit once: "% (share); hours (median)"."""
    seen: list[str] = []
    for lt in data.latest.values():
        unit = dim.unit_label(lt.indicator, ctx.lang)
        if lt.statistic:
            unit = t("{indicator} ({statistic})", ctx.lang, indicator=unit, statistic=dim.statistic_label(lt.statistic, ctx.lang))
        if unit not in seen:
            seen.append(unit)
    return "; ".join(seen)


def readiness_view(ctx: Context, data: DigitalData) -> Figure | Block:
    """A heat table: members x digital indicators in their latest period, no data in grey."""
    lang = ctx.lang
    cells, gaps, columns = readiness_frame(ctx, data)
    if cells.is_empty():
        return no_data(ctx, t("digital indicators of the members", lang))
    rows = [ctx.name_of(c) for c in ctx.params.region.member_codes]
    focus = ctx.country_name.replace("\\", "\\\\").replace("'", "\\'")
    # Headings upright, on one line: columns narrow enough for a phone leave no room across.
    x = alt.X("column:N", sort=columns, scale=alt.Scale(domain=columns), title=None,
              axis=alt.Axis(orient="top", labelAngle=-90, labelAlign="left", labelBaseline="middle",
                            labelExpr="trim(replace(datum.value, regexp('[|]+', 'g'), ' '))", labelFontSize=10, labelLimit=260, domain=False, ticks=False))
    y = alt.Y("name:N", sort=rows, scale=alt.Scale(domain=rows), title=None,
              axis=alt.Axis(domain=False, ticks=False, labelFontWeight=alt.ExprRef(expr=f"datum.value == {charts.js_string(focus)} ? 'bold' : 'normal'")))
    tip = [alt.Tooltip("name:N", title=t("Country", lang)), alt.Tooltip("_text:N", title=t("Value", lang)), alt.Tooltip("period_label:N", title=t("Period", lang))]
    rect = alt.Chart(cells).mark_rect(stroke="white", strokeWidth=2).encode(
        x=x, y=y, color=alt.Color("_shade:Q", scale=alt.Scale(scheme="tealblues", domain=[0, 1]), legend=None), tooltip=tip
    )
    text = alt.Chart(cells).mark_text(fontSize=10).encode(
        x=x, y=y, text="_text:N", color=alt.condition("datum._shade > 0.55", alt.value("white"), alt.value("#222")), tooltip=tip
    )
    layers = [rect, text]
    if gaps.height:
        layers.append(alt.Chart(gaps).mark_rect(fill=charts.NO_DATA_FILL, stroke="white", strokeWidth=2).encode(x=x, y=y))
        layers.append(alt.Chart(gaps).mark_text(fontSize=10, fontStyle="italic", color="#666").encode(x=x, y=y, text="_no_data:N"))
    # A frame around the page country's row.
    focus_row = pl.DataFrame({"name": [ctx.country_name]})
    layers.append(alt.Chart(focus_row).mark_rect(fill=None, stroke=charts.ACCENT, strokeWidth=2).encode(y=y))
    chart = alt.layer(*layers).properties(width=charts.WIDTH, height=charts.band_height(len(rows), 26))
    mine = cells.filter(pl.col("country") == ctx.country)
    best = mine.filter(pl.col("_shade") >= 1).height if mine.height else 0
    summary = t("{country} has data on {k} of the {m} digital indicators in their latest period and the best value of the members on {best} of them.", lang,
                country=ctx.country_name, k=mine.height, m=len(columns), best=best)
    return figure(ctx, charts.finish(
        chart, lang=lang,
        title=t("Digital readiness of the members, latest period", lang),
        summary=summary,
        source=t("national indicator reports to the secretariat (tflib tracker)", lang),
        unit=_readiness_units(ctx, data),
        note=t("Darker cells are better relative to the other members on that indicator (where lower is better, lower). Grey: no data for that period.", lang),
        illustrative=bool(data.latest and any(lt.illustrative for lt in data.latest.values())),
        check=charts.check_spec("indicators", key=dim.INDICATOR_KEY, value={"value": "value"}),
    ), "readiness", pl.concat([cells, gaps.drop("_no_data")], how="diagonal_relaxed"))


def steps_basis(ctx: Context, full: int, n: int) -> str:
    """"1 of 1 step fully implemented", "0 of 3 steps fully implemented"."""
    return tn("{full} of {n} step fully implemented", "{full} of {n} steps fully implemented", n, ctx.lang, full=full, n=n)


def measures_table(ctx: Context, data: DigitalData) -> Block:
    """The dimension's measures for the country: status, completion, deadline, basis."""
    lang = ctx.lang
    mine = data.status.filter(pl.col("country") == ctx.country)
    basis = []
    for row in mine.iter_rows(named=True):
        if row["source"] == "baseline":
            basis.append(t("implemented before the strategy (baseline)", lang))
        elif row["source"] == "no_data":
            basis.append(gettext("no data", lang))
        elif row["status"] == "full":
            basis.append(t("fully implemented on {date}", lang, date=fmt_date(row["implemented_on"], lang)))
        else:
            steps = data.steps.filter(pl.col("measure_id") == row["measure_id"])
            basis.append(steps_basis(ctx, steps.filter(pl.col("status") == "full").height, steps.height))
    frame = mine.select(
        "country", "measure_id", "measure", "status", "status_label", "completion", "deadline", "source", "implemented_on", "illustrative",
    ).with_columns(basis=pl.Series(basis, dtype=pl.String))
    return table(
        frame, ctx, name="measures",
        columns={"measure_id": t("Code", lang), "measure": t("Measure", lang), "status_label": t("Status", lang),
                 "completion": t("% complete", lang), "deadline": t("Regional deadline", lang), "basis": t("Basis", lang)},
        precision={"completion": 0},
        title=t("Digital measures of the strategy {in_country}", lang, in_country=ctx.in_country()),
        source=dim.PROGRESS_SOURCE, illustrative=bool(mine["illustrative"].fill_null(False).any()),
    )


def steps_view(ctx: Context, data: DigitalData) -> Figure | Block:
    if data.steps.is_empty():
        return no_data(ctx, t("action items of the digital measures (none in the plan for this member)", ctx.lang))
    title = t("Action items of the digital measures {in_country}", ctx.lang, in_country=ctx.in_country())
    return show(dim.steps_chart(ctx, data.steps, title=title))

