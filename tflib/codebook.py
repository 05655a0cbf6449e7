"""What the columns of the published tables mean: the one home of the codebook texts.

Every release table (`tflib.tables.Table`) and every download describes its columns from
here, unless the table gives a description of its own. Texts are English messages,
translated where shown.
"""

from __future__ import annotations

from collections.abc import Iterable

from .i18n import N_, gettext, t

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
    "db_score": N_("Doing Business score for trading across borders (0 to 100, DB16-20 methodology)"),
    "db_rank": N_("Doing Business rank for trading across borders (DB2020 only)"),
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
    # Chart tables
    "country_name": N_("Country name"),
    "measure_name": N_("Measure name"),
    "completion_pct": N_("Completion of the measure, in percent (duration-weighted mean of its steps)"),
    "source_label": N_("What the status rests on"),
    "median_score": N_("Median score of the economies compared"),
    "median_others": N_("Median score of the other parties"),
    "parties_reporting": N_("Parties with at least one progress report by that date"),
    "overdue": N_("True where the action item is overdue"),
    "at_risk": N_("True where the action item is projected to finish after its due date"),
    "stalled": N_("True where the action item has had no progress report for too long"),
    "first_period": N_("First reporting period"),
    "latest_period": N_("Latest reporting period"),
    "first_value": N_("Value in the first reporting period"),
    "latest_value": N_("Value in the latest reporting period"),
    "hours_saved": N_("Hours saved between the first and the latest period (negative: the time rose)"),
    "days_saved": N_("Days saved between the first and the latest period (negative: the time rose)"),
    "channel": N_("Channel of the estimate: the procedure whose time is measured"),
    "indicator": N_("Indicator"),
    "flow_value": N_("Value of the trade flow"),
    "affected": N_("Value of the trade affected by the channel"),
    "members": N_("Members whose data the estimate uses"),
}

# The same column name can mean something else in another source.
DESCRIPTIONS_BY_SOURCE: dict[str, dict[str, str]] = {
    "doing_business": {
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
    "country_estimate": {
        "low": N_("Value of the time saved, low end of the range (US dollars)"),
        "high": N_("Value of the time saved, high end of the range (US dollars)"),
    },
    "region_estimate": {
        "share": N_("Share of the trade flow the channel affects (0 to 1)"),
        "low": N_("Value of the time saved, low end of the range (the trade flow's unit)"),
        "high": N_("Value of the time saved, high end of the range (the trade flow's unit)"),
    },
    "trade": {"label": N_("Trade flow"), "use": N_("Whether the estimate uses the flow")},
    "progress_current": {"illustrative": N_("True for an illustrative progress report; empty where the item was never reported (no data)")},
}


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
