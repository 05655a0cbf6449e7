"""The `tflib` command line: a thin layer over the library's functions."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

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
    exists = store_path(params.id).exists()
    with Store.open(params, read_only=exists) as store:
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
def build(region: RegionOpt = "sica") -> None:
    """Load the shipped data into the region's store and print a summary."""
    started = time.perf_counter()
    params = _load(region)
    folder = resolve(None).submissions_dir / region
    if not folder.exists():
        err_console.print(f"no submissions in {folder}; run `tflib generate --region {region}` first")
        raise typer.Exit(2)
    results = ingest_mod.ingest([folder], params)
    worst = _print_results(results, verbose=False)
    info(region)
    console.print(f"done in {time.perf_counter() - started:.1f} s")
    raise typer.Exit(worst)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
