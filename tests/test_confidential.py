"""Values a member marks confidential never leave: not on a page, in a download, a search
index, a brief or an executed notebook (which the Quarto engine publishes).

The planted build (tests/planted.py) gives the Dominican Republic a confidential clearance
time of 915273.468 h and a confidential note; Honduras reports the same kinds of value in
public fields. Every output is read back as text the way a reader would get at it (HTML, JS,
JSON and CSV as they are, workbooks and archives unzipped, the search index decompressed,
Stata files decoded, PDFs extracted) and scanned for the markers in every spelling a number
is published in. The public markers must be found in every kind of output that publishes
such a value (so the scan cannot pass by reading nothing), the confidential ones nowhere;
and the secretariat's own analysis still sees the confidential values.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from tflib import pages

from planted import (
    CONFIDENTIAL_MEMBER,
    CONFIDENTIAL_NOTE,
    CONFIDENTIAL_VALUE,
    HOSTILE_MEMBER,
    PUBLIC_NOTE,
    PUBLIC_VALUE,
)

pytestmark = pytest.mark.xdist_group("planted")

TEXT_SUFFIXES = {".html", ".js", ".json", ".csv", ".css", ".txt", ".md", ".svg", ".xml"}


def number_pattern(value: float) -> re.Pattern[str]:
    """The value's first six digits in any published spelling: 915273.468, 915273.5, 915.273,5
    (Spanish), 915,273.5 (English), 915 273,5 (a thin or no-break space)."""
    digits = f"{int(value):d}"
    assert len(digits) == 6
    return re.compile(digits[:3] + r"[.,\u00a0\u202f ]?" + digits[3:])


CONFIDENTIAL = {"value": number_pattern(CONFIDENTIAL_VALUE), "note": re.compile(re.escape(CONFIDENTIAL_NOTE))}
PUBLIC = {"value": number_pattern(PUBLIC_VALUE), "note": re.compile(re.escape(PUBLIC_NOTE))}


@dataclass(frozen=True)
class Extract:
    """Text read out of one output (a file, or a member of an archive)."""

    where: str  # path in the site (archive members as archive!member)
    kind: str  # html, script, csv, xlsx, zip, dta, pdf, search, notebook, text
    text: str
    numbers: tuple[float, ...] = ()  # numeric cells of a decoded Stata file


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _dta(where: str, data: bytes) -> Extract:
    frame = pd.read_stata(io.BytesIO(data), convert_categoricals=False)
    numbers = tuple(float(v) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) for v in frame[c].dropna())
    return Extract(where, "dta", frame.to_csv(index=False), numbers)


def _xlsx(where: str, data: bytes) -> Extract:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        text = "\n".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith((".xml", ".rels")))
    return Extract(where, "xlsx", text)


def extract(where: str, data: bytes, in_zip: bool = False) -> list[Extract]:
    """Everything readable in one output, recursively through archives."""
    suffix = Path(where.split("!")[-1]).suffix.lower()
    if suffix == ".zip":
        out = []
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for name in zf.namelist():
                out += extract(f"{where}!{name}", zf.read(name), in_zip=True)
        return out
    if suffix == ".xlsx":
        return [_xlsx(where, data)]
    if suffix == ".dta":
        return [_dta(where, data)]
    if suffix == ".pdf":
        return [Extract(where, "pdf", _pdf_text(data))]
    if data[:2] == b"\x1f\x8b":  # the search index (pagefind) is gzip-compressed
        return [Extract(where, "search", gzip.decompress(data).decode("utf-8", errors="replace"))]
    kind = "zip" if in_zip else {".html": "html", ".js": "script", ".json": "script", ".csv": "csv"}.get(suffix, "text")
    # Binary files (fonts, WebAssembly) are read as text too: a value could hide anywhere.
    return [Extract(where, kind, data.decode("utf-8", errors="replace"))]


@pytest.fixture(scope="module")
def outputs(planted_site) -> list[Extract]:
    """Every file of the published site, and every executed notebook of the build."""
    site = planted_site.site
    found: list[Extract] = []
    for path in sorted(site.rglob("*")):
        if path.is_file():
            found += extract(path.relative_to(site).as_posix(), path.read_bytes())
    for notebook in sorted((planted_site.work).rglob("*.ipynb")):
        # The Quarto engine publishes the executed notebooks as they are.
        found.append(Extract(notebook.relative_to(planted_site.work).as_posix(), "notebook", notebook.read_text(encoding="utf-8")))
    return found


def hits(outputs: list[Extract], patterns: dict[str, re.Pattern[str]], value: float) -> dict[str, set[str]]:
    """For each marker (value, note): the kinds of output it was found in, with a file each."""
    where: dict[str, set[str]] = defaultdict(set)
    for ex in outputs:
        for marker, pattern in patterns.items():
            if pattern.search(ex.text):
                where[marker].add(f"{ex.kind}: {ex.where}")
        if any(abs(n - value) < 1 for n in ex.numbers):
            where["value"].add(f"{ex.kind}: {ex.where}")
    return where


def kinds(found: set[str]) -> set[str]:
    return {f.split(":")[0] for f in found}


def test_the_scan_reads_every_kind_of_output(outputs):
    read = {ex.kind for ex in outputs}
    assert {"html", "script", "csv", "xlsx", "zip", "dta", "pdf", "search", "notebook"} <= read
    assert sum(ex.kind == "pdf" for ex in outputs) >= 2 and all(ex.text.strip() for ex in outputs if ex.kind == "pdf")


def test_public_markers_are_found_wherever_such_values_are_published(outputs):
    """The positive control: the same kind of marker in a public field is found on the page
    (and its chart), in the page's CSV, workbook, Stata files and archives, the bulk export,
    the brief and the executed notebook."""
    found = hits(outputs, PUBLIC, PUBLIC_VALUE)
    assert {"html", "csv", "xlsx", "zip", "dta", "pdf", "search", "notebook"} <= kinds(found["value"]), sorted(found["value"])
    assert any(f"/{HOSTILE_MEMBER}/logistics.html" in f for f in found["value"])
    assert any(f.startswith("pdf: ") and f"/{HOSTILE_MEMBER}/brief.pdf" in f for f in found["value"])  # the missed target
    assert any(f.startswith("csv: downloads/") for f in found["value"])  # the bulk export
    assert any(f.startswith("csv: downloads/") for f in found["note"]), sorted(found["note"])
    assert any(f.startswith(f"zip: {pages.RELEASES_DIR}/") for f in found["note"])  # the release's archive


def test_confidential_values_and_notes_are_in_no_output(outputs):
    found = hits(outputs, CONFIDENTIAL, CONFIDENTIAL_VALUE)
    assert dict(found) == {}


def test_confidential_values_stay_usable_for_the_secretariat(planted_site):
    """The store and tflib.tracker keep them: only what is published leaves them out."""
    from tflib import monitor, tracker
    from tflib.params import load_region

    proj = planted_site.project
    params = load_region("sica", proj)
    assert {"clearance_time", "note"} <= set(params.country(CONFIDENTIAL_MEMBER).confidential)
    obs = tracker.indicators(params, country=CONFIDENTIAL_MEMBER, indicator="clearance_time", project=proj)
    latest = obs.filter((pl.col("period") == "2026-Q3") & (pl.col("statistic") == "median"))
    assert latest["value"].to_list() == [CONFIDENTIAL_VALUE]
    notes = tracker.progress(params, country=CONFIDENTIAL_MEMBER, history=True, project=proj)["note"].to_list()
    assert CONFIDENTIAL_NOTE in notes
    current = tracker.progress(params, country=CONFIDENTIAL_MEMBER, project=proj)["note"].to_list()
    assert CONFIDENTIAL_NOTE in current
    warnings = monitor.warnings_for_region(params, country=CONFIDENTIAL_MEMBER, project=proj)
    missed = warnings.filter((pl.col("kind") == "target_missed") & (pl.col("indicator_id") == "clearance_time"))
    assert missed["value"].to_list() == [CONFIDENTIAL_VALUE]  # the warning the site leaves out


def test_release_tables_leave_out_exactly_what_is_confidential(planted_site):
    """The release tables (what every output is made of) drop the confidential values and
    notes, and keep the member's other values and the other members' notes."""
    from tflib.inputs import ReleaseTables

    release = ReleaseTables(planted_site.work)
    ind = release.frame("indicators", "es")
    mine = ind.filter(pl.col("country") == CONFIDENTIAL_MEMBER)
    assert "clearance_time" not in mine["indicator_id"].to_list() and mine.height > 0
    assert PUBLIC_VALUE in ind.filter(pl.col("country") == HOSTILE_MEMBER)["value"].to_list()
    for name in ("progress_history", "progress_current"):
        frame = release.frame(name, "es")
        assert frame.filter(pl.col("country") == CONFIDENTIAL_MEMBER)["note"].null_count() == frame.filter(pl.col("country") == CONFIDENTIAL_MEMBER).height
        assert PUBLIC_NOTE in frame["note"].to_list()
    warnings = release.frame("early_warnings", "es")
    assert warnings.filter((pl.col("country") == CONFIDENTIAL_MEMBER) & (pl.col("indicator_id") == "clearance_time")).is_empty()
    assert not warnings.filter((pl.col("country") == HOSTILE_MEMBER) & (pl.col("kind") == "target_missed") & (pl.col("indicator_id") == "clearance_time")).is_empty()
