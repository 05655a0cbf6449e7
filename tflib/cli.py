"""The `tflib` command line: a thin layer over the library's functions."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Annotated, NoReturn

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import ingest as ingest_mod
from . import sample, tracker
from .params import ParamsError, available_regions, default_region, load_region
from .paths import resolve
from .store import Store, StoreBusy, StoreSchemaError, store_path

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Trade Facilitation Reform Tracker.")
# soft_wrap: never break lines (problem lines must stay one `file:row:column: rule: message` each).
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

RegionOpt = Annotated[
    str | None,
    typer.Option("--region", "-r", help="Region id (a folder under params/regions/); default: $TFLIB_REGION, else params/project.yaml's default_region."),
]


def _refuse(option: str, message: str) -> NoReturn:
    """A bad option: say which and why, exit 2 before any work (no traceback)."""
    err_console.print(f"{option}: {message}", markup=False, highlight=False)
    raise typer.Exit(2)


def _region_id(region: str | None) -> str:
    """The region named on the command line, else the project's default (one line, exit 2
    when there is none)."""
    if region is not None:
        return region
    try:
        return default_region()
    except ParamsError as exc:
        _bad_input(exc)


def _params(region: str | None):
    """The region's validated params (exit 2 naming the problem), without touching its store."""
    region = _region_id(region)
    known = available_regions()
    if region not in known:  # only a folder listed there: a region id never names a path
        _refuse("--region", f"no region {region!r} (known: {', '.join(known) or 'none'})")
    try:
        return load_region(region)
    except ParamsError as exc:
        err_console.print(f"[red]params error[/red]\n{escape(str(exc))}", markup=True, highlight=False)
        raise typer.Exit(2) from None


def _load(region: str | None):
    params = _params(region)
    # An ingest killed half-way is completed or undone before anything reads the store.
    try:
        for line in ingest_mod.recover(params):
            err_console.print(line, markup=False, highlight=False)
    except StoreBusy as exc:
        busy_exit(exc)
    return params


def _names(values: str | list[str] | None) -> list[str] | None:
    """Names given comma-separated, in one option or repeated ones ("A,B" or --x A --x B);
    None when none is given."""
    items = [values] if isinstance(values, str) else values or []
    return [v.strip() for item in items for v in item.split(",") if v.strip()] or None


def _language(params, lang: str | None) -> str:
    if lang is None:
        return params.region.default_language
    if lang not in params.languages:
        _refuse("--lang", f"{lang!r} is not a language of {params.id} ({', '.join(params.languages)})")
    return lang


FORMATS = ("table", "json")


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        _refuse("--format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    return fmt


def busy_exit(exc: StoreBusy) -> NoReturn:
    """The store stayed busy (another writer) for longer than the command waits: one line, exit 3."""
    err_console.print(str(exc), markup=False, highlight=False)
    raise typer.Exit(3) from None


@app.command()
def info(region: RegionOpt = None) -> None:
    """Members (with party status) and row counts per table."""
    params = _load(region)
    # Read-only when the store exists, so `info` can run beside notebooks reading it.
    try:
        try:
            store = Store.open(params, read_only=True) if store_path(params.id).exists() else Store.create(params)
        except StoreSchemaError as exc:
            if not exc.older:
                err_console.print(str(exc), markup=False, highlight=False)
                raise typer.Exit(2) from None
            store = Store.create(params)  # an older schema: preparing it for writing upgrades it
    except StoreBusy as exc:
        busy_exit(exc)
    with store:
        counts = store.counts()
    members = tracker.members(params)
    table = Table(title=f"{params.text(params.region.name, 'en')} — members", show_lines=False)
    for col in ("ISO3", "Name", "Party", "Language"):
        table.add_column(col)
    for m in members.iter_rows(named=True):
        table.add_row(m["iso3"], m["name"], "party" if m["party"] else "tracked, not scored", m["language"])
    console.print(table)
    console.print(
        f"as of {params.as_of.isoformat()} · languages {', '.join(params.languages)} · "
        f"comparators {', '.join(params.region.comparators) or 'none'}"
    )
    ctable = Table(title="Store")
    ctable.add_column("table")
    ctable.add_column("rows", justify="right")
    for name, n in counts.items():
        ctable.add_row(name, f"{n:,}")
    console.print(ctable)


def _print_results(results: list[ingest_mod.IngestResult], verbose: bool = True) -> int:
    worst = 0
    for res in results:
        worst = max(worst, res.exit_code)
        if verbose or res.exit_code:
            for p in res.problems:
                err_console.print(str(p), markup=False, highlight=False)
    total_in = sum(r.rows_in for r in results)
    acc = sum(r.accepted for r in results)
    ins = sum(r.inserted for r in results)
    quar = sum(r.quarantined for r in results)
    unreadable = sum(r.outcome == "unreadable" for r in results)
    again = sum(r.outcome == "already_ingested" for r in results)
    console.print(
        f"{len(results)} file(s): rows in {total_in:,} = accepted {acc:,} + quarantined {quar:,}; "
        f"{ins:,} new rows stored; {again} already ingested; {unreadable} unreadable"
    )
    for res in results:
        if res.quarantine_path:
            console.print(f"  quarantine: {res.quarantine_path}", markup=False, highlight=False)
    return worst


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Submission files (CSV, TSV, XLSX, JSON) or folders of them.")],
    region: RegionOpt = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for another writer of the store (exit 3 after that).")] = 120.0,
    number_locale: Annotated[str | None, typer.Option(help="How these files write numbers: decimal_point or decimal_comma (overrides params).")] = None,
    date_order: Annotated[str | None, typer.Option(help="How these files write d/m dates: dmy or mdy (overrides params).")] = None,
    percent_scale: Annotated[str | None, typer.Option(help="Percentages written as percent (45) or fraction (0.45) (overrides params).")] = None,
) -> None:
    """Validate and store submissions; quarantine bad rows; archive raw files.

    Exit 0 when every row was accepted, 1 when any was quarantined (or part of a file was not
    read), 2 when a file could not be read, 3 when the store stayed busy for --wait seconds.
    """
    from .cells import declared

    if wait < 0:
        err_console.print(f"--wait: {wait:g} is negative; give seconds (0 or more)", markup=False)
        raise typer.Exit(2)
    try:
        conventions = declared("the command line", number_locale=number_locale, date_order=date_order, percent_scale=percent_scale)
    except ValueError as exc:
        err_console.print(str(exc), markup=False)
        raise typer.Exit(2) from None
    params = _load(region)
    try:
        results = ingest_mod.ingest(files, params, conventions=conventions, wait=wait)
    except StoreBusy as exc:
        busy_exit(exc)
    raise typer.Exit(_print_results(results))


@app.command()
def generate(
    region: RegionOpt = None,
    seed: Annotated[int | None, typer.Option(help="Override the seed in params.")] = None,
) -> None:
    """Write the ILLUSTRATIVE submission files of a region (seeded, reproducible)."""
    params = _load(region)
    files = sample.generate_region(params.id, seed=seed)
    out = sample.illustrative_dir(params.id)
    console.print(f"wrote {len(files)} illustrative submission files to {out}")


@app.command()
def build(
    region: RegionOpt = None,
    countries: Annotated[list[str] | None, typer.Option("--countries", help="ISO3 codes (repeat or comma-separate).")] = None,
    kinds: Annotated[list[str] | None, typer.Option("--kinds", help="Page kinds (tflib.pages): progress, logistics, sme, corridors, digital, overview, impact.")] = None,
    lang: Annotated[list[str] | None, typer.Option("--lang", help="Languages (default: all of the region's).")] = None,
    workers: Annotated[int, typer.Option(help="Warm kernels running pages in parallel.")] = 2,
    engine: Annotated[str, typer.Option(help="Site engine: builtin (offline, default) or quarto.")] = "builtin",
    scheduler: Annotated[str | None, typer.Option(help="Run pages on a Dask cluster: tcp://HOST:PORT.")] = None,
    force: Annotated[bool, typer.Option(help="Re-run every page even if its inputs did not change.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds a page's cell may run.")] = 300,
) -> None:
    """Ingest the shipped submissions, run the report pages whose inputs changed, publish the site.

    Exit 0 when every page ran (or was unchanged), 1 when any page failed (the others are
    still published and the failed ones marked), 2 on a setup error.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import build as build_mod

    started = time.perf_counter()
    params = _load(region)
    split = _names
    # Options are checked before any ingest or hashing.
    try:
        build_mod.check_options(workers, timeout, engine, scheduler)
        build_mod.select_pages(params, split(kinds), split(countries), split(lang))
    except ValueError as exc:
        err_console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from None
    # Everything a build needs from params, checked before any work (`tflib region check`).
    from . import regiontools

    problems = regiontools.check(params.id, reference_notes=False).problems
    if problems:
        for line in problems:
            err_console.print(line, markup=False, highlight=False)
        err_console.print(f"{params.id}: {len(problems)} problem(s) in params; nothing built (tflib region check {params.id})", markup=False, highlight=False)
        raise typer.Exit(2)
    if engine == "quarto":
        from .site import quarto

        problem = quarto.missing_quarto()
        if problem:
            err_console.print(problem, markup=False)
            raise typer.Exit(2)
    folder = resolve(None).submissions_dir / params.id
    if folder.exists():
        results = ingest_mod.ingest([folder], params)
        _print_results(results, verbose=False)
    with Store.create(params):
        pass  # schema and plan in place, even with no submission yet
    log_path = resolve(None).reports_dir / "work" / params.id / "build.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=False) as progress, log_path.open("a", encoding="utf-8") as log:
        task = progress.add_task("pages", total=None)

        def on_start(n: int) -> None:
            progress.update(task, total=n)

        def on_done(res) -> None:
            progress.advance(task)
            line = f"{dt.datetime.now().isoformat(timespec='seconds')} {res.job.label} {'ok' if res.ok else 'FAILED'} {res.seconds:.1f}s" + (f" {res.error}" if res.error else "")
            log.write(line + "\n")
            if not res.ok:
                progress.console.print(f"[red]failed[/red] {res.job.label}: {res.error}", highlight=False)

        try:
            report = build_mod.build(
                params,
                countries=split(countries),
                kinds=split(kinds),
                langs=split(lang),
                workers=workers,
                engine=engine,
                scheduler=scheduler,
                force=force,
                timeout=timeout,
                on_start=on_start,
                on_done=on_done,
            )
        except ValueError as exc:
            err_console.print(str(exc), markup=False)
            raise typer.Exit(2) from None
    console.print(
        f"pages run {report.pages_run}, skipped (unchanged) {report.pages_skipped}, failed {len(report.failures)}; "
        f"wall time {time.perf_counter() - started:.1f} s",
        markup=False,
    )
    for page_id in report.ran:
        console.print(f"  re-ran {page_id}: {'; '.join(report.reasons.get(page_id, []))}", markup=False, highlight=False)
    for address, error in report.failures:
        console.print(f"  FAILED {address.page_id}: {error}", markup=False, highlight=False)
    for failure in report.artefact_failures:
        console.print(f"  FAILED to write {failure}", markup=False, highlight=False)
    if report.published:
        console.print(f"site: {report.site / 'index.html'} (release {report.release.release_id})", markup=False)
        console.print("open it from disk, or serve it (search needs serving): tflib serve", markup=False)
    else:
        release = f" (release {report.release.release_id})" if report.release else ""
        console.print(f"nothing changed: the site at {report.site / 'index.html'} was not republished{release}", markup=False)
    raise typer.Exit(report.exit_code)


@app.command()
def bench(
    region: RegionOpt = None,
    workers: Annotated[int, typer.Option(help="Warm kernels running pages in parallel (tflib's side).")] = 2,
    pages: Annotated[int | None, typer.Option("--pages", help="A quick run: this many pages spread over the kinds (the anchor runs on exactly those).")] = None,
    scale: Annotated[str | None, typer.Option("--scale", help="The scale series instead: region sizes in economies, e.g. 8,40,164.")] = None,
    ingest_rows: Annotated[int, typer.Option("--ingest-rows", help="Progress rows of the ingest benchmark (0: skip it).")] = 1_000_000,
    anchor: Annotated[bool, typer.Option("--anchor/--no-anchor", help="Time the naive papermill + nbconvert loop beside tflib.")] = True,
    scheduler: Annotated[str | None, typer.Option(help="Run tflib's pages on a Dask cluster: tcp://HOST:PORT.")] = None,
) -> None:
    """Time the naive papermill + nbconvert loop, a build from clean, a no-op rebuild and a
    rebuild after one submission, side by side on the same inputs, in a temporary copy of the
    project (your reports and store are not touched). The last line reads
    `speed-up over naive papermill+nbconvert: X.Y×`."""
    from . import bench as bench_mod
    from . import build as build_mod

    name = _region_id(region)
    known = available_regions()
    if name not in known:
        _refuse("--region", f"no region {name!r} (known: {', '.join(known) or 'none'})")
    try:
        build_mod.check_options(workers, 300, "builtin", scheduler)
    except ValueError as exc:
        err_console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from None
    if pages is not None and pages < 1:
        _refuse("--pages", f"must be at least 1, not {pages}")
    if ingest_rows < 0:
        _refuse("--ingest-rows", f"must be 0 (skip) or more, not {ingest_rows}")
    sizes = None
    if scale is not None:
        try:
            sizes = [int(v) for v in scale.split(",") if v.strip()]
        except ValueError:
            _refuse("--scale", f"{scale!r} is not a comma-separated list of economy counts (8,40,164)")
        if not sizes or min(sizes) < 1:
            _refuse("--scale", f"{scale!r}: give one or more economy counts of at least 1 (8,40,164)")
        if pages is not None:
            _refuse("--scale", "runs the scale series; it does not take --pages")
    say = lambda line: console.print(line, markup=False, highlight=False)  # noqa: E731
    if sizes is not None:
        try:
            bench_mod.check_sizes(sizes, resolve(None))
        except ValueError as exc:
            err_console.print(str(exc), markup=False, highlight=False)
            raise typer.Exit(2) from None
        result = bench_mod.scale(sizes, name, workers=workers, ingest_rows=ingest_rows, scheduler=scheduler, out=say)
    else:
        result = bench_mod.run(name, workers=workers, pages=pages, anchor=anchor, ingest_rows=ingest_rows, scheduler=scheduler, out=say)
    for line in result.lines():
        say(line)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port (1-65535).", min=1, max=65535)] = 8000,
    site: Annotated[Path | None, typer.Option(help="Site folder (default reports/_site: every region).")] = None,
    collect: Annotated[bool, typer.Option("--collect", help="Also run the submission service: the API under /api/v1 and the upload page under /collect/.")] = False,
    host: Annotated[str, typer.Option(help="Address to bind (with --collect). Keep 127.0.0.1 behind a TLS reverse proxy: see README, Collecting submissions.")] = "127.0.0.1",
    max_bytes: Annotated[int, typer.Option(help="Largest request accepted, in bytes (with --collect; never above the region's max_submission_bytes).", min=1)] = 16 * 1024 * 1024,
    rate: Annotated[int, typer.Option(help="Requests per minute per token (with --collect).", min=1)] = 60,
    rebuild: Annotated[bool, typer.Option(help="Rebuild the pages an accepted submission changes, then publish (with --collect).")] = True,
    debounce: Annotated[float, typer.Option(help="Seconds to wait after a submission for more before rebuilding (with --collect).", min=0)] = 0.5,
    countries: Annotated[str | None, typer.Option("--countries", help="Live rebuilds only of these members' pages (comma-separated ISO3; with --collect).")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Live rebuilds only of the pages in these languages (comma-separated; with --collect).")] = None,
) -> None:
    """Serve the published site on http://127.0.0.1:PORT; with --collect, the submission
    service too (one app: site, API, upload page)."""
    from .pages import sites_dir
    from .site.serve import make_server
    from .site.serve import serve as serve_site

    proj = resolve(None)
    folder = site or sites_dir(proj)
    if not collect:
        if host != "127.0.0.1":
            _refuse("--host", "the static server binds 127.0.0.1 only; the submission service (--collect) takes --host")
        if not (folder / "index.html").exists():
            _refuse("--site", f"no site at {folder}; run `tflib build` first")
        try:
            make_server(folder, port).server_close()  # the port is free and ours to bind
        except OSError as exc:
            _refuse("--port", f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}")
        console.print(f"serving {folder} on http://127.0.0.1:{port}/ (Ctrl-C to stop)", markup=False)
        serve_site(folder, port)
        return
    import uvicorn

    from .service.app import Limits, create_app
    from .service.rebuild import Rebuilder

    rebuilder = Rebuilder(proj, debounce=debounce, countries=_names(countries), langs=_names(lang)) if rebuild else None
    application = create_app(proj, Limits(max_bytes=max_bytes, per_minute=rate), site=folder, rebuilder=rebuilder)
    console.print(f"serving {folder} and the submission service on http://{host}:{port}/ (API: /api/v1, upload page: /collect/; Ctrl-C to stop)", markup=False)
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False, server_header=False)


@app.command()
def publish(
    region: RegionOpt = None,
    approve: Annotated[bool, typer.Option("--approve", help="Approve the staged submissions (all, or those given with --submission): store them, then build and publish.")] = False,
    submission: Annotated[list[str] | None, typer.Option("--submission", help="A staged submission (sha256 or a unique prefix); repeat for several.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who approves (default: the operating-system user).")] = None,
    build_site: Annotated[bool, typer.Option("--build/--no-build", help="After approving, rebuild the pages that changed and publish.")] = True,
) -> None:
    """Review mode (`publish: review` in region.yaml): show what the staged submissions would
    change; with --approve, store and publish them (the audit log records who approved)."""
    import getpass

    from .service.review import approve as approve_staged
    from .service.review import changes, staged

    params = _load(region)
    proj = resolve(None)
    queue = staged(proj, params.id)
    if submission:
        queue = [s for s in queue if any(s.submission.startswith(p.lower()) for p in submission)]
    if not queue:
        console.print(f"{params.id}: no staged submission{' matches --submission' if submission else ''} (publish: {params.region.publish})", markup=False)
        if submission and approve:
            raise typer.Exit(2)
        return
    table = Table("submission", "by", "kind", "country", "what", "date", "before", "after", title=f"{params.id}: what approving would change")
    for row in changes(proj, params, queue).iter_rows():
        table.add_row(*[str(v) for v in row])
    console.print(table)
    if not approve:
        console.print(f"{len(queue)} staged submission(s); approve with: tflib publish --region {params.id} --approve", markup=False)
        return
    who = by or getpass.getuser()
    try:
        done = approve_staged(proj, params, who, [s.submission for s in queue])
    except ValueError as exc:
        _bad_input(exc)
    for record in done:
        console.print(f"approved {record['submission'][:12]} ({record['file']}, sent by {record['sent_by']}) by {who}: {record['outcome']}, {record['inserted']} new row(s)", markup=False)
    if build_site and any(r["inserted"] for r in done):
        from .build import build as run_build

        report = run_build(params, project=proj)
        console.print(f"published {report.release.release_id if report.release else params.id}: {len(report.ran)} page(s) re-ran", markup=False)


@app.command()
def watch(
    region: RegionOpt = None,
    folder: Annotated[Path | None, typer.Option(help="The folder to watch (default data/submissions/<region>/inbox).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Rebuild the pages that changed after each accepted file, then publish.")] = True,
) -> None:
    """Watch a folder for submission files: ingest each as `tflib ingest` does, then rebuild
    and publish the pages it changed (Ctrl-C stops)."""
    from .service.rebuild import Rebuilder
    from .service.watch import watch as watch_folder

    params = _load(region)
    proj = resolve(None)
    where = folder or proj.submissions_dir / params.id / "inbox"
    rebuilder = Rebuilder(proj) if rebuild else None
    console.print(f"watching {where} for {params.id} submissions (Ctrl-C stops)", markup=False)

    def report(results) -> None:
        _print_results(results, verbose=True)

    try:
        watch_folder(params, proj, where, rebuilder=rebuilder, on_results=report)
    except KeyboardInterrupt:
        pass
    finally:
        if rebuilder is not None:
            rebuilder.wait_idle(timeout=600)
            rebuilder.stop()


# -- token: access to the submission service --------------------------------------------------

token_app = typer.Typer(no_args_is_help=True, help="Tokens of the submission service: create, list, revoke.")
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    region: RegionOpt = None,
    country: Annotated[str | None, typer.Option("--country", help="The member this token submits and reads for (ISO3).")] = None,
    role: Annotated[str, typer.Option("--role", help="country, or secretariat (reads every country).")] = "country",
    label: Annotated[str | None, typer.Option("--label", help="Who holds it (kept with the token, shown by `token list`).")] = None,
) -> None:
    """Issue a token. It is printed once: only its argon2 hash is kept."""
    from .service.access import TokenError, Tokens

    params = _params(region)  # tokens live outside the store
    if role not in ("country", "secretariat"):
        _refuse("--role", f"{role!r}: give country or secretariat")
    code = country.upper() if country else None
    if code is not None and code not in params.region.member_codes:
        _refuse("--country", f"{country!r} is not a member of {params.id} ({', '.join(params.region.member_codes)})")
    try:
        token, grant = Tokens(resolve(None), params.id).create(role, code, label)  # type: ignore[arg-type]
    except TokenError as exc:
        _refuse("--role" if role == "secretariat" else "--country", str(exc))
    err_console.print(f"token {grant.token_id} for {grant.who} in {params.id}: shown once, keep it safe", markup=False)
    print(token)


@token_app.command("list")
def token_list(region: RegionOpt = None, fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table") -> None:
    """The region's tokens (never the tokens themselves): id, holder, created, revoked."""
    from dataclasses import asdict

    from .service.access import Tokens

    params = _params(region)  # tokens live outside the store
    grants = Tokens(resolve(None), params.id).list()
    if _format(fmt) == "json":
        print(json.dumps([asdict(g) for g in grants], ensure_ascii=False, indent=1))
        return
    table = Table("id", "role", "country", "label", "created", "revoked")
    for g in grants:
        table.add_row(g.token_id, g.role, g.country or "", g.label or "", g.created_at, g.revoked_at or "")
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(help="The token's id (see `tflib token list`).")], region: RegionOpt = None) -> None:
    """Revoke a token: the service refuses it from the next request on."""
    from .service.access import TokenError, Tokens

    params = _params(region)  # tokens live outside the store
    try:
        grant = Tokens(resolve(None), params.id).revoke(token_id)
    except TokenError as exc:
        _bad_input(exc)
    console.print(f"revoked {grant.token_id} ({grant.who}) at {grant.revoked_at}", markup=False)


@app.command()
def screens(
    region: RegionOpt = None,
    kinds: Annotated[list[str] | None, typer.Option("--kinds", help="Page kinds: home, country, progress, ..., methods, cite, changes, search (default: every kind the site has).")] = None,
    lang: Annotated[list[str] | None, typer.Option("--lang", help="Languages (default: all of the region's).")] = None,
) -> None:
    """Screenshot one page of each kind of the built site, full page, at 1300 and 390 px wide,
    in each language: reports/screens/<region>/<lang>/<kind>-<width>.png (Debian's chromium)."""
    from . import screens as screens_mod

    params = _params(region)  # the built site is read, never the store
    split = _names
    langs = split(lang)
    for code in langs or []:
        _language(params, code)
    try:
        site = screens_mod.built_site(params)
        if not screens_mod.sample_pages(params, site, langs, split(kinds)):
            _refuse("--kinds", f"the site at {site} has no page of those kinds")
    except screens_mod.ScreensError as exc:
        err_console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from None
    except ValueError as exc:
        _refuse("--kinds", str(exc))

    def said(path: Path, shot) -> None:
        notes = shot.notes()
        note = f"  ({'; '.join(notes)})" if notes else ""
        console.print(f"{path}  {shot.sample.path} at {shot.width} px{note}", markup=False, highlight=False)

    try:
        files = screens_mod.take(params, langs=langs, kinds=split(kinds), on_file=said)
    except screens_mod.ScreensError as exc:
        err_console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from None
    console.print(f"{len(files)} screenshot(s) in {screens_mod.screens_dir(params)}", markup=False, highlight=False)


def _date_opt(value: str | None, option: str = "--as-of") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _refuse(option, f"{value!r} is not a date (YYYY-MM-DD)")


AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default: the region's as_of.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Language of messages; default: the region's first.")]


def _emit_json(frame) -> None:
    typer.echo(json.dumps(frame.to_dicts(), default=str, ensure_ascii=False, indent=2))


@app.command()
def plan(
    region: RegionOpt = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for work plans, templates and the regional CSV.")] = Path("reports/plans"),
    replan_: Annotated[bool, typer.Option("--replan", help="Reschedule remaining steps from recorded progress.")] = False,
    as_of: AsOfOpt = None,
) -> None:
    """Write per-member work plans and submission templates (XLSX) and the regional item list.

    With --replan, remaining steps are rescheduled from recorded progress (ids kept) and the
    moves are reported and recorded in the store.
    """
    from . import monitor, workbook
    from .plan import replan

    params = _load(region)
    when = _date_opt(as_of) or params.as_of
    if out.exists() and not out.is_dir():
        _refuse("--out", f"{out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _refuse("--out", f"cannot make the folder {out}: {exc.strerror or exc}")
    with Store.create(params):
        pass  # make sure the store and the plan exist
    items = tracker.action_items(params)
    updates = tracker.progress(params, history=True, as_of=when)
    status = monitor.item_status(items, updates, when, params.region.stall_days)
    if replan_:
        items, moves = replan(items, status, when)
        with Store.create(params) as store:
            store.add_revisions(moves, when)
        _print_moves(moves, params)
        status = monitor.item_status(items, updates, when, params.region.stall_days)
    infeasible = items.filter(~items["feasible"]).select("country", "measure_id").unique(maintain_order=True).sort("country", "measure_id")
    written = workbook.write_plan_outputs(params, items, out, status=status)
    n_files = sum(len(v) for v in written.values())
    console.print(f"{items.height:,} action items for {len(params.countries)} members; wrote {n_files} files to {out}", markup=False)
    if infeasible.height:
        console.print(f"[yellow]{infeasible.height} country x measure plans cannot meet the regional deadline:[/yellow]")
        for c, m in infeasible.iter_rows():
            console.print(f"  {c} {m}", markup=False)


def _print_moves(moves, params) -> None:
    if moves.is_empty():
        console.print("replan: nothing moved")
        return
    later = moves.filter(moves["shift_days"] > 0).height
    console.print(f"replan: {moves.height} items moved ({later} later, {moves.height - later} earlier)")
    table = Table(title="Largest moves")
    for col in ("item", "old due", "new due", "shift (days)", "why"):
        table.add_column(col)
    for r in moves.head(15).iter_rows(named=True):
        table.add_row(r["item_id"], str(r["old_due"]), str(r["new_due"]), f"{r['shift_days']:+d}", r["reason"])
    console.print(table)


@app.command()
def warnings(
    region: RegionOpt = None,
    country: Annotated[str | None, typer.Option("--country", help="ISO3 of one member.")] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
    lang: LangOpt = None,
) -> None:
    """Early warnings: overdue, at risk, stalled, missing submissions, indicator regressions."""
    from . import monitor

    params = _load(region)
    if country is not None and country.upper() not in params.region.member_codes:
        _refuse("--country", f"{country!r} is not a member of {params.id} ({', '.join(params.region.member_codes)})")
    lang = _language(params, lang)
    fmt = _format(fmt)
    when = _date_opt(as_of)
    found = monitor.warnings_for_region(params, country=country, as_of=when)
    messages = [monitor.warning_message(r, lang, params) for r in found.iter_rows(named=True)]
    found = found.with_columns(message=pl.Series(messages, dtype=pl.String))
    if fmt == "json":
        _emit_json(found)
        return
    table = Table(title=f"Early warnings as of {when or params.as_of} ({found.height})")
    for col in ("country", "severity", "kind", "message"):
        table.add_column(col)
    for r in found.iter_rows(named=True):
        table.add_row(r["country"], r["severity"], monitor.kind_label(r["kind"], lang), r["message"])
    console.print(table)
    if found["illustrative"].any():
        console.print("Figures from illustrative (generated) data are included.", style="italic")


@app.command()
def scores(
    region: RegionOpt = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
    lang: LangOpt = None,
) -> None:
    """Implementation scores, ranking and the incentive fund for the parties."""
    from . import fund as fund_mod
    from . import scores as sc

    params = _load(region)
    lang = _language(params, lang)
    fmt = _format(fmt)
    when = _date_opt(as_of) or params.as_of
    ranking = sc.ranking(params, as_of=when)
    fund = fund_mod.fund(params, as_of=when, lang=lang) if params.region.incentive_fund else None
    if fmt == "json":
        payload = {"as_of": when.isoformat(), "ranking": ranking.to_dicts(), "fund": fund.to_dicts() if fund is not None else None}
        typer.echo(json.dumps(payload, default=str, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Implementation scores as of {when}")
    for col in ranking.columns:
        table.add_column(col)
    for r in ranking.iter_rows():
        table.add_row(*["" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)) for v in r])
    console.print(table)
    if fund is not None:
        ftable = Table(title="Incentive fund")
        for col in ("country", "total", "share", "explanation"):
            ftable.add_column(col)
        for r in fund.iter_rows(named=True):
            ftable.add_row(r["country"], f"{r['total']:,.2f}", f"{r['share']:.1%}", "\n".join(r["explanation"]))
        console.print(ftable)


# -- submission: the log and its corrections; store: backup and restore -----------------------

submission_app = typer.Typer(no_args_is_help=True, help="The submissions log and its corrections (void, unvoid).")
app.add_typer(submission_app, name="submission")
store_app = typer.Typer(no_args_is_help=True, help="Back up and restore a region's store.")
app.add_typer(store_app, name="store")

WaitOpt = Annotated[float, typer.Option("--wait", help="Seconds to wait for another writer of the store (then exit 3).")]
SubmissionArg = Annotated[str, typer.Argument(help="Submission id (its SHA-256) or a unique prefix of it.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the record).")]
ByOpt = Annotated[str | None, typer.Option("--by", help="Who (default: the operating-system user).")]


def _bad_input(exc: Exception) -> NoReturn:
    """One line naming what and why, exit 2."""
    text = str(exc).strip()
    err_console.print(text.splitlines()[0] if text else type(exc).__name__, markup=False, highlight=False)
    raise typer.Exit(2) from None


def _store_call(params, fn, read_only: bool, wait: float = 120.0):
    """`fn(store)` on the region's store (read-only, or prepared for writing); bad input
    exits 2, a store that stays busy 3."""
    try:
        if read_only:
            with Store.open(params, read_only=True) as store:
                return fn(store)
        with Store.create(params, wait=wait) as store:
            return fn(store)
    except StoreBusy as exc:
        busy_exit(exc)
    except (ValueError, FileNotFoundError, StoreSchemaError) as exc:
        _bad_input(exc)


def _records(frame: pl.DataFrame) -> list[dict]:
    return json.loads(json.dumps(frame.to_dicts(), default=str))


@submission_app.command("list")
def submission_list(region: RegionOpt = None, fmt: FormatOpt = "table") -> None:
    """Every submission with its standing (rows stored, voided or not) and every correction."""
    params = _load(region)
    fmt = _format(fmt)
    log, corrections = _store_call(params, lambda s: (s.submission_log(), s.corrections()), read_only=True)
    if fmt == "json":
        typer.echo(json.dumps({"submissions": _records(log), "corrections": _records(corrections)}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Submissions ({log.height}, {int(log['voided'].sum()) if log.height else 0} voided)")
    for col in ("id", "received", "file", "kind", "countries", "rows", "outcome", "standing"):
        table.add_column(col)
    for r in log.iter_rows(named=True):
        standing = f"VOIDED {r['voided_at']:%Y-%m-%d} by {r['voided_by']}" if r["voided"] else "counts"
        table.add_row(
            r["submission_id"][:12], f"{r['received_at']:%Y-%m-%d %H:%M}", escape(r["file_name"]), r["kind"] or "-",
            ",".join(r["countries"]), f"{r['rows_stored']:,}", r["outcome"], escape(standing),
        )
    console.print(table)
    if corrections.height:
        ctable = Table(title=f"Corrections ({corrections.height}; the latest of each submission counts)")
        for col in ("when", "id", "file", "action", "by", "reason"):
            ctable.add_column(col)
        for r in corrections.iter_rows(named=True):
            ctable.add_row(
                f"{r['recorded_at']:%Y-%m-%d %H:%M}", r["submission_id"][:12], escape(r["file_name"] or "-"), r["action"],
                escape(r["recorded_by"]), escape(r["reason"]),
            )
        console.print(ctable)


@submission_app.command("show")
def submission_show(submission: SubmissionArg, region: RegionOpt = None, fmt: FormatOpt = "table") -> None:
    """One submission: its log entry, its standing and every correction of it."""
    params = _load(region)
    fmt = _format(fmt)

    def read(store):
        sid = store.resolve_submission(submission)
        return store.submission_log().filter(pl.col("submission_id") == sid), store.corrections(sid)

    entry, corrections = _store_call(params, read, read_only=True)
    payload = {**_records(entry)[0], "corrections": _records(corrections)}
    if fmt == "json":
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for key, value in payload.items():
        if key != "corrections":
            console.print(f"{key}: {'' if value is None else value}", markup=False, highlight=False)
    console.print(f"corrections: {len(payload['corrections'])}", markup=False)
    for r in payload["corrections"]:
        console.print(f"  {r['recorded_at']} {r['action']} by {r['recorded_by']}: {r['reason']}", markup=False, highlight=False)


def _correct(action: str, submission: str, reason: str, by: str | None, region: str, wait: float) -> None:
    params = _load(region)

    def run(store):
        record = getattr(store, action)(submission, reason=reason, by=by)
        log = store.submission_log().filter(pl.col("submission_id") == record["submission_id"])
        return record, log["rows_stored"][0]

    record, rows = _store_call(params, run, read_only=False, wait=wait)
    sid = record["submission_id"][:12]
    effect = "no longer count" if action == "void" else "count again"
    console.print(
        f"{action}ed {sid} ({record['file_name']}) by {record['recorded_by']} at {record['recorded_at']:%Y-%m-%d %H:%M:%S} UTC: "
        f"{record['reason']}; its {rows:,} rows {effect}",
        markup=False, highlight=False,
    )
    undo = "unvoid" if action == "void" else "void"
    console.print(f"undo with: tflib submission {undo} {sid} --reason TEXT --region {params.id}", markup=False, highlight=False)


@submission_app.command("void")
def submission_void(
    submission: SubmissionArg, reason: ReasonOpt, by: ByOpt = None, region: RegionOpt = None, wait: WaitOpt = 120.0
) -> None:
    """Void a submission: its rows stop counting in scores, warnings, pages and downloads.
    Recorded (who, when, why) and reversible; nothing is deleted. Exit 2 on bad input, 3 when busy."""
    _correct("void", submission, reason, by, region, wait)


@submission_app.command("unvoid")
def submission_unvoid(
    submission: SubmissionArg, reason: ReasonOpt, by: ByOpt = None, region: RegionOpt = None, wait: WaitOpt = 120.0
) -> None:
    """Take back a void: the submission's rows count again (a new record; the old ones stay)."""
    _correct("unvoid", submission, reason, by, region, wait)


@store_app.command("backup")
def store_backup(
    region: RegionOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="File or folder (default data/backup/<region>/).")] = None,
    wait: WaitOpt = 120.0,
) -> None:
    """Copy the region's store consistently (no writer mid-commit) while readers go on."""
    from . import store as store_mod

    params = _load(region)
    try:
        copy = store_mod.backup(params, out=out, wait=wait)
    except StoreBusy as exc:
        busy_exit(exc)
    except (ValueError, FileNotFoundError, OSError) as exc:
        _bad_input(exc)
    rows = sum(copy.counts.values())
    console.print(f"backed up {store_path(params.id)} to {copy.path} ({rows:,} rows, schema {copy.schema_version})", markup=False, highlight=False)


@store_app.command("restore")
def store_restore(
    path: Annotated[Path, typer.Argument(help="A backup of this region's store.")],
    region: RegionOpt = None,
    wait: WaitOpt = 120.0,
) -> None:
    """Make a backup the region's store: checked (a tflib store of this region), upgraded and
    swapped in atomically; the store it replaces is kept under data/backup/<region>/."""
    from . import store as store_mod

    params = _load(region)
    try:
        restored, replaced = store_mod.restore(path, params, wait=wait)
    except StoreBusy as exc:
        busy_exit(exc)
    except (ValueError, FileNotFoundError, OSError) as exc:
        _bad_input(exc)
    rows = sum(restored.counts.values())
    console.print(f"restored {path} as the store of {params.id} ({rows:,} rows, schema {restored.schema_version})", markup=False, highlight=False)
    if replaced is not None:
        console.print(f"the store it replaced is kept at {replaced}", markup=False, highlight=False)


# -- region: check its params, reset its data -------------------------------------------------

region_app = typer.Typer(no_args_is_help=True, help="Write a new region, check a region's params, reset a region's data.")
app.add_typer(region_app, name="region")

RegionArg = Annotated[str, typer.Argument(help="Region id (a folder under params/regions/).")]


@region_app.command("new")
def region_new(
    region: RegionArg,
    members: Annotated[str, typer.Option("--members", help="Member ISO 3166-1 alpha-3 codes, comma-separated.")],
    languages: Annotated[str, typer.Option("--languages", help="Page languages, comma-separated; the first is the default.")] = "en",
) -> None:
    """Write params/regions/<region>/ as a commented, valid skeleton (region.yaml, strategy.yaml,
    one countries/<ISO3>.yaml per member); then run `tflib region check <region>`."""
    from . import regiontools

    project = resolve(None)
    try:
        written = regiontools.new(region, [m for m in members.split(",") if m.strip()], [x for x in languages.split(",") if x.strip()], project)
    except ValueError as exc:
        _bad_input(exc)
    for path in written:
        console.print(f"wrote {path}", markup=False, highlight=False)
    report = regiontools.check(region, project)
    for line in report.problems:
        err_console.print(line, markup=False, highlight=False)
    if report.problems:
        raise typer.Exit(2)
    console.print(report.summary, markup=False, highlight=False)
    console.print(f"next: replace the TODOs, then `tflib generate --region {region}` (illustrative data) and `tflib build --region {region}`", markup=False, highlight=False)


@region_app.command("check")
def region_check(region: RegionArg) -> None:
    """Validate the region's params, UI catalogs, notebooks, impact assumptions and agency
    roles: one line per problem (file: key: message), exit 2 on any; else a one-line summary."""
    from . import regiontools

    try:
        report = regiontools.check(region)
    except ValueError as exc:
        _bad_input(exc)
    for line in report.problems:
        err_console.print(line, markup=False, highlight=False)
    if report.problems:
        err_console.print(f"{region}: {len(report.problems)} problem(s)", markup=False, highlight=False)
        raise typer.Exit(2)
    console.print(report.summary, markup=False, highlight=False)
    for line in report.notes:
        console.print(line, markup=False, highlight=False)


@region_app.command("reset")
def region_reset(
    region: RegionArg,
    yes: Annotated[bool, typer.Option("--yes", help="Delete (without it, only list what would be deleted).")] = False,
    wait: WaitOpt = 120.0,
) -> None:
    """Delete the region's store, archive, quarantine, feedback, pending ingests, site and work
    folder (params and submissions stay). Without --yes: list them and exit 2."""
    from . import regiontools

    project = resolve(None)
    try:
        regiontools.known_region(region, project)
    except ValueError as exc:
        _bad_input(exc)
    targets = regiontools.existing_targets(region, project)
    if not targets:
        console.print(f"{region}: nothing to delete", markup=False, highlight=False)
        return
    if not yes:
        console.print(f"would delete, for region {region}:", markup=False, highlight=False)
        for path in targets:
            console.print(f"  {path}", markup=False, highlight=False)
        err_console.print("nothing deleted: run again with --yes to delete these", markup=False, highlight=False)
        raise typer.Exit(2)
    try:
        deleted = regiontools.reset(region, project, wait=wait)
    except StoreBusy as exc:
        busy_exit(exc)
    for path in deleted:
        console.print(f"deleted {path}", markup=False, highlight=False)
    console.print(f"{region}: reset ({len(deleted)} paths deleted)", markup=False, highlight=False)


def main() -> None:
    try:
        app()
    except StoreBusy as exc:  # a command that did not say so itself: still one line, exit 3
        err_console.print(str(exc), markup=False, highlight=False)
        raise SystemExit(3) from None


if __name__ == "__main__":
    main()
