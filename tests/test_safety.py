"""Hostile text in downloads and file names, unit by unit (the built site is checked in
test_hostile_text): a text cell never opens as a formula in a spreadsheet, numbers are never
altered, and a sender's file name never brings a path or control characters with it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tflib import pages
from tflib.feedback import write_feedback
from tflib.params import load_region
from tflib.rules import IngestResult, Problem
from tflib.safety import md_escape, neutralise_cell, neutralise_frame, safe_filename
from tflib.site.downloads import write_csv, write_page_downloads, write_xlsx
from tflib.site.model import PageRecord
from tflib.site.report import Output
from tflib.tables import Table

TRIGGERS = ["=1+2", "+1", "-x", "@SUM(A1)", "\t=1", "\r=1"]
HOSTILE = ['=HYPERLINK("http://evil.example/","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1"]


def test_a_cell_that_would_be_a_formula_gets_a_leading_quote():
    for text in TRIGGERS:
        assert neutralise_cell(text) == "'" + text
    for text in ["", "plain", "a=b", "5", "'=already", " =1", "＝not ascii"]:
        assert neutralise_cell(text) == text
    assert neutralise_cell(neutralise_cell("=1")) == "'=1"  # applying it again changes nothing


def test_only_text_columns_are_neutralised():
    frame = pl.DataFrame({"t": ["=1", None, "ok"], "n": [-5, 1, None]})
    out = neutralise_frame(frame)
    assert out["t"].to_list() == ["'=1", None, "ok"] and out["n"].to_list() == [-5, 1, None]
    with pytest.raises(TypeError, match="not text"):
        neutralise_frame(frame, ["n"])


def _table() -> Table:
    frame = pl.DataFrame(
        {
            "text": HOSTILE,
            "number": [-5.0, -0.25, 3.0, -1.5, 2.0, -7.0],
            "count": [-5, 0, 1, -2, 3, 4],
            "money": [Decimal("-5.00"), Decimal("1.50"), Decimal("0.00"), Decimal("-0.01"), Decimal("2.00"), Decimal("3.00")],
            "when": [dt.date(2026, 9, 30)] * 6,
            "tags": [["=a", "b"], ["-c"], [], ["d"], ["@e"], ["f"]],
        },
        schema_overrides={"money": pl.Decimal(38, 2)},
    )
    return Table("hostile", frame, title="Hostile", source="test", precision={"number": 2})


def _xml(text: str) -> str:
    """Text as an XML reader returns it: a carriage return reads back as a line feed."""
    return text.replace("\r", "\n")


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_csv_text_cells_are_neutralised_and_numbers_kept(tmp_path):
    write_csv(_table(), tmp_path / "t.csv")
    header, *rows = _csv_rows((tmp_path / "t.csv").read_bytes())
    col = {name: [r[i] for r in rows] for i, name in enumerate(header)}
    assert col["text"] == ["'" + v for v in HOSTILE]
    # Numbers are numbers: -5 is written as the number, never quoted.
    assert col["number"] == ["-5.00", "-0.25", "3.00", "-1.50", "2.00", "-7.00"]
    assert col["count"] == ["-5", "0", "1", "-2", "3", "4"]
    assert col["money"] == ["-5.00", "1.50", "0.00", "-0.01", "2.00", "3.00"]
    assert col["when"] == ["2026-09-30"] * 6
    assert col["tags"] == ["'=a; b", "'-c", "", "d", "'@e", "f"]


def test_xlsx_text_is_a_string_cell_neutralised_and_numbers_are_numbers(tmp_path):
    tab = _table()
    frame = tab.frame.with_columns(pl.col("tags").list.join("; "))
    path = tmp_path / "t.xlsx"
    write_xlsx([("hostile", frame), ("notes", pl.DataFrame({"note": ["=1+1", "fine"]}))], path, dt.datetime(2026, 9, 30))
    with zipfile.ZipFile(path) as zf:
        sheets = [zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets)  # no formula anywhere
    wb = openpyxl.load_workbook(path)
    ws = wb["hostile"]
    header = [c.value for c in ws[1]]
    cells = {name: [ws.cell(row=r, column=i + 1) for r in range(2, ws.max_row + 1)] for i, name in enumerate(header)}
    assert [c.value for c in cells["text"]] == ["'" + _xml(v) for v in HOSTILE]
    assert all(c.data_type == "s" for c in cells["text"] + cells["tags"] if c.value is not None)
    assert [c.value for c in cells["number"]] == [-5.0, -0.25, 3.0, -1.5, 2.0, -7.0]
    assert [c.value for c in cells["count"]] == [-5, 0, 1, -2, 3, 4]
    assert [c.value for c in cells["money"]] == [-5.0, 1.5, 0.0, -0.01, 2.0, 3.0]
    assert all(c.data_type == "n" for c in cells["number"] + cells["count"] + cells["money"])
    assert [c.value for c in cells["tags"]] == ["'=a; b", "'-c", None, "d", "'@e", "f"]
    assert [c.value for c in wb["notes"]["A"]][1:] == ["'=1+1", "fine"]


def test_every_csv_and_workbook_of_a_page_is_neutralised(tmp_path):
    """The page's CSV, the CSV in its ZIP, its workbook sheets and its codebook."""
    tab = _table()
    record = PageRecord(pages.Address("sica", "overview", None, "en"), tmp_path / "x.ipynb", True)
    links = write_page_downloads(record, [Output(None, [tab])], tmp_path / "out", "en", title="t")
    paths = dict((p.name, p) for _, p in links["page"])
    with zipfile.ZipFile(paths["data-csv.zip"]) as zf:
        zipped = zf.read("hostile.csv")
    assert zipped == (tmp_path / "out" / "hostile.csv").read_bytes()
    for data in [zipped, paths["codebook.csv"].read_bytes()]:
        header, *rows = _csv_rows(data)
        for row in rows:
            for name, cell in zip(header, row):
                if name not in ("number", "count", "money"):
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    wb = openpyxl.load_workbook(paths["data.xlsx"])
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s" and not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (ws.title, cell.value)
    assert [c.value for c in wb["hostile"]["A"]][1:] == ["'" + _xml(v) for v in HOSTILE]


# ---------------------------------------------------------------------------------------------
# File names


@pytest.mark.parametrize(
    "name, expected",
    [
        ("CRI_progress.csv", "CRI_progress.csv"),
        ("Informe de Panamá – septiembre.xlsx", "Informe de Panamá – septiembre.xlsx"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\focal\\Desktop\\gtm.csv", "gtm.csv"),
        ("..\\..\\boot.ini", "boot.ini"),
        (".hidden.csv", "hidden.csv"),
        ("...", "file"),
        ("", "file"),
        ('<>:"|?*', "file"),
        ('report<script>"x".csv', "reportscriptx.csv"),
        ("a\x00b\nc\x1b[31m.csv", "abc[31m.csv"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override would show "exe.pdf"
        ("con.csv", "_con.csv"),
        ("NUL", "_NUL"),
        ("  many   spaces  .csv  ", "many spaces.csv"),
        ("trailing dots...", "trailing dots"),
        ("--rf .csv", "rf.csv"),  # not read as a command-line option
    ],
)
def test_safe_filename_keeps_a_readable_name(name, expected):
    assert safe_filename(name) == expected


def test_safe_filename_limits_length_and_keeps_the_extension():
    long = safe_filename("x" * 500 + ".xlsx")
    assert len(long) == 120 and long.endswith(".xlsx")
    wide = safe_filename("é" * 300 + ".csv")
    assert len(wide.encode("utf-8")) <= 200 and wide.endswith(".csv")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_safe_filename_is_always_a_plain_non_empty_name(name):
    out = safe_filename(name)
    assert out and len(out) <= 120 and len(out.encode("utf-8")) <= 200
    assert not any(ch in out for ch in '<>:"/\\|?*')
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in out)
    assert not out.startswith((".", "-")) and out == out.strip() and not out.endswith(".")
    assert safe_filename(out) == out  # already safe: unchanged


def test_feedback_file_names_come_from_a_safe_name(tmp_path):
    params = load_region("sica")
    folder = tmp_path / "feedback"
    name = "../../../etc/cron.d/x\x00<img src=x onerror=alert(1)>.csv"
    result = IngestResult(file=name, sha256="ab" * 32, kind="progress", rows_in=1, accepted=0, quarantined=1, outcome="rejected")
    problem = Problem(name, 2, "pct_complete", "pct_range", "140 is outside 0-100", "140")
    (path,) = write_feedback(result, params, folder, [], [(2, {"country": "CRI"}, [problem])], dt.date(2026, 9, 30))
    assert path.parent == folder and path.name == f"ximg src=x onerror=alert(1)-{'ab' * 6}.CRI.es.md"
    text = path.read_text(encoding="utf-8")
    heading = text.splitlines()[0]
    assert heading.endswith("ximg src=x onerror=alert\\(1\\)\\.csv") and "<img" not in text and "../" not in text


def test_md_escape_shows_markup_as_text():
    assert md_escape("**bold** <b>x</b> [l](u) $x$ {{< include x >}}") == r"\*\*bold\*\* \<b\>x\</b\> \[l\]\(u\) \$x\$ \{\{\< include x \>\}\}"


def test_quarto_markdown_shows_titles_as_text():
    from tflib.site.quarto import _md

    assert _md("A & B **c**") == r"A &amp; B \*\*c\*\*"
    assert Path(safe_filename("x/y.csv")).name == "y.csv"
