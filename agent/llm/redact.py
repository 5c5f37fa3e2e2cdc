"""Redaction of personal contact data before evidence leaves the machine."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlparse

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
PHONE = re.compile(
    r"(?<![\w-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}"
    r"(?![\w-])"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}[./-]\d{2}[./-]\d{4}")
_DOTTED = re.compile(r"\d{1,3}(?:\.\d{1,3}){2,3}")  # versions and IPv4 addresses


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(c.isdigit() for c in found)
    if not 7 <= digits <= 15 or _DATE.fullmatch(found) or _DOTTED.fullmatch(found):
        return found
    return "[phone]"


def redact(text: str) -> str:
    """Replace e-mail addresses and phone numbers with placeholders."""
    return PHONE.sub(_phone, EMAIL.sub("[email]", text))


def is_local_endpoint(base_url: str | None) -> bool:
    """True for an endpoint on this machine (loopback), where nothing leaves it."""
    if not base_url:
        return False  # the default is api.openai.com
    host = urlparse(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
