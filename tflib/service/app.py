"""The submission service: one ASGI app serving the published site and a versioned API.

Focal points (through the upload page) and national systems (through the API) send the same
files the command line ingests; the same `tflib.ingest` checks, stores, quarantines and
archives them. The answer is the ingest's result as JSON, with the feedback in the
country's language. Each accepted submission queues a rebuild of the pages it changed
(`tflib.service.rebuild`), or, where the region publishes after review, is staged for the
secretariat's approval (`tflib.service.review`).

The store is opened per request (by the ingest and the readers) and never held open, so the
command line and the monthly batch work beside the service.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from .. import ingest as ingest_mod
from ..params import ParamsError, RegionParams, available_regions, load_region
from ..paths import Project
from ..rules import IngestResult
from ..safety import safe_filename
from .access import AuditLog, Grant, Tokens, access_dir
from . import answers
from .answers import API
from .collect import ASSETS

SUBMISSION_FORMAT = "tflib-submission/1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a submission may be sent as: the body's content type, and the file type it is read as.
CONTENT_TYPES = {"application/json": ".json", "text/csv": ".csv", "text/tab-separated-values": ".tsv", XLSX: ".xlsx"}
UPLOAD_SUFFIXES = {".json", ".csv", ".tsv", ".xlsx"}
STATUS = {"accepted": 201, "partial": 207, "rejected": 422, "unreadable": 400}


@dataclass(frozen=True)
class Limits:
    """A request's size (also never above the region's max_submission_bytes) and each
    token's requests per minute."""

    max_bytes: int = 16 * 1024 * 1024
    per_minute: int = 60


class Problem(Exception):
    """An answer other than an ingest result: an HTTP status and a reason (audited)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class RegionState:
    params: RegionParams
    tokens: Tokens
    audit: AuditLog
    results: Path  # the answer to each submission, by sha256 (a retry gets it again)
    items: dict[str, str]  # the plan's action items and their countries (the params do not change)
    locks: dict[str, threading.Lock] = field(default_factory=lambda: defaultdict(threading.Lock))
    calls: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))


class Service:
    def __init__(self, project: Project, limits: Limits, rebuilder: Any = None):
        self.project, self.limits, self.rebuilder = project, limits, rebuilder
        self._regions: dict[str, RegionState] = {}
        self._lock = threading.Lock()

    def region(self, region: str) -> RegionState:
        with self._lock:
            state = self._regions.get(region)
            if state is None:
                if region not in available_regions(self.project):
                    raise Problem(404, "unknown_region", f"no region {region!r} on this service")
                try:
                    params = load_region(region, self.project)
                except ParamsError as exc:
                    raise Problem(500, "params", str(exc)) from None
                from ..plan import allocate

                items = dict(allocate(params).select("item_id", "country").iter_rows())
                state = RegionState(params, Tokens(self.project, region), AuditLog(self.project, region), access_dir(self.project, region) / "results", items)
                self._regions[region] = state
            return state

    # --- access -------------------------------------------------------------------------

    def grant(self, state: RegionState, request: Request) -> Grant:
        origin = request.headers.get("origin")
        if origin is not None and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
            raise Problem(403, "origin", f"requests from {origin} are refused: use the upload page of this service, or no Origin header")
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(401, "no_token", "send your token as the header 'Authorization: Bearer <token>'")
        grant = state.tokens.verify(token.strip())
        if grant is None:
            raise Problem(401, "bad_token", "the token is not valid for this region (mistyped, revoked, or another region's)")
        calls = state.calls[grant.token_id]
        now = time.monotonic()
        while calls and now - calls[0] > 60:
            calls.popleft()
        if len(calls) >= self.limits.per_minute:
            raise Problem(429, "rate_limit", f"more than {self.limits.per_minute} requests in a minute with this token; retry later")
        calls.append(now)
        return grant

    # --- submissions --------------------------------------------------------------------

    async def body(self, state: RegionState, request: Request) -> tuple[bytes, str]:
        """The submitted file and the name it is stored under (413, 415 refused here)."""
        limit = min(self.limits.max_bytes, state.params.region.max_submission_bytes)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit + 64 * 1024:
            raise Problem(413, "too_large", f"the request is {int(declared):,} bytes; at most {limit:,} are accepted")
        ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if ctype == "multipart/form-data":
            form = await request.form(max_files=1, max_fields=4, max_part_size=limit + 1)
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise Problem(400, "no_file", "a multipart upload has one file, in the field 'file'")
            name = safe_filename(Path(upload.filename or "upload").name) or "upload"
            suffix = Path(name).suffix.lower()
            if suffix not in UPLOAD_SUFFIXES:
                raise Problem(415, "content_type", f"{name}: send the filled template as .xlsx or .csv (or .tsv, .json), not {suffix or 'a file without extension'}")
            data = await upload.read(limit + 1)
        elif ctype in CONTENT_TYPES:
            data = b""
            async for chunk in request.stream():
                data += chunk
                if len(data) > limit:
                    break
            name = f"submission{CONTENT_TYPES[ctype]}"
        else:
            raise Problem(415, "content_type", f"content type {ctype or 'none'} is not accepted: send {', '.join(CONTENT_TYPES)} or multipart/form-data")
        if len(data) > limit:
            raise Problem(413, "too_large", f"the file is larger than {limit:,} bytes")
        if not data:
            raise Problem(400, "empty", "the request has no file")
        return data, name

    def submit(self, state: RegionState, grant: Grant, data: bytes, name: str) -> tuple[int, dict[str, Any]]:
        if grant.role != "country":
            raise Problem(403, "not_a_country", "submissions come from a country's token; the secretariat's token reads and approves")
        sha = hashlib.sha256(data).hexdigest()
        with state.locks[sha]:  # the same file twice at once: one ingest, one repeat
            kept = self.result_of(state, sha)
            if kept is not None:
                if kept.get("country") != grant.country:  # another country's file: its answer is not this token's to read
                    raise Problem(403, "another_country", f"this file was sent for another country; this token submits for {grant.country} only. Nothing was stored")
                return kept["status"], {**kept, "duplicate": True}
            params = state.params
            incoming = access_dir(self.project, params.id) / "incoming" / sha
            incoming.mkdir(parents=True, exist_ok=True)
            path = incoming / name
            path.write_bytes(data)
            try:
                checked = ingest_mod.check_file(path, params, state.items, data=data)
                others = sorted(set(checked.result.countries) - {grant.country})
                if others:
                    raise Problem(403, "another_country", f"the file has rows for {', '.join(others)}; this token submits for {grant.country} only. Nothing was stored")
                if params.region.publish == "review" and checked.result.outcome in ("accepted", "partial"):
                    from .review import stage

                    answer = stage(self.project, params, path, checked, grant)
                    status = STATUS[checked.result.outcome]
                else:
                    (result,) = ingest_mod.ingest([path], params, self.project)
                    answer = self.answer(params, result, grant)
                    status = STATUS.get(result.repeat_of or result.outcome, 400)
                    if result.inserted and self.rebuilder is not None:
                        answer["publish"] = self.rebuilder.request(params.id, sha)
            finally:
                for f in incoming.iterdir():
                    f.unlink()
                incoming.rmdir()
            answer.update(status=status, duplicate=False)
            self.keep(state, sha, answer)
            return status, answer

    def answer(self, params: RegionParams, result: IngestResult, grant: Grant) -> dict[str, Any]:
        lang = params.country(grant.country).language if grant.country else params.region.default_language
        feedback = [Path(p) for p in result.feedback_paths]
        mine = [p for p in feedback if f".{grant.country}." in p.name] or feedback
        text = ""
        for p in mine:
            found = _feedback_file(self.project, p)
            if found is not None:
                text = found.read_text(encoding="utf-8")
                lang = found.name.rsplit(".", 2)[-2]
                break
        received = result.received_at.isoformat() if result.received_at else None
        return answers.answer(params, result, grant.country, lang, text, outcome=result.repeat_of or result.outcome, inserted=result.inserted, received_at=received)

    def result_of(self, state: RegionState, sha: str) -> dict[str, Any] | None:
        path = state.results / f"{sha}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def keep(self, state: RegionState, sha: str, answer: dict[str, Any]) -> None:
        state.results.mkdir(parents=True, exist_ok=True)
        tmp = state.results / f".{sha}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(answer, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, state.results / f"{sha}.json")


def _feedback_file(project: Project, path: Path) -> Path | None:
    """The feedback file as it was moved out of the pending folder on commit."""
    full = path if path.is_absolute() else project.root / path
    if full.is_file():
        return full
    found = sorted(project.feedback_dir.rglob(path.name))
    return found[0] if found else None


def _frame_json(frame) -> list[dict[str, Any]]:
    return json.loads(frame.write_json())


def create_app(project: Project | None = None, limits: Limits | None = None, site: Path | None = None, rebuilder: Any = None) -> FastAPI:
    """The service's app: the API under /api/v1, the upload page under /collect/, the
    published site (reports/_site) at /. No docs UI: Swagger's loads scripts from a CDN; the
    OpenAPI document is the contract."""
    from ..pages import sites_dir

    proj = project or Project.default()
    service = Service(proj, limits or Limits(), rebuilder)
    app = FastAPI(
        title="tflib submission service",
        version="1",
        description="Progress and indicator submissions for a regional trade-facilitation tracker, validated and stored as the command line does.",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service

    def audited(request: Request, region: str, grant: Grant | None, status: int, **what: Any) -> None:
        state = service._regions.get(region)
        if state is None:
            return
        state.audit.append(
            who=grant.who if grant else None,
            token=grant.token_id if grant else None,
            method=request.method,
            path=request.url.path,
            client=request.client.host if request.client else None,
            status=status,
            **what,
        )

    @app.exception_handler(Problem)
    async def problem(request: Request, exc: Problem):
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status)

    def authorised(region: str, request: Request) -> tuple[RegionState, Grant]:
        state = service.region(region)
        try:
            return state, service.grant(state, request)
        except Problem as exc:
            audited(request, region, None, exc.status, refused=exc.code)
            raise

    @app.post(
        f"{API}/regions/{{region}}/submissions",
        status_code=201,
        summary="Submit progress or indicators",
        description=(
            "A `tflib-submission/1` JSON document, a CSV/TSV/XLSX body, or a multipart upload (field `file`). "
            "Status: 201 all rows accepted, 207 some rows quarantined, 422 no row accepted, 400 unreadable, "
            "401 no valid token, 403 another country, 413 too large, 415 wrong content type, 429 rate limit. "
            "A resubmission of the same bytes returns the first answer with `duplicate: true`."
        ),
        responses={code: {"description": text} for code, text in [(207, "some rows quarantined"), (400, "unreadable file"), (401, "no valid token"), (403, "another country"), (413, "too large"), (415, "wrong content type"), (422, "no row accepted"), (429, "rate limit")]},
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": {"type": "object", "required": ["format", "rows"], "properties": {"format": {"const": SUBMISSION_FORMAT}, "kind": {"enum": ["progress", "indicators"]}, "rows": {"type": "array", "items": {"type": "object"}}}}},
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}},
        }}},
    )  # fmt: skip
    async def submit(region: str, request: Request):
        state, grant = authorised(region, request)
        sha = None
        try:
            data, name = await service.body(state, request)
            sha = hashlib.sha256(data).hexdigest()
            from starlette.concurrency import run_in_threadpool

            status, answer = await run_in_threadpool(service.submit, state, grant, data, name)
        except Problem as exc:
            audited(request, region, grant, exc.status, sha256=sha, refused=exc.code)
            raise
        audited(request, region, grant, status, sha256=sha, file=answer.get("file"), outcome=answer.get("outcome"), rows_in=answer.get("rows_in"), accepted=answer.get("accepted"), quarantined=answer.get("quarantined"), duplicate=answer.get("duplicate"))
        return JSONResponse(answer, status_code=status)

    @app.get(f"{API}/regions/{{region}}/submissions/{{sha256}}", summary="A submission's result and publication")
    def submission(region: str, sha256: str, request: Request):
        state, grant = authorised(region, request)
        kept = service.result_of(state, sha256.lower()) if len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256.lower()) else None
        if kept is None or not grant.may_read(kept.get("country") or ""):
            audited(request, region, grant, 404, sha256=sha256)
            raise Problem(404, "unknown_submission", "no submission with this sha256 that this token may read")
        approved = access_dir(proj, region) / "approved" / kept["submission"] / "approved.json"
        if (kept.get("publish") or {}).get("state") == "staged" and approved.is_file():
            record = json.loads(approved.read_text(encoding="utf-8"))
            kept.update(inserted=record["inserted"], publish={"state": "approved", "approved_by": record["approved_by"]})
        if service.rebuilder is not None and kept.get("inserted"):
            kept["publish"] = service.rebuilder.state_of(region, kept["submission"])
        audited(request, region, grant, 200, sha256=sha256)
        return kept

    def country_of(state: RegionState, grant: Grant, iso3: str, request: Request, region: str) -> str:
        code = iso3.upper()
        if code not in state.params.region.member_codes:
            audited(request, region, grant, 404, country=code)
            raise Problem(404, "unknown_country", f"{code} is not a member of {region}")
        if not grant.may_read(code):
            audited(request, region, grant, 403, country=code)
            raise Problem(403, "another_country", f"this token reads {grant.country} only")
        return code

    @app.get(f"{API}/regions/{{region}}/countries/{{iso3}}/items", summary="The country's action items with their latest progress")
    def items(region: str, iso3: str, request: Request, lang: str | None = None):
        from .. import tracker

        state, grant = authorised(region, request)
        code = country_of(state, grant, iso3, request, region)
        lang = lang if lang in state.params.languages else state.params.country(code).language
        plan = tracker.action_items(state.params, country=code, lang=lang, project=service.project)
        latest = tracker.progress(state.params, country=code, project=service.project).select("item_id", "reported_on", "status", "pct_complete", "note")
        rows = plan.select("item_id", "measure_id", "step_id", "step_name", "agency_id", "start", "due").join(latest, on="item_id", how="left")
        audited(request, region, grant, 200, country=code)
        return {"region": region, "country": code, "language": lang, "as_of": state.params.as_of.isoformat(), "items": _frame_json(rows)}

    @app.get(f"{API}/regions/{{region}}/countries/{{iso3}}/warnings", summary="The country's current early warnings")
    def warnings(region: str, iso3: str, request: Request, lang: str | None = None):
        from ..monitor import warning_message, warnings_for_region

        state, grant = authorised(region, request)
        code = country_of(state, grant, iso3, request, region)
        lang = lang if lang in state.params.languages else state.params.country(code).language
        found = warnings_for_region(state.params, country=code, project=service.project)
        messages = [warning_message(row, lang, state.params) for row in found.iter_rows(named=True)]
        rows = [{**row, "message": text} for row, text in zip(_frame_json(found), messages)]
        audited(request, region, grant, 200, country=code)
        return {"region": region, "country": code, "language": lang, "as_of": state.params.as_of.isoformat(), "warnings": rows}

    def secretariat(region: str, request: Request) -> tuple[RegionState, Grant]:
        state, grant = authorised(region, request)
        if grant.role != "secretariat":
            audited(request, region, grant, 403, refused="not_secretariat")
            raise Problem(403, "not_secretariat", "only the secretariat's token reviews staged submissions")
        return state, grant

    @app.get(f"{API}/regions/{{region}}/staged", summary="Staged submissions and what approving them would change (review mode; secretariat)")
    def staged_list(region: str, request: Request):
        from .review import changes, staged

        state, grant = secretariat(region, request)
        queue = staged(proj, region)
        audited(request, region, grant, 200)
        return {
            "region": region,
            "publish": state.params.region.publish,
            "staged": [{"submission": s.submission, "file": s.meta["file"], "by": s.meta["by"], "received_at": s.meta["answer"]["received_at"], "accepted": s.meta["answer"]["accepted"]} for s in queue],
            "changes": _frame_json(changes(proj, state.params, queue)),
        }

    @app.post(f"{API}/regions/{{region}}/staged/approve", summary="Approve staged submissions (all, or those listed); they are then stored and published")
    async def staged_approve(region: str, request: Request):
        from starlette.concurrency import run_in_threadpool

        from .review import approve

        state, grant = secretariat(region, request)
        try:
            body = await request.json() if (request.headers.get("content-type") or "").startswith("application/json") else {}
        except ValueError:
            raise Problem(400, "unreadable", "the body is not JSON: send {\"submissions\": [sha256, ...]} or nothing") from None
        wanted = body.get("submissions") if isinstance(body, dict) else None
        by = (body.get("by") if isinstance(body, dict) else None) or (grant.label or grant.token_id)
        try:
            done = await run_in_threadpool(approve, proj, state.params, str(by), wanted)
        except ValueError as exc:
            raise Problem(404, "unknown_submission", str(exc)) from None
        for record in done:
            if record["inserted"] and service.rebuilder is not None:
                record["publish"] = service.rebuilder.request(region, record["submission"])
        audited(request, region, grant, 200, approved=[r["submission"] for r in done])
        return {"region": region, "approved": done}

    @app.get(f"{API}/regions/{{region}}/me", summary="What this token may do")
    def me(region: str, request: Request):
        state, grant = authorised(region, request)
        lang = state.params.country(grant.country).language if grant.country else state.params.region.default_language
        return {"region": region, "role": grant.role, "country": grant.country, "language": lang}

    # Scripts and styles of this origin only; the token never leaves for another.
    csp = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"

    @app.get("/collect/", include_in_schema=False)
    def collect_index():
        regions = available_regions(proj)
        if len(regions) == 1:
            return RedirectResponse(f"/collect/{regions[0]}/")
        links = "".join(f'<li><a href="/collect/{r}/">{service.region(r).params.text(service.region(r).params.region.name, service.region(r).params.region.default_language)}</a></li>' for r in regions)
        return HTMLResponse(f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>tflib</title><link rel="stylesheet" href="/collect/assets/collect.css"></head><body><main><h1>tflib</h1><ul>{links}</ul></main></body></html>', headers={"content-security-policy": csp})

    @app.get("/collect/assets/{name}", include_in_schema=False)
    def collect_asset(name: str):
        path = ASSETS / name
        if name not in ("collect.js", "collect.css") or not path.is_file():
            raise Problem(404, "not_found", "no such file")
        return FileResponse(path, media_type="text/javascript; charset=utf-8" if name.endswith(".js") else "text/css; charset=utf-8", headers={"cache-control": "no-cache"})

    @app.get("/collect/{region}/", include_in_schema=False)
    def collect_region(region: str):
        return RedirectResponse(f"/collect/{region}/{service.region(region).params.region.default_language}/")

    # The service's own form page (not a page of the published site, whose paths tflib.pages holds).
    @app.get("/collect/{region}/{language}/", include_in_schema=False)
    def collect_page(region: str, language: str):
        from .collect import page

        params = service.region(region).params
        if language not in params.languages:
            raise Problem(404, "unknown_language", f"{region} is published in {', '.join(params.languages)}")
        return HTMLResponse(page(params, language), headers={"content-security-policy": csp, "cache-control": "no-store", "referrer-policy": "no-referrer"})

    folder = site or sites_dir(proj)
    folder.mkdir(parents=True, exist_ok=True)
    app.mount("/", StaticFiles(directory=folder, html=True, check_dir=False), name="site")
    return app
