"""Loaders for the public reference data in `data/reference/` (see its README.md).

Every loader reads its file afresh on each call (no caches, no module-level state) and returns
a tidy polars frame keyed by ISO 3166-1 alpha-3 (`iso3`). Every emitted code is checked against
pycountry; the only non-ISO code allowed is the World Bank's Kosovo code XKX. Files that do not
look as documented raise `ReferenceDataError` naming the file, rather than being silently patched.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import polars as pl
import pycountry

from tflib.paths import Project, resolve
from tflib.tables import PerRow, Precision, UpTo

ProjectLike = Project | str | Path | None
Resolution = Literal["110m", "50m"]

# Paths relative to the project's reference folder.
LPI_FILE = "lpi/lpi_2010_2023.csv"
# An independent copy of LPI 2010-2016 that the correction of the raw copy is checked against.
LPI_SECOND_COPY_FILE = "lpi/lpi_2010_2016_second_copy.csv"
DB_FILE = "doing_business/db_trading_across_borders_2016_2020.csv"
# World Bank economy names that pycountry's exact lookups do not resolve (or that are pinned so a
# pycountry upgrade cannot change them): name, iso3, why. Checked before pycountry.
WB_NAMES_FILE = "worldbank/economy_name_overrides.csv"
# Doing Business economy codes that are not the economy's ISO3 code (national rows of economies
# measured in two cities, city rows, legacy codes): code, iso3, geography, city, why.
DB_CODES_FILE = "doing_business/economy_codes.csv"
# Natural Earth adm0A3 codes that are not ISO3 codes: adm0_a3, iso3, why.
NE_CODES_FILE = "geo/ne_adm0_overrides.csv"
# The UN-OHRLLS list of landlocked developing countries: iso3, name.
LLDC_FILE = "un/lldc.csv"
README_FILE = "README.md"
RESOLUTIONS: tuple[str, ...] = ("110m", "50m")

# The World Bank's code for Kosovo; not (yet) an ISO 3166-1 code, so pycountry lacks it.
KOSOVO_ISO3 = "XKX"
_NON_ISO_CODES = frozenset({KOSOVO_ISO3})


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    """Read-only view (recursively), so shared constants cannot be mutated between runs."""
    return MappingProxyType(
        {k: _frozen(v) if isinstance(v, Mapping) else v for k, v in mapping.items()}
    )


class ReferenceDataError(ValueError):
    """A reference file does not look as its README documents."""


class UnmappedEconomyError(ReferenceDataError, KeyError):
    """An economy name or code that cannot be mapped to ISO3. Also a KeyError, for lookups."""

    def __init__(self, key: str, message: str | None = None) -> None:
        self.key = key
        super().__init__(message or f"no ISO3 code known for economy {key!r}")

    def __str__(self) -> str:  # KeyError would repr-quote the whole message
        return str(self.args[0])


# ---------------------------------------------------------------------------------------------
# ISO3 helpers

def is_valid_iso3(code: str | None) -> bool:
    """True for an ISO 3166-1 alpha-3 code (per pycountry) or the Kosovo code XKX."""
    if not isinstance(code, str) or len(code) != 3 or not code.isupper():
        return False
    return code in _NON_ISO_CODES or pycountry.countries.get(alpha_3=code) is not None


def _code_list(path: Path, key: str, code: str) -> list[tuple[int, str, str]]:
    """(line, key, code) rows of a two-column reference list; a bad or repeated row raises
    naming the file and line."""
    df = _read_csv_text(path, (key, code))
    rows: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    for line, k, c in df.select("_line", key, code).iter_rows():
        if not k or not k.strip():
            raise ReferenceDataError(f"{path}, line {line}: {key}: empty")
        k = unicodedata.normalize("NFC", k).strip()
        if not is_valid_iso3(c):
            raise ReferenceDataError(f"{path}, line {line}: {code}: {c!r} is not an ISO3 code")
        if k in seen:
            raise ReferenceDataError(f"{path}, line {line}: {key}: {k!r} already on line {seen[k]}")
        seen[k] = line
        rows.append((line, k, c))
    return rows


@functools.lru_cache(maxsize=8)
def _wb_name_overrides(path: Path) -> Mapping[str, str]:
    return _frozen({name: iso3 for _, name, iso3 in _code_list(path, "name", "iso3")})


def wb_name_overrides(project: ProjectLike = None) -> Mapping[str, str]:
    """World Bank economy name -> ISO3, from `WB_NAMES_FILE` (read once per file, read-only)."""
    return _wb_name_overrides(_reference_file(project, WB_NAMES_FILE))


@functools.lru_cache(maxsize=8)
def _lldc(path: Path) -> frozenset[str]:
    codes: dict[str, int] = {}
    for line, _name, iso3 in _code_list(path, "name", "iso3"):
        if iso3 in codes:
            raise ReferenceDataError(f"{path}, line {line}: iso3: {iso3!r} already on line {codes[iso3]}")
        codes[iso3] = line
    return frozenset(codes)


def landlocked_developing_countries(project: ProjectLike = None) -> frozenset[str]:
    """ISO3 codes of the UN's landlocked developing countries, from `LLDC_FILE` (read once)."""
    return _lldc(_reference_file(project, LLDC_FILE))


def iso3_from_name(name: str, project: ProjectLike = None) -> str:
    """Map a World Bank economy name to ISO3: override table first, then exact pycountry
    matches on name, common name or official name (no fuzzy search: it picks wrong countries).

    Raises `UnmappedEconomyError` (a KeyError and ValueError) naming the economy.
    """
    key = unicodedata.normalize("NFC", name).strip()
    overrides = wb_name_overrides(project)
    if key in overrides:
        return overrides[key]
    for field in ("name", "common_name", "official_name"):
        country = pycountry.countries.get(**{field: key})
        if country is not None:
            return str(country.alpha_3)
    raise UnmappedEconomyError(name)


def _check_iso3(codes: Iterable[str | None], source: str) -> None:
    bad = sorted({str(c) for c in codes if not is_valid_iso3(c)})
    if bad:
        raise ReferenceDataError(f"{source}: not ISO 3166-1 alpha-3 codes: {', '.join(bad)}")


# ---------------------------------------------------------------------------------------------
# File access


def _reference_file(project: ProjectLike, relative: str) -> Path:
    path = resolve(project).reference_dir / relative
    if not path.is_file():
        raise FileNotFoundError(f"reference file missing: {path} (see data/reference/README.md)")
    return path


def _read_csv_text(path: Path, required: Iterable[str]) -> pl.DataFrame:
    """Read every column as text (types are cast explicitly later, so bad cells raise)."""
    df = pl.read_csv(path, infer_schema=False)
    # Strip a UTF-8 byte-order mark in case the reader kept it on the first header.
    df = df.rename({c: c.lstrip("\ufeff") for c in df.columns})
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ReferenceDataError(f"{path}: missing columns {missing}")
    # File line of each row (header is line 1), for error messages.
    return df.with_row_index("_line", offset=2)


def _to_float(df: pl.DataFrame, column: str, path: Path) -> pl.Series:
    """Cast a text column to float; a non-numeric, non-empty cell raises naming line/value."""
    raw = df[column].str.strip_chars()
    raw = pl.when(raw == "").then(None).otherwise(raw)
    values = df.select(raw.alias(column))[column]
    out = values.cast(pl.Float64, strict=False)
    bad = df.filter(values.is_not_null() & out.is_null())
    if bad.height:
        line, cell = bad["_line"][0], bad[column][0]
        raise ReferenceDataError(f"{path}, line {line}: column {column!r} has {cell!r}")
    return out


def _to_int(df: pl.DataFrame, column: str, path: Path) -> pl.Series:
    """Cast to integer, accepting "136.0"-style cells but never truncating fractions."""
    floats = _to_float(df, column, path)
    bad = df.filter(floats.is_not_null() & (floats != floats.round(0)))
    if bad.height:
        raise ReferenceDataError(
            f"{path}, line {bad['_line'][0]}: column {column!r} is not whole: {bad[column][0]!r}"
        )
    return floats.cast(pl.Int64)


# ---------------------------------------------------------------------------------------------
# World Bank Logistics Performance Index

# Component columns (output names) with display labels.
LPI_COMPONENTS: Mapping[str, Mapping[str, str]] = _frozen(
    {
        "customs": {"en": "Customs", "es": "Aduanas"},
        "infrastructure": {"en": "Infrastructure", "es": "Infraestructura"},
        "international_shipments": {
            "en": "International shipments",
            "es": "Envíos internacionales",
        },
        "logistics_competence": {
            "en": "Logistics competence and quality",
            "es": "Competencia y calidad logística",
        },
        "timeliness": {"en": "Timeliness", "es": "Puntualidad"},
        "tracking_tracing": {"en": "Tracking and tracing", "es": "Seguimiento y rastreo"},
    }
)

_LPI_COLUMNS: Mapping[str, str] = _frozen(
    {
        "Economy": "economy",
        "Current_Year": "year",
        "LPI_Score": "lpi_score",
        "LPI_Grouped_Rank": "lpi_rank",
        "Customs_Score": "customs",
        "Infrastructure_Score": "infrastructure",
        "International_Shipments_Score": "international_shipments",
        "Logistics_Competence_and_Quality_Score": "logistics_competence",
        "Timeliness_Score": "timeliness",
        "Tracking_and_Tracing_Score": "tracking_tracing",
    }
)


# The one correction of the raw LPI copy (data/reference/README.md): in these waves its
# `Timeliness_Score` and `Tracking_and_Tracing_Score` columns hold each other's values, for
# every economy (checked against the independent second copy of 2010-2016 by a test). The raw
# file stays as published; the two columns are swapped back here, on load.
LPI_SWAPPED_WAVES: tuple[int, ...] = (2010, 2012)


# Decimals the World Bank publishes the scores with: two, one in the 2023 wave.
LPI_PRECISION = PerRow("year", {2023: 1}, 2)


def _correct_lpi(frame: pl.DataFrame) -> pl.DataFrame:
    swapped = pl.col("year").is_in(LPI_SWAPPED_WAVES)
    return frame.with_columns(
        timeliness=pl.when(swapped).then(pl.col("tracking_tracing")).otherwise(pl.col("timeliness")),
        tracking_tracing=pl.when(swapped).then(pl.col("timeliness")).otherwise(pl.col("tracking_tracing")),
    )


def lpi_components(lang: str = "en") -> dict[str, str]:
    """Component column -> label in `lang` ("en" or "es"), in display order."""
    if lang not in ("en", "es"):
        raise ValueError(f"unsupported language {lang!r}; use 'en' or 'es'")
    return {col: labels[lang] for col, labels in LPI_COMPONENTS.items()}


def lpi(project: ProjectLike = None) -> pl.DataFrame:
    """World Bank LPI, waves 2010–2023, one row per economy × wave.

    Columns: iso3, economy (World Bank name as in the file), year, lpi_score, lpi_rank (grouped
    rank, nullable), then the six components (see `LPI_COMPONENTS`). Economies absent from a
    wave have no row: absence means "no data", never 0. The 2010 and 2012 waves are corrected
    for the column swap of the raw copy (`LPI_SWAPPED_WAVES`).
    """
    path = _reference_file(project, LPI_FILE)
    raw = _read_csv_text(path, _LPI_COLUMNS)

    # Map each distinct name once; an unknown name must stop the load, not drop rows.
    iso3_of: dict[str, str] = {}
    for line, name in raw.select("_line", "Economy").iter_rows():
        if name is None:
            raise ReferenceDataError(f"{path}, line {line}: empty Economy name")
        if name not in iso3_of:
            try:
                iso3_of[name] = iso3_from_name(name, project)
            except UnmappedEconomyError:
                raise UnmappedEconomyError(
                    name,
                    f"{path}, line {line}: economy {name!r} has no ISO3 mapping; "
                    f"add it to {_reference_file(project, WB_NAMES_FILE)}",
                ) from None

    columns: dict[str, pl.Series] = {
        "iso3": raw["Economy"].replace_strict(iso3_of, return_dtype=pl.String),
        "economy": raw["Economy"],
        "year": _to_int(raw, "Current_Year", path),
        "lpi_rank": _to_int(raw, "LPI_Grouped_Rank", path),
    }
    for source, target in _LPI_COLUMNS.items():
        if target not in columns:
            columns[target] = _to_float(raw, source, path)
    out = _correct_lpi(pl.DataFrame(columns).select(["iso3", *_LPI_COLUMNS.values()]))

    _check_iso3(out["iso3"], str(path))
    dupes = out.filter(pl.struct("iso3", "year").is_duplicated())
    if dupes.height:
        raise ReferenceDataError(
            f"{path}: several rows map to the same economy and year: "
            f"{dupes.select('iso3', 'year', 'economy').rows()}"
        )
    return out.sort("year", "iso3")


# ---------------------------------------------------------------------------------------------
# World Bank Doing Business, "Trading across borders"

DB_CAVEAT: Mapping[str, str] = _frozen(
    {
        "en": (
            "The World Bank discontinued Doing Business in 2021 after data irregularities were "
            "found in some editions; read these figures with caution. The report year is not the "
            "data year: DB2020, for example, describes conditions as of May 2019."
        ),
        "es": (
            "El Banco Mundial descontinuó Doing Business en 2021 tras detectar irregularidades en "
            "los datos de algunas ediciones; estas cifras deben leerse con cautela. El año del "
            "informe no es el año de los datos: DB2020, por ejemplo, describe la situación a "
            "mayo de 2019."
        ),
    }
)

# Decimals of the Doing Business figures as published: hours and dollars with at most one
# decimal (48, 242.7), the 0-100 score to two, as the World Bank cites it (the copy carries
# float noise beyond five: 88.49425000000001).
DB_PRECISION: Mapping[str, Precision] = _frozen({"db_score": 2, **{m: UpTo(1) for m in ("export_doc_hours", "import_doc_hours", "export_border_hours", "import_border_hours", "export_doc_usd", "import_doc_usd", "export_border_usd", "import_border_usd")}})

# Source column -> short name for the eight time/cost measures.
DB_MEASURES: Mapping[str, str] = _frozen(
    {
        "Time to export: Documentary compliance (hours) (DB16-20 methodology)": "export_doc_hours",
        "Time to import: Documentary compliance (hours) (DB16-20 methodology)": "import_doc_hours",
        "Time to export: Border compliance (hours) (DB16-20 methodology)": "export_border_hours",
        "Time to import: Border compliance (hours) (DB16-20 methodology)": "import_border_hours",
        "Cost to export: Documentary compliance (USD) (DB16-20 methodology)": "export_doc_usd",
        "Cost to import: Documentary compliance (USD) (DB16-20 methodology)": "import_doc_usd",
        "Cost to export: Border compliance (USD) (DB16-20 methodology)": "export_border_usd",
        "Cost to import: Border compliance (USD) (DB16-20 methodology)": "import_border_usd",
    }
)
_DB_RANK = "Rank-Trading across borders"
_DB_SCORE = "Score-Trading across borders (DB16-20 methodology)"
_DB_ID_COLUMNS = ("code", "Year", "Economy", "Region", "Income group")
_NO_PRACTICE = "no practice"


@functools.lru_cache(maxsize=8)
def _db_codes(path: Path) -> Mapping[str, tuple[str, Literal["national", "city"], str | None]]:
    df = _read_csv_text(path, ("code", "iso3", "geography", "city"))
    out: dict[str, tuple[str, Literal["national", "city"], str | None]] = {}
    for line, code, iso3, geography, city in df.select("_line", "code", "iso3", "geography", "city").iter_rows():
        if not code or code in out:
            raise ReferenceDataError(f"{path}, line {line}: code: {code!r} is empty or listed twice")
        if not is_valid_iso3(iso3):
            raise ReferenceDataError(f"{path}, line {line}: iso3: {iso3!r} is not an ISO3 code")
        if geography not in ("national", "city") or (geography == "city") != bool(city):
            raise ReferenceDataError(f"{path}, line {line}: geography: {geography!r} must be national (no city) or city (with its city)")
        out[code] = (iso3, geography, city or None)  # type: ignore[assignment]
    return _frozen(out)


def db_code_to_iso3(code: str, project: ProjectLike = None) -> tuple[str, Literal["national", "city"], str | None]:
    """(iso3, geography, city) for a Doing Business economy code: the codes of `DB_CODES_FILE`
    (national rows of two-city economies, city rows, legacy codes) first, else the code itself
    when it is ISO3. Raises UnmappedEconomyError."""
    known = _db_codes(_reference_file(project, DB_CODES_FILE))
    if code in known:
        return known[code]
    if is_valid_iso3(code):
        return code, "national", None
    raise UnmappedEconomyError(code, f"no ISO3 code known for Doing Business code {code!r}")


def doing_business(project: ProjectLike = None, include_cities: bool = False) -> pl.DataFrame:
    """Doing Business "Trading across borders", DB2016–DB2020.

    Columns: iso3, db_code, economy, region, income_group, report_year, data_year
    (= report_year − 1), geography ("national" | "city"), city (null for national rows),
    db_score (0–100), db_rank (DB2020 only, nullable), the eight measures of `DB_MEASURES`
    (hours / USD) and, for each, `<measure>_no_practice`: True where the file says
    "No Practice" (not applicable: the value is null, and is neither 0 nor missing data).

    By default one row per economy × report year: the national row where the economy has one,
    else its only row. `include_cities=True` returns every row, city rows labelled.
    """
    path = _reference_file(project, DB_FILE)
    raw = _read_csv_text(path, [*_DB_ID_COLUMNS, _DB_RANK, _DB_SCORE, *DB_MEASURES])

    iso3: list[str] = []
    geography: list[str] = []
    city: list[str | None] = []
    for line, code, economy in raw.select("_line", "code", "Economy").iter_rows():
        try:
            c_iso3, c_geo, c_city = db_code_to_iso3(code or "", project)
        except UnmappedEconomyError:
            raise UnmappedEconomyError(
                code or "",
                f"{path}, line {line}: economy code {code!r} ({economy!r}) has no ISO3 mapping; "
                f"add it to {_reference_file(project, DB_CODES_FILE)}",
            ) from None
        # City rows are named "<economy> <city>": guard against a re-coded file.
        if c_city is not None and not (economy or "").endswith(" " + c_city):
            raise ReferenceDataError(
                f"{path}, line {line}: code {code!r} should be the {c_city} row, got {economy!r}"
            )
        iso3.append(c_iso3)
        geography.append(c_geo)
        city.append(c_city)

    report_year = _to_int(raw, "Year", path)
    columns: dict[str, pl.Series | list[Any]] = {
        "iso3": iso3,
        "db_code": raw["code"],
        "economy": raw["Economy"],
        "region": raw["Region"],
        "income_group": raw["Income group"],
        "report_year": report_year,
        "data_year": report_year - 1,  # DB2020 describes May 2019
        "geography": geography,
        "city": pl.Series(city, dtype=pl.String),
        "db_score": _to_float(raw, _DB_SCORE, path),
        "db_rank": _to_int(raw, _DB_RANK, path),
    }
    flags: dict[str, pl.Series] = {}
    for source, name in DB_MEASURES.items():
        no_practice = raw[source].str.strip_chars().str.to_lowercase() == _NO_PRACTICE
        no_practice = no_practice.fill_null(False)
        # Blank out "No Practice" before the numeric cast; any other text still raises.
        masked = raw.with_columns(
            pl.when(no_practice).then(None).otherwise(pl.col(source)).alias(source)
        )
        columns[name] = _to_float(masked, source, path)
        flags[f"{name}_no_practice"] = no_practice.alias(f"{name}_no_practice")
    out = pl.DataFrame({**columns, **flags})

    _check_iso3(out["iso3"], str(path))
    if out.filter(pl.struct("db_code", "report_year").is_duplicated()).height:
        raise ReferenceDataError(f"{path}: duplicate code × year rows")

    if not include_cities:
        out = _one_row_per_economy(out, path)
    # National before city rows ("national" > "city").
    order = ["report_year", "iso3", "geography", "db_code"]
    return out.sort(order, descending=[False, False, True, False])


def _one_row_per_economy(df: pl.DataFrame, path: Path) -> pl.DataFrame:
    """National row where one exists, else the economy's single (e.g. city-only) row."""
    key = ["iso3", "report_year"]
    marked = df.with_columns(
        (pl.col("geography") == "national").any().over(key).alias("_has_national"),
        pl.len().over(key).alias("_n"),
    )
    ambiguous = marked.filter(~pl.col("_has_national") & (pl.col("_n") > 1))
    if ambiguous.height:
        raise ReferenceDataError(
            f"{path}: several city rows and no national row for "
            f"{sorted(set(ambiguous.select(key).rows()))}"
        )
    kept = marked.filter((pl.col("geography") == "national") | ~pl.col("_has_national"))
    if kept.select(pl.struct(key).is_duplicated().any()).item():
        raise ReferenceDataError(f"{path}: several national rows for one economy and year")
    return kept.drop("_has_national", "_n")


# ---------------------------------------------------------------------------------------------
# Country boundaries (Natural Earth TopoJSON)

BOUNDARY_DISCLAIMER: Mapping[str, str] = _frozen(
    {
        "en": (
            "The boundaries, colours, denominations and other information shown on this map do "
            "not imply any judgement on the legal status of any territory, or any endorsement or "
            "acceptance of such boundaries."
        ),
        "es": (
            "Los límites, colores, denominaciones y demás información que se muestran en este "
            "mapa no implican juicio alguno sobre la condición jurídica de ningún territorio, ni "
            "respaldo o aceptación de dichos límites."
        ),
    }
)

@functools.lru_cache(maxsize=8)
def _ne_adm0(path: Path) -> Mapping[str, str]:
    return _frozen({adm0: iso3 for _, adm0, iso3 in _code_list(path, "adm0_a3", "iso3")})


def ne_adm0_overrides(project: ProjectLike = None) -> Mapping[str, str]:
    """Natural Earth adm0A3 codes that are not ISO3 codes -> ISO3, from `NE_CODES_FILE`."""
    return _ne_adm0(_reference_file(project, NE_CODES_FILE))


def feature_iso3(properties: Mapping[str, Any] | None, adm0_codes: Mapping[str, str] | None = None) -> str | None:
    """The ISO3 code of a Natural Earth country feature, from its properties: the `iso3` that
    `boundaries` adds, else `adm0A3` (`isoA3` is missing for France and Norway) translated
    through `adm0_codes` where Natural Earth uses its own codes (as for South Sudan),
    else `isoA3`; None for a feature with no ISO country."""
    props = properties or {}
    if "iso3" in props:
        return props["iso3"]
    adm0 = props.get("adm0A3")
    code = (adm0_codes or {}).get(adm0, adm0) if adm0 else None
    if not is_valid_iso3(code):
        iso_a3 = props.get("isoA3")
        code = iso_a3 if is_valid_iso3(iso_a3) else None
    return code


def topojson_path(project: ProjectLike = None, resolution: Resolution = "110m") -> Path:
    """Path of the country TopoJSON at `resolution` ("110m" or "50m")."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, got {resolution!r}")
    return _reference_file(project, f"geo/countries-{resolution}.json")


def boundaries(project: ProjectLike = None, resolution: Resolution = "110m") -> dict[str, Any]:
    """The parsed TopoJSON topology (objects `countries` and `land`); a fresh copy per call."""
    path = topojson_path(project, resolution)
    topology: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    objects = topology.get("objects", {})
    if topology.get("type") != "Topology" or not {"countries", "land"} <= set(objects):
        raise ReferenceDataError(f"{path}: expected a TopoJSON Topology with countries and land")
    # Each country carries its ISO3 code (`properties.iso3`), so that maps key on it without
    # reading the code table at page time.
    adm0_codes = ne_adm0_overrides(project)
    for feature in objects["countries"].get("geometries", []):
        props = feature.setdefault("properties", {}) or {}
        props["iso3"] = feature_iso3({k: v for k, v in props.items() if k != "iso3"}, adm0_codes)
        feature["properties"] = props
    return topology


def boundary_ids(project: ProjectLike = None, resolution: Resolution = "110m") -> pl.DataFrame:
    """One row per country feature: iso3, iso_numeric (feature `id`, as in the file),
    name, adm0_a3 (Natural Earth code).

    iso3 comes from `adm0A3` (`isoA3` is missing for France and Norway), translated where
    Natural Earth uses its own codes (Palestine PSX, South Sudan SDS, …). Features with no
    ISO country (e.g. Siachen Glacier, Indian Ocean Ter. at 50m) get a null iso3.
    """
    path = topojson_path(project, resolution)
    rows: list[dict[str, str | None]] = []
    for feature in boundaries(project, resolution)["objects"]["countries"]["geometries"]:
        props = feature.get("properties") or {}
        rows.append(
            {
                "iso3": feature_iso3(props),
                "iso_numeric": feature.get("id"),
                "name": props.get("name"),
                "adm0_a3": props.get("adm0A3"),
            }
        )
    schema = {"iso3": pl.String, "iso_numeric": pl.String, "name": pl.String, "adm0_a3": pl.String}
    out = pl.DataFrame(rows, schema=schema)
    _check_iso3(out["iso3"].drop_nulls(), str(path))
    dupes = out.filter(pl.col("iso3").is_not_null() & pl.col("iso3").is_duplicated())
    if dupes.height:
        shared = dupes["iso3"].unique(maintain_order=True).to_list()
        raise ReferenceDataError(f"{path}: several features share iso3 {shared}")
    return out


# ---------------------------------------------------------------------------------------------
# Trade values (the file a region's impact.yaml names)

_SAME_SOURCE = "same source"
# Columns of a trade file; `region` and `country` (ISO3: values per member) are optional.
TRADE_COLUMNS = ("year", "indicator", "value", "unit", "source")
TRADE_KEYS = ("region", "country")


def reference_path(relative: str, project: ProjectLike = None) -> Path:
    """`relative` inside the project's reference folder; refused if it leads out of it."""
    ref = resolve(project).reference_dir
    rel = Path(relative)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ReferenceDataError(f"{relative}: not a path inside {ref}")
    return ref / rel


def trade(path: str, project: ProjectLike = None) -> pl.DataFrame:
    """A trade file (path relative to data/reference/): its key columns (`region`, `country`,
    those it has), then year, indicator, value, unit, source, one row per row of the file.

    A `country` column holds values per member (ISO3 codes, checked); without one the values
    are the region's. The file writes "same source" for repeats; it is resolved to the
    previous row's text.
    """
    file = reference_path(path, project)
    if not file.is_file():
        raise FileNotFoundError(f"reference file missing: {file} (see data/reference/README.md)")
    raw = _read_csv_text(file, TRADE_COLUMNS)
    sources: list[str] = []
    for line, source in raw.select("_line", "source").iter_rows():
        text = (source or "").strip()
        if text.lower() == _SAME_SOURCE:
            if not sources:
                raise ReferenceDataError(
                    f"{file}, line {line}: 'same source' with no source above"
                )
            text = sources[-1]
        if not text:
            raise ReferenceDataError(f"{file}, line {line}: empty source")
        sources.append(text)
    keys = [c for c in TRADE_KEYS if c in raw.columns]
    if "country" in keys:
        empty = raw.filter(pl.col("country").is_null() | (pl.col("country").str.strip_chars() == ""))
        if empty.height:
            raise ReferenceDataError(f"{file}, line {empty['_line'][0]}: empty country")
        _check_iso3(raw["country"].to_list(), str(file))
    for col in ("indicator", "unit"):
        empty = raw.filter(pl.col(col).is_null() | (pl.col(col).str.strip_chars() == ""))
        if empty.height:
            raise ReferenceDataError(f"{file}, line {empty['_line'][0]}: empty {col}")
    out = pl.DataFrame(
        {
            **{k: raw[k] for k in keys},
            "year": _to_int(raw, "year", file),
            "indicator": raw["indicator"],
            "value": _to_float(raw, "value", file),
            "unit": raw["unit"],
            "source": pl.Series(sources, dtype=pl.String),
        }
    )
    dupes = out.filter(pl.struct(*[c for c in keys if c != "region"], "indicator").is_duplicated()) if out.height else out
    if dupes.height:
        first = dupes.row(0, named=True)
        who = f" for {first['country']}" if "country" in keys else ""
        raise ReferenceDataError(f"{file}: indicator {first['indicator']!r} has several rows{who}: keep one year per file")
    return out


# ---------------------------------------------------------------------------------------------
# Provenance


# The files every region reads (pages and checks); a region adds the trade file it names.
SHARED_FILES: tuple[str, ...] = (
    LPI_FILE, LPI_SECOND_COPY_FILE, DB_FILE, DB_CODES_FILE, WB_NAMES_FILE, LLDC_FILE, NE_CODES_FILE,
    *(f"geo/countries-{r}.json" for r in RESOLUTIONS),
)


def provenance(project: ProjectLike = None, files: Iterable[str] | None = None) -> str:
    """Text of data/reference/README.md (sources, licences, caveats). With `files`, only the
    introduction, the sections about those files (a section's heading names its files:
    "## a.csv, b.csv — title") and the sections that name no file (the project's notes)."""
    text = _reference_file(project, README_FILE).read_text(encoding="utf-8")
    if files is None:
        return text
    wanted = set(files)
    parts = re.split(r"(?m)^(?=## )", text)
    kept = [parts[0]]
    for part in parts[1:]:
        heading = part.splitlines()[0][3:]
        named = set(re.findall(r"[\w./-]+\.(?:csv|json|md)", heading.split(" — ")[0]))
        if not named or named & wanted:
            kept.append(part)
    return "".join(kept)
