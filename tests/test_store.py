"""The tracker store: schema by code, idempotent open, plan sync, one region per file."""

from __future__ import annotations

import duckdb
import pytest

from tflib.params import load_region
from tflib.plan import allocate
from tflib.store import TABLES, Store, store_path

from projects import make_project


def test_opening_a_store_twice_changes_nothing(tmp_path):
    proj = make_project(tmp_path / "proj")
    with Store.create("sica", proj) as store:
        first = store.counts()
        tables = store.con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()
    with Store.create("sica", proj) as store:
        assert store.counts() == first
        assert store.con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall() == tables
        # Unchanged params: the plan is not rewritten.
        assert store.sync_plan() is False
    assert set(TABLES) <= {t for (t,) in tables}
    params = load_region("sica", proj)
    assert first["measures"] == first["commitments"] == len(params.measures)
    assert first["action_items"] == allocate(params).height > 0


def test_action_items_have_stable_ids_and_agencies(tmp_path):
    proj = make_project(tmp_path / "proj")
    params = load_region("sica", proj)
    a, b = allocate(params), allocate(params)
    assert a.equals(b)
    assert a["item_id"].is_unique().all()
    row = a.filter(a["item_id"] == "SLV-ADE-S1").row(0, named=True)
    assert row["country"] == "SLV" and row["measure_id"] == "ADE" and row["agency_name"]
    # Baseline measures are not re-planned (CRI already has advance electronic declaration).
    assert "ADE" in params.country("CRI").baseline
    assert a.filter((a["country"] == "CRI") & (a["measure_id"] == "ADE")).height == 0
    # Due dates respect dependencies and regional deadlines for feasible plans.
    by_id = {r["item_id"]: r for r in a.iter_rows(named=True)}
    for r in by_id.values():
        for dep in r["depends_on"]:
            assert by_id[dep]["due"] <= r["start"]
        if r["feasible"]:
            assert r["due"] <= r["deadline"]


def test_a_store_belongs_to_one_region(tmp_path):
    proj = make_project(tmp_path / "proj")
    Store.create("sica", proj).close()
    con = duckdb.connect(str(store_path("sica", proj)))
    con.execute("UPDATE meta SET value = 'asean' WHERE key = 'region'")
    con.close()
    with pytest.raises(ValueError, match="belongs to region 'asean'"):
        Store.create("sica", proj)


def test_read_only_open_of_a_missing_store_says_what_to_do(tmp_path):
    proj = make_project(tmp_path / "proj")
    with pytest.raises(FileNotFoundError, match="tflib build"):
        Store.open("sica", proj, read_only=True)


def test_a_late_start_is_flagged_infeasible(tmp_path):
    proj = make_project(tmp_path / "proj")
    path = proj.regions_dir / "sica" / "countries" / "NIC.yaml"
    text = path.read_text(encoding="utf-8")
    import re

    path.write_text(re.sub(r"(?m)^start: .*$", "start: 2025-11-01", text), encoding="utf-8")
    params = load_region("sica", proj)
    items = allocate(params)
    nic = items.filter(items["country"] == "NIC")
    bad = nic.filter(~nic["feasible"])["measure_id"].unique().to_list()
    # Short-term measures due by mid-2026 cannot fit a plan that only starts in November 2025.
    assert "ADE" in bad and "CAM" in bad
    assert set(items.filter(items["country"] != "NIC")["feasible"]) == {True}
    # The critical path of a measure ends on its last step.
    ade = nic.filter(nic["measure_id"] == "ADE")
    assert ade.filter(ade["due"] == ade["due"].max())["on_critical_path"].all()


def test_opening_a_store_writes_nothing_until_it_is_prepared(tmp_path):
    """The constructor only connects; the plan is synced from the params when asked."""
    proj = make_project(tmp_path / "proj")
    with pytest.raises(FileNotFoundError):
        Store.open("sica", proj)
    assert not store_path("sica", proj).exists()
    with Store.create("sica", proj) as store:
        before = store.frame("SELECT item_id, due FROM action_items ORDER BY item_id")
    # The params change: a step of a measure takes longer.
    strategy = proj.regions_dir / "sica" / "strategy.yaml"
    text = strategy.read_text(encoding="utf-8")
    changed = text.replace("duration_days: 90", "duration_days: 91", 1)
    assert changed != text
    strategy.write_text(changed, encoding="utf-8")
    with Store.open("sica", proj) as store:
        assert store.frame("SELECT item_id, due FROM action_items ORDER BY item_id").equals(before)
        assert store.prepare() is True  # explicitly: now the plan follows the params
        assert not store.frame("SELECT item_id, due FROM action_items ORDER BY item_id").equals(before)


def test_a_store_creation_cut_short_leaves_no_half_made_store(tmp_path, monkeypatch):
    """Killed while the schema was being written (here: the schema step fails), the store is
    not there at all, so readers say "no store yet" rather than refusing a store without a
    schema; the next writer creates it whole."""
    import tflib.store as store_mod

    proj = make_project(tmp_path / "proj")
    path = store_path("sica", proj)
    real = store_mod._upgrade

    def cut_short(con, p, region):
        con.execute("CREATE TABLE half (x INTEGER)")
        raise KeyboardInterrupt

    monkeypatch.setattr(store_mod, "_upgrade", cut_short)
    with pytest.raises(KeyboardInterrupt):
        Store.create("sica", proj)
    assert not path.exists()
    with pytest.raises(FileNotFoundError, match="no store yet"):
        Store.open("sica", proj, read_only=True)
    monkeypatch.setattr(store_mod, "_upgrade", real)
    with Store.create("sica", proj) as store:
        assert store.schema_version() == store_mod.SCHEMA_VERSION
    assert path.exists() and not path.with_name(path.name + ".creating").exists()
