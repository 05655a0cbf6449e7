"""`tflib build`: run every report page that needs it, then publish the region's site.

The pages are the registry's (`tflib.pages`): a kind for a member (or the region) in a
language. The build reads the store and the reference data once (`tflib.inputs.RegionData`),
writes the region's release tables for the site, and for each page writes exactly the tables
its kind declares into the page's inputs folder. A page's fingerprint is those tables, its
notebook and parameters, the params, the catalogs and the code (`tflib.fingerprint`); a page
runs again only when its fingerprint changed, and the build says why. Pages never open the
store: they read their inputs folder, so what was fingerprinted is all they can show.

Pages run on warm kernels (tflib.runner) or on a Dask cluster (`scheduler`); a failing page
never stops the others: the build lists failures and exits non-zero, and the site marks them.
A release is named by the digest of everything the site is made of (`release_id`) and dated
by its latest progress report (`latest_report`), never by the clock: the same inputs publish
the same site, byte for byte, wherever the pages ran.

An interrupted build (killed at any point) leaves the published site as it was and a state
the next build completes from: each page's result is recorded in the manifest as soon as the
page ends, only a page that succeeded is recorded as up to date, an executed notebook is
replaced whole (`tflib.runner.settle`), and the site is swapped in whole (`tflib.site.atomic`).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import math
import os
import re
import socket
import tarfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, fingerprint, pages
from .inputs import RegionData, materialise, write_release
from .pages import Address
from .params import RegionParams, load_region
from .paths import Project, resolve
from .runner import Job, JobResult, failed_path, run_jobs, settle
from .site.model import PageRecord, Release, Revision

MANIFEST = "manifest.json"
PUBLISHED = "published.json"
ENGINES = ("builtin", "quarto")


@dataclass
class BuildReport:
    pages_run: int = 0
    pages_skipped: int = 0
    ran: list[str] = field(default_factory=list)  # page ids run in this build
    reasons: dict[str, list[str]] = field(default_factory=dict)  # page id -> why it ran
    failures: list[tuple[Address, str]] = field(default_factory=list)
    artefact_failures: list[str] = field(default_factory=list)  # downloads, briefs, exports
    published: bool = False
    seconds: float = 0.0
    site: Path | None = None
    release: Release | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.failures or self.artefact_failures else 0


# Dask scheduler addresses: [protocol://]host:port.
SCHEDULER_ADDRESS = re.compile(r"(?:(?P<protocol>[a-z]+)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+):(?P<port>\d{1,5})")
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx")


def check_options(workers: int, timeout: float, engine: str, scheduler: str | None = None) -> None:
    """Refuse options no build can run with, before any work starts. Each message names the
    option (as `tflib build` spells it)."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"--workers must be at least 1, not {workers}")
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"--timeout must be a positive number of seconds, not {timeout}")
    if engine not in ENGINES:
        raise ValueError(f"--engine: unknown engine {engine!r} ({' or '.join(ENGINES)})")
    if scheduler is not None:
        check_scheduler(scheduler)


def check_scheduler(address: str) -> None:
    """A Dask scheduler address that parses and, over TCP, answers: an unreachable cluster is
    refused before the build ingests or hashes anything."""
    found = SCHEDULER_ADDRESS.fullmatch(address.strip())
    protocol = (found["protocol"] if found else None) or "tcp"
    if not found or protocol not in SCHEDULER_PROTOCOLS or not 0 < int(found["port"]) < 65536:
        raise ValueError(f"--scheduler: {address!r} is not a Dask scheduler address (tcp://HOST:PORT)")
    if protocol in ("tcp", "tls"):
        try:
            socket.create_connection((found["host"].strip("[]"), int(found["port"])), timeout=5).close()
        except OSError as exc:
            raise ValueError(f"--scheduler: cannot reach {address}: {exc.strerror or exc}") from None


def select_pages(params: RegionParams, kinds: list[str] | None = None, countries: list[str] | None = None, langs: list[str] | None = None) -> list[pages.Address]:
    """The pages a build is asked for. A kind, member or language the region does not have,
    or a selection with no page at all, raises ValueError naming the option."""
    if kinds is not None:
        unknown = [k for k in kinds if k not in pages.KINDS]
        if unknown:
            raise ValueError(f"--kinds: unknown page kind(s) {', '.join(map(repr, unknown))}; known: {', '.join(pages.KINDS)}")
        for name in kinds:
            if not pages.addresses(params, kinds=[name]):
                why = pages.KINDS[name].absent_why(params) or "no member has one"
                raise ValueError(f"--kinds: region {params.id} has no {name} page ({why})")
    if countries is not None:
        bad = [c for c in countries if c.upper() not in params.region.member_codes]
        if bad:
            raise ValueError(f"--countries: not members of {params.id}: {', '.join(map(repr, bad))} (members: {', '.join(params.region.member_codes)})")
    if langs is not None:
        bad = [lang for lang in langs if lang not in params.languages]
        if bad:
            raise ValueError(f"--lang: not languages of {params.id}: {', '.join(map(repr, bad))} (languages: {', '.join(params.languages)})")
    wanted = pages.addresses(params, kinds, countries, langs)
    if not wanted:
        asked = " ".join(f"{opt} {','.join(v)}" for opt, v in (("--kinds", kinds), ("--countries", countries), ("--lang", langs)) if v)
        raise ValueError(f"no page of {params.id} matches {asked}")
    return wanted


def _read_json(path: Path, default: dict) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default


def _write_json(path: Path, data: dict) -> None:
    """Replace `path` whole: a reader (or the next build, after a kill) sees old or new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # writers hold the build's lock
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# Remote pages (Dask)


def _tar(folders: dict[str, Path]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for arcname, folder in folders.items():
            tar.add(folder, arcname=arcname)
    return buf.getvalue()


# Tries of a page whose worker was lost (killed, out of memory, cut off) before it finished:
# the page is sent again, to whichever workers the cluster has then.
REMOTE_TRIES = 3
# How long a build waits for a cluster left with no worker before its remaining pages fail.
NO_WORKERS_WAIT = 60.0


@functools.cache
def _code_here() -> str:
    return fingerprint.code_digest()


def _blob(data: bytes) -> bytes:
    """The params archive as a task of its own: unlike scattered data, which is gone for good
    once the workers holding it leave, the scheduler makes it again on another worker."""
    return data


def _run_remote(params_tar: bytes, inputs_tar: bytes, notebook: bytes, notebook_name: str, parameters: dict, timeout: float, code: str | None = None) -> tuple[bool, bytes | None, str | None, float]:
    """A page job on a Dask worker: unpack the params and the page's inputs, run the page on
    a fresh kernel, return the executed notebook. The worker needs no store or reference data,
    but the build's tflib (`code`, its digest): pages made by other code are refused."""
    import tempfile

    from .runner import kernel_environment, run_one

    if code is not None and (here := _code_here()) != code:
        return False, None, f"the worker runs other tflib code than the build (tflib {__version__}, code {here[:12]}, not {code[:12]}); install the build's tflib on the workers", 0.0
    with tempfile.TemporaryDirectory(prefix="tflib-job-") as tmp:
        root = Path(tmp)
        for blob in (params_tar, inputs_tar):
            with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
                tar.extractall(root, filter="data")
        nb_path = root / "notebooks" / notebook_name
        nb_path.parent.mkdir(parents=True, exist_ok=True)
        nb_path.write_bytes(notebook)
        out = root / "out.ipynb"
        result = run_one(Job(nb_path, out, parameters), None, timeout, kernel_environment({"TFLIB_ROOT": str(root)}))
        kept = out if result.ok else failed_path(out)
        return result.ok, (kept.read_bytes() if kept.exists() else None), result.error, result.seconds


def run_on_cluster(scheduler: str | object, jobs: list[tuple[Address, Job]], params_tar: bytes, root: Path, timeout: float, on_done: Callable[[JobResult], None] | None = None) -> list[JobResult]:
    """Run page jobs on a Dask distributed cluster; each job carries its params and inputs
    (at their place relative to the project `root`, as the page's parameters name them).

    A page that fails runs no second time (its failure is the page's), but a page whose
    worker was lost is sent again, up to `REMOTE_TRIES` times in all: a build on a cluster
    whose workers come and go loses no pages; only a cluster left with no worker at all for
    `NO_WORKERS_WAIT` seconds fails the pages still to run."""
    from concurrent.futures import CancelledError

    from distributed import Client, KilledWorker, as_completed

    client = scheduler if hasattr(scheduler, "submit") else Client(scheduler)
    code = fingerprint.code_digest()
    try:
        shared = client.submit(_blob, params_tar, key=f"params-{time.time_ns()}", pure=False)
        futures: dict = {}
        tries: dict[str, int] = {}

        def send(address: Address, job: Job, inputs_tar: bytes):
            tries[address.page_id] = tries.get(address.page_id, 0) + 1
            fut = client.submit(_run_remote, shared, inputs_tar, job.notebook.read_bytes(), job.notebook.name, job.parameters, timeout, code,
                                key=f"page-{address.page_id}-{time.time_ns()}", pure=False)
            futures[fut] = (address, job, inputs_tar)
            return fut

        for address, job in jobs:
            send(address, job, _tar({job.parameters["inputs"]: root / job.parameters["inputs"]}))
        results = []
        pending = as_completed(list(futures))
        no_workers_since, checked, gave_up = None, 0.0, False
        while not pending.is_empty():
            if not pending.has_ready():
                # Lost workers' pages wait for others; with none left for long, stop waiting.
                now = time.monotonic()
                if not gave_up and now - checked >= 1.0:
                    checked = now
                    no_workers_since = None if client.nthreads() else (no_workers_since or now)
                    if no_workers_since is not None and now - no_workers_since >= NO_WORKERS_WAIT:
                        gave_up = True
                        client.cancel([f for f in futures if not f.done()])
                time.sleep(0.05)
                continue
            for fut in pending.next_batch(block=False):
                address, job, inputs_tar = futures.pop(fut)
                try:
                    ok, nb_bytes, error, seconds = fut.result()
                except (KilledWorker, CancelledError) as exc:  # the page never finished: its workers were lost
                    if gave_up:
                        ok, nb_bytes, error, seconds = False, None, f"no worker left on the cluster for {NO_WORKERS_WAIT:g} s", 0.0
                    elif tries[address.page_id] < REMOTE_TRIES:
                        pending.add(send(address, job, inputs_tar))
                        continue
                    else:
                        ok, nb_bytes, error, seconds = False, None, f"{type(exc).__name__}: {exc} (tried {tries[address.page_id]} times)", 0.0
                except Exception as exc:  # noqa: BLE001 - a page that could not run is a failed page, not a failed build
                    ok, nb_bytes, error, seconds = False, None, f"{type(exc).__name__}: {exc}", 0.0
                written = None
                if nb_bytes is not None:
                    job.output.parent.mkdir(parents=True, exist_ok=True)
                    written = job.output.with_name(f".{job.output.stem}.remote.ipynb")
                    written.write_bytes(nb_bytes)
                ok = ok and written is not None
                settle(job.output, written, ok)
                res = JobResult(job, ok, seconds, error)
                results.append(res)
                if on_done:
                    on_done(res)
        return results
    finally:
        if not hasattr(scheduler, "submit"):
            client.close()


# ---------------------------------------------------------------------------------------------
# The build


def build(
    region: str | RegionParams | None = None,
    countries: list[str] | None = None,
    kinds: list[str] | None = None,
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
    page_ids: list[str] | None = None,
) -> BuildReport:
    """Run the pages whose fingerprint changed (all with `force`), then publish the site.
    `page_ids` narrows the selection to exactly those pages (`tflib bench --pages`)."""
    started = time.perf_counter()
    check_options(workers, timeout, engine, scheduler if isinstance(scheduler, str) else None)
    proj = resolve(project)
    params = region if isinstance(region, RegionParams) else load_region(region, proj)
    wanted = select_pages(params, kinds, countries, langs)  # raises on unknown names
    if page_ids is not None:
        unknown = sorted(set(page_ids) - {a.page_id for a in wanted})
        if unknown or not page_ids:
            raise ValueError(f"pages not in the selection of {params.id}: {', '.join(unknown) or 'none given'}")
        wanted = [a for a in wanted if a.page_id in set(page_ids)]
    work = pages.work_dir(proj, params.id)
    manifest_path = work / MANIFEST
    manifest = _read_json(manifest_path, {"pages": {}, "releases": []})

    data = RegionData(params, proj)
    release_digests = write_release(data, work)
    shared = {"params": fingerprint.params_digest(params, proj), "catalogs": fingerprint.catalogs_digest(), "code": fingerprint.code_digest()}

    report = BuildReport()
    todo: list[tuple[Address, Job, dict[str, str]]] = []
    for address in wanted:
        notebook = pages.notebook(proj, address.kind)
        folder = address.inputs(work)
        tables = materialise(data, address, folder)
        parts = fingerprint.page_parts(tables, notebook, address.parameters(), **shared)
        seen = manifest["pages"].get(address.page_id, {})
        why = ["forced"] if force else fingerprint.reasons(seen.get("parts"), parts)
        if not why and not seen.get("ok"):
            why = ["failed in the previous build"]
        if not why and not address.executed(work).exists():
            why = ["executed notebook missing"]
        if not why:
            report.pages_skipped += 1
            continue
        report.reasons[address.page_id] = why
        todo.append((address, Job(notebook, address.executed(work), address.parameters(folder.relative_to(proj.root)), address.page_id), parts))

    if on_start:
        on_start(len(todo))
    by_job = {id(job): (address, parts) for address, job, parts in todo}
    lock = threading.Lock()

    def record(res: JobResult) -> None:
        # Each result is in the manifest as soon as its page ends: a build killed later
        # re-runs only the pages that had not ended (or failed), never the others.
        address, parts = by_job[id(res.job)]
        with lock:
            manifest["pages"][address.page_id] = {"parts": parts, "ok": res.ok, "error": res.error, "seconds": round(res.seconds, 2)}
            unpublished = manifest.setdefault("unpublished", [])
            if address.page_id not in unpublished:
                unpublished.append(address.page_id)
            _write_json(manifest_path, manifest)
        if on_done:
            on_done(res)

    if scheduler is not None and todo:
        params_tar = _tar({"params": proj.params_dir})
        results = run_on_cluster(scheduler, [(a, j) for a, j, _ in todo], params_tar, proj.root, timeout, record)
    else:
        results = run_jobs([j for _, j, _ in todo], workers=workers, warm=True, timeout=timeout, env={"TFLIB_ROOT": str(proj.root)}, on_done=record).results
    for res in results:
        address, parts = by_job[id(res.job)]
        report.pages_run += 1
        report.ran.append(address.page_id)
        if not res.ok:
            report.failures.append((address, res.error or "failed"))
    report.ran.sort()
    _write_json(manifest_path, manifest)

    # Every page of the region that was ever built, for the site (a narrowed build keeps the others).
    records = [_record(a, work, manifest["pages"][a.page_id]) for a in pages.addresses(params) if a.page_id in manifest["pages"]]
    site_digest = fingerprint.combine(
        {"engine": engine, "code": shared["code"], "catalogs": shared["catalogs"], "params": shared["params"],
         **{f"release:{k}": v for k, v in release_digests.items()},
         **{f"page:{r.page_id}": fingerprint.combine(manifest["pages"][r.page_id]["parts"]) + str(r.ok) for r in records}}
    )
    site_dir = pages.site_dir(proj, params.id)
    published = _read_json(work / PUBLISHED, {})
    report.site = site_dir
    if publish and (force or published.get("digest") != site_digest or not (site_dir / "index.html").exists()):
        # Pages re-run by an earlier build that was stopped before it published count too.
        release = _release(params, manifest, release_id(params, site_digest), latest_report(data), sorted(set(report.ran) | set(manifest.get("unpublished", []))), last_submission(params, proj))
        if engine == "quarto":
            from .site import quarto

            quarto.publish(params, records, proj.reports_dir / "quarto" / params.id, site_dir, release, work=work)
        else:
            from .site import builtin

            report.artefact_failures = builtin.publish(params, records, site_dir, release, work=work, project=proj, workers=workers)
        builtin_index(proj)
        manifest["unpublished"] = []
        _write_json(manifest_path, manifest)
        _write_json(work / PUBLISHED, {"digest": site_digest, "release": release.release_id})
        report.release = release
        report.published = True
    elif manifest.get("releases"):
        report.release = _release(params, manifest, None, None, [])
    report.seconds = time.perf_counter() - started
    return report


def _record(address: Address, work: Path, seen: dict) -> PageRecord:
    """The page as the site shows it. A page recorded as ok whose executed notebook is gone (a
    build stopped between a failed run and its record) is shown as failed until it runs again."""
    executed = address.executed(work)
    if seen.get("ok") and not executed.exists():
        return PageRecord(address, executed, ok=False, error="executed notebook missing: the page runs again in the next build")
    return PageRecord(address, executed, ok=bool(seen.get("ok")), error=seen.get("error"))


def builtin_index(project: Project) -> None:
    """`reports/_site/index.html`: the regions published, or straight to the only one."""
    from .site import builtin

    builtin.write_sites_index(pages.sites_dir(project), project)


def latest_report(data: RegionData) -> dt.date:
    """The date of a release: its latest progress report (on or before the data date), the
    data date when it holds none. Taken from the data, never the clock, so the same inputs
    give the same site whoever builds it and whenever."""
    reported = data.history()["reported_on"]
    latest = reported.max() if reported.len() else None
    return min(latest, data.as_of) if isinstance(latest, dt.date) else data.as_of


def last_submission(params: RegionParams, project: Project) -> dt.datetime | None:
    """When the latest real submission whose rows the release holds was received (UTC, to the
    minute): what live pages show instead of a build time, so builds stay reproducible. The
    store records it; an illustrative data set's receipt times say nothing about the data
    (they are the times it was generated or ingested), so it gives none."""
    import polars as pl

    from .store import Store, store_path

    if not store_path(params.id, project).exists():
        return None
    with Store.open(params, project, read_only=True) as store:
        log = store.submission_log()
    real = log.filter(~pl.col("illustrative") & (pl.col("rows_stored") > 0) & ~pl.col("voided"))
    if not real.height:
        return None
    return real["received_at"].max().replace(second=0, microsecond=0)


def release_id(params: RegionParams, site_digest: str) -> str:
    """`<region>-<as_of>-<digest>`: named by what it publishes (the digest of every input of
    the site), so the same inputs give the same id and any change gives another."""
    return f"{params.id}-{params.as_of.isoformat()}-{site_digest[:10]}"


def _release(params: RegionParams, manifest: dict, rid: str | None, dated: dt.date | None, changed: list[str], received: dt.datetime | None = None) -> Release:
    """The release being published as `rid` (a new entry of the revision log unless it is the
    latest one: a rebuild that changes nothing makes no release), or the latest (`rid` None)."""
    releases = manifest.setdefault("releases", [])
    if rid is not None and (not releases or releases[-1]["release_id"] != rid):
        assert dated is not None
        langs = sorted({c.split("/")[0] for c in changed})
        countries = sorted({c.split("/")[1] for c in changed})
        notes = [f"{len(changed)} page(s) re-run" + (f" ({', '.join(countries)}; {', '.join(langs)})" if changed else "")]
        releases.append({"release_id": rid, "latest_report": dated.isoformat(), "changed_pages": changed, "notes": notes,
                         **({"last_submission": received.isoformat(timespec="minutes")} if received else {})})
    entry = releases[-1]
    return Release(
        release_id=entry["release_id"],
        region=params.id,
        as_of=params.as_of,
        latest_report=dt.date.fromisoformat(_dated(entry)),
        last_submission=dt.datetime.fromisoformat(entry["last_submission"]) if entry.get("last_submission") else None,
        tflib_version=__version__,
        changed_pages=entry["changed_pages"],
        previous_release=releases[-2]["release_id"] if len(releases) > 1 else None,
        revisions=[Revision(r["release_id"], dt.date.fromisoformat(_dated(r)), tuple(r.get("changed_pages", ()))) for r in reversed(releases)],
        releases=list({r["release_id"]: (r["release_id"], dt.date.fromisoformat(_dated(r))) for r in reversed(releases)}.values()),
    )


def _dated(entry: dict) -> str:
    # An entry written by an earlier tflib has `built_on` instead.
    return entry.get("latest_report") or entry["built_on"]
