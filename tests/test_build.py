"""`tflib build`: incremental by materialised inputs, failure-isolated, and on Dask."""

from __future__ import annotations

import csv
import json
import shutil

import nbformat
import polars as pl
import pytest

import tflib
from tflib.build import NOTEBOOKS, RegionData, build, plan_pages
from tflib.ingest import ingest
from tflib.params import load_region

from projects import REPO, make_project

SCOPE = dict(countries=["CRI", "GTM"], dimensions=["progress", "logistics"], langs=["es"])


@pytest.fixture
def project(tmp_path):
    proj = make_project(tmp_path / "proj", with_submissions=True)
    ingest([proj.submissions_dir / "sica"], "sica", proj)
    return proj


def _ran(report) -> int:
    return report.pages_run


def test_plan_covers_every_member_dimension_and_language():
    params = load_region("sica")
    pages = plan_pages(params, notebooks_dir=REPO.root / "notebooks")
    dims = {p.dimension for p in pages}
    country_dims = dims - {"overview"}
    assert len(pages) == len(country_dims) * 8 * 2 + ("overview" in dims) * 2
    with pytest.raises(ValueError, match="not members"):
        plan_pages(params, countries=["MEX"])
    with pytest.raises(ValueError, match="unknown dimension"):
        plan_pages(params, dimensions=["weather"])


def test_incremental_rebuild_runs_only_what_changed(project):
    first = build("sica", project=project, publish=False, **SCOPE)
    assert first.failures == [] and first.pages_run == 4 and first.pages_skipped == 0

    again = build("sica", project=project, publish=False, **SCOPE)
    assert (again.pages_run, again.pages_skipped) == (0, 4)  # a no-op rebuild does nothing

    # One country submits: a progress update on one of its items.
    params = load_region("sica", project)
    before = RegionData.load(params, project).score_median
    item = tflib.progress("sica", country="CRI", project=project).filter(pl.col("status") != "full")["item_id"][0]
    path = project.root / "in" / "cri_late.csv"
    path.parent.mkdir(parents=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["country", "item_id", "reported_on", "status", "pct_complete"])
        w.writerow(["CRI", item, params.as_of.isoformat(), "full", "100"])
    (res,) = ingest([path], "sica", project)
    assert res.inserted == 1
    after = RegionData.load(params, project).score_median
    median_moved = not before.equals(after)

    third = build("sica", project=project, publish=False, **SCOPE)
    manifest = json.loads((project.reports_dir / "work" / "sica" / "manifest.json").read_text())
    assert manifest["pages"]["es/CRI/progress"]["ok"]
    # CRI's pages re-ran (its own data changed); GTM's logistics page did not (nothing it shows
    # moved); GTM's progress page re-ran only if the regional median it shows moved.
    expected = {"es/CRI/progress", "es/CRI/logistics"} | ({"es/GTM/progress"} if median_moved else set())
    assert set(third.ran) == expected, (third.ran, median_moved)


def test_a_failing_page_does_not_stop_the_others(project):
    # The project gets its own notebooks; one raises for Guatemala only.
    nb_dir = project.root / "notebooks"
    shutil.copytree(REPO.root / "notebooks", nb_dir)
    path = nb_dir / NOTEBOOKS["progress"]
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell('if country == "GTM":\n    raise ValueError("made to fail for GTM")'))
    nb.cells[2]["id"] = "made-to-fail"
    nbformat.write(nb, path)
    report = build("sica", project=project, publish=False, **SCOPE)
    assert report.exit_code == 1
    failed = [(p.country, p.dimension) for p, _ in report.failures]
    assert failed == [("GTM", "progress")]
    assert "made to fail for GTM" in report.failures[0][1]
    assert report.pages_run == 4
    manifest = json.loads((project.reports_dir / "work" / "sica" / "manifest.json").read_text())
    assert [k for k, v in manifest["pages"].items() if not v["ok"]] == ["es/GTM/progress"]
    # A failed page is tried again on the next build even if nothing changed.
    again = build("sica", project=project, publish=False, **SCOPE)
    assert again.pages_run == 1 and again.exit_code == 1


def test_pages_run_on_a_dask_cluster_without_the_store(project):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        report = build("sica", project=project, publish=False, scheduler=client, countries=["PAN"], dimensions=["progress"], langs=["en", "es"])
    assert report.failures == [] and report.pages_run == 2
    out = project.reports_dir / "work" / "sica" / "pages" / "en" / "PAN" / "progress.ipynb"
    nb = nbformat.read(out, as_version=4)
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "Panama" in text and "Traceback" not in text
