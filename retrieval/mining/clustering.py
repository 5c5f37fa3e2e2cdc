"""Deterministic clustering of statement vectors into themes, with few outliers.

1. Large inputs are first compressed into micro-clusters by seeded spherical k-means
   (fixed seed, fixed iteration count), so the next step stays fast.
2. Average-linkage agglomerative clustering on cosine distance, cut at a distance
   threshold: the number of themes follows from the data, not from a guess of k.
3. Clusters smaller than ``min_size`` are dissolved; their members join the nearest
   theme when similar enough, and only the rest are outliers.
4. Themes are numbered by size (ties by their first member), so the same input gives
   the same themes in the same order.

Vectors must be L2-normalised; rows must come in a canonical order (the caller sorts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

MICRO_ABOVE = 1500


@dataclass(frozen=True)
class ClusterParams:
    threshold: float = 0.55      # cosine distance at which the dendrogram is cut
    min_size: int = 3            # smallest theme
    join_similarity: float = 0.35  # a dissolved member joins a theme above this similarity
    micro_k: int = 800           # micro-clusters for large inputs
    seed: int = 13
    iterations: int = 12


def _kmeans(x: np.ndarray, k: int, seed: int, iterations: int) -> np.ndarray:
    """Spherical k-means with k-means++ seeding; returns the label of each row."""
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    centres = [int(rng.integers(n))]
    closest = 1.0 - x @ x[centres[0]]
    for _ in range(1, k):
        weights = np.clip(closest, 0, None) ** 2
        total = weights.sum()
        pick = int(rng.choice(n, p=weights / total)) if total > 0 else int(rng.integers(n))
        centres.append(pick)
        closest = np.minimum(closest, 1.0 - x @ x[pick])
    c = x[centres].copy()
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(iterations):
        labels = np.argmax(x @ c.T, axis=1)
        sums = np.zeros_like(c)
        np.add.at(sums, labels, x)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        c = np.where(empty[:, None], c, sums / np.where(norms == 0, 1, norms))
    return labels


def _normalise(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1, norms)


def cluster(vectors: np.ndarray, params: ClusterParams = ClusterParams()) -> np.ndarray:
    """Theme label per row (0 = biggest theme), -1 for outliers."""
    x = _normalise(np.asarray(vectors, dtype=np.float64))
    n = x.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n == 1:
        return np.full(1, -1 if params.min_size > 1 else 0, dtype=np.int64)
    if n > MICRO_ABOVE:
        micro = _kmeans(x, min(params.micro_k, n // 2), params.seed, params.iterations)
        used = np.unique(micro)
        centroids = _normalise(np.stack([x[micro == m].sum(axis=0) for m in used]))
        remap = {int(m): i for i, m in enumerate(used)}
        micro = np.array([remap[int(m)] for m in micro])
    else:
        micro, centroids = np.arange(n), x
    if centroids.shape[0] > 1:
        tree = linkage(centroids, method="average", metric="cosine")
        macro_of_micro = fcluster(tree, t=params.threshold, criterion="distance")
    else:
        macro_of_micro = np.ones(1, dtype=np.int64)
    labels = macro_of_micro[micro]
    ids, sizes = np.unique(labels, return_counts=True)
    big = [int(i) for i, s in zip(ids, sizes, strict=True) if s >= params.min_size]
    result = np.full(n, -1, dtype=np.int64)
    if big:
        theme_centroids = _normalise(np.stack([x[labels == b].sum(axis=0) for b in big]))
        for slot, b in enumerate(big):
            result[labels == b] = slot
        small = np.flatnonzero(~np.isin(labels, big))
        if small.size:
            sims = x[small] @ theme_centroids.T
            best = np.argmax(sims, axis=1)
            ok = sims[np.arange(small.size), best] >= params.join_similarity
            result[small[ok]] = best[ok]
    # Number themes by size, ties by first member: a canonical order.
    order = sorted(
        (int(t) for t in np.unique(result) if t >= 0),
        key=lambda t: (-int((result == t).sum()), int(np.flatnonzero(result == t)[0])),
    )
    final = np.full(n, -1, dtype=np.int64)
    for rank, t in enumerate(order):
        final[result == t] = rank
    return final
