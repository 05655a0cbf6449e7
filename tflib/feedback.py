"""Feedback to the submitting country, in its language: what was accepted, what was
rejected and how to fix it. One Markdown file per country and submitted file, under
``data/feedback/<region>/``. Submitted values are escaped, never interpreted as markup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from .i18n import N_, fmt_number, t
from .params import RegionParams

if TYPE_CHECKING:
    from .ingest import IngestResult, Problem

# For each rule: what is wrong, and how to fix it (English msgids; translated in catalogs).
RULE_HELP: dict[str, tuple[str, str]] = {
    "required": (N_("A value is missing."), N_("Fill in this cell.")),
    "unknown_country": (
        N_("The country code is not a member of the region."),
        N_("Use your country's three-letter ISO code, as in the template."),
    ),
    "unknown_item": (
        N_("This action item is not in your work plan."),
        N_("Choose the item from the drop-down list of the template."),
    ),
    "item_country_mismatch": (
        N_("This action item belongs to another country."),
        N_("Report only the items of your own work plan."),
    ),
    "bad_date": (N_("The date cannot be read."), N_("Write dates as YYYY-MM-DD, for example 2026-09-30.")),
    "after_as_of": (
        N_("The date is after the reporting date of this round."),
        N_("Report progress up to the reporting date only."),
    ),
    "status_scale": (
        N_("The status is not on the scale."),
        N_("Use one of: not applicable, not started, pilot, partial, full."),
    ),
    "not_a_number": (N_("The value is not a number."), N_("Write a number, without units or text.")),
    "pct_range": (N_("The percentage is outside 0-100."), N_("Write a percentage between 0 and 100.")),
    "status_pct": (
        N_("The status and the percentage disagree."),
        N_("Full means 100 % complete (and 100 % means full); not started means 0 %: correct one of the two."),
    ),
    "duplicate": (
        N_("The same item and date (or indicator and period) appear twice in the file."),
        N_("Keep one row and delete the other."),
    ),
    "missing_column": (N_("A required column is missing."), N_("Use the template's columns without renaming them.")),
    "extra_values": (N_("The row has more values than the header has columns."), N_("Remove the extra cells.")),
    "bad_boolean": (N_("The value must be true or false."), N_("Write true or false.")),
    "unknown_indicator": (
        N_("The indicator is not in the regional catalogue."),
        N_("Use an indicator id from the template."),
    ),
    "bad_statistic": (
        N_("The statistic does not fit this indicator."),
        N_("Time indicators take median or p90; others take none."),
    ),
    "unknown_crossing": (
        N_("The border crossing is not one of your country's crossings."),
        N_("Choose the crossing from the template's list."),
    ),
    "bad_direction": (N_("The direction must be exit or entry."), N_("Write exit or entry.")),
    "bad_period": (N_("The period cannot be read."), N_("Write periods as YYYY, YYYY-Qn or YYYY-MM.")),
    "value_range": (N_("The value is outside the indicator's range."), N_("Check the value and its unit.")),
    "unit_mismatch": (N_("The unit differs from the catalogue's."), N_("Convert the value to the catalogue's unit.")),
    "bad_value": (N_("The value is not accepted here."), N_("Leave this cell empty for this indicator.")),
    "encoding": (
        N_("The file is not saved as UTF-8."),
        N_("Save it again as 'CSV UTF-8' (or use the XLSX template) and resend it."),
    ),
    "empty_file": (N_("The file is empty."), N_("Fill in the template and resend it.")),
    "format": (N_("The file type or layout cannot be read."), N_("Send the XLSX template, a CSV file or the documented JSON.")),
    "wrong_sheet": (N_("The workbook has no sheet the tool recognises."), N_("Keep the template's sheet names.")),
}

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def md_escape(text: object) -> str:
    """Submitted text shown as text in Markdown: markup characters escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def write_feedback(
    result: "IngestResult",
    params: RegionParams,
    folder: Path,
    accepted_countries: list[str],
    rejected: list[tuple[int, dict, list["Problem"]]],
    received: dt.date,
) -> list[Path]:
    """One feedback file per country concerned (the region's language when none is known)."""
    countries = sorted(set(accepted_countries) | {_row_country(r, params) for _, r, _ in rejected} - {None})
    if not countries:
        countries = [None]
    paths = []
    for country in countries:
        lang = params.country(country).language if country else params.region.default_language
        mine = [(n, r, ps) for n, r, ps in rejected if _row_country(r, params) in (country, None)]
        n_accepted = sum(1 for c in accepted_countries if c == country) if country else len(accepted_countries)
        text = _render(result, params, country, lang, n_accepted, mine, received)
        stem = Path(result.file).stem
        path = folder / f"{stem}-{result.sha256[:12]}.{country or params.id}.{lang}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _row_country(record: dict, params: RegionParams) -> str | None:
    code = str(record.get("country") or "").strip().upper()
    return code if code in params.region.member_codes else None


def _render(
    result: "IngestResult",
    params: RegionParams,
    country: str | None,
    lang: str,
    n_accepted: int,
    rejected: list[tuple[int, dict, list["Problem"]]],
    received: dt.date,
) -> str:
    from .tracker import country_name

    n = lambda v: fmt_number(v, lang, digits=0)  # noqa: E731 - a local shorthand
    who = country_name(country, lang) if country else params.text(params.region.name, lang)
    lines = [
        "# " + t("Submission feedback: {file}", lang, file=md_escape(result.file)),
        "",
        t("To: {who}. Received: {date}. File fingerprint: {sha}.", lang, who=md_escape(who), date=received.isoformat(), sha=result.sha256[:12]),
        "",
    ]
    if result.outcome == "unreadable":
        problem = result.problems[0]
        what, fix = RULE_HELP.get(problem.rule, (problem.message, ""))
        lines += [
            "## " + t("The file could not be read", lang),
            "",
            t(what, lang) + " " + t(fix, lang),
            "",
            t("Nothing from this file was stored. The file is kept as received.", lang),
        ]
        return "\n".join(lines) + "\n"
    rows_in = n_accepted + len(rejected)
    lines += [
        "## " + t("Summary", lang),
        "",
        t("{rows} rows received: {accepted} accepted, {rejected} rejected.", lang, rows=n(rows_in), accepted=n(n_accepted), rejected=n(len(rejected))),
    ]
    if result.skipped_blank:
        lines.append(t("{count} template rows were left empty and were not read as data.", lang, count=n(result.skipped_blank)))
    if not rejected:
        lines += ["", t("Every row was accepted. Thank you.", lang)]
        return "\n".join(lines) + "\n"
    lines += [
        "",
        "## " + t("Rows to correct", lang),
        "",
        t("Correct these rows and send them again; the accepted rows need not be resent.", lang),
        "",
        "| " + " | ".join([t("Row", lang), t("Column", lang), t("Value", lang), t("Problem", lang), t("How to fix", lang)]) + " |",
        "|---|---|---|---|---|",
    ]
    for row, _record, problems in rejected:
        for p in problems:
            what, fix = RULE_HELP.get(p.rule, (p.message, ""))
            value = md_escape(p.value) if p.value is not None else ""
            lines.append(f"| {row} | {md_escape(p.column or '')} | {value} | {t(what, lang)} | {t(fix, lang)} |")
    rules = Counter(p.rule for _, _, ps in rejected for p in ps)
    lines += ["", t("Problems by type: {summary}.", lang, summary=", ".join(f"{r} ({c})" for r, c in rules.most_common()))]
    return "\n".join(lines) + "\n"
