"""Set-up: pinned dependencies agree everywhere, the README's commands are the real ones, the
command line works against a project, and frames convert to pandas."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

import tflib
from tflib.ingest import ingest
from tflib.store import Store

from projects import make_project

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
ENVIRONMENT = ROOT / "environment.yml"
CONSTRAINTS = ROOT / "constraints.txt"
README = ROOT / "README.md"
CI_RUN = ROOT / ".ci" / "run"

# PyPI name -> conda-forge name, where they differ.
CONDA_NAMES = {"duckdb": "python-duckdb"}
PYPI_NAMES = {conda: pypi for pypi, conda in CONDA_NAMES.items()}
# In environment.yml but not Python dependencies of the package.
CONDA_ONLY = {"python", "pip", "quarto"}

MEMBERS = {"CRI", "SLV", "GTM", "HND", "NIC", "PAN", "BLZ", "DOM"}
NOT_SCORED = {"BLZ", "DOM"}
TABLES = ("measures", "commitments", "action_items", "progress_updates", "indicator_observations", "submissions")


# ---------------------------------------------------------------------------------------------
# Pinned dependencies: pyproject.toml, constraints.txt, environment.yml


def _pyproject() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def _pyproject_requirements() -> list[Requirement]:
    project = _pyproject()["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def _pin(req: Requirement) -> str | None:
    """The version of an `==` pin, else None."""
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator == "==":
        return specs[0].version
    return None


def _pyproject_pins() -> dict[str, tuple[str | None, frozenset[str]]]:
    return {canonicalize_name(r.name): (_pin(r), frozenset(r.extras)) for r in _pyproject_requirements()}


def _environment() -> dict:
    return yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))


def _conda_spec(spec: str) -> tuple[str, str | None]:
    """('polars', '2.1.0') for 'polars=2.1.0', 'polars==2.1.0' or 'polars 2.1.0'; version None if unpinned."""
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(?:(?:==?|\s)\s*(\S+))?\s*", spec)
    assert m, f"environment.yml: cannot read conda dependency {spec!r}"
    return m.group(1).lower(), m.group(2)


def _environment_entries() -> tuple[dict[str, str | None], dict[str, tuple[str | None, frozenset[str]]]]:
    """(conda name -> version, canonical PyPI name -> (version, extras) of the pip: section)."""
    conda: dict[str, str | None] = {}
    pip: dict[str, tuple[str | None, frozenset[str]]] = {}
    for entry in _environment()["dependencies"]:
        if isinstance(entry, dict):
            assert set(entry) == {"pip"}, f"environment.yml: unexpected section {entry}"
            for line in entry["pip"]:
                if line.strip().startswith("-"):  # the editable install of tflib itself, options
                    continue
                req = Requirement(line)
                name = canonicalize_name(req.name)
                assert name not in pip, f"environment.yml lists {name} twice under pip:"
                pip[name] = (_pin(req), frozenset(req.extras))
        else:
            name, version = _conda_spec(str(entry))
            assert name not in conda, f"environment.yml lists {name} twice"
            conda[name] = version
    return conda, pip


def test_pyproject_pins_direct_dependencies_exactly_as_constraints():
    constraints = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            constraints[canonicalize_name(name)] = version.strip()
    for req in _pyproject_requirements():
        version = _pin(req)
        assert version is not None, f"pyproject.toml: {req} must be pinned with =="
        name = canonicalize_name(req.name)
        assert name in constraints, f"{req.name} is pinned in pyproject.toml but missing from constraints.txt"
        assert constraints[name] == version, (
            f"{req.name}: pyproject.toml pins {version}, constraints.txt {constraints[name]}"
        )


def test_environment_yml_has_the_same_pins_as_pyproject():
    pins = _pyproject_pins()
    conda, pip = _environment_entries()
    assert "quarto" in conda, "environment.yml must install quarto (conda-forge)"
    assert "python" in conda

    in_env: dict[str, tuple[str | None, str]] = {}
    from_conda: set[str] = set()
    for conda_name, version in conda.items():
        if conda_name in CONDA_ONLY:
            continue
        name = canonicalize_name(PYPI_NAMES.get(conda_name, conda_name))
        in_env[name] = (version, f"{conda_name} (conda)")
        from_conda.add(name)
    for name, (version, _extras) in pip.items():
        assert name not in in_env, f"environment.yml lists {name} both as a conda package and under pip:"
        in_env[name] = (version, f"{name} (pip)")

    missing = sorted(set(pins) - set(in_env))
    extra = sorted(set(in_env) - set(pins))
    assert not missing, f"pinned in pyproject.toml, absent from environment.yml: {missing}"
    assert not extra, f"in environment.yml, absent from pyproject.toml: {[in_env[n][1] for n in extra]}"
    for name, (version, extras) in pins.items():
        env_version, where = in_env[name]
        assert env_version == version, f"{name}: pyproject.toml pins {version}, environment.yml has {where} {env_version}"
        if name in pip:
            assert pip[name][1] == extras, f"{name}: extras differ ({sorted(extras)} vs {sorted(pip[name][1])})"
        if name in from_conda:
            # conda packages take no extras: a dependency with extras must come from pip.
            assert not extras, f"{name}[{','.join(sorted(extras))}] needs the pip: section of environment.yml"


def test_environment_python_satisfies_requires_python():
    conda, _ = _environment_entries()
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert conda["python"] and requires.contains(conda["python"]), (
        f"environment.yml python={conda['python']} is outside requires-python {requires}"
    )


def test_conda_spec_parser():
    assert _conda_spec("polars=2.1.0") == ("polars", "2.1.0")
    assert _conda_spec("python-duckdb==2.0.0") == ("python-duckdb", "2.0.0")
    assert _conda_spec("vl-convert-python 1.9.0.post1") == ("vl-convert-python", "1.9.0.post1")
    assert _conda_spec("quarto") == ("quarto", None)


# ---------------------------------------------------------------------------------------------
# README quick start and CI


def _quick_start_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    assert "\n## Quick start\n" in text, "README.md has no '## Quick start' section"
    section = text.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```sh\n(.*?)^```", section, re.S | re.M)
    assert block, "the README's quick start has no ```sh block"
    first_sh = re.search(r"^```sh\n(.*?)^```", text, re.S | re.M)
    assert first_sh.start() == text.index(block.group(0)), "the quick start block is the README's first ```sh block"
    lines = (line.split("#", 1)[0].strip() for line in block.group(1).splitlines())
    return [line for line in lines if line]


def test_readme_quick_start_is_two_commands():
    assert _quick_start_commands() == ["make site", "make test"]


def test_ci_runs_the_readmes_test_command():
    test_command = next(c for c in _quick_start_commands() if "test" in c.split())
    lines = [line.split("#", 1)[0].strip() for line in CI_RUN.read_text(encoding="utf-8").splitlines()]
    assert test_command in lines, f".ci/run does not run the README's test command {test_command!r}"


# ---------------------------------------------------------------------------------------------
# The command line against a temporary project


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """A temporary project holding the shipped (illustrative) submissions, ingested."""
    proj = make_project(tmp_path_factory.mktemp("setup") / "proj", with_submissions=True)
    results = ingest([proj.submissions_dir / "sica"], "sica", proj)
    assert results and all(r.exit_code == 0 for r in results)
    return proj


def _run_tflib(project, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TFLIB_ROOT": str(project.root), "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "tflib", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def _table_rows(output: str) -> list[list[str]]:
    """Cells of every row of the rich tables in `output` (unicode or ASCII box)."""
    rows = []
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line)]
        if len(cells) >= 3 and cells[0] == "" and cells[-1] == "":
            rows.append(cells[1:-1])
    return rows


def test_cli_info_lists_members_and_counts(ingested, tmp_path):
    res = _run_tflib(ingested, "info", "--region", "sica", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    rows = _table_rows(res.stdout)

    party = {r[0]: r[2] for r in rows if len(r) == 4 and r[0] in MEMBERS}
    assert set(party) == MEMBERS, res.stdout
    for code, status in party.items():
        assert status == ("tracked, not scored" if code in NOT_SCORED else "party"), (code, status)

    counts = {r[0]: int(r[1].replace(",", "")) for r in rows if len(r) == 2 and r[0] in TABLES}
    assert set(counts) == set(TABLES), res.stdout
    assert all(n > 0 for n in counts.values()), counts
    stored = tflib.counts("sica", ingested)
    assert counts == {k: stored[k] for k in TABLES}


def _write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(["country", "item_id", "reported_on", "status", "pct_complete", "note"])
        writer.writerows(rows)
    return path


@pytest.fixture
def empty_project(tmp_path):
    proj = make_project(tmp_path / "proj")
    Store.create("sica", proj).close()  # schema and plan (action items) from params
    return proj


def test_cli_ingest_exit_codes(empty_project, tmp_path):
    items = tflib.action_items("sica", country="CRI", project=empty_project)["item_id"].to_list()
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    good = _write_csv(inbox / "good.csv", [["CRI", items[0], "2025-03-31", "partial", 40, ""]])
    res = _run_tflib(empty_project, "ingest", str(good), "--region", "sica", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "accepted 1 + quarantined 0" in res.stdout

    bad = _write_csv(
        inbox / "bad.csv",
        [["CRI", items[1], "2025-03-31", "pilot", 10, ""], ["CRI", items[2], "2025-03-31", "partial", 140, ""]],
    )
    res = _run_tflib(empty_project, "ingest", str(bad), "--region", "sica", cwd=tmp_path)
    assert res.returncode == 1, res.stderr
    assert "bad.csv:3:pct_complete: pct_range: 140 is outside 0-100" in res.stderr.splitlines()

    latin1 = _write_csv(inbox / "latin1.csv", [["CRI", items[3], "2025-03-31", "pilot", 10, "Aduana: revisión"]], "latin-1")
    res = _run_tflib(empty_project, "ingest", str(latin1), "--region", "sica", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert re.search(r"^latin1\.csv:-:-: encoding: ", res.stderr, re.M), res.stderr

    assert tflib.counts("sica", empty_project)["progress_updates"] == 2


# ---------------------------------------------------------------------------------------------
# pandas


def test_frames_convert_to_pandas(ingested):
    members = tflib.members("sica", project=ingested)
    members_pd = members.to_pandas()
    assert isinstance(members_pd, pd.DataFrame)
    assert len(members_pd) == members.height == len(MEMBERS)
    assert list(members_pd.columns) == members.columns

    progress = tflib.progress("sica", country="GTM", project=ingested)
    progress_pd = progress.to_pandas()
    assert isinstance(progress_pd, pd.DataFrame)
    assert len(progress_pd) == progress.height > 0
    assert list(progress_pd.columns) == progress.columns
    # Missing stays missing: never-reported items keep a missing status in pandas too.
    assert int(progress_pd["status"].isna().sum()) == progress["status"].null_count()
