"""A workbook at Excel's row limit (1,048,576 rows: the header and 1,048,575 data rows) is
read whole: every row is accepted or quarantined, within 2 GiB. Generated in the test with
xlsxwriter in constant-memory mode, never committed."""

from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys

import duckdb
import pytest

from tflib.params import load_region
from tflib.plan import allocate

from projects import make_project

EXCEL_ROWS = 1_048_576
GIB = 1024**3


@pytest.mark.slow
def test_a_workbook_at_the_excel_row_limit_is_read_whole_within_2_gib(tmp_path):
    import xlsxwriter

    proj = make_project(tmp_path / "proj")
    items = allocate(load_region("sica")).select("item_id", "country").rows()
    n = EXCEL_ROWS - 1
    dates = [(dt.date(2020, 1, 1) + dt.timedelta(days=k)).isoformat() for k in range(n // len(items) + 1)]
    path = tmp_path / "excel_limit.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Progress")
    ws.write_row(0, 0, ["country", "item_id", "reported_on", "status", "pct_complete", "note"])
    for i in range(n):
        item, country = items[i % len(items)]
        # The last row breaks a rule, so the quarantine path runs at full size too.
        ws.write_row(i + 1, 0, [country, item, dates[i // len(items)], "partial" if i < n - 1 else "done-ish", 40])
    wb.close()

    env = {**os.environ, "TFLIB_ROOT": str(proj.root)}
    done = subprocess.run([sys.executable, "-m", "tflib", "ingest", str(path)], env=env, capture_output=True, text=True, timeout=600)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert f"rows in {n:,} = accepted {n - 1:,} + quarantined 1" in done.stdout
    assert f"excel_limit.xlsx:{EXCEL_ROWS}:status: status_scale:" in done.stderr
    assert peak < 2 * GIB, f"peak memory {peak / GIB:.2f} GiB"
    con = duckdb.connect(str(proj.store_dir / "sica.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM progress_updates").fetchone()[0] == n - 1
    finally:
        con.close()
