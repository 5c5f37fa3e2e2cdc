"""Ingestion: files -> records -> chunks -> vectors -> store, idempotent and atomic per file.

For each file:

1. Its content hash is compared with the ledger; an unchanged file is skipped without
   being parsed or embedded.
2. It is parsed (bad files fail here, before anything is written), chunked and streamed
   to the store in batches. Chunks already stored (same file, place, text and fields)
   are kept; vectors of unchanged texts are reused; only new texts are embedded, once
   per distinct text.
3. Old chunks the new version no longer has are removed and the ledger entry is
   committed. If anything fails midway, the chunks written so far are removed and the
   previous version stays as it was; if the process is killed, the next run removes the
   partial file (see ``EvidenceStore.recover``).
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from agent.base.errors import IngestError
from retrieval.chunking import Chunker
from retrieval.embeddings import Embedder
from retrieval.parsers import SUPPORTED_SUFFIXES, ParsedSource, parse_file
from retrieval.records import Chunk, Kind, RowProblem
from retrieval.store import EvidenceStore, SourceEntry
from retrieval.tables.columns import Role
from retrieval.tables.mapping import ColumnMapping, MappingStore
from retrieval.tables.schema import READER_VERSION, TableSchema
from retrieval.textio import file_sha256

log = logging.getLogger(__name__)

# A record (one row's text, one note, one ticket, one turn) longer than this is refused,
# named with its file and row: beyond it a record is a dump (a log, a pasted export), not
# something a person said, and its chunks would crowd out every other source.
MAX_RECORD_MB = 5.0
RAW_MARK = "raw:"  # marks a raw-text entry among the ids an ingest wrote (for a roll-back)


@dataclass
class FileResult:
    path: str
    status: str  # added | updated | unchanged | failed
    kind: str = ""
    records: int = 0
    chunks_added: int = 0
    chunks_kept: int = 0
    chunks_removed: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    columns: dict[str, object] = field(default_factory=dict)  # what each column became
    notes: list[str] = field(default_factory=list)  # repairs made while reading
    mapping: str = ""  # the overrides used (given now or saved from an earlier ingest)
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "status": self.status, "kind": self.kind,
                "records": self.records, "columns": self.columns, "notes": self.notes,
                "mapping": self.mapping, "error": self.error}


def column_summary(schema: TableSchema) -> dict[str, object]:
    """What ingest does with each column: evidence text, attributes, fields, left out."""
    fields = {p.header: p.field for p in schema.profiles if p.role == Role.FIELD}
    left_out = {p.header: p.role.value for p in schema.profiles
                if p.role in (Role.IDENTIFIER, Role.PII, Role.EMPTY, Role.IGNORE)}
    return {
        "text": schema.columns(Role.TEXT),
        "attributes": schema.columns(Role.CATEGORY, Role.NUMBER, Role.LIST),
        "fields": fields,
        "kept": schema.columns(Role.DATE, Role.URL),
        "deal_date": schema.dates.column or None,
        "outcome": schema.outcome.describe() if schema.outcome else None,
        "left_out": left_out,
    }


def column_lines(columns: Mapping[str, Any], mapping: str = "") -> list[str]:
    """Short lines saying what each column of an ingested table became."""
    lines = []
    text, attributes = columns.get("text") or [], columns.get("attributes") or []
    fields = columns.get("fields") or {}
    left_out = columns.get("left_out") or {}
    if columns.get("outcome"):
        lines.append(f"outcome {columns['outcome']}")
    if columns.get("deal_date"):
        lines.append(f"deal date: {columns['deal_date']} (backtests split on it)")
    if text:
        lines.append("evidence text: " + ", ".join(text))
    if fields:
        lines.append("fields: " + ", ".join(f"{h} → {f}" for h, f in fields.items()))
    if attributes:
        lines.append(f"{len(attributes)} attributes: " + ", ".join(attributes))
    if left_out:
        lines.append("left out: " + ", ".join(f"{h} ({r})" for h, r in left_out.items()))
    if mapping:
        lines.append(f"mapping: {mapping} (saved; the next ingest uses it)")
    return lines


@dataclass
class IngestSummary:
    files: list[FileResult] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def row_problems(self) -> int:
        return sum(len(f.problems) for f in self.files)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, object]:
        return {
            "files": {s: self.count(s) for s in ("added", "updated", "unchanged", "failed")},
            "records": self.records,
            "rows_failed": self.row_problems,
            "chunks": {n: self.total(f"chunks_{n}") for n in ("added", "kept", "removed")},
            "errors": [f.error for f in self.failed]
            + [str(p) for f in self.files for p in f.problems],
            "recovered": self.recovered,
            "sources": [f.as_dict() for f in self.files],
        }


class VectorCache:
    """Text -> vector, bounded (LRU), float32: dedupes embedding work within a file."""

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._data: OrderedDict[bytes, np.ndarray] = OrderedDict()

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()

    def get(self, text: str) -> np.ndarray | None:
        key = self._key(text)
        vector = self._data.get(key)
        if vector is not None:
            self._data.move_to_end(key)
        return vector

    def require(self, text: str) -> np.ndarray:
        vector = self.get(text)
        if vector is None:  # evicted within one batch: only if limit < batch size
            raise RuntimeError("vector cache limit is smaller than a write batch")
        return vector

    def put(self, text: str, vector: Sequence[float]) -> None:
        self._data[self._key(text)] = np.asarray(vector, dtype=np.float32)
        if len(self._data) > self.limit:
            self._data.popitem(last=False)


class Progress:
    """Hooks the CLI overrides to draw a progress bar; the defaults do nothing."""

    def file_started(self, path: Path, index: int, total: int) -> None: ...

    def records_done(self, count: int) -> None: ...

    def file_finished(self, result: FileResult) -> None: ...


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and the supported files inside given directories, in sorted order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES \
                        and not any(part.startswith(".") for part in child.parts[-2:]):
                    yield child
        else:
            yield path


def _batches(chunks: Iterator[Chunk], size: int) -> Iterator[list[Chunk]]:
    batch: list[Chunk] = []
    for chunk in chunks:
        batch.append(chunk)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Ingestor:
    def __init__(self, store: EvidenceStore, embedder: Embedder, chunker: Chunker | None = None,
                 batch_size: int = 512, progress: Progress | None = None,
                 mappings: MappingStore | None = None,
                 max_record_mb: float = MAX_RECORD_MB) -> None:
        self.store = store
        self.max_record_chars = int(max_record_mb * 1_000_000)
        self.mappings = mappings
        self.embedder = embedder
        self.chunker = chunker or Chunker(embedder.count_tokens, max_tokens=embedder.max_tokens - 6)
        self.batch_size = batch_size
        self.progress = progress or Progress()

    def ingest(self, paths: Iterable[Path], kind: Kind | None = None,
               mapping: ColumnMapping | None = None) -> IngestSummary:
        """Ingest files and folders; ``mapping`` (column overrides) applies to every file."""
        files = list(expand_paths(paths))
        summary = IngestSummary()
        with self.store.write_lock():
            summary.recovered = self.store.recover()
            for index, path in enumerate(files):
                self.progress.file_started(path, index, len(files))
                result = self.ingest_file(path, kind, mapping)
                summary.files.append(result)
                self.progress.file_finished(result)
        return summary

    def ingest_file(self, path: Path, kind: Kind | None = None,
                    mapping: ColumnMapping | None = None) -> FileResult:
        """Ingest one file; never raises for bad input (the result says what went wrong).

        The column mapping saved for this file by an earlier ingest applies, with
        ``mapping`` on top; a changed mapping re-ingests an unchanged file.
        """
        try:
            key = str(path.resolve())
            saved = self.mappings.load(key) if self.mappings else None
            effective = (saved or ColumnMapping()).merged(mapping)
            digest = (file_sha256(path) + f"+reader:{READER_VERSION}") if path.is_file() else ""
            if not effective.empty:
                digest += "+map:" + effective.fingerprint()
            previous = self.store.get_source(key)
            if (previous and previous.status == "ok" and previous.source_hash == digest
                    and kind in (None, Kind(previous.kind))):
                self.progress.records_done(previous.records)
                return FileResult(str(path), "unchanged", previous.kind, previous.records,
                                  chunks_kept=previous.chunks, mapping=effective.describe())
            parsed = parse_file(path, kind, None if effective.empty else effective)
        except IngestError as exc:
            log.debug("failed %s", path, exc_info=True)
            return FileResult(str(path), "failed", error=str(exc))
        except OSError as exc:
            return FileResult(str(path), "failed", error=f"{path}: cannot read ({exc.strerror})")
        result = FileResult(str(path), "updated" if previous else "added", parsed.kind.value,
                            columns=column_summary(parsed.schema) if parsed.schema else {},
                            notes=parsed.notes, mapping=effective.describe())
        written: list[str] = []
        try:
            self._write(key, digest, parsed, previous, result, written)
        except BaseException as exc:
            self._roll_back(key, previous, written)
            if not isinstance(exc, (IngestError, OSError, ValueError)):
                raise
            result.status = "failed"
            result.error = str(exc) if isinstance(exc, IngestError) else f"{path}: {exc}"
            result.chunks_added = result.chunks_kept = result.chunks_removed = 0
        else:
            if self.mappings is not None and (saved is not None or not effective.empty):
                self.mappings.save(key, effective)
        result.problems = parsed.problems
        return result

    def _write(self, key: str, digest: str, parsed: ParsedSource, previous: SourceEntry | None,
               result: FileResult, written: list[str]) -> None:
        old_ids = self.store.chunk_ids(key) if previous else set()
        old_raws = self.store.raw_ids(key) if previous else set()
        reusable = VectorCache()
        if old_ids:
            for text, vector in self.store.vectors_by_text(key).items():
                reusable.put(text, vector)
        self.store.put_source(SourceEntry(key, digest, "pending", parsed.kind.value))
        source_file = Path(key).name
        seen: set[str] = set()
        seen_raws: set[str] = set()

        def chunk_stream() -> Iterator[Chunk]:
            for record in parsed.records:
                size = len(record.text) + sum(map(len, record.raw))
                if size > self.max_record_chars:
                    parsed.problems.append(RowProblem(
                        str(parsed.path), record.locator,
                        f"{size / 1e6:.1f} MB of text in one record, over the limit of "
                        f"{self.max_record_chars / 1e6:g} MB (ICP_MAX_RECORD_MB); skipped"))
                    continue
                result.records += 1
                self.progress.records_done(1)
                yield from self.chunker.chunks(record, key, source_file)

        for batch in _batches(chunk_stream(), self.batch_size):
            raws = {c.raw[0]: c.raw[1] for c in batch if c.raw and c.raw[0] not in seen_raws}
            seen_raws.update(raws)
            fresh_raws = [(ref, text) for ref, text in raws.items() if ref not in old_raws]
            if fresh_raws:
                written.extend(RAW_MARK + ref for ref, _ in fresh_raws)
                self.store.put_raws(key, fresh_raws)
            fresh = [c for c in batch if c.id not in old_ids and c.id not in seen]
            kept = sum(1 for c in batch if c.id in old_ids and c.id not in seen)
            seen.update(c.id for c in batch)
            result.chunks_kept += kept
            if not fresh:
                continue
            vectors = self._vectors([c.text for c in fresh], reusable)
            written.extend(c.id for c in fresh)
            self.store.upsert([c.id for c in fresh], [c.text for c in fresh],
                              [c.metadata for c in fresh], vectors)
            result.chunks_added += len(fresh)
        if result.records == 0:
            skipped = f" ({len(parsed.problems)} rows skipped" + (
                f": row {parsed.problems[0].row}, {parsed.problems[0].message}"
                if len(parsed.problems) == 1 else "") + ")" \
                if parsed.problems else ""
            raise IngestError(str(parsed.path), f"no evidence found in the file{skipped}")
        stale = old_ids - seen
        self.store.delete(sorted(stale))
        self.store.delete_raws(sorted(old_raws - seen_raws))
        result.chunks_removed = len(stale)
        self.store.put_source(SourceEntry(
            key, digest, "ok", parsed.kind.value, records=result.records, chunks=len(seen),
            problems=len(parsed.problems),
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
        ))

    def _vectors(self, texts: list[str], cache: VectorCache) -> list[np.ndarray]:
        """Embed each distinct text once; reuse vectors already made or stored."""
        missing = list(dict.fromkeys(t for t in texts if cache.get(t) is None))
        for text, vector in zip(missing, self.embedder.embed_documents(missing), strict=True):
            cache.put(text, vector)
        return [cache.require(t) for t in texts]

    def _roll_back(self, key: str, previous: SourceEntry | None, written: list[str]) -> None:
        self.store.delete([w for w in written if not w.startswith(RAW_MARK)])
        self.store.delete_raws([w[len(RAW_MARK):] for w in written if w.startswith(RAW_MARK)])
        if previous:
            self.store.put_source(previous)
        else:
            self.store.drop_source(key)
