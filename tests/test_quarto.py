"""The Quarto engine writes a website project over the executed notebooks (tests check its
structure everywhere; rendering runs only where a quarto binary exists)."""

from __future__ import annotations

import datetime as dt
import shutil

import nbformat
import pytest
import yaml

from tflib.pages import Address
from tflib.params import load_region
from tflib.site import quarto
from tflib.site.model import PageRecord, Release


def _records(tmp_path):
    nb = nbformat.v4.new_notebook()
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "mark": "bar", "title": {"text": "x"}, "data": {"values": [{"a": 1}]}}
    nb.cells = [nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output("display_data", data={"application/vnd.vegalite.v6+json": spec, "text/plain": "[chart] x"})])]
    path = tmp_path / "cri.ipynb"
    nbformat.write(nb, path)
    recs = [PageRecord(Address("sica", "progress", "CRI", lang), path, True) for lang in ("es", "en")]
    recs.append(PageRecord(Address("sica", "logistics", "CRI", "es"), tmp_path / "missing.ipynb", False, "cell 2: ValueError: boom"))
    recs.append(PageRecord(Address("sica", "overview", None, "en"), path, True))
    return recs


def test_project_structure(tmp_path):
    params = load_region("sica")
    release = Release("sica-2026-09-30-5e1f0c2a9b", "sica", params.as_of, dt.date(2026, 9, 28), "0.1.0")
    proj = quarto.write_project(params, _records(tmp_path), tmp_path / "q", tmp_path / "_site", release)
    config = yaml.safe_load((proj / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["project"]["type"] == "website"
    assert config["execute"]["enabled"] is False  # executed once, never again
    menus = {m["text"] for m in config["website"]["navbar"]["left"]}
    assert menus == {"ES", "EN"}
    es = next(m for m in config["website"]["navbar"]["left"] if m["text"] == "ES")
    assert any(item.get("text") == "Costa Rica" for item in es["menu"])
    page = nbformat.read(proj / "es" / "CRI" / "progress.ipynb", as_version=4)
    out = page.cells[0].outputs[0]
    assert set(out["data"]) == {"text/html"} and "tf-spec" in out["data"]["text/html"]
    failed = nbformat.read(proj / "es" / "CRI" / "logistics.ipynb", as_version=4)
    assert "boom" in failed.cells[0].source
    assert (proj / "assets" / "vega-bundle.js").stat().st_size > 100_000
    assert (proj / "en" / "index.qmd").exists() and (proj / "es" / "index.qmd").exists()


def test_without_quarto_the_engine_says_how_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    message = quarto.missing_quarto()
    assert message and "conda-forge quarto" in message and "--engine builtin" in message


@pytest.mark.skipif(shutil.which("quarto") is None, reason="no quarto binary on PATH (install from quarto.org or conda-forge)")
def test_render_with_quarto(tmp_path):
    params = load_region("sica")
    release = Release("sica-2026-09-30-5e1f0c2a9b", "sica", params.as_of, dt.date(2026, 9, 28), "0.1.0")
    site = quarto.publish(params, _records(tmp_path), tmp_path / "q", tmp_path / "_site", release)
    assert (site / "index.html").exists()
