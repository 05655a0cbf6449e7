"""No region knowledge in the library: a region is params alone.

Every text file under tflib/ (code, templates, assets, translation catalogs) is searched for
every member and comparator ISO3 code of every region under params/regions/ (whole words,
case-sensitive), and for the regions' ids, names and secretariats, and the names of the first
region the project was set up for. There is no allow-list: a hit is a fault, reported with its
file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

from tflib.params import available_regions, load_region

from projects import REPO

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "tflib"
# Names of the region tflib was first set up for, whatever regions params/ holds now.
FIRST_REGION_NAMES = ["SICA", "SIECA", "Centroamérica", "Central America", "Centroamericana", "FYDUCA", "DUCA"]


def _terms() -> tuple[set[str], set[str]]:
    """(ISO3 codes, case-sensitive; names, ids and secretariats, case-insensitive)."""
    codes: set[str] = set()
    names: set[str] = set(FIRST_REGION_NAMES)
    for region in available_regions(REPO):
        params = load_region(region, REPO)
        codes |= set(params.region.member_codes) | set(params.region.comparators)
        names |= {params.region.id, params.region.secretariat, *params.region.name.values()}
    return codes, {n for n in names if n.strip()}


def pattern(codes: set[str], names: set[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    def words(items: set[str]) -> str:
        return "|".join(re.escape(i) for i in sorted(items, key=len, reverse=True))

    # A word ends at anything but a letter or digit: `_` too, so identifiers are searched
    # part by part (SOURCE_X, x_trade).
    edge_before, edge_after = r"(?<![^\W_])", r"(?![^\W_])"
    return (
        re.compile(rf"{edge_before}(?:{words(codes)}){edge_after}"),
        re.compile(rf"{edge_before}(?:{words(names)}){edge_after}", re.IGNORECASE),
    )


def _text_files(folder: Path) -> list[Path]:
    out = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary (compiled catalogs, fonts, images)
        out.append(path)
    return out


def hits(folder: Path, codes: set[str], names: set[str]) -> list[str]:
    by_code, by_name = pattern(codes, names)
    found = []
    for path in _text_files(folder):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for rx in (by_code, by_name):
                for m in rx.finditer(line):
                    found.append(f"{path.relative_to(folder.parent)}:{n}: {m.group(0)!r}: {line.strip()[:120]}")
    return found


def test_the_terms_come_from_every_region_in_params():
    codes, names = _terms()
    for region in available_regions(REPO):
        params = load_region(region, REPO)
        assert set(params.region.member_codes) <= codes and set(params.region.comparators) <= codes
        assert params.region.id in names and params.region.secretariat in names


def test_the_search_finds_a_planted_hit(tmp_path):
    codes, names = _terms()
    code, name = sorted(codes)[0], sorted(names)[0]
    lib = tmp_path / "tflib"
    (lib / "site").mkdir(parents=True)
    (lib / "ok.py").write_text(f"x = 1  # {code.lower()} {code}X X{code} {name}s\n", encoding="utf-8")
    (lib / "site" / "page.html").write_text(f"<p>one\n({code}) and {name.upper()}_x.</p>\n", encoding="utf-8")
    (lib / "binary.mo").write_bytes(b"\xff\xfe\x00" + code.encode())
    found = hits(lib, codes, names)
    assert len(found) == 2, found
    assert found[0].startswith("tflib/site/page.html:2: ") and f"'{code}'" in found[0]
    assert found[1].startswith("tflib/site/page.html:2: ") and repr(name.upper()) in found[1]


def test_no_region_knowledge_in_the_library():
    codes, names = _terms()
    found = hits(LIBRARY, codes, names)
    assert not found, f"{len(found)} mention(s) of a region in tflib/ (params are the one home of a region):\n" + "\n".join(found)
