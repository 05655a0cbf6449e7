"""Temporary tflib projects for tests: a copy of the repository's params beside its reference data."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from tflib.paths import Project

REPO = Project.default()


def make_project(root: Path, with_submissions: bool = False) -> Project:
    """A project in `root` with the repository's params and reference data (linked, read-only)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO.params_dir, root / "params")
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "reference").symlink_to(REPO.reference_dir, target_is_directory=True)
    if with_submissions:
        shutil.copytree(REPO.submissions_dir, root / "data" / "submissions")
    return Project(root)


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    """A UTF-8 CSV submission file (folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path
