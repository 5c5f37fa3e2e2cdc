"""Case pages served on 127.0.0.1 (with their HTTP status) and a stratified case subset."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, TypeVar


class PageCase(Protocol):
    id: str
    kind: str
    html: str

    @property
    def status(self) -> int: ...


C = TypeVar("C", bound=PageCase)


@contextmanager
def serve_pages(cases: Sequence[PageCase]) -> Iterator[str]:
    """Serve each case's page at ``/<id>/`` on 127.0.0.1; yields the base URL."""
    pages = {c.id: c for c in cases}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def version_string(self) -> str:  # not "Python/3.x": that reads as a technology
            return "eval-pages"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            case = pages.get(self.path.strip("/").split("/")[0])
            if case is None or self.path.count("/") > 2:
                self.send_error(404)
                return
            body = case.html.encode()
            self.send_response(case.status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def stratified(cases: list[C], limit: int | None) -> list[C]:
    """The first ``limit`` cases taken in turn from each kind, so a small run still sees
    every kind (blocked pages, injections …); all cases in file order without a limit."""
    if limit is None or limit >= len(cases):
        return cases
    groups: dict[str, list[C]] = {}
    for case in cases:
        groups.setdefault(case.kind.split("-")[0], []).append(case)
    picked: list[C] = []
    while len(picked) < limit:
        for group in groups.values():
            if group and len(picked) < limit:
                picked.append(group.pop(0))
    return picked


class CaseTask:
    """Shared by the tasks: ``self.cases`` by id, and a (stratified) choice of them."""

    cases: dict[str, Any]

    def case_ids(self, limit: int | None) -> list[str]:
        return [c.id for c in stratified(list(self.cases.values()), limit)]


class PageTask(CaseTask):
    """A task whose cases are web pages, served on loopback while they run."""

    @contextmanager
    def session(self, ids: list[str]) -> Iterator[str]:
        with serve_pages([self.cases[i] for i in ids]) as base:
            yield base
