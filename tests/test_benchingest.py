"""The ingest benchmark at a small size: every row it generates is a valid progress row, read,
accepted and stored, spread over members and reporting dates (no timing is asserted: timings
are the benchmark's to print)."""

from __future__ import annotations

import csv

import duckdb
import pytest

from tflib.benchingest import BENCH_REGION, run
from tflib.params import load_region

from projects import REPO

ROWS = 20_000


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("benchingest")
    return workdir, run(rows=ROWS, workdir=workdir, template_project=REPO)


def test_every_generated_row_is_read_accepted_and_stored(bench):
    workdir, result = bench
    files = sorted((workdir / "project" / "data" / "submissions" / BENCH_REGION / "bench").glob("*.csv"))
    written = []
    for path in files:
        with path.open(newline="", encoding="utf-8") as fh:
            written.extend(list(csv.reader(fh))[1:])
    assert len(written) == ROWS == result.rows
    assert result.files == len(files)
    assert result.rows_in == result.accepted == result.stored == ROWS and result.quarantined == 0
    con = duckdb.connect(str(workdir / "project" / "data" / "store" / f"{BENCH_REGION}.duckdb"), read_only=True)
    try:
        stored = con.execute("SELECT country, item_id, CAST(reported_on AS VARCHAR), status, pct_complete FROM progress_updates").fetchall()
        logged = con.execute("SELECT count(*), sum(accepted), sum(quarantined) FROM submissions").fetchone()
    finally:
        con.close()
    assert sorted((c, i, d, s, float(p)) for c, i, d, s, p, *_ in written) == sorted(stored)
    assert logged == (len(files), ROWS, 0)


def test_rows_are_spread_over_members_items_and_dates(bench):
    workdir, result = bench
    params = load_region(BENCH_REGION, workdir / "project")
    con = duckdb.connect(str(workdir / "project" / "data" / "store" / f"{BENCH_REGION}.duckdb"), read_only=True)
    try:
        members, items, dates, statuses = con.execute(
            "SELECT count(DISTINCT country), count(DISTINCT item_id), count(DISTINCT reported_on), count(DISTINCT status) FROM progress_updates"
        ).fetchone()
    finally:
        con.close()
    assert members == result.members == len(params.region.members) > 1
    assert dates == result.reporting_dates > 100
    assert items > result.items / 2  # the last member reports only until the rows run out
    assert statuses >= 3
    assert result.items == sum(len(m.steps) for m in params.measures) * result.members


def test_lines_report_the_counts_and_the_targets(bench):
    _, result = bench
    text = "\n".join(result.lines())
    assert f"{ROWS:,} rows from {result.files} CSV files" in text
    assert f"accepted {ROWS:,}, quarantined 0, stored {ROWS:,}" in text
    assert "target 60 s" in text and "target 2,048 MiB" in text
    assert result.peak_mib > 0
