"""Every report notebook, for every member and every region language, on the shipped data.

One module-scoped run executes all pages on warm kernels (tflib.runner); the tests then read
the executed notebooks: no errors, every chart value equals its loader's, the page checklist,
no untranslated UI text, nothing confidential published, and warm pages equal cold ones.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import polars as pl
import pytest

import tflib
from tflib import i18n
from tflib.ingest import ingest
from tflib.params import load_region
from tflib.build import NOTEBOOKS as NOTEBOOK_FILES
from tflib.build import plan_pages
from tflib.runner import Job, JobResult, RunSummary, run_jobs

import chartcheck
from projects import REPO, make_project

NOTEBOOKS = sorted(p for p in (REPO.root / "notebooks").glob("[0-9][0-9]_*.ipynb") if not p.name.startswith("00_"))


def is_regional(nb_path: Path) -> bool:
    nb = nbformat.read(nb_path, as_version=4)
    src = nb.cells[0].source
    return re.search(r"^country\s*=\s*None", src, re.M) is not None


pytestmark = pytest.mark.xdist_group("site")


@pytest.fixture(scope="module")
def built(site_build):
    """The executed pages of the shared site build, as (job, result) records."""
    proj, report = site_build
    params = load_region("sica", proj)
    manifest = json.loads((proj.reports_dir / "work" / "sica" / "manifest.json").read_text())
    results = []
    for page in plan_pages(params, notebooks_dir=REPO.root / "notebooks"):
        entry = manifest["pages"][page.page_id]
        out = proj.reports_dir / "work" / "sica" / "pages" / page.lang / (page.country or "region") / f"{page.dimension}.ipynb"
        job = Job(REPO.root / "notebooks" / NOTEBOOK_FILES[page.dimension], out, page.parameters("sica"), page.page_id)
        results.append(JobResult(job, entry["ok"], entry.get("seconds", 0), entry.get("error")))
    return proj, params, RunSummary(results)


def pages(built):
    _, _, summary = built
    return [(r.job, nbformat.read(r.job.output, as_version=4)) for r in summary.results if r.ok]


def test_there_are_pages_for_every_dimension():
    names = {p.stem.split("_", 1)[1] for p in NOTEBOOKS}
    assert {"implementation", "logistics", "sme", "corridors", "digital", "regional_overview", "impact"} <= names


def test_every_page_executes_for_every_member_and_language(built):
    _, params, summary = built
    failures = [f"{r.job.label}: {r.error}" for r in summary.failures]
    assert failures == []
    regional = sum(is_regional(nb) for nb in NOTEBOOKS)
    expected = (len(NOTEBOOKS) - regional) * len(params.region.members) * len(params.languages) + regional * len(params.languages)
    assert len(summary.results) == expected


def test_chart_values_equal_the_loaders(built):
    proj, params, _ = built
    compared = 0
    for job, nb in pages(built):
        for spec in chartcheck.chart_specs(nb):
            compared += chartcheck.check_chart(spec, "sica", proj, params.as_of)
    assert compared > 1000


def _texts(nb) -> tuple[str, list[dict]]:
    """All visible text of a page (HTML outputs without tags) and its chart specs."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data:
                parts.append(html.unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", "".join(data["text/html"]), flags=re.S)))
            elif "text" in out:
                parts.append("".join(out["text"]))
    return " ".join(" ".join(parts).split()), chartcheck.chart_specs(nb)


def _chart_texts(spec) -> list[str]:
    """Titles, subtitles and axis/legend titles anywhere in a chart spec."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("title", "subtitle", "text") and isinstance(v, (str, list)):
                    found.extend([v] if isinstance(v, str) else [x for x in v if isinstance(x, str)])
                elif k not in ("datasets", "data", "usermeta", "config"):
                    walk(v)
        elif isinstance(node, list):
            for x in node:
                walk(x)

    walk(spec)
    return found


def test_page_checklist(built):
    """Title, as-of date, last submission, units, a source line per chart, 'illustrative' on
    every chart with illustrative data, and the caveats where LPI or Doing Business appear."""
    _, params, _ = built
    for job, nb in pages(built):
        lang, country = job.parameters["lang"], job.parameters["country"]
        text, specs = _texts(nb)
        first_html = next("".join(o["data"]["text/html"]) for c in nb.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {}))
        assert "<h1" in first_html, job.label
        assert i18n.fmt_date(params.as_of, lang, "long") in text, f"{job.label}: no as-of date"
        if country:
            assert i18n.t("Last progress report from {country}: {date}", lang, country="X", date="Y").split("X")[0].strip() in text, job.label
        source_word = i18n.t("Source: {source}", lang, source="").strip()
        unit_word = i18n.t("Unit: {unit}", lang, unit="").strip()
        illus = i18n.t("Illustrative data (generated), not real figures", lang)
        for spec in specs:
            title = spec["title"]
            subtitle = title.get("subtitle", []) if isinstance(title, dict) else []
            assert title.get("text"), job.label
            assert any(s.startswith(source_word) for s in subtitle), f"{job.label}: chart {title['text']!r} has no source line"
            assert any(s.startswith(unit_word) for s in subtitle), f"{job.label}: chart {title['text']!r} has no unit"
            meta = spec.get("usermeta", {}).get("tflib", {})
            if meta.get("illustrative"):
                assert illus in subtitle, f"{job.label}: illustrative chart {title['text']!r} not labelled"
            rows = chartcheck.chart_rows(spec)
            if any(r.get("illustrative") is True for r in rows):
                assert meta.get("illustrative"), f"{job.label}: chart {title['text']!r} draws illustrative rows unlabelled"
            loader = (meta.get("check") or {}).get("loader")
            if loader == "lpi":
                assert i18n.t(tflib.page.CAVEATS["lpi"], lang)[:40] in text, f"{job.label}: LPI chart without its caveat"
            if loader == "doing_business":
                assert i18n.t(tflib.page.CAVEATS["doing_business"], lang)[:40] in text, f"{job.label}: DB chart without its caveat"


def test_no_untranslated_text_on_pages_in_other_languages(built):
    catalogs = {lang: i18n._catalog(lang) for lang in ("es", "fr")}
    for job, nb in pages(built):
        lang = job.parameters["lang"]
        if lang == "en":
            continue
        text, specs = _texts(nb)
        text = text + " " + " ".join(s for spec in specs for s in _chart_texts(spec))
        leaks = [
            msgid for msgid, msgstr in catalogs[lang].items()
            if msgstr != msgid and len(msgid) >= 12 and "{" not in msgid and msgid in text and msgid not in msgstr
        ]
        # Templates with placeholders: their fixed English head must not appear either.
        # (Heads the translation keeps, such as a proper name like "Doing Business DB", are not leaks.)
        heads = [
            m.split("{")[0].strip() for m, s in catalogs[lang].items()
            if "{" in m and s != m and len(m.split("{")[0].strip()) >= 14 and m.split("{")[0].strip() not in s
        ]
        leaks += [h for h in heads if h in text]
        assert leaks == [], f"{job.label}: untranslated: {leaks[:5]}"


def test_confidential_values_never_reach_a_page(built):
    _, params, _ = built
    hidden = {(c, ind) for c, cp in params.countries.items() for ind in cp.confidential}
    assert hidden, "the shipped params mark some indicators confidential"
    for job, nb in pages(built):
        for spec in chartcheck.chart_specs(nb):
            for row in chartcheck.chart_rows(spec):
                key = (row.get("country") or row.get("iso3"), row.get("indicator_id") or row.get("indicator"))
                assert key not in hidden, f"{job.label}: confidential {key} charted"


def test_pages_built_warm_equal_pages_built_cold(built, tmp_path):
    proj, params, summary = built
    picks = [r.job for r in summary.results if r.ok][::17][:4]
    cold = run_jobs(
        [Job(j.notebook, tmp_path / f"{i}.ipynb", j.parameters, j.label) for i, j in enumerate(picks)],
        workers=2,
        warm=False,
        env={"TFLIB_ROOT": str(proj.root)},
    )
    assert not cold.failures

    def norm(path):
        nb = nbformat.read(path, as_version=4)
        nb.metadata.pop("papermill", None)
        for c in nb.cells:
            c.metadata.pop("papermill", None)
            c.metadata.pop("execution", None)
        return nb

    for job, res in zip(picks, cold.results):
        assert norm(job.output) == norm(res.job.output), job.label
