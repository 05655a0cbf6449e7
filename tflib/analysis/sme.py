"""SME inclusion of one member: the catalogue indicators of the page's dimension, each in the
role its catalogue properties give it (never its id): the first bounded share (% with a
maximum) is the uptake, the first currency-valued one the compliance cost per shipment (with
the real Doing Business documentary cost as context), unbounded % changes the export growth
(the first for SMEs, the second the large-firm benchmark); any other indicator of the
dimension is shown over time too. Then the strategy's measures of the dimension and their
action items, and the other members in the latest period. Tracker figures are illustrative;
Doing Business figures are real."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import altair as alt
import polars as pl
import pycountry

from .. import charts, periods
from ..i18n import N_, fmt_money, gettext, sentence, t
from ..page import Block, Context, Figure, figure, no_data, section as page_section, show, table
from . import dimension as dim

DB_SOURCE = N_("World Bank, Doing Business 2016–2020, Trading across borders (national rows)")

SECTIONS = {
    "uptake": N_("SME uptake of simplified procedures"),
    "cost": N_("Cost of compliance for small exporters"),
    "growth": N_("SME and large-firm exports"),
    "measures": N_("SME measures of the strategy"),
    "compare": N_("Comparison with the other members"),
    "other": N_("Other indicators over time"),
}


def roles(ctx: Context) -> dict[str, str | None]:
    """Indicator id per role of the page (None: the dimension has no such indicator), from
    catalogue properties: uptake = first % with a maximum (a share), cost = first in a
    currency, growth = first % with no bounds (a change), benchmark = the second such."""
    inds = dim.page_indicators(ctx)
    shares = [i.id for i in inds if i.unit == "%" and i.maximum is not None]
    changes = [i.id for i in inds if i.unit == "%" and i.maximum is None and i.minimum is None]
    costs = [i.id for i in inds if i.unit != "%" and pycountry.currencies.get(alpha_3=i.unit) is not None]
    return {
        "uptake": shares[0] if shares else None,
        "cost": costs[0] if costs else None,
        "sme_growth": changes[0] if changes else None,
        "large_growth": changes[1] if len(changes) > 1 else None,
    }


@dataclass(frozen=True)
class SmeData:
    roles: dict[str, str | None]   # role -> indicator id (see `roles`)
    series: dict[str, dim.Series]  # every indicator of the dimension
    status: pl.DataFrame          # the dimension's measures x members
    steps: pl.DataFrame           # the country's action items of those measures
    latest: dict[str, dim.Latest]  # indicator id -> members in its latest period

    def role(self, name: str) -> dim.Series | None:
        ind = self.roles[name]
        return None if ind is None else self.series[ind]

    @property
    def uptake(self) -> dim.Series | None:
        return self.role("uptake")

    @property
    def cost(self) -> dim.Series | None:
        return self.role("cost")

    @property
    def sme_growth(self) -> dim.Series | None:
        return self.role("sme_growth")

    @property
    def large_growth(self) -> dim.Series | None:
        return self.role("large_growth")

    @property
    def others(self) -> list[str]:
        """Indicators of the dimension with no role: shown over time in a section of their own."""
        taken = {i for i in self.roles.values() if i}
        return [i for i in self.series if i not in taken]

    @property
    def illustrative(self) -> bool:
        return any(s.illustrative for s in self.series.values()) or bool(self.status["illustrative"].fill_null(False).any())


def load(ctx: Context) -> SmeData:
    dim.require_country(ctx)
    status, steps = dim.measure_frames(ctx, dim.page_dimension(ctx).id)
    ids = [i.id for i in dim.page_indicators(ctx)]
    return SmeData(
        roles=roles(ctx),
        series={i: dim.series(ctx, i) for i in ids},
        status=status,
        steps=steps,
        latest={i: dim.latest(ctx, i) for i in ids},
    )


# The role a section needs an indicator in (left out when the dimension has none).
SECTION_ROLES = {"uptake": ("uptake",), "cost": ("cost",), "growth": ("sme_growth", "large_growth")}


def section(ctx: Context, key: str, data: SmeData | None = None) -> Block:
    if data is not None:
        if key == "other" and not data.others:
            return Block("")
        if key in SECTION_ROLES and not any(data.roles[r] for r in SECTION_ROLES[key]):
            return Block("")
    return page_section(ctx, t(SECTIONS[key], ctx.lang))


def _name(ctx: Context, indicator_id: str) -> str:
    return ctx.text(ctx.params.indicators.get(indicator_id).name)


# ---------------------------------------------------------------------------------------------
# Sentences


def summary_sentences(ctx: Context, data: SmeData) -> list[str]:
    """The page's opening paragraph: uptake, exports, the SME measure, rank in the region."""
    out = dim.trend_sentences(ctx, data.uptake)[:1] if data.uptake else []
    out += growth_sentences(ctx, data)[:1]
    out += dim.measure_sentences(ctx, data.status, data.steps)
    if data.uptake:
        out.append(dim.rank_sentence(ctx, data.latest[data.uptake.indicator.id], _name(ctx, data.uptake.indicator.id)))
    return out


def uptake_sentences(ctx: Context, data: SmeData) -> list[str]:
    return dim.trend_sentences(ctx, data.uptake) if data.uptake else []


def cost_sentences(ctx: Context, data: SmeData) -> list[str]:
    """The SME cost series, then the real Doing Business documentary cost as context."""
    out = dim.trend_sentences(ctx, data.cost) if data.cost else []
    db = _doing_business(ctx)
    mine = db.filter(pl.col("iso3") == ctx.country)
    if mine.height:
        row = mine.row(0, named=True)
        out.append(t(
            "For context, the World Bank's Doing Business {report_year} (data for {data_year}, real figures) put the documentary compliance cost "
            "of one standard export shipment from {country} at {export} and of one import shipment at {import_}.",
            ctx.lang, report_year=row["report_year"], data_year=row["data_year"], country=ctx.country_name,
            export=_db_money(row, "export_doc_usd", ctx.lang), import_=_db_money(row, "import_doc_usd", ctx.lang),
        ))
    return out


def _db_money(row: dict[str, Any], column: str, lang: str) -> str:
    if row.get(f"{column}_no_practice"):
        return t("no practice", lang)
    return fmt_money(row[column], "USD", lang)


def growth_sentences(ctx: Context, data: SmeData) -> list[str]:
    """SME against large-firm export growth, latest year first."""
    lang = ctx.lang
    if data.sme_growth is None or data.large_growth is None:
        return [s for g in (data.sme_growth, data.large_growth) if g for s in dim.trend_sentences(ctx, g)]
    if data.sme_growth.confidential or data.large_growth.confidential:
        return [sentence(t("{country} does not publish export growth by firm size.", lang, country=ctx.country_name))]
    sme = dict(data.sme_growth.values().iter_rows())
    large = dict(data.large_growth.values().iter_rows())
    years = sorted(set(data.sme_growth.periods) | set(data.large_growth.periods) | set(sme) | set(large), reverse=True)
    out = []
    for year in years:
        a, b = sme.get(year), large.get(year)
        args = dict(year=year, country=ctx.country_name, sme=dim.fmt_signed_percent(a, lang), large=dim.fmt_signed_percent(b, lang))
        if a is None and b is None:
            out.append(sentence(t("{country} has reported no export growth figures by firm size for {year}.", lang, **args)))
        elif a is None or b is None:
            out.append(t("In {year}, the value of SME exports from {country} changed by {sme}; large-firm exports: {large}. No comparison is possible.", lang, **args))
        elif a > b:
            out.append(t("In {year}, the value of SME exports from {country} changed by {sme}, against {large} for large firms: SME exports grew faster.", lang, **args))
        elif a < b:
            out.append(t("In {year}, the value of SME exports from {country} changed by {sme}, against {large} for large firms: SME exports grew more slowly.", lang, **args))
        else:
            out.append(t("In {year}, the value of SME exports from {country} changed by {sme}, as did large-firm exports.", lang, **args))
    return out


def measure_sentences(ctx: Context, data: SmeData) -> list[str]:
    return dim.measure_sentences(ctx, data.status, data.steps)


def comparison_sentences(ctx: Context, data: SmeData) -> list[str]:
    shown = [data.roles[r] for r in ("uptake", "cost", "sme_growth")]
    return [dim.rank_sentence(ctx, data.latest[i], _name(ctx, i)) for i in shown if i]


def other_sentences(ctx: Context, data: SmeData, indicator_id: str) -> list[str]:
    s = data.series[indicator_id]
    return [x for stat in s.statistics for x in dim.trend_sentences(ctx, s, stat)]


def other_view(ctx: Context, data: SmeData, indicator_id: str) -> Figure | Block:
    """An indicator of the dimension with no role of its own, over time."""
    s = data.series[indicator_id]
    if s.empty or s.confidential:
        return no_data(ctx, _name(ctx, indicator_id))
    title = t("{indicator} {in_country}", ctx.lang, indicator=_name(ctx, indicator_id), in_country=ctx.in_country())
    return show(dim.series_chart(ctx, s, title=title, kind="bar" if s.indicator.frequency == "year" else "line"))


# ---------------------------------------------------------------------------------------------
# Charts and tables


def uptake_view(ctx: Context, data: SmeData) -> Figure | Block:
    if data.uptake is None:
        return Block("")
    if data.uptake.empty or data.uptake.confidential:
        return no_data(ctx, _name(ctx, data.uptake.indicator.id))
    title = t("{indicator} {in_country}", ctx.lang, indicator=_name(ctx, data.uptake.indicator.id), in_country=ctx.in_country())
    return show(dim.series_chart(ctx, data.uptake, title=title))


def cost_view(ctx: Context, data: SmeData) -> Figure | Block:
    if data.cost is None:
        return Block("")
    if data.cost.empty or data.cost.confidential:
        return no_data(ctx, _name(ctx, data.cost.indicator.id))
    title = t("Compliance cost per export shipment for SMEs {in_country}", ctx.lang, in_country=ctx.in_country())
    return show(dim.series_chart(ctx, data.cost, title=title, kind="bar"))


def _doing_business(ctx: Context) -> pl.DataFrame:
    """National rows of the latest Doing Business report for members and comparators."""
    db = ctx.frame("doing_business")
    return db.filter(pl.col("report_year") == db["report_year"].max())


def doing_business_view(ctx: Context) -> Figure | Block:
    """Real context: documentary compliance cost to export (Doing Business), members and comparators."""
    lang = ctx.lang
    db = _doing_business(ctx)
    if db.is_empty():
        return no_data(ctx, t("Doing Business documentary compliance cost", lang))
    comparators = set(ctx.params.region.comparators)
    frame = db.select(
        "iso3", "report_year", "data_year", "export_doc_usd", "export_doc_usd_no_practice",
        country=pl.col("iso3"),
        name=pl.col("iso3").map_elements(ctx.name_of, return_dtype=pl.String),
        role=pl.when(pl.col("iso3") == ctx.country).then(pl.lit("focus")).when(pl.col("iso3").is_in(list(comparators))).then(pl.lit("comparator")).otherwise(pl.lit("peer")),
    )
    year, data_year = frame["report_year"][0], frame["data_year"][0]
    missing = {r["iso3"]: t("no practice", lang) for r in frame.iter_rows(named=True) if r["export_doc_usd_no_practice"]}
    chart = dim.compare_chart(
        ctx,
        frame,
        name="db_export_doc_usd",
        value="export_doc_usd",
        title=t("Documentary compliance cost to export, Doing Business {year}", lang, year=year),
        source=t(DB_SOURCE, lang),
        unit=t("US dollars per shipment", lang),
        value_title=t("US dollars per shipment (DB{year})", lang, year=year),
        check=charts.check_spec("doing_business", key={"iso3": "iso3", "report_year": "report_year"}, value={"export_doc_usd": "export_doc_usd"}),
        higher_better=False,
        illustrative=False,
        value_format=",.0f",
        note=t("Report year {year}: the data describe {data_year}. Real data. Amber: comparators outside the region.", lang, year=year, data_year=data_year),
        missing_text=missing,
    )
    return show(chart)


def growth_view(ctx: Context, data: SmeData) -> Figure | Block:
    """SME and large-firm export growth side by side, year by year; no data marked."""
    lang = ctx.lang
    a, b = data.sme_growth, data.large_growth
    if a is None or b is None:
        return Block("")
    if a.empty and b.empty:
        return no_data(ctx, t("export growth by firm size", lang))
    sme_label, large_label = t("SMEs", lang), t("Large firms", lang)
    cols = ["country", "indicator_id", "statistic", "period", "period_label", "value"]
    df = pl.concat([
        a.frame.select(cols).with_columns(series=pl.lit(sme_label)),
        b.frame.select(cols).with_columns(series=pl.lit(large_label)),
    ])
    shown = sorted(set(a.periods) | set(b.periods))
    labels = [periods.label(p, lang) for p in shown]
    x = alt.X("period_label:O", title=t("Year", lang), scale=alt.Scale(domain=labels), sort=labels, axis=alt.Axis(labelAngle=0))
    offset = alt.XOffset("series:N", scale=alt.Scale(domain=[sme_label, large_label]))
    colour = alt.Color("series:N", title=None, scale=alt.Scale(domain=[sme_label, large_label], range=[charts.ACCENT, charts.COMPARATOR]), legend=charts.legend([sme_label, large_label], symbolType="square"))
    unit = t("% change in export value on the year before", lang)
    y_title = t("% change on a year earlier", lang)
    tip = [alt.Tooltip("series:N", title=t("Series", lang)), alt.Tooltip("period_label:N", title=t("Year", lang)), alt.Tooltip("value:Q", title="%", format="+,.1f")]
    bars = alt.Chart(df).mark_bar().encode(x=x, xOffset=offset, y=alt.Y("value:Q", title=y_title, axis=charts.value_axis(",.0f")), color=colour, tooltip=tip)
    # Labels above positive bars, below negative ones (a layer only where it has rows: an empty
    # layer gives Vega an infinite extent).
    labels = [
        alt.Chart(part).mark_text(fontSize=10, color="#333", dy=dy).encode(x=x, xOffset=offset, y="value:Q", text=alt.Text("value:Q", format="+,.1f"))
        for part, dy in ((df.filter(pl.col("value") >= 0), -6), (df.filter(pl.col("value") < 0), 8))
        if part.height
    ]
    zero = alt.Chart(pl.DataFrame({"zero": [0]})).mark_rule(color="#999").encode(y="zero:Q")
    layers = [bars, *labels, zero]
    def gap_word(s: dim.Series) -> pl.Expr:
        return pl.lit(t("not published", lang) if s.confidential else charts.no_data_label(lang))

    missing = pl.concat([
        a.missing.with_columns(series=pl.lit(sme_label), _no_data=gap_word(a)),
        b.missing.with_columns(series=pl.lit(large_label), _no_data=gap_word(b)),
    ])
    if missing.height:
        layers.append(alt.Chart(missing).mark_text(angle=270, align="left", fontSize=10, fontStyle="italic", color="#777", dx=4).encode(
            x=x, xOffset=offset, y=alt.YDatum(0), text="_no_data:N", color=colour))
    chart = alt.layer(*layers).properties(width=charts.WIDTH, height=dim.HEIGHT)
    ind = a.indicator
    return figure(ctx, charts.finish(
        chart, lang=lang,
        title=t("Export growth of SMEs and large firms {in_country}", lang, in_country=ctx.in_country()),
        summary=growth_summary(ctx, df, sme_label, large_label),
        source=dim.source_of(ctx, ind), unit=unit,
        illustrative=a.illustrative or b.illustrative,
        check=charts.check_spec("indicators", args={"country": ctx.country}, key=dim.INDICATOR_KEY, value={"value": "value"}),
    ), "export_growth", pl.concat([df, missing.drop("_no_data").with_columns(country=pl.lit(ctx.country))], how="diagonal_relaxed"))


def growth_summary(ctx: Context, df: pl.DataFrame, sme_label: str, large_label: str) -> str:
    """The latest year with a value in the growth chart, in one sentence."""
    lang = ctx.lang
    rows = df.filter(pl.col("value").is_not_null())
    if rows.is_empty():
        return t("Export growth by firm size {in_country}: no data.", lang, in_country=ctx.in_country())
    last = rows.sort("period")["period"][-1]
    year = rows.filter(pl.col("period") == last)

    def of(label: str) -> str:
        v = year.filter(pl.col("series") == label)["value"]
        return gettext("no data", lang) if v.is_empty() else dim.fmt_signed_percent(v[0], lang)

    return t("In {year}, exports of SMEs {in_country} changed by {sme} and those of large firms by {large}.", lang,
             year=periods.label(last, lang), in_country=ctx.in_country(), sme=of(sme_label), large=of(large_label))


def steps_view(ctx: Context, data: SmeData) -> Figure | Block:
    if data.steps.is_empty():
        return no_data(ctx, t("action items of the SME measures (none in the plan for this member)", ctx.lang))
    title = t("Action items of the SME measures {in_country}", ctx.lang, in_country=ctx.in_country())
    return show(dim.steps_chart(ctx, data.steps, title=title))


def steps_table(ctx: Context, data: SmeData) -> Block:
    if data.steps.is_empty():
        return Block("")
    return table(
        dim.steps_table_frame(ctx, data.steps), ctx, columns=dim.steps_table_columns(ctx.lang), name="action_items_table",
        title=t("Action items of the SME measures {in_country}", ctx.lang, in_country=ctx.in_country()), show_title=False,
        source=dim.PROGRESS_SOURCE, illustrative=dim.steps_illustrative(ctx, data.steps), precision={"pct_complete": 0},
    )


def uptake_compare_view(ctx: Context, data: SmeData) -> Figure | Block:
    if data.uptake is None:
        return Block("")
    lt = data.latest[data.uptake.indicator.id]
    if lt.period is None:
        return no_data(ctx, _name(ctx, lt.indicator.id))
    title = t("{indicator} across members, {period}", ctx.lang, indicator=_name(ctx, lt.indicator.id), period=periods.label(lt.period, ctx.lang))
    return show(dim.latest_chart(ctx, lt, title=title))


def comparison_frame(ctx: Context, data: SmeData) -> pl.DataFrame:
    """Every member in its latest period of each SME indicator, with the SME measures' status."""
    members = ctx.params.region.member_codes
    out = pl.DataFrame({"country": members, "name": [ctx.name_of(c) for c in members]})
    for ind in data.latest:
        out = out.join(data.latest[ind].frame.select("country", pl.col("value").alias(ind)), on="country", how="left", maintain_order="left")
    for m in dim.dimension_measures(ctx, dim.page_dimension(ctx).id):
        st = data.status.filter(pl.col("measure_id") == m.id).select(
            "country", pl.col("status_label").alias(f"{m.id}_status"), pl.col("completion").alias(f"{m.id}_completion")
        )
        out = out.join(st, on="country", how="left", maintain_order="left")
    return out


def comparison_table(ctx: Context, data: SmeData) -> Block:
    lang = ctx.lang

    def when(ind: str) -> str:
        p = data.latest[ind].period
        return periods.label(p, lang) if p else gettext("no data", lang)

    columns = {"name": t("Country", lang)}
    for ind_id, lt in data.latest.items():
        columns[ind_id] = t("{indicator}, {period} ({unit})", lang, indicator=dim.short_name(ctx, lt.indicator), period=when(ind_id), unit=lt.indicator.unit)
    decimals = {ind: ctx.params.indicators.get(ind).decimals for ind in data.latest}
    for m in dim.dimension_measures(ctx, dim.page_dimension(ctx).id):
        columns[f"{m.id}_status"] = t("{measure}: status", lang, measure=m.id)
        columns[f"{m.id}_completion"] = t("{measure}: % complete", lang, measure=m.id)
        decimals[f"{m.id}_completion"] = 0
    return table(
        comparison_frame(ctx, data), ctx, columns=columns, precision=decimals, name="comparison",
        title=t("SME inclusion across members, latest period", lang),
        source=t("national indicator and progress reports to the secretariat (tflib tracker)", lang),
        illustrative=data.illustrative,
    )
