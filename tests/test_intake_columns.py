"""Delimited text is checked column by column (each rule once per distinct value), a workbook
row by row. The same cells must get the same verdicts either way: the same rows accepted with
the same values, the same rows quarantined with the same problem lines and quarantine file,
the same template rows skipped, on a mix of good and bad rows and on random ones."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tflib.ingest import check_file, ingest
from tflib.params import load_region
from tflib.plan import allocate
from tflib.store import Store

from projects import make_project

PARAMS = load_region("sica")
PLAN = allocate(PARAMS)
ITEMS = dict(PLAN.select("item_id", "country").iter_rows())
HEADER = ["country", "item_id", "reported_on", "status", "pct_complete", "note", "illustrative", "Observaciones"]
C0, C1, C2 = PLAN.filter(pl.col("country") == "CRI")["item_id"].to_list()[:3]
G0, G1, G2 = PLAN.filter(pl.col("country") == "GTM")["item_id"].to_list()[:3]

MIXED = [
    ["GTM", G0, "2026-01-31", "partial", "40", "", "true", ""],  # good
    ["GTM", G1, "2026-01-31", "full", "100", "listo", "", ""],  # good
    [" gtm ", f" {G2} ", "2026-01-31 ", " Parcial ", " 45 ", "  ", "sí", ""],  # good, padded and lower case
    ["CRI", C0, "31/01/2026", "pilot", "12,5", "", "no", ""],  # good: CRI writes dd/mm/yyyy and decimal commas
    ["CRI", C1, "31/01/2026", "pilot", "12.5", "", "", ""],  # a decimal point where CRI writes a comma
    ["GTM", G0, "2026-01-31", "partial", "40", "", "", ""],  # the same item and date as row 2
    ["GTM", G0, "2026-02-28", "partial", "40", "", "", ""],  # good: another date
    ["XXX", G0, "2026-02-28", "partial", "40", "", "", ""],  # not a member
    ["", G0, "2026-03-31", "partial", "40", "", "", ""],  # no country
    ["GTM", C2, "2026-03-31", "partial", "40", "", "", ""],  # another member's item
    ["GTM", "GTM-NOPE-S1", "2026-03-31", "partial", "40", "", "", ""],  # not in the plan
    ["GTM", G1, "2026-13-01", "partial", "40", "", "", ""],  # not a calendar date
    ["GTM", G1, "45000", "partial", "40", "", "", ""],  # a serial date
    ["GTM", G1, "2027-01-31", "partial", "40", "", "", ""],  # after the reporting date
    ["GTM", G1, "03/04/2026", "partial", "40", "", "", ""],  # good: day-first, as GTM declares
    ["GTM", G2, "2026-04-30", "done-ish", "40", "", "", ""],  # off the status scale
    ["GTM", G2, "2026-05-31", "", "40", "", "", ""],  # no status
    ["GTM", G2, "2026-06-30", "partial", "1,250", "", "", ""],  # 1250 where GTM groups thousands with commas
    ["GTM", G2, "2026-07-31", "partial", "0.45", "", "", ""],  # a fraction or a small percentage
    ["GTM", G2, "2026-08-31", "partial", "101", "", "", ""],  # over 100
    ["GTM", G0, "2026-04-30", "partial", "100", "", "", ""],  # 100 % needs full
    ["GTM", G0, "2026-05-31", "full", "90", "", "", ""],  # full needs 100 %
    ["GTM", G0, "2026-06-30", "not started", "5", "", "", ""],  # not started needs 0 %
    ["GTM", G0, "2026-07-31", "partial", "abc", "x" * 10_001, "maybe", ""],  # three bad cells
    ["GTM", G1, "2026-04-30", "partial", "45 %", "", "", "falta firma"],  # a value under an unknown heading
    ["GTM", G1, "2026-05-31", "partial", "40", "", "", "", "spilled"],  # a value beyond the header
    ["GTM", G1, "", "", "", "", "", ""],  # a template row left unfilled: not data
    ["", "", "", "", "", "", "", ""],  # an empty line
    ["GTM", G1, "", "", "", "", "true", ""],  # a template row with something filled in: data
    ["GTM", G2, "2026-09-30", "full", "100", "", "", ""],  # good
]


def csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue().encode()


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Progress"
    for row in [HEADER, *rows]:
        ws.append(row)
    for row in ws.iter_rows():
        for cell in row:
            cell.data_type = "s"  # text as written, never a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def verdicts(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    checked = check_file(path, PARAMS, ITEMS)
    res = checked.result
    accepted = pl.concat([p.accepted for p in checked.parts])
    rejected = [(row, [str(p).split(":", 1)[1] for p in problems]) for part in checked.parts for row, _, problems in part.rejected]
    counts = (res.rows_in, res.accepted, res.quarantined, res.skipped_blank, res.outcome)
    return counts, accepted, rejected, [str(p).split(":", 1)[1] for p in res.problems]


def test_mixed_rows_get_the_same_verdicts_from_csv_and_workbook(tmp_path):
    by_column = verdicts(tmp_path, "mixed.csv", csv_bytes(MIXED))
    by_row = verdicts(tmp_path, "mixed.xlsx", xlsx_bytes(MIXED))
    counts, accepted, rejected, problems = by_column
    assert counts == by_row[0]
    assert accepted.equals(by_row[1]), (accepted, by_row[1])
    assert rejected == by_row[2]
    assert problems == by_row[3]
    # The mix is what it says: good rows, each kind of bad row, one template row skipped.
    assert counts == (28, 7, 21, 1, "partial")
    assert accepted["source_row"].to_list() == [2, 3, 4, 5, 8, 16, 31]
    rules = {p.split(": ")[1] for p in problems}
    assert rules >= {"number_locale", "duplicate", "unknown_country", "required", "item_country_mismatch", "unknown_item",
                     "bad_date", "serial_date", "after_as_of", "status_scale", "ambiguous_percent",
                     "pct_range", "status_pct", "not_a_number", "too_long", "bad_boolean", "unknown_column", "extra_values"}


def test_mixed_rows_store_and_quarantine_the_same_from_csv_and_workbook(tmp_path):
    stored, quarantined = [], []
    for name, data in (("mixed.csv", csv_bytes(MIXED)), ("mixed.xlsx", xlsx_bytes(MIXED))):
        proj = make_project(tmp_path / name.replace(".", "_"))
        path = proj.root / "in" / name
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        (res,) = ingest([path], "sica", proj)
        with Store.open("sica", proj, read_only=True) as store:
            stored.append(store.frame("SELECT item_id, country, reported_on, status, pct_complete, note, illustrative, source_row FROM progress_updates ORDER BY update_id"))
        quarantined.append((proj.root / res.quarantine_path).read_text(encoding="utf-8"))
    assert stored[0].height == 7 and stored[0].equals(stored[1])
    assert quarantined[0] == quarantined[1]


CELLS = {
    "country": ["GTM", "CRI", "gtm", " CRI", "XXX", "", "BLZ"],
    "item_id": [G0, G1, C0, f" {C1}", "nope", ""],
    "reported_on": ["2026-01-31", "2026-02-28", "31/01/2026", "03/04/2026", "2026-02-30", "2027-01-01", "45000", "", "2026-1-31"],
    "status": ["partial", "pilot", "full", "not_started", "Parcial", "FULL", "done", ""],
    "pct_complete": ["0", "40", "100", "12,5", "12.5", "1,250", "0.45", "45 %", "-1", "", "abc", "nan"],
    "note": ["", "nota", "  "],
    "illustrative": ["", "true", "no", "maybe"],
    "Observaciones": ["", "", "", "x"],
}
ROW = st.tuples(*(st.sampled_from(values) for values in CELLS.values())).map(list)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ROW, max_size=25))
def test_random_rows_get_the_same_verdicts_from_csv_and_workbook(tmp_path, rows):
    by_column = verdicts(tmp_path, "f.csv", csv_bytes(rows))
    by_row = verdicts(tmp_path, "f.xlsx", xlsx_bytes(rows))
    assert by_column[0] == by_row[0]
    assert by_column[1].equals(by_row[1])
    assert by_column[2:] == by_row[2:]


@pytest.mark.parametrize("rows", [[], [["", "", "", "", "", "", "", ""]]])
def test_a_file_with_no_data_rows_is_the_same_either_way(tmp_path, rows):
    assert verdicts(tmp_path, "f.csv", csv_bytes(rows))[0] == verdicts(tmp_path, "f.xlsx", xlsx_bytes(rows))[0]
