"""Mining + drafting benchmark on ~10,000 chunks, against naive clustering baselines.

Corpus: the NLBSE GitHub issues (tickets: the problem statements) and the Maven CRM deals
joined with their accounts (win-loss rows: the firmographic statistics), ingested with the
packaged all-MiniLM-L6-v2. Statement vectors are computed once before any clock starts,
so every figure below excludes embedding.

- icp:       ``mine`` (statements, seeded micro-clusters + average linkage, labels,
             counts, quotes) and ``draft`` (statistics, triggers, personas, grounding).
- kmeans:    scikit-learn KMeans (k = the number of themes icp found, n_init=10) on the
             same statement vectors: no outliers by construction, k must be guessed.
- hdbscan:   scikit-learn HDBSCAN(min_cluster_size=10), BERTopic's default clusterer, on
             the same vectors (BERTopic adds UMAP first; not installed here).

Stability: the same method on 90% of the tickets and then on all of them; the share of
first-run themes whose statements mostly (>= 50%) land in one theme of the second run.

Usage: python benchmarks/mine_draft.py [--limit-tickets N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import build_corpus  # noqa: E402


def kept_fraction(first: list[set[str]], second: list[set[str]]) -> float:
    if not first:
        return 1.0
    return sum(any(len(a & b) >= 0.5 * len(a) for b in second) for a in first) / len(first)


def groups(ids: list[str], labels: np.ndarray) -> list[set[str]]:
    return [{ids[i] for i in np.flatnonzero(labels == t)} for t in sorted(set(labels.tolist()))
            if t >= 0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit-tickets", type=int, default=1500)
    args = parser.parse_args()

    from sklearn.cluster import HDBSCAN, KMeans

    from agent.icp.drafter import draft
    from retrieval.corpus import Corpus
    from retrieval.embeddings import Embedder
    from retrieval.ingest import Ingestor
    from retrieval.mining.statements import find_statements
    from retrieval.mining.themes import mine, stability
    from retrieval.store import EvidenceStore

    with tempfile.TemporaryDirectory(prefix="icp-bench-mine-") as tmp:
        corpus_dir, home = Path(tmp, "corpus"), Path(tmp, "home")
        corpus_dir.mkdir()
        build_corpus(corpus_dir, args.limit_tickets, 8800)
        embedder = Embedder("minilm")
        store = EvidenceStore.open(home, "evidence", embedder.model_id)
        print("ingesting (not timed) …", flush=True)
        Ingestor(store, embedder).ingest([corpus_dir / "tickets.csv", corpus_dir / "deals.csv"])
        corpus = Corpus.load(store, with_vectors=True)
        statements = find_statements((c.id, c.text, c.meta) for c in corpus.chunks)
        texts = list(dict.fromkeys(s.text for s in statements))
        print(f"embedding {len(texts)} statements (not timed) …", flush=True)
        cache = dict(zip(texts, embedder.embed_documents(texts), strict=True))

        def embed(batch: list[str]) -> list[list[float]]:
            return [cache[t] for t in batch]

        start = time.perf_counter()
        mining = mine(corpus, embed)
        mined = time.perf_counter() - start
        start = time.perf_counter()
        doc = draft(corpus, mining)
        drafted = time.perf_counter() - start

        # the same statement vectors for the baselines, in icp's canonical order
        ids = [s.id for s in statements]
        x = np.asarray([cache[s.text] for s in statements], dtype=np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        k = max(2, len(mining.themes))
        start = time.perf_counter()
        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(x)
        km_seconds = time.perf_counter() - start
        start = time.perf_counter()
        hd = HDBSCAN(min_cluster_size=10, copy=True).fit_predict(x)
        hd_seconds = time.perf_counter() - start

        # stability: 90% of the tickets, then all of them
        ticket_rows = sorted({c.meta["locator"] for c in corpus.chunks
                              if c.meta.get("kind") == "ticket"})
        held_out = set(ticket_rows[int(0.9 * len(ticket_rows)):])
        subset = Corpus([c for c in corpus.chunks if not (
            c.meta.get("kind") == "ticket" and c.meta["locator"] in held_out)])
        ours_stability = stability(mine(subset, embed), mining)
        sub_idx = [i for i, s in enumerate(statements)
                   if not (s.kind == "ticket" and s.meta["locator"] in held_out)]
        km_sub = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(x[sub_idx])
        hd_sub = HDBSCAN(min_cluster_size=10, copy=True).fit_predict(x[sub_idx])
        sub_ids = [ids[i] for i in sub_idx]
        km_stab = kept_fraction(groups(sub_ids, km_sub), groups(ids, km))
        hd_stab = kept_fraction(groups(sub_ids, hd_sub), groups(ids, hd))

    print(f"\ncorpus: {len(corpus.chunks)} chunks ({len(ticket_rows)} ticket rows, "
          f"{doc.inputs['closed_deals']} closed deals); {len(statements)} problem statements")
    print(f"{'method':<34}{'seconds':>9}{'themes':>8}{'outliers':>10}{'stability':>11}")
    print(f"{'icp mine (cluster+label+count)':<34}{mined:>9.2f}{len(mining.themes):>8}"
          f"{mining.outlier_share:>10.1%}{ours_stability:>11.2f}")
    print(f"{'icp draft (stats+personas+ground)':<34}{drafted:>9.2f}")
    print(f"{'kmeans baseline (k given)':<34}{km_seconds:>9.2f}{k:>8}{0.0:>10.1%}{km_stab:>11.2f}")
    hd_themes = len(set(hd.tolist()) - {-1})
    print(f"{'hdbscan baseline (BERTopic-style)':<34}{hd_seconds:>9.2f}{hd_themes:>8}"
          f"{float((hd == -1).mean()):>10.1%}{hd_stab:>11.2f}")
    total = mined + drafted
    print(f"\nmine + draft: {total:.1f} s for {len(corpus.chunks)} chunks (goal < 60 s, "
          f"embedding excluded); time vs kmeans: {total / km_seconds:.2f}x, "
          f"vs hdbscan: {total / hd_seconds:.2f}x")
    print(f"grounding: {doc.grounding.checked} quotes checked, {doc.grounding.dropped} dropped")
    print("ICP notes:", *doc.notes, sep="\n  - ")


if __name__ == "__main__":
    main()
