"""Rows spread over the whole file, for inferring column roles.

Exports are often sorted (by date, by stage), so the head of a file is a biased sample: a
column can be a placeholder for thousands of rows and filled later. Roles are inferred
from every row of a file up to ``SAMPLE_ROWS`` rows, and from a uniform random sample
(reservoir sampling, fixed seed) of that many rows spread over a larger file.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any, TypeVar

SAMPLE_ROWS = 20_000
SEED = 20

T = TypeVar("T")


def spread_sample(rows: Iterable[tuple[int, T]], size: int = SAMPLE_ROWS,
                  seed: int = SEED) -> tuple[list[tuple[int, T]], int]:
    """A uniform sample of ``size`` rows over the whole stream, in file order, and the
    number of rows read."""
    rng = random.Random(seed)
    sample: list[tuple[int, T]] = []
    seen = 0
    for item in rows:
        seen += 1
        if len(sample) < size:
            sample.append(item)
            continue
        slot = rng.randrange(seen)
        if slot < size:
            sample[slot] = item
    sample.sort(key=lambda item: item[0])
    return sample, seen


def headers_of(rows: Iterable[tuple[int, dict[str, Any]]]) -> list[str]:
    """Every key of the rows, in first-seen order."""
    return list(dict.fromkeys(k for _, row in rows for k in row))
