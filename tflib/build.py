"""`tflib build`: run every report page that needs it, then publish the site.

A page is one notebook (dimension) for one member (or the region) in one language. Before
running, each page's inputs are materialised: the frames it reads, filtered to what can
change it (the country's own tracker rows, plus the regional aggregates its dimension shows),
written as files and hashed together with the notebook, its parameters, the params and
reference files and the tflib code. A page re-runs only when that hash changed, so a
submission from one country re-runs that country's pages and the pages whose regional
aggregates it moved, and a no-op rebuild does almost nothing.

Pages run on warm kernels (tflib.runner) or on a Dask cluster (`scheduler`); a failing page
never stops the others: the build lists failures and exits non-zero, and the site marks them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from . import __version__, periods, scores, tracker
from .params import RegionParams, load_region
from .paths import Project, resolve
from .runner import Job, JobResult, run_jobs
from .site.model import PageRecord, Release

# Dimension key -> notebook file. Regional pages have `country = None`.
NOTEBOOKS = {
    "progress": "01_implementation.ipynb",
    "logistics": "02_logistics.ipynb",
    "sme": "03_sme.ipynb",
    "landlocked": "04_corridors.ipynb",
    "digital": "05_digital.ipynb",
    "overview": "06_regional_overview.ipynb",
    "impact": "07_impact.ipynb",
}
REGIONAL = {"overview"}
# Dimensions whose pages compare a country with the other members' indicators.
INDICATOR_DIMENSIONS = {"logistics": "logistics", "sme": "sme", "landlocked": "landlocked", "digital": "digital"}
# Dimensions whose pages also show the other members' status on the dimension's measures.
PEER_STATUS_DIMENSIONS = {"sme"}
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Page:
    dimension: str
    country: str | None
    lang: str

    @property
    def page_id(self) -> str:
        return f"{self.lang}/{self.country or 'region'}/{self.dimension}"

    def parameters(self, region: str) -> dict:
        return {"region": region, "country": self.country, "lang": self.lang}


@dataclass
class BuildReport:
    pages_run: int = 0
    pages_skipped: int = 0
    ran: list[str] = field(default_factory=list)  # page ids run in this build
    failures: list[tuple[Page, str]] = field(default_factory=list)
    seconds: float = 0.0
    site: Path | None = None
    release: Release | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0


def plan_pages(
    params: RegionParams,
    countries: list[str] | None = None,
    dimensions: list[str] | None = None,
    langs: list[str] | None = None,
    notebooks_dir: Path | None = None,
) -> list[Page]:
    """Every page of the region, optionally narrowed; only dimensions with a notebook."""
    dims = [d for d in (dimensions or list(NOTEBOOKS)) if notebooks_dir is None or (notebooks_dir / NOTEBOOKS[d]).exists()]
    unknown = sorted(set(dimensions or []) - set(NOTEBOOKS))
    if unknown:
        raise ValueError(f"unknown dimension(s) {unknown}; known: {', '.join(NOTEBOOKS)}")
    members = [c.upper() for c in (countries or params.region.member_codes)]
    bad = sorted(set(members) - set(params.region.member_codes))
    if bad:
        raise ValueError(f"not members of {params.id}: {bad}")
    languages = langs or params.languages
    bad_lang = sorted(set(languages) - set(params.languages))
    if bad_lang:
        raise ValueError(f"not languages of {params.id}: {bad_lang}")
    pages = []
    for dim in dims:
        for lang in languages:
            if dim in REGIONAL:
                pages.append(Page(dim, None, lang))
            else:
                pages.extend(Page(dim, c, lang) for c in members)
    return pages


# ---------------------------------------------------------------------------------------------
# Materialised inputs


@dataclass
class RegionData:
    """The store read once per build; pages take their slices from it."""

    params: RegionParams
    items: pl.DataFrame
    updates: pl.DataFrame
    observations: pl.DataFrame
    score_median: pl.DataFrame
    status: pl.DataFrame
    files_hash: str

    @classmethod
    def load(cls, params: RegionParams, project: Project) -> "RegionData":
        items = tracker.action_items(params, project=project)
        updates = tracker.progress(params, history=True, as_of=params.as_of, project=project)
        obs = tracker.indicators(params, project=project)
        ends = periods.month_ends(params.region.illustrative.start, params.as_of)
        series = scores.score_series(params, items, updates, ends)
        median = series.select("date", "regional_median").unique(maintain_order=True).sort("date")
        status = scores.measure_status(params, items, updates, params.as_of)
        return cls(params, items, updates, obs, median, status, _files_hash(params, project))


def _files_hash(params: RegionParams, project: Project) -> str:
    """Params of the region (all its files) and the reference data, by content."""
    digest = hashlib.sha256()
    for folder in (params.folder, project.reference_dir, project.params_dir / "indicators.yaml"):
        paths = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else ([folder] if folder.exists() else [])
        for p in paths:
            digest.update(str(p.relative_to(project.root) if p.is_relative_to(project.root) else p.name).encode())
            digest.update(p.read_bytes())
    return digest.hexdigest()


def code_hash() -> str:
    """The tflib version and the package's own source (code changes re-run pages)."""
    digest = hashlib.sha256(__version__.encode())
    root = Path(__file__).parent
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in {".py", ".po", ".j2", ".html", ".css", ".js", ".typ"} and "__pycache__" not in p.parts:
            digest.update(str(p.relative_to(root)).encode())
            digest.update(p.read_bytes())
    return digest.hexdigest()


def page_inputs(page: Page, data: RegionData) -> dict[str, pl.DataFrame]:
    """The frames `page` reads, cut to what can change it."""
    params = data.params
    if page.dimension in REGIONAL:
        return {"items": data.items, "updates": data.updates, "observations": data.observations, "status": data.status}
    own = {
        "items": data.items.filter(pl.col("country") == page.country),
        "updates": data.updates.filter(pl.col("country") == page.country),
        "observations": data.observations.filter(pl.col("country") == page.country),
    }
    if page.dimension == "progress":
        own["score_median"] = data.score_median
        return own
    if page.dimension in INDICATOR_DIMENSIONS:
        dim = INDICATOR_DIMENSIONS[page.dimension]
        ids = [i.id for i in params.indicators.indicators if i.dimension == dim]
        measures = [m.id for m in params.measures if m.dimension == dim]
        own["peer_observations"] = data.observations.filter(pl.col("indicator_id").is_in(ids))
        status = data.status.filter(pl.col("measure_id").is_in(measures))
        if page.dimension not in PEER_STATUS_DIMENSIONS:
            status = status.filter(pl.col("country") == page.country)
        own["measure_status"] = status
        return own
    return own  # impact: the country's own indicators and params


def _frame_bytes(df: pl.DataFrame) -> bytes:
    # NDJSON is a stable serialisation across library versions (parquet metadata is not)
    # and, unlike CSV, holds lists (dependencies).
    return df.write_ndjson().encode()


def materialise(page: Page, data: RegionData, folder: Path, notebook: Path) -> str:
    """Write the page's inputs to `folder` and return the page hash."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    for name, frame in sorted(page_inputs(page, data).items()):
        raw = _frame_bytes(frame)
        frame.write_parquet(folder / f"{name}.parquet")
        digest.update(name.encode())
        digest.update(hashlib.sha256(raw).digest())
    digest.update(notebook.read_bytes())
    digest.update(json.dumps(page.parameters(data.params.id), sort_keys=True).encode())
    digest.update(data.files_hash.encode())
    digest.update(code_hash().encode())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Running


def _read_manifest(path: Path) -> dict:
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"pages": {}, "releases": []}


def _bundle(params: RegionParams, project: Project) -> bytes:
    """Everything a remote worker needs to run pages without the shared store: the
    region's params, the reference data and a copy of the store, as one tar archive."""
    from .store import store_path

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(project.params_dir, arcname="params")
        tar.add(project.reference_dir.resolve(), arcname="data/reference")
        tar.add(store_path(params.id, project), arcname=f"data/store/{params.id}.duckdb")
    return buf.getvalue()


def _run_remote(bundle: bytes, notebook: bytes, notebook_name: str, parameters: dict, timeout: float) -> tuple[bool, bytes | None, str | None, float]:
    """A page job on a Dask worker: unpack the bundle, run the page cold, return the notebook."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tflib-job-") as tmp:
        root = Path(tmp)
        with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as tar:
            tar.extractall(root, filter="data")
        nb_path = root / "notebooks" / notebook_name
        nb_path.parent.mkdir(parents=True, exist_ok=True)
        nb_path.write_bytes(notebook)
        out = root / "out.ipynb"
        import os

        env = {**os.environ, "TFLIB_ROOT": str(root)}
        from .runner import run_one

        # A fresh kernel started with the job's own root (TFLIB_ROOT): nothing shared.
        result = run_one(Job(nb_path, out, parameters), None, timeout, env)
        return result.ok, (out.read_bytes() if out.exists() else None), result.error, result.seconds


def run_on_cluster(scheduler: str | object, jobs: list[tuple[Page, Job]], bundle: bytes, timeout: float, on_done: Callable[[JobResult], None] | None = None) -> list[JobResult]:
    """Run page jobs on a Dask distributed cluster; each job carries its inputs (the bundle)."""
    from distributed import Client, as_completed

    client = scheduler if hasattr(scheduler, "submit") else Client(scheduler)
    try:
        shared = client.scatter(bundle, broadcast=True)
        futures = {}
        for page, job in jobs:
            fut = client.submit(_run_remote, shared, job.notebook.read_bytes(), job.notebook.name, job.parameters, timeout, key=f"page-{page.page_id}-{time.time_ns()}", pure=False)
            futures[fut] = job
        results = []
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                ok, nb_bytes, error, seconds = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker is a failed page, not a failed build
                ok, nb_bytes, error, seconds = False, None, f"{type(exc).__name__}: {exc}", 0.0
            if nb_bytes is not None:
                job.output.parent.mkdir(parents=True, exist_ok=True)
                job.output.write_bytes(nb_bytes)
            res = JobResult(job, ok, seconds, error)
            results.append(res)
            if on_done:
                on_done(res)
        return results
    finally:
        if not hasattr(scheduler, "submit"):
            client.close()


def build(
    region: str | RegionParams = "sica",
    countries: list[str] | None = None,
    dimensions: list[str] | None = None,
    langs: list[str] | None = None,
    workers: int = 2,
    engine: str = "builtin",
    scheduler: str | object | None = None,
    project: Project | str | Path | None = None,
    timeout: float = 300,
    force: bool = False,
    publish: bool = True,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[JobResult], None] | None = None,
) -> BuildReport:
    """Run the pages whose inputs changed (all with `force`), then publish the site."""
    started = time.perf_counter()
    proj = resolve(project)
    params = region if isinstance(region, RegionParams) else load_region(region, proj)
    notebooks_dir = proj.root / "notebooks" if (proj.root / "notebooks").exists() else Path(__file__).resolve().parent.parent / "notebooks"
    pages = plan_pages(params, countries, dimensions, langs, notebooks_dir)
    work = proj.reports_dir / "work" / params.id
    manifest_path = work / MANIFEST
    manifest = _read_manifest(manifest_path)
    data = RegionData.load(params, proj)

    todo: list[tuple[Page, Job, str]] = []
    report = BuildReport()
    for page in pages:
        nb = notebooks_dir / NOTEBOOKS[page.dimension]
        out = work / "pages" / page.lang / (page.country or "region") / f"{page.dimension}.ipynb"
        page_hash = materialise(page, data, work / "inputs" / page.lang / (page.country or "region") / page.dimension, nb)
        seen = manifest["pages"].get(page.page_id, {})
        if not force and seen.get("hash") == page_hash and seen.get("ok") and out.exists():
            report.pages_skipped += 1
            continue
        todo.append((page, Job(nb, out, page.parameters(params.id), page.page_id), page_hash))

    if on_start:
        on_start(len(todo))
    by_job = {id(job): (page, h) for page, job, h in todo}
    if scheduler is not None and todo:
        results = run_on_cluster(scheduler, [(p, j) for p, j, _ in todo], _bundle(params, proj), timeout, on_done)
    else:
        results = run_jobs([j for _, j, _ in todo], workers=workers, warm=True, timeout=timeout, env={"TFLIB_ROOT": str(proj.root)}, on_done=on_done).results
    for res in results:
        page, page_hash = by_job[id(res.job)]
        report.pages_run += 1
        report.ran.append(page.page_id)
        manifest["pages"][page.page_id] = {"hash": page_hash, "ok": res.ok, "error": res.error, "seconds": round(res.seconds, 2)}
        if not res.ok:
            report.failures.append((page, res.error or "failed"))
    # Failed pages are never skipped (see above), so every failure is in this run's list.
    changed = sorted(p.page_id for p, _, _ in todo)
    work.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")

    published = work / "published.json"
    stamp = {"engine": engine, "release": (manifest.get("releases") or [{}])[-1].get("release_id"), "pages": sorted(manifest["pages"])}
    site_dir = proj.reports_dir / "_site"
    if publish and not changed and not force and (site_dir / "index.html").exists() and published.exists() and json.loads(published.read_text()) == stamp:
        publish = False  # nothing changed since the site was last published: leave it be
        report.site = site_dir
        report.release = _release(params, manifest, changed, manifest_path)
    if publish:
        release = _release(params, manifest, changed, manifest_path)
        records = [
            PageRecord(
                dimension=p.dimension,
                country=p.country,
                lang=p.lang,
                notebook=work / "pages" / p.lang / (p.country or "region") / f"{p.dimension}.ipynb",
                ok=bool(manifest["pages"].get(p.page_id, {}).get("ok")),
                error=manifest["pages"].get(p.page_id, {}).get("error"),
                inputs=work / "inputs" / p.lang / (p.country or "region") / p.dimension,
            )
            for p in plan_pages(params, None, None, None, notebooks_dir)
            if p.page_id in manifest["pages"]
        ]
        if engine == "quarto":
            from .site import quarto

            report.site = quarto.publish(params, records, proj.reports_dir / "quarto" / params.id, site_dir, release)
        elif engine == "builtin":
            from .site import builtin

            report.site = builtin.publish(params, records, site_dir, release, project=proj, cache_dir=work / "cache")
        else:
            raise ValueError(f"unknown engine {engine!r} (builtin or quarto)")
        report.release = release
        manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        stamp["release"] = release.release_id
        published.write_text(json.dumps(stamp), encoding="utf-8")
    report.seconds = time.perf_counter() - started
    return report


def _release(params: RegionParams, manifest: dict, changed: list[str], manifest_path: Path) -> Release:
    releases = manifest.setdefault("releases", [])
    if changed or not releases:
        number = len(releases) + 1
        rid = f"{params.id}-{params.as_of.isoformat()}-r{number}"
        langs = sorted({c.split("/")[0] for c in changed})
        countries = sorted({c.split("/")[1] for c in changed})
        notes = [f"{len(changed)} page(s) re-run" + (f" ({', '.join(countries)}; {', '.join(langs)})" if changed else "")]
        releases.append({"release_id": rid, "built_on": dt.date.today().isoformat(), "changed_pages": changed, "notes": notes})
    entry = releases[-1]
    return Release(
        release_id=entry["release_id"],
        region=params.id,
        as_of=params.as_of,
        built_on=dt.date.fromisoformat(entry["built_on"]),
        tflib_version=__version__,
        changed_pages=entry["changed_pages"],
        previous_release=releases[-2]["release_id"] if len(releases) > 1 else None,
        # Newest first: "sica-2026-09-30-r3 (2026-11-28): 4 page(s) re-run (CRI; es)".
        changes=[f"{r['release_id']} ({r['built_on']}): " + "; ".join(r["notes"]) for r in reversed(releases)],
    )
