"""tflib — Trade Facilitation Reform Tracker.

A few obvious calls give an economist everything as polars frames (``.to_pandas()`` works)::

    import tflib
    params = tflib.region()              # validated params of the default region (or region("<id>"))
    tflib.members()                      # ISO3, name, party, language
    tflib.measures(lang="en")            # the strategy's measures
    tflib.progress(country="<ISO3>")     # a member's action items and progress
    tflib.indicators(indicator="<indicator id>")  # ids: params.indicators.ids
    tflib.lpi(), tflib.doing_business()  # real World Bank reference data

Every call takes the region first (an id under params/regions/); left out, it is the
project's default region (``TFLIB_REGION``, else ``default_region`` in params/project.yaml).

Tracker data shipped with the project is ILLUSTRATIVE (made by a seeded generator): every
frame has an ``illustrative`` column so it can be labelled as such.
"""

__version__ = "0.1.0"

import sys as _sys

# jsonschema checks the "iri" string format with rfc3987-syntax when it is installed
# (jupyter-events pulls it in), and that module compiles a grammar when imported: about
# 2.7 s of CPU in every process and kernel that imports Altair or nbformat. Nothing tflib
# validates uses that format, so its processes go without it.
_sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from .params import ParamsError, RegionParams, available_regions, load_region
from .paths import Project
from .reference import boundaries, boundary_ids, doing_business, lpi, trade
from .status import STATUSES
from .tracker import action_items, counts, indicators, measures, members, progress, submissions


def region(name: str | None = None, project=None) -> RegionParams:
    """The region's validated params (members, languages, strategy, indicator catalogue)."""
    return load_region(name, project)


__all__ = [
    "Project",
    "ParamsError",
    "RegionParams",
    "STATUSES",
    "action_items",
    "available_regions",
    "boundaries",
    "boundary_ids",
    "counts",
    "doing_business",
    "indicators",
    "load_region",
    "lpi",
    "measures",
    "members",
    "progress",
    "region",
    "submissions",
    "trade",
]
