"""Downloads: the data behind every chart of a page, and the bulk export of a release.

A page's downloads come from the Vega-Lite specs of its executed notebook, so a download
holds exactly what the charts draw:

- per chart N: ``chart-N.csv`` (the rows of the chart's datasets), ``chart-N.svg`` and
  ``chart-N.png`` (rendered offline with vl-convert);
- per page: every chart's rows stacked into one tidy table with ``chart``, ``chart_title``,
  ``dataset``, ``illustrative``, ``source`` and ``unit`` columns, written as ``data.csv``,
  ``data.xlsx`` (one sheet per chart, a codebook and notes), ``data.dta`` (Stata 14+,
  format 118) and ``codebook.csv`` / ``codebook.md``.

The bulk export writes the whole release as tidy CSV tables plus one ZIP with a codebook
and a README (provenance, licences, what is illustrative). Confidential values never leave:
they are removed with `tflib.page.public`.

Missing values stay missing in every format: an empty CSV cell, an empty Excel cell, a Stata
missing value. They are never written as 0.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ..i18n import N_, gettext, t
from ..page import CAVEATS, DIMENSION_TITLES
from .model import PageRecord

ProjectLike = Any

# Columns every page table starts with; a chart column of the same name is renamed.
META_COLUMNS = ("chart", "chart_title", "dataset", "illustrative", "source", "unit")
RENAMED_PREFIX = "data_"
# Stata's limits (format 118): names of 32 characters, str# of 2045 bytes, labels of 80.
STATA_NAME_MAX = 32
STATA_STR_MAX = 2045
STATA_LABEL_MAX = 80
EXCEL_CELL_MAX = 32767
# A fixed time stamp keeps equal downloads equal files (Stata header, workbook properties).
DEFAULT_STAMP = dt.date(2000, 1, 1)

PAGE_LABELS = {
    "csv": N_("Data (CSV)"),
    "xlsx": N_("Data (Excel)"),
    "dta": N_("Data (Stata)"),
    "codebook": N_("Codebook"),
    "codebook_md": N_("Codebook (Markdown)"),
}

TYPE_LABELS = {
    "integer": N_("integer"),
    "number": N_("number"),
    "text": N_("text"),
    "date": N_("date"),
    "datetime": N_("date and time"),
    "boolean": N_("true/false"),
}

# ---------------------------------------------------------------------------------------------
# What the columns mean. Known names get a real description; any other column is described
# as drawn in its chart.

_DB_MEASURE_TEXT = {
    "export_doc_hours": N_("Time to export, documentary compliance (hours)"),
    "import_doc_hours": N_("Time to import, documentary compliance (hours)"),
    "export_border_hours": N_("Time to export, border compliance (hours)"),
    "import_border_hours": N_("Time to import, border compliance (hours)"),
    "export_doc_usd": N_("Cost to export, documentary compliance (US dollars)"),
    "import_doc_usd": N_("Cost to import, documentary compliance (US dollars)"),
    "export_border_usd": N_("Cost to export, border compliance (US dollars)"),
    "import_border_usd": N_("Cost to import, border compliance (US dollars)"),
}
NO_PRACTICE_TEXT = N_("True where Doing Business records “No Practice” for: {measure} (not applicable: the value is missing, not zero)")

DESCRIPTIONS: dict[str, str] = {
    # Page tables
    "chart": N_("Number of the chart on the page (1 = first chart)"),
    "chart_title": N_("Title of the chart"),
    "dataset": N_("Data layer of the chart the row belongs to (1, 2, …), e.g. the country's series or the median of the other members"),
    "illustrative": N_("True for illustrative figures made by a generator (not real data); false for real, published data"),
    "source": N_("Source of the figures"),
    "unit": N_("Unit of the figures"),
    # Countries and reference data
    "iso3": N_("ISO 3166-1 alpha-3 country code"),
    "country": N_("ISO 3166-1 alpha-3 code of the member country"),
    "name": N_("Name shown in the chart (country or series)"),
    "economy": N_("Economy name as published by the World Bank"),
    "year": N_("Year (LPI: year of the survey wave)"),
    "report_year": N_("Doing Business report year (DB2020 = 2020); the data describe the year before"),
    "data_year": N_("Year the Doing Business data describe (report year minus 1)"),
    "lpi_score": N_("Logistics Performance Index, overall score (1 worst to 5 best)"),
    "lpi_rank": N_("Logistics Performance Index rank among the economies of the wave (2023: tied ranks)"),
    "customs": N_("LPI component: efficiency of clearance by customs and border agencies (score 1 to 5)"),
    "infrastructure": N_("LPI component: quality of trade and transport infrastructure (score 1 to 5)"),
    "international_shipments": N_("LPI component: ease of arranging competitively priced international shipments (score 1 to 5)"),
    "logistics_competence": N_("LPI component: competence and quality of logistics services (score 1 to 5)"),
    "timeliness": N_("LPI component: shipments reaching the consignee within the expected time (score 1 to 5)"),
    "tracking_tracing": N_("LPI component: ability to track and trace consignments (score 1 to 5)"),
    "db_code": N_("Doing Business economy code"),
    "region": N_("World Bank region"),
    "income_group": N_("World Bank income group"),
    "geography": N_("national (population-weighted) or city row of Doing Business"),
    "city": N_("City of a Doing Business city row (empty for national rows)"),
    **_DB_MEASURE_TEXT,
    # Tracker: indicators
    "indicator_id": N_("Indicator identifier in the region's indicator catalogue"),
    "statistic": N_("Statistic reported (e.g. median, 90th percentile); empty when the indicator has a single value"),
    "stat_label": N_("Statistic as shown in the chart"),
    "crossing_id": N_("Border crossing identifier (crossing-level indicators)"),
    "direction": N_("Direction of traffic at the border crossing"),
    "period": N_("Reporting period (YYYY, YYYY-Qn or YYYY-MM)"),
    "period_label": N_("Reporting period as shown in the chart"),
    "period_start": N_("First day of the reporting period"),
    "period_end": N_("Last day of the reporting period"),
    "value": N_("Value, in the unit given"),
    "median": N_("Median of the other members that reported for the period"),
    "reporting": N_("Number of members with data behind the median"),
    "target": N_("National target value"),
    "target_label": N_("Label of the national target as shown in the chart"),
    "source_file": N_("Submission file the row was read from"),
    "obs_id": N_("Sequence number of the stored observation (later revisions have higher numbers)"),
    # Tracker: plan and progress
    "item_id": N_("Action item identifier (country-measure-step)"),
    "measure_id": N_("Measure identifier in the regional strategy"),
    "measure": N_("Measure name"),
    "measure_illustrative": N_("True for a measure not documented in the strategy's sources (illustrative)"),
    "pillar_id": N_("Pillar identifier in the regional strategy"),
    "pillar": N_("Pillar of the regional strategy"),
    "dimension": N_("Report dimension of the measure (logistics, SME, land borders, digital)"),
    "tfa_articles": N_("WTO Trade Facilitation Agreement articles of the measure"),
    "indicators": N_("Indicators that follow the measure"),
    "step_id": N_("Step identifier within the measure"),
    "step_name": N_("Step name"),
    "agency_role": N_("Role of the responsible agency"),
    "agency_id": N_("Responsible national agency (identifier)"),
    "agency_name": N_("Responsible national agency"),
    "start": N_("Start date of the action item (latest schedule)"),
    "due": N_("Due date of the action item (latest schedule)"),
    "planned_start": N_("Start date in the original plan"),
    "planned_due": N_("Due date in the original plan"),
    "replanned_as_of": N_("Date of the latest rescheduling (empty if never rescheduled)"),
    "depends_on": N_("Steps this step depends on"),
    "on_critical_path": N_("True when the step is on the measure's critical path"),
    "deadline": N_("Regional deadline of the measure"),
    "feasible": N_("True when the plan ends on or before the regional deadline"),
    "reported_on": N_("Date of the progress report"),
    "status": N_("Implementation status: not_applicable, not_started, pilot, partial or full; empty = no data"),
    "status_label": N_("Implementation status as shown in the chart"),
    "pct_complete": N_("Percent complete reported (0 to 100); empty = no data"),
    "pct": N_("Percent complete reported (0 to 100); empty = no data"),
    "note": N_("Note of the progress report (withheld where the country asked)"),
    "update_id": N_("Sequence number of the stored progress update"),
    "items": N_("Number of action items"),
    "order": N_("Position in the chart's order"),
    "as_of": N_("Data date"),
    "date": N_("Date"),
    "series": N_("Series the row belongs to in the chart"),
    "role": N_("Role in the chart: the country, another member or a comparator"),
    "role_label": N_("Role in the chart as shown"),
    "gap_label": N_("Label shown where there is no data"),
    "label": N_("Label shown in the chart"),
    "measure_label": N_("Measure as shown in the chart"),
    # Scores and status of measures
    "completion": N_("Duration-weighted percent complete of the measure's steps (0 to 100); empty = no data"),
    "points": N_("Points earned (full 3, partial 2, pilot 1, not started 0)"),
    "max_points": N_("Maximum points (not applicable measures count 0)"),
    "implemented_on": N_("Date the measure first became fully implemented"),
    "score": N_("Implementation score: points earned divided by maximum points (0 to 1)"),
    "regional_median": N_("Median implementation score of the parties on that date (0 to 1)"),
    "rank": N_("Rank of the party by implementation score (ties share a rank)"),
    "tied": N_("True when the rank is shared with another party"),
    "measures": N_("Number of measures"),
    "no_data": N_("Number of measures with no progress reported"),
    "commitments": N_("Measures that apply to the party"),
    "implemented": N_("Measures fully implemented"),
    "implementation_rate": N_("Share of the commitments fully implemented (0 to 1)"),
    "implemented_on_time": N_("Commitments due that were implemented by their deadline"),
    "on_time_rate": N_("Share of the commitments due that were implemented on time (0 to 1)"),
    "party": N_("True for a party to the strategy (scored); false for a member that is tracked only"),
    "language": N_("Language of the country's templates and feedback"),
    # Early warnings
    "kind": N_("Kind of warning: overdue, at_risk, stalled, missing_submission, regression (worse than the previous period) or target_missed (a national target whose date has passed is not met)"),
    "severity": N_("Severity of the warning: high, medium or low"),
    "basis": N_("What an indicator warning is measured against: the previous period (regression) or the national target (target_missed)"),
    "projected": N_("Completion date projected from the pace of progress"),
    "last_reported": N_("Date of the latest progress report on the item"),
    "days": N_("Days overdue, late, or without a report (by kind of warning)"),
    "reference": N_("Value compared with: the previous period or the national target"),
    "message": N_("The warning in words"),
}

# The same column name can mean something else in another source.
DESCRIPTIONS_BY_SOURCE: dict[str, dict[str, str]] = {
    "doing_business": {
        "score": N_("Doing Business score for trading across borders (0 to 100, DB16-20 methodology)"),
        "rank": N_("Doing Business rank for trading across borders (DB2020 only)"),
        "name": N_("Economy name as shown in the chart"),
    },
    "lpi": {"name": N_("Economy name as shown in the chart")},
    "scores": {"due": N_("Commitments whose deadline has passed")},
    "indicators": {
        "source": N_("Source named in the submission"),
        "unit": N_("Unit of the value"),
        "country": N_("ISO 3166-1 alpha-3 code of the reporting country"),
    },
    "members": {
        "name": N_("Country name"),
        "iso3": N_("ISO 3166-1 alpha-3 country code"),
    },
    "action_items": {"illustrative": N_("True for an action item of an illustrative measure (not documented in the strategy's sources)")},
    "measure_status": {"illustrative": N_("True where the status rests on illustrative progress reports or the measure itself is illustrative")},
    "measures": {"name": N_("Measure name"), "deadline": N_("Regional deadline of the measure"), "illustrative": DESCRIPTIONS["measure_illustrative"]},
    "early_warnings": {
        "due": N_("Due date (item warnings), deadline of the missing report, or date of the national target"),
        "value": N_("Indicator value (indicator regressions)"),
    },
    "progress_current": {"illustrative": N_("True for an illustrative progress report; empty where the item was never reported (no data)")},
}

AS_DRAWN = N_("as drawn in chart {n}")
AS_DRAWN_MANY = N_("as drawn in charts {charts}")

NOTES = {
    "missing": N_("Empty cells are missing values (no data), never zero."),
    "internal": N_("Columns used only to draw a chart (names starting with an underscore) are left out."),
    "renamed": N_("A chart column named like a page column (chart, chart_title, dataset, illustrative, source, unit) is kept with the prefix data_."),
    "stata": N_("In the Stata file true/false columns are 1 (true) and 0 (false), dates are Stata dates, and missing text is an empty string."),
    "chart": N_("Chart {n}: {title}"),
}


def caveat(kind: str, lang: str) -> str:
    """A caveat of `tflib.page.CAVEATS` in `lang`."""
    message = CAVEATS[kind]
    return t(message, lang)


def note(kind: str, lang: str, **values: object) -> str:
    message = NOTES[kind]
    return t(message, lang, **values)


def describe(name: str, lang: str, sources: Iterable[str | None] = ()) -> str | None:
    """The description of a known column in `lang`, None for an unknown one. `sources` are the
    loaders (lpi, doing_business, indicators, scores, …) whose meaning applies first."""
    for source in sources:
        text = DESCRIPTIONS_BY_SOURCE.get(source or "", {}).get(name)
        if text:
            return gettext(text, lang)
    if name.endswith("_no_practice") and name[: -len("_no_practice")] in _DB_MEASURE_TEXT:
        measure = gettext(_DB_MEASURE_TEXT[name[: -len("_no_practice")]], lang)
        return t(NO_PRACTICE_TEXT, lang, measure=measure)
    text = DESCRIPTIONS.get(name)
    return gettext(text, lang) if text else None


# ---------------------------------------------------------------------------------------------
# Reading a chart spec


@dataclass(frozen=True)
class ChartTable:
    """The tabular data of one chart: typed columns, in the order the chart reads them."""

    number: int
    title: str
    illustrative: bool
    source: str | None
    unit: str | None
    loader: str | None
    frame: pl.DataFrame  # dataset (1, 2, …) and the chart's data columns
    renamed: dict[str, str]  # new column name -> name in the chart


def chart_title(spec: dict[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        return " ".join(str(x) for x in title)
    return "" if title is None else str(title)


def _walk(node: Any) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _dataset_names(spec: dict[str, Any]) -> tuple[list[str], set[str]]:
    """Named datasets in the order the chart first uses them, and those read as geodata."""
    order: list[str] = []
    geo: set[str] = set()
    for node in _walk({k: v for k, v in spec.items() if k != "datasets"}):
        data = node.get("data")
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            name = data["name"]
            if name not in order:
                order.append(name)
            fmt = data.get("format") or {}
            if isinstance(fmt, dict) and (fmt.get("type") in ("topojson", "geojson") or "feature" in fmt or "mesh" in fmt):
                geo.add(name)
    for name in spec.get("datasets") or {}:
        if name not in order:
            order.append(name)
    return order, geo


def _is_geo_row(row: dict[str, Any]) -> bool:
    return row.get("type") in ("Topology", "Feature", "FeatureCollection", "GeometryCollection") or "geometry" in row or "arcs" in row


def dataset_rows(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The tabular datasets of a chart (TopoJSON/GeoJSON left out), in the chart's order."""
    datasets = spec.get("datasets") or {}
    order, geo = _dataset_names(spec)
    out = []
    for name in order:
        values = datasets.get(name)
        if name in geo or not isinstance(values, list):
            continue
        rows = [v for v in values if isinstance(v, dict)]
        if not rows or len(rows) != len(values) or any(_is_geo_row(r) for r in rows):
            continue
        out.append(rows)
    return out


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T00:00(:00(\.0+)?)?(Z|[+-]00:00)?)?$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_INT64 = (-(2**63), 2**63 - 1)


def _kind(values: list[Any]) -> str:
    """integer, number, boolean, date, datetime or text for a column's non-null values."""
    present = [v for v in values if v is not None]
    if not present:
        return "text"
    if all(isinstance(v, bool) for v in present):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) and _INT64[0] <= v <= _INT64[1] for v in present):
        return "integer"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "number"
    if all(isinstance(v, str) for v in present):
        if all(_DATE.match(v) for v in present):
            return "date"
        if all(_DATETIME.match(v) for v in present):
            return "datetime"
    return "text"


DTYPES: dict[str, pl.DataType] = {
    "integer": pl.Int64,
    "number": pl.Float64,
    "boolean": pl.Boolean,
    "date": pl.Date,
    "datetime": pl.Datetime("us"),
    "text": pl.String,
}


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return str(v)


def _convert(values: list[Any], kind: str) -> list[Any]:
    if kind == "date":
        return [None if v is None else dt.date.fromisoformat(v[:10]) for v in values]
    if kind == "datetime":
        return [None if v is None else dt.datetime.fromisoformat(v.replace("Z", "+00:00")).replace(tzinfo=None) for v in values]
    if kind == "number":
        return [None if v is None else float(v) for v in values]
    if kind == "text":
        return [_text(v) for v in values]
    return values


def chart_table(spec: dict[str, Any], number: int, lang: str = "en") -> ChartTable:
    """The chart's rows as a typed frame: a `dataset` column, then the chart's columns in the
    order they first appear (columns starting with ``_`` are drawing helpers, left out). The
    source is given in `lang`."""
    meta = (spec.get("usermeta") or {}).get("tflib") or {}
    check = meta.get("check") or {}
    source = meta.get("source")
    datasets = dataset_rows(spec)
    columns: list[str] = []
    for rows in datasets:
        for row in rows:
            for key in row:
                if not str(key).startswith("_") and key not in columns:
                    columns.append(key)
    renamed = {(RENAMED_PREFIX + c if c in META_COLUMNS else c): c for c in columns}
    data: dict[str, list[Any]] = {"dataset": [i for i, rows in enumerate(datasets, 1) for _ in rows]}
    for new, old in renamed.items():
        data[new] = [row.get(old) for rows in datasets for row in rows]
    series = []
    for name, values in data.items():
        kind = "integer" if name == "dataset" else _kind(values)
        series.append(pl.Series(name, _convert(values, kind), dtype=DTYPES[kind]))
    return ChartTable(
        number=number,
        title=chart_title(spec),
        illustrative=bool(meta.get("illustrative")),
        source=gettext(source, lang) if source else None,
        unit=meta.get("unit"),
        loader=check.get("loader"),
        frame=pl.DataFrame(series) if series else pl.DataFrame(),
        renamed={k: v for k, v in renamed.items() if k != v},
    )


def _kind_of(dtype: pl.DataType) -> str:
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "number"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    return "text"


def _unify(kinds: set[str]) -> str:
    if len(kinds) == 1:
        return next(iter(kinds))
    if kinds <= {"integer", "number"}:
        return "number"
    if kinds <= {"date", "datetime"}:
        return "datetime"
    return "text"


def _cast(series: pl.Series, kind: str) -> pl.Series:
    if _kind_of(series.dtype) == kind:
        return series
    if kind == "text":
        if series.dtype == pl.Boolean:
            return series.replace_strict({True: "true", False: "false"}, default=None, return_dtype=pl.String)
        if series.dtype == pl.Date:
            return series.dt.strftime("%Y-%m-%d")
        if isinstance(series.dtype, pl.Datetime):
            return series.dt.strftime("%Y-%m-%dT%H:%M:%S")
    return series.cast(DTYPES[kind])


def page_table(tables: list[ChartTable]) -> pl.DataFrame:
    """Every chart's rows stacked: chart, chart_title, dataset, illustrative, source, unit,
    then the union of the chart columns (types made common: integer with number is number,
    any other mix is text)."""
    data_columns: list[str] = []
    kinds: dict[str, set[str]] = {}
    for table in tables:
        for name in table.frame.columns:
            if name == "dataset":
                continue
            if name not in data_columns:
                data_columns.append(name)
            kinds.setdefault(name, set()).add(_kind_of(table.frame[name].dtype) if table.frame[name].null_count() < table.frame.height else "null")
    final = {name: _unify(k - {"null"} or {"text"}) for name, k in kinds.items()}
    frames = []
    for table in tables:
        n = table.frame.height
        cols = [
            pl.Series("chart", [table.number] * n, dtype=pl.Int64),
            pl.Series("chart_title", [table.title] * n, dtype=pl.String),
            table.frame["dataset"].cast(pl.Int64),
            pl.Series("illustrative", [table.illustrative] * n, dtype=pl.Boolean),
            pl.Series("source", [table.source] * n, dtype=pl.String),
            pl.Series("unit", [table.unit] * n, dtype=pl.String),
        ]
        for name in data_columns:
            if name in table.frame.columns:
                cols.append(_cast(table.frame[name], final[name]).alias(name))
            else:
                cols.append(pl.Series(name, [None] * n, dtype=DTYPES[final[name]]))
        frames.append(pl.DataFrame(cols))
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame()


# ---------------------------------------------------------------------------------------------
# Codebook


@dataclass(frozen=True)
class CodebookRow:
    name: str
    stata_name: str
    kind: str
    description: str
    charts: list[int]


_STATA_RESERVED = {
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_N",
    "_pi", "_pred", "_rc", "_skip", "strL", "using", "with",
}  # fmt: skip


def stata_names(names: list[str]) -> dict[str, str]:
    """Stata-safe, unique names of at most 32 characters (letters, digits, underscores)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name) or "v"
        if base[0].isdigit():
            base = "v" + base
        if base in _STATA_RESERVED or re.fullmatch(r"str\d+", base):
            base = base + "_"
        base = base[:STATA_NAME_MAX]
        candidate, i = base, 2
        while candidate.lower() in used:
            suffix = f"_{i}"
            candidate = base[: STATA_NAME_MAX - len(suffix)] + suffix
            i += 1
        used.add(candidate.lower())
        out[name] = candidate
    return out


def _charts_text(numbers: list[int], lang: str) -> str:
    if len(numbers) == 1:
        return t(AS_DRAWN, lang, n=numbers[0])
    return t(AS_DRAWN_MANY, lang, charts=", ".join(str(n) for n in numbers))


def page_codebook(table: pl.DataFrame, tables: list[ChartTable], lang: str) -> list[CodebookRow]:
    names = stata_names(table.columns)
    rows = []
    for name in table.columns:
        charts = [c.number for c in tables if name in c.frame.columns] if name not in META_COLUMNS else [c.number for c in tables]
        original = next((c.renamed[name] for c in tables if name in c.renamed), None)
        loaders = [c.loader for c in tables if name in c.frame.columns]
        if name in META_COLUMNS:
            text = describe(name, lang)
        elif original is not None:
            known = describe(original, lang, loaders)
            text = f"{known} ({_charts_text(charts, lang)})" if known else _charts_text(charts, lang)
        else:
            text = describe(name, lang, loaders) or _charts_text(charts, lang)
        rows.append(CodebookRow(name, names[name], _kind_of(table[name].dtype), text or "", charts))
    return rows


def _codebook_frame(rows: list[CodebookRow], lang: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "name": [r.name for r in rows],
            "stata_name": [r.stata_name for r in rows],
            "type": [gettext(TYPE_LABELS[r.kind], lang) for r in rows],
            "description": [r.description for r in rows],
            "charts": [", ".join(str(n) for n in r.charts) for r in rows],
        },
        schema={"name": pl.String, "stata_name": pl.String, "type": pl.String, "description": pl.String, "charts": pl.String},
    )


def _md_cell(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _page_title(record: PageRecord, lang: str) -> str:
    from ..tracker import country_name

    title = t(DIMENSION_TITLES[record.dimension], lang) if record.dimension in DIMENSION_TITLES else record.dimension
    return f"{title}: {country_name(record.country, lang)}" if record.country else title


def page_notes(tables: list[ChartTable], lang: str) -> list[str]:
    """Source and licence notes of the page, in `lang`."""
    notes = []
    for c in tables:
        parts = [note("chart", lang, n=c.number, title=c.title)]
        if c.unit:
            parts.append(t("Unit: {unit}", lang, unit=c.unit))
        if c.source:
            parts.append(t("Source: {source}", lang, source=c.source))
        if c.illustrative:
            parts.append(t("Illustrative data (generated), not real figures", lang))
        notes.append(". ".join(p.rstrip(".") for p in parts) + ".")
    sources = " ".join(filter(None, (c.source for c in tables))).lower()
    loaders = {c.loader for c in tables}
    if any(c.illustrative for c in tables):
        notes.append(caveat("illustrative", lang))
    if "lpi" in loaders or "logistics performance" in sources:
        notes.append(caveat("lpi", lang))
    if "doing_business" in loaders or "doing business" in sources:
        notes.append(caveat("doing_business", lang))
    if "natural earth" in sources:
        notes.append(caveat("boundaries", lang))
    notes.extend(note(k, lang) for k in ("missing", "internal"))
    if any(c.renamed for c in tables):
        notes.append(note("renamed", lang))
    notes.append(note("stata", lang))
    return notes


def _write_codebook_md(path: Path, title: str, rows: list[CodebookRow], notes: list[str], lang: str) -> None:
    head = [t("Column", lang), t("Stata name", lang), t("Type", lang), t("Description", lang)]
    lines = [f"# {t('Codebook', lang)}: {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [f"`{r.name}`", f"`{r.stata_name}`", gettext(TYPE_LABELS[r.kind], lang), r.description]
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    lines += ["", f"## {t('Notes', lang)}", ""]
    lines += [f"- {n}" for n in notes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Writers


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """UTF-8 CSV: missing values are empty cells, dates ISO 8601 (2026-09-30)."""
    frame.write_csv(path, null_value="", datetime_format="%Y-%m-%dT%H:%M:%S", date_format="%Y-%m-%d")


def _excel_value(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_CELL_MAX]
    if isinstance(value, (list, tuple, dict)):
        return _excel_value(_text(list(value) if isinstance(value, tuple) else value))
    return value


def _fill_sheet(ws: Any, frame: pl.DataFrame) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append(frame.columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    formats = {i: ("yyyy-mm-dd" if d == pl.Date else "yyyy-mm-dd hh:mm:ss") for i, d in enumerate(frame.dtypes) if d == pl.Date or isinstance(d, pl.Datetime)}
    for row in frame.iter_rows():
        ws.append([_excel_value(v) for v in row])
        r = ws.max_row
        for i, v in enumerate(row):
            cell = ws.cell(row=r, column=i + 1)
            if isinstance(v, str) and cell.data_type == "f":
                cell.data_type = "s"  # text that looks like a formula stays text
            if i in formats and v is not None:
                cell.number_format = formats[i]
    ws.freeze_panes = "A2"
    for i, name in enumerate(frame.columns, 1):
        width = max([len(str(name))] + [len(str(v)) for v in frame[name].head(200).to_list() if v is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))


def _stamp(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def _fix_zip(path: Path, stamp: dt.datetime) -> None:
    """Rewrite a ZIP (an .xlsx) with fixed entry times and core properties, so equal data
    give equal files."""
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + iso.encode() + rb"\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, data)


def write_xlsx(sheets: list[tuple[str, pl.DataFrame]], path: Path, stamp: dt.datetime) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets:
        _fill_sheet(wb.create_sheet(_sheet_name(name)), frame)
    wb.properties.created = stamp
    wb.properties.creator = "tflib"
    wb.save(path)
    _fix_zip(path, stamp)


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31]


def _stata_text(value: str | None) -> str:
    if value is None:
        return ""
    raw = value.encode("utf-8")
    return value if len(raw) <= STATA_STR_MAX else raw[:STATA_STR_MAX].decode("utf-8", errors="ignore")


def _label(text: str, limit: int = STATA_LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_dta(frame: pl.DataFrame, path: Path, names: dict[str, str], labels: dict[str, str], title: str, stamp: dt.datetime) -> None:
    """Stata format 118: names Stata-safe, variable labels, dates as Stata dates (%td / %tc),
    true/false as 1/0, strings cut to 2045 bytes; missing values stay missing."""
    import pandas as pd

    columns: dict[str, Any] = {}
    convert: dict[str, str] = {}
    for name, dtype in frame.schema.items():
        s = frame[name]
        target = names[name]
        if dtype == pl.Boolean:
            columns[target] = pd.array([None if v is None else int(v) for v in s.to_list()], dtype="Int8")
        elif dtype.is_integer():
            lo, hi = s.min(), s.max()
            small = s.null_count() == s.len() or (lo is not None and lo > -(2**31) + 27 and hi < 2**31 - 27)
            columns[target] = pd.array(s.to_list(), dtype="Int32") if small else s.cast(pl.Float64).to_numpy()
        elif dtype.is_float():
            columns[target] = s.to_numpy()
        elif dtype == pl.Date or isinstance(dtype, pl.Datetime):
            columns[target] = pd.to_datetime(pd.Series(s.to_list(), dtype="object"))
            convert[target] = "td" if dtype == pl.Date else "tc"
        else:
            values = [_stata_text(_text(v)) for v in s.to_list()]
            columns[target] = pd.Series(values, dtype="object")
    df = pd.DataFrame(columns)
    df.to_stata(
        path,
        version=118,
        write_index=False,
        convert_dates=convert,
        variable_labels={names[c]: _label(labels.get(c, "")) for c in frame.columns},
        data_label=_label(title),
        time_stamp=stamp,
    )


# ---------------------------------------------------------------------------------------------
# Page downloads


def render(spec: dict[str, Any]) -> tuple[str, bytes]:
    """The chart as SVG text and PNG bytes (twice the size), drawn offline by vl-convert: no
    external data may be fetched. The PNG is rasterised from the same SVG."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    return svg, vl_convert.svg_to_png(svg, scale=2)


def write_page_downloads(
    record: PageRecord,
    specs: list[dict],
    out_dir: Path,
    lang: str,
    *,
    as_of: dt.date | None = None,
) -> dict[str, list[tuple[str, Path]]]:
    """Write the downloads of one page into `out_dir` and return them, labelled in `lang`:
    ``{"page": [(label, path), …], "chart-1": [("SVG", path), ("PNG", path), ("CSV", path)], …}``.

    `specs` are the page's Vega-Lite specs in page order (every output whose MIME type starts
    with ``application/vnd.vegalite``). `as_of` dates the Stata and Excel files (a fixed date
    when not given), so a page built twice gives the same files. A page without charts gets
    no downloads.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = _stamp(as_of or DEFAULT_STAMP)
    result: dict[str, list[tuple[str, Path]]] = {"page": []}
    if not specs:
        return result
    tables = [chart_table(spec, n, lang) for n, spec in enumerate(specs, 1)]
    table = page_table(tables)
    for spec, chart in zip(specs, tables):
        key = f"chart-{chart.number}"
        svg, png, csv_path = (out_dir / f"{key}.{ext}" for ext in ("svg", "png", "csv"))
        try:
            svg_text, png_bytes = render(spec)
        except Exception as exc:  # name the chart: a spec vl-convert cannot draw is a page bug
            raise RuntimeError(f"{record.page_id}: chart {chart.number} ({chart.title!r}) could not be rendered: {exc}") from exc
        svg.write_text(svg_text, encoding="utf-8")
        png.write_bytes(png_bytes)
        write_csv(_chart_rows(table, chart), csv_path)
        result[key] = [("SVG", svg), ("PNG", png), ("CSV", csv_path)]

    rows = page_codebook(table, tables, lang)
    notes = page_notes(tables, lang)
    title = _page_title(record, lang)
    names = {r.name: r.stata_name for r in rows}
    labels = {r.name: r.description for r in rows}
    codebook = _codebook_frame(rows, lang)

    paths = {
        "csv": out_dir / "data.csv",
        "xlsx": out_dir / "data.xlsx",
        "dta": out_dir / "data.dta",
        "codebook": out_dir / "codebook.csv",
        "codebook_md": out_dir / "codebook.md",
    }
    write_csv(table, paths["csv"])
    sheets = [(f"chart-{c.number}", _chart_rows(table, c)) for c in tables]
    sheets.append(("codebook", codebook))
    sheets.append(("notes", pl.DataFrame({"note": notes}, schema={"note": pl.String})))
    write_xlsx(sheets, paths["xlsx"], stamp)
    write_dta(table, paths["dta"], names, labels, title, stamp)
    write_csv(codebook, paths["codebook"])
    _write_codebook_md(paths["codebook_md"], title, rows, notes, lang)
    result["page"] = [(t(PAGE_LABELS[k], lang), p) for k, p in paths.items()]
    return result


def _chart_rows(table: pl.DataFrame, chart: ChartTable) -> pl.DataFrame:
    """One chart's rows of the page table: its own columns, then illustrative, source, unit."""
    data = [c for c in chart.frame.columns if c != "dataset"]
    return table.filter(pl.col("chart") == chart.number).select("dataset", *data, "illustrative", "source", "unit")


# ---------------------------------------------------------------------------------------------
# Bulk export of a release

BULK_TABLES: dict[str, str] = {
    "members": N_("Members (CSV)"),
    "measures": N_("Measures (CSV)"),
    "action_items": N_("Action items (CSV)"),
    "progress_history": N_("Progress history (CSV)"),
    "progress_current": N_("Current progress (CSV)"),
    "indicators": N_("Indicator observations (CSV)"),
    "measure_status": N_("Measure status (CSV)"),
    "scores": N_("Implementation scores (CSV)"),
    "early_warnings": N_("Early warnings (CSV)"),
    "lpi": N_("Logistics Performance Index (CSV)"),
    "doing_business": N_("Doing Business, trading across borders (CSV)"),
}
BULK_LABELS = {
    "codebook": N_("Codebook"),
    "readme": N_("Read me"),
    "zip": N_("All tables (ZIP)"),
}
# Tables of tracker data, which can be illustrative (the others are params or real references).
TRACKER_TABLES = ("action_items", "progress_history", "progress_current", "indicators", "measure_status", "scores", "early_warnings")

_BULK_ABOUT = {
    "members": "Members of the region: ISO3 code, name, party to the strategy (scored) or tracked only, language.",
    "measures": "Measures of the regional strategy: pillar, dimension, WTO TFA articles, regional deadline, indicators; illustrative marks measures not documented in the strategy's sources.",
    "action_items": "Action items: each measure split into steps per member, with the responsible agency and the current and original schedule. illustrative is the measure's flag.",
    "progress_history": "Every progress update accepted up to the data date (append-only; a later update supersedes an earlier one).",
    "progress_current": "Latest progress per action item as of the data date; items never reported have empty status (no data, not 'not started').",
    "indicators": "National indicator observations, latest revision per country, indicator, statistic, crossing, direction and period. Confidential indicators are removed.",
    "measure_status": "Status of every member x measure as of the data date (UN Global Survey scale) with points.",
    "scores": "Implementation scores, ranks and WTO-style implementation rates of the parties as of the data date (non-parties are not scored).",
    "early_warnings": "Early warnings as of the data date (overdue, at risk, stalled, missing submission, indicator regression, national target missed), with the message in English. Warnings on confidential indicators are removed.",
    "lpi": "World Bank Logistics Performance Index, waves 2010-2023, one row per economy and wave (absent = no data). Real data.",
    "doing_business": "World Bank Doing Business, Trading across borders, report years 2016-2020, national rows (city rows only where no national row exists). Real data.",
}


def _bulk_tables(params: Any, project: ProjectLike) -> dict[str, pl.DataFrame]:
    from .. import monitor, page, reference, scores, tracker

    ctx = page.context(params.id, None, params.languages[0], project=project)
    proj = ctx.project
    items = tracker.action_items(params, project=proj)
    # Names in every language of the region: name_es, name_en, …
    step_names = [
        tracker.action_items(params, lang=lang, project=proj).select("item_id", pl.col("step_name").alias(f"step_name_{lang}"))
        for lang in params.languages
    ]
    for names in step_names:
        items = items.join(names, on="item_id", how="left", maintain_order="left")
    items = items.drop("step_name").with_columns(illustrative=pl.col("measure_illustrative"))
    measures = tracker.measures(params, lang=params.languages[0], project=proj).drop("name", "pillar")
    for lang in params.languages:
        names = tracker.measures(params, lang=lang, project=proj).select("measure_id", pl.col("name").alias(f"name_{lang}"), pl.col("pillar").alias(f"pillar_{lang}"))
        measures = measures.join(names, on="measure_id", how="left", maintain_order="left")
    history = tracker.progress(params, history=True, as_of=params.as_of, project=proj)
    current = tracker.progress(params, as_of=params.as_of, project=proj)
    observations = tracker.indicators(params, project=proj)
    warnings = page.public(monitor.warnings_for_region(params, project=proj), ctx)
    messages = [monitor.warning_message(r, "en", params) for r in warnings.iter_rows(named=True)]
    status = scores.measure_status(params, items, history, params.as_of)
    return {
        "members": tracker.members(params, project=proj),
        "measures": measures,
        "action_items": items,
        "progress_history": page.public(history, ctx),
        "progress_current": page.public(current, ctx),
        "indicators": page.public(observations, ctx),
        "measure_status": status,
        "scores": scores.scores(params, as_of=params.as_of, project=proj),
        "early_warnings": warnings.with_columns(message=pl.Series(messages, dtype=pl.String)),
        "lpi": reference.lpi(proj).with_columns(illustrative=pl.lit(False)),
        "doing_business": reference.doing_business(proj).with_columns(illustrative=pl.lit(False)),
    }


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined with '; ' so every cell is a scalar (CSV has no lists)."""
    lists = [c for c, d in frame.schema.items() if isinstance(d, (pl.List, pl.Array))]
    return frame.with_columns([pl.col(c).list.join("; ") for c in lists]) if lists else frame


def _bulk_description(params: Any, table: str, column: str) -> str:
    """English description of a bulk export column."""
    if table in ("lpi", "doing_business") and column == "illustrative":
        return "Always false: real, published data"
    if table == "scores":
        for kind, groups in (("pillar", params.strategy.pillars), ("dimension", params.strategy.dimensions)):
            for group in groups:
                if column == f"{kind}_{group.id}":
                    return f"Implementation score of the {kind} '{params.text(group.name, 'en')}' (0 to 1)"
    found = re.fullmatch(r"(name|pillar|step_name)_([a-z]{2})", column)
    if found and found.group(2) in params.languages:
        base = {"name": "Measure name", "pillar": "Pillar of the regional strategy", "step_name": "Step name"}[found.group(1)]
        return f"{base} (language: {found.group(2)})"
    return describe(column, "en", [table]) or ""


def bulk_codebook(params: Any, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per table x column: table, column, type, description (English)."""
    rows = [
        {"table": name, "column": column, "type": TYPE_LABELS[_kind_of(dtype)], "description": _bulk_description(params, name, column)}
        for name, frame in tables.items()
        for column, dtype in frame.schema.items()
    ]
    return pl.DataFrame(rows, schema={"table": pl.String, "column": pl.String, "type": pl.String, "description": pl.String})


def _bulk_readme(params: Any, tables: dict[str, pl.DataFrame]) -> str:
    from .. import __version__

    region = params.text(params.region.name, "en")
    hidden = {c: params.countries[c].confidential for c in params.countries if params.countries[c].confidential}
    lines = [
        f"{region}: trade facilitation tracker, bulk data export",
        "=" * 72,
        "",
        f"Region: {params.id} (secretariat: {params.region.secretariat})",
        f"Data as of: {params.as_of.isoformat()}",
        f"tflib version: {__version__}",
        "",
        "TABLES (UTF-8 CSV, one header row; codebook.csv describes every column)",
        "",
    ]
    for name, frame in tables.items():
        lines.append(f"- {name}.csv ({frame.height} rows): {_BULK_ABOUT[name]}")
    lines += [
        "",
        "MISSING VALUES",
        "",
        "An empty cell is a missing value: no data. It is never zero. An action item never",
        "reported has an empty status; a country absent from an LPI wave has no row; Doing",
        "Business 'No Practice' (not applicable) is an empty value with <measure>_no_practice = true.",
        "",
        "WHAT IS ILLUSTRATIVE",
        "",
        "No tracker data (action-item progress, national indicators) is public. The tracker",
        "tables of this release (" + ", ".join(TRACKER_TABLES) + ")",
        "hold an ILLUSTRATIVE data set made by a seeded generator: they are not real figures.",
        "Every tracker table has an 'illustrative' column (true = generated); figures derived",
        "from illustrative data (status, scores, warnings) are illustrative too. Measures marked",
        "illustrative are not documented in the strategy's sources; they were drawn from WTO Trade",
        "Facilitation Agreement articles to make a realistic plan.",
        "",
        "CONFIDENTIAL VALUES",
        "",
        "Values a member marked confidential are not in this export (nor warnings about them).",
    ]
    for iso3, ids in sorted(hidden.items()):
        lines.append(f"- {iso3}: {', '.join(ids)}")
    lines += [
        "",
        "REFERENCE DATA AND LICENCES (real, published figures)",
        "",
        "- lpi.csv: World Bank, Logistics Performance Index 2010-2023, licensed CC BY 4.0",
        "  (https://creativecommons.org/licenses/by/4.0/). Cite: World Bank, Logistics Performance",
        "  Index. LPI scores are survey estimates with confidence intervals: small differences",
        "  between countries are not significant; 2023 ranks are tied ranks. Belize is in no wave.",
        "- doing_business.csv: World Bank, Doing Business, Trading across borders (DB2016-DB2020",
        "  methodology). The World Bank discontinued Doing Business in 2021 after data",
        "  irregularities were found in some editions: read these figures with caution. The report",
        "  year is not the data year: DB2020 (report_year 2020) describes conditions in May 2019",
        "  (data_year 2019). National (population-weighted) rows are used where an economy was",
        "  measured in two cities.",
        "- reference-provenance.md: where every reference file comes from.",
        "",
    ]
    return "\n".join(lines)


def write_bulk_export(params: Any, out_dir: Path, project: ProjectLike = None) -> list[tuple[str, Path]]:
    """Write the release's tables as tidy CSV files, a codebook, a README and one ZIP of them
    all into `out_dir`. Returns (label, path) pairs; labels are English messages, so a page
    shows them with ``t(label, lang)``.

    Tables: members, measures, action_items, progress_history, progress_current, indicators
    (latest revision), measure_status, scores (parties), early_warnings, lpi and
    doing_business (real reference data, national rows). Every tracker table carries
    `illustrative`. Confidential values are removed (`tflib.page.public`).
    """
    from .. import reference
    from ..paths import resolve

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {name: _flat(frame) for name, frame in _bulk_tables(params, project).items()}
    result: list[tuple[str, Path]] = []
    files: dict[str, bytes] = {}
    for name, frame in tables.items():
        path = out_dir / f"{name}.csv"
        write_csv(frame, path)
        files[path.name] = path.read_bytes()
        result.append((BULK_TABLES[name], path))
    codebook_path = out_dir / "codebook.csv"
    write_csv(bulk_codebook(params, tables), codebook_path)
    readme_path = out_dir / "README.txt"
    readme_path.write_text(_bulk_readme(params, tables), encoding="utf-8")
    files["codebook.csv"] = codebook_path.read_bytes()
    files["README.txt"] = readme_path.read_bytes()
    files["reference-provenance.md"] = reference.provenance(resolve(project)).encode("utf-8")
    result += [(BULK_LABELS["codebook"], codebook_path), (BULK_LABELS["readme"], readme_path)]

    zip_path = out_dir / f"{params.id}-{params.as_of.isoformat()}-data.zip"
    stamp = _stamp(params.as_of).timetuple()[:6]
    folder = f"{params.id}-{params.as_of.isoformat()}"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ["README.txt", "codebook.csv", *sorted(n for n in files if n not in ("README.txt", "codebook.csv"))]:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name])
    result.append((BULK_LABELS["zip"], zip_path))
    return result


__all__ = [
    "ChartTable",
    "chart_table",
    "dataset_rows",
    "page_table",
    "stata_names",
    "write_bulk_export",
    "write_page_downloads",
]
