"""Any region by params alone: the default region comes from the project (or TFLIB_REGION),
`tflib region check` names every problem of a region's params, and `tflib region reset`
clears one region's data and nothing of another's."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from projects import REPO, make_project, write_csv
from tflib import pages
from tflib.cli import app
from tflib.params import ParamsError, available_regions, default_region, load_region
from tflib.store import lock_path, store_path, wal_path

runner = CliRunner()


def known(proj) -> str:
    """The project's regions as messages list them (the shipped ones plus any a test adds)."""
    return ", ".join(available_regions(proj))


def run(proj, *args, env=None):
    # TFLIB_REGION from the calling shell must not leak into a test.
    full = {"TFLIB_ROOT": str(proj.root), "TFLIB_REGION": "", "COLUMNS": "300", **(env or {})}
    return runner.invoke(app, list(args), env=full)


def add_region(proj, new_id: str, template: str = "sica") -> Path:
    """A second region: a copy of `template`'s params under another id."""
    folder = proj.regions_dir / new_id
    shutil.copytree(proj.regions_dir / template, folder)
    path = folder / "region.yaml"
    text = path.read_text(encoding="utf-8")
    assert f"\nid: {template}\n" in text
    path.write_text(text.replace(f"\nid: {template}\n", f"\nid: {new_id}\n"), encoding="utf-8")
    return folder


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def tree(root: Path) -> dict[str, str]:
    """Every file under `root` (symlinked reference data left out) and its SHA-256."""
    out = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not (Path(folder) / d).is_symlink()]
        for name in files:
            path = Path(folder) / name
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


# -- the default region ----------------------------------------------------------------------


def test_no_command_hard_codes_a_region():
    """Every command's --region defaults to None: the region comes from the project."""
    seen = 0
    group = typer.main.get_command(app)

    def walk(cmd):
        nonlocal seen
        if hasattr(cmd, "commands"):  # a group (typer may vendor its own click)
            for sub in cmd.commands.values():
                walk(sub)
            return
        for param in cmd.params:
            if "--region" in getattr(param, "opts", []):
                seen += 1
                assert param.default is None, f"{cmd.name}: --region defaults to {param.default!r}"

    walk(group)
    assert seen >= 13
    # Library calls that name no region resolve it the same way.
    for fn in (load_region,):
        assert inspect.signature(fn).parameters["region"].default is None


def test_default_region_env_then_project_file(tmp_path, monkeypatch):
    proj = make_project(tmp_path / "proj")
    add_region(proj, "other")
    monkeypatch.delenv("TFLIB_REGION", raising=False)
    assert yaml.safe_load((proj.params_dir / "project.yaml").read_text())["default_region"] == "sica"
    assert default_region(proj) == "sica"
    assert load_region(None, proj).id == "sica"
    monkeypatch.setenv("TFLIB_REGION", "other")
    assert default_region(proj) == "other"
    assert load_region(None, proj).id == "other"
    monkeypatch.setenv("TFLIB_REGION", "nowhere")
    with pytest.raises(ParamsError, match=rf"^TFLIB_REGION: no region 'nowhere' \(known: {known(proj)}\)$"):
        default_region(proj)


def test_cli_without_a_region_uses_env_then_project_file_else_refuses(tmp_path):
    proj = make_project(tmp_path / "proj")
    add_region(proj, "other")
    # `generate` reports the folder it wrote: it names the region used.
    res = run(proj, "generate")
    assert res.exit_code == 0, res.output
    assert str(proj.submissions_dir / "sica") in res.output.replace("\n", "")
    res = run(proj, "generate", env={"TFLIB_REGION": "other"})
    assert res.exit_code == 0, res.output
    assert str(proj.submissions_dir / "other") in res.output.replace("\n", "")

    settings = proj.params_dir / "project.yaml"
    settings.write_text("# no default here\n", encoding="utf-8")
    res = run(proj, "info")
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert lines == [
        f"{settings}: default_region: no region given; pass --region ID, set TFLIB_REGION=ID, "
        f"or write `default_region: ID` in {settings} (known: {known(proj)})"
    ]
    settings.write_text("default_region: gone\n", encoding="utf-8")
    res = run(proj, "warnings")
    assert res.exit_code == 2
    assert res.output.strip() == f"{settings}: default_region: no region 'gone' (known: {known(proj)})"
    # An explicit --region needs no default.
    res = run(proj, "generate", "--region", "other")
    assert res.exit_code == 0, res.output


# -- region reset ------------------------------------------------------------------------------


def populate(proj, region: str, source: Path) -> list[Path]:
    """A real ingest (store, archive, feedback; a bad row for quarantine) plus the folders a
    build and a half-done ingest leave (site, work, pending). Returns the region's paths."""
    from tflib.ingest import ingest

    (res,) = ingest([source], region, proj)
    assert res.accepted > 0 and res.quarantined > 0
    for folder in (pages.site_dir(proj, region), pages.work_dir(proj, region), proj.pending_dir / region):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "file.txt").write_text(f"{region} output\n", encoding="utf-8")
    store = store_path(region, proj)
    wal_path(store).write_bytes(b"")  # as a writer killed mid-commit leaves it
    paths = [store, wal_path(store), lock_path(store)] + [
        d / region for d in (proj.archive_dir, proj.quarantine_dir, proj.feedback_dir, proj.pending_dir)
    ] + [pages.site_dir(proj, region), pages.work_dir(proj, region)]
    for path in paths:
        assert path.exists(), path
    return paths


def test_reset_clears_one_region_and_nothing_else(tmp_path):
    proj = make_project(tmp_path / "proj")
    # "sica2" shares a prefix with "sica": a reset of sica must not match it.
    add_region(proj, "sica2")
    from tflib.plan import allocate

    items = allocate(load_region("sica", proj))
    country, item = items["country"][0], items["item_id"][0]
    rows = [[country, item, "2025-01-31", "partial", 40], [country, item, "2025-02-30", "partial", 50]]
    header = ["country", "item_id", "reported_on", "status", "pct_complete"]
    source = write_csv(tmp_path / "in" / "cri.csv", header, rows)
    mine = populate(proj, "sica", source)
    populate(proj, "sica2", source)
    (proj.reports_dir / "_site" / "index.html").write_text("<html>regions</html>", encoding="utf-8")
    keep = {k: v for k, v in tree(proj.root).items() if not any((proj.root / k).is_relative_to(p) for p in mine)}
    assert any("sica2" in k for k in keep) and (proj.root / "params/regions/sica/region.yaml").exists()
    before = tree(proj.root)

    # Without --yes: the list, exit 2, nothing deleted.
    res = run(proj, "region", "reset", "sica")
    assert res.exit_code == 2
    for path in mine:
        assert f"  {path}" in res.output.splitlines()
    assert "sica2" not in res.output
    assert tree(proj.root) == before

    res = run(proj, "region", "reset", "sica", "--yes")
    assert res.exit_code == 0, res.output
    for path in mine:
        assert not path.exists(), path
    assert tree(proj.root) == keep  # every other file still there, byte for byte
    # The emptied region still works: a new ingest makes a new store.
    from tflib.ingest import ingest

    (again,) = ingest([source], "sica", proj)
    assert again.accepted > 0 and again.outcome != "already_ingested"

    res = run(proj, "region", "reset", "nowhere", "--yes")
    assert res.exit_code == 2
    assert res.output.strip() == f"no region 'nowhere' (known: {known(proj)})"
    res = run(proj, "region", "reset", "../data", "--yes")
    assert res.exit_code == 2 and res.output.count("\n") == 1
    assert (proj.data_dir / "store" / "sica2.duckdb").exists()


# -- region check ------------------------------------------------------------------------------


def check(proj, region="sica"):
    res = run(proj, "region", "check", region)
    return res.exit_code, res.output.strip().splitlines()


def test_check_passes_on_shipped_params(tmp_path):
    proj = make_project(tmp_path / "proj")
    code, lines = check(proj)
    assert code == 0, lines
    assert lines[0].startswith("sica: params valid: 8 members, ")
    assert all(line.startswith("note: ") for line in lines[1:]), lines


def test_check_unknown_region(tmp_path):
    proj = make_project(tmp_path / "proj")
    assert check(proj, "nowhere") == (2, [f"no region 'nowhere' (known: {known(proj)})"])


def test_check_params_error(tmp_path):
    proj = make_project(tmp_path / "proj")
    path = proj.regions_dir / "sica" / "region.yaml"
    edit_yaml(path, lambda d: d.update(stall_days=0))
    code, lines = check(proj)
    assert code == 2
    assert lines == [f"{path}: stall_days: Input should be greater than 0", "sica: 1 problem(s)"]


def test_check_language_without_ui_catalog(tmp_path):
    proj = make_project(tmp_path / "proj")
    path = proj.regions_dir / "sica" / "region.yaml"

    def add_pt(d):
        d["languages"].append("pt")
        d["name"]["pt"] = "Sistema da Integração Centro-Americana"

    edit_yaml(path, add_pt)
    code, lines = check(proj)
    assert code == 2
    catalog = Path(pages.__file__).parent / "locale" / "pt" / "LC_MESSAGES" / "tflib.po"
    assert lines[0] == (
        f"{path}: languages: 'pt' has no interface catalog (missing {catalog}): "
        "translate the interface or declare language_fallbacks: {pt: en}"
    )


def test_check_missing_notebook(tmp_path):
    proj = make_project(tmp_path / "proj")
    shutil.copytree(pages.notebooks_dir(REPO), proj.root / "notebooks")
    path = proj.root / "notebooks" / pages.KINDS["corridors"].notebook
    path.unlink()
    assert check(proj) == (2, [f"{path}: corridors: notebook of page kind 'corridors' not found (tflib.pages)", "sica: 1 problem(s)"])


def test_check_without_impact_params_uses_the_default(tmp_path):
    proj = make_project(tmp_path / "proj")
    (proj.regions_dir / "sica" / "impact.yaml").unlink()
    code, lines = check(proj)
    assert code == 0, lines
    # A default lacking one of the region's languages is named, with the key.
    default = proj.params_dir / "defaults" / "impact.yaml"
    edit_yaml(default, lambda d: d["channels"][0]["name"].pop("es"))
    assert check(proj) == (2, [f"{default}: channels.0.name: no text for language(s) ['es']", "sica: 1 problem(s)"])


def test_check_agency_role_of_a_non_party(tmp_path):
    """Load checks parties' agencies; a member tracked but not bound gets action items too."""
    proj = make_project(tmp_path / "proj")
    params = load_region("sica", proj)
    other = next(m.iso3 for m in params.region.members if not m.party)
    path = proj.regions_dir / "sica" / "countries" / f"{other}.yaml"
    role = params.measures[0].steps[0].role

    def drop(d):
        for agency in d["agencies"]:
            agency["roles"] = [r for r in agency["roles"] if r != role] or ["unused"]

    edit_yaml(path, drop)
    assert check(proj) == (2, [f"{path}: agencies: no agency holds role(s) ['{role}'] used by the strategy", "sica: 1 problem(s)"])


# -- region new: the scaffold ------------------------------------------------------------------


def test_new_writes_a_commented_skeleton_that_loads_as_written(tmp_path):
    proj = make_project(tmp_path / "proj")
    res = run(proj, "region", "new", "zz", "--members", "ken,PHL", "--languages", "en,fr")
    assert res.exit_code == 0, res.output
    folder = proj.regions_dir / "zz"
    written = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.yaml"))
    assert written == ["countries/KEN.yaml", "countries/PHL.yaml", "region.yaml", "strategy.yaml"]
    for path in folder.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# ") and "TODO" in text, path  # commented, and says what to replace
    assert "zz: params valid: 2 members" in res.output
    params = load_region("zz", proj)
    assert params.region.member_codes == ["KEN", "PHL"] and params.languages == ["en", "fr"]
    # Every step role has an agency in every member file, and region check agrees.
    roles = {s.role for m in params.measures for s in m.steps}
    assert all(params.countries[c].agency_for(r) for c in ("KEN", "PHL") for r in roles)
    assert check(proj, "zz")[0] == 0
    # Dimension names in French come from the UI catalog's page titles, not a TODO.
    assert {d.name["fr"] for d in params.strategy.dimensions} >= {"Logistique"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["sica", "--members", "KEN"], "region 'sica' exists already"),
        (["Bad id", "--members", "KEN"], "'Bad id' is not a region id"),
        (["zz", "--members", "KEN,XXQ"], "--members: 'XXQ' is not an ISO 3166-1 alpha-3 country code"),
        (["zz", "--members", "KEN,KEN"], "--members: KEN is listed twice"),
        (["zz", "--members", "KEN", "--languages", "en,xx"], "--languages: 'xx' is not an ISO 639-1 language code"),
    ],
)
def test_new_refuses_bad_arguments_and_writes_nothing(tmp_path, args, message):
    proj = make_project(tmp_path / "proj")
    before = tree(proj.root)
    res = run(proj, "region", "new", *args)
    assert res.exit_code == 2 and message in res.output, res.output
    assert tree(proj.root) == before


def test_new_region_with_a_language_without_catalog_is_caught_by_check(tmp_path):
    proj = make_project(tmp_path / "proj")
    res = run(proj, "region", "new", "zz", "--members", "KEN", "--languages", "en,vi")
    assert res.exit_code == 2
    assert "region.yaml: languages: 'vi' has no interface catalog" in res.output


def _site_files(site: Path) -> dict[str, tuple[str, int]]:
    """Every file of a published site: its hash and modification time (a republish rewrites)."""
    return {
        str(p.relative_to(site)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(site.rglob("*")) if p.is_file()
    }


def test_scaffolded_regions_build_and_never_touch_each_other(tmp_path):
    """Two regions written only with `region new`: each builds with 0 failures into its own
    reports/_site/<region>/; building the second leaves the first byte for byte and unrepublished;
    a rebuild that changes nothing says so and keeps its release id."""
    proj = make_project(tmp_path / "proj")
    for region, members in (("alpha", "KEN"), ("beta", "PHL")):
        assert run(proj, "region", "new", region, "--members", members).exit_code == 0
        assert run(proj, "generate", "--region", region).exit_code == 0
        res = run(proj, "ingest", str(proj.submissions_dir / region), "--region", region)
        assert res.exit_code == 0, res.output
    res = run(proj, "build", "--region", "alpha")
    assert res.exit_code == 0 and "failed 0" in res.output, res.output
    alpha_site = proj.reports_dir / "_site" / "alpha"
    alpha = _site_files(alpha_site)
    assert "en/KEN/logistics.html" in alpha and "en/region/overview.html" in alpha
    release = json.loads((proj.reports_dir / "work" / "alpha" / "manifest.json").read_text())["releases"]

    res = run(proj, "build", "--region", "beta", "--kinds", "progress")
    assert res.exit_code == 0 and "failed 0" in res.output, res.output
    assert "en/PHL/progress.html" in _site_files(proj.reports_dir / "_site" / "beta")
    assert _site_files(alpha_site) == alpha  # untouched: same bytes, same mtimes
    index = (proj.reports_dir / "_site" / "index.html").read_text(encoding="utf-8")
    assert 'href="alpha/index.html"' in index and 'href="beta/index.html"' in index and "refresh" not in index

    res = run(proj, "build", "--region", "alpha")
    assert res.exit_code == 0, res.output
    assert "pages run 0" in res.output and "was not republished" in res.output, res.output
    assert json.loads((proj.reports_dir / "work" / "alpha" / "manifest.json").read_text())["releases"] == release
    assert f"(release {release[-1]['release_id']})" in res.output
    assert _site_files(alpha_site) == alpha


def test_check_dates_that_leave_pages_empty(tmp_path):
    proj = make_project(tmp_path / "proj")
    edit_yaml(proj.regions_dir / "sica" / "region.yaml", lambda d: d["illustrative"].update(start="2027-01-01"))
    edit_yaml(proj.regions_dir / "sica" / "countries" / "PAN.yaml", lambda d: d.update(start="2031-01-01"))
    code, lines = check(proj)
    assert code == 2
    region_yaml, pan_yaml = proj.regions_dir / "sica" / "region.yaml", proj.regions_dir / "sica" / "countries" / "PAN.yaml"
    assert f"{region_yaml}: illustrative.start: 2027-01-01 is after as_of 2026-09-30: the illustrative data would have no period by the page date" in lines
    assert any(line.startswith(f"{pan_yaml}: start: 2031-01-01 is after the region's as_of 2026-09-30") for line in lines), lines
    assert any(line.startswith(f"{pan_yaml}: start: 2031-01-01 is after the deadline of measure(s)") for line in lines), lines
    # The build refuses the same problems before any work: no store, no work folder.
    res = run(proj, "build", "--region", "sica")
    assert res.exit_code == 2 and "nothing built" in res.output, res.output
    assert not (proj.data_dir / "store").exists() and not (proj.reports_dir / "work").exists()


def test_check_notes_members_the_reference_data_does_not_cover(tmp_path):
    proj = make_project(tmp_path / "proj")
    res = run(proj, "region", "check", "sica")
    assert res.exit_code == 0
    # Belize is in no LPI wave (data/reference/lpi/lpi_2010_2023.csv has no "Belize" row).
    lpi = (REPO.reference_dir / "lpi" / "lpi_2010_2023.csv").read_text(encoding="utf-8-sig")
    assert "Belize" not in lpi and "Costa Rica" in lpi
    assert "note: World Bank LPI has no rows for BLZ: their pages show no data there" in res.output.splitlines()


def test_building_the_eac_leaves_the_sica_site_untouched(tmp_path):
    """The two shipped regions in one project: the EAC build writes only reports/_site/eac/
    (and the index of regions); SICA's published files keep their bytes and times."""
    proj = make_project(tmp_path / "proj", with_submissions=True)
    res = run(proj, "build", "--region", "sica", "--kinds", "overview", "--lang", "en")
    assert res.exit_code == 0, res.output
    sica_site = proj.reports_dir / "_site" / "sica"
    sica = _site_files(sica_site)
    sica_work = _site_files(proj.reports_dir / "work" / "sica")
    res = run(proj, "build", "--region", "eac", "--kinds", "overview", "--lang", "en")
    assert res.exit_code == 0 and "failed 0" in res.output, res.output
    assert (proj.reports_dir / "_site" / "eac" / "en" / "region" / "overview.html").exists()
    assert _site_files(sica_site) == sica and _site_files(proj.reports_dir / "work" / "sica") == sica_work
    index = (proj.reports_dir / "_site" / "index.html").read_text(encoding="utf-8")
    assert 'href="sica/index.html"' in index and 'href="eac/index.html"' in index
