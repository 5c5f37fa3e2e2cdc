"""Graders: tier accuracy and macro-F1, grounding rate, tolerant field match."""

from __future__ import annotations

import re
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


_LABEL_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_UNSAYABLE = re.compile(r"\s/\s|[{}\[\]_|=<>#]|\s·\s")
_LABEL_FUNCTION_TEXT = """
a an the to of for with and or but in on at by from that which is are was be has have it
its this these their our my your not so as than if
"""
_LABEL_FUNCTION = frozenset(_LABEL_FUNCTION_TEXT.split())
_LABEL_FILLER_TEXT = """
and anyway but er erm hmm like mm ok okay so uh um well yeah
"""
_LABEL_FILLER = frozenset(_LABEL_FILLER_TEXT.split())


def is_readable_label(label: str) -> bool:
    """A label a person could say: 2 to 10 words of prose, no keyword list ("a / b / c")
    or markup, no filler, not starting with a discourse word nor ending on a word that
    needs a continuation, no word said twice in a row, at least one word of substance."""
    text = label.strip()
    if not text or _UNSAYABLE.search(text):
        return False
    words = [w.lower() for w in _LABEL_WORD.findall(text)]
    if not 2 <= len(words) <= 10 or len(" ".join(words)) < 0.7 * len(text.replace(" ", "")):
        return False
    if words[0] in _LABEL_FILLER or words[-1] in _LABEL_FUNCTION:
        return False
    if any(w in _LABEL_FILLER - {"so", "and", "but", "like", "well"} for w in words):
        return False
    if any(a == b for a, b in zip(words, words[1:], strict=False)):
        return False
    return any(len(w) >= 4 and w not in _LABEL_FUNCTION for w in words)


def gold_pain_of(quotes: Sequence[tuple[str, str]], patterns: dict[str, str],
                 least: int = 2) -> str | None:
    """The gold pain a theme states: the one whose pattern most of its ``(quote, source)``
    pairs match, when at least ``least`` quotes from ``least`` sources match it."""
    best, best_hits = None, 0
    for pain, pattern in patterns.items():
        matcher = re.compile(pattern, re.I)
        hits = [source for quote, source in quotes if matcher.search(quote)]
        if len(hits) >= least and len(set(hits)) >= least and len(hits) > best_hits:
            best, best_hits = pain, len(hits)
    return best
