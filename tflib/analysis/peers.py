"""The one median every page compares a member with: that of the *other* members.

A member is never part of the benchmark it is compared with, so every "median" on a country
page is the median of the other members (or, for scores, the other parties) that have a value
for the period, and every chart or sentence that shows one says so.
"""

from __future__ import annotations

import polars as pl

from ..i18n import t
from ..page import Context


def label(ctx: Context, parties: bool = False) -> str:
    """The legend label of the median series."""
    return t("Median of the other parties", ctx.lang) if parties else t("Median of the other members", ctx.lang)


def note(ctx: Context, parties: bool = False) -> str:
    """The sentence a chart's subtitle carries to state the median's definition."""
    if parties:
        return t("Median: the other parties' scores on each date; {country} is left out.", ctx.lang, country=ctx.country_name)
    return t("Median: the other members with a value for the period; {country} is left out.", ctx.lang, country=ctx.country_name)


def median_of_others(
    frame: pl.DataFrame,
    country: str,
    by: list[str],
    value: str = "value",
    country_col: str = "country",
    min_reporting: int = 1,
) -> pl.DataFrame:
    """Per group of `by`: the median of `value` over the rows of the other countries with a
    value (`median`) and how many there were (`reporting`); groups with fewer than
    `min_reporting` are left out (no median is drawn from one or two values)."""
    others = frame.filter((pl.col(country_col) != country) & pl.col(value).is_not_null())
    return (
        others.group_by(by, maintain_order=True)
        .agg(median=pl.col(value).median(), reporting=pl.len().cast(pl.Int64))
        .filter(pl.col("reporting") >= min_reporting)
    )


def median_value(frame: pl.DataFrame, country: str, value: str = "value", country_col: str = "country") -> float | None:
    """The median of `value` over the other countries' rows that have one (None: none has)."""
    others = frame.filter((pl.col(country_col) != country) & pl.col(value).is_not_null())[value]
    return float(others.median()) if others.len() else None
