"""What a fetch really got: a company's site, or a block page, parking page or empty shell.

A prospect whose site was blocked, parked, empty or unreachable is never summarised as if
the page described the company; fit scoring gives it tier "unknown".
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from agent.enrich.fetcher import FetchResult

FetchStatus = Literal["ok", "blocked", "not_found", "timeout", "robots_disallowed", "parked",
                      "empty", "error"]
STATUSES: tuple[FetchStatus, ...] = get_args(FetchStatus)
_BOT_WALL = re.compile(
    r"captcha|are you (a )?human|verify you are human|access denied|attention required|"
    r"checking your browser|enable javascript and cookies|request blocked|bot detection|"
    r"unusual traffic|cf-chl|ddos protection", re.I)
_PARKED = re.compile(
    r"this domain (is|may be) for sale|buy this domain|domain (is )?parked|parked (free|domain)|"
    r"domain for sale|make an offer on this domain|sedo|dan\.com|afternic|hugedomains|"
    r"godaddy\.com/domainsearch|this domain has expired", re.I)
MIN_WORDS = 25


def page_status(result: FetchResult, visible_text: str = "") -> FetchStatus:
    """One of :data:`STATUSES` for a fetched page."""
    for passed_on in ("timeout", "robots_disallowed", "not_found"):
        if result.outcome == passed_on:
            return passed_on
    if result.outcome == "blocked_address":
        return "error"
    if result.outcome != "ok" or result.status_code is None:
        return "error"
    code = result.status_code
    if code in (401, 403, 429, 451) or (code == 503 and _BOT_WALL.search(result.text)):
        return "blocked"
    if code in (404, 410):
        return "not_found"
    if code >= 400:
        return "error"
    head = visible_text[:3000] or result.text[:3000]
    if _BOT_WALL.search(head) and len(visible_text.split()) < 200:
        return "blocked"
    if _PARKED.search(head):
        return "parked"
    if len(visible_text.split()) < MIN_WORDS:
        return "empty"
    return "ok"
