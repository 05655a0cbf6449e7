"""Region, strategy, indicator catalogue and member parameters, validated on load.

Everything a region is lives in YAML under ``params/regions/<region>/``:

- ``region.yaml``: members (ISO3, party flag), languages, currency, comparators, border
  crossings, the fixed ``as_of`` date, warning thresholds;
- ``strategy.yaml``: pillars -> measures, each with a step template;
- ``indicators.yaml``: the indicator catalogue (optional: else the project's shared
  ``params/indicators.yaml``, else the default ``params/defaults/indicators.yaml``);
- ``impact.yaml``: the assumptions of the impact page (optional: else
  ``params/defaults/impact.yaml``; validated in ``tflib.analysis.impact``);
- ``countries/<ISO3>.yaml``: one file per member (agencies, targets, baseline, confidential).

A second region is added by writing these files only. Any unknown key, bad ISO code, bad
language or bad date is an error naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import pickle
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import pycountry
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from . import i18n
from .i18n import N_
from .paths import Project, resolve

# ---------------------------------------------------------------------------------------------
# Codes


def _check_iso3(code: str) -> str:
    code = code.strip().upper()
    # XKX is the code the World Bank and the EU use for Kosovo; ISO has not assigned one.
    if code != "XKX" and pycountry.countries.get(alpha_3=code) is None:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-3 country code")
    return code


def _check_language(code: str) -> str:
    code = code.strip().lower()
    if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
        raise ValueError(f"{code!r} is not an ISO 639-1 language code")
    return code


def _check_currency(code: str) -> str:
    code = code.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


_ID = r"^[a-z0-9][a-z0-9_\-]*$"
_STEP_ID = r"^[A-Za-z0-9][A-Za-z0-9_\-]*$"

ISO3 = Annotated[str, AfterValidator(_check_iso3)]
Language = Annotated[str, AfterValidator(_check_language)]
Currency = Annotated[str, AfterValidator(_check_currency)]
Slug = Annotated[str, Field(pattern=_ID)]
MeasureId = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9\-]*$")]
StepId = Annotated[str, Field(pattern=_STEP_ID)]

# Text in several languages: {"es": "...", "en": "..."}. Completeness is checked against the
# region's languages once the region is known (see Region.check_languages).
Text = dict[Language, str]

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# ---------------------------------------------------------------------------------------------
# Region


class Member(Strict):
    iso3: ISO3
    # Parties are bound by the strategy and scored; others are tracked and compared only.
    party: bool


class BorderCrossing(Strict):
    id: Slug
    name: str
    countries: tuple[ISO3, ISO3]
    # Named posts on each side, keyed by ISO3.
    posts: dict[ISO3, str] = Field(default_factory=dict)
    # The corridor's name in every language of the region (none: on no named corridor).
    corridor: Text | None = None

    @model_validator(mode="after")
    def _posts_on_crossing(self) -> "BorderCrossing":
        if self.countries[0] == self.countries[1]:
            raise ValueError("a border crossing joins two different countries")
        extra = set(self.posts) - set(self.countries)
        if extra:
            raise ValueError(f"posts given for countries not on this crossing: {sorted(extra)}")
        return self


class IllustrativeSettings(Strict):
    """How the seeded generator makes the illustrative tracker data for this region."""

    seed: int = 2015
    start: dt.date = dt.date(2024, 6, 1)


class IncentiveFund(Strict):
    amount: float = Field(gt=0)
    currency: Currency
    # Share of the fund split equally among eligible parties, the rest by score and improvement.
    floor_share: float = Field(ge=0, le=1)
    score_weight: float = Field(ge=0, le=1)
    improvement_weight: float = Field(ge=0, le=1)
    # Parties below this score get only the floor.
    min_score: float = Field(default=0.0, ge=0, le=1)
    improvement_window_days: int = Field(default=365, gt=0)

    @model_validator(mode="after")
    def _weights(self) -> "IncentiveFund":
        if abs(self.score_weight + self.improvement_weight - 1.0) > 1e-9:
            raise ValueError("score_weight + improvement_weight must equal 1")
        return self


class MapFrame(Strict):
    """The box (degrees of lon/lat) the region's maps show, instead of the one around every
    member's polygons: for a member whose geometry holds remote territories."""

    west: float = Field(ge=-180, le=180)
    south: float = Field(ge=-90, le=90)
    east: float = Field(ge=-180, le=180)
    north: float = Field(ge=-90, le=90)

    @model_validator(mode="after")
    def _ordered(self) -> "MapFrame":
        if not self.west < self.east:
            raise ValueError(f"west ({self.west}) must be less than east ({self.east})")
        if not self.south < self.north:
            raise ValueError(f"south ({self.south}) must be less than north ({self.north})")
        return self


class MapNote(Strict):
    """A caveat the region's maps carry when all of `countries` are in view (a territorial
    claim between them, say), with a text per region language."""

    countries: list[ISO3] = Field(min_length=1)
    text: Text


class MapSettings(Strict):
    frame: MapFrame | None = None
    notes: list[MapNote] = Field(default_factory=list)


class Region(Strict):
    id: Slug
    name: Text
    secretariat: str
    # Where the region's site is published (http or https), for its citation; unset: the
    # citation gives no address.
    site_url: str | None = None
    languages: list[Language] = Field(min_length=1)
    # A listed language without an interface catalog (tflib/locale) is refused unless it is
    # mapped here to one that has a catalog; its pages then say the interface is in that one.
    language_fallbacks: dict[Language, Language] = Field(default_factory=dict)
    currency: Currency
    # Fixed so that a build is reproducible: never "today".
    as_of: dt.date
    members: list[Member] = Field(min_length=1)
    comparators: list[ISO3] = Field(default_factory=list)
    border_crossings: list[BorderCrossing] = Field(default_factory=list)
    # Days without a progress update after which an open action item counts as stalled.
    stall_days: int = Field(default=90, gt=0)
    # How often members are expected to submit progress (drives missing-submission warnings).
    submission_period: Literal["month", "quarter"] = "month"
    # Relative worsening of an indicator, period on period, that raises a regression warning.
    regression_tolerance: float = Field(default=0.05, ge=0, le=1)
    incentive_fund: IncentiveFund | None = None
    # How members write numbers, dates and percentages in text cells, where a member's file does
    # not say (tflib.cells): left unset, ambiguous values are quarantined, never guessed.
    number_locale: Literal["decimal_point", "decimal_comma"] | None = None
    date_order: Literal["dmy", "mdy"] | None = None
    percent_scale: Literal["percent", "fraction"] | None = None
    # Larger submissions are refused before they are read.
    max_submission_bytes: int = Field(default=256 * 1024 * 1024, gt=0)
    # What the submission service does with an accepted submission: publish it at once
    # (auto), or stage it until the secretariat approves it (review: `tflib publish --approve`).
    publish: Literal["auto", "review"] = "auto"
    illustrative: IllustrativeSettings = Field(default_factory=IllustrativeSettings)
    # The regional maps: an optional frame overriding the one around the members, and notes.
    map: MapSettings = Field(default_factory=MapSettings)

    @field_validator("site_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from pydantic import AnyHttpUrl, TypeAdapter

        try:
            url = TypeAdapter(AnyHttpUrl).validate_python(value)
        except ValueError:
            raise ValueError(f"site_url must be an http(s) address, not {value!r}") from None
        if url.scheme not in ("http", "https") or not url.host or any(c.isspace() for c in value):
            raise ValueError(f"site_url must be an http(s) address, not {value!r}")
        return value.rstrip("/")

    @field_validator("language_fallbacks")
    @classmethod
    def _fallbacks_of_listed(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        if "languages" not in info.data:  # already reported as invalid
            return value
        unlisted = sorted(set(value) - set(info.data["languages"]))
        if unlisted:
            raise ValueError(f"fallbacks for languages not listed in languages: {unlisted}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "Region":
        codes = [m.iso3 for m in self.members]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"members listed twice: {dupes}")
        if len(set(self.languages)) != len(self.languages):
            raise ValueError("languages listed twice")
        overlap = sorted(set(self.comparators) & set(codes))
        if overlap:
            raise ValueError(f"comparators that are also members: {overlap}")
        ids = [c.id for c in self.border_crossings]
        if len(set(ids)) != len(ids):
            raise ValueError("border crossing ids must be unique")
        for crossing in self.border_crossings:
            if not any(c in codes for c in crossing.countries):
                raise ValueError(f"border crossing {crossing.id!r} touches no member")
        _require_languages(self.name, self.languages, "name")
        return self

    def check_texts(self, path: Path) -> None:
        """Each corridor is named, and each map note has a text, in every listed language (a
        note in no other; checked once the languages are known to have catalogs: that problem
        is reported first)."""
        for crossing in self.border_crossings:
            if crossing.corridor is not None:
                try:
                    _require_languages(crossing.corridor, self.languages, f"border_crossings.{crossing.id}.corridor")
                except ValueError as exc:
                    raise ParamsError(f"{path}: {exc}") from None
        for i, note in enumerate(self.map.notes):
            try:
                _require_languages(note.text, self.languages, f"map.notes.{i}.text")
            except ValueError as exc:
                raise ParamsError(f"{path}: {exc}") from None
            unknown = sorted(set(note.text) - set(self.languages))
            if unknown:
                raise ParamsError(f"{path}: map.notes.{i}.text: languages not listed in languages: {unknown}")

    @property
    def member_codes(self) -> list[str]:
        return [m.iso3 for m in self.members]

    @property
    def parties(self) -> list[str]:
        return [m.iso3 for m in self.members if m.party]

    def is_party(self, iso3: str) -> bool:
        return iso3 in self.parties

    @property
    def default_language(self) -> str:
        return self.languages[0]


def _require_languages(text: dict[str, str], languages: list[str], where: str) -> None:
    missing = [lang for lang in languages if not text.get(lang)]
    if missing:
        raise ValueError(f"{where}: no text for language(s) {missing}")


# ---------------------------------------------------------------------------------------------
# Strategy


class StepTemplate(Strict):
    id: StepId
    name: Text
    duration_days: int = Field(gt=0)
    # Agency role responsible in each country (customs, trade, agriculture, port, ...).
    role: Slug
    depends_on: list[StepId] = Field(default_factory=list)


class Measure(Strict):
    id: MeasureId
    name: Text
    tfa_articles: list[Annotated[str, Field(pattern=r"^\d+(\.\d+)*$")]] = Field(min_length=1)
    dimension: Slug
    indicators: list[Slug] = Field(default_factory=list)
    deadline: dt.date
    # True where a measure is not documented in the strategy's sources but drawn from WTO
    # TFA articles to make a realistic plan: shown as illustrative on every page.
    illustrative: bool = False
    steps: list[StepTemplate] = Field(min_length=1)

    @model_validator(mode="after")
    def _step_graph(self) -> "Measure":
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"measure {self.id}: step ids must be unique")
        seen: set[str] = set()
        for step in self.steps:
            for dep in step.depends_on:
                if dep not in ids:
                    raise ValueError(f"measure {self.id}: step {step.id} depends on unknown {dep!r}")
                if dep not in seen:
                    # Listing steps in dependency order keeps the graph acyclic by construction.
                    raise ValueError(
                        f"measure {self.id}: step {step.id} depends on {dep!r}, which must be listed before it"
                    )
            seen.add(step.id)
        return self


class Pillar(Strict):
    id: Slug
    name: Text
    measures: list[Measure] = Field(min_length=1)


class Dimension(Strict):
    id: Slug
    name: Text
    # The dimension page kind that presents it (tflib.pages: one that presents a dimension);
    # default: the kind named like its id, if there is one. Checked in _cross_check.
    page: Slug | None = None

    @property
    def page_kind(self) -> str | None:
        """The dimension page kind that presents this dimension (None: no page of its own;
        its measures still show on the progress page)."""
        from .pages import dimension_kinds  # pages imports this module

        kind = self.page or self.id
        return kind if kind in dimension_kinds() else None


class Strategy(Strict):
    id: Slug
    name: Text
    approved: dt.date | None = None
    source: str
    dimensions: list[Dimension] = Field(min_length=1)
    pillars: list[Pillar] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "Strategy":
        dims = {d.id for d in self.dimensions}
        ids = [m.id for p in self.pillars for m in p.measures]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"measure ids used twice: {dupes}")
        for measure in self.measures:
            if measure.dimension not in dims:
                raise ValueError(f"measure {measure.id}: unknown dimension {measure.dimension!r}")
        return self

    @property
    def measures(self) -> list[Measure]:
        return [m for p in self.pillars for m in p.measures]

    def dimension_on(self, page_kind: str) -> Dimension | None:
        """The dimension presented by a dimension page kind (None: no dimension maps to it)."""
        return next((d for d in self.dimensions if (d.page or d.id) == page_kind), None)

    def measure(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    def pillar_of(self, measure_id: str) -> Pillar:
        for p in self.pillars:
            if any(m.id == measure_id for m in p.measures):
                return p
        raise KeyError(measure_id)


# ---------------------------------------------------------------------------------------------
# Indicator catalogue


class Indicator(Strict):
    id: Slug
    name: Text
    # A short label where the full name does not fit (table column headings); default: name.
    short_name: Text | None = None
    definition: Text
    unit: str
    polarity: Literal["higher_better", "lower_better"]
    dimension: Slug
    # Who produces the figures: one text, or a text per language.
    source: str | Text
    # Time indicators are reported as statistics of a distribution (WCO Time Release Study).
    statistics: list[Literal["median", "mean", "p90"]] = Field(default_factory=list)
    # Land-border indicators are recorded per crossing and direction.
    per_crossing: bool = False
    minimum: float | None = None
    maximum: float | None = None
    frequency: Literal["month", "quarter", "year"] = "quarter"
    # Decimals its values are published with (pages, downloads, briefs).
    decimals: int = Field(default=1, ge=0, le=6)
    # Plausible starting level [low, high] for the illustrative data generator (tflib.sample);
    # left out, generic rules by unit and polarity are used. Never shown as data.
    illustrative_range: tuple[float, float] | None = None

    @field_validator("illustrative_range")
    @classmethod
    def _range_ordered(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not value[0] < value[1]:
            raise ValueError(f"[low, high] with low < high, not {list(value)}")
        return value


# Labels of the statistics and directions indicators are reported in (translated where shown).
STATISTIC_LABELS = {"median": N_("median"), "mean": N_("mean"), "p90": N_("90th percentile")}
DIRECTION_LABELS = {"exit": N_("exit"), "entry": N_("entry")}


def text_in(value: str | dict[str, str], lang: str) -> str:
    """A params text in `lang`: the same text for all, or the language's, else English."""
    if isinstance(value, str):
        return value
    if value.get(lang):
        return i18n.mark(value[lang])
    return value.get("en") or next(iter(value.values()))


class IndicatorCatalogue(Strict):
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "IndicatorCatalogue":
        ids = [i.id for i in self.indicators]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"indicator ids used twice: {dupes}")
        return self

    def get(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.indicators]


# ---------------------------------------------------------------------------------------------
# Members


class Agency(Strict):
    id: Slug
    name: str
    roles: list[Slug] = Field(min_length=1)


class Target(Strict):
    value: float
    by: dt.date
    statistic: Literal["median", "mean", "p90"] | None = None


class NameForms(Strict):
    """How a member is named in one language, where the standard short name (pycountry) does
    not fit running text: `name` in sentences ("the Philippines"), `in` after "in"-type
    prepositions ("in the Philippines", "aux Philippines"), `short` in tables and on maps."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, populate_by_name=True)

    name: str | None = Field(default=None, min_length=1)
    in_: str | None = Field(default=None, alias="in", min_length=1)
    short: str | None = Field(default=None, min_length=1)


class CountryParams(Strict):
    iso3: ISO3
    language: Language
    # Date from which the country starts work on the regional commitments.
    start: dt.date
    agencies: list[Agency] = Field(default_factory=list)
    # Measures the country had already implemented when the strategy was adopted.
    baseline: list[MeasureId] = Field(default_factory=list)
    targets: dict[Slug, Target] = Field(default_factory=dict)
    # Indicator ids (or fields such as "note") never to be published.
    confidential: list[str] = Field(default_factory=list)
    focal_point: str | None = None
    # How this member writes numbers, dates and percentages (overrides the region's).
    number_locale: Literal["decimal_point", "decimal_comma"] | None = None
    date_order: Literal["dmy", "mdy"] | None = None
    percent_scale: Literal["percent", "fraction"] | None = None
    # Name forms per region language (NameForms); without them the standard short name is used.
    names: dict[Language, NameForms] = Field(default_factory=dict)

    @field_validator("agencies")
    @classmethod
    def _unique_agencies(cls, agencies: list[Agency]) -> list[Agency]:
        ids = [a.id for a in agencies]
        if len(set(ids)) != len(ids):
            raise ValueError("agency ids must be unique")
        return agencies

    def agency_for(self, role: str) -> Agency | None:
        for agency in self.agencies:
            if role in agency.roles:
                return agency
        return None


# ---------------------------------------------------------------------------------------------
# Loading


class ParamsError(ValueError):
    """A params file is missing, unreadable or invalid. The message names file and key."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's when installed: faster
    """Safe YAML, except that a date that does not exist (`as_of: 2027-13-30`) stays the text
    it was, so validation reports it with its file and key instead of YAML raising."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


# Parsed params files by content: a batch kernel reads the same files for every page, and
# parsing is most of the cost. Callers get their own copy (they may change it).
_PARSED: dict[bytes, bytes] = {}


class _NamedText(io.StringIO):
    """Text parsed as the file it was read from (YAML errors name the file)."""

    def __init__(self, text: str, path: Path):
        super().__init__(text)
        self.name = str(path)


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise ParamsError(f"{path}: file not found")
    try:
        raw = path.read_bytes()
        key = hashlib.sha256(raw).digest()
        if key not in _PARSED:
            _PARSED[key] = pickle.dumps(yaml.load(_NamedText(raw.decode("utf-8"), path), Loader=_Loader))  # noqa: S506 - a SafeLoader
        return pickle.loads(_PARSED[key])  # noqa: S301 - pickled here, from our own parse
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ParamsError(f"{path}: not UTF-8 text (byte {exc.start}): save the file as UTF-8") from None
    except (OSError, ValueError) as exc:
        raise ParamsError(f"{path}: cannot be read: {exc}") from None


def _format_errors(path: Path, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"].startswith("date_") and isinstance(err.get("input"), (str, int, float)):
            reason = msg.split(", ", 1)[1] if ", " in msg else msg
            msg = f"{err['input']} is not a valid date (YYYY-MM-DD): {reason}"
        lines.append(f"{path}: {key}: {msg}")
    return "\n".join(lines)


def _validate(model: type[BaseModel], path: Path, data: Any) -> Any:
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ParamsError(_format_errors(path, exc)) from None


class RegionParams(Strict):
    """A region's params, all files loaded and cross-checked."""

    region: Region
    strategy: Strategy
    indicators: IndicatorCatalogue
    countries: dict[str, CountryParams]
    folder: Path

    @property
    def id(self) -> str:
        return self.region.id

    @property
    def languages(self) -> list[str]:
        return self.region.languages

    @property
    def as_of(self) -> dt.date:
        return self.region.as_of

    @property
    def measures(self) -> list[Measure]:
        return self.strategy.measures

    def country(self, iso3: str) -> CountryParams:
        try:
            return self.countries[iso3.upper()]
        except KeyError:
            raise KeyError(f"{iso3!r} is not a member of region {self.id!r}") from None

    def text(self, value: dict[str, str], lang: str) -> str:
        """Text in `lang`, falling back to the region's first language (a pseudo-locale build
        marks only the first: a fallback is a text the reader gets in another language)."""
        return i18n.mark(value[lang]) if value.get(lang) else value[self.region.default_language]

    # The one home of members' names in a language: pages (tflib.page.Context), landing
    # pages, briefs, the site navigation, downloads and work plans all ask here.
    def _name_forms(self, iso3: str, lang: str) -> NameForms | None:
        member = self.countries.get(iso3)
        return member.names.get(lang) if member is not None else None

    def name_of(self, iso3: str, lang: str) -> str:
        """The country's name in running text: the member file's `names.<lang>.name`, else
        the standard short name (ISO 3166 through pycountry)."""
        from .tracker import country_name

        forms = self._name_forms(iso3, lang)
        return forms.name if forms is not None and forms.name else country_name(iso3, lang)

    def short_name_of(self, iso3: str, lang: str) -> str:
        """The country's name in tables, navigation and on maps (`names.<lang>.short`, else
        as `name_of`)."""
        forms = self._name_forms(iso3, lang)
        return forms.short if forms is not None and forms.short else self.name_of(iso3, lang)

    def in_country(self, iso3: str, lang: str) -> str:
        """"in <country>": the member file's `names.<lang>.in` ("aux Philippines"), else the
        catalog's generic "in {country}" filled with `name_of`."""
        forms = self._name_forms(iso3, lang)
        if forms is not None and forms.in_:
            return forms.in_
        return i18n.t("in {country}", lang, country=self.name_of(iso3, lang))


def region_folder(region: str, project: Project | str | Path | None = None) -> Path:
    return resolve(project).regions_dir / region


# Files a region may leave out: the defaults in params/defaults/ are used instead (a region's
# own file replaces its default wholly; nothing is merged). A project without a defaults
# folder uses the ones shipped with tflib.
DEFAULTS_DIR = "defaults"
_SHIPPED_PARAMS = Path(__file__).resolve().parent.parent / "params"


def default_file(name: str, project: Project | str | Path | None = None) -> Path:
    """The default `name` (indicators.yaml, impact.yaml): the project's
    params/defaults/<name>, else the one shipped with tflib."""
    own = resolve(project).params_dir / DEFAULTS_DIR / name
    return own if own.exists() else _SHIPPED_PARAMS / DEFAULTS_DIR / name


def region_file(folder: Path, name: str) -> Path:
    """The file `name` a region's params read: the region's own (in `folder`), else, for the
    indicator catalogue, the project's shared params/indicators.yaml, else the default."""
    own = folder / name
    if own.exists():
        return own
    project = Project(folder.parent.parent.parent)  # params/regions/<id> -> project root
    if name == "indicators.yaml" and (project.params_dir / name).exists():
        return project.params_dir / name
    return default_file(name, project)


def available_regions(project: Project | str | Path | None = None) -> list[str]:
    folder = resolve(project).regions_dir
    return sorted(p.name for p in folder.iterdir() if (p / "region.yaml").exists()) if folder.exists() else []


PROJECT_FILE = "project.yaml"
# Overrides the project's default region for one shell or one run (tests, cron jobs).
REGION_ENV = "TFLIB_REGION"


class ProjectSettings(Strict):
    """params/project.yaml: settings of the whole project, not of one region."""

    default_region: Slug | None = None


def default_region(project: Project | str | Path | None = None) -> str:
    """The region a command or call that names none works on: $TFLIB_REGION, else
    params/project.yaml's default_region. Raises ParamsError (one line saying how to set
    one) when neither is set or the one set is not a region of the project."""
    proj = resolve(project)
    path = proj.params_dir / PROJECT_FILE
    known = available_regions(proj)
    env = os.environ.get(REGION_ENV, "").strip()
    if env:
        where, region = REGION_ENV, env
    else:
        settings = _validate(ProjectSettings, path, _read_yaml(path) or {}) if path.exists() else ProjectSettings()
        if settings.default_region is None:
            raise ParamsError(
                f"{path}: default_region: no region given; pass --region ID, set {REGION_ENV}=ID, "
                f"or write `default_region: ID` in {path} (known: {', '.join(known) or 'none'})"
            )
        where, region = f"{path}: default_region", settings.default_region
    if region not in known:
        raise ParamsError(f"{where}: no region {region!r} (known: {', '.join(known) or 'none'})")
    return region


def load_region(region: str | None = None, project: Project | str | Path | None = None) -> RegionParams:
    """Load and validate every params file of `region` (default: `default_region`). Raises
    ParamsError naming file and key."""
    proj = resolve(project)
    if region is None:
        region = default_region(proj)
    if not isinstance(region, str) or not re.fullmatch(_ID, region):
        # Checked before any path is made from it: a region id never leaves params/regions/.
        known = ", ".join(available_regions(proj)) or "none"
        raise ParamsError(f"{region!r} is not a region id (lowercase letters, digits, '_' and '-'; known: {known})")
    folder = region_folder(region, proj)
    if not (folder / "region.yaml").exists():
        known = ", ".join(available_regions(proj)) or "none"
        raise ParamsError(f"{folder / 'region.yaml'}: no such region {region!r} (known: {known})")

    region_path = folder / "region.yaml"
    reg: Region = _validate(Region, region_path, _read_yaml(region_path))
    if reg.id != region:
        raise ParamsError(f"{region_path}: id: {reg.id!r} does not match the folder name {region!r}")
    _check_catalogs(reg, region_path)
    reg.check_texts(region_path)

    strategy_path = folder / "strategy.yaml"
    strategy: Strategy = _validate(Strategy, strategy_path, _read_yaml(strategy_path))

    indicators_path = region_file(folder, "indicators.yaml")
    catalogue: IndicatorCatalogue = _validate(IndicatorCatalogue, indicators_path, _read_yaml(indicators_path))
    if indicators_path != folder / "indicators.yaml":
        # A shared or default catalogue covers every dimension; a region takes the indicators
        # of the dimensions its strategy presents (its own catalogue must fit it exactly).
        shown = {d.id for d in strategy.dimensions if d.page_kind is not None}
        kept = [i for i in catalogue.indicators if i.dimension in shown]
        if not kept:
            raise ParamsError(f"{indicators_path}: indicators: none is in a dimension of {strategy_path} presented by a page; write the region's own indicators.yaml")
        catalogue = catalogue.model_copy(update={"indicators": kept})

    countries: dict[str, CountryParams] = {}
    for code in reg.member_codes:
        path = folder / "countries" / f"{code}.yaml"
        cp: CountryParams = _validate(CountryParams, path, _read_yaml(path))
        if cp.iso3 != code:
            raise ParamsError(f"{path}: iso3: {cp.iso3!r} does not match the file name {code!r}")
        countries[code] = cp
    extra = sorted(
        p.stem for p in (folder / "countries").glob("*.yaml") if p.stem.upper() not in reg.member_codes
    )
    if extra:
        raise ParamsError(f"{folder / 'countries'}: files for non-members {extra}: add them to members or remove them")

    _cross_check(reg, strategy, catalogue, countries, folder, indicators_path)
    return RegionParams(region=reg, strategy=strategy, indicators=catalogue, countries=countries, folder=folder)


def _check_catalogs(reg: Region, path: Path) -> None:
    """Every listed language has an interface catalog or a declared fallback that has one:
    otherwise its pages would fall back to English without saying so."""
    for lang in reg.languages:
        fallback = reg.language_fallbacks.get(lang)
        if fallback is None:
            if not i18n.has_catalog(lang):
                raise ParamsError(
                    f"{path}: languages: {lang!r} has no interface catalog (missing {i18n.catalog_path(lang)}): "
                    f"translate the interface or declare language_fallbacks: {{{lang}: en}}"
                )
            continue
        if i18n.has_catalog(lang):
            raise ParamsError(f"{path}: language_fallbacks.{lang}: {lang!r} has its own catalog ({i18n.catalog_path(lang)}): remove the fallback")
        if not i18n.has_catalog(fallback):
            raise ParamsError(
                f"{path}: language_fallbacks.{lang}: the fallback {fallback!r} has no interface catalog either "
                f"(missing {i18n.catalog_path(fallback)})"
            )
        try:
            i18n.declare_fallback(lang, fallback)
        except ValueError as exc:
            raise ParamsError(f"{path}: language_fallbacks.{lang}: {exc}") from None


def _cross_check(
    reg: Region,
    strategy: Strategy,
    catalogue: IndicatorCatalogue,
    countries: dict[str, CountryParams],
    folder: Path,
    indicators_path: Path | None = None,
) -> None:
    langs = reg.languages
    spath = folder / "strategy.yaml"

    def need(text: dict[str, str], path: Path, key: str) -> None:
        try:
            _require_languages(text, langs, key)
        except ValueError as exc:
            raise ParamsError(f"{path}: {exc}") from None

    need(strategy.name, spath, "name")
    from .pages import dimension_kinds  # pages imports this module

    kinds = dimension_kinds()
    presented: dict[str, str] = {}
    for n, d in enumerate(strategy.dimensions):
        need(d.name, spath, f"dimensions.{d.id}.name")
        if d.page is not None and d.page not in kinds:
            raise ParamsError(f"{spath}: dimensions.{n}.page: {d.page!r} is not a dimension page kind (one of {', '.join(kinds)})")
        kind = d.page_kind
        if kind is None:
            continue
        if kind in presented:
            raise ParamsError(
                f"{spath}: dimensions.{n}.page: page kind {kind!r} already presents dimension {presented[kind]!r}; "
                f"give dimension {d.id!r} another page (one of {', '.join(kinds)})"
            )
        presented[kind] = d.id
    measure_ids = {m.id for m in strategy.measures}
    for p in strategy.pillars:
        need(p.name, spath, f"pillars.{p.id}.name")
        for m in p.measures:
            need(m.name, spath, f"measures.{m.id}.name")
            for s in m.steps:
                need(s.name, spath, f"measures.{m.id}.steps.{s.id}.name")
            for ind in m.indicators:
                if ind not in catalogue.ids:
                    raise ParamsError(f"{spath}: measures.{m.id}.indicators: unknown indicator {ind!r}")
    # The catalogue may be the shared or the default one: name the file actually read.
    ipath = indicators_path or folder / "indicators.yaml"
    shown = {d.id for d in strategy.dimensions if d.page_kind is not None}
    for ind in catalogue.indicators:
        need(ind.name, ipath, f"indicators.{ind.id}.name")
        need(ind.definition, ipath, f"indicators.{ind.id}.definition")
        if ind.short_name is not None:
            need(ind.short_name, ipath, f"indicators.{ind.id}.short_name")
        if ind.dimension not in shown:
            known = ", ".join(f"{d.id} (page {d.page_kind})" for d in strategy.dimensions if d.page_kind) or "none"
            raise ParamsError(
                f"{ipath}: indicators.{ind.id}.dimension: {ind.dimension!r} is not a dimension of {spath.name} presented by a page, "
                f"so the indicator would be shown nowhere (dimensions with a page: {known})"
            )

    roles = {s.role for m in strategy.measures for s in m.steps}
    for code, cp in countries.items():
        cpath = folder / "countries" / f"{code}.yaml"
        if cp.language not in langs:
            raise ParamsError(f"{cpath}: language: {cp.language!r} is not one of the region's languages {langs}")
        for lang in cp.names:
            if lang not in langs:
                raise ParamsError(f"{cpath}: names.{lang}: {lang!r} is not one of the region's languages {langs}")
        for mid in cp.baseline:
            if mid not in measure_ids:
                raise ParamsError(f"{cpath}: baseline: unknown measure {mid!r}")
        for ind_id, target in cp.targets.items():
            if ind_id not in catalogue.ids:
                raise ParamsError(f"{cpath}: targets.{ind_id}: unknown indicator")
            stats = catalogue.get(ind_id).statistics
            if stats and target.statistic not in stats:
                raise ParamsError(f"{cpath}: targets.{ind_id}.statistic: must be one of {stats}")
        if reg.is_party(code):
            missing = sorted(r for r in roles if cp.agency_for(r) is None)
            if missing:
                raise ParamsError(f"{cpath}: agencies: no agency holds role(s) {missing} used by the strategy")
