"""Schema versions: a store of the previous release (schema 2, frozen in
tests/fixtures/store_v2.sql) opens with this code, keeps every row and gains the new features;
a migration is all or nothing; a store newer than the code is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

import tflib
from tflib import store as store_mod
from tflib.store import SCHEMA_VERSION, Store, StoreSchemaError, store_path

from projects import make_project

FIXTURE = Path(__file__).parent / "fixtures" / "store_v2.sql"
# Tables whose rows are the store's own record (the plan tables follow the params on prepare).
RECORD_TABLES = ("progress_updates", "indicator_observations", "schedule_revisions", "submissions")
VOIDED = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"


def _v2_store(proj) -> Path:
    path = store_path("sica", proj)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(FIXTURE.read_text(encoding="utf-8"))
    con.close()
    return path


def _rows(path: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)  # noqa: S608
    finally:
        con.close()


def _version(path: Path) -> str:
    return dict(_rows(path, "meta"))["schema_version"]


def test_a_store_of_the_previous_release_keeps_every_row_and_gains_voiding(tmp_path):
    proj = make_project(tmp_path / "proj")
    path = _v2_store(proj)
    before = {t: _rows(path, t) for t in (*RECORD_TABLES, "action_items")}
    assert all(before[t] for t in RECORD_TABLES)

    # Reading alone does not upgrade: it says what to do.
    with pytest.raises(StoreSchemaError, match=r"schema 2 is older .*\(3\).*write command"):
        Store.open("sica", proj, read_only=True)
    assert _version(path) == "2"

    with Store.create("sica", proj) as store:
        assert store.schema_version() == SCHEMA_VERSION == "3"
    for table in RECORD_TABLES:
        assert _rows(path, table) == before[table], table
    meta = dict(_rows(path, "meta"))
    assert meta["region"] == "sica" and meta["schema_version"] == "3"
    # Item ids are stable: the items of the old plan are still there, progress attached.
    items = {r[0] for r in _rows(path, "action_items")}
    assert {r[0] for r in before["action_items"]} <= items

    # New rows continue the old sequence, so no id is reused.
    old_max = max(r[0] for r in before["progress_updates"] + before["indicator_observations"] + before["schedule_revisions"])
    with Store.create("sica", proj) as store:
        row = pl.DataFrame([{
            "item_id": "GTM-MIG-S3", "country": "GTM", "reported_on": dt.date(2025, 2, 28),
            "status": "full", "pct_complete": 100.0, "note": "after upgrade", "illustrative": False,
            "submission_id": "e5" * 32, "source_file": "gtm-2025-02.csv", "source_row": 2,
        }])
        assert store.add_progress(row) == 1
        assert store.frame("SELECT max(update_id) AS m FROM progress_updates")["m"][0] > old_max

    # The new feature works on the old rows: void the December file, then take it back.
    history = tflib.progress("sica", history=True, project=proj)
    assert history.height == 5
    with Store.create("sica", proj) as store:
        store.void("b2b2", reason="sent twice by mistake", by="tester")
    after = tflib.progress("sica", history=True, project=proj)
    assert after.height == 3 and "gtm-2024-12.csv" not in after["source_file"].to_list()
    kept = [r for r in _rows(path, "progress_updates") if r[0] <= old_max]
    assert kept == before["progress_updates"]  # nothing deleted
    with Store.create("sica", proj) as store:
        store.unvoid(VOIDED[:10], reason="it was the only copy", by="tester")
    assert tflib.progress("sica", history=True, project=proj).equals(history)


def test_a_failed_migration_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    proj = make_project(tmp_path / "proj")
    path = _v2_store(proj)
    before = {t: _rows(path, t) for t in ("meta", *RECORD_TABLES)}

    def broken(con):
        store_mod._migrate_2_to_3(con)  # the real step, then a failure half-way
        raise RuntimeError("disk full")

    monkeypatch.setitem(store_mod.MIGRATIONS, "2", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        Store.create("sica", proj)
    assert {t: _rows(path, t) for t in ("meta", *RECORD_TABLES)} == before
    con = duckdb.connect(str(path), read_only=True)
    tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()
    assert "submission_voids" not in tables

    monkeypatch.undo()
    with Store.create("sica", proj) as store:  # the next writer upgrades it cleanly
        assert store.schema_version() == "3"


def test_migrations_run_in_order_from_any_older_version(tmp_path):
    """A schema-1 store (no schedule_revisions yet) is taken through 1 -> 2 -> 3."""
    proj = make_project(tmp_path / "proj")
    path = _v2_store(proj)
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE schedule_revisions")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    assert list(store_mod.MIGRATIONS) == ["1", "2"]
    with Store.create("sica", proj):
        pass
    assert _version(path) == "3"
    assert _rows(path, "schedule_revisions") == []
    assert len(_rows(path, "progress_updates")) == 4


def test_a_store_newer_than_this_code_is_refused(tmp_path):
    proj = make_project(tmp_path / "proj")
    Store.create("sica", proj).close()
    con = duckdb.connect(str(store_path("sica", proj)))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    for opener in (lambda: Store.open("sica", proj, read_only=True), lambda: Store.create("sica", proj)):
        with pytest.raises(StoreSchemaError, match=r"schema 99 is newer than this tflib's \(3\)"):
            opener()
    assert _version(store_path("sica", proj)) == "99"
