"""Problem statements, deterministic clustering and themes."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from retrieval.corpus import Corpus
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from retrieval.mining.clustering import ClusterParams, cluster
from retrieval.mining.keyphrases import label_clusters
from retrieval.mining.statements import find_statements, statements_in_chunk
from retrieval.mining.themes import mine, stability
from retrieval.store import EvidenceStore

from .conftest import SAMPLE_DATA, shared_data


def test_statements_are_verbatim_problem_sentences() -> None:
    text = ("Forecast export times out\n\nThe weekly export to Snowflake times out after 10 "
            "minutes. Thanks for the great product! We had to rebuild the numbers in a "
            "spreadsheet again.")
    meta = {"kind": "ticket", "title": "Forecast export times out", "chunk_index": 0,
            "source_id": "t.json#row=2"}
    found = list(statements_in_chunk("c1", text, meta))
    assert [s.type for s in found] == ["ticket_title", "complaint", "complaint"]
    assert all(s.text in text for s in found)
    assert "Thanks for the great product!" not in [s.text for s in found]


def test_loss_reasons_and_vendor_speakers() -> None:
    deal = ("Delta: Closed Lost deal. industry Logistics.\nReason: No Dynamics connector\n"
            "We have no Dynamics connector; lost to an in-house build.")
    found = list(statements_in_chunk("c", deal, {"kind": "winloss", "locator": "row=5"}))
    assert [(s.type, s.text) for s in found][0] == ("loss_reason", "No Dynamics connector")
    turn = "We struggle to keep our forecast accurate every week."
    assert list(statements_in_chunk("t", turn, {"kind": "transcript", "role": "VP Sales"}))
    assert not list(statements_in_chunk("t", turn, {"kind": "transcript", "role": "AE"}))
    assert not list(statements_in_chunk("t", turn, {"kind": "transcript", "role": "Acme CSM"}))
    assert not list(statements_in_chunk(
        "t", turn, {"kind": "transcript", "role": "Partner lead at Pipewise"}, vendor="Pipewise"))


def test_template_sentences_repeated_across_tickets_are_dropped() -> None:
    template = "Please make sure that this is a bug report and not a question."
    problems = ["saving", "printing", "exporting", "importing", "syncing", "loading",
                "sharing", "searching", "merging", "opening"]
    chunks = [(f"c{i}", f"Crash when {p} a large file\n\n{template} "
               f"The app fails while {p} big projects.",
               {"kind": "ticket", "title": f"Crash when {p} a large file", "chunk_index": 0})
              for i, p in enumerate(problems)]
    texts = {s.text for s in find_statements(chunks)}
    assert template not in texts
    assert "The app fails while exporting big projects." in texts


def blobs(seed: int = 0, per: int = 40, k: int = 6, noise: float = 0.6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, 64))
    return np.concatenate([c + rng.normal(scale=noise, size=(per, 64)) for c in centres])


def test_clustering_recovers_groups_deterministically_in_canonical_order() -> None:
    x = blobs()
    first, second = cluster(x), cluster(x)
    assert np.array_equal(first, second)
    assert len(set(first.tolist()) - {-1}) == 6
    assert (first == -1).mean() < 0.05
    sizes = [int((first == t).sum()) for t in range(6)]
    assert sizes == sorted(sizes, reverse=True)


def test_large_inputs_use_seeded_micro_clusters() -> None:
    x = blobs(per=400, k=5)  # 2,000 rows: above the micro-clustering threshold
    labels = cluster(x, ClusterParams(micro_k=200))
    assert np.array_equal(labels, cluster(x, ClusterParams(micro_k=200)))
    assert len(set(labels.tolist()) - {-1}) == 5


def test_small_groups_join_a_theme_or_become_outliers() -> None:
    x = np.concatenate([blobs(k=2), np.eye(64)[:2] * 5])
    labels = cluster(x, ClusterParams(min_size=3))
    assert (labels[-2:] == -1).all()
    assert (labels[:-2] >= 0).all()


def test_keyphrase_labels() -> None:
    labels = label_clusters([
        ["duplicate accounts after sync", "duplicate contacts everywhere",
         "sync creates duplicate accounts"],
        ["forecast takes hours in spreadsheets", "forecast spreadsheet every monday"],
    ])
    assert "duplicate" in labels[0][0] and "forecast" in " ".join(labels[1])


@pytest.mark.integration
def test_sample_themes_are_real_and_repeatable(tmp_path: Path, minilm: Embedder) -> None:
    store = EvidenceStore.open(tmp_path, "evidence", minilm.model_id)
    Ingestor(store, minilm).ingest([SAMPLE_DATA])
    corpus = Corpus.load(store, with_vectors=True)
    first = mine(corpus, minilm.embed_documents, vendor="Pipewise")
    second = mine(Corpus.load(store, with_vectors=True), minilm.embed_documents,
                  vendor="Pipewise")
    assert [t.model_dump() for t in first.themes] == [t.model_dump() for t in second.themes]
    # recurring themes first, by how many accounts voice them: duplicates is among the top two
    top = next(t for t in first.themes[:2] if "duplicat" in t.label.lower())
    assert all(t.recurring for t in first.themes[:5])
    assert top.accounts >= 3 and top.by_outcome.get("won", 0) >= 5
    texts = {c.id: c.text for c in corpus.chunks}
    for theme in first.themes:
        assert 1 <= len(theme.quotes) <= 5
        assert all(q.quote in texts[q.chunk_id] for q in theme.quotes)
    assert first.outlier_share < 0.35


def write_tickets(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["repo", "created_at", "label", "title", "body"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_themes_stay_recognisable_when_evidence_grows(tmp_path: Path, embedder: Embedder,
                                                      store: EvidenceStore) -> None:
    csv.field_size_limit(1 << 30)
    with shared_data("tickets_nlbse/issues_test.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:330]
    ingestor = Ingestor(store, embedder)
    ingestor.ingest([write_tickets(tmp_path / "a.csv", rows[:300])])
    before = mine(Corpus.load(store, with_vectors=True), embedder.embed_documents)
    ingestor.ingest([write_tickets(tmp_path / "b.csv", rows[300:])])  # +10% evidence
    after = mine(Corpus.load(store, with_vectors=True), embedder.embed_documents)
    assert len(before.themes) >= 5
    assert stability(before, after) >= 0.6
    assert stability(before, before) == 1.0


def test_lines_a_tool_generated_are_no_statements() -> None:
    """A fixed frame with the record's own title spliced in (an automated-search link)
    recurs across records and is dropped; a common phrase people use ("is there any way
    to") recurs too but is kept: its words occur far more often outside the phrase."""
    frame = "in:title is:issue is:open is:public label:tools repo:acme/widgets"
    errors = ["Could not find node 12", "Cannot add node 7 twice", "Store crashed on load",
              "Bridge operation failed badly", "Tree view went blank on reload"]
    asks = ["export the tree as JSON, we need that for audits",
            "hide the timeline panel, it is slow on laptops",
            "pin a component, I keep losing my place",
            "search props by value, scrolling is a waste of time",
            "record hooks during startup, the first render is missing"]
    chunks = []
    for i, (error, ask) in enumerate(zip(errors, asks, strict=True)):
        title = f"[Bug] {error}"
        body = f"Search failed: {error} {frame}\nIs there any way to {ask}?"
        chunks.append((f"c{i}", f"{title}\n\n{body}",
                       {"kind": "ticket", "title": title, "source_id": f"t.csv#row={i + 2}",
                        "chunk_index": 0}))
    for i, thing in enumerate(["profiler", "console", "overlay", "settings", "filter",
                               "badge", "inspector", "toolbar", "sidebar", "tooltip"]):
        chunks.append((f"d{i}", f"The {thing} fails the same way there every time, any ideas?",
                       {"kind": "ticket", "source_id": f"t.csv#row={i + 10}"}))
    texts = [s.text for s in find_statements(chunks)]
    assert not any("is:issue" in t for t in texts)
    assert sum(t.startswith("Is there any way to") for t in texts) == 5
