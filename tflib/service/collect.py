"""The upload page for focal points (`/collect/<region>/<lang>/`): in the page's language,
offline (its script and styles are served by the service itself) and keyboard-first."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

from ..i18n import N_, gettext, t
from ..params import RegionParams
from ..status import STATUSES, label

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "assets"
# What the page's script says (it has no catalog of its own): rendered into the page.
SCRIPT_MESSAGES = {
    "signed_in": N_("Signed in for {country}."),
    "signed_in_secretariat": N_("Signed in for the secretariat: it reads every country and approves; countries send."),
    "forgotten": N_("The token is forgotten in this tab."),
    "unreachable": N_("The service cannot be reached. Check the connection and try again: nothing is lost by sending twice."),
    "failed": N_("The request failed."),
    "no_token": N_("Paste your access token first (step 1)."),
    "sending": N_("Sending…"),
    "nothing_changed": N_("Nothing was changed: there is nothing to send."),
    "summary": N_("{rows} rows received: {accepted} accepted, {quarantined} set aside."),
    "duplicate": N_("This file was received before; here is the result it had."),
    "problems": N_("Rows set aside and how to fix them"),
    "row": N_("Row"),
    "column": N_("Column"),
    "problem": N_("Problem"),
    "fix": N_("How to fix it"),
    "status": N_("Status"),
    "pct": N_("% complete"),
    "note": N_("Note"),
    "no_data": N_("no data"),
    "value": N_("Value sent: {value}"),
}
PUBLISH_MESSAGES = {
    "queued": N_("Accepted: the site is being updated."),
    "building": N_("Accepted: the site is being updated."),
    "published": N_("On the published site now."),
    "staged": N_("Accepted and waiting for the secretariat's review before publication."),
    "unknown": N_("Accepted."),
}
REFUSALS = {
    "401": N_("The token is not valid (mistyped, revoked, or for another region). Ask the secretariat for a new one."),
    "403": N_("This token may not do that: a country's token sends and reads for its own country only."),
    "413": N_("The file is too large. Send only the new rows, or split the file."),
    "415": N_("Send the filled template as .xlsx or .csv."),
    "429": N_("Too many requests in a minute. Wait a minute and send again."),
}
PAGE_MESSAGES = (
    N_("Send a progress report"),
    N_("Focal points send their country's progress here: the filled template, or a few updates typed below. The result is shown at once, row by row; accepted rows reach the published site within seconds."),
    N_("1. Your access token"),
    N_("Access token (from the secretariat)"),
    N_("Paste it once: it is kept in this browser tab only, until you close it, and sent with each request. No cookie is set."),
    N_("Use this token"),
    N_("Forget the token"),
    N_("2. Send the filled template"),
    N_("Template file (.xlsx or .csv)"),
    N_("Send the file"),
    N_("Or update open action items here"),
    N_("Your country's open action items appear once the token is set. Change the status, the percent complete or the note of the ones that moved, then send."),
    N_("Date of the report"),
    N_("Open action items"),
    N_("Action item"),
    N_("Send these updates"),
    N_("Result"),
    N_("Nothing sent yet."),
)


def page(params: RegionParams, lang: str) -> str:
    from ..site.shell import language_name

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    messages = {k: gettext(v, lang) for k, v in SCRIPT_MESSAGES.items()}
    messages["publish"] = {k: gettext(v, lang) for k, v in PUBLISH_MESSAGES.items()}
    messages["refusals"] = {k: gettext(v, lang) for k, v in REFUSALS.items()}
    messages["statuses"] = {s: label(s, lang) for s in STATUSES}
    messages["countries"] = {c: params.short_name_of(c, lang) for c in params.region.member_codes}
    text = json.dumps(messages, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return env.get_template("collect.html.j2").render(
        lang=lang,
        region=params.id,
        region_name=params.text(params.region.name, lang),
        api=f"/api/v1/regions/{params.id}",
        assets="/collect/assets/",
        site=f"/{params.id}/",
        languages=[{"code": code, "label": language_name(code), "current": code == lang, "href": f"/collect/{params.id}/{code}/"} for code in params.languages],
        messages=jinja2.utils.markupsafe.Markup(text),
        _=lambda message, **values: t(message, lang, **values),
    )
