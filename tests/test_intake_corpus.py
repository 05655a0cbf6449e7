"""A corpus of malformed and awkward submissions, as real spreadsheets and national systems
send them. Each case asserts its exact problem lines, its counts (rows_in = accepted +
quarantined), its exit code and, where rows are stored, the stored values; no case may
raise. The module's project is the shipped SICA params, with Belize's number and date
declarations removed (so the undeclared cases have a member to run on) and a 2 MB size limit.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook

import tflib
from tflib.ingest import ingest
from tflib.params import load_region
from tflib.plan import allocate
from tflib.store import Store

from projects import make_project

PROGRESS = ["country", "item_id", "reported_on", "status", "pct_complete", "note"]
INDICATORS = ["country", "indicator", "statistic", "period", "value", "unit"]
LIMIT = 2_000_000


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    proj = make_project(tmp_path_factory.mktemp("corpus") / "proj")
    blz = proj.params_dir / "regions" / "sica" / "countries" / "BLZ.yaml"
    blz.write_text("".join(l for l in blz.read_text().splitlines(True) if not l.startswith(("number_locale:", "date_order:"))))
    region = proj.params_dir / "regions" / "sica" / "region.yaml"
    region.write_text(region.read_text() + f"\nmax_submission_bytes: {LIMIT}\n")
    Store.create("sica", proj).close()
    return proj


_PLAN = allocate(load_region("sica"))
ITEMS = {c: _PLAN.filter(pl.col("country") == c)["item_id"].to_list()[:4] for c in ("CRI", "GTM", "BLZ")}
C0, C1 = ITEMS["CRI"][:2]
G0, G1, G2 = ITEMS["GTM"][:3]
B0, B1 = ITEMS["BLZ"][:2]


def day(n: int) -> str:
    """A distinct reporting date per case, so no case contradicts another's stored rows."""
    return (dt.date(2025, 1, 1) + dt.timedelta(days=n)).isoformat()


def csv_bytes(header, rows, delimiter=",", encoding="utf-8") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list]], edit=None) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    if edit:
        edit(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def json_bytes(doc) -> bytes:
    return json.dumps(doc).encode()


def percent_cells(wb):
    ws = wb["Progress"]
    ws["E2"].number_format = "0%"
    ws["E3"].number_format = "0.0 %"


def merged(wb):
    wb["Progress"].merge_cells("A2:A3")


def hidden_row(wb):
    wb["Progress"].row_dimensions[3].hidden = True


def hidden_sheet(wb):
    ws = wb.create_sheet("Listas")
    ws.append(["x", "y"])
    ws.append([1, 2])
    ws.sheet_state = "hidden"


# (id, file name, content, expected problem lines, (rows_in, accepted, quarantined), exit code, stored check)
# Stored checks: ("progress", item, date, column, value) or ("indicator", country, indicator, period, value).
CASES = [
    ("thousands_point_member", "gtm_cost.csv",
     csv_bytes(INDICATORS, [["GTM", "sme_compliance_cost", "", "2001", "1,250", "USD"]]),
     [], (1, 1, 0), 0, ("indicator", "GTM", "sme_compliance_cost", "2001", 1250.0)),
    ("thousands_comma_member", "cri_cost.csv",
     csv_bytes(INDICATORS, [["CRI", "sme_compliance_cost", "", "2002", "1,250", "USD"]], delimiter=";"),
     [], (1, 1, 0), 0, ("indicator", "CRI", "sme_compliance_cost", "2002", 1.25)),
    ("thousands_undeclared", "blz_cost.csv",
     csv_bytes(INDICATORS, [["BLZ", "sme_compliance_cost", "", "2003", "1,250", "USD"]]),
     ["blz_cost.csv:2:value: ambiguous_number: '1,250' could be 1.25 or 1250; write it without a thousands separator, or declare number_locale (decimal_point or decimal_comma)"],
     (1, 0, 1), 1, None),
    ("decimal_comma_member", "cri_semicolon.csv",
     csv_bytes(PROGRESS, [["CRI", C0, day(1), "partial", "12,5", ""]], delimiter=";"),
     [], (1, 1, 0), 0, ("progress", C0, day(1), "pct_complete", 12.5)),
    ("point_against_comma_member", "cri_point.csv",
     csv_bytes(PROGRESS, [["CRI", C0, day(2), "partial", "12.5", ""]], delimiter=";"),
     ["cri_point.csv:2:pct_complete: number_locale: '12.5' is written with a decimal point, but numbers here use a decimal comma (declared in params/regions/sica/countries/CRI.yaml), e.g. 1250,5 or 1.250,5"],
     (1, 0, 1), 1, None),
    ("percent_text", "gtm_pct_text.csv",
     csv_bytes(PROGRESS, [["GTM", G0, day(3), "partial", "45 %", ""]]),
     [], (1, 1, 0), 0, ("progress", G0, day(3), "pct_complete", 45.0)),
    ("percent_fraction_ambiguous", "gtm_fraction.csv",
     csv_bytes(PROGRESS, [["GTM", G0, day(4), "partial", "0.45", ""]]),
     ["gtm_fraction.csv:2:pct_complete: ambiguous_percent: 0.45 could be 0.45 % or the fraction 45 %; write 45 (or '0.45 %'), or declare percent_scale (percent or fraction)"],
     (1, 0, 1), 1, None),
    ("percent_formatted_cells", "gtm_pct_cells.xlsx",
     xlsx_bytes({"Progress": [PROGRESS, ["GTM", G0, day(5), "partial", 0.45, None], ["GTM", G1, day(5), "partial", 0.125, None]]}, percent_cells),
     [], (2, 2, 0), 0, ("progress", G1, day(5), "pct_complete", 12.5)),
    ("fraction_declared_in_json", "gtm_fraction.json",
     json_bytes({"format": "tflib-submission/1", "kind": "progress", "percent_scale": "fraction",
                 "rows": [{"country": "GTM", "item_id": G0, "reported_on": day(6), "status": "partial", "pct_complete": 0.45}]}),
     [], (1, 1, 0), 0, ("progress", G0, day(6), "pct_complete", 45.0)),
    ("unclosed_quote", "gtm_quote.csv",
     f'country,item_id,reported_on,status,pct_complete,note\r\nGTM,{G0},{day(7)},partial,40,"started\r\nGTM,{G1},{day(7)},partial,50,ok\r\n'.encode(),
     ["gtm_quote.csv:-:-: csv_quote: line 2: a quote (\") opened in this row is not closed properly (unexpected end of data); close the quote, or remove it, and submit again"],
     (0, 0, 0), 2, None),
    ("formulas_without_values", "gtm_formulas.xlsx",
     xlsx_bytes({"Progress": [PROGRESS, ["GTM", G0, "=DATE(2025,1,9)", '="partial"', "=A1", None]]}),
     ["gtm_formulas.xlsx:2:reported_on: formula_no_value: the cell holds the formula =DATE(2025,1,9) but no computed value; open the file in Excel, let it calculate and save it (or paste the values)",
      'gtm_formulas.xlsx:2:status: formula_no_value: the cell holds the formula ="partial" but no computed value; open the file in Excel, let it calculate and save it (or paste the values)',
      "gtm_formulas.xlsx:2:pct_complete: formula_no_value: the cell holds the formula =A1 but no computed value; open the file in Excel, let it calculate and save it (or paste the values)"],
     (1, 0, 1), 1, None),
    ("two_filled_sheets", "gtm_both.xlsx",
     xlsx_bytes({"Progress": [PROGRESS, ["GTM", G2, day(10), "pilot", 20, None]],
                 "Indicators": [INDICATORS, ["GTM", "clearance_time", "median", "2011-Q1", 30.5, "h"]]}),
     [], (2, 2, 0), 0, ("indicator", "GTM", "clearance_time", "2011-Q1", 30.5)),
    ("unknown_filled_sheet", "gtm_extra_sheet.xlsx",
     xlsx_bytes({"Progress": [PROGRESS, ["GTM", G2, day(11), "pilot", 25, None]], "Hoja2": [["apuntes"], ["revisar aduana"]]}),
     ["gtm_extra_sheet.xlsx:-:-: unread_sheet: sheet 'Hoja2' holds data but is neither a Progress nor an Indicators sheet; nothing in it was read"],
     (1, 1, 0), 1, ("progress", G2, day(11), "pct_complete", 25.0)),
    ("hidden_extra_sheet", "gtm_hidden_sheet.xlsx",
     xlsx_bytes({"Progress": [PROGRESS, ["GTM", G2, day(12), "pilot", 26, None]]}, hidden_sheet),
     ["gtm_hidden_sheet.xlsx:-:-: unread_sheet: sheet 'Listas' holds data but is neither a Progress nor an Indicators sheet; nothing in it was read"],
     (1, 1, 0), 1, None),
    ("localised_unknown_heading", "gtm_observaciones.csv",
     csv_bytes(["country", "item_id", "reported_on", "status", "pct_complete", "Observaciones"],
               [["GTM", G0, day(13), "partial", "40", "falta firma"], ["GTM", G1, day(13), "partial", "50", ""]]),
     ["gtm_observaciones.csv:2:Observaciones: unknown_column: 'Observaciones' is not a column tflib reads (its value would be lost); read are: country, illustrative, item_id, note, pct_complete, reported_on, status"],
     (2, 1, 1), 1, ("progress", G1, day(13), "pct_complete", 50.0)),
    ("duplicate_headings", "gtm_dup_heading.csv",
     csv_bytes(["country", "item_id", "reported_on", "status", "pct_complete", "pct_complete"], [["GTM", G0, day(14), "partial", "40", "60"]]),
     ["gtm_dup_heading.csv:-:-: duplicate_column: columns E ('pct_complete') and F ('pct_complete') are both 'pct_complete'; keep one"],
     (0, 0, 0), 2, None),
    ("semicolon_delimited", "gtm_semicolon.csv",
     csv_bytes(PROGRESS, [["GTM", G0, day(15), "partial", "40", "nota; con punto y coma"]], delimiter=";"),
     [], (1, 1, 0), 0, ("progress", G0, day(15), "note", "nota; con punto y coma")),
    ("tab_delimited_tsv", "gtm_tabs.tsv",
     csv_bytes(PROGRESS, [["GTM", G0, day(16), "partial", "41", ""]], delimiter="\t"),
     [], (1, 1, 0), 0, ("progress", G0, day(16), "pct_complete", 41.0)),
    ("txt_extension", "gtm_export.txt",
     csv_bytes(PROGRESS, [["GTM", G0, day(17), "partial", "42", ""]], delimiter="|"),
     [], (1, 1, 0), 0, ("progress", G0, day(17), "pct_complete", 42.0)),
    ("macro_workbook_xlsm", "gtm_macro.xlsm",
     xlsx_bytes({"Progress": [PROGRESS, ["GTM", G0, day(18), "partial", 43, None]]}),
     [], (1, 1, 0), 0, ("progress", G0, day(18), "pct_complete", 43.0)),
    ("old_excel_xls", "gtm_old.xls",
     b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
     ["gtm_old.xls:-:-: format: .xls files cannot be read; save the file as .xlsx (Excel Workbook) or CSV UTF-8 and submit again"],
     (0, 0, 0), 2, None),
    ("xls_renamed_xlsx", "gtm_renamed.xlsx",
     b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 700,
     ["gtm_renamed.xlsx:-:-: format: an Excel 97-2003 (.xls) file; save it as .xlsx (Excel Workbook) and submit again"],
     (0, 0, 0), 2, None),
    ("header_on_row_3", "gtm_titled.xlsx",
     xlsx_bytes({"Progress": [["Informe de avance"], [None], PROGRESS, ["GTM", G0, day(19), "partial", "x", None]]}),
     ["gtm_titled.xlsx:4:pct_complete: not_a_number: 'x' is not a number"],
     (1, 0, 1), 1, None),
    ("no_header", "gtm_no_header.csv",
     b"GTM,%s,%s,partial,40,\r\nGTM,%s,%s,partial,50,\r\n" % (G0.encode(), day(20).encode(), G1.encode(), day(20).encode()),
     ["gtm_no_header.csv:1:-: missing_column: no header row in the first rows: progress needs the columns country, item_id, reported_on, status, pct_complete; indicators need country, indicator, period, value"],
     (2, 0, 2), 1, None),
    ("semicolon_wrong_headings", "gtm_semicolon_bad.csv",
     csv_bytes(["pais", "accion", "fecha", "estado", "avance"], [["GTM", G0, day(21), "partial", "40"]], delimiter=";"),
     ["gtm_semicolon_bad.csv:1:reported_on: missing_column: the file has no 'reported_on' column",
      "gtm_semicolon_bad.csv:1:pct_complete: missing_column: the file has no 'pct_complete' column"],
     (1, 0, 1), 1, None),
    ("utf8_bom", "gtm_bom.csv",
     codecs.BOM_UTF8 + csv_bytes(PROGRESS, [["GTM", G0, day(22), "partial", "44", "revisión"]]),
     [], (1, 1, 0), 0, ("progress", G0, day(22), "note", "revisión")),
    ("utf16_unicode_text", "gtm_unicode.txt",
     codecs.BOM_UTF16_LE + csv_bytes(PROGRESS, [["GTM", G0, day(23), "partial", "45", "gestión"]], delimiter="\t").decode().encode("utf-16-le"),
     [], (1, 1, 0), 0, ("progress", G0, day(23), "note", "gestión")),
    ("latin1", "gtm_latin1.csv",
     csv_bytes(PROGRESS, [["GTM", G0, day(24), "partial", "46", "revisión aduanera en curso"]], encoding="latin-1"),
     None, (0, 0, 0), 2, None),
    ("cp1252", "gtm_cp1252.csv",
     csv_bytes(PROGRESS, [["GTM", G0, day(25), "partial", "47", "firma – pendiente “pronto”"]], encoding="cp1252"),
     None, (0, 0, 0), 2, None),
    ("excel_serial_date_text", "gtm_serial.csv",
     csv_bytes(PROGRESS, [["GTM", G0, "45678", "partial", "48", ""]]),
     ["gtm_serial.csv:2:reported_on: serial_date: 45678 is a number, not a date (as an Excel date serial it would be 2025-01-21); format the cells as dates or write YYYY-MM-DD"],
     (1, 0, 1), 1, None),
    ("excel_serial_date_cell", "gtm_serial.xlsx",
     xlsx_bytes({"Progress": [PROGRESS, ["GTM", G0, 45679, "partial", 48, None]]}),
     ["gtm_serial.xlsx:2:reported_on: serial_date: 45679 is a number, not a date (as an Excel date serial it would be 2025-01-22); format the cells as dates or write YYYY-MM-DD"],
     (1, 0, 1), 1, None),
    ("date_cells", "gtm_date_cells.xlsx",
     xlsx_bytes({"Progress": [PROGRESS, ["GTM", G0, dt.datetime(2025, 1, 27), "partial", 49, None]]}),
     [], (1, 1, 0), 0, ("progress", G0, "2025-01-27", "pct_complete", 49.0)),
    ("day_first_declared", "gtm_dmy.csv",
     csv_bytes(PROGRESS, [["GTM", G0, "03/02/2025", "partial", "50", ""]]),
     [], (1, 1, 0), 0, ("progress", G0, "2025-02-03", "pct_complete", 50.0)),
    ("month_first_against_declared", "gtm_mdy.csv",
     csv_bytes(PROGRESS, [["GTM", G0, "02/13/2025", "partial", "51", ""]]),
     ["gtm_mdy.csv:2:reported_on: date_order: '02/13/2025' cannot be DMY, the order of dates here (declared in params/regions/sica/countries/GTM.yaml); write it as YYYY-MM-DD"],
     (1, 0, 1), 1, None),
    ("day_month_undeclared", "blz_dates.csv",
     csv_bytes(PROGRESS, [["BLZ", B0, "03/04/2025", "partial", "20", ""], ["BLZ", B1, "25/04/2025", "partial", "20", ""]]),
     ["blz_dates.csv:2:reported_on: ambiguous_date: '03/04/2025' could be 2025-04-03 or 2025-03-04; write the date as YYYY-MM-DD, or declare date_order (dmy or mdy)"],
     (2, 1, 1), 1, ("progress", B1, "2025-04-25", "pct_complete", 20.0)),
    ("two_digit_year", "gtm_yy.csv",
     csv_bytes(PROGRESS, [["GTM", G0, "05/03/25", "partial", "52", ""]]),
     ["gtm_yy.csv:2:reported_on: bad_date: '05/03/25' has a two-digit year; write the date as YYYY-MM-DD"],
     (1, 0, 1), 1, None),
    ("empty_file", "gtm_empty.csv", b"",
     ["gtm_empty.csv:-:-: empty_file: the file is empty"], (0, 0, 0), 2, None),
    ("whitespace_only", "gtm_blank.csv", b"\r\n  \r\n",
     ["gtm_blank.csv:-:-: empty_file: the file is empty"], (0, 0, 0), 2, None),
    ("truncated_xlsx", "gtm_truncated.xlsx",
     xlsx_bytes({"Progress": [PROGRESS, ["GTM", G0, day(30), "partial", 53, None]]})[:1500],
     ["gtm_truncated.xlsx:-:-: format: not a readable XLSX workbook (not a zip archive); save it again from Excel as .xlsx"],
     (0, 0, 0), 2, None),
    ("image_named_csv", "gtm_photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
     ["gtm_photo.csv:-:-: format: the file holds binary data, not text; send the XLSX template, a CSV file or the documented JSON"],
     (0, 0, 0), 2, None),
    ("pdf_file", "gtm_report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
     ["gtm_report.pdf:-:-: format: unsupported file type .pdf; send .csv, .tsv, .txt, .xlsx, .xlsm, .json"],
     (0, 0, 0), 2, None),
    ("merged_country_cells", "gtm_merged.xlsx",
     xlsx_bytes({"Progress": [PROGRESS, ["GTM", G0, day(31), "partial", 54, None], [None, G1, day(31), "partial", 55, None]]}, merged),
     ["gtm_merged.xlsx:3:-: merged_cells: the row is part of the merged cells A2:A3",
      "gtm_merged.xlsx:3:country: required: a value is required"],
     (2, 1, 1), 1, ("progress", G0, day(31), "pct_complete", 54.0)),
    ("hidden_row", "gtm_hidden_row.xlsx",
     xlsx_bytes({"Progress": [PROGRESS, ["GTM", G0, day(32), "partial", 56, None], ["GTM", G1, day(32), "partial", 57, None]]}, hidden_row),
     ["gtm_hidden_row.xlsx:3:-: hidden_row: the row is hidden in the workbook"],
     (2, 1, 1), 1, ("progress", G0, day(32), "pct_complete", 56.0)),
    ("field_over_131072_chars", "gtm_long.csv",
     csv_bytes(PROGRESS, [["GTM", G0, day(33), "partial", "58", "x" * 140_000], ["GTM", G1, day(33), "partial", "59", "ok"]]),
     ["gtm_long.csv:2:note: too_long: the cell holds 140,000 characters; at most 10,000 are accepted"],
     (2, 1, 1), 1, ("progress", G1, day(33), "pct_complete", 59.0)),
    ("over_size_limit", "gtm_huge.csv",
     None,  # made in the test: exactly one byte over the limit
     ["gtm_huge.csv:-:-: too_large: the file is 2,000,001 bytes; at most 2,000,000 are accepted (max_submission_bytes)"],
     (0, 0, 0), 2, None),
    ("extra_values", "gtm_extra.csv",
     csv_bytes(PROGRESS, [["GTM", G0, day(35), "partial", "61", "", "sobra"]]),
     ["gtm_extra.csv:2:-: extra_values: the row has values in columns with no heading (or beyond the header)"],
     (1, 0, 1), 1, None),
    ("duplicate_rows", "gtm_dup_rows.csv",
     csv_bytes(PROGRESS, [["GTM", G0, day(36), "partial", "62", ""], ["GTM", G0, day(36), "partial", "63", ""]]),
     ["gtm_dup_rows.csv:3:-: duplicate: same item and date as row 2"],
     (2, 1, 1), 1, ("progress", G0, day(36), "pct_complete", 62.0)),
    ("formula_text_in_csv", "gtm_formula_text.csv",
     csv_bytes(PROGRESS, [["GTM", G0, day(37), "partial", "=A1", ""]]),
     ["gtm_formula_text.csv:2:pct_complete: not_a_number: '=A1' is not a number"],
     (1, 0, 1), 1, None),
    ("json_not_json", "gtm_bad.json", b'{"format": "tflib-submission/1", "rows": [}',
     ["gtm_bad.json:-:-: format: not valid JSON (line 1, column 43: Expecting value)"], (0, 0, 0), 2, None),
    ("json_wrong_format", "gtm_v2.json", json_bytes({"format": "tflib-submission/2", "rows": [{}]}),
     ["gtm_v2.json:-:-: format: \"format\" must be \"tflib-submission/1\", not 'tflib-submission/2'"], (0, 0, 0), 2, None),
    ("json_nested_value", "gtm_nested.json",
     json_bytes({"format": "tflib-submission/1", "kind": "progress",
                 "rows": [{"country": "GTM", "item_id": G0, "reported_on": day(38), "status": "partial", "pct_complete": [40]}]}),
     ["gtm_nested.json:1:pct_complete: not_a_value: a list or object where one value is expected",
      "gtm_nested.json:1:pct_complete: required: a value is required"],
     (1, 0, 1), 1, None),
    ("json_bad_declaration", "gtm_decl.json",
     json_bytes({"format": "tflib-submission/1", "number_locale": "es_CR", "rows": [{"country": "GTM"}]}),
     ["gtm_decl.json:-:-: format: the submission: number_locale: 'es_CR' is not one of decimal_point, decimal_comma"],
     (0, 0, 0), 2, None),
    ("json_native_numbers", "gtm_native.json",
     json_bytes({"format": "tflib-submission/1", "kind": "indicators", "country": "GTM",
                 "rows": [{"indicator": "sme_compliance_cost", "period": "2004", "value": 1250.5, "unit": "USD"}]}),
     [], (1, 1, 0), 0, ("indicator", "GTM", "sme_compliance_cost", "2004", 1250.5)),
    ("json_declares_over_member", "cri_decl.json",
     json_bytes({"format": "tflib-submission/1", "kind": "indicators", "country": "CRI", "number_locale": "decimal_point",
                 "rows": [{"indicator": "sme_compliance_cost", "period": "2005", "value": "1,250", "unit": "USD"}]}),
     [], (1, 1, 0), 0, ("indicator", "CRI", "sme_compliance_cost", "2005", 1250.0)),
    ("nul_bytes", "gtm_nul.csv", csv_bytes(PROGRESS, [["GTM", G0, day(39), "partial", "64", "a\x00b"]]),
     ["gtm_nul.csv:-:-: format: the file holds NUL characters (binary data), not text; send the XLSX template, a CSV file or the documented JSON"],
     (0, 0, 0), 2, None),
    ("hostile_file_name", "<img src=x onerror=alert(3)>.csv",
     csv_bytes(PROGRESS, [["GTM", G0, day(40), "partial", "65", ""]]),
     [], (1, 1, 0), 0, ("progress", G0, day(40), "pct_complete", 65.0)),
]


def _stored(proj, check):
    if check[0] == "progress":
        _, item, date, column, _ = check
        rows = tflib.progress("sica", history=True, project=proj).filter(
            (pl.col("item_id") == item) & (pl.col("reported_on") == dt.date.fromisoformat(date))
        )
        return rows[column].to_list()
    _, country, indicator, period, _ = check
    rows = tflib.indicators("sica", project=proj).filter(
        (pl.col("country") == country) & (pl.col("indicator_id") == indicator) & (pl.col("period") == period)
    )
    return rows["value"].to_list()


def test_the_corpus_is_large_and_distinct():
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len({c[1] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_corpus_case(project, case, tmp_path):
    _id, name, content, lines, (rows_in, accepted, quarantined), code, stored = case
    path = tmp_path / name
    if content is None:
        base = csv_bytes(PROGRESS, [["GTM", G0, day(34), "partial", "60", ""]])
        content = csv_bytes(PROGRESS, [["GTM", G0, day(34), "partial", "60", "y" * (LIMIT + 1 - len(base))]])
        assert len(content) == LIMIT + 1
    path.write_bytes(content)
    [res] = ingest([path], "sica", project)
    problems = [str(p) for p in res.problems]
    if lines is None:  # the encoding guesser's wording varies: the rule and the advice must be there
        assert len(problems) == 1 and ":-:-: encoding: the file is not UTF-8" in problems[0] and "save it as 'CSV UTF-8'" in problems[0]
    else:
        assert problems == lines
    assert (res.rows_in, res.accepted, res.quarantined) == (rows_in, accepted, quarantined)
    assert res.rows_in == res.accepted + res.quarantined
    assert res.exit_code == code
    if stored is not None:
        assert _stored(project, stored) == [stored[-1]]
    if res.sha256:
        # Logged and archived, whatever the outcome: nothing received is lost.
        assert (project.root / res.archive_path).read_bytes() == content
        assert tflib.submissions("sica", project).filter(pl.col("submission_id") == res.sha256).height == 1
    # A sender's file name is made safe wherever it is stored or shown.
    assert not set('<>"') & set(res.file + "".join(res.feedback_paths) + (res.quarantine_path or ""))
    if res.sha256:
        logged = tflib.submissions("sica", project).filter(pl.col("submission_id") == res.sha256)["file_name"].to_list()
        assert logged == [res.file]
    if quarantined:
        kept = (project.root / res.quarantine_path).read_text(encoding="utf-8")
        assert kept.count("\n") >= quarantined + 1
