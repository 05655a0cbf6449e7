"""The submission service end to end: a submission reaches the published site through a
live rebuild, the upload page works in a browser, and review mode publishes nothing
before the secretariat approves."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time

import httpx
import pytest

import tflib
from test_service import REPO, csv_bytes, get, items_of, post, running, stored
from tflib.service.access import AuditLog, Tokens

pytestmark = pytest.mark.xdist_group("service")


def page_value(item: str, pct: float) -> re.Pattern:
    """The item's bar in the progress page's timeline chart, at `pct` percent complete."""
    return re.compile(r'"item_id":"%s","measure":"[^"]*","pct":%s' % (re.escape(item), re.escape(repr(float(pct)))))


def an_open_item(project, country: str, used: set[str]) -> str:
    for row in tflib.progress("sica", country=country, project=project).iter_rows(named=True):
        if row["status"] in ("pilot", "partial") and row["item_id"] not in used and row["reported_on"] and str(row["reported_on"]) < "2026-09-01":
            used.add(row["item_id"])
            return row["item_id"]
    raise AssertionError(f"no open item of {country}")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A project with the shipped data and Costa Rica's Spanish pages published."""
    from projects import ingested_project

    from tflib.build import build

    proj = ingested_project(tmp_path_factory.mktemp("live") / "proj")
    build("sica", countries=["CRI"], langs=["es"], project=proj)
    return proj


def test_a_submission_reaches_the_published_page(built, tmp_path):
    token, _ = Tokens(built, "sica").create("country", "CRI")
    progress_page = built.reports_dir / "_site" / "sica" / "es" / "CRI" / "progress.html"
    assert "Último envío recibido" not in progress_page.read_text(encoding="utf-8")  # illustrative data: no receipt time
    used: set[str] = set()
    first, second = an_open_item(built, "CRI", used), an_open_item(built, "CRI", used)
    with running(built, "--countries", "CRI", "--lang", "es", "--debounce", "0.2") as (base, _):
        # A national system's POST, through the example client (standard library only).
        sent = tmp_path / "cri-progress.csv"
        sent.write_bytes(csv_bytes([["CRI", first, "2026-09-30", "partial", "81", "live"]]))
        client = subprocess.run(
            [sys.executable, "-I", str(REPO / "tflib" / "service" / "example_client.py"), str(sent), "--url", base, "--region", "sica", "--token", token],
            capture_output=True, text=True, timeout=120,
        )
        assert client.returncode == 0, client.stdout + client.stderr
        answer = json.loads(client.stdout)
        assert answer["status"] == 201 and answer["publish"]["state"] in ("queued", "building")
        # A second submission while the first build may be running: it is never lost.
        time.sleep(1.0)
        later = post(base, token, csv_bytes([["CRI", second, "2026-09-30", "partial", "83", "live"]]))
        assert later.status_code == 201
        deadline = time.monotonic() + 300
        states = {}
        while time.monotonic() < deadline:
            states = {sha: get(base, token, f"submissions/{sha}").json()["publish"]["state"] for sha in (answer["submission"], later.json()["submission"])}
            if set(states.values()) == {"published"}:
                break
            time.sleep(0.5)
        assert set(states.values()) == {"published"}, states
        page = httpx.get(f"{base}/sica/es/CRI/progress.html").text
        assert page_value(first, 81).search(page) and page_value(second, 83).search(page)
        # The page says when the latest submission was received (from the store), not when it was built.
        import datetime as dt

        from tflib.i18n import fmt_date

        received = dt.datetime.fromisoformat(later.json()["received_at"])
        assert f"Último envío recibido: {fmt_date(received.date(), 'es', 'long')}, {received:%H:%M} UTC" in page


def test_the_upload_page_takes_a_good_file_and_explains_a_bad_one(built, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    token, _ = Tokens(built, "sica").create("country", "CRI")
    used: set[str] = set()
    item, typed = an_open_item(built, "CRI", used), an_open_item(built, "CRI", used)
    # A date of its own: the other test reports on these items on 2026-09-30.
    good = tmp_path / "avance.csv"
    good.write_bytes(csv_bytes([["CRI", item, "2026-09-29", "partial", "64", "desde la página"]]))
    bad = tmp_path / "avance-malo.csv"
    bad.write_bytes(csv_bytes([["CRI", item, "2026-09-28", "partial", "140", ""], ["CRI", "CRI-NOPE-S1", "2026-09-28", "pilot", "5", ""]]))
    before = stored(built)
    with running(built, "--countries", "CRI", "--lang", "es", "--debounce", "0.2") as (base, _), playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"])
        page = browser.new_page(viewport={"width": 390, "height": 900})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"{base}/collect/sica/es/")
        assert page.locator("html").get_attribute("lang") == "es"
        page.fill("#token", token)
        page.click("#token-form button[type=submit]")
        page.wait_for_selector("#items tbody tr")
        assert "Costa Rica" in page.inner_text("#who")
        # A good file: accepted, stored.
        page.set_input_files("#file", str(good))
        page.click("#file-form button[type=submit]")
        page.wait_for_selector("#result .ok")
        assert stored(built) == before + 1
        # The page follows the submission until it is on the published site, which then shows it.
        deadline = time.monotonic() + 300  # the page's own CSP refuses evaluated strings: polled from here
        while "Ya está en el sitio publicado" not in (page.text_content("#published") or "") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "Ya está en el sitio publicado" in (page.text_content("#published") or "")
        published = httpx.get(f"{base}/sica/es/CRI/progress.html").text
        assert page_value(item, 64).search(published)
        # A bad one: each row set aside, said in Spanish with how to fix it.
        page.set_input_files("#file", str(bad))
        page.click("#file-form button[type=submit]")
        page.wait_for_selector("#result .bad")
        rows = page.locator("#result tbody tr")
        assert rows.count() == 2
        text = page.inner_text("#result")
        assert "El porcentaje está fuera del rango 0-100." in text and "Escriba un porcentaje entre 0 y 100." in text
        assert stored(built) == before + 1
        # A small update typed in the page, without Excel.
        row = page.locator(f'#items tbody tr[data-item="{typed}"]')
        row.locator("[name=pct]").fill("71")
        page.click("#items-form button[type=submit]")
        page.wait_for_selector("#result .ok")
        assert stored(built) == before + 2
        latest = tflib.progress("sica", country="CRI", project=built).filter(tflib.progress("sica", country="CRI", project=built)["item_id"] == typed)
        assert latest["pct_complete"][0] == 71
        # The token stays in this tab only; no cookie; nothing fetched from elsewhere.
        assert page.evaluate("sessionStorage.length") == 1 and page.evaluate("document.cookie") == ""
        # Belize's focal point who opens the Spanish page is taken to the English one (Belize's language).
        blz, _ = Tokens(built, "sica").create("country", "BLZ")
        other = browser.new_context().new_page()
        other.goto(f"{base}/collect/sica/es/")
        other.fill("#token", blz)
        other.click("#token-form button[type=submit]")
        other.wait_for_url(f"{base}/collect/sica/en/")
        other.wait_for_selector("#items tbody tr")
        assert other.locator("html").get_attribute("lang") == "en" and "Belize" in other.inner_text("#who")
        assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
        assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")
        # axe-core on the page with its items and a result shown, at phone and desktop widths
        # (injected in a context that lets the test add its script; the page itself allows none).
        from test_a11y import AXE, AXE_JS, TAGS

        if AXE.exists():  # test_a11y says why when it is not installed
            checked = browser.new_context(bypass_csp=True).new_page()
            checked.goto(f"{base}/collect/sica/es/")
            checked.fill("#token", token)
            checked.click("#token-form button[type=submit]")
            checked.wait_for_selector("#items tbody tr")
            checked.set_input_files("#file", str(bad))
            checked.click("#file-form button[type=submit]")
            checked.wait_for_selector("#result .bad")
            checked.add_script_tag(path=str(AXE))
            for width in (390, 1300):
                checked.set_viewport_size({"width": width, "height": 900})
                serious = [(v["id"], v["nodes"][:3]) for v in checked.evaluate(AXE_JS, TAGS) if v["impact"] in ("serious", "critical")]
                assert not serious, (width, serious)
        browser.close()


def test_review_mode_publishes_nothing_before_approval(tmp_path):
    from projects import make_project

    from tflib.ingest import ingest

    proj = make_project(tmp_path / "proj", with_submissions=True)
    region_yaml = proj.regions_dir / "sica" / "region.yaml"
    region_yaml.write_text(region_yaml.read_text(encoding="utf-8") + "\npublish: review\n", encoding="utf-8")
    ingest([proj.submissions_dir / "sica"], "sica", proj)
    tokens = Tokens(proj, "sica")
    hnd, _ = tokens.create("country", "HND")
    sec, _ = tokens.create("secretariat", label="Unidad de monitoreo")
    item = an_open_item(proj, "HND", set())
    before = stored(proj)
    with running(proj, "--no-rebuild") as (base, _):
        sent = post(base, hnd, csv_bytes([["HND", item, "2026-09-30", "partial", "88", "en revisión"]]))
        assert sent.status_code == 201 and sent.json()["publish"] == {"state": "staged"}
        assert stored(proj) == before  # staged, not stored: no build can publish it
        assert get(base, hnd, "staged").status_code == 403
        review = get(base, sec, "staged").json()
        (change,) = review["changes"]
        assert (change["what"], change["after"]) == (item, "partial 88.0") and change["before"].startswith("partial")
        assert get(base, hnd, f"submissions/{sent.json()['submission']}").json()["publish"]["state"] == "staged"
        approved = httpx.post(f"{base}/api/v1/regions/sica/staged/approve", json={}, headers={"authorization": f"Bearer {sec}"})
        assert approved.status_code == 200, approved.text
        assert [r["inserted"] for r in approved.json()["approved"]] == [1]
        assert stored(proj) == before + 1
        assert get(base, hnd, f"submissions/{sent.json()['submission']}").json()["publish"]["state"] == "approved"
    (record,) = [e for e in AuditLog(proj, "sica").entries() if e["method"] == "APPROVE"]
    assert record["who"] == "secretariat:Unidad de monitoreo" and record["sent_by"] == "country:HND" and record["sha256"] == sent.json()["submission"]


def test_publish_approve_on_the_command_line(tmp_path):
    import os

    from projects import make_project

    from tflib.service.review import stage

    from tflib.ingest import check_file
    from tflib.plan import allocate

    proj = make_project(tmp_path / "proj")
    params = tflib.region("sica", proj)
    grant = Tokens(proj, "sica").create("country", "PAN")[1]
    plan = allocate(params)
    item = plan.filter(plan["country"] == "PAN")["item_id"][0]  # from the plan: no store yet
    path = tmp_path / "pan.csv"
    path.write_bytes(csv_bytes([["PAN", item, "2026-09-30", "pilot", "9", ""]]))
    stage(proj, params, path, check_file(path, params, dict(allocate(params).select("item_id", "country").iter_rows())), grant)
    env = {**os.environ, "TFLIB_ROOT": str(proj.root), "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    shown = subprocess.run([sys.executable, "-m", "tflib", "publish", "--region", "sica"], env=env, capture_output=True, text=True, check=True)
    assert item in shown.stdout and "approve with: tflib publish --region sica --approve" in shown.stdout
    from tflib.store import store_path

    assert not store_path("sica", proj).exists()  # nothing stored before approval
    done = subprocess.run([sys.executable, "-m", "tflib", "publish", "--region", "sica", "--approve", "--by", "ana", "--no-build"], env=env, capture_output=True, text=True, check=True)
    assert "by ana: accepted, 1 new row(s)" in done.stdout
    assert tflib.counts("sica", proj)["progress_updates"] == 1


def test_watch_ingests_files_dropped_in_a_folder(tmp_path):
    import os

    from projects import make_project
    from test_service import csv_bytes as rows_csv

    from tflib.plan import allocate

    proj = make_project(tmp_path / "proj")
    params = tflib.region("sica", proj)
    plan = allocate(params)
    items = plan.filter(plan["country"] == "SLV")["item_id"].to_list()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "before.csv").write_bytes(rows_csv([["SLV", items[0], "2026-09-30", "pilot", "4", "dropped while nobody watched"]]))
    env = {**os.environ, "TFLIB_ROOT": str(proj.root), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "tflib", "watch", "--region", "sica", "--folder", str(inbox), "--no-rebuild"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def count() -> int:
            try:
                return tflib.counts("sica", proj)["progress_updates"]
            except FileNotFoundError:
                return 0

        def until(n: int) -> int:
            deadline = time.monotonic() + 60
            while count() < n and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.3)
            return count()

        assert until(1) == 1
        tmp = inbox / ".copying.csv"
        tmp.write_bytes(rows_csv([["SLV", items[1], "2026-09-30", "partial", "15", "dropped"], ["SLV", items[2], "2026-09-30", "partial", "140", "bad row"]]))
        tmp.rename(inbox / "after.csv")
        assert until(2) == 2
        time.sleep(1.5)
        assert count() == 2  # the bad row quarantined, nothing doubled
        assert list((proj.quarantine_dir / "sica").glob("after-*.csv"))
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "after.csv:3:pct_complete" in out
