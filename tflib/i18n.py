"""Translations and locale-aware formatting.

Messages live in gettext catalogs, ``tflib/locale/<lang>/LC_MESSAGES/tflib.po``, read with
Babel; English is the source language (the msgid). Numbers and dates are formatted with
Babel's CLDR data, so a page in Spanish shows 3,34 and a page in English 3.34.

A message missing from a catalog falls back to English; a test fails if any message used
in the code is missing from a catalog, so the fallback never reaches a page unnoticed.

With ``TFLIB_PSEUDO=1`` in the environment (a pseudo-locale build, for tests only), every
translated text is shown between the markers ⟦ and ⟧: the literal parts of a message (its
``{placeholders}`` stay outside, so the values filled in are checked on their own) and the
per-language texts of the params (`mark`). Any word of a built page outside the markers that is
not a data value then reached the reader without a translation (tests/test_pseudo_locale.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import string
from collections.abc import Callable
from gettext import c2py
from pathlib import Path

from babel.dates import format_date as _format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"


# Languages a region lists without a catalog of their own, and the catalog shown instead
# (region.yaml `language_fallbacks`, declared when the region is loaded).
_FALLBACKS: dict[str, str] = {}


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "tflib.po"


def has_catalog(lang: str) -> bool:
    """Whether the interface can be shown in `lang` (English is the source and needs none)."""
    return lang == SOURCE_LANGUAGE or catalog_path(lang).exists()


def declare_fallback(lang: str, fallback: str) -> None:
    """Show `fallback`'s catalog wherever `lang` is asked for. One choice per process: a second,
    different choice is refused rather than silently changing pages already being rendered."""
    if has_catalog(lang):
        raise ValueError(f"{lang!r} has a catalog ({catalog_path(lang)}): it needs no fallback")
    if not has_catalog(fallback):
        raise ValueError(f"fallback {fallback!r} has no catalog either (missing {catalog_path(fallback)})")
    if _FALLBACKS.get(lang, fallback) != fallback:
        raise ValueError(f"{lang!r} already falls back to {_FALLBACKS[lang]!r} in this process")
    _FALLBACKS[lang] = fallback


def interface_language(lang: str) -> str:
    """The catalog actually used for `lang`: itself, or its declared fallback."""
    return _FALLBACKS.get(lang, lang)


def display_name(code: str, in_lang: str) -> str:
    """The name of language `code` written in `in_lang` ("Vietnamese", "vietnamien")."""
    from babel import Locale

    try:
        return Locale.parse(code).get_display_name(in_lang) or code
    except Exception:  # noqa: BLE001 - an unknown code is shown as it is
        return code


def fallback_notice(lang: str) -> str | None:
    """The notice a page in `lang` carries when its interface is shown in another language."""
    shown = _FALLBACKS.get(lang)
    if shown is None:
        return None
    return t(
        "This page is shown in {language}: no {missing} translation of the interface yet.",
        lang,
        language=display_name(shown, shown),
        missing=display_name(lang, shown),
    )


@functools.cache
def _read(lang: str):
    """The catalog of `lang` as Babel reads it (None for English or without a file)."""
    path = catalog_path(lang)
    if lang == SOURCE_LANGUAGE or not path.exists():
        return None
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


@functools.cache
def _catalog(lang: str) -> dict[str, str]:
    """msgid -> msgstr for `lang` (empty for English). Catalog files are read-only data.
    Plural messages are in `_plurals`."""
    catalog = _read(lang)
    if catalog is None:
        return {}
    return {m.id: m.string for m in catalog if isinstance(m.id, str) and m.id and m.string}


@functools.cache
def _plurals(lang: str) -> tuple[dict[tuple[str, str], tuple[str, ...]], Callable[[int], int]]:
    """(singular, plural) -> the translated forms, and the rule (the catalog's Plural-Forms
    header) that picks a form's index from a count. English: one for 1, the other for the rest."""
    catalog = _read(lang)
    if catalog is None:
        return {}, lambda n: int(n != 1)
    forms = {
        (m.id[0], m.id[1]): tuple(m.string)
        for m in catalog
        if isinstance(m.id, tuple) and len(m.id) == 2 and isinstance(m.string, tuple) and all(m.string)
    }
    return forms, c2py(catalog.plural_expr)


PSEUDO_ENV = "TFLIB_PSEUDO"
OPEN, CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧: in no catalog and no data


def pseudo() -> bool:
    """Whether this is a pseudo-locale build (read each time: a test sets it for one build)."""
    return os.environ.get(PSEUDO_ENV, "") not in ("", "0")


def mark(text: str) -> str:
    """A translated text between the pseudo-locale markers (unchanged outside a pseudo build)."""
    return f"{OPEN}{text}{CLOSE}" if pseudo() and text.strip() else text


def _marked(message: str) -> str:
    """`message` with each literal part between markers and its placeholders left outside."""
    if not pseudo():
        return message
    try:
        parts = list(string.Formatter().parse(message))
    except ValueError:  # not a template: the whole text is literal
        return mark(message)
    out = []
    for literal, name, spec, conversion in parts:
        out.append(mark(literal.replace("{", "{{").replace("}", "}}")))
        if name is not None:
            out.append("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "".join(out)


def N_(message: str) -> str:
    """Mark a message for the catalogs without translating it yet (translated where shown)."""
    return message


def available_languages() -> list[str]:
    return list(_languages())


@functools.lru_cache(maxsize=1)
def _languages() -> tuple[str, ...]:
    # Read once per process: intake asks for every status cell it parses.
    return tuple(sorted([SOURCE_LANGUAGE] + [p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES" / "tflib.po").exists()]))


def gettext(message: str, lang: str) -> str:
    """`message` (English) in `lang`."""
    return _marked(_catalog(_FALLBACKS.get(lang, lang)).get(message, message))


def t(message: str, lang: str, **values: object) -> str:
    """Translate, then fill named placeholders (``{count}``) with already formatted values."""
    text = gettext(message, lang)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, lang: str) -> str:
    """The form of a message for the count `n` in `lang`, by the catalog's plural rule (French
    says "0 objectif manqué", English "0 targets missed"); English where untranslated."""
    forms, rule = _plurals(_FALLBACKS.get(lang, lang))
    found = forms.get((singular, plural))
    if found:
        return _marked(found[min(rule(int(n)), len(found) - 1)])
    return _marked(singular if n == 1 else plural)


def tn(singular: str, plural: str, n: int, lang: str, /, **values: object) -> str:
    """`t` for a sentence whose words agree with the count `n` ("1 crossing", "2 crossings"):
    the form for `n` by the language's plural rule, then the placeholders filled. `n` only
    picks the form: pass the formatted count as a placeholder too (``n=fmt_number(...)``; the
    first four arguments are positional, so a placeholder may be called `n` or `lang`)."""
    text = ngettext(singular, plural, n, lang)
    return text.format(**values) if values else text


def sentence(text: str) -> str:
    """`text` with its first letter capitalised: a sentence that opens with a name form such
    as "the Philippines"."""
    return text[:1].upper() + text[1:]


def fmt_number(value: float | int | None, lang: str, digits: int = 2, no_data: str | None = None) -> str:
    """A number in `lang`'s format; None (no data) becomes the translated 'no data'."""
    if value is None:
        return no_data if no_data is not None else gettext("no data", lang)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=lang)


def fmt_percent(share: float | None, lang: str, digits: int = 0) -> str:
    """A share (0.42) as a percentage in `lang`'s format (42 % / 42%)."""
    if share is None:
        return gettext("no data", lang)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return format_percent(share, format=pattern, locale=lang)


def fmt_date(value: dt.date | None, lang: str, style: str = "medium") -> str:
    if value is None:
        return gettext("no data", lang)
    return _format_date(value, format=style, locale=lang)


def fmt_money(value: float | None, currency: str, lang: str) -> str:
    from babel.numbers import format_currency

    if value is None:
        return gettext("no data", lang)
    return format_currency(value, currency, locale=lang)


def extract_notebook(fileobj, keywords, comment_tags, options):  # pragma: no cover - run by pybabel
    """Babel extractor for notebooks: the Python extractor run over every code cell, so that
    text written in notebooks reaches the catalogs like text in the package."""
    import io
    import json as _json

    from babel.messages.extract import extract_python

    nb = _json.load(fileobj)
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        for lineno, funcname, message, comments in extract_python(io.BytesIO(source.encode("utf-8")), keywords, comment_tags, options):
            yield index * 1000 + lineno, funcname, message, comments
