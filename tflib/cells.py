"""Reading one submitted cell as the sender meant it, or refusing to guess.

A cell may be ambiguous: ``1,250`` is 1.25 where a decimal comma is written and 1250 where a
comma groups thousands; ``0.45`` in a percentage column may be 0.45 % or the fraction 45 %;
``03/04/2026`` is 3 April or 4 March. Such a value is read only when a declaration settles it
(`Conventions`: the submission's, then the member's file, then the region's); otherwise the
row is quarantined with a message that says how to fix it. Unambiguous spellings are read
whatever is declared, except where they contradict the declaration: then the row is
quarantined too, because one of the two is wrong.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

NUMBER_LOCALES = ("decimal_point", "decimal_comma")
DATE_ORDERS = ("dmy", "mdy")
PERCENT_SCALES = ("percent", "fraction")
# Longest text a cell may hold: notes are a few sentences; anything longer is a mistake.
MAX_TEXT = 10_000
# Excel's serial dates for 2000-01-01 .. 2099-12-31: a plain number here was a date cell.
_SERIAL_RANGE = (36526, 73050)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class CellError(ValueError):
    """A cell that cannot be read as the sender meant it: `rule` is a tflib.rules id."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True, slots=True)
class PercentCell:
    """A number stored as a fraction in a workbook cell formatted as a percentage: the sender
    saw (and meant) ``fraction * 100`` %."""

    fraction: float


@dataclass(frozen=True, slots=True)
class FormulaCell:
    """A workbook cell holding a formula whose value was never computed (saved by a tool that
    does not calculate): there is no value to read."""

    formula: str


@dataclass(frozen=True)
class Conventions:
    """How a sender writes numbers, dates and percentages in text cells, each with where it
    was declared (for messages). None where nothing is declared."""

    number_locale: str | None = None
    date_order: str | None = None
    percent_scale: str | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def over(self, general: "Conventions") -> "Conventions":
        """These declarations where made, `general`'s elsewhere (the more specific wins)."""
        merged: dict[str, Any] = {}
        sources = dict(general.sources)
        for key in ("number_locale", "date_order", "percent_scale"):
            mine = getattr(self, key)
            merged[key] = mine if mine is not None else getattr(general, key)
            if mine is not None:
                sources[key] = self.sources.get(key, "")
        return Conventions(**merged, sources=sources)

    def where(self, key: str) -> str:
        source = self.sources.get(key)
        return f" (declared in {source})" if source else ""


def declared(source: str, **values: str | None) -> Conventions:
    """Conventions from one place (`source`, e.g. a params file), checked against the allowed values."""
    allowed = {"number_locale": NUMBER_LOCALES, "date_order": DATE_ORDERS, "percent_scale": PERCENT_SCALES}
    for key, value in values.items():
        if value is not None and value not in allowed[key]:
            raise ValueError(f"{source}: {key}: {value!r} is not one of {', '.join(allowed[key])}")
    return Conventions(**values, sources={k: source for k, v in values.items() if v is not None})


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A cell as text: whole floats without '.0' (Excel stores 7 as 7.0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, PercentCell):
        return f"{_clean(value.fraction * 100):g} %"
    _formula(value)
    out = str(value).strip()
    if len(out) > MAX_TEXT:
        raise CellError("too_long", f"the cell holds {len(out):,} characters; at most {MAX_TEXT:,} are accepted")
    return out


def _clean(number: float) -> float:
    """Drop binary noise from arithmetic on a decimal input (0.45 * 100 = 45.00000000000001)."""
    return float(f"{number:.12g}")


# ---------------------------------------------------------------------------------------------
# Numbers

_SPACES = re.compile(r"[\s\u00a0\u202f']")  # spaces, no-break spaces and Swiss apostrophes group digits
_PLAIN_INT = re.compile(r"\d+")
_GROUPED = {",": re.compile(r"[1-9]\d{0,2}(,\d{3})+"), ".": re.compile(r"[1-9]\d{0,2}(\.\d{3})+")}
_DECIMAL = {",": re.compile(r"\d*,\d+"), ".": re.compile(r"\d*\.\d+")}
_SCIENTIFIC = re.compile(r"\d+(\.\d+)?[eE][+-]?\d+")
_AMBIGUOUS_ONE_GROUP = re.compile(r"[1-9]\d{0,2}[.,]\d{3}")


def _formula(value: Any) -> None:
    if isinstance(value, FormulaCell):
        raise CellError(
            "formula_no_value",
            f"the cell holds the formula {value.formula} but no computed value; open the file in Excel, let it calculate and save it (or paste the values)",
        )


def number(value: Any, conv: Conventions, percent: bool = False) -> float:
    """A number from a cell. `percent`: the column is a percentage (0-100)."""
    _formula(value)
    if isinstance(value, bool):
        raise CellError("not_a_number", f"{value!r} is not a number")
    if isinstance(value, PercentCell):
        if not percent:
            raise CellError("not_a_number", f"{text(value)!r} is a percentage, but this column is not")
        return _finite(_clean(value.fraction * 100), value)
    if isinstance(value, (int, float)):
        return _scaled(_finite(float(value), value), conv, percent)
    raw = text(value)
    body = _SPACES.sub("", raw)
    had_sign = False
    if percent and body.endswith("%"):
        body, had_sign = body[:-1], True
    sign = 1.0
    if body[:1] in ("-", "+", "\u2212"):
        sign, body = (-1.0 if body[0] != "+" else 1.0), body[1:]
    parsed = _number_text(body, raw, conv)
    result = _finite(sign * parsed, raw)
    return result if had_sign else _scaled(result, conv, percent)


def _finite(number: float, shown: Any) -> float:
    if math.isnan(number) or math.isinf(number):
        raise CellError("not_a_number", f"{text(shown)!r} is not a finite number")
    return number


def _number_text(body: str, raw: str, conv: Conventions) -> float:
    locale = conv.number_locale
    if _PLAIN_INT.fullmatch(body):
        return float(body)
    if _SCIENTIFIC.fullmatch(body):  # as spreadsheets export very large or small numbers
        _agrees(raw, "decimal_point", conv) if "." in body else None
        return float(body)
    if _AMBIGUOUS_ONE_GROUP.fullmatch(body):
        sep = "," if "," in body else "."
        if locale is None:
            raise CellError(
                "ambiguous_number",
                f"{raw!r} could be {float(body.replace(sep, '.')):g} or {body.replace(sep, '')}; "
                "write it without a thousands separator, or declare number_locale (decimal_point or decimal_comma)",
            )
        decimal = "." if locale == "decimal_point" else ","
        return float(body.replace(sep, ".")) if sep == decimal else float(body.replace(sep, ""))
    has_comma, has_point = "," in body, "." in body
    if has_comma and has_point:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        group = "." if decimal == "," else ","
        whole, _, frac = body.rpartition(decimal)
        if not _GROUPED[group].fullmatch(whole) or not frac.isdigit():
            raise CellError("not_a_number", f"{raw!r} is not a number")
        _agrees(raw, "decimal_comma" if decimal == "," else "decimal_point", conv)
        return float(whole.replace(group, "") + "." + frac)
    for sep in (",", "."):
        if sep not in body:
            continue
        if body.count(sep) > 1:  # only a thousands separator repeats
            if not _GROUPED[sep].fullmatch(body):
                raise CellError("not_a_number", f"{raw!r} is not a number")
            _agrees(raw, "decimal_point" if sep == "," else "decimal_comma", conv)
            return float(body.replace(sep, ""))
        if _DECIMAL[sep].fullmatch(body):
            _agrees(raw, "decimal_comma" if sep == "," else "decimal_point", conv)
            return float(body.replace(",", "."))
    raise CellError("not_a_number", f"{raw!r} is not a number")


def _agrees(raw: str, written: str, conv: Conventions) -> None:
    if conv.number_locale is not None and conv.number_locale != written:
        example = "1250.5 or 1,250.5" if conv.number_locale == "decimal_point" else "1250,5 or 1.250,5"
        raise CellError(
            "number_locale",
            f"{raw!r} is written with a {written.replace('_', ' ')}, but numbers here use a "
            f"{conv.number_locale.replace('_', ' ')}{conv.where('number_locale')}, e.g. {example}",
        )


def _scaled(value: float, conv: Conventions, percent: bool) -> float:
    """A percentage column's value on the 0-100 scale."""
    if not percent:
        return value
    if conv.percent_scale == "fraction":
        if not 0 <= value <= 1:
            raise CellError("ambiguous_percent", f"{value:g} is not a fraction between 0 and 1, as percentages here are written{conv.where('percent_scale')}")
        return _clean(value * 100)
    if conv.percent_scale is None and 0 < abs(value) < 1:
        raise CellError(
            "ambiguous_percent",
            f"{value:g} could be {value:g} % or the fraction {_clean(value * 100):g} %; write {_clean(value * 100):g} "
            f"(or '{value:g} %'), or declare percent_scale (percent or fraction)",
        )
    return value


# ---------------------------------------------------------------------------------------------
# Dates

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?")
_YMD = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_DAY_FIRST_OR_MONTH_FIRST = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})")


def date(value: Any, conv: Conventions) -> dt.date:
    """A calendar date from a cell."""
    _formula(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError("serial_date", _serial_message(value))
    raw = text(value)
    if _PLAIN_INT.fullmatch(raw) and _SERIAL_RANGE[0] <= int(raw) <= _SERIAL_RANGE[1]:
        raise CellError("serial_date", _serial_message(int(raw)))
    match = _ISO.fullmatch(raw) or _YMD.fullmatch(raw)
    if match:
        return _make(raw, int(match[1]), int(match[2]), int(match[3]))
    match = _DAY_FIRST_OR_MONTH_FIRST.fullmatch(raw)
    if match:
        first, second, year = int(match[1]), int(match[3]), match[4]
        if len(year) == 2:
            raise CellError("bad_date", f"{raw!r} has a two-digit year; write the date as YYYY-MM-DD")
        if first == second:
            return _make(raw, int(year), first, second)
        order = conv.date_order
        written = "dmy" if first > 12 else "mdy" if second > 12 else None
        if written is None and order is None:
            raise CellError(
                "ambiguous_date",
                f"{raw!r} could be {_name(int(year), second, first)} or {_name(int(year), first, second)}; "
                "write the date as YYYY-MM-DD, or declare date_order (dmy or mdy)",
            )
        if written is not None and order is not None and written != order:
            raise CellError(
                "date_order",
                f"{raw!r} cannot be {order.upper()}, the order of dates here{conv.where('date_order')}; write it as YYYY-MM-DD",
            )
        order = written or order
        day, month = (first, second) if order == "dmy" else (second, first)
        return _make(raw, int(year), month, day)
    raise CellError("bad_date", f"{raw!r} is not a date in the form YYYY-MM-DD")


def _make(raw: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError("bad_date", f"{raw!r} is not a calendar date") from None


def _name(year: int, month: int, day: int) -> str:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return "an invalid date"


def _serial_message(serial: float) -> str:
    shown = int(serial) if float(serial).is_integer() else serial
    if _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        meant = (_EXCEL_EPOCH + dt.timedelta(days=int(serial))).isoformat()
        return f"{shown} is a number, not a date (as an Excel date serial it would be {meant}); format the cells as dates or write YYYY-MM-DD"
    return f"{shown} is a number, not a date; write YYYY-MM-DD"


# ---------------------------------------------------------------------------------------------
# Yes/no


_TRUE = {"true", "1", "yes", "y", "sí", "si", "oui", "x", "verdadero", "vrai"}
_FALSE = {"false", "0", "no", "n", "non", "falso", "faux"}


def boolean(value: Any) -> bool:
    _formula(value)
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE or raw == "":
        return False
    raise CellError("bad_boolean", f"{text(value)!r} is not true/false")
