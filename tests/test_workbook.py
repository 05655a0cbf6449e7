"""Work plans, submission templates and the regional CSV written as files; templates round-trip through ingest."""

from __future__ import annotations

import csv
import datetime as dt
import json

import polars as pl
import pytest
from openpyxl import load_workbook

import tflib
from tflib.ingest import COLUMN_LABELS, SHEET_LABELS, ingest
from tflib.i18n import gettext
from tflib.monitor import item_status
from tflib.params import load_region
from tflib.plan import allocate
from tflib.status import STATUSES, label
from tflib.workbook import (
    ACTIVE_COLOR,
    CRITICAL_COLOR,
    GANTT_FIRST_MONTH_COLUMN,
    GANTT_HEADER_ROW,
    PLAN_HEADER_ROW,
    step_name,
    write_plan_outputs,
    write_submission_template,
    write_work_plan,
)

from projects import make_project


@pytest.fixture(scope="module")
def sica():
    return load_region("sica")


@pytest.fixture(scope="module")
def items(sica):
    return allocate(sica)


@pytest.fixture(scope="module")
def outputs(sica, items, tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    return out, write_plan_outputs(sica, items, out)


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _table(ws, header_row: int) -> list[dict]:
    """The table under `header_row`, down to the first empty row."""
    rows = ws.iter_rows(min_row=header_row, values_only=True)
    header = next(rows)
    out = []
    for r in rows:
        if r[0] is None:
            break
        out.append(dict(zip(header, r)))
    return out


def _fill(cell) -> str | None:
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return str(cell.fill.fgColor.rgb)[-6:]


def test_every_member_gets_a_work_plan_and_a_template(sica, items, outputs):
    out, written = outputs
    members = sica.region.member_codes
    assert len(members) == 8
    assert sorted(p.name for p in written["work_plans"]) == sorted(f"{c}_work_plan.xlsx" for c in members)
    assert sorted(p.name for p in written["submission_templates"]) == sorted(f"{c}_submission_template.xlsx" for c in members)
    for iso3 in members:
        assert (out / iso3 / f"{iso3}_work_plan.xlsx").is_file()
        assert (out / iso3 / f"{iso3}_submission_template.xlsx").is_file()
    for path in written["work_plans"] + written["submission_templates"]:
        load_workbook(path).close()
    (csv_path,) = written["action_items"]
    assert csv_path == out / "sica_action_items.csv"
    with csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == items.height
    by_id = {r["item_id"]: r for r in rows}
    with_deps = items.filter(pl.col("depends_on").list.len() > 1).row(0, named=True)
    assert by_id[with_deps["item_id"]]["depends_on"] == ";".join(with_deps["depends_on"])
    assert by_id[with_deps["item_id"]]["start"] == with_deps["start"].isoformat()


def test_work_plan_lists_each_item_with_agency_and_dates(sica, items, outputs):
    out, _ = outputs
    wb = load_workbook(out / "CRI" / "CRI_work_plan.xlsx")
    ws = wb.worksheets[0]
    assert ws.freeze_panes is not None and ws.auto_filter.ref.startswith(f"A{PLAN_HEADER_ROW}:")
    assert "Costa Rica" in ws["A1"].value
    assert _day(ws["B3"].value) == sica.as_of
    rows = _table(ws, PLAN_HEADER_ROW)
    action = gettext(COLUMN_LABELS["item_id"], "es")
    got = {r[action]: r for r in rows}
    expected = items.filter(pl.col("country") == "CRI")
    assert len(rows) == expected.height == len(got)
    header = [c.value for c in ws[PLAN_HEADER_ROW]]
    agency_col, start_col, due_col = header[3], header[5], header[6]
    for item in expected.iter_rows(named=True):
        row = got[item["item_id"]]
        assert row[agency_col] == item["agency_name"]
        assert _day(row[start_col]) == item["start"]
        assert _day(row[due_col]) == item["due"]
        assert json.loads(item["step_name"])["es"] == row[header[2]]
    # Real dates, shown as ISO dates.
    first = ws.cell(row=PLAN_HEADER_ROW + 1, column=6)
    assert first.is_date and first.number_format == "yyyy-mm-dd"
    # Illustrative measures are marked next to their name.
    illustrative = expected.filter(pl.col("measure_illustrative")).row(0, named=True)
    name = got[illustrative["item_id"]][header[1]]
    assert name.startswith(sica.text(sica.strategy.measure(illustrative["measure_id"]).name, "es"))
    assert name.endswith(")")


def test_gantt_fills_the_months_an_item_is_active(items, outputs):
    out, _ = outputs
    ws = load_workbook(out / "CRI" / "CRI_work_plan.xlsx").worksheets[1]
    months = {}
    for col in range(GANTT_FIRST_MONTH_COLUMN, ws.max_column + 1):
        value = ws.cell(row=GANTT_HEADER_ROW, column=col).value
        months[(value.year, value.month)] = col
    cri = items.filter(pl.col("country") == "CRI")
    assert min(months) == (cri["start"].min().year, cri["start"].min().month)
    row_of = {ws.cell(row=r, column=1).value: r for r in range(GANTT_HEADER_ROW + 1, ws.max_row + 1)}
    assert len(row_of) == cri.height
    for item in (cri.filter(pl.col("on_critical_path")).row(0, named=True), cri.filter(~pl.col("on_critical_path")).row(0, named=True)):
        row = row_of[item["item_id"]]
        colour = CRITICAL_COLOR if item["on_critical_path"] else ACTIVE_COLOR
        start, due = (item["start"].year, item["start"].month), (item["due"].year, item["due"].month)
        assert _fill(ws.cell(row=row, column=months[start])) == colour
        for key, col in months.items():
            filled = _fill(ws.cell(row=row, column=col)) in (ACTIVE_COLOR, CRITICAL_COLOR)
            assert filled == (start <= key <= due), key
        # The month of the regional deadline carries a marker.
        deadline = ws.cell(row=row, column=months[(item["deadline"].year, item["deadline"].month)])
        assert deadline.border.left.style is not None


def test_each_member_in_its_own_language(outputs):
    out, _ = outputs
    blz = load_workbook(out / "BLZ" / "BLZ_submission_template.xlsx")
    assert blz.sheetnames[0] == "Progress"
    assert [c.value for c in blz["Progress"][1]] == ["Country", "Action item", "Reported on", "Status", "% complete", "Note"]
    assert load_workbook(out / "BLZ" / "BLZ_work_plan.xlsx").worksheets[0]["A5"].value == "Action item"

    cri = load_workbook(out / "CRI" / "CRI_submission_template.xlsx")
    assert cri.sheetnames[0] == gettext(SHEET_LABELS["progress"], "es") == "Avance"
    header = [c.value for c in cri["Avance"][1]]
    assert "País" in header and header == [gettext(COLUMN_LABELS[c], "es") for c in ("country", "item_id", "reported_on", "status", "pct_complete", "note")]
    assert load_workbook(out / "CRI" / "CRI_work_plan.xlsx").worksheets[0]["A5"].value == "Acción"
    # Only the entry sheet has a name ingest recognises.
    from tflib.ingest import _sheet_kind

    assert [_sheet_kind(title) for title in cri.sheetnames] == ["progress", None, None]


def test_template_rows_and_validations(sica, items, outputs):
    out, _ = outputs
    wb = load_workbook(out / "CRI" / "CRI_submission_template.xlsx")
    ws = wb["Avance"]
    cri = items.filter(pl.col("country") == "CRI")
    prefilled = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] is not None]
    assert {r[0] for r in prefilled} == {"CRI"}
    assert sorted(r[1] for r in prefilled) == sorted(cri["item_id"])
    assert all(v is None for r in prefilled for v in r[2:])

    dvs = {str(dv.sqref).split(":")[0][0]: dv for dv in ws.data_validations.dataValidation}
    assert set(dvs) == {"A", "B", "C", "D", "E"}
    status = dvs["D"]
    assert status.type == "list"
    for code in STATUSES:
        assert label(code, "es") in status.formula1
    assert "Parcial" in status.formula1 and "No iniciado" in status.formula1
    assert dvs["A"].formula1 == '"CRI"'
    # Item ids come from the reference sheet, which lists every item.
    ref_title, ref_range = dvs["B"].formula1.rsplit("!", 1)
    ref = wb[ref_title.strip("'")]
    ids = [ref[f"A{n}"].value for n in range(2, 2 + cri.height)]
    assert sorted(ids) == sorted(cri["item_id"]) and ref_range == f"$A$2:$A${1 + cri.height}"
    assert dvs["C"].type == "date" and dvs["C"].operator == "between"
    assert dvs["E"].type == "decimal" and (dvs["E"].formula1, dvs["E"].formula2) == ("0", "100")
    # Enough rows to report more than once per item.
    assert str(dvs["D"].sqref) == f"D2:D{1 + cri.height + 50}"
    assert all(dv.prompt and dv.error for dv in dvs.values())
    assert ws["C2"].number_format == "yyyy-mm-dd"


def test_filled_template_round_trips_through_ingest(sica, items, tmp_path):
    path = write_submission_template(sica, "GTM", items, tmp_path / "GTM_submission_template.xlsx")
    wb = load_workbook(path)
    ws = wb["Avance"]
    filled = {
        2: (dt.date(2026, 7, 31), "Parcial", 40, "primera fase"),
        3: (dt.date(2026, 8, 31), "Piloto", 12.5, None),
        5: (dt.datetime(2026, 9, 15), "No iniciado", 0, None),
    }
    for row, (day, status, pct, note) in filled.items():
        ws.cell(row=row, column=3, value=day)
        ws.cell(row=row, column=4, value=status)
        ws.cell(row=row, column=5, value=pct)
        ws.cell(row=row, column=6, value=note)
    item_of = {row: ws.cell(row=row, column=2).value for row in filled}
    n_items = items.filter(pl.col("country") == "GTM").height
    wb.save(path)

    proj = make_project(tmp_path / "proj")
    (res,) = ingest([path], "sica", proj)
    assert (res.accepted, res.quarantined, res.rows_in) == (3, 0, 3), [str(p) for p in res.problems]
    assert res.skipped_blank == n_items - 3
    assert res.outcome == "accepted"
    stored = tflib.progress("sica", country="GTM", history=True, project=proj)
    got = {r["item_id"]: (r["reported_on"], r["status"], r["pct_complete"], r["note"]) for r in stored.iter_rows(named=True)}
    codes = {"Parcial": "partial", "Piloto": "pilot", "No iniciado": "not_started"}
    assert got == {
        item_of[row]: (_day(day), codes[status], float(pct), note) for row, (day, status, pct, note) in filled.items()
    }


def test_bad_row_in_a_template_is_quarantined_with_its_row(sica, items, tmp_path):
    path = write_submission_template(sica, "GTM", items, tmp_path / "GTM_submission_template.xlsx")
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    ws["C2"], ws["D2"], ws["E2"] = dt.date(2026, 7, 31), "Parcial", 40
    ws["C4"], ws["D4"], ws["E4"] = dt.date(2026, 7, 31), "Parcial", 140
    wb.save(path)
    proj = make_project(tmp_path / "proj")
    (res,) = ingest([path], "sica", proj)
    assert (res.accepted, res.quarantined) == (1, 1)
    (problem,) = res.problems
    assert (problem.row, problem.column, problem.rule) == (4, "pct_complete", "pct_range")
    assert str(problem).startswith(f"{path.name}:4:pct_complete: pct_range:")


def test_status_adds_columns_and_full_items_leave_the_template(sica, items, tmp_path):
    cri = items.filter(pl.col("country") == "CRI")
    done, going = cri["item_id"][0], cri["item_id"][1]
    updates = pl.DataFrame(
        {
            "item_id": [done, going],
            "reported_on": [dt.date(2026, 6, 30), dt.date(2026, 6, 30)],
            "update_id": [1, 2],
            "status": ["full", "partial"],
            "pct_complete": [100.0, 50.0],
            "illustrative": [True, True],
        }
    )
    status = item_status(cri, updates, sica.as_of, sica.region.stall_days)
    plan = write_work_plan(sica, "CRI", items, tmp_path / "plan.xlsx", status=status)
    ws = load_workbook(plan).worksheets[0]
    rows = {r["Acción"]: r for r in _table(ws, PLAN_HEADER_ROW)}
    status_col, pct_col = gettext("Status", "es"), gettext("% complete", "es")
    assert rows[done][status_col] == label("full", "es")
    assert rows[going][status_col] == label("partial", "es") and rows[going][pct_col] == 50
    assert rows[cri["item_id"][2]][status_col] == gettext("no data", "es")
    assert ws["A4"].value  # illustrative progress data is flagged

    template = write_submission_template(sica, "CRI", items, tmp_path / "template.xlsx", status=status)
    ids = [r[1] for r in load_workbook(template).worksheets[0].iter_rows(min_row=2, values_only=True) if r[1]]
    assert done not in ids and going in ids and len(ids) == cri.height - 1


def test_items_with_resolved_step_names_and_another_language(sica, items, tmp_path):
    # As tracker.action_items returns them: step_name already text in one language.
    resolved = items.with_columns(
        step_name=pl.Series([step_name(s, "en") for s in items["step_name"]], dtype=pl.String)
    )
    path = write_work_plan(sica, "PAN", resolved, tmp_path / "pan.xlsx", lang="fr")
    ws = load_workbook(path).worksheets[0]
    assert ws["A5"].value == gettext("Action item", "fr")
    first = resolved.filter(pl.col("country") == "PAN")
    steps = {r[0]: r[2] for r in (list(row.values()) for row in _table(ws, PLAN_HEADER_ROW))}
    assert set(steps) == set(first["item_id"])
    assert all(steps[i] == s for i, s in zip(first["item_id"], first["step_name"]))
    assert step_name('{"es": "Uno", "en": "One"}', "es") == "Uno"
    assert step_name("plain text", "es") == "plain text"
