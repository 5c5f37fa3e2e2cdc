"""Evidence search: a query in, the nearest chunks out with their provenance."""

from __future__ import annotations

from agent.base.errors import SearchError
from retrieval.embeddings import Embedder
from retrieval.records import Kind
from retrieval.store import EvidenceStore, Hit


def search(store: EvidenceStore, embedder: Embedder, query: str, k: int = 5,
           kind: Kind | None = None) -> list[Hit]:
    if not query.strip():
        raise SearchError("the search query is empty")
    if k < 1:
        raise SearchError("k must be at least 1")
    where = {"kind": kind.value} if kind else None
    return store.query(embedder.embed_query(query), k=k, where=where)
