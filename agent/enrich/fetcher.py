"""Safe fetching of prospect websites through an injected ``httpx.AsyncClient``.

- http/https only; every hop (the first URL and each redirect) is checked by
  :class:`NetPolicy` after DNS, and the client built by :func:`guarded_client` checks the
  address again at connect time, so a name that re-resolves to a private address
  (DNS rebinding) is still refused;
- timeouts, a streamed byte limit on the decoded body (a gzip bomb stops at the limit),
  a content-type check and a bounded number of redirects;
- robots.txt obeyed by default (Protego), retries with backoff on 429 and 5xx honouring
  ``Retry-After``, at most ``per_host`` requests at once to one host, an honest User-Agent.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from protego import Protego

from agent import __version__
from agent.base.errors import BlockedAddress
from agent.enrich.netpolicy import NetPolicy

log = logging.getLogger(__name__)

USER_AGENT = (f"icp-agent/{__version__} (prospect research; "
              "+https://github.com/icp-agent/icp-agent)")
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


@dataclass(frozen=True)
class FetchPolicy:
    timeout: float = 10.0
    max_bytes: int = 2_000_000
    max_redirects: int = 5
    retries: int = 2
    backoff: float = 0.5
    max_retry_after: float = 10.0
    per_host: int = 2
    max_in_flight: int = 50  # requests at once overall (queueing in httpcore's pool is O(n^2))
    obey_robots: bool = True
    user_agent: str = USER_AGENT


@dataclass
class FetchResult:
    url: str
    final_url: str = ""
    status_code: int | None = None
    outcome: str = "ok"  # ok | blocked_address | robots_disallowed | timeout | not_found | error
    content_type: str = ""
    text: str = ""
    truncated: bool = False
    error: str = ""
    connect_failed: bool = False  # no connection at all (told by the exception's type)
    redirects: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


class BlockedConnect(httpcore.ConnectError):
    """A connection the policy refused; carries the :class:`BlockedAddress` through httpx."""

    def __init__(self, blocked: BlockedAddress) -> None:
        super().__init__(str(blocked))
        self.blocked = blocked


def blocked_cause(exc: BaseException) -> BlockedAddress | None:
    """The policy refusal behind an httpx error, found by type along the cause chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, BlockedAddress):
            return seen
        if isinstance(seen, BlockedConnect):
            return seen.blocked
        seen = seen.__cause__ or seen.__context__
    return None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves and checks every address at connect time, then connects to the IP."""

    def __init__(self, policy: NetPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self.policy.resolve(host)
        except BlockedAddress as exc:
            raise BlockedConnect(exc) from exc
        except LookupError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(address, port, timeout=timeout,
                                                    local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last or httpcore.ConnectError(f"{host}: no address to connect to")

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_client(policy: NetPolicy, fetch: FetchPolicy = FetchPolicy(),
                   max_connections: int | None = None) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` whose connections go only where ``policy`` allows."""
    max_connections = max_connections or fetch.max_in_flight
    transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=max_connections))
    transport._pool = httpcore.AsyncConnectionPool(  # httpx offers no public hook for this
        ssl_context=httpx.create_ssl_context(), max_connections=max_connections,
        network_backend=GuardedBackend(policy),
    )
    return httpx.AsyncClient(transport=transport, timeout=fetch.timeout,
                             follow_redirects=False,
                             headers={"User-Agent": fetch.user_agent})


def _retry_after(response: httpx.Response, attempt: int, policy: FetchPolicy) -> float:
    value = response.headers.get("Retry-After", "").strip()
    delay = policy.backoff * (2 ** attempt)
    if value.isdigit():
        delay = float(value)
    elif value:
        parsed = email.utils.parsedate_to_datetime(value) if "," in value else None
        if parsed is not None:
            delay = max(0.0, parsed.timestamp() - time.time())
    return min(delay, policy.max_retry_after)


class SafeFetcher:
    def __init__(self, client: httpx.AsyncClient, policy: NetPolicy,
                 fetch: FetchPolicy = FetchPolicy()) -> None:
        self.client = client
        self.policy = policy
        self.fetch_policy = fetch
        self._host_limits: dict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(fetch.per_host))
        self._in_flight = asyncio.Semaphore(fetch.max_in_flight)
        self._robots: dict[str, Protego | None] = {}
        self._robots_lock: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def fetch(self, url: str, check_robots: bool = True) -> FetchResult:
        """GET ``url`` (following checked redirects); never raises for network trouble."""
        result = FetchResult(url=url)
        start = time.perf_counter()
        try:
            await self._fetch(url, result, check_robots)
        except BlockedAddress as exc:
            result.outcome, result.error = "blocked_address", str(exc)
        except LookupError as exc:
            result.outcome, result.error = "not_found", str(exc)
        except httpx.TimeoutException:
            result.outcome, result.error = "timeout", f"{url}: timed out"
        except httpx.HTTPError as exc:
            blocked = blocked_cause(exc)
            result.outcome = "blocked_address" if blocked else "error"
            result.connect_failed = isinstance(exc, httpx.ConnectError) and not blocked
            result.error = str(blocked) if blocked else f"{url}: {type(exc).__name__}: {exc}"
        result.seconds = time.perf_counter() - start
        return result

    async def _fetch(self, url: str, result: FetchResult, check_robots: bool) -> None:
        for _ in range(self.fetch_policy.max_redirects + 1):
            host = self.policy.check_url(url)
            await self.policy.resolve(host)
            if check_robots and self.fetch_policy.obey_robots and not await self._allowed(url):
                result.outcome = "robots_disallowed"
                result.error = f"{url}: disallowed by robots.txt"
                return
            async with self._host_limits[host], self._in_flight:
                response = await self._send(url)
                try:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        result.redirects.append(url)
                        continue
                    await self._read(response, result)
                finally:
                    await response.aclose()
            result.final_url = url
            return
        result.outcome = "error"
        result.error = f"{result.url}: more than {self.fetch_policy.max_redirects} redirects"

    async def _send(self, url: str) -> httpx.Response:
        policy = self.fetch_policy
        for attempt in range(policy.retries + 1):
            request = self.client.build_request("GET", url)
            response = await self.client.send(request, stream=True)
            if response.status_code not in (429, 500, 502, 503, 504) or attempt == policy.retries:
                return response
            delay = _retry_after(response, attempt, policy)
            await response.aclose()
            log.info("%s answered %s; retrying in %.1fs", url, response.status_code, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _read(self, response: httpx.Response, result: FetchResult) -> None:
        result.status_code = response.status_code
        result.headers = {k.lower(): v for k, v in response.headers.items()}
        result.cookies = dict(response.cookies)
        ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
        result.content_type = ctype
        if ctype and not ctype.startswith(TEXT_TYPES):
            result.outcome, result.error = "error", f"{result.url}: not a web page ({ctype})"
            return
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            chunks.append(chunk)
            if size >= self.fetch_policy.max_bytes:
                result.truncated = True
                break
        body = b"".join(chunks)[: self.fetch_policy.max_bytes]
        result.text = body.decode(response.encoding or "utf-8", errors="replace")

    async def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self._robots_lock[origin]:
            if origin not in self._robots:
                robots = await self.fetch(f"{origin}/robots.txt", check_robots=False)
                ok = robots.outcome == "ok" and robots.status_code == 200
                self._robots[origin] = Protego.parse(robots.text) if ok else None
        parser = self._robots[origin]
        return parser is None or parser.can_fetch(url, self.fetch_policy.user_agent)
