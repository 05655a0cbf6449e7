"""Concurrent use of a region's store by separate processes: writers take turns, a writer
that cannot get the store in time says so (exit 3), readers wait out a write, and a backup
taken while readers run restores to the same rows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

import tflib
from tflib import store as store_mod
from tflib.ingest import ingest
from tflib.store import Store, StoreBusy, store_path

from projects import make_project, write_csv

WORKER = Path(__file__).with_name("store_worker.py")
HEADER = ["country", "item_id", "reported_on", "status", "pct_complete", "note"]


def _worker(proj, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(proj.root), "sica", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=WORKER.parent,
    )


def _first_line(proc: subprocess.Popen, expect: str) -> str:
    line = proc.stdout.readline()
    assert line.startswith(expect), (line, proc.stderr.read() if proc.poll() is not None else "")
    return line


def _tflib(proj, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "TFLIB_ROOT": str(proj.root), "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-m", "tflib", *args], env=env, capture_output=True, text=True, encoding="utf-8", timeout=timeout, cwd=proj.root)


def _cli(proj, *args: str):
    """The command line in this process (no start-up time) against `proj`."""
    from typer.testing import CliRunner

    from tflib.cli import app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TFLIB_ROOT", str(proj.root))
        mp.setenv("COLUMNS", "200")
        return CliRunner().invoke(app, list(args))


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def project(tmp_path):
    proj = make_project(tmp_path / "proj")
    Store.create("sica", proj).close()
    return proj


def test_two_writers_at_once_both_land_one_after_the_other(project):
    a = _worker(project, "hold", "1.5", "60", "writer-a")
    b = _worker(project, "hold", "1.5", "60", "writer-b")
    out = {}
    for name, proc in (("a", a), ("b", b)):
        stdout, stderr = proc.communicate(timeout=90)
        assert proc.returncode == 0, (name, stdout, stderr)
        out[name] = {line.split()[0]: float(line.split()[1]) for line in stdout.splitlines()}
    first, second = sorted(out.values(), key=lambda o: o["locked"])
    # The second writer waited for the first: their write windows do not overlap.
    assert second["locked"] >= first["releasing"], out
    log = tflib.submissions("sica", project)
    assert set(log["submission_id"]) == {"writer-a", "writer-b"}
    assert tflib.counts("sica", project)["progress_updates"] == 2


def test_a_writer_that_cannot_get_the_store_in_time_is_told_so(project):
    holder = _worker(project, "hold", "6")
    try:
        _first_line(holder, "locked")
        started = time.monotonic()
        with pytest.raises(StoreBusy) as info:
            Store.create("sica", project, wait=0.5)
        assert 0.5 <= time.monotonic() - started < 5
        message = str(info.value)
        assert "\n" not in message and str(store_path("sica", project)) in message and "0.5 s" in message, message
        assert isinstance(info.value, RuntimeError)

        # From the command line: one line and exit 3.
        res = _cli(project, "submission", "void", "abc", "--reason", "test", "--wait", "1")
        assert res.exit_code == 3, (res.stdout, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "busy" in lines[0] and "1 s" in lines[0], res.stderr
    finally:
        _stop(holder)
    assert tflib.counts("sica", project)["submission_voids"] == 0


def test_an_ingest_that_cannot_get_the_store_in_time_exits_3(project, tmp_path):
    item = tflib.action_items("sica", country="CRI", project=project)["item_id"][0]
    inbox = write_csv(tmp_path / "inbox" / "cri.csv", HEADER, [["CRI", item, "2025-03-31", "partial", 40, ""]])
    holder = _worker(project, "hold", "10")
    try:
        _first_line(holder, "locked")
        res = _tflib(project, "ingest", str(inbox), "--region", "sica", "--wait", "1")
    finally:
        _stop(holder)
    assert res.returncode == 3, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "busy" in lines[0] and "1 s" in lines[0], res.stderr
    assert tflib.counts("sica", project)["progress_updates"] == 0


def test_readers_wait_for_a_write_in_progress_instead_of_failing(project):
    holder = _worker(project, "hold", "2.5")
    try:
        _first_line(holder, "locked")
        started = time.monotonic()
        # DuckDB alone would refuse: another process has the file open read-write.
        res = _cli(project, "info", "--region", "sica")
        waited = time.monotonic() - started
        stdout, stderr = holder.communicate(timeout=60)
    finally:
        _stop(holder)
    assert holder.returncode == 0, stderr
    assert res.exit_code == 0, (res.stdout, res.stderr)
    assert "progress_updates" in res.stdout
    assert waited > 1.0, waited  # it really had to wait for the writer
    assert time.time() >= float(stdout.split()[-1])  # and read after the writer let go


def _ingest_some(proj, tmp_path) -> None:
    items = tflib.action_items("sica", country="GTM", project=proj)["item_id"].to_list()
    files = [
        write_csv(tmp_path / "in" / f"gtm-{i}.csv", HEADER, [["GTM", items[i], f"2025-0{i + 1}-28", "partial", 10 * (i + 1), f"month {i}"]])
        for i in range(3)
    ]
    results = ingest(files, "sica", proj)
    assert all(r.exit_code == 0 for r in results), [r.problems for r in results]


def _reads_so_far(reads_file: Path) -> int:
    try:
        return int(reads_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 0


READS_DURING_A_COPY = 3


def test_a_backup_taken_while_readers_run_restores_the_same_rows(project, tmp_path, monkeypatch):
    _ingest_some(project, tmp_path)
    before = tflib.counts("sica", project)
    stop, release, reads_file = tmp_path / "stop", tmp_path / "release", tmp_path / "reads"
    # Each backup copies the store (under its write lock) only once the reader has read it a
    # few more times since the copy began: readers go on while a backup is taken, however
    # slow the machine (a reader held back would hold the backup back, and the test fails).
    real_copy, during = store_mod._copy, []

    def copy_once_readers_read(source: Path, target: Path) -> None:
        if stop.exists():  # the reader is done (the restores below)
            return real_copy(source, target)
        start, deadline = _reads_so_far(reads_file), time.monotonic() + 30
        while _reads_so_far(reads_file) < start + READS_DURING_A_COPY and time.monotonic() < deadline:
            time.sleep(0.01)
        during.append(_reads_so_far(reads_file) - start)
        real_copy(source, target)

    monkeypatch.setattr(store_mod, "_copy", copy_once_readers_read)
    # A reader reading over and over, and a writer mid-way (its row committed, the file still
    # held read-write) when the backup starts.
    reader = _worker(project, "read-loop", str(stop), str(reads_file))
    writer = _worker(project, "hold", "60", "60", "during-backup", str(release))
    try:
        _first_line(reader, "reading")
        _first_line(writer, "locked")
        out = tmp_path / "backups" / "sica-copy.duckdb"
        done: dict = {}
        job = threading.Thread(target=lambda: done.update(copy=store_mod.backup("sica", project, out=out)))
        job.start()
        job.join(1.0)
        assert job.is_alive() and not out.exists()  # the backup waits for the writer
        release.touch()
        job.join(60)
        assert during and during[0] >= READS_DURING_A_COPY, during  # the reader read on while the backup held the store
        assert done["copy"].path == out and out.exists()
        written, _ = writer.communicate(timeout=60)
        assert writer.returncode == 0
        res = _cli(project, "store", "backup", "--region", "sica", "--out", str(tmp_path / "backups"))
        assert res.exit_code == 0, (res.stdout, res.stderr)
        second = next(p for p in (tmp_path / "backups").iterdir() if p != out)
        assert str(second) in res.stdout
    finally:
        stop.touch()
        release.touch()
        stdout, stderr = reader.communicate(timeout=60)
        _stop(writer)
    assert reader.returncode == 0, (stdout, stderr)
    report = json.loads(stdout.splitlines()[-1])
    # Both backups (the call and the command) were copied while the reader read on.
    assert len(during) == 2 and min(during) >= READS_DURING_A_COPY, during
    assert report["errors"] == [] and report["reads"] >= sum(during), report
    after = tflib.counts("sica", project)
    assert after["progress_updates"] == before["progress_updates"] + 1
    assert report["counts"] in ([before, after], [after]), report  # readers saw whole commits only
    assert done["copy"].counts == after == store_mod.inspect(second, "sica").counts
    history = tflib.progress("sica", history=True, project=project)

    fresh = make_project(tmp_path / "fresh")
    res = _cli(fresh, "store", "restore", str(out), "--region", "sica")
    assert res.exit_code == 0, (res.stdout, res.stderr)
    assert tflib.counts("sica", fresh) == after
    assert tflib.progress("sica", history=True, project=fresh).equals(history)

    # Restoring over an existing store keeps the one it replaces.
    restored, replaced = store_mod.restore(out, "sica", fresh)
    assert restored.counts == after and replaced is not None
    assert [p for p in (fresh.data_dir / "backup" / "sica").iterdir()] == [replaced]
    assert store_mod.inspect(replaced, "sica").counts == after


def test_restore_refuses_a_file_that_is_not_a_store_of_the_region(project, tmp_path):
    not_a_store = tmp_path / "notes.duckdb"
    not_a_store.write_text("hello", encoding="utf-8")
    res = _cli(project, "store", "restore", str(not_a_store), "--region", "sica")
    assert res.exit_code == 2, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "not a tflib store" in res.stderr, res.stderr

    other = tmp_path / "other.duckdb"
    shutil.copyfile(store_path("sica", project), other)
    con = duckdb.connect(str(other))
    con.execute("UPDATE meta SET value = 'asean' WHERE key = 'region'")
    con.close()
    before = store_path("sica", project).read_bytes()
    res = _cli(project, "store", "restore", str(other), "--region", "sica")
    assert res.exit_code == 2, res.stderr
    assert "region 'asean'" in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert store_path("sica", project).read_bytes() == before  # nothing swapped in
    assert not [p for p in store_path("sica", project).parent.iterdir() if ".restore" in p.name]


def test_threads_of_one_process_read_and_write_at_once(project, tmp_path):
    """A service answers requests on threads: ingests and reads of one store at the same
    time, in one process (DuckDB refuses a read-only and a read-write connection to the same
    file within a process; the store waits for the other thread as it does for a process)."""
    files = []
    for n, code in enumerate(["CRI", "GTM", "HND", "SLV", "PAN", "NIC"] * 2):
        item = tflib.action_items("sica", country=code, project=project)["item_id"][n]
        files.append(write_csv(tmp_path / f"t{n}.csv", ["country", "item_id", "reported_on", "status", "pct_complete", "note"], [[code, item, f"2026-09-1{n % 10}", "partial", 10 + n, f"thread {n}"]]))
    errors: list[BaseException] = []
    outcomes: list[str] = []

    def send(path: Path) -> None:
        try:
            (res,) = ingest([path], "sica", project)
            outcomes.append(res.outcome)
            tflib.progress("sica", country="CRI", project=project)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert outcomes == ["accepted"] * len(files)
    assert tflib.counts("sica", project)["progress_updates"] == len(files)
