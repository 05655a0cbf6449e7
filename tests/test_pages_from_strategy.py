"""Which dimension pages a region has, and their titles, come from its strategy and catalogue."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tflib import pages
from tflib.params import ParamsError, load_region

from projects import REPO, make_project


def _edit(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "proj")


def _folder(project):
    return project.regions_dir / "sica"


def _drop_sme(project):
    def strategy(d):
        d["dimensions"] = [x for x in d["dimensions"] if x["id"] != "sme"]
        for p in d["pillars"]:
            p["measures"] = [m for m in p["measures"] if m["dimension"] != "sme"]
        d["pillars"] = [p for p in d["pillars"] if p["measures"]]
    _edit(_folder(project) / "strategy.yaml", strategy)
    _edit(_folder(project) / "indicators.yaml", lambda d: d.update(indicators=[i for i in d["indicators"] if i["dimension"] != "sme"]))
    for f in (_folder(project) / "countries").glob("*.yaml"):
        def country(d):
            ids = {m["id"] for p in yaml.safe_load((_folder(project) / "strategy.yaml").read_text(encoding="utf-8"))["pillars"] for m in p["measures"]}
            d["baseline"] = [b for b in d.get("baseline", []) if b in ids]
            d["targets"] = {k: v for k, v in (d.get("targets") or {}).items() if not k.startswith("sme_")}
            d["confidential"] = [c for c in d.get("confidential", []) if not c.startswith("sme_")]
        _edit(f, country)


def test_no_sme_dimension_no_sme_page(project):
    _drop_sme(project)
    params = load_region("sica", project)
    assert not [a for a in pages.addresses(params) if a.kind == "sme"]
    assert "sme" not in pages.member_kinds(params, params.region.member_codes[0])
    assert "no dimension" in pages.KINDS["sme"].absent_why(params)


def test_a_dimension_without_indicators_or_measures_has_no_page(project):
    _drop_sme(project)
    _edit(_folder(project) / "strategy.yaml", lambda d: d["dimensions"].append({"id": "sme", "name": {"es": "Pymes", "en": "SMEs"}}))
    params = load_region("sica", project)
    assert not [a for a in pages.addresses(params) if a.kind == "sme"]


def test_a_dimension_names_its_page_and_titles_it(project):
    def strategy(d):
        for dim in d["dimensions"]:
            if dim["id"] == "digital":
                dim.update(id="paperless", page="digital", name={"es": "Comercio sin papel", "en": "Paperless trade"})
        for p in d["pillars"]:
            for m in p["measures"]:
                if m["dimension"] == "digital":
                    m["dimension"] = "paperless"
    _edit(_folder(project) / "strategy.yaml", strategy)
    _edit(_folder(project) / "indicators.yaml", lambda d: [i.update(dimension="paperless") for i in d["indicators"] if i["dimension"] == "digital"])
    params = load_region("sica", project)
    assert [a for a in pages.addresses(params) if a.kind == "digital"]
    assert pages.page_title(params, "digital", "en") == "Paperless trade"
    assert pages.page_title(params, "digital", "es") == "Comercio sin papel"
    assert pages.KINDS["digital"].indicators(params) == [i.id for i in params.indicators.indicators if i.dimension == "paperless"]
    # Fixed kinds keep their translated titles.
    assert pages.page_title(params, "progress", "en") == "Implementation progress"


def test_an_unknown_page_kind_is_refused(project):
    _edit(_folder(project) / "strategy.yaml", lambda d: d["dimensions"][0].update(page="maps"))
    with pytest.raises(ParamsError, match=r"strategy\.yaml: dimensions\.0\.page: 'maps' is not a dimension page kind"):
        load_region("sica", project)


def test_two_dimensions_on_one_page_are_refused(project):
    _edit(_folder(project) / "strategy.yaml", lambda d: d["dimensions"][1].update(page="logistics"))
    with pytest.raises(ParamsError, match=r"strategy\.yaml: dimensions\.1\.page: page kind 'logistics' already presents dimension 'logistics'"):
        load_region("sica", project)


def test_an_indicator_no_page_shows_is_refused(project):
    _edit(_folder(project) / "indicators.yaml", lambda d: d["indicators"][0].update(dimension="nowhere"))
    with pytest.raises(ParamsError, match=r"indicators\.yaml: indicators\.clearance_time\.dimension: 'nowhere'"):
        load_region("sica", project)


def test_a_member_without_land_crossing_is_told_why_it_has_no_corridor_page():
    params = load_region("sica", REPO)
    assert "corridors" not in pages.member_kinds(params, "DOM")
    assert pages.missing_page_notes(params, "DOM", "es", "República Dominicana") == [
        "Sin página de corredores: no se monitorea ningún paso fronterizo terrestre de República Dominicana."
    ]
    assert pages.missing_page_notes(params, "DOM", "en", "the Dominican Republic")[0].startswith("No corridor page: no land-border crossing of the Dominican Republic")
    assert pages.missing_page_notes(params, "GTM", "es", "Guatemala") == []
    template = (REPO.root / "tflib" / "site" / "templates" / "country.html.j2").read_text(encoding="utf-8")
    assert "{% for note in missing_pages %}" in template


@pytest.mark.usefixtures("default_project_is_shipped")
def test_digital_readiness_columns_are_the_catalogues_digital_indicators():
    catalogue = yaml.safe_load((REPO.regions_dir / "sica" / "indicators.yaml").read_text(encoding="utf-8"))
    digital = {i["id"] for i in catalogue["indicators"] if i["dimension"] == "digital"}
    from tflib import page
    from tflib.analysis import digital as page_digital
    ctx = page.context("digital", "sica", None, "en")
    data = page_digital.load(ctx)
    cells, gaps, columns = page_digital.readiness_frame(ctx, data)
    assert set(cells["indicator_id"]) | set(gaps["indicator_id"]) == digital
    assert len(columns) == len(digital)


# -- every indicator of a page's dimension appears on that page ---------------------------------

# A national indicator of the corridors dimension and a per-crossing one of the logistics
# dimension: neither has a place of its own on those pages.
NATIONAL_CORRIDOR = {
    "id": "corridor_transit_time",
    "name": {"es": "Tiempo de tránsito por el corredor", "en": "Corridor transit time"},
    "definition": {"es": "Horas de tránsito de un camión por el corredor.", "en": "Hours a truck takes to transit the corridor."},
    "unit": "h", "polarity": "lower_better", "dimension": "corridors",
    "source": {"es": "Aduana nacional", "en": "National customs"},
    "minimum": 0, "frequency": "quarter",
}
CROSSING_LOGISTICS = {
    "id": "weighbridge_time",
    "name": {"es": "Tiempo de espera en la báscula", "en": "Weighbridge waiting time"},
    "definition": {"es": "Horas de espera de un camión en la báscula del paso fronterizo.", "en": "Hours a truck waits at the border post's weighbridge."},
    "unit": "h", "polarity": "lower_better", "dimension": "logistics",
    "source": {"es": "Registros del puesto fronterizo", "en": "Border post records"},
    "statistics": ["median", "p90"], "per_crossing": True, "minimum": 0, "frequency": "month",
}


def _executed(project, kinds, country="CRI", lang="en"):
    """Build the pages of `kinds` for one member and return {kind: executed notebook}."""
    import nbformat

    from tflib.build import build

    report = build("sica", kinds=kinds, countries=[country], langs=[lang], project=project, publish=False)
    assert report.failures == [], report.failures
    work = pages.work_dir(project, "sica")
    return {k: nbformat.read(pages.Address("sica", k, country, lang).executed(work), as_version=4) for k in kinds}


def _chart_checklist(spec, lang="en"):
    from tflib import i18n

    title = spec["title"]
    subtitle = title.get("subtitle", [])
    assert any(s.startswith(i18n.t("Source: {source}", lang, source="").strip()) for s in subtitle), title
    assert any(s.startswith(i18n.t("Unit: {unit}", lang, unit="").strip()) for s in subtitle), title
    if spec.get("usermeta", {}).get("tflib", {}).get("illustrative"):
        assert i18n.t("Illustrative data (generated), not real figures", lang) in " ".join(subtitle), title  # lines wrapped


def _titled(nb, words):
    """The chart specs of an executed page whose title names `words`."""
    import chartcheck

    def text(spec):
        title = spec["title"]["text"]
        return " ".join(title) if isinstance(title, list) else title  # wrapped to fit a phone

    return [s for s in chartcheck.chart_specs(nb) if words in text(s)]


def _table_names(nb):
    from tflib.site.report import page_tables

    return {t.name for t in page_tables(nb)}


def test_indicators_with_no_role_of_their_own_still_appear_on_their_dimension_page(project):
    """A national corridors indicator and a per-crossing logistics indicator each get a chart
    on their dimension's page (title naming the indicator, source, unit, illustrative label
    and its release table), drawn from illustrative data ingested like any submission."""
    from tflib.ingest import ingest
    from tflib.sample import generate_region

    _edit(_folder(project) / "indicators.yaml", lambda d: d["indicators"].extend([NATIONAL_CORRIDOR, CROSSING_LOGISTICS]))
    _edit(_folder(project) / "countries" / "CRI.yaml", lambda d: d["targets"].update(corridor_transit_time={"value": 20, "by": "2027-12-31"}))
    generate_region("sica", project)
    ingest([project.submissions_dir / "sica"], "sica", project)
    built = _executed(project, ["logistics", "corridors"])

    (crossing,) = _titled(built["logistics"], "Weighbridge waiting time")
    _chart_checklist(crossing)
    assert crossing["usermeta"]["tflib"]["illustrative"]
    assert "crossing_weighbridge_time" in _table_names(built["logistics"])

    (national,) = _titled(built["corridors"], "Corridor transit time")
    _chart_checklist(national)
    assert national["usermeta"]["tflib"]["illustrative"]
    assert "series_corridor_transit_time" in _table_names(built["corridors"])
    # The national target is drawn and said.
    assert "20" in json.dumps(national["datasets"]) and "national target" in _page_text(built["corridors"])
    # The corridors page keeps its crossing-time charts.
    assert _titled(built["corridors"], "Land-border crossing time")


def test_a_corridors_dimension_without_a_per_crossing_indicator_still_has_its_page(project):
    """No crossing chart then, a sentence saying why, and the dimension's indicators over time."""
    from tflib.ingest import ingest

    shutil.copytree(REPO.submissions_dir, project.root / "data" / "submissions")

    def national(d):
        for i in d["indicators"]:
            if i["id"] == "border_crossing_time":
                i["per_crossing"] = False
    _edit(_folder(project) / "indicators.yaml", national)
    ingest([project.submissions_dir / "sica"], "sica", project)
    nb = _executed(project, ["corridors"])["corridors"]
    text = _page_text(nb)
    assert "per crossing" in text
    assert not _titled(nb, "Land-border crossing time of")
    assert "Land-border crossing time" in text  # shown as a national indicator (no data here)


def _page_text(nb):
    import html
    import re

    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text/html" in out.get("data", {}):
                parts.append(html.unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", "".join(out["data"]["text/html"]), flags=re.S)))
    return " ".join(" ".join(parts).split())


def _catalogue_ids(region, kind):
    """The ids the catalogue file tags with the dimension the strategy file gives page `kind`."""
    folder = REPO.regions_dir / region
    strategy = yaml.safe_load((folder / "strategy.yaml").read_text(encoding="utf-8"))
    (dimension,) = [d["id"] for d in strategy["dimensions"] if d.get("page", d["id"]) == kind]
    path = folder / "indicators.yaml"
    if not path.exists():
        path = REPO.params_dir / "defaults" / "indicators.yaml"
    return {i["id"] for i in yaml.safe_load(path.read_text(encoding="utf-8"))["indicators"] if i["dimension"] == dimension}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """Both shipped regions' data ingested into one temporary project."""
    from tflib.ingest import ingest

    proj = make_project(tmp_path_factory.mktemp("shipped") / "proj", with_submissions=True)
    for region in ("sica", "eac"):
        ingest([proj.submissions_dir / region], region, proj)
    return proj


@pytest.mark.parametrize("region,member", [("sica", "CRI"), ("eac", "KEN")])
@pytest.mark.parametrize("kind", ["logistics", "corridors", "digital", "sme"])
def test_every_catalogue_indicator_of_a_dimension_is_on_its_page(shipped, monkeypatch, region, member, kind):
    import importlib

    from tflib import page

    monkeypatch.setenv("TFLIB_ROOT", str(shipped.root))
    ctx = page.context(kind, region, member, "en")
    data = importlib.import_module(f"tflib.analysis.{kind}").load(ctx)
    assert set(data.series) | set(getattr(data, "crossing", {})) == _catalogue_ids(region, kind)
