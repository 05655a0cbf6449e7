"""Serving a published site on 127.0.0.1 (search needs it: browsers refuse fetch() on file://)."""

from __future__ import annotations

import functools
import http.server
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".dta": "application/x-stata-dta",
    ".zip": "application/zip",
    ".wasm": "application/wasm",
    ".pagefind": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.info("%s %s", self.address_string(), format % args)


def make_server(site_dir: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A static file server for `site_dir` on 127.0.0.1 (port 0 picks a free port)."""
    folder = Path(site_dir)
    if not (folder / "index.html").exists():
        raise FileNotFoundError(f"no site at {folder} (no index.html)")
    handler = functools.partial(_Handler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve(site_dir: Path, port: int = 8000) -> None:
    """Serve the site on http://127.0.0.1:PORT/ until interrupted (Ctrl+C)."""
    server = make_server(site_dir, port)
    host, real_port = server.server_address[:2]
    print(f"serving {Path(site_dir)} on http://{host}:{real_port}/ (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
