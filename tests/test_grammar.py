"""Sentences that agree with their counts and with the country they name, in every language of
the shipped regions: "1 of 1 step", "in the Democratic Republic of the Congo", "au Burundi"
(never "de Burundi"), a quarterly region's "reports" (not "monthly reports")."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import polars as pl
import pytest

from projects import make_project
from tflib import page
from tflib.analysis import digital, dimension, impact, overview
from tflib.params import load_region


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("grammar") / "proj")


def _ctx(proj, kind, country, lang, region="eac"):
    return page.context(kind, region, country, lang, project=proj)


def _digital_data(n_full: int, n_other: int, country: str):
    status = pl.DataFrame({
        "country": [country] * (n_full + n_other),
        "status": ["full"] * n_full + ["partial"] * n_other,
        "source": ["reported"] * (n_full + n_other),
    })
    return SimpleNamespace(status=status)


@pytest.mark.parametrize(
    "country, lang, full, other, expected",
    [
        ("COD", "en", 1, 1, "Digital measures of the strategy fully implemented in the Democratic Republic of the Congo: 1 of 2, of which before the strategy (baseline): 0."),
        ("COD", "fr", 1, 0, "Mesures numériques de la stratégie pleinement mises en œuvre en République démocratique du Congo : 1 sur 1, dont avant la stratégie (situation de référence) : 0."),
        ("BDI", "fr", 0, 3, "Mesures numériques de la stratégie pleinement mises en œuvre au Burundi : 0 sur 3, dont avant la stratégie (situation de référence) : 0."),
        ("BDI", "en", 1, 0, "Digital measures of the strategy fully implemented in Burundi: 1 of 1, of which before the strategy (baseline): 0."),
    ],
)
def test_digital_measure_count(proj, country, lang, full, other, expected):
    ctx = _ctx(proj, "digital", country, lang)
    assert digital.measure_count_sentences(ctx, _digital_data(full, other, country))[0] == expected


@pytest.mark.parametrize(
    "lang, full, n, expected",
    [
        ("en", 1, 1, "1 of 1 step fully implemented"),
        ("en", 0, 3, "0 of 3 steps fully implemented"),
        ("fr", 1, 1, "étapes pleinement mises en œuvre : 1 sur 1"),
        ("fr", 0, 3, "étapes pleinement mises en œuvre : 0 sur 3"),
    ],
)
def test_digital_steps_basis(proj, lang, full, n, expected):
    assert digital.steps_basis(_ctx(proj, "digital", "COD", lang), full, n) == expected


def _latest(values: dict[str, float]):
    rep = pl.DataFrame({"country": list(values), "value": list(values.values())})
    return SimpleNamespace(reported=rep, indicator=SimpleNamespace(polarity="higher_better"))


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("en", "Digital indicators reported for the latest period by the Democratic Republic of the Congo and the other members: 1 of 2; on 1 of them the Democratic Republic of the Congo is at or better than the median of the other members."),
        ("fr", "Indicateurs numériques communiqués pour la dernière période par la République démocratique du Congo et les autres membres : 1 sur 2 ; la République démocratique du Congo est au niveau de la médiane des autres membres ou au-dessus pour 1 d'entre eux."),
    ],
)
def test_digital_readiness_sentence(proj, lang, expected):
    ctx = _ctx(proj, "digital", "COD", lang)
    data = SimpleNamespace(latest={"a": _latest({"COD": 5.0, "KEN": 3.0, "UGA": 4.0}), "b": _latest({"KEN": 3.0})})
    assert digital.readiness_sentence(ctx, data) == expected


def _inputs(days: float):
    return pl.DataFrame({
        "channel_id": ["clearance"], "channel": ["Clearance"], "indicator": ["Clearance time"], "statistic": ["median"],
        "first_value": [48.0], "latest_value": [48.0 - 24 * days], "first_period": ["2025-Q1"], "latest_period": ["2026-Q3"],
        "days_saved": [days], "low": [6000.0 * days], "high": [21000.0 * days], "illustrative": [False],
    })


@pytest.mark.parametrize(
    "lang, days, expected",
    [
        ("en", 1.0, "Clearance: Clearance time (median) went from 48.0 h in Q1 2025 to 24.0 h in Q3 2026; days saved per shipment: 1.00; on each USD 1,000,000 of affected trade that time is worth USD 6,000 to USD 21,000."),
        ("en", -0.5, "Clearance: Clearance time (median) went from 48.0 h in Q1 2025 to 60.0 h in Q3 2026; days lost per shipment: 0.50; on each USD 1,000,000 of affected trade that costs USD 3,000 to USD 10,500."),
        ("fr", 1.0, "Clearance : Clearance time (median) est passé de 48,0 h en T1 2025 à 24,0 h en T3 2026 ; jours gagnés par envoi : 1,00 ; pour 1 000 000 USD de commerce concerné, ce temps vaut de 6 000 USD à 21 000 USD."),
    ],
)
def test_impact_days_are_a_label(proj, lang, days, expected):
    ctx = _ctx(proj, "impact", "COD", lang)
    imp = impact.assumptions(ctx)
    first = impact.country_sentences(ctx, imp, _inputs(days))[0]
    assert first.replace("\u202f", " ").replace("\xa0", " ") == expected


@pytest.mark.parametrize("lang", ["en", "es"])
def test_impact_region_members_agree(proj, lang):
    ctx = _ctx(proj, "impact", None, lang, region="sica")
    imp = impact.assumptions(ctx)
    region = pl.DataFrame({"channel": ["Clearance"], "share": [0.5], "affected": [10.0], "days_saved": [1.25], "members": [1], "low": [1.0], "high": [2.0]})
    lines = impact.region_sentences(ctx, imp, region, pl.DataFrame())
    line = next(s for s in lines if s.startswith("Clearance"))
    expected = {
        "en": "Clearance: 50% of that trade (USD 10.0 million), times the days saved (1.25, the median over 1 member with an estimate), is worth",
        "es": "Clearance: el 50% de ese comercio (USD 10,0 millones), por los días ahorrados (1,25; mediana de 1 miembro con estimación), vale",
    }[lang]
    assert line.replace("\xa0", " ").startswith(expected), line


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("en", "Clearance time: fully implemented in the Democratic Republic of the Congo since"),
        ("fr", "Clearance time : pleinement mise en œuvre en République démocratique du Congo depuis le"),
    ],
)
def test_dimension_measure_sentence_uses_the_in_form(proj, lang, expected):
    ctx = _ctx(proj, "digital", "COD", lang)
    status = pl.DataFrame({"country": ["COD"], "measure_id": ["m"], "measure": ["Clearance time"], "source": ["reported"],
                           "status": ["full"], "implemented_on": [dt.date(2026, 3, 1)], "deadline": [dt.date(2027, 1, 1)]})
    (s,) = dimension.measure_sentences(ctx, status, pl.DataFrame({"measure_id": ["m"], "status": ["full"]}))
    assert s.startswith(expected), s


def test_sentences_starting_with_a_name_form_are_capitalised(proj):
    ctx = _ctx(proj, "digital", "COD", "en")
    data = SimpleNamespace(latest={})
    assert digital.readiness_sentence(ctx, data) == "The Democratic Republic of the Congo has no data on the digital indicators for the latest period."


def test_region_params_hold_the_name_forms(proj):
    params = load_region("eac", project=proj)
    assert params.name_of("COD", "en") == "the Democratic Republic of the Congo"
    assert params.short_name_of("COD", "en") == "DR Congo" and params.short_name_of("COD", "fr") == "RD Congo"
    assert params.in_country("COD", "fr") == "en République démocratique du Congo"
    assert params.in_country("BDI", "fr") == "au Burundi" and params.in_country("KEN", "en") == "in Kenya"


def test_brief_and_landing_use_the_name_forms(proj):
    from tflib.site import brief, landing

    params = load_region("eac", project=proj)
    ctx = brief._context(params, "COD", "en", None)
    assert ctx.country_name == "the Democratic Republic of the Congo"
    assert landing.party_status(params, "COD", "en") == "The Democratic Republic of the Congo is a party to the strategy: it is scored and ranked."
    assert landing.warnings_total(params, 1, "en") == "Early warnings across the region as of September 30, 2026: 1."
    assert landing.warnings_total(params, 2, "fr") == "Alertes précoces dans la région au 30 septembre 2026 : 2."


@pytest.mark.parametrize(
    "period, lang, expected",
    [
        ("quarter", "en", "Most quarterly reports missing: Burundi (2)."),
        ("quarter", "fr", "Le plus de rapports trimestriels manquants : le Burundi (2)."),
        ("month", "en", "Most monthly reports missing: Burundi (2)."),
        ("month", "fr", "Le plus de rapports mensuels manquants : le Burundi (2)."),
    ],
)
def test_missing_reports_follow_the_submission_period(proj, period, lang, expected):
    import dataclasses

    ctx = _ctx(proj, "overview", None, lang)
    region = ctx.params.region.model_copy(update={"submission_period": period})
    ctx = dataclasses.replace(ctx, params=ctx.params.model_copy(update={"region": region}))
    counts = pl.DataFrame({"country": ["BDI", "KEN"], "overdue": [0, 0], "missing_submission": [2, 1], "total": [2, 1]})
    assert overview.warning_sentences(ctx, counts)[-1] == expected


def test_no_french_preposition_before_a_bare_country_name():
    """French contracts "de"/"à" with the article of a masculine name ("du Burundi", "au
    Kenya"): a msgstr never writes "de {country}", "à {country}" or "en {country}" (the member's
    `in` form or "pour {country}" is used instead)."""
    import re

    from babel.messages.pofile import read_po

    from tflib.i18n import catalog_path

    with catalog_path("fr").open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    bad = re.compile(r"(\b(de|à|en|au|du|des)\s+|d'|l')\{(country|countries|members|name|who)\}")
    found = [s for m in catalog for s in (m.string if isinstance(m.string, tuple) else (m.string,)) if s and bad.search(s)]
    assert found == []


def test_page_titles_with_their_member_follow_the_language():
    """French puts a space before the colon; the catalog, not the code, sets it."""
    from tflib import pages

    assert pages.titled("Logistics", "Kenya", "en") == "Logistics: Kenya"
    assert pages.titled("Logística", "Costa Rica", "es") == "Logística: Costa Rica"
    assert pages.titled("Logistique et douane", "le Kenya", "fr") == "Logistique et douane : le Kenya"
