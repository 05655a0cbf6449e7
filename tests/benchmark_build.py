"""Benchmark: warm kernels against fresh kernels, and a no-op rebuild against a full build,
measured side by side in one run on the shipped data (not a test: run it by hand).

    .venv/bin/python tests/benchmark_build.py [--pages N]

Prints seconds and the ratios the design relies on (warm pages several times faster than
cold ones; a no-op rebuild a small fraction of a full build).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from projects import REPO, make_project  # noqa: E402

from tflib import pages as registry  # noqa: E402
from tflib.build import build  # noqa: E402
from tflib.ingest import ingest  # noqa: E402
from tflib.params import load_region  # noqa: E402
from tflib.runner import Job, run_jobs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=16, help="pages for the warm/cold comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proj = make_project(Path(tmp) / "proj", with_submissions=True)
        ingest([proj.submissions_dir / "sica"], "sica", proj)
        params = load_region("sica", proj)
        env = {"TFLIB_ROOT": str(proj.root)}

        t0 = time.perf_counter()
        full = build("sica", project=proj, workers=2)
        t_full = time.perf_counter() - t0
        t0 = time.perf_counter()
        noop = build("sica", project=proj, workers=2)
        t_noop = time.perf_counter() - t0
        print(f"full build: {full.pages_run} pages + publish in {t_full:.1f} s; "
              f"no-op rebuild: {noop.pages_run} pages in {t_noop:.1f} s; no-op/full = {t_noop / t_full:.1%}")

        # The same pages again, from the inputs the build materialised, warm and cold.
        work = registry.work_dir(proj, "sica")
        chosen = [a for a in registry.addresses(params) if a.member][: args.pages]

        def jobs(tag: str) -> list[Job]:
            return [Job(registry.notebook(REPO, a.kind), Path(tmp) / tag / f"{a.page_id.replace('/', '_')}.ipynb", a.parameters(a.inputs(work).relative_to(proj.root))) for a in chosen]

        warm = run_jobs(jobs("warm"), workers=2, warm=True, env=env)
        cold = run_jobs(jobs("cold"), workers=2, warm=False, env=env)
        print(f"{len(chosen)} pages, 2 workers: warm {warm.seconds:.1f} s ({warm.seconds / len(chosen):.2f} s/page), "
              f"cold {cold.seconds:.1f} s ({cold.seconds / len(chosen):.2f} s/page); cold/warm = {cold.seconds / warm.seconds:.1f}x")


if __name__ == "__main__":
    main()
