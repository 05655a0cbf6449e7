"""Read the charts of an executed notebook and check every value drawn against its loader.

A chart declares how to check it in ``usermeta.tflib.check`` (see tflib.charts.check_spec):
the loader (a tflib function returning a tidy frame), its keyword arguments, the keys that
join a chart row to a loader row, and the value fields to compare. Every chart row must find
its loader row and carry the same value (nulls included: "no data" is never 0).
"""

from __future__ import annotations

import math
from typing import Any

import nbformat
import polars as pl

import tflib
from tflib import scores


def chart_specs(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    specs = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            for mime, value in out.get("data", {}).items():
                if mime.startswith("application/vnd.vegalite"):
                    specs.append(value)
    return specs


def chart_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of every inline dataset of the chart (layers included), TopoJSON left out."""
    rows: list[dict[str, Any]] = []
    for values in (spec.get("datasets") or {}).values():
        if isinstance(values, list):
            rows.extend(v for v in values if isinstance(v, dict))
    return rows


def _loader(name: str, region: str, project: Any, as_of: Any, args: dict[str, Any]) -> pl.DataFrame:
    key = (name, region, str(project), str(as_of), tuple(sorted(args.items())))
    if key not in _LOADED:
        _LOADED[key] = _load(name, region, project, as_of, args)
    return _LOADED[key]


# The loaders' frames, read once per test process: charts are checked by the hundred.
_LOADED: dict[tuple, pl.DataFrame] = {}


def _load(name: str, region: str, project: Any, as_of: Any, args: dict[str, Any]) -> pl.DataFrame:
    if name == "lpi":
        return tflib.lpi(project)
    if name == "doing_business":
        return tflib.doing_business(project, **args)
    if name == "indicators":
        return tflib.indicators(region, project=project, **args)
    if name == "progress":
        return tflib.progress(region, as_of=as_of, project=project, **args)
    if name == "action_items":
        return tflib.action_items(region, project=project, **args)
    if name == "scores":
        return scores.scores(region, as_of=as_of, project=project)
    if name == "trade":
        return tflib.trade(args["path"], project)
    raise KeyError(f"unknown loader {name!r}")


_ISO_DATE = __import__("re").compile(r"^\d{4}-\d{2}-\d{2}")


def _norm(value: Any) -> Any:
    """Dates compare as YYYY-MM-DD on both sides (charts carry them as ISO text)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value[:10]
    return value


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return _norm(a) == _norm(b)


def check_chart(spec: dict[str, Any], region: str, project: Any, as_of: Any) -> int:
    """Check one chart; returns the number of values compared. Raises AssertionError."""
    meta = (spec.get("usermeta") or {}).get("tflib") or {}
    check = meta.get("check")
    title = spec.get("title", {}).get("text") if isinstance(spec.get("title"), dict) else spec.get("title")
    assert check is not None, f"chart {title!r} declares no check"
    if check.get("loader") is None:
        assert check.get("why"), f"chart {title!r}: a chart without a loader check must say why"
        return 0
    loader = _loader(check["loader"], region, project, as_of, check.get("args", {}))
    for field, value in (check.get("filter") or {}).items():
        loader = loader.filter(pl.col(field).is_in(value) if isinstance(value, list) else pl.col(field) == value)
    keys: dict[str, str] = check["key"]
    values: dict[str, str] = check["value"]
    scale = check.get("scale", 1)
    index: dict[tuple, dict[str, Any]] = {}
    for row in loader.iter_rows(named=True):
        k = tuple(_norm(row[lk]) for lk in keys.values())
        index[k] = row
    compared = 0
    rows = [r for r in chart_rows(spec) if all(ck in r for ck in keys)]
    assert rows, f"chart {title!r}: no data rows with keys {list(keys)}"
    for r in rows:
        k = tuple(_norm(r[ck]) for ck in keys)
        assert k in index, f"chart {title!r}: row {k} not in loader {check['loader']}"
        for cv, lv in values.items():
            if cv not in r:
                continue
            expected = index[k][lv]
            expected = expected * scale if isinstance(expected, (int, float)) and expected is not None else expected
            assert _same(r[cv], expected), f"chart {title!r}: {k} {cv}={r[cv]!r} but loader {lv}={expected!r}"
            compared += 1
    return compared


# Keys whose string values are Vega expressions.
EXPRESSION_KEYS = ("calculate", "filter", "expr", "test")


def strings_under(spec: Any, keys: tuple[str, ...], skip: tuple[str, ...] = ("datasets", "data")) -> list[str]:
    """Every string (or string in a list) held under one of `keys` anywhere in a chart spec,
    not looking inside `skip`."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in keys and isinstance(v, (str, list)):
                    found.extend([v] if isinstance(v, str) else [x for x in v if isinstance(x, str)])
                elif k not in skip:
                    walk(v)
        elif isinstance(node, list):
            for x in node:
                walk(x)

    walk(spec)
    return found


def expressions(spec: Any) -> list[str]:
    """Every Vega expression string in a chart spec (transforms, conditions, ExprRefs)."""
    return strings_under(spec, EXPRESSION_KEYS)


def literal_problem(expr: str) -> str | None:
    """Why a Vega expression's string literals are malformed (None if they are well formed): a
    quote inside an unescaped literal ends it early and what follows is parsed as code, the
    browser's "Unexpected identifier"; an unclosed literal is an error too."""
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c in "'\"":
            j = i + 1
            while j < n and expr[j] != c:
                j += 2 if expr[j] == "\\" else 1
            if j >= n:
                return f"unclosed string literal from position {i}: {expr[i:i + 40]!r}"
            k = j + 1
            while k < n and expr[k] == " ":
                k += 1
            if k < n and (expr[k].isalnum() or expr[k] in "_'\""):
                return f"string literal {expr[i:j + 1]!r} followed by {expr[k:k + 20]!r}"
            i = j + 1
        else:
            i += 1
    return None
