"""Ingest country submissions (progress updates and indicator observations).

For each file: the raw bytes are archived by content hash; every row is checked against the
rules below; valid rows are stored, rejected rows go to a quarantine CSV with their reasons;
a log entry records the counts, so that ``rows_in = accepted + quarantined`` always holds.
The same file ingested twice adds nothing. Every problem is reported as one line
``file:row:column: rule: message`` (row numbers as a spreadsheet shows them: header = 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
import json
import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from .i18n import N_, available_languages, gettext
from .params import RegionParams
from .periods import bounds as period_bounds
from .paths import Project, resolve
from .status import parse_status
from .feedback import write_feedback
from .rules import IngestResult, Problem
from .store import Store

PROGRESS_COLUMNS = ("country", "item_id", "reported_on", "status", "pct_complete")
PROGRESS_OPTIONAL = ("note", "illustrative")
INDICATOR_COLUMNS = ("country", "indicator", "period", "value")
INDICATOR_OPTIONAL = ("statistic", "crossing", "direction", "unit", "source", "illustrative")
KIND_COLUMNS = {"progress": PROGRESS_COLUMNS, "indicators": INDICATOR_COLUMNS}
# Column headings as templates show them; a heading may be the id or its label in any language.
COLUMN_LABELS = {
    "country": N_("Country"),
    "item_id": N_("Action item"),
    "reported_on": N_("Reported on"),
    "status": N_("Status"),
    "pct_complete": N_("% complete"),
    "note": N_("Note"),
    "illustrative": N_("Illustrative"),
    "indicator": N_("Indicator"),
    "statistic": N_("Statistic"),
    "crossing": N_("Border crossing"),
    "direction": N_("Direction"),
    "period": N_("Period"),
    "value": N_("Value"),
    "unit": N_("Unit"),
    "source": N_("Source"),
}
# Sheet names of workbooks, accepted in any language tflib speaks.
SHEET_LABELS = {"progress": N_("Progress"), "indicators": N_("Indicators")}
# The documented JSON shape for imports from other systems (see README).
JSON_FORMAT = "tflib-submission/1"
DIRECTIONS = ("exit", "entry")
# Spellings of the catalogue's units that submitters commonly write; stored as the catalogue's.
UNIT_SYNONYMS = {
    "h": {"h", "hr", "hrs", "hour", "hours", "hora", "horas", "heure", "heures"},
    "days": {"d", "day", "days", "día", "días", "dia", "dias", "jour", "jours"},
    "%": {"%", "percent", "pct", "por ciento", "porcentaje", "pour cent"},
}
SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".json")


class UnreadableFile(Exception):
    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message


# ---------------------------------------------------------------------------------------------
# Reading files into (row number, {column: value}) records


def _fold(text: str) -> str:
    """Lower case, accents stripped, runs of other characters as one underscore."""
    plain = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def _aliases() -> dict[str, str]:
    table = {}
    for column, label in COLUMN_LABELS.items():
        table[_fold(column)] = column
        for lang in available_languages():
            table.setdefault(_fold(gettext(label, lang)), column)
    return table


def _normalise_header(name: Any) -> str:
    folded = _fold(name)
    return _aliases().get(folded, folded)


def _sheet_kind(title: str) -> str | None:
    folded = _fold(title)
    for kind, label in SHEET_LABELS.items():
        if folded == kind or any(folded == _fold(gettext(label, lang)) for lang in available_languages()):
            return kind
    return None


def _read_csv(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        guess = _guess_encoding(data)
        raise UnreadableFile(
            "encoding",
            f"the file is not UTF-8 (byte {exc.start} cannot be read{guess}); save it as 'CSV UTF-8' and submit again",
        ) from None
    if not text.strip():
        raise UnreadableFile("empty_file", "the file is empty")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [_normalise_header(h) for h in next(reader)]
    records = []
    for lineno, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue  # blank lines carry no data
        record = {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h}
        if len(values) > len(header):
            record["__extra__"] = values[len(header) :]
        records.append((lineno, record))
    return header, records


def _guess_encoding(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return f"; it looks like {best.encoding}" if best is not None else ""


def _read_xlsx(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, Any]]], str]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise UnreadableFile("format", f"not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        kinds = {ws.title: _sheet_kind(ws.title) for ws in wb.worksheets}
        chosen = next((title for title, kind in kinds.items() if kind), None)
        if chosen is None:
            if len(wb.worksheets) == 1:
                chosen = wb.worksheets[0].title
            else:
                wanted = ", ".join(sorted({gettext(lbl, lang) for lbl in SHEET_LABELS.values() for lang in available_languages()}))
                raise UnreadableFile(
                    "wrong_sheet", f"no sheet named {wanted}; sheets found: {', '.join(kinds)}"
                )
        ws = wb[chosen]
        rows = ws.iter_rows(values_only=True)
        try:
            header = [_normalise_header(h) for h in next(rows)]
        except StopIteration:
            raise UnreadableFile("empty_file", f"sheet {chosen!r} is empty") from None
        records = []
        for lineno, values in enumerate(rows, start=2):
            if not any(v is not None and str(v).strip() for v in values):
                continue
            records.append((lineno, {h: values[i] if i < len(values) else None for i, h in enumerate(header) if h}))
        return header, records, chosen
    finally:
        wb.close()


def _read_json(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, Any]]], str | None]:
    """The JSON import shape: {"format": "tflib-submission/1", "kind": "progress"|"indicators",
    "country": "CRI" (optional default for rows), "rows": [{column: value, ...}, ...]}.
    Row numbers are 1-based positions in `rows`."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UnreadableFile("encoding", "the file is not UTF-8; JSON must be UTF-8") from None
    except json.JSONDecodeError as exc:
        raise UnreadableFile("format", f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list):
        raise UnreadableFile("format", f'expected an object with "format": "{JSON_FORMAT}" and a "rows" list')
    if doc.get("format") != JSON_FORMAT:
        raise UnreadableFile("format", f'"format" must be "{JSON_FORMAT}", not {doc.get("format")!r}')
    kind = doc.get("kind")
    if kind not in (None, *KIND_COLUMNS):
        raise UnreadableFile("format", f'"kind" must be one of {", ".join(KIND_COLUMNS)}, not {kind!r}')
    if not doc["rows"]:
        raise UnreadableFile("empty_file", "the file has no rows")
    default_country = doc.get("country")
    header: list[str] = []
    records = []
    for n, row in enumerate(doc["rows"], start=1):
        if not isinstance(row, dict):
            row = {"__extra__": [row]}
        record = {_normalise_header(k): v for k, v in row.items() if k != "__extra__"}
        if "__extra__" in row:
            record["__extra__"] = row["__extra__"]
        if default_country and _blank(record.get("country")):
            record["country"] = default_country
        for key in record:
            if key not in header and key != "__extra__":
                header.append(key)
        records.append((n, record))
    return header, records, kind


# ---------------------------------------------------------------------------------------------
# Cell parsers: each returns a value or raises ValueError with a message for the user


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = _text(value).replace(" ", "")
        # Accept a decimal comma ("12,5") as Spanish and French users type it.
        if re.fullmatch(r"-?\d+,\d+", text):
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{_text(value)!r} is not a number") from None
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{_text(value)!r} is not a finite number")
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in {"true", "1", "yes", "y", "sí", "si", "oui", "x"}:
        return True
    if text in {"false", "0", "no", "n", "non", ""}:
        return False
    raise ValueError(f"{_text(value)!r} is not true/false")


# ---------------------------------------------------------------------------------------------
# Row validation


class _Checker:
    """Applies the row rules of one file; collects problems per row."""

    def __init__(self, file: str, params: RegionParams, items: dict[str, str]):
        self.file = file
        self.params = params
        self.items = items
        self.members = set(params.region.member_codes)
        self.as_of = params.as_of
        self.crossings = {c.id: c for c in params.region.border_crossings}

    def _problem(self, row: int, column: str, rule: str, message: str) -> Problem:
        return Problem(self.file, row, column, rule, message)

    def _field(self, row: int, record: dict, column: str, problems: list, parse=_text, required=True):
        value = record.get(column)
        if _blank(value):
            if required:
                problems.append(self._problem(row, column, "required", "a value is required"))
            return None
        try:
            return parse(value)
        except ValueError as exc:
            rule = {"_date": "bad_date", "_number": "not_a_number", "_bool": "bad_boolean"}.get(
                getattr(parse, "__name__", ""), "bad_value"
            )
            problems.append(self._problem(row, column, rule, str(exc)))
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
        item = self._field(row, record, "item_id", problems)
        if item is not None:
            owner = self.items.get(item)
            if owner is None:
                problems.append(self._problem(row, "item_id", "unknown_item", f"{item!r} is not an action item of this region's plan"))
            elif country is not None and owner != country:
                problems.append(self._problem(row, "item_id", "item_country_mismatch", f"{item!r} belongs to {owner}, not {country}"))
        reported = self._field(row, record, "reported_on", problems, _date)
        self._not_future(row, "reported_on", reported, problems)
        status = None
        raw_status = record.get("status")
        if _blank(raw_status):
            problems.append(self._problem(row, "status", "required", "a value is required"))
        else:
            try:
                status = parse_status(_text(raw_status))
            except ValueError as exc:
                problems.append(self._problem(row, "status", "status_scale", str(exc)))
        pct = self._field(row, record, "pct_complete", problems, _number)
        if pct is not None and not 0 <= pct <= 100:
            problems.append(self._problem(row, "pct_complete", "pct_range", f"{pct:g} is outside 0-100"))
            pct = None
        if status is not None and pct is not None:
            if status == "full" and pct != 100:
                problems.append(self._problem(row, "pct_complete", "status_pct", f"status 'full' needs 100% complete, not {pct:g}"))
            if status in ("pilot", "partial") and pct == 100:
                problems.append(self._problem(row, "pct_complete", "status_pct", f"100% complete needs status 'full', not {status!r}"))
            if status == "not_started" and pct != 0:
                problems.append(self._problem(row, "pct_complete", "status_pct", f"status 'not_started' needs 0% complete, not {pct:g}"))
        note = self._field(row, record, "note", problems, required=False)
        illustrative = self._field(row, record, "illustrative", problems, _bool, required=False) or False
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

    def indicator(self, row: int, record: dict) -> tuple[dict | None, list[Problem]]:
        problems: list[Problem] = []
        country = self._country(row, record, problems)
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
        value = self._field(row, record, "value", problems, _number)
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
        illustrative = self._field(row, record, "illustrative", problems, _bool, required=False) or False
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


# ---------------------------------------------------------------------------------------------
# One file


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _detect_kind(header: Sequence[str]) -> tuple[str | None, list[str]]:
    """The submission kind the header fits, or the columns missing for the closest kind."""
    best, best_missing = None, None
    for kind, required in KIND_COLUMNS.items():
        missing = [c for c in required if c not in header]
        if not missing:
            return kind, []
        if best_missing is None or len(missing) < len(best_missing):
            best, best_missing = kind, missing
    return None, best_missing or []


def ingest_file(path: str | Path, store: Store, project: Project | str | Path | None = None) -> IngestResult:
    """Ingest one submission file into `store`. Never raises for bad content: see the result."""
    proj = resolve(project)
    path = Path(path)
    name = path.name
    data = path.read_bytes()
    sha = _sha256(data)
    result = IngestResult(file=name, sha256=sha)

    seen = store.submission_seen(sha)
    if seen is not None:
        result.outcome = "already_ingested"
        result.problems.append(
            Problem(name, None, None, "already_ingested", f"identical to {seen['file_name']} ingested at {seen['received_at']:%Y-%m-%d %H:%M}; nothing added")
        )
        return result

    # Archive first: whatever happens next, the raw file is kept.
    region = store.params.id
    archive = proj.archive_dir / region / f"{sha}{path.suffix.lower()}"
    archive.parent.mkdir(parents=True, exist_ok=True)
    if not archive.exists():
        shutil.copyfile(path, archive)
    result.archive_path = str(archive.relative_to(proj.root)) if archive.is_relative_to(proj.root) else str(archive)

    try:
        suffix = path.suffix.lower()
        declared_kind = None
        if suffix == ".csv":
            header, records = _read_csv(data)
        elif suffix == ".xlsx":
            header, records, _sheet = _read_xlsx(data)
            declared_kind = _sheet_kind(_sheet)
        elif suffix == ".json":
            header, records, declared_kind = _read_json(data)
        else:
            raise UnreadableFile("format", f"unsupported file type {suffix or '(none)'}; send {' or '.join(SUPPORTED_SUFFIXES)}")
    except UnreadableFile as exc:
        result.outcome = "unreadable"
        result.problems.append(Problem(name, None, None, exc.rule, exc.message))
        _feedback(result, store.params, proj, [], [])
        store.log_submission(_log_entry(result, illustrative=False))
        return result

    kind, missing = _detect_kind(header)
    if kind is None and declared_kind is not None:
        missing = [c for c in KIND_COLUMNS[declared_kind] if c not in header]
    if kind == "progress":
        # Template rows come pre-filled with country and item: unfilled ones are not data.
        filled = [(n, r) for n, r in records if not all(_blank(r.get(c)) for c in ("reported_on", "status", "pct_complete", "note"))]
        result.skipped_blank = len(records) - len(filled)
        records = filled
    result.rows_in = len(records)
    result.kind = kind
    accepted: list[dict] = []
    rejected: list[tuple[int, dict, list[Problem]]] = []
    if kind is None:
        for row, record in records:
            rejected.append(
                (row, record, [Problem(name, row, c, "missing_column", f"the file has no {c!r} column") for c in missing])
            )
        if not records:
            result.problems.extend(Problem(name, 1, c, "missing_column", f"the file has no {c!r} column") for c in missing)
    else:
        checker = _Checker(name, store.params, store.item_countries() if kind == "progress" else {})
        check = checker.progress if kind == "progress" else checker.indicator
        first_row: dict[tuple, int] = {}
        for row, record in records:
            if "__extra__" in record:
                rejected.append((row, record, [Problem(name, row, None, "extra_values", "the row has more values than the header has columns")]))
                continue
            clean, problems = check(row, record)
            problems = [replace(p, value=None if _blank(record.get(p.column)) else _text(record.get(p.column))) for p in problems]
            if clean is not None:
                key = _duplicate_key(kind, clean)
                if key in first_row:
                    problems = [Problem(name, row, None, "duplicate", f"same {'item and date' if kind == 'progress' else 'indicator and period'} as row {first_row[key]}")]
                    clean = None
                else:
                    first_row[key] = row
            if clean is None:
                rejected.append((row, record, problems))
            else:
                accepted.append(clean)

    for _, _, problems in rejected:
        result.problems.extend(problems)
    result.accepted = len(accepted)
    result.quarantined = len(rejected)
    result.countries = sorted({r["country"] for r in accepted} | {_text(rec.get("country")).upper() for _, rec, _ in rejected if not _blank(rec.get("country"))})
    illustrative = bool(accepted) and all(r["illustrative"] for r in accepted)

    if rejected:
        qpath = proj.quarantine_dir / region / f"{path.stem}-{sha[:12]}.csv"
        _write_quarantine(qpath, header, rejected)
        result.quarantine_path = str(qpath.relative_to(proj.root)) if qpath.is_relative_to(proj.root) else str(qpath)
    result.outcome = "accepted" if not rejected else ("partial" if accepted else "rejected")
    _feedback(result, store.params, proj, [r["country"] for r in accepted], rejected)

    with store._transaction():
        if accepted:
            extra = {"submission_id": sha, "source_file": name}
            if kind == "progress":
                frame = pl.DataFrame(accepted, schema=PROGRESS_SCHEMA).with_columns(
                    **{k: pl.lit(v) for k, v in extra.items()}
                )
                result.inserted = store.add_progress(frame)
            else:
                frame = pl.DataFrame(accepted, schema=INDICATOR_SCHEMA).with_columns(
                    **{k: pl.lit(v) for k, v in extra.items()}
                )
                result.inserted = store.add_observations(frame)
        store.log_submission(_log_entry(result, illustrative=illustrative))
    return result


def _feedback(result: IngestResult, params: RegionParams, proj: Project, accepted_countries: list[str], rejected: list) -> None:

    folder = proj.feedback_dir / params.id
    paths = write_feedback(result, params, folder, accepted_countries, rejected, dt.date.today())
    result.feedback_paths = [str(p.relative_to(proj.root)) if p.is_relative_to(proj.root) else str(p) for p in paths]


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
        "quarantine_path": result.quarantine_path,
        "illustrative": illustrative,
    }


def _write_quarantine(path: Path, header: Sequence[str], rejected: Iterable[tuple[int, dict, list[Problem]]]) -> None:
    """The rejected rows as submitted, with the row number and every reason, ready to fix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [h for h in header if h]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", *columns, "problems"])
        for row, record, problems in rejected:
            values = ["" if record.get(c) is None else str(record.get(c)) for c in columns]
            reasons = "; ".join(f"{p.column or '-'}: {p.rule}: {p.message}" for p in problems)
            writer.writerow([row, *values, reasons])


# ---------------------------------------------------------------------------------------------
# Many files


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files and folders (searched recursively for supported files), in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES))
        else:
            out.append(p)
    return out


def ingest(
    paths: Iterable[str | Path],
    region: str | RegionParams,
    project: Project | str | Path | None = None,
) -> list[IngestResult]:
    """Ingest files (or folders of files) into the region's store."""
    proj = resolve(project)
    results = []
    with Store.create(region, proj) as store:
        for path in expand(paths):
            if not path.exists():
                results.append(IngestResult(file=str(path), sha256="", outcome="unreadable", problems=[Problem(str(path), None, None, "not_found", "no such file")]))
                continue
            results.append(ingest_file(path, store, proj))
    return results
