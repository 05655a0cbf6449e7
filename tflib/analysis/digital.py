"""Digital and paperless trade of one member: electronic certificates of origin, the single
Central American declaration (FYDUCA/DUCA), the single window, electronic phyto- and
zoosanitary certificates and e-commerce clearance time over time (with national targets),
a digital-readiness table of the members in the latest period, and the strategy's digital
measures (EPHYTO, PDCC, SW, ECOM) with their action items. Tracker figures are illustrative."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import altair as alt
import polars as pl

from .. import charts, periods
from ..i18n import N_, fmt_date, gettext, t
from ..page import Block, Context, Figure, figure, no_data, section as page_section, show, table
from . import peers
from . import dimension as dim

DIMENSION = "digital"
ECOM = "ecommerce_clearance_time"
COVERAGE = ["ecoo_coverage", "fauca_coverage", "single_window_coverage", "ephyto_coverage"]
# The readiness table: indicator and statistic per column, in reading order.
READINESS = [("ecoo_coverage", None), ("fauca_coverage", None), ("single_window_coverage", None), ("ephyto_coverage", None), (ECOM, "median")]
SHORT_NAMES = {
    "ecoo_coverage": N_("E-certificates of origin"),
    "fauca_coverage": N_("FYDUCA/DUCA"),
    "single_window_coverage": N_("Single window"),
    "ephyto_coverage": N_("E-phyto/zoosanitary"),
    ECOM: N_("E-commerce, median"),
}

# Characters per line of a readiness column heading.
HEADING_WIDTH = 22

SECTIONS = {
    "coverage": N_("Paperless procedures over time"),
    "ecommerce": N_("Clearance of e-commerce shipments"),
    "readiness": N_("Digital readiness across members"),
    "measures": N_("Digital measures of the strategy"),
}


@dataclass(frozen=True)
class DigitalData:
    series: dict[str, dim.Series]
    latest: dict[str, dim.Latest]
    status: pl.DataFrame   # digital measures x members
    steps: pl.DataFrame    # the country's action items of the digital measures

    @property
    def illustrative(self) -> bool:
        return any(s.illustrative for s in self.series.values()) or bool(self.status["illustrative"].fill_null(False).any())


def load(ctx: Context) -> DigitalData:
    dim.require_country(ctx)
    status, steps = dim.measure_frames(ctx, DIMENSION)
    return DigitalData(
        series={i: dim.series(ctx, i) for i in COVERAGE + [ECOM]},
        latest={i: dim.latest(ctx, i, s) for i, s in READINESS},
        status=status,
        steps=steps,
    )


def section(ctx: Context, key: str) -> Block:
    return page_section(ctx, t(SECTIONS[key], ctx.lang))


def _name(ctx: Context, indicator_id: str) -> str:
    return ctx.text(ctx.params.indicators.get(indicator_id).name)


# ---------------------------------------------------------------------------------------------
# Sentences


def summary_sentences(ctx: Context, data: DigitalData) -> list[str]:
    """Readiness against the other members, the digital measures, the declaration target."""
    out = [readiness_sentence(ctx, data)]
    out += measure_count_sentences(ctx, data)
    target = dim.target_sentence(ctx, data.series["fauca_coverage"])
    if target:
        out.append(target)
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
    for ind_id, _stat in READINESS:
        lt = data.latest[ind_id]
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
        return t("{country} has no data on the digital indicators for the latest period.", ctx.lang, country=ctx.country_name)
    return t(
        "In the latest period, {country} is at or better than the median of the other members on {k} of the {m} digital indicators it and they reported (of {total}).",
        ctx.lang, country=ctx.country_name, k=at_or_better, m=with_data, total=len(READINESS),
    )


def measure_count_sentences(ctx: Context, data: DigitalData) -> list[str]:
    mine = data.status.filter(pl.col("country") == ctx.country)
    n = mine.height
    full = mine.filter(pl.col("status") == "full").height
    base = mine.filter(pl.col("source") == "baseline").height
    illus = [m.id for m in dim.dimension_measures(ctx, DIMENSION) if m.illustrative]
    out = [t("{full} of the {n} digital measures of the strategy are fully implemented in {country}, {baseline} of them before the strategy (baseline).",
             ctx.lang, full=full, n=n, country=ctx.country_name, baseline=base)]
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
    title = t("{indicator} in {country}", ctx.lang, indicator=_name(ctx, indicator_id), country=ctx.country_name)
    kind = "bar" if s.indicator.frequency == "year" else "line"
    return show(dim.series_chart(ctx, s, title=title, kind=kind))


def readiness_frame(ctx: Context, data: DigitalData) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """(cells with a value, cells with no data, column labels in order) for the readiness table.
    Shade: each column scaled from its worst (0) to its best (1) member value."""
    lang = ctx.lang
    cells, gaps = [], []
    # Column headings: the short name wrapped, then the period, all with as many lines
    # (blank lines first) so that they line up at the bottom.
    heads = []
    for ind_id, _stat in READINESS:
        lt = data.latest[ind_id]
        when = periods.label(lt.period, lang) if lt.period else gettext("no data", lang)
        heads.append(textwrap.wrap(t(SHORT_NAMES[ind_id], lang), HEADING_WIDTH) + [when])
    depth = max(len(h) for h in heads)
    columns = ["|".join([""] * (depth - len(h)) + h) for h in heads]
    for (ind_id, stat), column in zip(READINESS, columns):
        lt = data.latest[ind_id]
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
                "period": row["period"], "value": row["value"], "column": column,
                "_text": dim.fmt_value(row["value"], lt.indicator.unit, lang), "_shade": shade,
            })
    schema_cells = {"country": pl.String, "name": pl.String, "indicator_id": pl.String, "statistic": pl.String, "period": pl.String,
                    "value": pl.Float64, "column": pl.String, "_text": pl.String, "_shade": pl.Float64}
    schema_gaps = {"country": pl.String, "name": pl.String, "indicator_id": pl.String, "column": pl.String, "_no_data": pl.String}
    return pl.DataFrame(cells, schema=schema_cells), pl.DataFrame(gaps, schema=schema_gaps), columns


def readiness_view(ctx: Context, data: DigitalData) -> Figure | Block:
    """A heat table: members x digital indicators in their latest period, no data in grey."""
    lang = ctx.lang
    cells, gaps, columns = readiness_frame(ctx, data)
    if cells.is_empty():
        return no_data(ctx, t("digital indicators of the members", lang))
    rows = [ctx.name_of(c) for c in ctx.params.region.member_codes]
    focus = ctx.country_name.replace("\\", "\\\\").replace("'", "\\'")
    # Multi-line labels grow downwards from their first line: lift them by the extra lines.
    depth = columns[0].count("|") + 1
    x = alt.X("column:N", sort=columns, scale=alt.Scale(domain=columns), title=None,
              axis=alt.Axis(orient="top", labelAngle=0, labelExpr="split(datum.value, '|')", labelBaseline="bottom",
                            labelPadding=4 + 12 * (depth - 1), labelLineHeight=12, labelFontSize=10, labelLimit=0, domain=False, ticks=False))
    y = alt.Y("name:N", sort=rows, scale=alt.Scale(domain=rows), title=None,
              axis=alt.Axis(domain=False, ticks=False, labelFontWeight=alt.ExprRef(expr=f"datum.value == '{focus}' ? 'bold' : 'normal'")))
    tip = [alt.Tooltip("name:N", title=t("Country", lang)), alt.Tooltip("_text:N", title=t("Value", lang)), alt.Tooltip("period:N", title=t("Period", lang))]
    rect = alt.Chart(cells).mark_rect(stroke="white", strokeWidth=2).encode(
        x=x, y=y, color=alt.Color("_shade:Q", scale=alt.Scale(scheme="tealblues", domain=[0, 1]), legend=None), tooltip=tip
    )
    text = alt.Chart(cells).mark_text(fontSize=11).encode(
        x=x, y=y, text="_text:N", color=alt.condition("datum._shade > 0.55", alt.value("white"), alt.value("#222")), tooltip=tip
    )
    layers = [rect, text]
    if gaps.height:
        layers.append(alt.Chart(gaps).mark_rect(fill=charts.NO_DATA, stroke="white", strokeWidth=2).encode(x=x, y=y))
        layers.append(alt.Chart(gaps).mark_text(fontSize=10, fontStyle="italic", color="#666").encode(x=x, y=y, text="_no_data:N"))
    # A frame around the page country's row.
    focus_row = pl.DataFrame({"name": [ctx.country_name]})
    layers.append(alt.Chart(focus_row).mark_rect(fill=None, stroke=charts.ACCENT, strokeWidth=2).encode(y=y))
    chart = alt.layer(*layers).properties(width=alt.Step(120), height=alt.Step(26))
    return figure(ctx, charts.finish(
        chart, lang=lang,
        title=t("Digital readiness of the members, latest period", lang),
        source=t("national indicator reports to the secretariat (tflib tracker)", lang),
        unit=t("coverage in % of documents or procedures; e-commerce clearance in hours (median)", lang),
        note=t("Darker cells are better relative to the other members on that indicator (for clearance time, shorter). Grey: no data for that period.", lang),
        illustrative=bool(data.latest and any(lt.illustrative for lt in data.latest.values())),
        check=charts.check_spec("indicators", key=dim.INDICATOR_KEY, value={"value": "value"}),
    ), "readiness", pl.concat([cells, gaps.drop("_no_data")], how="diagonal_relaxed"))


def measures_table(ctx: Context, data: DigitalData) -> Block:
    """The digital measures for the country: status, completion, deadline, basis."""
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
            basis.append(t("{full} of {n} steps fully implemented", lang, full=steps.filter(pl.col("status") == "full").height, n=steps.height))
    frame = mine.select(
        "country", "measure_id", "measure", "status", "status_label", "completion", "deadline", "source", "implemented_on", "illustrative",
    ).with_columns(basis=pl.Series(basis, dtype=pl.String))
    return table(
        frame, ctx, name="measures",
        columns={"measure_id": t("Code", lang), "measure": t("Measure", lang), "status_label": t("Status", lang),
                 "completion": t("% complete", lang), "deadline": t("Regional deadline", lang), "basis": t("Basis", lang)},
        precision={"completion": 0},
        title=t("Digital measures of the strategy in {country}", lang, country=ctx.country_name),
        source=dim.PROGRESS_SOURCE, illustrative=bool(mine["illustrative"].fill_null(False).any()),
    )


def steps_view(ctx: Context, data: DigitalData) -> Figure | Block:
    if data.steps.is_empty():
        return no_data(ctx, t("action items of the digital measures (none in the plan for this member)", ctx.lang))
    title = t("Action items of the digital measures in {country}", ctx.lang, country=ctx.country_name)
    return show(dim.steps_chart(ctx, data.steps, title=title))

