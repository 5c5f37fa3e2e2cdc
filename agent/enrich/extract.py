"""What one fetched page says about a company, each fact with its URL and quote.

Only visible text counts: scripts, styles, templates, comments and hidden elements
(``hidden``, ``aria-hidden``, ``display:none``, ``visibility:hidden``, zero size or
opacity, screen-reader-only classes) are dropped before anything is read, so text a
visitor cannot see never becomes evidence. Structured data (JSON-LD, microdata,
OpenGraph) is read with ``extruct``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import extruct
from bs4 import BeautifulSoup, Comment, Tag

from agent.enrich.techdetect import Detection, detect
from agent.triggers import SignalKind

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d])"
                           r"|opacity\s*:\s*0(?![.\d])|(?:width|height)\s*:\s*0(?:px)?\s*(?:;|$)",
                           re.I)
_HIDDEN_CLASS = {"hidden", "sr-only", "visually-hidden", "screen-reader-text", "d-none",
                 "invisible"}
_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "object", "head"]
_SENTENCE = re.compile(r"[^.!?\n]{3,400}[.!?]?")

EMPLOYEES = re.compile(
    r"(?:(?:team|company) of|over|more than|nearly|about|around)?\s*"
    r"(\d{1,3}(?:,\d{3})+|\d+)\s*(?:\+\s*)?(?:-|–|to)?\s*(\d{1,3}(?:,\d{3})+|\d+)?\+?\s+"
    r"(?:employees|people|team members|staff|colleagues|engineers and|professionals)", re.I)
FUNDING = re.compile(r"\braised\s+(?:a\s+)?\$?\s?\d+(?:\.\d+)?\s*(?:m|million|b|billion|k)\b"
                     r"|\bseries\s+[a-f]\b(?:\s+(?:round|funding))?|\bseed (?:round|funding)\b",
                     re.I)
HIRING = re.compile(r"we(?:'re| are) hiring|open (?:roles|positions|jobs)|join our (?:team|"
                    r"sales team)|now hiring|careers at|\bjob openings\b", re.I)
SALES_ROLES = re.compile(r"\b(account executive|sales development|sdr|bdr|revenue operations|"
                         r"revops|sales operations|sales manager|head of sales|vp of sales|"
                         r"chief revenue officer)\b", re.I)
LEADERSHIP = re.compile(r"\b(welcom(?:e|es|ed)|appoint(?:s|ed)|hire[sd]|name[sd]?|join(?:s|ed)? as)"
                        r"\b.{0,60}"
                        r"\b(cro|chief revenue officer|vp (?:of )?sales|head of (?:sales|revops|"
                        r"revenue operations))\b", re.I)
BOARD = re.compile(r"\b(?:joins?|joined|appoint(?:s|ed)|elect(?:s|ed)|named|welcom(?:e|es|ed))\b"
                   r".{0,60}\b(?:board of directors|to (?:our|the|its) board)\b", re.I)
EVENT = re.compile(r"\b(?:sales kickoff|annual (?:kickoff|summit|conference)|upcoming (?:launch|"
                   r"summit|conference|user conference)|join us at (?:our|the) \w+ "
                   r"(?:summit|conference|kickoff))\b", re.I)
TOOL_CHANGE = re.compile(r"\b(migrat(?:e|ed|ing) (?:to|from)|switch(?:ed|ing) (?:to|from)|"
                         r"moved? (?:to|from)|replac(?:ed|ing))\b.{0,40}\b(salesforce|hubspot|"
                         r"dynamics|snowflake|bigquery|marketo|pipedrive|zoho)\b", re.I)
LOCATION = re.compile(r"\b(?:headquartered|based|hq|head office|offices?)\s+(?:is\s+)?in\s+"
                      r"([A-Z][\w .'-]{1,40}?(?:,\s*[A-Z][\w .'-]{1,30})?)(?=[.;\n]|\s+and\b|$)")


@dataclass
class Signal:
    kind: SignalKind
    value: str
    url: str
    quote: str


@dataclass
class PageFacts:
    url: str
    title: str = ""
    description: str = ""
    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, anchor text)
    org: dict[str, Any] = field(default_factory=dict)
    technologies: list[Detection] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)


def _is_hidden(tag: Tag) -> bool:
    if tag.attrs is None:
        return False
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    if tag.name == "input" and str(tag.get("type", "")).lower() == "hidden":
        return True
    if _HIDDEN_STYLE.search(str(tag.get("style", ""))):
        return True
    classes = tag.get_attribute_list("class")
    return any(c in _HIDDEN_CLASS for c in classes)


def visible_text(soup: BeautifulSoup) -> str:
    """The page's visible text (the soup is modified: invisible parts are removed)."""
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if not tag.decomposed and _is_hidden(tag):
            tag.decompose()
    text = soup.get_text("\n")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _org(data: dict[str, Any]) -> dict[str, Any]:
    """The first Organization-like JSON-LD or microdata item."""
    wanted = ("Organization", "Corporation", "LocalBusiness", "OnlineBusiness")
    for item in data.get("json-ld", []) + data.get("microdata", []):
        for node in item.get("@graph", [item]) if isinstance(item, dict) else []:
            kind = node.get("@type") or node.get("type") or ""
            kinds = kind if isinstance(kind, list) else [kind]
            if any(str(k).split("/")[-1] in wanted for k in kinds):
                return node.get("properties", node)
    return {}


def _quote(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` around a match (verbatim)."""
    left = max(text.rfind(".", 0, start), text.rfind("\n", 0, start)) + 1
    stops = [i for i in (text.find(".", end), text.find("\n", end)) if i != -1]
    right = min(stops) + 1 if stops else len(text)
    return text[left:right].strip()[:300]


def extract(url: str, html: str, headers: dict[str, str] | None = None,
            cookies: dict[str, str] | None = None) -> PageFacts:
    soup = BeautifulSoup(html, "lxml")
    facts = PageFacts(url=url)
    facts.technologies = detect(url, html, headers or {}, cookies or {}, soup)
    if soup.title and soup.title.string:
        facts.title = " ".join(soup.title.string.split())
    description = soup.find("meta", attrs={"name": "description"}) or soup.find(
        "meta", attrs={"property": "og:description"})
    if description and description.get("content"):
        facts.description = " ".join(str(description["content"]).split())
    facts.links = [(str(a["href"]), " ".join(a.get_text(" ").split()))
                   for a in soup.find_all("a", href=True) if not _is_hidden(a)]
    try:
        structured = extruct.extract(html, base_url=url, uniform=True,
                                     syntaxes=["json-ld", "microdata", "opengraph"])
    except Exception:  # malformed JSON-LD must not sink the page
        structured = {}
    facts.org = _org(structured)
    facts.text = visible_text(soup)
    for tech in facts.technologies:
        facts.signals.append(Signal(SignalKind.TECHNOLOGY, tech.name, url, tech.evidence))
    text = facts.text
    for kind, pattern in ((SignalKind.EMPLOYEES, EMPLOYEES), (SignalKind.FUNDING, FUNDING),
                          (SignalKind.HIRING, HIRING), (SignalKind.LEADERSHIP, LEADERSHIP),
                          (SignalKind.BOARD, BOARD), (SignalKind.TOOL_CHANGE, TOOL_CHANGE),
                          (SignalKind.EVENT, EVENT), (SignalKind.LOCATION, LOCATION)):
        for match in pattern.finditer(text):
            value = match.group(0) if kind != SignalKind.LOCATION else match.group(1)
            if kind == SignalKind.EMPLOYEES:
                value = match.group(1).replace(",", "") + (
                    "-" + match.group(2).replace(",", "") if match.group(2) else "")
            facts.signals.append(Signal(kind, value.strip(), url,
                                        _quote(text, match.start(), match.end())))
    if SALES_ROLES.search(text) and HIRING.search(text):
        m = SALES_ROLES.search(text)
        assert m is not None
        facts.signals.append(Signal(SignalKind.HIRING, f"sales roles: {m.group(1)}", url,
                                    _quote(text, m.start(), m.end())))
    return facts
