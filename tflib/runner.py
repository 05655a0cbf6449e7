"""Run report notebooks with papermill on a small pool of warm kernels.

Starting a kernel and importing the scientific stack costs seconds; a page costs a fraction
of that. So each worker thread keeps one kernel alive and runs page after page on it, with a
fresh namespace before each page (``%reset -f``, the working folder reset). Parameters are
injected and recorded exactly as papermill does (this is a papermill engine), execution
counts are renumbered so a page built warm is identical to one built cold, a failed page gets
its worker a fresh kernel, kernel launches that race for a port are retried, and every page
has a time limit. This is only safe because tflib keeps no hidden state between pages; a test
proves warm == cold.

A page's executed notebook is written beside its place and moved there only when the page
succeeded, so an interrupted or failed run never leaves a half-written or failed notebook
where a page is read (`settle`).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm
from jupyter_client.manager import AsyncKernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

KERNEL = "python3"
START_RETRIES = 3
ENGINE_NAME = "tflib-warm"


@dataclass(frozen=True)
class Job:
    notebook: Path
    output: Path
    parameters: dict[str, Any]
    label: str = ""


@dataclass
class JobResult:
    job: Job
    ok: bool
    seconds: float
    error: str | None = None  # "cell N: Ename: message"
    kernel_restarted: bool = False


@dataclass
class WarmKernel:
    """One live kernel, owned by one worker thread."""

    env: dict[str, str]
    km: AsyncKernelManager | None = None
    kc: Any = None  # its connected client, kept across pages (a new one waits for its sockets)
    pages: int = 0
    last_nb: Any = None  # the notebook of the page it ran last, as far as it got

    def manager(self) -> AsyncKernelManager:
        if self.km is None:
            self.km = AsyncKernelManager(kernel_name=KERNEL)
        return self.km

    def shutdown(self) -> None:
        self.last_nb = None
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None and self.km.has_kernel:
            from jupyter_core.utils import run_sync

            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # a dead kernel cannot shut down twice; nothing to keep
                pass
        self.km = None
        self.pages = 0


class _WarmClient(PapermillNotebookClient):
    """Papermill's client, run on a kernel it does not own, with a fresh namespace first."""

    reset_code = ""

    def papermill_execute_cells(self) -> None:
        if self.reset_code:
            reply = self.wait_for_reply(self.kc.execute(self.reset_code, silent=True, store_history=False))
            if reply is None or reply["content"].get("status") != "ok":
                raise RuntimeError(f"could not reset the kernel namespace: {reply and reply['content']}")
        super().papermill_execute_cells()


class WarmEngine(NBClientEngine):
    """`papermill.execute_notebook(..., engine_name="tflib-warm", warm_kernel=WarmKernel)`."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, warm_kernel: WarmKernel | None = None, kernel_cwd: str | None = None, **kwargs):
        if warm_kernel is None:
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
        timeout = kwargs.get("execution_timeout")
        client = _WarmClient(
            nb_man,
            km=warm_kernel.manager(),
            timeout=timeout,
            startup_timeout=kwargs.get("start_timeout", 60),
            kernel_name=kernel_name,
            log_output=kwargs.get("log_output", False),
        )
        # papermill's own `cwd` changes the whole process's folder (racy across threads):
        # the kernel is told its folder instead.
        folder = kernel_cwd or os.getcwd()
        # `%reset -f` ends with full garbage collections over every object of the libraries
        # the pages imported (~0.6 s per page); objects alive right after it are frozen out
        # of later collections, which then only visit what the last page made.
        client.reset_code = f"%reset -f\nimport gc as _gc, os as _os\n_gc.freeze()\n_os.chdir({folder!r})\ndel _gc, _os"
        client.kc = warm_kernel.kc
        try:
            client.execute(env=warm_kernel.env, cwd=folder)
        finally:
            warm_kernel.kc = client.kc  # stopped with the kernel (`WarmKernel.shutdown`)
            warm_kernel.last_nb = client.nb
        warm_kernel.pages += 1
        return renumber(client.nb)


papermill_engines.register(ENGINE_NAME, WarmEngine)


def renumber(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Execution counts 1, 2, 3… as a fresh kernel would give them, and a stable id for the
    cell papermill injects (it draws a random one), so equal pages are equal files."""
    n = 0
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
        if cell.cell_type != "code" or cell.get("execution_count") is None:
            continue
        n += 1
        cell.execution_count = n
        for out in cell.get("outputs", []):
            if "execution_count" in out:
                out["execution_count"] = n
    return nb


def _error_of(exc: BaseException, timeout: float | None = None) -> str:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if isinstance(exc, pm.PapermillExecutionError):
        return f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
    if isinstance(exc, DeadKernelError):
        return "the kernel died while running the page (killed, or out of memory)"
    if isinstance(exc, CellTimeoutError):
        return f"a cell ran longer than the time limit ({timeout:g} s)" if timeout else "a cell ran longer than the time limit"
    return f"{type(exc).__name__}: {exc}"


def partial_path(output: Path) -> Path:
    """Where a page's notebook is written while it runs (papermill writes it cell by cell)."""
    return output.with_name(f".{output.stem}.partial.ipynb")


def failed_path(output: Path) -> Path:
    """Where the executed notebook of a failed page is kept, to read its error."""
    return output.with_name(f"{output.stem}.failed.ipynb")


def settle(output: Path, written: Path | None, ok: bool) -> None:
    """Put a finished run in place. A success replaces `output` whole (one rename). A failure
    removes `output`, so no older or failed notebook can pass for the page, and keeps the
    failed notebook as `failed_path(output)`."""
    if ok:
        assert written is not None
        os.replace(written, output)
        failed_path(output).unlink(missing_ok=True)
        return
    output.unlink(missing_ok=True)
    if written is not None and written.exists():
        os.replace(written, failed_path(output))


def _is_launch_race(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "address already in use" in text or "zmqerror" in text or "kernel died before replying" in text


def run_one(job: Job, kernel: WarmKernel | None, timeout: float, env: dict[str, str]) -> JobResult:
    """Run one page (warm when `kernel` is given, otherwise on a fresh kernel)."""
    start = time.perf_counter()
    job.output.parent.mkdir(parents=True, exist_ok=True)
    if kernel is None:
        # Cold: a kernel of its own, started with the job's environment, gone after the page.
        own = WarmKernel(env=env)
        try:
            result = run_one(job, own, timeout, env)
        finally:
            own.shutdown()
        return JobResult(result.job, result.ok, time.perf_counter() - start, result.error, False)
    restarted = False
    partial = partial_path(job.output)
    for attempt in range(START_RETRIES):
        try:
            kwargs: dict[str, Any] = {"engine_name": ENGINE_NAME, "warm_kernel": kernel, "kernel_cwd": str(job.notebook.parent)}
            # Written once, by papermill at the end, renumbered (its default also rewrites the
            # whole notebook before and after every cell); a failed run too, with its error.
            kernel.last_nb = None
            partial.unlink(missing_ok=True)
            pm.execute_notebook(
                str(job.notebook),
                str(partial),
                parameters=job.parameters,
                kernel_name=KERNEL,
                progress_bar=False,
                execution_timeout=timeout,
                request_save_on_cell_execute=False,
                **kwargs,
            )
            settle(job.output, partial, ok=True)
            return JobResult(job, True, time.perf_counter() - start, kernel_restarted=restarted)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the batch
            if not partial.exists() and kernel.last_nb is not None:  # stopped mid-page (time limit, dead kernel)
                nbformat.write(renumber(kernel.last_nb), partial)
            kernel.shutdown()  # a failed page never leaves its state to the next one
            restarted = True
            if _is_launch_race(exc) and attempt < START_RETRIES - 1:
                time.sleep(0.5 * (attempt + 1))
                continue
            settle(job.output, partial, ok=False)
            return JobResult(job, False, time.perf_counter() - start, _error_of(exc, timeout), restarted)
    raise AssertionError("unreachable")


def kernel_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """A page kernel's environment: this process's, charts built lean (`charts.lean_altair`)
    unless `env` says otherwise, then `env`."""
    from .charts import LEAN_ENV

    return {**os.environ, LEAN_ENV: "1", **(env or {})}


@dataclass
class RunSummary:
    results: list[JobResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[JobResult]:
        return [r for r in self.results if not r.ok]


def run_jobs(
    jobs: Iterable[Job],
    workers: int = 2,
    warm: bool = True,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    on_done: Callable[[JobResult], None] | None = None,
) -> RunSummary:
    """Run every job; failures are collected, never raised. `env` is the kernels' environment."""
    todo: queue.Queue[Job] = queue.Queue()
    for job in jobs:
        todo.put(job)
    kernel_env = kernel_environment(env)
    results: list[JobResult] = []
    lock = threading.Lock()
    started = time.perf_counter()

    def worker() -> None:
        kernel = WarmKernel(env=kernel_env) if warm else None
        try:
            while True:
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                result = run_one(job, kernel, timeout, kernel_env)
                with lock:
                    results.append(result)
                if on_done is not None:
                    on_done(result)
        finally:
            if kernel is not None:
                kernel.shutdown()

    # No more workers than pages: each may start a kernel.
    threads = [threading.Thread(target=worker, name=f"tflib-page-{i}", daemon=True) for i in range(max(1, min(workers, todo.qsize())))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    order = {id(j): i for i, j in enumerate(jobs)} if isinstance(jobs, list) else {}
    results.sort(key=lambda r: order.get(id(r.job), 0))
    return RunSummary(results, time.perf_counter() - started)
