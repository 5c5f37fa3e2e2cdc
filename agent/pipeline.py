"""The product's jobs wired to settings: mine the store, draft and save an ICP.

The CLI, the demo and (later) the chat agent call these, so each job is written once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from agent.base import workspace as paths
from agent.base.atomic import atomic_write
from agent.icp import versions
from agent.icp.deals import closed_deals
from agent.icp.drafter import draft
from agent.icp.markdown import render
from agent.icp.model import ICPDocument
from agent.icp.winloss import WinLossReport, winloss
from agent.llm.assist import Assistant
from agent.llm.calllog import CallLog
from agent.llm.client import StructuredLLM, as_chat_model, open_chat_model, parse_llm_spec
from agent.llm.model import ChatModel
from agent.llm.redact import is_local_endpoint
from agent.settings import Settings
from agent.validate.html import render_validation
from agent.validate.run import TextSource, ValidationReport, backtest, drift
from retrieval.corpus import Corpus
from retrieval.embeddings import Embedder
from retrieval.mining.models import MiningResult
from retrieval.mining.themes import mine, stability
from retrieval.store import EvidenceStore

log = logging.getLogger(__name__)


@dataclass
class Workspace:
    """Settings plus the embedder, store and (optional) chat model built from them."""

    settings: Settings
    embedder: Embedder
    store: EvidenceStore
    chat: ChatModel | None = None  # the LLM seam (agent/llm/model.py); None = offline engine
    model: str = ""

    @classmethod
    def open(cls, settings: Settings, chat: ChatModel | BaseChatModel | None = None
             ) -> Workspace:
        """Build the parts; ``chat`` overrides the model named by ``settings.llm``."""
        embedder = settings.embedder()
        model = parse_llm_spec(settings.llm) or ""
        return cls(settings, embedder, settings.store(embedder),
                   chat_model(settings, chat, model), model or "chat-model")

    @property
    def home(self) -> Path:
        return self.settings.workspace()

    def assistant(self, corpus: Corpus) -> Assistant | None:
        if self.chat is None:
            return None
        llm = structured_llm(self.settings, self.chat, self.model)
        if llm is None:
            return None
        redact_pii = self.settings.redact_pii
        if redact_pii is None:
            redact_pii = not is_local_endpoint(llm.endpoint)
        return Assistant(llm, corpus, redact_pii=redact_pii)


def chat_model(settings: Settings, chat: ChatModel | BaseChatModel | None = None,
               model: str = "") -> ChatModel | None:
    """The one adapter the workspace's calls go through: ``chat`` when given, else the
    model ``settings.llm`` names (None offline)."""
    if chat is not None:
        return as_chat_model(chat, model or "chat-model")
    if not model:
        return None
    return open_chat_model(model, settings.llm_timeout, settings.llm_max_tokens,
                           settings.llm_direct_http)


def structured_llm(settings: Settings, chat: ChatModel | BaseChatModel | None = None,
                   model: str = "") -> StructuredLLM | None:
    """The configured LLM (``settings.llm``, or ``chat`` when given), or None offline."""
    model = model or parse_llm_spec(settings.llm) or ""
    adapter = chat_model(settings, chat, model)
    if adapter is None:
        return None
    home = settings.workspace()
    return StructuredLLM(adapter, model or "chat-model", CallLog(paths.call_log(home)),
                         method=settings.llm_method, max_attempts=settings.llm_max_attempts,
                         probe_cache=paths.llm_probe_cache(home))


@dataclass
class Analysis:
    corpus: Corpus
    mining: MiningResult
    assistant: Assistant | None


def mine_store(ws: Workspace, kind: str | None = None) -> Analysis:
    """Mine the store; with an LLM configured, themes also get LLM labels."""
    corpus = Corpus.load(ws.store, with_vectors=True)
    mining = mine(corpus, ws.embedder.embed_documents, kind=kind, vendor=ws.settings.vendor)
    assistant = ws.assistant(corpus)
    if assistant is not None:
        assistant.label_themes(mining)
    return Analysis(corpus, mining, assistant)


def remember_mining(ws: Workspace, result: MiningResult) -> float | None:
    """Save this mining run; return the share of the previous run's themes it kept."""
    path = paths.mining_latest(ws.home)
    kept = None
    if path.exists():
        try:
            kept = stability(MiningResult.model_validate_json(path.read_text()), result)
        except ValueError:
            log.warning("ignoring an unreadable previous mining run at %s", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, result.model_dump_json())
    return kept


@dataclass
class DraftOutcome:
    doc: ICPDocument
    path: Path
    markdown: str


def draft_icp(ws: Workspace, use_columns: tuple[str, ...] = (),
              drop_columns: tuple[str, ...] = ()) -> DraftOutcome:
    """Mine, draft, let the LLM (if any) write labels and prose, verify, save.

    ``use_columns`` brings back columns the leakage guard set aside; ``drop_columns`` sets
    more aside.
    """
    analysis = mine_store(ws)
    doc = draft(analysis.corpus, analysis.mining, vendor=ws.settings.vendor,
                use_columns=use_columns, drop_columns=drop_columns,
                tier_shares=ws.settings.tier_shares(), embed=ws.embedder.embed_documents)
    if analysis.assistant is not None:
        analysis.assistant.summarise(doc)
        analysis.assistant.describe_personas(doc)
        analysis.assistant.finish(doc)
    path = versions.save(ws.home, doc, render(doc))
    markdown = path.with_suffix(".md").read_text(encoding="utf-8")
    log.info("saved ICP v%d to %s", doc.version, path)
    return DraftOutcome(doc, path, markdown)


@dataclass
class ValidationOutcome:
    report: ValidationReport
    html_path: Path


def validate_icp(ws: Workspace, since: str | None = None, test_share: float = 0.3,
                 use_columns: tuple[str, ...] = (),
                 drop_columns: tuple[str, ...] = ()) -> ValidationOutcome:
    """Backtest the ICP on held-out closed deals, or (``since``) check it for drift.

    The report is kept in the workspace (``validation/latest.json`` and ``.html``) for the
    web UI and the chat agent.
    """
    thresholds = ws.settings.thresholds()
    if since:
        report = drift(closed_deals(Corpus.load(ws.store)), versions.load(ws.home), since,
                       thresholds)
    else:
        # what customers said is proven on the same split (themes mined offline: a
        # backtest makes no model calls)
        corpus = Corpus.load(ws.store, with_vectors=True)
        mining = mine(corpus, ws.embedder.embed_documents, vendor=ws.settings.vendor)
        report = backtest(closed_deals(corpus), thresholds, test_share, use_columns,
                          drop_columns, ws.settings.tier_shares(),
                          TextSource(corpus, mining, ws.embedder.embed_documents))
    folder = paths.validation_dir(ws.home)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / "latest.json", report.model_dump_json(indent=2))
    html_path = folder / "latest.html"
    atomic_write(html_path, render_validation(report))
    return ValidationOutcome(report, html_path)


def latest_validation(home: Path) -> ValidationReport | None:
    path = paths.validation_dir(home) / "latest.json"
    if not path.exists():
        return None
    try:
        return ValidationReport.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError:
        log.warning("ignoring an unreadable validation report at %s", path)
        return None


def winloss_report(ws: Workspace) -> WinLossReport:
    """What winners and losers said (``icp winloss``, the chat): themes, topics and
    competitors with win rates, intervals, q and a confound verdict; mined offline."""
    corpus = Corpus.load(ws.store, with_vectors=True)
    mining = mine(corpus, ws.embedder.embed_documents, vendor=ws.settings.vendor)
    return winloss(corpus, mining, ws.embedder.embed_documents)
