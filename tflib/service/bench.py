"""The submission service, measured by `tflib bench`: submission-to-published latency and
concurrent submissions, against a real server (uvicorn) over HTTP on 127.0.0.1."""

from __future__ import annotations

import concurrent.futures
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..pages import Address
from ..params import RegionParams
from ..paths import Project

LATENCY_TARGET = 15.0  # s, from the start of the POST until the new value is served


@dataclass
class ServiceBench:
    member: str
    item_id: str
    pct: float
    status: int
    latency: float | None  # None: the new value never appeared within the wait
    concurrent: int  # submissions sent at once
    countries: int
    landed: int  # answered 201 and not duplicate
    rows_sent: int
    rows_stored: int  # progress rows the store gained
    concurrent_seconds: float
    published_seconds: float | None  # until every concurrent submission was on the site
    note: str = ""

    def lines(self) -> list[str]:
        if self.latency is None and self.note:
            return [f"submission service: {self.note}"]
        exact = self.rows_stored == self.rows_sent and self.landed == self.concurrent
        return [
            "submission service (tflib serve --collect: uvicorn on 127.0.0.1, one country's progress file as JSON, rebuild and publish):",
            f"  latency from the start of the POST until {self.member}'s progress page serves {self.item_id} at {self.pct:g} %: "
            + ("never within the wait" if self.latency is None else f"{self.latency:.1f} s"),
            f"  {self.concurrent} submissions at once from {self.countries} countries: {self.landed} landed (201), {self.rows_stored} of {self.rows_sent} rows stored "
            f"({'exact' if exact else 'NOT exact'}); answered in {self.concurrent_seconds:.1f} s; all published after {'-' if self.published_seconds is None else f'{self.published_seconds:.1f} s'}",
        ]

    def target(self) -> tuple[str, str, bool | None]:
        figure = "not measured" if self.latency is None and self.note else ("never" if self.latency is None else f"{self.latency:.1f} s")
        ok = None if self.note else (self.latency is not None and self.latency <= LATENCY_TARGET and self.rows_stored == self.rows_sent and self.landed == self.concurrent)
        return (f"submission to published ≤ {LATENCY_TARGET:g} s; concurrent submissions all land, counts exact", figure, ok)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    """uvicorn serving the app in a thread of this process (stopped on exit)."""

    def __init__(self, app: Any):
        import uvicorn

        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def _shown(page: str, item: str, pct: float) -> bool:
    # The item's bar in the page's timeline chart carries its percent complete.
    return re.search(r'"item_id":"%s"[^{}]*"pct":%s[,}]' % (re.escape(item), re.escape(repr(float(pct)))), page) is not None


def open_items(params: RegionParams, proj: Project, member: str, n: int) -> list[dict[str, Any]]:
    import polars as pl

    from ..tracker import progress

    current = progress(params, country=member, project=proj)
    # Not yet reported on the data date (another report of that date would contradict it).
    found = current.filter(
        (pl.col("reported_on").is_null() | (pl.col("reported_on") < params.as_of))
        & (pl.col("pct_complete").is_null() | (pl.col("pct_complete") < 90))
    ).sort(pl.col("start") > params.as_of, "item_id")
    return found.head(n).to_dicts()


def document(params: RegionParams, member: str, rows: list[dict[str, Any]], step: float) -> tuple[bytes, list[float]]:
    pcts = [float((r["pct_complete"] or 0) + step) for r in rows]
    doc = {
        "format": "tflib-submission/1", "kind": "progress", "country": member,
        "rows": [{"item_id": r["item_id"], "reported_on": params.as_of.isoformat(), "status": "partial", "pct_complete": p, "illustrative": True} for r, p in zip(rows, pcts)],
    }  # fmt: skip
    return json.dumps(doc).encode(), pcts


def run(params: RegionParams, proj: Project, selection: list[Address], build: Callable[[str], Any], out: Callable[[str], None], at_once: int = 10, wait: float = 300.0) -> ServiceBench:
    import httpx

    from .. import tracker
    from .access import Tokens
    from .app import create_app
    from .rebuild import Rebuilder

    lang = params.languages[0]
    shown = {a.member for a in selection if a.kind == "progress" and a.lang == lang and a.member}
    if not shown:
        return ServiceBench("", "", 0, 0, None, 0, 0, 0, 0, 0, 0.0, None, note=f"not measured (no {lang} progress page among the pages built)")
    members = list(params.region.member_codes)
    member = next((m for m in members if m in shown and open_items(params, proj, m, 1)), None)
    if member is None:
        return ServiceBench("", "", 0, 0, None, 0, 0, 0, 0, 0, 0.0, None, note="not measured (no open action item to report on)")
    tokens = Tokens(proj, params.id)
    keys = {m: tokens.create("country", m, label="tflib bench")[0] for m in members}
    rebuilder = Rebuilder(proj, debounce=0.2, build=build)
    app = create_app(proj, rebuilder=rebuilder)
    address = Address(params.id, "progress", member, lang)
    try:
        with _Server(app) as base, httpx.Client(base_url=base, timeout=wait) as client:
            (item,) = open_items(params, proj, member, 1)
            body, (pct,) = document(params, member, [item], 5)
            started = time.perf_counter()
            res = client.post(f"/api/v1/regions/{params.id}/submissions", content=body, headers={"content-type": "application/json", "authorization": f"Bearer {keys[member]}"})
            latency = None
            while time.perf_counter() - started < wait:
                if _shown(client.get(f"/{params.id}/{address.html}").text, item["item_id"], pct):
                    latency = time.perf_counter() - started
                    break
                time.sleep(0.1)
            out(f"  one submission ({member}): HTTP {res.status_code}, on the site after {'-' if latency is None else f'{latency:.1f} s'}")
            rebuilder.wait_idle(wait)

            # Concurrent senders: every member once, then again until `at_once` files.
            plan = [members[i % len(members)] for i in range(at_once)]
            per_member: dict[str, int] = {}
            sends = []
            for m in plan:
                k = per_member.get(m, 0)
                per_member[m] = k + 1
                rows = open_items(params, proj, m, k + 1)[k : k + 1]
                if rows:
                    sends.append((m, document(params, m, rows, 3 + k)[0], len(rows)))
            before = tracker.counts(params, proj)["progress_updates"]
            started = time.perf_counter()

            def send(job: tuple[str, bytes, int]) -> httpx.Response:
                return client.post(f"/api/v1/regions/{params.id}/submissions", content=job[1], headers={"content-type": "application/json", "authorization": f"Bearer {keys[job[0]]}"})

            with concurrent.futures.ThreadPoolExecutor(len(sends) or 1) as pool:
                answers = list(pool.map(send, sends))
            answered = time.perf_counter() - started
            published = answered if rebuilder.wait_idle(wait) else None
            if published is not None:
                published = time.perf_counter() - started
            landed = sum(a.status_code == 201 and not a.json().get("duplicate") for a in answers)
            stored = tracker.counts(params, proj)["progress_updates"] - before
            out(f"  {len(sends)} submissions at once: {landed} landed; all published after {'-' if published is None else f'{published:.1f} s'}")
            return ServiceBench(member, item["item_id"], pct, res.status_code, latency, len(sends), len({m for m, _, _ in sends}), landed, sum(n for _, _, n in sends), stored, answered, published)
    finally:
        rebuilder.stop()
