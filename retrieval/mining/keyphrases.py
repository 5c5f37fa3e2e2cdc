"""Offline theme labels: class-based TF-IDF keyphrases (unigrams and bigrams)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_TOKEN = re.compile(r"[a-z][a-z0-9+#'-]*[a-z0-9+#]|[a-z]")
_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just
me more most my no nor not now of off on once only or other our ours out over own same she
should so some such than that the their them then there these they this those through to
too under until up very was we were what when where which while who whom why will with would
you your yours us one get got still every even really much many lot well like make
made way use used using thing things able going go want need needs wants
please thanks thank hi hello yes okay ok since currently already etc e g ie via per
reason won lost deal closed
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def terms(text: str) -> list[str]:
    words = [w.strip("'-") for w in _TOKEN.findall(text.lower())]
    words = [w for w in words if len(w) > 2 and w not in STOPWORDS and not w.isdigit()]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def label_clusters(docs: Sequence[Sequence[str]], top: int = 3) -> list[list[str]]:
    """Top keyphrases per cluster; ``docs[c]`` are the statements of cluster c."""
    tfs = [Counter(t for text in cluster for t in set(terms(text))) for cluster in docs]
    df = Counter(term for tf in tfs for term in tf)
    n = len(tfs)
    labels = []
    for cluster, tf in zip(docs, tfs, strict=True):
        size = max(len(cluster), 1)
        scored = sorted(
            ((count / size) * math.log(1 + n / df[term]) * (1.3 if " " in term else 1.0), term)
            for term, count in tf.items() if count >= 2 or size < 4
        )
        chosen: list[str] = []
        for _, term in reversed(scored):
            if any(term in c or c in term for c in chosen):
                continue
            chosen.append(term)
            if len(chosen) == top:
                break
        labels.append(chosen)
    return labels
