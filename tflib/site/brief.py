"""A one- to two-page PDF brief per member and language, typeset in-process with Typst.

The brief shows the member's implementation score and rank (parties only), the status of
every measure of the strategy, its most severe early warnings, and the latest real World
Bank figures (LPI, Doing Business 2020 border compliance to export), with a clear notice
when tracker figures are illustrative.

All text is built here, translated with `tflib.i18n` and formatted for the language (3,34 in
Spanish), and handed to the template ``brief.typ`` as JSON through Typst's ``sys.inputs``:
no data string is ever parsed as Typst markup, so nothing needs escaping. Typst's bundled
fonts are used (system fonts are ignored), so a brief looks the same on every machine.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from .. import monitor
from ..charts import NO_DATA, STATUS_COLOURS
from ..i18n import N_, fmt_date, fmt_number, fmt_percent, gettext, t, tn
from ..i18n import sentence as capitalised
from ..inputs import ReleaseTables
from ..params import RegionParams
from ..status import label
from ..tables import Table
from .downloads import caveat

TEMPLATE = Path(__file__).with_name("brief.typ")
MAX_WARNINGS = 5
DB_YEAR = 2020


@dataclass(frozen=True)
class BriefContext:
    """What a brief is about: one member in one language, and the release tables it reads."""

    params: RegionParams
    country: str
    lang: str
    tables: ReleaseTables

    @property
    def as_of(self) -> dt.date:
        return self.params.as_of

    @property
    def country_name(self) -> str:
        return self.params.name_of(self.country, self.lang)

    def text(self, value: dict[str, str]) -> str:
        return self.params.text(value, self.lang)

    def table(self, name: str) -> Table:
        return self.tables.table(name, self.lang)


def _number(table: Table, column: str, row: dict[str, Any], lang: str) -> str:
    """A value at its published precision (`tflib.tables`): 2.6 stays 2.6, 48 stays 48."""
    return fmt_number(row[column], lang, table.digits(column, row))


def _context(params: RegionParams, country: str, lang: str, tables: ReleaseTables) -> BriefContext:
    if lang not in params.languages:
        raise ValueError(f"{lang!r} is not a language of region {params.id!r} ({', '.join(params.languages)})")
    country = country.upper()
    params.country(country)  # raises for a non-member
    return BriefContext(params=params, country=country, lang=lang, tables=tables)


def _score_figure(ctx: BriefContext, table: pl.DataFrame, illustrative: bool) -> dict[str, Any]:
    lang = ctx.lang
    tag = gettext("Illustrative", lang) if illustrative else t("Tracker data", lang)
    base = {"tag": tag, "label": t("Implementation score", lang), "illustrative": illustrative}
    if not ctx.params.region.is_party(ctx.country):
        return {**base, "value": t("tracked, not scored", lang), "note": t("Only parties to the strategy are scored.", lang)}
    row = table.filter(pl.col("country") == ctx.country).row(0, named=True)
    if row["score"] is None:
        return {**base, "value": gettext("no data", lang), "note": t("No measure applies.", lang)}
    rank = tn("Rank {rank} of {n} party", "Rank {rank} of {n} parties", table.height, lang, rank=row["rank"], n=table.height)
    if row["tied"]:
        rank = tn("Rank {rank} of {n} party (tied)", "Rank {rank} of {n} parties (tied)", table.height, lang, rank=row["rank"], n=table.height)
    done = tn("{implemented} of {commitments} measure fully implemented", "{implemented} of {commitments} measures fully implemented", row["commitments"], lang, implemented=row["implemented"], commitments=row["commitments"])
    return {**base, "value": fmt_percent(row["score"], lang, 0), "note": f"{rank}. {done}."}


def _lpi(ctx: BriefContext) -> tuple[dict[str, Any], str]:
    lang, name = ctx.lang, ctx.country_name
    table = ctx.table("lpi")
    lpi = table.frame
    mine = lpi.filter((pl.col("iso3") == ctx.country) & pl.col("lpi_score").is_not_null()).sort("year")
    base = {"tag": t("Real data", lang), "illustrative": False}
    if mine.is_empty():
        note = capitalised(t("{country} is in no LPI wave (2010–2023).", lang, country=name))
        figure = {**base, "label": t("Logistics Performance Index", lang), "value": gettext("no data", lang), "note": note}
        return figure, t("Logistics Performance Index: no data. {country} is in no wave of the index (2010–2023).", lang, country=name)
    row = mine.row(-1, named=True)
    wave = lpi.filter(pl.col("year") == row["year"]).height
    score = _number(table, "lpi_score", row, lang)
    if row["lpi_rank"] is not None:
        note = tn("1 (worst) to 5 (best); rank {rank} of {n} economy", "1 (worst) to 5 (best); rank {rank} of {n} economies", wave, lang, rank=row["lpi_rank"], n=wave)
    else:
        note = t("1 (worst) to 5 (best)", lang)
    figure = {**base, "label": t("Logistics Performance Index {year}", lang, year=row["year"]), "value": score, "note": note}
    return figure, capitalised(t("{country} scored {score} in the Logistics Performance Index {year} (1 worst to 5 best).", lang, country=name, score=score, year=row["year"]))


def _db(ctx: BriefContext) -> tuple[dict[str, Any], str]:
    lang = ctx.lang
    table = ctx.table("doing_business")
    db = table.frame.filter((pl.col("iso3") == ctx.country) & (pl.col("report_year") == DB_YEAR))
    row = db.row(0, named=True) if db.height else None

    def shown(column: str, text: str) -> str:
        if row is None or row[column] is None:
            return gettext("no practice", lang) if row is not None and row[f"{column}_no_practice"] else gettext("no data", lang)
        return t(text, lang, value=_number(table, column, row, lang))

    hours = shown("export_border_hours", N_("{value} hours"))
    cost = shown("export_border_usd", N_("{value} US dollars"))
    figure = {
        "tag": t("Real data", lang),
        "illustrative": False,
        "label": t("Border compliance to export, DB2020", lang),
        "value": hours,
        "note": t("Cost: {cost}. DB2020 describes May 2019.", lang, cost=cost),
    }
    sentence = t("Doing Business 2020 (conditions of May 2019), border compliance to export: time {time}, cost {cost}.", lang, time=hours, cost=cost)
    return figure, sentence


def _measure_rows(ctx: BriefContext, status: pl.DataFrame) -> tuple[list[dict[str, str]], bool, bool]:
    lang = ctx.lang
    measures = {m.id: m for m in ctx.params.measures}
    mine = status.filter(pl.col("country") == ctx.country)
    rows = []
    any_illustrative = any_baseline = False
    for r in mine.iter_rows(named=True):
        measure = measures[r["measure_id"]]
        name = ctx.text(measure.name)
        if measure.illustrative:
            name += " *"
            any_illustrative = True
        state = label(r["status"], lang) if r["status"] else gettext("no data", lang)
        if r["source"] == "baseline":
            state += " †"
            any_baseline = True
        completion = gettext("no data", lang) if r["completion"] is None else fmt_percent(r["completion"] / 100, lang, 0)
        rows.append(
            {
                "measure": name,
                "status": state,
                "colour": STATUS_COLOURS.get(r["status"] or "", NO_DATA),
                "completion": completion,
                "deadline": fmt_date(r["deadline"], lang),
            }
        )
    return rows, any_illustrative, any_baseline


def _warnings(ctx: BriefContext) -> tuple[list[dict[str, str]], int, bool]:
    # Warnings on confidential indicators never reach a release table.
    found = ctx.table("early_warnings").frame.filter(pl.col("country") == ctx.country)
    severity = {"high": t("high", ctx.lang), "medium": t("medium", ctx.lang), "low": t("low", ctx.lang)}
    top = [
        {
            "severity": severity[r["severity"]],
            "kind": monitor.kind_label(r["kind"], ctx.lang),
            "message": monitor.warning_message(r, ctx.lang, ctx.params),
        }
        for r in found.head(MAX_WARNINGS).iter_rows(named=True)
    ]
    return top, found.height, bool(found["illustrative"].any()) if found.height else False


def brief_content(
    params: RegionParams,
    country: str,
    lang: str,
    tables: ReleaseTables,
    *,
    release: str,
) -> dict[str, Any]:
    """Everything the brief shows, translated and formatted: the JSON the template reads.
    Every figure comes from the build's release tables (`tables`), as on the site."""
    ctx = _context(params, country, lang, tables)
    name = ctx.country_name
    region = ctx.text(params.region.name)
    status = ctx.table("measure_status").frame
    table = ctx.table("scores").frame
    rows, any_illustrative_measure, any_baseline = _measure_rows(ctx, status)
    warnings, total, warnings_illustrative = _warnings(ctx)
    illustrative = (
        bool(status.filter(pl.col("country") == ctx.country)["illustrative"].any())
        or bool(table["illustrative"].any())
        or warnings_illustrative
    )
    lpi_figure, lpi_sentence = _lpi(ctx)
    db_figure, db_sentence = _db(ctx)

    kicker = t("Trade facilitation country brief", lang)
    notes = []
    if any_illustrative_measure:
        notes.append(t("* Illustrative measure: not documented in the strategy's sources; drawn from WTO Trade Facilitation Agreement articles.", lang))
    if any_baseline:
        notes.append(t("† In place before the strategy (baseline).", lang))
    notes.append(t("Status as of {date}, from the completion of each measure's steps weighted by their planned duration.", lang, date=fmt_date(ctx.as_of, lang, "long")))

    party_note = None
    if not params.region.is_party(ctx.country):
        party_note = capitalised(t("{country} is tracked and compared, not scored: it is not bound by the strategy.", lang, country=name))
    sources = [
        t("Action items, progress, scores and warnings: national progress and indicator reports to the secretariat.", lang),
        t("World Bank, Logistics Performance Index, waves 2010–2023. Licence: CC BY 4.0.", lang),
        t("World Bank, Doing Business 2016–2020, Trading across borders (national figures).", lang),
    ]
    if illustrative:
        sources[0] += " " + t("In this release these figures are illustrative (made by a seeded generator), not real.", lang)
    return {
        "lang": lang,
        # Illustrative tracker data is not the secretariat's: the brief names no author then.
        "author": [] if illustrative else [params.region.secretariat],
        "title": capitalised(name),
        "kicker": kicker,
        "meta": [region, t("Data as of {date}", lang, date=fmt_date(ctx.as_of, lang, "long")), t("Release {release}", lang, release=release)],
        "party_note": party_note,
        "footer": f"{kicker}: {name} · {release}" if illustrative else f"{params.region.secretariat} · {kicker}: {name} · {release}",
        "notice": {
            "illustrative": illustrative,
            "heading": gettext("Illustrative data", lang) if illustrative else t("Tracker data", lang),
            "text": t(
                "Tracker figures in this brief (implementation score, status of the measures, early warnings) are ILLUSTRATIVE: "
                "they were made by a seeded generator because no tracker data is public. They are not real figures. "
                "The World Bank figures are real.",
                lang,
            )
            if illustrative
            else t("Tracker figures in this brief come from the national reports to the secretariat. The World Bank figures are published reference data.", lang),
        },
        "figures": [_score_figure(ctx, table, illustrative), lpi_figure, db_figure],
        "measures": {
            "heading": t("Status of the strategy's measures", lang),
            "columns": [gettext("Measure", lang), gettext("Status", lang), gettext("% complete", lang), t("Deadline", lang)],
            "rows": rows,
            "notes": notes,
        },
        "warnings": {
            "heading": gettext("Early warnings", lang),
            "items": warnings,
            "total": total,
            "summary": t("Most severe warnings shown: {shown} of {total}.", lang, shown=len(warnings), total=total),
            "empty": t("No early warnings as of this date.", lang),
        },
        "reference": {
            "heading": t("Logistics benchmarks (real data)", lang),
            "items": [f"{lpi_sentence} {caveat('lpi', lang)}", f"{db_sentence} {caveat('doing_business', lang)}"],
        },
        "sources": {"heading": t("Sources", lang), "items": sources},
    }


def write_country_brief(
    params: RegionParams,
    country: str,
    lang: str,
    out_path: Path,
    tables: ReleaseTables,
    *,
    release: str,
    cache: Path | None = None,
) -> Path:
    """Typeset the brief of `country` in `lang` to the PDF `out_path` and return its path.
    `release` names the release on the brief, as on the site's cite page. With a `cache`
    folder, a brief is typeset only when what it is made of is new (its content, the
    template, Typst): the PDF is kept there under the digest of those."""
    import hashlib
    import os

    import typst

    content = json.dumps(brief_content(params, country, lang, tables, release=release), ensure_ascii=False)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if cache is None:
        _typeset(content, params.as_of, out_path)
        return out_path
    key = hashlib.sha256("\0".join([content, TEMPLATE.read_text(encoding="utf-8"), getattr(typst, "__version__", ""), params.as_of.isoformat()]).encode()).hexdigest()
    kept = Path(cache) / f"{key}.pdf"
    if kept.is_file():
        os.utime(kept)  # used: kept by `report.prune`
    else:
        kept.parent.mkdir(parents=True, exist_ok=True)
        tmp = kept.with_name(f".{key}.{os.getpid()}.tmp.pdf")  # Typst writes the format its name ends with
        _typeset(content, params.as_of, tmp)
        os.replace(tmp, kept)
    from .report import place

    place(kept, out_path)
    return out_path


def _typeset(content: str, as_of: dt.date, out_path: Path) -> None:
    """The PDF of a brief's content (JSON). Its creation date is the data date (never the
    clock), and Typst's bundled fonts are used: the same content gives the same file."""
    import typst

    stamp = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.timezone.utc)
    typst.compile(
        str(TEMPLATE),
        output=str(out_path),
        root=str(TEMPLATE.parent),
        sys_inputs={"brief": content},
        ignore_system_fonts=True,
        timestamp=stamp,
    )
