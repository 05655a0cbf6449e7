"""Benchmark: progress rows from CSV ingested, then scores and early warnings computed over
them, timed on this machine (`run`; `tflib bench` prints `IngestBench.lines`).

The bench works in a project of its own (a temporary folder unless `workdir` is given): the
template project's params and reference data, plus a region of real economies that takes
the template region's strategy and indicator catalogue (`tflib.sample.write_scaled_region`),
with as many members as the rows need. Every member reports the status of every one of its
action items each week, from the region's illustrative start to its `as_of` (an item not
begun is reported "not started"), as its tracking system would export them: one CSV file per
member and calendar year, in the submission format (`tflib.sample`). Every row is valid, so
all are accepted.

Writing the files is timed but not counted. Counted: `tflib.ingest.ingest` of the files,
`tflib.scores.scores` and `tflib.monitor.warnings_for_region` over the stored rows. They run
in a fresh process, so its peak resident memory (what the operating system reports) is
theirs alone, imports included, as for a `tflib ingest` run.
"""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .params import RegionParams, default_region, load_region
from .paths import Project, resolve

TARGET_SECONDS = 60.0
TARGET_MIB = 2048.0
SEED = 11
# Days between two status reports of an item: weekly; daily where weekly reports of every
# economy in the reference data would not give the rows asked for.
SPACINGS = (7, 1)
BENCH_REGION = "bench"


@dataclass(frozen=True)
class IngestBench:
    """What one run measured: rows generated, accepted, quarantined and stored; seconds per
    phase (wall clock, and processor time of the measuring process); its peak memory."""

    rows: int  # generated
    files: int
    members: int
    items: int
    reporting_dates: int
    rows_in: int  # read by ingest
    accepted: int
    quarantined: int
    stored: int
    write_seconds: float
    ingest_seconds: float
    scores_seconds: float
    warnings_seconds: float
    ingest_cpu: float
    scores_cpu: float
    warnings_cpu: float
    peak_mib: float
    target_seconds: float = TARGET_SECONDS
    target_mib: float = TARGET_MIB

    @property
    def total_seconds(self) -> float:
        return self.ingest_seconds + self.scores_seconds + self.warnings_seconds

    @property
    def total_cpu(self) -> float:
        return self.ingest_cpu + self.scores_cpu + self.warnings_cpu

    @property
    def met(self) -> bool:
        """Both targets met, and every row generated accepted and stored."""
        complete = self.rows_in == self.accepted == self.rows == self.stored and self.quarantined == 0
        return complete and self.total_seconds < self.target_seconds and self.peak_mib < self.target_mib

    def lines(self) -> list[str]:
        verdict = "target met" if self.met else "TARGET MISSED"
        return [
            f"ingest: {self.rows:,} rows from {self.files:,} CSV files ({self.members:,} members, {self.items:,} action items, "
            f"{self.reporting_dates:,} reporting dates; written in {self.write_seconds:.1f} s, not counted): "
            f"read {self.rows_in:,}, accepted {self.accepted:,}, quarantined {self.quarantined:,}, stored {self.stored:,}",
            f"ingest: ingest {self.ingest_seconds:.1f} s, scores {self.scores_seconds:.1f} s, warnings {self.warnings_seconds:.1f} s; "
            f"total {self.total_seconds:.1f} s (target {self.target_seconds:g} s; processor time {self.total_cpu:.1f} s); "
            f"peak {self.peak_mib:,.0f} MiB (target {self.target_mib:,.0f} MiB): {verdict}",
        ]


def run(
    rows: int = 1_000_000,
    workdir: Path | None = None,
    region: str | None = None,
    template_project: Project | str | Path | None = None,
) -> IngestBench:
    """Generate `rows` progress rows as CSV submissions of a region made from the template
    region (default: the template project's default region), ingest them, then compute scores
    and warnings; returns what was measured. `workdir`: where the bench project is made (kept
    afterwards); default a temporary folder, removed afterwards."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    template = resolve(template_project)
    region = region or default_region(template)
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="tflib-benchingest-") as tmp:
            return _run(rows, Path(tmp), region, template)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    return _run(rows, workdir, region, template)


def _run(rows: int, workdir: Path, template_region: str, template: Project) -> IngestBench:
    proj = _project(workdir / "project", template)
    t0 = time.perf_counter()
    params, dates = _region(rows, proj, template_region, template)
    files = write_submissions(params, dates, rows, proj.submissions_dir / params.id / "bench")
    write_seconds = time.perf_counter() - t0
    # A fresh interpreter: its peak memory is the measured work's alone.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        measured = pool.apply(_measure, (str(proj.root), params.id, [str(f) for f in files]))
    items = len(params.region.members) * _items_per_member(params)
    return IngestBench(
        rows=rows,
        files=len(files),
        members=len(params.region.members),
        items=items,
        reporting_dates=len(dates),
        write_seconds=write_seconds,
        **measured,
    )


def _project(root: Path, template: Project) -> Project:
    """A project with the template's params and (linked) reference data."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(template.params_dir, root / "params")
    (root / "data").mkdir()
    (root / "data" / "reference").symlink_to(template.reference_dir.resolve(), target_is_directory=True)
    return Project(root)


def _items_per_member(params: RegionParams) -> int:
    return sum(len(m.steps) for m in params.measures)


def _region(rows: int, proj: Project, template_region: str, template: Project) -> tuple[RegionParams, list[dt.date]]:
    """The bench region (enough real economies for `rows`) and its reporting dates."""
    from .reference import doing_business, lpi
    from .sample import write_scaled_region

    tpl = load_region(template_region, template)
    economies = len(set(lpi(template)["iso3"].to_list()) | set(doing_business(template)["iso3"].to_list()))
    per_member = _items_per_member(tpl)
    for spacing in SPACINGS:
        dates = reporting_dates(tpl.region.illustrative.start, tpl.as_of, spacing)
        members = math.ceil(rows / (per_member * len(dates)))
        if members <= economies:
            break
    else:
        raise ValueError(f"at most {economies * per_member * len(dates):,} rows: {economies} economies x {per_member} items x {len(dates)} days")
    region_id = write_scaled_region(members, proj, template_region, region_id=BENCH_REGION, template_project=template)
    return load_region(region_id, proj), dates


def reporting_dates(first: dt.date, last: dt.date, spacing: int) -> list[dt.date]:
    """Every `spacing` days back from `last` (the region's as_of), not before `first`, oldest first."""
    count = (last - first).days // spacing + 1
    return [last - dt.timedelta(days=spacing * k) for k in reversed(range(count))]


def write_submissions(params: RegionParams, dates: list[dt.date], rows: int, out_dir: Path) -> list[Path]:
    """Exactly `rows` valid progress rows: every member's items on every reporting date, one
    file per member and year, members in params order, until `rows` are written."""
    from .plan import allocate
    from .sample import NOTES, PROGRESS_HEADER, _ItemPath, _status_for, _write_csv

    if out_dir.exists():
        shutil.rmtree(out_dir)
    items = allocate(params)
    by_country: dict[str, list[dict]] = {}
    for it in items.select("item_id", "country", "start", "due").iter_rows(named=True):
        by_country.setdefault(it["country"], []).append(it)
    years = sorted({d.year for d in dates})
    left = rows
    files: list[Path] = []
    for iso3 in params.region.member_codes:
        if left == 0:
            break
        rng = random.Random(f"{SEED}:{iso3}")
        country = params.countries[iso3]
        notes = NOTES.get(country.language, NOTES["en"])
        paths = {}
        for it in by_country[iso3]:
            start = it["start"] + dt.timedelta(days=int(rng.uniform(-30, 150)))
            planned = max((it["due"] - it["start"]).days, 1)
            stall = start + dt.timedelta(days=int(rng.uniform(30, 400))) if rng.random() < 0.1 else None
            paths[it["item_id"]] = _ItemPath(start, planned / rng.uniform(0.5, 1.3), stall)
        for year in years:
            body = []
            for day in (d for d in dates if d.year == year):
                for item, path in paths.items():
                    pct = path.pct_at(day)
                    note = notes[rng.randrange(len(notes))] if rng.random() < 0.05 else ""
                    body.append([iso3, item, day.isoformat(), _status_for(pct), f"{pct:g}", note, "true"])
                    left -= 1
                    if left == 0:
                        break
                if left == 0:
                    break
            if body:
                path = out_dir / f"{iso3}_progress_{year}.csv"
                _write_csv(path, PROGRESS_HEADER, body, country.number_locale)
                files.append(path)
            if left == 0:
                break
    return files


def _peak_mib() -> float:
    """Peak resident memory of this process in MiB (NaN where the system does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return math.nan
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kibibytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _measure(root: str, region: str, files: list[str]) -> dict:
    """In the measuring process: ingest, scores, warnings; seconds, counts and peak memory."""
    from . import tracker
    from .ingest import ingest
    from .monitor import warnings_for_region
    from .scores import scores

    proj = Project(Path(root))
    times = {}

    def timed(name, fn):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        times[f"{name}_seconds"] = time.perf_counter() - w
        times[f"{name}_cpu"] = time.process_time() - c
        return out

    results = timed("ingest", lambda: ingest([Path(f) for f in files], region, proj))
    timed("scores", lambda: scores(region, project=proj))
    timed("warnings", lambda: warnings_for_region(region, project=proj))
    stored = tracker.counts(region, proj)["progress_updates"]
    return {
        "rows_in": sum(r.rows_in for r in results),
        "accepted": sum(r.accepted for r in results),
        "quarantined": sum(r.quarantined for r in results),
        "stored": stored,
        "peak_mib": _peak_mib(),
        **times,
    }
