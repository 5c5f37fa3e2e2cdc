"""The field table: one row per field the product reads from an export, learns from or writes.

A field is declared here once (its key, how its values are read, the words a rep reads, its
bands and the export headers that name it) and everything else is derived: the header
alias lookup (``retrieval/tables/aliases.py``), the value checks that confirm an alias
(``retrieval/tables/confirm.py``), the attributes criteria are learned from
(``retrieval/tables/attributes.py``), the record sentence of a deal row, the criterion
labels and kinds (``agent/icp/deals.py``), the usual size and revenue bands, and the
website and name columns of a prospect list. The key is the field's one name: the chunk
metadata key, the criterion attribute and the ICP JSON all use it (:func:`canonical_name`
reads the names releases before 0.4 saved: ``size``, ``technology``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a field's values are read:
# identity: one per row (an account, a person, a record id); text: free text;
# number / category / list: attributes; date; outcome; source: where a record came from.
FieldRole = Literal["identity", "text", "number", "category", "list", "date", "outcome",
                    "source", "url"]
FieldKind = Literal["firmographic", "technographic", "attribute"]
Bands = tuple[tuple[float, float, str], ...]  # (low, high exclusive, label)


@dataclass(frozen=True)
class Field:
    key: str
    role: FieldRole
    label: str = ""                    # a column label a rep reads ("Employees")
    aliases: tuple[str, ...] = ()      # export headers that name it, in order of preference
    criterion: str = ""                # how a criterion on it reads ("Company size (employees)")
    kind: FieldKind | None = None  # set for the fields criteria are learned from
    bands: Bands = ()                  # the usual bands of a number
    sentence: str = ""                 # its word in a deal row's sentence ("tech stack")
    person: bool = False               # values must be person names
    numbers_allowed: bool = False      # a category whose values may all be numbers (labels)
    list_aliases: tuple[str, ...] = ()  # headers only a prospect list reads as this field
    old_names: tuple[str, ...] = ()    # names saved ICPs may still use

    @property
    def numeric(self) -> bool:
        return self.role == "number"

    @property
    def multi_valued(self) -> bool:
        return self.role == "list"

    @property
    def learned(self) -> bool:
        """Whether criteria are learned from it (a firmographic, technographic or other
        attribute of a deal)."""
        return self.kind is not None

    @property
    def criterion_label(self) -> str:
        return self.criterion or self.label


SIZE_BANDS: Bands = ((0, 50, "1-49"), (50, 200, "50-199"), (200, 1000, "200-999"),
                     (1000, 5000, "1000-4999"), (5000, float("inf"), "5000+"))
REVENUE_BANDS: Bands = ((0, 1e7, "<$10M"), (1e7, 1e8, "$10M-$100M"),
                        (1e8, 1e9, "$100M-$1B"), (1e9, float("inf"), "$1B+"))

_TABLE = (
    Field("account", "identity", "Account", aliases=(
        "account", "account name", "company", "company name", "organization",
        "organization name", "organisation", "org", "requester org",
        "requester organization", "customer", "customer name", "client",
        "reviewer company", "reviewer organization"), list_aliases=("name",)),
    Field("outcome", "outcome", "Outcome", aliases=(
        "outcome", "deal stage", "stage", "opportunity stage", "win loss", "won lost",
        "result", "deal outcome", "status")),
    Field("reason", "text", "Reason", aliases=(
        "reason", "loss reason", "lost reason", "win reason", "won reason",
        "close reason", "closed lost reason", "primary reason", "churn reason")),
    Field("notes", "text", "Notes", aliases=(
        "notes", "note", "call notes", "deal notes", "comments", "summary", "details",
        "win loss notes", "feedback", "competitor notes")),
    Field("date", "date", "Date", aliases=(
        "date", "close date", "closed date", "closed at", "created", "created at",
        "created date", "creation date", "timestamp", "submitted at", "engage date",
        "date submitted", "submitted", "review date", "published", "date published",
        "published date", "survey date", "response date")),
    Field("industry", "category", "Industry", kind="firmographic", sentence="industry",
          aliases=("industry", "sector", "vertical", "segment industry", "reviewer industry",
                   "company industry", "customer industry")),
    Field("employees", "number", "Employees", criterion="Company size (employees)",
          kind="firmographic", bands=SIZE_BANDS, sentence="employees", old_names=("size",),
          aliases=(
              "employees", "employee count", "number of employees", "num employees",
              "headcount", "company size", "employee range", "size", "organization size",
              "organisation size", "org size", "reviewer company size", "company size range",
              "team size", "num of employees", "no of employees", "company headcount",
              "staff count", "estimated num employees", "employees count", "total employees")),
    Field("revenue", "number", "Revenue", kind="firmographic", bands=REVENUE_BANDS,
          sentence="revenue",
          aliases=("revenue", "annual revenue", "arr", "revenue musd", "revenue usd")),
    Field("country", "category", "Country", kind="firmographic", sentence="country", aliases=(
        "country", "hq country", "billing country", "office location", "region",
        "location", "headquarters", "reviewer country", "reviewer location")),
    Field("technologies", "list", "Technologies", criterion="Uses technology",
          kind="technographic", sentence="tech stack", old_names=("technology",),
          aliases=("tech stack", "technologies", "technographics", "tools", "stack", "tech")),
    Field("product", "category", "Product", kind="attribute",
          aliases=("product", "product name", "plan", "sku")),
    Field("amount", "number", "Deal amount", kind="attribute", aliases=(
        "amount", "close value", "deal size", "deal value", "value", "acv")),
    Field("competitor", "category", "Competitor", kind="attribute", sentence="competitor",
          aliases=("competitor", "competitors", "lost to", "primary competitor")),
    Field("title", "text", "Title", aliases=(
        "title", "subject", "ticket subject", "issue title", "summary title")),
    Field("body", "text", "Body", aliases=(
        "body", "description", "content", "text", "message", "comment", "ticket body",
        "issue body", "details text")),
    Field("tags", "list", "Tags", kind="attribute", numbers_allowed=True, aliases=(
        "tags", "labels", "label", "category", "type", "ticket type", "topic")),
    Field("requester", "identity", "Requester", person=True, aliases=(
        "requester", "requester name", "author", "user", "submitter", "reporter",
        "contact", "contact name", "created by")),
    Field("role", "category", "Role", aliases=(
        "role", "job title", "requester role", "contact title", "persona",
        "reviewer role", "reviewer title", "reviewer job title", "position",
        "job role", "respondent role", "product role", "user role")),
    Field("record_id", "identity", "Record id", aliases=(
        "id", "ticket id", "opportunity id", "issue id", "record id", "deal id", "number",
        "key", "case number")),
    Field("speaker", "identity", "Speaker", person=True,
          aliases=("speaker", "speaker name", "name", "participant")),
    Field("repo", "source", "Repository", aliases=("repo", "repository", "project")),
    Field("website", "url", "Website", list_aliases=(
        "website", "domain", "company domain name", "company domain", "account website",
        "website url", "company website", "url", "homepage", "web site", "site",
        "company url", "primary domain")),
)

FIELDS: dict[str, Field] = {f.key: f for f in _TABLE}
LEARNED: tuple[str, ...] = tuple(f.key for f in _TABLE if f.learned)
NUMERIC: tuple[str, ...] = tuple(f.key for f in _TABLE if f.numeric)
_OLD_NAMES = {old: f.key for f in _TABLE for old in f.old_names}


def canonical_name(name: str) -> str:
    """A field's one name for a name an older release saved (``size`` -> ``employees``)."""
    return _OLD_NAMES.get(name, name)


def keys_where(**wanted: object) -> tuple[str, ...]:
    """The keys of the fields whose attributes equal ``wanted`` (``role="number"``)."""
    return tuple(f.key for f in _TABLE
                 if all(getattr(f, attr) == value for attr, value in wanted.items()))
