"""`tflib build` as a user runs it (`python -m tflib build` in a temporary project), with pages
that fail and builds that are killed.

Failures are injected with TFLIB_FAULT (`tflib.page.inject_fault`): a page that raises, a
page whose kernel is SIGKILLed, a page that runs past --timeout. The other pages publish, the
failures are listed, the exit code is 1, and the next build runs the failed pages only.
Then the build is SIGKILLed (its whole process group) at random points: the previous site stays
whole and servable, and the next build completes. The kill points come from a seed printed
with the test's output; TFLIB_KILL_SEED=<seed> replays them.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from projects import make_project
from tflib import pages
from tflib.site.serve import make_server

pytestmark = pytest.mark.xdist_group("build-failures")  # one project, its builds in order

SCOPE = ["--countries", "CRI,GTM", "--kinds", "progress,logistics", "--lang", "es"]
PAGES = ["es/CRI/logistics", "es/CRI/progress", "es/GTM/logistics", "es/GTM/progress"]
TIMEOUT = 30  # seconds a cell may run: the slowest real cell takes ~15 s on a loaded machine
# The page that sleeps is the first of its worker's queue, so the others run meanwhile.
FAULTS = {"es/GTM/progress": "sleep", "es/CRI/logistics": "kill", "es/GTM/logistics": "raise"}
EXPECTED_ERRORS = {
    "es/GTM/progress": f"a cell ran longer than the time limit ({TIMEOUT} s)",
    "es/CRI/logistics": "the kernel died while running the page",
    "es/GTM/logistics": "TFLIB_FAULT: failure injected into es/GTM/logistics",
}
# Killed builds re-run one page (forced), so a kill lands in ingest, the page or the publish.
KILL_SCOPE = ["--countries", "CRI", "--kinds", "progress", "--lang", "es", "--force"]
KILLS = 3
FAILED_MARK = "tf-failed-page"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project with the first months of the shipped submissions (a build ingests them)."""
    proj = make_project(tmp_path_factory.mktemp("faults") / "proj", with_submissions=True)
    months = sorted(p for p in (proj.submissions_dir / "sica" / "illustrative").iterdir() if p.is_dir())
    for later in months[3:]:
        shutil.rmtree(later)
    return proj


@pytest.fixture(scope="module")
def runtime(tmp_path_factory) -> Path:
    """The kernels' runtime folder: their connection files name it, so their processes are found."""
    return tmp_path_factory.mktemp("jupyter-runtime")


def environment(project, runtime: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TFLIB_FAULT"}
    return {**env, "TFLIB_ROOT": str(project.root), "JUPYTER_RUNTIME_DIR": str(runtime), "COLUMNS": "250", **extra}


def run_build(project, runtime: Path, *args: str, **extra: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tflib", "build", *args], capture_output=True, text=True, timeout=600, env=environment(project, runtime, **extra))
    return done, time.monotonic() - started


def kernels(runtime: Path) -> list[int]:
    """Kernel processes started by this module's builds (their command line names `runtime`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(runtime).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:  # gone meanwhile
                pass
    return found


def assert_no_kernels_left(runtime: Path, within: float = 30) -> None:
    """A kernel outlives its build by a moment at most (it polls its parent)."""
    deadline = time.monotonic() + within
    while (left := kernels(runtime)) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in left:  # our own kernels: stop them before failing
        os.kill(pid, signal.SIGKILL)
    assert not left, f"kernels still running {within:.0f} s after their build ended: {left}"


def re_ran(stdout: str) -> dict[str, str]:
    return dict(re.findall(r"^  re-ran (\S+): (.*)$", stdout, flags=re.M))


def failed(stdout: str) -> dict[str, str]:
    return dict(re.findall(r"^  FAILED (\S+): (.*)$", stdout, flags=re.M))


def manifest(project) -> dict:
    return json.loads((pages.work_dir(project, "sica") / "manifest.json").read_text(encoding="utf-8"))


def html_of(project, page_id: str) -> str:
    return (pages.site_dir(project, "sica") / f"{page_id}.html").read_text(encoding="utf-8")


LINK = re.compile(r"""(?:href|src)=["']([^"'#?]+)""")


def check_site(project) -> dict[str, bytes]:
    """The published site is whole: the index and every local link of every page resolve to a
    file, every page is complete HTML, no temporary file is inside; it is served over HTTP.
    Returns the site's files."""
    sites = pages.sites_dir(project)
    site = pages.site_dir(project, "sica")
    assert (sites / "index.html").is_file() and (site / "index.html").is_file()
    files = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    assert not [f for f in files if f.endswith((".tmp", ".partial")) or "/." in f or f.startswith(".")], sorted(files)
    html_files = [f for f in files if f.endswith(".html")]
    assert {f"{p}.html" for p in PAGES} <= set(html_files)
    for name in html_files + ["../index.html"]:
        path = (site / name).resolve()
        text = path.read_text(encoding="utf-8")
        assert text.rstrip().endswith("</html>"), f"{name} is not complete"
        for link in LINK.findall(text):
            if re.match(r"^[a-z]+:", link) or link.startswith("//"):
                continue
            assert (path.parent / link).resolve().exists(), f"{name} links to {link}, which does not exist"
    server = make_server(site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for name in ["index.html", *(f"{p}.html" for p in PAGES)]:
            conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
            conn.request("GET", f"/{name}")
            response = conn.getresponse()
            assert response.status == 200 and response.read() == files[name], name
            conn.close()
    finally:
        server.shutdown()
        server.server_close()
    return files


# ---------------------------------------------------------------------------------------------
# Failing pages


@pytest.fixture(scope="module")
def faulted(project, runtime):
    """A build whose pages fail in three ways, then the build after it, without faults."""
    faults = ",".join(f"{how}:{page}" + (":600" if how == "sleep" else "") for page, how in FAULTS.items())
    first, first_seconds = run_build(project, runtime, *SCOPE, "--timeout", str(TIMEOUT), "--workers", "2", TFLIB_FAULT=faults)
    assert_no_kernels_left(runtime)
    work = pages.work_dir(project, "sica") / "pages"
    after_first = {
        "manifest": manifest(project),
        "html": {p: html_of(project, p) for p in PAGES},
        "notebooks": {p.relative_to(work).as_posix(): p.read_text(encoding="utf-8") for p in sorted(work.rglob("*")) if p.is_file()},
    }
    second, seconds = run_build(project, runtime, *SCOPE, "--timeout", str(TIMEOUT), "--workers", "2")
    assert_no_kernels_left(runtime)
    print(f"build with faults {first_seconds:.1f} s, the build after it {seconds:.1f} s")
    return first, after_first, second, seconds


def test_failed_pages_are_listed_and_the_others_published(project, faulted):
    first, after, _, _ = faulted
    out = first.stdout
    assert first.returncode == 1, (first.stdout, first.stderr[-3000:])
    assert "Traceback" not in first.stdout + first.stderr
    assert "pages run 4, skipped (unchanged) 0, failed 3" in out, out
    errors = failed(out)
    assert sorted(errors) == sorted(FAULTS), out
    for page, expected in EXPECTED_ERRORS.items():
        assert expected in errors[page], (page, errors[page])
    # The page that succeeded is published; the failed ones are published as failed, with why.
    assert "site: " in out
    assert FAILED_MARK not in after["html"]["es/CRI/progress"]
    for page, expected in EXPECTED_ERRORS.items():
        assert FAILED_MARK in after["html"][page] and expected in after["html"][page], page
    # Only the page that succeeded is recorded as up to date.
    recorded = after["manifest"]["pages"]
    assert {p: recorded[p]["ok"] for p in PAGES} == {p: p not in FAULTS for p in PAGES}
    # A failed page leaves no notebook where the page is read: only its failed run, to read.
    assert "es/CRI/progress.ipynb" in after["notebooks"]
    for page in FAULTS:
        assert f"{page}.ipynb" not in after["notebooks"], sorted(after["notebooks"])
    assert not [n for n in after["notebooks"] if "partial" in n], sorted(after["notebooks"])
    raised = nbformat.reads(after["notebooks"]["es/GTM/logistics.failed.ipynb"], as_version=4)
    assert "failure injected" in json.dumps([c.get("outputs", []) for c in raised.cells])


def test_the_next_build_runs_only_the_failed_pages(project, faulted):
    _, _, second, _ = faulted
    out = second.stdout
    assert second.returncode == 0, (out, second.stderr[-3000:])
    assert re_ran(out) == {page: "failed in the previous build" for page in FAULTS}, out
    assert "pages run 3, skipped (unchanged) 1, failed 0" in out, out
    assert {p: v["ok"] for p, v in manifest(project)["pages"].items()} == {p: True for p in PAGES}
    for page in PAGES:
        assert FAILED_MARK not in html_of(project, page), page
    check_site(project)


# ---------------------------------------------------------------------------------------------
# Killed builds


def test_a_killed_build_leaves_the_site_servable_and_the_next_build_completes(project, runtime, faulted):
    # The build after the faulted one re-ran three pages; a forced one-page build takes about
    # half its time, which bounds the kill delays. Kill n falls in the n-th part of that span,
    # so the kills spread over ingest, the page and the publish.
    bound = 0.5 * faulted[3]
    seed = int(os.environ.get("TFLIB_KILL_SEED") or random.randrange(2**32))
    print(f"kill seed {seed} (TFLIB_KILL_SEED={seed} replays these kills); delays up to {bound:.1f} s")
    rng = random.Random(seed)
    site = check_site(project)
    work = pages.work_dir(project, "sica")
    for n in range(KILLS):
        delay = rng.uniform(max(0.2, n * bound / KILLS), (n + 1) * bound / KILLS)
        proc = subprocess.Popen(
            [sys.executable, "-m", "tflib", "build", *KILL_SCOPE, "--timeout", str(TIMEOUT)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment(project, runtime), start_new_session=True,
        )
        try:
            proc.wait(timeout=delay)
            print(f"kill {n + 1}: the build ended before {delay:.1f} s (exit {proc.returncode})")
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            print(f"kill {n + 1}: SIGKILL after {delay:.1f} s")
        assert_no_kernels_left(runtime)
        now = check_site(project)
        print(f"  site {'as before' if now == site else 'replaced whole by the new one'}")
        site = now
        # What the build left for the next one is whole too: the manifest, and every page it
        # records as done has a notebook with every cell run (papermill writes the notebook
        # cell by cell: one killed mid-page must not pass for a finished page).
        for page, entry in manifest(project)["pages"].items():
            executed = pages.Address.from_page_id("sica", page).executed(work)
            if entry["ok"] and executed.exists():
                nb = nbformat.read(executed, as_version=4)
                assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), f"{page}: a half-run notebook is recorded as done"
    done_before = {p for p, v in manifest(project)["pages"].items() if v["ok"]}
    final, _ = run_build(project, runtime, *SCOPE, "--timeout", str(TIMEOUT))
    assert final.returncode == 0, (final.stdout, final.stderr[-3000:])
    assert_no_kernels_left(runtime)
    # A page recorded as done runs again only if one of its inputs changed since (the code, when
    # it is being edited meanwhile): never because a killed build left it half done.
    ran = re_ran(final.stdout)
    assert all("changed" in why for page, why in ran.items() if page in done_before), (ran, done_before)
    assert {p: v["ok"] for p, v in manifest(project)["pages"].items()} == {p: True for p in PAGES}
    for page in PAGES:
        assert FAILED_MARK not in html_of(project, page), page
    check_site(project)
