"""Reporting periods and month ends: the one home of the calendar arithmetic.

A period is written ``YYYY`` (year), ``YYYY-Qn`` (quarter) or ``YYYY-MM`` (month); its
frequency is ``year``, ``quarter`` or ``month``. Everything here is a pure function of dates.
"""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date

from .i18n import t

FREQUENCIES = ("year", "quarter", "month")
_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|\d{2}))?$")


def month_end(day: dt.date) -> dt.date:
    """The last day of `day`'s month."""
    nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of every month from `first`'s month to `last`'s month."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every month end from `start`'s month that falls on or before `end`."""
    return [e for e in (month_end(s) for s in month_starts(start, end)) if e <= end]


def bounds(period: str) -> tuple[dt.date, dt.date]:
    """'2025', '2025-Q3' or '2025-07' -> (first day, last day); ValueError otherwise."""
    m = _PERIOD.match(period.strip())
    if not m:
        raise ValueError(f"{period!r} is not a period (YYYY, YYYY-Qn or YYYY-MM)")
    year, part = int(m.group(1)), m.group(2)
    if part is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if part.startswith("Q"):
        q = int(part[1])
        return dt.date(year, 3 * q - 2, 1), month_end(dt.date(year, 3 * q, 1))
    month = int(part)
    if not 1 <= month <= 12:
        raise ValueError(f"{period!r}: month must be 01-12")
    start = dt.date(year, month, 1)
    return start, month_end(start)


def frequency_of(period: str) -> str:
    bounds(period)
    return "year" if len(period) == 4 else ("quarter" if period[5] == "Q" else "month")


def period_of(day: dt.date, frequency: str) -> str:
    """The period of `frequency` that holds `day`."""
    if frequency == "year":
        return f"{day.year}"
    if frequency == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if frequency == "month":
        return f"{day.year}-{day.month:02d}"
    raise ValueError(f"unknown frequency {frequency!r} ({', '.join(FREQUENCIES)})")


def ending_on(day: dt.date, frequency: str) -> str | None:
    """The period of `frequency` that ends on `day`, if one does."""
    period = period_of(day, frequency)
    return period if bounds(period)[1] == day else None


def following(period: str) -> str:
    """The next period of the same frequency."""
    return period_of(bounds(period)[1] + dt.timedelta(days=1), frequency_of(period))


def sequence(first: dt.date, last: dt.date, frequency: str) -> list[str]:
    """Every period from the one holding `first` to the one holding `last`."""
    out, period = [], period_of(first, frequency)
    while bounds(period)[0] <= last:
        out.append(period)
        period = following(period)
    return out


def complete_between(frequency: str, first: dt.date, as_of: dt.date) -> list[str]:
    """Every period from the one holding `first` to the last one ending on or before `as_of`."""
    return [p for p in sequence(first, as_of, frequency) if bounds(p)[1] <= as_of]


def label(period: str, lang: str) -> str:
    """A period as readers write it: 2025, Q3 2026 (T3 2026), Sep 2026 (sept 2026)."""
    frequency = frequency_of(period)
    if frequency == "year":
        return period
    if frequency == "quarter":
        return t("Q{quarter} {year}", lang, quarter=period[6], year=period[:4])
    return format_date(bounds(period)[0], "MMM y", locale=lang)
