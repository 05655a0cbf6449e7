"""Work plans and submission templates as Excel workbooks, one per member, in its language.

- ``write_work_plan``: the member's action items (measure, step, agency, dates, dependencies,
  critical path, feasibility and, when given, current status), plus a month-by-month Gantt
  chart that marks the critical path and the regional deadline.
- ``write_submission_template``: the workbook a focal point fills in and returns. Its entry
  sheet and column headings are the ones ``tflib.ingest`` recognises in every language, so a
  returned template is ingested as is; drop-down lists and date/number checks catch most
  mistakes before the file is sent.
- ``write_regional_items_csv``: every action item of the region in one CSV file.
- ``write_plan_outputs``: all of the above for every member of a region.

Items may come from ``tflib.plan.allocate`` (``step_name`` is a JSON object: language -> name)
or from ``tflib.tracker.action_items`` (``step_name`` already resolved to text): both work.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import periods
from .i18n import N_, gettext, t
from .readers import COLUMN_LABELS, SHEET_LABELS, TEMPLATE_SHEETS
from .params import RegionParams
from .status import STATUSES, label

DATE_FORMAT = "yyyy-mm-dd"
MONTH_FORMAT = "yyyy-mm"

# Work plan layout: a title block above the table.
PLAN_HEADER_ROW = 5
# Gantt layout: title, legend, then the month header; month columns start after id and step.
GANTT_HEADER_ROW = 3
GANTT_FIRST_MONTH_COLUMN = 3

# Colours (RGB). Planned months, months on the critical path, and the regional deadline.
ACTIVE_COLOR = "9DC3E6"
CRITICAL_COLOR = "F4B183"
DEADLINE_COLOR = "C00000"
DEADLINE_FILL_COLOR = "F8CBAD"
HEADER_COLOR = "D9D9D9"

# Columns of the submission template, in order (ids as ingest knows them).
TEMPLATE_COLUMNS = ("country", "item_id", "reported_on", "status", "pct_complete", "note")
# Empty rows below the pre-filled ones that still carry the drop-down lists and checks.
SPARE_ROWS = 50

# Sheet titles and other texts (English msgids; translations in the catalogs).
WORK_PLAN_TITLE = N_("Work plan")
GANTT_TITLE = N_("Gantt")
# The template's reference sheets, which ingest knows to skip.
ITEMS_TITLE = TEMPLATE_SHEETS["items"]
INSTRUCTIONS_TITLE = TEMPLATE_SHEETS["instructions"]

# What each status means, for the instructions sheet.
STATUS_HELP = {
    "not_applicable": N_("the measure does not apply to your country."),
    "not_started": N_("work has not started (0 % complete)."),
    "pilot": N_("the measure is being tested in a pilot."),
    "partial": N_("the measure is partly implemented."),
    "full": N_("the measure is fully implemented (100 % complete)."),
}

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOR)
_ACTIVE_FILL = PatternFill("solid", fgColor=ACTIVE_COLOR)
_CRITICAL_FILL = PatternFill("solid", fgColor=CRITICAL_COLOR)
_DEADLINE_FILL = PatternFill("solid", fgColor=DEADLINE_FILL_COLOR)
_DEADLINE_SIDE = Side(style="medium", color=DEADLINE_COLOR)
_DEADLINE_BORDER = Border(left=_DEADLINE_SIDE, right=_DEADLINE_SIDE, top=_DEADLINE_SIDE, bottom=_DEADLINE_SIDE)
_WRAP = Alignment(wrap_text=True, vertical="top")


# ---------------------------------------------------------------------------------------------
# Helpers


def _column_label(column: str, lang: str) -> str:
    """A column heading as ingest recognises it, in `lang`."""
    return gettext(COLUMN_LABELS[column], lang)


def _sheet_label(kind: str, lang: str) -> str:
    """A sheet name as ingest recognises it, in `lang`."""
    return gettext(SHEET_LABELS[kind], lang)


def _term(term: str, text: str, lang: str) -> str:
    """ "term: text", punctuated as `lang` does it."""
    return t("{term}: {text}", lang, term=term, text=text)


def _lang(params: RegionParams, country: str, lang: str | None) -> str:
    return lang or params.country(country).language


def sheet_title(text: str) -> str:
    """`text` as a valid sheet name: no []:*?/\\ characters, at most 31 characters."""
    clean = re.sub(r"[\[\]:*?/\\]", " ", text).strip().strip("'")
    return (clean or "Sheet")[:31]


def step_name(value: Any, lang: str, params: RegionParams | None = None) -> str:
    """A step's name in `lang`: `value` is a JSON object (language -> name) or plain text."""
    if value is None:
        return ""
    text = str(value)
    try:
        names = json.loads(text)
    except ValueError:
        return text
    if not isinstance(names, dict) or not names:
        return text
    if lang in names:
        return str(names[lang])
    if params is not None and params.region.default_language in names:
        return str(names[params.region.default_language])
    return str(next(iter(names.values())))


def measure_name(params: RegionParams, measure_id: str, lang: str) -> str:
    """The measure's name in `lang`, marked "(illustrative)" where params flag it so."""
    try:
        measure = params.strategy.measure(measure_id)
    except KeyError:
        return measure_id
    name = params.text(measure.name, lang)
    if not measure.illustrative:
        return name
    return name + " " + t("(illustrative)", lang)


def _dependencies(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[;,]\s*", value) if v]
    return [str(v) for v in value]


def _yes_no(value: bool | None, lang: str) -> str | None:
    if value is None:
        return None
    return t("Yes", lang) if value else t("No", lang)


def _set(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> Cell:
    """Write a cell; text is always stored as text (never read as a formula)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"
    if number_format is not None:
        cell.number_format = number_format
    elif isinstance(value, (dt.date, dt.datetime)):
        cell.number_format = DATE_FORMAT
    return cell


def _header(ws: Worksheet, row: int, labels: Sequence[str]) -> None:
    for col, text in enumerate(labels, start=1):
        cell = _set(ws, row, col, text)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _fit_columns(ws: Worksheet, first_row: int, last_row: int, n_columns: int, maximum: int = 50, minimum: int = 8) -> None:
    """Column widths from the longest value in rows first_row..last_row, within bounds."""
    for col in range(1, n_columns + 1):
        longest = 0
        for row in range(first_row, last_row + 1):
            value = ws.cell(row=row, column=col).value
            if value is None:
                continue
            length = 10 if isinstance(value, (dt.date, dt.datetime)) else len(str(value))
            longest = max(longest, length)
        ws.column_dimensions[get_column_letter(col)].width = max(minimum, min(maximum, longest + 2))


def _country_items(items: pl.DataFrame, country: str, params: RegionParams) -> list[dict]:
    """The member's items, grouped by measure in strategy order, then by start date."""
    rows = items.filter(pl.col("country") == country.upper()).to_dicts()
    order = {m.id: i for i, m in enumerate(params.measures)}
    return sorted(rows, key=lambda r: (order.get(r["measure_id"], len(order)), r["start"], r["item_id"]))


def _status_by_item(status: pl.DataFrame | None) -> dict[str, dict]:
    if status is None:
        return {}
    return {r["item_id"]: r for r in status.to_dicts()}


def _month_key(day: dt.date) -> tuple[int, int]:
    return (day.year, day.month)


# ---------------------------------------------------------------------------------------------
# Work plan


def write_work_plan(
    params: RegionParams,
    country: str,
    items: pl.DataFrame,
    path: Path,
    lang: str | None = None,
    status: pl.DataFrame | None = None,
) -> Path:
    """The member's work plan as XLSX in `lang` (default: the member's language).

    `status`, a frame from ``tflib.monitor.item_status``, adds the current status, % complete
    and projected completion of each item.
    """
    country = country.upper()
    lang = _lang(params, country, lang)
    rows = _country_items(items, country, params)
    statuses = _status_by_item(status)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(t(WORK_PLAN_TITLE, lang))
    _plan_sheet(ws, params, country, rows, lang, statuses if status is not None else None)
    _gantt_sheet(wb.create_sheet(sheet_title(t(GANTT_TITLE, lang))), params, country, rows, lang)
    wb.save(path)
    return path


def _title_block(ws: Worksheet, params: RegionParams, country: str, lang: str, title: str) -> None:
    cell = _set(ws, 1, 1, _term(t(title, lang), f"{params.short_name_of(country, lang)} ({country})", lang))
    cell.font = Font(bold=True, size=14)
    _set(ws, 2, 1, params.text(params.region.name, lang))
    _set(ws, 3, 1, t("As of", lang)).font = _BOLD
    _set(ws, 3, 2, params.as_of)


def _plan_sheet(
    ws: Worksheet,
    params: RegionParams,
    country: str,
    rows: list[dict],
    lang: str,
    statuses: dict[str, dict] | None,
) -> None:
    _title_block(ws, params, country, lang, WORK_PLAN_TITLE)
    if statuses and any(statuses.get(r["item_id"], {}).get("illustrative") for r in rows):
        note = _set(ws, 4, 1, t("Illustrative data: the progress shown was made by a generator, not reported by the country.", lang))
        note.font = Font(italic=True, color="C00000")

    labels = [
        _column_label("item_id", lang),
        t("Measure", lang),
        t("Step", lang),
        t("Responsible agency", lang),
        t("Agency role", lang),
        t("Start", lang),
        t("Due", lang),
        t("Depends on", lang),
        t("Critical path", lang),
        t("Regional deadline", lang),
        t("Feasible", lang),
    ]
    if statuses is not None:
        labels += [
            _column_label("status", lang),
            _column_label("pct_complete", lang),
            t("Projected completion", lang),
        ]
    header = PLAN_HEADER_ROW
    _header(ws, header, labels)

    red = Font(color="C00000")
    any_illustrative = False
    for n, item in enumerate(rows, start=header + 1):
        any_illustrative |= bool(item.get("measure_illustrative"))
        values: list[Any] = [
            item["item_id"],
            measure_name(params, item["measure_id"], lang),
            step_name(item.get("step_name"), lang, params),
            item.get("agency_name"),
            item.get("agency_role"),
            item["start"],
            item["due"],
            ", ".join(_dependencies(item.get("depends_on"))) or None,
            _yes_no(item.get("on_critical_path"), lang),
            item.get("deadline"),
            _yes_no(item.get("feasible"), lang),
        ]
        if statuses is not None:
            st = statuses.get(item["item_id"], {})
            code = st.get("status")
            values += [
                label(code, lang) if code else gettext("no data", lang),
                st.get("pct_complete"),
                st.get("projected"),
            ]
        for col, value in enumerate(values, start=1):
            cell = _set(ws, n, col, value)
            if col in (2, 3, 4):
                cell.alignment = _WRAP
        if item.get("feasible") is False:
            ws.cell(row=n, column=11).font = red
        if item.get("on_critical_path"):
            ws.cell(row=n, column=9).font = _BOLD

    last = header + len(rows)
    ws.freeze_panes = ws.cell(row=header + 1, column=2)
    ws.auto_filter.ref = f"A{header}:{get_column_letter(len(labels))}{max(last, header)}"
    _fit_columns(ws, header, last, len(labels), maximum=45)
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width, 14)
    if any_illustrative:
        note = _set(
            ws,
            last + 2,
            1,
            t(
                "(illustrative): a measure not documented in the strategy's sources, drawn from WTO "
                "Trade Facilitation Agreement articles to make a realistic plan.",
                lang,
            ),
        )
        note.font = Font(italic=True)


def _gantt_sheet(ws: Worksheet, params: RegionParams, country: str, rows: list[dict], lang: str) -> None:
    _set(ws, 1, 1, _term(t(GANTT_TITLE, lang), f"{params.short_name_of(country, lang)} ({country})", lang)).font = Font(bold=True, size=14)
    # Legend: a sample of each mark, labelled.
    legend = [
        (t("Planned work", lang), _ACTIVE_FILL, None),
        (t("Critical path", lang), _CRITICAL_FILL, None),
        (t("Regional deadline", lang), _DEADLINE_FILL, _DEADLINE_BORDER),
    ]
    for col, (text, fill, border) in enumerate(legend, start=1):
        cell = _set(ws, 2, col, text)
        cell.fill = fill
        if border is not None:
            cell.border = border

    header = GANTT_HEADER_ROW
    first_col = GANTT_FIRST_MONTH_COLUMN
    _header(ws, header, [_column_label("item_id", lang), t("Step", lang)])
    months: list[dt.date] = []
    if rows:
        # To the latest due date, or the latest regional deadline if later, so it shows.
        last_day = max([r["due"] for r in rows] + [r["deadline"] for r in rows if r.get("deadline")])
        months = periods.month_starts(min(r["start"] for r in rows), last_day)
    column_of = {_month_key(m): first_col + i for i, m in enumerate(months)}
    for m, col in zip(months, column_of.values()):
        cell = _set(ws, header, col, m, MONTH_FORMAT)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(text_rotation=90, horizontal="center")
        ws.column_dimensions[get_column_letter(col)].width = 3.6

    for n, item in enumerate(rows, start=header + 1):
        _set(ws, n, 1, item["item_id"])
        _set(ws, n, 2, step_name(item.get("step_name"), lang, params))
        fill = _CRITICAL_FILL if item.get("on_critical_path") else _ACTIVE_FILL
        active = {_month_key(m) for m in periods.month_starts(item["start"], item["due"])}
        for key in active:
            ws.cell(row=n, column=column_of[key]).fill = fill
        deadline = item.get("deadline")
        if deadline is not None and _month_key(deadline) in column_of:
            cell = ws.cell(row=n, column=column_of[_month_key(deadline)])
            cell.border = _DEADLINE_BORDER
            if _month_key(deadline) not in active:
                cell.fill = _DEADLINE_FILL

    ws.freeze_panes = ws.cell(row=header + 1, column=first_col)
    ws.column_dimensions["A"].width = max([14] + [len(r["item_id"]) + 2 for r in rows])
    ws.column_dimensions["B"].width = 45
    ws.row_dimensions[header].height = 48


# ---------------------------------------------------------------------------------------------
# Submission template


def write_submission_template(
    params: RegionParams,
    country: str,
    items: pl.DataFrame,
    path: Path,
    lang: str | None = None,
    status: pl.DataFrame | None = None,
) -> Path:
    """The progress template a member's focal point fills in and returns, in `lang`.

    The entry sheet is named and headed as ``tflib.ingest`` expects, with one row per action
    item still open (every item if `status` is not given; with `status`, items already
    reported as full are left out) pre-filled with the country code and item id. Rows left
    unfilled are skipped on ingest.
    """
    country = country.upper()
    lang = _lang(params, country, lang)
    rows = _country_items(items, country, params)
    statuses = _status_by_item(status)
    open_rows = [r for r in rows if statuses.get(r["item_id"], {}).get("status") != "full"]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    entry_title = sheet_title(_sheet_label("progress", lang))
    items_title = sheet_title(t(ITEMS_TITLE, lang))
    instructions_title = sheet_title(t(INSTRUCTIONS_TITLE, lang))

    wb = Workbook()
    entry = wb.active
    entry.title = entry_title
    ref = wb.create_sheet(items_title)
    guide = wb.create_sheet(instructions_title)

    n_ref = _items_sheet(ref, params, rows, lang)
    _entry_sheet(entry, params, country, open_rows, lang, items_title, n_ref, rows)
    _instructions_sheet(guide, params, country, lang, entry_title, items_title)
    wb.active = 0
    wb.save(path)
    return path


def _items_sheet(ws: Worksheet, params: RegionParams, rows: list[dict], lang: str) -> int:
    labels = [
        _column_label("item_id", lang),
        t("Measure", lang),
        t("Step", lang),
        t("Responsible agency", lang),
        t("Start", lang),
        t("Due", lang),
    ]
    _header(ws, 1, labels)
    for n, item in enumerate(rows, start=2):
        values = [
            item["item_id"],
            measure_name(params, item["measure_id"], lang),
            step_name(item.get("step_name"), lang, params),
            item.get("agency_name"),
            item["start"],
            item["due"],
        ]
        for col, value in enumerate(values, start=1):
            cell = _set(ws, n, col, value)
            if col in (2, 3, 4):
                cell.alignment = _WRAP
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(labels))}{max(1 + len(rows), 1)}"
    _fit_columns(ws, 1, 1 + len(rows), len(labels), maximum=45)
    return len(rows)


def _validation(kind: str, lang: str, prompt: str, error: str, title: str, **kw: Any) -> DataValidation:
    # Excel limits: titles 32 characters, prompt 255, error message 225.
    dv = DataValidation(type=kind, allow_blank=True, showInputMessage=True, showErrorMessage=True, errorStyle="stop", **kw)
    dv.promptTitle = title[:32]
    dv.prompt = prompt[:255]
    dv.errorTitle = title[:32]
    dv.error = error[:225]
    return dv


def _entry_sheet(
    ws: Worksheet,
    params: RegionParams,
    country: str,
    rows: list[dict],
    lang: str,
    items_title: str,
    n_ref: int,
    all_rows: list[dict],
) -> None:
    labels = {c: _column_label(c, lang) for c in TEMPLATE_COLUMNS}
    _header(ws, 1, [labels[c] for c in TEMPLATE_COLUMNS])
    col = {c: i for i, c in enumerate(TEMPLATE_COLUMNS, start=1)}
    last = 1 + len(rows) + SPARE_ROWS
    for n, item in enumerate(rows, start=2):
        _set(ws, n, col["country"], country)
        _set(ws, n, col["item_id"], item["item_id"])
    for n in range(2, last + 1):
        ws.cell(row=n, column=col["reported_on"]).number_format = DATE_FORMAT
        ws.cell(row=n, column=col["note"]).alignment = Alignment(wrap_text=True)

    def span(column: str) -> str:
        letter = get_column_letter(col[column])
        return f"{letter}2:{letter}{last}"

    # Reports from the start of the earliest item up to the reporting date.
    first_day = min((r["start"] for r in all_rows), default=params.country(country).start)
    first_day = min(first_day, params.as_of)
    start_iso, end_iso = first_day.isoformat(), params.as_of.isoformat()

    validations = []
    dv = _validation(
        "list",
        lang,
        t("Your country's code: {code}.", lang, code=country),
        t("Write your country's code, {code}.", lang, code=country),
        labels["country"],
        formula1=f'"{country}"',
    )
    dv.add(span("country"))
    validations.append(dv)

    if n_ref:
        source = f"{quote_sheetname(items_title)}!$A$2:$A${1 + n_ref}"
        dv = _validation(
            "list",
            lang,
            t('Choose an action item from the list (sheet "{sheet}").', lang, sheet=items_title),
            gettext("This action item is not in your work plan.", lang),
            labels["item_id"],
            formula1=source,
        )
        dv.add(span("item_id"))
        validations.append(dv)

    dv = _validation(
        "date",
        lang,
        t("Date of the report, YYYY-MM-DD, from {start} to {end}.", lang, start=start_iso, end=end_iso),
        t("Write a date from {start} to {end} as YYYY-MM-DD; dates after the reporting date are rejected.", lang, start=start_iso, end=end_iso),
        labels["reported_on"],
        operator="between",
        formula1=str(int(to_excel(first_day))),
        formula2=str(int(to_excel(params.as_of))),
    )
    dv.add(span("reported_on"))
    validations.append(dv)

    status_labels = [label(code, lang) for code in STATUSES]
    inline = ",".join(status_labels)
    dv = _validation(
        "list",
        lang,
        t("Choose a status from the list.", lang),
        gettext("The status is not on the scale.", lang) + " " + ", ".join(status_labels),
        labels["status"],
        formula1=f'"{inline}"',
    )
    dv.add(span("status"))
    validations.append(dv)

    dv = _validation(
        "decimal",
        lang,
        t("A number from 0 to 100, without the % sign.", lang),
        gettext("Write a percentage between 0 and 100.", lang),
        labels["pct_complete"],
        operator="between",
        formula1="0",
        formula2="100",
    )
    dv.add(span("pct_complete"))
    validations.append(dv)

    for dv in validations:
        ws.add_data_validation(dv)

    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(TEMPLATE_COLUMNS))}{last}"
    widths = {"country": 10, "item_id": max([16] + [len(r["item_id"]) + 2 for r in all_rows]), "reported_on": 14, "status": 16, "pct_complete": 14, "note": 50}
    for c, width in widths.items():
        ws.column_dimensions[get_column_letter(col[c])].width = max(width, len(labels[c]) + 2)


def _instructions_sheet(
    ws: Worksheet,
    params: RegionParams,
    country: str,
    lang: str,
    entry_title: str,
    items_title: str,
) -> None:
    cp = params.country(country)
    labels = {c: _column_label(c, lang) for c in TEMPLATE_COLUMNS}
    lines: list[tuple[str, Font | None]] = [
        (t("How to report progress on your work plan", lang), Font(bold=True, size=14)),
        (_term(params.text(params.region.name, lang), f"{params.short_name_of(country, lang)} ({country})", lang), _BOLD),
        (t("Reporting date: {date}.", lang, date=params.as_of.isoformat()), None),
        ("", None),
        (t("What to fill in", lang), _BOLD),
        (
            t(
                'Fill in the sheet "{sheet}". Each row is already filled with your country code and one action '
                'item: add the date of the report, the status, the % complete and, if useful, a note.',
                lang,
                sheet=entry_title,
            ),
            None,
        ),
        (t("Rows left empty are not read. Fill in only the items on which you report.", lang), None),
        (
            t(
                "To report an item again (for example at another date), use an empty row below: choose your "
                "country and the item from the lists.",
                lang,
            ),
            None,
        ),
        (t('The sheet "{sheet}" lists your action items with their measure, step, agency and planned dates.', lang, sheet=items_title), None),
        (t("Do not rename the sheets or the column headings.", lang), None),
        ("", None),
        (t("Columns", lang), _BOLD),
        (_term(labels["country"], t("your country's three-letter code ({code}).", lang, code=country), lang), None),
        (_term(labels["item_id"], t("the action item's id, from the list.", lang), lang), None),
        (
            _term(
                labels["reported_on"],
                t("the date of the report, as YYYY-MM-DD (for example {date}).", lang, date=params.as_of.isoformat()),
                lang,
            ),
            None,
        ),
        (_term(labels["status"], t("one of the status scale below, from the list.", lang), lang), None),
        (_term(labels["pct_complete"], t("a number from 0 to 100, without the % sign.", lang), lang), None),
        (_term(labels["note"], t("optional; a short comment.", lang), lang), None),
        ("", None),
        (t("Status scale", lang), _BOLD),
    ]
    for code in STATUSES:
        lines.append((_term(label(code, lang), t(STATUS_HELP[code], lang), lang), None))
    lines += [
        (
            t(
                "{full} needs 100 % complete and {not_started} needs 0 % complete.",
                lang,
                full=label("full", lang),
                not_started=label("not_started", lang),
            ),
            None,
        ),
        ("", None),
        (t("Dates", lang), _BOLD),
        (gettext("Write dates as YYYY-MM-DD, for example 2026-09-30.", lang), None),
        (
            t("Dates after the reporting date ({date}) are rejected.", lang, date=params.as_of.isoformat()),
            None,
        ),
        ("", None),
        (t("Returning the file", lang), _BOLD),
        (
            t("Save the file as XLSX (Excel workbook) and send it to {secretariat}.", lang, secretariat=params.region.secretariat),
            None,
        ),
        (
            t(
                "Every row is checked. You will receive feedback listing any rows to correct; the accepted "
                "rows need not be sent again.",
                lang,
            ),
            None,
        ),
    ]
    if cp.focal_point:
        lines.append((t("National focal point: {who}.", lang, who=cp.focal_point), None))
    for n, (text, font) in enumerate(lines, start=1):
        cell = _set(ws, n, 1, text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font is not None:
            cell.font = font
    ws.column_dimensions["A"].width = 110


# ---------------------------------------------------------------------------------------------
# Regional CSV and everything at once


def write_regional_items_csv(items: pl.DataFrame, path: Path) -> Path:
    """Every action item of the region as CSV: dependencies joined with ";", dates ISO."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = items
    if "depends_on" in frame.columns and isinstance(frame.schema["depends_on"], pl.List):
        frame = frame.with_columns(pl.col("depends_on").list.join(";"))
    frame = frame.with_columns(pl.col(c).dt.strftime("%Y-%m-%d") for c, d in frame.schema.items() if d == pl.Date)
    frame.write_csv(path)
    return path


def write_plan_outputs(
    params: RegionParams,
    items: pl.DataFrame,
    out_dir: Path,
    status: pl.DataFrame | None = None,
) -> dict[str, list[Path]]:
    """For every member, ``<ISO3>/<ISO3>_work_plan.xlsx`` and
    ``<ISO3>/<ISO3>_submission_template.xlsx`` in its language; plus
    ``<region>_action_items.csv``. Returns the paths written by kind:
    ``work_plans``, ``submission_templates`` and ``action_items``."""
    out_dir = Path(out_dir)
    written: dict[str, list[Path]] = {"work_plans": [], "submission_templates": [], "action_items": []}
    for iso3 in params.region.member_codes:
        folder = out_dir / iso3
        written["work_plans"].append(write_work_plan(params, iso3, items, folder / f"{iso3}_work_plan.xlsx", status=status))
        written["submission_templates"].append(
            write_submission_template(params, iso3, items, folder / f"{iso3}_submission_template.xlsx", status=status)
        )
    written["action_items"].append(write_regional_items_csv(items, out_dir / f"{params.id}_action_items.csv"))
    return written


__all__ = [
    "write_work_plan",
    "write_submission_template",
    "write_regional_items_csv",
    "write_plan_outputs",
    "step_name",
    "measure_name",
    "sheet_title",
]
