"""The match key between a scored list and a CRM: the canonical registrable domain.

``https://www.stock.walmart.com/investors`` and ``walmart.com`` are one company: the key is
the registrable domain by the public-suffix list (``tldextract`` with its bundled
snapshot, never a download). Addresses at free mail providers name a person, not a
company: they are no key.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

# Free mail providers: a domain here names a mailbox, never a company.
PERSONAL_MAIL = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "hotmail.com",
    "hotmail.co.uk", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com",
    "mac.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "web.de", "mail.com",
    "yandex.com", "yandex.ru", "zoho.com", "qq.com", "163.com", "126.com", "naver.com",
})

KeyProblem = Literal["", "no key", "personal mail"]


@lru_cache(maxsize=1)
def _extractor() -> Any:
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=65_536)
def domain_key(value: str) -> tuple[str, KeyProblem]:
    """``(key, "")`` for a website, domain or e-mail cell; ``("", why)`` when it has none."""
    text = value.strip().lower()
    if "@" in text and " " not in text:
        text = text.rsplit("@", 1)[1]
    if not text or " " in text:
        return "", "no key"
    parts = _extractor()(text)
    registered = f"{parts.domain}.{parts.suffix}" if parts.domain and parts.suffix else ""
    if not registered:
        return "", "no key"
    if registered in PERSONAL_MAIL:
        return "", "personal mail"
    return registered, ""
