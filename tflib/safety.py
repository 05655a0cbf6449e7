"""Hostile text: submitted or configured strings that must stay text wherever they go.

Agency names, measure names, notes and file names reach spreadsheets, web pages, Markdown
and PDFs. Each output keeps them as text in its own way (HTML is escaped by the templates
and `tflib.page`, Typst receives them as JSON values, see `tflib.site.brief`); this module
holds what the spreadsheet downloads and the file names need:

- `neutralise_cell`: a text cell that a spreadsheet would read as a formula gets a leading
  single quote (OWASP, "CSV Injection"). Only text cells pass through it; numbers are never
  altered, so -5 stays the number -5.
- `neutralise_frame`: the same for every text column of a frame.
- `safe_filename`: a readable file name with no path, no control characters and none of
  the characters file systems forbid.
- `md_escape`: text shown as text in Markdown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import polars as pl

# A cell starting with one of these is read as a formula (or a DDE call) by Excel, LibreOffice
# and Google Sheets; a tab or carriage return in front of one hides it from naive checks.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

# Characters not allowed in file names on Windows, or path separators anywhere.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
# Device names Windows reserves whatever the extension ("con.csv" cannot be created).
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
FILENAME_MAX = 120  # characters; well under the 255 bytes of common file systems
FILENAME_MAX_BYTES = 200  # UTF-8 bytes, leaving room for the suffixes tflib adds
DEFAULT_FILENAME = "file"

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def neutralise_cell(text: str) -> str:
    """`text` as a spreadsheet shows it as text: a leading ``'`` when it starts with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return; otherwise unchanged. Applying it
    twice changes nothing more."""
    return QUOTE + text if text.startswith(FORMULA_START) else text


def is_text(dtype: pl.DataType) -> bool:
    """Whether a column of `dtype` holds text (the only columns `neutralise_frame` touches)."""
    return dtype in (pl.String, pl.Categorical, pl.Null) or isinstance(dtype, (pl.Categorical, pl.Enum, pl.List, pl.Array))


def neutralise_frame(frame: pl.DataFrame, columns: Iterable[str] | None = None) -> pl.DataFrame:
    """`frame` with `neutralise_cell` applied to every cell of the text columns `columns`
    (default: every String column). Other columns are returned as they are."""
    names = [c for c, d in frame.schema.items() if d == pl.String] if columns is None else list(columns)
    out = []
    for name in names:
        if frame.schema[name] != pl.String:
            raise TypeError(f"column {name!r} is {frame.schema[name]}, not text: only text cells are neutralised")
        values = [None if v is None else neutralise_cell(v) for v in frame[name].to_list()]
        out.append(pl.Series(name, values, dtype=pl.String))
    return frame.with_columns(out) if out else frame


def safe_filename(name: str, max_length: int = FILENAME_MAX, default: str = DEFAULT_FILENAME) -> str:
    """A file name that can be written and shown safely, still readable:
    ``"../../etc/passwd"`` -> ``"passwd"``, ``"C:\\\\x\\\\XXX<1>.csv"`` -> ``"XXX1.csv"``.

    Keeps only the last path part (``/`` or ``\\``), drops control and format characters
    (including bidirectional overrides that disguise an extension), ``<>:"/\\|?*``, leading
    dots and hyphens (``-rf`` reads as a command-line option) and trailing dots or spaces;
    folds runs of white space; prefixes a Windows device
    name (``con``, ``nul``...) with ``_``; cuts to `max_length` characters and
    `FILENAME_MAX_BYTES` UTF-8 bytes, keeping a short extension. Never empty: `default`."""
    text = unicodedata.normalize("NFC", str(name))
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    text = _FORBIDDEN.sub("", text)
    text = " ".join(text.split())
    text = text.lstrip(". -").rstrip(". ")
    if not text:
        return default
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        stem, ext = text, ""
    if stem.split(".")[0].lower() in _RESERVED:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    room = max(1, max_length - len(suffix))
    stem = stem[:room]
    while len((stem + suffix).encode("utf-8")) > FILENAME_MAX_BYTES and len(stem) > 1:
        stem = stem[:-1]
    stem = stem.rstrip(". ") or default
    return stem + suffix


def md_escape(text: object) -> str:
    """Text shown as text in Markdown (and Quarto): markup characters escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
