"""The product's jobs wired to settings: mine the store, draft and save an ICP.

The CLI, the demo and (later) the chat agent call these, so each job is written once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from agent.icp import versions
from agent.icp.drafter import draft
from agent.icp.markdown import render
from agent.icp.model import ICPDocument
from agent.settings import Settings
from retrieval.corpus import Corpus
from retrieval.embeddings import Embedder
from retrieval.mining.models import MiningResult
from retrieval.mining.themes import mine
from retrieval.store import EvidenceStore

log = logging.getLogger(__name__)


@dataclass
class Workspace:
    """Settings plus the embedder and store built from them, made once per job."""

    settings: Settings
    embedder: Embedder
    store: EvidenceStore

    @classmethod
    def open(cls, settings: Settings) -> Workspace:
        embedder = settings.embedder()
        return cls(settings, embedder, settings.store(embedder))

    @property
    def home(self) -> Path:
        return self.settings.workspace()


def mine_store(ws: Workspace, kind: str | None = None) -> tuple[Corpus, MiningResult]:
    corpus = Corpus.load(ws.store, with_vectors=True)
    return corpus, mine(corpus, ws.embedder.embed_documents, kind=kind,
                        vendor=ws.settings.vendor)


@dataclass
class DraftOutcome:
    doc: ICPDocument
    path: Path
    markdown: str


def draft_icp(ws: Workspace) -> DraftOutcome:
    """Mine, draft (offline engine), verify every quote, save as the next version."""
    corpus, mining = mine_store(ws)
    doc = draft(corpus, mining, vendor=ws.settings.vendor)
    path = versions.save(ws.home, doc, render(doc))
    markdown = path.with_suffix(".md").read_text(encoding="utf-8")
    log.info("saved ICP v%d to %s", doc.version, path)
    return DraftOutcome(doc, path, markdown)
