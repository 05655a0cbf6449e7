"""The Quarto engine: a Quarto website project over the same executed notebooks.

`write_project` writes `_quarto.yml` (website, navigation by language, country and
dimension, execution disabled so nothing runs twice), one folder per language with the
executed notebooks (charts made self-contained with the local Vega bundle) and simple
landing pages. `publish` renders it when a `quarto` binary is on PATH; without one it stops
with a message saying how to install Quarto. The built-in engine needs no Quarto.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import nbformat
import yaml

from .. import pages
from ..i18n import t
from ..params import RegionParams
from ..safety import md_escape
from .downloads import write_csv
from .model import PageRecord, Release
from .report import page_tables

INSTALL_HINT = (
    "Quarto is not installed (no `quarto` on PATH). Install it from https://quarto.org/docs/get-started/ "
    "or with conda (`conda install -c conda-forge quarto`, as in environment.yml), "
    "or build with the default engine: `tflib build --engine builtin`."
)


def missing_quarto() -> str | None:
    """None when a quarto binary is available, else the message telling how to get one."""
    return None if shutil.which("quarto") else INSTALL_HINT


def _chart_html(spec: dict, n: int) -> str:
    data = json.dumps(spec, ensure_ascii=False).replace("</", "<\\/")
    return (
        f'<figure class="tf-chart" id="chart-{n}"><div class="tf-vega"></div>'
        f'<script type="application/json" class="tf-spec">{data}</script></figure>'
    )


def _self_contained(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Vega-Lite outputs become HTML figures the page's local script embeds."""
    n = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            spec_key = next((k for k in data if k.startswith("application/vnd.vegalite")), None)
            if spec_key:
                n += 1
                out["data"] = {"text/html": _chart_html(data[spec_key], n)}
        cell.metadata.setdefault("tags", [])
    return nb


EMBED_JS = """
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("figure.tf-chart").forEach(function (fig) {
    var spec = JSON.parse(fig.querySelector("script.tf-spec").textContent);
    vegaEmbed(fig.querySelector(".tf-vega"), spec, {actions: false, renderer: "svg"});
  });
});
"""


def _qmd(path: str) -> str:
    """A site page's path as a Quarto source file."""
    return path.removesuffix(".html") + ".qmd"


def _md(text: str) -> str:
    """Text for a Markdown cell or page: shown as text, never read as Markdown, HTML or a
    shortcode (HTML-escaping alone leaves ``*``, ``[`` and ``{{<`` live in Markdown)."""
    return md_escape(text).replace("&", "&amp;")


def _title(params: RegionParams, record: PageRecord, lang: str) -> str:
    return pages.page_title(params, record.kind, lang)


def _with_downloads(nb: nbformat.NotebookNode, tables: list, folder: str, lang: str) -> nbformat.NotebookNode:
    """A last cell linking the page's release tables (CSV), as the builtin site offers them."""
    if tables:
        links = " · ".join(f"[{_md(tab.title)}]({folder}/{tab.name}.csv)" for tab in tables)
        nb.cells.append(nbformat.v4.new_markdown_cell(f"**{_md(t('Download the data of this page', lang))}:** {links}"))
    return nb


def write_project(params: RegionParams, records: list[PageRecord], project_dir: Path, site_dir: Path, release: Release) -> Path:
    """The Quarto website project; returns its folder. Each page's release tables are written
    beside it as CSV and linked from the page."""
    import vl_convert

    if project_dir.exists():
        shutil.rmtree(project_dir)
    (project_dir / "assets").mkdir(parents=True)
    (project_dir / "assets" / "vega-bundle.js").write_text(vl_convert.javascript_bundle(), encoding="utf-8")
    (project_dir / "assets" / "embed.js").write_text(EMBED_JS, encoding="utf-8")
    region_name = params.text(params.region.name, params.region.default_language)
    menus = []
    for lang in params.languages:
        mine = [r for r in records if r.lang == lang]
        countries = []
        for iso3 in params.region.member_codes:
            theirs = [r for r in mine if r.country == iso3]
            if not theirs:
                continue
            countries.append({"text": params.short_name_of(iso3, lang), "menu": [{"text": _title(params, r, lang), "href": r.address.html.removesuffix(".html") + ".ipynb"} for r in theirs]})
        regional = [{"text": _title(params, r, lang), "href": r.address.html.removesuffix(".html") + ".ipynb"} for r in mine if r.country is None]
        menus.append({"text": lang.upper(), "menu": [{"text": t("Home", lang), "href": _qmd(pages.home_path(lang))}, *regional, *countries]})
        _landing(params, mine, project_dir / _qmd(pages.home_path(lang)), lang, release)
        for rec in mine:
            target = project_dir / (rec.address.html.removesuffix(".html") + ".ipynb")
            target.parent.mkdir(parents=True, exist_ok=True)
            if rec.ok and rec.notebook.exists():
                executed = nbformat.read(rec.notebook, as_version=4)
                tables = page_tables(executed)
                folder = project_dir / rec.address.downloads
                folder.mkdir(parents=True, exist_ok=True)
                for tab in tables:
                    write_csv(tab, folder / f"{tab.name}.csv")
                nb = _with_downloads(_self_contained(executed), tables, Path(rec.address.downloads).relative_to(Path(rec.address.html).parent).as_posix(), lang)
                nb.metadata["title"] = f"{_title(params, rec, lang)}: {params.name_of(rec.country, lang) if rec.country else region_name}"
                nbformat.write(nb, target)
            else:
                failed = nbformat.v4.new_notebook()
                failed.cells = [nbformat.v4.new_markdown_cell(f"**{_md(t('This page failed in this build.', lang))}** {_md(rec.error or '')}")]
                failed.metadata["title"] = _title(params, rec, lang)
                nbformat.write(failed, target)
    config = {
        "project": {"type": "website", "output-dir": str(site_dir.resolve())},
        # The notebooks are already executed: never run them again.
        "execute": {"enabled": False},
        "website": {
            "title": f"{region_name} — {release.release_id}",
            "navbar": {"left": menus},
            "page-footer": {"center": f"{region_name} · {release.release_id} · {release.as_of.isoformat()}"},
        },
        "format": {
            "html": {
                "echo": False,
                "include-in-header": [{"text": '<script src="/assets/vega-bundle.js"></script><script src="/assets/embed.js"></script>'}],
            }
        },
        "resources": ["assets/", "*/*/downloads/**"],
    }
    (project_dir / "_quarto.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (project_dir / "index.qmd").write_text(f"---\ntitle: \"{region_name}\"\n---\n\n" + "\n".join(f"- [{lang.upper()}]({_qmd(pages.home_path(lang))})" for lang in params.languages) + "\n", encoding="utf-8")
    return project_dir


def _landing(params: RegionParams, records: list[PageRecord], path: Path, lang: str, release: Release) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"---\ntitle: \"{t('Home', lang)}\"\n---\n", t("Data as of {date}", lang, date=release.as_of.isoformat()), ""]
    for rec in records:
        who = params.short_name_of(rec.country, lang) if rec.country else params.text(params.region.name, lang)
        label = _md(f"{who}: {_title(params, rec, lang)}")
        href = f"{rec.address.folder}/{rec.kind}.ipynb"
        lines.append(f"- [{label}]({href})" + ("" if rec.ok else f" ({_md(t('failed', lang))})"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def publish(params: RegionParams, records: list[PageRecord], project_dir: Path, site_dir: Path, release: Release, *, work: Path | None = None) -> Path:
    """Write the project and render it to `site_dir` (atomically) with the quarto binary."""
    problem = missing_quarto()
    if problem:
        raise RuntimeError(problem)
    staging = site_dir.with_name(site_dir.name + ".quarto-tmp")
    if staging.exists():
        shutil.rmtree(staging)
    write_project(params, records, project_dir, staging, release)
    subprocess.run(["quarto", "render", str(project_dir)], check=True)
    backup = site_dir.with_name(site_dir.name + ".old")
    if backup.exists():
        shutil.rmtree(backup)
    if site_dir.exists():
        site_dir.rename(backup)
    staging.rename(site_dir)
    if backup.exists():
        shutil.rmtree(backup)
    return site_dir
