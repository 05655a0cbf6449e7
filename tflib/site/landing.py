"""The builtin site's own pages: the regional home, a landing page per member, methods and
sources, how to cite, the revision log, search, and the region's root page.

Every figure on them comes from the build's release tables (`Site.tables`): scores, ranks
and early warnings are never computed again here.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl
from babel.lists import format_list

from .. import monitor, pages
from ..i18n import display_name, fmt_date, fmt_number, fmt_percent, sentence, t, tn
from ..params import RegionParams
from ..page import CAVEATS
from .model import Revision
from .shell import EXTERNAL_LINKS, Link, Site, language_name, relative

def _score_row(site: Site, iso3: str) -> dict[str, Any] | None:
    rows = site.scores.filter(pl.col("country") == iso3).to_dicts()
    return rows[0] if rows else None


def _score_cells(site: Site, iso3: str, lang: str) -> dict[str, str]:
    row = _score_row(site, iso3)
    parties = len(site.params.region.parties)
    if row is None:
        return {"score": t("not scored", lang), "rank": "–", "rate": "–"}
    score = fmt_percent(row["score"], lang) if row["score"] is not None else t("no data", lang)
    if row["rank"] is None:
        rank = t("no data", lang)
    else:
        rank = t("{rank} of {n}", lang, rank=fmt_number(row["rank"], lang, 0), n=fmt_number(parties, lang, 0))
        if row["tied"]:
            rank = t("{rank} (tied)", lang, rank=rank)
    rate = fmt_percent(row["implementation_rate"], lang) if row.get("implementation_rate") is not None else t("no data", lang)
    return {"score": score, "rank": rank, "rate": rate}


def _warning_counts(site: Site, iso3: str | None = None) -> dict[str, int]:
    frame = site.warnings if iso3 is None else site.warnings.filter(pl.col("country") == iso3)
    counts = {k: 0 for k in monitor.KINDS}
    for row in frame.group_by("kind", maintain_order=True).len().to_dicts():
        counts[row["kind"]] = int(row["len"])
    return counts


def _tracker_illustrative(site: Site, iso3: str | None = None) -> bool:
    frames = [site.scores, site.warnings]
    flags = []
    for frame in frames:
        if "illustrative" in frame.columns and frame.height:
            f = frame if iso3 is None else frame.filter(pl.col("country") == iso3)
            flags.append(bool(f["illustrative"].fill_null(False).any()))
    return any(flags)


def _page_links(site: Site, lang: str, from_page: str, country: str | None) -> list[Link]:
    out = []
    for kind in site.kinds_of(lang, country):
        rec = site.record(lang, country, kind)
        out.append(Link(site.kind_title(kind, lang), relative(from_page, rec.address.html), failed=not rec.ok))
    return out


def home(site: Site, lang: str) -> None:
    rel_path = pages.home_path(lang)
    name = site.region_name(lang)
    shell = site.shell(rel_path, lang, title=name, crumbs=[(name, None)], illustrative=_tracker_illustrative(site))
    rows = []
    for iso3 in site.members:
        cells = _score_cells(site, iso3, lang)
        links = _page_links(site, lang, rel_path, iso3)
        rows.append(
            {
                "name": site.params.short_name_of(iso3, lang),
                "iso3": iso3,
                "href": relative(rel_path, pages.landing_path(lang, iso3)),
                "party": site.params.region.is_party(iso3),
                "warnings": fmt_number(sum(_warning_counts(site, iso3).values()), lang, 0),
                "pages": links,
                "failed": sum(p.failed for p in links),
                **cells,
            }
        )
    kinds = site.member_kinds()
    matrix = []
    for iso3 in site.members:
        cells = []
        for kind in kinds:
            rec = site.record(lang, iso3, kind)
            cells.append(None if rec is None else Link("", relative(rel_path, rec.address.html), failed=not rec.ok))
        if any(c is not None for c in cells):
            matrix.append({"name": site.params.short_name_of(iso3, lang), "cells": cells})
    total = sum(_warning_counts(site).values())
    site.render(
        "home.html.j2",
        rel_path,
        shell,
        heading=name,
        intro=t("{strategy}: implementation by the members as of {date}.", lang, strategy=site.params.text(site.params.strategy.name, lang), date=fmt_date(site.params.as_of, lang, "long")),
        overview=_page_links(site, lang, rel_path, None),
        rows=rows,
        dims=[site.kind_title(k, lang) for k in kinds],
        matrix=matrix,
        warnings_total=warnings_total(site.params, total, lang),
        bulk=[(t(label, lang), relative(rel_path, target)) for label, target in site.bulk],
        definitions={anchor: text for anchor, _, text in _definitions(lang)},
    )


def warnings_total(params: RegionParams, total: int, lang: str) -> str:
    """The region's count of early warnings on its home page."""
    return t("Early warnings across the region as of {date}: {n}.", lang, n=fmt_number(total, lang, 0), date=fmt_date(params.as_of, lang, "long"))


def party_status(params: RegionParams, iso3: str, lang: str) -> str:
    """Whether a member is scored, on its landing page."""
    name = params.name_of(iso3, lang)
    if params.region.is_party(iso3):
        return sentence(t("{country} is a party to the strategy: it is scored and ranked.", lang, country=name))
    return sentence(t("{country} is tracked and compared, not scored: it is not bound by the strategy.", lang, country=name))


def landing(site: Site, lang: str, iso3: str) -> None:
    rel_path = pages.landing_path(lang, iso3)
    name, short = site.params.name_of(iso3, lang), site.params.short_name_of(iso3, lang)
    shell = site.shell(rel_path, lang, title=short, crumbs=[(site.region_name(lang), pages.home_path(lang)), (short, None)], country=iso3, illustrative=_tracker_illustrative(site, iso3))
    party = site.params.region.is_party(iso3)
    status = party_status(site.params, iso3, lang)
    counts = _warning_counts(site, iso3)
    brief = site.briefs.get((lang, iso3))
    site.render(
        "country.html.j2",
        rel_path,
        shell,
        heading=sentence(name),
        status=status,
        party=party,
        cells=_score_cells(site, iso3, lang),
        warnings=[(monitor.kind_label(k, lang), fmt_number(v, lang, 0)) for k, v in counts.items()],
        warnings_total=fmt_number(sum(counts.values()), lang, 0),
        has_warnings=sum(counts.values()) > 0,
        report_pages=_page_links(site, lang, rel_path, iso3),
        missing_pages=pages.missing_page_notes(site.params, iso3, lang, name),
        brief=relative(rel_path, brief) if brief else None,
        definitions={anchor: text for anchor, _, text in _definitions(lang)},
        score_and_rate=t("The score counts partial progress too; the rate counts only measures fully implemented, so it is often lower.", lang),
    )


# The reference data's publications: the tracker reads these files (tflib.reference); each is
# cited as its publisher asks. Titles stay in the language they were published in.
def _reference_sources(lang: str) -> list[dict[str, Any]]:
    return [
        {
            "author": t("World Bank", lang), "year": "2023",
            "title": "Connecting to Compete 2023: Trade Logistics in an Uncertain Global Economy — The Logistics Performance Index and Its Indicators",
            "text": t("Washington, DC: World Bank. Logistics Performance Index, waves 2010 to 2023; licence: Creative Commons Attribution 4.0 (CC BY 4.0).", lang),
            "links": [("lpi.worldbank.org", EXTERNAL_LINKS["lpi"]), ("CC BY 4.0", EXTERNAL_LINKS["cc_by"])],
        },
        {
            "author": t("World Bank", lang), "year": "2010–2018",
            "title": "Connecting to Compete: Trade Logistics in the Global Economy — The Logistics Performance Index and Its Indicators",
            "text": t("Editions 2010, 2012, 2014, 2016 and 2018: the earlier waves of the index.", lang),
            "links": [],
        },
        {
            "author": t("World Bank", lang), "year": "2016–2020",
            "title": "Doing Business 2016 to Doing Business 2020 (Doing Business 2020: Comparing Business Regulation in 190 Economies)",
            "text": t("Washington, DC: World Bank. Indicators of trading across borders (time and cost to export and import), national figures.", lang),
            "links": [],
        },
        {
            "author": "Natural Earth", "year": "",
            "title": "Admin 0 – Countries, version 5.1.2 (1:50m and 1:110m)",
            "text": t("Country boundaries of the maps; public domain.", lang),
            "links": [("naturalearthdata.com", EXTERNAL_LINKS["natural_earth"])],
        },
        {
            "author": t("United Nations, UN-OHRLLS", lang), "year": "",
            "title": "List of Landlocked Developing Countries",
            "text": t("The landlocked developing countries the corridors page compares with.", lang),
            "links": [],
        },
    ]


def _impact_sources(site: Site, lang: str) -> list[dict[str, Any]]:
    """The region's impact estimate: the method's publication and its trade figures' source
    (both from the region's parameters)."""
    from ..analysis.impact import load_impact

    imp = load_impact(site.params, check_file=False)
    out = [{"author": "", "year": "", "title": "", "text": t("Value of a day in transit, in the impact estimate: {citation}.", lang, citation=imp.method.citation.rstrip(".")), "links": []}]
    if imp.trade is not None:
        source = imp.trade.source if isinstance(imp.trade.source, str) else site.params.text(imp.trade.source, lang)
        out.append({"author": "", "year": "", "title": "", "text": t("Trade values of the impact estimate ({title}): {source}.", lang, title=site.params.text(imp.trade.title, lang), source=source), "links": []})
    return out


def tracker_data_note(site: Site, lang: str, illustrative: bool) -> str:
    """Who made the tracker figures: the seeded generator (illustrative) or the members."""
    if illustrative:
        return t(
            "The tracker figures of this site (action items, progress reports, national indicators, and the scores, ranks and early warnings computed from them) "
            "are illustrative: they were made by the tracker's seeded generator, not reported by the members. The reference data (World Bank, Natural Earth) is real and published.",
            lang,
        )
    return t("The tracker figures of this site come from the members' progress and indicator reports to {secretariat}.", lang, secretariat=site.params.region.secretariat)


def _definitions(lang: str) -> list[tuple[str, str, str]]:
    """(anchor in the glossary, term, short definition) of the figures the pages show most."""
    return [
        ("implementation-score", t("Implementation score", lang), t("Implementation score: the points a party earns on the strategy's measures, as a share of the most it could earn.", lang)),
        ("implementation-rate", t("Implementation rate", lang), t("Implementation rate: the share of its commitments fully implemented.", lang)),
        ("on-time-rate", t("On-time rate", lang), t("On-time rate: the share of the commitments already due that were implemented by their deadline.", lang)),
        ("early-warnings", t("Early warnings", lang), t("Early warnings: action items that are late or may be, and reports that are missing or show a worsening.", lang)),
    ]


def methods(site: Site, lang: str) -> None:
    rel_path = pages.site_page_path(lang, "methods")
    title = t("Methods and sources", lang)
    shell = site.shell(rel_path, lang, title=title, crumbs=[(site.region_name(lang), pages.home_path(lang)), (title, None)])
    illustrative = _tracker_illustrative(site)
    measures = [
        {"id": m.id, "name": site.params.text(m.name, lang), "href": f"{relative(rel_path, pages.site_page_path(lang, 'glossary'))}#measure-{m.id}"}
        for m in site.params.measures
        if m.illustrative
    ]
    scoring = [
        t("Scores follow the UN Global Survey on Digital and Sustainable Trade Facilitation: a measure earns 3 points when fully implemented, 2 when partially implemented, 1 at pilot stage and 0 when not started.", lang),
        t("Measures that do not apply to a country are left out of its maximum. A measure nobody reported on is shown as no data: it earns no points but still counts in the maximum, so missing reports never raise a score.", lang),
        t("A measure's completion is the duration-weighted mean of the latest percent complete of its steps.", lang),
        t("A party's implementation score is its points as a share of its maximum points. Parties are ranked by score; equal scores share a rank. Only parties to the strategy are scored; the other members are tracked and compared.", lang),
        t("The implementation rate (WTO TFA style) is the share of a party's commitments that are fully implemented; the on-time rate is the share of the commitments already due that were implemented by their deadline.", lang),
    ]
    caveat = {key: t(text, lang) for key, text in CAVEATS.items()}
    caveats = [
        caveat["lpi"],
        t("In the copy of the LPI data this tracker reads, the timeliness and the tracking and tracing scores of the 2010 and 2012 waves were in each other's place; they are shown here as the World Bank published them.", lang),
        caveat["doing_business"],
        caveat["boundaries"],
        caveat["descriptive"],
    ]
    tracker = {
        "author": "", "year": "", "title": "",
        "text": t("Action items, progress and national indicators: illustrative data made by the tracker's seeded generator (not real figures).", lang)
        if illustrative
        else t("Action items, progress and national indicators: the members' reports to {secretariat}.", lang, secretariat=site.params.region.secretariat),
        "links": [],
    }
    glossary_href = relative(rel_path, pages.site_page_path(lang, "glossary"))
    site.render(
        "methods.html.j2",
        rel_path,
        shell,
        heading=title,
        illustrative_text=tracker_data_note(site, lang, illustrative),
        measures=measures,
        scoring=scoring,
        caveats=caveats,
        sources=[tracker, *_reference_sources(lang), *_impact_sources(site, lang)],
        definitions=[(label, f"{glossary_href}#{anchor}", text) for anchor, label, text in _definitions(lang)],
    )


def _example_item(site: Site, lang: str) -> dict[str, str] | None:
    """A real action item of the region, its code read from its parts (`tflib.plan.item_id`):
    the first item of the first party with a plan."""
    from ..plan import item_id

    items = site.tables.frame("action_items", lang)
    for iso3 in site.params.region.parties:
        mine = items.filter(pl.col("country") == iso3)
        if mine.height:
            row = mine.row(0, named=True)
            measure = next(m for m in site.params.measures if m.id == row["measure_id"])
            code = item_id(iso3, row["measure_id"], row["step_id"])
            assert code == row["item_id"], (code, row["item_id"])  # the code is its parts
            return {
                "code": code,
                "text": t(
                    "{code} is step {step} (“{step_name}”) of the measure {measure} ({measure_name}) {in_country} ({iso3}).",
                    lang, code=code, step=row["step_id"], step_name=row["step_name"], measure=row["measure_id"],
                    measure_name=site.params.text(measure.name, lang), in_country=site.params.in_country(iso3, lang), iso3=iso3,
                ),
            }
    return None


def glossary(site: Site, lang: str) -> None:
    """What the terms, figures and codes of the site mean, each at an anchor pages link to."""
    from .. import scores, status

    rel_path = pages.site_page_path(lang, "glossary")
    title = t("Glossary", lang)
    shell = site.shell(rel_path, lang, title=title, crumbs=[(site.region_name(lang), pages.home_path(lang)), (title, None)])
    params = site.params
    region = params.region
    partial = fmt_percent(scores.PARTIAL_FROM / 100, lang, 0)
    statuses = [
        (status.label("full", lang), t("every step of the measure is fully implemented (100 % complete).", lang)),
        (status.label("partial", lang), t("at least {partial} of the measure is complete.", lang, partial=partial)),
        (status.label("pilot", lang), t("work has begun, less than {partial} complete.", lang, partial=partial)),
        (status.label("not_started", lang), t("steps are reported, none of them begun.", lang)),
        (status.label("not_applicable", lang), t("the measure does not apply to the country; it is left out of its maximum points.", lang)),
        (sentence(t("no data", lang)), t("no step of the measure has been reported: it earns no points but still counts in the maximum.", lang)),
    ]
    period = t("month", lang) if region.submission_period == "month" else t("quarter", lang)
    warning_text = {
        "overdue": t("the action item's due date has passed and it is not fully implemented.", lang),
        "at_risk": t("the action item is not yet due, but at the pace reported so far it would be completed after its due date.", lang),
        "stalled": t("work on the action item should be under way, but nothing has been reported for more than {days} days.", lang, days=fmt_number(region.stall_days, lang, 0)),
        "missing_submission": t("a reporting period (a {period}) passed with no progress report from the member.", lang, period=period),
        "regression": t("a national indicator is worse than in the previous period by more than {tolerance}.", lang, tolerance=fmt_percent(region.regression_tolerance, lang, 0)),
        "target_missed": t("the date of a national target has passed and the latest value does not meet it.", lang),
    }
    site.render(
        "glossary.html.j2",
        rel_path,
        shell,
        heading=title,
        statuses=statuses,
        warnings=[(k, monitor.kind_label(k, lang), warning_text[k]) for k in monitor.KINDS],
        example=_example_item(site, lang),
        measures=[{"id": m.id, "name": params.text(m.name, lang), "pillar": params.text(p.name, lang), "illustrative": m.illustrative} for p in params.strategy.pillars for m in p.measures],
        illustrative_text=tracker_data_note(site, lang, _tracker_illustrative(site)),
        partial=partial,
        stall_days=fmt_number(region.stall_days, lang, 0),
    )


def release_list(site: Site, lang: str, from_page: str) -> list[dict[str, Any]]:
    """Every release, newest first, with the link to its archive where the site keeps it."""
    release = site.release
    known = list(getattr(release, "releases", []) or [(release.release_id, release.latest_report)])
    if release.release_id not in {rid for rid, _ in known}:
        known.insert(0, (release.release_id, release.latest_report))
    ids = {rid for rid, _ in known}
    known += [(rid, None) for rid in sorted(set(site.archives) - ids, reverse=True)]
    return [
        {
            "id": rid,
            "date": fmt_date(day, lang, "long") if day else "",
            "href": relative(from_page, site.archives[rid]) if rid in site.archives else None,
            "current": rid == release.release_id,
        }
        for rid, day in known
    ]


def cite(site: Site, lang: str) -> None:
    rel_path = pages.site_page_path(lang, "cite")
    title = t("How to cite", lang)
    shell = site.shell(rel_path, lang, title=title, crumbs=[(site.region_name(lang), pages.home_path(lang)), (title, None)])
    work = t("Trade Facilitation Reform Tracker: {region}", lang, region=site.region_name(lang))
    release = site.release
    url = site.params.region.site_url
    secretariat = site.params.region.secretariat
    illustrative = _tracker_illustrative(site)
    parts = [
        # Illustrative tracker data is not the secretariat's: the work is cited by its title.
        t("{title} ({year}).", lang, title=work, year=release.as_of.year) if illustrative else t("{author} ({year}). {title}.", lang, author=secretariat, year=release.as_of.year, title=work),
        t("Release {release}, data as of {date}.", lang, release=release.release_id, date=fmt_date(release.as_of, lang, "long")),
    ]
    note = ""
    if illustrative:
        note = t(
            "The tracker figures of this release (action items, progress, indicators, and the scores and warnings computed from them) were made by the tracker's seeded generator: "
            "they are illustrative, not data of {secretariat} or its members.",
            lang, secretariat=secretariat,
        )
        parts.append(note)
    if url:
        parts.append(t("Available at {url}", lang, url=url))
    fields = [f"@misc{{{re.sub(r'[^A-Za-z0-9_-]', '_', release.release_id)},"]
    if not illustrative:
        fields.append(f"  author = {{{{{secretariat}}}}},")
    fields += [
        f"  title = {{{work}}},",
        f"  year = {{{release.as_of.year}}},",
        "  note = {" + t("Release {release}, data as of {date}.", lang, release=release.release_id, date=fmt_date(release.as_of, lang, "long")) + (f" {note}" if note else "") + "},",
    ]
    if url:
        fields.append(f"  url = {{{url}}},")
    fields[-1] = fields[-1].rstrip(",")
    archive = site.archives.get(release.release_id)
    site.render(
        "cite.html.j2",
        rel_path,
        shell,
        heading=title,
        citation=" ".join(parts),
        bibtex="\n".join([*fields, "}"]),
        archive=relative(rel_path, archive) if archive else None,
        archive_url=f"{url}/{archive}" if url and archive else None,
        releases=release_list(site, lang, rel_path),
    )


def changes(site: Site, lang: str) -> None:
    rel_path = pages.site_page_path(lang, "changes")
    title = t("Revision log", lang)
    shell = site.shell(rel_path, lang, title=title, crumbs=[(site.region_name(lang), pages.home_path(lang)), (title, None)])
    release = site.release
    # Re-run pages, once per page whatever the language; linked in this language when it has one.
    seen: dict[tuple[str | None, str], set[str]] = {}
    for page_id in release.changed_pages:
        address = pages.Address.from_page_id(site.params.id, page_id)
        seen.setdefault((address.member, address.kind), set()).add(address.lang)
    changed = []
    order = {k: i for i, k in enumerate(pages.KINDS)}
    for (country, kind), langs in sorted(seen.items(), key=lambda kv: (kv[0][0] is not None, kv[0][0] or "", order.get(kv[0][1], len(order)))):
        who = site.params.short_name_of(country, lang) if country else site.region_name(lang)
        label = f"{pages.titled(site.kind_title(kind, lang), who, lang)} ({_languages(sorted(langs), lang)})"
        target = pages.Address(site.params.id, kind, country, lang).html
        changed.append(Link(label, relative(rel_path, target) if target in site.planned else ""))
    site.render(
        "changes.html.j2",
        rel_path,
        shell,
        heading=title,
        previous=release.previous_release,
        as_of_long=fmt_date(release.as_of, lang, "long"),
        notes=[revision_note(site, r, lang) for r in release.revisions],
        changed=changed,
        releases=release_list(site, lang, rel_path),
    )


def _languages(codes: list[str], lang: str) -> str:
    """Languages named in `lang` ("inglés y español")."""
    return format_list([display_name(code, lang) for code in codes], locale=lang)


def revision_note(site: Site, revision: Revision, lang: str) -> str:
    """One release of the revision log in `lang`: its id, date and the pages it re-ran."""
    changed = [pages.Address.from_page_id(site.params.id, p) for p in revision.changed_pages]
    members = sorted({a.member for a in changed if a.member})
    who = sorted(site.params.short_name_of(m, lang) for m in members) + ([site.region_name(lang)] if any(a.member is None for a in changed) else [])
    values = dict(release=revision.release_id, date=fmt_date(revision.latest_report, lang, "long"))
    if not changed:
        return t("{release} ({date}): no page updated.", lang, **values)
    return tn("{release} ({date}): {n} page updated, about {who}, in {languages}.", "{release} ({date}): {n} pages updated, about {who}, in {languages}.", len(changed), lang,
              n=fmt_number(len(changed), lang, 0), who=format_list(who, locale=lang), languages=_languages(sorted({a.lang for a in changed}), lang), **values)


def search(site: Site, lang: str) -> None:
    rel_path = pages.site_page_path(lang, "search")
    title = t("Search", lang)
    shell = site.shell(rel_path, lang, title=title, crumbs=[(site.region_name(lang), pages.home_path(lang)), (title, None)])
    site.render(
        "search.html.j2",
        rel_path,
        shell,
        heading=title,
    )


def root(site: Site) -> None:
    default = site.params.region.default_language
    links = [Link(language_name(code), pages.home_path(code)) for code in site.languages]
    text = site.env.get_template("root.html.j2").render(
        lang=default,
        title=site.region_name(default),
        target=pages.home_path(default),
        links=links,
        asset=lambda name: f"assets/{name}",
        _=lambda message, **values: t(message, default, **values),
    )
    site.write("index.html", text)


