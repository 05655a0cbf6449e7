"""The page registry: every kind of report page, and the one address scheme of pages.

A page kind is one notebook and one analysis module, about one member or the whole region,
with the named tables it reads (`tflib.inputs`). The dimension page kinds (logistics, sme,
corridors, digital) each present one dimension of the region's strategy: the dimension that
names the kind in `page:` (default: the dimension whose id is the kind). Such a kind exists
for a region only if a dimension maps to it and that dimension has at least one catalogue
indicator or strategy measure; it shows exactly the catalogue indicators of that dimension,
and its title is the dimension's name. The other kinds have fixed, translated titles. A kind
may apply to some members only (a predicate over params: a member without a land-border
crossing has no corridor page). `page_title` is the one title of a page kind everywhere.
A page is a kind for one member (or the region) in one language: its `Address` derives every
path of the page, in the build's work folder and on the site. The build, both site engines,
the briefs and the tests read this module; no other list of pages or path formula exists.

Adding a page kind: write `notebooks/NN_<name>.ipynb` (parameters region, country, lang,
as_of, inputs) and `tflib/analysis/<name>.py`, then add a `PageKind` below naming the tables
it reads. The loader refuses any table a page did not declare, so the declaration is the whole
truth about when the page must re-run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .i18n import N_, t
from .params import Dimension, RegionParams
from .paths import Project

Scope = Literal["member", "region"]
REGION_FOLDER = "region"
# Site pages that are not report pages (one per language).
SITE_PAGES = ("methods", "glossary", "cite", "changes", "search")


def _always(params: RegionParams, iso3: str) -> bool:
    return True


def _has_land_crossing(params: RegionParams, iso3: str) -> bool:
    return any(iso3 in c.countries for c in params.region.border_crossings)


def _impact_indicators(params: RegionParams) -> list[str]:
    from .analysis.impact import load_impact

    return sorted({ch.indicator for ch in load_impact(params, check_file=False).channels})


@dataclass(frozen=True)
class PageKind:
    name: str
    notebook: str
    scope: Scope
    tables: tuple[str, ...]  # the named tables the page reads (tflib.inputs.TABLES)
    title: str | None = None  # message id of a fixed title (None: the dimension's name)
    peers: tuple[str, ...] = ()  # of those, the ones read for every member, not only the page's
    # True for the kinds that present one strategy dimension (see the module docstring).
    presents_dimension: bool = False
    applies: Callable[[RegionParams, str], bool] = _always
    # Message id saying why a member the predicate leaves out has no such page ({country}).
    not_applicable: str | None = None
    indicator_ids: Callable[[RegionParams], list[str]] | None = None  # default: the dimension's

    @property
    def module(self) -> str:
        return f"tflib.analysis.{self.name}"

    def dimension(self, params: RegionParams) -> Dimension | None:
        """The strategy dimension this kind presents in the region (None: none, or not a dimension kind)."""
        return params.strategy.dimension_on(self.name) if self.presents_dimension else None

    def indicators(self, params: RegionParams) -> list[str]:
        """The catalogue indicators this kind shows."""
        if self.indicator_ids is not None:
            return self.indicator_ids(params)
        dim = self.dimension(params)
        if dim is None:
            return []
        return [i.id for i in params.indicators.indicators if i.dimension == dim.id]

    def measures(self, params: RegionParams) -> list[str]:
        """The strategy's measures this kind shows (every measure when it presents no dimension)."""
        if not self.presents_dimension:
            return [m.id for m in params.measures]
        dim = self.dimension(params)
        return [] if dim is None else [m.id for m in params.measures if m.dimension == dim.id]

    def absent_why(self, params: RegionParams) -> str | None:
        """Why the region has no page of this dimension kind at all (None: it may have some)."""
        if not self.presents_dimension:
            return None
        dim = self.dimension(params)
        if dim is None:
            return f"no dimension of its strategy has page {self.name!r} (strategy.yaml dimensions[].page, default: the id)"
        if not self.indicators(params) and not self.measures(params):
            return f"its dimension {dim.id!r} has no indicator in the catalogue and no measure in the strategy"
        return None

    def exists_for(self, params: RegionParams, member: str | None) -> bool:
        if self.absent_why(params) is not None:
            return False
        if self.scope == "region":
            return member is None
        return member is not None and self.applies(params, member)


KINDS: dict[str, PageKind] = {
    k.name: k
    for k in (
        PageKind(
            "progress", "01_progress.ipynb", "member", title=N_("Implementation progress"),
            tables=("action_items", "progress_history", "score_series", "early_warnings", "last_report"),
            peers=("score_series",),
        ),
        PageKind(
            "logistics", "02_logistics.ipynb", "member",
            tables=("indicators", "lpi", "doing_business", "last_report"),
            peers=("indicators",), presents_dimension=True,
        ),
        PageKind(
            "sme", "03_sme.ipynb", "member",
            tables=("indicators", "measure_status", "action_items", "progress_current", "doing_business", "last_report"),
            peers=("indicators", "measure_status"), presents_dimension=True,
        ),
        PageKind(
            "corridors", "04_corridors.ipynb", "member",
            tables=("indicators", "measure_status", "doing_business", "last_report", "lldc"),
            presents_dimension=True, applies=_has_land_crossing,
            not_applicable=N_("No corridor page: no land-border crossing of {country} is monitored."),
        ),
        PageKind(
            "digital", "05_digital.ipynb", "member",
            tables=("indicators", "measure_status", "action_items", "progress_current", "last_report"),
            peers=("indicators", "measure_status"), presents_dimension=True,
        ),
        PageKind(
            "overview", "06_overview.ipynb", "region", title=N_("Regional overview"),
            tables=("measure_status", "scores", "fund", "early_warnings", "last_report", "lpi", "doing_business", "boundaries"),
        ),
        PageKind(
            "impact", "07_impact.ipynb", "member", title=N_("Impact estimate"),
            tables=("indicators", "trade", "last_report"),
            peers=("indicators",), indicator_ids=_impact_indicators,
        ),
    )
}


assert all((k.title is None) == k.presents_dimension for k in KINDS.values())


def dimension_kinds() -> tuple[str, ...]:
    """The page kinds that present one strategy dimension each (the values `page:` may take)."""
    return tuple(k.name for k in KINDS.values() if k.presents_dimension)


def titled(title: str, who: str, lang: str) -> str:
    """A page's title with the member (or region) it is about: "Logistics: Kenya", in French
    "Logistique : le Kenya" (the catalog sets the punctuation)."""
    return t("{page}: {name}", lang, page=title, name=who)


def page_title(params: RegionParams, kind_name: str, lang: str) -> str:
    """The title of a page kind in `lang`, the one shown everywhere (page heading, navigation,
    landing pages, site index, briefs, search, downloads): a dimension page's is its
    dimension's name in the strategy; the other kinds have a fixed, translated title."""
    spec = kind(kind_name)
    if spec.presents_dimension:
        dim = spec.dimension(params)
        if dim is None:
            raise ValueError(f"region {params.id} has no {kind_name} page: {spec.absent_why(params)}")
        return params.text(dim.name, lang)
    assert spec.title is not None
    return t(spec.title, lang)


def kind(name: str) -> PageKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown page kind {name!r}; known: {', '.join(KINDS)}") from None


# ---------------------------------------------------------------------------------------------
# Addresses and paths


@dataclass(frozen=True, order=True)
class Address:
    """One page: a kind for one member (None on regional pages) in one language."""

    region: str
    kind: str
    member: str | None
    lang: str

    @property
    def spec(self) -> PageKind:
        return KINDS[self.kind]

    @property
    def folder(self) -> str:
        return self.member or REGION_FOLDER

    @property
    def page_id(self) -> str:
        return f"{self.lang}/{self.folder}/{self.kind}"

    def parameters(self, inputs: Path | None = None) -> dict[str, str | None]:
        """The notebook parameters of the page (papermill injects them). `inputs` is the
        page's folder of tables relative to the project (so a page built anywhere, on a
        cluster worker included, is the same file)."""
        return {"region": self.region, "country": self.member, "lang": self.lang, "inputs": None if inputs is None else Path(inputs).as_posix()}

    # In the build's work folder (`work_dir`):
    def executed(self, work: Path) -> Path:
        return work / "pages" / self.lang / self.folder / f"{self.kind}.ipynb"

    def inputs(self, work: Path) -> Path:
        return work / "inputs" / self.lang / self.folder / self.kind

    # On the region's site (paths relative to its root, posix):
    @property
    def html(self) -> str:
        return f"{self.lang}/{self.folder}/{self.kind}.html"

    @property
    def downloads(self) -> str:
        return f"{self.lang}/{self.folder}/downloads/{self.kind}"

    @classmethod
    def from_page_id(cls, region: str, page_id: str) -> "Address":
        lang, folder, name = page_id.split("/")
        return cls(region, name, None if folder == REGION_FOLDER else folder, lang)


def work_dir(project: Project, region: str) -> Path:
    return project.reports_dir / "work" / region


def sites_dir(project: Project) -> Path:
    """Where every region's site is published (one folder per region, and an index)."""
    return project.reports_dir / "_site"


def site_dir(project: Project, region: str) -> Path:
    return sites_dir(project) / region


def notebooks_dir(project: Project) -> Path:
    own = project.root / "notebooks"
    return own if own.is_dir() else Path(__file__).resolve().parent.parent / "notebooks"


def notebook(project: Project, name: str) -> Path:
    return notebooks_dir(project) / kind(name).notebook


def home_path(lang: str) -> str:
    return f"{lang}/index.html"


def landing_path(lang: str, iso3: str) -> str:
    return f"{lang}/{iso3}/index.html"


def site_page_path(lang: str, name: str) -> str:
    return f"{lang}/{name}.html"


def brief_path(lang: str, iso3: str) -> str:
    return f"{lang}/{iso3}/brief.pdf"


# The bulk export of a release, at the root of the region's site.
BULK_DIR = "downloads"
# Every release's bulk archive, kept from site to site so that a cited release still resolves.
RELEASES_DIR = "releases"


def release_archive_path(release_id: str) -> str:
    return f"{RELEASES_DIR}/{release_id}/{release_id}-data.zip"


def in_language(path: str, lang: str) -> str:
    """The same site path in another language (the language is its first part)."""
    rest = path.split("/", 1)[1] if "/" in path else path
    return f"{lang}/{rest}"


# ---------------------------------------------------------------------------------------------
# Which pages a region has


def addresses(
    params: RegionParams,
    kinds: Iterable[str] | None = None,
    members: Iterable[str] | None = None,
    langs: Iterable[str] | None = None,
) -> list[Address]:
    """Every page of the region (registry order, then members, then languages), optionally
    narrowed. Unknown kinds, non-members and languages the region does not list raise
    ValueError naming them."""
    wanted = list(kinds) if kinds is not None else list(KINDS)
    unknown = sorted(set(wanted) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown page kind(s) {unknown}; known: {', '.join(KINDS)}")
    codes = [c.upper() for c in members] if members is not None else list(params.region.member_codes)
    bad = sorted(set(codes) - set(params.region.member_codes))
    if bad:
        raise ValueError(f"not members of {params.id}: {bad}")
    languages = list(langs) if langs is not None else list(params.languages)
    bad_lang = sorted(set(languages) - set(params.languages))
    if bad_lang:
        raise ValueError(f"not languages of {params.id}: {bad_lang}")
    out = []
    for name in KINDS:
        if name not in wanted:
            continue
        spec = KINDS[name]
        for lang in languages:
            targets: list[str | None] = [None] if spec.scope == "region" else list(codes)
            out += [Address(params.id, name, m, lang) for m in targets if spec.exists_for(params, m)]
    return out


def missing_page_notes(params: RegionParams, iso3: str, lang: str, country: str) -> list[str]:
    """Why a member lacks a kind of page that the region has (e.g. no land-border crossing:
    no corridor page), in `lang`; `country` is the member's name."""
    return [
        t(k.not_applicable, lang, country=country)
        for k in KINDS.values()
        if k.scope == "member" and k.not_applicable and k.absent_why(params) is None and not k.exists_for(params, iso3)
    ]


def member_kinds(params: RegionParams, iso3: str) -> list[str]:
    """The kinds of page a member has, in navigation order."""
    return [k.name for k in KINDS.values() if k.scope == "member" and k.exists_for(params, iso3)]
