"""Safe fetching: SSRF refusals (MockTransport and a real local server), limits, robots,
retries and redirects."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from agent.enrich.fetcher import FetchPolicy, SafeFetcher, guarded_client
from agent.enrich.netpolicy import NetPolicy

PUBLIC = "93.184.216.34"
DNS = {"shop.example": [PUBLIC], "evil.example": ["127.0.0.1"],
       "meta.example": ["169.254.169.254"], "mixed.example": [PUBLIC, "10.0.0.7"],
       "v6.example": ["::ffff:127.0.0.1"]}


async def fake_resolve(host: str) -> list[str]:
    if host not in DNS:
        raise OSError("Name or service not known")
    return DNS[host]


def mock_fetcher(handler, allow_private: bool = False, **policy: object) -> SafeFetcher:  # type: ignore[no-untyped-def]
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return SafeFetcher(client, NetPolicy(allow_private, fake_resolve),
                       FetchPolicy(obey_robots=False, backoff=0.01, **policy))


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/",
    "http://127.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://10.0.0.5/",
    "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/", "http://100.64.0.1/", "http://0.0.0.0/",
    "http://evil.example/", "http://meta.example/", "http://mixed.example/",
    "http://v6.example/", "file:///etc/passwd", "ftp://shop.example/", "http://user:pw@shop.example/",
])
def test_ssrf_vectors_are_refused_with_nothing_fetched(url: str) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, html="<p>secret</p>")

    result = run(mock_fetcher(handler).fetch(url))
    assert result.outcome == "blocked_address", result
    assert seen == []
    assert url.split("/")[2].split("@")[-1].strip("[]").split("/")[0] in result.error \
        or "only http" in result.error or "credentials" in result.error


@pytest.mark.parametrize("target", ["http://127.0.0.1:8080/admin", "http://meta.example/",
                                    "http://[::1]/", "http://0x7f.1/"])
def test_a_redirect_into_a_private_range_is_refused(target: str) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        return httpx.Response(302, headers={"Location": target})

    result = run(mock_fetcher(handler).fetch("http://shop.example/"))
    assert result.outcome == "blocked_address"
    assert seen == ["shop.example"]


def test_allow_private_lets_local_sites_through() -> None:
    result = run(mock_fetcher(lambda r: httpx.Response(200, html="<p>hi</p>"),
                              allow_private=True).fetch("http://evil.example/"))
    assert result.outcome == "ok" and "hi" in result.text


def test_retries_honour_retry_after_then_succeed() -> None:
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) < 3:
            return httpx.Response(429 if len(calls) == 1 else 503, headers={"Retry-After": "1"})
        return httpx.Response(200, html="<p>ok</p>")

    result = run(mock_fetcher(handler).fetch("http://shop.example/"))
    assert result.outcome == "ok" and len(calls) == 3
    assert calls[1] - calls[0] >= 0.9 and calls[2] - calls[1] >= 0.9


def test_retries_are_bounded() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503)

    result = run(mock_fetcher(handler, retries=2).fetch("http://shop.example/"))
    assert result.status_code == 503 and len(calls) == 3


def test_redirect_loops_and_non_pages() -> None:
    loop = run(mock_fetcher(lambda r: httpx.Response(301, headers={"Location": "/again"}))
               .fetch("http://shop.example/"))
    assert loop.outcome == "error" and "more than 5 redirects" in loop.error
    image = run(mock_fetcher(lambda r: httpx.Response(200, content=b"\x89PNG",
                                                      headers={"Content-Type": "image/png"}))
                .fetch("http://shop.example/logo"))
    assert image.outcome == "error" and "not a web page" in image.error


def test_unknown_hosts_are_not_found() -> None:
    result = run(mock_fetcher(lambda r: httpx.Response(200)).fetch("http://nxdomain.example/"))
    assert result.outcome == "not_found"


# -- a real HTTP server on 127.0.0.1 -------------------------------------------------------

BOMB = gzip.compress(b"\0" * 50_000_000)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def send(self, code: int, body: bytes, ctype: str = "text/html", **headers: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = self.path
        if path == "/robots.txt":
            self.send(200, b"User-agent: *\nDisallow: /private\n", "text/plain")
        elif path == "/big":
            self.send(200, b"<p>" + b"x" * 5_000_000 + b"</p>")
        elif path == "/bomb":
            self.send(200, BOMB, Content_Encoding="gzip")
        elif path == "/slow":
            time.sleep(2)
            self.send(200, b"<p>late</p>")
        else:
            self.send(200, f"<html><title>{path}</title><p>hello</p></html>".encode())


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that time out on purpose (the timeout test) break the pipe


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def real_fetch(url: str, allow_private: bool = True, resolver=None, **policy: object):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        net = NetPolicy(allow_private, resolver) if resolver else NetPolicy(allow_private)
        fetch_policy = FetchPolicy(**policy)
        async with guarded_client(net, fetch_policy) as client:
            return await SafeFetcher(client, net, fetch_policy).fetch(url)
    return asyncio.run(go())


def test_local_server_is_refused_without_allow_private(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    for url in (server, f"http://localhost:{port}/", f"http://2130706433:{port}/"):
        assert real_fetch(url, allow_private=False).outcome == "blocked_address"


def test_dns_rebinding_is_caught_at_connect_time(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    answers = iter([[PUBLIC], ["127.0.0.1"], ["127.0.0.1"]])

    async def rebinding(host: str) -> list[str]:
        return next(answers)

    result = real_fetch(f"http://rebind.example:{port}/", allow_private=False,
                        resolver=rebinding, obey_robots=False)
    assert result.outcome == "blocked_address" and "127.0.0.1" in result.error


def test_size_limit_and_gzip_bomb_are_bounded(server: str) -> None:
    big = real_fetch(f"{server}/big", max_bytes=100_000)
    assert big.outcome == "ok" and big.truncated and len(big.text) == 100_000
    bomb = real_fetch(f"{server}/bomb", max_bytes=1_000_000)
    assert bomb.truncated and len(bomb.text) == 1_000_000


def test_timeout(server: str) -> None:
    result = real_fetch(f"{server}/slow", timeout=0.5)
    assert result.outcome == "timeout" and result.seconds < 2


def test_robots_txt_is_obeyed(server: str) -> None:
    assert real_fetch(f"{server}/private/team").outcome == "robots_disallowed"
    ok = real_fetch(f"{server}/about")
    assert ok.outcome == "ok" and "<title>/about</title>" in ok.text


def test_a_refusal_at_connect_time_is_told_by_its_type_not_its_wording(server: str) -> None:
    """A policy may word its refusal any way: the fetcher tells it by the exception's type."""
    from agent.base.errors import BlockedAddress

    class Quiet(NetPolicy):
        async def resolve(self, host: str) -> list[str]:
            raise BlockedAddress(f"{host}: not on the allow list")

    async def go():  # type: ignore[no-untyped-def]
        net = Quiet(allow_private=True)
        async with guarded_client(net, FetchPolicy(obey_robots=False)) as client:
            return await SafeFetcher(client, net, FetchPolicy(obey_robots=False)).fetch(server)

    result = asyncio.run(go())
    assert result.outcome == "blocked_address", result
    assert result.error == "127.0.0.1: not on the allow list"
