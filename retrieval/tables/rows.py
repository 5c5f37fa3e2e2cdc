"""Row sources: CSV (any common dialect), XLSX, JSON and JSONL, streamed where possible.

Every reader yields ``(row_number, dict)`` with row numbers as a person would count them
in the file (CSV: the line's record number after the header, starting at 2 like a
spreadsheet; JSON: the 1-based position in the list; JSONL: the line number).
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.base.errors import IngestError
from retrieval.records import RowProblem
from retrieval.textio import open_text, read_text

csv.field_size_limit(64 * 1024 * 1024)

Row = tuple[int, dict[str, Any]]

TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson"}
MAX_PREAMBLE_LINES = 3
JSON_LIST_KEYS = ("tickets", "conversations", "issues", "records", "data", "items", "results")


def sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(",;\t|", key=first.count)


def _past_preamble(sample: str) -> str:
    """The sample without title lines, so the delimiter is sniffed on the table itself."""
    lines = sample.split("\n")
    for skip in range(MAX_PREAMBLE_LINES):
        if len(lines) > skip + 1 and not any(d in lines[skip] for d in ",;\t|") \
                and any(d in lines[skip + 1] for d in ",;\t|"):
            continue
        return "\n".join(lines[skip:])
    return sample


def _header(reader: Iterator[list[str]], path: Path) -> tuple[list[str], int, list[list[str]]]:
    """The header row, its record number, and rows read past it (to be yielded first).

    Exports often start with a title line (``Capterra-Forms-On-Fire``): leading rows with one
    filled cell followed by a row with several are titles, not the header.
    """
    first = list(itertools.islice(reader, MAX_PREAMBLE_LINES + 1))
    if not first:
        raise IngestError(str(path), "no header row")
    skip = 0
    while skip < len(first) - 1 and sum(1 for h in first[skip] if h.strip()) <= 1 \
            and sum(1 for h in first[skip + 1] if h.strip()) >= 2:
        skip += 1
    header = [h.strip() for h in first[skip]]
    if not any(header):
        raise IngestError(str(path), "the header row is empty")
    return header, skip + 1, first[skip + 1:]


@dataclass
class CsvTable:
    """One CSV file opened as a table: its header and a stream of its rows' cells.

    The one CSV reader: evidence exports (:func:`iter_csv`) and prospect lists
    (``agent/batch/prospect_csv.py``) both read through it, so both get the same dialects,
    title lines and errors."""

    path: Path
    header: list[str]
    delimiter: str
    _reader: Any
    _buffered: list[list[str]]
    _header_row: int

    @property
    def line(self) -> int:
        """The physical line the reader is at (for messages about quoting)."""
        return int(self._reader.line_num)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """``(row_number, cells)`` of every row with a filled cell; the header is row
        ``header_row`` (1 unless title lines come first)."""
        row_no = self._header_row
        try:
            for values in itertools.chain(self._buffered, self._reader):
                row_no += 1
                if any(v.strip() for v in values):
                    yield row_no, values
        except csv.Error as exc:
            raise IngestError(
                str(self.path), f"malformed CSV near line {self.line}: {exc}", row=row_no + 1
            ) from exc


@contextmanager
def open_csv(path: Path) -> Iterator[CsvTable]:
    with open_text(path) as fh:
        sample = fh.read(64 * 1024)
        fh.seek(0)
        delimiter = sniff_delimiter(_past_preamble(sample))
        reader = csv.reader(fh, delimiter=delimiter)
        header, row_no, buffered = _header(reader, path)
        yield CsvTable(path, header, delimiter, reader, buffered, row_no)


def iter_csv(path: Path, problems: list[RowProblem]) -> Iterator[Row]:
    with open_csv(path) as table:
        header = table.header
        for row_no, values in table.rows():
            if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
                problems.append(RowProblem(
                    str(path), row_no,
                    f"{len(values)} fields but the header has {len(header)} (near line "
                    f"{table.line}: check quoting or the delimiter); row skipped",
                ))
                continue
            yield row_no, dict(zip(header, values, strict=False))


@dataclass
class XlsxTable:
    """The first sheet of a workbook as a table, like :class:`CsvTable` (cells keep the
    types openpyxl reads: numbers, dates; ``None`` for an empty cell)."""

    path: Path
    header: list[str]
    _rows: Iterator[tuple[Any, ...]]
    delimiter: str = ""
    line: int = 0

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        for number, values in enumerate(self._rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            yield number, list(values)


@contextmanager
def open_xlsx(path: Path) -> Iterator[XlsxTable]:
    from openpyxl import load_workbook  # heavy; only when an XLSX arrives

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise IngestError(str(path), f"not a readable XLSX workbook ({exc})") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise IngestError(str(path), "the first sheet is empty")
        yield XlsxTable(path, ["" if h is None else str(h).strip() for h in header], rows)
    finally:
        book.close()


def open_table(path: Path) -> AbstractContextManager[CsvTable | XlsxTable]:
    """A CSV/TSV or XLSX file as a header and a stream of rows of cells."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return open_xlsx(path)
    if suffix in (".csv", ".tsv", ".txt", ""):
        return open_csv(path)
    raise IngestError(str(path), f"not a CSV, TSV or XLSX table ({suffix})")


def iter_xlsx(path: Path) -> Iterator[Row]:
    with open_xlsx(path) as table:
        names = table.header
        for number, values in table.rows():
            yield number, {
                n: ("" if v is None else v) for n, v in zip(names, values, strict=False) if n
            }


def load_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise IngestError(
            str(path), f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc


def json_records(path: Path, data: Any) -> list[Any]:
    """The list of records inside a JSON export (a bare list or a known wrapper key)."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in JSON_LIST_KEYS:
            if isinstance(data.get(key), list):
                return data[key]
        return [data]
    raise IngestError(str(path), "expected a JSON list of records or an object holding one")


def json_rows(path: Path, items: list[Any], problems: list[RowProblem]) -> Iterator[Row]:
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(RowProblem(str(path), number, "not a JSON object; record skipped"))
            continue
        yield number, item


def iter_jsonl(path: Path, problems: list[RowProblem]) -> Iterator[Row]:
    with open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(RowProblem(
                    str(path), number, f"malformed JSON line ({exc.msg}); line skipped"))
                continue
            if not isinstance(item, dict):
                problems.append(RowProblem(str(path), number, "not a JSON object; line skipped"))
                continue
            yield number, item


def iter_rows(path: Path, problems: list[RowProblem]) -> Iterator[Row]:
    """Rows of a CSV/TSV, XLSX or JSONL file; bad rows go to ``problems``."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return iter_csv(path, problems)
    if suffix in (".xlsx", ".xlsm"):
        return iter_xlsx(path)
    if suffix in (".jsonl", ".ndjson"):
        return iter_jsonl(path, problems)
    raise IngestError(str(path), f"not a table file ({suffix or 'no extension'})")
