"""Bad options and bad params are refused before any work starts, by every command.

Each refusal exits 2 with a message naming the option (or, for params, the file and the key
path) and no traceback, and writes nothing: the store, the submissions log, the archive, the
submissions folder and the reports stay byte for byte as they were. Most cases run through
typer's CliRunner (fast); at least one per command runs `python -m tflib` in a subprocess, to
prove no traceback reaches the user.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from projects import make_project
from tflib.cli import app

pytestmark = pytest.mark.xdist_group("options")  # one project, ingested once

COMMANDS_WITH_REGION = ("build", "ingest", "plan", "warnings", "scores", "info", "generate")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project with a store holding one ingested submission (so there is a store and a
    submissions log to keep unchanged), and the shipped submissions a build would ingest."""
    from tflib.ingest import ingest

    proj = make_project(tmp_path_factory.mktemp("options") / "proj", with_submissions=True)
    first = sorted((proj.submissions_dir / "sica").rglob("CRI_progress.csv"))[0]
    (result,) = ingest([first], "sica", proj)
    assert result.accepted > 0
    return proj


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the project except its params (which some cases break on purpose)."""
    out = {}
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root)
        if rel.parts[:1] == ("params",) or rel.parts[:2] == ("data", "reference"):
            dirs[:] = []
            continue
        for name in files:
            path = Path(folder) / name
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def submission(project) -> str:
    return str(sorted((project.submissions_dir / "sica").rglob("GTM_progress.csv"))[0])


def refused(project, args: list[str], *fragments: str) -> str:
    """Run `tflib ARGS` in-process; it must exit 2, say every fragment, and change nothing."""
    before = snapshot(project.root)
    result = CliRunner().invoke(app, args, env={"TFLIB_ROOT": str(project.root), "COLUMNS": "200"})
    output = result.output
    assert result.exit_code == 2, (args, result.exit_code, output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
    for fragment in fragments:
        assert fragment in output, (args, fragment, output)
    assert snapshot(project.root) == before, f"{args} wrote files before refusing"
    return output


def refused_in_subprocess(project, args: list[str], *fragments: str, env: dict | None = None) -> str:
    before = snapshot(project.root)
    done = subprocess.run(
        [sys.executable, "-m", "tflib", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, "TFLIB_ROOT": str(project.root), "COLUMNS": "200", **(env or {})},
    )
    text = done.stdout + done.stderr
    assert done.returncode == 2, (args, done.returncode, text)
    assert "Traceback" not in text and len(text.splitlines()) <= 12, (args, text)
    for fragment in fragments:
        assert fragment in text, (args, fragment, text)
    assert snapshot(project.root) == before, f"{args} wrote files before refusing"
    return text


# ---------------------------------------------------------------------------------------------
# Options


def _closed_port() -> socket.socket:
    """A socket bound but not listening: connecting to its port is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


BUILD_CASES = {
    "unknown-country": (["--countries", "XXX"], ["--countries", "XXX"]),
    "country-path": (["--countries", "../../etc"], ["--countries", "../../etc"]),
    "one-bad-country-of-two": (["--countries", "CRI,ZZZ"], ["--countries", "ZZZ"]),
    "unknown-kind": (["--kinds", "nonsense"], ["--kinds", "nonsense"]),
    "old-dimensions-option": (["--dimensions", "nonsense"], ["--dimensions"]),
    "no-page-selected": (["--countries", "DOM", "--kinds", "corridors"], ["no page", "DOM", "corridors"]),
    "language-not-of-region": (["--lang", "vi"], ["--lang", "vi"]),
    "language-path": (["--lang", "../x"], ["--lang", "../x"]),
    "unknown-region": (["--region", "nosuch"], ["--region", "nosuch"]),
    "region-path": (["--region", "../../etc"], ["--region", "../../etc"]),
    "zero-workers": (["--workers", "0"], ["--workers"]),
    "negative-workers": (["--workers", "-1"], ["--workers"]),
    "workers-not-a-number": (["--workers", "two"], ["--workers"]),
    "negative-timeout": (["--timeout", "-1"], ["--timeout"]),
    "zero-timeout": (["--timeout", "0"], ["--timeout"]),
    "infinite-timeout": (["--timeout", "inf"], ["--timeout"]),
    "unknown-engine": (["--engine", "hugo"], ["--engine", "hugo"]),
    "scheduler-not-an-address": (["--scheduler", "nonsense"], ["--scheduler", "nonsense"]),
}


@pytest.mark.parametrize("args, fragments", BUILD_CASES.values(), ids=BUILD_CASES.keys())
def test_build_refuses_bad_options_before_ingesting(project, args, fragments):
    refused(project, ["build", *args], *fragments)


def test_build_refuses_a_scheduler_it_cannot_reach(project):
    with _closed_port() as sock:
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
        refused(project, ["build", "--scheduler", address], "--scheduler", address)


REGION_CASES = {"unknown": ("nosuch", "nosuch"), "path": ("../../etc", "../../etc"), "empty": ("", "--region")}


@pytest.mark.parametrize("command", COMMANDS_WITH_REGION)
@pytest.mark.parametrize("region, fragment", REGION_CASES.values(), ids=REGION_CASES.keys())
def test_every_command_refuses_a_bad_region(project, command, region, fragment):
    extra = [submission(project)] if command == "ingest" else []
    refused(project, [command, *extra, "--region", region], "--region", fragment)


LANG_CASES = {"not-of-region": "vi", "path": "../x", "catalog-but-not-region": "fr"}


@pytest.mark.parametrize("command", ["warnings", "scores"])
@pytest.mark.parametrize("lang", LANG_CASES.values(), ids=LANG_CASES.keys())
def test_message_languages_must_be_the_regions(project, command, lang):
    refused(project, [command, "--lang", lang], "--lang", repr(lang))


@pytest.mark.parametrize("command", ["warnings", "scores"])
def test_output_format_must_be_table_or_json(project, command):
    refused(project, [command, "--format", "nonsense"], "--format", "nonsense")


@pytest.mark.parametrize("command", ["warnings", "scores", "plan"])
@pytest.mark.parametrize("date", ["2027-13-30", "yesterday", "../x"])
def test_as_of_must_be_a_date(project, command, date):
    refused(project, [command, "--as-of", date], "--as-of", date)


@pytest.mark.parametrize("country", ["XXX", "../x"])
def test_warnings_for_a_member_only(project, country):
    refused(project, ["warnings", "--country", country], "--country", country)


def test_plan_out_must_be_a_folder(project, tmp_path):
    a_file = tmp_path / "plans.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    refused(project, ["plan", "--out", str(a_file)], "--out", str(a_file))


@pytest.mark.parametrize("port", ["-1", "70000", "http"])
def test_serve_refuses_a_bad_port(project, tmp_path, port):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>site</title>", encoding="utf-8")
    refused(project, ["serve", "--site", str(tmp_path), "--port", port], "--port")


def test_serve_refuses_a_port_in_use(project, tmp_path):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>site</title>", encoding="utf-8")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        refused(project, ["serve", "--site", str(tmp_path), "--port", port], "--port", port)


def test_serve_refuses_a_folder_without_a_site(project, tmp_path):
    refused(project, ["serve", "--site", str(tmp_path / "nowhere")], "--site", "no site")


# One case per command in a real process: the user sees the message, never a traceback.
SUBPROCESS_CASES = {
    "build": (["build", "--countries", "../../etc"], ["--countries", "../../etc"]),
    "ingest": (["ingest", "FILE", "--region", "../../etc"], ["--region", "../../etc"]),
    "plan": (["plan", "--as-of", "2027-13-30"], ["--as-of", "2027-13-30"]),
    "warnings": (["warnings", "--lang", "vi"], ["--lang", "'vi'"]),
    "scores": (["scores", "--format", "nonsense"], ["--format", "nonsense"]),
    "info": (["info", "--region", "nosuch"], ["--region", "nosuch"]),
    "generate": (["generate", "--region", "../../etc"], ["--region", "../../etc"]),
    "serve": (["serve", "--port", "70000"], ["--port"]),
}


@pytest.mark.parametrize("args, fragments", SUBPROCESS_CASES.values(), ids=SUBPROCESS_CASES.keys())
def test_no_traceback_reaches_the_user(project, args, fragments):
    args = [submission(project) if a == "FILE" else a for a in args]
    refused_in_subprocess(project, args, *fragments)


# ---------------------------------------------------------------------------------------------
# Params


# (file, the line as shipped -> the line as broken, the message's key path)
BAD_DATES = {
    "region-as-of": ("region.yaml", "as_of:", "as_of"),
    "measure-deadline": ("strategy.yaml", "        deadline:", "pillars.0.measures.0.deadline"),
    "member-start": ("countries/CRI.yaml", "start:", "start"),
}


@pytest.fixture
def broken(project, request):
    """The region's params with one date made impossible (as a person might type it:
    unquoted, so YAML sees a timestamp), restored afterwards."""
    name, prefix, key = BAD_DATES[request.param]
    path = project.regions_dir / "sica" / name
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(prefix))
    lines[at] = f"{prefix} 2027-13-30\n"
    path.write_text("".join(lines), encoding="utf-8")
    yield f"params/regions/sica/{name}: {key}: 2027-13-30 is not a valid date"
    path.write_text(original, encoding="utf-8")


@pytest.mark.parametrize("broken", BAD_DATES, indirect=True)
@pytest.mark.parametrize("command", COMMANDS_WITH_REGION)
def test_an_impossible_date_in_params_is_refused_by_every_command(project, broken, command):
    extra = [submission(project)] if command == "ingest" else []
    refused(project, [command, *extra], broken)


@pytest.mark.parametrize("broken", ["region-as-of"], indirect=True)
def test_an_impossible_date_in_params_gives_one_line_not_a_traceback(project, broken):
    text = refused_in_subprocess(project, ["build", "--countries", "CRI", "--kinds", "progress"], broken)
    assert "month must be in 1..12" not in text


def test_params_that_are_not_utf8_are_refused(project):
    path = project.regions_dir / "sica" / "region.yaml"
    original = path.read_bytes()
    try:
        path.write_bytes(original.replace(b"secretariat: SIECA", "secretariat: Secretaría".encode("latin-1")))
        assert path.read_bytes() != original
        refused(project, ["info"], "params/regions/sica/region.yaml", "UTF-8")
    finally:
        path.write_bytes(original)
