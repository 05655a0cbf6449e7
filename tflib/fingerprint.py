"""Fingerprints: what a page's output depends on, by content, shared by the build and the site.

A page's fingerprint is made of named parts (its declared tables, its notebook, the params
it reads, the message catalogs and the library code), so the build can say *why* a page
re-ran ("tables changed: indicators"), not only that it did. The site's fingerprint is made
of every page's and every release table's, so an unchanged region is never republished.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from . import __version__
from .params import RegionParams, region_file
from .paths import Project

PACKAGE = Path(__file__).resolve().parent
CODE_SUFFIXES = {".py", ".j2", ".html", ".css", ".js", ".typ"}
CATALOG_SUFFIXES = {".po"}


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_files(paths: Iterable[Path], root: Path) -> str:
    """One digest of files by relative name and content, in a stable order."""
    h = hashlib.sha256()
    for p in sorted(paths, key=lambda q: q.as_posix()):
        h.update((p.relative_to(root) if p.is_relative_to(root) else Path(p.name)).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _package_files(suffixes: set[str]) -> list[Path]:
    return [p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in suffixes and "__pycache__" not in p.parts]


def code_digest() -> str:
    """The library's version and source (a code change may change any page)."""
    return digest_bytes(__version__.encode() + digest_files(_package_files(CODE_SUFFIXES), PACKAGE).encode())


def catalogs_digest() -> str:
    """The message catalogs: every word a page shows in its language. A pseudo-locale build
    (`i18n.pseudo`) shows other words, so its pages and site are never reused by a real one."""
    from .i18n import pseudo

    found = digest_files(_package_files(CATALOG_SUFFIXES), PACKAGE)
    return digest_bytes(f"pseudo:{found}".encode()) if pseudo() else found


def params_digest(params: RegionParams, project: Project) -> str:
    """Every params file the region's pages read: the region's folder and, for the files the
    region leaves out, the shared catalogue or the defaults it reads instead."""
    files = [p for p in params.folder.rglob("*") if p.is_file()]
    for name in ("indicators.yaml", "impact.yaml"):
        used = region_file(params.folder, name)
        if used.parent != params.folder and used.exists():
            files.append(used)
    return digest_files(files, project.root)


def combine(parts: Mapping[str, str]) -> str:
    return digest_bytes(json.dumps(dict(parts), sort_keys=True).encode())


def page_parts(tables: Mapping[str, str], notebook: Path, parameters: Mapping[str, object], params: str, catalogs: str, code: str) -> dict[str, str]:
    """The named parts of a page's fingerprint (each a digest)."""
    parts = {f"table:{name}": d for name, d in sorted(tables.items())}
    parts.update(
        notebook=digest_bytes(notebook.read_bytes()),
        parameters=digest_bytes(json.dumps(dict(parameters), sort_keys=True).encode()),
        params=params,
        catalogs=catalogs,
        code=code,
    )
    return parts


def reasons(old: Mapping[str, str] | None, new: Mapping[str, str]) -> list[str]:
    """Why a page whose parts were `old` must run again with parts `new` (empty: it need not)."""
    if not old:
        return ["new page"]
    tables = sorted(k.split(":", 1)[1] for k in set(old) | set(new) if k.startswith("table:") and old.get(k) != new.get(k))
    out = [f"tables changed: {', '.join(tables)}"] if tables else []
    out += [f"{k} changed" for k in ("notebook", "parameters", "params", "catalogs", "code") if old.get(k) != new.get(k)]
    return out
