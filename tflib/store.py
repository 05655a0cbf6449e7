"""The tracker store: one embedded DuckDB file per region.

Tables: measures, commitments, action_items, progress_updates (append-only), indicator
observations (append-only), schedule_revisions, submissions (a log of every file ingested)
and submission_voids (append-only corrections). The schema is created by code; opening an
existing store is idempotent. Later reports supersede earlier ones in the "current" views,
but every row ever accepted stays queryable.

**Concurrency: a short write window, readers that wait it out.** DuckDB lets one process
open the file read-write, and while it does no other process may open it at all, not even
read-only ("Could not set lock on file"). So:

- Every writer first takes an exclusive lock on ``<store>.lock`` beside the store
  (``flock``), waiting up to ``wait`` seconds (`Store.create(..., wait=120)`), and only then
  opens DuckDB read-write; it releases the lock after closing DuckDB. Two writers therefore
  take turns instead of failing, and one that cannot get the lock in time raises
  `StoreBusy` (the command line exits 3).
- Writers keep the window short: files are read and checked before the lock is taken, the
  plan is computed before its transaction, and each commit is one transaction.
- A reader (`Store.open(..., read_only=True, wait=60)`) never fails because a write is in
  progress: while the lock is held, or DuckDB refuses the file, it retries with a short
  backoff until ``wait`` runs out (then `StoreBusy`). While a writer holds the lock new
  readers hold back, so a stream of readers cannot starve a writer.
- In one process the lock is re-entrant for the thread holding it; other threads wait.

**Corrections.** A submission is voided or restored by appending a record to
``submission_voids`` (who, when, why); the latest record of a submission wins and nothing is
deleted. Every reader of progress and indicator rows reads the views
``progress_updates_live`` and ``indicator_observations_live``, which leave out the rows of
voided submissions (`Store.rows_table`).

**Schema versions.** ``meta.schema_version`` says which schema a store has. A writer that
prepares an older store runs the `MIGRATIONS` in order (2 -> 3, ...) in one transaction; a
read-only open of an older store says to run any write command. A store newer than the code
is refused.

**Backup and restore** (`backup`, `restore`): a copy is taken under the write lock (so no
writer is mid-commit) while readers go on; a restore checks that the file is a store of the
same region, upgrades the copy, and swaps it in with ``os.replace`` under the write lock,
keeping the store it replaces.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from .params import RegionParams, load_region
from .paths import Project, resolve
from .plan import allocate

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None
    import msvcrt

SCHEMA_VERSION = "3"
READ_WAIT = 60.0  # seconds a reader waits out a write
WRITE_WAIT = 120.0  # seconds a writer waits for another writer


class StoreBusy(RuntimeError):
    """Another process held the store for longer than the caller was willing to wait."""


class StoreSchemaError(RuntimeError):
    """The store's schema version is not this code's: older (a writer upgrades it) or newer."""

    def __init__(self, message: str, stored: str | None, expected: str = SCHEMA_VERSION):
        super().__init__(message)
        self.stored = stored
        self.expected = expected

    @property
    def older(self) -> bool:
        return self.stored is not None and _version_number(self.stored) < _version_number(self.expected)


_META = """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)"""
_SCHEDULE_REVISIONS = """CREATE TABLE IF NOT EXISTS schedule_revisions (
        revision_id BIGINT PRIMARY KEY,
        item_id VARCHAR NOT NULL,
        as_of DATE NOT NULL,                 -- the progress the replan was based on
        start DATE NOT NULL,
        due DATE NOT NULL,
        reason VARCHAR NOT NULL,
        revised_at TIMESTAMP NOT NULL
    )"""
# Schema 3: corrections. Append-only; the latest record of a submission says whether it counts.
_SUBMISSION_VOIDS = """CREATE TABLE IF NOT EXISTS submission_voids (
        record_id BIGINT PRIMARY KEY,
        submission_id VARCHAR NOT NULL,
        action VARCHAR NOT NULL CHECK (action IN ('void', 'unvoid')),
        reason VARCHAR NOT NULL,
        recorded_by VARCHAR NOT NULL,
        recorded_at TIMESTAMP NOT NULL
    )"""
_LIVE_VIEWS = [
    """CREATE OR REPLACE VIEW voided_submissions AS
        SELECT submission_id, reason, recorded_by AS voided_by, recorded_at AS voided_at
        FROM (
            SELECT * FROM submission_voids
            QUALIFY row_number() OVER (PARTITION BY submission_id ORDER BY record_id DESC) = 1
        ) WHERE action = 'void'""",
    """CREATE OR REPLACE VIEW progress_updates_live AS
        SELECT p.* FROM progress_updates p
        WHERE NOT EXISTS (SELECT 1 FROM voided_submissions v WHERE v.submission_id = p.submission_id)""",
    """CREATE OR REPLACE VIEW indicator_observations_live AS
        SELECT o.* FROM indicator_observations o
        WHERE NOT EXISTS (SELECT 1 FROM voided_submissions v WHERE v.submission_id = o.submission_id)""",
]
# The relation every reader uses for the rows that count.
LIVE = {"progress_updates": "progress_updates_live", "indicator_observations": "indicator_observations_live"}

_DDL = [
    _META,
    """CREATE TABLE IF NOT EXISTS measures (
        measure_id VARCHAR PRIMARY KEY,
        pillar_id VARCHAR NOT NULL,
        dimension VARCHAR NOT NULL,
        tfa_articles VARCHAR[] NOT NULL,
        deadline DATE NOT NULL,
        illustrative BOOLEAN NOT NULL,
        name VARCHAR NOT NULL          -- JSON: language -> name
    )""",
    """CREATE TABLE IF NOT EXISTS commitments (
        measure_id VARCHAR PRIMARY KEY,
        target_date DATE NOT NULL,
        parties VARCHAR[] NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS action_items (
        item_id VARCHAR PRIMARY KEY,
        country VARCHAR NOT NULL,
        measure_id VARCHAR NOT NULL,
        pillar_id VARCHAR NOT NULL,
        step_id VARCHAR NOT NULL,
        step_name VARCHAR NOT NULL,    -- JSON: language -> name
        agency_role VARCHAR NOT NULL,
        agency_id VARCHAR,
        agency_name VARCHAR,
        start DATE NOT NULL,
        due DATE NOT NULL,
        depends_on VARCHAR[] NOT NULL,
        on_critical_path BOOLEAN NOT NULL,
        deadline DATE NOT NULL,
        feasible BOOLEAN NOT NULL,
        measure_illustrative BOOLEAN NOT NULL
    )""",
    """CREATE SEQUENCE IF NOT EXISTS row_seq START 1""",
    """CREATE TABLE IF NOT EXISTS progress_updates (
        update_id BIGINT PRIMARY KEY,
        item_id VARCHAR NOT NULL,
        country VARCHAR NOT NULL,
        reported_on DATE NOT NULL,
        status VARCHAR NOT NULL,
        pct_complete DOUBLE NOT NULL,
        note VARCHAR,
        illustrative BOOLEAN NOT NULL,
        submission_id VARCHAR NOT NULL,
        source_file VARCHAR NOT NULL,
        source_row INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS indicator_observations (
        obs_id BIGINT PRIMARY KEY,
        country VARCHAR NOT NULL,
        indicator_id VARCHAR NOT NULL,
        statistic VARCHAR,
        crossing_id VARCHAR,
        direction VARCHAR,
        period VARCHAR NOT NULL,
        period_start DATE NOT NULL,
        period_end DATE NOT NULL,
        value DOUBLE NOT NULL,
        unit VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        illustrative BOOLEAN NOT NULL,
        submission_id VARCHAR NOT NULL,
        source_file VARCHAR NOT NULL,
        source_row INTEGER NOT NULL
    )""",
    _SCHEDULE_REVISIONS,
    """CREATE TABLE IF NOT EXISTS submissions (
        submission_id VARCHAR PRIMARY KEY,   -- SHA-256 of the raw file
        file_name VARCHAR NOT NULL,
        kind VARCHAR,
        countries VARCHAR[] NOT NULL,
        received_at TIMESTAMP NOT NULL,
        rows_in INTEGER NOT NULL,
        accepted INTEGER NOT NULL,
        inserted INTEGER NOT NULL,
        quarantined INTEGER NOT NULL,
        outcome VARCHAR NOT NULL,            -- accepted | partial | rejected | unreadable
        archive_path VARCHAR NOT NULL,
        quarantine_path VARCHAR,
        illustrative BOOLEAN NOT NULL
    )""",
    _SUBMISSION_VOIDS,
    *_LIVE_VIEWS,
]

TABLES = (
    "measures",
    "commitments",
    "action_items",
    "progress_updates",
    "indicator_observations",
    "schedule_revisions",
    "submissions",
    "submission_voids",
)


# -- migrations -------------------------------------------------------------------------------
# One small function per step, run in order inside the writer's transaction. Each takes a store
# of version N to N + 1 and leaves every existing row as it was.


def _migrate_1_to_2(con: duckdb.DuckDBPyConnection) -> None:
    """Replanning: schedule_revisions."""
    con.execute(_SCHEDULE_REVISIONS)


def _migrate_2_to_3(con: duckdb.DuckDBPyConnection) -> None:
    """Corrections: submission_voids and the views of the rows that count."""
    con.execute(_SUBMISSION_VOIDS)
    for ddl in _LIVE_VIEWS:
        con.execute(ddl)


MIGRATIONS: dict[str, Callable[[duckdb.DuckDBPyConnection], None]] = {"1": _migrate_1_to_2, "2": _migrate_2_to_3}


def _version_number(version: str) -> int:
    try:
        return int(version)
    except (TypeError, ValueError):
        return -1


def _meta(con: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    """The meta table as a dict, or None where there is none (not a tflib store, or empty)."""
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta' AND table_schema = 'main'"
    ).fetchall()[0][0]
    if not found:
        return None
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def _upgrade(con: duckdb.DuckDBPyConnection, path: Path, region: str) -> None:
    """Create the schema of an empty store, or migrate an older one to `SCHEMA_VERSION`,
    in one transaction; refuse a store of another region or of a newer schema."""
    meta = _meta(con)
    if meta is None:
        with _Transaction(con):
            for ddl in _DDL:
                con.execute(ddl)
            con.execute("INSERT INTO meta VALUES ('schema_version', ?), ('region', ?)", [SCHEMA_VERSION, region])
        return
    stored_region = meta.get("region")
    if stored_region and stored_region != region:
        raise ValueError(f"{path}: this store belongs to region {stored_region!r}, not {region!r}")
    version = meta.get("schema_version") or "1"
    number = _version_number(version)
    if number < 1:
        raise StoreSchemaError(f"{path}: unknown store schema version {version!r}", version)
    if number > _version_number(SCHEMA_VERSION):
        raise _newer(path, version)
    if number == _version_number(SCHEMA_VERSION) and stored_region:
        return
    with _Transaction(con):
        while _version_number(version) < _version_number(SCHEMA_VERSION):
            MIGRATIONS[version](con)
            version = str(_version_number(version) + 1)
        con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [SCHEMA_VERSION],
        )
        con.execute("INSERT INTO meta VALUES ('region', ?) ON CONFLICT (key) DO NOTHING", [region])


def _newer(path: Path, version: str) -> StoreSchemaError:
    return StoreSchemaError(
        f"{path}: store schema {version} is newer than this tflib's ({SCHEMA_VERSION}); upgrade tflib to use it", version
    )


# -- locking ----------------------------------------------------------------------------------


def lock_path(path: Path) -> Path:
    """The write lock of the store at `path` (a file beside it, never removed)."""
    return path.with_name(path.name + ".lock")


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _try_flock(fd: int, exclusive: bool) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    os.lseek(fd, 0, os.SEEK_SET)  # pragma: no cover (Windows: one exclusive byte lock)
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _unflock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _backoff(delay: float, deadline: float) -> float:
    """Sleep a little (never past `deadline`); the next, longer delay."""
    time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
    return min(delay * 2, 0.1)


class _WriteLock:
    """The exclusive write lock of one store, held by one thread of one process at a time.

    The table of locks this process holds is process-wide by nature (the OS lock is); it is
    empty whenever no store is open for writing."""

    _held: dict[str, "_WriteLock"] = {}
    _guard = threading.Lock()

    def __init__(self, key: str, fd: int):
        self.key = key
        self.fd = fd
        self.owner = threading.get_ident()
        self.depth = 1

    @classmethod
    def _key(cls, store: Path) -> str:
        return os.path.abspath(lock_path(store))

    @classmethod
    def held_here(cls, store: Path) -> bool:
        """True when the calling thread holds the write lock of `store`."""
        with cls._guard:
            lock = cls._held.get(cls._key(store))
            return lock is not None and lock.owner == threading.get_ident()

    @classmethod
    def acquire(cls, store: Path, deadline: float, wait: float, purpose: str = "write") -> "_WriteLock":
        """Take the lock (re-entrant for the thread holding it); `purpose` is noted in the
        lock file for other processes: readers do not hold back for a "backup"."""
        key = cls._key(store)
        with cls._guard:
            lock = cls._held.get(key)
            if lock is not None and lock.owner == threading.get_ident():
                lock.depth += 1
                return lock
        Path(key).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o666)
        delay = 0.005
        while not _try_flock(fd, exclusive=True):
            if time.monotonic() >= deadline:
                os.close(fd)
                holder = _holder(Path(key))
                raise StoreBusy(
                    f"{store}: busy, held by another writer{f' ({holder})' if holder else ''}; "
                    f"gave up after waiting {wait:g} s"
                )
            delay = _backoff(delay, deadline)
        lock = cls(key, fd)
        note = f"pid {os.getpid()}, {purpose} since {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC".encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, note, 0) if hasattr(os, "pwrite") else os.write(fd, note)
        with cls._guard:
            cls._held[key] = lock
        return lock

    def release(self) -> None:
        with self._guard:
            self.depth -= 1
            if self.depth > 0:
                return
            del self._held[self.key]
        try:
            os.ftruncate(self.fd, 0)
        finally:
            _unflock(self.fd)
            os.close(self.fd)


def _holder(lock_file: Path) -> str:
    try:
        return lock_file.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _writer_active(store: Path) -> bool:
    """True while another thread or process holds the store's write lock."""
    if _WriteLock.held_here(store):
        return False
    try:
        fd = os.open(lock_path(store), os.O_RDONLY)
    except OSError:  # no lock file: no writer ever
        return False
    try:
        if _try_flock(fd, exclusive=fcntl is None):
            _unflock(fd)
            return False
    finally:
        os.close(fd)
    # A backup only keeps writers out: readers go on beside it.
    return ", backup since " not in _holder(lock_path(store))


def _create_empty(path: Path, region: str) -> None:
    """A new store with its schema, written beside `path` and renamed into place (under the
    write lock): a process killed while creating it leaves no half-made store that readers
    would refuse, only a temporary file the next creation replaces."""
    tmp = path.with_name(path.name + ".creating")
    for leftover in (tmp, wal_path(tmp)):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        _upgrade(con, path, region)
    finally:
        con.close()
    wal_path(tmp).unlink(missing_ok=True)  # closed: checkpointed into the file
    os.replace(tmp, path)


def _connect(path: Path, read_only: bool, deadline: float, wait: float) -> duckdb.DuckDBPyConnection:
    """Connect to DuckDB, retrying while another process has the file (a writer, or for a
    writer the last readers) until `deadline`. A reader also holds back while a writer holds
    the write lock."""
    delay = 0.005
    while True:
        if not (read_only and _writer_active(path)):
            try:
                return duckdb.connect(str(path), read_only=read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
            except duckdb.ConnectionException as exc:
                # Another thread of this process has the file open the other way (reading
                # while this one would write, or the reverse): DuckDB refuses that within a
                # process as the OS lock does between processes; wait for it likewise.
                if "different configuration" not in str(exc):
                    raise
        if time.monotonic() >= deadline:
            holder = _holder(lock_path(path))
            who = f"held by a writer ({holder})" if holder else "another process has it open"
            raise StoreBusy(f"{path}: busy, {who}; gave up after waiting {wait:g} s")
        delay = _backoff(delay, deadline)


def store_path(region: str, project: Project | str | Path | None = None) -> Path:
    return resolve(project).store_dir / f"{region}.duckdb"


class Store:
    """A region's tracker store. Use as a context manager so the file (and, for a writer, the
    write lock) is released.

    Opening a store only connects to it: it writes nothing. `prepare` (or `Store.create`)
    creates or upgrades the schema and syncs the plan from the params, explicitly, before a
    writer adds rows. A writer holds the store's write lock from open to `close`."""

    def __init__(
        self,
        params: RegionParams,
        path: Path,
        read_only: bool = False,
        create: bool = False,
        wait: float | None = None,
    ):
        self.params = params
        self.path = path
        self.read_only = read_only
        self.con: duckdb.DuckDBPyConnection | None = None
        self._lock: _WriteLock | None = None
        wait = (READ_WAIT if read_only else WRITE_WAIT) if wait is None else float(wait)
        deadline = time.monotonic() + wait
        if not path.exists() and (read_only or not create):
            raise FileNotFoundError(f"{path}: no store yet; run `tflib ingest` or `tflib build` first")
        try:
            if not read_only:
                self._lock = _WriteLock.acquire(path, deadline, wait)
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.exists():
                    _create_empty(path, params.id)
            self.con = _connect(path, read_only, deadline, wait)
            if read_only:
                self._check_schema()
        except BaseException:
            self.close()
            raise

    def _check_schema(self) -> None:
        meta = _meta(self.con)
        version = None if meta is None else meta.get("schema_version")
        if version == SCHEMA_VERSION:
            return
        if version is not None and _version_number(version) > _version_number(SCHEMA_VERSION):
            raise _newer(self.path, version)
        raise StoreSchemaError(
            f"{self.path}: store schema {version or '?'} is older than this tflib's ({SCHEMA_VERSION}); "
            "run any write command once to upgrade it (`tflib build`, `tflib ingest` or `tflib plan`)",
            version,
        )

    @classmethod
    def open(
        cls,
        region: str | RegionParams,
        project: Project | str | Path | None = None,
        read_only: bool = False,
        create: bool = False,
        wait: float = READ_WAIT,
    ) -> "Store":
        """Connect to the region's existing store (nothing is written; `create` makes an
        empty file where there is none). A writer takes the write lock first; both wait up
        to `wait` seconds for the store (`StoreBusy` after that)."""
        proj = resolve(project)
        params = region if isinstance(region, RegionParams) else load_region(region, proj)
        return cls(params, store_path(params.id, proj), read_only=read_only, create=create, wait=wait)

    @classmethod
    def create(
        cls, region: str | RegionParams, project: Project | str | Path | None = None, wait: float = WRITE_WAIT
    ) -> "Store":
        """Open the region's store for writing and `prepare` it: schema and plan in place.
        Waits up to `wait` seconds for another writer; `StoreBusy` after that."""
        store = cls.open(region, project, create=True, wait=wait)
        try:
            store.prepare()
        except BaseException:
            store.close()
            raise
        return store

    def prepare(self) -> bool:
        """Create or upgrade the schema, then sync the plan from the params; True when the
        plan was (re)written."""
        self._ensure_schema()
        return self.sync_plan()

    def close(self) -> None:
        """Close DuckDB (which checkpoints), then release the write lock. Idempotent."""
        try:
            if self.con is not None:
                self.con.close()
        finally:
            self.con = None
            if self._lock is not None:
                lock, self._lock = self._lock, None
                lock.release()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a store left open must not keep the write lock
        try:
            self.close()
        except Exception:  # noqa: BLE001 (interpreter shutdown)
            pass

    # -- schema and plan ---------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        _upgrade(self.con, self.path, self.params.id)

    def schema_version(self) -> str | None:
        meta = _meta(self.con)
        return None if meta is None else meta.get("schema_version")

    def _plan_fingerprint(self) -> str:
        dump = json.dumps(
            [self.params.strategy.model_dump(mode="json")]
            + [c.model_dump(mode="json") for c in self.params.countries.values()]
            + [self.params.region.model_dump(mode="json")["members"]],
            sort_keys=True,
        )
        return hashlib.sha256(dump.encode()).hexdigest()

    def sync_plan(self, items: pl.DataFrame | None = None, force: bool = False) -> bool:
        """Write measures, commitments and action items from params (or the given items).

        Skipped when params have not changed since the last sync. Item ids are stable, so
        progress already recorded stays attached to its item.
        """
        fingerprint = self._plan_fingerprint()
        row = self._one("SELECT value FROM meta WHERE key = 'plan_fingerprint'")
        if items is None and not force and row and row[0] == fingerprint:
            return False
        strategy = self.params.strategy
        measures = pl.DataFrame(
            [
                {
                    "measure_id": m.id,
                    "pillar_id": strategy.pillar_of(m.id).id,
                    "dimension": m.dimension,
                    "tfa_articles": list(m.tfa_articles),
                    "deadline": m.deadline,
                    "illustrative": m.illustrative,
                    "name": json.dumps(m.name, ensure_ascii=False, sort_keys=True),
                }
                for m in strategy.measures
            ]
        )
        commitments = pl.DataFrame(
            [
                {"measure_id": m.id, "target_date": m.deadline, "parties": self.params.region.parties}
                for m in strategy.measures
            ]
        )
        if items is None:
            items = allocate(self.params)
        with self._transaction():
            self.con.execute("DELETE FROM measures")
            self.con.register("measures_df", measures.to_arrow())
            self.con.execute("INSERT INTO measures BY NAME SELECT * FROM measures_df")
            self.con.execute("DELETE FROM commitments")
            self.con.register("commitments_df", commitments.to_arrow())
            self.con.execute("INSERT INTO commitments BY NAME SELECT * FROM commitments_df")
            self.con.execute("DELETE FROM action_items")
            self.con.register("items_df", items.to_arrow())
            self.con.execute("INSERT INTO action_items BY NAME SELECT * FROM items_df")
            self.con.execute(
                "INSERT INTO meta VALUES ('plan_fingerprint', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [fingerprint],
            )
            for name in ("measures_df", "commitments_df", "items_df"):
                self.con.unregister(name)
        return True

    def _transaction(self) -> "_Transaction":
        return _Transaction(self.con)

    # -- writing -----------------------------------------------------------------------------

    def submissions_seen(self) -> dict[str, dict]:
        """Every logged submission by sha256: file name, time received and outcome."""
        rows = self.con.execute("SELECT submission_id, file_name, received_at, outcome FROM submissions").fetchall()
        return {r[0]: {"file_name": r[1], "received_at": r[2], "outcome": r[3]} for r in rows}

    def rows_table(self, table: str) -> str:
        """The relation to read `table`'s rows that count (progress_updates or
        indicator_observations): rows of voided submissions left out."""
        return LIVE[table]

    def submission_seen(self, sha256: str) -> dict | None:
        row = self._one("SELECT file_name, received_at, outcome FROM submissions WHERE submission_id = ?", [sha256])
        return None if row is None else {"file_name": row[0], "received_at": row[1], "outcome": row[2]}

    def add_progress(self, rows: pl.DataFrame) -> int:
        """Append progress updates in the frame's order, skipping rows identical to one already
        stored. Returns rows added."""
        if rows.is_empty():
            return 0
        self.con.register("incoming", rows.with_row_index("_order").to_arrow())
        before = self._count("progress_updates")
        self.con.execute(
            """
            INSERT INTO progress_updates
            SELECT nextval('row_seq'), i.item_id, i.country, i.reported_on, i.status, i.pct_complete,
                   i.note, i.illustrative, i.submission_id, i.source_file, i.source_row
            FROM incoming i
            WHERE NOT EXISTS (
                SELECT 1 FROM progress_updates_live p  -- a voided row may be submitted again
                WHERE p.item_id = i.item_id AND p.reported_on = i.reported_on AND p.status = i.status
                  AND p.pct_complete = i.pct_complete AND p.note IS NOT DISTINCT FROM i.note
            )
            ORDER BY i._order
            """
        )
        self.con.unregister("incoming")
        return self._count("progress_updates") - before

    def add_observations(self, rows: pl.DataFrame) -> int:
        """Append indicator observations in the frame's order, skipping exact repeats. Returns rows added."""
        if rows.is_empty():
            return 0
        self.con.register("incoming", rows.with_row_index("_order").to_arrow())
        before = self._count("indicator_observations")
        self.con.execute(
            """
            INSERT INTO indicator_observations
            SELECT nextval('row_seq'), i.country, i.indicator_id, i.statistic, i.crossing_id, i.direction,
                   i.period, i.period_start, i.period_end, i.value, i.unit, i.source, i.illustrative,
                   i.submission_id, i.source_file, i.source_row
            FROM incoming i
            WHERE NOT EXISTS (
                SELECT 1 FROM indicator_observations_live o
                WHERE o.country = i.country AND o.indicator_id = i.indicator_id
                  AND o.statistic IS NOT DISTINCT FROM i.statistic
                  AND o.crossing_id IS NOT DISTINCT FROM i.crossing_id
                  AND o.direction IS NOT DISTINCT FROM i.direction
                  AND o.period = i.period AND o.value = i.value AND o.unit = i.unit AND o.source = i.source
            )
            ORDER BY i._order
            """
        )
        self.con.unregister("incoming")
        return self._count("indicator_observations") - before

    def add_revisions(self, moves: pl.DataFrame, as_of: dt.date) -> int:
        """Record replanned dates (append-only: the latest revision of an item is current)."""
        if moves.is_empty():
            return 0
        self.con.register("moves", moves.select("item_id", "new_start", "new_due", "reason").to_arrow())
        self.con.execute(
            """INSERT INTO schedule_revisions
               SELECT nextval('row_seq'), item_id, ?, new_start, new_due, reason, now()::TIMESTAMP FROM moves""",
            [as_of],
        )
        self.con.unregister("moves")
        return moves.height

    def log_submission(self, entry: dict) -> None:
        self.log_submissions([entry])

    def log_submissions(self, entries: list[dict]) -> None:
        """Log submissions, in one statement (an ingest logs a batch of files at once)."""
        if not entries:
            return
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        log = pl.DataFrame(
            {
                "submission_id": [e["submission_id"] for e in entries],
                "file_name": [e["file_name"] for e in entries],
                "kind": [e.get("kind") for e in entries],
                "countries": [list(e.get("countries", [])) for e in entries],
                "received_at": [e.get("received_at") or now for e in entries],
                "rows_in": [e["rows_in"] for e in entries],
                "accepted": [e["accepted"] for e in entries],
                "inserted": [e["inserted"] for e in entries],
                "quarantined": [e["quarantined"] for e in entries],
                "outcome": [e["outcome"] for e in entries],
                "archive_path": [e["archive_path"] for e in entries],
                "quarantine_path": [e.get("quarantine_path") for e in entries],
                "illustrative": [e.get("illustrative", False) for e in entries],
            },
            schema={
                "submission_id": pl.String, "file_name": pl.String, "kind": pl.String, "countries": pl.List(pl.String),
                "received_at": pl.Datetime("us"), "rows_in": pl.Int32, "accepted": pl.Int32, "inserted": pl.Int32,
                "quarantined": pl.Int32, "outcome": pl.String, "archive_path": pl.String, "quarantine_path": pl.String,
                "illustrative": pl.Boolean,
            },
        )
        self.con.register("log_entries", log.to_arrow())
        try:
            self.con.execute("INSERT INTO submissions BY NAME SELECT * FROM log_entries")
        finally:
            self.con.unregister("log_entries")

    # -- corrections -------------------------------------------------------------------------

    def resolve_submission(self, ref: str) -> str:
        """The full id of the submission whose id is `ref` or starts with it (unique prefix)."""
        ref = (ref or "").strip().lower()
        if not ref:
            raise ValueError("give a submission id (or a unique prefix of it); `tflib submission list` lists them")
        rows = [r[0] for r in self.con.execute(
            "SELECT submission_id FROM submissions WHERE starts_with(lower(submission_id), ?) ORDER BY 1", [ref]
        ).fetchall()]
        exact = [r for r in rows if r.lower() == ref]
        if exact:
            return exact[0]
        if not rows:
            raise ValueError(f"no submission {ref!r} in {self.path}; `tflib submission list` lists them")
        if len(rows) > 1:
            shown = ", ".join(r[:12] for r in rows[:3]) + (", ..." if len(rows) > 3 else "")
            raise ValueError(f"{ref!r} matches {len(rows)} submissions ({shown}); give more characters")
        return rows[0]

    def void(self, ref: str, reason: str, by: str | None = None) -> dict:
        """Void a submission: its rows stop counting everywhere. Recorded (who, when, why),
        reversible with `unvoid`; nothing is deleted."""
        return self._correct(ref, "void", reason, by)

    def unvoid(self, ref: str, reason: str, by: str | None = None) -> dict:
        """Take a void back: the submission's rows count again. Recorded like the void."""
        return self._correct(ref, "unvoid", reason, by)

    def _correct(self, ref: str, action: str, reason: str, by: str | None) -> dict:
        reason = (reason or "").strip()
        if not reason:
            raise ValueError(f"a reason is required to {action} a submission (--reason)")
        submission_id = self.resolve_submission(ref)
        short = submission_id[:12]
        record = {
            "submission_id": submission_id,
            "action": action,
            "reason": reason,
            "recorded_by": (by or "").strip() or os_user(),
            "recorded_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
        }
        with self._transaction():
            voided = self._one("SELECT 1 FROM voided_submissions WHERE submission_id = ?", [submission_id]) is not None
            if action == "void" and voided:
                raise ValueError(f"submission {short} is already voided; `tflib submission show {short}` shows its record")
            if action == "unvoid" and not voided:
                raise ValueError(f"submission {short} is not voided; there is nothing to take back")
            row = self._one(
                """INSERT INTO submission_voids VALUES (nextval('row_seq'), ?, ?, ?, ?, ?) RETURNING record_id""",
                [submission_id, action, record["reason"], record["recorded_by"], record["recorded_at"]],
            )
        file_name = self._one("SELECT file_name FROM submissions WHERE submission_id = ?", [submission_id])[0]
        return {"record_id": row[0], **record, "file_name": file_name}

    def submission_log(self) -> pl.DataFrame:
        """The submissions log, each with its standing: `rows_stored` (its rows in the store,
        voided or not), `voided` and, while voided, by whom, when and why."""
        return self.frame(
            """
            WITH stored AS (
                SELECT submission_id, count(*) AS n FROM progress_updates GROUP BY submission_id
                UNION ALL
                SELECT submission_id, count(*) AS n FROM indicator_observations GROUP BY submission_id
            ), per AS (SELECT submission_id, sum(n)::BIGINT AS rows_stored FROM stored GROUP BY submission_id)
            SELECT s.*, coalesce(per.rows_stored, 0)::BIGINT AS rows_stored, v.submission_id IS NOT NULL AS voided,
                   v.voided_by, v.voided_at, v.reason AS void_reason
            FROM submissions s
            LEFT JOIN per ON per.submission_id = s.submission_id
            LEFT JOIN voided_submissions v ON v.submission_id = s.submission_id
            ORDER BY s.received_at, s.file_name, s.submission_id"""
        )

    def corrections(self, submission_id: str | None = None) -> pl.DataFrame:
        """Every void and unvoid record (of one submission, or all), oldest first."""
        where, args = ("WHERE c.submission_id = ?", [submission_id]) if submission_id else ("", [])
        return self.frame(
            f"""SELECT c.record_id, c.submission_id, s.file_name, c.action, c.reason, c.recorded_by, c.recorded_at
                FROM submission_voids c LEFT JOIN submissions s ON s.submission_id = c.submission_id
                {where} ORDER BY c.record_id""",
            args,
        )

    # -- reading -----------------------------------------------------------------------------

    def _one(self, sql: str, args: list | None = None) -> tuple | None:
        """The first row, or None. Fetches everything: DuckDB 2 refuses new work on a
        connection whose last result was left half-read."""
        rows = self.con.execute(sql, args or []).fetchall()
        return rows[0] if rows else None

    def _count(self, table: str) -> int:
        return self._one(f"SELECT count(*) FROM {table}")[0]  # noqa: S608 (fixed names)

    def counts(self) -> dict[str, int]:
        return {t: self._count(t) for t in TABLES}

    def frame(self, sql: str, params: list | None = None) -> pl.DataFrame:
        # DuckDB 2 has no .pl() on connections: go through Arrow (zero-copy).
        return pl.from_arrow(self.con.sql(sql, params=params or None).to_arrow_table())

    def item_countries(self) -> dict[str, str]:
        """item_id -> country, for validating submissions."""
        return dict(self.con.execute("SELECT item_id, country FROM action_items").fetchall())


def os_user() -> str:
    """The operating-system user running this process (who recorded a correction)."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 (no user name: a container without a passwd entry)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


# -- backup and restore -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StoreFile:
    """A tflib store file: where, which region, which schema, how many rows per table."""

    path: Path
    region: str
    schema_version: str
    counts: dict[str, int]


def backup_dir(region: str, project: Project | str | Path | None = None) -> Path:
    """Where backups of the region's store go by default (and the stores a restore replaced)."""
    return resolve(project).data_dir / "backup" / region


def _region_id(region: str | RegionParams) -> str:
    return region.id if isinstance(region, RegionParams) else region


def _free_name(folder: Path, stem: str) -> Path:
    path, n = folder / f"{stem}.duckdb", 2
    while path.exists():
        path, n = folder / f"{stem}-{n}.duckdb", n + 1
    return path


def _stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _copy(source: Path, target: Path) -> None:
    """Copy a file and flush it to disk."""
    with source.open("rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())


def inspect(path: str | Path, region: str | None = None) -> StoreFile:
    """What the file at `path` is; ValueError (one line, naming why) when it is not a tflib
    store, or not one of `region`, or of a schema newer than this code."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            raise ValueError(f"{path}: in use by another process; back it up with `tflib store backup` and restore the copy") from None
        raise ValueError(f"{path}: not a tflib store (not a DuckDB database)") from None
    try:
        meta = _meta(con)
        if not meta or not meta.get("region"):
            raise ValueError(f"{path}: not a tflib store (no meta table naming its region)")
        if region is not None and meta["region"] != region:
            raise ValueError(f"{path}: a store of region {meta['region']!r}, not {region!r}")
        version = meta.get("schema_version") or "1"
        if _version_number(version) > _version_number(SCHEMA_VERSION):
            raise ValueError(str(_newer(path, version)))
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        missing = [t for t in ("action_items", "progress_updates", "indicator_observations", "submissions") if t not in tables]
        if missing:
            raise ValueError(f"{path}: not a tflib store (no {', '.join(missing)} table)")
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES if t in tables}  # noqa: S608
        return StoreFile(path, meta["region"], version, counts)
    finally:
        con.close()


def backup(
    region: str | RegionParams,
    project: Project | str | Path | None = None,
    out: str | Path | None = None,
    wait: float = WRITE_WAIT,
) -> StoreFile:
    """Copy the region's store to `out` (a file, or a folder; default `backup_dir`).

    The copy is consistent: it is taken under the write lock, so no writer is mid-commit
    (a log left by a writer that died is checkpointed first). Readers go on meanwhile. Do not
    call it with a connection to the same store open in this process: closing the copy's
    file handle would drop DuckDB's own lock on it."""
    rid, proj = _region_id(region), resolve(project)
    path = store_path(rid, proj)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no store yet; nothing to back up")
    target = Path(out) if out is not None else _free_name(backup_dir(rid, proj), f"{rid}-{_stamp()}")
    if target.is_dir():
        target = _free_name(target, f"{rid}-{_stamp()}")
    if target.exists():
        raise ValueError(f"{target}: already exists; give another --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    deadline = time.monotonic() + wait
    try:
        lock = _WriteLock.acquire(path, deadline, wait, purpose="backup")
        try:
            if wal_path(path).exists():
                con = _connect(path, False, deadline, wait)
                try:
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
            _copy(path, partial)
        finally:
            lock.release()
        copied = inspect(partial, rid)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return dataclasses.replace(copied, path=target)


def restore(
    source: str | Path,
    region: str | RegionParams,
    project: Project | str | Path | None = None,
    wait: float = WRITE_WAIT,
) -> tuple[StoreFile, Path | None]:
    """Make the store at `source` (a backup) the region's store; returns the store and where
    the store it replaced was kept (None when there was none).

    `source` must be a tflib store of the same region. It is copied beside the store,
    upgraded to this code's schema and checked, then swapped in with `os.replace` under the
    write lock; the store it replaces is copied to `backup_dir` first. Readers that had the
    old store open finish on it."""
    rid, proj = _region_id(region), resolve(project)
    source = Path(source)
    if wal_path(source).exists():
        raise ValueError(f"{source}: has an unfinished write-ahead log ({wal_path(source).name}); restore a copy made by `tflib store backup`")
    inspect(source, rid)
    dest = store_path(rid, proj)
    if dest.exists() and os.path.samefile(source, dest):
        raise ValueError(f"{source}: is the region's store itself; restore a backup of it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staged = dest.with_name(f".{dest.name}.restore-{os.getpid()}")
    try:
        _copy(source, staged)
        con = duckdb.connect(str(staged))
        try:
            _upgrade(con, staged, rid)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        restored = inspect(staged, rid)
        deadline = time.monotonic() + wait
        lock = _WriteLock.acquire(dest, deadline, wait, purpose="restore")
        try:
            replaced = None
            if dest.exists():
                folder = backup_dir(rid, proj)
                folder.mkdir(parents=True, exist_ok=True)
                replaced = _free_name(folder, f"{rid}-{_stamp()}-replaced")
                _copy(dest, replaced)
                if wal_path(dest).exists():  # a dead writer's log belongs with the file it was for
                    os.replace(wal_path(dest), wal_path(replaced))
            os.replace(staged, dest)
        finally:
            lock.release()
    except BaseException:
        staged.unlink(missing_ok=True)
        wal_path(staged).unlink(missing_ok=True)
        raise
    return dataclasses.replace(restored, path=dest), replaced


class _Transaction:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.con.execute("ROLLBACK" if exc_type else "COMMIT")
