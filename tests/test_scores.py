"""Implementation scores, rates, ranking and the incentive fund.

Hand-computed values on tiny synthetic inputs, properties checked with hypothesis, and the
shipped illustrative data run end to end through a temporary project.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tflib.tracker as tracker
from tflib.ingest import ingest
from tflib.params import IncentiveFund, Member, RegionParams, load_region
from tflib.fund import fund, incentive_fund, pots
from tflib.scores import (
    STATUS_SCHEMA,
    implementation_rates,
    implementation_scores,
    measure_status,
    rank,
    ranking,
    score_series,
    scores,
)
from tflib.status import STATUSES

from projects import make_project

D = dt.date
SICA = load_region("sica")
AS_OF = D(2026, 6, 30)


def tiny(
    members: tuple[tuple[str, bool], ...] = (("CRI", True), ("SLV", True), ("GTM", True), ("BLZ", False)),
    measures: tuple[str, ...] = ("ADE", "MIG", "RISK"),
    baseline: dict[str, list[str]] | None = None,
    fund_params: IncentiveFund | None = None,
) -> RegionParams:
    """The SICA params cut down to a few members and measures."""
    baseline = baseline or {}
    pillars = []
    for pillar in SICA.strategy.pillars:
        kept = [m for m in pillar.measures if m.id in measures]
        if kept:
            pillars.append(pillar.model_copy(update={"measures": kept}))
    strategy = SICA.strategy.model_copy(update={"pillars": pillars})
    region = SICA.region.model_copy(
        update={
            "members": [Member(iso3=c, party=p) for c, p in members],
            "incentive_fund": fund_params,
        }
    )
    countries = {c: SICA.countries[c].model_copy(update={"baseline": baseline.get(c, [])}) for c, _ in members}
    return SICA.model_copy(update={"region": region, "strategy": strategy, "countries": countries})


def item(country: str, measure: str, step: str, start: dt.date, days: int) -> dict:
    return {
        "item_id": f"{country}-{measure}-{step}",
        "country": country,
        "measure_id": measure,
        "step_id": step,
        "start": start,
        "due": start + dt.timedelta(days=days),
    }


def frames(items: list[dict], updates: list[tuple]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Items and updates frames; an update is (item_id, reported_on, status, pct[, update_id[, illustrative]])."""
    rows = []
    for i, u in enumerate(updates, start=1):
        item_id, reported_on, status, pct = u[:4]
        rows.append(
            {
                "item_id": item_id,
                "country": item_id[:3],
                "reported_on": reported_on,
                "status": status,
                "pct_complete": float(pct),
                "update_id": u[4] if len(u) > 4 else i,
                "illustrative": u[5] if len(u) > 5 else False,
            }
        )
    schema = {
        "item_id": pl.String,
        "country": pl.String,
        "reported_on": pl.Date,
        "status": pl.String,
        "pct_complete": pl.Float64,
        "update_id": pl.Int64,
        "illustrative": pl.Boolean,
    }
    return pl.DataFrame(items), pl.DataFrame(rows, schema=schema)


# ---------------------------------------------------------------------------------------------
# The hand-computed example: three parties (CRI, SLV, GTM) and a non-party (BLZ), three measures
# (ADE: logistics, deadline 2025-12-31; MIG: corridors, 2026-03-31; RISK: logistics,
# illustrative, 2027-06-30). Every measure has two steps: S1 of 100 days and S2 of 300 days.

FUND = IncentiveFund(
    amount=1000,
    currency="USD",
    floor_share=0.3,
    score_weight=0.6,
    improvement_weight=0.4,
    min_score=0.5,
    improvement_window_days=365,
)


def example(fund_params: IncentiveFund | None = FUND) -> tuple[RegionParams, pl.DataFrame, pl.DataFrame]:
    params = tiny(baseline={"CRI": ["ADE"]}, fund_params=fund_params)
    items = []
    for country, measure in itertools.product(["CRI", "SLV", "GTM", "BLZ"], ["ADE", "MIG", "RISK"]):
        if country == "CRI" and measure == "ADE":
            continue  # baseline: not planned
        items.append(item(country, measure, "S1", D(2025, 1, 1), 100))
        items.append(item(country, measure, "S2", D(2025, 4, 11), 300))
    updates = [
        # CRI. MIG: (100 x 100 + 300 x 40) / 400 = 55 -> partial. RISK: no data.
        ("CRI-MIG-S1", D(2025, 3, 31), "full", 100),
        ("CRI-MIG-S2", D(2025, 9, 30), "partial", 40),
        # SLV. ADE: S2 not applicable, S1 full -> full, on 2025-08-31 (on time). MIG: all steps
        # not applicable. RISK: (100 x 10) / 400 = 2.5 -> pilot; later reports are ignored.
        ("SLV-ADE-S1", D(2025, 6, 30), "full", 100, 1, True),
        ("SLV-ADE-S2", D(2025, 8, 31), "not_applicable", 0),
        ("SLV-MIG-S1", D(2025, 4, 30), "not_applicable", 0),
        ("SLV-MIG-S2", D(2025, 4, 30), "not_applicable", 0),
        ("SLV-RISK-S1", D(2026, 1, 31), "pilot", 10),
        ("SLV-RISK-S2", D(2026, 8, 31), "partial", 80),
        # GTM. ADE: full on 2026-02-28 (late). MIG: not started. RISK: two reports on the same
        # day, the higher update id wins: (100 x 20 + 300 x 30) / 400 = 27.5 -> pilot (the
        # other one would give 37.5 -> partial).
        ("GTM-ADE-S1", D(2025, 10, 31), "full", 100),
        ("GTM-ADE-S2", D(2026, 2, 28), "full", 100),
        ("GTM-MIG-S1", D(2025, 5, 31), "not_started", 0),
        ("GTM-RISK-S1", D(2026, 3, 31), "pilot", 20, 120),
        ("GTM-RISK-S1", D(2026, 3, 31), "partial", 60, 119),
        ("GTM-RISK-S2", D(2026, 4, 30), "pilot", 30),
        # BLZ: not a party, tracked only.
        ("BLZ-MIG-S1", D(2025, 2, 28), "full", 100),
        ("BLZ-MIG-S2", D(2026, 1, 31), "full", 100),
    ]
    items_df, updates_df = frames(items, updates)
    return params, items_df, updates_df


def _row(df: pl.DataFrame, **keys) -> dict:
    out = df.filter(*[pl.col(k) == v for k, v in keys.items()])
    assert out.height == 1, keys
    return out.row(0, named=True)


def test_measure_status_hand_computed():
    params, items, updates = example()
    status = measure_status(params, items, updates, AS_OF)
    assert dict(status.schema) == STATUS_SCHEMA
    assert status.height == 4 * 3  # every member (party or not) x measure
    assert status.select("country", "measure_id").rows()[:3] == [("CRI", "ADE"), ("CRI", "MIG"), ("CRI", "RISK")]

    def get(country: str, measure: str) -> tuple:
        r = _row(status, country=country, measure_id=measure)
        return r["status"], r["completion"], r["source"], r["points"], r["max_points"]

    # Baseline: full, 3 points, implemented before the strategy.
    assert get("CRI", "ADE") == ("full", 100.0, "baseline", 3, 3)
    assert _row(status, country="CRI", measure_id="ADE")["implemented_on"] is None
    # Duration-weighted: 55 (a plain mean would be 70).
    assert get("CRI", "MIG") == ("partial", 55.0, "reported", 2, 3)
    # No step reported: no data, not 0 % complete; 0 of 3 points.
    assert get("CRI", "RISK") == (None, None, "no_data", 0, 3)
    # A not applicable step is left out of the weights.
    assert get("SLV", "ADE") == ("full", 100.0, "reported", 3, 3)
    assert _row(status, country="SLV", measure_id="ADE")["implemented_on"] == D(2025, 8, 31)
    # Every step not applicable: the measure is, and leaves the maximum.
    assert get("SLV", "MIG") == ("not_applicable", None, "reported", None, 0)
    # A step never reported counts as 0; the report after as_of is ignored.
    assert get("SLV", "RISK") == ("pilot", 2.5, "reported", 1, 3)
    assert get("GTM", "ADE") == ("full", 100.0, "reported", 3, 3)
    assert _row(status, country="GTM", measure_id="ADE")["implemented_on"] == D(2026, 2, 28)
    assert get("GTM", "MIG") == ("not_started", 0.0, "reported", 0, 3)
    assert get("GTM", "RISK") == ("pilot", 27.5, "reported", 1, 3)
    assert get("BLZ", "MIG") == ("full", 100.0, "reported", 3, 3)
    # Illustrative: the measure is (RISK) or an update used is (SLV-ADE-S1).
    flags = {(r["country"], r["measure_id"]): r["illustrative"] for r in status.iter_rows(named=True)}
    assert flags[("CRI", "ADE")] is False and flags[("CRI", "MIG")] is False
    assert flags[("SLV", "ADE")] is True and flags[("CRI", "RISK")] is True
    # Pillars and dimensions come from the params.
    assert _row(status, country="CRI", measure_id="RISK")["pillar_id"] == "medium_long_term"
    assert _row(status, country="CRI", measure_id="MIG")["dimension"] == "corridors"


def test_history_is_read_as_of_the_date():
    params, items, updates = example()
    later = measure_status(params, items, updates, D(2026, 9, 30))
    # SLV-RISK-S2 reported partial 80 on 2026-08-31: (100 x 10 + 300 x 80) / 400 = 62.5.
    assert _row(later, country="SLV", measure_id="RISK")["status"] == "partial"
    assert _row(later, country="SLV", measure_id="RISK")["completion"] == 62.5
    # Before GTM's second ADE step was reported full, the measure was a pilot (S1 only: 25 %).
    before = measure_status(params, items, updates, D(2026, 1, 31))
    assert _row(before, country="GTM", measure_id="ADE")["status"] == "pilot"
    assert _row(before, country="GTM", measure_id="ADE")["completion"] == 25.0
    assert _row(before, country="GTM", measure_id="ADE")["implemented_on"] is None
    # Before anything was reported, everything but the baseline is no data.
    empty = measure_status(params, items, updates, D(2024, 12, 31))
    assert empty.filter(pl.col("source") == "no_data").height == 11
    assert empty.filter(pl.col("status").is_not_null())["source"].to_list() == ["baseline"]


def test_status_thresholds_and_full_needs_every_step_full():
    params = tiny(members=(("CRI", True),), measures=("ADE",))
    items = [item("CRI", "ADE", "S1", D(2025, 1, 1), 100), item("CRI", "ADE", "S2", D(2025, 4, 11), 300)]

    def status_for(*reports: tuple) -> tuple:
        i, u = frames(items, list(reports))
        r = measure_status(params, i, u, AS_OF).row(0, named=True)
        return r["status"], r["completion"]

    # 35 % exactly is partial; just under is pilot.
    assert status_for(("CRI-ADE-S1", D(2025, 2, 1), "partial", 35), ("CRI-ADE-S2", D(2025, 2, 1), "partial", 35)) == ("partial", 35.0)
    assert status_for(("CRI-ADE-S1", D(2025, 2, 1), "partial", 34), ("CRI-ADE-S2", D(2025, 2, 1), "partial", 35))[0] == "pilot"
    # Reported but nothing done: not started (not no data).
    assert status_for(("CRI-ADE-S1", D(2025, 2, 1), "not_started", 0)) == ("not_started", 0.0)
    # 100 % complete but a step not marked full: partial, not full.
    assert status_for(("CRI-ADE-S1", D(2025, 2, 1), "full", 100), ("CRI-ADE-S2", D(2025, 2, 1), "partial", 100)) == ("partial", 100.0)
    # Full everywhere.
    assert status_for(("CRI-ADE-S1", D(2025, 2, 1), "full", 100), ("CRI-ADE-S2", D(2025, 3, 1), "full", 100)) == ("full", 100.0)


def test_implemented_on_is_the_first_date_all_steps_were_full():
    params = tiny(members=(("CRI", True),), measures=("ADE",))
    items = [item("CRI", "ADE", "S1", D(2025, 1, 1), 100), item("CRI", "ADE", "S2", D(2025, 4, 11), 300)]
    i, u = frames(
        items,
        [
            ("CRI-ADE-S1", D(2025, 3, 31), "full", 100),
            ("CRI-ADE-S2", D(2025, 5, 31), "partial", 50),
            ("CRI-ADE-S2", D(2025, 11, 30), "full", 100),
            ("CRI-ADE-S1", D(2026, 1, 31), "full", 100),  # a repeat report changes nothing
        ],
    )
    r = measure_status(params, i, u, AS_OF).row(0, named=True)
    assert (r["status"], r["implemented_on"]) == ("full", D(2025, 11, 30))


def test_implementation_scores_hand_computed():
    params, items, updates = example()
    sc = implementation_scores(params, measure_status(params, items, updates, AS_OF))
    assert sc.columns == ["country", "group_type", "group", "points", "max_points", "score", "measures", "no_data", "illustrative"]
    # Parties only: BLZ is tracked, not scored.
    assert sc["country"].unique(maintain_order=True).to_list() == ["CRI", "SLV", "GTM"]
    overall = {r["country"]: r for r in sc.filter(pl.col("group_type") == "overall").iter_rows(named=True)}
    assert (overall["CRI"]["points"], overall["CRI"]["max_points"]) == (5, 9)
    assert overall["CRI"]["score"] == pytest.approx(5 / 9)
    assert overall["CRI"]["no_data"] == 1 and overall["CRI"]["measures"] == 3 and overall["CRI"]["group"] == "all"
    # Not applicable is out of the maximum: 4 of 6.
    assert (overall["SLV"]["points"], overall["SLV"]["max_points"]) == (4, 6)
    assert overall["SLV"]["score"] == pytest.approx(2 / 3)
    assert (overall["GTM"]["points"], overall["GTM"]["max_points"]) == (4, 9)
    # Groups.
    row = _row(sc, country="CRI", group_type="dimension", group="logistics")  # ADE 3 + RISK 0
    assert (row["points"], row["max_points"], row["score"]) == (3, 6, 0.5)
    row = _row(sc, country="SLV", group_type="dimension", group="corridors")  # MIG not applicable
    assert (row["points"], row["max_points"], row["score"]) == (0, 0, None)
    row = _row(sc, country="GTM", group_type="pillar", group="gcf_short_term")  # ADE 3 + MIG 0
    assert (row["points"], row["max_points"], row["score"]) == (3, 6, 0.5)
    assert _row(sc, country="GTM", group_type="pillar", group="medium_long_term")["illustrative"] is True
    assert sc.filter(pl.col("country") == "CRI")["group_type"].to_list() == ["overall", "pillar", "pillar", "dimension", "dimension"]


def test_implementation_rates_hand_computed():
    params, items, updates = example()
    rates = implementation_rates(params, measure_status(params, items, updates, AS_OF), AS_OF)
    assert rates.columns == ["country", "commitments", "implemented", "implementation_rate", "due", "implemented_on_time", "on_time_rate"]
    got = {r["country"]: r for r in rates.iter_rows(named=True)}
    assert set(got) == {"CRI", "SLV", "GTM"}
    # CRI: ADE (baseline, on time) of ADE, MIG, RISK; ADE and MIG due.
    assert (got["CRI"]["commitments"], got["CRI"]["implemented"], got["CRI"]["due"], got["CRI"]["implemented_on_time"]) == (3, 1, 2, 1)
    assert got["CRI"]["implementation_rate"] == pytest.approx(1 / 3) and got["CRI"]["on_time_rate"] == 0.5
    # SLV: MIG is not applicable, so not a commitment; ADE full on 2025-08-31, before its deadline.
    assert (got["SLV"]["commitments"], got["SLV"]["implemented"], got["SLV"]["due"], got["SLV"]["implemented_on_time"]) == (2, 1, 1, 1)
    assert got["SLV"]["implementation_rate"] == 0.5 and got["SLV"]["on_time_rate"] == 1.0
    # GTM: ADE full on 2026-02-28, after its deadline of 2025-12-31: implemented, not on time.
    assert (got["GTM"]["implemented"], got["GTM"]["due"], got["GTM"]["implemented_on_time"]) == (1, 2, 0)
    assert got["GTM"]["on_time_rate"] == 0.0
    # Nothing due yet: on-time rate is null.
    early = implementation_rates(params, measure_status(params, items, updates, D(2025, 6, 30)), D(2025, 6, 30))
    assert early["due"].to_list() == [0, 0, 0]
    assert early["on_time_rate"].to_list() == [None, None, None]


def test_rank_shares_ties():
    df = pl.DataFrame({"country": ["A", "B", "C", "D"], "score": [0.9, 0.1 + 0.2, 0.3, 0.05]})
    assert 0.1 + 0.2 != 0.3  # float noise must not break the tie
    r = rank(df)
    assert r.columns == ["country", "score", "rank", "tied"]
    assert r["country"].to_list() == ["A", "B", "C", "D"]
    assert r["rank"].to_list() == [1, 2, 2, 4]
    assert r["tied"].to_list() == [False, True, True, False]
    # Null scores (nothing applies) come last, unranked.
    r = rank(pl.DataFrame({"country": ["A", "B"], "score": [None, 0.4]}))
    assert r.rows() == [("B", 0.4, 1, False), ("A", None, None, False)]


def test_rank_uses_the_overall_rows_of_implementation_scores():
    params, items, updates = example()
    r = rank(implementation_scores(params, measure_status(params, items, updates, AS_OF)))
    assert r.select("country", "rank").rows() == [("SLV", 1), ("CRI", 2), ("GTM", 3)]


def test_score_series():
    params, items, updates = example()
    series = score_series(params, items, updates, [AS_OF, D(2025, 1, 1)])
    assert series.columns == ["date", "country", "score", "implementation_rate", "on_time_rate", "regional_median"]
    assert series["date"].unique(maintain_order=True).to_list() == [D(2025, 1, 1), AS_OF]
    first = {r["country"]: r for r in series.filter(pl.col("date") == D(2025, 1, 1)).iter_rows(named=True)}
    assert first["CRI"]["score"] == pytest.approx(1 / 3)  # baseline only
    assert first["SLV"]["score"] == 0.0 and first["GTM"]["score"] == 0.0
    assert first["CRI"]["regional_median"] == 0.0
    last = {r["country"]: r for r in series.filter(pl.col("date") == AS_OF).iter_rows(named=True)}
    assert last["CRI"]["regional_median"] == pytest.approx(5 / 9)
    assert last["SLV"]["implementation_rate"] == 0.5


# ---------------------------------------------------------------------------------------------
# Incentive fund, by hand. Scores as of 2026-06-30: CRI 5/9, SLV 2/3, GTM 4/9 (below the
# minimum of 0.5: floor only). A year earlier: CRI 4/9 (MIG pilot), SLV 1/6 (ADE pilot of 6),
# GTM 0. Improvements: CRI 1/9, SLV 1/2.
# A = 1000.00; floor 30 % = 300.00, 100.00 each; the rest 700.00: 420.00 by score (5:6),
# 280.00 by improvement (1/9 : 1/2 = 2:9).


def _cents(value: Decimal) -> int:
    return int(value * 100)


def test_fund_hand_computed():
    params, items, updates = example()
    f = incentive_fund(params, AS_OF, items, updates)
    assert f.columns == [
        "country", "score", "score_before", "improvement", "eligible", "floor", "score_term",
        "improvement_term", "total", "share", "rank", "explanation",
    ]
    got = {r["country"]: r for r in f.iter_rows(named=True)}
    assert set(got) == {"CRI", "SLV", "GTM"}
    assert f["country"].to_list() == ["SLV", "CRI", "GTM"]  # rank order
    assert got["CRI"]["score_before"] == pytest.approx(4 / 9) and got["SLV"]["score_before"] == pytest.approx(1 / 6)
    assert got["CRI"]["improvement"] == pytest.approx(1 / 9) and got["SLV"]["improvement"] == pytest.approx(1 / 2)
    assert [got[c]["eligible"] for c in ("CRI", "SLV", "GTM")] == [True, True, False]
    # Score pot 420.00 x 5/11 = 190.909 -> 190.91 (largest remainder), x 6/11 = 229.0909 -> 229.09.
    # Improvement pot 280.00 x 2/11 = 50.909 -> 50.91, x 9/11 = 229.0909 -> 229.09.
    expected = {
        "CRI": ("100.00", "190.91", "50.91", "341.82"),
        "SLV": ("100.00", "229.09", "229.09", "558.18"),
        "GTM": ("100.00", "0.00", "0.00", "100.00"),
    }
    for country, (floor, score_term, improvement_term, total) in expected.items():
        r = got[country]
        assert (r["floor"], r["score_term"], r["improvement_term"], r["total"]) == tuple(
            Decimal(x) for x in (floor, score_term, improvement_term, total)
        ), country
        assert r["floor"] + r["score_term"] + r["improvement_term"] == r["total"]
    assert f["total"].sum() == Decimal("1000.00")
    assert f["share"].to_list() == pytest.approx([0.55818, 0.34182, 0.1])
    assert f["rank"].to_list() == [1, 2, 3]
    cri = got["CRI"]["explanation"]
    assert cri[0] == "Floor: $100.00 (30% of the fund split equally among 3 parties)"
    assert cri[1] == "Score term: $190.91 (score 55.6%: 45.5% of the score pot of $420.00)"
    assert cri[2].startswith("Improvement term: $50.91 (score up from 44.4% to 55.6% since")
    assert cri[-1] == "Total: $341.82 (34.2% of the fund); rank 2 of 3 by implementation score"
    assert got["GTM"]["explanation"][1] == "Not eligible: score 44.4% is below the minimum of 50.0%, so floor only"


def test_fund_without_improvement_moves_the_pot_to_scores():
    # A one-day window: nobody improved, so all 700.00 go by score, 5:6.
    params, items, updates = example(FUND.model_copy(update={"improvement_window_days": 1}))
    f = incentive_fund(params, AS_OF, items, updates)
    got = {r["country"]: r for r in f.iter_rows(named=True)}
    # 700.00 x 5/11 = 318.1818 -> 318.18; x 6/11 = 381.8181 -> 381.82 (the cent left over).
    assert (got["CRI"]["score_term"], got["CRI"]["improvement_term"]) == (Decimal("318.18"), Decimal("0.00"))
    assert (got["SLV"]["score_term"], got["SLV"]["improvement_term"]) == (Decimal("381.82"), Decimal("0.00"))
    assert got["GTM"]["total"] == Decimal("100.00")
    assert f["total"].sum() == Decimal("1000.00")
    assert any("No eligible party improved" in line and "$280.00" in line for line in got["CRI"]["explanation"])


def test_fund_with_no_eligible_party_is_split_equally():
    params, items, updates = example(FUND.model_copy(update={"min_score": 0.9}))
    f = incentive_fund(params, AS_OF, items, updates)
    got = {r["country"]: r for r in f.iter_rows(named=True)}
    assert not any(r["eligible"] for r in got.values())
    # 1000.00 / 3: the one cent left goes to the highest score (SLV).
    assert {c: r["total"] for c, r in got.items()} == {
        "CRI": Decimal("333.33"),
        "SLV": Decimal("333.34"),
        "GTM": Decimal("333.33"),
    }
    assert f["total"].sum() == Decimal("1000.00")
    assert all(r["floor"] + r["score_term"] + r["improvement_term"] == r["total"] for r in got.values())
    assert any("whole fund is split equally among 3 parties" in line for line in got["GTM"]["explanation"])


def test_fund_explanation_in_other_languages():
    params, items, updates = example()
    es = incentive_fund(params, AS_OF, items, updates, lang="es")
    fr = incentive_fund(params, AS_OF, items, updates, lang="fr")
    assert "100,00" in es.filter(pl.col("country") == "CRI")["explanation"][0][0]
    assert "100,00" in fr.filter(pl.col("country") == "CRI")["explanation"][0][0]
    assert es.drop("explanation").equals(fr.drop("explanation"))


def test_fund_needs_a_fund_in_the_params():
    params, items, updates = example(None)
    with pytest.raises(ValueError, match="no incentive fund"):
        incentive_fund(params, AS_OF, items, updates)


# ---------------------------------------------------------------------------------------------
# Properties. One single-step action item per party x measure; its one report sets the status.

PARTIES = ("CRI", "SLV", "GTM")
MEASURES = ("ADE", "MIG", "RISK")
CELLS = list(itertools.product(PARTIES, MEASURES))
PCT = {"not_applicable": 0, "not_started": 0, "pilot": 10, "partial": 50, "full": 100}
# No data and not started both earn 0; not applicable is off this order (it leaves the maximum).
LADDER = [None, "not_started", "pilot", "partial", "full"]
REPORTED = D(2025, 6, 30)
BEFORE = D(2025, 12, 31)
NOW = D(2026, 6, 30)

statuses = st.sampled_from([None, *STATUSES])
grids = st.lists(statuses, min_size=len(CELLS), max_size=len(CELLS)).map(lambda s: dict(zip(CELLS, s)))
fast = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def synthetic(grid: dict, later: dict | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    items = [item(c, m, "S1", D(2025, 1, 1), 100) for c, m in CELLS]
    updates = [(f"{c}-{m}-S1", REPORTED, s, PCT[s]) for (c, m), s in grid.items() if s is not None]
    if later:
        updates += [(f"{c}-{m}-S1", NOW, s, PCT[s]) for (c, m), s in later.items() if s is not None]
    return frames(items, updates)


PROPS = tiny(members=tuple((c, True) for c in PARTIES), measures=MEASURES)


def overall(params: RegionParams, grid: dict) -> dict[str, float | None]:
    items, updates = synthetic(grid)
    sc = implementation_scores(params, measure_status(params, items, updates, NOW))
    return dict(sc.filter(pl.col("group_type") == "overall").select("country", "score").iter_rows())


@fast
@given(grids)
def test_score_is_between_0_and_1(grid):
    for country, score in overall(PROPS, grid).items():
        if all(grid[(country, m)] == "not_applicable" for m in MEASURES):
            assert score is None
        else:
            assert 0 <= score <= 1
            points = sum({"pilot": 1, "partial": 2, "full": 3}.get(grid[(country, m)], 0) for m in MEASURES)
            maximum = 3 * sum(grid[(country, m)] != "not_applicable" for m in MEASURES)
            assert score == pytest.approx(points / maximum)


def test_all_full_scores_1():
    assert set(overall(PROPS, dict.fromkeys(CELLS, "full")).values()) == {1.0}


@fast
@given(grids, st.sampled_from(CELLS))
def test_not_applicable_to_full_never_lowers_the_score(grid, cell):
    grid = {**grid, cell: "not_applicable"}
    before = overall(PROPS, grid)
    after = overall(PROPS, {**grid, cell: "full"})
    country = cell[0]
    assert after[country] is not None
    assert before[country] is None or after[country] >= before[country] - 1e-12
    assert {c: s for c, s in after.items() if c != country} == {c: s for c, s in before.items() if c != country}


@fast
@given(grids, st.sampled_from(CELLS), st.data())
def test_a_higher_status_never_lowers_the_score(grid, cell, data):
    low = data.draw(st.sampled_from(LADDER[:-1]))
    high = data.draw(st.sampled_from(LADDER[LADDER.index(low) + 1 :]))
    before = overall(PROPS, {**grid, cell: low})
    after = overall(PROPS, {**grid, cell: high})
    country = cell[0]
    assert after[country] >= before[country] - 1e-12


@fast
@given(grids, st.permutations(PARTIES), st.randoms(use_true_random=False))
def test_party_order_changes_nothing(grid, order, rnd):
    items, updates = synthetic(grid)
    shuffled = tiny(members=tuple((c, True) for c in order), measures=MEASURES)
    items2 = items.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 10**6))
    updates2 = updates.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 10**6))
    a = measure_status(PROPS, items, updates, NOW)
    b = measure_status(shuffled, items2, updates2, NOW)
    assert a.sort("country", "measure_id").equals(b.sort("country", "measure_id"))
    sa, sb = implementation_scores(PROPS, a), implementation_scores(shuffled, b)
    assert sa.sort("country", "group_type", "group").equals(sb.sort("country", "group_type", "group"))
    assert rank(sa).equals(rank(sb))
    fa = incentive_fund(PROPS.model_copy(update={"region": PROPS.region.model_copy(update={"incentive_fund": FUND})}), NOW, items, updates)
    fb = incentive_fund(shuffled.model_copy(update={"region": shuffled.region.model_copy(update={"incentive_fund": FUND})}), NOW, items2, updates2)
    assert fa.sort("country").equals(fb.sort("country"))


funds = st.builds(
    lambda cents, floor_share, score_weight, min_score: IncentiveFund(
        amount=cents / 100,
        currency="USD",
        floor_share=floor_share,
        score_weight=score_weight,
        improvement_weight=1 - score_weight,
        min_score=min_score,
        improvement_window_days=(NOW - BEFORE).days,
    ),
    st.integers(min_value=1, max_value=10**11),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=1),
    st.sampled_from([0.0, 0.2, 0.5, 0.8]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids, grids, funds)
def test_fund_properties(earlier, later, fund_params):
    params = tiny(members=tuple((c, True) for c in PARTIES), measures=MEASURES, fund_params=fund_params)
    items = [item(c, m, "S1", D(2025, 1, 1), 100) for c, m in CELLS]
    updates = [(f"{c}-{m}-S1", BEFORE, s, PCT[s]) for (c, m), s in earlier.items() if s is not None]
    updates += [(f"{c}-{m}-S1", NOW, s, PCT[s]) for (c, m), s in later.items() if s is not None]
    f = incentive_fund(params, NOW, *frames(items, updates))
    amount = Decimal(repr(fund_params.amount)).quantize(Decimal("0.01"))
    rows = list(f.iter_rows(named=True))
    assert len(rows) == len(PARTIES)
    # Exact to the cent.
    assert sum(r["total"] for r in rows) == amount
    assert f["total"].sum() == amount
    # The pots are the exact shares of the amount, to the nearest cent (largest remainder).
    cent = Decimal("0.01")
    exact_floor = amount * Decimal(repr(fund_params.floor_share))
    floor_pot = sum(r["floor"] for r in rows)
    assert abs(floor_pot - exact_floor) < cent
    moved = any("improvement pot" in line and "added to the score pot" in line for r in rows for line in r["explanation"])
    if not moved and any(r["eligible"] for r in rows):
        exact_score = (amount - exact_floor) * Decimal(repr(fund_params.score_weight))
        assert abs(sum(r["score_term"] for r in rows) - exact_score) < cent
    # The floor pot is split equally, to the cent: floors differ by one cent at most.
    floors = [r["floor"] for r in rows]
    assert max(floors) - min(floors) <= cent
    for r in rows:
        assert r["floor"] + r["score_term"] + r["improvement_term"] == r["total"]
        assert r["total"] >= r["floor"] and min(r["score_term"], r["improvement_term"]) >= 0
        assert r["share"] == pytest.approx(float(r["total"] / amount))
        if any(x["eligible"] for x in rows) and not r["eligible"]:
            assert r["total"] == r["floor"]
    # A higher score and the same improvement never get less.
    for a, b in itertools.permutations(rows, 2):
        if a["score"] is not None and b["score"] is not None and a["score"] > b["score"] and a["improvement"] == b["improvement"]:
            assert a["total"] >= b["total"], (a, b)


def test_largest_remainder_is_exact_on_awkward_amounts():
    params, items, updates = example(FUND.model_copy(update={"amount": 1000.01, "floor_share": 1 / 3}))
    f = incentive_fund(params, AS_OF, items, updates)
    assert f["total"].sum() == Decimal("1000.01")
    assert f["share"].sum() == pytest.approx(1)


# ---------------------------------------------------------------------------------------------
# The shipped illustrative data, ingested into a temporary project.


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    proj = make_project(tmp_path_factory.mktemp("scores") / "proj", with_submissions=True)
    ingest([proj.submissions_dir / "sica"], "sica", proj)
    return proj


def test_shipped_scores(shipped):
    params = load_region("sica", shipped)
    parties = params.region.parties
    sc = scores("sica", project=shipped)
    assert sc["country"].to_list() == parties
    assert sc["score"].null_count() == 0
    assert sc["score"].is_between(0, 1).all()
    assert not set(sc["country"]) & {"BLZ", "DOM"}
    assert sc["as_of"].unique().to_list() == [params.as_of]
    assert sc["illustrative"].all()
    assert {"pillar_gcf_short_term", "dimension_logistics"} <= set(sc.columns)
    assert (sc["implementation_rate"].is_between(0, 1)).all()
    # Non-parties are tracked (they have statuses) but not scored.
    items = tracker.action_items("sica", project=shipped)
    updates = tracker.progress("sica", history=True, project=shipped)
    status = measure_status(params, items, updates, params.as_of)
    assert set(status["country"]) == set(params.region.member_codes)
    assert status.filter(pl.col("country").is_in(["BLZ", "DOM"])).height == 2 * len(params.measures)
    long = implementation_scores(params, status)
    assert not set(long["country"]) & {"BLZ", "DOM"}
    # The same numbers through the wrapper and the plain functions.
    direct = long.filter(pl.col("group_type") == "overall").select("country", "score")
    assert sc.select("country", "score").equals(direct)


def test_shipped_status_agrees_with_the_current_view(shipped):
    params = load_region("sica", shipped)
    items = tracker.action_items("sica", project=shipped)
    updates = tracker.progress("sica", history=True, project=shipped)
    status = measure_status(params, items, updates, params.as_of)
    current = tracker.progress("sica", project=shipped)
    per_measure = current.group_by("country", "measure_id").agg(
        all_full=(pl.col("status") == "full").fill_null(False).all(),
        none=pl.col("status").is_null().all(),
    )
    joined = status.join(per_measure, on=["country", "measure_id"], how="inner")
    assert joined.height > 0
    assert (joined.filter(pl.col("all_full"))["status"] == "full").all()
    assert joined.filter(pl.col("none"))["source"].eq("no_data").all()
    assert joined.filter(~pl.col("none"))["source"].eq("reported").all()
    baseline = {(c, m) for c, cp in params.countries.items() for m in cp.baseline}
    got = {(r["country"], r["measure_id"]) for r in status.filter(pl.col("source") == "baseline").iter_rows(named=True)}
    assert got == baseline
    # Implemented measures were implemented on a reported date, no later than as_of.
    implemented = status.filter((pl.col("source") == "reported") & (pl.col("status") == "full"))
    assert implemented["implemented_on"].null_count() == 0
    assert (implemented["implemented_on"] <= params.as_of).all()


def test_shipped_ranking_and_fund(shipped):
    params = load_region("sica", shipped)
    parties = params.region.parties
    r = ranking("sica", project=shipped)
    assert sorted(r["country"]) == sorted(parties)
    assert r["rank"].min() == 1 and r["rank"].max() <= len(parties)
    assert r["rank"].is_sorted()
    f = fund("sica", project=shipped)
    amount = Decimal(repr(params.region.incentive_fund.amount)).quantize(Decimal("0.01"))
    assert sorted(f["country"]) == sorted(parties)
    assert f["total"].sum() == amount
    assert f["share"].sum() == pytest.approx(1)
    for row in f.iter_rows(named=True):
        assert row["floor"] + row["score_term"] + row["improvement_term"] == row["total"]
        assert row["explanation"][0].startswith("Floor: ")
    # Round pots stay round: 20 % floor, then 70 % / 30 % of the rest (region.yaml).
    fund_params = params.region.incentive_fund
    assert (fund_params.amount, fund_params.floor_share, fund_params.score_weight) == (5_000_000, 0.2, 0.7)
    assert f["floor"].sum() == Decimal("1000000.00")
    assert f["score_term"].sum() == Decimal("2800000.00")
    assert f["improvement_term"].sum() == Decimal("1200000.00")
    assert any("$2,800,000.00" in line for row in f.iter_rows(named=True) for line in row["explanation"])
    # A year earlier, the fund still adds up.
    earlier = fund("sica", as_of="2025-09-30", project=shipped, lang="es")
    assert earlier["total"].sum() == amount


def test_shipped_series(shipped):
    params = load_region("sica", shipped)
    items = tracker.action_items("sica", project=shipped)
    updates = tracker.progress("sica", history=True, project=shipped)
    dates = [D(2024, 12, 31), D(2025, 9, 30), params.as_of]
    series = score_series(params, items, updates, dates)
    assert series.height == len(dates) * len(params.region.parties)
    medians = series.group_by("date", maintain_order=True).agg(pl.col("regional_median").first(), pl.col("score").median())
    assert medians["regional_median"].to_list() == medians["score"].to_list()
    # On the last date the series agrees with the scores wrapper.
    last = series.filter(pl.col("date") == params.as_of).select("country", "score")
    assert last.equals(scores("sica", project=shipped).select("country", "score"))


def test_weights_are_the_planned_durations_even_after_a_replan():
    params = tiny(members=(("CRI", True),), measures=("ADE",))
    items = [item("CRI", "ADE", "S1", D(2025, 1, 1), 100), item("CRI", "ADE", "S2", D(2025, 4, 11), 300)]
    i, u = frames(items, [("CRI-ADE-S1", D(2025, 3, 31), "full", 100)])
    # A replan stretched S1 to 300 days and shrank S2 to 100; the original plan still weighs.
    replanned = i.with_columns(
        planned_start=pl.col("start"),
        planned_due=pl.col("due"),
        due=pl.col("start") + pl.duration(days=pl.when(pl.col("step_id") == "S1").then(300).otherwise(100)),
    )
    assert measure_status(params, replanned, u, AS_OF)["completion"].to_list() == [25.0]
    assert measure_status(params, replanned.drop("planned_start", "planned_due"), u, AS_OF)["completion"].to_list() == [75.0]


def test_pots_are_the_exact_shares_of_the_amount():
    # 5,000,000.00 at 20 % floor, then 70 / 30 of the rest: round pots, to the cent.
    assert pots(500_000_000, 0.2, 0.7) == (100_000_000, 280_000_000, 120_000_000)
    # Awkward amounts and shares still add up, each pot within a cent of its exact share.
    for amount, floor, score in ((100_001, 1 / 3, 0.5), (7, 0.2, 0.7), (99_999_999, 0.15, 1.0)):
        split = pots(amount, floor, score)
        assert sum(split) == amount
        exact = (amount * floor, amount * (1 - floor) * score, amount * (1 - floor) * (1 - score))
        assert all(abs(a - b) < 1 for a, b in zip(split, exact)), (split, exact)
