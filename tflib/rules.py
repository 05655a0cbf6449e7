"""The rules intake applies: one registry of rule ids with what each means and how to fix it.

Ingest reports every problem under one of these ids (`Problem.rule`), and the feedback file
explains it in the submitting country's language from the same entry; a problem under an id
that is not registered here is a programming error, raised at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .i18n import N_

# For each rule: what is wrong, and how to fix it (English msgids; translated in catalogs).
RULES: dict[str, tuple[str, str]] = {
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
    "already_ingested": (N_("The same file was received before; nothing was added."), N_("To correct data, send a new file with the corrected rows.")),
    "not_found": (N_("No such file."), N_("Check the file's name and folder.")),
    "ambiguous_number": (
        N_("The number could be read in two ways (a comma or point may separate thousands or decimals)."),
        N_("Write the number without a thousands separator, or ask the secretariat to record how your country writes numbers."),
    ),
    "number_locale": (
        N_("The number is written with another decimal separator than your country's."),
        N_("Write the number as your country writes numbers, as stated in the message."),
    ),
    "ambiguous_percent": (
        N_("The percentage could be a fraction (0.45 for 45 %) or a small percentage."),
        N_("Write percentages from 0 to 100 (45 for 45 %), or write the % sign."),
    ),
    "serial_date": (N_("A number is given where a date is expected."), N_("Format the cells as dates, or write dates as YYYY-MM-DD.")),
    "ambiguous_date": (N_("The date could be read day-first or month-first."), N_("Write dates as YYYY-MM-DD, for example 2026-09-30.")),
    "date_order": (N_("The date does not follow your country's order of day and month."), N_("Write dates as YYYY-MM-DD, for example 2026-09-30.")),
    "formula_no_value": (
        N_("The cell holds a formula whose value was never calculated."),
        N_("Open the file in Excel and save it again, or paste the cells as values."),
    ),
    "too_long": (N_("The cell holds far more text than expected."), N_("Shorten the text to a few sentences.")),
    "csv_quote": (N_("A quotation mark in the file is never closed."), N_("Close or remove the quotation mark on the line named, and resend the file.")),
    "duplicate_column": (N_("Two columns have the same heading."), N_("Keep one of the two columns.")),
    "too_large": (N_("The file is larger than the tool accepts."), N_("Split the file into smaller files, or send only new rows.")),
    "unread_sheet": (N_("A sheet of the workbook holds data the tool cannot place."), N_("Move the rows to the Progress or Indicators sheet, or delete the sheet.")),
    "hidden_row": (N_("The row is hidden in the workbook."), N_("Unhide the row if it is meant to be sent, or delete it.")),
    "merged_cells": (N_("The row is part of merged cells."), N_("Unmerge the cells and fill in every row.")),
    "not_a_value": (N_("A list or object is given where one value is expected."), N_("Give one value per column.")),
    "unknown_column": (
        N_("The column is not one of the template's, so its values would be lost."),
        N_("Rename the heading to the template's (for example Note), or move the values there."),
    ),
    "conflict": (
        N_("This row contradicts a row received earlier for the same item and date (or indicator and period)."),
        N_("Report the change with a later date, or ask the secretariat to void the earlier submission."),
    ),
    "internal_error": (N_("The tool failed while reading the file."), N_("The file is kept; please tell the secretariat.")),
}


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    rule: str
    message: str
    value: str | None = None  # the value as submitted, for feedback

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"ingest rule {self.rule!r} is not in tflib.rules.RULES")

    def __str__(self) -> str:
        return f"{self.file}:{self.row if self.row is not None else '-'}:{self.column or '-'}: {self.rule}: {self.message}"


@dataclass
class IngestResult:
    file: str
    sha256: str
    kind: str | None = None
    rows_in: int = 0
    accepted: int = 0
    inserted: int = 0
    quarantined: int = 0
    problems: list[Problem] = field(default_factory=list)
    outcome: str = "accepted"  # accepted | partial | rejected | unreadable | already_ingested
    archive_path: str | None = None
    quarantine_path: str | None = None
    countries: list[str] = field(default_factory=list)
    skipped_blank: int = 0  # template rows left unfilled: not data, not counted in rows_in
    feedback_paths: list[str] = field(default_factory=list)
    quarantine_paths: list[str] = field(default_factory=list)
    repeat_of: str | None = None  # for a file received before: the outcome it had then
    received_at: dt.datetime | None = None  # when it was logged (UTC)

    @property
    def exit_code(self) -> int:
        """0 all accepted; 1 rows quarantined or something in the file not read; 2 unreadable.
        A file received before exits as it did then."""
        outcome = self.repeat_of if self.outcome == "already_ingested" else self.outcome
        if outcome == "unreadable":
            return 2
        if outcome in ("partial", "rejected") or self.quarantined:
            return 1
        return 1 if any(p.rule not in ("already_ingested",) for p in self.problems) else 0
