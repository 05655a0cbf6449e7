"""Tools over one region as a whole: write a new one, check its params before a first build,
reset its data.

`check` reports every problem it finds, one line each naming the file and the key (loading
stops at the first broken file, so the checks that need loaded params run only once it loads).
`reset` removes everything tflib wrote for one region, and nothing of another region. `new`
writes a commented skeleton that loads as written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

from . import i18n, pages
from .i18n import N_
from .params import _ID, ParamsError, RegionParams, _check_iso3, _check_language, available_regions, load_region
from .paths import Project, resolve
from .store import _WriteLock, lock_path, store_path, wal_path


def known_region(region: str, project: Project | str | Path | None = None) -> str:
    """`region` when it is a region of the project; ValueError (one line) otherwise."""
    known = available_regions(project)
    if region not in known:  # only a listed folder: a region id never names a path
        raise ValueError(f"no region {region!r} (known: {', '.join(known) or 'none'})")
    return region


# ---------------------------------------------------------------------------------------------
# check


@dataclass(frozen=True)
class CheckReport:
    region: str
    problems: list[str]
    summary: str
    notes: list[str] = field(default_factory=list)  # facts worth knowing, not problems


def check(region: str, project: Project | str | Path | None = None, reference_notes: bool = True) -> CheckReport:
    """Every problem of the region's params, one line each (`file: key: message`); with
    `reference_notes`, also which members the reference data does not cover."""
    proj = resolve(project)
    known_region(region, proj)
    problems: list[str] = []
    params: RegionParams | None = None
    try:
        params = load_region(region, proj)
    except ParamsError as exc:
        problems += [line for line in str(exc).splitlines() if line.strip()]

    # A language without a UI catalog is refused by load_region itself, first, from region.yaml.

    # Notebooks: of the kinds the region has, or of every kind when its params do not load.
    kinds = [k for k in pages.KINDS if params is None or pages.addresses(params, kinds=[k])]
    for name in kinds:
        path = pages.notebook(proj, name)
        if not path.exists():
            problems.append(f"{path}: {name}: notebook of page kind {name!r} not found (tflib.pages)")

    notes: list[str] = []
    if params is not None:
        problems += _impact_problems(params)
        problems += _agency_problems(params)
        problems += _date_problems(params)
        if reference_notes:
            notes += _reference_notes(params, proj)

    summary = ""
    if params is not None and not problems:
        n_pages = len(pages.addresses(params))
        summary = (
            f"{region}: params valid: {len(params.countries)} members, {len(params.measures)} measures, "
            f"languages {', '.join(params.languages)}, {n_pages} pages of {len(kinds)} kinds"
        )
    return CheckReport(region, problems, summary, notes)


def _date_problems(params: RegionParams) -> list[str]:
    """Dates that load but leave pages empty: work that starts after the page date, an
    illustrative series that would start after it, deadlines before the work can start."""
    out = []
    rpath = params.folder / "region.yaml"
    as_of = params.as_of
    if params.region.illustrative.start > as_of:
        out.append(f"{rpath}: illustrative.start: {params.region.illustrative.start} is after as_of {as_of}: the illustrative data would have no period by the page date")
    for code, country in params.countries.items():
        cpath = params.folder / "countries" / f"{code}.yaml"
        if country.start > as_of:
            out.append(f"{cpath}: start: {country.start} is after the region's as_of {as_of}: no action item would be due or reported by the page date")
        late = [m.id for m in params.measures if m.deadline < country.start]
        if late:
            out.append(f"{cpath}: start: {country.start} is after the deadline of measure(s) {late} (strategy.yaml measures.<id>.deadline)")
    return out


def _reference_notes(params: RegionParams, project: Project) -> list[str]:
    """Members the shipped reference data does not cover: their benchmark charts say no data
    (not a problem to fix in params, but worth knowing before a first build)."""
    from . import reference

    notes = []
    try:
        sources = {
            "World Bank LPI": set(reference.lpi(project)["iso3"].to_list()),
            "Doing Business": set(reference.doing_business(project)["iso3"].to_list()),
            "Natural Earth boundaries": set(reference.boundary_ids(project)["iso3"].drop_nulls().to_list()),
        }
    except (reference.ReferenceDataError, OSError) as exc:
        return [f"reference data: {exc}"]
    for name, codes in sources.items():
        missing = [c for c in params.region.member_codes if c not in codes]
        if missing:
            notes.append(f"note: {name} has no rows for {', '.join(missing)}: their pages show no data there")
    return notes


def _impact_problems(params: RegionParams) -> list[str]:
    from .analysis.impact import impact_path, load_impact

    if not pages.addresses(params, kinds=["impact"]):
        return []
    path = impact_path(params)  # the region's, else params/defaults/impact.yaml
    if not path.exists():
        return [f"{path}: (file): not found; the impact page applies to this region's members, so its assumptions are needed"]
    try:
        load_impact(params)
    except ParamsError as exc:
        return [line for line in str(exc).splitlines() if line.strip()]
    return []


def _agency_problems(params: RegionParams) -> list[str]:
    """Every member, party or not, gets action items: each needs an agency for every role."""
    roles = {s.role for m in params.measures for s in m.steps}
    out = []
    for code, country in params.countries.items():
        missing = sorted(r for r in roles if country.agency_for(r) is None)
        if missing:
            path = params.folder / "countries" / f"{code}.yaml"
            out.append(f"{path}: agencies: no agency holds role(s) {missing} used by the strategy")
    return out


# ---------------------------------------------------------------------------------------------
# reset


def reset_targets(region: str, project: Project | str | Path | None = None) -> list[Path]:
    """Every file and folder tflib writes for `region` (whether it exists or not)."""
    proj = resolve(project)
    store = store_path(region, proj)
    return [
        store,
        wal_path(store),
        lock_path(store),
        store.with_name(store.name + ".creating"),  # a creation cut short
        proj.archive_dir / region,
        proj.quarantine_dir / region,
        proj.feedback_dir / region,
        proj.pending_dir / region,
        pages.site_dir(proj, region),
        pages.work_dir(proj, region),
    ]


def existing_targets(region: str, project: Project | str | Path | None = None) -> list[Path]:
    return [p for p in reset_targets(region, project) if p.exists() or p.is_symlink()]


def reset(region: str, project: Project | str | Path | None = None, wait: float = 120.0) -> list[Path]:
    """Delete the region's store, archive, quarantine, feedback, pending ingests, site and
    work folder; return what was deleted. Holds the store's write lock meanwhile, so no ingest
    is cut half-way (StoreBusy when another writer keeps it longer than `wait` seconds)."""
    proj = resolve(project)
    known_region(region, proj)
    targets = existing_targets(region, proj)
    store = store_path(region, proj)
    lock = lock_path(store)
    if not targets:
        return []
    held = _WriteLock.acquire(store, time.monotonic() + wait, wait, purpose="reset") if store.parent.exists() else None
    try:
        for path in targets:
            if path == lock:
                continue  # removed once released
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
    finally:
        if held is not None:
            held.release()
    lock.unlink(missing_ok=True)
    return targets


# ---------------------------------------------------------------------------------------------
# new: a commented, valid skeleton


# Suggested names of the skeleton's dimensions (translated in the UI catalogs; a region's
# pages take their titles from the names it keeps).
SKELETON_DIMENSION_NAMES = {
    "logistics": N_("Logistics"),
    "sme": N_("SME inclusion"),
    "corridors": N_("Land-border corridors"),
    "digital": N_("Digital and paperless trade"),
}
# The roles the skeleton's steps use; every member file gets an agency for each.
SKELETON_ROLES = ("trade", "customs", "ict")
def _q(text: str) -> str:
    """A YAML scalar that reads back as `text` (a JSON string is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _texts(en: str, languages: list[str], indent: int, translate: bool = False) -> str:
    """A Text block: `en` in English; in other languages its UI-catalog translation when
    `translate` (page-kind titles are in the catalogs), else a TODO for the secretariat."""
    pad = " " * indent
    rest = en.removeprefix("TODO: ")

    def text(lang: str) -> str:
        if lang == "en":
            return en
        if translate and i18n.has_catalog(lang):
            return i18n.gettext(en, lang)
        return f"TODO ({lang}): {rest}"

    return "\n".join(f"{pad}{lang}: {_q(text(lang))}" for lang in languages)


def new(
    region: str,
    members: list[str],
    languages: list[str] | None = None,
    project: Project | str | Path | None = None,
    today: dt.date | None = None,
) -> list[Path]:
    """Write `params/regions/<region>/`: region.yaml, strategy.yaml and one countries/<ISO3>.yaml
    per member, commented and valid as written (indicators.yaml and impact.yaml are left to the
    shipped defaults in params/defaults/). Texts to replace say TODO. Refuses an existing region,
    a bad id, an unknown ISO3 code or a language code that is not ISO 639-1; the files are
    written only when all of them can be."""
    proj = resolve(project)
    if not re.fullmatch(_ID, region or ""):
        raise ValueError(f"{region!r} is not a region id (lowercase letters, digits, '_' and '-')")
    folder = proj.regions_dir / region
    if folder.exists():
        raise ValueError(f"{folder}: region {region!r} exists already; edit its files or `tflib region reset` its data")
    codes: list[str] = []
    for raw in members:
        try:
            code = _check_iso3(raw)
        except ValueError as exc:
            raise ValueError(f"--members: {exc}") from None
        if code in codes:
            raise ValueError(f"--members: {code} is listed twice")
        codes.append(code)
    if not codes:
        raise ValueError("--members: at least one ISO3 code is needed")
    langs: list[str] = []
    for raw in languages or ["en"]:
        try:
            lang = _check_language(raw)
        except ValueError as exc:
            raise ValueError(f"--languages: {exc}") from None
        if lang not in langs:
            langs.append(lang)
    today = today or dt.date.today()
    start = dt.date(today.year - 1, 1, 1)
    deadline = dt.date(today.year + 2, 12, 31)
    first, second = codes[0], (codes[1] if len(codes) > 1 else codes[0])

    files: dict[Path, str] = {}
    corridor_example = ", ".join(f"{lang}: TODO corridor name" for lang in langs)
    member_lines = "\n".join(f"  - {{iso3: {c}, party: true}}  # {_country_name(c)}" for c in codes)
    files[folder / "region.yaml"] = f"""\
# Region {region}, written by `tflib region new`. Replace every TODO, then run
# `tflib region check {region}`. Every key is described in the README, "Adding a region".
id: {region}
name:
{_texts("TODO: the region's name", langs, 2)}
secretariat: "TODO: the secretariat"
# Page languages; the first is the default for pages, templates and work plans. Each needs an
# interface catalog (tflib/locale/<lang>/LC_MESSAGES/tflib.po; English needs none), or a
# fallback: language_fallbacks: {{<lang>: en}}.
languages: [{", ".join(langs)}]
currency: USD
# The reference date of the pages, fixed so that every build is reproducible (never "today").
as_of: {today.isoformat()}

members:
  # party: true = bound by the strategy (planned, scored, eligible for the fund);
  # false = tracked and compared only.
{member_lines}

# Non-members drawn on charts for reference (ISO3), e.g. neighbours or main partners.
comparators: []

# Land-border posts monitored for crossing times. A member with none has no corridor page.
# A crossing must touch a member; the other side may be a non-member. Example:
#   - id: {first.lower()}-{second.lower()}-main
#     name: TODO crossing name
#     countries: [{first}, {second}]
#     posts: {{{first}: TODO post, {second}: TODO post}}
#     corridor: {{{corridor_example}}}  # optional; a name in each language
border_crossings: []

# An open action item with no progress update for this many days counts as stalled.
stall_days: 90
submission_period: month

# Optional: the reform incentive fund ranked by the overview page. Without it, no fund.
# incentive_fund:
#   amount: 1000000
#   currency: USD
#   floor_share: 0.2         # shared equally among eligible parties
#   score_weight: 0.7        # the rest by score ...
#   improvement_weight: 0.3  # ... and by improvement (the two weights add up to 1)

# Seed and start of `tflib generate` (illustrative data, labelled as such on every page).
illustrative:
  seed: 1
  start: {start.isoformat()}

# Optional map settings (the overview map frames every member polygon by default):
# map:
#   frame: {{west: -20, south: -10, east: 40, north: 20}}
"""
    # One dimension per dimension page kind, under the kind's name, with a suggested name.
    dims = "\n".join(
        f"  - id: {k.name}\n    name:\n{_texts(SKELETON_DIMENSION_NAMES.get(k.name, k.name.capitalize()), langs, 6, translate=True)}"
        for k in pages.KINDS.values() if k.presents_dimension
    )
    files[folder / "strategy.yaml"] = f"""\
# The strategy of region {region}: its dimensions, pillars and measures. Written by
# `tflib region new` as an example to replace. A measure's steps are the action items each
# member plans; each step's role must be held by an agency in every member's file.
id: {region}-strategy
name:
{_texts("TODO: the strategy's title", langs, 2)}
# Who adopted it and when, and where it is published (shown on the methods page).
source: "TODO: the strategy document"
# approved: YYYY-MM-DD  (leave out rather than guess)

# Each dimension is presented by the page kind of the same id (logistics, sme, corridors,
# digital), or by the one named with `page:`. A dimension page exists when the catalogue has
# an indicator or the strategy a measure in that dimension. Titles are these names.
dimensions:
{dims}

pillars:
  - id: main
    name:
{_texts("TODO: the pillar's name", langs, 6)}
    measures:
      # Measure ids are upper case; tfa_articles cite the WTO Trade Facilitation Agreement.
      # illustrative: true marks a measure not documented in the strategy's sources.
      - id: EXAMPLE-1
        name:
{_texts("Example measure: publish border procedures online (replace me)", langs, 10)}
        tfa_articles: ["1.2"]
        dimension: digital
        deadline: {deadline.isoformat()}
        illustrative: true
        steps:
          - id: draft
            name:
{_texts("Draft the regulation", langs, 14)}
            duration_days: 90
            role: trade
          - id: system
            name:
{_texts("Adapt the customs IT system", langs, 14)}
            duration_days: 180
            role: customs
            depends_on: [draft]
          - id: publish
            name:
{_texts("Publish on the trade portal", langs, 14)}
            duration_days: 60
            role: ict
            depends_on: [system]
"""
    for code in codes:
        agencies = "\n".join(
            f"  - id: {role}\n    name: {_q(f'TODO: the {role} agency of {_country_name(code)}')}\n    roles: [{role}]"
            for role in SKELETON_ROLES
        )
        files[folder / "countries" / f"{code}.yaml"] = f"""\
# {_country_name(code)} in region {region}. Written by `tflib region new`: replace the TODOs.
iso3: {code}
# The language of the member's templates and work plan (one of the region's languages).
language: {langs[0]}
# When the member starts the strategy's work (action items are planned from this date).
start: {start.isoformat()}
# How the focal point writes numbers and dates in spreadsheets:
# number_locale: decimal_point   # or decimal_comma
# date_order: dmy                # or mdy
# The national agency for each role the strategy's steps use.
agencies:
{agencies}
# Measures in force before the strategy (fully implemented at baseline):
baseline: []
# National targets per indicator id: {{value: 24, by: YYYY-MM-DD, statistic: median}}.
targets: {{}}
"""
    (folder / "countries").mkdir(parents=True)
    try:
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return list(files)


def _country_name(iso3: str) -> str:
    country = pycountry.countries.get(alpha_3=iso3)
    return getattr(country, "common_name", None) or (country.name if country else iso3)


__all__ = ["CheckReport", "check", "existing_targets", "known_region", "new", "reset", "reset_targets"]
