"""Country-name forms per language (countries/<ISO3>.yaml `names`) and sentences that agree
with a single country: "in the Philippines", "Laos is landlocked", never "Mongolia are"."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tflib import page
from tflib.analysis import corridors, overview
from tflib.params import ParamsError, load_region

from asia import REGION, make_asia_project

NAMES = {
    "PHL": {
        "en": {"name": "the Philippines", "in": "in the Philippines", "short": "Philippines"},
        "fr": {"name": "les Philippines", "in": "aux Philippines", "short": "Philippines"},
    }
}


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    return make_asia_project(tmp_path_factory.mktemp("names") / "proj", names=NAMES, comparators=["LAO"])


def _status(n_full: int) -> pl.DataFrame:
    return pl.DataFrame({"status": ["full"] * n_full + [None], "deadline": [dt.date(2027, 12, 31)] * (n_full + 1)})


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("en", "Land-corridor measures fully implemented in the Philippines: 1 of 2;"),
        ("fr", "Mesures des corridors terrestres pleinement mises en œuvre aux Philippines : 1 sur 2 ;"),
        ("es", "Medidas de corredores terrestres plenamente implementadas en Filipinas: 1 de 2;"),
    ],
)
def test_in_country_uses_the_member_form_or_the_catalog_pattern(proj, lang, expected):
    ctx = page.context("corridors", REGION, "PHL", lang, project=proj)
    (sentence,) = corridors.measure_sentences(ctx, _status(1))
    assert sentence.startswith(expected), sentence


def test_name_forms_in_running_text_and_on_maps(proj):
    ctx = page.context("corridors", REGION, "PHL", "en", project=proj)
    assert ctx.country_name == "the Philippines" and ctx.short_name_of("PHL") == "Philippines"
    # A member without forms keeps its standard name; "in" comes from the generic pattern.
    assert ctx.name_of("MNG") == "Mongolia" and ctx.in_country("MNG") == "in Mongolia"
    ov = page.context("overview", REGION, None, "en", project=proj)
    names = dict(overview.lpi_map_data(ov).select("iso3", "name").iter_rows())
    assert names["PHL"] == "Philippines"


def test_one_crossing_is_singular(proj):
    ctx_mng = page.context("corridors", REGION, "MNG", "en", project=proj)
    (mng,) = corridors.crossing_sentences(ctx_mng, pl.DataFrame())[:1]
    assert mng.startswith("Mongolia has 1 monitored land-border crossing: Zamiin-Uud – Erenhot"), mng


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("en", "Laos is landlocked: its overseas trade must transit"),
        ("fr", "est sans littoral : son commerce outre-mer"),
        ("es", "no tiene litoral: su comercio de ultramar"),
    ],
)
def test_one_landlocked_comparator_is_singular(proj, lang, expected):
    ctx = page.context("corridors", REGION, "MNG", lang, project=proj)
    first = corridors.db_sentences(ctx, corridors.db_frame(ctx))[0]
    assert expected in first, first
    assert " are landlocked" not in first and "sont sans littoral" not in first


def test_name_forms_are_validated(tmp_path):
    proj = make_asia_project(tmp_path / "proj", names={"PHL": {"de": {"name": "die Philippinen"}}})
    with pytest.raises(ParamsError) as info:
        load_region(REGION, project=proj)
    assert "PHL.yaml" in str(info.value) and "names.de" in str(info.value)
    proj2 = make_asia_project(tmp_path / "proj2", names={"PHL": {"en": {"title": "x"}}})
    with pytest.raises(ParamsError) as info:
        load_region(REGION, project=proj2)
    assert "PHL.yaml" in str(info.value) and "names.en.title" in str(info.value) and "unknown key" in str(info.value)
    proj3 = make_asia_project(tmp_path / "proj3", names={"PHL": {"en": {"in": ""}}})
    with pytest.raises(ParamsError) as info:
        load_region(REGION, project=proj3)
    assert "names.en.in" in str(info.value)
