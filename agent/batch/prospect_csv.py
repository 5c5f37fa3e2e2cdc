"""Reading prospect lists exported from HubSpot, Salesforce, Apollo, Clay or by hand.

A list (CSV, TSV or the first sheet of an XLSX workbook) is read by the table reader every
export goes through (``retrieval/tables/rows.py``: any common dialect, encoding and
delimiter, quoted newlines, title lines); its website and
name columns are found by the field table's headers (``agent/base/fields.py``: ``website``,
``account``). Rows are streamed as their cells in order, never loaded whole, so the output
keeps every input column as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agent.base.errors import IngestError
from agent.base.fields import FIELDS
from retrieval.tables.aliases import normalise_header
from retrieval.tables.cells import flatten
from retrieval.tables.rows import XlsxTable, open_table

WEBSITE_ALIASES = FIELDS["website"].aliases + FIELDS["website"].list_aliases
NAME_ALIASES = FIELDS["account"].aliases + FIELDS["account"].list_aliases


@dataclass
class ProspectList:
    path: Path
    header: list[str]
    website_column: int | None  # None only when the caller does not need one
    name_column: int | None
    delimiter: str

    def website(self, values: list[str]) -> str:
        column = self.website_column
        return values[column] if column is not None and column < len(values) else ""


def _find(header: list[str], aliases: tuple[str, ...]) -> int | None:
    normalised = [normalise_header(h) for h in header]
    for alias in aliases:
        if alias in normalised:
            return normalised.index(alias)
    return None


@contextmanager
def open_prospects(path: Path, require_website: bool = True,
                   ) -> Iterator[tuple[ProspectList, Iterator[tuple[int, list[str]]]]]:
    """The list's layout and a stream of ``(row_number, values)`` (header is row 1)."""
    with open_table(path) as table:
        header = table.header
        website = _find(header, WEBSITE_ALIASES)
        if website is None and require_website:
            raise IngestError(str(path), "no website or domain column (looked for: "
                              + ", ".join(WEBSITE_ALIASES[:6]) + ", …); columns: "
                              + ", ".join(header[:12]))
        rows = ((n, [flatten(v) for v in values]) for n, values in table.rows()) \
            if isinstance(table, XlsxTable) else table.rows()
        yield (ProspectList(path, header, website, _find(header, NAME_ALIASES),
                            table.delimiter), rows)
