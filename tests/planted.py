"""A small SICA site built from a temporary project with planted hostile text and
confidential markers, shared by test_hostile_text and test_confidential (one build).

What is planted, before anything is ingested:

- hostile text: markup and formulas as the name of a measure (strategy.yaml) and of the
  Honduran agency that owns one of its steps (countries/HND.yaml), and as the notes of
  Honduran progress reports, one of them a spreadsheet formula. The measure's step is one
  of those due next, so the progress page lists it in a table.
- confidential markers: the Dominican Republic keeps its clearance time and its notes
  confidential; its report carries a clearance time of `CONFIDENTIAL_VALUE` and a note
  `CONFIDENTIAL_NOTE`. Its clearance-time target is due, so the value would raise a
  "target missed" warning, the most severe kind, if it ever reached the warnings.
- positive controls: Honduras reports the same kind of values in public fields
  (`PUBLIC_VALUE`, `PUBLIC_NOTE`), with a clearance-time target due as well, so the same
  scans must find them wherever such a value is published (pages, downloads, brief).

The build is narrowed to the pages that show these (progress and logistics of both members,
in Spanish); the landing pages, methods page, bulk export and briefs are written as in
every build.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from projects import make_project, write_csv

HOSTILE_MEMBER = "HND"
CONFIDENTIAL_MEMBER = "DOM"
LANG = "es"
KINDS = ["progress", "logistics"]

HOSTILE_MEASURE = "=1+2 <script>window.__pwned=1</script> {{ 7*7 }} **bold** #set text(fill: red)"
HOSTILE_AGENCY = '@SUM(1) <img src=x onerror="window.__pwned=2"> {% if 1 %}jinja{% endif %} $x$ _u_ [l]'
FORMULA_NOTE = '=HYPERLINK("http://evil.example/","click")'
HOSTILE_NOTE = "-<script>window.__pwned=3</script> #set page(width: 1cm) <b>b</b>"
HOSTILE_FILE = 'HND "<img src=x onerror=alert(1)>" progress.csv'

# Markers: digit runs that occur nowhere else, in every spelling a value is published in
# (915273.468, 915273.5, 915.273,5, 915,273.5, 915 273,5).
CONFIDENTIAL_VALUE = 915273.468
PUBLIC_VALUE = 876543.219
CONFIDENTIAL_NOTE = "CONFIDENTIAL-MARKER-7f3a"
PUBLIC_NOTE = "PUBLIC-MARKER-5d1c"
TARGET_DUE = "2026-06-30"

PROGRESS_HEADER = ["country", "item_id", "reported_on", "status", "pct_complete", "note", "illustrative"]
INDICATOR_HEADER = ["country", "indicator", "statistic", "crossing", "direction", "period", "value", "unit", "source", "illustrative"]


@dataclass(frozen=True)
class Planted:
    project: object  # tflib.paths.Project
    report: object  # tflib.build.BuildReport
    measure_id: str  # the measure renamed HOSTILE_MEASURE
    agency_id: str  # the Honduran agency renamed HOSTILE_AGENCY
    item_id: str  # the Honduran step due next, with the formula note
    results: list  # IngestResult of the planted submissions

    @property
    def site(self) -> Path:
        from tflib import pages

        return pages.site_dir(self.project, "sica")

    @property
    def work(self) -> Path:
        from tflib import pages

        return pages.work_dir(self.project, "sica")


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _due_next(params, iso3: str) -> dict:
    """The member's first step due after the data date (it is reported under way below, so
    the progress page lists it among the steps due next)."""
    from tflib.analysis.progress import DUE_NEXT_DAYS
    from tflib.plan import allocate

    horizon = params.as_of + dt.timedelta(days=DUE_NEXT_DAYS)
    items = allocate(params).filter((pl.col("country") == iso3) & (pl.col("due") > params.as_of) & (pl.col("due") <= horizon))
    if items.is_empty():
        raise AssertionError(f"{iso3} has no step due within {DUE_NEXT_DAYS} days of {params.as_of}: pick another member")
    return items.sort("due", "item_id").row(0, named=True)


def _leave_out(folder: Path, progress: set[tuple[str, str]], indicators: set[tuple[str, str, str, str]]) -> None:
    """Drop the submission rows with these keys: (item, date) or (country, indicator,
    statistic, period)."""
    for path in sorted(folder.rglob("*.csv")):
        text = path.read_text(encoding="utf-8")
        delimiter = ";" if ";" in text.splitlines()[0] else ","  # some members send semicolons
        header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        col = {name: i for i, name in enumerate(header)}
        if "item_id" in col:
            keep = [r for r in rows if (r[col["item_id"]], r[col["reported_on"]]) not in progress]
        else:
            keep = [r for r in rows if (r[col["country"]], r[col["indicator"]], r[col["statistic"]], r[col["period"]]) not in indicators]
        if len(keep) < len(rows):
            with path.open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh, delimiter=delimiter).writerows([header, *keep])


def build_planted(root: Path) -> Planted:
    from tflib.build import build
    from tflib.ingest import ingest
    from tflib.params import load_region
    from tflib.plan import allocate

    proj = make_project(root, with_submissions=True)
    folder = proj.params_dir / "regions" / "sica"
    target = {"value": 24, "by": dt.date.fromisoformat(TARGET_DUE), "statistic": "median"}

    step = _due_next(load_region("sica", proj), HOSTILE_MEMBER)
    strategy = _load(folder / "strategy.yaml")
    measure = next(m for p in strategy["pillars"] for m in p["measures"] if m["id"] == step["measure_id"])
    measure["name"] = {lang: HOSTILE_MEASURE for lang in measure["name"]}
    _dump(folder / "strategy.yaml", strategy)

    hnd = _load(folder / "countries" / f"{HOSTILE_MEMBER}.yaml")
    next(a for a in hnd["agencies"] if a["id"] == step["agency_id"])["name"] = HOSTILE_AGENCY
    hnd.setdefault("targets", {})["clearance_time"] = target
    _dump(folder / "countries" / f"{HOSTILE_MEMBER}.yaml", hnd)

    dom = _load(folder / "countries" / f"{CONFIDENTIAL_MEMBER}.yaml")
    dom["confidential"] = sorted({*dom.get("confidential", []), "clearance_time", "note"})
    dom.setdefault("targets", {})["clearance_time"] = target
    _dump(folder / "countries" / f"{CONFIDENTIAL_MEMBER}.yaml", dom)

    params = load_region("sica", proj)
    plan = allocate(params)
    hnd_items = [i for i in plan.filter(pl.col("country") == HOSTILE_MEMBER).sort("item_id")["item_id"].to_list() if i != step["item_id"]]
    dom_item = plan.filter(pl.col("country") == CONFIDENTIAL_MEMBER).sort("item_id")["item_id"][0]
    day = params.as_of.isoformat()
    progress = {
        HOSTILE_FILE: [
            [HOSTILE_MEMBER, step["item_id"], day, "partial", "40", FORMULA_NOTE, "false"],
            [HOSTILE_MEMBER, hnd_items[0], day, "partial", "30", PUBLIC_NOTE, "false"],
            [HOSTILE_MEMBER, hnd_items[1], day, "partial", "20", HOSTILE_NOTE, "false"],
        ],
        "DOM_progress.csv": [[CONFIDENTIAL_MEMBER, dom_item, day, "partial", "25", CONFIDENTIAL_NOTE, "false"]],
    }
    indicators = [
        [CONFIDENTIAL_MEMBER, "clearance_time", "median", "", "", "2026-Q3", repr(CONFIDENTIAL_VALUE), "h", "national customs", "false"],
        [HOSTILE_MEMBER, "clearance_time", "median", "", "", "2026-Q3", repr(PUBLIC_VALUE), "h", "national customs", "false"],
    ]
    # The planted rows are the first report of their item and date (or indicator and period):
    # the shipped rows with the same keys are left out, so ingest takes them as sent.
    _leave_out(proj.submissions_dir / "sica", {tuple(r[1:3]) for rows in progress.values() for r in rows}, {(r[0], r[1], r[2], r[5]) for r in indicators})
    ingest([proj.submissions_dir / "sica"], "sica", proj)

    inbox = proj.root / "inbox"
    files = [write_csv(inbox / name, PROGRESS_HEADER, rows) for name, rows in progress.items()]
    files.append(write_csv(inbox / "indicators.csv", INDICATOR_HEADER, indicators))
    results = ingest(files, "sica", proj)
    refused = [(r.file, r.outcome, [str(p) for p in r.problems]) for r in results if r.outcome != "accepted"]
    assert refused == [], f"the planted submissions must be stored as sent: {refused}"

    report = build("sica", countries=[HOSTILE_MEMBER, CONFIDENTIAL_MEMBER], kinds=KINDS, langs=[LANG], project=proj, workers=2)
    assert report.failures == [] and report.artefact_failures == [], (report.failures, report.artefact_failures)
    return Planted(proj, report, step["measure_id"], step["agency_id"], step["item_id"], results)
