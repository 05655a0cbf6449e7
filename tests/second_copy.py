"""The independent second copy of LPI 2010–2016 (data/reference/lpi/), read here without tflib.

Tests compare every 2010–2016 LPI value the project publishes with this copy, so a column
mix-up in the first copy (2010/2012 timeliness and tracking swapped) cannot come back.
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl

SECOND_COPY = Path(__file__).resolve().parents[1] / "data" / "reference" / "lpi" / "lpi_2010_2016_second_copy.csv"
# Old World Bank codes in the second copy.
OLD_CODES = {"ROM": "ROU", "ZAR": "COD"}
# Second-copy column -> tflib column.
COLUMNS = {
    "Overall LPI Score": "lpi_score",
    "Customs": "customs",
    "Infrastructure": "infrastructure",
    "International Shipments": "international_shipments",
    "Logistics Quality & Competence": "logistics_competence",
    "Tracking & Tracing": "tracking_tracing",
    "Timeliness": "timeliness",
}


def second_copy() -> pl.DataFrame:
    """iso3, year and the seven scores as published (floats), one row per economy x wave."""
    raw = pl.read_csv(SECOND_COPY, infer_schema=False)
    return raw.select(
        iso3=pl.col("Code").replace(OLD_CODES),
        year=pl.col("Year").cast(pl.Int64),
        **{ours: pl.col(theirs).cast(pl.Float64) for theirs, ours in COLUMNS.items()},
    )


def mismatches(published: pl.DataFrame, columns: list[str] | None = None) -> list[str]:
    """Every 2010–2016 value of `published` (iso3, year and score columns) that differs from
    the second copy, as 'ISO3 year column: published != copy'. Rows the copy lacks are listed too."""
    copy = {(r["iso3"], r["year"]): r for r in second_copy().iter_rows(named=True)}
    cols = [c for c in (columns or list(COLUMNS.values())) if c in published.columns]
    out = []
    for row in published.filter(pl.col("year") <= 2016).iter_rows(named=True):
        ref = copy.get((row["iso3"], row["year"]))
        if ref is None:
            out.append(f"{row['iso3']} {row['year']}: not in the second copy")
            continue
        for col in cols:
            a, b = row[col], ref[col]
            if a is None or b is None:
                if a is not None or b is not None:
                    out.append(f"{row['iso3']} {row['year']} {col}: {a} != {b}")
            elif not math.isclose(float(a), float(b), abs_tol=1e-9):
                out.append(f"{row['iso3']} {row['year']} {col}: {a} != {b}")
    return out
