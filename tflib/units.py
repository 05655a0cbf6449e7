"""Units of the indicator catalogue (`unit:` in indicators.yaml) as readers read them.

The catalogue writes a unit as a code: ``h``, ``days``, ``%``, a currency (``USD``), or a
count (``agencies``, ``operators``). A value with its unit ("5,2 días", "46 opérateurs") and a
unit as a label (an axis title) come from the catalogs here; a unit tflib does not know is
shown as the catalogue writes it.
"""

from __future__ import annotations

from decimal import Decimal

import pycountry
from babel import Locale

from .i18n import N_, fmt_money, fmt_number, fmt_percent, gettext, t, tn

# code -> a value with the unit, in the form the count `n` takes.
AMOUNTS = {
    "h": lambda n, lang, value: t("{value} h", lang, value=value),
    "days": lambda n, lang, value: tn("{value} day", "{value} days", n, lang, value=value),
    "agencies": lambda n, lang, value: tn("{value} agency", "{value} agencies", n, lang, value=value),
    "operators": lambda n, lang, value: tn("{value} operator", "{value} operators", n, lang, value=value),
}
# code -> the unit as a label (axis titles, table headings).
LABELS = {
    "h": N_("hours"),
    "days": N_("days"),
    "agencies": N_("number of agencies"),
    "operators": N_("number of operators"),
}


def _count(value: float, digits: int, lang: str) -> int:
    """A count that picks the form `value` shown with `digits` decimals takes in `lang`, by
    CLDR's rule for the number as written ("1 day", "1.0 days", "1,5 jour")."""
    try:
        category = Locale.parse(lang).plural_form(Decimal(f"{abs(value):.{digits}f}"))
    except Exception:  # noqa: BLE001 - an unknown locale takes the plural
        category = "other"
    return 1 if category == "one" else 5


def is_currency(unit: str) -> bool:
    return pycountry.currencies.get(alpha_3=unit) is not None


def amount(value: float | None, unit: str, lang: str, digits: int = 1) -> str:
    """`value` with its unit in `lang` ("5.2 days", "5,2 días", "46 opérateurs"); no data
    stays no data."""
    if value is None:
        return gettext("no data", lang)
    if unit == "%":
        return fmt_percent(value / 100, lang, digits)
    if is_currency(unit):
        return fmt_money(value, unit, lang)
    number = fmt_number(value, lang, digits)
    if unit in AMOUNTS:
        return AMOUNTS[unit](_count(value, digits, lang), lang, number)
    return f"{number} {unit}"


def label(unit: str, lang: str) -> str:
    """The unit as a label in `lang` ("days", "días"; a currency or % as written)."""
    return t(LABELS[unit], lang) if unit in LABELS else unit
