"""`tflib bench` measures what it says: both sides run the same pages on the same inputs.

The benchmark is a command, not a test, and nothing here asserts a timing. A quick run (two
pages, no ingest benchmark) proves that the naive anchor really ran the `papermill` CLI and
`jupyter nbconvert` (their files exist, with papermill's record of the parameters) and that its
executed notebooks show what tflib's pages show, that the no-op rebuild ran nothing, that the
member's submission landed and re-ran its page, and that the report ends with its one-line
summary (`LAST_LINE`, which `.ci/run` checks on the command's output too).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from projects import REPO, make_project
from tflib import bench
from tflib import pages as registry
from tflib.cli import app
from tflib.params import load_region
from tflib.paths import Project
from tflib.sample import write_scaled_region

LAST_LINE = re.compile(r"speed-up over naive papermill\+nbconvert: \d+\.\d×")


def check_last_line(lines: list[str]) -> None:
    """The report's last line, exactly as the issue and `.ci/run` read it."""
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]


def _outputs(path: Path) -> list[list]:
    nb = nbformat.read(path, as_version=4)
    return [cell.get("outputs", []) for cell in nb.cells if cell.cell_type == "code"]


@pytest.mark.slow
def test_a_quick_bench_runs_the_anchor_and_tflib_on_the_same_pages(tmp_path):
    progress: list[str] = []
    root_before = os.environ.get("TFLIB_ROOT")
    result = bench.run("sica", pages=2, ingest_rows=0, workdir=tmp_path, out=progress.append)
    proj_root = tmp_path / "project"
    params = load_region("sica", REPO)
    # Two pages spread over the kinds: the first page of each of the first two kinds.
    first_kinds = list(registry.KINDS)[:2]
    expected = [registry.addresses(params, kinds=[k])[0] for k in first_kinds]
    assert result.selection == expected

    # The anchor ran papermill's CLI and nbconvert on each page, with the page's parameters.
    work = registry.work_dir(Project(proj_root), "sica")
    assert [p.address for p in result.anchor.pages] == expected and not result.anchor.sampled
    for page in result.anchor.pages:
        assert page.error is None
        anchor_nb = nbformat.read(page.executed, as_version=4)
        tflib_nb = nbformat.read(page.address.executed(work), as_version=4)
        assert anchor_nb.metadata.papermill.parameters == tflib_nb.metadata.papermill.parameters == page.address.parameters(page.address.inputs(work).relative_to(proj_root))
        html = page.html.read_text(encoding="utf-8")
        assert "page.context(" not in html  # --no-input: the page, not its code
        assert 'class="jp-Notebook' in html or "jp-Cell" in html
    # Both sides showed the same page from the same inputs, until the submission changed one.
    assert sorted(result.same_outputs) == sorted(a.page_id for a in expected) and result.differing_outputs == []
    changed = set(result.after_submission.ran)
    for page in result.anchor.pages:
        same = _outputs(page.executed) == _outputs(page.address.executed(work))
        assert same == (page.address.page_id not in changed), page.address.page_id

    # tflib built exactly those pages, then a no-op rebuild ran none.
    assert result.full.pages_run == 2 and not result.full.report.failures
    assert result.noop.pages_run == 0
    # The member's submission is stored and re-ran its progress page (and no page it does not show).
    import tflib

    sub = result.submission
    stored = tflib.progress("sica", country=sub.member, project=proj_root)
    row = stored.filter(stored["item_id"] == sub.item_id).row(0, named=True)
    assert (row["reported_on"], row["pct_complete"]) == (params.as_of, sub.pct_complete)
    own_progress = next(a.page_id for a in expected if a.kind == "progress")
    assert expected[0].member == sub.member and own_progress in changed
    assert changed <= {a.page_id for a in expected}
    assert result.kernels.pages == 2
    # The service: a submission posted over HTTP reached the member's page; concurrent ones all landed.
    svc = result.service
    assert svc.latency is not None and svc.status == 201
    served = (result.full.report.site / registry.Address("sica", "progress", svc.member, "es").html).read_text(encoding="utf-8")
    assert f'"item_id":"{svc.item_id}"' in served and f'"pct":{svc.pct!r}' in served
    assert svc.landed == svc.concurrent == 10 and svc.rows_stored == svc.rows_sent > 0

    lines = result.lines()
    text = "\n".join(progress + lines)
    assert f"{os.cpu_count()} cores" in text and "all 2 pages run, not sampled" in text
    assert f"pages re-ran: {len(changed)} ({', '.join(sorted(changed))})" in text
    assert f"{result.site_bytes / 1e6 / 2:.2f} MB/page" in text
    for target in ("warm page median", "publishing", "no-op rebuild", "site <", "submission to published"):
        assert any(target in line and ("✓" in line or "✗" in line) for line in lines), target
    check_last_line(lines)
    assert lines[-1] == f"speed-up over naive papermill+nbconvert: {result.anchor.per_page / result.tflib_per_page:.1f}×"
    # Everything was built in the temporary project, and the default project is the caller's again.
    assert result.full.report.site.is_relative_to(proj_root) and page.executed.is_relative_to(tmp_path)
    assert os.environ.get("TFLIB_ROOT") == root_before


def test_pages_are_spread_over_the_kinds_and_the_anchor_samples_every_kind_and_language():
    params = load_region("sica", REPO)
    every = registry.addresses(params)
    kinds = [k for k in registry.KINDS if registry.addresses(params, kinds=[k])]
    assert [a.kind for a in bench.spread_pages(params, len(kinds))] == kinds
    everything = bench.spread_pages(params, 10_000)
    assert len(everything) == len(every) and set(everything) == set(every)
    sample = bench.anchor_sample(every)
    for kind in kinds:
        for lang in params.languages:
            group = [a for a in every if (a.kind, a.lang) == (kind, lang)]
            picked = [a for a in sample if (a.kind, a.lang) == (kind, lang)]
            assert len(picked) == min(2, len(group)) and set(picked) <= set(group)


def test_a_sampled_anchor_is_extrapolated_per_kind_and_language():
    a, b, c, d, e = (registry.Address("r", kind, member, "en") for kind, member in
                     [("progress", "AAA"), ("progress", "BBB"), ("progress", "CCC"), ("progress", "DDD"), ("overview", None)])
    ran = [bench.AnchorPage(x, Path("x"), Path("x"), pm, nc) for x, pm, nc in [(a, 3.0, 1.0), (d, 5.0, 1.0), (e, 9.0, 1.0)]]
    run = bench.AnchorRun(ran, [a, b, c, d, e], materialise=2.0, cpu=0.0)
    # progress: mean of 4 s and 6 s, times 4 pages; overview: 10 s, once; plus materialisation.
    assert run.sampled and run.seconds == pytest.approx(2.0 + 5.0 * 4 + 10.0)
    assert run.per_page == pytest.approx(32.0 / 5)


def test_the_scale_series_reports_flatness_against_the_smallest_region():
    from tflib.build import BuildReport

    def point(n: int, pages: int, wall: float, peak: int) -> bench.ScalePoint:
        run = bench.BuildRun(BuildReport(pages_run=pages), wall, 1.0, wall - 2.0, 1.0, [], [], 0.0, peak)
        return bench.ScalePoint(n, f"scaled_{n}", pages, run, site_bytes=pages * 100_000, missing_kinds=[])

    # 2.0, 2.4 and 2.2 s/page: 20 % and 10 % over the smallest, within ±25 %.
    result = bench.ScaleResult([point(8, 50, 100.0, 2 * bench.GIB), point(40, 250, 600.0, 3 * bench.GIB), point(164, 1000, 2200.0, 5 * bench.GIB)], "en", 2)
    lines = result.lines()
    assert any("✓" in line and "flat within ±25%" in line and "+20%" in line for line in lines)
    assert any("✗" in line and "164 economies in under 15 min" in line and "36.7 min" in line for line in lines)
    assert any("✗" in line and "under 4 GiB" in line and "5.00 GiB" in line for line in lines)
    assert any(line.strip().startswith("164 economies: 1000 pages") and "2.20 s/page (1.10×" in line for line in lines)
    assert lines[-1] == "per-page time at 164 economies over 8: 1.10× (flat within ±25%: ✓)"


@pytest.mark.parametrize("n", [8, 40, 164])
def test_every_scaled_region_of_the_series_has_every_page_kind(tmp_path, n):
    proj = make_project(tmp_path / "proj")
    region = write_scaled_region(n, proj, "sica", template_project=REPO, languages=["en"])
    params = load_region(region, proj)
    assert params.languages == ["en"]
    assert {a.kind for a in registry.addresses(params)} == set(registry.KINDS)
    members = set(params.region.member_codes)
    for crossing in params.region.border_crossings:
        assert set(crossing.countries) & members
        # Island economies have no land border, so no crossing.
        assert not set(crossing.countries) & {"ISL", "JAM", "JPN", "NZL", "MDG", "MUS"}


@pytest.mark.parametrize(
    "args, option",
    [(["--pages", "0"], "--pages"), (["--scale", "0,8"], "--scale"), (["--scale", "8,x"], "--scale"),
     (["--scale", "8", "--pages", "2"], "--scale"), (["--ingest-rows", "-1"], "--ingest-rows"),
     (["--workers", "0"], "--workers"), (["--region", "nowhere"], "--region")],
)
def test_bad_bench_options_are_refused_before_any_work(args, option):
    result = CliRunner().invoke(app, ["bench", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and option in result.output, result.output
