"""The page registry is the one list of pages and the one home of page paths (tflib.pages).

No other module, test or template names a page notebook, writes a page path formula, or lists
page kinds: adding a kind or moving a path is one change, in one place.
"""

from __future__ import annotations

import re
from pathlib import Path

from tflib import pages

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "tflib" / "pages.py"
KIND = "|".join(pages.KINDS)
PATTERNS = {
    "a page notebook's file name": re.compile(r"\b(?!00_)\d\d_[a-z_]+\.ipynb\b"),  # 00_ is the tutorial, not a page
    "a path formula by language": re.compile(r"\{lang\}/|\{lang\}\\"),
    "a region folder formula": re.compile(r"""or\s+["']region["']"""),
    "a path under a page's downloads": re.compile(r"""["']downloads["']\s*/|/downloads/\{"""),
}
KIND_LIST = re.compile(rf"""["']({KIND})["']\s*[,:]\s*["']({KIND})["']\s*[,:]\s*["']({KIND})["']""")


def _files() -> list[Path]:
    found = [p for p in (ROOT / "tflib").rglob("*") if p.suffix in {".py", ".j2", ".js", ".typ"}]
    found += [p for p in (ROOT / "tests").glob("*.py") if p.name != Path(__file__).name]
    return [p for p in found if p != REGISTRY and "__pycache__" not in p.parts]


def test_no_page_list_or_page_path_formula_outside_the_registry():
    offences = []
    for path in _files():
        text = path.read_text(encoding="utf-8")
        for what, pattern in PATTERNS.items():
            offences += [f"{path.relative_to(ROOT)}: {what}: {m.group(0)!r}" for m in pattern.finditer(text)]
        if path.is_relative_to(ROOT / "tflib"):
            offences += [f"{path.relative_to(ROOT)}: a list of page kinds: {m.group(0)!r}" for m in KIND_LIST.finditer(text)]
    assert offences == []


def test_the_patterns_find_what_they_look_for():
    """A positive control: the registry itself matches them (so the test above can fail)."""
    text = REGISTRY.read_text(encoding="utf-8")
    assert PATTERNS["a page notebook's file name"].search(text)
    assert PATTERNS["a path formula by language"].search(text)
    assert KIND_LIST.search('("progress", "logistics", "sme")')
    assert PATTERNS["a region folder formula"].search('x = country or "region"')
