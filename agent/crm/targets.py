"""What a CRM load bundle writes to each target: one field table per CRM.

Each row of a table is one CRM field: its API name (HubSpot's internal property name,
Salesforce's Account field API name), the export headers it appears under (the CRM's own
labels and common spellings), where its value comes from in a scored list, and whether it
is one of ours (``icp_*`` / ``ICP_*__c``: always overwritten) or the customer's
(filled only when blank in the CRM).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from retrieval.tables.aliases import normalise_header

Target = Literal["hubspot", "salesforce"]
TARGETS: tuple[Target, ...] = ("hubspot", "salesforce")
Source = Literal["name", "key", "industry", "employees", "country", "city", "state", "revenue",
                 "fit_score", "fit_tier", "fit_confidence", "fit_reasons", "icp_version",
                 "scored_at", "evidence_url"]
TIERS = ("A", "B", "C", "D", "unknown")


@dataclass(frozen=True)
class Field:
    api: str                  # the CRM's name for the field
    source: Source            # where the value comes from in a scored list
    headers: tuple[str, ...]  # how an export may call it (normalised when compared)
    ours: bool = False        # an icp field: overwritten on every load
    label: str = ""
    kind: str = "string"      # hubspot property type: string | number | enumeration | datetime


COMMON = {
    "name": ("company", "company name", "account name", "name", "organization"),
    "key": ("company domain name", "domain", "website", "company website", "website url",
            "account website", "url"),
    "industry": ("industry", "sector", "vertical"),
    "employees": ("number of employees", "employees", "num of employees", "employee count",
                  "headcount", "company size"),
    "country": ("country region", "country", "billing country", "hq country"),
    "city": ("city", "billing city"),
    "state": ("state region", "state", "billing state province", "billing state"),
    "revenue": ("annual revenue", "revenue", "annualrevenue"),
}


# Our fields: (source, label, HubSpot property type, HubSpot name, Salesforce API name)
OURS = (
    ("fit_score", "ICP fit score", "number", "icp_fit_score", "ICP_Fit_Score__c"),
    ("fit_tier", "ICP fit tier", "enumeration", "icp_fit_tier", "ICP_Fit_Tier__c"),
    ("fit_confidence", "ICP fit confidence", "number", "icp_fit_confidence",
     "ICP_Fit_Confidence__c"),
    ("fit_reasons", "ICP fit reasons", "string", "icp_fit_reasons", "ICP_Fit_Reasons__c"),
    ("icp_version", "ICP version", "string", "icp_version", "ICP_Version__c"),
    ("scored_at", "ICP scored at", "datetime", "icp_scored_at", "ICP_Scored_At__c"),
    ("evidence_url", "ICP evidence URL", "string", "icp_evidence_url", "ICP_Evidence_URL__c"),
)


def _ours(target: int) -> list[Field]:
    return [Field(row[target], cast(Source, row[0]), (row[target].lower(), row[1].lower()),
                  ours=True, label=row[1], kind=row[2]) for row in OURS]


HUBSPOT: list[Field] = [
    Field("name", "name", COMMON["name"]), Field("domain", "key", COMMON["key"]),
    Field("industry", "industry", COMMON["industry"]),
    Field("numberofemployees", "employees", COMMON["employees"]),
    Field("annualrevenue", "revenue", COMMON["revenue"]),
    Field("country", "country", COMMON["country"]), Field("city", "city", COMMON["city"]),
    Field("state", "state", COMMON["state"]),
    *_ours(3),
]

SALESFORCE: list[Field] = [
    Field("Name", "name", COMMON["name"]), Field("Website", "key", COMMON["key"]),
    Field("Industry", "industry", COMMON["industry"]),
    Field("NumberOfEmployees", "employees", COMMON["employees"]),
    Field("AnnualRevenue", "revenue", COMMON["revenue"]),
    Field("BillingCountry", "country", COMMON["country"]),
    Field("BillingCity", "city", COMMON["city"]),
    Field("BillingState", "state", COMMON["state"]),
    *_ours(4),
]
SALESFORCE_KEY = "ICP_Key__c"  # the External ID field: the canonical domain
HUBSPOT_KEY = "domain"

# Headers only one CRM's exports carry: an export with these is that CRM's.
SIGNATURES: dict[Target, tuple[str, ...]] = {
    "hubspot": ("record id", "company domain name", "company owner", "lifecycle stage"),
    "salesforce": ("account id", "account name", "account owner", "billing country",
                   "account number"),
}


def fields_of(target: Target) -> list[Field]:
    return HUBSPOT if target == "hubspot" else SALESFORCE


def key_field(target: Target) -> str:
    return HUBSPOT_KEY if target == "hubspot" else SALESFORCE_KEY


def looks_like(headers: list[str]) -> Target | None:
    """Which CRM an export's headers belong to, if they say (a plain list says nothing)."""
    names = {normalise_header(h) for h in headers}
    hits = {target: len(names & set(marks)) for target, marks in SIGNATURES.items()}
    best = max(hits, key=lambda t: hits[t])
    return best if hits[best] and hits[best] > min(hits.values()) else None


def column_for(headers: list[str], field: Field) -> str | None:
    """The export header that holds ``field`` (its API name first, then its labels)."""
    by_name = {normalise_header(h): h for h in headers}
    for name in (field.api.lower(), *field.headers):
        found = by_name.get(normalise_header(name))
        if found is not None:
            return found
    return None
