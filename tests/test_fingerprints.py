"""A page re-runs exactly when something it shows changed: the incremental build against a
`--force` build, for every page kind and every class of input.

For each class of input (the page's country's own rows, the other members' rows, the
reference data, the params, the message catalogs) the same change is made to two copies of a
built project; one is rebuilt incrementally, the other with `force`. Every page whose
executed notebook (what its HTML and downloads are made from) differs from before the change
must have re-run in the incremental build, and every page of the incremental build must equal
the forced one: no stale page. Pages that re-ran with identical output are listed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import polars as pl
import pytest

import tflib
from tflib import pages
from tflib.build import build
from tflib.ingest import ingest
from tflib.params import load_region

from projects import revise_indicators, REPO, write_csv

# Costa Rica has a page of every kind; with the overview, every page kind is checked.
SCOPE = dict(countries=["CRI"], langs=["es"])
PACKAGE = Path(tflib.__file__).resolve().parent


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A built project whose reference data is a copy of its own (so it can be changed)."""
    root = tmp_path_factory.mktemp("fingerprints") / "base"
    shutil.copytree(REPO.params_dir, root / "params")
    shutil.copytree(REPO.reference_dir, root / "data" / "reference")
    shutil.copytree(REPO.submissions_dir, root / "data" / "submissions")
    proj = tflib.Project(root)
    ingest([proj.submissions_dir / "sica"], "sica", proj)
    report = build("sica", project=proj, publish=False, **SCOPE)
    assert report.failures == [] and report.pages_run == len(pages.KINDS)
    return proj


def _copy(base: tflib.Project, to: Path) -> tflib.Project:
    shutil.copytree(base.root, to, symlinks=True)
    return tflib.Project(to)


def _page_outputs(proj: tflib.Project) -> dict[str, list]:
    """Each page's executed cells (sources and outputs), without run times."""
    params = load_region("sica", proj)
    work = pages.work_dir(proj, "sica")
    out = {}
    for a in pages.addresses(params, members=SCOPE["countries"], langs=SCOPE["langs"]):
        nb = nbformat.read(a.executed(work), as_version=4)
        out[a.page_id] = [(c.source, c.get("outputs", [])) for c in nb.cells]
    return out


def _revise(proj: tflib.Project, countries: list[str], factor: float, name: str) -> None:
    """Submit revised clearance times (latest median period) for `countries`."""
    obs = tflib.indicators("sica", indicator="clearance_time", project=proj)
    latest = obs.filter(pl.col("country").is_in(countries) & (pl.col("statistic") == "median")).sort("period_start").group_by("country").agg(pl.all().last())
    revised = {(r["country"], "clearance_time", "median", r["period"]): round(r["value"] * factor, 1) for r in latest.iter_rows(named=True)}
    assert len(revised) == len(countries)
    revise_indicators(proj, "sica", revised, name)


def own_rows(proj: tflib.Project) -> None:
    """Costa Rica revises its own clearance time and reports progress on an item."""
    _revise(proj, ["CRI"], 0.5, "cri")
    params = load_region("sica", proj)
    item = tflib.progress("sica", country="CRI", project=proj).filter((pl.col("status").fill_null("") != "full") & (pl.col("reported_on") < params.as_of))["item_id"][0]
    path = write_csv(proj.root / "in" / "cri_progress.csv", ["country", "item_id", "reported_on", "status", "pct_complete"],
                      [["CRI", item, params.as_of.isoformat(), "full", "100"]])
    (res,) = ingest([path], "sica", proj)
    assert res.inserted == 1


def other_rows(proj: tflib.Project) -> None:
    """The members outside the build's pages revise their clearance times."""
    _revise(proj, ["GTM", "SLV", "HND", "NIC", "PAN", "BLZ", "DOM"], 0.3, "others")


def reference_data(proj: tflib.Project) -> None:
    """A reference value changes: Costa Rica's LPI 2023 score."""
    path = proj.reference_dir / "lpi" / "lpi_2010_2023.csv"
    text = path.read_text(encoding="utf-8-sig")
    new, n = re.subn(r"(?m)^Costa Rica,2023,([^,]*),2\.9,", r"Costa Rica,2023,\1,3.1,", text)
    assert n == 1
    path.write_text("\ufeff" + new, encoding="utf-8")


def params_change(proj: tflib.Project) -> None:
    """A params value changes: Costa Rica's national clearance-time target."""
    path = proj.regions_dir / "sica" / "countries" / "CRI.yaml"
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(r"(?ms)(clearance_time:\s*\{?\s*value:\s*)(\d+)", lambda m: m.group(1) + str(int(m.group(2)) + 7), text, count=1)
    assert n == 1, "CRI.yaml has a clearance_time target"
    path.write_text(new, encoding="utf-8")


def catalogs(proj: tflib.Project) -> Path:
    """A translation changes, in a copy of the package the builds then run with."""
    package = proj.root / "pkg"
    shutil.copytree(PACKAGE, package / "tflib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PACKAGE.parent / "notebooks", package / "notebooks")  # beside the package, as in a checkout
    po = package / "tflib" / "locale" / "es" / "LC_MESSAGES" / "tflib.po"
    text = po.read_text(encoding="utf-8")
    new, n = re.subn(r'(msgid "Data as of \{date\}"\nmsgstr ")[^"]*(")', r"\1Datos a fecha de {date}\2", text)
    assert n == 1
    po.write_text(new, encoding="utf-8")
    return package


def _build(proj: tflib.Project, force: bool, package: Path | None) -> dict:
    if package is None:
        report = build("sica", project=proj, publish=False, force=force, **SCOPE)
        return {"ran": report.ran, "reasons": report.reasons, "failures": [a.page_id for a, _ in report.failures]}
    # The copied package (with its changed catalog) for the build and its kernels alike.
    code = (
        "import json, sys; from tflib.build import build; "
        f"r = build('sica', project={str(proj.root)!r}, publish=False, force={force}, countries={SCOPE['countries']!r}, langs={SCOPE['langs']!r}); "
        "print(json.dumps({'ran': r.ran, 'reasons': r.reasons, 'failures': [a.page_id for a, _ in r.failures], 'file': __import__('tflib').__file__}))"
    )
    env = {**os.environ, "PYTHONPATH": str(package), "TFLIB_ROOT": str(proj.root)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=proj.root, timeout=600, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(package)), "the build ran the changed package"
    return result


@pytest.mark.parametrize("change", [own_rows, other_rows, reference_data, params_change, catalogs], ids=lambda f: f.__name__)
def test_the_incremental_build_reruns_every_page_whose_output_changed(base, tmp_path, change, capsys):
    before = _page_outputs(base)
    incremental, forced = _copy(base, tmp_path / "incremental"), _copy(base, tmp_path / "forced")
    package, package_forced = change(incremental), change(forced)
    inc = _build(incremental, False, package)
    full = _build(forced, True, package_forced)
    assert inc["failures"] == [] and full["failures"] == []

    after_inc, after_full = _page_outputs(incremental), _page_outputs(forced)
    changed = sorted(p for p in before if before[p] != after_full[p])
    assert changed, f"{change.__name__} changed no page: the test would prove nothing"
    missed = sorted(set(changed) - set(inc["ran"]))
    assert missed == [], f"{change.__name__}: stale pages (their output changed, they did not re-run): {missed}"
    stale = sorted(p for p in after_full if after_inc[p] != after_full[p])
    assert stale == [], f"{change.__name__}: pages that differ from a forced build: {stale}"
    needless = sorted(set(inc["ran"]) - set(changed))
    with capsys.disabled():
        print(f"\n{change.__name__}: changed {len(changed)}, re-ran {len(inc['ran'])}; re-ran with identical output: {needless or 'none'}")
    for page_id in inc["ran"]:
        assert inc["reasons"][page_id], page_id
