"""Graders: tier accuracy and macro-F1, grounding rate, tolerant field match."""

from __future__ import annotations

from collections.abc import Sequence


def accuracy(expected: Sequence[str], predicted: Sequence[str]) -> float:
    if not expected:
        return 0.0
    return sum(e == p for e, p in zip(expected, predicted, strict=True)) / len(expected)


def macro_f1(expected: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over the classes that occur in ``expected`` (a class never predicted and
    never expected does not count)."""
    classes = sorted(set(expected))
    scores = []
    for cls in classes:
        tp = sum(e == cls and p == cls for e, p in zip(expected, predicted, strict=True))
        fp = sum(e != cls and p == cls for e, p in zip(expected, predicted, strict=True))
        fn = sum(e == cls and p != cls for e, p in zip(expected, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall
                      else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def field_match(expected: object, actual: object, tolerance: float = 0.10) -> bool:
    """Exact for text (case-insensitive), within ``tolerance`` for numbers, and set
    equality (case-insensitive) for lists."""
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        try:
            number = float(str(actual).replace(",", "").rstrip("+"))
        except ValueError:
            return False
        return abs(number - expected) <= tolerance * abs(expected)
    if isinstance(expected, list):
        items = actual if isinstance(actual, list) else []
        return {str(x).lower() for x in expected} == {str(x).lower() for x in items}
    return str(expected).strip().lower() == str(actual or "").strip().lower()
