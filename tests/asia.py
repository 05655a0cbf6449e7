"""A temporary Asian region for tests of what params alone must handle: archipelagos (the
Philippines, Indonesia) on the maps and a landlocked member (Mongolia), with country-name forms."""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import write_small_region
from projects import make_project
from tflib.paths import Project

REGION = "asia_test"
# The small region's members, renamed: SEN -> PHL, CIV -> IDN, BFA (landlocked) -> MNG.
RENAMED = {"SEN": "PHL", "CIV": "IDN", "BFA": "MNG"}


def make_asia_project(
    root: Path, *, region_map: dict | None = None, names: dict[str, dict] | None = None, comparators: list[str] | None = None
) -> Project:
    """A project holding SICA and `asia_test` (PHL, IDN, MNG; en, fr, es). `region_map` is
    region.yaml's `map`; `names` maps ISO3 to the `names` key of that member's file."""
    proj = make_project(root)
    write_small_region(root, region_id=REGION, languages=("en", "fr", "es"))
    folder = root / "params" / "regions" / REGION
    path = folder / "region.yaml"
    region = yaml.safe_load(path.read_text(encoding="utf-8"))
    region["members"] = [{"iso3": new, "party": True} for new in RENAMED.values()]
    region["border_crossings"] = [
        {
            "id": "zamiin-uud-erenhot",
            "name": "Zamiin-Uud – Erenhot",
            "countries": ["MNG", "CHN"],
            "posts": {"MNG": "Zamiin-Uud", "CHN": "Erenhot"},
        }
    ]
    if comparators is not None:
        region["comparators"] = comparators
    if region_map is not None:
        region["map"] = region_map
    path.write_text(yaml.safe_dump(region, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for old, new in RENAMED.items():
        src = folder / "countries" / f"{old}.yaml"
        data = yaml.safe_load(src.read_text(encoding="utf-8"))
        data["iso3"] = new
        if names and new in names:
            data["names"] = names[new]
        src.unlink()
        (folder / "countries" / f"{new}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return proj
