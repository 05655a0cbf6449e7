"""Reference-data loaders, checked against known published values in data/reference/."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pycountry
import pytest

from tflib import reference as ref
from tflib.paths import Project

# Always the checkout's real data, whatever TFLIB_ROOT other tests may set.
PROJECT = Project(Path(__file__).resolve().parents[1])
REFERENCE = PROJECT.reference_dir
SICA = ["CRI", "SLV", "GTM", "HND", "NIC", "PAN", "BLZ", "DOM"]


@pytest.fixture(scope="module")
def lpi() -> pl.DataFrame:
    return ref.lpi(PROJECT)


@pytest.fixture(scope="module")
def db() -> pl.DataFrame:
    return ref.doing_business(PROJECT)


@pytest.fixture(scope="module")
def db_all() -> pl.DataFrame:
    return ref.doing_business(PROJECT, include_cities=True)


@pytest.fixture(scope="module")
def db_raw() -> pl.DataFrame:
    return pl.read_csv(REFERENCE / ref.DB_FILE, infer_schema=False)


# Code tables a reference file is read with (they live beside it, in data/reference/).
_COMPANIONS = {ref.DB_FILE: [ref.DB_CODES_FILE]}


def _copy_project(tmp_path: Path, relative: str) -> tuple[Project, Path]:
    """A temporary project holding one copied reference file (to corrupt in a test) and the
    code tables it is read with."""
    for name in [relative, *_COMPANIONS.get(relative, [])]:
        path = tmp_path / "data" / "reference" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REFERENCE / name, path)
    return Project(tmp_path), tmp_path / "data" / "reference" / relative


def _one(df: pl.DataFrame, **where: object) -> dict[str, object]:
    rows = df.filter(**where).to_dicts()
    assert len(rows) == 1, (where, rows)
    return rows[0]


# --- ISO3 mapping -----------------------------------------------------------------------------


def test_iso3_from_name_world_bank_names() -> None:
    assert ref.iso3_from_name("Congo, Dem. Rep.") == "COD"
    assert ref.iso3_from_name("Congo, Dem, Rep.") == "COD"  # LPI 2016 misspelling
    assert ref.iso3_from_name("Congo, Rep.") == "COG"
    assert ref.iso3_from_name("Korea, Rep.") == "KOR"
    assert ref.iso3_from_name("Kosovo") == "XKX"
    assert ref.iso3_from_name("Niger") == "NER"  # exact match, not "Nigeria"
    assert ref.iso3_from_name("Bolivia") == "BOL"  # via pycountry common name


def test_iso3_from_name_unknown_raises_naming_it() -> None:
    with pytest.raises(KeyError, match="Atlantis"):
        ref.iso3_from_name("Atlantis")
    with pytest.raises(ValueError, match="Atlantis"):
        ref.iso3_from_name("Atlantis")


def test_overrides_are_valid_and_agree_with_pycountry() -> None:
    for name, code in ref.wb_name_overrides().items():
        assert ref.is_valid_iso3(code), (name, code)
        exact = pycountry.countries.get(name=name)
        assert exact is None or exact.alpha_3 == code, (name, code)
    assert all(ref.is_valid_iso3(code) for code in ref.ne_adm0_overrides().values())
    # The Doing Business code table, read from its reference file: MEXI is Mexico's national
    # row, MEX its Mexico City row, ZAR the former Zaire code of DR Congo.
    assert ref.db_code_to_iso3("MEXI") == ("MEX", "national", None)
    assert ref.db_code_to_iso3("MEX") == ("MEX", "city", "Mexico City")
    assert ref.db_code_to_iso3("ZAR") == ("COD", "national", None)
    assert ref.ne_adm0_overrides()["SDS"] == "SSD"


# The 32 codes the corridors page used before the list moved to data/reference/un/lldc.csv.
_LLDC_BEFORE = {
    "AFG", "ARM", "AZE", "BDI", "BFA", "BOL", "BTN", "BWA", "CAF", "ETH", "KAZ", "KGZ", "LAO", "LSO", "MDA", "MKD",
    "MLI", "MNG", "MWI", "NER", "NPL", "PRY", "RWA", "SSD", "SWZ", "TCD", "TJK", "TKM", "UGA", "UZB", "ZMB", "ZWE",
}


def _csv_rows(relative: str) -> list[dict[str, str]]:
    import csv

    with (Project.default().reference_dir / relative).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_lldc_list_is_the_file_and_unchanged() -> None:
    rows = _csv_rows(ref.LLDC_FILE)
    assert ref.landlocked_developing_countries() == {r["iso3"] for r in rows}
    assert len(rows) == 32 and ref.landlocked_developing_countries() == _LLDC_BEFORE
    assert ref.landlocked_developing_countries() is ref.landlocked_developing_countries()  # read once


def test_wb_name_overrides_are_the_file() -> None:
    rows = _csv_rows(ref.WB_NAMES_FILE)
    assert dict(ref.wb_name_overrides()) == {r["name"]: r["iso3"] for r in rows}
    assert len(rows) == len(ref.wb_name_overrides())  # no name listed twice
    assert all(r["why"] for r in rows)


def test_bad_reference_list_names_file_and_line(tmp_path) -> None:
    folder = tmp_path / "data" / "reference" / "un"
    folder.mkdir(parents=True)
    path = folder / "lldc.csv"
    path.write_text("iso3,name\nPRY,Paraguay\nBOLX,Bolivia\n", encoding="utf-8")
    with pytest.raises(ref.ReferenceDataError, match=rf"^{path}, line 3: iso3: 'BOLX' is not an ISO3 code$"):
        ref.landlocked_developing_countries(tmp_path)
    path.write_text("iso3,name\nPRY,Paraguay\nPRY,Paraguay (again)\n", encoding="utf-8")
    with pytest.raises(ref.ReferenceDataError, match=rf"^{path}, line 3: iso3: 'PRY' already on line 2$"):
        ref.landlocked_developing_countries(tmp_path)
    with pytest.raises(FileNotFoundError, match="worldbank/economy_name_overrides.csv"):
        ref.iso3_from_name("Korea, Rep.", tmp_path)


def test_corridors_landlocked_comparators_unchanged() -> None:
    import types

    from tflib.analysis import corridors
    from tflib.params import load_region

    sica = load_region("sica")
    # The page reads the list as its declared `lldc` table, materialised from the reference file.
    lldc = pl.DataFrame({"iso3": sorted(ref.landlocked_developing_countries())})
    ctx = types.SimpleNamespace(params=sica, project=Project.default(), frame=lambda name: {"lldc": lldc}[name])
    # SICA's comparators are PRY, BOL and MEX: the first two are LLDCs, Mexico has a coast.
    assert sica.region.comparators == ["PRY", "BOL", "MEX"]
    assert corridors.landlocked_comparators(ctx) == ["PRY", "BOL"]


def test_constants_are_read_only() -> None:
    with pytest.raises(TypeError):
        ref.wb_name_overrides()["Atlantis"] = "ATL"  # type: ignore[index]
    with pytest.raises(TypeError):
        ref.LPI_COMPONENTS["customs"]["en"] = "x"  # type: ignore[index]


# --- LPI --------------------------------------------------------------------------------------


def test_lpi_columns_and_all_rows_mapped(lpi: pl.DataFrame) -> None:
    assert lpi.columns == [
        "iso3", "economy", "year", "lpi_score", "lpi_rank",
        "customs", "infrastructure", "international_shipments",
        "logistics_competence", "timeliness", "tracking_tracing",
    ]  # fmt: skip
    assert lpi.height == 929
    assert lpi["iso3"].null_count() == 0
    assert all(ref.is_valid_iso3(c) for c in lpi["iso3"].unique())
    assert lpi.schema["year"] == pl.Int64 and lpi.schema["lpi_rank"] == pl.Int64


def test_lpi_wave_sizes(lpi: pl.DataFrame) -> None:
    sizes = dict(lpi.group_by("year").len().iter_rows())
    assert sizes == {2010: 155, 2012: 155, 2014: 160, 2016: 160, 2018: 160, 2023: 139}


def test_lpi_no_duplicate_economy_year(lpi: pl.DataFrame) -> None:
    assert not lpi.select(pl.struct("iso3", "year").is_duplicated().any()).item()


def test_lpi_congo_spellings_both_map(lpi: pl.DataFrame) -> None:
    names = set(lpi.filter(pl.col("iso3") == "COD")["economy"])
    assert {"Congo, Dem, Rep.", "Congo, Dem. Rep."} <= names
    assert _one(lpi, iso3="COD", year=2016)["economy"] == "Congo, Dem, Rep."


@pytest.mark.parametrize(
    ("iso3", "year", "score"), [("PAN", 2016, 3.34), ("CRI", 2023, 2.9), ("BOL", 2016, 2.25)]
)
def test_lpi_spot_values(lpi: pl.DataFrame, iso3: str, year: int, score: float) -> None:
    assert _one(lpi, iso3=iso3, year=year)["lpi_score"] == pytest.approx(score)


def test_lpi_missing_is_absent_not_zero(lpi: pl.DataFrame) -> None:
    assert lpi.filter(pl.col("iso3") == "BLZ").is_empty()
    nic_years = set(lpi.filter(pl.col("iso3") == "NIC")["year"])
    assert nic_years == {2010, 2014, 2016, 2023}
    assert lpi["lpi_score"].min() > 0  # no zero stand-ins


def test_lpi_unmapped_name_raises_naming_file_and_name(tmp_path: Path) -> None:
    project, csv = _copy_project(tmp_path, ref.LPI_FILE)
    _copy_project(tmp_path, ref.WB_NAMES_FILE)  # the name overrides come from the same project
    with csv.open("a", encoding="utf-8") as f:
        f.write("Atlantis,2023,Nowhere,3.0,1,3,3,3,3,3,3\n")
    with pytest.raises(ref.UnmappedEconomyError) as err:
        ref.lpi(project)
    message = str(err.value)
    assert "Atlantis" in message and "lpi_2010_2023.csv" in message and ref.WB_NAMES_FILE in message


def test_lpi_components_labels() -> None:
    assert list(ref.LPI_COMPONENTS) == [
        "customs", "infrastructure", "international_shipments",
        "logistics_competence", "timeliness", "tracking_tracing",
    ]  # fmt: skip
    assert ref.LPI_COMPONENTS["customs"] == {"en": "Customs", "es": "Aduanas"}
    assert ref.lpi_components("es")["timeliness"] == "Puntualidad"
    with pytest.raises(ValueError):
        ref.lpi_components("fr")


def test_loaders_keep_no_state_between_calls(lpi: pl.DataFrame) -> None:
    assert ref.lpi(PROJECT).equals(lpi)
    topo = ref.boundaries(PROJECT)
    topo["objects"].clear()
    assert "countries" in ref.boundaries(PROJECT)["objects"]


# --- Doing Business ---------------------------------------------------------------------------


def test_db_spot_values(db: pl.DataFrame) -> None:
    slv = _one(db, iso3="SLV", report_year=2020)
    assert slv["db_score"] == pytest.approx(89.76, abs=0.005)
    assert slv["db_rank"] == 46
    pry = _one(db, iso3="PRY", report_year=2020)
    assert pry["export_border_hours"] == 120
    assert pry["export_border_usd"] == 815


def test_db_one_row_per_economy_year(db: pl.DataFrame, db_all: pl.DataFrame) -> None:
    assert not db.select(pl.struct("iso3", "report_year").is_duplicated().any()).item()
    assert db_all.height == 1062
    assert db.height == 1062 - 22 * 5  # 11 economies × 2 city rows × 5 reports
    assert set(db["report_year"]) == {2016, 2017, 2018, 2019, 2020}
    assert (db_all["data_year"] == db_all["report_year"] - 1).all()


def test_db_mexico_uses_national_row(
    db: pl.DataFrame, db_all: pl.DataFrame, db_raw: pl.DataFrame
) -> None:
    mex = _one(db, iso3="MEX", report_year=2020)
    assert (mex["db_code"], mex["geography"], mex["city"]) == ("MEXI", "national", None)
    raw = _one(db_raw, code="MEXI", Year="2020")
    assert mex["economy"] == raw["Economy"] == "Mexico"
    score = raw["Score-Trading across borders (DB16-20 methodology)"]
    assert mex["db_score"] == pytest.approx(float(score))
    for source, name in ref.DB_MEASURES.items():
        assert mex[name] == pytest.approx(float(raw[source])), name
    city = _one(db_all, db_code="MEX", report_year=2020)
    assert (city["geography"], city["city"]) == ("city", "Mexico City")
    assert city["db_rank"] is None and mex["db_rank"] == 69  # only the national row is ranked


def test_db_national_row_differs_from_largest_city(db: pl.DataFrame, db_all: pl.DataFrame) -> None:
    national = _one(db, iso3="CHN", report_year=2020)
    shanghai = _one(db_all, db_code="CHN", report_year=2020)
    assert national["db_code"] == "CHIN" and shanghai["city"] == "Shanghai"
    assert national["export_doc_hours"] == pytest.approx(8.6)
    assert shanghai["export_doc_hours"] == pytest.approx(7.5)


def test_db_japan(db: pl.DataFrame, db_all: pl.DataFrame) -> None:
    # The file has a population-weighted "Japan" row (code JAP, ranked 57th in DB2020) besides
    # the Tokyo and Osaka city rows; the default frame uses it, like the other ten economies.
    japan = _one(db, iso3="JPN", report_year=2020)
    assert (japan["db_code"], japan["geography"], japan["db_rank"]) == ("JAP", "national", 57)
    cities = db_all.filter(pl.col("iso3") == "JPN", pl.col("geography") == "city")
    assert set(cities["city"]) == {"Tokyo", "Osaka"}
    assert set(cities["db_code"]) == {"JPN", "JPN_Osak"}


def test_db_no_practice_is_null_with_flag(db: pl.DataFrame, db_raw: pl.DataFrame) -> None:
    col = "Time to export: Documentary compliance (hours) (DB16-20 methodology)"
    assert _one(db_raw, code="ERI", Year="2020")[col] == "No Practice"
    eri = _one(db, iso3="ERI", report_year=2020)
    assert eri["export_doc_hours"] is None and eri["export_doc_hours_no_practice"] is True
    slv = _one(db, iso3="SLV", report_year=2020)
    assert slv["export_doc_hours_no_practice"] is False
    flags = [f"{name}_no_practice" for name in ref.DB_MEASURES.values()]
    for name, flag in zip(ref.DB_MEASURES.values(), flags):
        # A flag always comes with a null value; no cell is silently zeroed.
        assert db.filter(pl.col(flag) & pl.col(name).is_not_null()).is_empty()
    assert db.select(pl.any_horizontal(flags).sum()).item() == 11


def test_db_empty_cell_is_null_without_flag(tmp_path: Path) -> None:
    project, csv = _copy_project(tmp_path, ref.DB_FILE)
    lines = csv.read_text(encoding="utf-8").splitlines()
    slv = next(i for i, line in enumerate(lines) if line.startswith("SLV,2020,"))
    cells = lines[slv].split(",")
    cells[7] = ""  # Time to export: Documentary compliance
    lines[slv] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    row = _one(ref.doing_business(project), iso3="SLV", report_year=2020)
    assert row["export_doc_hours"] is None and row["export_doc_hours_no_practice"] is False


def test_db_codes_map_to_iso3(db_all: pl.DataFrame) -> None:
    assert all(ref.is_valid_iso3(c) for c in db_all["iso3"].unique())
    code_to_iso3 = dict(db_all.select("db_code", "iso3").unique().iter_rows())
    assert code_to_iso3["KSV"] == "XKX"
    assert code_to_iso3["ZAR"] == "COD"
    assert code_to_iso3["ROM"] == "ROU"
    assert code_to_iso3["TMP"] == "TLS"
    assert code_to_iso3["WBG"] == "PSE"
    assert code_to_iso3["US"] == "USA"


def test_db_names_agree_with_codes(db: pl.DataFrame) -> None:
    # Independent check of the code mapping: national rows' names map to the same ISO3.
    national = db.filter(pl.col("geography") == "national").select("iso3", "economy").unique()
    for iso3, economy in national.iter_rows():
        assert ref.iso3_from_name(economy) == iso3, economy


def test_db_unknown_code_raises_naming_file_row_and_code(tmp_path: Path) -> None:
    project, csv = _copy_project(tmp_path, ref.DB_FILE)
    with csv.open("a", encoding="utf-8") as f:
        f.write("ATL,2020,Atlantis,Nowhere,High income,,50,1,1,1,1,1,1,1,1\n")
    with pytest.raises(ref.UnmappedEconomyError) as err:
        ref.doing_business(project)
    message = str(err.value)
    assert "'ATL'" in message and "db_trading_across_borders_2016_2020.csv" in message
    assert "line 1064" in message


def test_db_caveat() -> None:
    assert "2021" in ref.DB_CAVEAT["en"] and "May 2019" in ref.DB_CAVEAT["en"]
    assert "2021" in ref.DB_CAVEAT["es"] and "mayo de 2019" in ref.DB_CAVEAT["es"]


# --- Boundaries -------------------------------------------------------------------------------


@pytest.mark.parametrize("resolution", ["110m", "50m"])
def test_boundary_ids(resolution: str) -> None:
    ids = ref.boundary_ids(PROJECT, resolution=resolution)  # type: ignore[arg-type]
    assert ids.columns == ["iso3", "iso_numeric", "name", "adm0_a3"]
    by_iso3 = {row["iso3"]: row for row in ids.drop_nulls("iso3").to_dicts()}
    assert by_iso3["FRA"]["iso_numeric"] == "250" and by_iso3["NOR"]["iso_numeric"] == "578"
    assert set(SICA + ["PRY", "BOL"]) <= set(by_iso3)
    assert by_iso3["PSE"]["adm0_a3"] == "PSX"  # Natural Earth code translated to ISO
    assert all(ref.is_valid_iso3(c) for c in by_iso3)
    assert ids.drop_nulls("iso3")["iso3"].is_unique().all()


def test_boundaries_topology() -> None:
    topo = ref.boundaries(PROJECT)
    assert topo["type"] == "Topology" and {"countries", "land"} <= set(topo["objects"])
    assert ref.topojson_path(PROJECT).name == "countries-110m.json"
    assert ref.topojson_path(PROJECT, "50m").is_file()
    with pytest.raises(ValueError):
        ref.topojson_path(PROJECT, "10m")  # type: ignore[arg-type]
    assert "endorsement" in ref.BOUNDARY_DISCLAIMER["en"]
    assert "aceptación" in ref.BOUNDARY_DISCLAIMER["es"]


# --- Trade values, provenance -----------------------------------------------------------------


def test_trade_of_the_regions_file() -> None:
    trade = ref.trade("trade/sieca_trade_2019.csv", PROJECT)
    assert trade.columns == ["region", "year", "indicator", "value", "unit", "source"]
    assert trade.height == 4
    intra = _one(trade, indicator="intra_regional_exports", year=2019)
    assert intra["value"] == pytest.approx(9868.64)
    assert not trade["source"].str.to_lowercase().str.contains("same source").any()
    assert trade["source"].n_unique() == 1


def test_provenance() -> None:
    text = ref.provenance(PROJECT)
    assert text.startswith("# Reference data")
    assert "Logistics Performance Index" in text


def test_missing_file_is_clear(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="lpi_2010_2023.csv"):
        ref.lpi(Project(tmp_path))


def test_lpi_2010_2016_equals_the_second_copy(lpi: pl.DataFrame) -> None:
    """Every 2010–2016 value (overall and six components) equals the independent second copy;
    the raw file swaps timeliness and tracking & tracing in 2010 and 2012."""
    from second_copy import mismatches

    published = lpi.filter(pl.col("year") <= 2016)
    assert published.height == 630
    assert mismatches(published) == []
    # Germany 2010, the README's example: timeliness 4.48, tracking and tracing 4.18.
    germany = _one(lpi, iso3="DEU", year=2010)
    assert (germany["timeliness"], germany["tracking_tracing"]) == (4.48, 4.18)
    # Guatemala 2010, the review's example.
    assert _one(lpi, iso3="GTM", year=2010)["timeliness"] == 3.52


def test_lpi_raw_file_is_kept_byte_for_byte() -> None:
    """The correction is made in code: the shipped file is the copy as published."""
    raw = (REFERENCE / ref.LPI_FILE).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    # Germany 2010 as the copy publishes it: timeliness 4.18, tracking and tracing 4.48 (swapped).
    assert b"\nGermany,2010,Europe,4.11,1,4.00,4.34,3.66,4.14,4.18,4.48\r\n" in raw or b"\nGermany,2010,Europe,4.11,1,4.00,4.34,3.66,4.14,4.18,4.48\n" in raw
    assert ref.LPI_SWAPPED_WAVES == (2010, 2012)


def test_provenance_of_a_region_holds_the_sections_of_the_files_it_reads() -> None:
    readme = (REFERENCE / "README.md").read_text(encoding="utf-8")
    assert "## trade/sieca_trade_2019.csv" in readme
    shared = ref.provenance(files=ref.SHARED_FILES)
    assert "## trade/" not in shared and "SIECA" not in shared  # a region that names no trade file
    for heading in ("## lpi/lpi_2010_2023.csv", "## doing_business/economy_codes.csv", "## un/lldc.csv", "## Notes added in this project"):
        assert heading in shared, heading
    assert ref.provenance(files=[*ref.SHARED_FILES, "trade/sieca_trade_2019.csv"]) == readme  # SICA reads every file
