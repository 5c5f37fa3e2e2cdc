"""Dates in any common format, with the day/month order decided by the column's own values.

``2019-05-28``, ``28-05-2019``, ``05/28/2019``, ``28.05.2019``, ``May 28, 2019``,
``2019-05-28T10:00Z`` and Excel serial numbers (in a column whose header names a date) are
read by ``dateutil``; this module only decides *whether* a cell is a date at all (dateutil
alone reads ``"3"`` as the 3rd of this month) and which order a column writes day and
month in. A column whose values include ``28/05/2019`` is day-first; one with
``05/28/2019`` is month-first; when no value tells (every day is 12 or less), dots and
dashes (``28.05.2019``, ``28-05-2019``) read day-first and slashes month-first, as the
exports that write them usually are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from dateutil import parser as date_parser

_MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_ISO = re.compile(r"^\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?([T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?"
                  r"\s*(z|[+-]\d{2}:?\d{2}|utc)?)?$", re.I)
_NUMERIC = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})([T ]\d{1,2}:\d{2}(:\d{2})?"
                      r"(\s*[ap]\.?m\.?)?)?$", re.I)
_WORDY = re.compile(rf"^((mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(\d{{1,2}}(st|nd|rd|th)?\s+"
                    rf"{_MONTHS},?\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}|"
                    rf"{_MONTHS}\s+\d{{4}})([T ,]+\d{{1,2}}:\d{{2}}.*)?$", re.I)
_DATE_HEADER = re.compile(r"(^|[\s_])(date|day|dt)($|[\s_])|(^|[\s_])(created|closed|updated|"
                          r"modified|submitted|founded|signed|won|lost)(_at|_on| at| on)?$|"
                          r"_(at|on)$", re.I)
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_RANGE = (20_000, 80_000)  # 1954 .. 2119
_DEFAULT = datetime(2000, 1, 1)


def looks_like_date(text: str) -> bool:
    """Whether a cell is written as a calendar date (not only whether dateutil accepts it)."""
    value = text.strip()
    if not 6 <= len(value) <= 40:
        return False
    return bool(_ISO.match(value) or _NUMERIC.match(value) or _WORDY.match(value))


def header_names_date(header: str) -> bool:
    return bool(_DATE_HEADER.search(header.strip().lower()))


def day_first(values: Iterable[str]) -> bool:
    """The column's order for ``NN?NN?YYYY`` dates: True when the day comes first."""
    separators: set[str] = set()
    for value in values:
        match = _NUMERIC.match(value.strip())
        if not match:
            continue
        first, second = int(match.group(1)), int(match.group(3))
        if first > 12 >= second:
            return True
        if second > 12 >= first:
            return False
        separators.add(match.group(2))
    return bool(separators) and "/" not in separators


def excel_serial(text: str) -> datetime | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if not EXCEL_RANGE[0] <= number <= EXCEL_RANGE[1]:
        return None
    return EXCEL_EPOCH + timedelta(days=number)


@lru_cache(maxsize=65_536)
def parse_date(text: str, dayfirst: bool = False) -> datetime | None:
    """The date a cell states, or None; ``dayfirst`` is the column's order (``day_first``)."""
    value = text.strip()
    if not looks_like_date(value):
        return None
    iso = bool(_ISO.match(value))
    try:
        parsed = date_parser.parse(value, dayfirst=dayfirst and not iso, default=_DEFAULT)
    except (ValueError, OverflowError):
        return None
    return parsed.replace(tzinfo=None) if parsed.tzinfo else parsed


def iso_date(text: object, dayfirst: bool = False) -> str:
    """``"28-05-2019"`` -> ``"2019-05-28"``; ``""`` when it is not a date."""
    if not text:
        return ""
    parsed = parse_date(str(text), dayfirst)
    return parsed.date().isoformat() if parsed else ""
