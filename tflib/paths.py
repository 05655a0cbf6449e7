"""Where a tflib project keeps its params, data and reports.

A project is a folder with `params/`, `data/` and `reports/`. By default it is the checkout
this package was installed from; `TFLIB_ROOT` points elsewhere (tests use temporary projects).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def default(cls) -> "Project":
        env = os.environ.get("TFLIB_ROOT")
        return cls(Path(env).resolve() if env else _PACKAGE_PARENT)

    @property
    def params_dir(self) -> Path:
        return self.root / "params"

    @property
    def regions_dir(self) -> Path:
        return self.params_dir / "regions"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def reference_dir(self) -> Path:
        return self.data_dir / "reference"

    @property
    def submissions_dir(self) -> Path:
        return self.data_dir / "submissions"

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def feedback_dir(self) -> Path:
        return self.data_dir / "feedback"

    @property
    def pending_dir(self) -> Path:
        """Files of an ingest between validation and commit (tflib.ingest)."""
        return self.data_dir / "pending"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"


def resolve(project: Project | str | Path | None) -> Project:
    """Accept a Project, a folder, or None (the default project)."""
    if project is None:
        return Project.default()
    if isinstance(project, Project):
        return project
    return Project(Path(project).resolve())
