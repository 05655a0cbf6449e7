"""Page downloads (CSV, Excel, Stata, codebook, SVG, PNG), the bulk export and the PDF briefs.

Executed report notebooks of a temporary project give the chart specs; every value written
must be the value the chart draws, missing values must stay missing in every format, and no
confidential value may leave in the bulk export or a brief.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import altair as alt
import nbformat
import openpyxl
import pandas as pd
import polars as pl
import pytest

import tflib
from tflib import monitor, reference, tracker
from tflib.i18n import fmt_number, t
from tflib.ingest import ingest
from tflib.page import CAVEATS
from tflib.runner import Job, run_jobs
from tflib.site import downloads
from tflib.site.brief import brief_content, write_country_brief
from tflib.site.downloads import write_bulk_export, write_page_downloads
from tflib.site.model import PageRecord

from chartcheck import chart_specs
from projects import make_project

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PAGE_META = {"dataset", "illustrative", "source", "unit"}
CONFIDENTIAL = {("GTM", "inspection_rate"), ("NIC", "inspection_rate")}
_MIDNIGHT = re.compile(r"^\d{4}-\d{2}-\d{2}(T00:00(:00(\.0+)?)?)?$")


# ---------------------------------------------------------------------------------------------
# Fixtures: one project, a few executed pages, their downloads


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    proj = make_project(tmp_path_factory.mktemp("downloads") / "proj", with_submissions=True)
    results = ingest([proj.submissions_dir / "sica"], "sica", proj)
    assert results and all(r.exit_code == 0 for r in results)
    return proj


@pytest.fixture(scope="module")
def pages(project, tmp_path_factory):
    """Executed pages: implementation (GTM) and, where the notebook exists, logistics (BLZ:
    no LPI data at all; GTM: LPI trend and components)."""
    out = tmp_path_factory.mktemp("pages")
    wanted = [("01_implementation", "progress", "GTM"), ("02_logistics", "logistics", "BLZ"), ("02_logistics", "logistics", "GTM")]
    jobs, records = [], []
    for stem, dimension, country in wanted:
        notebook = NOTEBOOKS / f"{stem}.ipynb"
        if not notebook.exists():
            continue
        output = out / f"{stem}-{country}.ipynb"
        jobs.append(Job(notebook, output, {"region": "sica", "country": country, "lang": "es"}, f"{stem}-{country}"))
        records.append(PageRecord(dimension, country, "es", output, True))
    summary = run_jobs(jobs, workers=2, env={"TFLIB_ROOT": str(project.root)}, timeout=240)
    failed = [(r.job.label, r.error) for r in summary.failures]
    assert not failed, failed
    return [(record, chart_specs(nbformat.read(record.notebook, as_version=4))) for record in records]


@pytest.fixture(scope="module")
def written(pages, tmp_path_factory):
    """(record, specs, folder, returned links) per page."""
    root = tmp_path_factory.mktemp("downloads-out")
    result = []
    for record, specs in pages:
        folder = root / record.page_id.replace("/", "-")
        links = write_page_downloads(record, specs, folder, "es", as_of=dt.date(2026, 9, 30))
        result.append((record, specs, folder, links))
    return result


def _page(written, dimension: str, country: str):
    for item in written:
        if item[0].dimension == dimension and item[0].country == country:
            return item
    pytest.skip(f"no {dimension} page for {country} (notebook missing)")


# ---------------------------------------------------------------------------------------------
# Helpers


def _canon(value) -> str | None:
    """A value as a CSV cell reads back: booleans true/false, numbers as floats, dates as days."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value))
    text = str(value)
    if _MIDNIGHT.match(text):
        return text[:10]
    try:
        return repr(float(text))
    except ValueError:
        return text


def _spec_rows(spec: dict) -> list[dict]:
    """Every tabular row the chart holds, drawing helpers (_x) left out."""
    rows = []
    for values in (spec.get("datasets") or {}).values():
        if isinstance(values, list):
            rows.extend({k: v for k, v in row.items() if not k.startswith("_")} for row in values if isinstance(row, dict))
    return rows


def _read_csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def _same_number(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return False
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def _meta(spec: dict) -> dict:
    return (spec.get("usermeta") or {}).get("tflib") or {}


# ---------------------------------------------------------------------------------------------
# Page downloads


def test_every_page_returns_its_links(written):
    for record, specs, folder, links in written:
        assert specs, f"{record.page_id} drew no chart"
        assert set(links) == {"page"} | {f"chart-{n}" for n in range(1, len(specs) + 1)}
        labels = [label for label, _ in links["page"]]
        assert labels == [t(m, "es") for m in ("Data (CSV)", "Data (Excel)", "Data (Stata)", "Codebook", "Codebook (Markdown)")]
        assert [p.name for _, p in links["page"]] == ["data.csv", "data.xlsx", "data.dta", "codebook.csv", "codebook.md"]
        for n in range(1, len(specs) + 1):
            assert [(label, p.name) for label, p in links[f"chart-{n}"]] == [("SVG", f"chart-{n}.svg"), ("PNG", f"chart-{n}.png"), ("CSV", f"chart-{n}.csv")]
        for entries in links.values():
            for _, path in entries:
                assert path.parent == folder and path.is_file() and path.stat().st_size > 0


def test_chart_csv_holds_exactly_the_values_drawn(written):
    compared = 0
    for record, specs, _folder, links in written:
        for n, spec in enumerate(specs, 1):
            csv = _read_csv(dict(links[f"chart-{n}"])["CSV"])
            data_columns = [c for c in csv.columns if c not in PAGE_META]
            got = Counter(
                tuple(sorted((c, _canon(r[c])) for c in data_columns if r[c] is not None)) for r in csv.iter_rows(named=True)
            )
            expected = Counter(
                tuple(sorted((k, _canon(v)) for k, v in row.items() if v is not None)) for row in _spec_rows(spec)
            )
            assert got == expected, f"{record.page_id} chart {n}"
            compared += csv.height
    assert compared > 100


def test_page_table_stacks_the_charts_with_their_metadata(written):
    for record, specs, folder, _links in written:
        data = _read_csv(folder / "data.csv")
        assert data.columns[:6] == ["chart", "chart_title", "dataset", "illustrative", "source", "unit"]
        total = 0
        for n, spec in enumerate(specs, 1):
            rows = data.filter(pl.col("chart") == str(n))
            assert rows.height == len(_spec_rows(spec)), f"{record.page_id} chart {n}"
            total += rows.height
            meta = _meta(spec)
            assert set(rows["illustrative"]) <= {"true" if meta.get("illustrative") else "false"}
            assert set(rows["chart_title"]) <= {downloads.chart_title(spec)}
            assert set(rows["unit"].fill_null("")) <= {meta.get("unit") or ""}
        assert data.height == total


def test_illustrative_column_tells_tracker_from_reference_data(written):
    _record, specs, folder, _links = _page(written, "progress", "GTM")
    data = _read_csv(folder / "data.csv")
    assert set(data["illustrative"]) == {"true"}  # every tracker chart is illustrative

    _record, specs, folder, _links = _page(written, "logistics", "BLZ")
    data = _read_csv(folder / "data.csv")
    loaders = {n: (_meta(s).get("check") or {}).get("loader") for n, s in enumerate(specs, 1)}
    for n, loader in loaders.items():
        flags = set(data.filter(pl.col("chart") == str(n))["illustrative"])
        if loader in ("lpi", "doing_business"):
            assert flags == {"false"}, n  # real World Bank data
        elif loader == "indicators":
            assert flags == {"true"}, n


def test_missing_values_stay_missing_in_csv_xlsx_and_dta(written):
    """Belize is in no LPI wave: its LPI score is missing in every format, never 0."""
    _record, specs, folder, _links = _page(written, "logistics", "BLZ")
    data = _read_csv(folder / "data.csv")
    lpi_charts = [n for n, s in enumerate(specs, 1) if (_meta(s).get("check") or {}).get("loader") == "lpi"]
    assert lpi_charts, "the BLZ logistics page draws the LPI of its peers"
    belize = data.filter(pl.col("chart").is_in([str(n) for n in lpi_charts]) & (pl.col("name") == "Belice"))
    assert belize.height >= 1
    assert belize["lpi_score"].null_count() == belize.height

    stata = pd.read_stata(folder / "data.dta")
    lpi = stata.loc[stata["chart"].isin(lpi_charts) & (stata["name"] == "Belice"), "lpi_score"]
    assert len(lpi) == belize.height and lpi.isna().all()

    wb = openpyxl.load_workbook(folder / "data.xlsx")
    for n in lpi_charts:
        ws = wb[f"chart-{n}"]
        header = [c.value for c in ws[1]]
        rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
        blz = [r for r in rows if r.get("name") == "Belice"]
        assert blz and all(r["lpi_score"] is None for r in blz)

    # No format turns a missing number into 0: nulls and zeros are counted alike everywhere.
    codebook = pl.read_csv(folder / "codebook.csv", infer_schema=False)
    numeric = [n for n, k in zip(codebook["name"], codebook["type"]) if k in (t("number", "es"), t("integer", "es"))]
    assert "lpi_score" in numeric and "value" in numeric
    for column in numeric:
        csv_values = data[column].to_list()
        assert sum(v is None for v in csv_values) == int(stata[column].isna().sum()), column
        assert sum(v is not None and float(v) == 0 for v in csv_values) == int((stata[column] == 0).sum()), column


def test_stata_file_reads_back_with_the_same_values(written):
    kinds = {t(k, "es"): k for k in ("true/false", "integer", "number", "date", "date and time", "text")}
    for record, _specs, folder, _links in written:
        data = _read_csv(folder / "data.csv")
        codebook = pl.read_csv(folder / "codebook.csv", infer_schema=False)
        names = dict(zip(codebook["name"], codebook["stata_name"]))
        with pd.io.stata.StataReader(folder / "data.dta") as reader:
            stata = reader.read()
            labels = reader.variable_labels()
        assert list(stata.columns) == [names[c] for c in data.columns]
        assert all(len(n) <= 32 and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n) for n in stata.columns)
        assert len(stata) == data.height
        for name, kind, description in codebook.select("name", "type", "description").iter_rows():
            column, kind = names[name], kinds[kind]
            assert labels[column] == description[:80] or labels[column] == description[:79] + "…"
            left, right = data[name].to_list(), stata[column].tolist()
            if kind == "true/false":
                assert [None if v is None else int(v == "true") for v in left] == [None if pd.isna(v) else int(v) for v in right], name
            elif kind in ("integer", "number"):
                assert all(_same_number(None if a is None else float(a), b) for a, b in zip(left, right)), (record.page_id, name)
            elif kind == "date":
                assert pd.api.types.is_datetime64_any_dtype(stata[column]), name  # a Stata date (%td)
                assert left == [None if pd.isna(v) else v.date().isoformat() for v in right], name
            else:
                assert [v or "" for v in left] == right, name


def test_stata_dates_are_stata_dates(written):
    _record, _specs, folder, _links = _page(written, "progress", "GTM")
    stata = pd.read_stata(folder / "data.dta")
    for column in ("start", "due"):
        assert pd.api.types.is_datetime64_any_dtype(stata[column]), column


def test_workbook_has_a_sheet_per_chart_and_a_codebook(written):
    for record, specs, folder, links in written:
        wb = openpyxl.load_workbook(folder / "data.xlsx")
        assert wb.sheetnames == [f"chart-{n}" for n in range(1, len(specs) + 1)] + ["codebook", "notes"]
        codebook = wb["codebook"]
        assert [c.value for c in codebook[1]] == ["name", "stata_name", "type", "description", "charts"]
        data_columns = _read_csv(folder / "data.csv").columns
        assert [r[0] for r in codebook.iter_rows(min_row=2, values_only=True)] == data_columns
        for n in range(1, len(specs) + 1):
            ws = wb[f"chart-{n}"]
            csv = _read_csv(dict(links[f"chart-{n}"])["CSV"])
            assert [c.value for c in ws[1]] == csv.columns
            sheet_rows = list(ws.iter_rows(min_row=2, values_only=True))
            assert len(sheet_rows) == csv.height, (record.page_id, n)
            for cells, row in zip(sheet_rows, csv.iter_rows()):
                for cell, text in zip(cells, row):
                    if text is None:
                        assert cell is None
                    elif isinstance(cell, bool):
                        assert text == ("true" if cell else "false")
                    elif isinstance(cell, (int, float)):
                        assert _same_number(cell, float(text))
                    elif isinstance(cell, dt.datetime):
                        assert text.startswith(cell.date().isoformat())
                    else:
                        assert cell == text


def test_images_are_valid_svg_and_png(written):
    for _record, specs, _folder, links in written:
        for n in range(1, len(specs) + 1):
            files = dict(links[f"chart-{n}"])
            assert files["PNG"].read_bytes()[:8] == PNG_SIGNATURE
            assert "<svg" in files["SVG"].read_text(encoding="utf-8")[:500]


def test_codebook_describes_every_column(written):
    _record, specs, folder, _links = _page(written, "logistics", "BLZ")
    codebook = pl.read_csv(folder / "codebook.csv", infer_schema=False)
    assert codebook.columns == ["name", "stata_name", "type", "description", "charts"]
    assert codebook["description"].null_count() == 0
    described = dict(zip(codebook["name"], codebook["description"]))
    assert described["lpi_score"] == t("Logistics Performance Index, overall score (1 worst to 5 best)", "es")
    assert described["illustrative"] == downloads.describe("illustrative", "es")
    md = (folder / "codebook.md").read_text(encoding="utf-8")
    assert "`lpi_score`" in md
    assert t(CAVEATS["doing_business"], "es") in md  # licence and caveat notes
    assert t(CAVEATS["lpi"], "es") in md


# ---------------------------------------------------------------------------------------------
# Page downloads from a hand-made chart: the corner cases


def _chart(frame: pl.DataFrame, extra: alt.Chart | None = None, illustrative: bool = False) -> dict:
    from tflib import charts

    base = alt.Chart(frame).mark_point().encode(x="x:Q", y="y:Q")
    chart = base + extra if extra is not None else base
    return charts.finish(chart, lang="es", title="Prueba", source="a test source", unit="unidades", illustrative=illustrative, check=charts.check_spec(None, why="test")).to_dict()


def test_corner_cases_names_types_geodata_and_long_text(tmp_path, project):
    long_text = "é" * 3000
    frame = pl.DataFrame(
        {
            "x": [1.0, None, 3.0],
            "y": [0.0, 2.5, None],
            "source": ["submitted", None, "form"],  # a chart column named like a page column
            "_seg": [0, 0, 1],  # a drawing helper
            "2nd value (%)": [1, 2, None],
            "a_very_long_column_name_that_is_longer_than_stata_allows": ["a", "b", "c"],
            "a_very_long_column_name_that_is_longer_than_stata_allows_too": ["d", "e", "f"],
            "when": [dt.date(2026, 1, 31), None, dt.date(2026, 3, 31)],
            "flag": [True, None, False],
            "zzz_custom": ["=1+1", "@x", long_text],
        }
    )
    from tflib.charts import subset_topology

    topo = subset_topology(reference.boundaries(project), ["GTM", "BLZ"])
    geo = alt.Chart(alt.InlineData(values=topo, format=alt.DataFormat(type="topojson", feature="countries"))).mark_geoshape()
    spec = _chart(frame, illustrative=True)
    geo_spec = {**geo.properties(width=100, height=100).to_dict(), "usermeta": {"tflib": {"source": "Natural Earth", "illustrative": False}}}
    record = PageRecord("overview", None, "es", tmp_path / "x.ipynb", True)
    links = write_page_downloads(record, [spec, geo_spec], tmp_path / "out", "es")
    assert set(links) == {"page", "chart-1", "chart-2"}

    data = pl.read_csv(tmp_path / "out" / "data.csv", infer_schema=False)
    assert "_seg" not in data.columns
    assert "data_source" in data.columns and data["source"].to_list()[:3] == ["a test source"] * 3
    assert data.filter(pl.col("chart") == "2").height == 0  # TopoJSON is not a table
    assert data["y"].to_list()[:3] == ["0.0", "2.5", None]  # 0 stays 0, missing stays missing
    assert data["when"].to_list()[:3] == ["2026-01-31", None, "2026-03-31"]

    codebook = pl.read_csv(tmp_path / "out" / "codebook.csv", infer_schema=False)
    described = dict(zip(codebook["name"], codebook["description"]))
    assert described["zzz_custom"] == t("as drawn in chart {n}", "es", n=1)
    stata_names = dict(zip(codebook["name"], codebook["stata_name"]))
    assert stata_names["2nd value (%)"] == "v2nd_value____"
    long_names = [stata_names[c] for c in frame.columns if c.startswith("a_very_long")]
    assert all(len(n) <= 32 for n in long_names) and len(set(long_names)) == 2

    stata = pd.read_stata(tmp_path / "out" / "data.dta")
    assert stata["y"].isna().tolist() == [False, False, True] and stata["y"][0] == 0
    assert pd.isna(stata["when"][1]) and stata["when"][0] == pd.Timestamp("2026-01-31")
    assert stata["flag"].tolist()[:1] == [1] and pd.isna(stata["flag"][1])
    assert len(stata["zzz_custom"][2].encode("utf-8")) <= 2045
    assert stata["data_source"].tolist() == ["submitted", "", "form"]

    wb = openpyxl.load_workbook(tmp_path / "out" / "data.xlsx")
    cells = [c.value for c in wb["chart-1"]["A"]]
    header = [c.value for c in wb["chart-1"][1]]
    formula_like = [r[header.index("zzz_custom")] for r in wb["chart-1"].iter_rows(min_row=2, values_only=True)]
    assert formula_like[:2] == ["=1+1", "@x"] and cells[0] == "dataset"
    assert wb["chart-1"].cell(row=2, column=header.index("zzz_custom") + 1).data_type == "s"


def test_a_page_without_charts_has_no_downloads(tmp_path):
    record = PageRecord("overview", None, "es", tmp_path / "x.ipynb", True)
    assert write_page_downloads(record, [], tmp_path / "out", "es") == {"page": []}


def test_downloads_are_reproducible(tmp_path):
    spec = _chart(pl.DataFrame({"x": [1.0, 2.0], "y": [3.0, None], "when": [dt.date(2026, 1, 1), None]}))
    record = PageRecord("overview", None, "en", tmp_path / "x.ipynb", True)
    a = write_page_downloads(record, [spec], tmp_path / "a", "en", as_of=dt.date(2026, 9, 30))
    b = write_page_downloads(record, [spec], tmp_path / "b", "en", as_of=dt.date(2026, 9, 30))
    for (_, pa), (_, pb) in zip(a["page"] + a["chart-1"], b["page"] + b["chart-1"]):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


# ---------------------------------------------------------------------------------------------
# Bulk export


@pytest.fixture(scope="module")
def bulk(project, tmp_path_factory):
    params = tflib.region("sica", project=project)
    out = tmp_path_factory.mktemp("bulk")
    return params, out, write_bulk_export(params, out, project=project)


def test_bulk_export_zip_holds_every_table_codebook_and_readme(bulk):
    params, out, links = bulk
    label, zip_path = links[-1]
    assert label == "All tables (ZIP)" and zip_path.suffix == ".zip"
    tables = {p.stem for label, p in links if p.suffix == ".csv" and p.name != "codebook.csv"}
    assert tables == set(downloads.BULK_TABLES)
    with zipfile.ZipFile(zip_path) as zf:
        names = {Path(n).name for n in zf.namelist()}
        assert {f"{t_}.csv" for t_ in tables} | {"codebook.csv", "README.txt"} <= names
        readme = zf.read(next(n for n in zf.namelist() if n.endswith("README.txt"))).decode("utf-8")
        codebook = pl.read_csv(zf.read(next(n for n in zf.namelist() if n.endswith("codebook.csv"))), infer_schema=False)
        for table in tables:
            inside = pl.read_csv(zf.read(next(n for n in zf.namelist() if n.endswith(f"/{table}.csv"))), infer_schema=False)
            assert inside.equals(pl.read_csv(out / f"{table}.csv", infer_schema=False)), table
            described = codebook.filter(pl.col("table") == table)
            assert described["column"].to_list() == inside.columns, table
            assert described["description"].null_count() == 0, table
    for needle in ("CC BY 4.0", "discontinued Doing Business in 2021", "report", "data_year", "ILLUSTRATIVE", "seeded generator", params.as_of.isoformat()):
        assert needle in readme, needle


def test_bulk_tables_carry_illustrative_and_match_the_loaders(bulk, project):
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
    db = pl.read_csv(out / "doing_business.csv", infer_schema_length=None)
    assert set(db["geography"].to_list()) <= {"national", "city"}
    assert {"report_year", "data_year"} <= set(db.columns)
    assert (db["report_year"] - db["data_year"] == 1).all()
    slv = db.filter((pl.col("iso3") == "SLV") & (pl.col("report_year") == 2020)).row(0, named=True)
    assert round(slv["score"], 2) == 89.76 and slv["rank"] == 46  # README spot values


def test_bulk_export_leaves_confidential_values_out(bulk, project):
    params, out, links = bulk
    stored = tracker.indicators(params, project=project)
    # The store does hold them: the export is what removes them.
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


def test_brief_in_spanish_shows_the_country_and_spanish_numbers(project, tmp_path):
    params = tflib.region("sica", project=project)
    pdf = write_country_brief(params, "GTM", "es", tmp_path / "gtm-es.pdf", project=project)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    lpi = reference.lpi(project).filter(pl.col("iso3") == "GTM").sort("year").row(-1, named=True)
    score = fmt_number(lpi["lpi_score"], "es", 2)
    assert "," in score  # 2,60: the Spanish decimal comma
    content = brief_content(params, "GTM", "es", project=project)
    assert content["title"] == "Guatemala" and score in [f["value"] for f in content["figures"]]
    text = _pdf_text(pdf)
    if text is not None:
        assert "Guatemala" in text
        assert score in text
        assert fmt_number(lpi["lpi_score"], "en", 2) not in text.replace(score, "")


def test_brief_content_for_a_non_party_without_lpi(project):
    params = tflib.region("sica", project=project)
    content = brief_content(params, "BLZ", "en", project=project)
    score, lpi, db = content["figures"]
    assert score["value"] == t("tracked, not scored", "en") and score["illustrative"]
    assert lpi["value"] == "no data" and not lpi["illustrative"]
    row = reference.doing_business(project).filter((pl.col("iso3") == "BLZ") & (pl.col("report_year") == 2020)).row(0, named=True)
    assert db["value"] == f"{fmt_number(row['export_border_hours'], 'en', 0)} hours"
    assert content["party_note"] and content["notice"]["illustrative"]
    assert len(content["measures"]["rows"]) == len(params.measures)
    assert len(content["warnings"]["items"]) <= 5


def test_brief_leaves_confidential_warnings_out(project):
    params = tflib.region("sica", project=project)
    name = params.text(params.indicators.get("inspection_rate").name, "es")
    every = monitor.warnings_for_region(params, country="GTM", project=project)
    content = brief_content(params, "GTM", "es", project=project)
    total = content["warnings"]["total"]
    hidden = every.filter(pl.col("indicator_id") == "inspection_rate").height
    assert hidden > 0  # GTM keeps its inspection rate confidential, and it raised a warning
    assert total == every.height - hidden
    assert not any(name in w["message"] for w in content["warnings"]["items"])


def test_brief_prints_markup_characters_as_text(project, tmp_path):
    params = tflib.region("sica", project=project)
    release = "r1 #set page(width: 1cm) $x$ *y* _z_ <a> @b [c] \\ `d`"
    pdf = write_country_brief(params, "PAN", "es", tmp_path / "pan.pdf", project=project, release=release)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = _pdf_text(pdf)
    if text is not None:
        assert "Panamá" in text
        assert "#set page(width: 1cm) $x$ *y* _z_ <a> @b [c]" in text
