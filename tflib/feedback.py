"""Feedback to the submitting country, in its language: what was accepted, what was
rejected and how to fix it. One Markdown file per country and submitted file, under
``data/feedback/<region>/``. Submitted values are escaped, never interpreted as markup, and
the submitted file's name is made safe (`tflib.safety.safe_filename`) before it names the
feedback file or is shown in it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from .i18n import fmt_number, t, tn
from .params import RegionParams
from .rules import RULES, IngestResult, Problem
from .safety import md_escape, safe_filename

__all__ = ["md_escape", "write_feedback"]


def write_feedback(
    result: IngestResult,
    params: RegionParams,
    folder: Path,
    accepted_countries: list[str],
    rejected: list[tuple[int, dict, list[Problem]]],
    received: dt.date,
) -> list[Path]:
    """One feedback file per country concerned (the region's language when none is known)."""
    countries = sorted(set(accepted_countries) | {_row_country(r, params) for _, r, _ in rejected} - {None})
    if not countries:
        countries = [None]
    paths = []
    for country in countries:
        lang = params.country(country).language if country else params.region.default_language
        mine = [(n, r, ps) for n, r, ps in rejected if _row_country(r, params) in (country, None)]
        n_accepted = sum(1 for c in accepted_countries if c == country) if country else len(accepted_countries)
        text = _render(result, params, country, lang, n_accepted, mine, received)
        # The sender chose the file name: no path, control or forbidden characters reach ours.
        stem = Path(safe_filename(result.file)).stem
        path = folder / f"{stem}-{result.sha256[:12]}.{country or params.id}.{lang}.md"
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _row_country(record: dict, params: RegionParams) -> str | None:
    code = str(record.get("country") or "").strip().upper()
    return code if code in params.region.member_codes else None


def _render(
    result: IngestResult,
    params: RegionParams,
    country: str | None,
    lang: str,
    n_accepted: int,
    rejected: list[tuple[int, dict, list[Problem]]],
    received: dt.date,
) -> str:
    n = lambda v: fmt_number(v, lang, digits=0)  # noqa: E731 - a local shorthand
    who = params.short_name_of(country, lang) if country else params.text(params.region.name, lang)
    lines = [
        "# " + t("Submission feedback: {file}", lang, file=md_escape(safe_filename(result.file))),
        "",
        t("To: {who}. Received: {date}. File fingerprint: {sha}.", lang, who=md_escape(who), date=received.isoformat(), sha=result.sha256[:12]),
        "",
    ]
    if result.outcome == "unreadable":
        problem = result.problems[0]
        what, fix = RULES.get(problem.rule, (problem.message, ""))
        lines += [
            "## " + t("The file could not be read", lang),
            "",
            t(what, lang) + " " + t(fix, lang),
            "",
            t("Nothing from this file was stored. The file is kept as received.", lang),
        ]
        return "\n".join(lines) + "\n"
    rows_in = n_accepted + len(rejected)
    lines += [
        "## " + t("Summary", lang),
        "",
        tn("{rows} row received: {accepted} accepted, {rejected} rejected.", "{rows} rows received: {accepted} accepted, {rejected} rejected.", rows_in, lang, rows=n(rows_in), accepted=n(n_accepted), rejected=n(len(rejected))),
    ]
    if result.skipped_blank:
        lines.append(tn("{count} template row was left empty and was not read as data.", "{count} template rows were left empty and were not read as data.", result.skipped_blank, lang, count=n(result.skipped_blank)))
    # Problems of the file rather than of a row (a sheet not read, a missing column).
    for p in (p for p in result.problems if p.row is None and p.rule != "already_ingested"):
        what, fix = RULES.get(p.rule, (p.message, ""))
        lines += ["", f"- {t(what, lang)} {t(fix, lang)} ({md_escape(p.message)})"]
    if not rejected:
        lines += ["", t("Every row was accepted. Thank you.", lang)]
        return "\n".join(lines) + "\n"
    lines += [
        "",
        "## " + t("Rows to correct", lang),
        "",
        t("Correct these rows and send them again; the accepted rows need not be resent.", lang),
        "",
        "| " + " | ".join([t("Row", lang), t("Column", lang), t("Value", lang), t("Problem", lang), t("How to fix", lang)]) + " |",
        "|---|---|---|---|---|",
    ]
    for row, _record, problems in rejected:
        for p in problems:
            what, fix = RULES.get(p.rule, (p.message, ""))
            value = md_escape(p.value) if p.value is not None else ""
            lines.append(f"| {row} | {md_escape(p.column or '')} | {value} | {t(what, lang)} | {t(fix, lang)} |")
    rules = Counter(p.rule for _, _, ps in rejected for p in ps)
    lines += ["", t("Problems by type: {summary}.", lang, summary=", ".join(f"{r} ({c})" for r, c in rules.most_common()))]
    return "\n".join(lines) + "\n"
