"""Page downloads (CSV, Excel, Stata, codebook, SVG, PNG), the bulk export and the PDF briefs.

Every download is a release table the page carries (never a chart spec read back): each
CSV equals its table cell for cell, each decimal at its declared precision (no float noise),
missing values stay missing in every format, and no confidential value leaves in the bulk
export or a brief.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import polars as pl
import pytest

import tflib
from tflib import monitor, pages, reference, tracker
from tflib.i18n import fmt_number, t
from tflib.inputs import ReleaseTables
from tflib.page import CAVEATS
from tflib.site import downloads
from tflib.site.brief import brief_content, write_country_brief
from tflib.site.downloads import write_bulk_export, write_page_downloads
from tflib.site.model import PageRecord
from tflib.site.report import Output, outputs
from tflib.tables import PerRow, Table, UpTo

from chartcheck import chart_rows
from second_copy import mismatches

CONFIDENTIAL = {("GTM", "inspection_rate"), ("NIC", "inspection_rate")}
PAGES = [("progress", "GTM"), ("logistics", "BLZ"), ("logistics", "GTM"), ("overview", None)]


# ---------------------------------------------------------------------------------------------
# Fixtures: one project, a few built pages, their downloads


pytestmark = pytest.mark.xdist_group("site")


@pytest.fixture(scope="module")
def project(site_build):
    """The shared build of the whole site (its executed pages and release tables)."""
    proj, report = site_build
    assert report.failures == []
    return proj


@pytest.fixture(scope="module")
def release(project):
    return ReleaseTables(pages.work_dir(project, "sica"))


@pytest.fixture(scope="module")
def written(project, tmp_path_factory):
    """(record, outputs, folder, returned links) per page."""
    root = tmp_path_factory.mktemp("downloads-out")
    work = pages.work_dir(project, "sica")
    result = []
    for kind, country in PAGES:
        address = pages.Address("sica", kind, country, "es")
        record = PageRecord(address, address.executed(work), ok=True)
        found = outputs(nbformat.read(record.notebook, as_version=4))
        folder = root / address.page_id.replace("/", "-")
        links = write_page_downloads(record, found, folder, "es", title=downloads.page_title(tflib.region("sica"), record, "es"), as_of=dt.date(2026, 9, 30))
        result.append((record, found, folder, links))
    return result


def _page(written, kind: str, country: str | None):
    return next(item for item in written if item[0].kind == kind and item[0].country == country)


def _tables(found: list[Output]) -> list[Table]:
    from tflib.tables import unique_names

    return unique_names(tab for o in found for tab in o.tables)


def _read_csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def _same_number(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return False
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


# ---------------------------------------------------------------------------------------------
# Page downloads


def test_every_page_returns_its_links(written):
    for record, found, folder, links in written:
        charts = [o for o in found if o.spec is not None]
        assert charts, f"{record.page_id} drew no chart"
        assert set(links) == {"page"} | {f"chart-{n}" for n in range(1, len(charts) + 1)}
        assert [label for label, _ in links["page"]] == [t(m, "es") for m in downloads.PAGE_LABELS.values()]
        assert [p.name for _, p in links["page"]] == ["data.xlsx", "data-csv.zip", "data-stata.zip", "codebook.csv", "codebook.md"]
        for n, o in enumerate(charts, 1):
            files = [p.name for _, p in links[f"chart-{n}"]]
            assert files == [f"{tab.name}.csv" for tab in o.tables]  # its images are made in the browser
        for entries in links.values():
            for _, path in entries:
                assert path.parent == folder and path.is_file() and path.stat().st_size > 0


def test_every_table_a_page_shows_can_be_downloaded(written):
    """Page tables (the incentive fund, the early warnings) are downloads like the charts'."""
    _record, found, folder, _links = _page(written, "overview", None)
    names = {tab.name for tab in _tables(found)}
    assert {"fund", "warning_counts", "lpi_map", "measure_status"} <= names
    with zipfile.ZipFile(folder / "data-csv.zip") as zf:
        assert {f"{n}.csv" for n in names} == set(zf.namelist())
    fund = _read_csv(folder / "fund.csv")
    assert {"country", "floor", "score_term", "improvement_term", "total", "share", "how"} <= set(fund.columns)


def test_each_csv_is_its_release_table_at_the_declared_precision(written):
    """No float noise: every decimal is written with exactly the decimals its column declares
    for that row (LPI 2023 one, earlier waves two; indicator values by indicator)."""
    checked = 0
    for record, found, folder, _links in written:
        for tab in _tables(found):
            csv = _read_csv(folder / f"{tab.name}.csv")
            assert csv.columns == tab.frame.columns, (record.page_id, tab.name)
            assert csv.equals(tab.text_frame()), (record.page_id, tab.name)
            rows = tab.frame.to_dicts()
            for col, dtype in tab.frame.schema.items():
                if not dtype.is_float():
                    continue
                for row, text in zip(rows, csv[col].to_list()):
                    if text is None:
                        assert row[col] is None
                        continue
                    digits = tab.digits(col, row)
                    assert re.fullmatch(r"-?\d+" + (rf"\.\d{{{digits}}}" if digits else ""), text), (tab.name, col, text, digits)
                    assert abs(float(text) - row[col]) <= 0.5 * 10 ** -digits + 1e-12
                    checked += 1
            assert not [v for c in csv.columns for v in csv[c].drop_nulls().to_list() if re.fullmatch(r"-?\d+\.\d*(\d)\1{5,}\d*", v)], tab.name
    assert checked > 500


def test_lpi_downloads_are_published_as_the_world_bank_publishes_them(written):
    """2023 to one decimal (Costa Rica 2.9), earlier waves to two (3.30, not 3.3), and the
    2010-2016 values are the second copy's."""
    _record, found, folder, _links = _page(written, "logistics", "GTM")
    trend = _read_csv(folder / "lpi_trend.csv").filter(pl.col("iso3").is_not_null())
    for row in trend.iter_rows(named=True):
        decimals = len(row["lpi_score"].split(".")[1])
        assert decimals == (1 if row["year"] == "2023" else 2), row
    published = trend.select(pl.col("iso3"), pl.col("year").cast(pl.Int64), pl.col("lpi_score").cast(pl.Float64))
    assert mismatches(published) == [] and published.filter(pl.col("year") <= 2016).height > 10


def _key(value) -> str:
    """A chart value and a table value compare alike: dates as days."""
    text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    return text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", text) else text


def test_chart_tables_hold_the_values_drawn(written):
    """Each chart's table holds, for every row the chart draws with a key, the same values."""
    compared = 0
    for record, found, _folder, _links in written:
        for o in found:
            if o.spec is None:
                continue
            check = (o.spec.get("usermeta") or {}).get("tflib", {}).get("check") or {}
            keys, values = list(check.get("key") or {}), list(check.get("value") or {})
            if not keys:
                continue
            index = {}
            for tab in o.tables:
                for row in tab.frame.to_dicts():
                    if all(k in row for k in keys):
                        index[tuple(_key(row[k]) for k in keys)] = row
            for r in chart_rows(o.spec):
                if not all(k in r for k in keys):
                    continue
                row = index[tuple(_key(r[k]) for k in keys)]
                for v in values:
                    if v in r and v in row:
                        a, b = r[v], row[v]
                        assert _same_number(a, b) if isinstance(b, float) else _key(a) == _key(b), (record.page_id, v, a, b)
                        compared += 1
    assert compared > 500


def test_illustrative_flag_tells_tracker_from_reference_data(written):
    _record, found, _folder, _links = _page(written, "logistics", "BLZ")
    flags = {tab.name: tab.illustrative for tab in _tables(found)}
    assert all(flags[n] is False for n in flags if n.startswith(("lpi_", "db_")))
    assert all(flags[n] is True for n in flags if n.startswith("indicator_"))
    _record, found, _folder, _links = _page(written, "progress", "GTM")
    assert all(tab.illustrative for tab in _tables(found))


def test_missing_values_stay_missing_in_csv_xlsx_and_dta(written):
    """A median not drawn, a period not reported: missing in every format, never 0."""
    nulls = 0
    for _record, found, folder, _links in written:
        wb = openpyxl.load_workbook(folder / "data.xlsx")
        with zipfile.ZipFile(folder / "data-stata.zip") as zf:
            zf.extractall(folder / "stata")
        for tab in _tables(found):
            csv = _read_csv(folder / f"{tab.name}.csv")
            stata = pd.read_stata(folder / "stata" / f"{tab.name}.dta")
            ws = wb[tab.name[:31]]
            header = [c.value for c in ws[1]]
            sheet = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
            names = downloads.stata_names(tab.frame.columns)
            for col, dtype in tab.frame.schema.items():
                if not (dtype.is_float() or dtype.is_integer()):
                    continue
                missing = tab.frame[col].null_count()
                assert csv[col].null_count() == missing, (tab.name, col)
                assert int(stata[names[col]].isna().sum()) == missing, (tab.name, col)
                assert sum(r[col] is None for r in sheet) == missing, (tab.name, col)
                zeros = tab.frame.filter(pl.col(col) == 0).height
                assert int((stata[names[col]] == 0).sum()) == zeros, (tab.name, col)
                nulls += missing
    assert nulls > 50


def test_stata_files_read_back_with_the_same_values(written):
    for record, found, folder, _links in written:
        with zipfile.ZipFile(folder / "data-stata.zip") as zf:
            zf.extractall(folder / "stata-read")
        for tab in _tables(found):
            with pd.io.stata.StataReader(folder / "stata-read" / f"{tab.name}.dta") as reader:
                stata = reader.read()
                labels = reader.variable_labels()
            names = downloads.stata_names(tab.frame.columns)
            assert list(stata.columns) == [names[c] for c in tab.frame.columns]
            assert all(len(n) <= 32 and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n) for n in stata.columns)
            rounded = tab.rounded()
            for col, dtype in tab.frame.schema.items():
                left, right = rounded[col].to_list(), stata[names[col]].tolist()
                assert labels[names[col]] == tab.describe(col, "es")[:80] or labels[names[col]].endswith("…")
                if dtype == pl.Boolean:
                    assert [None if v is None else int(v) for v in left] == [None if pd.isna(v) else int(v) for v in right], col
                elif dtype.is_float() or dtype.is_integer():
                    assert all(_same_number(a, b) for a, b in zip(left, right)), (record.page_id, tab.name, col)
                elif dtype == pl.Date:
                    assert pd.api.types.is_datetime64_any_dtype(stata[names[col]]), col  # a Stata date (%td)
                    assert [None if v is None else v.isoformat() for v in left] == [None if pd.isna(v) else v.date().isoformat() for v in right], col


def test_workbook_has_a_sheet_per_table_a_codebook_and_notes(written):
    for record, found, folder, _links in written:
        tables = _tables(found)
        wb = openpyxl.load_workbook(folder / "data.xlsx")
        assert wb.sheetnames == [tab.name[:31] for tab in tables] + ["codebook", "notes"]
        codebook = wb["codebook"]
        assert [c.value for c in codebook[1]] == ["table", "column", "stata_name", "type", "decimals", "description"]
        listed = [(r[0], r[1]) for r in codebook.iter_rows(min_row=2, values_only=True)]
        assert listed == [(tab.name, c) for tab in tables for c in tab.frame.columns]
        for tab in tables:
            ws = wb[tab.name[:31]]
            assert [c.value for c in ws[1]] == tab.frame.columns
            rows = list(ws.iter_rows(min_row=2, values_only=True))
            assert len(rows) == tab.frame.height, (record.page_id, tab.name)
            for cells, row in zip(rows, downloads._flat(tab.rounded()).iter_rows()):
                for cell, value in zip(cells, row):
                    if value is None or value == "":
                        assert cell is None  # Excel keeps no empty text
                    elif isinstance(value, bool):
                        assert cell is value
                    elif isinstance(value, (int, float, Decimal)):
                        assert _same_number(cell, float(value))
                    elif isinstance(value, dt.date):
                        assert cell.date() == value
                    else:
                        assert cell == str(value)


def test_codebook_describes_every_column(written):
    for record, found, folder, _links in written:
        codebook = pl.read_csv(folder / "codebook.csv", infer_schema=False)
        assert codebook.columns == ["table", "column", "stata_name", "type", "decimals", "description"]
        blank = codebook.filter(pl.col("description").is_null())
        assert blank.is_empty(), (record.page_id, blank.select("table", "column").rows())
    _record, _found, folder, _links = _page(written, "logistics", "BLZ")
    codebook = pl.read_csv(folder / "codebook.csv", infer_schema=False)
    lpi = codebook.filter((pl.col("table") == "lpi_latest") & (pl.col("column") == "lpi_score")).row(0, named=True)
    assert lpi["description"] == t("Logistics Performance Index, overall score (1 worst to 5 best)", "es")
    assert lpi["decimals"] == "year 2023: 1; 2 otherwise"
    md = (folder / "codebook.md").read_text(encoding="utf-8")
    assert "| lpi_latest | lpi_score |" in md
    assert t(CAVEATS["doing_business"], "es") in md and t(CAVEATS["lpi"], "es") in md


# ---------------------------------------------------------------------------------------------
# Page downloads from a hand-made table: the corner cases


def _output(frame: pl.DataFrame, **kw) -> Output:
    from tflib import charts

    import altair as alt

    table = Table("prueba", frame, title="Prueba", source="a test source", unit="unidades", **kw)
    chart = charts.finish(alt.Chart(pl.DataFrame({"x": [1.0]})).mark_point().encode(x="x:Q"), lang="es", title="Prueba",
                          summary="Un punto de prueba en x = 1.", source="a test source",
                          check=charts.check_spec(None, why="test"))
    return Output(chart.to_dict(), [table])


def test_corner_cases_names_types_and_long_text(tmp_path):
    long_text = "é" * 3000
    frame = pl.DataFrame(
        {
            "x": [1.0, None, 3.25],
            "y": [0.0, 2.5, None],
            "_seg": [0, 0, 1],  # a drawing helper: never published
            "2nd value (%)": [1, 2, None],
            "a_very_long_column_name_that_is_longer_than_stata_allows": ["a", "b", "c"],
            "a_very_long_column_name_that_is_longer_than_stata_allows_too": ["d", "e", "f"],
            "when": [dt.date(2026, 1, 31), None, dt.date(2026, 3, 31)],
            "flag": [True, None, False],
            "zzz_custom": ["=1+1", "@x", long_text],
        }
    )
    found = [_output(frame, precision={"x": 2, "y": UpTo(1)}, columns={"zzz_custom": "free text"})]
    record = PageRecord(pages.Address("sica", "overview", None, "es"), tmp_path / "x.ipynb", True)
    links = write_page_downloads(record, found, tmp_path / "out", "es", title="t")
    assert set(links) == {"page", "chart-1"}

    data = pl.read_csv(tmp_path / "out" / "prueba.csv", infer_schema=False)
    assert "_seg" not in data.columns
    assert data["x"].to_list() == ["1.00", None, "3.25"] and data["y"].to_list() == ["0", "2.5", None]  # 0 stays 0, missing stays missing
    assert data["when"].to_list() == ["2026-01-31", None, "2026-03-31"]

    codebook = pl.read_csv(tmp_path / "out" / "codebook.csv", infer_schema=False)
    described = dict(zip(codebook["column"], codebook["description"]))
    assert described["zzz_custom"] == "free text"
    stata_names = dict(zip(codebook["column"], codebook["stata_name"]))
    assert stata_names["2nd value (%)"] == "v2nd_value____"
    long_names = [stata_names[c] for c in frame.columns if c.startswith("a_very_long")]
    assert all(len(n) <= 32 for n in long_names) and len(set(long_names)) == 2

    with zipfile.ZipFile(tmp_path / "out" / "data-stata.zip") as zf:
        zf.extractall(tmp_path / "stata")
    stata = pd.read_stata(tmp_path / "stata" / "prueba.dta")
    assert stata["y"].isna().tolist() == [False, False, True] and stata["y"][0] == 0
    assert pd.isna(stata["when"][1]) and stata["when"][0] == pd.Timestamp("2026-01-31")
    assert stata["flag"].tolist()[:1] == [1] and pd.isna(stata["flag"][1])
    assert len(stata["zzz_custom"][2].encode("utf-8")) <= 2045

    wb = openpyxl.load_workbook(tmp_path / "out" / "data.xlsx")
    header = [c.value for c in wb["prueba"][1]]
    formula_like = [r[header.index("zzz_custom")] for r in wb["prueba"].iter_rows(min_row=2, values_only=True)]
    assert formula_like[:2] == ["'=1+1", "'@x"]  # never opened as formulas (tflib.safety)
    assert wb["prueba"].cell(row=2, column=header.index("zzz_custom") + 1).data_type == "s"


def test_a_decimal_column_without_a_precision_cannot_be_published():
    with pytest.raises(ValueError, match="declares no precision"):
        Table("t", pl.DataFrame({"ratio": [0.1 + 0.2]}), title="T", source="S")
    with pytest.raises(ValueError, match="NaN"):
        Table("t", pl.DataFrame({"value": [float("nan")]}), title="T", source="S", precision={"value": 1})
    # The classic float noise is written as the value it stands for.
    tab = Table("t", pl.DataFrame({"value": [45.09999999999999, 2.6]}), title="T", source="S", precision={"value": PerRow("value", {}, 1)})
    assert tab.text_frame()["value"].to_list() == ["45.1", "2.6"]


def test_a_page_without_tables_has_no_page_downloads(tmp_path):
    record = PageRecord(pages.Address("sica", "overview", None, "es"), tmp_path / "x.ipynb", True)
    assert write_page_downloads(record, [], tmp_path / "out", "es", title="t") == {"page": []}


def test_downloads_are_reproducible(tmp_path):
    found = [_output(pl.DataFrame({"x": [1.0, 2.0], "y": [3.0, None], "when": [dt.date(2026, 1, 1), None]}), precision={"x": 1, "y": 1})]
    record = PageRecord(pages.Address("sica", "overview", None, "en"), tmp_path / "x.ipynb", True)
    a = write_page_downloads(record, found, tmp_path / "a", "en", title="t", as_of=dt.date(2026, 9, 30))
    b = write_page_downloads(record, found, tmp_path / "b", "en", title="t", as_of=dt.date(2026, 9, 30))
    for (_, pa), (_, pb) in zip(a["page"] + a["chart-1"], b["page"] + b["chart-1"]):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


# ---------------------------------------------------------------------------------------------
# Bulk export


@pytest.fixture(scope="module")
def bulk(project, release, tmp_path_factory):
    params = tflib.region("sica", project=project)
    out = tmp_path_factory.mktemp("bulk")
    return params, out, write_bulk_export(params, release, out, reference.provenance(project))


def test_bulk_export_zip_holds_every_table_codebook_and_readme(bulk):
    params, out, links = bulk
    label, zip_path = links[-1]
    assert label == "All tables (ZIP)" and zip_path.suffix == ".zip"
    tables = {p.stem for label, p in links if p.suffix == ".csv" and p.name != "codebook.csv"}
    assert tables == set(downloads.BULK_TABLES)
    with zipfile.ZipFile(zip_path) as zf:
        names = {Path(n).name for n in zf.namelist()}
        assert {f"{t_}.csv" for t_ in tables} | {"codebook.csv", "README.txt", "reference-provenance.md"} <= names
        readme = zf.read(next(n for n in zf.namelist() if n.endswith("README.txt"))).decode("utf-8")
        codebook = pl.read_csv(zf.read(next(n for n in zf.namelist() if n.endswith("codebook.csv"))), infer_schema=False)
        for table in tables:
            inside = pl.read_csv(zf.read(next(n for n in zf.namelist() if n.endswith(f"/{table}.csv"))), infer_schema=False)
            assert inside.equals(pl.read_csv(out / f"{table}.csv", infer_schema=False)), table
            described = codebook.filter(pl.col("table") == table)
            assert described["column"].to_list() == inside.columns, table
            assert described["description"].null_count() == 0, (table, described.filter(pl.col("description").is_null())["column"].to_list())
    for needle in ("CC BY 4.0", "discontinued Doing Business in 2021", "report", "data_year", "ILLUSTRATIVE", "seeded generator", params.as_of.isoformat()):
        assert needle in readme, needle


def test_bulk_tables_carry_illustrative_and_match_the_sources(bulk, project):
    params, out, _links = bulk
    for table in downloads.TRACKER_TABLES:
        frame = pl.read_csv(out / f"{table}.csv", infer_schema=False)
        assert "illustrative" in frame.columns, table
    current = pl.read_csv(out / "progress_current.csv", infer_schema_length=None)
    loaded = tracker.progress(params, project=project)
    assert current.height == loaded.height
    # Never reported: status stays empty (no data), not "not_started", and % stays missing.
    assert current["status"].null_count() == loaded["status"].null_count() > 0
    assert current["pct_complete"].null_count() == loaded["pct_complete"].null_count()
    lpi = pl.read_csv(out / "lpi.csv", infer_schema_length=None)
    assert lpi.height == reference.lpi(project).height and "BLZ" not in lpi["iso3"].to_list()
    assert set(lpi["illustrative"].to_list()) == {False}
    assert mismatches(lpi) == []  # 2010-2016: the second copy's values
    text = pl.read_csv(out / "lpi.csv", infer_schema=False)
    assert text.filter((pl.col("iso3") == "CRI") & (pl.col("year") == "2023"))["lpi_score"].item() == "2.9"
    db = pl.read_csv(out / "doing_business.csv", infer_schema_length=None)
    assert set(db["geography"].to_list()) <= {"national", "city"}
    assert {"report_year", "data_year"} <= set(db.columns)
    assert (db["report_year"] - db["data_year"] == 1).all()
    slv = pl.read_csv(out / "doing_business.csv", infer_schema=False).filter((pl.col("iso3") == "SLV") & (pl.col("report_year") == "2020")).row(0, named=True)
    assert (slv["db_score"], slv["db_rank"]) == ("89.76", "46")  # README spot values, as published
    pry = pl.read_csv(out / "doing_business.csv", infer_schema=False).filter((pl.col("iso3") == "PRY") & (pl.col("report_year") == "2020")).row(0, named=True)
    assert (pry["export_border_hours"], pry["export_border_usd"]) == ("120", "815")
    fund = pl.read_csv(out / "fund.csv", infer_schema=False)
    assert sum(float(v) for v in fund["total"]) == params.region.incentive_fund.amount


def test_bulk_export_leaves_confidential_values_out(bulk, project):
    params, out, links = bulk
    stored = tracker.indicators(params, project=project)
    # The store does hold them: the release tables are what leave them out.
    assert stored.filter(pl.col("country").is_in(["GTM", "NIC"]) & (pl.col("indicator_id") == "inspection_rate")).height > 0
    indicators = pl.read_csv(out / "indicators.csv", infer_schema=False)
    pairs = set(zip(indicators["country"], indicators["indicator_id"]))
    assert not pairs & CONFIDENTIAL
    assert ("CRI", "inspection_rate") in pairs  # others' public values stay
    warnings = pl.read_csv(out / "early_warnings.csv", infer_schema=False)
    assert not set(zip(warnings["country"], warnings["indicator_id"].fill_null(""))) & CONFIDENTIAL
    with zipfile.ZipFile(links[-1][1]) as zf:
        for name in zf.namelist():
            if name.endswith(".csv"):
                frame = pl.read_csv(zf.read(name), infer_schema=False)
                if {"country", "indicator_id"} <= set(frame.columns):
                    assert not set(zip(frame["country"], frame["indicator_id"].fill_null(""))) & CONFIDENTIAL, name


# ---------------------------------------------------------------------------------------------
# PDF briefs


def _pdf_text(path: Path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_brief_in_spanish_shows_the_country_and_numbers_as_published(project, release, tmp_path):
    """Guatemala's LPI 2023 is 2.6, published to one decimal: the brief says 2,6, never 2,60."""
    params = tflib.region("sica", project=project)
    pdf = write_country_brief(params, "GTM", "es", tmp_path / "gtm-es.pdf", release, release="sica-2026-09-30-r1")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    lpi = reference.lpi(project).filter(pl.col("iso3") == "GTM").sort("year").row(-1, named=True)
    assert (lpi["year"], lpi["lpi_score"]) == (2023, 2.6)
    content = brief_content(params, "GTM", "es", release, release="sica-2026-09-30-r1")
    values = [f["value"] for f in content["figures"]]
    assert content["title"] == "Guatemala" and "2,6" in values and "2,60" not in values
    assert content["meta"][-1] == t("Release {release}", "es", release="sica-2026-09-30-r1")
    text = _pdf_text(pdf)
    if text is not None:
        assert "Guatemala" in text and "2,6" in text and "2,60" not in text


def test_brief_content_for_a_non_party_without_lpi(project, release):
    params = tflib.region("sica", project=project)
    content = brief_content(params, "BLZ", "en", release, release="r1")
    score, lpi, db = content["figures"]
    assert score["value"] == t("tracked, not scored", "en") and score["illustrative"]
    assert lpi["value"] == "no data" and not lpi["illustrative"]
    row = reference.doing_business(project).filter((pl.col("iso3") == "BLZ") & (pl.col("report_year") == 2020)).row(0, named=True)
    assert db["value"] == f"{fmt_number(row['export_border_hours'], 'en', 0)} hours"
    assert content["party_note"] and content["notice"]["illustrative"]
    assert len(content["measures"]["rows"]) == len(params.measures)
    assert len(content["warnings"]["items"]) <= 5


def test_brief_leaves_confidential_warnings_out(project, release):
    params = tflib.region("sica", project=project)
    name = params.text(params.indicators.get("inspection_rate").name, "es")
    every = monitor.warnings_for_region(params, country="GTM", project=project)
    content = brief_content(params, "GTM", "es", release, release="r1")
    total = content["warnings"]["total"]
    hidden = every.filter(pl.col("indicator_id") == "inspection_rate").height
    assert hidden > 0  # GTM keeps its inspection rate confidential, and it raised a warning
    assert total == every.height - hidden
    assert not any(name in w["message"] for w in content["warnings"]["items"])


def test_brief_prints_markup_characters_as_text(project, release, tmp_path):
    params = tflib.region("sica", project=project)
    marked = "r1 #set page(width: 1cm) $x$ *y* _z_ <a> @b [c] \\ `d`"
    pdf = write_country_brief(params, "PAN", "es", tmp_path / "pan.pdf", release, release=marked)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = _pdf_text(pdf)
    if text is not None:
        assert "Panamá" in text
        assert "#set page(width: 1cm) $x$ *y* _z_ <a> @b [c]" in text
