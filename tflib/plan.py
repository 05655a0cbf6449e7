"""Task allocation: regional commitments decomposed into per-country action items.

Each measure of the strategy becomes, for every member that has not already implemented it
(its baseline), one action item per step of the measure's template. Steps are scheduled as
late as the regional deadline allows less a contingency buffer, never before the country's
start date; a plan whose critical path cannot fit between the country's start and the
deadline is flagged infeasible. Item ids are ``ISO3-MEASURE-STEP``: stable across runs.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import polars as pl

from .params import Measure, RegionParams

# Share of a measure's critical-path length kept as contingency before the regional deadline.
CONTINGENCY = 0.25

ITEM_SCHEMA = {
    "item_id": pl.String,
    "country": pl.String,
    "measure_id": pl.String,
    "pillar_id": pl.String,
    "step_id": pl.String,
    "step_name": pl.String,  # JSON object: language -> name
    "agency_role": pl.String,
    "agency_id": pl.String,
    "agency_name": pl.String,
    "start": pl.Date,
    "due": pl.Date,
    "depends_on": pl.List(pl.String),
    "on_critical_path": pl.Boolean,
    "deadline": pl.Date,
    "feasible": pl.Boolean,
    "measure_illustrative": pl.Boolean,
}


def item_id(country: str, measure_id: str, step_id: str) -> str:
    return f"{country}-{measure_id}-{step_id}"


@dataclass(frozen=True)
class StepSchedule:
    step_id: str
    offset_start: int  # days from the measure's start
    offset_end: int
    critical: bool


def schedule_measure(measure: Measure) -> tuple[list[StepSchedule], int]:
    """Earliest-start offsets of each step and the critical path length in days."""
    finish: dict[str, int] = {}
    starts: dict[str, int] = {}
    for step in measure.steps:  # listed in dependency order (validated on load)
        s = max((finish[d] for d in step.depends_on), default=0)
        starts[step.id] = s
        finish[step.id] = s + step.duration_days
    length = max(finish.values())
    # Walk back from the last finishing step along the dependencies that bind.
    critical: set[str] = set()
    frontier = [sid for sid, f in finish.items() if f == length]
    by_id = {s.id: s for s in measure.steps}
    while frontier:
        sid = frontier.pop()
        if sid in critical:
            continue
        critical.add(sid)
        frontier.extend(d for d in by_id[sid].depends_on if finish[d] == starts[sid])
    return (
        [StepSchedule(s.id, starts[s.id], finish[s.id], s.id in critical) for s in measure.steps],
        length,
    )


def allocate(params: RegionParams) -> pl.DataFrame:
    """All action items of the region, one row per member x measure x step."""
    rows = []
    for iso3, country in params.countries.items():
        for measure in params.measures:
            if measure.id in country.baseline:
                continue
            schedule, length = schedule_measure(measure)
            buffer = int(round(length * CONTINGENCY))
            ideal_start = measure.deadline - dt.timedelta(days=length + buffer)
            start = max(country.start, ideal_start)
            feasible = start + dt.timedelta(days=length) <= measure.deadline
            pillar = params.strategy.pillar_of(measure.id)
            steps = {s.id: s for s in measure.steps}
            for sched in schedule:
                step = steps[sched.step_id]
                agency = country.agency_for(step.role)
                rows.append(
                    {
                        "item_id": item_id(iso3, measure.id, step.id),
                        "country": iso3,
                        "measure_id": measure.id,
                        "pillar_id": pillar.id,
                        "step_id": step.id,
                        "step_name": json.dumps(step.name, ensure_ascii=False, sort_keys=True),
                        "agency_role": step.role,
                        "agency_id": agency.id if agency else None,
                        "agency_name": agency.name if agency else None,
                        "start": start + dt.timedelta(days=sched.offset_start),
                        "due": start + dt.timedelta(days=sched.offset_end),
                        "depends_on": [item_id(iso3, measure.id, d) for d in step.depends_on],
                        "on_critical_path": sched.critical,
                        "deadline": measure.deadline,
                        "feasible": feasible,
                        "measure_illustrative": measure.illustrative,
                    }
                )
    return pl.DataFrame(rows, schema=ITEM_SCHEMA)


# ---------------------------------------------------------------------------------------------
# Replanning from recorded progress

MOVE_SCHEMA = {
    "item_id": pl.String,
    "country": pl.String,
    "measure_id": pl.String,
    "old_start": pl.Date,
    "old_due": pl.Date,
    "new_start": pl.Date,
    "new_due": pl.Date,
    "shift_days": pl.Int64,
    "reason": pl.String,
}


def replan(items: pl.DataFrame, status: pl.DataFrame, as_of: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reschedule the remaining steps from recorded progress; ids never change.

    `status` is ``tflib.monitor.item_status`` for the same items. Finished steps keep their
    dates (due = the date they were reported full); steps under way end when their pace
    projects (at least tomorrow); steps not started begin when their dependencies end and
    not before `as_of`, for their planned duration. Returns (items with new start/due and
    feasibility, the moves).
    """
    st = {r["item_id"]: r for r in status.iter_rows(named=True)}
    new_dates: dict[str, tuple[dt.date, dt.date, str]] = {}
    rows = items.to_dicts()
    by_id = {r["item_id"]: r for r in rows}

    def schedule(item_id: str) -> tuple[dt.date, dt.date, str]:
        if item_id in new_dates:
            return new_dates[item_id]
        r = by_id[item_id]
        s = st.get(item_id, {})
        duration = dt.timedelta(days=(r["due"] - r["start"]).days)
        state = s.get("status")
        pct = s.get("pct_complete") or 0.0
        if state in ("full", "not_applicable"):
            done = s.get("projected") or s.get("last_reported") or r["due"]
            result = (r["start"], min(done, r["due"]) if state == "not_applicable" else done, "done")
        elif pct > 0:
            projected = s.get("projected")
            remaining = dt.timedelta(days=round(duration.days * (100 - pct) / 100))
            due = projected if projected is not None else as_of + remaining
            result = (r["start"], max(due, as_of + dt.timedelta(days=1)), "pace")
        else:
            deps_end = max((schedule(d)[1] for d in r["depends_on"] if d in by_id), default=r["start"])
            start = max(r["start"], deps_end, as_of)
            result = (start, start + duration, "not started" if start == r["start"] else "shifted")
        new_dates[item_id] = result
        return result

    moves = []
    for r in rows:
        start, due, reason = schedule(r["item_id"])
        if (start, due) != (r["start"], r["due"]):
            moves.append(
                {
                    "item_id": r["item_id"],
                    "country": r["country"],
                    "measure_id": r["measure_id"],
                    "old_start": r["start"],
                    "old_due": r["due"],
                    "new_start": start,
                    "new_due": due,
                    "shift_days": (due - r["due"]).days,
                    "reason": reason,
                }
            )
    starts = [new_dates[r["item_id"]][0] for r in rows]
    dues = [new_dates[r["item_id"]][1] for r in rows]
    out = items.with_columns(start=pl.Series(starts, dtype=pl.Date), due=pl.Series(dues, dtype=pl.Date))
    finish = out.group_by("country", "measure_id", maintain_order=True).agg(pl.col("due").max().alias("_finish"))
    out = (
        out.join(finish, on=["country", "measure_id"], how="left")
        .with_columns(feasible=pl.col("_finish") <= pl.col("deadline"))
        .drop("_finish")
    )
    moves_df = pl.DataFrame(moves, schema=MOVE_SCHEMA).sort(pl.col("shift_days").abs(), descending=True)
    return out, moves_df
