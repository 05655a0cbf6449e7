"""The named tables pages read, and the loader that refuses any other.

The build reads the region's store and reference files once (`RegionData`) and computes the
release tables of the region: the tracker's rows (confidential values removed), the results
computed from them (measure status, scores, score series, fund, warnings) and the reference
data. Each page declares in the registry (`tflib.pages`) which of these it reads; the build
writes the page's slice of each (`slice_for`: its member's rows unless the kind compares
every member, its dimension's indicators and measures, the region's economies) into the
page's inputs folder and fingerprints exactly those files.

A page reads its tables through `Loader`, which raises `UndeclaredTable` for any name its
kind did not declare. Built pages read the materialised files and never open the store or
the reference data; in JupyterLab (no inputs folder) the loader computes the same slices
from the store, so ad-hoc work sees what the page would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from . import monitor, periods, reference, scores, tracker
from .fund import incentive_fund
from .pages import Address
from .params import RegionParams
from .paths import Project
from .safety import safe_filename
from .tables import PerRow, Precision, Table

META_SUFFIX = ".meta.json"
PROVENANCE = "reference-provenance.md"
# Map resolution: 1:50m keeps El Salvador and Belize recognisable at page width.
BOUNDARY_RESOLUTION = "50m"


class UndeclaredTable(KeyError):
    """A page asked for a table its kind does not declare in the registry."""

    def __str__(self) -> str:  # KeyError would repr-quote the message
        return str(self.args[0])


# ---------------------------------------------------------------------------------------------
# Confidential values


def public(frame: pl.DataFrame, params: RegionParams, indicator_col: str = "indicator_id", country_col: str = "country") -> pl.DataFrame:
    """`frame` without the values members marked confidential (indicator ids) and without the
    notes of members that keep their notes confidential."""
    if frame.is_empty() or country_col not in frame.columns:
        return frame
    out = frame
    if indicator_col in frame.columns:
        for iso3, country in params.countries.items():
            for ind in country.confidential:
                hit = (pl.col(country_col) == iso3) & (pl.col(indicator_col) == ind)
                out = out.filter(~hit.fill_null(False))  # rows without an indicator stay
    if "note" in out.columns:
        noted = [c for c, cp in params.countries.items() if "note" in cp.confidential]
        out = out.with_columns(pl.when(pl.col(country_col).is_in(noted)).then(None).otherwise(pl.col("note")).alias("note"))
    return out


def shown_file_names(frame: pl.DataFrame, column: str = "source_file") -> pl.DataFrame:
    """`frame` with the submitted file names of `column` made safe to show and to save
    (`tflib.safety.safe_filename`): a sender's name never brings a path or control
    characters into a published table."""
    if column not in frame.columns:
        return frame
    names = [None if v is None else safe_filename(v) for v in frame[column].to_list()]
    return frame.with_columns(pl.Series(column, names, dtype=pl.String))


# ---------------------------------------------------------------------------------------------
# Precision of the standard columns


def indicator_precision(params: RegionParams, column: str = "indicator_id") -> PerRow:
    """Decimals of indicator values, by indicator (the catalogue's `decimals`)."""
    return PerRow(column, {i.id: i.decimals for i in params.indicators.indicators}, 1)


def standard_precision(params: RegionParams) -> dict[str, Precision]:
    """Precision of the columns that mean the same on every page: indicator values (and
    statistics of them) by indicator, the LPI by wave, Doing Business by measure."""
    by_indicator = indicator_precision(params)
    out: dict[str, Precision] = {c: by_indicator for c in ("value", "reference", "median", "p90", "mean", "target", "first_value", "latest_value", "first_median", "change")}
    out.update({c: reference.LPI_PRECISION for c in ("lpi_score", *reference.LPI_COMPONENTS)})
    out.update(reference.DB_PRECISION)
    return out


def decimals_of(values: list[float | None]) -> int:
    """Decimals of the shortest text of each value (values read from a source's text)."""
    out = 0
    for v in values:
        if v is not None:
            text = repr(float(v))
            out = max(out, 0 if text.endswith(".0") or "." not in text else len(text.split(".")[1]))
    return out


# ---------------------------------------------------------------------------------------------
# The region's data, read once


@dataclass
class RegionData:
    """The store and reference data of one region as of a date, read once; the release
    tables computed from them on first use (one object per build or per page: no module state)."""

    params: RegionParams
    project: Project
    as_of: dt.date | None = None
    _cache: dict[tuple[str, str | None], Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.as_of = self.as_of or self.params.as_of

    def _once(self, key: tuple[str, str | None], make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # raw frames --------------------------------------------------------------------------
    def items(self, lang: str | None = None) -> pl.DataFrame:
        lang = lang or self.params.region.default_language
        return self._once(("items", lang), lambda: tracker.action_items(self.params, lang=lang, project=self.project))

    def history(self) -> pl.DataFrame:
        return self._once(("history", None), lambda: shown_file_names(public(tracker.progress(self.params, history=True, as_of=self.as_of, project=self.project), self.params)))

    def current(self) -> pl.DataFrame:
        return self._once(("current", None), lambda: public(tracker.progress(self.params, as_of=self.as_of, project=self.project), self.params))

    def observations(self) -> pl.DataFrame:
        return self._once(("observations", None), lambda: shown_file_names(public(tracker.indicators(self.params, project=self.project), self.params)))

    # release tables ------------------------------------------------------------------------
    def table(self, name: str, lang: str) -> Table:
        """The region-wide release table `name` (in `lang` where it has text)."""
        spec = TABLES[name]
        return self._once((name, lang if spec.per_language else None), lambda: spec.build(self, lang))


# ---------------------------------------------------------------------------------------------
# The tables


def _any_illustrative(frame: pl.DataFrame) -> bool:
    """Whether any row of `frame` is illustrative (generated) data."""
    return bool(frame["illustrative"].fill_null(False).any())


def _action_items(data: RegionData, lang: str) -> Table:
    return Table(
        "action_items", data.items(lang), title="Action items", source="regional plan (tflib)",
        illustrative=False,
        description="Action items: each measure split into steps per member, with the responsible agency and the current and original schedule.",
    )


def _progress_history(data: RegionData, lang: str) -> Table:
    frame = data.history()
    return Table(
        "progress_history", frame, title="Progress history", source="national progress reports to the secretariat",
        illustrative=_any_illustrative(frame),
        description="Every progress update accepted up to the data date (append-only; a later update supersedes an earlier one).",
    )


def _progress_current(data: RegionData, lang: str) -> Table:
    frame = data.current()
    return Table(
        "progress_current", frame, title="Current progress", source="national progress reports to the secretariat",
        illustrative=_any_illustrative(frame),
        description="Latest progress per action item as of the data date; items never reported have empty status (no data, not 'not started').",
    )


def _indicators(data: RegionData, lang: str) -> Table:
    frame = data.observations()
    return Table(
        "indicators", frame, title="Indicator observations", source="national indicator reports to the secretariat",
        illustrative=_any_illustrative(frame),
        precision={"value": indicator_precision(data.params)},
        description="National indicator observations, latest revision per country, indicator, statistic, crossing, direction and period. Confidential indicators are removed.",
    )


def _status(data: RegionData) -> pl.DataFrame:
    return data._once(("status_frame", None), lambda: scores.measure_status(data.params, data.items(), data.history(), data.as_of))


def _measure_status(data: RegionData, lang: str) -> Table:
    frame = _status(data)
    return Table(
        "measure_status", frame, title="Measure status", source="computed by tflib from the progress reports",
        illustrative=_any_illustrative(frame),
        description="Status of every member x measure as of the data date (UN Global Survey scale) with points.",
    )


def _scores(data: RegionData, lang: str) -> Table:
    frame = scores.score_table(data.params, _status(data), data.as_of)
    return Table(
        "scores", frame, title="Implementation scores", source="computed by tflib from the progress reports",
        illustrative=_any_illustrative(frame),
        precision={c: 4 for c, d in frame.schema.items() if d.is_float()},
        description="Implementation scores, ranks and WTO-style implementation rates of the parties as of the data date (non-parties are not scored).",
    )


def _score_series(data: RegionData, lang: str) -> Table:
    ends = periods.month_ends(data.params.region.illustrative.start, data.as_of)
    frame = scores.score_series(data.params, data.items(), data.history(), ends)
    return Table(
        "score_series", frame, title="Implementation scores at each month end", source="computed by tflib from the progress reports",
        illustrative=bool(data.history()["illustrative"].fill_null(False).any()),
        description="Overall score and implementation rates of every party at each month end, and the median of all parties on that date.",
    )


def _fund(data: RegionData, lang: str) -> Table:
    if data.params.region.incentive_fund is None:
        frame = pl.DataFrame(schema={"country": pl.String})
    else:
        frame = incentive_fund(data.params, data.as_of, data.items(), data.history(), lang=lang)
        frame = frame.join(scores.rank(frame.select("country", "score")).select("country", "tied"), on="country", how="left", maintain_order="left")
        # The amount is illustrative, and so is every share when the scores rest on illustrative reports.
        frame = frame.with_columns(illustrative=pl.lit(True))
    return Table(
        "fund", frame, title="Incentive fund", source="computed by tflib from the implementation scores and the allocation rules of the incentive fund",
        illustrative=True, precision={"score": 4, "score_before": 4, "improvement": 4, "share": 6},
        description="The incentive fund shared among the parties: floor, score and improvement terms, with each share explained. The amount is illustrative.",
    )


def _early_warnings(data: RegionData, lang: str) -> Table:
    found = monitor.early_warnings(data.params, data.items(), data.history(), data.observations(), as_of=data.as_of)
    frame = public(found, data.params)
    return Table(
        "early_warnings", frame, title="Early warnings", source="computed by tflib from the progress and indicator reports",
        illustrative=_any_illustrative(frame),
        precision={"value": indicator_precision(data.params), "reference": indicator_precision(data.params)},
        description="Early warnings as of the data date (overdue, at risk, stalled, missing submission, indicator regression, national target missed). Warnings on confidential indicators are removed.",
    )


def _last_report(data: RegionData, lang: str) -> Table:
    hist = data.history()
    last = dict(hist.group_by("country").agg(pl.col("reported_on").max()).iter_rows()) if hist.height else {}
    members = data.params.region.member_codes
    frame = pl.DataFrame({"country": members, "last_report": [last.get(c) for c in members]}, schema={"country": pl.String, "last_report": pl.Date})
    return Table(
        "last_report", frame, title="Latest progress report", source="national progress reports to the secretariat",
        description="Date of each member's latest progress report on or before the data date (empty: none received).",
    )


def _economies(data: RegionData) -> list[str]:
    return list(data.params.region.member_codes) + list(data.params.region.comparators)


def _lpi(data: RegionData, lang: str) -> Table:
    return Table(
        "lpi", reference.lpi(data.project), title="Logistics Performance Index", source="World Bank, Logistics Performance Index (CC BY 4.0)",
        precision={c: reference.LPI_PRECISION for c in ("lpi_score", *reference.LPI_COMPONENTS)},
        description="World Bank Logistics Performance Index, waves 2010-2023, one row per economy and wave (absent = no data). Real data.",
    )


def _doing_business(data: RegionData, lang: str) -> Table:
    frame = reference.doing_business(data.project)
    return Table(
        "doing_business", frame, title="Doing Business, trading across borders", source="World Bank, Doing Business, Trading across borders",
        precision=dict(reference.DB_PRECISION),
        description="World Bank Doing Business, Trading across borders, report years 2016-2020, national rows (city rows only where no national row exists). Real data.",
    )


def _trade(data: RegionData, lang: str) -> Table:
    """The trade values the region's impact.yaml names (`trade.file`); empty without one."""
    from .analysis.impact import load_impact

    spec = load_impact(data.params).trade
    if spec is None:
        frame = pl.DataFrame(schema={"year": pl.Int64, "indicator": pl.String, "value": pl.Float64, "unit": pl.String, "source": pl.String})
        return Table("trade", frame, title="Trade values", source="", precision={"value": 2},
                     description="No trade values: no sourced trade values are held for this region.")
    frame = reference.trade(spec.file, data.project)
    digits = {ind: decimals_of(frame.filter(pl.col("indicator") == ind)["value"].to_list()) for ind in frame["indicator"].unique(maintain_order=True).to_list()}
    per_member = "country" in frame.columns
    return Table(
        "trade", frame, title="Trade values by member" if per_member else "Regional trade aggregates", source=frame["source"][0] if frame.height else "",
        precision={"value": PerRow("indicator", digits, 2)},
        description="Published trade values per member (reference data)." if per_member else "Published regional trade aggregates (reference data).",
    )


def _lldc(data: RegionData, lang: str) -> Table:
    codes = sorted(reference.landlocked_developing_countries(data.project))
    return Table(
        "lldc", pl.DataFrame({"iso3": codes}, schema={"iso3": pl.String}), title="Landlocked developing countries",
        source="UN-OHRLLS, list of landlocked developing countries",
        description="ISO3 codes of the UN's landlocked developing countries (reference data).",
    )


def _boundaries(data: RegionData, lang: str) -> Table:
    topology = reference.boundaries(data.project, resolution=BOUNDARY_RESOLUTION)
    frame = pl.DataFrame({"resolution": [BOUNDARY_RESOLUTION], "topology": [json.dumps(topology, separators=(",", ":"), sort_keys=True)]})
    return Table("boundaries", frame, title="Country boundaries", source="Natural Earth (public domain)", description="Natural Earth admin-0 boundaries as TopoJSON.")


@dataclass(frozen=True)
class TableSpec:
    name: str
    build: Callable[[RegionData, str], Table]
    member_column: str | None = None  # sliced to the page's member unless a peer table
    indicator_column: str | None = None  # sliced to the kind's indicators
    measure_column: str | None = None  # sliced to the kind's measures
    economy_column: str | None = None  # sliced to the region's members and comparators
    per_language: bool = False  # holds text in the page's language
    public: bool = True  # in the bulk export


TABLES: dict[str, TableSpec] = {
    s.name: s
    for s in (
        TableSpec("action_items", _action_items, member_column="country", measure_column="measure_id", per_language=True),
        TableSpec("progress_history", _progress_history, member_column="country", measure_column="measure_id"),
        TableSpec("progress_current", _progress_current, member_column="country", measure_column="measure_id"),
        TableSpec("indicators", _indicators, member_column="country", indicator_column="indicator_id"),
        TableSpec("measure_status", _measure_status, member_column="country", measure_column="measure_id"),
        TableSpec("scores", _scores),
        TableSpec("score_series", _score_series, member_column="country"),
        TableSpec("fund", _fund, per_language=True),
        TableSpec("early_warnings", _early_warnings, member_column="country"),
        TableSpec("last_report", _last_report, member_column="country"),
        TableSpec("lpi", _lpi, economy_column="iso3"),
        TableSpec("doing_business", _doing_business, economy_column="iso3"),
        TableSpec("trade", _trade),
        TableSpec("lldc", _lldc, economy_column="iso3", public=False),
        TableSpec("boundaries", _boundaries, public=False),
    )
}


def slice_for(data: RegionData, address: Address, name: str) -> Table:
    """The part of release table `name` the page at `address` reads."""
    spec, kind = TABLES[name], address.spec
    if name not in kind.tables:
        raise UndeclaredTable(f"page kind {kind.name!r} does not declare table {name!r} (tflib.pages.KINDS); it declares {', '.join(kind.tables)}")
    table = data.table(name, address.lang)
    frame = table.frame
    params = data.params
    if spec.indicator_column:
        frame = frame.filter(pl.col(spec.indicator_column).is_in(kind.indicators(params)))
    if spec.measure_column and kind.presents_dimension:
        frame = frame.filter(pl.col(spec.measure_column).is_in(kind.measures(params)))
    if spec.member_column and address.member is not None and name not in kind.peers:
        frame = frame.filter(pl.col(spec.member_column) == address.member)
    if spec.economy_column and address.member is not None:
        # A member's page compares it with the other members and the comparators; the
        # regional maps show the neighbours too.
        frame = frame.filter(pl.col(spec.economy_column).is_in(_economies(data)))
    return table.with_frame(frame)


# ---------------------------------------------------------------------------------------------
# Materialised tables: files, fingerprints and the loader


def frame_digest(frame: pl.DataFrame) -> str:
    # NDJSON is stable across library versions (parquet metadata is not) and holds lists.
    return hashlib.sha256(frame.write_ndjson().encode()).hexdigest()


def _meta_text(table: Table) -> str:
    # The payload without its rows (made from no rows: the rows are the parquet file).
    meta = {k: v for k, v in table.with_frame(table.frame.clear()).to_payload().items() if k != "rows"}
    return json.dumps(meta, sort_keys=True, ensure_ascii=False)


def write_table(table: Table, folder: Path, previous: str | None = None) -> str:
    """Write `table` as `<name>.parquet` and its metadata beside it; return its digest. A
    table whose digest is `previous` (what the folder holds already) is not written again."""
    meta_text = _meta_text(table)
    digest = hashlib.sha256((frame_digest(table.frame) + meta_text).encode()).hexdigest()
    parquet, meta = folder / f"{table.name}.parquet", folder / f"{table.name}{META_SUFFIX}"
    if digest == previous and parquet.is_file() and meta.is_file():
        return digest
    folder.mkdir(parents=True, exist_ok=True)
    table.frame.write_parquet(parquet)
    meta.write_text(meta_text, encoding="utf-8")
    return digest


def read_table(folder: Path, name: str) -> Table:
    meta = json.loads((folder / f"{name}{META_SUFFIX}").read_text(encoding="utf-8"))
    frame = pl.read_parquet(folder / f"{name}.parquet")
    shell = Table.from_payload({**meta, "rows": []})
    return shell.with_frame(frame.cast(shell.frame.schema))


# What a folder of tables was written from: "inputs" (the digest of everything its tables are
# computed from) and "tables" (each table's digest). Written after the tables, removed before
# any is rewritten: a folder whose record is missing or differs is written again.
INPUTS_RECORD = "_inputs.json"


def inputs_digest(data: RegionData) -> str:
    """Everything the region's release tables are computed from, by content: the store (its
    file), the reference files, the params, the data date, the catalogs and the code. While
    it is unchanged, every release table and every page's slice is unchanged, so a build
    need not compute them again (a no-op rebuild reads no table)."""
    from . import fingerprint
    from .store import store_path, wal_path

    def make() -> str:
        store = store_path(data.params.id, data.project)
        files = [p for p in (store, wal_path(store)) if p.is_file()]
        reference = data.project.reference_dir
        return fingerprint.combine({
            "store": fingerprint.digest_files(files, store.parent),
            "reference": fingerprint.digest_files([p for p in reference.rglob("*") if p.is_file()], reference) if reference.is_dir() else "",
            "params": fingerprint.params_digest(data.params, data.project),
            "as_of": data.as_of.isoformat() if data.as_of else "",
            "catalogs": fingerprint.catalogs_digest(),
            "code": fingerprint.code_digest(),
        })  # fmt: skip

    return data._once(("inputs_digest", None), make)


def _recorded(folder: Path, inputs: str) -> dict[str, str]:
    """The table digests recorded in `folder` for `inputs` (empty: none, or for other inputs)."""
    try:
        record = json.loads((folder / INPUTS_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(record.get("tables", {})) if record.get("inputs") == inputs else {}


def _previous(folder: Path) -> dict[str, str]:
    """The table digests the folder holds (whatever they were written from); the record is
    removed, as the folder is about to be written."""
    record = folder / INPUTS_RECORD
    try:
        tables = dict(json.loads(record.read_text(encoding="utf-8")).get("tables", {}))
    except (OSError, ValueError):
        return {}
    record.unlink()
    return tables


def _record(folder: Path, inputs: str, tables: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / INPUTS_RECORD).write_text(json.dumps({"inputs": inputs, "tables": tables}, sort_keys=True), encoding="utf-8")


def materialise(data: RegionData, address: Address, folder: Path) -> dict[str, str]:
    """Write the page's declared tables to `folder` (nothing else stays there); return each
    table's digest. A folder written from the same inputs is left as it is, and a table equal
    to the one the folder holds is not written again."""
    declared = list(address.spec.tables)
    key = hashlib.sha256(f"{inputs_digest(data)}\0{address.region}/{address.page_id}".encode()).hexdigest()
    done = _recorded(folder, key)
    if sorted(done) == sorted(declared) and all((folder / f"{name}.parquet").is_file() for name in declared):
        return {name: done[name] for name in declared}
    folder.mkdir(parents=True, exist_ok=True)
    previous = _previous(folder)
    for old in folder.iterdir():
        if old.is_file() and old.name.split(".")[0] not in declared:
            old.unlink()
    digests = {name: write_table(slice_for(data, address, name), folder, previous.get(name)) for name in declared}
    _record(folder, key, digests)
    return digests


class Loader:
    """A page's access to its tables: only those its kind declares, from its inputs folder
    (built pages) or computed from the store (ad-hoc use)."""

    def __init__(self, address: Address, folder: Path | None = None, data: RegionData | None = None):
        if folder is None and data is None:
            raise ValueError("a loader reads an inputs folder or a RegionData")
        self.address = address
        self.folder = None if folder is None else Path(folder)
        self.data = data
        self._read: dict[str, Table] = {}

    @property
    def declared(self) -> tuple[str, ...]:
        return self.address.spec.tables

    def table(self, name: str) -> Table:
        if name not in self.declared:
            raise UndeclaredTable(
                f"page kind {self.address.kind!r} reads table {name!r}, which it does not declare in tflib.pages.KINDS "
                f"(declared: {', '.join(self.declared)})"
            )
        if name not in self._read:
            if self.folder is not None:
                self._read[name] = read_table(self.folder, name)
            else:
                assert self.data is not None
                self._read[name] = slice_for(self.data, self.address, name)
        return self._read[name]


# ---------------------------------------------------------------------------------------------
# The region's release tables, written once per build for the site engines


def release_dir(work: Path) -> Path:
    return work / "release"


def _release_folder(work: Path, name: str, lang: str) -> Path:
    return release_dir(work) / lang if TABLES[name].per_language else release_dir(work)


def write_release(data: RegionData, work: Path) -> dict[str, str]:
    """Write every release table of the region (per language where it has text) under
    `work/release/`; return `{name or name:lang: digest}`. Release tables written from the
    same inputs (`inputs_digest`) are not computed again."""
    folder = release_dir(work)
    inputs = inputs_digest(data)
    done = _recorded(folder, inputs)
    wanted = [(name, lang) for name, spec in TABLES.items() for lang in (data.params.languages if spec.per_language else [data.params.region.default_language])]
    keys = [f"{name}:{lang}" if TABLES[name].per_language else name for name, lang in wanted]
    if sorted(done) == sorted([*keys, PROVENANCE]) and (folder / PROVENANCE).is_file() and all(
        (_release_folder(work, name, lang) / f"{name}.parquet").is_file() for name, lang in wanted
    ):
        return done
    previous = _previous(folder)
    out = {}
    for (name, lang), key in zip(wanted, keys):
        out[key] = write_table(data.table(name, lang), _release_folder(work, name, lang), previous.get(key))
    # The provenance of the reference files the region reads, which the methods page and the
    # bulk export carry (a trade file only when its impact.yaml names it).
    from .analysis.impact import load_impact

    trade = load_impact(data.params).trade
    text = reference.provenance(data.project, [*reference.SHARED_FILES, *([trade.file] if trade else [])])
    (folder / PROVENANCE).write_text(text, encoding="utf-8")
    out[PROVENANCE] = hashlib.sha256(text.encode()).hexdigest()
    _record(folder, inputs, out)
    return out


class ReleaseTables:
    """The release tables a build wrote, read by the site engines, briefs and bulk export
    (never the store)."""

    def __init__(self, work: Path):
        self.work = Path(work)
        self._read: dict[tuple[str, str], Table] = {}

    def table(self, name: str, lang: str) -> Table:
        key = (name, lang if TABLES[name].per_language else "")
        if key not in self._read:
            self._read[key] = read_table(_release_folder(self.work, name, lang), name)
        return self._read[key]

    def frame(self, name: str, lang: str) -> pl.DataFrame:
        return self.table(name, lang).frame
