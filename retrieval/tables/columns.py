"""What each column of a table export is: its role, inferred from the header and the values.

The alias table (``retrieval/tables/aliases.py``) names the columns we know; every other column
gets a role from what its values look like (type, cardinality, length, patterns), so
nothing a real export carries is silently dropped:

- ``identifier``: one value per row (ids, uuids, record numbers, row labels): not evidence;
- ``text``: free text, becomes evidence labelled by its header;
- ``category`` / ``number`` / ``list``: attributes in the chunk metadata (see
  ``retrieval/tables/attributes.py`` for their names);
- ``date``, ``url``: kept in the metadata, not learned from;
- ``pii``: e-mail addresses, phone numbers and person names: never an attribute;
- ``empty``: no value in the rows profiled.

Placeholder values (``Select``, ``N/A``, ``-``, ``none``, empty …) count as missing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import StrEnum
from typing import Any

from retrieval.tables.aliases import normalise_header
from retrieval.tables.cells import PLACEHOLDERS, flatten
from retrieval.tables.dates import excel_serial, header_names_date, looks_like_date


class Role(StrEnum):
    FIELD = "field"            # a canonical field from the alias table
    OUTCOME = "outcome"        # won / lost / churned / open
    IDENTIFIER = "identifier"
    TEXT = "text"
    CATEGORY = "category"
    NUMBER = "number"
    LIST = "list"
    DATE = "date"
    URL = "url"
    PII = "pii"
    EMPTY = "empty"
    IGNORE = "ignore"


ATTRIBUTE_ROLES = (Role.CATEGORY, Role.NUMBER, Role.LIST)


# --- value patterns -------------------------------------------------------------------

_EMAIL = re.compile(r"^[\w.+'-]+@[\w-]+(\.[\w-]+)+$")
_PHONE = re.compile(r"^\+?[\d(][\d\s().-]{6,}\d$")
_URL = re.compile(r"^(https?://|www\.)\S+$|^(?=[^.]*[a-z])[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,24}"
                  r"(/\S*)?$", re.I)
_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
_CODE = re.compile(r"^(?=.*\d)[A-Za-z0-9_#:.-]{6,}$")
_NUMBER = re.compile(r"^[-+]?[$€£]?\s*\d[\d,]*(\.\d+)?\s*([kmb]|%)?$", re.I)
_PERSON = re.compile(r"^[A-Z][a-zA-Z'’.-]+( [A-Z][a-zA-Z'’.-]+){1,2}$")
_LIST_BRACKETS = re.compile(r"^\[(.*)\]$", re.S)
ID_WORDS = {"id", "uuid", "guid", "key", "number", "no", "num", "code", "ref", "reference id"}
# Numbers that name something (a postcode, an industry or area code) rather than count it.
CODE_WORDS = {"zip", "zipcode", "postcode", "postal", "naics", "sic", "fips", "isic", "nace",
              "code", "cusip", "isin"}
_INTEGER = re.compile(r"^\d+$")
INDEX_HEADER = re.compile(r"^(unnamed \d+|index|row|row number|level 0)$")
PERSON_WORDS = re.compile(
    r"\b(owner|rep|agent|assignee|reviewer name|contact|first name|last name|full name|"
    r"author|salesperson|manager|founders? names?|person|employee name|user name|username|"
    r"ceo|cfo|cto|founders?)\b"
)
PHONE_WORDS = re.compile(r"\b(phone|mobile|tel|telephone|fax|cell)\b")
EMAIL_WORDS = re.compile(r"\b(e ?mail|email address)\b")

TEXT_WORDS = {"title", "subject", "headline", "summary", "comment", "answer", "response"}
LABEL_WORDS = {"name", "label"}
SAMPLE_ROWS = 2000
TEXT_MIN_CHARS, TEXT_MIN_WORDS = 40, 7


def split_items(value: str) -> list[str]:
    """The items of a multi-value cell: ``a; b``, ``a | b``, ``a, b`` or ``['a', 'b']``."""
    text = value.strip()
    bracketed = _LIST_BRACKETS.match(text)
    if bracketed:
        text = bracketed.group(1)
    sep = ";" if ";" in text else "|" if "|" in text else ","
    items = [i.strip().strip("'\"").strip() for i in text.split(sep)]
    return [i for i in items if i]


def is_number(value: str) -> bool:
    return bool(_NUMBER.match(value.strip()))


@dataclass
class ColumnProfile:
    """What the profiled rows hold in one column, and the role given to it."""

    header: str
    role: Role
    rows: int                      # rows profiled
    filled: int                    # rows with a non-missing value
    distinct: int
    examples: list[str]
    field: str = ""                # canonical field, for Role.FIELD
    reason: str = ""               # why this role (alias, inferred, override)
    placeholders: dict[str, int] = dc_field(default_factory=dict)

    @property
    def fill_rate(self) -> float:
        return self.filled / self.rows if self.rows else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "column": self.header, "role": self.role.value, "field": self.field or None,
            "fill_rate": round(self.fill_rate, 4), "distinct": self.distinct,
            "examples": self.examples, "reason": self.reason,
            "placeholders": self.placeholders,
        }


def _share(values: list[str], test: Any) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _looks_like_list(values: list[str]) -> bool:
    multi = [split_items(v) for v in values]
    with_many = [items for items in multi if len(items) >= 2]
    if len(with_many) < max(2, 0.2 * len(values)):
        return False
    items = [i for group in multi for i in group]
    if sum(len(i) for i in items) / len(items) > 30:
        return False
    if sum(1 for i in items if len(i.split()) > 4) > 0.1 * len(items):
        return False
    if all(";" in v or "|" in v or v.startswith("[") for v in values if len(split_items(v)) > 1):
        return True  # an explicit list separator
    # comma-separated: only when the items recur across rows (not a phrase with commas)
    return len(set(items)) <= 0.7 * len(items)


def looks_like_codes(header: str, values: list[str]) -> bool:
    """Numbers that are codes: a header that says so (zip, NAICS, SIC, … code), or whole
    numbers written with leading zeros at one fixed width (``02139``, ``0451``)."""
    words = set(normalise_header(header).split())
    if words & CODE_WORDS and _share(values, lambda v: bool(_INTEGER.match(v))) >= 0.8:
        return True
    integers = [v for v in values if _INTEGER.match(v)]
    if len(integers) < 0.95 * len(values) or not integers:
        return False
    widths = {len(v) for v in integers}
    padded = sum(1 for v in integers if v.startswith("0") and len(v) > 1)
    return len(widths) == 1 and padded >= max(1, 0.02 * len(integers))


def _row_numbers(values: list[str]) -> bool:
    """Unique whole numbers over a dense range: row numbers or sequential ids."""
    if not all(_INTEGER.match(v) for v in values):
        return False
    numbers = [int(v) for v in values]
    return len(set(numbers)) == len(numbers) and max(numbers) - min(numbers) + 1 \
        <= 1.5 * len(numbers)


def person_names(values: list[str]) -> bool:
    """Most values are written like a person's name: two or three capitalised words."""
    return _share(values, lambda v: bool(_PERSON.match(v)) or v.startswith("[")) >= 0.6


def infer_role(header: str, values: list[str], rows: int) -> tuple[Role, str]:
    """The role of an unmapped column from its header and its non-missing values."""
    if not values:
        return Role.EMPTY, f"no value in {rows} rows"
    name = normalise_header(header)
    words = name.split()
    n, distinct = len(values), len(set(values))
    unique = distinct == n and n >= 2
    if _share(values, _EMAIL.match) >= 0.8 or (EMAIL_WORDS.search(name) and "@" in values[0]):
        return Role.PII, "e-mail addresses"
    if PHONE_WORDS.search(name) and _share(values, _PHONE.match) >= 0.6:
        return Role.PII, "phone numbers"
    if _share(values, _URL.match) >= 0.8:
        return Role.URL, "URLs or domains"
    if PERSON_WORDS.search(name) and person_names(values):
        return Role.PII, "person names"
    id_header = bool(words) and (words[-1] in ID_WORDS or name in ID_WORDS)
    nearly_unique = n >= 20 and distinct >= 0.95 * n
    if (unique or (id_header and nearly_unique)) and (
            id_header or _share(values, _UUID.match) >= 0.9
            or _share(values, _CODE.match) >= 0.9):
        return Role.IDENTIFIER, "a unique value per row"
    if _share(values, _UUID.match) >= 0.9:
        return Role.IDENTIFIER, "uuids"
    if INDEX_HEADER.match(name) and nearly_unique:
        return Role.IDENTIFIER, "a row index"
    if _share(values, looks_like_date) >= 0.9:
        return Role.DATE, "dates"
    numeric = _share(values, is_number)
    if numeric >= 0.95:
        if distinct <= 2:
            return Role.CATEGORY, "a yes/no flag"
        if header_names_date(header) and _share(
                values, lambda v: excel_serial(v) is not None) >= 0.95:
            return Role.DATE, "Excel date serials"
        if looks_like_codes(header, values):
            return Role.CATEGORY, "numbers that are codes, not quantities"
        if unique and n >= 20 and (id_header or _row_numbers(values)):
            return Role.IDENTIFIER, "a unique number per row"
        return Role.NUMBER, f"{numeric:.0%} numbers"
    mean_chars = sum(len(v) for v in values) / n
    mean_words = sum(len(v.split()) for v in values) / n
    is_list = _looks_like_list(values)
    if is_list:
        return Role.LIST, "several values per cell"
    long = mean_chars >= TEXT_MIN_CHARS or mean_words >= TEXT_MIN_WORDS \
        or _share(values, lambda v: "\n" in v) >= 0.2
    if long and distinct > 0.3 * n:
        return Role.TEXT, f"free text (about {mean_words:.0f} words)"
    mostly_unique = n >= 20 and distinct >= 0.9 * n
    if distinct >= 0.9 * n and words and words[-1] in TEXT_WORDS and mean_words >= 2:
        return Role.TEXT, "a short text per row"
    if mostly_unique and words and words[-1] in LABEL_WORDS:
        return Role.IDENTIFIER, "a unique label per row"
    if unique and n >= 50 and mean_words <= 3:
        return Role.IDENTIFIER, "a unique value per row"
    if mostly_unique and mean_words >= 4:
        return Role.TEXT, "a short text per row"
    return Role.CATEGORY, f"{distinct} distinct values"


def profile_column(header: str, raw: Iterable[object], role: Role | None = None,
                   reason: str = "", canonical: str = "") -> ColumnProfile:
    """Profile one column's values; infer its role unless one is given."""
    rows = 0
    values: list[str] = []
    holders: Counter[str] = Counter()
    for value in raw:
        rows += 1
        text = flatten(value).strip()
        if text.lower() in PLACEHOLDERS:
            if text:
                holders[text] += 1
            continue
        values.append(text)
    if role is None:
        role, reason = infer_role(header, values, rows)
    examples = [v if len(v) <= 60 else v[:59] + "…" for v, _ in Counter(values).most_common(3)]
    return ColumnProfile(header, role, rows, len(values), len(set(values)), examples,
                         field=canonical, reason=reason, placeholders=dict(holders))
