"""Corrections: a voided submission's rows stop counting everywhere (progress, indicators,
scores, warnings) exactly as if it had never been ingested; voiding is recorded, audited,
reversible, and deletes nothing."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import polars as pl
import pytest

import tflib
from tflib import monitor, scores
from tflib.ingest import ingest
from tflib.params import load_region
from tflib.store import Store

from projects import REPO, make_project, write_csv

MONTHS = ("2025-06", "2025-07")
VOIDED = ("2025-07/GTM_progress.csv", "2025-07/GTM_indicators.csv")
HEADER = ["country", "item_id", "reported_on", "status", "pct_complete", "note"]
IDS = ("update_id", "obs_id")
# A submission's id is the SHA-256 of its file.
TARGETS = tuple(hashlib.sha256((REPO.submissions_dir / "sica" / "illustrative" / v).read_bytes()).hexdigest() for v in VOIDED)


def _tflib(proj, *args: str):
    """The command line, run in this process (quicker than a subprocess) against `proj`."""
    from typer.testing import CliRunner

    from tflib.cli import app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TFLIB_ROOT", str(proj.root))
        mp.setenv("COLUMNS", "200")
        res = CliRunner().invoke(app, list(args))
    res.returncode = res.exit_code
    return res


def _files(skip: tuple[str, ...] = ()) -> list[Path]:
    base = REPO.submissions_dir / "sica" / "illustrative"
    return [f for m in MONTHS for f in sorted((base / m).glob("*.csv")) if f"{m}/{f.name}" not in skip]


def _views(proj) -> dict[str, pl.DataFrame]:
    """What every score, warning, page and download is computed from, minus row ids."""
    strip = lambda df: df.drop([c for c in IDS if c in df.columns])  # noqa: E731
    params = load_region("sica", proj)
    return {
        "progress": strip(tflib.progress(params, project=proj)),
        "history": strip(tflib.progress(params, history=True, project=proj)),
        "indicators": strip(tflib.indicators(params, project=proj)),
        "indicator_history": strip(tflib.indicators(params, history=True, project=proj)),
        "scores": scores.scores(params, project=proj),
        "warnings": monitor.warnings_for_region(params, project=proj),
    }


def _same(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> list[str]:
    return [name for name in a if not a[name].equals(b[name])]


def test_a_voided_submission_counts_as_never_ingested_until_unvoided(tmp_path):
    full = make_project(tmp_path / "full")
    done = ingest(_files(), "sica", full)
    without = make_project(tmp_path / "without")
    rest = ingest(_files(skip=VOIDED), "sica", without)
    assert len(done) == len(rest) + 2 and [r.outcome for r in done if r.sha256 in TARGETS] == ["accepted", "accepted"]
    original, reference = _views(full), _views(without)
    assert set(_same(original, reference)) == set(original)  # the two files matter to every view
    raw = tflib.counts("sica", full)

    log = tflib.submissions("sica", full)
    targets = list(TARGETS)
    assert set(targets) <= set(log["submission_id"])
    res = _tflib(full, "submission", "void", targets[0][:8], "--reason", "sent before the ministry's sign-off", "--by", "secretariat-qa", "--region", "sica")
    assert res.returncode == 0, res.stderr
    assert targets[0][:12] in res.stdout and "no longer count" in res.stdout
    with Store.create("sica", full) as store:
        store.void(targets[1][:8], reason="sent before the ministry's sign-off", by="secretariat-qa")
    assert _same(_views(full), reference) == []

    # Nothing was deleted: every row is still stored, and the void records were added.
    after = tflib.counts("sica", full)
    assert {k: v for k, v in after.items() if k != "submission_voids"} == {k: v for k, v in raw.items() if k != "submission_voids"}
    assert after["submission_voids"] == 2

    res = _tflib(full, "submission", "unvoid", targets[0], "--reason", "sign-off received after all")
    assert res.returncode == 0, res.stderr
    with Store.create("sica", full) as store:
        store.unvoid(targets[1][:20], reason="sign-off received after all", by="secretariat-qa")
    assert _same(_views(full), original) == []

    # Audited: every record is listed, with who, when and why; the latest one wins.
    res = _tflib(full, "submission", "show", targets[0][:8], "--format", "json")
    assert res.returncode == 0, res.stderr
    shown = json.loads(res.stdout)
    assert shown["submission_id"] == targets[0] and shown["voided"] is False
    assert [(r["action"], r["recorded_by"], r["reason"]) for r in shown["corrections"]] == [
        ("void", "secretariat-qa", "sent before the ministry's sign-off"),
        ("unvoid", _os_user(), "sign-off received after all"),
    ]
    assert all(r["recorded_at"] for r in shown["corrections"])
    res = _tflib(full, "submission", "list", "--format", "json")
    assert res.returncode == 0, res.stderr
    listed = json.loads(res.stdout)
    assert len(listed["submissions"]) == log.height and len(listed["corrections"]) == 4
    assert not any(s["voided"] for s in listed["submissions"])


def _os_user() -> str:
    import getpass

    return getpass.getuser()


@pytest.fixture
def project(tmp_path):
    proj = make_project(tmp_path / "proj")
    Store.create("sica", proj).close()
    return proj


def test_a_corrected_resubmission_of_a_voided_file_is_stored_in_full(project, tmp_path):
    items = tflib.action_items("sica", country="CRI", project=project)["item_id"].to_list()
    wrong = write_csv(tmp_path / "a" / "cri.csv", HEADER, [["CRI", items[0], "2025-03-31", "partial", 40, ""], ["CRI", items[1], "2025-03-31", "full", 100, ""]])
    (first,) = ingest([wrong], "sica", project)
    with Store.create("sica", project) as store:
        store.void(first.sha256, reason="item 2 is not finished", by="qa")
    right = write_csv(tmp_path / "b" / "cri.csv", HEADER, [["CRI", items[0], "2025-03-31", "partial", 40, ""], ["CRI", items[1], "2025-03-31", "partial", 70, ""]])
    (second,) = ingest([right], "sica", project)
    # The unchanged row is stored again: it only repeats a voided row.
    assert second.inserted == 2
    current = tflib.progress("sica", country="CRI", project=project).filter(pl.col("item_id").is_in(items[:2]))
    assert current.sort("item_id")["pct_complete"].to_list() == [40.0, 70.0]
    assert tflib.progress("sica", history=True, project=project).height == 2


def test_corrections_refuse_what_they_cannot_do(project, tmp_path):
    items = tflib.action_items("sica", country="CRI", project=project)["item_id"].to_list()
    files = [write_csv(tmp_path / f"f{i}" / "cri.csv", HEADER, [["CRI", items[i], "2025-03-31", "pilot", 5, ""]]) for i in range(2)]
    a, b = ingest(files, "sica", project)
    with Store.create("sica", project) as store:
        with pytest.raises(ValueError, match="no submission 'ffff"):
            store.void("ffff", reason="x", by="qa")
        with pytest.raises(ValueError, match="reason"):
            store.void(a.sha256, reason="  ", by="qa")
        with pytest.raises(ValueError, match="is not voided"):
            store.unvoid(a.sha256, reason="x", by="qa")
        store.void(a.sha256, reason="x", by="qa")
        with pytest.raises(ValueError, match="already voided"):
            store.void(a.sha256[:6], reason="again", by="qa")
        for sid in ("abc1" + "0" * 60, "abc2" + "0" * 60):
            store.log_submission({"submission_id": sid, "file_name": f"{sid[:4]}.csv", "rows_in": 0, "accepted": 0,
                                  "inserted": 0, "quarantined": 0, "outcome": "rejected", "archive_path": ""})
        with pytest.raises(ValueError, match="'abc' matches 2 submissions"):
            store.resolve_submission("abc")
        assert store.resolve_submission("ABC2") == "abc2" + "0" * 60
        assert store.resolve_submission(b.sha256) == b.sha256
        with pytest.raises(ValueError, match="submission id"):
            store.resolve_submission("")
    res = _tflib(project, "submission", "void", "0000zz", "--reason", "x")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    res = _tflib(project, "submission", "unvoid", a.sha256, "--reason", "")
    assert res.returncode == 2 and "reason" in res.stderr, res.stderr


def test_every_reader_of_the_rows_goes_through_the_live_views():
    """Only the store touches progress_updates and indicator_observations directly; every
    other reader uses the views that leave out voided submissions."""
    raw = re.compile(r"\b(?:FROM|JOIN)\s+(?:progress_updates|indicator_observations)\b", re.I)
    offenders = []
    for path in sorted((REPO.root / "tflib").rglob("*.py")):
        if path.name == "store.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if raw.search(line):
                offenders.append(f"{path.relative_to(REPO.root)}:{n}: {line.strip()}")
    assert offenders == []
    # And the views exist and are what tracker reads.
    text = (REPO.root / "tflib" / "tracker.py").read_text(encoding="utf-8")
    assert "progress_updates_live" in text and "indicator_observations_live" in text
