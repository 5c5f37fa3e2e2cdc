"""One prospect end to end: fetch a small page budget, extract, and build the profile.

The home page is fetched first; then up to ``budget - 1`` of its same-site links that
tell the most about a company (about, customers, pricing, careers, integrations).
Firmographics come from structured data first (JSON-LD ``numberOfEmployees``,
``address``, ``industry``), then from visible text; each keeps its URL and quote.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from agent.base.errors import WebsiteError
from agent.enrich.extract import PageFacts, Signal, extract
from agent.enrich.fetcher import SafeFetcher
from agent.enrich.status import FetchStatus, page_status

TELLING = (("about", r"about|company|who-we-are|our-story|team"),
           ("careers", r"careers|jobs|join|hiring"),
           ("customers", r"customers|case-stud|success|clients"),
           ("pricing", r"pricing|plans"),
           ("integrations", r"integrations|partners|apps|marketplace"))

INDUSTRIES: dict[str, re.Pattern[str]] = {k: re.compile(v, re.I) for k, v in {
    "software": r"\bsaas\b|\bsoftware\b|\bplatform\b|\bapi\b|\bcloud\b|\bdevelopers?\b",
    "financial services": r"\bfintech\b|\bpayments?\b|\bbanking\b|\blending\b|\bfinancial "
                          r"services\b|\bwealth\b|\binvest",
    "healthcare": r"\bhealth ?care\b|\bpatients?\b|\bclinic(al|s)?\b|\bhospitals?\b|\bmedical\b"
                  r"|\btelehealth\b",
    "education": r"\beducation\b|\blearning\b|\bstudents?\b|\bschools?\b|\buniversit",
    "retail": r"\bretail\b|\be-?commerce\b|\bshop(ping)?\b|\bstorefront\b|\bboutique\b",
    "logistics": r"\blogistics\b|\bfreight\b|\bshipping\b|\bsupply chain\b|\bwarehous",
    "manufacturing": r"\bmanufactur|\bfactory\b|\bindustrial\b|\bproduction lines?\b",
    "cybersecurity": r"\bcyber ?security\b|\bthreat\b|\bsecurity operations\b|\bzero trust\b",
    "marketing": r"\bmarketing agency\b|\badvertising\b|\bad ?tech\b|\bbrand(ing)? agency\b",
    "energy": r"\benergy\b|\bsolar\b|\bgrid\b|\butilit(y|ies)\b|\boil\b|\bgas\b",
    "insurance": r"\binsurance\b|\binsurtech\b|\bunderwriting\b|\bclaims\b|\bpolic(y|ies)holders",
    "biotechnology": r"\bbiotech|\blife sciences\b|\bdrug discovery\b|\bclinical trials?\b",
    "gaming": r"\bgam(e|es|ing)\b|\bplayers\b|\besports\b",
}.items()}
COUNTRIES = ("United States", "USA", "United Kingdom", "UK", "Canada", "Germany", "France",
             "Netherlands", "Norway", "Sweden", "Denmark", "Spain", "Italy", "Ireland",
             "Australia", "Singapore", "India", "Japan", "Brazil", "Mexico", "Chile", "Israel",
             "Switzerland", "Poland", "Portugal", "Finland", "New Zealand", "South Africa")
_COUNTRY_ALIASES = {"USA": "United States", "UK": "United Kingdom"}


@dataclass
class Fact:
    value: str
    url: str
    quote: str


@dataclass
class Prospect:
    input: str
    url: str = ""
    domain: str = ""
    fetch_status: FetchStatus = "error"
    error: str = ""
    pages: list[PageFacts] = field(default_factory=list)
    industry: Fact | None = None
    employees: Fact | None = None
    country: Fact | None = None
    technologies: list[Fact] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)

    @property
    def evidence_urls(self) -> list[str]:
        return [p.url for p in self.pages]


def normalise_target(raw: str) -> tuple[str, str]:
    """``Acme.com/`` -> ("https://acme.com/", "acme.com"); keeps an explicit scheme."""
    raw = raw.strip()
    if not raw:
        raise WebsiteError("empty website")
    url = raw if re.match(r"^[a-z][a-z0-9+.-]*://", raw, re.I) else f"https://{raw}"
    parts = urlsplit(url)
    try:
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        raise WebsiteError(f"'{raw}' is not a website") from None
    is_name = re.fullmatch(r"[a-z0-9_-]+(\.[a-z0-9_-]+)+|localhost", host)
    if not host or not (is_name or ":" in host):
        raise WebsiteError(f"'{raw}' is not a website")
    domain = host[4:] if host.startswith("www.") else host
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    return f"{parts.scheme.lower()}://{netloc}{parts.path or '/'}", domain


def telling_links(home: PageFacts, limit: int) -> list[str]:
    base = urlsplit(home.url)
    chosen: list[str] = []
    for _, pattern in TELLING:
        rx = re.compile(pattern, re.I)
        for href, anchor in home.links:
            url = urljoin(home.url, href).split("#")[0]
            parts = urlsplit(url)
            if parts.netloc != base.netloc or parts.scheme not in ("http", "https"):
                continue
            if url.rstrip("/") == home.url.rstrip("/") or url in chosen:
                continue
            if rx.search(parts.path) or rx.search(anchor):
                chosen.append(url)
                break
        if len(chosen) >= limit:
            break
    return chosen


def _employees(pages: list[PageFacts]) -> Fact | None:
    for page in pages:
        value = page.org.get("numberOfEmployees")
        if isinstance(value, dict):
            value = value.get("value") or "-".join(
                str(value[k]) for k in ("minValue", "maxValue") if k in value)
        if value:
            return Fact(str(value), page.url, f"numberOfEmployees: {value}")
    for page in pages:
        for s in page.signals:
            if s.kind == "employees":
                return Fact(s.value, s.url, s.quote)
    return None


def _country(pages: list[PageFacts]) -> Fact | None:
    for page in pages:
        address = page.org.get("address")
        country = address.get("addressCountry") if isinstance(address, dict) else None
        if isinstance(country, dict):
            country = country.get("name")
        if country:
            return Fact(str(country), page.url, f"addressCountry: {country}")
    for page in pages:
        for s in page.signals:
            if s.kind == "location":
                for name in COUNTRIES:
                    if re.search(rf"\b{re.escape(name)}\b", s.value):
                        return Fact(_COUNTRY_ALIASES.get(name, name), s.url, s.quote)
    return None


def _industry(pages: list[PageFacts]) -> Fact | None:
    for page in pages:
        stated = page.org.get("industry")
        if stated:
            return Fact(str(stated).lower(), page.url, f"industry: {stated}")
    home = pages[0]
    head = " ".join((home.title, home.description, home.text[:4000]))
    scores = {name: len(rx.findall(head)) for name, rx in INDUSTRIES.items()}
    best = max(scores, key=lambda k: (scores[k], k))
    if scores[best] < 2:
        return None
    for page in pages:
        for source in (page.title, page.description, page.text):
            match = INDUSTRIES[best].search(source)
            if match:
                left = max(source.rfind(".", 0, match.start()), source.rfind("\n", 0,
                                                                             match.start())) + 1
                right_candidates = [i for i in (source.find(".", match.end()),
                                                source.find("\n", match.end())) if i != -1]
                right = min(right_candidates) + 1 if right_candidates else len(source)
                return Fact(best, page.url, source[left:right].strip()[:300])
    return None


def build_profile(prospect: Prospect) -> Prospect:
    pages = prospect.pages
    prospect.industry = _industry(pages)
    prospect.employees = _employees(pages)
    prospect.country = _country(pages)
    seen: set[str] = set()
    for page in pages:
        for tech in page.technologies:
            if tech.name not in seen:
                seen.add(tech.name)
                prospect.technologies.append(Fact(tech.name, page.url, tech.evidence))
        prospect.signals += [s for s in page.signals if s.kind != "technology"]
    return prospect


Extractor = Callable[[str, str, dict[str, str], dict[str, str]], Awaitable[PageFacts]]


async def inline_extract(url: str, html: str, headers: dict[str, str],
                         cookies: dict[str, str]) -> PageFacts:
    return extract(url, html, headers, cookies)


class PooledExtractor:
    """Runs extraction (HTML parsing, fingerprints) in worker processes: on a batch the
    CPU work then uses every core while the event loop keeps fetching."""

    def __init__(self, workers: int | None = None) -> None:
        self.pool = ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 2,
                                        initializer=_start_worker, initargs=(os.getpid(),))

    async def __call__(self, url: str, html: str, headers: dict[str, str],
                       cookies: dict[str, str]) -> PageFacts:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, extract, url, html, headers, cookies)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


PARENT_CHECK_SECONDS = 0.5


def _start_worker(parent: int) -> None:
    """Tie the worker's life to its parent's, then load the fingerprints once.

    A worker whose parent was killed (``kill -9`` gives the pool no chance to stop it) is
    re-parented; it notices within ``PARENT_CHECK_SECONDS`` and exits, so no worker outlives
    the run that started it."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    from agent.enrich.techdetect import _index

    _index()


async def enrich_prospect(fetcher: SafeFetcher, target: str, budget: int = 5,
                          extractor: Extractor = inline_extract) -> Prospect:
    """Fetch and read one prospect's site; never raises for a bad site."""
    prospect = Prospect(input=target)
    try:
        prospect.url, prospect.domain = normalise_target(target)
    except ValueError as exc:
        prospect.fetch_status, prospect.error = "error", str(exc)
        return prospect
    home = await fetcher.fetch(prospect.url)
    if home.outcome == "error" and home.url.startswith("https://") and home.connect_failed:
        home = await fetcher.fetch("http://" + prospect.url[len("https://"):])
    if home.outcome != "ok":
        prospect.fetch_status = page_status(home)
        prospect.error = home.error
        return prospect
    facts = await extractor(home.final_url or home.url, home.text, home.headers, home.cookies)
    prospect.fetch_status = page_status(home, facts.text)
    if prospect.fetch_status != "ok":
        prospect.error = f"{home.url}: page is {prospect.fetch_status.replace('_', ' ')}"
        return prospect
    prospect.pages.append(facts)
    extra = telling_links(facts, budget - 1)
    results = await asyncio.gather(*(fetcher.fetch(u) for u in extra))
    for result in results:
        if result.outcome == "ok" and (result.status_code or 500) < 400:
            page = await extractor(result.final_url or result.url, result.text,
                                   result.headers, result.cookies)
            if page_status(result, page.text) in ("ok", "empty"):  # short pages still count
                prospect.pages.append(page)
    return build_profile(prospect)
