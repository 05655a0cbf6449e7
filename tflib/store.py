"""The tracker store: one embedded DuckDB file per region.

Tables: measures, commitments, action_items, progress_updates (append-only), indicator
observations (append-only), submissions (a log of every file ingested). The schema is
created by code; opening an existing store is idempotent. Later reports supersede earlier
ones in the "current" views, but every row ever accepted stays queryable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import polars as pl

from .params import RegionParams, load_region
from .paths import Project, resolve
from .plan import allocate

SCHEMA_VERSION = "2"

_DDL = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
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
    """CREATE TABLE IF NOT EXISTS schedule_revisions (
        revision_id BIGINT PRIMARY KEY,
        item_id VARCHAR NOT NULL,
        as_of DATE NOT NULL,                 -- the progress the replan was based on
        start DATE NOT NULL,
        due DATE NOT NULL,
        reason VARCHAR NOT NULL,
        revised_at TIMESTAMP NOT NULL
    )""",
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
]

TABLES = (
    "measures",
    "commitments",
    "action_items",
    "progress_updates",
    "indicator_observations",
    "schedule_revisions",
    "submissions",
)


def store_path(region: str, project: Project | str | Path | None = None) -> Path:
    return resolve(project).store_dir / f"{region}.duckdb"


class Store:
    """A region's tracker store. Use as a context manager so the file is released.

    Opening a store only connects to it: it writes nothing. `prepare` (or `Store.create`)
    creates or upgrades the schema and syncs the plan from the params, explicitly, before a
    writer adds rows."""

    def __init__(self, params: RegionParams, path: Path, read_only: bool = False, create: bool = False):
        self.params = params
        self.path = path
        self.read_only = read_only
        if not path.exists():
            if read_only or not create:
                raise FileNotFoundError(f"{path}: no store yet; run `tflib ingest` or `tflib build` first")
            path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(path), read_only=read_only)
        if read_only:
            row = self._one("SELECT value FROM meta WHERE key = 'schema_version'")
            if row is None or row[0] != SCHEMA_VERSION:
                self.con.close()
                raise RuntimeError(
                    f"{path}: store schema {row[0] if row else '?'} is older than this tflib's ({SCHEMA_VERSION}); "
                    "run `tflib build` (or any ingest) once to upgrade it"
                )

    @classmethod
    def open(
        cls,
        region: str | RegionParams,
        project: Project | str | Path | None = None,
        read_only: bool = False,
        create: bool = False,
    ) -> "Store":
        """Connect to the region's existing store (nothing is written; `create` makes an
        empty file where there is none)."""
        proj = resolve(project)
        params = region if isinstance(region, RegionParams) else load_region(region, proj)
        return cls(params, store_path(params.id, proj), read_only=read_only, create=create)

    @classmethod
    def create(cls, region: str | RegionParams, project: Project | str | Path | None = None) -> "Store":
        """Open the region's store for writing and `prepare` it: schema and plan in place."""
        store = cls.open(region, project, create=True)
        try:
            store.prepare()
        except Exception:
            store.close()
            raise
        return store

    def prepare(self) -> bool:
        """Create or upgrade the schema, then sync the plan from the params; True when the
        plan was (re)written."""
        self._ensure_schema()
        return self.sync_plan()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema and plan ---------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        for ddl in _DDL:
            self.con.execute(ddl)
        # Every DDL statement is idempotent, so an older store gains what it lacks here.
        self.con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [SCHEMA_VERSION],
        )
        self.con.execute(
            "INSERT INTO meta VALUES ('region', ?) ON CONFLICT (key) DO NOTHING", [self.params.id]
        )
        stored = self._one("SELECT value FROM meta WHERE key = 'region'")
        if stored and stored[0] != self.params.id:
            raise ValueError(f"{self.path}: this store belongs to region {stored[0]!r}, not {self.params.id!r}")

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

    def submission_seen(self, sha256: str) -> dict | None:
        row = self._one("SELECT file_name, received_at, outcome FROM submissions WHERE submission_id = ?", [sha256])
        return None if row is None else {"file_name": row[0], "received_at": row[1], "outcome": row[2]}

    def add_progress(self, rows: pl.DataFrame) -> int:
        """Append progress updates, skipping rows identical to one already stored. Returns rows added."""
        if rows.is_empty():
            return 0
        self.con.register("incoming", rows.to_arrow())
        before = self._count("progress_updates")
        self.con.execute(
            """
            INSERT INTO progress_updates
            SELECT nextval('row_seq'), i.item_id, i.country, i.reported_on, i.status, i.pct_complete,
                   i.note, i.illustrative, i.submission_id, i.source_file, i.source_row
            FROM incoming i
            WHERE NOT EXISTS (
                SELECT 1 FROM progress_updates p
                WHERE p.item_id = i.item_id AND p.reported_on = i.reported_on AND p.status = i.status
                  AND p.pct_complete = i.pct_complete AND p.note IS NOT DISTINCT FROM i.note
            )
            ORDER BY i.source_row
            """
        )
        self.con.unregister("incoming")
        return self._count("progress_updates") - before

    def add_observations(self, rows: pl.DataFrame) -> int:
        """Append indicator observations, skipping exact repeats. Returns rows added."""
        if rows.is_empty():
            return 0
        self.con.register("incoming", rows.to_arrow())
        before = self._count("indicator_observations")
        self.con.execute(
            """
            INSERT INTO indicator_observations
            SELECT nextval('row_seq'), i.country, i.indicator_id, i.statistic, i.crossing_id, i.direction,
                   i.period, i.period_start, i.period_end, i.value, i.unit, i.source, i.illustrative,
                   i.submission_id, i.source_file, i.source_row
            FROM incoming i
            WHERE NOT EXISTS (
                SELECT 1 FROM indicator_observations o
                WHERE o.country = i.country AND o.indicator_id = i.indicator_id
                  AND o.statistic IS NOT DISTINCT FROM i.statistic
                  AND o.crossing_id IS NOT DISTINCT FROM i.crossing_id
                  AND o.direction IS NOT DISTINCT FROM i.direction
                  AND o.period = i.period AND o.value = i.value AND o.unit = i.unit AND o.source = i.source
            )
            ORDER BY i.source_row
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
        self.con.execute(
            """INSERT INTO submissions BY NAME SELECT * FROM (SELECT
                ? AS submission_id, ? AS file_name, ? AS kind, ?::VARCHAR[] AS countries,
                ?::TIMESTAMP AS received_at, ? AS rows_in, ? AS accepted, ? AS inserted,
                ? AS quarantined, ? AS outcome, ? AS archive_path, ? AS quarantine_path,
                ? AS illustrative)""",
            [
                entry["submission_id"],
                entry["file_name"],
                entry.get("kind"),
                entry.get("countries", []),
                entry.get("received_at", dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)),
                entry["rows_in"],
                entry["accepted"],
                entry["inserted"],
                entry["quarantined"],
                entry["outcome"],
                entry["archive_path"],
                entry.get("quarantine_path"),
                entry.get("illustrative", False),
            ],
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


class _Transaction:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.con.execute("ROLLBACK" if exc_type else "COMMIT")
