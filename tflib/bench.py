"""`tflib bench`: how fast a build is, measured side by side in one run on the same inputs.

Everything is built in a temporary copy of the project (params, reference data, the shipped
submissions, notebooks), so the user's reports and store are never touched. One run times:

1. **the naive anchor**: the same notebooks, with the same parameters and the same
   materialised inputs, run the way a team would by hand: for each page the `papermill` CLI,
   then `jupyter nbconvert --to html --no-input`, as subprocesses, one page at a time. The
   materialisation of the inputs (the store and the reference data read once, the release
   tables and every page's tables written) is timed once and counted on the anchor's side
   too, as tflib's build does it inside its own time. On a whole region the anchor may run a
   sample (at least two pages of each kind in each language) and be extrapolated per kind and
   language; the output says so;
2. **`tflib build` from clean**, publishing included: pages and publishing timed apart, the
   median of warm pages (a worker's first page, which starts its kernel, is left out);
3. **a no-op rebuild** (nothing changed);
4. **a rebuild after one member's submission** (one progress row, ingested as a member
   would send it), and which pages re-ran;
5. warm kernels against fresh ones on the same pages, the site's bytes per page, and the
   ingest benchmark (`tflib.benchingest`).

`--scale 8,40,164` runs the scale series instead: for each N a region of N real economies
(`tflib.sample.write_scaled_region`, one language, every page kind) with its illustrative
submissions, built from clean, with the peak memory of the whole process tree.

Figures are wall-clock seconds of this machine; each target of the issue is printed beside
its figure. The last line of a run reads `speed-up over naive papermill+nbconvert: X.Y×`.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import pages as registry
from .pages import Address
from .params import RegionParams, load_region
from .paths import Project

Out = Callable[[str], None]

GIB = 1024**3
MB = 1_000_000
KERNEL = "python3"
ANCHOR_PER_GROUP = 2  # anchor pages sampled per kind x language on a whole region
KERNEL_PAGES = 8  # pages of the warm-against-fresh-kernels comparison

# The targets of issue 11, each checked against its figure.
SPEEDUP_TARGET = 10.0  # anchor s/page over tflib s/page, publishing included
WARM_MEDIAN_TARGET = 0.3  # s
PUBLISH_SHARE_TARGET = 0.20  # of the build's wall time
NOOP_SHARE_TARGET = 0.05  # of the full build's wall time
FLAT_TARGET = 0.25  # s/page at every N within ±25 % of the smallest N's
SCALE_ECONOMIES = 164
SCALE_SECONDS_TARGET = 15 * 60
SCALE_MEMORY_TARGET = 4 * GIB
SITE_MB_TARGET = 0.5  # site bytes per report page

LAST_LINE = "speed-up over naive papermill+nbconvert: {:.1f}×"


# ---------------------------------------------------------------------------------------------
# Measuring


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended (kernels, subprocesses)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class PeakMemory:
    """The peak resident memory of this process and all its descendants (kernels,
    subprocesses), sampled every `interval` seconds while the block runs."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tflib-bench-memory", daemon=True)

    def sample(self) -> int:
        import psutil

        me = psutil.Process()
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass  # ended between the listing and the reading
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.sample())


def machine() -> str:
    import psutil

    cores = os.cpu_count() or 0
    ram = psutil.virtual_memory().total / GIB
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"machine: {cores} cores (os.cpu_count), {ram:.1f} GiB RAM, {platform.system()} {platform.machine()}, Python {platform.python_version()}; load average {load}"


def site_size(site: Path) -> tuple[int, int]:
    """All bytes and files under a region's site folder."""
    files = [p for p in site.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def _mark(ok: bool | None) -> str:
    return "?" if ok is None else ("✓" if ok else "✗")


# ---------------------------------------------------------------------------------------------
# The temporary project


def copy_project(source: Project, root: Path, regions: list[str]) -> Project:
    """A project in `root` with the source's params, reference data, notebooks and the
    shipped submissions of `regions`: a build there writes nothing of the source's."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source.params_dir, root / "params")
    shutil.copytree(source.reference_dir, root / "data" / "reference")
    for region in regions:
        shipped = source.submissions_dir / region
        if shipped.is_dir():
            shutil.copytree(shipped, root / "data" / "submissions" / region)
    shutil.copytree(registry.notebooks_dir(source), root / "notebooks")
    return Project(root)


@contextmanager
def project_root(proj: Project) -> Iterator[None]:
    """Point every default-project lookup (TFLIB_ROOT) at the temporary project meanwhile."""
    before = os.environ.get("TFLIB_ROOT")
    os.environ["TFLIB_ROOT"] = str(proj.root)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TFLIB_ROOT", None)
        else:
            os.environ["TFLIB_ROOT"] = before


def ingest_shipped(params: RegionParams, proj: Project) -> float:
    """Ingest the region's shipped submissions into the project's store; the seconds it took."""
    from .ingest import ingest
    from .store import Store

    started = time.perf_counter()
    folder = proj.submissions_dir / params.id
    if folder.exists():
        results = ingest([folder], params, proj)
        bad = [r for r in results if r.outcome == "unreadable"]
        if bad:
            raise RuntimeError(f"shipped submissions could not be read: {', '.join(r.file for r in bad)}")
    with Store.create(params, proj):
        pass  # schema and plan in place, even with no submission
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# Which pages


def spread_pages(params: RegionParams, n: int) -> list[Address]:
    """`n` pages spread over the kinds: the region's pages in registry order, taken one kind
    at a time in turn."""
    by_kind: dict[str, list[Address]] = {}
    for address in registry.addresses(params):
        by_kind.setdefault(address.kind, []).append(address)
    chosen: list[Address] = []
    depth = 0
    while len(chosen) < n and any(depth < len(v) for v in by_kind.values()):
        for found in by_kind.values():
            if depth < len(found) and len(chosen) < n:
                chosen.append(found[depth])
        depth += 1
    return chosen


def groups(selection: list[Address]) -> dict[tuple[str, str], list[Address]]:
    out: dict[tuple[str, str], list[Address]] = {}
    for address in selection:
        out.setdefault((address.kind, address.lang), []).append(address)
    return out


def anchor_sample(selection: list[Address], per_group: int = ANCHOR_PER_GROUP) -> list[Address]:
    """At least `per_group` pages of every kind x language (all of a smaller group), spread
    over its members (first and last, then evenly between)."""
    chosen: list[Address] = []
    for found in groups(selection).values():
        if len(found) <= per_group:
            chosen += found
        else:
            picks = sorted({round(i * (len(found) - 1) / (per_group - 1)) for i in range(per_group)})
            chosen += [found[i] for i in picks]
    order = {a: i for i, a in enumerate(selection)}
    return sorted(chosen, key=order.__getitem__)


# ---------------------------------------------------------------------------------------------
# 1. The naive anchor


def materialise_inputs(params: RegionParams, proj: Project, selection: list[Address]) -> float:
    """What a build does before any page runs, for the anchor: read the store and the
    reference data once, write the release tables and every selected page's inputs (where
    the build writes them). The seconds it took."""
    from .inputs import RegionData, materialise, write_release

    started = time.perf_counter()
    data = RegionData(params, proj)
    work = registry.work_dir(proj, params.id)
    write_release(data, work)
    for address in selection:
        materialise(data, address, address.inputs(work))
    return time.perf_counter() - started


def _command(name: str) -> list[str]:
    """The virtualenv's own command line tool (beside this Python), else its module."""
    here = Path(sys.executable).parent / name
    return [str(here)] if here.exists() else [sys.executable, "-m", name]


@dataclass
class AnchorPage:
    address: Address
    executed: Path
    html: Path
    papermill: float
    nbconvert: float
    error: str | None = None

    @property
    def seconds(self) -> float:
        return self.papermill + self.nbconvert


def anchor_commands(address: Address, proj: Project, out_dir: Path) -> tuple[list[str], list[str], Path, Path]:
    """The two command lines a team would type for one page, and the files they write."""
    work = registry.work_dir(proj, address.region)
    notebook = registry.notebook(proj, address.kind)
    executed = out_dir / f"{address.page_id.replace('/', '_')}.ipynb"
    papermill = [*_command("papermill"), str(notebook), str(executed), "-k", KERNEL, "--cwd", str(notebook.parent)]
    for name, value in address.parameters(address.inputs(work).relative_to(proj.root)).items():
        papermill += ["-p", name, "None" if value is None else str(value)]
    nbconvert = [*_command("jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed), "--output-dir", str(out_dir)]
    return papermill, nbconvert, executed, executed.with_suffix(".html")


def run_anchor_page(address: Address, proj: Project, out_dir: Path) -> AnchorPage:
    papermill, nbconvert, executed, html = anchor_commands(address, proj, out_dir)
    env = {**os.environ, "TFLIB_ROOT": str(proj.root)}
    out_dir.mkdir(parents=True, exist_ok=True)
    timings = []
    for cmd in (papermill, nbconvert):
        started = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=proj.root)
        timings.append(time.perf_counter() - started)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["exit code " + str(done.returncode)])[-1]
            return AnchorPage(address, executed, html, timings[0], timings[1] if len(timings) > 1 else 0.0, f"{Path(cmd[0]).name}: {last}")
    return AnchorPage(address, executed, html, *timings)


@dataclass
class AnchorRun:
    pages: list[AnchorPage]
    selection: list[Address]  # every page the anchor stands for
    materialise: float
    cpu: float

    @property
    def sampled(self) -> bool:
        return len(self.pages) < len(self.selection)

    @property
    def page_seconds(self) -> float:
        """Seconds of every page of the selection: the pages run, and on a sample each
        kind x language's mean times its number of pages."""
        if not self.sampled:
            return sum(p.seconds for p in self.pages)
        ran = groups([p.address for p in self.pages])
        by_address = {p.address: p for p in self.pages}
        return sum(statistics.fmean(by_address[a].seconds for a in ran[key]) * len(found) for key, found in groups(self.selection).items())

    @property
    def seconds(self) -> float:
        return self.materialise + self.page_seconds

    @property
    def per_page(self) -> float:
        return self.seconds / len(self.selection)

    @property
    def failures(self) -> list[AnchorPage]:
        return [p for p in self.pages if p.error]


def run_anchor(params: RegionParams, proj: Project, selection: list[Address], out_dir: Path, sample: bool, out: Out) -> AnchorRun:
    cpu0 = cpu_seconds()
    seconds = materialise_inputs(params, proj, selection)
    out(f"  materialised the inputs of {len(selection)} pages in {seconds:.1f} s")
    chosen = anchor_sample(selection) if sample else selection
    done = []
    for i, address in enumerate(chosen, 1):
        page = run_anchor_page(address, proj, out_dir)
        done.append(page)
        state = f"FAILED {page.error}" if page.error else f"papermill {page.papermill:.1f} s, nbconvert {page.nbconvert:.1f} s"
        out(f"  anchor {i}/{len(chosen)} {address.page_id}: {state}")
    return AnchorRun(done, selection, seconds, cpu_seconds() - cpu0)


def code_cells(path: Path) -> list[tuple[str, list]]:
    """Each code cell's source and outputs (what a page shows), without run metadata."""
    nb = nbformat.read(path, as_version=4)
    return [(c.source, c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"]


# ---------------------------------------------------------------------------------------------
# 2-4. Builds


@dataclass
class BuildRun:
    report: object  # tflib.build.BuildReport
    wall: float
    prepare: float  # until the first page starts: reading, materialising, hashing
    pages: float  # from the first page's start to the last page's end
    publish: float  # after the last page: the site
    page_seconds: list[float]
    warm_seconds: list[float]  # pages after a worker's first (which starts its kernel)
    cpu: float
    peak_memory: int

    @property
    def pages_run(self) -> int:
        return self.report.pages_run

    @property
    def ran(self) -> list[str]:
        return list(self.report.ran)

    @property
    def publish_share(self) -> float:
        return self.publish / self.wall if self.wall else 0.0

    @property
    def warm_median(self) -> float | None:
        found = self.warm_seconds or self.page_seconds
        return statistics.median(found) if found else None


def timed_build(params: RegionParams, proj: Project, workers: int, scheduler: str | None = None, page_ids: list[str] | None = None) -> BuildRun:
    from .build import build

    marks: dict[str, float] = {}
    page_seconds: list[float] = []
    warm: list[float] = []
    kernels: set[str] = set()
    lock = threading.Lock()

    def on_start(n: int) -> None:
        marks["start"] = time.perf_counter()

    def on_done(res) -> None:
        with lock:
            marks["done"] = time.perf_counter()
            page_seconds.append(res.seconds)
            worker = threading.current_thread().name
            if worker.startswith("tflib-page-"):  # a local worker: its first page started its kernel
                if worker in kernels and not res.kernel_restarted:
                    warm.append(res.seconds)
                kernels.add(worker)

    cpu0 = cpu_seconds()
    started = time.perf_counter()
    with PeakMemory() as memory:
        report = build(params, project=proj, workers=workers, scheduler=scheduler, page_ids=page_ids, on_start=on_start, on_done=on_done)
    ended = time.perf_counter()
    first = marks.get("start", ended)
    last = marks.get("done", first)
    return BuildRun(report, ended - started, first - started, last - first, ended - last, page_seconds, warm, cpu_seconds() - cpu0, memory.peak)


@dataclass
class Submission:
    member: str
    item_id: str
    pct_complete: float
    file: Path
    ingest_seconds: float


def submit_progress(params: RegionParams, proj: Project, members: list[str], folder: Path) -> Submission:
    """One member's monthly progress file with one row: five points more on an open action
    item not yet reported on the region's date, sent as a tflib-submission/1 JSON file and
    ingested. The first of `members` with such an item sends it."""
    import polars as pl

    from .ingest import ingest
    from .tracker import progress

    for member in members:
        current = progress(params, country=member, project=proj)
        open_items = current.filter(
            (pl.col("start") <= params.as_of)
            & (pl.col("reported_on").is_null() | (pl.col("reported_on") < params.as_of))
            & (pl.col("pct_complete").is_null() | (pl.col("pct_complete") < 95))
        )
        if open_items.height:
            break
    else:
        raise RuntimeError(f"no member of {params.id} among {', '.join(members)} has an open action item to report on")
    item = open_items.row(0, named=True)
    pct = (item["pct_complete"] or 0) + 5
    doc = {
        "format": "tflib-submission/1", "kind": "progress", "country": member,
        "rows": [{"item_id": item["item_id"], "reported_on": params.as_of.isoformat(), "status": "partial", "pct_complete": pct, "illustrative": True}],
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{member}_progress_{params.as_of.isoformat()}.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    started = time.perf_counter()
    (result,) = ingest([path], params, proj)
    if result.accepted != 1:
        raise RuntimeError(f"the benchmark's submission was not accepted: {'; '.join(str(p) for p in result.problems)}")
    return Submission(member, item["item_id"], pct, path, time.perf_counter() - started)


@dataclass
class KernelRun:
    pages: int
    warm: float
    fresh: float


def compare_kernels(params: RegionParams, proj: Project, selection: list[Address], out_dir: Path, n: int = KERNEL_PAGES) -> KernelRun:
    """The same pages from the build's inputs on one warm kernel and on a fresh kernel each."""
    from .runner import Job, run_jobs

    work = registry.work_dir(proj, params.id)
    chosen = selection[:n]

    def jobs(tag: str) -> list[Job]:
        return [Job(registry.notebook(proj, a.kind), out_dir / tag / f"{a.page_id.replace('/', '_')}.ipynb", a.parameters(a.inputs(work).relative_to(proj.root)), a.page_id) for a in chosen]

    env = {"TFLIB_ROOT": str(proj.root)}
    warm = run_jobs(jobs("warm"), workers=1, warm=True, env=env)
    fresh = run_jobs(jobs("fresh"), workers=1, warm=False, env=env)
    failed = [r.job.label for r in warm.failures + fresh.failures]
    if failed:
        raise RuntimeError(f"pages failed in the kernel comparison: {', '.join(failed)}")
    return KernelRun(len(chosen), warm.seconds, fresh.seconds)


def ingest_lines(rows: int, workdir: Path) -> list[str]:
    """The ingest benchmark's own report (tflib.benchingest)."""
    try:
        from . import benchingest
    except ImportError:
        return ["ingest benchmark: not available (this tflib has no tflib.benchingest)"]
    return list(benchingest.run(rows, workdir=workdir).lines())


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class BenchResult:
    region: str
    workers: int
    selection: list[Address]
    quick: bool  # --pages: a part of the region
    anchor: AnchorRun | None
    full: BuildRun
    noop: BuildRun
    submission: Submission
    after_submission: BuildRun
    kernels: KernelRun | None
    same_outputs: list[str]  # anchor pages whose executed notebook equals tflib's
    differing_outputs: list[str]
    site_bytes: int
    site_files: int
    ingest: list[str] = field(default_factory=list)
    ingest_rows: int = 0
    service: Any = None  # tflib.service.bench.ServiceBench

    @property
    def tflib_per_page(self) -> float:
        return self.full.wall / max(1, self.full.pages_run)

    @property
    def speedup(self) -> float | None:
        return None if self.anchor is None else self.anchor.per_page / self.tflib_per_page

    @property
    def site_mb_per_page(self) -> float:
        return self.site_bytes / MB / len(self.selection)

    @property
    def noop_share(self) -> float:
        return self.noop.wall / self.full.wall

    def targets(self) -> list[tuple[str, str, bool | None]]:
        full, noop = self.full, self.noop
        median = full.warm_median
        rows = [
            (f"full build ≥ {SPEEDUP_TARGET:g}× the naive anchor per page", "not measured" if self.speedup is None else f"{self.speedup:.1f}×", None if self.speedup is None else self.speedup >= SPEEDUP_TARGET),
            (f"warm page median ≤ {WARM_MEDIAN_TARGET} s", "no page" if median is None else f"{median:.2f} s", None if median is None else median <= WARM_MEDIAN_TARGET),
            (f"publishing ≤ {PUBLISH_SHARE_TARGET:.0%} of the build's wall time", f"{full.publish_share:.0%}", full.publish_share <= PUBLISH_SHARE_TARGET),
            (f"no-op rebuild ≤ {NOOP_SHARE_TARGET:.0%} of a full build", f"{self.noop_share:.1%}", self.noop_share <= NOOP_SHARE_TARGET),
            ("no-op rebuild re-runs no page", f"{noop.pages_run} re-ran", noop.pages_run == 0),
            (f"site < {SITE_MB_TARGET} MB per page", f"{self.site_mb_per_page:.2f} MB/page", self.site_mb_per_page < SITE_MB_TARGET),
        ]
        if self.service is not None:
            rows.append(self.service.target())
        if self.anchor is not None:
            rows.append(("anchor pages equal tflib's (cell outputs)", f"{len(self.same_outputs)} of {len(self.same_outputs) + len(self.differing_outputs)}", not self.differing_outputs))
        return rows

    def lines(self) -> list[str]:
        n = len(self.selection)
        out = [""]
        if self.anchor is not None:
            a = self.anchor
            how = (
                f"{len(a.pages)} of {n} pages run ({ANCHOR_PER_GROUP} per kind × language), extrapolated per kind × language to {n}"
                if a.sampled else f"all {n} pages run, not sampled"
            )
            papermill = sum(p.papermill for p in a.pages)
            nbconvert = sum(p.nbconvert for p in a.pages)
            out += [
                "naive anchor (papermill CLI, then jupyter nbconvert --to html --no-input; one page at a time):",
                f"  {how}",
                f"  materialisation {a.materialise:.1f} s (store and reference read once, release tables and page inputs written; counted on both sides)",
                f"  papermill {papermill:.1f} s, nbconvert {nbconvert:.1f} s over {len(a.pages)} pages ({(papermill + nbconvert) / len(a.pages):.2f} s/page)",
                f"  total {a.seconds:.1f} s{' (extrapolated)' if a.sampled else ''}: {a.per_page:.2f} s/page; CPU {a.cpu:.1f} s for the pages run",
            ]
            for page in a.failures:
                out.append(f"  FAILED {page.address.page_id}: {page.error}")
            if self.differing_outputs:
                out.append(f"  outputs differ from tflib's: {', '.join(self.differing_outputs)}")
        else:
            out.append("naive anchor: not run (--no-anchor)")
        f = self.full
        median = f.warm_median
        warm_note = f"{len(f.warm_seconds)} warm pages" if f.warm_seconds else "no warm page: every page started a kernel; all pages"
        out += [
            f"tflib build from clean ({self.workers} workers), publishing included:",
            f"  {f.pages_run} pages, {len(f.report.failures)} failed; wall {f.wall:.1f} s: {self.tflib_per_page:.2f} s/page; CPU {f.cpu:.1f} s; peak memory {f.peak_memory / GIB:.2f} GiB (process tree)",
            f"  before the pages {f.prepare:.1f} s (store, release tables, page inputs, fingerprints); pages {f.pages:.1f} s; publish {f.publish:.1f} s ({f.publish_share:.0%} of wall)",
            f"  warm page median {'-' if median is None else f'{median:.2f} s'} ({warm_note}; per-page seconds of the build)",
            f"no-op rebuild: {self.noop.wall:.1f} s, pages re-ran: {self.noop.pages_run}; no-op/full {self.noop_share:.1%}",
            f"rebuild after one submission ({self.submission.member}: {self.submission.item_id} at {self.submission.pct_complete:g} %, ingested in {self.submission.ingest_seconds:.1f} s):",
            f"  {self.after_submission.wall:.1f} s (publish {self.after_submission.publish:.1f} s); pages re-ran: {self.after_submission.pages_run} ({', '.join(self.after_submission.ran) or 'none'})",
        ]
        for address, error in [*f.report.failures, *self.after_submission.report.failures]:
            out.append(f"  FAILED {address.page_id}: {error}")
        if self.service is not None:
            out += self.service.lines()
        if self.kernels is not None:
            k = self.kernels
            out.append(
                f"warm against fresh kernels ({k.pages} pages, 1 worker): warm {k.warm:.1f} s ({k.warm / k.pages:.2f} s/page), "
                f"fresh {k.fresh:.1f} s ({k.fresh / k.pages:.2f} s/page); fresh/warm {k.fresh / k.warm:.1f}×"
            )
        out.append(f"site: reports/_site/{self.region}/ holds {self.site_bytes / MB:.1f} MB in {self.site_files} files for {n} report pages: {self.site_mb_per_page:.2f} MB/page")
        if self.ingest_rows:
            out.append(f"ingest ({self.ingest_rows:,} progress rows):")
            out += [f"  {line}" for line in self.ingest]
        scope = f"quick run of {n} pages: the targets are set for the whole region" if self.quick else f"the whole region, {n} pages"
        out += ["", f"targets ({scope}):"]
        width = max(len(t[0]) for t in self.targets())
        out += [f"  {_mark(ok)} {name.ljust(width)}  {figure}" for name, figure, ok in self.targets()]
        out.append("")
        if self.anchor is not None:
            a = self.anchor
            # CPU seconds move less than wall seconds when others share the machine.
            cpu_ratio = (a.cpu / len(a.pages)) / (self.full.cpu / max(1, self.full.pages_run))
            out.append(f"CPU per page: anchor {a.cpu / len(a.pages):.2f} s (the pages run), tflib {self.full.cpu / max(1, self.full.pages_run):.2f} s: {cpu_ratio:.1f}×")
            out.append(f"anchor {a.per_page:.2f} s/page{' (sampled)' if a.sampled else ''}, tflib {self.tflib_per_page:.2f} s/page: anchor/tflib per page {self.speedup:.1f}×")
            out.append(LAST_LINE.format(self.speedup))
        else:
            out.append("speed-up over naive papermill+nbconvert: not measured (--no-anchor)")
        return out


def run(
    region: str | None = None,
    workers: int = 2,
    pages: int | None = None,
    anchor: bool = True,
    ingest_rows: int = 1_000_000,
    scheduler: str | None = None,
    source: Project | None = None,
    workdir: Path | None = None,
    out: Out = print,
) -> BenchResult:
    """The benchmark of one region (module docstring); `pages` picks that many pages spread
    over the kinds (the anchor then runs on exactly those), else the whole region. Progress
    lines go to `out` as the run goes; `BenchResult.lines()` is the report. The temporary
    project is made in `workdir` (kept) or in a temporary folder (removed)."""
    from .params import default_region

    source = source or Project.default()
    region = region or default_region(source)
    with _folder(workdir) as root:
        proj = copy_project(source, root / "project", [region])
        with project_root(proj):
            return _run(region, workers, pages, anchor, ingest_rows, scheduler, proj, root, out)


@contextmanager
def _folder(workdir: Path | None) -> Iterator[Path]:
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        yield workdir
        return
    with tempfile.TemporaryDirectory(prefix="tflib-bench-") as tmp:
        yield Path(tmp)


def _run(region: str, workers: int, n: int | None, with_anchor: bool, ingest_rows: int, scheduler: str | None, proj: Project, root: Path, out: Out) -> BenchResult:
    params = load_region(region, proj)
    selection = spread_pages(params, n) if n else registry.addresses(params)
    quick = n is not None and len(selection) < len(registry.addresses(params))
    out(f"tflib bench: region {region}, {len(selection)} pages{f' (--pages {n}, spread over kinds)' if quick else ' (the whole region)'}, {workers} workers")
    out(machine())
    out(f"temporary project: {proj.root} (copies of params, data/reference, data/submissions/{region}, notebooks)")
    seconds = ingest_shipped(params, proj)
    out(f"ingested the shipped submissions in {seconds:.1f} s (not counted: both sides start from the same store)")
    page_ids = [a.page_id for a in selection] if quick else None

    anchor_run = None
    if with_anchor:
        out("naive anchor …")
        anchor_run = run_anchor(params, proj, selection, root / "anchor", sample=n is None, out=out)
        # tflib starts from clean: no work folder, no site.
        shutil.rmtree(proj.reports_dir)

    out("tflib build from clean …")
    full = timed_build(params, proj, workers, scheduler, page_ids)
    out(f"  {full.pages_run} pages and the site in {full.wall:.1f} s")
    out("no-op rebuild …")
    noop = timed_build(params, proj, workers, scheduler, page_ids)
    work = registry.work_dir(proj, region)
    same, differ = [], []
    if anchor_run is not None:
        for page in anchor_run.pages:
            theirs, ours = page.executed, page.address.executed(work)
            if page.error is None and theirs.exists() and page.html.exists() and ours.exists() and code_cells(theirs) == code_cells(ours):
                same.append(page.address.page_id)
            else:
                differ.append(page.address.page_id)
    site_bytes, site_files = site_size(registry.site_dir(proj, region))
    out("warm against fresh kernels …")
    kernels = compare_kernels(params, proj, selection, root / "kernels")
    out("one member's submission, then a rebuild …")
    members = list(dict.fromkeys([a.member for a in selection if a.member] + list(params.region.member_codes)))
    submission = submit_progress(params, proj, members, root / "submission")
    after = timed_build(params, proj, workers, scheduler, page_ids)
    out("the submission service: one submission, then concurrent ones …")
    from .build import build
    from .service import bench as service_bench

    service = service_bench.run(params, proj, selection, lambda rid: build(params, project=proj, workers=workers, scheduler=scheduler, page_ids=page_ids), out)
    lines: list[str] = []
    if ingest_rows:
        out(f"ingest benchmark ({ingest_rows:,} rows) …")
        lines = ingest_lines(ingest_rows, root / "ingest")
    return BenchResult(region, workers, selection, quick, anchor_run, full, noop, submission, after, kernels, same, differ, site_bytes, site_files, lines, ingest_rows, service)


# ---------------------------------------------------------------------------------------------
# The scale series


@dataclass
class ScalePoint:
    economies: int
    region: str
    pages: int
    build: BuildRun
    site_bytes: int
    missing_kinds: list[str]

    @property
    def per_page(self) -> float:
        return self.build.wall / max(1, self.build.pages_run)


@dataclass
class ScaleResult:
    points: list[ScalePoint]
    lang: str
    workers: int
    ingest: list[str] = field(default_factory=list)
    ingest_rows: int = 0

    def lines(self) -> list[str]:
        base = self.points[0].per_page
        out = ["", f"scale series (scaled regions of real economies, 1 language ({self.lang}), every page kind, {self.workers} workers, from clean):"]
        for p in self.points:
            b = p.build
            failed = f", {len(b.report.failures)} failed" if b.report.failures else ""
            out.append(
                f"  {p.economies:>4} economies: {p.pages} pages{failed}; wall {b.wall:.1f} s, {p.per_page:.2f} s/page "
                f"({p.per_page / base:.2f}× the s/page at {self.points[0].economies}), publish {b.publish:.1f} s ({b.publish_share:.0%}); "
                f"peak memory {b.peak_memory / GIB:.2f} GiB ({b.peak_memory / MB / max(1, p.pages):.1f} MB/page); site {p.site_bytes / MB / max(1, p.pages):.2f} MB/page"
            )
            if p.missing_kinds:
                out.append(f"  ✗ {p.region} lacks page kinds: {', '.join(p.missing_kinds)}")
        if self.ingest_rows:
            out.append(f"ingest ({self.ingest_rows:,} progress rows):")
            out += [f"  {line}" for line in self.ingest]
        worst = max((p.per_page / base - 1 for p in self.points), key=abs)
        spread = abs(worst)
        out += ["", "targets:"]
        rows = [(f"s/page flat within ±{FLAT_TARGET:.0%} from {self.points[0].economies} to {self.points[-1].economies} economies", f"largest deviation {worst:+.0%}", spread <= FLAT_TARGET)]
        largest = next((p for p in self.points if p.economies == SCALE_ECONOMIES), None)
        if largest is not None:
            rows += [
                (f"{SCALE_ECONOMIES} economies in under {SCALE_SECONDS_TARGET // 60} min", f"{largest.build.wall / 60:.1f} min", largest.build.wall < SCALE_SECONDS_TARGET),
                (f"{SCALE_ECONOMIES} economies in under {SCALE_MEMORY_TARGET / GIB:g} GiB", f"{largest.build.peak_memory / GIB:.2f} GiB", largest.build.peak_memory < SCALE_MEMORY_TARGET),
            ]
        else:
            rows.append((f"{SCALE_ECONOMIES} economies in under {SCALE_SECONDS_TARGET // 60} min and {SCALE_MEMORY_TARGET / GIB:g} GiB", f"not measured ({SCALE_ECONOMIES} not in the series)", None))
        rows.append(("every page kind in every scaled region", "all present" if not any(p.missing_kinds for p in self.points) else "some missing", not any(p.missing_kinds for p in self.points)))
        width = max(len(r[0]) for r in rows)
        out += [f"  {_mark(ok)} {name.ljust(width)}  {figure}" for name, figure, ok in rows]
        out += ["", f"per-page time at {self.points[-1].economies} economies over {self.points[0].economies}: {self.points[-1].per_page / base:.2f}× (flat within ±{FLAT_TARGET:.0%}: {_mark(spread <= FLAT_TARGET)})"]
        return out


def check_sizes(sizes: list[int], project: Project) -> None:
    """Each size is a number of economies the reference data has (ValueError naming --scale)."""
    from .reference import doing_business, lpi

    economies = len(set(lpi(project)["iso3"].to_list()) | set(doing_business(project)["iso3"].to_list()))
    bad = [n for n in sizes if not 1 <= n <= economies]
    if not sizes or bad:
        raise ValueError(f"--scale: sizes must be between 1 and {economies} economies (the reference data's), not {', '.join(map(str, bad)) or 'none'}")


def scale(
    sizes: list[int],
    region: str | None = None,
    workers: int = 2,
    ingest_rows: int = 1_000_000,
    scheduler: str | None = None,
    source: Project | None = None,
    workdir: Path | None = None,
    out: Out = print,
) -> ScaleResult:
    """The scale series: for each size, a region of that many real economies (templated on
    `region`, in its first language) with its illustrative submissions, built from clean."""
    from . import sample
    from .ingest import ingest
    from .params import default_region

    source = source or Project.default()
    region = region or default_region(source)
    check_sizes(sizes, source)
    with _folder(workdir) as root:
        proj = copy_project(source, root / "project", [])
        with project_root(proj):
            template = load_region(region, proj)
            lang = template.languages[0]
            out(f"tflib bench --scale {','.join(map(str, sizes))}: scaled regions templated on {region}, language {lang}, {workers} workers")
            out(machine())
            out(f"temporary project: {proj.root}")
            points = []
            for n in sorted(set(sizes)):
                rid = sample.write_scaled_region(n, proj, region, template_project=proj, languages=[lang])
                params = load_region(rid, proj)
                missing = [k for k in registry.KINDS if not registry.addresses(params, kinds=[k])]
                started = time.perf_counter()
                files = sample.generate(params, sample.illustrative_dir(rid, proj))
                results = ingest(files, params, proj)
                quarantined = sum(r.quarantined for r in results)
                out(f"  {n} economies: {len(files)} illustrative files generated and ingested in {time.perf_counter() - started:.1f} s (not counted){f', {quarantined} rows quarantined' if quarantined else ''}; building …")
                built = timed_build(params, proj, workers, scheduler)
                site_bytes, _ = site_size(registry.site_dir(proj, rid))
                point = ScalePoint(n, rid, len(registry.addresses(params)), built, site_bytes, missing)
                out(f"  {n} economies: {built.pages_run} pages in {built.wall:.1f} s ({point.per_page:.2f} s/page)")
                points.append(point)
                # Keep the disk for the next size: this region's work, site and store are measured.
                shutil.rmtree(registry.work_dir(proj, rid), ignore_errors=True)
                shutil.rmtree(registry.site_dir(proj, rid), ignore_errors=True)
            lines: list[str] = []
            if ingest_rows:
                out(f"ingest benchmark ({ingest_rows:,} rows) …")
                lines = ingest_lines(ingest_rows, root / "ingest")
            return ScaleResult(points, lang, workers, lines, ingest_rows)
