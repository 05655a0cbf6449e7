"""Live rebuilds: each accepted submission queues a rebuild of its region, debounced.

A rebuild is `tflib.build.build`: it re-runs exactly the pages whose inputs changed and
publishes the site atomically (`tflib.site.atomic`). Submissions that land while a build
runs are never lost: the build read the store when it started, so they mark the region
dirty again and the next build takes them. A submission is published once a build that
started after it was stored has finished.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..paths import Project

log = logging.getLogger(__name__)


@dataclass
class _Region:
    requested: int = 0  # submissions queued so far (a sequence number)
    started: int = 0  # the sequence number the running or last build started from
    published: int = 0  # every submission up to this number is on the site
    last_request: float = 0.0
    by_submission: dict[str, int] = field(default_factory=dict)
    building: bool = False
    last_error: str | None = None
    builds: int = 0


class Rebuilder:
    """One thread; builds one region at a time, each `debounce` seconds after its last
    submission (so ten files in a burst make one build)."""

    def __init__(self, project: Project, debounce: float = 0.5, build: Callable[..., Any] | None = None, workers: int = 2, countries: list[str] | None = None, langs: list[str] | None = None):
        self.project, self.debounce, self.workers = project, debounce, workers
        self.selection = {"countries": countries, "langs": langs}  # None: every page of the region
        self._build = build
        self._regions: dict[str, _Region] = {}
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="tflib-rebuild", daemon=True)
        self._thread.start()

    def request(self, region: str, submission: str) -> dict[str, Any]:
        with self._cond:
            state = self._regions.setdefault(region, _Region())
            state.requested += 1
            state.by_submission[submission] = state.requested
            state.last_request = time.monotonic()
            self._cond.notify_all()
            return self._state(state, submission)

    def state_of(self, region: str, submission: str) -> dict[str, Any]:
        with self._cond:
            state = self._regions.get(region)
            if state is None or submission not in state.by_submission:
                # Stored before this service started: a build since then has it, or the batch will.
                return {"state": "unknown"}
            return self._state(state, submission)

    def _state(self, state: _Region, submission: str) -> dict[str, Any]:
        seq = state.by_submission[submission]
        if seq <= state.published:
            return {"state": "published"}
        if state.building and seq <= state.started:
            return {"state": "building"}
        return {"state": "queued", **({"last_error": state.last_error} if state.last_error else {})}

    def wait_idle(self, timeout: float = 120.0) -> bool:
        """Until every queued submission is published (tests, the benchmark, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while any(s.published < s.requested for s in self._regions.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def _due(self) -> tuple[str, _Region] | None:
        now = time.monotonic()
        for region, state in self._regions.items():
            if state.requested > state.published and not state.building and now - state.last_request >= self.debounce:
                return region, state
        return None

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stop and self._due() is None:
                    pending = [s for s in self._regions.values() if s.requested > s.published]
                    self._cond.wait(self.debounce / 2 if pending else None)
                if self._stop:
                    return
                region, state = self._due()  # type: ignore[misc]
                state.building, state.started = True, state.requested
            error = None
            try:
                self._run(region)
            except Exception as exc:  # noqa: BLE001 - the service goes on; the state says why
                log.exception("rebuild of %s failed", region)
                error = f"{type(exc).__name__}: {exc}"
            with self._cond:
                state.building = False
                state.builds += 1
                state.last_error = error
                if error is None:
                    state.published = state.started
                else:  # tried again after the next submission, or at the next debounce
                    state.last_request = time.monotonic() + 30
                self._cond.notify_all()

    def _run(self, region: str) -> None:
        if self._build is not None:
            self._build(region)
            return
        from ..build import build

        report = build(region, project=self.project, workers=self.workers, **self.selection)
        failures = getattr(report, "failures", None)
        if failures:
            log.warning("rebuild of %s: %d page(s) failed", region, len(failures))
