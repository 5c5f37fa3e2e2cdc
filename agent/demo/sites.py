"""Serve the bundled fictional prospect sites on loopback, one address per site.

Each folder of ``agent/demo/sample_sites`` becomes a site on its own address (127.0.0.2,
127.0.0.3, …) and a shared port. A ``_status`` file in a folder sets the HTTP status its
pages answer with (the "blocked" site answers 403, as a bot wall would).
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from types import TracebackType


def sample_sites_dir() -> Path:
    return Path(str(resources.files("agent") / "demo" / "sample_sites"))


class _SiteHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        status_file = Path(self.directory) / "_status"
        if code == 200 and status_file.exists():
            code = int(status_file.read_text().strip())
        super().send_response(code, message)


class SiteServer:
    """Context manager: ``urls`` maps each site folder to its ``http://127.0.0.N:PORT/``."""

    def __init__(self, root: Path | None = None, first_host: int = 2) -> None:
        self.root = root or sample_sites_dir()
        self.sites = sorted(p for p in self.root.iterdir() if (p / "index.html").exists())
        self.first_host = first_host
        self.servers: list[ThreadingHTTPServer] = []
        self.urls: dict[str, str] = {}

    def __enter__(self) -> SiteServer:
        port = 0
        for offset, site in enumerate(self.sites):
            host = f"127.0.0.{self.first_host + offset}"
            handler = partial(_SiteHandler, directory=str(site))
            server = ThreadingHTTPServer((host, port), handler)
            port = server.server_address[1]
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
            self.urls[site.name] = f"http://{host}:{port}/"
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
