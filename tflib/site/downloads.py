"""Downloads: the release tables of every page, and the bulk export of a release.

A page's downloads are its release tables (`tflib.tables.Table`), exactly as the page's
charts and tables show them, with their metadata:

- per table: ``<name>.csv`` (each decimal at its declared precision, no float noise) and,
  in the page's archives, ``<name>.dta`` (Stata 14+, format 118);
- per page: ``data.xlsx`` (one sheet per table, a codebook and notes), ``data-csv.zip``,
  ``data-stata.zip`` and ``codebook.csv`` / ``codebook.md``;
- per chart: the CSV of the table it draws (its SVG and PNG are made in the reader's browser,
  from the drawn chart, by the Vega runtime the site ships).

The bulk export writes the region's release tables (the same ones the pages were built from)
as tidy CSV files, a codebook and a README, and one ZIP of them all. Confidential values
never reach a release table, so they never reach a download.

Missing values stay missing in every format: an empty CSV cell, an empty Excel cell, a Stata
missing value. They are never written as 0.

No text opens as a formula: every CSV and Excel text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading ``'`` (`tflib.safety.neutralise_cell`),
and Excel text is always a string cell. Numbers, dates and true/false cells are never
altered (-5 stays the number -5). Stata files keep the text as it is: Stata never evaluates it.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ..codebook import describe
from ..i18n import N_, gettext, t
from ..inputs import ReleaseTables
from ..page import CAVEATS
from ..params import RegionParams
from ..safety import is_text, neutralise_cell, neutralise_frame
from ..tables import Table, cell_text
from .model import PageRecord

if TYPE_CHECKING:
    from .report import Output

# Stata's limits (format 118): names of 32 characters, str# of 2045 bytes, labels of 80.
STATA_NAME_MAX = 32
STATA_STR_MAX = 2045
STATA_LABEL_MAX = 80
EXCEL_CELL_MAX = 32767
# A fixed time stamp keeps equal downloads equal files (Stata header, workbook properties).
DEFAULT_STAMP = dt.date(2000, 1, 1)

PAGE_LABELS = {
    "xlsx": N_("Data (Excel)"),
    "csv": N_("Data (CSV, ZIP)"),
    "dta": N_("Data (Stata, ZIP)"),
    "codebook": N_("Codebook"),
    "codebook_md": N_("Codebook (Markdown)"),
}

TYPE_LABELS = {
    "integer": N_("integer"),
    "number": N_("number"),
    "money": N_("amount (exact decimal)"),
    "text": N_("text"),
    "date": N_("date"),
    "datetime": N_("date and time"),
    "boolean": N_("true/false"),
}

NOTES = {
    "missing": N_("Empty cells are missing values (no data), never zero."),
    "precision": N_("Decimals are written as published: each column has a stated number of decimals (see the codebook)."),
    "stata": N_("In the Stata files true/false columns are 1 (true) and 0 (false), dates are Stata dates, and missing text is an empty string."),
    "table": N_("Table {name}: {title}"),
}


def caveat(kind: str, lang: str) -> str:
    """A caveat of `tflib.page.CAVEATS` in `lang`."""
    return t(CAVEATS[kind], lang)


def note(kind: str, lang: str, **values: object) -> str:
    return t(NOTES[kind], lang, **values)


# ---------------------------------------------------------------------------------------------
# Writers


def csv_frame(table: Table) -> pl.DataFrame:
    """The CSV cells of a release table: `Table.text_frame`, with the cells of its text
    columns neutralised (the table's own types say which: numbers are never altered)."""
    text = [c for c, d in table.frame.schema.items() if is_text(d)]
    return neutralise_frame(table.text_frame(), text)


def write_csv(table: Table, path: Path) -> None:
    """UTF-8 CSV of a release table: every decimal at its precision ("2.6", "3.34"), money
    exact, dates ISO 8601 (2026-09-30), lists joined by "; ", missing values empty cells, no
    text cell read as a formula."""
    csv_frame(table).write_csv(path, null_value="")


def write_frame_csv(frame: pl.DataFrame, path: Path) -> None:
    """UTF-8 CSV of a frame of text and whole numbers (codebooks); text cells neutralised."""
    neutralise_frame(frame).write_csv(path, null_value="")


def _excel_value(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        # Characters Excel refuses go first, so none can hide a formula behind it.
        return neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", value))[:EXCEL_CELL_MAX]
    if isinstance(value, (list, tuple)):
        return _excel_value(cell_text(list(value)))
    if isinstance(value, Decimal):
        return float(value)
    return value


def _fill_sheet(ws: Any, frame: pl.DataFrame) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append([_excel_value(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"
    formats = {i: ("yyyy-mm-dd" if d == pl.Date else "yyyy-mm-dd hh:mm:ss") for i, d in enumerate(frame.dtypes) if d == pl.Date or isinstance(d, pl.Datetime)}
    for row in frame.iter_rows():
        values = [_excel_value(v) for v in row]
        ws.append(values)
        r = ws.max_row
        for i, v in enumerate(values):
            cell = ws.cell(row=r, column=i + 1)
            if isinstance(v, str):
                cell.data_type = "s"  # text is a string cell, never a formula
            if i in formats and v is not None:
                cell.number_format = formats[i]
    ws.freeze_panes = "A2"
    for i, name in enumerate(frame.columns, 1):
        width = max([len(str(name))] + [len(str(v)) for v in frame[name].head(200).to_list() if v is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))


def _stamp(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def _fix_zip(path: Path, stamp: dt.datetime) -> None:
    """Rewrite a ZIP (an .xlsx) with fixed entry times and core properties, so equal data
    give equal files."""
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + iso.encode() + rb"\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, data)


def write_xlsx(sheets: list[tuple[str, pl.DataFrame]], path: Path, stamp: dt.datetime) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets:
        _fill_sheet(wb.create_sheet(_sheet_name(name)), frame)
    wb.properties.created = stamp
    wb.properties.creator = "tflib"
    wb.save(path)
    _fix_zip(path, stamp)


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31]


def _stata_text(value: str | None) -> str:
    if value is None:
        return ""
    raw = value.encode("utf-8")
    return value if len(raw) <= STATA_STR_MAX else raw[:STATA_STR_MAX].decode("utf-8", errors="ignore")


def _label(text: str, limit: int = STATA_LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_dta(frame: pl.DataFrame, path: Path, names: dict[str, str], labels: dict[str, str], title: str, stamp: dt.datetime) -> None:
    """Stata format 118: names Stata-safe, variable labels, dates as Stata dates (%td / %tc),
    true/false as 1/0, strings cut to 2045 bytes; missing values stay missing."""
    import pandas as pd

    columns: dict[str, Any] = {}
    convert: dict[str, str] = {}
    for name, dtype in frame.schema.items():
        s = frame[name]
        target = names[name]
        if dtype == pl.Boolean:
            columns[target] = pd.array([None if v is None else int(v) for v in s.to_list()], dtype="Int8")
        elif dtype.is_integer():
            lo, hi = s.min(), s.max()
            small = s.null_count() == s.len() or (lo is not None and lo > -(2**31) + 27 and hi < 2**31 - 27)
            columns[target] = pd.array(s.to_list(), dtype="Int32") if small else s.cast(pl.Float64).to_numpy()
        elif dtype.is_float() or isinstance(dtype, pl.Decimal):
            columns[target] = s.cast(pl.Float64).to_numpy()
        elif dtype == pl.Date or isinstance(dtype, pl.Datetime):
            columns[target] = pd.to_datetime(pd.Series(s.to_list(), dtype="object"))
            convert[target] = "td" if dtype == pl.Date else "tc"
        else:
            values = [_stata_text(cell_text(v)) for v in s.to_list()]
            columns[target] = pd.Series(values, dtype="object")
    df = pd.DataFrame(columns)
    df.to_stata(
        path,
        version=118,
        write_index=False,
        convert_dates=convert,
        variable_labels={names[c]: _label(labels.get(c, "")) for c in frame.columns},
        data_label=_label(title),
        time_stamp=stamp,
    )


_STATA_RESERVED = {
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_N",
    "_pi", "_pred", "_rc", "_skip", "strL", "using", "with",
}  # fmt: skip


def stata_names(names: list[str]) -> dict[str, str]:
    """Stata-safe, unique names of at most 32 characters (letters, digits, underscores)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name) or "v"
        if base[0].isdigit():
            base = "v" + base
        if base in _STATA_RESERVED or re.fullmatch(r"str\d+", base):
            base = base + "_"
        base = base[:STATA_NAME_MAX]
        candidate, i = base, 2
        while candidate.lower() in used:
            suffix = f"_{i}"
            candidate = base[: STATA_NAME_MAX - len(suffix)] + suffix
            i += 1
        used.add(candidate.lower())
        out[name] = candidate
    return out


def _md_cell(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------------------------------------
# Page downloads


def codebook(tables: list[Table], lang: str) -> pl.DataFrame:
    """One row per table x column: table, column, Stata name, type, decimals, description."""
    rows = []
    for tab in tables:
        names = stata_names(tab.frame.columns)
        book = tab.codebook(lang)
        for r in book.iter_rows(named=True):
            label = TYPE_LABELS[r["type"]]
            rows.append({"table": tab.name, "column": r["column"], "stata_name": names[r["column"]], "type": gettext(label, lang),
                         "decimals": r["decimals"], "description": r["description"]})
    schema = {k: pl.String for k in ("table", "column", "stata_name", "type", "decimals", "description")}
    return pl.DataFrame(rows, schema=schema)


def page_notes(tables: list[Table], lang: str) -> list[str]:
    """What each table is, its unit and source, and the caveats that apply, in `lang`."""
    notes = []
    for tab in tables:
        parts = [note("table", lang, name=tab.name, title=tab.title)]
        if tab.unit:
            parts.append(t("Unit: {unit}", lang, unit=tab.unit))
        parts.append(t("Source: {source}", lang, source=tab.source))
        if tab.illustrative:
            parts.append(t("Illustrative data (generated), not real figures", lang))
        notes.append(". ".join(p.rstrip(".") for p in parts) + ".")
    columns = {c for tab in tables for c in tab.frame.columns}
    if any(tab.illustrative for tab in tables):
        notes.append(caveat("illustrative", lang))
    if columns & {"lpi_score", "lpi_rank"}:
        notes.append(caveat("lpi", lang))
    if columns & {"db_score", "report_year"}:
        notes.append(caveat("doing_business", lang))
    notes += [note("missing", lang), note("precision", lang), note("stata", lang)]
    return notes


def _write_codebook_md(path: Path, title: str, book: pl.DataFrame, notes: list[str], lang: str) -> None:
    head = [t("Table", lang), t("Column", lang), t("Stata name", lang), t("Type", lang), t("Decimals", lang), t("Description", lang)]
    lines = [f"# {t('Codebook', lang)}: {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in book.iter_rows():
        lines.append("| " + " | ".join(_md_cell(c) for c in r) + " |")
    lines += ["", f"## {t('Notes', lang)}", ""]
    lines += [f"- {n}" for n in notes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _zip(path: Path, files: list[Path], stamp: dt.datetime) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            info = zipfile.ZipInfo(f.name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, f.read_bytes())


def page_title(params: RegionParams, record: PageRecord, lang: str) -> str:
    """The page's title with its member, as its downloads are titled (`pages.page_title`)."""
    from .. import pages

    title = pages.page_title(params, record.kind, lang)
    return pages.titled(title, params.name_of(record.country, lang), lang) if record.country else title


def write_page_downloads(record: PageRecord, found: list["Output"], out_dir: Path, lang: str, *, title: str, as_of: dt.date | None = None) -> dict[str, list[tuple[str, Path]]]:
    """Write the downloads of one page into `out_dir` and return them, labelled in `lang`:
    ``{"page": [(label, path), …], "chart-1": [("SVG", path), ("PNG", path), ("CSV", path)], …}``.

    `found` are the page's outputs (`tflib.site.report.outputs`): its charts and tables with
    the release tables they carry. `as_of` dates the Stata and Excel files (a fixed date when
    not given), so a page built twice gives the same files. A page without tables gets no
    page downloads.
    """
    from ..tables import unique_names

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = _stamp(as_of or DEFAULT_STAMP)
    tables = unique_names(tab for o in found for tab in o.tables)
    result: dict[str, list[tuple[str, Path]]] = {"page": []}
    csv_of: dict[str, Path] = {}
    dta_of: dict[str, Path] = {}
    for tab in tables:
        csv_of[tab.name] = out_dir / f"{tab.name}.csv"
        write_csv(tab, csv_of[tab.name])
        names = stata_names(tab.frame.columns)
        dta_of[tab.name] = out_dir / f"{tab.name}.dta"
        write_dta(_flat(tab.rounded()), dta_of[tab.name], names, {c: tab.describe(c, lang) for c in tab.frame.columns}, tab.title, stamp)
    charts = [o for o in found if o.spec is not None]
    for n, o in enumerate(charts, 1):
        result[f"chart-{n}"] = [(f"CSV ({tab.name})" if len(o.tables) > 1 else "CSV", csv_of[tab.name]) for tab in o.tables]
    if not tables:
        return result
    book = codebook(tables, lang)
    notes = page_notes(tables, lang)
    paths = {
        "xlsx": out_dir / "data.xlsx",
        "csv": out_dir / "data-csv.zip",
        "dta": out_dir / "data-stata.zip",
        "codebook": out_dir / "codebook.csv",
        "codebook_md": out_dir / "codebook.md",
    }
    sheets = [(tab.name, _flat(tab.rounded())) for tab in tables]
    sheets.append(("codebook", book))
    sheets.append(("notes", pl.DataFrame({"note": notes}, schema={"note": pl.String})))
    write_xlsx(sheets, paths["xlsx"], stamp)
    _zip(paths["csv"], list(csv_of.values()), stamp)
    _zip(paths["dta"], list(dta_of.values()), stamp)
    for f in dta_of.values():
        f.unlink()  # in the archive only
    write_frame_csv(book, paths["codebook"])
    _write_codebook_md(paths["codebook_md"], title, book, notes, lang)
    result["page"] = [(t(PAGE_LABELS[k], lang), p) for k, p in paths.items()]
    return result


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined with '; ' so every cell is a scalar (CSV, Excel and Stata have no lists)."""
    lists = [c for c, d in frame.schema.items() if isinstance(d, (pl.List, pl.Array))]
    # A list column whose items have no type yet (every list empty or null) is cast to text first.
    return frame.with_columns([pl.col(c).cast(pl.List(pl.String)).list.join("; ") for c in lists]) if lists else frame


# ---------------------------------------------------------------------------------------------
# Bulk export of a release

BULK_TABLES: dict[str, str] = {
    "members": N_("Members (CSV)"),
    "measures": N_("Measures (CSV)"),
    "action_items": N_("Action items (CSV)"),
    "progress_history": N_("Progress history (CSV)"),
    "progress_current": N_("Current progress (CSV)"),
    "indicators": N_("Indicator observations (CSV)"),
    "measure_status": N_("Measure status (CSV)"),
    "scores": N_("Implementation scores (CSV)"),
    "fund": N_("Incentive fund (CSV)"),
    "early_warnings": N_("Early warnings (CSV)"),
    "lpi": N_("Logistics Performance Index (CSV)"),
    "doing_business": N_("Doing Business, trading across borders (CSV)"),
    "trade": N_("Regional trade aggregates (CSV)"),
}
BULK_LABELS = {
    "codebook": N_("Codebook"),
    "readme": N_("Read me"),
    "zip": N_("All tables (ZIP)"),
}
# Tables of tracker data, which can be illustrative (the others are params or real references).
TRACKER_TABLES = ("action_items", "progress_history", "progress_current", "indicators", "measure_status", "scores", "fund", "early_warnings")


def bulk_tables(params: RegionParams, release: ReleaseTables) -> dict[str, Table]:
    """The release tables of the bulk export, in English, with members and measures from the
    params. Every one is the table the pages were built from."""
    from .. import monitor, tracker

    en = "en" if "en" in params.languages else params.region.default_language
    out: dict[str, Table] = {}
    out["members"] = Table("members", tracker.members(params), title="Members", source="region parameters",
                           description="Members of the region: ISO3 code, name, party to the strategy (scored) or tracked only, language.")
    measures = tracker.measures(params, lang=params.languages[0]).drop("name", "pillar")
    for lang in params.languages:
        names = tracker.measures(params, lang=lang).select("measure_id", pl.col("name").alias(f"name_{lang}"), pl.col("pillar").alias(f"pillar_{lang}"))
        measures = measures.join(names, on="measure_id", how="left", maintain_order="left")
    out["measures"] = Table("measures", measures, title="Measures", source="regional strategy (params)",
                            description="Measures of the regional strategy: pillar, dimension, WTO TFA articles, regional deadline, indicators; illustrative marks measures not documented in the strategy's sources.")
    items = release.table("action_items", params.region.default_language)
    frame = items.frame.drop("step_name")
    for lang in params.languages:
        frame = frame.join(release.frame("action_items", lang).select("item_id", pl.col("step_name").alias(f"step_name_{lang}")), on="item_id", how="left", maintain_order="left")
    out["action_items"] = items.with_frame(frame.with_columns(illustrative=pl.col("measure_illustrative")))
    for name in ("progress_history", "progress_current", "indicators", "measure_status", "scores"):
        out[name] = release.table(name, en)
    fund = release.table("fund", en)
    out["fund"] = fund.with_frame(_flat(fund.frame))
    warnings = release.table("early_warnings", en)
    messages = [monitor.warning_message(r, "en", params) for r in warnings.frame.iter_rows(named=True)]
    out["early_warnings"] = warnings.with_frame(warnings.frame.with_columns(message=pl.Series(messages, dtype=pl.String)))
    for name in ("lpi", "doing_business", "trade"):
        tab = release.table(name, en)
        out[name] = tab.with_frame(tab.frame.with_columns(illustrative=pl.lit(False)))
    return {name: tab.with_frame(_flat(tab.frame)) for name, tab in out.items() if name in BULK_TABLES}


def _bulk_description(params: Any, table: str, column: str, tab: Table) -> str:
    """English description of a bulk export column."""
    if table in ("lpi", "doing_business", "trade") and column == "illustrative":
        return "Always false: real, published data"
    if table == "scores":
        for kind, groups in (("pillar", params.strategy.pillars), ("dimension", params.strategy.dimensions)):
            for group in groups:
                if column == f"{kind}_{group.id}":
                    return f"Implementation score of the {kind} '{params.text(group.name, 'en')}' (0 to 1)"
    found = re.fullmatch(r"(name|pillar|step_name)_([a-z]{2})", column)
    if found and found.group(2) in params.languages:
        base = {"name": "Measure name", "pillar": "Pillar of the regional strategy", "step_name": "Step name"}[found.group(1)]
        return f"{base} (language: {found.group(2)})"
    return tab.columns.get(column) or describe(column, "en", [table]) or ""


def bulk_codebook(params: Any, tables: dict[str, Table]) -> pl.DataFrame:
    """One row per table x column: table, column, type, decimals, description (English)."""
    rows = []
    for name, tab in tables.items():
        book = tab.codebook("en")
        for r in book.iter_rows(named=True):
            rows.append({"table": name, "column": r["column"], "type": TYPE_LABELS[r["type"]], "decimals": r["decimals"], "description": _bulk_description(params, name, r["column"], tab)})
    return pl.DataFrame(rows, schema={k: pl.String for k in ("table", "column", "type", "decimals", "description")})


def _bulk_readme(params: Any, tables: dict[str, Table]) -> str:
    from .. import __version__

    region = params.text(params.region.name, "en")
    hidden = {c: params.countries[c].confidential for c in params.countries if params.countries[c].confidential}
    lines = [
        f"{region}: trade facilitation tracker, bulk data export",
        "=" * 72,
        "",
        f"Region: {params.id} (secretariat: {params.region.secretariat})",
        f"Data as of: {params.as_of.isoformat()}",
        f"tflib version: {__version__}",
        "",
        "TABLES (UTF-8 CSV, one header row; codebook.csv describes every column)",
        "",
    ]
    for name, tab in tables.items():
        lines.append(f"- {name}.csv ({tab.frame.height} rows): {tab.description or tab.title}")
    lines += [
        "",
        "MISSING VALUES",
        "",
        "An empty cell is a missing value: no data. It is never zero. An action item never",
        "reported has an empty status; a country absent from an LPI wave has no row; Doing",
        "Business 'No Practice' (not applicable) is an empty value with <measure>_no_practice = true.",
        "",
        "WHAT IS ILLUSTRATIVE",
        "",
        "No tracker data (action-item progress, national indicators) is public. The tracker",
        "tables of this release (" + ", ".join(TRACKER_TABLES) + ")",
        "hold an ILLUSTRATIVE data set made by a seeded generator: they are not real figures.",
        "Every tracker table has an 'illustrative' column (true = generated); figures derived",
        "from illustrative data (status, scores, warnings) are illustrative too. Measures marked",
        "illustrative are not documented in the strategy's sources; they were drawn from WTO Trade",
        "Facilitation Agreement articles to make a realistic plan.",
        "",
        "CONFIDENTIAL VALUES",
        "",
        "Values a member marked confidential are not in this export (nor warnings about them).",
    ]
    for iso3, ids in sorted(hidden.items()):
        lines.append(f"- {iso3}: {', '.join(ids)}")
    lines += [
        "",
        "REFERENCE DATA AND LICENCES (real, published figures)",
        "",
        "- lpi.csv: World Bank, Logistics Performance Index 2010-2023, licensed CC BY 4.0",
        "  (https://creativecommons.org/licenses/by/4.0/). Cite: World Bank, Logistics Performance",
        "  Index. LPI scores are survey estimates with confidence intervals: small differences",
        "  between countries are not significant; 2023 ranks are tied ranks. Belize is in no wave.",
        "- doing_business.csv: World Bank, Doing Business, Trading across borders (DB2016-DB2020",
        "  methodology). The World Bank discontinued Doing Business in 2021 after data",
        "  irregularities were found in some editions: read these figures with caution. The report",
        "  year is not the data year: DB2020 (report_year 2020) describes conditions in May 2019",
        "  (data_year 2019). National (population-weighted) rows are used where an economy was",
        "  measured in two cities.",
        "- reference-provenance.md: where every reference file comes from.",
        "",
    ]
    return "\n".join(lines)


def write_bulk_export(params: RegionParams, release: ReleaseTables, out_dir: Path, provenance: str) -> list[tuple[str, Path]]:
    """Write the release's tables as tidy CSV files, a codebook, a README and one ZIP of them
    all into `out_dir`. Returns (label, path) pairs; labels are English messages, so a page
    shows them with ``t(label, lang)``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = bulk_tables(params, release)
    result: list[tuple[str, Path]] = []
    files: dict[str, bytes] = {}
    for name, tab in tables.items():
        path = out_dir / f"{name}.csv"
        write_csv(tab, path)
        files[path.name] = path.read_bytes()
        result.append((BULK_TABLES[name], path))
    codebook_path = out_dir / "codebook.csv"
    write_frame_csv(bulk_codebook(params, tables), codebook_path)
    readme_path = out_dir / "README.txt"
    readme_path.write_text(_bulk_readme(params, tables), encoding="utf-8")
    files["codebook.csv"] = codebook_path.read_bytes()
    files["README.txt"] = readme_path.read_bytes()
    files["reference-provenance.md"] = provenance.encode("utf-8")
    result += [(BULK_LABELS["codebook"], codebook_path), (BULK_LABELS["readme"], readme_path)]

    zip_path = out_dir / f"{params.id}-{params.as_of.isoformat()}-data.zip"
    stamp = _stamp(params.as_of).timetuple()[:6]
    folder = f"{params.id}-{params.as_of.isoformat()}"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ["README.txt", "codebook.csv", *sorted(n for n in files if n not in ("README.txt", "codebook.csv"))]:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name])
    result.append((BULK_LABELS["zip"], zip_path))
    return result
