"""The builtin site's own pages: the regional home, a landing page per member, methods and
sources, how to cite, the revision log, search, and the region's root page.

Every figure on them comes from the build's release tables (`Site.tables`): scores, ranks
and early warnings are never computed again here.
"""

from __future__ import annotations

import html
import re
from typing import Any

import polars as pl
from babel.lists import format_list
from markupsafe import Markup

from .. import monitor, pages
from ..i18n import display_name, fmt_date, fmt_number, fmt_percent, sentence, t, tn
from ..params import RegionParams
from ..page import CAVEATS
from .model import Revision
from .shell import EXTERNAL_LINKS, Link, Site, language_name, relative

def text_blocks(text: str) -> str:
    """Markdown-like text (the reference provenance) as escaped HTML: headings, bullet lists,
    paragraphs and `code`. Everything is escaped first; no markup from the text survives."""

    def inline(s: str) -> str:
        s = html.escape(s, quote=True)
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", s)

    out: list[str] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            out.append("<p>" + inline(" ".join(para)) + "</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if heading:
            flush()
            level = min(len(heading.group(1)) + 2, 6)  # under the page's h1 and section h2
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif re.match(r"^[-*]\s+", stripped):
            if para:
                flush()
            items.append(re.sub(r"^[-*]\s+", "", stripped))
        elif items and raw.startswith((" ", "\t")):
            items[-1] += " " + stripped  # continuation of a list item
        else:
            if items:
                flush()
            para.append(stripped)
    flush()
    return "\n".join(out)




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
    )


def methods(site: Site, lang: str, provenance: str) -> None:
    rel_path = pages.site_page_path(lang, "methods")
    title = t("Methods and sources", lang)
    shell = site.shell(rel_path, lang, title=title, crumbs=[(site.region_name(lang), pages.home_path(lang)), (title, None)])
    measures = [
        {"id": m.id, "name": site.params.text(m.name, lang)}
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
    licences = [
        {
            "text": t("Logistics Performance Index: World Bank, licensed under Creative Commons Attribution 4.0 (CC BY 4.0).", lang),
            "links": [("lpi.worldbank.org", EXTERNAL_LINKS["lpi"]), ("CC BY 4.0", EXTERNAL_LINKS["cc_by"])],
        },
        {"text": t("Doing Business, Trading across borders: World Bank, editions DB2016 to DB2020.", lang) + " " + caveat["doing_business"], "links": []},
        {"text": t("Country boundaries: Natural Earth (public domain).", lang) + " " + caveat["boundaries"], "links": [("naturalearthdata.com", EXTERNAL_LINKS["natural_earth"])]},
    ]
    site.render(
        "methods.html.j2",
        rel_path,
        shell,
        heading=title,
        illustrative_text=t(
            "No tracker data is public. The tracker figures of this site (action items, progress reports, national indicators, "
            "and the scores, ranks and early warnings computed from them) are ILLUSTRATIVE: they were made by a seeded generator "
            "and are not real figures. The reference data (World Bank LPI, Doing Business, Natural Earth boundaries) is real and published.",
            lang,
        ),
        measures=measures,
        scoring=scoring,
        caveats=[text for key, text in caveat.items() if key != "illustrative"],
        licences=licences,
        provenance=Markup(text_blocks(provenance)),
        provenance_in_english=lang != "en",
    )


def cite(site: Site, lang: str) -> None:
    rel_path = pages.site_page_path(lang, "cite")
    title = t("How to cite", lang)
    shell = site.shell(rel_path, lang, title=title, crumbs=[(site.region_name(lang), pages.home_path(lang)), (title, None)])
    work = t("Trade Facilitation Reform Tracker: {region}", lang, region=site.region_name(lang))
    release = site.release
    citation = t(
        "{secretariat}. {title}. Release {release}, data as of {date}. [URL]",
        lang,
        secretariat=site.params.region.secretariat,
        title=work,
        release=release.release_id,
        date=fmt_date(release.as_of, lang, "long"),
    )
    note = t("Release {release}, data as of {date}", lang, release=release.release_id, date=fmt_date(release.as_of, lang, "long"))
    bibtex = "\n".join(
        [
            f"@misc{{{re.sub(r'[^A-Za-z0-9_-]', '_', release.release_id)},",
            f"  author = {{{{{site.params.region.secretariat}}}}},",
            f"  title = {{{work}}},",
            f"  year = {{{release.as_of.year}}},",
            f"  note = {{{note}}},",
            "  url = {[URL]}",
            "}",
        ]
    )
    site.render("cite.html.j2", rel_path, shell, heading=title, citation=citation, bibtex=bibtex)


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


