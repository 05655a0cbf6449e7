"""The notebooks run end to end under papermill against a temporary project."""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import papermill
import pytest

import tflib
from tflib.ingest import ingest

from projects import make_project

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
GETTING_STARTED = NOTEBOOKS / "00_getting_started.ipynb"
# Budget for executing the notebook (kernel start included); the ingest before it is not counted.
BUDGET_SECONDS = 20


def _code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def _text_outputs(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out:
            parts.append(out.data.get("text/plain", ""))
    return "".join(parts)


def test_getting_started_is_saved_clean_and_parameterized():
    nb = nbformat.read(GETTING_STARTED, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = _code_cells(nb)
    assert all(not c.outputs and c.execution_count is None for c in code), "save the notebook without outputs"
    params = code[0]
    assert "parameters" in params.metadata.get("tags", [])
    defaults: dict = {}
    exec(params.source, {}, defaults)
    assert defaults == {"region": None, "country": None, "lang": None}


def test_getting_started_runs_under_papermill(tmp_path, monkeypatch):
    proj = make_project(tmp_path / "proj", with_submissions=True)
    results = ingest([proj.submissions_dir / "sica"], "sica", proj)
    assert results and all(r.exit_code == 0 for r in results)
    expected_items = tflib.action_items("sica", country="GTM", project=proj).height
    assert expected_items > 0
    # Mark the temporary project so the output proves which project the kernel read: an earlier
    # reporting date than the checkout's (set after ingest, so every shipped row was accepted).
    region_yaml = proj.regions_dir / "sica" / "region.yaml"
    marked, n = re.subn(r"(?m)^as_of: .*$", "as_of: 2026-06-30", region_yaml.read_text(encoding="utf-8"))
    assert n == 1
    region_yaml.write_text(marked, encoding="utf-8")

    # The kernel inherits this process's environment, so it reads the temporary project.
    monkeypatch.setenv("TFLIB_ROOT", str(proj.root))
    output = tmp_path / "00_getting_started.out.ipynb"
    started = time.perf_counter()
    nb = papermill.execute_notebook(
        str(GETTING_STARTED),
        str(output),
        parameters=dict(region="sica", country="GTM"),
        kernel_name="python3",
        cwd=str(proj.root),
        progress_bar=False,
        execution_timeout=BUDGET_SECONDS,
    )
    elapsed = time.perf_counter() - started
    assert elapsed < BUDGET_SECONDS, f"the notebook took {elapsed:.1f} s"

    code = _code_cells(nb)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    injected = [c for c in code if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'country = "GTM"' in injected[0].source
    printed = "\n".join(_text_outputs(c) for c in code)
    assert f"GTM: {expected_items} action items" in printed
    # The kernel read the temporary project (TFLIB_ROOT), and the injected country, not the default.
    assert "as of: 2026-06-30" in printed
    assert "CRI: " not in printed
    assert output.exists()
