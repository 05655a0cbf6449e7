"""An ingest is one unit: rows, log entry, archive, quarantine and feedback land together or
not at all. Real `tflib ingest` processes are killed (SIGKILL, no clean-up) at each named
point of the commit and at seeded random moments; the next command completes or undoes the
interrupted ingest, and then either everything of the file is there or nothing is."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tflib.params import load_region
from tflib.plan import allocate

from projects import make_project

ROWS = 6_000


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "proj")


def big_submission(path: Path, rows: int = ROWS, bad_every: int = 997) -> Path:
    """`rows` progress rows of distinct (item, date), every `bad_every`-th with a bad status."""
    items = allocate(load_region("sica")).select("item_id", "country").rows()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["country", "item_id", "reported_on", "status", "pct_complete", "note"])
        start = dt.date(2024, 6, 1)
        for n in range(rows):
            item, country = items[n % len(items)]
            day = start + dt.timedelta(days=n // len(items))
            w.writerow([country, item, day.isoformat(), "done-ish" if n % bad_every == 5 else "partial", "40", ""])
    return path


def tflib_cmd(project, *args, env_extra=None, **kwargs):
    env = {**os.environ, "TFLIB_ROOT": str(project.root), **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", "tflib", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def run(project, *args, env_extra=None):
    proc = tflib_cmd(project, *args, env_extra=env_extra)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def state(project, sha: str) -> dict:
    store = project.store_dir / "sica.duckdb"
    logged = rows = 0
    if store.exists():
        con = duckdb.connect(str(store), read_only=True)
        try:
            logged = con.execute("SELECT count(*) FROM submissions WHERE submission_id = ?", [sha]).fetchone()[0]
            rows = con.execute("SELECT count(*) FROM progress_updates WHERE submission_id = ?", [sha]).fetchone()[0]
        finally:
            con.close()
    return {
        "logged": logged,
        "rows": rows,
        "archive": (project.archive_dir / "sica" / f"{sha}.csv").exists(),
        "quarantine": len(list((project.quarantine_dir / "sica").glob(f"*-{sha[:12]}*.csv"))),
        "feedback": len(list((project.feedback_dir / "sica").glob(f"*-{sha[:12]}.*.md"))),
        "pending": len(list((project.pending_dir / "sica").glob("*"))) if (project.pending_dir / "sica").exists() else 0,
    }


ACCEPTED = ROWS - len([n for n in range(ROWS) if n % 997 == 5])


MEMBERS = len(load_region("sica").countries)  # one feedback file per country in the file


def all_of_it(s: dict) -> bool:
    return s == {"logged": 1, "rows": ACCEPTED, "archive": True, "quarantine": 1, "feedback": MEMBERS, "pending": 0}


def none_of_it(s: dict) -> bool:
    return s == {"logged": 0, "rows": 0, "archive": False, "quarantine": 0, "feedback": 0, "pending": 0}


@pytest.mark.parametrize(
    "point, landed",
    [("staged", False), ("before_commit", False), ("committed", True), ("moved_one", True)],
)
def test_a_kill_at_each_commit_point_leaves_all_or_nothing(project, point, landed):
    path = big_submission(project.root / "in" / "gtm_big.csv")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    code, _out, _err = run(project, "ingest", str(path), env_extra={"TFLIB_INGEST_FAULT": point})
    assert code == -signal.SIGKILL
    assert state(project, sha)["pending"] == 1  # the interrupted ingest is visible ...
    code, _out, err = run(project, "info")  # ... and the next command settles it
    assert code == 0, err
    assert ("completed the interrupted ingest" if landed else "rolled back the interrupted ingest") in err
    after = state(project, sha)
    assert all_of_it(after) if landed else none_of_it(after), after
    # Sending the file again completes what was undone, and adds nothing to what landed.
    code, out, err = run(project, "ingest", str(path))
    assert code == 1, err
    assert all_of_it(state(project, sha))
    assert ("1 already ingested" in out) == landed


def test_kills_at_random_moments_leave_all_or_nothing(project):
    path = big_submission(project.root / "in" / "gtm_big.csv")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    seed = int(os.environ.get("TFLIB_KILL_SEED", random.randrange(1_000_000)))
    print(f"kill seed {seed} (replay with TFLIB_KILL_SEED={seed})")
    rng = random.Random(seed)
    started = time.perf_counter()
    code, _, err = run(project, "ingest", str(path))
    full = time.perf_counter() - started
    assert code == 1, err
    assert all_of_it(state(project, sha))
    # Fresh projects, each killed at a random moment within a full run's duration.
    for attempt in range(3):
        proj = make_project(project.root.parent / f"kill{attempt}")
        delay = rng.uniform(0.5, full)
        proc = tflib_cmd(proj, "ingest", str(path))
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        code, _, err = run(proj, "info")
        assert code == 0, f"seed {seed}, attempt {attempt}, killed after {delay:.2f}s: {err}"
        s = state(proj, sha)
        assert all_of_it(s) or none_of_it(s), f"seed {seed}, attempt {attempt}, killed after {delay:.2f}s: {s}"


def test_two_ingests_at_once_both_land(project):
    first = big_submission(project.root / "in" / "a.csv", rows=3000)
    second = project.root / "in" / "b.csv"
    second.write_text(first.read_text(encoding="utf-8").replace(",40,", ",41,"), encoding="utf-8")
    # Same keys, other values: whichever lands second finds its rows contradicting the first's.
    procs = [tflib_cmd(project, "ingest", str(p)) for p in (first, second)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], outputs
    assert all("Traceback" not in err for _, err in outputs)
    shas = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (first, second)]
    con = duckdb.connect(str(project.store_dir / "sica.duckdb"), read_only=True)
    try:
        log = pl.from_arrow(con.sql("SELECT submission_id, accepted, quarantined FROM submissions").to_arrow_table())
        stored = con.execute("SELECT count(*) FROM progress_updates").fetchone()[0]
    finally:
        con.close()
    assert sorted(log["submission_id"]) == sorted(shas)
    valid = 3000 - len([n for n in range(3000) if n % 997 == 5])
    # One file's rows were stored; the other's all contradict them and are quarantined.
    assert sorted(log["accepted"]) == [0, valid] and stored == valid
