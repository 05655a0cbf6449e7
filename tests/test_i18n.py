"""Message catalogs: every message the code uses is translated, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from tflib import i18n

PACKAGE = Path(i18n.__file__).parent
KEYWORDS = {"t": None, "gettext": None, "N_": None, "tn": (1, 2)}


def extracted() -> list[str | tuple[str, str]]:
    """Every message the code and notebooks use: a text, or (singular, plural) for `tn`."""
    return [
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(PACKAGE.parent),
            method_map=[("tflib/**.py", "python"), ("notebooks/**.ipynb", "tflib.i18n:extract_notebook")],
            keywords=KEYWORDS,
        )
    ]


def used_messages() -> set[str]:
    return {m for m in extracted() if isinstance(m, str)}


def used_plurals() -> set[tuple[str, str]]:
    return {tuple(m) for m in extracted() if not isinstance(m, str)}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_message_is_translated(lang):
    catalog = i18n._catalog(lang)
    missing = sorted(m for m in used_messages() if m not in catalog)
    assert missing == [], f"untranslated in {lang}: run `make i18n` and fill tflib/locale/{lang}"


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_plural_message_has_all_its_forms(lang):
    forms, _rule = i18n._plurals(lang)
    nplurals = i18n._read(lang).num_plurals
    used = used_plurals()
    assert used, "no tn() message found: is the keyword right?"
    missing = sorted(m for m in used if m not in forms)
    assert missing == [], f"plural messages untranslated in {lang}: run `make i18n` and fill tflib/locale/{lang}"
    for (singular, plural), strings in forms.items():
        assert len(strings) == nplurals and all(strings), (lang, singular)
        # Every form may use the placeholders of the plural msgid, and no others.
        assert all(fields(s) <= fields(plural) for s in strings), (lang, singular, strings)
    # A plural message is never also a plain one (the plain lookup would miss it).
    assert not {s for s, _ in used} & used_messages()


def overdue(days: int) -> dict:
    return {"kind": "overdue", "item_id": "GTM-ADE-S1", "agency_name": "SAT", "due": __import__("datetime").date(2026, 9, 1), "days": days}


@pytest.mark.parametrize(
    "lang, one, two",
    [
        ("en", "GTM-ADE-S1 (SAT) was due on Sep 1, 2026 and is 1 day overdue.", "GTM-ADE-S1 (SAT) was due on Sep 1, 2026 and is 2 days overdue."),
        ("es", "GTM-ADE-S1 (SAT) vencía el 1 sept 2026 y lleva 1 día de atraso.", "GTM-ADE-S1 (SAT) vencía el 1 sept 2026 y lleva 2 días de atraso."),
        ("fr", "GTM-ADE-S1 (SAT) était dû le 1 sept. 2026 et accuse 1 jour de retard.", "GTM-ADE-S1 (SAT) était dû le 1 sept. 2026 et accuse 2 jours de retard."),
    ],
)
def test_a_warning_agrees_with_its_count(lang, one, two):
    from tflib import monitor

    assert monitor.warning_message(overdue(1), lang, None) == one
    assert monitor.warning_message(overdue(2), lang, None) == two


@pytest.mark.parametrize(
    "lang, forms",
    [
        ("en", {0: "0 commitments have", 1: "1 commitment has", 2: "2 commitments have"}),
        ("es", {0: "0 compromisos no tienen", 1: "1 compromiso no tiene", 2: "2 compromisos no tienen"}),
        # French counts 0 as singular (Plural-Forms: n > 1).
        ("fr", {0: "0 engagement n'a", 1: "1 engagement n'a", 2: "2 engagements n'ont"}),
    ],
)
def test_the_plural_rule_is_the_catalogs(lang, forms):
    singular = "{n} commitment has no progress reported (no data: not counted as implemented)."
    plural = "{n} commitments have no progress reported (no data: not counted as implemented)."
    for n, start in forms.items():
        assert i18n.tn(singular, plural, n, lang, n=n).startswith(start)


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_translations_keep_placeholders(lang):
    for msgid, msgstr in i18n._catalog(lang).items():
        assert fields(msgid) == fields(msgstr), (lang, msgid, msgstr)


def test_numbers_and_dates_follow_the_language():
    import datetime as dt

    assert i18n.fmt_number(3.34, "es") == "3,34"
    assert i18n.fmt_number(3.34, "en") == "3.34"
    assert i18n.fmt_number(1234567.5, "en", 1) == "1,234,567.5"
    assert i18n.fmt_number(None, "es") == "sin datos"
    assert i18n.fmt_number(None, "en") == "no data"
    assert i18n.fmt_date(dt.date(2026, 9, 30), "es") == "30 sept 2026"
    assert i18n.fmt_percent(0.42, "en") == "42%"


def test_status_labels_parse_back_in_every_language():
    from tflib.status import STATUSES, label, parse_status

    for lang in i18n.available_languages():
        for code in STATUSES:
            assert parse_status(label(code, lang)) == code
            assert parse_status(label(code, lang).upper()) == code
    with pytest.raises(ValueError, match="not on the status scale"):
        parse_status("almost done")


@pytest.mark.parametrize(
    "lang, regression, missing",
    [
        ("es", "Tiempo de permanencia de la carga en puerto (mediana) empeoró a 5,2 días en T3 2026, desde 1,0 día en el período anterior.",
         "No se recibió informe de avance para mar 2026."),
        ("en", "Port cargo dwell time (median) worsened to 5.2 days in Q3 2026, from 1.0 days the period before.",
         "No progress report was received for Mar 2026."),
    ],
)
def test_a_warning_writes_its_unit_and_period_in_the_language(lang, regression, missing):
    """A Spanish progress page once said "5,2 days en 2026-Q3": the unit and the period code
    as the catalogue and the store write them."""
    from tflib import monitor
    from tflib.params import load_region

    params = load_region("sica")
    row = {"kind": "regression", "indicator_id": "port_dwell_time", "statistic": "median", "crossing_id": None, "direction": None,
           "value": 5.2, "reference": 1.0, "period": "2026-Q3"}
    assert monitor.warning_message(row, lang, params) == regression
    assert monitor.warning_message({"kind": "missing_submission", "period": "2026-03"}, lang, params) == missing


@pytest.mark.parametrize(
    "unit, value, digits, expected",
    [
        ("days", 1, 0, {"en": "1 day", "es": "1 día", "fr": "1 jour"}),
        ("days", 1.5, 1, {"en": "1.5 days", "es": "1,5 días", "fr": "1,5 jour"}),
        ("operators", 46, 0, {"en": "46 operators", "es": "46 operadores", "fr": "46 opérateurs"}),
        ("agencies", 1, 0, {"en": "1 agency", "es": "1 institución", "fr": "1 administration"}),
        ("h", 22, 1, {"en": "22.0 h", "es": "22,0 h", "fr": "22,0 h"}),
    ],
)
def test_units_agree_with_the_number_as_written(unit, value, digits, expected):
    from tflib import units

    assert {lang: units.amount(value, unit, lang, digits) for lang in expected} == expected
    assert units.amount(None, unit, "fr") == "pas de données"
