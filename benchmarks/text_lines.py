"""Text-line assignment benchmark: 10,000 accounts x 50 topics, vectorised vs a naive loop.

Every closed deal's text gets its topic by one rule (the nearest centroid, cosine >= the
stated threshold; ``agent/icp/text_lines.TextTopics.assign``): one matrix product for all
accounts. The naive baseline computes each account's cosine to each topic in a Python
loop. Both see the same vectors (384 dimensions, as all-MiniLM-L6-v2 gives) and must give
the same topics; the script checks that and prints the times and their ratio.

Usage: python benchmarks/text_lines.py [--accounts 10000] [--topics 50]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.icp.text_lines import TOPIC_MIN_SIMILARITY, TextTopics  # noqa: E402


def naive(vectors: list[list[float]], centroids: list[list[float]],
          labels: list[str]) -> list[str | None]:
    out: list[str | None] = []
    for v in vectors:
        norm = math.sqrt(sum(x * x for x in v)) or 1e-12
        best, best_sim = None, -2.0
        for label, c in zip(labels, centroids, strict=True):
            sim = sum(a * b for a, b in zip(v, c, strict=True)) / norm
            if sim > best_sim:
                best, best_sim = label, sim
        out.append(best if best_sim >= TOPIC_MIN_SIMILARITY else None)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--topics", type=int, default=50)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centroids = rng.normal(size=(args.topics, 384))
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    # accounts near a topic (so the threshold matters), plus noise
    picks = rng.integers(0, args.topics, args.accounts)
    vectors = centroids[picks] * rng.uniform(0.1, 1.0, (args.accounts, 1)) + rng.normal(
        scale=0.05, size=(args.accounts, 384))
    labels = [f"topic {i}" for i in range(args.topics)]
    topics = TextTopics(labels, centroids)
    started = time.perf_counter()
    ours = topics.assign(vectors)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    baseline = naive(vectors.tolist(), centroids.tolist(), labels)
    naive_s = time.perf_counter() - started
    assert ours == baseline, "the vectorised rule must give the naive loop's topics"
    assigned = sum(1 for t in ours if t)
    print(f"{args.accounts} accounts x {args.topics} topics: {assigned} assigned "
          f"(cosine >= {TOPIC_MIN_SIMILARITY})")
    print(f"icp (one matrix product): {ours_s:.3f} s")
    print(f"naive per-account loop:   {naive_s:.3f} s")
    print(f"ratio: {naive_s / ours_s:.0f}x faster")


if __name__ == "__main__":
    main()
