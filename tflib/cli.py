"""The `tflib` command line: a thin layer over the library's functions."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from . import ingest as ingest_mod
from . import sample, tracker
from .params import ParamsError, load_region
from .paths import resolve
from .store import Store, store_path

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Trade Facilitation Reform Tracker.")
# soft_wrap: never break lines (problem lines must stay one `file:row:column: rule: message` each).
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

RegionOpt = Annotated[str, typer.Option("--region", "-r", help="Region id (a folder under params/regions/).")]


def _load(region: str):
    try:
        return load_region(region)
    except ParamsError as exc:
        err_console.print(f"[red]params error[/red]\n{exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None


@app.command()
def info(region: RegionOpt = "sica") -> None:
    """Members (with party status) and row counts per table."""
    params = _load(region)
    # Read-only when the store exists, so `info` can run beside notebooks reading it.
    try:
        store = Store.open(params, read_only=True) if store_path(params.id).exists() else Store.create(params)
    except RuntimeError:  # an older schema: preparing it for writing upgrades it
        store = Store.create(params)
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
    files: Annotated[list[Path], typer.Argument(help="Submission files (CSV, XLSX) or folders of them.")],
    region: RegionOpt = "sica",
) -> None:
    """Validate and store submissions; quarantine bad rows; archive raw files.

    Exit 0 when every row was accepted, 1 when any was quarantined, 2 when a file could not be read.
    """
    params = _load(region)
    results = ingest_mod.ingest(files, params)
    raise typer.Exit(_print_results(results))


@app.command()
def generate(
    region: RegionOpt = "sica",
    seed: Annotated[int | None, typer.Option(help="Override the seed in params.")] = None,
) -> None:
    """Write the ILLUSTRATIVE submission files of a region (seeded, reproducible)."""
    _load(region)
    files = sample.generate_region(region, seed=seed)
    out = sample.illustrative_dir(region)
    console.print(f"wrote {len(files)} illustrative submission files to {out}")


@app.command()
def build(
    region: RegionOpt = "sica",
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
    from . import pages

    started = time.perf_counter()
    params = _load(region)
    split = lambda values: [v.strip() for item in (values or []) for v in item.split(",") if v.strip()] or None  # noqa: E731
    # Options are checked before any ingest or hashing.
    try:
        build_mod.check_options(workers, timeout, engine)
        pages.addresses(params, split(kinds), split(countries), split(lang))
    except ValueError as exc:
        err_console.print(str(exc), markup=False)
        raise typer.Exit(2) from None
    if engine == "quarto":
        from .site import quarto

        problem = quarto.missing_quarto()
        if problem:
            err_console.print(problem, markup=False)
            raise typer.Exit(2)
    folder = resolve(None).submissions_dir / region
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
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    site: Annotated[Path | None, typer.Option(help="Site folder (default reports/_site: every region).")] = None,
) -> None:
    """Serve the published site on http://127.0.0.1:PORT (static files only)."""
    from .pages import sites_dir
    from .site.serve import serve as serve_site

    folder = site or sites_dir(resolve(None))
    if not (folder / "index.html").exists():
        err_console.print(f"no site at {folder}; run `tflib build` first", markup=False)
        raise typer.Exit(2)
    console.print(f"serving {folder} on http://127.0.0.1:{port}/ (Ctrl-C to stop)", markup=False)
    serve_site(folder, port)


def _date_opt(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default: the region's as_of.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Language of messages; default: the region's first.")]


def _emit_json(frame) -> None:
    typer.echo(json.dumps(frame.to_dicts(), default=str, ensure_ascii=False, indent=2))


@app.command()
def plan(
    region: RegionOpt = "sica",
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
    region: RegionOpt = "sica",
    country: Annotated[str | None, typer.Option("--country", help="ISO3 of one member.")] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
    lang: LangOpt = None,
) -> None:
    """Early warnings: overdue, at risk, stalled, missing submissions, indicator regressions."""
    from . import monitor

    params = _load(region)
    if country and country.upper() not in params.region.member_codes:
        err_console.print(f"{country!r} is not a member of {region}", markup=False)
        raise typer.Exit(2)
    lang = lang or params.region.default_language
    found = monitor.warnings_for_region(params, country=country, as_of=_date_opt(as_of))
    messages = [monitor.warning_message(r, lang, params) for r in found.iter_rows(named=True)]
    found = found.with_columns(message=pl.Series(messages, dtype=pl.String))
    if fmt == "json":
        _emit_json(found)
        return
    table = Table(title=f"Early warnings as of {_date_opt(as_of) or params.as_of} ({found.height})")
    for col in ("country", "severity", "kind", "message"):
        table.add_column(col)
    for r in found.iter_rows(named=True):
        table.add_row(r["country"], r["severity"], monitor.kind_label(r["kind"], lang), r["message"])
    console.print(table)
    if found["illustrative"].any():
        console.print("Figures from illustrative (generated) data are included.", style="italic")


@app.command()
def scores(
    region: RegionOpt = "sica",
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
    lang: LangOpt = None,
) -> None:
    """Implementation scores, ranking and the incentive fund for the parties."""
    from . import fund as fund_mod
    from . import scores as sc

    params = _load(region)
    lang = lang or params.region.default_language
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
