"""Reading prospect lists exported from HubSpot, Salesforce, Apollo, Clay or by hand.

Any common dialect: UTF-8 with or without BOM, UTF-16, Windows-1252/Latin-1; ``,`` ``;``
tab or ``|`` delimiters; quoted newlines. The website column is found through an alias
table; rows are streamed, never loaded whole.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import IngestError
from retrieval.tables.aliases import normalise_header
from retrieval.tables.rows import sniff_delimiter
from retrieval.textio import open_text

WEBSITE_ALIASES = ("website", "domain", "company domain name", "company domain", "account website",
                   "website url", "company website", "url", "homepage", "web site", "site",
                   "company url", "primary domain")
NAME_ALIASES = ("company", "company name", "account name", "name", "organization", "account")


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
    with open_text(path) as fh:
        sample = fh.read(64 * 1024)
        fh.seek(0)
        delimiter = sniff_delimiter(sample)
        reader = csv.reader(fh, delimiter=delimiter)
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            raise IngestError(str(path), "no header row")
        website = _find(header, WEBSITE_ALIASES)
        if website is None and require_website:
            raise IngestError(str(path), "no website or domain column (looked for: "
                              + ", ".join(WEBSITE_ALIASES[:6]) + ", …); columns: "
                              + ", ".join(header[:12]))
        layout = ProspectList(path, header, website, _find(header, NAME_ALIASES), delimiter)

        def rows() -> Iterator[tuple[int, list[str]]]:
            try:
                for number, values in enumerate(reader, start=2):
                    if any(v.strip() for v in values):
                        yield number, values
            except csv.Error as exc:
                raise IngestError(str(path), f"malformed CSV near line {reader.line_num}: "
                                  f"{exc}") from exc

        yield layout, rows()
