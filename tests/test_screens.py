"""`tflib screens`: full-page screenshots of the built site, one page per kind, language and
width, in reports/screens/<region>/<lang>/<kind>-<width>.png."""

from __future__ import annotations

import struct

import pytest
from typer.testing import CliRunner

from tflib import screens
from tflib.cli import app

pytestmark = pytest.mark.xdist_group("site")
needs_chromium = pytest.mark.skipif(not screens.chromium_path().exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
runner = CliRunner()


def run(proj, *args):
    env = {"TFLIB_ROOT": str(proj.root), "TFLIB_REGION": "", "COLUMNS": "300"}
    return runner.invoke(app, ["screens", *args], env=env)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", data[:16]
    return struct.unpack(">II", data[16:24])


@needs_chromium
def test_screens_of_two_kinds_at_both_widths(site_build):
    proj, _ = site_build
    result = run(proj, "--region", "sica", "--kinds", "home,logistics", "--lang", "en")
    assert result.exit_code == 0, result.output
    folder = proj.reports_dir / "screens" / "sica" / "en"
    expected = {f"{kind}-{width}.png" for kind in ("home", "logistics") for width in (1300, 390)}
    assert {p.name for p in folder.iterdir()} == expected
    for name in expected:
        width, height = png_size((folder / name).read_bytes())
        assert width == int(name.removesuffix(".png").rsplit("-", 1)[1]), name
        assert name in result.output
    # Full page: the report page is taller than the window.
    assert png_size((folder / "logistics-390.png").read_bytes())[1] > screens.HEIGHT
    assert "en/CRI/logistics.html" in result.output  # the first member with the page
    assert not (proj.reports_dir / "screens" / "sica" / "es").exists()  # --lang en only


def test_screens_without_a_built_site_say_how_to_build_it(tmp_path):
    from projects import make_project

    proj = make_project(tmp_path / "proj")
    result = run(proj, "--region", "sica")
    assert result.exit_code == 2
    assert "tflib build --region sica" in result.output
    assert not (proj.reports_dir / "screens").exists()


def test_screens_refuse_an_unknown_kind(site_build):
    proj, _ = site_build
    result = run(proj, "--region", "sica", "--kinds", "nonesuch")
    assert result.exit_code == 2
    assert "nonesuch" in result.output and "logistics" in result.output
