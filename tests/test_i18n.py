"""Message catalogs: every message the code uses is translated, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from tflib import i18n

PACKAGE = Path(i18n.__file__).parent
KEYWORDS = {"t": None, "gettext": None, "N_": None}


def used_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE.parent),
        method_map=[("tflib/**.py", "python"), ("notebooks/**.ipynb", "tflib.i18n:extract_notebook")],
        keywords=KEYWORDS,
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_message_is_translated(lang):
    catalog = i18n._catalog(lang)
    missing = sorted(m for m in used_messages() if m not in catalog)
    assert missing == [], f"untranslated in {lang}: run `make i18n` and fill tflib/locale/{lang}"


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
