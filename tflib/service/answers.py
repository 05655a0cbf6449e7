"""What a sender is told about a submission: one answer for the API, the upload page and a
retry, whether the file was stored at once or staged for review."""

from __future__ import annotations

from typing import Any

from ..i18n import gettext
from ..params import RegionParams
from ..rules import RULES, IngestResult, Problem

API = "/api/v1"


def explain(rule: str, lang: str) -> tuple[str, str]:
    """What a problem means and how to fix it, in `lang` (the feedback file's words)."""
    what, how = RULES.get(rule, ("", ""))
    return (gettext(what, lang) if what else "", gettext(how, lang) if how else "")


def problem_json(p: Problem, lang: str) -> dict[str, Any]:
    what, fix = explain(p.rule, lang)
    return {"file": p.file, "row": p.row, "column": p.column, "rule": p.rule, "message": p.message, "value": p.value, "text": str(p), "explanation": what, "fix": fix}


def answer(params: RegionParams, result: IngestResult, country: str | None, lang: str, feedback: str, *, outcome: str, inserted: int, received_at: str | None, **more: Any) -> dict[str, Any]:
    """The answer to a submission: its counts, each problem with how to fix it, and the
    feedback text in `lang` (`more`: what else the caller knows, such as its publication)."""
    return {
        "submission": result.sha256,
        "region": params.id,
        "country": country,
        "file": result.file,
        "kind": result.kind,
        "outcome": outcome,
        "rows_in": result.rows_in,
        "accepted": result.accepted,
        "inserted": inserted,
        "quarantined": result.quarantined,
        "problems": [problem_json(p, lang) for p in result.problems if p.rule != "already_ingested"],
        "received_at": received_at,
        "feedback": {"language": lang, "text": feedback},
        **more,
        "links": {"self": f"{API}/regions/{params.id}/submissions/{result.sha256}"},
    }
