"""The vector store seam: Chroma, embedded (``PersistentClient``) or a server (``HttpClient``).

Three collections live side by side:

- ``<name>`` holds the evidence chunks (cosine space) and records, in its metadata, the
  embedding model that made its vectors; opening it with another model is refused.
- ``<name>-sources`` holds one entry per ingested file (content hash, status, counts). It
  is the ledger that makes ingestion idempotent and lets an interrupted ingest be undone.
- ``<name>-raw`` holds each record's raw texts (what quotes are cut from) **once**, keyed by
  the reference its chunks carry (metadata ``raw_ref``): storage grows with the input, not
  with its square. The texts sit in metadata, not in documents, which Chroma indexes for
  full-text search (4x the bytes and 10x the time for texts nobody searches).

An embedded store is guarded by a lock file so two processes never write it at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
from filelock import FileLock, Timeout

from agent.base import workspace as paths
from agent.base.errors import ModelMismatchError, StoreBusyError, StoreError
from agent.base.quotes import RAW_KEY, RAW_REF_KEY, decode_raw, raw_ref

log = logging.getLogger(__name__)

WRITE_BATCH = 1000
RAW_LAYOUT = "once"  # chunk collection metadata: raw texts live in <name>-raw, once per record
RAW_BATCH = 64  # raw texts can be megabytes each: write and read them a few at a time
_DUMMY = [1.0]  # the ledger needs no vectors; Chroma wants one anyway


@dataclass
class SourceEntry:
    """The ledger's record of one ingested file."""

    source_key: str
    source_hash: str
    status: str  # "pending" while being written, "ok" once complete
    kind: str
    records: int = 0
    chunks: int = 0
    problems: int = 0
    ingested_at: str = ""


@dataclass
class Hit:
    id: str
    text: str
    score: float
    metadata: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        meta = {k: v for k, v in self.metadata.items() if k not in (RAW_KEY, RAW_REF_KEY)}
        return {"id": self.id, "score": round(self.score, 4), "text": self.text, **meta}


def make_client(home: Path, chroma_url: str | None) -> Any:
    """A Chroma client: a server when ``chroma_url`` is set, else embedded under ``home``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        try:
            return chromadb.HttpClient(
                host=url.hostname or "localhost", port=url.port or 8000,
                ssl=url.scheme == "https", settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises ValueError/ConnectionError variants
            raise StoreError(f"cannot reach the Chroma server at {chroma_url}: {exc}") from exc
    path = paths.chroma_dir(home)
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class EvidenceStore:
    """Evidence chunks and the per-file ledger in one Chroma database."""

    def __init__(self, client: Any, name: str, model_id: str,
                 lock_path: Path | None = None, where: str = "") -> None:
        if len(name) < 3:
            raise StoreError(f"collection name '{name}' is too short (Chroma needs 3+ characters)")
        self.client = client
        self.name = name
        self.model_id = model_id
        self.where = where or name
        self._lock = FileLock(str(lock_path)) if lock_path else None
        self.chunks = self._open_chunks()
        self.sources = client.get_or_create_collection(
            f"{name}-sources", embedding_function=None, metadata={"role": "ledger"}
        )
        self.raws = client.get_or_create_collection(
            f"{name}-raw", embedding_function=None, metadata={"role": "raw texts"}
        )
        if (self.chunks.metadata or {}).get("raw_layout") != RAW_LAYOUT:
            self._store_raw_texts_once()

    @classmethod
    def open(cls, home: Path, name: str, model_id: str,
             chroma_url: str | None = None) -> EvidenceStore:
        client = make_client(home, chroma_url)
        lock = None if chroma_url else paths.chroma_lock(home)
        return cls(client, name, model_id, lock, where=chroma_url or str(paths.chroma_dir(home)))

    def _open_chunks(self) -> Any:
        collection = self.client.get_or_create_collection(
            self.name, embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedding_model": self.model_id,
                      "raw_layout": RAW_LAYOUT},
        )
        recorded = (collection.metadata or {}).get("embedding_model")
        if recorded != self.model_id:
            raise ModelMismatchError(
                f"collection '{self.name}' in {self.where} was built with embedding model "
                f"'{recorded or 'unrecorded'}', not '{self.model_id}'. Vectors from different "
                "models cannot be mixed: use the same --embeddings (and ICP_EMBED_BACKEND), "
                "another --collection, "
                "or a fresh --home.", recorded or "")
        return collection

    def _store_raw_texts_once(self) -> None:
        """Migration: a store written before raw texts were kept once per record holds a
        copy of its record's raw texts in every chunk (metadata ``raw``). Each record's
        texts move to ``<name>-raw`` and its chunks keep a reference; ids stay as they are."""
        with self.write_lock(timeout=60):
            offset, moved = 0, 0
            while True:
                got = self.chunks.get(include=["metadatas"], limit=WRITE_BATCH, offset=offset)
                if not got["ids"]:
                    break
                ids: list[str] = []
                metas: list[dict[str, Any]] = []
                raws: dict[str, dict[str, str]] = {}
                for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                    stored = (meta or {}).get(RAW_KEY)
                    if not isinstance(stored, str) or not stored:
                        continue
                    key = str(meta.get("source_key", ""))
                    ref = raw_ref(key, str(meta.get("locator", "")), stored)
                    raws.setdefault(key, {})[ref] = stored
                    ids.append(chunk_id)
                    metas.append({RAW_KEY: None, RAW_REF_KEY: ref})
                for key, entries in raws.items():
                    self.put_raws(key, list(entries.items()))
                if ids:
                    self.chunks.update(ids=ids, metadatas=metas)
                    moved += len(ids)
                offset += len(got["ids"])
            recorded = dict(self.chunks.metadata or {})
            recorded.pop("hnsw:space", None)  # set at creation; modify() may not change it
            self.chunks.modify(metadata={**recorded, "raw_layout": RAW_LAYOUT})
        if moved:
            log.warning("moved the raw texts of %d chunks in %s to one entry per record",
                        moved, self.where)

    # -- locking ---------------------------------------------------------------------------

    @contextmanager
    def write_lock(self, timeout: float = 2.0) -> Iterator[None]:
        """Exclusive writer access to an embedded store (a server handles its own)."""
        if self._lock is None:
            yield
            return
        try:
            self._lock.acquire(timeout=timeout)
        except Timeout:
            raise StoreBusyError(
                f"another icp process is writing to {self.where} (lock {self._lock.lock_file}). "
                "Wait for it to finish, or run a Chroma server (`chroma run`) and pass "
                "--chroma-url so several processes can write at once."
            ) from None
        try:
            yield
        finally:
            self._lock.release()

    # -- the ledger ------------------------------------------------------------------------

    def get_source(self, key: str) -> SourceEntry | None:
        got = self.sources.get(ids=[key], include=["documents"])
        if not got["ids"]:
            return None
        return SourceEntry(**json.loads(got["documents"][0]))

    def put_source(self, entry: SourceEntry) -> None:
        self.sources.upsert(
            ids=[entry.source_key], embeddings=[_DUMMY], documents=[json.dumps(asdict(entry))],
            metadatas=[{"status": entry.status, "kind": entry.kind}],
        )

    def drop_source(self, key: str) -> None:
        self.sources.delete(ids=[key])

    def list_sources(self) -> list[SourceEntry]:
        got = self.sources.get(include=["documents"])
        return [SourceEntry(**json.loads(doc)) for doc in got["documents"]]

    def recover(self) -> list[str]:
        """Undo files whose ingest was killed midway: remove their partial chunks."""
        pending = self.sources.get(where={"status": "pending"}, include=[])["ids"]
        for key in pending:
            self.chunks.delete(where={"source_key": key})
            self.raws.delete(where={"source_key": key})
            self.drop_source(key)
            log.warning("the ingest of %s was interrupted; its partial chunks were removed, "
                        "ingest it again", key)
        return pending

    # -- chunks ----------------------------------------------------------------------------

    def chunk_ids(self, key: str) -> set[str]:
        return set(self.chunks.get(where={"source_key": key}, include=[])["ids"])

    def vectors_by_text(self, key: str) -> dict[str, Any]:
        """Stored vectors of one file's chunks, keyed by chunk text (to skip re-embedding)."""
        got = self.chunks.get(where={"source_key": key}, include=["documents", "embeddings"])
        docs = got["documents"] or []
        vectors = got["embeddings"] if got["embeddings"] is not None else []
        return dict(zip(docs, vectors, strict=False))

    def upsert(self, ids: Sequence[str], texts: Sequence[str],
               metadatas: Sequence[dict[str, Any]], vectors: Sequence[Any]) -> None:
        for start in range(0, len(ids), WRITE_BATCH):
            end = start + WRITE_BATCH
            self.chunks.upsert(
                ids=list(ids[start:end]), documents=list(texts[start:end]),
                metadatas=list(metadatas[start:end]), embeddings=np.asarray(vectors[start:end]),
            )

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), WRITE_BATCH):
            self.chunks.delete(ids=ids[start:start + WRITE_BATCH])

    # -- raw texts (one entry per record) ---------------------------------------------------

    def raw_ids(self, key: str) -> set[str]:
        return set(self.raws.get(where={"source_key": key}, include=[])["ids"])

    def put_raws(self, key: str, raws: Sequence[tuple[str, str]]) -> None:
        """Store ``(ref, encoded raw texts)`` pairs of one file."""
        for start in range(0, len(raws), RAW_BATCH):
            part = raws[start:start + RAW_BATCH]
            self.raws.upsert(ids=[ref for ref, _ in part], embeddings=[_DUMMY] * len(part),
                             metadatas=[{"source_key": key, RAW_KEY: text} for _, text in part])

    def delete_raws(self, refs: Sequence[str]) -> None:
        refs = list(refs)
        for start in range(0, len(refs), RAW_BATCH):
            self.raws.delete(ids=refs[start:start + RAW_BATCH])

    def raw_texts(self, refs: Sequence[str] | None = None) -> dict[str, list[str]]:
        """Raw texts by reference: those of ``refs``, or every record's (page by page)."""
        out: dict[str, list[str]] = {}
        offset = 0
        while True:
            if refs is None:
                got = self.raws.get(include=["metadatas"], limit=RAW_BATCH, offset=offset)
            else:
                wanted = list(refs)[offset:offset + RAW_BATCH]
                got = self.raws.get(ids=wanted, include=["metadatas"]) if wanted else \
                    {"ids": [], "metadatas": []}
            if not got["ids"]:
                return out
            for ref, meta in zip(got["ids"], got["metadatas"], strict=True):
                texts = decode_raw(str((meta or {}).get(RAW_KEY, "")))
                if texts is not None:
                    out[ref] = texts
            offset += RAW_BATCH if refs is not None else len(got["ids"])

    def count(self) -> int:
        return int(self.chunks.count())

    def query(self, vector: Sequence[float], k: int = 5,
              where: dict[str, Any] | None = None) -> list[Hit]:
        if self.count() == 0:
            return []
        got = self.chunks.query(
            query_embeddings=[list(vector)], n_results=k, where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        return [
            Hit(id=i, text=doc, score=1.0 - float(dist), metadata=dict(meta or {}))
            for i, doc, meta, dist in zip(
                got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0],
                strict=False,
            )
        ]
