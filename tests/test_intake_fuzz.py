"""Property-based fuzz of the readers: whatever bytes arrive, ingest never raises, and every
row read is either accepted or quarantined (rows_in = accepted + quarantined)."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tflib.ingest import check_file
from tflib.params import load_region
from tflib.plan import allocate

PARAMS = load_region("sica")
ITEMS = dict(allocate(PARAMS).select("item_id", "country").iter_rows())
HEADER = "country,item_id,reported_on,status,pct_complete,note\r\n"
CELL = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["GTM", "CRI", next(iter(ITEMS)), "2026-01-31", "31/01/2026", "1,250", "45 %", "0.45", "=A1", '"', ";", "\t", "\x00", "\ufeff"]),
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def _check(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    checked = check_file(path, PARAMS, ITEMS)
    res = checked.result
    assert res.rows_in == res.accepted + res.quarantined
    assert res.outcome in ("accepted", "partial", "rejected", "unreadable")
    assert all(p.rule != "internal_error" for p in res.problems), [str(p) for p in res.problems]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600), st.sampled_from(["f.csv", "f.xlsx", "f.json", "f.tsv"]))
def test_arbitrary_bytes_never_crash(tmp_path, data, name):
    _check(tmp_path, name, data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(CELL, max_size=8), max_size=6), st.sampled_from([",", ";", "\t"]))
def test_csv_shaped_text_never_crashes(tmp_path, rows, delimiter):
    body = "\r\n".join(delimiter.join(r) for r in rows)
    _check(tmp_path, "f.csv", (HEADER.replace(",", delimiter) + body).encode("utf-8", "surrogatepass"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.one_of(CELL, st.integers(-10**9, 10**9), st.floats(-1e6, 1e6), st.none()), max_size=7), max_size=5))
def test_workbook_cells_never_crash(tmp_path, rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "Progress"
    ws.append(HEADER.strip().split(","))
    for r in rows:
        # Control characters cannot be stored in a worksheet (Excel refuses them too).
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in r])
    buf = io.BytesIO()
    wb.save(buf)
    _check(tmp_path, "f.xlsx", buf.getvalue())
