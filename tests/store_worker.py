"""A separate process that writes or reads a region's store, for the concurrency tests.

    python store_worker.py PROJECT REGION hold SECONDS [WAIT] [TAG] [RELEASE_FILE]
        Open the store for writing (waiting up to WAIT seconds, default 60), add one progress
        row logged as submission TAG (when given and not "-"), print `locked <unix time>`,
        hold the store SECONDS (or until RELEASE_FILE exists), print `releasing <unix time>`
        and close it. Exit 3 on StoreBusy.

    python store_worker.py PROJECT REGION read-loop STOP_FILE [READS_FILE]
        Read the row counts over and over until STOP_FILE exists, printing `reading` once
        started (and, when given, replacing READS_FILE with the number of reads so far after
        each read); then print a JSON line {"reads": n, "errors": [...], "counts": [...]}
        (each distinct counts seen) and exit 1 if any read failed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import polars as pl

from tflib import tracker
from tflib.params import load_region
from tflib.store import Store, StoreBusy


def hold(project: Path, region: str, seconds: float, wait: float, tag: str | None, release: Path | None) -> int:
    try:
        store = Store.create(region, project, wait=wait)
    except StoreBusy as exc:
        print(f"busy {exc}", flush=True)
        return 3
    with store:
        if tag:
            item, country = sorted(store.item_countries().items())[0]
            row = {
                "item_id": item, "country": country, "reported_on": dt.date(2025, 1, 1) + dt.timedelta(days=len(tag)),
                "status": "partial", "pct_complete": 10.0 + len(tag), "note": tag, "illustrative": False,
                "submission_id": tag, "source_file": f"{tag}.csv", "source_row": 2,
            }
            with store._transaction():
                added = store.add_progress(pl.DataFrame([row]))
                store.log_submission({
                    "submission_id": tag, "file_name": f"{tag}.csv", "kind": "progress", "countries": [country],
                    "rows_in": 1, "accepted": 1, "inserted": added, "quarantined": 0, "outcome": "accepted",
                    "archive_path": "",
                })
        print(f"locked {time.time()!r}", flush=True)
        until = time.monotonic() + seconds
        while time.monotonic() < until and not (release and release.exists()):
            time.sleep(0.02)
        print(f"releasing {time.time()!r}", flush=True)
    return 0


def read_loop(project: Path, region: str, stop: Path, reads_file: Path | None = None) -> int:
    reads, errors, seen = 0, [], []
    params = load_region(region, project)
    print("reading", flush=True)
    while not stop.exists():
        try:
            counts = tracker.counts(params, project)
        except Exception as exc:  # noqa: BLE001 (every failure is reported)
            errors.append(f"{type(exc).__name__}: {exc}")
        else:
            reads += 1
            if counts not in seen:
                seen.append(counts)
            if reads_file:
                tmp = reads_file.with_name(reads_file.name + ".tmp")
                tmp.write_text(str(reads), encoding="utf-8")
                os.replace(tmp, reads_file)  # the test reads a whole number, never half of one
        time.sleep(0.01)  # a busy reader, not a spinning one
    print(json.dumps({"reads": reads, "errors": errors, "counts": seen}), flush=True)
    return 1 if errors else 0


def main(argv: list[str]) -> int:
    project, region, mode, *rest = argv
    if mode == "hold":
        seconds = float(rest[0])
        wait = float(rest[1]) if len(rest) > 1 else 60.0
        tag = rest[2] if len(rest) > 2 and rest[2] != "-" else None
        release = Path(rest[3]) if len(rest) > 3 else None
        return hold(Path(project), region, seconds, wait, tag, release)
    if mode == "read-loop":
        return read_loop(Path(project), region, Path(rest[0]), Path(rest[1]) if len(rest) > 1 else None)
    raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
