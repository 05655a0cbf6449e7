"""Who may use the submission service, and the record of what they did.

A token is ``tft_<id>_<secret>``: the id finds its entry, the secret is checked against an
argon2 hash (argon2-cffi). The token itself is shown once, when it is made, and never
stored. Entries live in ``data/access/<region>/tokens.json``, outside the region's store, so
a copy of the store (a backup, a release) never carries credentials.

Every request the service answers is appended to ``data/access/<region>/audit.jsonl``: one
JSON object per line, written whole with O_APPEND and flushed to disk before the answer
leaves, and never rewritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..paths import Project

Role = Literal["country", "secretariat"]
TOKEN = re.compile(r"^tft_([0-9a-f]{12})_([A-Za-z0-9_-]{32,})$")
_HASHER = PasswordHasher()


def access_dir(project: Project, region: str) -> Path:
    """The region's tokens and audit log: beside the store, never in it."""
    return project.data_dir / "access" / region


@dataclass(frozen=True)
class Grant:
    """What a token may do: a country's focal point or national system (`country`), or the
    secretariat (every country; approves staged submissions)."""

    token_id: str
    region: str
    role: Role
    country: str | None
    label: str | None
    created_at: str
    revoked_at: str | None = None

    def may_submit_for(self, country: str) -> bool:
        return self.role == "country" and self.country == country

    def may_read(self, country: str) -> bool:
        return self.role == "secretariat" or self.country == country

    @property
    def who(self) -> str:
        return f"{self.role}:{self.country}" if self.role == "country" else "secretariat"


class TokenError(ValueError):
    pass


class Tokens:
    """The region's token file. Safe for the threads of one service and for the command line
    beside it: every change rewrites the file aside and renames it into place."""

    def __init__(self, project: Project, region: str):
        self.path = access_dir(project, region) / "tokens.json"
        self.region = region
        self._lock = threading.Lock()
        self._cache: tuple[float, dict[str, dict[str, Any]]] | None = None
        self._verified: dict[str, str] = {}  # sha256 of a checked token -> its hash

    def _entries(self) -> dict[str, dict[str, Any]]:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if self._cache is None or self._cache[0] != mtime:
            self._cache = (mtime, json.loads(self.path.read_text(encoding="utf-8"))["tokens"])
        return self._cache[1]

    def _write(self, entries: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        tmp = self.path.with_name(f".tokens.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"format": "tflib-tokens/1", "tokens": entries}, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)
        self._cache = None

    def create(self, role: Role, country: str | None = None, label: str | None = None, now: dt.datetime | None = None) -> tuple[str, Grant]:
        """A new token (returned once: only its hash is kept) and what it grants."""
        if role == "country" and not country:
            raise TokenError("a country token needs --country")
        if role == "secretariat" and country:
            raise TokenError("a secretariat token is for every country: give --role secretariat or --country, not both")
        with self._lock:
            entries = dict(self._entries())
            token_id = secrets.token_hex(6)
            while token_id in entries:
                token_id = secrets.token_hex(6)
            secret = secrets.token_urlsafe(32)
            when = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
            grant = Grant(token_id, self.region, role, country, label, when)
            entries[token_id] = {**asdict(grant), "hash": _HASHER.hash(secret)}
            self._write(entries)
        return f"tft_{token_id}_{secret}", grant

    def revoke(self, token_id: str, now: dt.datetime | None = None) -> Grant:
        with self._lock:
            entries = dict(self._entries())
            if token_id not in entries:
                raise TokenError(f"no token {token_id!r} in region {self.region!r} (see `tflib token list`)")
            entry = dict(entries[token_id])
            if entry.get("revoked_at") is None:
                entry["revoked_at"] = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
                entries[token_id] = entry
                self._write(entries)
        return _grant(entry)

    def list(self) -> list[Grant]:
        return sorted((_grant(e) for e in self._entries().values()), key=lambda g: (g.created_at, g.token_id))

    def verify(self, token: str) -> Grant | None:
        """The grant of a valid, unrevoked token; None for anything else. A token checked
        once is not hashed again while its entry is unchanged (argon2 is slow on purpose)."""
        match = TOKEN.match(token or "")
        if not match:
            return None
        entry = self._entries().get(match.group(1))
        if entry is None or entry.get("revoked_at") is not None:
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        if self._verified.get(digest) != entry["hash"]:
            try:
                _HASHER.verify(entry["hash"], match.group(2))
            except (VerificationError, InvalidHashError):
                return None
            self._verified[digest] = entry["hash"]
        return _grant(entry)


def _grant(entry: dict[str, Any]) -> Grant:
    return Grant(entry["token_id"], entry["region"], entry["role"], entry.get("country"), entry.get("label"), entry["created_at"], entry.get("revoked_at"))


class AuditLog:
    """Append-only: one JSON line per request, on disk before the answer is sent."""

    def __init__(self, project: Project, region: str):
        self.path = access_dir(project, region) / "audit.jsonl"
        self._lock = threading.Lock()

    def append(self, **entry: Any) -> None:
        line = json.dumps({"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"), **entry}, ensure_ascii=False, sort_keys=True, default=str)
        data = (line + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
