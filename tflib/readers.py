"""Reading submitted files into tables of (row number, {column: cell}) records.

A file is read whole or refused whole (`UnreadableFile`, with the rule and a message that says
how to fix it); nothing in between is guessed. CSV and other delimited text: UTF-8 (with or
without BOM) or UTF-16 with a BOM; the delimiter (comma, semicolon, tab, bar) is the one that
makes the header row a template header; a quote left open is refused at its line. Workbooks
(.xlsx, .xlsm): every sheet named as a submission kind is read; the template's reference
sheets are skipped; any other sheet holding data is reported, never silently ignored; cell
formats are kept where they carry meaning (a percentage format, a formula with no computed
value, a hidden row, a merged range). JSON: the documented ``tflib-submission/1`` shape,
which may declare the sender's number and date conventions.

Row numbers are those a spreadsheet shows (the header is row 1 unless title rows precede it).
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cells import Conventions, FormulaCell, PercentCell, blank, declared
from .i18n import N_, available_languages, gettext

PROGRESS_COLUMNS = ("country", "item_id", "reported_on", "status", "pct_complete")
PROGRESS_OPTIONAL = ("note", "illustrative")
INDICATOR_COLUMNS = ("country", "indicator", "period", "value")
INDICATOR_OPTIONAL = ("statistic", "crossing", "direction", "unit", "source", "illustrative")
KIND_COLUMNS = {"progress": PROGRESS_COLUMNS, "indicators": INDICATOR_COLUMNS}
KIND_OPTIONAL = {"progress": PROGRESS_OPTIONAL, "indicators": INDICATOR_OPTIONAL}
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
# The template's own reference sheets: read by people, not data.
TEMPLATE_SHEETS = {"items": N_("Action items"), "instructions": N_("Instructions")}
JSON_FORMAT = "tflib-submission/1"
DELIMITED_SUFFIXES = (".csv", ".tsv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SUPPORTED_SUFFIXES = (*DELIMITED_SUFFIXES, *WORKBOOK_SUFFIXES, ".json")
# The header may follow a few title rows; further down it is not looked for.
HEADER_SEARCH_ROWS = 10
_DELIMITERS = (",", ";", "\t", "|")


class UnreadableFile(Exception):
    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass
class TextRows:
    """The data rows of a delimited text table, column by column (every cell is text or,
    where a row is short, None), so that a million rows can be checked a column at a time:
    `rows` are the row numbers, `columns` the cells under each named heading, `spill` (by
    position) the non-blank values a row has with no heading."""

    rows: list[int]
    columns: dict[str, list[str | None]]
    spill: dict[int, list[str]]

    def __len__(self) -> int:
        return len(self.rows)

    def record(self, at: int) -> tuple[int, dict[str, Any]]:
        """The row at position `at` as (row number, {column: cell}), as `Table.records` has it."""
        record: dict[str, Any] = {name: cells[at] for name, cells in self.columns.items()}
        if at in self.spill:
            record["__extra__"] = self.spill[at]
        return self.rows[at], record

    def records(self) -> list[tuple[int, dict[str, Any]]]:
        return [self.record(at) for at in range(len(self.rows))]


@dataclass
class Table:
    """One table of a file: a CSV, or one sheet of a workbook."""

    sheet: str | None
    header: list[str]  # normalised column ids ('' for an empty heading)
    headings: list[str]  # as written
    records: list[tuple[int, dict[str, Any]]]  # empty where `text` holds the rows
    kind_hint: str | None = None  # the kind a sheet name or JSON document declares
    conventions: Conventions = field(default_factory=Conventions)
    header_row: int = 1
    found_header: bool = True
    unread: bool = False  # a sheet holding data the tool cannot place: reported, not read
    hint: str | None = None  # why the header may not have been found
    text: TextRows | None = None  # delimited text: the rows by column, in place of `records`

    def all_records(self) -> list[tuple[int, dict[str, Any]]]:
        """Every data row as (row number, {column: cell}); "__extra__" lists the non-blank
        values with no heading."""
        return self.records if self.text is None else self.text.records()


# ---------------------------------------------------------------------------------------------
# Headings


def fold(text: Any) -> str:
    """Lower case, accents stripped, runs of other characters as one underscore."""
    plain = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


_ALIASES: dict[str, str] | None = None


def _aliases() -> dict[str, str]:
    global _ALIASES
    if _ALIASES is None:
        table = {}
        for column, label in COLUMN_LABELS.items():
            table[fold(column)] = column
            for lang in available_languages():
                table.setdefault(fold(gettext(label, lang)), column)
        _ALIASES = table
    return _ALIASES


def normalise_header(name: Any) -> str:
    folded = fold(name)
    return _aliases().get(folded, folded)


def _labelled(title: str, labels: dict[str, str]) -> str | None:
    folded = fold(title)
    for key, label in labels.items():
        if folded == fold(key) or any(folded == fold(gettext(label, lang)[:31]) for lang in available_languages()):
            return key
    return None


def sheet_kind(title: str) -> str | None:
    return _labelled(title, SHEET_LABELS)


def _fits(header: list[str]) -> bool:
    return any(all(c in header for c in cols) for cols in KIND_COLUMNS.values())


def _locate_header(rows: list[list[Any]]) -> int | None:
    """Index of the first row (among the first few) that is a template header; failing that,
    of the first row naming at least two template columns (a header missing a column)."""
    known = set(COLUMN_LABELS)
    partial = None
    for i, values in enumerate(rows[:HEADER_SEARCH_ROWS]):
        header = [normalise_header(v) for v in values]
        if _fits(header):
            return i
        if partial is None and len(known.intersection(header)) >= 2:
            partial = i
    return partial


def _duplicate_headings(header: list[str], headings: list[str], where: str) -> None:
    seen: dict[str, int] = {}
    for i, column in enumerate(header):
        if not column:
            continue
        if column in seen:
            raise UnreadableFile(
                "duplicate_column",
                f"{where}columns {_letter(seen[column])} ({headings[seen[column]]!r}) and {_letter(i)} ({headings[i]!r}) are both {column!r}; keep one",
            )
        seen[column] = i


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _table(sheet: str | None, rows: list[tuple[int, list[Any]]], kind_hint: str | None, extra: dict | None = None, text: bool = False) -> Table:
    """Header located, records keyed by column (by column in `Table.text` for delimited
    `text`); title rows above the header are not data."""
    at = _locate_header([values for _, values in rows])
    found = at is not None
    if found:
        header_row, heading_values = rows[at]
        headings = ["" if v is None else str(v).strip() for v in heading_values]
        body = rows[at + 1 :]
    else:
        # No header: every row is data, kept under its column letters for the quarantine.
        header_row = rows[0][0] if rows else 1
        headings = [_letter(i) for i in range(max((len(v) for _, v in rows), default=0))]
        body = rows
    header = [normalise_header(h) for h in headings] if found else [h.lower() for h in headings]
    _duplicate_headings(header, headings, f"sheet {sheet!r}: " if sheet else "")
    if text:
        return Table(sheet, header, headings, [], kind_hint, header_row=header_row, found_header=found, text=_text_rows(header, body))
    records = []
    for lineno, values in body:
        if not any(not blank(v) for v in values):
            continue  # empty lines carry no data
        record = {h: (values[i] if i < len(values) else None) for i, h in enumerate(header) if h}
        spill = [v for i, v in enumerate(values) if (i >= len(header) or not header[i]) and not blank(v)]
        if spill:
            record["__extra__"] = spill
        if extra and lineno in extra:
            record.update(extra[lineno])
        records.append((lineno, record))
    return Table(sheet, header, headings, records, kind_hint, header_row=header_row, found_header=found)


def _text_rows(header: list[str], body: list[tuple[int, list[str]]]) -> TextRows:
    """The body rows of a delimited table by column, as `_table` would key them: empty lines
    left out, values with no heading (or beyond the header) kept in `spill`."""
    width = len(header)
    lines = [n for n, _ in body]
    values = [v for _, v in body]
    beyond: dict[int, list[str]] = {}
    if any(len(v) != width for v in values):
        for j, v in enumerate(values):
            if len(v) > width:
                extra = [x for x in v[width:] if not blank(x)]
                if extra:
                    beyond[j] = extra
                values[j] = v[:width]
            elif len(v) < width:
                values[j] = v + [None] * (width - len(v))
    columns = [list(c) for c in zip(*values)] if values else [[] for _ in range(width)]
    del values
    spill: dict[int, list[str]] = {}
    for i, name in enumerate(header):
        if not name:
            for j, x in enumerate(columns[i]):
                if not blank(x):
                    spill.setdefault(j, []).append(x)
    for j, extra in beyond.items():
        spill.setdefault(j, []).extend(extra)
    named = {name: columns[i] for i, name in enumerate(header) if name}
    # Empty lines carry no data: every cell blank (judged by `blank`, once per distinct value).
    blanks = [{v for v in set(cells) if blank(v)} for cells in named.values()]
    if lines and named and all(blanks):
        empty = [all(flags) for flags in zip(*(map(b.__contains__, cells) for b, cells in zip(blanks, named.values())))]
        keep = [j for j, e in enumerate(empty) if not e or j in spill]
        if len(keep) < len(lines):
            lines = [lines[j] for j in keep]
            named = {name: [cells[j] for j in keep] for name, cells in named.items()}
            spill = {new: spill[j] for new, j in enumerate(keep) if j in spill}
    return TextRows(lines, named, spill)


# ---------------------------------------------------------------------------------------------
# Delimited text


def _decode(data: bytes) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableFile("encoding", f"the file starts as {encoding.upper()} but byte {exc.start} cannot be read; save it as 'CSV UTF-8' and submit again") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if b"\x00" in data[:4096]:
            raise UnreadableFile("format", "the file holds binary data, not text; send the XLSX template, a CSV file or the documented JSON") from None
        raise UnreadableFile(
            "encoding",
            f"the file is not UTF-8 (byte {exc.start} cannot be read{_guess_encoding(data)}); save it as 'CSV UTF-8' and submit again",
        ) from None


def _guess_encoding(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    return f"; it looks like {best.encoding}" if best is not None else ""


def _parse_delimited(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Rows with the line each starts on; a quote left open is an error at its line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        if '"' not in text:  # no quote: no cell spans lines, so row n starts on line n
            return list(enumerate(reader, start=1))
        for values in reader:
            rows.append((start, values))
            start = reader.line_num + 1
    except csv.Error as exc:
        start = start if '"' in text else reader.line_num
        raise UnreadableFile(
            "csv_quote",
            f"line {start}: a quote (\") opened in this row is not closed properly ({exc}); "
            "close the quote, or remove it, and submit again",
        ) from None
    return rows


def read_delimited(data: bytes, max_cell: int) -> list[Table]:
    text = _decode(data)
    if not text.strip():
        raise UnreadableFile("empty_file", "the file is empty")
    if "\x00" in text:
        raise UnreadableFile("format", "the file holds NUL characters (binary data), not text; send the XLSX template, a CSV file or the documented JSON")
    csv.field_size_limit(max(max_cell, 131072))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    best = None
    for delimiter in _DELIMITERS:
        if delimiter not in first_line and delimiter != ",":
            continue
        try:
            head = _parse_delimited("\n".join(text.splitlines()[:HEADER_SEARCH_ROWS]), delimiter)
        except UnreadableFile:
            continue
        if _locate_header([v for _, v in head]) is not None:
            best = delimiter
            break
    if best is None:
        # No delimiter gives a template header: read as commas, so the message names the columns.
        best = ","
    rows = _parse_delimited(text, best)
    table = _table(None, rows, None, text=True)
    if not table.found_header:
        counts = {d: first_line.count(d) for d in _DELIMITERS}
        likely = max(counts, key=counts.get)
        if likely != "," and counts[likely] > first_line.count(","):
            shown = {"\t": "tab", ";": "semicolon", "|": "bar"}[likely]
            table.hint = f"the first line is split by {shown}s, but its headings are not the template's"
    return [table]


# ---------------------------------------------------------------------------------------------
# Workbooks


def read_workbook(data: bytes, max_bytes: int) -> list[Table]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile:
        raise UnreadableFile("format", _not_a_workbook(data)) from None
    if unpacked > 8 * max_bytes:  # a zip bomb, or a workbook far beyond the limit
        raise UnreadableFile("too_large", f"the workbook unpacks to {unpacked:,} bytes, more than {8 * max_bytes:,}")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise UnreadableFile("format", f"not a readable XLSX workbook ({type(exc).__name__}); save it again from Excel as .xlsx") from None
    try:
        tables = []
        unread = []
        sheets = wb.worksheets
        for ws in sheets:
            kind = sheet_kind(ws.title)
            if kind is None and _labelled(ws.title, TEMPLATE_SHEETS):
                continue
            rows, extra = _sheet_rows(data, wb, ws)
            if kind is None and len(sheets) > 1:
                table = _table(ws.title, rows, None, extra) if rows else None
                if table is not None and table.found_header:
                    tables.append(table)  # a renamed sheet with the template's header is data
                elif any(any(not blank(v) for v in values) for _, values in rows):
                    unread.append(ws.title)
                continue
            if not rows:
                if len(sheets) == 1:
                    raise UnreadableFile("empty_file", f"sheet {ws.title!r} is empty")
                continue
            tables.append(_table(ws.title, rows, kind, extra))
        if unread and not tables:
            wanted = ", ".join(sorted({gettext(lbl, lang) for lbl in SHEET_LABELS.values() for lang in available_languages()}))
            raise UnreadableFile("wrong_sheet", f"no sheet named {wanted}, and no sheet with the template's columns; sheets found: {', '.join(ws.title for ws in sheets)}")
        if not tables:
            raise UnreadableFile("empty_file", "the workbook holds no data")
        for title in unread:
            # Reported on the file, with its rows kept out: data the tool cannot place is never dropped unseen.
            tables.append(Table(title, [], [], [], None, found_header=False, unread=True))
        return tables
    finally:
        wb.close()


def _not_a_workbook(data: bytes) -> str:
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "an Excel 97-2003 (.xls) file; save it as .xlsx (Excel Workbook) and submit again"
    return "not a readable XLSX workbook (not a zip archive); save it again from Excel as .xlsx"


_ROW_HIDDEN = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"|<row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')
_CELL_START = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>')
_STYLED_CELL = rb'<c r="([A-Z]+)(\d+)" s="(%s)"(?: t="n")?>'
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)


def _column_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1


def _sheet_rows(data: bytes, wb, ws) -> tuple[list[tuple[int, list[Any]]], dict[int, dict]]:
    """Cell values of a sheet by row (read by calamine, which is fast), with what a value
    alone does not say marked from the sheet's XML: cells formatted as percentages, formulas
    with no computed value, hidden rows and merged ranges."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(ws.title)
    # From A1, so that list positions are the sheet's rows and columns.
    rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
    for values in rows:  # in place: a sheet may hold a million rows
        for i, v in enumerate(values):
            if v == "":
                values[i] = None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(ws._worksheet_path.lstrip("/"))

    def put(row: int, col: int, value: Any) -> None:
        while len(rows) < row:
            rows.append([])
        cells = rows[row - 1]
        cells.extend([None] * (col + 1 - len(cells)))
        cells[col] = value

    percent_styles = []
    for style_id, style in enumerate(wb._cell_styles):
        code = BUILTIN_FORMATS.get(style.numFmtId) or (
            wb._number_formats[style.numFmtId - 164] if 164 <= style.numFmtId < 164 + len(wb._number_formats) else ""
        )
        if "%" in re.sub(r'"[^"]*"|\\.', "", code or ""):
            percent_styles.append(str(style_id).encode())
    if percent_styles:
        pattern = re.compile(_STYLED_CELL % b"|".join(percent_styles))
        for match in pattern.finditer(xml):
            row, col = int(match[2]), _column_index(match[1])
            value = rows[row - 1][col] if row <= len(rows) and col < len(rows[row - 1]) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                put(row, col, PercentCell(float(value)))
    for match in _FORMULA.finditer(xml):
        start = xml.rfind(b"<c ", 0, match.start())
        end = xml.find(b"</c>", match.end())
        cell = _CELL_START.match(xml, start)
        if cell is None:
            continue
        if re.search(rb"<v>[^<]", xml[match.end() : end if end >= 0 else None]) is None:
            formula = match[1].decode("utf-8", "replace") if match[1] else ""
            put(int(cell[2]), _column_index(cell[1]), FormulaCell("=" + html.unescape(formula)))
    extra: dict[int, dict] = {}
    for match in _ROW_HIDDEN.finditer(xml):
        extra.setdefault(int(match[1] or match[2]), {})["__hidden__"] = True
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
        ref = f"{_letter(c0)}{r0 + 1}:{_letter(c1)}{r1 + 1}"
        for r in range(r0 + 2, r1 + 2):
            extra.setdefault(r, {}).setdefault("__merged__", []).append(ref)
    return [(n, values) for n, values in enumerate(rows, start=1)], extra


# ---------------------------------------------------------------------------------------------
# JSON


def read_json(data: bytes) -> list[Table]:
    """The JSON import shape: {"format": "tflib-submission/1", "kind": "progress"|"indicators",
    "country": "<ISO3>" (optional default for rows), "number_locale", "date_order",
    "percent_scale" (optional declarations), "rows": [{column: value, ...}, ...]}.
    Row numbers are 1-based positions in `rows`."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UnreadableFile("encoding", "the file is not UTF-8; JSON must be UTF-8") from None
    except json.JSONDecodeError as exc:
        raise UnreadableFile("format", f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise UnreadableFile("format", "the JSON is nested too deeply") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list):
        raise UnreadableFile("format", f'expected an object with "format": "{JSON_FORMAT}" and a "rows" list')
    if doc.get("format") != JSON_FORMAT:
        raise UnreadableFile("format", f'"format" must be "{JSON_FORMAT}", not {doc.get("format")!r}')
    kind = doc.get("kind")
    if kind not in (None, *KIND_COLUMNS):
        raise UnreadableFile("format", f'"kind" must be one of {", ".join(KIND_COLUMNS)}, not {kind!r}')
    if not doc["rows"]:
        raise UnreadableFile("empty_file", "the file has no rows")
    try:
        conventions = declared(
            "the submission", **{k: doc.get(k) for k in ("number_locale", "date_order", "percent_scale")}
        )
    except ValueError as exc:
        raise UnreadableFile("format", str(exc)) from None
    default_country = doc.get("country")
    header: list[str] = []
    records = []
    for n, row in enumerate(doc["rows"], start=1):
        if not isinstance(row, dict):
            records.append((n, {"__extra__": [row]}))
            continue
        record: dict[str, Any] = {}
        for key, value in row.items():
            column = normalise_header(key)
            if isinstance(value, (dict, list)):
                record.setdefault("__nested__", []).append(column)
                if column not in header:
                    header.append(column)
                continue
            if column in record:
                raise UnreadableFile("duplicate_column", f"row {n}: keys of the same column: {key!r} and another spelling of {column!r}; keep one")
            record[column] = value
        if default_country and blank(record.get("country")):
            record["country"] = default_country
        for key in record:
            if key not in header and not key.startswith("__"):
                header.append(key)
        records.append((n, record))
    return [Table(None, header, list(header), records, kind, conventions=conventions, header_row=0)]


def read(path: Path, data: bytes, max_bytes: int) -> list[Table]:
    suffix = path.suffix.lower()
    if suffix in DELIMITED_SUFFIXES:
        return read_delimited(data, max_bytes)
    if suffix in WORKBOOK_SUFFIXES:
        return read_workbook(data, max_bytes)
    if suffix == ".json":
        return read_json(data)
    if suffix in (".xls", ".xlsb", ".ods", ".numbers"):
        raise UnreadableFile("format", f"{suffix} files cannot be read; save the file as .xlsx (Excel Workbook) or CSV UTF-8 and submit again")
    raise UnreadableFile("format", f"unsupported file type {suffix or '(none)'}; send {', '.join(SUPPORTED_SUFFIXES)}")
