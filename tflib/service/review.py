"""Review before publication (`publish: review` in region.yaml).

Official statistics are rarely published unreviewed. In review mode a submission the
service accepts is checked as the ingest checks it and then *staged*: kept, with its check,
under ``data/access/<region>/staged/<sha256>/``, outside the store, so no build (live or
batch) can publish it. The secretariat sees what would change (`changes`) and approves
(`approve`: `tflib publish --approve`, or the service); only then is the file ingested,
like any other, and the audit log records who approved what.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ..params import RegionParams
from ..paths import Project
from . import answers
from .access import AuditLog, Grant, access_dir


def staged_dir(project: Project, region: str) -> Path:
    return access_dir(project, region) / "staged"


@dataclass(frozen=True)
class Staged:
    submission: str
    folder: Path
    meta: dict[str, Any]

    @property
    def file(self) -> Path:
        return self.folder / self.meta["stored_as"]


def stage(project: Project, params: RegionParams, path: Path, checked: Any, grant: Grant) -> dict[str, Any]:
    """Keep a checked file for review; the answer a sender gets (nothing stored yet)."""
    from ..feedback import write_feedback

    result = checked.result
    folder = staged_dir(project, params.id) / result.sha256
    tmp = folder.with_name(f".{result.sha256}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    stored_as = f"file{path.suffix.lower()}"
    shutil.copyfile(path, tmp / stored_as)
    lang = params.country(grant.country).language if grant.country else params.region.default_language
    accepted = [c for p in checked.parts if p.accepted.height for c in p.accepted["country"].to_list()]
    rejected = [item for p in checked.parts for item in p.rejected]
    feedback = write_feedback(result, params, tmp, accepted, rejected, dt.date.today())
    text = next((f.read_text(encoding="utf-8") for f in feedback if f".{grant.country}." in f.name), feedback[0].read_text(encoding="utf-8") if feedback else "")
    received = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat()
    answer = answers.answer(params, result, grant.country, lang, text, outcome=result.outcome, inserted=0, received_at=received, publish={"state": "staged"})
    meta = {"stored_as": stored_as, "file": result.file, "by": grant.who, "token": grant.token_id, "answer": answer}
    (tmp / "staged.json").write_text(json.dumps(meta, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    if folder.exists():  # staged before (a retry): the same bytes, the same check
        shutil.rmtree(tmp)
    else:
        tmp.rename(folder)
    return answer


def staged(project: Project, region: str) -> list[Staged]:
    root = staged_dir(project, region)
    if not root.is_dir():
        return []
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        meta = json.loads((folder / "staged.json").read_text(encoding="utf-8"))
        out.append(Staged(folder.name, folder, meta))
    return sorted(out, key=lambda s: (s.meta["answer"]["received_at"], s.submission))


def changes(project: Project, params: RegionParams, items: list[Staged] | None = None) -> pl.DataFrame:
    """What approving would change: each staged progress row beside the item's current
    latest report (before), or each staged indicator value."""
    from .. import ingest as ingest_mod
    from .. import tracker
    from ..plan import allocate

    rows = []
    plan = dict(allocate(params).select("item_id", "country").iter_rows())
    from ..store import store_path

    # Before the first ingest there is no store: every item's current state is no data.
    has_store = store_path(params.id, project).exists()
    current = {r["item_id"]: r for r in tracker.progress(params, project=project).iter_rows(named=True)} if has_store else {}
    for s in staged(project, params.id) if items is None else items:
        checked = ingest_mod.check_file(s.file, params, plan)
        for part in checked.parts:
            for rec in part.accepted.iter_rows(named=True):
                before = current.get(rec.get("item_id")) or {}
                rows.append({
                    "submission": s.submission[:12], "by": s.meta["by"], "kind": part.kind, "country": rec.get("country"),
                    "what": rec.get("item_id") or rec.get("indicator_id"),
                    "date": str(rec.get("reported_on") or rec.get("period") or ""),
                    "before": "" if part.kind != "progress" else f"{before.get('status') or 'no data'} {'' if before.get('pct_complete') is None else before['pct_complete']}".strip(),
                    "after": f"{rec.get('status') or 'no data'} {'' if rec.get('pct_complete') is None else rec['pct_complete']}".strip() if part.kind == "progress" else str(rec.get("value")),
                })  # fmt: skip
    return pl.DataFrame(rows, schema=["submission", "by", "kind", "country", "what", "date", "before", "after"], orient="row") if rows else pl.DataFrame(schema={c: pl.String for c in ["submission", "by", "kind", "country", "what", "date", "before", "after"]})


def approve(project: Project, params: RegionParams, by: str, submissions: list[str] | None = None) -> list[dict[str, Any]]:
    """Ingest the staged submissions named (by sha256 or a unique prefix; all when None),
    record who approved them, and move them out of the queue. Returns one line per file."""
    from .. import ingest as ingest_mod

    queue = staged(project, params.id)
    if submissions:
        chosen = []
        for prefix in submissions:
            found = [s for s in queue if s.submission.startswith(prefix.lower())]
            if len(found) != 1:
                raise ValueError(f"{prefix!r} names {'no' if not found else 'more than one'} staged submission of {params.id} (see `tflib publish`)")
            chosen.append(found[0])
    else:
        chosen = queue
    audit = AuditLog(project, params.id)
    done = []
    approved_root = access_dir(project, params.id) / "approved"
    approved_root.mkdir(parents=True, exist_ok=True)
    for s in chosen:
        # Ingested under the sender's file name, so the store's log names the file as sent.
        named = s.folder / "sent" / Path(s.meta["file"]).name
        named.parent.mkdir(exist_ok=True)
        shutil.copyfile(s.file, named)
        (result,) = ingest_mod.ingest([named], params, project)
        record = {"submission": s.submission, "file": s.meta["file"], "sent_by": s.meta["by"], "approved_by": by, "outcome": result.repeat_of or result.outcome, "inserted": result.inserted}
        audit.append(who=f"secretariat:{by}", method="APPROVE", path=f"staged/{s.submission}", status=200, sha256=s.submission, **{k: v for k, v in record.items() if k != "submission"})
        target = approved_root / s.submission
        shutil.rmtree(target, ignore_errors=True)
        s.folder.rename(target)
        (target / "approved.json").write_text(json.dumps({**record, "approved_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}, ensure_ascii=False), encoding="utf-8")
        done.append(record)
    return done
