"""The rules intake applies: one registry of rule ids with what each means and how to fix it.

Ingest reports every problem under one of these ids (`Problem.rule`), and the feedback file
explains it in the submitting country's language from the same entry; a problem under an id
that is not registered here is a programming error, raised at once.
"""

from __future__ import annotations

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

    @property
    def exit_code(self) -> int:
        if self.outcome == "unreadable":
            return 2
        return 1 if self.quarantined else 0
