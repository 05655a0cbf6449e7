"""Release tables: every figure the project publishes travels in one of these.

A `Table` is a tidy polars frame with what a reader needs to use it: a name (unique on its
page, safe as a file name), title, unit, source, an illustrative flag, a description, column
descriptions and the precision of every decimal column. Charts, page tables, per-page
downloads (CSV, Excel, Stata), the bulk export, landing pages and briefs all read tables;
nothing is rebuilt from a chart's spec.

Precision is declared, never guessed: each float column has a number of decimals, which may
vary by row (`PerRow`: the LPI is published to two decimals, its 2023 wave to one). Downloads
write each value as that decimal string ("2.6", "3.34"), so no float noise
("45.09999999999999") ever reaches a file, and pages and briefs format with the same digits.

Tables cross the boundary between a page's kernel and the site engine inside the executed
notebook, as a display output of MIME type `MIME` (`to_payload` / `from_payload`), so the
notebook is the page's one artefact.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl

from .codebook import describe

MIME = "application/vnd.tflib.table+json"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class PerRow:
    """Decimals that vary by row: ``digits[row[column]]``, else `default`."""

    column: str
    digits: Mapping[Any, int]
    default: int

    def of(self, row: Mapping[str, Any]) -> int:
        return self.digits.get(row.get(self.column), self.default)

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "digits": [[k, v] for k, v in sorted(self.digits.items(), key=lambda kv: str(kv[0]))], "default": self.default}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "PerRow":
        return cls(data["column"], {k: v for k, v in data["digits"]}, data["default"])


@dataclass(frozen=True)
class UpTo:
    """As published: each value with the decimals it has, at most `digits` (a source that
    writes 48 and 242.7 in one column; beyond `digits` its copy carries float noise)."""

    digits: int

    def of(self, value: float) -> int:
        text = f"{value:.{self.digits}f}".rstrip("0")
        return len(text.split(".")[1]) if "." in text else 0

    def to_json(self) -> dict[str, Any]:
        return {"up_to": self.digits}


Precision = int | PerRow | UpTo


def precision_from_json(data: Any) -> Precision:
    if isinstance(data, dict):
        return UpTo(data["up_to"]) if "up_to" in data else PerRow.from_json(data)
    return int(data)

# Decimal columns whose meaning is the same wherever they appear (shares are 0 to 1, %
# columns 0 to 100). Reference-data and indicator columns get theirs from `tflib.reference`
# and the indicator catalogue (see `tflib.inputs.standard_precision`).
COMMON_PRECISION: dict[str, int] = {
    "pct_complete": 1,
    "pct": 1,
    "completion": 1,
    "completion_pct": 0,
    "score": 4,
    "score_before": 4,
    "improvement": 4,
    "regional_median": 4,
    "median_others": 4,
    "implementation_rate": 4,
    "on_time_rate": 4,
    "share": 6,
    "score_pct": 1,
    "improvement_pts": 1,
    "share_pct": 1,
    "total_amount": 2,
}


class TableError(ValueError):
    """A table that cannot be published as it is (the message names the table and column)."""


@dataclass(frozen=True)
class Table:
    name: str
    frame: pl.DataFrame
    title: str
    source: str
    unit: str | None = None
    illustrative: bool = False
    description: str | None = None
    precision: Mapping[str, Precision] = field(default_factory=dict)
    columns: Mapping[str, str] = field(default_factory=dict)  # column -> description

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise TableError(f"table {self.name!r}: a name is lower-case letters, digits and _")
        helpers = [c for c in self.frame.columns if c.startswith("_")]
        if helpers:
            object.__setattr__(self, "frame", self.frame.drop(helpers))
        precision = dict(self.precision)
        for col, dtype in self.frame.schema.items():
            if dtype.is_float():
                if col not in precision:
                    if col not in COMMON_PRECISION:
                        raise TableError(f"table {self.name!r}: column {col!r} holds decimals but declares no precision")
                    precision[col] = COMMON_PRECISION[col]
                nan = self.frame[col].is_nan().sum()
                if nan:
                    raise TableError(f"table {self.name!r}: column {col!r} has {nan} NaN value(s); no data is null, never NaN")
        object.__setattr__(self, "precision", {c: p for c, p in precision.items() if c in self.frame.columns})

    # -- precision -------------------------------------------------------------------------

    def digits(self, column: str, row: Mapping[str, Any] | None = None) -> int:
        """Decimals of `column` for `row` (needed when they vary by row or by value)."""
        p = self.precision.get(column)
        if p is None:
            raise TableError(f"table {self.name!r}: column {column!r} has no precision")
        if isinstance(p, int):
            return p
        if row is None:
            raise TableError(f"table {self.name!r}: the decimals of {column!r} vary: pass the row")
        return p.of(row) if isinstance(p, PerRow) else p.of(row[column])

    def fixed(self, column: str) -> int | None:
        """The decimals of `column` when they are the same on every row, else None."""
        p = self.precision.get(column)
        return p if isinstance(p, int) else None

    def decimal_text(self, column: str, value: float | None, row: Mapping[str, Any] | None = None) -> str | None:
        """`value` as its decimal string at the column's precision ("2.6", "3.34"), None for no data."""
        if value is None:
            return None
        return f"{value:.{self.digits(column, {**(row or {}), column: value})}f}"

    def rounded(self) -> pl.DataFrame:
        """The frame with every decimal column rounded to its precision (for numeric cells)."""
        out = self.frame
        for col, p in self.precision.items():
            if isinstance(p, UpTo):
                out = out.with_columns(pl.col(col).round(p.digits))
            elif isinstance(p, PerRow):
                digits = pl.col(p.column).replace_strict(dict(p.digits), default=p.default, return_dtype=pl.Int64)
                rounded = [pl.when(digits == d).then(pl.col(col).round(d)) for d in sorted({*p.digits.values(), p.default})]
                out = out.with_columns(pl.coalesce(rounded).alias(col))
            else:
                out = out.with_columns(pl.col(col).round(p))
        return out

    def text_frame(self) -> pl.DataFrame:
        """Every column as text, as a CSV cell shows it: decimals at their precision, money
        exact, dates ISO 8601, true/false, lists joined by "; ", no data empty (null)."""
        rows = self.frame.to_dicts()
        data: dict[str, list[str | None]] = {}
        for col, dtype in self.frame.schema.items():
            values = self.frame[col].to_list()
            if dtype.is_float():
                data[col] = [self.decimal_text(col, v, r) for v, r in zip(values, rows)]
            else:
                data[col] = [cell_text(v) for v in values]
        return pl.DataFrame(data, schema={c: pl.String for c in self.frame.columns})

    # -- codebook --------------------------------------------------------------------------

    def describe(self, column: str, lang: str) -> str:
        """What `column` means, in `lang` (the table's own text, else the codebook's)."""
        return self.columns.get(column) or describe(column, lang, [self.name]) or ""

    def codebook(self, lang: str) -> pl.DataFrame:
        rows = []
        for col, dtype in self.frame.schema.items():
            p = self.precision.get(col)
            if isinstance(p, PerRow):
                decimals = "; ".join(f"{p.column} {k}: {v}" for k, v in p.digits.items()) + f"; {p.default} otherwise"
            elif isinstance(p, UpTo):
                decimals = f"as published, at most {p.digits}"
            else:
                decimals = "" if p is None else str(p)
            rows.append({"table": self.name, "column": col, "type": kind_of(dtype), "decimals": decimals, "description": self.describe(col, lang)})
        return pl.DataFrame(rows, schema={"table": pl.String, "column": pl.String, "type": pl.String, "decimals": pl.String, "description": pl.String})

    # -- crossing from the kernel to the site --------------------------------------------

    def to_payload(self) -> dict[str, Any]:
        schema = self.frame.schema
        return {
            "name": self.name,
            "title": self.title,
            "source": self.source,
            "unit": self.unit,
            "illustrative": self.illustrative,
            "description": self.description,
            "precision": {c: (p if isinstance(p, int) else p.to_json()) for c, p in self.precision.items()},
            "columns": [{"name": c, "dtype": dtype_name(d), "description": self.columns.get(c)} for c, d in schema.items()],
            "rows": [[json_value(v) for v in row] for row in self.frame.iter_rows()],
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> "Table":
        columns = data["columns"]
        schema = {c["name"]: dtype_from(c["dtype"]) for c in columns}
        values: dict[str, list[Any]] = {c["name"]: [] for c in columns}
        for row in data["rows"]:
            for c, v in zip(columns, row):
                values[c["name"]].append(python_value(v, schema[c["name"]]))
        frame = pl.DataFrame(values, schema=schema)
        precision = {c: precision_from_json(p) for c, p in data["precision"].items()}
        return cls(
            name=data["name"],
            frame=frame,
            title=data["title"],
            source=data["source"],
            unit=data.get("unit"),
            illustrative=bool(data.get("illustrative")),
            description=data.get("description"),
            precision=precision,
            columns={c["name"]: c["description"] for c in columns if c.get("description")},
        )

    def with_frame(self, frame: pl.DataFrame) -> "Table":
        """The same table (metadata) over another frame, e.g. one member's rows."""
        return Table(self.name, frame, self.title, self.source, self.unit, self.illustrative, self.description, self.precision, self.columns)


# ---------------------------------------------------------------------------------------------
# Values


def cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "; ".join("" if v is None else str(v) for v in value)
    if isinstance(value, float):
        raise TableError(f"a decimal value {value!r} reached a text cell without its precision")
    return str(value)


def kind_of(dtype: pl.DataType) -> str:
    """integer, number, boolean, date, datetime, money or text."""
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "number"
    if isinstance(dtype, pl.Decimal):
        return "money"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    return "text"


_DTYPES: dict[str, pl.DataType] = {
    "String": pl.String(),
    "Int64": pl.Int64(),
    "Int32": pl.Int32(),
    "Int8": pl.Int8(),
    "UInt32": pl.UInt32(),
    "Float64": pl.Float64(),
    "Boolean": pl.Boolean(),
    "Date": pl.Date(),
    "Datetime": pl.Datetime("us"),
    "Decimal": pl.Decimal(38, 2),
    "List[String]": pl.List(pl.String),
    "Null": pl.String(),
}


def dtype_name(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.List):
        return "List[String]"
    if isinstance(dtype, pl.Decimal):
        return "Decimal"
    if isinstance(dtype, pl.Datetime):
        return "Datetime"
    name = str(dtype.base_type() if hasattr(dtype, "base_type") else dtype).split("(")[0]
    if name not in _DTYPES:
        raise TableError(f"a column of type {dtype} cannot be published")
    return name


def dtype_from(name: str) -> pl.DataType:
    return _DTYPES[name]


def json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise TableError(f"{value!r} cannot be published")
    return value


def python_value(value: Any, dtype: pl.DataType) -> Any:
    if value is None:
        return None
    if dtype == pl.Date:
        return dt.date.fromisoformat(value)
    if isinstance(dtype, pl.Datetime):
        return dt.datetime.fromisoformat(value)
    if isinstance(dtype, pl.Decimal):
        return Decimal(value)
    if dtype.is_float():
        return float(value)
    return value


def unique_names(tables: Iterable[Table]) -> list[Table]:
    """The tables in order, each name once; the same name with other data is an error."""
    seen: dict[str, Table] = {}
    for tab in tables:
        prev = seen.get(tab.name)
        if prev is None:
            seen[tab.name] = tab
        elif not prev.frame.equals(tab.frame):
            raise TableError(f"two different tables are named {tab.name!r} on one page")
    return list(seen.values())
