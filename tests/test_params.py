"""Region params: the shipped SICA params validate, bad params fail with file and key named,
and a second region loads from params alone."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from tflib import pages
import yaml

from conftest import write_small_region
from tflib.params import ParamsError, available_regions, load_region
from tflib.periods import bounds as parse_period
from tflib.paths import Project

PARAMS = Project.default().params_dir

PARTIES = ["CRI", "SLV", "GTM", "HND", "NIC", "PAN"]
DOCUMENTED = {"ADE", "MIG", "EPHYTO", "RFID", "CAM", "PDCC"}
REQUIRED_INDICATORS = {
    "clearance_time",
    "port_dwell_time",
    "ecoo_coverage",
    "port_automation",
    "customs_data_exchange_agencies",
    "inspection_rate",
    "aeo_count",
    "fauca_coverage",
    "sme_simplified_uptake",
    "border_crossing_time",
    "ecommerce_clearance_time",
    "ephyto_coverage",
    "single_window_coverage",
}


@pytest.fixture(scope="module")
def sica():
    return load_region("sica")


# ---------------------------------------------------------------------------------------------
# The shipped SICA params


def test_sica_members_and_languages(sica):
    assert sica.id == "sica"
    assert len(sica.region.members) == 8
    assert sica.region.parties == PARTIES
    assert not sica.region.is_party("BLZ")
    assert not sica.region.is_party("DOM")
    assert set(sica.region.member_codes) == set(PARTIES) | {"BLZ", "DOM"}
    assert sica.languages == ["es", "en"]
    assert sica.as_of == dt.date(2026, 9, 30)
    assert sica.region.secretariat == "SIECA"
    assert sica.region.currency == "USD"
    assert sorted(sica.countries) == sorted(sica.region.member_codes)
    assert sica.country("blz").language == "en"


def test_sica_measures_are_bilingual_and_flagged(sica):
    measures = {m.id: m for m in sica.measures}
    assert DOCUMENTED <= set(measures)
    for m in sica.measures:
        assert m.name.get("es") and m.name.get("en"), m.id
        assert 3 <= len(m.steps) <= 5, m.id
        for step in m.steps:
            assert step.name.get("es") and step.name.get("en"), (m.id, step.id)
        # Only the five short-term measures and the platform are documented in the sources.
        assert m.illustrative == (m.id not in DOCUMENTED), m.id
    # Every analysis dimension has at least one measure.
    assert {d.id for d in sica.strategy.dimensions} == {m.dimension for m in sica.measures}


def test_sica_catalogue_and_crossings(sica):
    assert REQUIRED_INDICATORS <= set(sica.indicators.ids)
    crossing = sica.indicators.get("border_crossing_time")
    assert crossing.per_crossing and crossing.statistics == ["median", "p90"]
    for ind_id in ("clearance_time", "port_dwell_time", "ecommerce_clearance_time"):
        assert sica.indicators.get(ind_id).polarity == "lower_better"
    for ind in sica.indicators.indicators:
        if ind.unit == "%" and ind.polarity == "higher_better" and "growth" not in ind.id:
            assert (ind.minimum, ind.maximum) == (0, 100), ind.id
    assert 8 <= len(sica.region.border_crossings) <= 12
    members = set(sica.region.member_codes)
    for c in sica.region.border_crossings:
        assert members & set(c.countries), c.id


def test_sica_parties_have_every_role(sica):
    roles = {s.role for m in sica.measures for s in m.steps}
    for code in sica.region.member_codes:
        cp = sica.country(code)
        assert all(cp.agency_for(role) for role in roles), code
        assert cp.focal_point


# ---------------------------------------------------------------------------------------------
# Errors name the file and the key


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(PARAMS, tmp_path / "params")
    return tmp_path


def edit(project: Path, rel: str, change: Callable[[Any], None]) -> None:
    path = project / "params" / "regions" / "sica" / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def measure(data: dict, measure_id: str) -> dict:
    return next(m for p in data["pillars"] for m in p["measures"] if m["id"] == measure_id)


def expect_error(project: Path, *fragments: str) -> str:
    with pytest.raises(ParamsError) as info:
        load_region("sica", project=project)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_copy_loads(project):
    assert load_region("sica", project=project).region.parties == PARTIES


def test_unknown_key_in_region(project):
    edit(project, "region.yaml", lambda d: d.update(colour="blue"))
    expect_error(project, "region.yaml", "colour", "unknown key")


def test_bad_iso3_in_members(project):
    edit(project, "region.yaml", lambda d: d["members"][2].update(iso3="GUA"))
    expect_error(project, "region.yaml", "members.2.iso3", "GUA")


def test_bad_as_of_date(project):
    edit(project, "region.yaml", lambda d: d.update(as_of="2026-13-45"))
    expect_error(project, "region.yaml", "as_of")


def test_unknown_measure_in_baseline(project):
    edit(project, "countries/CRI.yaml", lambda d: d.update(baseline=["ADE", "NOPE"]))
    expect_error(project, "CRI.yaml", "baseline", "NOPE")


@pytest.mark.parametrize("dep", ["S2", "S9"], ids=["later-step", "unknown-step"])
def test_step_dependency_must_be_an_earlier_step(project, dep):
    edit(project, "strategy.yaml", lambda d: measure(d, "ADE")["steps"][0].update(depends_on=[dep]))
    expect_error(project, "strategy.yaml", "pillars.0.measures.0", "ADE", "S1", dep)


def test_missing_language_in_measure_name(project):
    edit(project, "strategy.yaml", lambda d: measure(d, "RFID")["name"].pop("en"))
    expect_error(project, "strategy.yaml", "measures.RFID.name", "en")


def test_a_corridor_is_named_in_every_language(project):
    loaded = {c.id: c.corridor for c in load_region("sica", project=project).region.border_crossings}
    assert loaded["penas-blancas"] == {"es": "Corredor Pacífico", "en": "Pacific Corridor"}
    edit(project, "region.yaml", lambda d: d["border_crossings"][0].update(corridor={"es": "Corredor Pacífico"}))
    expect_error(project, "region.yaml", "border_crossings.tecun-uman-ciudad-hidalgo.corridor", "en")


def test_country_iso3_mismatch(project):
    edit(project, "countries/CRI.yaml", lambda d: d.update(iso3="PAN"))
    expect_error(project, "CRI.yaml", "iso3", "PAN")


def test_party_without_agency_for_a_role(project):
    edit(project, "countries/SLV.yaml", lambda d: d.update(agencies=[a for a in d["agencies"] if a["id"] != "cepa"]))
    expect_error(project, "SLV.yaml", "agencies", "port")


def test_unknown_indicator_in_target(project):
    edit(project, "countries/GTM.yaml", lambda d: d["targets"].update(waiting_time={"value": 1, "by": "2027-01-01"}))
    expect_error(project, "GTM.yaml", "targets.waiting_time")


# ---------------------------------------------------------------------------------------------
# A second region by params alone


def test_second_region_in_french(tmp_path):
    write_small_region(tmp_path)
    assert available_regions(tmp_path) == ["uemoa_test"]
    # No regional catalogue: the shared params/indicators.yaml is used.
    assert not (tmp_path / "params" / "regions" / "uemoa_test" / "indicators.yaml").exists()
    reg = load_region("uemoa_test", project=tmp_path)
    assert reg.region.member_codes == ["SEN", "CIV", "BFA"]
    assert reg.region.parties == ["SEN", "CIV", "BFA"]
    assert reg.languages == ["fr", "en"]
    assert reg.region.default_language == "fr"
    assert reg.region.currency == "XOF"
    assert reg.strategy.measure("DAE").name["fr"] == "Déclaration anticipée électronique"
    assert reg.indicators.get("clearance_time").name["fr"] == "Délai de dédouanement"
    assert reg.text(reg.strategy.measure("GU").name, "es") == "Guichet unique"  # falls back to fr
    assert reg.country("BFA").language == "fr"
    assert set(reg.indicators.ids) == {i.id for i in load_region("sica").indicators.indicators if i.dimension != "sme"}


def test_second_region_names_the_shared_catalogue(small_region):
    path = small_region / "params" / "indicators.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["indicators"][0]["name"].pop("fr")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        load_region("uemoa_test", project=small_region)
    message = str(info.value)
    assert str(path) in message and "indicators.clearance_time.name" in message


def test_small_region_other_languages(tmp_path):
    write_small_region(tmp_path, region_id="trilingue", languages=("en", "fr", "es"))
    reg = load_region("trilingue", project=tmp_path)
    assert reg.languages == ["en", "fr", "es"]
    assert reg.country("SEN").language == "en"


def test_unknown_region_lists_known(small_region):
    with pytest.raises(ParamsError, match="uemoa_test"):
        load_region("asean", project=small_region)


# ---------------------------------------------------------------------------------------------
# Periods


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("2025-Q3", dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
        ("2025-Q4", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        ("2025-07", dt.date(2025, 7, 1), dt.date(2025, 7, 31)),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2025-12", dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
    ],
)
def test_parse_period(text, first, last):
    assert parse_period(text) == (first, last)


@pytest.mark.parametrize("bad", ["2025-13", "2025-Q5", "25", "July 2025", "2025-7", ""])
def test_parse_period_rejects(bad):
    with pytest.raises(ValueError):
        parse_period(bad)


# ---------------------------------------------------------------------------------------------
# Languages without an interface catalog


def _add_language(root: Path, region_id: str, lang: str, copy_of: str = "en") -> Path:
    """List `lang` in region.yaml and give every name a text in it (copied from `copy_of`), so
    that only the interface catalog can be missing."""
    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            if copy_of in node and isinstance(node[copy_of], str) and "fr" in node:
                node[lang] = node[copy_of]
            for value in node.values():
                fill(value)
        elif isinstance(node, list):
            for value in node:
                fill(value)
        return node

    folder = root / "params" / "regions" / region_id
    for path in [*folder.rglob("*.yaml"), root / "params" / "indicators.yaml"]:
        data = fill(yaml.safe_load(path.read_text(encoding="utf-8")))
        if path.name == "region.yaml":
            data["languages"].append(lang)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder / "region.yaml"


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def fresh_fallbacks(monkeypatch):
    # Fallbacks are declared per process when a region loads: each test starts without any.
    from tflib import i18n

    monkeypatch.setattr(i18n, "_FALLBACKS", {})
    return i18n


def test_language_without_catalog_is_refused(tmp_path, fresh_fallbacks):
    write_small_region(tmp_path)
    region_yaml = _add_language(tmp_path, "uemoa_test", "vi")
    catalog = fresh_fallbacks.LOCALE_DIR / "vi" / "LC_MESSAGES" / "tflib.po"
    assert not catalog.exists()
    with pytest.raises(ParamsError) as info:
        load_region("uemoa_test", project=tmp_path)
    assert str(info.value) == (
        f"{region_yaml}: languages: 'vi' has no interface catalog (missing {catalog}): "
        "translate the interface or declare language_fallbacks: {vi: en}"
    )


def test_language_fallback_must_have_a_catalog(tmp_path, fresh_fallbacks):
    write_small_region(tmp_path)
    region_yaml = _add_language(tmp_path, "uemoa_test", "vi")
    edit_yaml(region_yaml, lambda d: d.update(language_fallbacks={"vi": "th"}))
    with pytest.raises(ParamsError) as info:
        load_region("uemoa_test", project=tmp_path)
    assert str(info.value) == (
        f"{region_yaml}: language_fallbacks.vi: the fallback 'th' has no interface catalog either "
        f"(missing {fresh_fallbacks.LOCALE_DIR / 'th' / 'LC_MESSAGES' / 'tflib.po'})"
    )
    edit_yaml(region_yaml, lambda d: d.update(language_fallbacks={"de": "en"}))
    with pytest.raises(ParamsError, match=r"region.yaml: language_fallbacks: .*fallbacks for languages not listed in languages: \['de'\]"):
        load_region("uemoa_test", project=tmp_path)


def test_language_with_a_catalog_needs_no_fallback(tmp_path, fresh_fallbacks):
    region_yaml = write_small_region(tmp_path) / "params" / "regions" / "uemoa_test" / "region.yaml"
    edit_yaml(region_yaml, lambda d: d.update(language_fallbacks={"fr": "en"}))
    with pytest.raises(ParamsError, match=r"language_fallbacks\.fr: 'fr' has its own catalog"):
        load_region("uemoa_test", project=tmp_path)


@pytest.mark.parametrize("fallback", ["en", "fr"])
def test_language_fallback_loads_and_pages_say_so(tmp_path, fresh_fallbacks, fallback):
    import types

    from tflib.site.shell import Site, environment

    write_small_region(tmp_path)
    region_yaml = _add_language(tmp_path, "uemoa_test", "vi")
    edit_yaml(region_yaml, lambda d: d.update(language_fallbacks={"vi": fallback}))
    reg = load_region("uemoa_test", project=tmp_path)
    assert reg.languages == ["fr", "en", "vi"]
    assert reg.region.language_fallbacks == {"vi": fallback}

    site = Site(
        params=reg, release=types.SimpleNamespace(latest_report=dt.date(2026, 9, 28), last_submission=None, release_id="sica-2026-09-30-5e1f0c2a9b"), project=Project(tmp_path),
        out=tmp_path / "site", records={}, tables=None, env=environment(),
    )
    expected = {
        "en": "This page is shown in English: no Vietnamese translation of the interface yet.",
        "fr": "Cette page est affichée en français : l'interface n'est pas encore traduite en vietnamien.",
    }[fallback]
    shell = site.shell("uemoa_test/vi/index.html", "vi", title="x", crumbs=[])
    assert shell["language_notice"] == expected
    html = site.env.get_template("base.html.j2").render(**shell)
    assert '<p class="tf-language-notice" data-pagefind-ignore>' + expected.replace("'", "&#39;") + "</p>" in html
    # The interface itself comes from the fallback's catalog; pages in listed languages with a
    # catalog carry no notice.
    assert shell["_"]("Illustrative data") == fresh_fallbacks.t("Illustrative data", fallback)
    for lang in ("fr", "en"):
        assert site.shell("uemoa_test/" + pages.home_path(lang), lang, title="x", crumbs=[])["language_notice"] is None
        assert "tf-language-notice" not in site.env.get_template("base.html.j2").render(**site.shell("uemoa_test/" + pages.home_path(lang), lang, title="x", crumbs=[]))


# ---------------------------------------------------------------------------------------------
# region.yaml `map`: the frame and the notes


@pytest.mark.parametrize(
    "frame, key, fragment",
    [
        ({"west": 10, "south": 0, "east": 5, "north": 10}, "map.frame", "west (10.0) must be less than east"),
        ({"west": 0, "south": 10, "east": 5, "north": 10}, "map.frame", "south (10.0) must be less than north"),
        ({"west": 0, "south": 0, "east": 5, "north": 95}, "map.frame.north", "less than or equal to 90"),
        ({"west": -190, "south": 0, "east": 5, "north": 10}, "map.frame.west", "greater than or equal to -180"),
        ({"west": 0, "south": 0, "east": 5}, "map.frame.north", "Field required"),
    ],
)
def test_bad_map_frame(project, frame, key, fragment):
    edit(project, "region.yaml", lambda d: d.update(map={"frame": frame}))
    expect_error(project, "region.yaml", key, fragment)


def test_map_frame_and_notes_load(project):
    edit(project, "region.yaml", lambda d: d["map"].update(frame={"west": -93, "south": 6, "east": -67, "north": 21}))
    reg = load_region("sica", project=project).region
    assert (reg.map.frame.west, reg.map.frame.north) == (-93, 21)
    assert reg.map.notes[0].countries == ["GTM", "BLZ"] and set(reg.map.notes[0].text) == {"es", "en"}


def test_map_note_needs_every_language_and_no_other(project):
    edit(project, "region.yaml", lambda d: d["map"]["notes"][0]["text"].pop("en"))
    expect_error(project, "region.yaml", "map.notes.0.text", "'en'")
    edit(project, "region.yaml", lambda d: d["map"]["notes"][0]["text"].update(en="x", fr="y"))
    expect_error(project, "region.yaml", "map.notes.0.text", "'fr'")
    edit(project, "region.yaml", lambda d: d["map"]["notes"][0].update(countries=["GTM", "XXX"]))
    expect_error(project, "region.yaml", "map.notes.0.countries.1", "XXX")
