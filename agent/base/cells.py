"""The one rule for every cell the product writes to a file a spreadsheet may open.

A cell whose first character is ``=``, ``+``, ``-``, ``@``, tab or carriage return is run
as a formula by Excel, LibreOffice and Google Sheets (CWE-1236, OWASP "CSV Injection"). Text
that came from the web, or that we wrote ourselves, goes through :func:`safe_cell`: such a
cell is neutralised the way OWASP describes, with a leading apostrophe (the spreadsheet
shows the text as text), and the CSV writer quotes what needs quoting. Plain numbers,
negative ones included, stay numbers. Columns of the user's own list are theirs and pass
through as they came (a phone ``+44 20 …``); every writer of the enriched list, the scored
list, the CRM bundle and its plan calls this function, and nothing else decides it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def safe_cell(value: str) -> str:
    """``value`` as a cell no spreadsheet runs: a leading apostrophe before a formula
    character; plain numbers (``-12``, ``+3.5``, ``-1,200``) unchanged."""
    return GUARD + value if runs_as_formula(value) else value


def safe_cells(values: Iterable[str]) -> list[str]:
    return [safe_cell(v) for v in values]


def runs_as_formula(value: str) -> bool:
    """True for a cell a spreadsheet would run (the tests' check of every file we write)."""
    return bool(value) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value)
