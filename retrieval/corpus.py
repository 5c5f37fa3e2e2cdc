"""The evidence corpus as analysis sees it: every chunk with its metadata, and accounts.

Mining and drafting read the whole store once through this module, page by page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agent.base.quotes import RAW_KEY, RAW_REF_KEY, raw_texts
from retrieval.store import EvidenceStore

PAGE = 5000
_OUTCOME_RANK = {"churned": 4, "won": 3, "lost": 2, "open": 1, "unknown": 0}


@dataclass
class EvidenceChunk:
    id: str
    text: str
    meta: dict[str, Any]
    vector: np.ndarray | None = None

    @property
    def raw(self) -> list[str]:
        """The raw texts the chunk was cleaned from: what its quotes are cut from."""
        return raw_texts(self.text, self.meta)


@dataclass
class Account:
    """What the evidence says about one account, merged over its deals and mentions."""

    name: str
    outcome: str = "unknown"
    deals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Corpus:
    chunks: list[EvidenceChunk]

    @classmethod
    def load(cls, store: EvidenceStore, with_vectors: bool = False) -> Corpus:
        return cls(sorted(iter_chunks(store, with_vectors), key=lambda c: c.id))

    def by_id(self) -> dict[str, EvidenceChunk]:
        return {c.id: c for c in self.chunks}

    def accounts(self) -> dict[str, Account]:
        """Accounts keyed by lower-cased name; outcome: churned > won > lost > open."""
        accounts: dict[str, Account] = {}
        for chunk in self.chunks:
            name = str(chunk.meta.get("account", "")).strip()
            if not name:
                continue
            acc = accounts.setdefault(name.lower(), Account(name))
            outcome = str(chunk.meta.get("outcome", ""))
            if chunk.meta.get("kind") == "winloss" and chunk.meta.get("chunk_index", 0) == 0:
                acc.deals[outcome or "unknown"] += 1
            if outcome and _OUTCOME_RANK.get(outcome, 0) > _OUTCOME_RANK[acc.outcome]:
                acc.outcome = outcome
            for key in ("industry", "employees", "revenue", "country", "technologies"):
                if key in chunk.meta and key not in acc.fields:
                    acc.fields[key] = chunk.meta[key]
        return accounts


def iter_chunks(store: EvidenceStore, with_vectors: bool = False) -> Iterator[EvidenceChunk]:
    """Every chunk, page by page; a chunk's raw texts (stored once per record) are read
    once and shared by all the record's chunks (metadata ``raw``)."""
    include = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
    raws: dict[str, list[str]] = {}
    offset = 0
    while True:
        got = store.chunks.get(include=include, limit=PAGE, offset=offset)
        ids = got["ids"]
        if not ids:
            return
        metas = [dict(m or {}) for m in got["metadatas"]]
        wanted = {str(m[RAW_REF_KEY]) for m in metas if m.get(RAW_REF_KEY)} - raws.keys()
        if wanted:
            raws.update(store.raw_texts(sorted(wanted)))
        vectors = got.get("embeddings") if with_vectors else None
        for i, chunk_id in enumerate(ids):
            vector = np.asarray(vectors[i], dtype=np.float32) if vectors is not None else None
            meta = metas[i]
            texts = raws.get(str(meta.get(RAW_REF_KEY, "")))
            if texts is not None:
                meta[RAW_KEY] = texts
            yield EvidenceChunk(chunk_id, got["documents"][i], meta, vector)
        offset += len(ids)
