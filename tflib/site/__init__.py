"""Publishing executed report notebooks as a static website.

Two engines read the same executed notebooks (one per page, never re-run here):
- `builtin` (default, offline): nbconvert turns each notebook into page HTML inside one page
  shell, with navigation, language switch, landing pages, downloads, PDF briefs and search;
- `quarto`: writes a Quarto website project over the notebooks and renders it when a
  `quarto` binary is on PATH.
"""
