"""Ingest: rules row by row, quarantine, archive, log, idempotence, supersession."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tflib
from tflib.ingest import ingest
from tflib.store import Store

from projects import make_project

HEADER = ["country", "item_id", "reported_on", "status", "pct_complete", "note"]


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def project(tmp_path):
    proj = make_project(tmp_path / "proj")
    # Opening the store creates the schema and the plan (action items) from params.
    Store.create("sica", proj).close()
    return proj


def an_item(project, country="CRI") -> str:
    return tflib.action_items("sica", country=country, project=project)["item_id"][0]


def test_shipped_illustrative_data_ingests_completely(tmp_path):
    proj = make_project(tmp_path / "proj", with_submissions=True)
    results = ingest([proj.submissions_dir / "sica"], "sica", proj)
    assert len(results) > 100
    assert all(r.outcome == "accepted" and r.quarantined == 0 for r in results)
    counts = tflib.counts("sica", proj)
    assert counts["progress_updates"] == sum(r.inserted for r in results if r.kind == "progress") > 0
    assert counts["indicator_observations"] > 0
    assert counts["submissions"] == len(results)
    # Everything the generator made is flagged illustrative in the store.
    assert tflib.progress("sica", history=True, project=proj)["illustrative"].all()
    assert tflib.indicators("sica", project=proj)["illustrative"].all()
    assert tflib.submissions("sica", proj)["illustrative"].all()

    again = ingest([proj.submissions_dir / "sica"], "sica", proj)
    assert {r.outcome for r in again} == {"already_ingested"}
    assert sum(r.inserted for r in again) == 0
    assert tflib.counts("sica", proj) == counts


def test_bad_rows_are_reported_precisely_and_quarantined(project):
    item = an_item(project, "CRI")
    other = an_item(project, "PAN")
    path = write_csv(
        project.root / "in" / "cri_2026-09.csv",
        HEADER,
        [
            ["CRI", item, "2026-08-31", "partial", "40", "ok"],  # row 2: valid
            ["XXX", item, "2026-08-31", "partial", "40", ""],  # 3: unknown country
            ["CRI", "CRI-NOPE-S1", "2026-08-31", "partial", "40", ""],  # 4: unknown item
            ["CRI", item, "2026-02-30", "partial", "40", ""],  # 5: bad date
            ["CRI", item, "2026-10-15", "partial", "40", ""],  # 6: after as_of
            ["CRI", item, "2026-07-31", "partial", "140", ""],  # 7: pct outside 0-100
            ["CRI", item, "2026-06-30", "done-ish", "40", ""],  # 8: status not on scale
            ["CRI", item, "2026-08-31", "partial", "40", "again"],  # 9: duplicate of row 2
            ["CRI", other, "2026-08-31", "partial", "40", ""],  # 10: item of another country
            ["CRI", item, "2026-05-31", "full", "80", ""],  # 11: full needs 100 %
            ["CRI", item, "2026-04-30", "Parcial", "12,5", ""],  # 12: valid (Spanish label, decimal comma)
        ],
    )
    (res,) = ingest([path], "sica", project)
    lines = [str(p) for p in res.problems]
    expected = [
        "cri_2026-09.csv:3:country: unknown_country:",
        "cri_2026-09.csv:4:item_id: unknown_item:",
        "cri_2026-09.csv:5:reported_on: bad_date:",
        "cri_2026-09.csv:6:reported_on: after_as_of:",
        "cri_2026-09.csv:7:pct_complete: pct_range:",
        "cri_2026-09.csv:8:status: status_scale:",
        "cri_2026-09.csv:9:-: duplicate: same item and date as row 2",
        "cri_2026-09.csv:10:item_id: item_country_mismatch:",
        "cri_2026-09.csv:11:pct_complete: status_pct:",
    ]
    for prefix in expected:
        assert any(line.startswith(prefix) for line in lines), (prefix, lines)
    assert len(lines) == len(expected)
    assert (res.rows_in, res.accepted, res.quarantined, res.inserted) == (11, 2, 9, 2)
    assert res.outcome == "partial" and res.exit_code == 1

    stored = tflib.progress("sica", country="CRI", history=True, project=project)
    assert sorted(stored["pct_complete"].to_list()) == [12.5, 40.0]
    assert set(stored["status"]) == {"partial"}

    # Nothing lost: the raw file is archived by content hash, rejects are in quarantine.
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (project.root / res.archive_path).read_bytes() == path.read_bytes()
    assert sha in res.archive_path
    quarantined = list(csv.DictReader((project.root / res.quarantine_path).open(encoding="utf-8")))
    assert [int(r["row"]) for r in quarantined] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "unknown_country" in quarantined[0]["problems"] and quarantined[0]["country"] == "XXX"

    log = tflib.submissions("sica", project).row(0, named=True)
    assert (log["rows_in"], log["accepted"], log["quarantined"], log["outcome"]) == (11, 2, 9, "partial")
    assert log["submission_id"] == sha and log["illustrative"] is False


def test_unreadable_files_exit_2_and_are_kept(project):
    item = an_item(project)
    latin = write_csv(project.root / "in" / "latin1.csv", HEADER, [["CRI", item, "2026-08-31", "partial", "40", "Año fiscal"]], encoding="cp1252")
    empty = project.root / "in" / "empty.csv"
    empty.write_text("")
    odd = project.root / "in" / "notes.docx"
    odd.write_text("hello")
    results = ingest([latin, empty, odd], "sica", project)
    assert [r.outcome for r in results] == ["unreadable"] * 3
    assert [r.exit_code for r in results] == [2, 2, 2]
    assert [r.problems[0].rule for r in results] == ["encoding", "empty_file", "format"]
    assert "UTF-8" in results[0].problems[0].message
    for r in results:
        assert (project.root / r.archive_path).exists()
    assert tflib.counts("sica", project)["progress_updates"] == 0
    assert tflib.counts("sica", project)["submissions"] == 3


def test_missing_column_quarantines_every_row(project):
    path = write_csv(project.root / "in" / "nostatus.csv", ["country", "item_id", "reported_on", "pct_complete"], [["CRI", an_item(project), "2026-08-31", "40"]] * 2)
    (res,) = ingest([path], "sica", project)
    assert (res.rows_in, res.accepted, res.quarantined) == (2, 0, 2)
    assert {p.rule for p in res.problems} == {"missing_column"}
    assert {p.column for p in res.problems} == {"status"}
    assert res.outcome == "rejected"


def test_xlsx_submission_with_date_cells(project):
    from openpyxl import Workbook

    item = an_item(project, "GTM")
    wb = Workbook()
    ws = wb.active
    ws.title = "avance"  # Spanish sheet name, as in the country's template
    ws.append(HEADER)
    ws.append(["GTM", item, dt.date(2026, 7, 31), "pilot", 20, None])
    ws.append(["GTM", item, dt.datetime(2026, 8, 31), "partial", 45.0, "segunda fase"])
    path = project.root / "in" / "gtm.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    (res,) = ingest([path], "sica", project)
    assert res.outcome == "accepted" and res.inserted == 2
    current = tflib.progress("sica", country="GTM", project=project).filter(pl.col("item_id") == item)
    assert current.row(0, named=True)["pct_complete"] == 45.0
    assert current.row(0, named=True)["reported_on"] == dt.date(2026, 8, 31)


def test_a_contradicting_revision_is_quarantined_until_the_first_is_voided(project):
    item = an_item(project, "HND")
    first = write_csv(project.root / "in" / "a.csv", HEADER, [["HND", item, "2026-08-31", "pilot", "20", ""]])
    second = write_csv(project.root / "in" / "b.csv", HEADER, [["HND", item, "2026-08-31", "partial", "35", "corrected"]])
    third = write_csv(project.root / "in" / "c.csv", HEADER, [["HND", item, "2026-09-30", "partial", "60", ""]])
    [one] = ingest([first], "sica", project)
    # Same item and date, other values: which one counts is not guessed.
    [two] = ingest([second], "sica", project)
    assert (two.accepted, two.quarantined, two.exit_code) == (0, 1, 1)
    assert [str(p) for p in two.problems] == [
        f"b.csv:2:-: conflict: this item and date was already reported differently (status pilot, 20 %, a.csv row 2)"
    ]
    cur = tflib.progress("sica", country="HND", project=project).filter(pl.col("item_id") == item)
    assert cur["pct_complete"].to_list() == [20.0]
    # The correction path: void the wrong submission, then send the corrected row.
    with Store.create("sica", project) as store:
        store.void(one.sha256, reason="wrong month")
    fixed = write_csv(project.root / "in" / "b2.csv", HEADER, [["HND", item, "2026-08-31", "partial", "35", "corrected, resent"]])
    [three] = ingest([fixed], "sica", project)
    assert (three.accepted, three.exit_code) == (1, 0)
    ingest([third], "sica", project)
    cur = tflib.progress("sica", country="HND", project=project).filter(pl.col("item_id") == item)
    assert cur["pct_complete"].to_list() == [60.0]
    # As of an earlier date the earlier picture comes back.
    past = tflib.progress("sica", country="HND", as_of="2026-09-15", project=project).filter(pl.col("item_id") == item)
    assert past["pct_complete"].to_list() == [35.0]

def test_indicator_rules(project):
    header = ["country", "indicator", "statistic", "crossing", "direction", "period", "value", "unit"]
    path = write_csv(
        project.root / "in" / "ind.csv",
        header,
        [
            ["SLV", "clearance_time", "median", "", "", "2026-Q2", "30.5", "hours"],  # 2 ok
            ["SLV", "clearance_time", "", "", "", "2026-Q2", "30", "hours"],  # 3 statistic required
            ["SLV", "no_such_indicator", "", "", "", "2026-Q2", "1", ""],  # 4 unknown indicator
            ["SLV", "ecoo_coverage", "", "", "", "2026-Q2", "130", "%"],  # 5 value out of range
            ["SLV", "clearance_time", "p90", "", "", "2026-Q2", "70", "days"],  # 6 unit mismatch
            ["SLV", "border_crossing_time", "median", "penas-blancas", "exit", "2026-Q2", "3", "hours"],  # 7 crossing not SLV's
            ["SLV", "clearance_time", "median", "", "", "2026-Q4", "30", "hours"],  # 8 period after as_of
            ["SLV", "clearance_time", "median", "", "", "2026-13", "30", "hours"],  # 9 bad period
        ],
    )
    (res,) = ingest([path], "sica", project)
    rules = {p.row: (p.column, p.rule) for p in res.problems}
    assert rules == {
        3: ("statistic", "required"),
        4: ("indicator", "unknown_indicator"),
        5: ("value", "value_range"),
        6: ("unit", "unit_mismatch"),
        7: ("crossing", "unknown_crossing"),
        8: ("period", "after_as_of"),
        9: ("period", "bad_period"),
    }
    obs = tflib.indicators("sica", project=project)
    assert obs.select("country", "indicator_id", "statistic", "period", "value").rows() == [
        ("SLV", "clearance_time", "median", "2026-Q2", 30.5)
    ]


# -- property: rows_in = accepted + quarantined, and the store grows by exactly the new rows --

_row = st.fixed_dictionaries(
    {
        "country": st.sampled_from(["CRI", "CRI", "XXX", ""]),
        "item": st.sampled_from(["good0", "good1", "bad"]),
        "day": st.sampled_from(["2026-06-30", "2026-07-31", "2026-12-31", "not a date"]),
        "status": st.sampled_from(["pilot", "partial", "nope"]),
        "pct": st.sampled_from(["10", "50", "-5", "abc", ""]),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(_row, max_size=12), min_size=1, max_size=3))
def test_rows_in_equals_accepted_plus_quarantined(project, batches, tmp_path_factory):
    items = tflib.action_items("sica", country="CRI", project=project)["item_id"].to_list()[:2]
    names = {"good0": items[0], "good1": items[1], "bad": "CRI-NOPE-S9"}
    folder = tmp_path_factory.mktemp("batch")
    before = tflib.counts("sica", project)["progress_updates"]
    added = 0
    for i, batch in enumerate(batches):
        rows = [[r["country"], names[r["item"]], r["day"], r["status"], r["pct"], ""] for r in batch]
        rows.append(["CRI", items[0], "2026-01-31", "pilot", "5", f"batch {i} {folder.name}"])  # make files differ
        (res,) = ingest([write_csv(folder / f"b{i}.csv", HEADER, rows)], "sica", project)
        assert res.rows_in == res.accepted + res.quarantined == len(rows)
        assert res.inserted <= res.accepted
        added += res.inserted
    assert tflib.counts("sica", project)["progress_updates"] == before + added


def test_json_import_shape(project):
    import json

    item = an_item(project, "PAN")
    doc = {
        "format": "tflib-submission/1",
        "kind": "progress",
        "country": "PAN",
        "rows": [
            {"item_id": item, "reported_on": "2026-08-31", "status": "partial", "pct_complete": 55},
            {"item_id": item, "reported_on": "2026-09-30", "status": "full", "pct_complete": 90},
        ],
    }
    path = project.root / "in" / "pdcc_export.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    (res,) = ingest([path], "sica", project)
    assert (res.rows_in, res.accepted, res.quarantined) == (2, 1, 1)
    assert [str(p).split(": ")[0] for p in res.problems] == ["pdcc_export.json:2:pct_complete"]
    bad = project.root / "in" / "wrong.json"
    bad.write_text(json.dumps({"format": "other/9", "rows": []}), encoding="utf-8")
    (res,) = ingest([bad], "sica", project)
    assert res.outcome == "unreadable" and res.problems[0].rule == "format"


def test_feedback_file_in_the_countrys_language(project):
    item = an_item(project, "CRI")
    path = write_csv(
        project.root / "in" / "cri.csv",
        HEADER,
        [
            ["CRI", item, "2026-08-31", "partial", "40", ""],
            ["CRI", item, "2026-07-31", "partial", "140", "<script>alert(1)</script> | x"],
        ],
    )
    (res,) = ingest([path], "sica", project)
    (fb,) = res.feedback_paths
    assert fb.endswith(".CRI.es.md")
    text = (project.root / fb).read_text(encoding="utf-8")
    assert "2 filas recibidas: 1 aceptadas, 1 rechazadas." in text
    assert "| 3 | pct\\_complete | 140 | El porcentaje está fuera del rango 0-100. |" in text
    assert "<script>" not in text  # submitted text is escaped, never markup

    blz_item = an_item(project, "BLZ")
    path = write_csv(project.root / "in" / "blz.csv", HEADER, [["BLZ", blz_item, "2026-08-31", "pilot", "10", ""]])
    (res,) = ingest([path], "sica", project)
    (fb,) = res.feedback_paths
    text = (project.root / fb).read_text(encoding="utf-8")
    assert fb.endswith(".BLZ.en.md") and "Every row was accepted" in text


def test_localized_headings_are_read(project):
    item = an_item(project, "SLV")
    header = ["País", "Acción", "Fecha del informe", "Estado", "% completado", "Nota"]
    path = write_csv(project.root / "in" / "slv.csv", header, [["SLV", item, "2026-08-31", "Piloto", "15", "inicio"]])
    (res,) = ingest([path], "sica", project)
    assert res.outcome == "accepted" and res.kind == "progress"


def test_workbook_without_a_known_sheet_is_unreadable(project):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Hoja1"
    wb.active.append(["apuntes"])
    wb.create_sheet("Hoja2").append(["más apuntes"])
    path = project.root / "in" / "two_sheets.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    (res,) = ingest([path], "sica", project)
    assert res.outcome == "unreadable" and res.exit_code == 2
    assert res.problems[0].rule == "wrong_sheet" and "Hoja1, Hoja2" in res.problems[0].message


def test_every_rule_ingest_reports_is_registered_with_its_help():
    """One registry of rules (tflib.rules): each id ingest can report has what-is-wrong and
    how-to-fix texts, which the feedback file shows; an unregistered id cannot be reported."""
    import re
    from pathlib import Path

    from tflib import ingest as ingest_mod
    from tflib.rules import RULES, Problem

    from tflib import cells, readers

    source = "".join(Path(m.__file__).read_text(encoding="utf-8") for m in (ingest_mod, cells, readers))
    used = set(re.findall(r'UnreadableFile\(\s*"([a-z_]+)"', source))
    used |= set(re.findall(r'CellError\(\s*"([a-z_]+)"', source))
    used |= set(re.findall(r'_problem\(row, [^,]+, "([a-z_]+)"', source))
    used |= set(re.findall(r'Problem\([^,]+, [^,]+, [^,]+, "([a-z_]+)"', source))
    assert {"required", "pct_range", "already_ingested", "format"} <= used
    assert used <= set(RULES), sorted(used - set(RULES))
    assert all(what and fix for what, fix in RULES.values())
    with pytest.raises(ValueError, match="not in tflib.rules.RULES"):
        Problem("f.csv", 1, "x", "made_up_rule", "x")


def test_one_bad_file_never_stops_the_others_in_a_folder(project, monkeypatch):
    """A file that breaks a reader (here: a reader bug, simulated) is reported and kept, and the
    later files of the folder are still read and stored."""
    from tflib import ingest as ingest_mod

    folder = project.root / "in" / "batch"
    long = write_csv(folder / "a_long.csv", HEADER, [["CRI", an_item(project), "2026-08-31", "partial", "40", "x" * 200_000]])
    broken = folder / "b_broken.csv"
    broken.write_text("country,item_id\nCRI,x\n", encoding="utf-8")
    good = write_csv(folder / "c_good.csv", HEADER, [["GTM", an_item(project, "GTM"), "2026-08-31", "partial", "40", ""]])
    real_read = ingest_mod.read

    def read(path, data, limit):
        if path.name == "b_broken.csv":
            raise RuntimeError("reader bug")
        return real_read(path, data, limit)

    monkeypatch.setattr(ingest_mod, "read", read)
    results = ingest([folder], "sica", project)
    assert [r.file for r in results] == ["a_long.csv", "b_broken.csv", "c_good.csv"]
    assert [r.outcome for r in results] == ["rejected", "unreadable", "accepted"]
    assert results[0].problems[0].rule == "too_long"
    assert str(results[1].problems[0]) == (
        "b_broken.csv:-:-: internal_error: the file could not be read (RuntimeError: reader bug); it is kept, please report this"
    )
    # Each is logged and archived: nothing received is lost, nothing is orphaned.
    log = tflib.submissions("sica", project)
    assert sorted(log["file_name"]) == ["a_long.csv", "b_broken.csv", "c_good.csv"]
    for r, path in zip(results, (long, broken, good)):
        assert (project.root / r.archive_path).read_bytes() == path.read_bytes()
