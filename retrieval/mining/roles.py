"""People in the evidence: which side of the call a speaker is on, and role families."""

from __future__ import annotations

import re

# Roles that sit on the vendor's side of a sales or success call. Their words describe
# the product, not the customer's pains, so mining and personas leave them out.
_VENDOR_ROLE = re.compile(
    r"\b(account executive|ae|sdr|bdr|solutions? engineer|sales engineer|se|csm|"
    r"customer success manager|implementation (manager|consultant)|interviewer)\b",
    re.I,
)

ROLE_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Revenue Operations", re.compile(r"rev(enue)?\s*ops|revenue operations|sales op|"
                                      r"business systems|crm admin", re.I)),
    ("Marketing Operations", re.compile(r"marketing op|demand gen|growth market|"
                                        r"marketing", re.I)),
    ("Sales Leadership", re.compile(r"\b(vp|vice president|head|director|chief)\b.*sales|"
                                    r"\bcro\b|chief revenue|sales manager|sales director", re.I)),
    ("Finance", re.compile(r"financ|\bcfo\b|controller|fp&a", re.I)),
    ("Customer Success", re.compile(r"customer success|support|\bcs\b", re.I)),
    ("IT and Security", re.compile(r"\bit\b|security|information|engineering|developer|cto",
                                   re.I)),
    ("Founder or Owner", re.compile(r"founder|owner|ceo|president", re.I)),
)


def is_vendor_side(role: str, vendor: str = "") -> bool:
    """True for the seller's people (AE, SE, CSM, or a role naming the vendor)."""
    if not role:
        return False
    if vendor and vendor.lower() in role.lower():
        return True
    return bool(_VENDOR_ROLE.search(role))


def role_family(role: str) -> str | None:
    for family, pattern in ROLE_FAMILIES:
        if pattern.search(role):
            return family
    return None
