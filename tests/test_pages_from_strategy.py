"""Which dimension pages a region has, and their titles, come from its strategy and catalogue."""

from __future__ import annotations

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
        "Sin página de corredores: no se monitorea ningún paso fronterizo terrestre de República Dominicana (region.yaml border_crossings)."
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
