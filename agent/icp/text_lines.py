"""What customers said, as deal attributes tested against outcomes like any column.

Two attributes per closed deal, each assigned by one stated rule:

- **Voices** (a list): the mined themes (pains, jobs, value; ``retrieval/mining``) voiced in
  the deal's own evidence text and in the tickets, calls and reviews of its account. A
  statement belongs to the theme mining put it in (embedding clustering); loss reasons are
  left out: they are written at the close and explain the outcome, they cannot describe a
  prospect.
- **Topic** (one value): for text that states no problem (a company's description, what a
  loan is for), the topic of the deal's text: the nearest of ``k`` centroids (k-means over
  the training deals' text embeddings, ``k`` from the number of texts) when the cosine
  similarity is at least ``TOPIC_MIN_SIMILARITY``; labelled by the words that set the topic
  apart (class TF-IDF).

Both are stored on the deal as ``list:Voices (what customers said)`` and
``attr:Topic (what customers said)``, so the leakage guard, the Fisher and Benjamini-Hochberg
tests, the banding and the one regularised fit treat them exactly as the columns, and a
line learned from them says where it came from (:func:`is_said`). The quote that assigned
each is kept (:class:`TextEvidence`).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from agent.icp.deals import Deal
from retrieval.corpus import Corpus
from retrieval.mining.models import MiningResult
from retrieval.mining.statements import Statement, find_statements
from retrieval.tables.attributes import NOT_RECORDED

SAID = " (what customers said)"
TOPIC = f"attr:Topic{SAID}"
VOICES = f"list:Voices{SAID}"
TOPIC_MIN_TEXTS = 60  # fewer texts than this: no topics (nothing stable to cluster)
TOPIC_MIN_SIMILARITY = 0.3  # a text's topic is its nearest centroid at least this close
TOPIC_WORDS = 3
_HEADER = re.compile(r"^[^:\n]{1,60}: ")

Embed = Callable[[list[str]], list[list[float]]]


def is_said(name: str) -> bool:
    """Whether an attribute comes from what customers said (not from a column)."""
    return name.endswith(SAID)


def deal_text(deal: Deal) -> str:
    """The deal's own evidence text: its text columns, without the line that describes the
    deal (it names the outcome) and without loss reasons (written at the close)."""
    lines = deal.chunk.text.split("\n")[1:]
    kept = [_HEADER.sub("", line, count=1) for line in lines
            if line.strip() and not line.startswith("Reason: ")]
    return " ".join(kept).strip()


@dataclass
class TextEvidence:
    """Why a deal got a text attribute: the value and a quote."""

    value: str
    quote: str
    chunk_id: str


@dataclass
class TextTopics:
    """Topics fitted on training texts; assigns any text by the same rule."""

    labels: list[str]
    centroids: np.ndarray  # unit rows
    min_similarity: float = TOPIC_MIN_SIMILARITY

    def assign(self, vectors: np.ndarray) -> list[str | None]:
        if not len(vectors):
            return []
        unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        similarity = unit @ self.centroids.T
        best = similarity.argmax(axis=1)
        return [self.labels[b] if similarity[i, b] >= self.min_similarity else None
                for i, b in enumerate(best.tolist())]


def topic_count(texts: int) -> int:
    """k for k-means: about one topic per 40 texts, between 4 and 30."""
    return int(min(30, max(4, round(math.sqrt(texts / 4) / 1.5))))


def fit_topics(texts: Sequence[str], vectors: np.ndarray, seed: int = 0) -> TextTopics | None:
    """Topics of these texts (k-means on their unit embeddings), each labelled by its
    most distinctive words; None for too few texts."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < TOPIC_MIN_TEXTS:
        return None
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    k = topic_count(len(texts))
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(unit)
    centroids = model.cluster_centers_
    centroids = centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    try:
        tfidf = TfidfVectorizer(stop_words="english", min_df=2, token_pattern=r"(?u)\b[a-zA-Z]"
                                r"[a-zA-Z]+\b").fit(texts)
    except ValueError:  # no words left (numbers only)
        return None
    matrix = tfidf.transform(texts)
    words = np.asarray(tfidf.get_feature_names_out())
    overall = np.asarray(matrix.mean(axis=0)).ravel()
    labels: list[str] = []
    for cluster in range(k):
        members = np.flatnonzero(model.labels_ == cluster)
        mean = np.asarray(matrix[members].mean(axis=0)).ravel() if members.size else overall
        top = words[np.argsort(-(mean - overall))[:TOPIC_WORDS]]
        label = ", ".join(top)
        while label in labels:  # two clusters with the same words stay apart
            label += "'"
        labels.append(label)
    return TextTopics(labels, centroids)


@dataclass
class TextLines:
    """The text attributes of a set of deals, and what assigned them."""

    topics: TextTopics | None = None
    evidence: dict[tuple[str, str], list[TextEvidence]] = field(default_factory=dict)
    deals_with_text: int = 0
    statements: list[Statement] = field(default_factory=list)  # found once, for reuse

    def quotes(self, attribute: str, value: str) -> list[TextEvidence]:
        return self.evidence.get((attribute, value), [])


def annotate(train: list[Deal], test: list[Deal], corpus: Corpus, mining: MiningResult | None,
             embed: Embed | None) -> TextLines:
    """Give every deal (training and held-out) its text attributes; topics are fitted on
    the training deals only and assigned to the held-out ones by the same rule."""
    out = TextLines()
    deals = train + test
    if mining is not None:
        _voices(deals, corpus, mining, out)
    texts = [deal_text(d) for d in deals]
    has_text = [i for i, t in enumerate(texts) if len(t.split()) >= 3]
    out.deals_with_text = len(has_text)
    if embed is None or not has_text:
        return out
    vectors = np.asarray(embed([texts[i] for i in has_text]), dtype=float)
    train_rows = [j for j, i in enumerate(has_text) if i < len(train)]
    topics = fit_topics([texts[has_text[j]] for j in train_rows], vectors[train_rows])
    if topics is None:
        return out
    out.topics = topics
    for i, topic in zip(has_text, topics.assign(vectors), strict=True):
        deal = deals[i]
        value = topic or ""
        deal.values[TOPIC] = [value] if value else [NOT_RECORDED]
        deal.chunk.meta[TOPIC] = value
        if value:
            quotes = out.evidence.setdefault((TOPIC, value), [])
            if len(quotes) < 3 and deal.chunk.raw:
                quotes.append(TextEvidence(value, _first_raw(deal), deal.chunk.id))
    return out


def _first_raw(deal: Deal) -> str:
    """A verbatim excerpt of the deal's text (its longest raw text, first 200 characters
    cut at a word)."""
    raw = max(deal.chunk.raw, key=len).strip()
    if len(raw) <= 200:
        return raw
    cut = raw[:200]
    return cut[:cut.rfind(" ")] if " " in cut else cut


def _voices(deals: list[Deal], corpus: Corpus, mining: MiningResult, out: TextLines) -> None:
    """Each deal's voiced themes: statements of its chunk and of its account's chunks,
    loss reasons left out."""
    theme_of: dict[str, str] = {}
    for theme in mining.themes + mining.jobs + mining.value:
        for statement_id in theme.statement_ids:
            theme_of[statement_id] = theme.label
    if not theme_of:
        return
    out.statements = find_statements((c.id, c.text, c.meta) for c in corpus.chunks)
    by_chunk: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for s in out.statements:
        label = theme_of.get(s.id)
        if label and s.type != "loss_reason":
            by_chunk[s.chunk_id].append((label, s.text))
    by_account: dict[str, list[str]] = defaultdict(list)
    for chunk in corpus.chunks:
        account = str(chunk.meta.get("account", "")).strip().lower()
        if account and chunk.meta.get("kind") != "winloss" and chunk.id in by_chunk:
            by_account[account].append(chunk.id)
    for deal in deals:
        account = str(deal.chunk.meta.get("account", "")).strip().lower()
        sources = [deal.chunk.id] + by_account.get(account, [])
        voiced: dict[str, tuple[str, str]] = {}
        for chunk_id in sources:
            for label, quote in by_chunk.get(chunk_id, []):
                voiced.setdefault(label, (quote, chunk_id))
        if not voiced:
            if deal_text(deal) or by_account.get(account):  # said something, no theme
                deal.values[VOICES] = [NOT_RECORDED]
                deal.chunk.meta[VOICES] = ""
            continue
        deal.values[VOICES] = sorted(voiced)
        deal.chunk.meta[VOICES] = "; ".join(sorted(voiced))
        for label, (quote, chunk_id) in voiced.items():
            quotes = out.evidence.setdefault((VOICES, label), [])
            if len(quotes) < 3 and quote:
                quotes.append(TextEvidence(label, quote, chunk_id))
