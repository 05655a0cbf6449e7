"""Atomic publishing: a site folder is replaced whole or not at all.

A new site is written in a temporary folder beside the old one (same file system) and swapped
into place; an interruption leaves either the old site or the new one, and the next publish
cleans up what an interrupted one left. On Linux the two folders are exchanged in one step
(renameat2 RENAME_EXCHANGE), so there is no moment without a site to serve; elsewhere two
renames leave a moment without one, which `recover` repairs. One publisher at a time per folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def lock(site_dir: Path) -> Iterator[None]:
    """One publisher at a time per site folder (a lock file beside it)."""
    lock_path = site_dir.parent / f".{site_dir.name}.lock"
    with open(lock_path, "a+") as fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - not POSIX: no lock
            pass
        yield


def recover(site_dir: Path) -> None:
    """Undo what an interrupted publish left: a site moved aside but not replaced is put back;
    half-built folders and old backups are removed."""
    parent = site_dir.parent
    backups = sorted(parent.glob(f".{site_dir.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not site_dir.exists() and backups:
        os.replace(backups.pop(), site_dir)
    for leftover in [*backups, *parent.glob(f".{site_dir.name}.new-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False where the system or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a libc without renameat2 (glibc < 2.28, some musl)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap(new: Path, site_dir: Path) -> None:
    """Put `new` in the place of `site_dir`: exchanged in one step where possible (the old site
    is then in `new`, deleted), else old -> backup, new -> site_dir, backup deleted."""
    if site_dir.exists() and exchange(new, site_dir):
        shutil.rmtree(new, ignore_errors=True)  # left by a kill now: `recover` deletes it
        return
    backup = None
    if site_dir.exists():
        backup = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
        backup.rmdir()
        os.replace(site_dir, backup)
    try:
        os.replace(new, site_dir)
    except BaseException:
        if backup is not None:
            os.replace(backup, site_dir)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
