"""Any region by params alone: the default region comes from the project (or TFLIB_REGION),
`tflib region check` names every problem of a region's params, and `tflib region reset`
clears one region's data and nothing of another's."""

from __future__ import annotations

import hashlib
import inspect
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
    assert len(lines) == 1 and lines[0].startswith("sica: params valid: 8 members, ")


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


def test_check_missing_impact_params(tmp_path):
    proj = make_project(tmp_path / "proj")
    path = proj.regions_dir / "sica" / "impact.yaml"
    path.unlink()
    assert check(proj) == (
        2,
        [f"{path}: (file): not found; the impact page applies to this region's members, so its assumptions are needed", "sica: 1 problem(s)"],
    )


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
