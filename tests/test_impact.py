"""The impact estimate: its params file, its arithmetic and its "no data" rule."""

from __future__ import annotations

import polars as pl
import pytest
import yaml

import tflib
from tflib.analysis import impact
from tflib.params import ParamsError

from projects import make_project


def _obs(rows: list[tuple]) -> pl.DataFrame:
    """Observations of one country: (statistic, crossing_id, direction, period, value)."""
    out = []
    for stat, crossing, direction, period, value in rows:
        start, _ = tflib.periods.bounds(period)
        out.append({"statistic": stat, "crossing_id": crossing, "direction": direction, "period": period, "period_start": start, "value": value})
    schema = {"statistic": pl.String, "crossing_id": pl.String, "direction": pl.String, "period": pl.String, "period_start": pl.Date, "value": pl.Float64}
    return pl.DataFrame(out, schema=schema)


# ---------------------------------------------------------------------------------------------
# Params


def test_shipped_impact_params_load():
    params = tflib.region("sica")
    imp = impact.load_impact(params)
    assert imp.method.per_day_ad_valorem.low == 0.006
    assert imp.method.per_day_ad_valorem.high == 0.021
    assert "Hummels" in imp.method.citation and "2013" in imp.method.citation
    assert {c.indicator for c in imp.channels} == {"clearance_time", "border_crossing_time"}
    # Every trade flow named is a flow of the trade file impact.yaml names.
    flows = set(tflib.trade(imp.trade.file)["indicator"])
    assert all(c.trade.flow in flows for c in imp.channels)


def _edit_impact(tmp_path, change) -> tuple:
    proj = make_project(tmp_path / "proj")
    path = proj.regions_dir / "sica" / "impact.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tflib.region("sica", proj), path


def test_unknown_key_is_an_error_naming_file_and_key(tmp_path):
    params, path = _edit_impact(tmp_path, lambda d: d["method"].update(discount_rate=0.05))
    with pytest.raises(ParamsError) as err:
        impact.load_impact(params)
    message = str(err.value)
    assert str(path) in message
    assert "method.discount_rate" in message and "unknown key" in message


def test_nested_unknown_key_and_bad_values_name_the_key(tmp_path):
    params, _ = _edit_impact(tmp_path, lambda d: d["channels"][1]["trade"].update(weight=2))
    with pytest.raises(ParamsError, match=r"impact\.yaml: channels\.1\.trade\.weight: unknown key"):
        impact.load_impact(params)
    params, _ = _edit_impact(tmp_path / "b", lambda d: d["method"]["per_day_ad_valorem"].update(low=0.03))
    with pytest.raises(ParamsError, match=r"method\.per_day_ad_valorem.*low must not exceed high"):
        impact.load_impact(params)
    params, _ = _edit_impact(tmp_path / "c", lambda d: d["channels"][0].update(indicator="no_such_indicator"))
    with pytest.raises(ParamsError, match=r"channels\.0\.indicator: unknown indicator 'no_such_indicator'"):
        impact.load_impact(params)


# ---------------------------------------------------------------------------------------------
# Arithmetic


def test_estimate_equals_a_hand_computation():
    # Clearance median 48 h -> 30 h -> 36 h: first to latest is 12 h = 0.5 day.
    obs = _obs([("median", None, None, "2025-Q1", 48.0), ("median", None, None, "2025-Q2", 30.0), ("median", None, None, "2025-Q3", 36.0),
                ("p90", None, None, "2025-Q1", 200.0), ("p90", None, None, "2025-Q3", 100.0)])
    saving = impact.days_saved(obs, "median", hours_per_day=24)
    assert saving is not None
    assert (saving.first_period, saving.latest_period) == ("2025-Q1", "2025-Q3")
    assert saving.hours_saved == pytest.approx(12.0)
    assert saving.days_saved == pytest.approx(0.5)
    low, high = impact.value_of_time(1_000_000, saving.days_saved, 0.006, 0.021)
    assert low == pytest.approx(1_000_000 * 0.5 * 0.006)  # USD 3,000
    assert high == pytest.approx(1_000_000 * 0.5 * 0.021)  # USD 10,500


def test_crossings_and_directions_are_averaged_unweighted():
    obs = _obs([
        ("median", "a", "exit", "2025-01", 10.0), ("median", "a", "exit", "2025-03", 4.0),   # 6 h saved
        ("median", "a", "entry", "2025-02", 8.0), ("median", "a", "entry", "2025-04", 8.0),  # 0 h
        ("median", "b", "exit", "2025-01", 20.0), ("median", "b", "exit", "2025-05", 5.0),   # 15 h
        ("median", "b", "entry", "2025-05", 9.0),                                               # one period: left out
    ])
    saving = impact.days_saved(obs, "median")
    assert saving.series == 3
    assert saving.hours_saved == pytest.approx((6 + 0 + 15) / 3)
    assert saving.days_saved == pytest.approx(7 / 24)
    assert (saving.first_period, saving.latest_period) == ("2025-01", "2025-05")


@pytest.mark.parametrize("days", [0.5, 0.0, -0.25, 3.0])
def test_range_low_never_exceeds_high(days):
    low, high = impact.value_of_time(2_500_000, days, 0.006, 0.021)
    assert low <= high
    if days < 0:  # time rose: a cost, still ordered
        assert high < 0 or (low == high == 0)


def test_no_estimate_with_fewer_than_two_periods():
    one = _obs([("median", None, None, "2026-Q3", 30.0), ("p90", None, None, "2026-Q2", 90.0), ("p90", None, None, "2026-Q3", 80.0)])
    assert impact.days_saved(one, "median") is None
    assert impact.days_saved(_obs([]), "median") is None
    # No estimate is no data, never 0.
    assert impact.value_of_time(1_000_000, None, 0.006, 0.021) is None


def test_page_rows_say_no_data_when_a_country_lacks_two_periods(monkeypatch):
    """The Dominican Republic has no land-border crossing in params: its crossing-time channel
    has no estimate (nulls, not zeros), while a channel with data gets an ordered range."""
    from tflib import page

    clearance = _obs([("median", None, None, "2025-Q1", 48.0), ("median", None, None, "2026-Q3", 24.0)])

    def fake(ctx, indicator, country):
        frame = clearance if indicator == "clearance_time" else _obs([])
        return frame.with_columns(country=pl.lit("DOM"), illustrative=pl.lit(True))

    monkeypatch.setattr(impact, "_observations", fake)
    ctx = page.context("impact", "sica", "DOM", "en")
    imp = impact.assumptions(ctx)
    inputs = impact.channel_inputs(ctx, imp)
    border = inputs.filter(pl.col("channel_id") == "border").row(0, named=True)
    assert border["days_saved"] is None and border["low"] is None and border["high"] is None
    row = inputs.filter(pl.col("channel_id") == "clearance").row(0, named=True)
    assert row["days_saved"] == pytest.approx(1.0)
    assert row["low"] == pytest.approx(imp.per_trade_value_usd * 0.006)
    assert row["high"] == pytest.approx(imp.per_trade_value_usd * 0.021)


# ---------------------------------------------------------------------------------------------
# Trade values from the file impact.yaml names (any region, no SICA wording in the library)

import csv  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402

from tflib import inputs as tables_mod  # noqa: E402
from tflib import page as page_mod  # noqa: E402
from tflib.params import load_region  # noqa: E402

from conftest import write_small_region  # noqa: E402

SICA_WORDS = re.compile(r"\b(sieca|sica)\b|centroam|central americ|diario de centro", re.IGNORECASE)
MEMBERS = ["CRI", "SLV", "GTM", "HND", "NIC", "PAN", "BLZ", "DOM"]


def _writable_reference(proj) -> None:
    """Replace the project's linked reference folder by a folder of links, with a trade/
    folder of its own that tests may write to (the repository's data stays untouched)."""
    ref = proj.reference_dir
    target = ref.resolve()
    ref.unlink()
    ref.mkdir()
    for entry in target.iterdir():
        if entry.name != "trade":
            (ref / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    shutil.copytree(target / "trade", ref / "trade")


def _yaml_edit(path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _member_trade_file(proj, name="andes_trade_2024.csv") -> tuple[str, dict[tuple[str, str], float]]:
    """A per-member trade file (country column) for every member; returns its name relative
    to data/reference/ and its values by (country, flow)."""
    values = {}
    rows = []
    for i, code in enumerate(MEMBERS):
        for flow, base in (("exports_to_members", 1000.0), ("exports_elsewhere", 4000.0)):
            v = base + 111.25 * i
            values[(code, flow)] = v
            rows.append([code, 2024, flow, v, "USD million", "Test statistics office, trade by partner" if not rows else "same source"])
    rel = f"trade/{name}"
    with (proj.reference_dir / rel).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["country", "year", "indicator", "value", "unit", "source"])
        w.writerows(rows)
    return rel, values


def _other_region(tmp_path, trade: str = "member") -> tuple:
    """A copy of the SICA params as region 'andes', with no SICA wording in its texts; its
    impact.yaml names a per-member trade file (`trade="member"`) or no trade (`"none"`)."""
    proj = make_project(tmp_path / "proj")
    _writable_reference(proj)
    folder = proj.regions_dir / "andes"
    shutil.copytree(proj.regions_dir / "sica", folder)

    def region(d):
        d["id"] = "andes"
        d["name"] = {"es": "Región de prueba", "en": "Test region"}
        d["secretariat"] = "Test secretariat"

    _yaml_edit(folder / "region.yaml", region)
    rel, values = _member_trade_file(proj) if trade == "member" else (None, {})

    def imp(d):
        if trade == "none":
            d.pop("trade", None)
            for ch in d["channels"]:
                ch.pop("trade", None)
            return
        d["trade"] = {
            "file": rel,
            "source": {"es": "Oficina de estadística de prueba, 2024", "en": "Test statistics office, 2024"},
            "title": {"es": "Comercio de la región de prueba", "en": "Trade of the test region"},
            "flows": {
                "exports_to_members": {"es": "Exportaciones a los miembros", "en": "Exports to members"},
                "exports_elsewhere": {"es": "Exportaciones al resto del mundo", "en": "Exports elsewhere"},
            },
        }
        for ch in d["channels"]:
            ch["trade"]["flow"] = "exports_to_members"
            ch["trade"]["description"] = {"es": "Supuesto de prueba.", "en": "Test assumption."}

    _yaml_edit(folder / "impact.yaml", imp)
    return proj, values


# Clearance 48 h -> 24 h (one day saved); land border 30 h -> 18 h (half a day saved).
_HOURS = {"clearance_time": (48.0, 24.0), "border_crossing_time": (30.0, 18.0)}


def _fake_observations(ctx, indicator, country):
    first, latest = _HOURS.get(indicator, (None, None))
    frames = []
    for code in [country] if country else MEMBERS:
        if first is None:
            continue
        obs = _obs([("median", None, None, "2025-Q1", first), ("median", None, None, "2026-Q2", latest)])
        frames.append(obs.with_columns(country=pl.lit(code), illustrative=pl.lit(True)))
    return pl.concat(frames) if frames else _obs([]).with_columns(country=pl.lit(None, pl.String), illustrative=pl.lit(None, pl.Boolean))


def _page_texts(ctx) -> list[str]:
    """Every text the impact page's analysis gives (sentences, chart specs, tables)."""
    imp = impact.assumptions(ctx)
    channels = impact.channel_inputs(ctx, imp)
    regional = impact.region_estimates(ctx, imp)
    flows = impact.trade_flows(ctx, imp)
    national = impact.national_estimates(ctx, imp, channels)
    texts = [*impact.method_sentences(ctx, imp), *impact.country_sentences(ctx, imp, channels, national),
             *impact.region_sentences(ctx, imp, regional, flows)]
    figures = [impact.country_range_chart(ctx, imp, channels)]
    if imp.trade is not None:
        figures += [impact.trade_chart(ctx, imp, flows), impact.region_range_chart(ctx, imp, regional)]
    texts += [json.dumps(f.spec, ensure_ascii=False) for f in figures]
    tables = [impact.inputs_table(ctx, channels), impact.assumption_table(ctx, imp, regional)]
    if national is not None:
        tables.append(impact.national_table(ctx, imp, national))
    texts += [json.dumps(t.to_payload(), ensure_ascii=False, default=str) for t in tables]
    return texts


@pytest.mark.parametrize("trade", ["member", "none"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_another_regions_impact_page_never_names_sica(tmp_path, monkeypatch, trade, lang):
    proj, _ = _other_region(tmp_path, trade)
    monkeypatch.setattr(impact, "_observations", _fake_observations)
    ctx = page_mod.context("impact", "andes", "CRI", lang, project=proj)
    texts = _page_texts(ctx)
    hits = [m.group(0) for text in texts for m in SICA_WORDS.finditer(text)]
    assert not hits, hits


def test_region_without_trade_gives_the_per_amount_figure_and_says_why(tmp_path, monkeypatch):
    proj, _ = _other_region(tmp_path, "none")
    monkeypatch.setattr(impact, "_observations", _fake_observations)
    ctx = page_mod.context("impact", "andes", "CRI", "en", project=proj)
    imp = impact.assumptions(ctx)
    assert imp.trade is None
    channels = impact.channel_inputs(ctx, imp)
    # The per-USD-1-million figure: one day saved on clearance.
    row = channels.filter(pl.col("channel_id") == "clearance").row(0, named=True)
    assert (row["low"], row["high"]) == (pytest.approx(1_000_000 * 0.006), pytest.approx(1_000_000 * 0.021))
    assert impact.national_estimates(ctx, imp, channels) is None
    assert impact.region_estimates(ctx, imp).is_empty()
    assert impact.trade_flows(ctx, imp).is_empty()
    # The page says why there is no national total and no regional value (and names no file).
    country = " ".join(impact.country_sentences(ctx, imp, channels, None))
    assert (f"No sourced trade values are held for this region, so the estimate for {ctx.country_name} is given per USD 1,000,000 "
            "of affected trade, not as a national total.") in country
    region = " ".join(impact.region_sentences(ctx, imp, impact.region_estimates(ctx, imp), impact.trade_flows(ctx, imp)))
    assert ("No sourced trade values are held for this region, so no value of the time saved is estimated for the region; "
            "the estimates above are per USD 1,000,000 of affected trade.") in region
    assert ".yaml" not in country + region
    # The page's trade table is empty, not missing.
    assert tables_mod.RegionData(ctx.params, proj).table("trade", "en").frame.is_empty()


def test_per_member_trade_gives_the_national_range_from_the_file(tmp_path, monkeypatch):
    proj, _ = _other_region(tmp_path, "member")
    monkeypatch.setattr(impact, "_observations", _fake_observations)
    # The values as the file holds them (read here with csv, not with tflib).
    with (proj.reference_dir / "trade" / "andes_trade_2024.csv").open(encoding="utf-8") as fh:
        file_values = {(r["country"], r["indicator"]): float(r["value"]) for r in csv.DictReader(fh)}
    spec = yaml.safe_load((proj.regions_dir / "andes" / "impact.yaml").read_text(encoding="utf-8"))
    shares = {ch["id"]: ch["trade"]["share"] for ch in spec["channels"]}
    low, high = spec["method"]["per_day_ad_valorem"]["low"], spec["method"]["per_day_ad_valorem"]["high"]
    days = {"clearance": (48 - 24) / 24, "border": (30 - 18) / 24}
    ctx = page_mod.context("impact", "andes", "GTM", "en", project=proj)
    imp = impact.assumptions(ctx)
    channels = impact.channel_inputs(ctx, imp)
    national = impact.national_estimates(ctx, imp, channels)
    assert national is not None and national.height == 2
    for r in national.iter_rows(named=True):
        trade = file_values[("GTM", "exports_to_members")]
        assert r["flow_value"] == pytest.approx(trade)
        assert r["low"] == pytest.approx(trade * shares[r["channel_id"]] * days[r["channel_id"]] * low)
        assert r["high"] == pytest.approx(trade * shares[r["channel_id"]] * days[r["channel_id"]] * high)
    # The per-USD-amount figure is still given beside it.
    assert channels.filter(pl.col("channel_id") == "clearance")["low"][0] == pytest.approx(1_000_000 * 0.006)
    text = " ".join(impact.country_sentences(ctx, imp, channels, national))
    assert "USD 1,000,000" in text and "a year" in text
    # The regional figure adds up the members' values in the file.
    regional = impact.region_estimates(ctx, imp)
    total = sum(v for (c, f), v in file_values.items() if f == "exports_to_members")
    assert regional.filter(pl.col("channel_id") == "clearance")["flow_value"][0] == pytest.approx(total)


@pytest.mark.usefixtures("default_project_is_shipped")
def test_region_totals_only_say_why_there_is_no_national_range():
    ctx = page_mod.context("impact", "sica", "CRI", "en")
    imp = impact.assumptions(ctx)
    channels = impact.channel_inputs(ctx, imp)
    assert impact.national_estimates(ctx, imp, channels) is None
    text = " ".join(impact.country_sentences(ctx, imp, channels, None))
    assert impact.trade_source(ctx, imp)
    assert (f"The sourced trade values ({impact.trade_source(ctx, imp)}) are region totals only, so the estimate for {ctx.country_name} "
            "is given per USD 1,000,000 of affected trade, not as a national total.") in text
    assert ".yaml" not in text and ".csv" not in text


def test_shipped_trade_section_names_the_sieca_file():
    imp = impact.load_impact(tflib.region("sica"))
    assert imp.trade is not None and imp.trade.file == "trade/sieca_trade_2019.csv"
    assert set(imp.trade.flows) == {"intra_regional_exports", "extra_regional_exports"}
    frame = tflib.trade(imp.trade.file)
    with (tflib.paths.Project.default().reference_dir / imp.trade.file).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert frame["value"].to_list() == pytest.approx([float(r["value"]) for r in rows])


def _bad_trade(tmp_path, change):
    proj, _ = _other_region(tmp_path, "member")
    path = proj.regions_dir / "andes" / "impact.yaml"
    _yaml_edit(path, lambda d: change(d, proj))
    return path, proj


def _trade_error(tmp_path, change) -> str:
    path, proj = _bad_trade(tmp_path, change)
    with pytest.raises(ParamsError) as err:
        impact.load_impact(load_region("andes", proj))
    message = str(err.value)
    assert message.startswith(f"{path}: "), message
    return message


def test_trade_file_missing_is_an_error_naming_file_and_key(tmp_path):
    msg = _trade_error(tmp_path, lambda d, p: d["trade"].update(file="trade/no_such_file.csv"))
    assert "trade.file:" in msg and "trade/no_such_file.csv" in msg


def test_trade_file_outside_the_reference_folder_is_refused(tmp_path):
    msg = _trade_error(tmp_path, lambda d, p: d["trade"].update(file="../../params/project.yaml"))
    assert "trade.file:" in msg


def test_unknown_flow_is_an_error_naming_file_and_key(tmp_path):
    msg = _trade_error(tmp_path, lambda d, p: d["channels"][1]["trade"].update(flow="imports"))
    assert "channels.1.trade.flow:" in msg and "'imports'" in msg
    # A flow labelled in params but absent from the file.
    msg = _trade_error(tmp_path / "b", lambda d, p: d["trade"]["flows"].update(re_exports={"es": "Reexportaciones", "en": "Re-exports"}))
    assert "trade.flows.re_exports:" in msg and "andes_trade_2024.csv" in msg


def test_bad_trade_column_is_an_error_naming_file_and_key(tmp_path):
    def drop_value(d, proj):
        path = proj.reference_dir / "trade" / "andes_trade_2024.csv"
        text = path.read_text(encoding="utf-8").replace("country,year,indicator,value,", "country,year,indicator,amount,", 1)
        path.write_text(text, encoding="utf-8")

    msg = _trade_error(tmp_path, drop_value)
    assert "trade.file:" in msg and "andes_trade_2024.csv" in msg and "value" in msg


def test_trade_rows_of_a_non_member_are_an_error(tmp_path):
    def add_mex(d, proj):
        path = proj.reference_dir / "trade" / "andes_trade_2024.csv"
        with path.open("a", encoding="utf-8") as fh:
            fh.write("MEX,2024,exports_to_members,10.5,USD million,same source\n")

    msg = _trade_error(tmp_path, add_mex)
    assert "trade.file:" in msg and "MEX" in msg and "andes_trade_2024.csv" in msg


def test_trade_texts_need_every_language(tmp_path):
    msg = _trade_error(tmp_path, lambda d, p: d["trade"]["title"].pop("es"))
    assert "trade.title" in msg and "'es'" in msg


def test_channel_trade_without_a_trade_section_is_an_error(tmp_path):
    msg = _trade_error(tmp_path, lambda d, p: d.pop("trade"))
    assert "channels.0.trade:" in msg


def test_region_check_reports_a_bad_trade_file(tmp_path):
    from tflib import regiontools

    path, proj = _bad_trade(tmp_path, lambda d, p: d["trade"].update(file="trade/no_such_file.csv"))
    report = regiontools.check("andes", proj)
    assert any(line.startswith(f"{path}: trade.file:") for line in report.problems), report.problems


def test_naming_another_trade_file_changes_the_trade_table(tmp_path):
    proj, _ = _other_region(tmp_path, "member")
    digest = tables_mod.frame_digest(tables_mod.RegionData(load_region("andes", proj), proj).table("trade", "en").frame)
    rel, _ = _member_trade_file(proj, "andes_trade_other.csv")
    path = proj.regions_dir / "andes" / "impact.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    with (proj.reference_dir / rel).open("a", encoding="utf-8") as fh:
        fh.write("")
    # Same values, other file: change one value so the frames differ.
    data = (proj.reference_dir / rel).read_text(encoding="utf-8").replace("1000.0", "1001.0", 1)
    (proj.reference_dir / rel).write_text(data, encoding="utf-8")
    _yaml_edit(path, lambda d: d["trade"].update(file=rel))
    again = tables_mod.frame_digest(tables_mod.RegionData(load_region("andes", proj), proj).table("trade", "en").frame)
    assert again != digest


# ---------------------------------------------------------------------------------------------
# Defaults: params/defaults/impact.yaml and indicators.yaml


def test_default_impact_and_catalogue_when_the_region_has_none(tmp_path):
    root = write_small_region(tmp_path)
    (root / "params" / "indicators.yaml").unlink()  # no shared catalogue either
    params = load_region("uemoa_test", root)
    defaults = tflib.paths.Project.default().params_dir / "defaults"
    shipped = yaml.safe_load((defaults / "indicators.yaml").read_text(encoding="utf-8"))
    # The default catalogue, narrowed to the dimensions the region's strategy presents.
    presented = {d.id for d in params.strategy.dimensions}
    assert params.indicators.ids == [i["id"] for i in shipped["indicators"] if i["dimension"] in presented]
    assert len(params.indicators.ids) < len(shipped["indicators"])  # the test region has no SME dimension
    assert "fauca_coverage" not in params.indicators.ids
    assert params.indicators.get("clearance_time").name["fr"]
    imp = impact.load_impact(params)
    default = yaml.safe_load((defaults / "impact.yaml").read_text(encoding="utf-8"))
    assert imp.trade is None and "trade" not in default
    assert [c.indicator for c in imp.channels] == [c["indicator"] for c in default["channels"]] == ["clearance_time", "border_crossing_time"]
    assert (imp.method.per_day_ad_valorem.low, imp.method.per_day_ad_valorem.high, imp.method.hours_per_day) == (0.006, 0.021, 24)
    assert imp.per_trade_value_usd == 1_000_000
    # The shipped defaults carry no SICA wording.
    for name in ("impact.yaml", "indicators.yaml"):
        body = "\n".join(line for line in (defaults / name).read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#"))
        assert not SICA_WORDS.search(body), name


def test_a_regions_own_impact_file_replaces_the_default_wholly():
    imp = impact.load_impact(tflib.region("sica"))
    assert imp.trade is not None and [c.id for c in imp.channels] == ["clearance", "border"]


def test_a_default_lacking_a_language_names_the_default_file(tmp_path):
    root = write_small_region(tmp_path)
    (root / "params" / "indicators.yaml").unlink()
    defaults = root / "params" / "defaults"
    defaults.mkdir(parents=True)
    shipped = tflib.paths.Project.default().params_dir / "defaults"
    for name in ("impact.yaml", "indicators.yaml"):
        shutil.copyfile(shipped / name, defaults / name)
    _yaml_edit(defaults / "impact.yaml", lambda d: d["channels"][0]["name"].pop("fr"))
    with pytest.raises(ParamsError) as err:
        impact.load_impact(load_region("uemoa_test", root))
    assert str(err.value).startswith(f"{defaults / 'impact.yaml'}: channels.0.name") and "'fr'" in str(err.value)
    _yaml_edit(defaults / "indicators.yaml", lambda d: d["indicators"][0]["name"].pop("fr"))
    with pytest.raises(ParamsError) as err:
        load_region("uemoa_test", root)
    assert str(err.value).startswith(f"{defaults / 'indicators.yaml'}: indicators.") and "'fr'" in str(err.value)
