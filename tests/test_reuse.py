"""Reuse stays safe: whatever the build reuses or moves elsewhere, the published site is the
one a cold build makes, byte for byte.

One small build (Panama's progress and logistics pages, in English) is made locally, on warm
kernels, and published with every page's content made anew. The same site must come out of a
build on a Dask cluster (pages run on fresh kernels in worker processes, elsewhere), of a
publish that takes every page's content from the render cache, and of a publish that converts
the pages in worker processes. A submission re-converts exactly the pages that re-ran.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

import tflib
from tflib import pages
from tflib.build import build
from tflib.ingest import ingest
from tflib.params import load_region
from tflib.site import builtin, report
from tflib.site.model import PageRecord

from projects import make_project, write_csv

SCOPE = dict(countries=["PAN"], kinds=["progress", "logistics"], langs=["en"])


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """Files only in one site, or with other bytes (empty: the same site)."""
    return sorted(set(a) ^ set(b)) + sorted(f for f in set(a) & set(b) if a[f] != b[f])


def copy_project(proj: tflib.Project, to: Path) -> tflib.Project:
    shutil.copytree(proj.root, to, symlinks=True)
    return tflib.Project(to)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> tflib.Project:
    proj = make_project(tmp_path_factory.mktemp("reuse") / "ingested", with_submissions=True)
    ingest([proj.submissions_dir / "sica"], "sica", proj)
    return proj


@pytest.fixture(scope="module")
def local(ingested, tmp_path_factory):
    """The scope built locally from `ingested` (a copy): the project, its report, its site."""
    proj = copy_project(ingested, tmp_path_factory.mktemp("reuse") / "local")
    report_ = build("sica", project=proj, workers=2, **SCOPE)
    assert report_.failures == [] and report_.artefact_failures == [] and report_.pages_run == 2
    return proj, report_, snapshot(pages.site_dir(proj, "sica"))


def test_a_site_built_on_a_dask_cluster_is_the_local_site_byte_for_byte(ingested, local, tmp_path):
    from distributed import Client, LocalCluster

    _, local_report, local_site = local
    proj = copy_project(ingested, tmp_path / "dask")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        remote = build("sica", project=proj, scheduler=client, **SCOPE)
    assert remote.failures == [] and remote.artefact_failures == [] and remote.pages_run == 2
    assert remote.release.release_id == local_report.release.release_id
    site = snapshot(pages.site_dir(proj, "sica"))
    assert len(site) > 100  # pages, landing pages, downloads, briefs, bulk export, search index
    assert differing(site, local_site) == []


def _records(proj: tflib.Project) -> list[PageRecord]:
    params = load_region("sica", proj)
    work = pages.work_dir(proj, "sica")
    return [PageRecord(a, a.executed(work), ok=True) for a in pages.addresses(params, SCOPE["kinds"], SCOPE["countries"], SCOPE["langs"])]


def test_pages_from_the_render_cache_and_from_worker_processes_equal_pages_made_anew(local, tmp_path, monkeypatch):
    proj, local_report, local_site = local
    params = load_region("sica", proj)
    work = pages.work_dir(proj, "sica")
    made = []
    real = report.make_content
    monkeypatch.setattr(report, "make_content", lambda params, record, *a, **k: made.append(record.page_id) or real(params, record, *a, **k))

    # From the cache: no page is converted again, and the site is the same.
    cached = tmp_path / "cached" / "sica"
    assert builtin.publish(params, _records(proj), cached, local_report.release, work=work, project=proj) == []
    assert made == []
    assert differing(snapshot(cached), local_site) == []

    # Made anew by worker processes (a cache emptied, and a pool even for two pages).
    shutil.rmtree(work / "cache" / "pages")
    monkeypatch.setattr(builtin, "POOL_MIN_PAGES", 1)
    pooled = tmp_path / "pooled" / "sica"
    assert builtin.publish(params, _records(proj), pooled, local_report.release, work=work, project=proj, workers=2) == []
    assert made == []  # converted in the workers, not in this process
    assert len(list((work / "cache" / "pages").iterdir())) == 2
    assert differing(snapshot(pooled), local_site) == []


def test_a_submission_converts_again_only_the_pages_that_re_ran(local, tmp_path, monkeypatch):
    built, _, _ = local
    proj = copy_project(built, tmp_path / "again")
    params = load_region("sica", proj)
    item = tflib.progress("sica", country="PAN", project=proj).filter((pl.col("status").fill_null("") != "full") & (pl.col("reported_on") < params.as_of))["item_id"][0]
    path = write_csv(proj.root / "in" / "pan.csv", ["country", "item_id", "reported_on", "status", "pct_complete"], [["PAN", item, params.as_of.isoformat(), "full", "100"]])
    (res,) = ingest([path], "sica", proj)
    assert res.inserted == 1

    made = []
    real = report.make_content
    monkeypatch.setattr(report, "make_content", lambda params, record, *a, **k: made.append(record.page_id) or real(params, record, *a, **k))
    again = build("sica", project=proj, **SCOPE)
    assert again.failures == [] and again.published
    assert "en/PAN/progress" in again.ran  # its own rows changed
    assert sorted(made) == sorted(again.ran)
