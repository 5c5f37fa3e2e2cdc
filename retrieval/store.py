"""The vector store seam: Chroma, embedded (``PersistentClient``) or a server (``HttpClient``).

Two collections live side by side:

- ``<name>`` holds the evidence chunks (cosine space) and records, in its metadata, the
  embedding model that made its vectors; opening it with another model is refused.
- ``<name>-sources`` holds one entry per ingested file (content hash, status, counts). It
  is the ledger that makes ingestion idempotent and lets an interrupted ingest be undone.

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
from agent.base.quotes import RAW_KEY

log = logging.getLogger(__name__)

WRITE_BATCH = 1000
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
        meta = {k: v for k, v in self.metadata.items() if k != RAW_KEY}
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

    @classmethod
    def open(cls, home: Path, name: str, model_id: str,
             chroma_url: str | None = None) -> EvidenceStore:
        client = make_client(home, chroma_url)
        lock = None if chroma_url else paths.chroma_lock(home)
        return cls(client, name, model_id, lock, where=chroma_url or str(paths.chroma_dir(home)))

    def _open_chunks(self) -> Any:
        collection = self.client.get_or_create_collection(
            self.name, embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedding_model": self.model_id},
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
