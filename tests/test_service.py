"""The submission service against a real server: uvicorn in a subprocess on 127.0.0.1,
httpx as the client, a temporary project holding the shipped SICA data.

What a national system and a focal point depend on: who may do what (the auth matrix),
every status code of the contract, retries that never double a row, concurrent senders
that all land, a server killed in the middle of an ingest, and the OpenAPI document."""

from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import tflib
from tflib.service.access import AuditLog, Tokens

pytestmark = pytest.mark.xdist_group("service")

HEADER = ["country", "item_id", "reported_on", "status", "pct_complete", "note"]
REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(project, *args: str, env: dict[str, str] | None = None):
    """`tflib serve --collect` in a subprocess; yields its base URL once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tflib", "serve", "--collect", "--port", str(port), *args],
        cwd=project.root,
        env={**os.environ, "TFLIB_ROOT": str(project.root), "PYTHONPATH": str(REPO), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/api/v1/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the service did not start: {proc.stdout.read().decode(errors='replace')}") from None
                time.sleep(0.2)
        yield base, proc
    finally:
        proc.kill()
        proc.wait()


def csv_bytes(rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue().encode()


def items_of(project, country: str) -> list[str]:
    return tflib.action_items("sica", country=country, project=project)["item_id"].to_list()


def stored(project) -> int:
    return tflib.counts("sica", project)["progress_updates"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from projects import ingested_project

    return ingested_project(tmp_path_factory.mktemp("service") / "proj")


@pytest.fixture(scope="module")
def tokens(project):
    store = Tokens(project, "sica")
    made = {code: store.create("country", code)[0] for code in ("CRI", "GTM", "HND", "SLV", "PAN", "NIC", "BLZ", "DOM")}
    made["secretariat"] = store.create("secretariat")[0]
    revoked, grant = store.create("country", "CRI")
    store.revoke(grant.token_id)
    made["revoked"] = revoked
    return made


@pytest.fixture(scope="module")
def service(project, tokens):
    with running(project, "--no-rebuild", "--max-bytes", "200000", "--rate", "1000") as (base, _):
        yield base


def post(base: str, token: str | None, body: bytes, ctype: str = "text/csv", **kw) -> httpx.Response:
    headers = {"content-type": ctype, **({"authorization": f"Bearer {token}"} if token else {}), **kw.pop("headers", {})}
    return httpx.post(f"{base}/api/v1/regions/sica/submissions", content=body, headers=headers, timeout=120, **kw)


def get(base: str, token: str | None, path: str) -> httpx.Response:
    return httpx.get(f"{base}/api/v1/regions/sica/{path}", headers={"authorization": f"Bearer {token}"} if token else {}, timeout=60)


# -- who may do what ----------------------------------------------------------------------


def test_auth_matrix(service, project, tokens):
    item = items_of(project, "CRI")[0]
    body = csv_bytes([["CRI", item, "2026-09-30", "partial", "41", "auth matrix"]])
    before = stored(project)
    assert post(service, None, body).status_code == 401
    assert post(service, "tft_000000000000_" + "x" * 43, body).status_code == 401
    assert post(service, tokens["CRI"][:-2] + "zz", body).status_code == 401  # one character off
    assert post(service, tokens["revoked"], body).status_code == 401
    refused = post(service, tokens["GTM"], body)  # Guatemala's token, Costa Rica's rows
    assert refused.status_code == 403 and "CRI" in refused.json()["message"]
    assert post(service, tokens["secretariat"], body).status_code == 403  # reads and approves, never submits
    assert stored(project) == before  # nothing refused was stored
    # Reading: a country reads only itself; the secretariat reads every country.
    assert get(service, None, "countries/CRI/items").status_code == 401
    assert get(service, tokens["revoked"], "countries/CRI/items").status_code == 401
    assert get(service, tokens["GTM"], "countries/CRI/items").status_code == 403
    assert get(service, tokens["GTM"], "countries/CRI/warnings").status_code == 403
    own = get(service, tokens["CRI"], "countries/CRI/items")
    assert own.status_code == 200
    assert {r["item_id"] for r in own.json()["items"]} == set(items_of(project, "CRI"))
    assert get(service, tokens["secretariat"], "countries/GTM/items").status_code == 200
    assert get(service, tokens["secretariat"], "countries/GTM/warnings").status_code == 200
    # Another region's token, or a request from another origin, is refused.
    assert httpx.get(f"{service}/api/v1/regions/eac/me", headers={"authorization": f"Bearer {tokens['CRI']}"}).status_code == 401
    assert post(service, tokens["CRI"], body, headers={"origin": "https://evil.example"}).status_code == 403
    assert stored(project) == before


def test_items_and_warnings_come_from_the_store(service, project, tokens):
    latest = tflib.progress("sica", country="HND", project=project)
    got = {r["item_id"]: r for r in get(service, tokens["HND"], "countries/HND/items").json()["items"]}
    for row in latest.iter_rows(named=True):
        assert got[row["item_id"]]["status"] == row["status"]
        assert got[row["item_id"]]["pct_complete"] == row["pct_complete"]
    from tflib.monitor import warnings_for_region

    expected = warnings_for_region("sica", country="HND", project=project)
    answer = get(service, tokens["HND"], "countries/HND/warnings").json()
    assert answer["language"] == "es" and len(answer["warnings"]) == expected.height
    assert all(w["message"] for w in answer["warnings"])


# -- the contract's status codes -------------------------------------------------------------


def test_status_codes(service, project, tokens):
    items = items_of(project, "SLV")
    good = csv_bytes([["SLV", items[0], "2026-09-30", "partial", "33", "status codes"]])
    before = stored(project)
    created = post(service, tokens["SLV"], good)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert (answer["rows_in"], answer["accepted"], answer["quarantined"], answer["duplicate"]) == (1, 1, 0, False)
    assert stored(project) == before + 1
    assert answer["feedback"]["language"] == "es" and "aceptad" in answer["feedback"]["text"]

    some = post(service, tokens["SLV"], csv_bytes([["SLV", items[1], "2026-09-30", "partial", "20", ""], ["SLV", items[1], "2026-08-31", "partial", "140", ""]]))
    assert some.status_code == 207
    assert (some.json()["accepted"], some.json()["quarantined"]) == (1, 1)
    (problem,) = some.json()["problems"]
    assert (problem["row"], problem["column"]) == (3, "pct_complete")
    assert problem["text"].startswith("submission.csv:3:pct_complete: ")

    none = post(service, tokens["SLV"], csv_bytes([["SLV", "SLV-NOPE-S9", "2026-09-30", "partial", "10", ""]]))
    assert none.status_code == 422 and none.json()["accepted"] == 0

    assert post(service, tokens["SLV"], b"PK\x03\x04 not really a workbook", XLSX).status_code == 400
    assert post(service, tokens["SLV"], b'{"format": "tflib-submission/1", "rows": [}', "application/json").status_code == 400
    assert post(service, tokens["SLV"], b"x" * 300_000).status_code == 413
    assert post(service, tokens["SLV"], good, "text/plain").status_code == 415
    upload = httpx.post(
        f"{service}/api/v1/regions/sica/submissions",
        files={"file": ("notes.docx", b"hello", "application/octet-stream")},
        headers={"authorization": f"Bearer {tokens['SLV']}"},
    )
    assert upload.status_code == 415
    assert stored(project) == before + 2


def test_rate_limit(project, tokens):
    with running(project, "--no-rebuild", "--rate", "5") as (base, _):
        codes = [get(base, tokens["PAN"], "me").status_code for _ in range(7)]
        assert codes == [200] * 5 + [429] * 2
        assert get(base, tokens["NIC"], "me").status_code == 200  # per token


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_json_and_multipart_uploads(service, project, tokens):
    items = items_of(project, "BLZ")
    doc = {"format": "tflib-submission/1", "kind": "progress", "country": "BLZ", "rows": [{"item_id": items[0], "reported_on": "2026-09-30", "status": "pilot", "pct_complete": 12}]}
    res = post(service, tokens["BLZ"], json.dumps(doc).encode(), "application/json")
    assert res.status_code == 201 and res.json()["feedback"]["language"] == "en"
    # A file name from the sender never chooses where anything is written.
    upload = httpx.post(
        f"{service}/api/v1/regions/sica/submissions",
        files={"file": ("../../../etc/blz progress.csv", csv_bytes([["BLZ", items[1], "2026-09-30", "pilot", "8", ""]]), "text/csv")},
        headers={"authorization": f"Bearer {tokens['BLZ']}"},
    )
    assert upload.status_code == 201, upload.text
    assert upload.json()["file"] == "blz progress.csv"
    assert not (project.root.parent / "etc").exists()
    assert (project.archive_dir / "sica" / f"{upload.json()['submission']}.csv").is_file()  # the raw file, archived


# -- retries and concurrency ---------------------------------------------------------------


def test_a_retry_returns_the_first_answer(service, project, tokens):
    item = items_of(project, "DOM")[0]
    body = csv_bytes([["DOM", item, "2026-09-30", "partial", "27", "retry"]])
    first = post(service, tokens["DOM"], body)
    before = stored(project)
    again = post(service, tokens["DOM"], body)
    assert first.status_code == again.status_code == 201
    assert again.json()["duplicate"] is True and first.json()["duplicate"] is False
    assert {k: v for k, v in again.json().items() if k != "duplicate"} == {k: v for k, v in first.json().items() if k != "duplicate"}
    assert stored(project) == before
    status = get(service, tokens["DOM"], f"submissions/{first.json()['submission']}")
    assert status.status_code == 200 and status.json()["accepted"] == 1
    assert get(service, tokens["GTM"], f"submissions/{first.json()['submission']}").status_code == 404  # not Guatemala's


def test_concurrent_submissions_all_land_once(service, project, tokens):
    countries = ["CRI", "GTM", "HND", "SLV", "PAN", "NIC", "BLZ", "DOM"]
    bodies = {}
    for n, code in enumerate(countries + countries[:2]):  # ten files; two countries send twice
        items = items_of(project, code)
        bodies[(code, n)] = csv_bytes([[code, items[(n % 3) + 3], f"2026-09-2{n % 10}", "partial", str(50 + n), f"concurrent {n}"], [code, items[(n % 3) + 6], f"2026-09-2{n % 10}", "pilot", "5", f"concurrent {n}"]])
    before = stored(project)
    sends = [(code, body) for (code, _), body in bodies.items()] * 2  # every file twice, at once
    with concurrent.futures.ThreadPoolExecutor(len(sends)) as pool:
        answers = list(pool.map(lambda cb: post(service, tokens[cb[0]], cb[1]), sends))
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers if a.status_code != 201]
    assert sum(not a.json()["duplicate"] for a in answers) == len(bodies)
    assert stored(project) == before + 2 * len(bodies)


def test_a_kill_during_a_submission_loses_nothing(project, tokens):
    item = items_of(project, "NIC")[2]
    body = csv_bytes([["NIC", item, "2026-09-29", "partial", "61", "killed"]])
    before = stored(project)
    with running(project, "--no-rebuild", env={"TFLIB_INGEST_FAULT": "committed"}) as (base, proc):
        with pytest.raises(httpx.TransportError):
            post(base, tokens["NIC"], body)
        proc.wait(timeout=30)
    with running(project, "--no-rebuild") as (base, _):
        retry = post(base, tokens["NIC"], body)  # the client cannot know; it sends again
        assert retry.status_code == 201, retry.text
        again = post(base, tokens["NIC"], body)
        assert again.json()["duplicate"] is True
    assert stored(project) == before + 1
    from tflib.store import Store

    with Store.open(tflib.region("sica", project), project, read_only=True) as store:
        assert store.submission_seen(retry.json()["submission"]) is not None


# -- the record and the contract -----------------------------------------------------------


def test_every_request_is_audited(service, project, tokens):
    log = AuditLog(project, "sica")
    before = len(log.entries())
    body = csv_bytes([["PAN", items_of(project, "PAN")[4], "2026-09-30", "pilot", "3", "audit"]])
    ok = post(service, tokens["PAN"], body)
    post(service, None, body)
    get(service, tokens["GTM"], "countries/PAN/items")
    entries = log.entries()[before:]
    assert [(e["who"], e["status"]) for e in entries] == [("country:PAN", 201), (None, 401), ("country:GTM", 403)]
    assert entries[0]["sha256"] == ok.json()["submission"] and entries[0]["accepted"] == 1
    assert all(e["at"] and e["path"].startswith("/api/v1/regions/sica/") for e in entries)
    assert "tft_" not in log.path.read_text(encoding="utf-8")  # no token is ever written


def test_tokens_are_stored_hashed_and_shown_once(tmp_path):
    from projects import make_project

    proj = make_project(tmp_path / "p")
    env = {**os.environ, "TFLIB_ROOT": str(proj.root), "PYTHONPATH": str(REPO)}
    made = subprocess.run([sys.executable, "-m", "tflib", "token", "create", "--region", "sica", "--country", "cri", "--label", "Aduana"], env=env, capture_output=True, text=True, check=True)
    token = made.stdout.strip()
    assert token.startswith("tft_")
    kept = (proj.data_dir / "access" / "sica" / "tokens.json").read_text(encoding="utf-8")
    assert token.split("_", 2)[2] not in kept and "$argon2id$" in kept
    assert not (proj.store_dir / "access").exists()
    listed = json.loads(subprocess.run([sys.executable, "-m", "tflib", "token", "list", "--region", "sica", "--format", "json"], env=env, capture_output=True, text=True, check=True).stdout)
    assert [(g["country"], g["label"], g["revoked_at"]) for g in listed] == [("CRI", "Aduana", None)]
    assert Tokens(proj, "sica").verify(token).country == "CRI"
    subprocess.run([sys.executable, "-m", "tflib", "token", "revoke", listed[0]["token_id"], "--region", "sica"], env=env, check=True, capture_output=True)
    assert Tokens(proj, "sica").verify(token) is None
    bad = subprocess.run([sys.executable, "-m", "tflib", "token", "create", "--region", "sica", "--country", "XXX"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "--country" in bad.stderr


def test_the_openapi_document_validates(service):
    from openapi_spec_validator import validate

    doc = httpx.get(f"{service}/api/v1/openapi.json").json()
    validate(doc)
    post_op = doc["paths"]["/api/v1/regions/{region}/submissions"]["post"]
    assert {"201", "207", "400", "401", "403", "413", "415", "422", "429"} <= set(post_op["responses"])
    assert {"application/json", "text/csv", XLSX, "multipart/form-data"} <= set(post_op["requestBody"]["content"])
    assert httpx.get(f"{service}/docs").status_code == 404  # no docs UI: it would load a CDN


def test_the_example_client_needs_only_the_standard_library(service, project, tokens, tmp_path):
    script = REPO / "tflib" / "service" / "example_client.py"
    imports = {line.split()[1].split(".")[0] for line in script.read_text(encoding="utf-8").splitlines() if line.startswith(("import ", "from ")) and not line.startswith("from __future__")}
    assert imports <= set(sys.stdlib_module_names), imports - set(sys.stdlib_module_names)
    item = items_of(project, "HND")[5]
    path = tmp_path / "hnd.csv"
    path.write_bytes(csv_bytes([["HND", item, "2026-09-30", "partial", "22", "from a national system"]]))
    before = stored(project)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TFLIB_ROOT")}
    run = subprocess.run([sys.executable, "-I", str(script), str(path), "--url", service, "--region", "sica", "--token", tokens["HND"]], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["status"] == 201 and stored(project) == before + 1
    again = subprocess.run([sys.executable, "-I", str(script), str(path), "--url", service, "--region", "sica"], env={**env, "TFLIB_TOKEN": tokens["HND"]}, capture_output=True, text=True)
    assert again.returncode == 0 and json.loads(again.stdout)["duplicate"] is True and stored(project) == before + 1
    refused = subprocess.run([sys.executable, "-I", str(script), str(path), "--url", service, "--region", "sica", "--token", tokens["GTM"]], env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and json.loads(refused.stdout)["status"] == 403
