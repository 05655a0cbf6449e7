"""The illustrative generator: reproducible, realistic (leaders, laggards, stalls, gaps), labelled."""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
from pathlib import Path

import polars as pl
import pytest
import yaml

import tflib
from tflib.ingest import ingest
from tflib.params import load_region
from tflib.sample import generate, illustrative_dir, write_scaled_region
from tflib.store import Store

from projects import REPO, make_project


@pytest.fixture(scope="module")
def sica_generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "sica"
    generate(load_region("sica"), out)
    return out


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.csv"))


def test_shipped_data_is_exactly_what_the_generator_makes(sica_generated):
    shipped = illustrative_dir("sica", REPO)
    assert _files(sica_generated) == _files(shipped)
    mismatch = [f for f in _files(shipped) if not filecmp.cmp(shipped / f, sica_generated / f, shallow=False)]
    assert mismatch == [], "shipped illustrative data is stale: run `tflib generate --region sica`"


def test_every_generated_row_is_labelled_illustrative(sica_generated):
    for path in sica_generated.rglob("*.csv"):
        text = path.read_text(encoding="utf-8")
        # Members writing a decimal comma save semicolon-separated files, as their Excel does.
        delimiter = ";" if ";" in text.splitlines()[0] else ","
        rows = list(csv.DictReader(text.splitlines(), delimiter=delimiter))
        assert rows and all(r["illustrative"] == "true" for r in rows), path


def test_a_different_seed_gives_different_data(tmp_path, sica_generated):
    generate(load_region("sica"), tmp_path / "other", seed=7)
    same = [f for f in _files(sica_generated) if (tmp_path / "other" / f).exists()
            and filecmp.cmp(sica_generated / f, tmp_path / "other" / f, shallow=False)]
    assert len(same) < len(_files(sica_generated)) / 2


@pytest.fixture(scope="module")
def sica_store(tmp_path_factory, sica_generated):
    proj = make_project(tmp_path_factory.mktemp("proj"))
    results = ingest([sica_generated], "sica", proj)
    assert all(r.quarantined == 0 for r in results)
    return proj


def test_history_runs_from_june_2024_to_as_of(sica_store):
    hist = tflib.progress("sica", history=True, project=sica_store)
    assert dt.date(2024, 6, 30) <= hist["reported_on"].min() <= dt.date(2024, 7, 31)
    assert hist["reported_on"].max() == dt.date(2026, 9, 30)
    # Every member has action items and reports progress.
    assert set(hist["country"]) == set(load_region("sica").region.member_codes)


def test_there_are_leaders_and_laggards(sica_store):
    as_of = load_region("sica").as_of
    cur = tflib.progress("sica", project=sica_store).filter(pl.col("due") <= as_of)
    by_country = cur.group_by("country").agg(pl.col("pct_complete").fill_null(0).mean().alias("pct"))
    spread = by_country["pct"].max() - by_country["pct"].min()
    assert spread > 25, by_country


def test_some_items_stall_and_some_months_are_missing(sica_store):
    params = load_region("sica")
    cur = tflib.progress("sica", project=sica_store)
    stale_before = params.as_of - dt.timedelta(days=params.region.stall_days)
    stalled = cur.filter(
        (pl.col("status") != "full") & pl.col("reported_on").is_not_null() & (pl.col("reported_on") < stale_before)
    )
    assert stalled.height >= 3
    log = tflib.submissions("sica", sica_store).filter(pl.col("kind") == "progress")
    months = log.select(pl.col("countries").list.first().alias("country"), pl.col("file_name"))
    per_country = months.group_by("country").len()
    # 28 monthly periods from June 2024 to September 2026: someone missed some.
    assert per_country["len"].min() < 28
    assert per_country["len"].max() <= 28


def test_indicator_series_cover_the_catalogue(sica_store):
    params = load_region("sica")
    obs = tflib.indicators("sica", project=sica_store)
    assert set(obs["indicator_id"]) == set(params.indicators.ids)
    crossing = obs.filter(pl.col("indicator_id") == "border_crossing_time")
    assert set(crossing["direction"]) == {"exit", "entry"}
    assert crossing["crossing_id"].null_count() == 0
    # p90 is never below the median for the same series and period.
    times = obs.filter(pl.col("statistic").is_in(["median", "p90"])).pivot(
        on="statistic", index=["country", "indicator_id", "crossing_id", "direction", "period"], values="value"
    ).drop_nulls(["median", "p90"])
    assert times.height > 0 and (times["p90"] >= times["median"]).all()


def test_removing_a_member_leaves_the_others_data_unchanged(tmp_path, sica_generated):
    proj = make_project(tmp_path / "proj")
    region_file = proj.regions_dir / "sica" / "region.yaml"
    data = yaml.safe_load(region_file.read_text(encoding="utf-8"))
    data["members"] = [m for m in data["members"] if m["iso3"] != "DOM"]
    region_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (proj.regions_dir / "sica" / "countries" / "DOM.yaml").unlink()
    params = load_region("sica", proj)
    assert "DOM" not in params.region.member_codes
    out = tmp_path / "gen"
    generate(params, out)
    others = [f for f in _files(sica_generated) if "DOM_" not in f]
    assert _files(out) == others
    assert all(filecmp.cmp(out / f, sica_generated / f, shallow=False) for f in others)


def test_scaled_region_of_real_economies(tmp_path):
    proj = make_project(tmp_path / "proj")
    region = write_scaled_region(12, proj, "sica", template_project=REPO)
    params = load_region(region, proj)
    assert len(params.region.members) == 12
    files = generate(params, proj.submissions_dir / region / "illustrative")
    results = ingest(files, region, proj)
    assert sum(r.quarantined for r in results) == 0
    assert tflib.counts(region, proj)["progress_updates"] > 0


def test_scaled_region_can_take_every_economy_in_the_reference_data(tmp_path):
    proj = make_project(tmp_path / "proj")
    codes = set(tflib.lpi()["iso3"]) | set(tflib.doing_business()["iso3"])
    region = write_scaled_region(len(codes), proj, "sica", template_project=REPO)
    params = load_region(region, proj)
    assert set(params.region.member_codes) == codes
    with pytest.raises(ValueError):
        write_scaled_region(len(codes) + 1, proj, "sica", template_project=REPO)
    with Store.create(params, proj) as store:
        assert store.counts()["action_items"] > 10 * len(codes)
