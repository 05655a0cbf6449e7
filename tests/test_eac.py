"""The East African Community region: params only, checked without building the site."""

from __future__ import annotations

import filecmp
from pathlib import Path
from typing import Any, Iterator

import polars as pl
import pytest
import yaml

import tflib
from tflib.params import load_region
from tflib.reference import boundary_ids, landlocked_developing_countries
from tflib.sample import generate, illustrative_dir

from projects import REPO

FOLDER = REPO.regions_dir / "eac"
MEMBERS = {"BDI", "COD", "KEN", "RWA", "SOM", "SSD", "TZA", "UGA"}
LANGUAGES = ["en", "fr"]


@pytest.fixture(scope="module")
def eac():
    return load_region("eac", REPO)


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _param_files() -> list[Path]:
    return sorted([*FOLDER.glob("*.yaml"), *(FOLDER / "countries").glob("*.yaml")])


def _texts(node: Any, where: str) -> Iterator[tuple[str, dict]]:
    """Every language-keyed mapping (a params Text) in a YAML tree, with its key path."""
    if isinstance(node, dict):
        if set(node) & set(LANGUAGES):
            yield where, node
            return
        for key, value in node.items():
            yield from _texts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{where}.{i}")


def test_the_eight_partner_states_are_members_and_parties(eac):
    assert set(eac.region.member_codes) == MEMBERS
    assert set(eac.region.parties) == MEMBERS
    assert eac.region.languages == LANGUAGES
    assert eac.region.currency == "USD"
    assert eac.as_of.isoformat() == "2026-09-30"


def test_landlocked_members_are_exactly_those_of_the_un_list(eac):
    lldc = landlocked_developing_countries(REPO)
    assert MEMBERS & lldc == {"BDI", "RWA", "SSD", "UGA"}
    # The comparators are landlocked neighbours, not members.
    assert set(eac.region.comparators) <= lldc
    assert not set(eac.region.comparators) & MEMBERS


# The two transit corridors, named in both languages of the region.
NORTHERN = {"en": "Northern Corridor", "fr": "Corridor Nord"}
CENTRAL = {"en": "Central Corridor", "fr": "Corridor Central"}


def test_border_crossings_join_members_and_name_both_posts(eac):
    crossings = {c.id: c for c in eac.region.border_crossings}
    expected = {
        "malaba": ({"KEN", "UGA"}, NORTHERN),
        "busia": ({"KEN", "UGA"}, NORTHERN),
        "gatuna-katuna": ({"RWA", "UGA"}, NORTHERN),
        "rusumo": ({"RWA", "TZA"}, CENTRAL),
        "namanga": ({"KEN", "TZA"}, None),
    }
    for cid, (countries, corridor) in expected.items():
        assert set(crossings[cid].countries) == countries, cid
        assert crossings[cid].corridor == corridor, cid
    assert crossings["gatuna-katuna"].posts == {"RWA": "Gatuna", "UGA": "Katuna"}
    for c in crossings.values():
        assert set(c.countries) <= MEMBERS, c.id
        assert set(c.posts) == set(c.countries) and all(c.posts.values()), c.id
        assert c.corridor in (None, NORTHERN, CENTRAL), c.id
    # Every landlocked member has a monitored crossing, so a corridors page.
    touched = {code for c in crossings.values() for code in c.countries}
    assert {"BDI", "RWA", "SSD", "UGA"} <= touched


@pytest.mark.parametrize("path", _param_files(), ids=lambda p: p.name)
def test_every_text_is_in_english_and_french(path):
    texts = list(_texts(_yaml(path), path.stem))
    for where, text in texts:
        missing = [lang for lang in LANGUAGES if not str(text.get(lang) or "").strip()]
        assert not missing, f"{where}: no text in {missing}"
        assert set(text) <= set(LANGUAGES), f"{where}: languages outside the region's: {sorted(set(text) - set(LANGUAGES))}"
    if path.stem in {"region", "strategy", "indicators", "impact"}:
        assert texts, f"{path.name} has no texts"


def test_every_role_of_the_strategy_has_an_agency_in_every_country(eac):
    roles = {s.role for m in eac.measures for s in m.steps}
    assert roles == {"customs", "migration", "agriculture", "trade", "ict"}
    for code, country in eac.countries.items():
        missing = sorted(r for r in roles if country.agency_for(r) is None)
        assert not missing, f"{code}: no agency for {missing}"


def test_members_work_in_their_language_and_declare_how_they_write_numbers(eac):
    for code, country in eac.countries.items():
        assert country.language == ("fr" if code in {"BDI", "COD"} else "en"), code
        assert country.number_locale == ("decimal_comma" if country.language == "fr" else "decimal_point"), code
        assert country.date_order == "dmy", code


def test_catalogue_has_the_eac_indicators_and_no_central_american_one(eac):
    ids = set(eac.indicators.ids)
    assert {"rects_coverage", "sct_clearance_share", "clearance_time", "border_crossing_time"} <= ids
    assert "fauca_coverage" not in ids
    dims = {d.id for d in eac.strategy.dimensions}
    assert dims == {"logistics", "corridors", "digital", "sme"}
    assert all(ind.dimension in dims for ind in eac.indicators.indicators)
    assert eac.indicators.get("rects_coverage").dimension == "digital"
    assert eac.indicators.get("sct_clearance_share").dimension == "logistics"
    assert eac.indicators.get("border_crossing_time").per_crossing


def test_documented_instruments_are_not_illustrative_and_the_rest_are(eac):
    documented = {"SCT", "AEO", "OSBP", "RECTS", "SCO"}
    assert {m.id for m in eac.measures if not m.illustrative} == documented


def test_impact_assumptions_hold_no_trade_values():
    """No sourced EAC trade file is held: impact.yaml names none, so pages give the estimate
    per USD 1 million only."""
    impact = _yaml(FOLDER / "impact.yaml")
    assert [ch["indicator"] for ch in impact["channels"]] == ["clearance_time", "border_crossing_time"]
    assert "trade" not in impact and all("trade" not in ch for ch in impact["channels"])
    assert "region_summary" not in impact


def test_shipped_illustrative_data_is_exactly_what_the_generator_makes(tmp_path, eac):
    out = tmp_path / "eac"
    generate(eac, out)
    shipped = illustrative_dir("eac", REPO)
    files = sorted(str(p.relative_to(shipped)) for p in shipped.rglob("*.csv"))
    assert files == sorted(str(p.relative_to(out)) for p in out.rglob("*.csv"))
    assert {f.split("/")[-1].split("_")[0] for f in files} == MEMBERS
    stale = [f for f in files if not filecmp.cmp(shipped / f, out / f, shallow=False)]
    assert stale == [], "shipped illustrative data is stale: run `tflib generate --region eac`"


def test_reference_data_covers_the_members():
    lpi = tflib.lpi()
    with_lpi = set(lpi.filter(pl.col("iso3").is_in(list(MEMBERS)))["iso3"].unique().to_list())
    # South Sudan is in no LPI wave of the shipped copy (it is not surveyed); every other member is.
    assert with_lpi >= MEMBERS - {"SSD"}
    db = tflib.doing_business()
    assert set(db.filter(pl.col("iso3").is_in(list(MEMBERS)))["iso3"].unique().to_list()) == MEMBERS
    for resolution in ("110m", "50m"):
        assert MEMBERS <= set(boundary_ids(REPO, resolution)["iso3"].drop_nulls().to_list()), resolution
