"""`tflib build`: pages from the registry, incremental by the tables each page declares,
failure-isolated, and on Dask."""

from __future__ import annotations

import json
import re
import shutil
import time

import nbformat
import polars as pl
import pytest

import tflib
from tflib import pages
from tflib.build import build
from tflib.ingest import ingest
from tflib.inputs import RegionData
from tflib.params import load_region

from projects import revise_indicators, REPO, make_project, write_csv

SCOPE = dict(countries=["CRI", "GTM"], kinds=["progress", "logistics"], langs=["es"])


@pytest.fixture
def project(tmp_path):
    proj = make_project(tmp_path / "proj", with_submissions=True)
    ingest([proj.submissions_dir / "sica"], "sica", proj)
    return proj


def test_the_registry_gives_every_page_of_the_region():
    params = load_region("sica")
    found = pages.addresses(params)
    member_kinds = [k for k in pages.KINDS.values() if k.scope == "member"]
    crossing = [m for m in params.region.member_codes if any(m in c.countries for c in params.region.border_crossings)]
    expected = sum(len(crossing) if k.name == "corridors" else len(params.region.member_codes) for k in member_kinds)
    assert len(found) == (expected + 1) * len(params.languages)
    # The Dominican Republic has no land-border crossing in the params: no corridor page.
    assert "DOM" not in crossing and not [a for a in found if a.kind == "corridors" and a.member == "DOM"]
    assert pages.member_kinds(params, "DOM") == ["progress", "logistics", "sme", "digital", "impact"]
    # One address derives every path.
    a = pages.Address("sica", "corridors", "GTM", "es")
    assert (a.page_id, a.html, a.downloads) == ("es/GTM/corridors", "es/GTM/corridors.html", "es/GTM/downloads/corridors")
    assert pages.Address.from_page_id("sica", a.page_id) == a
    with pytest.raises(ValueError, match="not members"):
        pages.addresses(params, members=["MEX"])
    with pytest.raises(ValueError, match="unknown page kind"):
        pages.addresses(params, kinds=["weather"])
    with pytest.raises(ValueError, match="not languages"):
        pages.addresses(params, langs=["vi"])
    for kind in pages.KINDS.values():
        assert (REPO.root / "notebooks" / kind.notebook).exists()


def test_incremental_rebuild_runs_only_what_changed(project):
    first = build("sica", project=project, publish=False, **SCOPE)
    assert first.failures == [] and first.pages_run == 4 and first.pages_skipped == 0
    assert all(why == ["new page"] for why in first.reasons.values())

    again = build("sica", project=project, publish=False, **SCOPE)
    assert (again.pages_run, again.pages_skipped) == (0, 4)  # a no-op rebuild does nothing

    # One country submits: a progress update on one of its items.
    params = load_region("sica", project)
    before = RegionData(params, project).table("score_series", "es").frame
    item = tflib.progress("sica", country="CRI", project=project).filter((pl.col("status") != "full") & (pl.col("reported_on") < params.as_of))["item_id"][0]
    path = write_csv(project.root / "in" / "cri_late.csv", ["country", "item_id", "reported_on", "status", "pct_complete"],
                      [["CRI", item, params.as_of.isoformat(), "full", "100"]])
    (res,) = ingest([path], "sica", project)
    assert res.inserted == 1
    scores_moved = not RegionData(params, project).table("score_series", "es").frame.equals(before)

    third = build("sica", project=project, publish=False, **SCOPE)
    # CRI's progress page re-ran (its own rows changed); GTM's re-ran only if CRI's monthly
    # scores moved (its median of the other parties includes CRI); no logistics page shows
    # progress, so none re-ran.
    assert set(third.ran) == {"es/CRI/progress"} | ({"es/GTM/progress"} if scores_moved else set()), third.reasons
    cri = third.reasons["es/CRI/progress"][0]
    assert cri.startswith("tables changed: ") and {"progress_history", "early_warnings"} <= set(cri.removeprefix("tables changed: ").split(", "))
    if scores_moved:
        assert third.reasons["es/GTM/progress"] == ["tables changed: score_series"]


def test_other_members_revising_clearance_time_reruns_costa_ricas_impact_page(project):
    """The review's stale figure: the regional time-saved estimate on Costa Rica's impact page
    reads every member's clearance time, so their revisions re-run it and move the figure."""
    scope = dict(countries=["CRI"], kinds=["impact"], langs=["en"])
    first = build("sica", project=project, publish=False, **scope)
    assert first.failures == []
    executed = pages.Address("sica", "impact", "CRI", "en").executed(pages.work_dir(project, "sica"))

    def regional_estimate() -> list:
        from tflib.site.report import page_tables

        table = next(t for t in page_tables(nbformat.read(executed, as_version=4)) if t.name == "region_estimate")
        return table.text_frame().select("channel_id", "low", "high").rows()

    before = regional_estimate()
    obs = tflib.indicators("sica", indicator="clearance_time", project=project)
    others = obs.filter((pl.col("country") != "CRI") & (pl.col("statistic") == "median"))
    latest = others.sort("period_start").group_by("country").agg(pl.all().last())
    revise_indicators(project, "sica", {(r["country"], "clearance_time", "median", r["period"]): round(r["value"] * 0.25, 1) for r in latest.iter_rows(named=True)}, "revisions")

    again = build("sica", project=project, publish=False, **scope)
    assert again.ran == ["en/CRI/impact"]
    assert again.reasons["en/CRI/impact"] == ["tables changed: indicators"]
    after = regional_estimate()
    assert after != before
    # More time saved across the region: a larger estimate for the clearance channel.
    assert dict((c, float(h)) for c, _lo, h in after)["clearance"] > dict((c, float(h)) for c, _lo, h in before)["clearance"]


def test_a_failing_page_does_not_stop_the_others(project):
    # The project gets its own notebooks; one raises for Guatemala only.
    nb_dir = project.root / "notebooks"
    shutil.copytree(REPO.root / "notebooks", nb_dir)
    path = pages.notebook(project, "progress")
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell('if country == "GTM":\n    raise ValueError("made to fail for GTM")'))
    nb.cells[2]["id"] = "made-to-fail"
    nbformat.write(nb, path)
    report = build("sica", project=project, publish=False, **SCOPE)
    assert report.exit_code == 1
    assert [a.page_id for a, _ in report.failures] == ["es/GTM/progress"]
    assert "made to fail for GTM" in report.failures[0][1]
    assert report.pages_run == 4
    manifest = json.loads((pages.work_dir(project, "sica") / "manifest.json").read_text())
    assert [k for k, v in manifest["pages"].items() if not v["ok"]] == ["es/GTM/progress"]
    # A failed page is tried again on the next build even if nothing changed.
    again = build("sica", project=project, publish=False, **SCOPE)
    assert again.pages_run == 1 and again.exit_code == 1
    assert again.reasons == {"es/GTM/progress": ["failed in the previous build"]}


def test_a_download_that_cannot_be_written_fails_the_build(project, monkeypatch):
    """An artefact failure is recorded and makes the build exit 1; the site is still published."""
    from tflib.site import brief

    def broken(*args, **kwargs):
        raise RuntimeError("typst is broken")

    monkeypatch.setattr(brief, "write_country_brief", broken)
    report = build("sica", project=project, countries=["CRI"], kinds=["progress"], langs=["en"])
    assert report.failures == [] and report.exit_code == 1
    assert any(f.startswith("en/CRI/brief.pdf:") and "typst is broken" in f for f in report.artefact_failures)
    assert (pages.site_dir(project, "sica") / "en" / "CRI" / "progress.html").exists()


def test_bad_options_are_refused_before_any_work(project):
    work = pages.work_dir(project, "sica")
    for kwargs, message in ((dict(workers=0), "--workers"), (dict(timeout=-1), "--timeout"), (dict(engine="hugo"), "unknown engine"),
                            (dict(kinds=["nonsense"]), "unknown page kind"), (dict(countries=["XXX"]), "not members")):
        with pytest.raises(ValueError, match=message):
            build("sica", project=project, **kwargs)
    assert not work.exists()


def test_pages_run_on_a_dask_cluster_without_the_store(project):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        report = build("sica", project=project, publish=False, scheduler=client, countries=["PAN"], kinds=["progress"], langs=["en", "es"])
    assert report.failures == [] and report.pages_run == 2
    out = pages.Address("sica", "progress", "PAN", "en").executed(pages.work_dir(project, "sica"))
    nb = nbformat.read(out, as_version=4)
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "Panama" in text and "Traceback" not in text


def test_a_page_whose_worker_is_lost_runs_again_and_the_build_loses_no_page(project, tmp_path, monkeypatch):
    """A worker dies in the middle of a page (as one killed for its memory would): the cluster
    starts another, which gets the build's params again and runs the page; none is lost."""
    from distributed import Client, LocalCluster

    import tflib.build as build_mod

    died = tmp_path / "died"

    def dies_once(*args):
        import importlib
        import os

        try:
            os.close(os.open(died, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return importlib.import_module("tflib.build")._run_remote(*args)  # the worker's own, unpatched
        os._exit(1)

    monkeypatch.setattr(build_mod, "_run_remote", dies_once)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        report = build("sica", project=project, publish=False, scheduler=client, countries=["PAN"], kinds=["progress"], langs=["en", "es"])
    assert died.exists()  # a worker did die mid-page
    assert report.failures == [] and report.pages_run == 2
    for lang in ("en", "es"):
        nb = nbformat.read(pages.Address("sica", "progress", "PAN", lang).executed(pages.work_dir(project, "sica")), as_version=4)
        assert "Traceback" not in json.dumps([c.get("outputs", []) for c in nb.cells])


def test_a_cluster_with_no_worker_left_fails_the_pages_instead_of_waiting_forever(project, monkeypatch):
    from distributed import Client, LocalCluster

    import tflib.build as build_mod

    monkeypatch.setattr(build_mod, "NO_WORKERS_WAIT", 2.0)
    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        started = time.monotonic()
        report = build("sica", project=project, publish=False, scheduler=client, countries=["PAN"], kinds=["progress"], langs=["en"])
    assert time.monotonic() - started < 60
    assert [(a.page_id, error) for a, error in report.failures] == [("en/PAN/progress", "no worker left on the cluster for 2 s")]


def test_releases_are_named_by_content_and_dated_by_the_data(project):
    """A release id is `<region>-<as_of>-<digest of the site's inputs>` and its date the latest
    progress report: the same inputs give the same site, byte for byte, whenever it is built;
    a rebuild that changes nothing makes no release; a submission makes the next one."""
    from tflib.i18n import fmt_date, t

    scope = dict(countries=["PAN"], kinds=["progress"], langs=["en"])
    params = load_region("sica", project)
    first = build("sica", project=project, **scope)
    assert first.published and first.exit_code == 0
    rid = first.release.release_id
    assert re.fullmatch(rf"sica-{params.as_of.isoformat()}-[0-9a-f]{{10}}", rid)
    latest = tflib.progress("sica", history=True, project=project)["reported_on"].max()
    assert first.release.latest_report == latest <= params.as_of
    site = pages.site_dir(project, "sica")
    footer = t("Latest progress report: {date}", "en", date=fmt_date(latest, "en", "long"))
    assert footer in (site / "en" / "PAN" / "progress.html").read_text(encoding="utf-8")
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}

    # Run again from scratch: the same release and the same bytes.
    forced = build("sica", project=project, force=True, **scope)
    assert forced.ran == ["en/PAN/progress"] and forced.published
    assert forced.release.release_id == rid
    after = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert sorted(after) == sorted(before) and [str(f) for f in after if after[f] != before[f]] == []
    manifest = json.loads((pages.work_dir(project, "sica") / "manifest.json").read_text())
    assert [r["release_id"] for r in manifest["releases"]] == [rid]

    # Panama reports: a new release, listed after the first.
    item = tflib.progress("sica", country="PAN", project=project).filter((pl.col("status").fill_null("") != "full") & (pl.col("reported_on") < params.as_of))["item_id"][0]
    path = write_csv(project.root / "in" / "pan.csv", ["country", "item_id", "reported_on", "status", "pct_complete"], [["PAN", item, params.as_of.isoformat(), "full", "100"]])
    (res,) = ingest([path], "sica", project)
    assert res.inserted == 1
    second = build("sica", project=project, **scope)
    assert second.published and second.release.release_id not in (rid, None)
    assert second.release.previous_release == rid and second.release.latest_report == params.as_of
    changes = (site / "en" / "changes.html").read_text(encoding="utf-8")
    assert changes.index(second.release.release_id) < changes.index(f"{rid} ({fmt_date(latest, 'en', 'long')})")
