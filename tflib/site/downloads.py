"""Downloads: the release tables of every page, and the bulk export of a release.

A page's downloads are its release tables (`tflib.tables.Table`), exactly as the page's
charts and tables show them, with their metadata:

- per table: ``<name>.csv`` (each decimal at its declared precision, no float noise) and,
  in the page's archives, ``<name>.dta`` (Stata 14+, format 118);
- per page: ``data.xlsx`` (one sheet per table, a codebook and notes), ``data-csv.zip``,
  ``data-stata.zip`` and ``codebook.csv`` / ``codebook.md``;
- per chart: the CSV of the table it draws (its SVG and PNG are made in the reader's browser,
  from the drawn chart, by the Vega runtime the site ships).

The bulk export writes the region's release tables (the same ones the pages were built from)
as tidy CSV files, a codebook and a README, and one ZIP of them all. Confidential values
never reach a release table, so they never reach a download.

Missing values stay missing in every format: an empty CSV cell, an empty Excel cell, a Stata
missing value. They are never written as 0.

No text opens as a formula: every CSV and Excel text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading ``'`` (`tflib.safety.neutralise_cell`),
and Excel text is always a string cell. Numbers, dates and true/false cells are never
altered (-5 stays the number -5). Stata files keep the text as it is: Stata never evaluates it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import struct
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ..codebook import describe
from ..i18n import N_, gettext, t
from ..inputs import ReleaseTables
from ..page import CAVEATS
from ..params import RegionParams
from ..safety import is_text, neutralise_cell
from ..tables import Table, cell_text
from .model import PageRecord

if TYPE_CHECKING:
    from .report import Output

# Stata's limits (format 118): names of 32 characters, str# of 2045 bytes, labels of 80.
STATA_NAME_MAX = 32
STATA_STR_MAX = 2045
STATA_LABEL_MAX = 80
EXCEL_CELL_MAX = 32767
# A fixed time stamp keeps equal downloads equal files (Stata header, workbook properties).
DEFAULT_STAMP = dt.date(2000, 1, 1)

PAGE_LABELS = {
    "xlsx": N_("Data (Excel)"),
    "csv": N_("Data (CSV, ZIP)"),
    "dta": N_("Data (Stata, ZIP)"),
    "codebook": N_("Codebook"),
    "codebook_md": N_("Codebook (Markdown)"),
}

TYPE_LABELS = {
    "integer": N_("integer"),
    "number": N_("number"),
    "money": N_("amount (exact decimal)"),
    "text": N_("text"),
    "date": N_("date"),
    "datetime": N_("date and time"),
    "boolean": N_("true/false"),
}

NOTES = {
    "missing": N_("Empty cells are missing values (no data), never zero."),
    "precision": N_("Decimals are written as published: each column has a stated number of decimals (see the codebook)."),
    "stata": N_("In the Stata files true/false columns are 1 (true) and 0 (false), dates are Stata dates, and missing text is an empty string."),
    "table": N_("Table {name}: {title}"),
}


def caveat(kind: str, lang: str) -> str:
    """A caveat of `tflib.page.CAVEATS` in `lang`."""
    return t(CAVEATS[kind], lang)


def note(kind: str, lang: str, **values: object) -> str:
    return t(NOTES[kind], lang, **values)


# ---------------------------------------------------------------------------------------------
# Writers


def csv_cells(table: Table) -> list[list[str | None]]:
    """The CSV cells of a release table, row by row: each as `Table.text_frame` shows it
    (decimals at their precision), the cells of its text columns neutralised (the table's
    own types say which: numbers are never altered)."""
    frame = table.frame
    kinds = [(c, "decimal" if d.is_float() else "text" if is_text(d) else "other") for c, d in frame.schema.items()]
    rows = []
    for row in frame.iter_rows(named=True):
        cells: list[str | None] = []
        for column, kind in kinds:
            value = row[column]
            if kind == "decimal":
                cells.append(table.decimal_text(column, value, row))
            else:
                text = cell_text(value)
                cells.append(neutralise_cell(text) if kind == "text" and text is not None else text)
        rows.append(cells)
    return rows


def _csv_field(value: str | None) -> str:
    """A CSV field: missing is an empty field, an empty text is "" (so the two stay apart),
    quoted only where a comma, quote or line break needs it."""
    if value is None:
        return ""
    if value == "":
        return '""'
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_text(columns: list[str], rows: list[list[str | None]]) -> str:
    """UTF-8 CSV text: a header row, then the rows; "\n" ends every line."""
    lines = [",".join(map(_csv_field, columns))]
    lines += [",".join(map(_csv_field, row)) for row in rows]
    return "\n".join(lines) + "\n"


def write_csv(table: Table, path: Path) -> None:
    """UTF-8 CSV of a release table: every decimal at its precision ("2.6", "3.34"), money
    exact, dates ISO 8601 (2026-09-30), lists joined by "; ", missing values empty cells, no
    text cell read as a formula."""
    Path(path).write_text(csv_text(table.frame.columns, csv_cells(table)), encoding="utf-8", newline="")


def write_frame_csv(frame: pl.DataFrame, path: Path) -> None:
    """UTF-8 CSV of a frame of text and whole numbers (codebooks); text cells neutralised."""
    other = [c for c, d in frame.schema.items() if d != pl.String and not d.is_integer()]
    if other:
        raise TypeError(f"columns {other} are neither text nor whole numbers")
    text = [d == pl.String for d in frame.dtypes]
    rows = [[None if v is None else neutralise_cell(v) if is_str else str(v) for v, is_str in zip(row, text)] for row in frame.iter_rows()]
    Path(path).write_text(csv_text(frame.columns, rows), encoding="utf-8", newline="")


# Characters no Excel cell may hold (openpyxl's ILLEGAL_CHARACTERS_RE).
EXCEL_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# The number formats of date cells: the one a spreadsheet writer gives a bound value, and ours.
_BOUND_FORMATS = {dt.date: "yyyy-mm-dd", dt.datetime: "yyyy-mm-dd h:mm:ss"}
SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _excel_value(value: Any) -> Any:
    if isinstance(value, str):
        # Characters Excel refuses go first, so none can hide a formula behind it.
        return neutralise_cell(EXCEL_ILLEGAL.sub("", value))[:EXCEL_CELL_MAX]
    if isinstance(value, (list, tuple)):
        return _excel_value(cell_text(list(value)))
    if isinstance(value, Decimal):
        return float(value)
    return value


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")


def _column_letter(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _excel_serial(value: dt.date) -> float:
    """Excel's day number of a date or time (1900 date system)."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    days = (moment - _EXCEL_EPOCH).days
    if 0 < days <= 60:
        days -= 1  # Excel's 29 February 1900
    return days + (moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 10**6) / 86400


def _number(value: float) -> str:
    return "%.16g" % value


class _Workbook:
    """The styles a workbook's cells use (in the order they are first used), as SpreadsheetML."""

    def __init__(self) -> None:
        self.formats: list[str] = []  # custom number formats (ids from 164)
        self.xfs: list[tuple[int, int]] = [(0, 0)]  # (number format id, font id): 0 plain, 1 bold

    def format_id(self, code: str) -> int:
        if code not in self.formats:
            self.formats.append(code)
        return 164 + self.formats.index(code)

    def xf(self, style: tuple[int, int]) -> int:
        if style not in self.xfs:
            self.xfs.append(style)
        return self.xfs.index(style)


def _sheet_xml(book: _Workbook, frame: pl.DataFrame) -> str:
    """One worksheet: a bold header row, frozen; then a row per frame row. Text is always a
    string cell, never a formula; dates are day numbers shown as dates; no data is no cell."""
    dtypes = frame.dtypes
    formats = {i: ("yyyy-mm-dd" if d == pl.Date else "yyyy-mm-dd hh:mm:ss") for i, d in enumerate(dtypes) if d == pl.Date or isinstance(d, pl.Datetime)}
    letters = [_column_letter(i) for i in range(1, frame.width + 1)]
    bold = book.xf((0, 1))
    rows = ['<row r="1">' + "".join(_cell(f"{letters[i]}1", _excel_value(c), bold) for i, c in enumerate(frame.columns)) + "</row>"]
    # Each column's cells are written the way its type says (a frame column has one type).
    numeric = [d.is_integer() or d.is_float() for d in dtypes]
    for r, row in enumerate(frame.iter_rows(), 2):
        styles: dict[int, int] = {}
        if formats:
            dated = [i for i in formats if row[i] is not None]
            for i in dated:  # a date value gets its default date format, then ours
                book.format_id(_BOUND_FORMATS[type(row[i])])
            for i in dated:
                styles[i] = book.format_id(formats[i])
        cells = []
        for i, v in enumerate(row):
            if v is None:
                continue
            if numeric[i] and not isinstance(v, bool):
                cells.append(f'<c r="{letters[i]}{r}" t="n"><v>{_number(v)}</v></c>')
            else:
                cells.append(_cell(f"{letters[i]}{r}", _excel_value(v), book.xf((styles[i], 0)) if i in styles else 0))
        rows.append(f'<row r="{r}">' + "".join(cells) + "</row>")
    widths = []
    for i, name in enumerate(frame.columns, 1):
        width = max([len(str(name))] + [len(str(v)) for v in frame[name].head(200).to_list() if v is not None])
        widths.append(f'<col width="{min(60, max(8, width + 2))}" customWidth="1" min="{i}" max="{i}" />')
    dimension = f"A1:{letters[-1]}{frame.height + 1}" if frame.width else "A1:A1"
    cols = "<cols>" + "".join(widths) + "</cols>" if widths else "<cols />"
    return (
        f'<worksheet xmlns="{SPREADSHEET_NS}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1" /><pageSetUpPr /></sheetPr>'
        f'<dimension ref="{dimension}" /><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen" />'
        '<selection pane="bottomLeft" activeCell="A1" sqref="A1" /></sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15" />'
        f"{cols}<sheetData>{''.join(rows)}</sheetData>"
        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5" /></worksheet>'
    )


def _cell(ref: str, value: Any, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if isinstance(value, str):
        if value == "":
            return f'<c r="{ref}"{s} t="inlineStr" />'
        space = ' xml:space="preserve"' if value.strip() and value != value.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}"{s} t="n"><v>{_number(_excel_serial(value))}</v></c>'
    return f'<c r="{ref}"{s} t="n"><v>{_number(value)}</v></c>'


_FONTS = '<fonts count="2"><font><name val="Calibri" /><family val="2" /><color theme="1" /><sz val="11" /><scheme val="minor" /></font><font><b val="1" /></font></fonts>'
_FILLS_TO_STYLES = (
    '<fills count="2"><fill><patternFill /></fill><fill><patternFill patternType="gray125" /></fill></fills>'
    '<borders count="1"><border><left /><right /><top /><bottom /><diagonal /></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" /></cellStyleXfs>'
)
_INDEXED_COLOURS = (
    "00000000 00FFFFFF 00FF0000 0000FF00 000000FF 00FFFF00 00FF00FF 0000FFFF 00000000 00FFFFFF 00FF0000 0000FF00 000000FF 00FFFF00 00FF00FF 0000FFFF "
    "00800000 00008000 00000080 00808000 00800080 00008080 00C0C0C0 00808080 009999FF 00993366 00FFFFCC 00CCFFFF 00660066 00FF8080 000066CC 00CCCCFF "
    "00000080 00FF00FF 00FFFF00 0000FFFF 00800080 00800000 00008080 000000FF 0000CCFF 00CCFFFF 00CCFFCC 00FFFF99 0099CCFF 00FF99CC 00CC99FF 00FFCC99 "
    "003366FF 0033CCCC 0099CC00 00FFCC00 00FF9900 00FF6600 00666699 00969696 00003366 00339966 00003300 00333300 00993300 00993366 00333399 00333333"
).split()


def _styles_xml(book: _Workbook) -> str:
    formats = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="{_xml_attr(code)}" />' for i, code in enumerate(book.formats))
    num_fmts = f'<numFmts count="{len(book.formats)}">{formats}</numFmts>' if book.formats else '<numFmts count="0" />'
    xfs = "".join(f'<xf numFmtId="{fmt}" fontId="{font}" fillId="0" borderId="0" pivotButton="0" quotePrefix="0" xfId="0" />' for fmt, font in book.xfs)
    colours = "".join(f'<rgbColor rgb="{c}" />' for c in _INDEXED_COLOURS)
    return (
        f'<styleSheet xmlns="{SPREADSHEET_NS}">{num_fmts}{_FONTS}{_FILLS_TO_STYLES}<cellXfs count="{len(book.xfs)}">{xfs}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" hidden="0" /></cellStyles>'
        '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16" />'
        f"<colors><indexedColors>{colours}</indexedColors></colors></styleSheet>"
    )


def _stamp(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def write_xlsx(sheets: list[tuple[str, pl.DataFrame]], path: Path, stamp: dt.datetime) -> None:
    """An Excel workbook (SpreadsheetML, written directly), a sheet per frame, dated `stamp`
    in its properties and its entries, so equal data give equal files."""
    from openpyxl.writer.theme import theme_xml as SPREADSHEET_THEME  # the Office theme openpyxl writes

    book = _Workbook()
    worksheets = [_sheet_xml(book, frame) for _, frame in sheets]
    n = len(sheets)
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    parts = [
        ("docProps/app.xml", '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>tflib</Application></Properties>'),
        ("docProps/core.xml",
         '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
         'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>tflib</dc:creator>'
         f'<dcterms:created xsi:type="dcterms:W3CDTF">{iso}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{iso}</dcterms:modified></cp:coreProperties>'),
        ("xl/theme/theme1.xml", SPREADSHEET_THEME),
        *((f"xl/worksheets/sheet{i}.xml", xml) for i, xml in enumerate(worksheets, 1)),
        ("xl/styles.xml", _styles_xml(book)),
        ("_rels/.rels",
         f'<Relationships xmlns="{_REL_NS}"><Relationship Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml" Id="rId1" />'
         '<Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml" Id="rId2" />'
         f'<Relationship Type="{_DOC_REL}/extended-properties" Target="docProps/app.xml" Id="rId3" /></Relationships>'),
        ("xl/workbook.xml",
         f'<workbook xmlns:r="{_DOC_REL}" xmlns="{SPREADSHEET_NS}"><workbookPr /><workbookProtection /><bookViews><workbookView visibility="visible" minimized="0" '
         'showHorizontalScroll="1" showVerticalScroll="1" showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" autoFilterDateGrouping="1" /></bookViews><sheets>'
         + "".join(f'<sheet name="{_xml_attr(_sheet_name(name))}" sheetId="{i}" state="visible" r:id="rId{i}" />' for i, (name, _) in enumerate(sheets, 1))
         + '</sheets><definedNames /><calcPr calcId="124519" fullCalcOnLoad="1" /></workbook>'),
        ("xl/_rels/workbook.xml.rels",
         f'<Relationships xmlns="{_REL_NS}">'
         + "".join(f'<Relationship Type="{_DOC_REL}/worksheet" Target="/xl/worksheets/sheet{i}.xml" Id="rId{i}" />' for i in range(1, n + 1))
         + f'<Relationship Type="{_DOC_REL}/styles" Target="styles.xml" Id="rId{n + 1}" /><Relationship Type="{_DOC_REL}/theme" Target="theme/theme1.xml" Id="rId{n + 2}" /></Relationships>'),
        ("[Content_Types].xml",
         '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />'
         '<Default Extension="xml" ContentType="application/xml" /><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml" />'
         '<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml" />'
         '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml" />'
         '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml" />'
         + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_type}" />' for i in range(1, n + 1))
         + '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml" /></Types>'),
    ]  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, xml in parts:
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, xml.encode("utf-8"))


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31]


def _stata_text(value: str | None) -> str:
    if value is None:
        return ""
    raw = value.encode("utf-8")
    return value if len(raw) <= STATA_STR_MAX else raw[:STATA_STR_MAX].decode("utf-8", errors="ignore")


def _label(text: str, limit: int = STATA_LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Stata 118 storage types, their missing value (".") and default display formats.
_STATA_BYTE, _STATA_LONG, _STATA_DOUBLE = 65530, 65528, 65526
_MISSING_BYTE, _MISSING_LONG = 101, 2147483621
_MISSING_DOUBLE = struct.unpack("<d", b"\x00\x00\x00\x00\x00\x00\xe0\x7f")[0]
_STATA_EPOCH = dt.date(1960, 1, 1)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _stata_column(series: pl.Series) -> tuple[int, str, np.ndarray]:
    """A column as Stata stores it: (type, display format, values), missing values as
    Stata's "." (true/false as 1/0 bytes, dates as days and times as milliseconds since
    1960, whole numbers as longs where they fit, text as UTF-8 of a fixed width)."""
    dtype = series.dtype
    values = series.to_list()  # tables are small: plain values beat a frame operation each
    if dtype == pl.Boolean:
        return _STATA_BYTE, "%8.0g", np.array([_MISSING_BYTE if v is None else int(v) for v in values], dtype="<i1")
    present = [v for v in values if v is not None]
    if dtype.is_integer() and (not present or (min(present) > -(2**31) + 27 and max(present) < 2**31 - 27)):
        return _STATA_LONG, "%12.0g", np.array([_MISSING_LONG if v is None else v for v in values], dtype="<i4")
    if dtype.is_float() or isinstance(dtype, pl.Decimal) or dtype.is_integer():
        numbers = [_MISSING_DOUBLE if v is None else float(v) for v in values]
        if any(math.isinf(v) for v in numbers):
            raise ValueError(f"column {series.name} holds an infinite value, which Stata cannot store")
        return _STATA_DOUBLE, "%10.0g", np.array(numbers, dtype="<f8")
    if dtype == pl.Date:
        return _STATA_DOUBLE, "%td", np.array([_MISSING_DOUBLE if v is None else float((v - _STATA_EPOCH).days) for v in values], dtype="<f8")
    if isinstance(dtype, pl.Datetime):
        epoch = dt.datetime(1960, 1, 1)

        def ms(v: dt.datetime) -> float:
            delta = v.replace(tzinfo=None) - epoch
            return float((delta.days * 86_400_000_000 + delta.seconds * 1_000_000 + delta.microseconds) // 1000)

        return _STATA_DOUBLE, "%tc", np.array([_MISSING_DOUBLE if v is None else ms(v) for v in values], dtype="<f8")
    texts = [_stata_text(cell_text(v)).encode("utf-8") for v in values]
    width = max([1, *map(len, texts)])
    return width, f"%{width}s", np.array(texts, dtype=f"S{width}")


def _padded(text: str, size: int) -> bytes:
    raw = text.encode("utf-8")
    return raw + b"\0" * (size - len(raw))


def dta_bytes(frame: pl.DataFrame, names: dict[str, str], labels: dict[str, str], title: str, stamp: dt.datetime) -> bytes:
    """A Stata 118 (Stata 14 and later) file of `frame`, written directly (the byte layout
    pandas' `to_stata(version=118)` writes for the same frame): variables named `names`,
    labelled `labels`, the file labelled `title` and dated `stamp`."""
    columns = [_stata_column(frame[c]) for c in frame.columns]
    nvar = len(columns)
    label = _label(title).encode("utf-8")
    when = f"{stamp.day:02d} {_MONTHS[stamp.month - 1]} {stamp.year:04d} {stamp.hour:02d}:{stamp.minute:02d}"
    header = (
        b"<release>118</release><byteorder>LSF</byteorder>"
        + b"<K>" + struct.pack("<H", nvar) + b"</K>"
        + b"<N>" + struct.pack("<Q", frame.height) + b"</N>"
        + b"<label>" + struct.pack("<H", len(label)) + label + b"</label>"
        + b"<timestamp>\x11" + when.encode("ascii") + b"</timestamp>"
    )  # fmt: skip
    if nvar:
        records = np.empty(frame.height, dtype=[(f"v{i}", values.dtype) for i, (_, _, values) in enumerate(columns)])
        for i, (_, _, values) in enumerate(columns):
            records[f"v{i}"] = values
        data = records.tobytes()
    else:
        data = b""
    sections = [
        ("variable_types", b"".join(struct.pack("<H", typ) for typ, _, _ in columns)),
        ("varnames", b"".join(_padded(names[c][:32], 129) for c in frame.columns)),
        ("sortlist", b"\0" * 2 * (nvar + 1)),
        ("formats", b"".join(_padded(fmt, 57) for _, fmt, _ in columns)),
        ("value_label_names", b"\0" * 129 * nvar),
        ("variable_labels", b"".join(_padded(_label(labels.get(c, "")), 321) for c in frame.columns)),
        ("characteristics", b""),
        ("data", data),
        ("strls", b""),
        ("value_labels", b""),
    ]
    start = b"<stata_dta><header>" + header + b"</header>"
    offsets = [0, len(start)]
    position = len(start) + len(b"<map>") + 14 * 8 + len(b"</map>")
    body = []
    for tag, content in sections:
        offsets.append(position)
        chunk = b"<" + tag.encode() + b">" + content + b"</" + tag.encode() + b">"
        body.append(chunk)
        position += len(chunk)
    offsets += [position, position + len(b"</stata_dta>")]
    return start + b"<map>" + struct.pack("<14Q", *offsets) + b"</map>" + b"".join(body) + b"</stata_dta>"


def write_dta(frame: pl.DataFrame, path: Path, names: dict[str, str], labels: dict[str, str], title: str, stamp: dt.datetime) -> None:
    """Stata format 118: names Stata-safe, variable labels, dates as Stata dates (%td / %tc),
    true/false as 1/0, strings cut to 2045 bytes; missing values stay missing."""
    Path(path).write_bytes(dta_bytes(frame, names, labels, title, stamp))


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


def _md_cell(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------------------------------------
# Page downloads


def codebook(tables: list[Table], lang: str) -> pl.DataFrame:
    """One row per table x column: table, column, Stata name, type, decimals, description."""
    rows = []
    for tab in tables:
        names = stata_names(tab.frame.columns)
        book = tab.codebook(lang)
        for r in book.iter_rows(named=True):
            label = TYPE_LABELS[r["type"]]
            rows.append({"table": tab.name, "column": r["column"], "stata_name": names[r["column"]], "type": gettext(label, lang),
                         "decimals": r["decimals"], "description": r["description"]})
    schema = {k: pl.String for k in ("table", "column", "stata_name", "type", "decimals", "description")}
    return pl.DataFrame(rows, schema=schema)


def page_notes(tables: list[Table], lang: str) -> list[str]:
    """What each table is, its unit and source, and the caveats that apply, in `lang`."""
    notes = []
    for tab in tables:
        parts = [note("table", lang, name=tab.name, title=tab.title)]
        if tab.unit:
            parts.append(t("Unit: {unit}", lang, unit=tab.unit))
        parts.append(t("Source: {source}", lang, source=tab.source))
        if tab.illustrative:
            parts.append(t("Illustrative data (generated), not real figures", lang))
        notes.append(". ".join(p.rstrip(".") for p in parts) + ".")
    columns = {c for tab in tables for c in tab.frame.columns}
    if any(tab.illustrative for tab in tables):
        notes.append(caveat("illustrative", lang))
    if columns & {"lpi_score", "lpi_rank"}:
        notes.append(caveat("lpi", lang))
    if columns & {"db_score", "report_year"}:
        notes.append(caveat("doing_business", lang))
    notes += [note("missing", lang), note("precision", lang), note("stata", lang)]
    return notes


def _write_codebook_md(path: Path, title: str, book: pl.DataFrame, notes: list[str], lang: str) -> None:
    head = [t("Table", lang), t("Column", lang), t("Stata name", lang), t("Type", lang), t("Decimals", lang), t("Description", lang)]
    lines = [f"# {t('Codebook', lang)}: {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in book.iter_rows():
        lines.append("| " + " | ".join(_md_cell(c) for c in r) + " |")
    lines += ["", f"## {t('Notes', lang)}", ""]
    lines += [f"- {n}" for n in notes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _zip(path: Path, files: dict[str, bytes], stamp: dt.datetime) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


def page_title(params: RegionParams, record: PageRecord, lang: str) -> str:
    """The page's title with its member, as its downloads are titled (`pages.page_title`)."""
    from .. import pages

    title = pages.page_title(params, record.kind, lang)
    return pages.titled(title, params.name_of(record.country, lang), lang) if record.country else title


def write_page_downloads(record: PageRecord, found: list["Output"], out_dir: Path, lang: str, *, title: str, as_of: dt.date | None = None) -> dict[str, list[tuple[str, Path]]]:
    """Write the downloads of one page into `out_dir` and return them, labelled in `lang`:
    ``{"page": [(label, path), …], "chart-1": [("SVG", path), ("PNG", path), ("CSV", path)], …}``.

    `found` are the page's outputs (`tflib.site.report.outputs`): its charts and tables with
    the release tables they carry. `as_of` dates the Stata and Excel files (a fixed date when
    not given), so a page built twice gives the same files. A page without tables gets no
    page downloads.
    """
    from ..tables import unique_names

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = _stamp(as_of or DEFAULT_STAMP)
    tables = unique_names(tab for o in found for tab in o.tables)
    result: dict[str, list[tuple[str, Path]]] = {"page": []}
    csv_of: dict[str, Path] = {}
    csv_data: dict[str, bytes] = {}
    dta_data: dict[str, bytes] = {}  # in the archive only
    cells = {tab.name: _flat(tab.rounded()) for tab in tables}  # numeric cells (Stata, Excel)
    for tab in tables:
        csv_of[tab.name] = out_dir / f"{tab.name}.csv"
        csv_data[f"{tab.name}.csv"] = csv_text(tab.frame.columns, csv_cells(tab)).encode("utf-8")
        csv_of[tab.name].write_bytes(csv_data[f"{tab.name}.csv"])
        names = stata_names(tab.frame.columns)
        dta_data[f"{tab.name}.dta"] = dta_bytes(cells[tab.name], names, {c: tab.describe(c, lang) for c in tab.frame.columns}, tab.title, stamp)
    charts = [o for o in found if o.spec is not None]
    for n, o in enumerate(charts, 1):
        result[f"chart-{n}"] = [(f"CSV ({tab.name})" if len(o.tables) > 1 else "CSV", csv_of[tab.name]) for tab in o.tables]
    if not tables:
        return result
    book = codebook(tables, lang)
    notes = page_notes(tables, lang)
    paths = {
        "xlsx": out_dir / "data.xlsx",
        "csv": out_dir / "data-csv.zip",
        "dta": out_dir / "data-stata.zip",
        "codebook": out_dir / "codebook.csv",
        "codebook_md": out_dir / "codebook.md",
    }
    sheets = [(tab.name, cells[tab.name]) for tab in tables]
    sheets.append(("codebook", book))
    sheets.append(("notes", pl.DataFrame({"note": notes}, schema={"note": pl.String})))
    write_xlsx(sheets, paths["xlsx"], stamp)
    _zip(paths["csv"], csv_data, stamp)
    _zip(paths["dta"], dta_data, stamp)
    write_frame_csv(book, paths["codebook"])
    _write_codebook_md(paths["codebook_md"], title, book, notes, lang)
    result["page"] = [(t(PAGE_LABELS[k], lang), p) for k, p in paths.items()]
    return result


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined with '; ' so every cell is a scalar (CSV, Excel and Stata have no lists)."""
    lists = [c for c, d in frame.schema.items() if isinstance(d, (pl.List, pl.Array))]
    # A list column whose items have no type yet (every list empty or null) is cast to text first.
    return frame.with_columns([pl.col(c).cast(pl.List(pl.String)).list.join("; ") for c in lists]) if lists else frame


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
    "fund": N_("Incentive fund (CSV)"),
    "early_warnings": N_("Early warnings (CSV)"),
    "lpi": N_("Logistics Performance Index (CSV)"),
    "doing_business": N_("Doing Business, trading across borders (CSV)"),
    "trade": N_("Regional trade aggregates (CSV)"),
}
BULK_LABELS = {
    "codebook": N_("Codebook"),
    "readme": N_("Read me"),
    "zip": N_("All tables (ZIP)"),
}
# Tables of tracker data, which can be illustrative (the others are params or real references).
TRACKER_TABLES = ("action_items", "progress_history", "progress_current", "indicators", "measure_status", "scores", "fund", "early_warnings")


def bulk_tables(params: RegionParams, release: ReleaseTables) -> dict[str, Table]:
    """The release tables of the bulk export, in English, with members and measures from the
    params. Every one is the table the pages were built from."""
    from .. import monitor, tracker

    en = "en" if "en" in params.languages else params.region.default_language
    out: dict[str, Table] = {}
    out["members"] = Table("members", tracker.members(params), title="Members", source="region parameters",
                           description="Members of the region: ISO3 code, name, party to the strategy (scored) or tracked only, language.")
    measures = tracker.measures(params, lang=params.languages[0]).drop("name", "pillar")
    for lang in params.languages:
        names = tracker.measures(params, lang=lang).select("measure_id", pl.col("name").alias(f"name_{lang}"), pl.col("pillar").alias(f"pillar_{lang}"))
        measures = measures.join(names, on="measure_id", how="left", maintain_order="left")
    out["measures"] = Table("measures", measures, title="Measures", source="regional strategy (params)",
                            description="Measures of the regional strategy: pillar, dimension, WTO TFA articles, regional deadline, indicators; illustrative marks measures not documented in the strategy's sources.")
    items = release.table("action_items", params.region.default_language)
    frame = items.frame.drop("step_name")
    for lang in params.languages:
        frame = frame.join(release.frame("action_items", lang).select("item_id", pl.col("step_name").alias(f"step_name_{lang}")), on="item_id", how="left", maintain_order="left")
    out["action_items"] = items.with_frame(frame.with_columns(illustrative=pl.col("measure_illustrative")))
    for name in ("progress_history", "progress_current", "indicators", "measure_status", "scores"):
        out[name] = release.table(name, en)
    fund = release.table("fund", en)
    out["fund"] = fund.with_frame(_flat(fund.frame))
    warnings = release.table("early_warnings", en)
    messages = [monitor.warning_message(r, "en", params) for r in warnings.frame.iter_rows(named=True)]
    out["early_warnings"] = warnings.with_frame(warnings.frame.with_columns(message=pl.Series(messages, dtype=pl.String)))
    for name in ("lpi", "doing_business", "trade"):
        tab = release.table(name, en)
        out[name] = tab.with_frame(tab.frame.with_columns(illustrative=pl.lit(False)))
    return {name: tab.with_frame(_flat(tab.frame)) for name, tab in out.items() if name in BULK_TABLES}


def _bulk_description(params: Any, table: str, column: str, tab: Table) -> str:
    """English description of a bulk export column."""
    if table in ("lpi", "doing_business", "trade") and column == "illustrative":
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
    return tab.columns.get(column) or describe(column, "en", [table]) or ""


def bulk_codebook(params: Any, tables: dict[str, Table]) -> pl.DataFrame:
    """One row per table x column: table, column, type, decimals, description (English)."""
    rows = []
    for name, tab in tables.items():
        book = tab.codebook("en")
        for r in book.iter_rows(named=True):
            rows.append({"table": name, "column": r["column"], "type": TYPE_LABELS[r["type"]], "decimals": r["decimals"], "description": _bulk_description(params, name, r["column"], tab)})
    return pl.DataFrame(rows, schema={k: pl.String for k in ("table", "column", "type", "decimals", "description")})


def _bulk_readme(params: Any, tables: dict[str, Table], release_id: str | None = None) -> str:
    from .. import __version__

    region = params.text(params.region.name, "en")
    hidden = {c: params.countries[c].confidential for c in params.countries if params.countries[c].confidential}
    lines = [
        f"{region}: trade facilitation tracker, bulk data export",
        "=" * 72,
        "",
        f"Region: {params.id} (secretariat: {params.region.secretariat})",
        *([f"Release: {release_id}"] if release_id else []),
        f"Data as of: {params.as_of.isoformat()}",
        f"tflib version: {__version__}",
        "",
        "TABLES (UTF-8 CSV, one header row; codebook.csv describes every column)",
        "",
    ]
    for name, tab in tables.items():
        lines.append(f"- {name}.csv ({tab.frame.height} rows): {tab.description or tab.title}")
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
        "hold an ILLUSTRATIVE data set made by the tracker's seeded generator: they are not real",
        f"figures, and not data of {params.region.secretariat} or its members.",
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


def write_bulk_export(params: RegionParams, release: ReleaseTables, out_dir: Path, provenance: str, release_id: str | None = None) -> list[tuple[str, Path]]:
    """Write the release's tables as tidy CSV files, a codebook, a README and one ZIP of them
    all into `out_dir`; the README and the ZIP name the release `release_id` when given.
    Returns (label, path) pairs; labels are English messages, so a page shows them with
    ``t(label, lang)``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = bulk_tables(params, release)
    result: list[tuple[str, Path]] = []
    files: dict[str, bytes] = {}
    for name, tab in tables.items():
        path = out_dir / f"{name}.csv"
        write_csv(tab, path)
        files[path.name] = path.read_bytes()
        result.append((BULK_TABLES[name], path))
    codebook_path = out_dir / "codebook.csv"
    write_frame_csv(bulk_codebook(params, tables), codebook_path)
    readme_path = out_dir / "README.txt"
    readme_path.write_text(_bulk_readme(params, tables, release_id), encoding="utf-8")
    files["codebook.csv"] = codebook_path.read_bytes()
    files["README.txt"] = readme_path.read_bytes()
    files["reference-provenance.md"] = provenance.encode("utf-8")
    result += [(BULK_LABELS["codebook"], codebook_path), (BULK_LABELS["readme"], readme_path)]

    folder = release_id or f"{params.id}-{params.as_of.isoformat()}"
    zip_path = out_dir / f"{folder}-data.zip"
    stamp = _stamp(params.as_of).timetuple()[:6]
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ["README.txt", "codebook.csv", *sorted(n for n in files if n not in ("README.txt", "codebook.csv"))]:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name])
    result.append((BULK_LABELS["zip"], zip_path))
    return result


def cached_bulk_export(params: RegionParams, release: ReleaseTables, out_dir: Path, provenance: str, *, cache: Path, key: str, release_id: str | None = None) -> list[tuple[str, Path]]:
    """`write_bulk_export`, its files kept in `cache` under `key` (a digest of everything they
    are made of: the release tables, the params, the code and the release id) and copied from
    there while those are unchanged."""
    import json
    import os
    import shutil

    kept = Path(cache) / key
    index = kept / "_files.json"
    if index.is_file():
        os.utime(kept)  # used: kept by `report.prune`
    else:
        tmp = kept.with_name(f".{key}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        pairs = write_bulk_export(params, release, tmp, provenance, release_id)
        (tmp / "_files.json").write_text(json.dumps([[label, Path(path).name] for label, path in pairs]), encoding="utf-8")
        shutil.rmtree(kept, ignore_errors=True)
        tmp.rename(kept)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = []
    from .report import place

    for label, name in json.loads(index.read_text(encoding="utf-8")):
        place(kept / name, out_dir / name)
        result.append((label, out_dir / name))
    return result
