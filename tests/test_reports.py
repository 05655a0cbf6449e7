"""Every report notebook, for every member and every region language, on the shipped data of
every shipped region (SICA and the EAC).

One module-scoped run per region executes all pages on warm kernels (tflib.runner); the tests
then read the executed notebooks: no errors, every chart value equals its loader's, the page
checklist, no untranslated UI text, nothing confidential published, warm pages equal cold
ones, and no page of one region names another region.
"""

from __future__ import annotations

import html
import json
import re
import shutil

import polars as pl

import nbformat
import pytest

import tflib
from tflib import i18n
from tflib import pages as registry
from tflib.params import load_region
from tflib.charts import LEAN_ENV
from tflib.runner import Job, JobResult, RunSummary, run_jobs
from tflib.site.report import outputs, page_tables

import chartcheck
from projects import REPO
from second_copy import mismatches

pytestmark = pytest.mark.xdist_group("site")


# Each shipped region; the EAC's pages run in their own group (the other xdist worker).
REGIONS = [pytest.param("sica", id="sica"), pytest.param("eac", id="eac", marks=pytest.mark.xdist_group("eac"))]
# Names of each region that no page of another region may carry.
REGION_NAMES = {"sica": ("SICA", "SIECA", "Centroamérica", "Central America", "Centroamericana"), "eac": ("East African Community", "Communauté d'Afrique de l'Est", "EAC Secretariat")}


@pytest.fixture(scope="module", params=REGIONS)
def built(request, region_build):
    """The executed pages of the region's shared site build, as (job, result) records."""
    region = request.param
    proj, report = region_build(region)
    params = load_region(region, proj)
    work = registry.work_dir(proj, region)
    manifest = json.loads((work / "manifest.json").read_text())
    results = []
    for a in registry.addresses(params):
        entry = manifest["pages"][a.page_id]
        job = Job(registry.notebook(REPO, a.kind), a.executed(work), a.parameters(a.inputs(work).relative_to(proj.root)), a.page_id)
        results.append(JobResult(job, entry["ok"], entry.get("seconds", 0), entry.get("error")))
    return proj, params, RunSummary(results)


def pages(built):
    _, _, summary = built
    return [(r.job, nbformat.read(r.job.output, as_version=4)) for r in summary.results if r.ok]


def test_every_notebook_is_a_registered_page_kind():
    on_disk = {p.name for p in (REPO.root / "notebooks").glob("[0-9][0-9]_*.ipynb") if not p.name.startswith("00_")}
    assert on_disk == {k.notebook for k in registry.KINDS.values()}


def test_every_page_executes_for_every_member_and_language(built):
    _, params, summary = built
    failures = [f"{r.job.label}: {r.error}" for r in summary.failures]
    assert failures == []
    assert len(summary.results) == len(registry.addresses(params)) > 60


def test_chart_values_equal_the_loaders(built):
    proj, params, _ = built
    compared = 0
    for job, nb in pages(built):
        for spec in chartcheck.chart_specs(nb):
            compared += chartcheck.check_chart(spec, params.id, proj, params.as_of)
    assert compared > 1000


def test_every_chart_expression_parses(built):
    """Labels inside Vega expressions are escaped: a French "l'exportation" once ended a string
    literal early, so the browser refused the whole chart ("Unexpected identifier")."""
    bad = []
    for job, nb in pages(built):
        for spec in chartcheck.chart_specs(nb):
            bad += [f"{job.label}: {p}" for e in chartcheck.expressions(spec) if (p := chartcheck.literal_problem(e))]
    assert bad == []


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
    return chartcheck.strings_under(spec, ("title", "subtitle", "text"), skip=("datasets", "data", "usermeta", "config"))


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
                # Subtitles are wrapped to fit a phone: the line may run over two.
                assert illus in " ".join(subtitle), f"{job.label}: illustrative chart {title['text']!r} not labelled"
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
    assert hidden, f"the shipped params of {params.id} mark some indicators confidential"
    for job, nb in pages(built):
        for spec in chartcheck.chart_specs(nb):
            for row in chartcheck.chart_rows(spec):
                key = (row.get("country") or row.get("iso3"), row.get("indicator_id") or row.get("indicator"))
                assert key not in hidden, f"{job.label}: confidential {key} charted"
        for table in page_tables(nb):
            for row in table.frame.to_dicts():
                key = (row.get("country") or row.get("iso3"), row.get("indicator_id") or row.get("indicator"))
                assert key not in hidden or row.get("value") is None, f"{job.label}: confidential {key} in table {table.name}"


def test_every_chart_and_table_carries_its_release_table(built):
    """Downloads are made of release tables: each chart and page table carries the table it
    shows, with a title, a source and a precision for every decimal column."""
    for job, nb in pages(built):
        found = outputs(nb)
        assert found, job.label
        n_charts = sum(o.spec is not None for o in found)
        assert n_charts == len(chartcheck.chart_specs(nb)), job.label
        for o in found:
            assert o.tables, f"{job.label}: an output without its table"
            for table in o.tables:
                assert table.title and table.source, (job.label, table.name)
                floats = [c for c, d in table.frame.schema.items() if d.is_float()]
                assert set(floats) <= set(table.precision), (job.label, table.name)
                if o.spec is not None:
                    title = o.spec["title"]["text"] if isinstance(o.spec["title"], dict) else o.spec["title"]
                    title = " ".join(title) if isinstance(title, list) else title  # wrapped to fit a phone
                    assert table.title == title and table.illustrative == bool(o.spec["usermeta"]["tflib"]["illustrative"])
        names = [t.name for t in page_tables(nb)]
        assert len(names) == len(set(names)), job.label


def test_every_published_lpi_value_of_2010_to_2016_equals_the_second_copy(built):
    """Every LPI score any page publishes (charts' tables and page tables) for the waves
    2010-2016 is the independent second copy's; the raw copy swaps two columns in 2010/2012."""
    checked = 0
    for job, nb in pages(built):
        for table in page_tables(nb):
            frame = table.frame
            if not {"iso3", "year"} <= set(frame.columns) or "lpi_score" not in frame.columns:
                continue
            frame = frame.filter(pl.col("iso3").is_not_null() & pl.col("lpi_score").is_not_null())
            assert mismatches(frame) == [], (job.label, table.name)
            checked += frame.filter(pl.col("year") <= 2016).height
    assert checked > 40  # the LPI trend of every logistics page (the bulk lpi.csv: test_site_downloads)


def test_pages_never_open_the_store_or_the_reference_files(built, region_build, tmp_path):
    """Every page, run again from its materialised inputs alone in a copy of the project
    without data/store and data/reference, is the same notebook (run times aside), and the
    site published from the copy's release tables is the same, byte for byte."""
    proj, params, summary = built
    if params.id != REGIONS[0].values[0]:
        # Re-running a whole region takes minutes; how pages read their inputs does not depend
        # on the region, so the first shipped region stands for every one.
        pytest.skip("checked on the first shipped region only")
    copy = tmp_path / "copy"
    shutil.copytree(proj.params_dir, copy / "params")
    shutil.copytree(proj.reports_dir / "work", copy / "reports" / "work", ignore=shutil.ignore_patterns("pages", "cache"))
    (copy / "data").mkdir()
    assert not (copy / "data" / "store").exists() and not (copy / "data" / "reference").exists()
    jobs = [Job(r.job.notebook, copy / r.job.output.relative_to(proj.root), r.job.parameters, r.job.label) for r in summary.results]
    rerun = run_jobs(jobs, workers=2, warm=True, env={"TFLIB_ROOT": str(copy)})
    assert rerun.failures == [], [f"{f.job.label}: {f.error}" for f in rerun.failures]
    for original, again in zip(summary.results, rerun.results):
        assert _without_run_times(original.job.output) == _without_run_times(again.job.output), original.job.label

    from tflib.paths import Project
    from tflib.site import builtin
    from tflib.site.model import PageRecord

    _, report = region_build(params.id)
    copy_proj = Project(copy)
    copy_params = load_region(params.id, copy_proj)
    work = registry.work_dir(copy_proj, params.id)
    records = [PageRecord(a, a.executed(work), ok=True) for a in registry.addresses(copy_params)]
    site = registry.site_dir(copy_proj, params.id)
    assert builtin.publish(copy_params, records, site, report.release, work=work, project=copy_proj) == []
    original = registry.site_dir(proj, params.id)
    files = sorted(p.relative_to(original) for p in original.rglob("*") if p.is_file() and "pagefind" not in p.parts)
    assert files == sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file() and "pagefind" not in p.parts)
    different = [str(f) for f in files if (original / f).read_bytes() != (site / f).read_bytes()]
    assert different == []



def _without_run_times(path):
    """The executed notebook as a page is made of it: papermill's run times left out."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for c in nb.cells:
        c.metadata.pop("papermill", None)
        c.metadata.pop("execution", None)
    return nb


def test_pages_built_warm_equal_pages_built_cold(built, tmp_path):
    """A page of every kind, built warm and lean (`charts.lean_altair`) by the build, equals
    the page built on a fresh kernel with Altair's and great-tables' defaults."""
    proj, params, summary = built
    by_kind: dict[str, list[Job]] = {}
    for r in summary.results:
        if r.ok:
            by_kind.setdefault(r.job.label.split("/")[-1], []).append(r.job)
    # One page per kind, a different member and language from kind to kind.
    picks = [jobs[(7 * i) % len(jobs)] for i, jobs in enumerate(by_kind.values())]
    assert len(picks) == len({a.kind for a in registry.addresses(params)})
    cold = run_jobs(
        [Job(j.notebook, tmp_path / f"{i}.ipynb", j.parameters, j.label) for i, j in enumerate(picks)],
        workers=2,
        warm=False,
        env={"TFLIB_ROOT": str(proj.root), LEAN_ENV: "0"},
    )
    assert not cold.failures

    for job, res in zip(picks, cold.results):
        assert _without_run_times(job.output) == _without_run_times(res.job.output), job.label


def test_every_chart_is_valid_vega_lite(built):
    """Batch kernels skip Altair's validation (`charts.lean_altair`), so it is done here: every
    chart of every page kind, in every language, of the first and the last member and of the
    region, against the Vega-Lite schema Altair ships."""
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema import core

    _, params, _ = built
    schema = core.load_schema()
    members = {params.region.member_codes[0], params.region.member_codes[-1]}
    checked, invalid = 0, []
    for job, nb in pages(built):
        if job.parameters.get("country") not in members | {None}:
            continue
        for spec in chartcheck.chart_specs(nb):
            try:
                validate_jsonschema(spec, schema)
            except Exception as exc:  # noqa: BLE001 - every invalid chart is listed
                invalid.append(f"{job.label}: {str(exc)[:300]}")
            checked += 1
    assert invalid == []
    assert checked > 50


def test_no_page_of_a_region_names_another_region(built):
    """Every published file of the region's site (pages, landing pages, downloads, search
    index) is free of the other shipped regions' names."""
    proj, params, _ = built
    site = registry.site_dir(proj, params.id)
    others = [name for region, names in REGION_NAMES.items() if region != params.id for name in names]
    found = []
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix in (".png", ".pdf", ".dta", ".xlsx", ".woff2", ".gz"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(site)}: {name}" for name in others if name in text]
    assert found == []
