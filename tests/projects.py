"""Temporary tflib projects for tests: a copy of the repository's params beside its reference data."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from tflib.paths import Project

REPO = Project.default()


def make_project(root: Path, with_submissions: bool = False) -> Project:
    """A project in `root` with the repository's params and reference data (linked, read-only)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO.params_dir, root / "params")
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "reference").symlink_to(REPO.reference_dir, target_is_directory=True)
    if with_submissions:
        shutil.copytree(REPO.submissions_dir, root / "data" / "submissions")
    return Project(root)


def ingested_project(root: Path, region: str = "sica") -> Project:
    """`make_project` with the shipped submissions, the region's ingested (a fresh clone has no store)."""
    from tflib.ingest import ingest

    proj = make_project(root, with_submissions=True)
    ingest([proj.submissions_dir / region], region, proj)
    return proj


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    """A UTF-8 CSV submission file (folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def revise_indicators(proj: Project, region: str, revised: dict[tuple, float], name: str):
    """Revise stored observations the way a member corrects a sent file: the submissions
    holding them are voided and sent again in full (as JSON), with the revised values.
    `revised` maps (country, indicator_id, statistic, period) to the new value."""
    import json

    import polars as pl

    from tflib.ingest import ingest
    from tflib.store import Store

    with Store.create(region, proj) as store:
        live = store.frame(f"SELECT * FROM {store.rows_table('indicator_observations')}")
        keys = live.select("country", "indicator_id", "statistic", "period").rows()
        hit = {sid for sid, key in zip(live["submission_id"], keys) if key in revised}
        assert len(hit) >= 1 and sum(k in revised for k in keys) == len(revised), "every revised key must be stored"
        for sid in sorted(hit):
            store.void(sid, reason=f"revised ({name})")
    rows = []
    for r in live.filter(pl.col("submission_id").is_in(sorted(hit))).sort("obs_id").iter_rows(named=True):
        key = (r["country"], r["indicator_id"], r["statistic"], r["period"])
        rows.append({
            "country": r["country"], "indicator": r["indicator_id"], "statistic": r["statistic"],
            "crossing": r["crossing_id"], "direction": r["direction"], "period": r["period"],
            "value": revised.get(key, r["value"]), "unit": r["unit"], "source": r["source"],
            "illustrative": r["illustrative"],
        })
    path = proj.root / "in" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": "tflib-submission/1", "kind": "indicators", "rows": rows}), encoding="utf-8")
    (res,) = ingest([path], region, proj)
    assert res.quarantined == 0 and res.accepted == len(rows), [str(p) for p in res.problems[:5]]
    return res
