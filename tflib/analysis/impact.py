"""Impact estimate of one member: the value of the time its reforms saved.

Method of Hummels and Schaur (2013, "Time as a Trade Barrier", AER 103(7)): each day in
transit is worth 0.6-2.1 % of the goods' value. The range is applied only to the trade each
measured delay affects:

    value of time saved = affected trade value x days saved x (low .. high per day)

Days saved are the fall in a tracker indicator (customs clearance, land-border crossing)
between the country's first and latest period. Every assumption lives in the region's
``impact.yaml`` (else ``params/defaults/impact.yaml``; validated here, strictly). A country's
estimate is always given per USD 1 million (``per_trade_value_usd``) of affected trade. The
trade values come only from the sourced file the ``trade:`` section names: values per member
(a ``country`` column) also give each member its national range; region totals give the
region-level figure only; no ``trade:`` section, no value in US dollars beyond the per-amount
figure. Figures are always a range, never a point, and before / after comparisons are
descriptive, not causal.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import altair as alt
import polars as pl
from pydantic import Field, model_validator

from .. import charts, periods, reference
from ..i18n import N_, fmt_number, fmt_percent, gettext, t, tn
from ..page import Context, Figure, figure, release_table
from ..tables import Table
from ..params import STATISTIC_LABELS, ParamsError, RegionParams, Slug, Strict, Text, _read_yaml, _require_languages, _validate, region_file
from ..paths import Project

IMPACT_FILE = "impact.yaml"
# Decimals of the estimate tables (pages and downloads).
INPUT_PRECISION = {"first_value": 1, "latest_value": 1, "hours_saved": 1, "days_saved": 2, "low": 0, "high": 0}
REGION_PRECISION = {"flow_value": 2, "share": 2, "affected": 2, "days_saved": 2, "low": 1, "high": 1}
NATIONAL_PRECISION = REGION_PRECISION
# Source line (translated where shown: t(SOURCE, lang)).
SOURCE = N_("tracker estimate from its indicators, by the method of Hummels and Schaur (2013)")
# The only unit of trade values the estimate reads.
TRADE_UNIT = "USD million"

# ---------------------------------------------------------------------------------------------
# Params: impact.yaml


class PerDay(Strict):
    """Value of one day in transit, as a share of the goods' value (ad valorem)."""

    low: float = Field(gt=0, lt=1)
    high: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> "PerDay":
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


class Method(Strict):
    citation: str = Field(min_length=1)
    per_day_ad_valorem: PerDay
    hours_per_day: float = Field(default=24, gt=0)


class AffectedTrade(Strict):
    # A flow of the trade file (its `indicator` column), in USD million.
    flow: Slug
    share: float = Field(ge=0, le=1)
    illustrative: bool
    description: Text


class Channel(Strict):
    id: Slug
    name: Text
    indicator: Slug
    statistic: Literal["median", "mean", "p90"] | None = None
    trade: AffectedTrade | None = None


class Trade(Strict):
    """The sourced trade values: a file under data/reference/ with columns year, indicator,
    value (USD million), unit, source and either no key (region totals), `region`, or
    `country` (ISO3 of members: values per member)."""

    file: str = Field(min_length=1)
    # Who publishes the values: one text, or a text per language.
    source: str | Text
    # Title of the trade chart (the year is added).
    title: Text
    # Label of each flow of the file the page shows (at least the flows the channels use).
    flows: dict[Slug, Text] = Field(min_length=1)


class RegionSummary(Strict):
    members: Literal["parties", "members"] = "parties"
    statistic: Literal["median", "mean"] = "median"


class ImpactParams(Strict):
    method: Method
    per_trade_value_usd: float = Field(gt=0)
    channels: list[Channel] = Field(min_length=1)
    region_summary: RegionSummary = Field(default_factory=RegionSummary)
    # Optional: without it, a country's estimate is given per `per_trade_value_usd` only.
    trade: Trade | None = None

    @model_validator(mode="after")
    def _unique(self) -> "ImpactParams":
        ids = [c.id for c in self.channels]
        if len(set(ids)) != len(ids):
            raise ValueError("channel ids must be unique")
        return self


def impact_path(params: RegionParams) -> Path:
    """The region's impact.yaml, else the default (params/defaults/impact.yaml)."""
    return region_file(params.folder, IMPACT_FILE)


def _project(params: RegionParams) -> Project:
    return Project(params.folder.parent.parent.parent)  # params/regions/<id> -> project root


def load_impact(params: RegionParams, check_file: bool = True) -> ImpactParams:
    """The region's impact.yaml, validated and cross-checked against its indicator catalogue
    and languages, and (with `check_file`) against the trade file it names. Raises ParamsError
    naming the file and the key. Pages pass check_file=False: they never read reference files
    (the build checked the file before any work, and the page's trade table holds its values)."""
    path = impact_path(params)
    imp: ImpactParams = _validate(ImpactParams, path, _read_yaml(path))
    for i, ch in enumerate(imp.channels):
        where = f"channels.{i}"
        if ch.indicator not in params.indicators.ids:
            raise ParamsError(f"{path}: {where}.indicator: unknown indicator {ch.indicator!r}")
        stats = params.indicators.get(ch.indicator).statistics
        if stats and ch.statistic not in stats:
            raise ParamsError(f"{path}: {where}.statistic: must be one of {stats} for {ch.indicator}")
        if not stats and ch.statistic is not None:
            raise ParamsError(f"{path}: {where}.statistic: {ch.indicator} has no statistics")
        texts = [(f"{where}.name", ch.name)]
        if ch.trade is not None:
            texts.append((f"{where}.trade.description", ch.trade.description))
            if imp.trade is None:
                raise ParamsError(f"{path}: {where}.trade: no trade: section names a trade file for the flow {ch.trade.flow!r}; add one or remove {where}.trade")
        elif imp.trade is not None:
            raise ParamsError(f"{path}: {where}.trade: missing; the trade: section names a trade file, so every channel says which flow it affects")
        for key, text in texts:
            try:
                _require_languages(text, params.languages, key)
            except ValueError as exc:
                raise ParamsError(f"{path}: {exc}") from None
    if imp.trade is not None and check_file:
        _check_trade(imp, params, path)
    return imp


def _check_trade(imp: ImpactParams, params: RegionParams, path: Path) -> None:
    """The trade file exists and reads, its flows are labelled and used consistently, its
    rows per member are of members, the flows used are in USD million. Errors name
    impact.yaml, the key and the trade file."""
    trade = imp.trade
    assert trade is not None
    texts = [("trade.title", trade.title), *((f"trade.flows.{k}", v) for k, v in trade.flows.items())]
    if isinstance(trade.source, dict):
        texts.append(("trade.source", trade.source))
    for key, text in texts:
        try:
            _require_languages(text, params.languages, key)
        except ValueError as exc:
            raise ParamsError(f"{path}: {exc}") from None
    try:
        frame = reference.trade(trade.file, _project(params))
        file = reference.reference_path(trade.file, _project(params))
    except (OSError, ValueError) as exc:
        raise ParamsError(f"{path}: trade.file: {exc}") from None
    in_file = frame["indicator"].unique(maintain_order=True).to_list()
    for flow in trade.flows:
        if flow not in in_file:
            raise ParamsError(f"{path}: trade.flows.{flow}: no such flow in {file} (its flows: {', '.join(in_file)})")
    for i, ch in enumerate(imp.channels):
        if ch.trade is None:
            continue
        if ch.trade.flow not in trade.flows:
            raise ParamsError(f"{path}: channels.{i}.trade.flow: {ch.trade.flow!r} is not one of trade.flows ({', '.join(trade.flows)})")
        units = sorted(set(frame.filter(pl.col("indicator") == ch.trade.flow)["unit"].to_list()))
        if units != [TRADE_UNIT]:
            raise ParamsError(f"{path}: channels.{i}.trade.flow: {ch.trade.flow!r} is in {', '.join(units)} in {file}; the estimate reads {TRADE_UNIT}")
    if "country" in frame.columns:
        members = set(params.region.member_codes)
        others = sorted(set(frame["country"].to_list()) - members)
        if others:
            raise ParamsError(f"{path}: trade.file: {file} has rows for non-members {others} (members: {', '.join(params.region.member_codes)})")
    if frame.select(pl.col("year").n_unique()).item() > 1:
        raise ParamsError(f"{path}: trade.file: {file} holds several years; keep one year per file")


# ---------------------------------------------------------------------------------------------
# The computation (plain functions on frames, so tests reach them)


@dataclass(frozen=True)
class Saving:
    """Time saved on one indicator between a country's first and latest period."""

    first_period: str
    latest_period: str
    first_value: float  # mean over the series (crossings x directions) that qualify
    latest_value: float
    hours_saved: float  # negative: the time rose
    days_saved: float
    series: int


def days_saved(obs: pl.DataFrame, statistic: str | None, hours_per_day: float = 24) -> Saving | None:
    """Fall of an indicator from its first to its latest period, in hours and days.

    `obs` holds one country's observations of one indicator (columns statistic, crossing_id,
    direction, period, period_start, value). Each series (crossing x direction; one series for
    a national indicator) with at least two periods gives first - latest; the fall is their
    unweighted mean. No series with two periods: None (no estimate, which is not 0).
    """
    if obs.is_empty():
        return None
    df = obs.filter(pl.col("value").is_not_null())
    if statistic is not None:
        df = df.filter(pl.col("statistic") == statistic)
    series = (
        df.sort("period_start")
        .group_by("crossing_id", "direction", maintain_order=True)
        .agg(
            n=pl.col("period").n_unique(),
            first_period=pl.col("period").first(),
            latest_period=pl.col("period").last(),
            first_value=pl.col("value").first(),
            latest_value=pl.col("value").last(),
            first_start=pl.col("period_start").first(),
            latest_start=pl.col("period_start").last(),
        )
        .filter(pl.col("n") >= 2)
    )
    if series.is_empty():
        return None
    first_value = float(series["first_value"].mean())
    latest_value = float(series["latest_value"].mean())
    hours = float((series["first_value"] - series["latest_value"]).mean())
    first = series.sort("first_start").row(0, named=True)["first_period"]
    latest = series.sort("latest_start").row(-1, named=True)["latest_period"]
    return Saving(first, latest, first_value, latest_value, hours, hours / hours_per_day, series.height)


def value_of_time(trade_value: float | None, days: float | None, low: float, high: float) -> tuple[float, float] | None:
    """(low, high) value of the days saved on `trade_value` of affected trade, at `low` and
    `high` of the goods' value per day. None when the days or the trade value are unknown.
    Negative days (time rose) give a negative range: a cost; low <= high always."""
    if trade_value is None or days is None:
        return None
    a, b = trade_value * days * low, trade_value * days * high
    return (min(a, b), max(a, b))


# ---------------------------------------------------------------------------------------------
# Page data


def assumptions(ctx: Context) -> ImpactParams:
    return load_impact(ctx.params, check_file=False)


def _observations(ctx: Context, indicator: str, country: str | None) -> pl.DataFrame:
    """The page's observations of `indicator` (every member's: the regional estimate reads
    them), of `country` when given, periods ended by the page date."""
    obs = ctx.frame("indicators").filter((pl.col("indicator_id") == indicator) & (pl.col("period_end") <= ctx.as_of))
    return obs if country is None else obs.filter(pl.col("country") == country)


def _indicator_name(ctx: Context, indicator: str) -> str:
    return ctx.text(ctx.params.indicators.get(indicator).name)


def channel_inputs(ctx: Context, imp: ImpactParams) -> pl.DataFrame:
    """One row per channel: the country's first and latest values, hours and days saved, and the
    value of that time per `per_trade_value_usd` of affected trade (low, high; null = no estimate)."""
    per_day = imp.method.per_day_ad_valorem
    rows = []
    for ch in imp.channels:
        obs = _observations(ctx, ch.indicator, ctx.country)
        saving = days_saved(obs, ch.statistic, imp.method.hours_per_day)
        rng = value_of_time(imp.per_trade_value_usd, saving.days_saved if saving else None, per_day.low, per_day.high)
        rows.append(
            {
                "channel_id": ch.id,
                "channel": ctx.text(ch.name),
                "indicator": _indicator_name(ctx, ch.indicator),
                "statistic": gettext(STATISTIC_LABELS[ch.statistic], ctx.lang) if ch.statistic else None,
                "first_period": saving.first_period if saving else None,
                "latest_period": saving.latest_period if saving else None,
                "first_value": saving.first_value if saving else None,
                "latest_value": saving.latest_value if saving else None,
                "hours_saved": saving.hours_saved if saving else None,
                "days_saved": saving.days_saved if saving else None,
                "series": saving.series if saving else None,
                "low": rng[0] if rng else None,
                "high": rng[1] if rng else None,
                "illustrative": bool(obs["illustrative"].fill_null(False).any()) if obs.height else False,
            }
        )
    schema = {"channel_id": pl.String, "channel": pl.String, "indicator": pl.String, "statistic": pl.String, "first_period": pl.String,
              "latest_period": pl.String, "first_value": pl.Float64, "latest_value": pl.Float64, "hours_saved": pl.Float64,
              "days_saved": pl.Float64, "series": pl.Int64, "low": pl.Float64, "high": pl.Float64, "illustrative": pl.Boolean}
    return pl.DataFrame(rows, schema=schema)


def by_member(ctx: Context) -> bool:
    """Whether the page's trade values are per member (the file has a `country` column)."""
    return "country" in ctx.frame("trade").columns


def trade_flows(ctx: Context, imp: ImpactParams) -> pl.DataFrame:
    """The rows of the trade file (USD million) whose flows impact.yaml labels, with the label
    (and, per member, the member's name); empty without a trade: section."""
    trade = ctx.frame("trade")
    if imp.trade is None or trade.is_empty():
        return trade.with_columns(label=pl.lit(None, pl.String)).clear()
    labels = {k: ctx.text(v) for k, v in imp.trade.flows.items()}
    df = trade.filter(pl.col("indicator").is_in(list(labels)))
    label = pl.col("indicator").replace_strict(labels, return_dtype=pl.String)
    if "country" in df.columns:
        names = {c: ctx.name_of(c) for c in df["country"].unique().to_list()}
        label = pl.concat_str(label, pl.lit(": "), pl.col("country").replace_strict(names, return_dtype=pl.String))
    return df.with_columns(label=label)


def _flow_totals(ctx: Context, imp: ImpactParams) -> dict[str, dict]:
    """Each flow's value for the region (USD million): the region total, or the sum of the
    members' values; with the year and the number of members summed (None: region totals)."""
    trade = ctx.frame("trade")
    members = "country" in trade.columns
    out = {}
    for flow in (imp.trade.flows if imp.trade else {}):
        rows = trade.filter(pl.col("indicator") == flow)
        if rows.is_empty():
            continue
        out[flow] = {"value": float(rows["value"].sum()), "year": int(rows["year"][0]), "members": rows.height if members else None}
    return out


def _days_of(ctx: Context, imp: ImpactParams, ch: Channel, members: list[str]) -> tuple[float | None, int]:
    obs = _observations(ctx, ch.indicator, None)
    saved = [s.days_saved for m in members if (s := days_saved(obs.filter(pl.col("country") == m), ch.statistic, imp.method.hours_per_day)) is not None]
    days = (statistics.median(saved) if imp.region_summary.statistic == "median" else statistics.fmean(saved)) if saved else None
    return days, len(saved)


_REGION_SCHEMA = {"channel_id": pl.String, "channel": pl.String, "flow": pl.String, "flow_value": pl.Float64, "year": pl.Int64,
                  "share": pl.Float64, "affected": pl.Float64, "members": pl.Int64, "days_saved": pl.Float64,
                  "low": pl.Float64, "high": pl.Float64}


def region_estimates(ctx: Context, imp: ImpactParams) -> pl.DataFrame:
    """One row per channel: the region's affected trade (the file's value for the region, or
    the sum of its members' values, x share; USD million), the summary of the members' days
    saved and the value of that time (USD million, low/high). Empty without trade values."""
    if imp.trade is None:
        return pl.DataFrame(schema=_REGION_SCHEMA)
    flows = _flow_totals(ctx, imp)
    members = ctx.params.region.parties if imp.region_summary.members == "parties" else ctx.params.region.member_codes
    per_day = imp.method.per_day_ad_valorem
    rows = []
    for i, ch in enumerate(imp.channels):
        assert ch.trade is not None  # load_impact: every channel names a flow when trade: is set
        if ch.trade.flow not in flows:
            raise ParamsError(f"{impact_path(ctx.params)}: channels.{i}.trade.flow: {ch.trade.flow!r} is not in the page's trade table ({', '.join(flows)})")
        flow = flows[ch.trade.flow]
        days, n = _days_of(ctx, imp, ch, members)
        affected = flow["value"] * ch.trade.share
        rng = value_of_time(affected, days, per_day.low, per_day.high)
        rows.append(
            {
                "channel_id": ch.id,
                "channel": ctx.text(ch.name),
                "flow": ch.trade.flow,
                "flow_value": flow["value"],
                "year": flow["year"],
                "share": ch.trade.share,
                "affected": affected,
                "members": n,
                "days_saved": days,
                "low": rng[0] if rng else None,
                "high": rng[1] if rng else None,
            }
        )
    return pl.DataFrame(rows, schema=_REGION_SCHEMA)


def national_estimates(ctx: Context, imp: ImpactParams, inputs: pl.DataFrame) -> pl.DataFrame | None:
    """One row per channel: the member's affected trade (its value in the trade file x share,
    USD million), its days saved and the value of that time a year (USD million, low/high).
    None when the trade file has no values for the member (no trade: section, region totals
    only, or no row for it)."""
    if imp.trade is None or not by_member(ctx):
        return None
    trade = ctx.frame("trade").filter(pl.col("country") == ctx.country)
    if trade.is_empty():
        return None
    values = {r["indicator"]: r for r in trade.iter_rows(named=True)}
    per_day = imp.method.per_day_ad_valorem
    days = dict(zip(inputs["channel_id"].to_list(), inputs["days_saved"].to_list()))
    rows = []
    for ch in imp.channels:
        assert ch.trade is not None
        row = values.get(ch.trade.flow)
        value = row["value"] if row else None
        affected = value * ch.trade.share if value is not None else None
        rng = value_of_time(affected, days.get(ch.id), per_day.low, per_day.high)
        rows.append({"channel_id": ch.id, "channel": ctx.text(ch.name), "flow": ch.trade.flow, "flow_value": value,
                     "year": row["year"] if row else None, "share": ch.trade.share, "affected": affected, "members": None,
                     "days_saved": days.get(ch.id), "low": rng[0] if rng else None, "high": rng[1] if rng else None})
    return pl.DataFrame(rows, schema=_REGION_SCHEMA).drop("members")


def national_table(ctx: Context, imp: ImpactParams, national: pl.DataFrame) -> Table:
    """The member's national range, for the page table and its downloads."""
    return release_table(ctx, "national_estimate", national.select("channel_id", "channel", "flow", "flow_value", "year", "share", "affected", "days_saved", "low", "high"),
                         title=t("Value of the time saved {in_country} at its trade values (USD million a year)", ctx.lang, in_country=ctx.in_country()),
                         source=t(SOURCE, ctx.lang) + "; " + trade_source(ctx, imp), unit=t("US dollar millions a year", ctx.lang),
                         illustrative=True, precision=NATIONAL_PRECISION)


def trade_source(ctx: Context, imp: ImpactParams) -> str:
    """The source line of the trade values, as impact.yaml gives it ("" without trade)."""
    if imp.trade is None:
        return ""
    return imp.trade.source if isinstance(imp.trade.source, str) else ctx.text(imp.trade.source)


def inputs_table(ctx: Context, inputs: pl.DataFrame) -> Table:
    """The inputs of the country's estimate, for the page table (no estimate = no data)."""
    frame = inputs.select("channel_id", "channel", "indicator", "statistic", "first_period", "first_value", "latest_period", "latest_value", "hours_saved", "days_saved")
    return release_table(ctx, "estimate_inputs", frame, title=t("What the estimate starts from", ctx.lang), source=t(SOURCE, ctx.lang),
                         illustrative=True, precision=INPUT_PRECISION)


def assumption_table(ctx: Context, imp: ImpactParams, region: pl.DataFrame) -> Table:
    """Every assumption of the estimate, its value and its source ("illustrative" where none)."""
    lang = ctx.lang
    pd = imp.method.per_day_ad_valorem
    illustrative = t("illustrative assumption (no source)", lang)
    tracker_src = t("tracker indicators (illustrative data)", lang)
    rows = [
        (t("Value of one day in transit", lang), t("{low} to {high} of the goods' value per day", lang, low=fmt_percent(pd.low, lang, 1), high=fmt_percent(pd.high, lang, 1)), imp.method.citation),
        (t("Hours in a day in transit", lang), fmt_number(imp.method.hours_per_day, lang, 0), t("convention", lang)),
    ]
    for ch in imp.channels:
        ind = _indicator_name(ctx, ch.indicator)
        stat = gettext(STATISTIC_LABELS[ch.statistic], lang) if ch.statistic else ""
        per_crossing = ctx.params.indicators.get(ch.indicator).per_crossing
        rows.append(
            (
                t("Days saved: {channel}", lang, channel=ctx.text(ch.name)),
                (t("fall in {indicator} ({statistic}) from the first to the latest period, unweighted mean over crossings and directions", lang, statistic=stat, indicator=ind)
                 if per_crossing else t("fall in {indicator} ({statistic}) from the first to the latest period", lang, statistic=stat, indicator=ind)),
                tracker_src,
            )
        )
        if ch.trade is None or imp.trade is None:
            continue
        flow = region.filter(pl.col("channel_id") == ch.id)
        flow_value = flow["flow_value"][0] if flow.height else None
        rows.append(
            (
                t("Trade affected: {channel}", lang, channel=ctx.text(ch.name)),
                t("{share} of {flow} (USD {value} million in {year}). {description}", lang, share=fmt_percent(ch.trade.share, lang),
                  flow=ctx.text(imp.trade.flows[ch.trade.flow]).lower(), value=fmt_number(flow_value, lang, 2),
                  year=flow["year"][0] if flow.height else "", description=ctx.text(ch.trade.description)),
                illustrative if ch.trade.illustrative else trade_source(ctx, imp),
            )
        )
    amount = fmt_number(imp.per_trade_value_usd, lang, 0)
    if imp.trade is None:
        trade_row = (t("Trade values", lang), t("no sourced trade values for this region, so estimates are per USD {amount} of affected trade only", lang, amount=amount), t("none", lang))
    elif by_member(ctx):
        trade_row = (t("Trade values", lang), t("{trade}, values per member; country estimates are also given per USD {amount} of affected trade", lang, trade=ctx.text(imp.trade.title), amount=amount), trade_source(ctx, imp))
    else:
        trade_row = (t("Trade values", lang), t("{trade}, region totals only, so country estimates are per USD {amount} of affected trade", lang, trade=ctx.text(imp.trade.title), amount=amount), trade_source(ctx, imp))
    rows += [
        trade_row,
        (
            t("Regional days saved", lang),
            t("{statistic} of the days saved by {members} with an estimate", lang,
              statistic=gettext(STATISTIC_LABELS.get(imp.region_summary.statistic, imp.region_summary.statistic), lang),
              members=t("the parties", lang) if imp.region_summary.members == "parties" else t("the members", lang)),
            illustrative,
        ),
        (t("Overlap between channels", lang), t("not added up: goods cleared at a border post would be counted twice", lang), t("method of this page", lang)),
    ]
    frame = pl.DataFrame(rows, schema=["assumption", "value", "source"], orient="row")
    return release_table(ctx, "assumptions", frame, title=t("Assumptions", lang), source="; ".join(s for s in (imp.method.citation, trade_source(ctx, imp), t("other assumptions: illustrative", lang)) if s), illustrative=True)


# ---------------------------------------------------------------------------------------------
# Charts


def _usd(value: float | None, lang: str, million: bool = False) -> str:
    if value is None:
        return gettext("no data", lang)
    if million:
        return t("USD {value} million", lang, value=fmt_number(value, lang, 1))
    return t("USD {value}", lang, value=fmt_number(value, lang, 0))


def _range_chart(ctx: Context, df: pl.DataFrame, *, million: bool, x_title: str) -> alt.LayerChart:
    """A bar from low to high per channel, both ends labelled; no estimate is written."""
    nodata = t("no estimate (no data)", ctx.lang)
    labels = [
        t("{low} to {high}", ctx.lang, low=_usd(lo, ctx.lang, million), high=_usd(hi, ctx.lang, million)) if lo is not None else nodata
        for lo, hi in zip(df["low"].to_list(), df["high"].to_list())
    ]
    data = df.select(
        "channel", "low", "high",
        range_label=pl.Series(labels, dtype=pl.String),
        _x=pl.when(pl.col("high").is_null()).then(pl.lit(0.0)).otherwise(pl.max_horizontal(pl.col("high"), pl.lit(0.0))),
    )
    fmt = ",.0f"
    y = alt.Y("channel:N", title=None, sort=df["channel"].to_list(), axis=alt.Axis(labelLimit=charts.LABEL_LIMIT + 30))
    base = alt.Chart(data).encode(y=y)
    tip = [alt.Tooltip("channel:N", title=t("Channel", ctx.lang)), alt.Tooltip("range_label:N", title=x_title)]
    bar = base.mark_bar(height=16, color=charts.ACCENT, opacity=0.85).encode(
        x=alt.X("low:Q", title=x_title, axis=charts.value_axis(fmt)), x2="high:Q", tooltip=tip
    )
    label = base.mark_text(align="left", dx=5, fontSize=10, color="#333").encode(x="_x:Q", text="range_label:N", tooltip=tip)
    zero = alt.Chart(pl.DataFrame({"zero": [0]})).mark_rule(color="#999").encode(x="zero:Q")
    return alt.layer(zero, bar, label).properties(width=charts.WIDTH, height=charts.band_height(df["channel"].n_unique(), 34))


def _range_summary(ctx: Context, df: pl.DataFrame, million: bool) -> str:
    """The largest estimate of a range chart in one sentence (or that there is none)."""
    have = df.filter(pl.col("high").is_not_null()).sort("high", descending=True)
    if have.is_empty():
        return t("No channel has an estimate (no data).", ctx.lang)
    top = have.row(0, named=True)
    return t("The largest estimate is for {channel}: {low} to {high}.", ctx.lang, channel=top["channel"],
             low=_usd(top["low"], ctx.lang, million), high=_usd(top["high"], ctx.lang, million))


def country_range_chart(ctx: Context, imp: ImpactParams, inputs: pl.DataFrame) -> Figure:
    pd = imp.method.per_day_ad_valorem
    amount = fmt_number(imp.per_trade_value_usd, ctx.lang, 0)
    chart = _range_chart(ctx, inputs, million=False, x_title=t("USD per USD {amount} of affected trade", ctx.lang, amount=amount))
    return figure(ctx, charts.finish(
        chart,
        lang=ctx.lang,
        title=t("Value of the time saved {in_country}, per USD {amount} of affected trade", ctx.lang, in_country=ctx.in_country(), amount=amount),
        summary=_range_summary(ctx, inputs, million=False),
        source=t(SOURCE, ctx.lang),
        unit=t("US dollars; the bar spans {low} to {high} of the goods' value per day saved", ctx.lang, low=fmt_percent(pd.low, ctx.lang, 1), high=fmt_percent(pd.high, ctx.lang, 1)),
        illustrative=True,
        note=t("Channels overlap and are not added up.", ctx.lang),
        check=charts.check_spec(None, why="estimate derived from the tracker's indicators (days saved) and the assumptions in impact.yaml"),
    ), "country_estimate", inputs, precision=INPUT_PRECISION)


def region_range_chart(ctx: Context, imp: ImpactParams, region: pl.DataFrame) -> Figure:
    year = region["year"][0] if region.height else ""
    chart = _range_chart(ctx, region, million=True, x_title=t("USD million a year", ctx.lang))
    return figure(ctx, charts.finish(
        chart,
        lang=ctx.lang,
        title=t("Value of the time saved across the region at {year} trade values", ctx.lang, year=year),
        summary=_range_summary(ctx, region, million=True),
        source=t(SOURCE, ctx.lang) + "; " + trade_source(ctx, imp),
        unit=t("US dollar millions a year", ctx.lang),
        illustrative=True,
        note=t("Regional trade value x share affected x days saved ({summary} of {members}) x value of a day. Channels overlap and are not added up.", ctx.lang,
               summary=gettext(STATISTIC_LABELS.get(imp.region_summary.statistic, imp.region_summary.statistic), ctx.lang),
               members=t("the parties", ctx.lang) if imp.region_summary.members == "parties" else t("the members", ctx.lang)),
        check=charts.check_spec(None, why="estimate derived from the trade values impact.yaml names, the members' days saved and its assumptions"),
    ), "region_estimate", region, precision=REGION_PRECISION)


def trade_chart(ctx: Context, imp: ImpactParams, flows: pl.DataFrame) -> Figure:
    """The sourced trade values impact.yaml names; the flows the estimate uses in the accent."""
    assert imp.trade is not None
    used = {ch.trade.flow for ch in imp.channels if ch.trade is not None}
    yes, no = t("used in the estimate", ctx.lang), t("not used: no channel measures it", ctx.lang)
    keys = [c for c in reference.TRADE_KEYS if c in flows.columns]
    df = flows.select(*keys, "year", "indicator", "value", "unit", "label").with_columns(
        use=pl.when(pl.col("indicator").is_in(list(used))).then(pl.lit(yes)).otherwise(pl.lit(no))
    )
    base = alt.Chart(df).encode(y=alt.Y("label:N", title=None, sort=df["label"].to_list(), axis=alt.Axis(labelLimit=charts.LABEL_LIMIT + 30)))
    bars = base.mark_bar(height=18).encode(
        x=alt.X("value:Q", title=t("USD million", ctx.lang), axis=charts.value_axis(",.0f")),
        color=alt.Color("use:N", title=None, scale=alt.Scale(domain=[yes, no], range=[charts.ACCENT, charts.PEER]), legend=charts.legend([yes, no])),
        tooltip=[alt.Tooltip("label:N", title=t("Trade flow", ctx.lang)), alt.Tooltip("value:Q", format=",.2f", title=t("USD million", ctx.lang)), alt.Tooltip("year:O", title=t("Year", ctx.lang))],
    )
    text = base.mark_text(align="left", dx=3, fontSize=10, color="#333").encode(x="value:Q", text=alt.Text("value:Q", format=",.2f"))
    year = df["year"][0] if df.height else ""
    top = df.filter(pl.col("value").is_not_null()).sort("value", descending=True)
    summary = (t("The largest flow in {year} is {flow}: USD {value} million.", ctx.lang, year=year, flow=top["label"][0], value=fmt_number(top["value"][0], ctx.lang, 2))
               if top.height else t("No trade value (no data).", ctx.lang))
    return figure(ctx, charts.finish(
        (bars + text).properties(width=charts.WIDTH, height=charts.band_height(df["label"].n_unique(), 30)),
        lang=ctx.lang,
        title=t("{title} in {year}", ctx.lang, title=ctx.text(imp.trade.title), year=year),
        summary=summary,
        source=trade_source(ctx, imp),
        unit=t("USD million", ctx.lang),
        check=charts.check_spec("trade", args={"path": imp.trade.file}, key={k: k for k in (*keys, "year", "indicator")}, value={"value": "value"}),
    ), "trade", df, precision={"value": ctx.table("trade").precision["value"]})


# ---------------------------------------------------------------------------------------------
# Sentences


def method_sentences(ctx: Context, imp: ImpactParams) -> list[str]:
    pd = imp.method.per_day_ad_valorem
    return [
        t(
            "Hummels and Schaur (2013) estimate that each day goods spend in transit is worth {low} to {high} of their value, as if a tariff of that size were charged.",
            ctx.lang, low=fmt_percent(pd.low, ctx.lang, 1), high=fmt_percent(pd.high, ctx.lang, 1),
        ),
        t(
            "This page applies that range only to the trade each shorter delay affects: value of the time saved = affected trade x days saved x {low} to {high}. It is always a range, never a single figure.",
            ctx.lang, low=fmt_percent(pd.low, ctx.lang, 1), high=fmt_percent(pd.high, ctx.lang, 1),
        ),
    ]


def country_sentences(ctx: Context, imp: ImpactParams, inputs: pl.DataFrame, national: pl.DataFrame | None = None) -> list[str]:
    lang = ctx.lang
    amount = fmt_number(imp.per_trade_value_usd, lang, 0)
    per_crossing = {ch.id for ch in imp.channels if ctx.params.indicators.get(ch.indicator).per_crossing}
    out = []
    for r in inputs.iter_rows(named=True):
        if r["days_saved"] is None:
            if r["channel_id"] in per_crossing and not any(ctx.country in c.countries for c in ctx.params.region.border_crossings):
                out.append(t("{channel}: no estimate, because no land-border crossings are recorded for {country} (no data, not zero).", lang, channel=r["channel"], country=ctx.country_name))
            else:
                out.append(t("{channel}: no estimate, because {country} has fewer than two periods of {indicator} (no data, not zero).", lang, channel=r["channel"], country=ctx.country_name, indicator=r["indicator"].lower()))
            continue
        values = dict(
            channel=r["channel"], indicator=r["indicator"], statistic=r["statistic"] or "", country=ctx.country_name,
            first=fmt_number(r["first_value"], lang, 1), latest=fmt_number(r["latest_value"], lang, 1),
            first_period=periods.label(r["first_period"], lang), latest_period=periods.label(r["latest_period"], lang),
            days=fmt_number(abs(r["days_saved"]), lang, 2), amount=amount,
            low=_usd(abs(r["low"]) if r["days_saved"] < 0 else r["low"], lang), high=_usd(abs(r["high"]) if r["days_saved"] < 0 else r["high"], lang),
        )
        if r["days_saved"] >= 0:
            out.append(t("{channel}: {indicator} ({statistic}) went from {first} h in {first_period} to {latest} h in {latest_period}; days saved per shipment: {days}; on each USD {amount} of affected trade that time is worth {low} to {high}.", lang, **values))
        else:
            out.append(t("{channel}: {indicator} ({statistic}) went from {first} h in {first_period} to {latest} h in {latest_period}; days lost per shipment: {days}; on each USD {amount} of affected trade that costs {low} to {high}.", lang, **values))
    out += _national_sentences(ctx, imp, national, amount)
    if bool(inputs["illustrative"].any()):
        out.append(t("These figures are illustrative: the days saved come from the illustrative tracker data.", lang))
    return out


def _national_sentences(ctx: Context, imp: ImpactParams, national: pl.DataFrame | None, amount: str) -> list[str]:
    """The member's national range, or why there is none."""
    lang, country = ctx.lang, ctx.country_name
    if imp.trade is None:
        return [t("No sourced trade values are held for this region, so the estimate for {country} is given per USD {amount} of affected trade, not as a national total.", lang, country=country, amount=amount)]
    if not by_member(ctx):
        return [t("The sourced trade values ({source}) are region totals only, so the estimate for {country} is given per USD {amount} of affected trade, not as a national total.", lang, source=trade_source(ctx, imp), country=country, amount=amount)]
    if national is None:
        return [t("The sourced trade values ({source}) hold none for {country}, so its estimate is given per USD {amount} of affected trade, not as a national total.", lang, source=trade_source(ctx, imp), country=country, amount=amount)]
    out = []
    for r in national.iter_rows(named=True):
        flow = ctx.text(imp.trade.flows[r["flow"]]).lower()
        if r["flow_value"] is None:
            out.append(t("{channel}: no national total, because the trade file has no {flow} for {country} (no data, not zero).", lang, channel=r["channel"], flow=flow, country=country))
        elif r["low"] is None:
            continue  # no days saved: said above
        else:
            out.append(t("{channel}: at {country}'s {flow} of USD {value} million in {year}, {share} of it affected, the time saved is worth {low} to {high} a year.", lang,
                         channel=r["channel"], country=country, flow=flow, value=fmt_number(r["flow_value"], lang, 2), year=r["year"],
                         share=fmt_percent(r["share"], lang), low=_usd(r["low"], lang, True), high=_usd(r["high"], lang, True)))
    return out


def region_sentences(ctx: Context, imp: ImpactParams, region: pl.DataFrame, flows: pl.DataFrame) -> list[str]:
    lang = ctx.lang
    if imp.trade is None:
        return [t("No sourced trade values are held for this region, so no value of the time saved is estimated for the region; the estimates above are per USD {amount} of affected trade.", lang,
                  amount=fmt_number(imp.per_trade_value_usd, lang, 0))]
    out = []
    totals = _flow_totals(ctx, imp)
    parts = [t("{flow}, USD {value} million", lang, flow=ctx.text(imp.trade.flows[f]).lower(), value=fmt_number(v["value"], lang, 2)) for f, v in totals.items()]
    if parts:
        year = next(iter(totals.values()))["year"]
        n = next(iter(totals.values()))["members"]
        if n is None:
            out.append(t("Trade values in {year} ({source}): {flows}; region totals only.", lang, source=trade_source(ctx, imp), flows="; ".join(parts), year=year))
        else:
            out.append(tn("Trade values in {year} ({source}): {flows}; each the value of {n} member.", "Trade values in {year} ({source}): {flows}; each the sum of the values of {n} members.", n, lang, source=trade_source(ctx, imp), flows="; ".join(parts), year=year, n=n))
    for r in region.iter_rows(named=True):
        if r["days_saved"] is None:
            out.append(t("{channel}: no regional estimate, because no member has two periods of data.", lang, channel=r["channel"]))
            continue
        out.append(
            tn(
                "{channel}: {share} of that trade (USD {affected} million), times the days saved ({days}, the {summary} over {n} member with an estimate), is worth {low} to {high} a year.",
                "{channel}: {share} of that trade (USD {affected} million), times the days saved ({days}, the {summary} over the {n} members with an estimate), is worth {low} to {high} a year.",
                r["members"], lang, channel=r["channel"], summary=gettext(STATISTIC_LABELS.get(imp.region_summary.statistic, imp.region_summary.statistic), lang), share=fmt_percent(r["share"], lang), affected=fmt_number(r["affected"], lang, 1),
                days=fmt_number(r["days_saved"], lang, 2), n=fmt_number(r["members"], lang, 0), low=_usd(r["low"], lang, True), high=_usd(r["high"], lang, True),
            )
        )
    if region.height and region["days_saved"].is_not_null().any():
        out.append(t("These regional figures are illustrative: the days saved come from the illustrative tracker data and the shares affected are assumptions; only the trade aggregates are real.", lang))
    return out
