"""Ingest country submissions (progress updates and indicator observations).

Each file is read (`tflib.readers`) and every row checked against the rules below, outside
the store's write lock. Progress rows of delimited text are checked a column at a time: each
rule runs once per distinct value it reads, through the same `_Checker` methods as a row,
and only the rows that break a rule are then checked one by one, for their problems; other
tables are checked row by row. Then, under the lock, files are committed in batches: for
each file, the accepted rows and the log entry are committed and the raw file (archived by
content hash), the quarantine of rejected rows (with their reasons) and the feedback to the
country are put in place, the batch's files in one transaction, so a kill at any point leaves
all of a file's or none of them, once the next command has run `recover`.
``rows_in = accepted + quarantined`` always holds. The same file ingested twice adds nothing.
A row that contradicts one already stored, or one an earlier file of the same run adds (same
item and date, or same indicator and period, other values) is quarantined, never stored beside
it. Every problem is reported as one line ``file:row:column: rule: message`` (row numbers as a
spreadsheet shows them).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import os
import shutil
import signal
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from . import cells
from .cells import CellError, Conventions, blank
from .feedback import write_feedback
from .params import RegionParams, load_region
from .paths import Project, resolve
from .periods import bounds as period_bounds
from .readers import (  # noqa: F401 - re-exported: the template writer names columns and sheets with these
    COLUMN_LABELS,
    INDICATOR_COLUMNS,
    JSON_FORMAT,
    KIND_COLUMNS,
    KIND_OPTIONAL,
    PROGRESS_COLUMNS,
    SHEET_LABELS,
    SUPPORTED_SUFFIXES,
    Table,
    TextRows,
    UnreadableFile,
    read,
    sheet_kind as _sheet_kind,
)
from .rules import IngestResult, Problem
from .status import parse_status
from .store import Store

DIRECTIONS = ("exit", "entry")
# Spellings of the catalogue's units that submitters commonly write; stored as the catalogue's.
UNIT_SYNONYMS = {
    "h": {"h", "hr", "hrs", "hour", "hours", "hora", "horas", "heure", "heures"},
    "days": {"d", "day", "days", "día", "días", "dia", "dias", "jour", "jours"},
    "%": {"%", "percent", "pct", "por ciento", "porcentaje", "pour cent"},
}
# Template columns a progress row leaves empty when it is not filled in.
_PROGRESS_ENTRY = ("reported_on", "status", "pct_complete", "note")


# ---------------------------------------------------------------------------------------------
# Row validation


class _Checker:
    """Applies the row rules of one table; collects problems per row."""

    def __init__(self, file: str, params: RegionParams, items: dict[str, str], submitted: Conventions):
        self.file = file
        self.params = params
        self.items = items
        self.members = set(params.region.member_codes)
        self.as_of = params.as_of
        self.crossings = {c.id: c for c in params.region.border_crossings}
        self._region = cells.declared(f"params/regions/{params.id}/region.yaml", **_declarations(params.region))
        self._submitted = submitted
        self._default = submitted.over(self._region)
        self._conventions: dict[str, Conventions] = {}  # by member, as they are met (a file usually has one)

    def conventions(self, country: str | None) -> Conventions:
        if country not in self.params.countries:
            return self._default
        if country not in self._conventions:
            declared = cells.declared(f"params/regions/{self.params.id}/countries/{country}.yaml", **_declarations(self.params.countries[country]))
            self._conventions[country] = self._submitted.over(declared.over(self._region))
        return self._conventions[country]

    def _problem(self, row: int, column: str | None, rule: str, message: str) -> Problem:
        return Problem(self.file, row, column, rule, message)

    def _field(self, row: int, record: dict, column: str, problems: list, parse=cells.text, required=True):
        value = record.get(column)
        if blank(value):
            if required:
                problems.append(self._problem(row, column, "required", "a value is required"))
            return None
        try:
            return parse(value)
        except CellError as exc:
            problems.append(self._problem(row, column, exc.rule, str(exc)))
            return None

    def _country(self, row: int, record: dict, problems: list) -> str | None:
        code = self._field(row, record, "country", problems)
        if code is None:
            return None
        code = code.upper()
        if code not in self.members:
            members = ", ".join(sorted(self.members))
            problems.append(
                self._problem(row, "country", "unknown_country", f"{code!r} is not a member of {self.params.id} ({members})")
            )
            return None
        return code

    def _not_future(self, row: int, column: str, value: dt.date | None, problems: list) -> None:
        if value is not None and value > self.as_of:
            problems.append(
                self._problem(row, column, "after_as_of", f"{value.isoformat()} is after the reporting date {self.as_of.isoformat()}")
            )

    def progress(self, row: int, record: dict) -> tuple[dict | None, list[Problem]]:
        problems: list[Problem] = []
        country = self._country(row, record, problems)
        item = self.item(row, record, country, problems)
        reported = self.reported_on(row, record, country, problems)
        status = self.status(row, record, problems)
        pct = self.pct_complete(row, record, country, problems)
        self.status_and_pct(row, status, pct, problems)
        note = self.note(row, record, problems)
        illustrative = self.illustrative(row, record, problems)
        if problems:
            return None, problems
        return {
            "item_id": item,
            "country": country,
            "reported_on": reported,
            "status": status,
            "pct_complete": pct,
            "note": note,
            "illustrative": illustrative,
            "source_row": row,
        }, problems

    # The rules of a progress row, one cell (or one pair of cells) each, so that a table can
    # also be checked column by column (`_check_progress_columns`) with the same rules.

    def item(self, row: int, record: dict, country: str | None, problems: list) -> str | None:
        item = self._field(row, record, "item_id", problems)
        if item is not None:
            owner = self.items.get(item)
            if owner is None:
                problems.append(self._problem(row, "item_id", "unknown_item", f"{item!r} is not an action item of this region's plan"))
            elif country is not None and owner != country:
                problems.append(self._problem(row, "item_id", "item_country_mismatch", f"{item!r} belongs to {owner}, not {country}"))
        return item

    def reported_on(self, row: int, record: dict, country: str | None, problems: list) -> dt.date | None:
        conv = self.conventions(country)
        reported = self._field(row, record, "reported_on", problems, lambda v: cells.date(v, conv))
        self._not_future(row, "reported_on", reported, problems)
        return reported

    def status(self, row: int, record: dict, problems: list) -> str | None:
        raw_status = record.get("status")
        if blank(raw_status):
            problems.append(self._problem(row, "status", "required", "a value is required"))
            return None
        try:
            return parse_status(cells.text(raw_status))
        except CellError as exc:
            problems.append(self._problem(row, "status", exc.rule, str(exc)))
        except ValueError as exc:
            problems.append(self._problem(row, "status", "status_scale", str(exc)))
        return None

    def pct_complete(self, row: int, record: dict, country: str | None, problems: list) -> float | None:
        conv = self.conventions(country)
        pct = self._field(row, record, "pct_complete", problems, lambda v: cells.number(v, conv, percent=True))
        if pct is not None and not 0 <= pct <= 100:
            problems.append(self._problem(row, "pct_complete", "pct_range", f"{pct:g} is outside 0-100"))
            pct = None
        return pct

    def status_and_pct(self, row: int, status: str | None, pct: float | None, problems: list) -> None:
        if status is not None and pct is not None:
            if status == "full" and pct != 100:
                problems.append(self._problem(row, "pct_complete", "status_pct", f"status 'full' needs 100% complete, not {pct:g}"))
            if status in ("pilot", "partial") and pct == 100:
                problems.append(self._problem(row, "pct_complete", "status_pct", f"100% complete needs status 'full', not {status!r}"))
            if status == "not_started" and pct != 0:
                problems.append(self._problem(row, "pct_complete", "status_pct", f"status 'not_started' needs 0% complete, not {pct:g}"))

    def note(self, row: int, record: dict, problems: list) -> str | None:
        return self._field(row, record, "note", problems, required=False)

    def illustrative(self, row: int, record: dict, problems: list) -> bool:
        return self._field(row, record, "illustrative", problems, cells.boolean, required=False) or False

    def indicator(self, row: int, record: dict) -> tuple[dict | None, list[Problem]]:
        problems: list[Problem] = []
        country = self._country(row, record, problems)
        conv = self.conventions(country)
        indicator_id = self._field(row, record, "indicator", problems)
        ind = None
        if indicator_id is not None:
            try:
                ind = self.params.indicators.get(indicator_id)
            except KeyError:
                problems.append(self._problem(row, "indicator", "unknown_indicator", f"{indicator_id!r} is not in the indicator catalogue"))
        statistic = self._field(row, record, "statistic", problems, required=False)
        crossing = self._field(row, record, "crossing", problems, required=False)
        direction = self._field(row, record, "direction", problems, required=False)
        if ind is not None:
            if ind.statistics:
                if statistic is None:
                    problems.append(self._problem(row, "statistic", "required", f"{ind.id} needs a statistic ({', '.join(ind.statistics)})"))
                elif statistic.lower() not in ind.statistics:
                    problems.append(self._problem(row, "statistic", "bad_statistic", f"{statistic!r} is not one of {', '.join(ind.statistics)}"))
                else:
                    statistic = statistic.lower()
            elif statistic is not None:
                problems.append(self._problem(row, "statistic", "bad_statistic", f"{ind.id} takes no statistic"))
            if ind.per_crossing:
                if crossing is None:
                    problems.append(self._problem(row, "crossing", "required", f"{ind.id} is recorded per border crossing"))
                elif crossing not in self.crossings:
                    problems.append(self._problem(row, "crossing", "unknown_crossing", f"{crossing!r} is not a border crossing of {self.params.id}"))
                elif country is not None and country not in self.crossings[crossing].countries:
                    problems.append(self._problem(row, "crossing", "unknown_crossing", f"{crossing!r} is not on {country}'s border"))
                if direction is None:
                    problems.append(self._problem(row, "direction", "required", f"{ind.id} is recorded per direction (exit or entry)"))
                elif direction.lower() not in DIRECTIONS:
                    problems.append(self._problem(row, "direction", "bad_direction", f"{direction!r} is not exit or entry"))
                else:
                    direction = direction.lower()
            else:
                for column, value in (("crossing", crossing), ("direction", direction)):
                    if value is not None:
                        problems.append(self._problem(row, column, "bad_value", f"{ind.id} is not recorded per crossing"))
        period_text = self._field(row, record, "period", problems)
        period_start = period_end = None
        if period_text is not None:
            try:
                period_start, period_end = period_bounds(period_text)
            except ValueError as exc:
                problems.append(self._problem(row, "period", "bad_period", str(exc)))
            else:
                # A period still running at as_of cannot have been measured yet.
                self._not_future(row, "period", period_end, problems)
        # A share (0-100 %) is where a fraction could be meant; growth rates and the like are not.
        share = ind is not None and ind.unit == "%" and ind.minimum == 0 and ind.maximum == 100
        value = self._field(row, record, "value", problems, lambda v: cells.number(v, conv, percent=share))
        if value is not None and ind is not None:
            low = ind.minimum if ind.minimum is not None else -math.inf
            high = ind.maximum if ind.maximum is not None else math.inf
            if not low <= value <= high:
                problems.append(self._problem(row, "value", "value_range", f"{value:g} is outside {ind.minimum:g}-{ind.maximum:g} {ind.unit}" if ind.minimum is not None and ind.maximum is not None else f"{value:g} is out of range for {ind.id}"))
        unit = self._field(row, record, "unit", problems, required=False)
        if ind is not None:
            if unit is None or unit.lower() in UNIT_SYNONYMS.get(ind.unit, {ind.unit.lower()}):
                unit = ind.unit
            elif unit != ind.unit:
                problems.append(self._problem(row, "unit", "unit_mismatch", f"{ind.id} is reported in {ind.unit!r}, not {unit!r}"))
        source = self._field(row, record, "source", problems, required=False) or "national submission"
        illustrative = self._field(row, record, "illustrative", problems, cells.boolean, required=False) or False
        if problems:
            return None, problems
        return {
            "country": country,
            "indicator_id": indicator_id,
            "statistic": statistic,
            "crossing_id": crossing,
            "direction": direction,
            "period": period_text,
            "period_start": period_start,
            "period_end": period_end,
            "value": value,
            "unit": unit,
            "source": source,
            "illustrative": illustrative,
            "source_row": row,
        }, problems


def _declarations(model: Any) -> dict[str, str | None]:
    return {k: getattr(model, k, None) for k in ("number_locale", "date_order", "percent_scale")}


def _duplicate_key(kind: str, record: dict) -> tuple:
    if kind == "progress":
        return (record["item_id"], record["reported_on"])
    return (
        record["country"],
        record["indicator_id"],
        record["statistic"],
        record["crossing_id"],
        record["direction"],
        record["period"],
    )


PROGRESS_SCHEMA = {
    "item_id": pl.String,
    "country": pl.String,
    "reported_on": pl.Date,
    "status": pl.String,
    "pct_complete": pl.Float64,
    "note": pl.String,
    "illustrative": pl.Boolean,
    "source_row": pl.Int32,
}
INDICATOR_SCHEMA = {
    "country": pl.String,
    "indicator_id": pl.String,
    "statistic": pl.String,
    "crossing_id": pl.String,
    "direction": pl.String,
    "period": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "value": pl.Float64,
    "unit": pl.String,
    "source": pl.String,
    "illustrative": pl.Boolean,
    "source_row": pl.Int32,
}
SCHEMAS = {"progress": PROGRESS_SCHEMA, "indicators": INDICATOR_SCHEMA}


# ---------------------------------------------------------------------------------------------
# One file: read and check (no store access, no lock)


@dataclass
class _Part:
    """One table of a file, checked: its accepted rows and its rejected rows with reasons."""

    label: str  # the file name, or "name [sheet]" when the workbook has several tables
    kind: str | None
    header: list[str]
    accepted: pl.DataFrame = field(default_factory=pl.DataFrame)  # clean rows (`SCHEMAS[kind]`), in row order
    rejected: list[tuple[int, dict, list[Problem]]] = field(default_factory=list)
    new: pl.DataFrame | None = None  # the accepted rows the store does not hold yet (set on commit)
    skipped_blank: int = 0  # template rows left unfilled
    file_problems: list[Problem] = field(default_factory=list)  # about the table, not a row


@dataclass
class _Checked:
    path: Path
    data: bytes
    result: IngestResult
    parts: list[_Part] = field(default_factory=list)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _detect_kind(header: list[str], hint: str | None) -> tuple[str | None, list[str]]:
    """The submission kind the header fits, or the columns missing for the closest kind."""
    if hint is not None:
        missing = [c for c in KIND_COLUMNS[hint] if c not in header]
        return (hint, []) if not missing else (None, missing)
    best_missing = None
    for kind, required in KIND_COLUMNS.items():
        missing = [c for c in required if c not in header]
        if not missing:
            return kind, []
        if best_missing is None or len(missing) < len(best_missing):
            best_missing = missing
    return None, best_missing or []


def display_name(path: Path) -> str:
    """A submitted file's name as shown and stored: its own name, safe to print and to use in
    file names (no path, no control or markup characters)."""
    from .safety import safe_filename

    return safe_filename(path.name)


def check_file(
    path: Path,
    params: RegionParams,
    items: dict[str, str],
    submitted: Conventions | None = None,
    data: bytes | None = None,
) -> _Checked:
    """Read and check one file. Never raises for its content: see the result."""
    name = display_name(path)
    limit = params.region.max_submission_bytes
    size = path.stat().st_size if data is None else len(data)
    if size > limit:
        result = IngestResult(file=name, sha256="", outcome="unreadable")
        result.problems.append(Problem(name, None, None, "too_large", f"the file is {size:,} bytes; at most {limit:,} are accepted (max_submission_bytes)"))
        return _Checked(path, b"", result)
    data = path.read_bytes() if data is None else data
    result = IngestResult(file=name, sha256=_sha256(data))
    checked = _Checked(path, data, result)
    try:
        tables = read(path, data, limit)
    except UnreadableFile as exc:
        result.outcome = "unreadable"
        result.problems.append(Problem(name, None, None, exc.rule, exc.message))
        return checked
    except Exception as exc:  # a reader bug must not cost the other files: reported, file kept
        result.outcome = "unreadable"
        result.problems.append(Problem(name, None, None, "internal_error", f"the file could not be read ({type(exc).__name__}: {exc}); it is kept, please report this"))
        return checked
    several = sum(not t.unread for t in tables) > 1
    for table in tables:
        label = f"{name} [{table.sheet}]" if several and table.sheet else name
        if table.unread:
            result.problems.append(Problem(name, None, None, "unread_sheet", f"sheet {table.sheet!r} holds data but is neither a Progress nor an Indicators sheet; nothing in it was read"))
            continue
        checked.parts.append(_check_table(label, table, params, items, submitted or Conventions()))
    kinds = sorted({p.kind for p in checked.parts if p.kind})
    result.kind = "+".join(kinds) if kinds else None
    for part in checked.parts:
        result.problems.extend(part.file_problems)
        for _, _, problems in part.rejected:
            result.problems.extend(problems)
    _count(checked)
    return checked


def _check_table(label: str, table: Table, params: RegionParams, items: dict[str, str], submitted: Conventions) -> _Part:
    kind, missing = _detect_kind(table.header, table.kind_hint)
    part = _Part(label, kind, table.header)
    if kind is None:
        records = table.all_records()
        hint = f" ({table.hint})" if table.hint else ""
        if not table.found_header and records:
            # One problem for the file, not one per row: the header is what is wrong.
            wanted = "; ".join(
                f"{kind} need{'s' if kind == 'progress' else ''} {'the columns ' if kind == 'progress' else ''}{', '.join(cols)}" for kind, cols in KIND_COLUMNS.items()
            )
            problem = Problem(label, table.header_row, None, "missing_column", f"no header row in the first rows: {wanted}{hint}")
            part.rejected = [(n, r, [problem] if i == 0 else []) for i, (n, r) in enumerate(records)]
        else:
            problems = [Problem(label, table.header_row or None, c, "missing_column", f"the file has no {c!r} column{hint}") for c in missing]
            part.rejected = [(n, r, problems if i == 0 else []) for i, (n, r) in enumerate(records)]
            if not records:
                part.file_problems = problems
        return part
    allowed = set(KIND_COLUMNS[kind]) | set(KIND_OPTIONAL[kind])
    unknown = {h: table.headings[i] for i, h in enumerate(table.header) if h and h not in allowed}
    checker = _Checker(label, params, items if kind == "progress" else {}, table.conventions.over(submitted))
    if kind == "progress" and table.text is not None:
        _check_progress_columns(part, table.text, checker, unknown, allowed)
        table.text = None
        return part
    records = table.all_records()
    table.records, table.text = [], None
    if kind == "progress":
        # Template rows come pre-filled with country and item: unfilled ones are not data.
        filled = [(n, r) for n, r in records if not all(blank(r.get(c)) for c in _PROGRESS_ENTRY) or _has_more(r)]
        part.skipped_blank = len(records) - len(filled)
        records = filled
    check = checker.progress if kind == "progress" else checker.indicator
    first_row: dict[tuple, int] = {}
    accepted = []
    # Records are let go of as they are checked, so a million-row sheet is not held twice.
    queue = deque(records)
    records.clear()
    while queue:
        row, record = queue.popleft()
        clean, problems = _check_row(check, label, row, record, unknown, allowed)
        if clean is not None:
            key = _duplicate_key(kind, clean)
            if key in first_row:
                problems = [_duplicate(label, kind, row, first_row[key])]
                clean = None
            else:
                first_row[key] = row
        if clean is None:
            part.rejected.append((row, record, problems))
        else:
            accepted.append(clean)
    part.accepted = pl.DataFrame(accepted, schema=SCHEMAS[kind])
    return part


def _check_row(check, label: str, row: int, record: dict, unknown: dict[str, str], allowed: set[str]) -> tuple[dict | None, list[Problem]]:
    """One row through the rules: its clean values (None when rejected) and its problems."""
    pre = _row_problems(label, row, record, unknown, allowed)
    clean, problems = check(row, record)
    problems = pre + [replace(p, value=_shown(record.get(p.column))) for p in problems]
    return (None if pre else clean), problems


def _duplicate(label: str, kind: str, row: int, first: int) -> Problem:
    what = "item and date" if kind == "progress" else "indicator and period"
    return Problem(label, row, None, "duplicate", f"same {what} as row {first}")


# ---------------------------------------------------------------------------------------------
# Progress rows of delimited text, checked column by column


def _check_progress_columns(part: _Part, rows: TextRows, checker: _Checker, unknown: dict[str, str], allowed: set[str]) -> None:
    """The rules of `_Checker.progress` applied by column: each rule runs once per distinct
    value (or pair of values) it reads, through the same `_Checker` methods, and a row is
    clean when none of its values broke a rule. Rows that broke one are then checked one by
    one (`_check_row`), so their problems are exactly those the row checker reports."""
    n = len(rows)
    missing: list[str | None] = [None] * n
    column = {c: rows.columns.get(c, missing) for c in (*PROGRESS_COLUMNS, *KIND_OPTIONAL["progress"])}
    blanks = {c: {v for v in set(cells) if blank(v)} for c, cells in rows.columns.items()}

    def filled(c: str) -> list[int]:
        """Positions where column `c` is not blank."""
        cells, empty = rows.columns.get(c), blanks.get(c)
        if cells is None:
            return []
        return [at for at, v in enumerate(cells) if v not in empty] if empty else list(range(n))

    # Template rows come pre-filled with country and item: unfilled ones are not data (`_has_more`).
    entered = set(rows.spill)
    for c in (*_PROGRESS_ENTRY, *(c for c in rows.columns if c not in ("country", "item_id", *_PROGRESS_ENTRY))):
        if len(entered) == n:
            break
        entered.update(filled(c))
    keep = sorted(entered) if len(entered) < n else range(n)
    part.skipped_blank = n - len(keep)
    if len(keep) < n:
        column = {c: [cells[at] for at in keep] for c, cells in column.items()}
    m = len(keep)
    # Rows whose layout is wrong (`_row_problems`): cells beyond the header or under unknown headings.
    broken = {i for i, at in enumerate(keep) if at in rows.spill}
    for c in unknown:
        broken.update(i for i, at in enumerate(keep) if rows.columns[c][at] not in blanks[c])

    def per(keys: tuple[list, ...], rule) -> list:
        """`rule(problems, *values)` once per distinct combination of `keys`' cells; each
        row's value. Rows whose combination raised a problem join `broken`."""
        if len(keys) == 2 and len(set(keys[1])) <= 1:  # one country in the file (as usual)
            fixed = keys[1][0] if keys[1] else None
            keys, single = (keys[0],), lambda problems, v: rule(problems, v, fixed)
        else:
            single = rule
        combos = list(zip(*keys)) if len(keys) > 1 else keys[0]
        outcome, bad = {}, set()
        for combo in set(combos):
            problems: list[Problem] = []
            outcome[combo] = single(problems, *combo) if len(keys) > 1 else single(problems, combo)
            if problems:
                bad.add(combo)
        if bad:
            broken.update(i for i, combo in enumerate(combos) if combo in bad)
        return list(map(outcome.__getitem__, combos))

    country = per((column["country"],), lambda ps, v: checker._country(0, {"country": v}, ps))
    item = per((column["item_id"], country), lambda ps, v, c: checker.item(0, {"item_id": v}, c, ps))
    # Dates as days since 1970, which polars takes fastest.
    reported = per((column["reported_on"], country), lambda ps, v, c: _days(checker.reported_on(0, {"reported_on": v}, c, ps)))
    status = per((column["status"],), lambda ps, v: checker.status(0, {"status": v}, ps))
    pct = per((column["pct_complete"], country), lambda ps, v, c: checker.pct_complete(0, {"pct_complete": v}, c, ps))
    per((status, pct), lambda ps, s, p: checker.status_and_pct(0, s, p, ps))
    note = per((column["note"],), lambda ps, v: checker.note(0, {"note": v}, ps))
    illustrative = per((column["illustrative"],), lambda ps, v: checker.illustrative(0, {"illustrative": v}, ps))
    numbers = [rows.rows[at] for at in keep]
    good = [i for i in range(m) if i not in broken] if broken else range(m)

    def clean(values: list) -> list:
        return [values[i] for i in good] if broken else values

    accepted = pl.DataFrame(
        [
            pl.Series("item_id", clean(item), dtype=pl.String),
            pl.Series("country", clean(country), dtype=pl.String),
            pl.Series("reported_on", clean(reported), dtype=pl.Int32).cast(pl.Date),
            pl.Series("status", clean(status), dtype=pl.String),
            pl.Series("pct_complete", clean(pct), dtype=pl.Float64),
            pl.Series("note", clean(note), dtype=pl.String),
            pl.Series("illustrative", clean(illustrative), dtype=pl.Boolean),
            pl.Series("source_row", clean(numbers), dtype=pl.Int32),
        ]
    )
    keys = set(zip(clean(item), clean(reported)))  # (item, date) of each clean row, to spot duplicates
    del item, country, reported, status, pct, note, illustrative, column
    # Rows that broke a rule: through the row checker, for their problems.
    rejected = []
    late: list[dict] = []  # rows the row checker finds clean after all
    for i in sorted(broken):
        row, record = rows.record(keep[i])
        found, problems = _check_row(checker.progress, part.label, row, record, unknown, allowed)
        if found is None:
            rejected.append((row, record, problems))
        else:
            late.append(found)
    if late:
        accepted = pl.concat([accepted, pl.DataFrame(late, schema=PROGRESS_SCHEMA)]).sort("source_row")
    # The same item and date twice: the first row counts, the later ones are duplicates.
    keys.update((r["item_id"], _days(r["reported_on"])) for r in late)
    if len(keys) < accepted.height:
        marked = accepted.with_columns(first=pl.col("source_row").first().over("item_id", "reported_on"))
        twice = marked.filter(pl.col("source_row") != pl.col("first"))
        at_row = {rows.rows[at]: at for at in keep}
        for row, first in twice.select("source_row", "first").iter_rows():
            rejected.append((row, rows.record(at_row[row])[1], [_duplicate(part.label, "progress", row, first)]))
        accepted = marked.filter(pl.col("source_row") == pl.col("first")).drop("first")
        rejected.sort(key=lambda item: item[0])
    part.accepted = accepted
    part.rejected = rejected


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _days(day: dt.date | None) -> int | None:
    return None if day is None else day.toordinal() - _EPOCH


def _has_more(record: dict) -> bool:
    """A template row with anything beyond country and item filled in (for example a note
    under an unknown heading) is data to check, not an empty template row."""
    return any(not blank(v) for k, v in record.items() if k not in ("country", "item_id", *_PROGRESS_ENTRY))


def _shown(value: Any) -> str | None:
    """A cell as the sender wrote it, for feedback and quarantine."""
    if blank(value):
        return None
    if isinstance(value, cells.FormulaCell):
        return value.formula
    try:
        return cells.text(value)
    except CellError:
        return str(value)[:200] + "…"


def _row_problems(label: str, row: int, record: dict, unknown: dict[str, str], allowed: set[str]) -> list[Problem]:
    """Problems of the row's layout, before its values are read."""
    problems = []
    if "__extra__" in record:
        problems.append(Problem(label, row, None, "extra_values", "the row has values in columns with no heading (or beyond the header)"))
    if record.get("__hidden__"):
        problems.append(Problem(label, row, None, "hidden_row", "the row is hidden in the workbook"))
    for rng in record.get("__merged__", ()):
        problems.append(Problem(label, row, None, "merged_cells", f"the row is part of the merged cells {rng}"))
    for column in record.get("__nested__", ()):
        problems.append(Problem(label, row, column, "not_a_value", "a list or object where one value is expected"))
    for column, heading in unknown.items():
        if not blank(record.get(column)):
            problems.append(
                Problem(label, row, heading, "unknown_column", f"{heading!r} is not a column tflib reads (its value would be lost); read are: {', '.join(sorted(allowed))}", _shown(record.get(column)))
            )
    return problems


def _count(checked: _Checked) -> None:
    result = checked.result
    result.rows_in = sum(len(p.accepted) + len(p.rejected) for p in checked.parts)
    result.accepted = sum(len(p.accepted) for p in checked.parts)
    result.quarantined = sum(len(p.rejected) for p in checked.parts)
    result.skipped_blank = sum(p.skipped_blank for p in checked.parts)
    accepted = {c for p in checked.parts if p.accepted.height for c in p.accepted["country"].to_list()}
    rejected = {cells.text(rec.get("country")).upper() for p in checked.parts for _, rec, _ in p.rejected if isinstance(rec.get("country"), str) and not blank(rec.get("country"))}
    result.countries = sorted(accepted | rejected)
    if result.outcome == "unreadable":
        return
    if not result.rows_in:
        result.outcome = "rejected" if result.problems else "accepted"
    else:
        result.outcome = "accepted" if not result.quarantined else ("partial" if result.accepted else "rejected")


# ---------------------------------------------------------------------------------------------
# Committing: one unit per file, under the store's write lock


def _fault(point: str) -> None:
    """Test hook: die here (SIGKILL, no clean-up) when TFLIB_INGEST_FAULT names this point."""
    if os.environ.get("TFLIB_INGEST_FAULT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


def _relative(path: Path, proj: Project) -> str:
    return str(path.relative_to(proj.root)) if path.is_relative_to(proj.root) else str(path)


# What identifies a stored row, and what it says, per kind (compared with nulls equal).
_KEYS = {
    "progress": ("item_id", "reported_on"),
    "indicators": ("country", "indicator_id", "statistic", "crossing_id", "direction", "period"),
}
_SAYS = {"progress": ("status", "pct_complete", "note"), "indicators": ("value", "unit", "source")}


def _settle(store: Store, batch: list[_Checked]) -> None:
    """Compare the accepted rows of the batch's files with the rows stored and with those the
    batch's earlier files add (files in order, as if each were committed in turn): a row that
    contradicts one of them (same key, other values) moves to the rejected rows; a row
    identical to one of them stays accepted but is not added again. `_Part.new` is the rest."""
    for part in (part for checked in batch for part in checked.parts):
        part.new = part.accepted
    for kind in _KEYS:
        parts = [(checked.result.file, part) for checked in batch for part in checked.parts if part.kind == kind and part.accepted.height]
        if parts:
            _settle_kind(store, kind, parts)


def _settle_kind(store: Store, kind: str, parts: list[tuple[str, _Part]]) -> None:
    keys, says = list(_KEYS[kind]), list(_SAYS[kind])
    incoming = pl.concat(
        [part.accepted.select(*keys, *says, "source_row").with_columns(_part=pl.lit(j, dtype=pl.Int64), _file=pl.lit(file)) for j, (file, part) in enumerate(parts)]
    ).with_columns(_order=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    table = store.rows_table("progress_updates" if kind == "progress" else "indicator_observations")
    on = " AND ".join(f"s.{k} IS NOT DISTINCT FROM i.{k}" for k in keys)
    store.con.register("incoming_keys", incoming.select(keys).to_arrow())
    try:
        stored = store.frame(
            f"""SELECT {", ".join(f"s.{c}" for c in keys + says)}, s.source_file AS _file, s.source_row,
                       {"s.update_id" if kind == "progress" else "s.obs_id"} AS _id
                FROM {table} s SEMI JOIN incoming_keys i ON {on}"""  # noqa: S608 (fixed names)
        )
    finally:
        store.con.unregister("incoming_keys")
    if stored.is_empty() and incoming.select(pl.struct(keys).n_unique()).item() == incoming.height:
        return  # no key stored before or repeated in the batch: every row is new
    # Stored rows come before every row of the batch (in the order they were stored).
    stored = (
        stored.cast({c: incoming.schema[c] for c in keys + says})
        .sort("_id")
        .select(*keys, *says, "_file", pl.col("source_row").cast(pl.Int32), _order=pl.int_range(pl.len(), dtype=pl.Int64) - pl.len().cast(pl.Int64))
    )
    # A key not stored is added by the batch's first row of it.
    added = incoming.join(stored.select(keys).unique(), on=keys, how="anti", nulls_equal=True, maintain_order="left").filter(pl.struct(keys).is_first_distinct())
    reference = pl.concat([stored, added.select(stored.columns)]).rename({c: f"ref_{c}" for c in (*says, "_file", "source_row", "_order")})
    pairs = (
        incoming.select(*keys, *says, "_order")
        .join(reference, on=keys, how="inner", nulls_equal=True)
        .filter(pl.col("ref__order") < pl.col("_order"))  # compared with what came before it
    )
    same = pl.lit(True)
    for c in says:
        same = same & pl.col(c).eq_missing(pl.col(f"ref_{c}"))
    contradicted = pairs.filter(~same).sort("_order", "ref__order").unique("_order", keep="first", maintain_order=True)
    flags = incoming.select(_bad=pl.col("_order").is_in(contradicted["_order"].implode()), _new=pl.col("_order").is_in(added["_order"].implode()))
    describe = _describe(kind)
    what = "this item and date" if kind == "progress" else "this indicator and period"
    hits = {r["_order"]: r for r in contradicted.iter_rows(named=True)}
    offset = 0
    for _, part in parts:
        mine = flags.slice(offset, part.accepted.height)
        offset += part.accepted.height
        bad = mine["_bad"]
        if bad.any():
            orders = incoming["_order"].slice(offset - part.accepted.height, part.accepted.height).filter(bad)
            for order, record in zip(orders.to_list(), part.accepted.filter(bad).iter_rows(named=True)):
                hit = hits[order]
                problem = Problem(
                    part.label, record["source_row"], None, "conflict",
                    f"{what} was already reported differently ({describe(hit)}, {hit['ref__file']} row {hit['ref_source_row']})",
                )
                part.rejected.append((record["source_row"], {k: v for k, v in record.items() if k != "source_row"}, [problem]))
            part.rejected.sort(key=lambda item: item[0])
        part.new = part.accepted.filter(mine["_new"])
        part.accepted = part.accepted.filter(~bad)


def _describe(kind: str):
    if kind == "progress":
        return lambda r: f"status {r['ref_status']}, {r['ref_pct_complete']:g} %"
    return lambda r: f"value {r['ref_value']:g} {r['ref_unit']}"


def _folder(path: Path) -> None:
    """Make the folder unless it is there (asking first is much cheaper than mkdir on some file systems)."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)


def _write_quarantine(path: Path, header: list[str], rejected: Iterable[tuple[int, dict, list[Problem]]]) -> None:
    """The rejected rows as submitted, with the row number and every reason, ready to fix."""
    _folder(path.parent)
    columns = [h for h in header if h]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", *columns, "problems"])
        for row, record, problems in rejected:
            values = ["" if blank(record.get(c)) else (_shown(record.get(c)) or "") for c in columns]
            reasons = "; ".join(f"{p.column or '-'}: {p.rule}: {p.message}" for p in problems)
            writer.writerow([row, *values, reasons])


def _commit(store: Store, batch: list[_Checked], proj: Project) -> None:
    """Stage each file's files, commit the rows and log entries of the batch in one
    transaction, then put the files in place. Each file's journal lets `recover` finish
    (after the commit) or undo (before it) a run that was killed half-way: every file of the
    batch lands whole, or none does."""
    params = store.params
    _settle(store, batch)
    journals = []
    entries = []
    for checked in batch:
        journals.append(_stage(checked, params, proj))  # (journal, moves)
        result = checked.result
        accepted = [p for p in checked.parts if p.accepted.height]
        result.inserted = sum(p.new.height for p in checked.parts if p.new is not None)
        illustrative = result.accepted > 0 and all(p.accepted["illustrative"].all() for p in accepted)
        result.received_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        entries.append(_log_entry(result, illustrative=illustrative))
    with store._transaction():
        for kind in _KEYS:
            frames = [
                p.new.with_columns(submission_id=pl.lit(c.result.sha256), source_file=pl.lit(c.result.file))
                for c in batch for p in c.parts if p.kind == kind and p.new is not None and p.new.height
            ]
            if not frames:
                continue
            rows = pl.concat(frames)
            added = store.add_progress(rows) if kind == "progress" else store.add_observations(rows)
            if added != rows.height:  # _settle left out every row the store holds
                raise RuntimeError(f"ingest: {rows.height} {kind} rows to add, the store added {added}")
        store.log_submissions(entries)
        _fault("before_commit")
    _fault("committed")
    for journal, moves in journals:
        _apply(journal, moves)


def _stage(checked: _Checked, params: RegionParams, proj: Project) -> tuple[Path, list[tuple[Path, Path]]]:
    """The file's archive copy, quarantine and feedback, staged beside its journal; returns
    the journal and its moves."""
    result = checked.result
    region = params.id
    result.problems = [p for p in result.problems if p.rule != "conflict"] + [
        p for part in checked.parts for _, _, ps in part.rejected for p in ps if p.rule == "conflict"
    ]
    _count(checked)
    stem = Path(result.file).stem
    pending = proj.pending_dir / region / result.sha256
    if pending.exists():
        shutil.rmtree(pending)
    pending.mkdir(parents=True)
    moves: list[tuple[Path, Path]] = []

    archive = proj.archive_dir / region / f"{result.sha256}{checked.path.suffix.lower()}"
    staged = pending / archive.name
    staged.write_bytes(checked.data)
    moves.append((staged, archive))
    result.archive_path = _relative(archive, proj)

    quarantines = []
    for i, part in enumerate(p for p in checked.parts if p.rejected):
        suffix = "" if i == 0 else f".{i + 1}"
        final = proj.quarantine_dir / region / f"{stem}-{result.sha256[:12]}{suffix}.csv"
        staged = pending / final.name
        _write_quarantine(staged, part.header, part.rejected)
        moves.append((staged, final))
        quarantines.append(_relative(final, proj))
    result.quarantine_paths = quarantines
    result.quarantine_path = quarantines[0] if quarantines else None

    accepted_countries = [c for p in checked.parts if p.accepted.height for c in p.accepted["country"].to_list()]
    rejected = [item for p in checked.parts for item in p.rejected]
    feedback_files = write_feedback(result, params, pending, accepted_countries, rejected, dt.date.today())
    for path in feedback_files:
        moves.append((path, proj.feedback_dir / region / path.name))
    result.feedback_paths = [_relative(proj.feedback_dir / region / p.name, proj) for p in feedback_files]

    journal = pending / "journal.json"
    tmp = journal.with_suffix(".tmp")
    tmp.write_text(json.dumps({"submission_id": result.sha256, "moves": [[str(a), str(b)] for a, b in moves]}), encoding="utf-8")
    os.replace(tmp, journal)
    _fault("staged")
    return journal, moves


def _apply(journal: Path, moves: list[tuple[Path, Path]] | None = None) -> None:
    """Put a committed ingest's files in place (each move is atomic; repeating one is harmless).
    `moves`: the journal's, where the caller has them (else read from it)."""
    if moves is None:
        moves = json.loads(journal.read_text(encoding="utf-8"))["moves"]
    for i, (staged, final) in enumerate(moves):
        staged, final = Path(staged), Path(final)
        if staged.exists():
            _folder(final.parent)
            os.replace(staged, final)
        if i == 0:
            _fault("moved_one")
    shutil.rmtree(journal.parent)


def recover(region: str | RegionParams, project: Project | str | Path | None = None, wait: float = 120.0) -> list[str]:
    """Finish or undo ingests that were killed half-way: files of a committed ingest are put in
    place; those of an uncommitted one are removed. Returns what was done, one line each."""
    proj = resolve(project)
    region_id = region.id if isinstance(region, RegionParams) else region
    folder = proj.pending_dir / region_id
    if not folder.exists() or not any(folder.iterdir()):
        return []
    params = region if isinstance(region, RegionParams) else load_region(region, proj)
    done = []
    with Store.create(params, proj, wait=wait) as store:
        for pending in sorted(p for p in folder.iterdir() if p.is_dir()):
            journal = pending / "journal.json"
            committed = journal.exists() and store.submission_seen(pending.name) is not None
            if committed:
                _apply(journal)
                done.append(f"completed the interrupted ingest of submission {pending.name[:12]}")
            else:
                shutil.rmtree(pending)
                done.append(f"rolled back the interrupted ingest of submission {pending.name[:12]} (nothing of it was stored)")
    return done


def _log_entry(result: IngestResult, illustrative: bool) -> dict:
    return {
        "submission_id": result.sha256,
        "file_name": result.file,
        "kind": result.kind,
        "countries": result.countries,
        "rows_in": result.rows_in,
        "accepted": result.accepted,
        "inserted": result.inserted,
        "quarantined": result.quarantined,
        "outcome": result.outcome,
        "archive_path": result.archive_path or "",
        "quarantine_path": ";".join(result.quarantine_paths) or None,
        "illustrative": illustrative,
        "received_at": result.received_at,
    }


# ---------------------------------------------------------------------------------------------
# Many files


def _hidden(name: str) -> bool:
    """Operating-system and office lock files, never submissions (.DS_Store, ~$book.xlsx)."""
    return name.startswith((".", "~$"))


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files and folders (searched recursively), in a stable order. Every file in a folder is
    tried, so a file of a type that cannot be read is reported, not passed over."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and not any(_hidden(part) for part in f.relative_to(p).parts)))
        else:
            out.append(p)
    return out


def _repeat(checked: _Checked, seen: dict) -> IngestResult:
    """The result for a file received before: nothing is added, and what was wrong with it
    then is reported again (so resending a bad file never looks like success)."""
    result = checked.result
    again = IngestResult(file=result.file, sha256=result.sha256, kind=result.kind, outcome="already_ingested", repeat_of=seen["outcome"])
    when = seen["received_at"]
    again.problems.append(
        Problem(result.file, None, None, "already_ingested", f"identical to {seen['file_name']} received at {when:%Y-%m-%d %H:%M}; nothing added")
    )
    if seen["outcome"] != "accepted":
        again.problems.extend(result.problems)
    return again


def ingest(
    paths: Iterable[str | Path],
    region: str | RegionParams,
    project: Project | str | Path | None = None,
    conventions: Conventions | None = None,
    wait: float = 120.0,
) -> list[IngestResult]:
    """Ingest files (or folders of files) into the region's store.

    Files are read and checked without the store's write lock; then committed under it in
    batches (up to 250,000 rows or 200 files, one transaction each: a file lands whole or not
    at all). `conventions`: how the sender writes numbers and dates (the submission's
    own declaration, the most specific). `wait`: seconds to wait for another writer
    (`tflib.store.StoreBusy` after that)."""
    proj = resolve(project)
    params = region if isinstance(region, RegionParams) else load_region(region, proj)
    recover(params, proj, wait=wait)
    from .plan import allocate

    items = dict(allocate(params).select("item_id", "country").iter_rows())
    seen = _seen(params, proj, wait)
    results: list[IngestResult] = []
    batch: list[tuple[int, _Checked]] = []  # (place in results, file) to commit together
    batch_rows = 0

    def flush() -> None:
        nonlocal batch, batch_rows
        if not batch:
            return
        with Store.create(params, proj, wait=wait) as store:
            landing: dict[str, _Checked] = {}
            again: list[tuple[int, _Checked]] = []
            logged = store.submissions_seen()
            for at, checked in batch:
                seen_now = logged.get(checked.result.sha256)
                if seen_now is not None:  # another ingest landed it meanwhile
                    results[at] = _repeat(checked, seen_now)
                elif checked.result.sha256 in landing:  # the same file twice in this batch
                    again.append((at, checked))
                else:
                    landing[checked.result.sha256] = checked
            _commit(store, list(landing.values()), proj)
            for at, checked in again:
                first = landing[checked.result.sha256].result
                results[at] = _repeat(checked, {"file_name": first.file, "received_at": first.received_at, "outcome": first.outcome})
        batch, batch_rows = [], 0

    for path in expand(paths):
        if not path.exists():
            results.append(IngestResult(file=display_name(path), sha256="", outcome="unreadable", problems=[Problem(display_name(path), None, None, "not_found", "no such file")]))
            continue
        data = path.read_bytes() if path.stat().st_size <= params.region.max_submission_bytes else None
        sha = _sha256(data) if data is not None else ""
        previous = seen.get(sha)
        if previous is not None and previous["outcome"] == "accepted":
            results.append(_repeat(_Checked(path, b"", IngestResult(file=display_name(path), sha256=sha)), previous))
            continue
        checked = check_file(path, params, items, conventions, data=data)
        if previous is not None:
            results.append(_repeat(checked, previous))
            continue
        if not checked.result.sha256:  # refused before reading (too large): logged nowhere, reported here
            results.append(checked.result)
            continue
        batch.append((len(results), checked))
        results.append(checked.result)
        batch_rows += checked.result.rows_in
        if batch_rows >= 250_000 or len(batch) >= 200:
            flush()
    flush()
    return results


def _seen(params: RegionParams, proj: Project, wait: float) -> dict[str, dict]:
    """Submissions already logged (by sha256), read without the write lock."""
    from .store import store_path

    if not store_path(params.id, proj).exists():
        return {}
    try:
        with Store.open(params, proj, read_only=True, wait=wait) as store:
            return store.submissions_seen()
    except RuntimeError:  # an older schema: the writer upgrades it; every file is checked under the lock
        return {}


def ingest_file(path: str | Path, store: Store, project: Project | str | Path | None = None) -> IngestResult:
    """Ingest one file into an open, writable store (the caller holds the lock)."""
    proj = resolve(project)
    path = Path(path)
    items = store.item_countries()
    checked = check_file(path, store.params, items)
    if not checked.result.sha256:
        return checked.result
    seen = store.submission_seen(checked.result.sha256)
    if seen is not None:
        return _repeat(checked, seen)
    _commit(store, [checked], proj)
    return checked.result
