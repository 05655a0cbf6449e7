#!/usr/bin/env python3
"""Send a progress or indicator file to a tflib submission service: a national system's
client, standard library only (copy this file; it needs nothing else).

    python3 example_client.py --url https://tracker.example.org --region REGION \\
        --token "$TFLIB_TOKEN" progress.csv

REGION is the region's id, which the secretariat gives with the token (the file is sent to
<url>/api/v1/regions/REGION/submissions). The token comes from the secretariat (`tflib token
create`); pass it with --token or the TFLIB_TOKEN environment variable. The answer is
printed as JSON. A file sent twice is stored once: on a network error, simply send it again.
Exit status: 0 all rows accepted, 1 some or all rows set aside (see "problems"), 2 refused
(token, size, type) or unreadable.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

TYPES = {".json": "application/json", ".csv": "text/csv", ".tsv": "text/tab-separated-values", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def send(url: str, region: str, token: str, path: Path, retries: int = 3) -> tuple[int, dict]:
    body = path.read_bytes()
    ctype = TYPES.get(path.suffix.lower())
    if ctype is None:
        raise SystemExit(f"{path}: send .csv, .tsv, .xlsx or .json")
    request = urllib.request.Request(
        f"{url.rstrip('/')}/api/v1/regions/{region}/submissions",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": ctype, "Accept": "application/json"},
    )
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=120) as res:
                return res.status, json.load(res)
        except urllib.error.HTTPError as err:  # 207 is a success; 4xx answers carry JSON too
            if err.code == 429 and attempt < retries:
                time.sleep(30)
                continue
            return err.code, json.loads(err.read() or b"{}")
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            if attempt == retries:
                raise
            time.sleep(2**attempt)  # the same bytes again: the service stores them once
    raise AssertionError("unreachable")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--url", required=True, help="the service's address, e.g. https://tracker.example.org")
    parser.add_argument("--region", required=True)
    parser.add_argument("--token", default=os.environ.get("TFLIB_TOKEN"), help="default: $TFLIB_TOKEN")
    args = parser.parse_args()
    if not args.token:
        parser.error("give --token or set TFLIB_TOKEN")
    status, answer = send(args.url, args.region, args.token, args.file)
    print(json.dumps({"status": status, **answer}, ensure_ascii=False, indent=1))
    if status == 201:
        return 0
    return 1 if status in (207, 422) else 2


if __name__ == "__main__":
    sys.exit(main())
