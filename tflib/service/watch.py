"""`tflib watch`: a submissions folder watched for files (watchfiles), for secretariats
without the API. Each file dropped there is ingested as `tflib ingest` would (checked,
stored, quarantined, archived; a file seen before adds nothing), then the pages it changed
are rebuilt and published, as the service does."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import ingest as ingest_mod
from ..params import RegionParams
from ..paths import Project


def _wanted(path: Path) -> bool:
    # Partial downloads and office lock files are not submissions (yet).
    return path.is_file() and not path.name.startswith((".", "~$")) and not path.name.endswith((".part", ".crdownload", ".tmp"))


def watch(
    params: RegionParams,
    project: Project,
    folder: Path,
    rebuilder: Any = None,
    on_results: Callable[[list[Any]], None] | None = None,
    stop: threading.Event | None = None,
    debounce_ms: int = 800,
) -> None:
    """Ingest what is in `folder` now (files dropped while nobody watched), then every file
    that appears or changes, until `stop` is set."""
    import watchfiles

    folder.mkdir(parents=True, exist_ok=True)

    def take(paths: list[Path]) -> None:
        paths = sorted(p for p in paths if _wanted(p))
        if not paths:
            return
        results = ingest_mod.ingest(paths, params, project)
        if on_results is not None:
            on_results(results)
        if rebuilder is not None:
            for res in results:
                if res.inserted:
                    rebuilder.request(params.id, res.sha256)

    take(ingest_mod.expand([folder]))
    # watchfiles waits until the folder is quiet for `debounce_ms`: a file still being copied
    # is taken once it is whole.
    for changes in watchfiles.watch(folder, stop_event=stop, debounce=debounce_ms, step=100, recursive=True, rust_timeout=1000, yield_on_timeout=False):
        touched = {Path(p) for change, p in changes if change in (watchfiles.Change.added, watchfiles.Change.modified)}
        take(list(touched))
