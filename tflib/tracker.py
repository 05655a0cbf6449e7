"""Tidy polars frames of a region's tracker data, read from its store.

These are the calls economists and notebooks use. Every frame carries an ``illustrative``
column where the data can be illustrative, so it can be labelled wherever it is shown.
A later report supersedes an earlier one in the default ("current") frames; pass
``history=True`` for every row ever accepted. Rows of voided submissions are left out of
every frame (the store's ``*_live`` views); `submissions` and `corrections` show the voids.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pycountry

from .params import RegionParams, load_region
from .paths import Project, resolve
from .store import Store

ProjectLike = Project | str | Path | None


def _params(region: str | RegionParams, project: ProjectLike) -> RegionParams:
    return region if isinstance(region, RegionParams) else load_region(region, project)


def _read(region: str | RegionParams, project: ProjectLike, sql: str, args: list | None = None) -> pl.DataFrame:
    params = _params(region, project)
    with Store.open(params, resolve(project), read_only=True) as store:
        return store.frame(sql, args)


def country_name(iso3: str, lang: str = "en") -> str:
    """The country's short name in `lang` (pycountry's ISO 3166 names and translations)."""
    import gettext

    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return iso3
    name = getattr(country, "common_name", None) or country.name
    if lang == "en":
        return name
    try:
        tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    except OSError:
        return name
    # Prefer the short common name ("Bolivia"), as English does, when it is translated.
    common = getattr(country, "common_name", None)
    if common and tr.gettext(common) != common:
        return tr.gettext(common)
    translated = tr.gettext(country.name)
    # "Bolivia, Plurinational State of" has the short name before the comma in every
    # language; only cut where English does the same, so the two Koreas stay distinct.
    if common and country.name.split(",")[0] == common and "," in translated:
        return translated.split(",")[0]
    return translated


def members(region: str | RegionParams | None = None, project: ProjectLike = None) -> pl.DataFrame:
    """Members with party status and language; comparators are in `region().region.comparators`."""
    params = _params(region, project)
    return pl.DataFrame(
        [
            {
                "iso3": m.iso3,
                "name": params.short_name_of(m.iso3, params.region.default_language),
                "party": m.party,
                "language": params.country(m.iso3).language,
            }
            for m in params.region.members
        ]
    )


def measures(region: str | RegionParams | None = None, lang: str | None = None, project: ProjectLike = None) -> pl.DataFrame:
    """The strategy's measures: id, pillar, dimension, TFA articles, deadline, name, illustrative."""
    params = _params(region, project)
    lang = lang or params.region.default_language
    rows = []
    for pillar in params.strategy.pillars:
        for m in pillar.measures:
            rows.append(
                {
                    "measure_id": m.id,
                    "pillar_id": pillar.id,
                    "pillar": params.text(pillar.name, lang),
                    "dimension": m.dimension,
                    "tfa_articles": list(m.tfa_articles),
                    "deadline": m.deadline,
                    "name": params.text(m.name, lang),
                    "indicators": list(m.indicators),
                    "illustrative": m.illustrative,
                }
            )
    return pl.DataFrame(rows)


def action_items(
    region: str | RegionParams | None = None,
    country: str | None = None,
    lang: str | None = None,
    project: ProjectLike = None,
) -> pl.DataFrame:
    """Per-country action items as stored (stable ids, agency, start, due, dependencies)."""
    params = _params(region, project)
    lang = lang or params.region.default_language
    where, args = ("WHERE country = ?", [country.upper()]) if country else ("", [])
    # Current dates are the latest replan (if any); planned_* keep the original allocation.
    sql = f"""
        WITH rev AS (
            SELECT * FROM schedule_revisions
            QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY revision_id DESC) = 1
        ), cur AS (
            SELECT a.* REPLACE (coalesce(r.start, a.start) AS start, coalesce(r.due, a.due) AS due),
                   a.start AS planned_start, a.due AS planned_due, r.as_of AS replanned_as_of
            FROM action_items a LEFT JOIN rev r USING (item_id)
        )
        SELECT * REPLACE (max(due) OVER (PARTITION BY country, measure_id) <= deadline AS feasible)
        FROM cur {where} ORDER BY item_id"""
    df = _read(params, project, sql, args)
    names = [params.text(json.loads(s), lang) for s in df["step_name"].to_list()]
    return df.with_columns(step_name=pl.Series(names, dtype=pl.String))


def progress(
    region: str | RegionParams | None = None,
    country: str | None = None,
    as_of: dt.date | str | None = None,
    history: bool = False,
    project: ProjectLike = None,
) -> pl.DataFrame:
    """Progress per action item as of a date (default: the region's `as_of`).

    Current view: one row per action item with its latest update on or before `as_of` (a
    later ingest of the same date supersedes); items never reported have null status — no
    data, not "not started". With `history=True`: every update ever accepted up to `as_of`.
    """
    params = _params(region, project)
    cutoff = _date(as_of) or params.as_of
    filters, args = ["p.reported_on <= ?"], [cutoff]
    if country:
        filters.append("p.country = ?")
        args.append(country.upper())
    where = " AND ".join(filters)
    if history:
        sql = f"""
            SELECT p.item_id, p.country, a.measure_id, a.step_id, p.reported_on, p.status,
                   p.pct_complete, p.note, p.illustrative, p.source_file, p.update_id
            FROM progress_updates_live p JOIN action_items a USING (item_id)
            WHERE {where} ORDER BY p.country, p.item_id, p.reported_on, p.update_id"""
        return _read(params, project, sql, args)
    item_filter, item_args = ("WHERE a.country = ?", [country.upper()]) if country else ("", [])
    sql = f"""
        WITH latest AS (
            SELECT * FROM progress_updates_live p WHERE {where}
            QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY reported_on DESC, update_id DESC) = 1
        )
        SELECT a.item_id, a.country, a.measure_id, a.step_id, a.agency_id, a.agency_name, a.start, a.due,
               l.reported_on, l.status, l.pct_complete, l.note,
               l.illustrative  -- null where never reported: no data
        FROM action_items a LEFT JOIN latest l USING (item_id)
        {item_filter}
        ORDER BY a.country, a.item_id"""
    return _read(params, project, sql, args + item_args)


def indicators(
    region: str | RegionParams | None = None,
    country: str | None = None,
    indicator: str | None = None,
    history: bool = False,
    project: ProjectLike = None,
) -> pl.DataFrame:
    """Indicator observations: one row per country x indicator x statistic x crossing x
    direction x period (the latest revision), or every revision with `history=True`."""
    params = _params(region, project)
    filters, args = ["TRUE"], []
    if country:
        filters.append("country = ?")
        args.append(country.upper())
    if indicator:
        filters.append("indicator_id = ?")
        args.append(indicator)
    where = " AND ".join(filters)
    latest = (
        ""
        if history
        else """QUALIFY row_number() OVER (
                PARTITION BY country, indicator_id, statistic, crossing_id, direction, period
                ORDER BY obs_id DESC) = 1"""
    )
    sql = f"""
        SELECT country, indicator_id, statistic, crossing_id, direction, period, period_start, period_end,
               value, unit, source, illustrative, source_file, obs_id
        FROM indicator_observations_live WHERE {where} {latest}
        ORDER BY country, indicator_id, statistic, crossing_id, direction, period_start, obs_id"""
    return _read(params, project, sql, args)


def submissions(region: str | RegionParams | None = None, project: ProjectLike = None) -> pl.DataFrame:
    """The submissions log: one row per file ingested, with counts and outcome, the rows it
    has in the store and whether it is voided (by whom, when, why)."""
    params = _params(region, project)
    with Store.open(params, resolve(project), read_only=True) as store:
        return store.submission_log()


def corrections(region: str | RegionParams | None = None, project: ProjectLike = None) -> pl.DataFrame:
    """Every void and unvoid of a submission ever recorded, oldest first (the latest record
    of a submission says whether its rows count)."""
    params = _params(region, project)
    with Store.open(params, resolve(project), read_only=True) as store:
        return store.corrections()


def counts(region: str | RegionParams | None = None, project: ProjectLike = None) -> dict[str, int]:
    params = _params(region, project)
    with Store.open(params, resolve(project), read_only=True) as store:
        return store.counts()


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)
