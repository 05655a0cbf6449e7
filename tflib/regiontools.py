"""Tools over one region as a whole: check its params before a first build, reset its data.

`check` reports every problem it finds, one line each naming the file and the key (loading
stops at the first broken file, so the checks that need loaded params run only once it loads).
`reset` removes everything tflib wrote for one region, and nothing of another region.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from . import pages
from .params import ParamsError, RegionParams, available_regions, load_region
from .paths import Project, resolve
from .store import _WriteLock, lock_path, store_path, wal_path


def known_region(region: str, project: Project | str | Path | None = None) -> str:
    """`region` when it is a region of the project; ValueError (one line) otherwise."""
    known = available_regions(project)
    if region not in known:  # only a listed folder: a region id never names a path
        raise ValueError(f"no region {region!r} (known: {', '.join(known) or 'none'})")
    return region


# ---------------------------------------------------------------------------------------------
# check


@dataclass(frozen=True)
class CheckReport:
    region: str
    problems: list[str]
    summary: str


def check(region: str, project: Project | str | Path | None = None) -> CheckReport:
    """Every problem of the region's params, one line each (`file: key: message`)."""
    proj = resolve(project)
    known_region(region, proj)
    problems: list[str] = []
    params: RegionParams | None = None
    try:
        params = load_region(region, proj)
    except ParamsError as exc:
        problems += [line for line in str(exc).splitlines() if line.strip()]

    # A language without a UI catalog is refused by load_region itself, first, from region.yaml.

    # Notebooks: of the kinds the region has, or of every kind when its params do not load.
    kinds = [k for k in pages.KINDS if params is None or pages.addresses(params, kinds=[k])]
    for name in kinds:
        path = pages.notebook(proj, name)
        if not path.exists():
            problems.append(f"{path}: {name}: notebook of page kind {name!r} not found (tflib.pages)")

    if params is not None:
        problems += _impact_problems(params)
        problems += _agency_problems(params)

    summary = ""
    if params is not None and not problems:
        n_pages = len(pages.addresses(params))
        summary = (
            f"{region}: params valid: {len(params.countries)} members, {len(params.measures)} measures, "
            f"languages {', '.join(params.languages)}, {n_pages} pages of {len(kinds)} kinds"
        )
    return CheckReport(region, problems, summary)


def _impact_problems(params: RegionParams) -> list[str]:
    from .analysis.impact import impact_path, load_impact

    if not pages.addresses(params, kinds=["impact"]):
        return []
    path = impact_path(params)  # the region's, else params/defaults/impact.yaml
    if not path.exists():
        return [f"{path}: (file): not found; the impact page applies to this region's members, so its assumptions are needed"]
    try:
        load_impact(params)
    except ParamsError as exc:
        return [line for line in str(exc).splitlines() if line.strip()]
    return []


def _agency_problems(params: RegionParams) -> list[str]:
    """Every member, party or not, gets action items: each needs an agency for every role."""
    roles = {s.role for m in params.measures for s in m.steps}
    out = []
    for code, country in params.countries.items():
        missing = sorted(r for r in roles if country.agency_for(r) is None)
        if missing:
            path = params.folder / "countries" / f"{code}.yaml"
            out.append(f"{path}: agencies: no agency holds role(s) {missing} used by the strategy")
    return out


# ---------------------------------------------------------------------------------------------
# reset


def reset_targets(region: str, project: Project | str | Path | None = None) -> list[Path]:
    """Every file and folder tflib writes for `region` (whether it exists or not)."""
    proj = resolve(project)
    store = store_path(region, proj)
    return [
        store,
        wal_path(store),
        lock_path(store),
        proj.archive_dir / region,
        proj.quarantine_dir / region,
        proj.feedback_dir / region,
        proj.pending_dir / region,
        pages.site_dir(proj, region),
        pages.work_dir(proj, region),
    ]


def existing_targets(region: str, project: Project | str | Path | None = None) -> list[Path]:
    return [p for p in reset_targets(region, project) if p.exists() or p.is_symlink()]


def reset(region: str, project: Project | str | Path | None = None, wait: float = 120.0) -> list[Path]:
    """Delete the region's store, archive, quarantine, feedback, pending ingests, site and
    work folder; return what was deleted. Holds the store's write lock meanwhile, so no ingest
    is cut half-way (StoreBusy when another writer keeps it longer than `wait` seconds)."""
    proj = resolve(project)
    known_region(region, proj)
    targets = existing_targets(region, proj)
    store = store_path(region, proj)
    lock = lock_path(store)
    if not targets:
        return []
    held = _WriteLock.acquire(store, time.monotonic() + wait, wait, purpose="reset") if store.parent.exists() else None
    try:
        for path in targets:
            if path == lock:
                continue  # removed once released
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
    finally:
        if held is not None:
            held.release()
    lock.unlink(missing_ok=True)
    return targets


__all__ = ["CheckReport", "check", "existing_targets", "known_region", "reset", "reset_targets"]
