"""Two generic reference models beside the ICP, on the same split and columns.

- a logistic regression that sees exactly what the scorecard learner sees (the same deals,
  bands and set-aside columns) with every value one-hot encoded;
- gradient boosting (a black box) on the raw columns: numbers unbanded, categories native.

Users can tell how much of the signal the readable scorecard captures.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.icp.bands import Band
from agent.icp.deals import Deal


def features(deal: Deal, bands: Mapping[str, list[Band]],
             skip: frozenset[str]) -> dict[str, float]:
    row: dict[str, float] = {}
    for name, items in deal.values.items():
        if name not in skip:
            for item in items:
                row[f"{name}={item}"] = 1.0
    for name, number in deal.numbers.items():
        if name in skip or name not in bands:
            continue
        band = next((b for b in bands[name] if b.holds(number)), None)
        if band is not None:
            row[f"{name}={band.label}"] = 1.0
    return row


def reference_scores(train: list[Deal], test: list[Deal], bands: Mapping[str, list[Band]],
                     skip: frozenset[str]) -> list[float] | None:
    """Win probabilities (0-100) for the test deals, or None when it cannot be fitted."""
    from sklearn.feature_extraction import DictVectorizer  # heavy; only for validate
    from sklearn.linear_model import LogisticRegression

    if len({d.won for d in train}) < 2 or not test:
        return None
    vectorizer = DictVectorizer()
    x_train = vectorizer.fit_transform([features(d, bands, skip) for d in train])
    if x_train.shape[1] == 0:
        return None
    model = LogisticRegression(max_iter=1000)
    model.fit(x_train, [d.won for d in train])
    x_test = vectorizer.transform([features(d, bands, skip) for d in test])
    return [100.0 * p for p in model.predict_proba(x_test)[:, 1]]


def _columns(deals: list[Deal], skip: frozenset[str]) -> tuple[list[str], list[str], list[str]]:
    numbers = sorted({n for d in deals for n in d.numbers} - skip)
    singles: list[str] = []
    lists: list[str] = []
    for name in sorted({n for d in deals for n in d.values} - skip - set(numbers)):
        (lists if any(len(d.values.get(name, ())) > 1 for d in deals) else singles).append(name)
    return numbers, singles, lists


def boosting_scores(train: list[Deal], test: list[Deal],
                    skip: frozenset[str]) -> list[float] | None:
    """Win probabilities (0-100) from gradient boosting (scikit-learn
    ``HistGradientBoostingClassifier``) on the same columns: numbers as they are (missing
    as missing), categories as native categories, list items as flags."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    if len({d.won for d in train}) < 2 or not test:
        return None
    numbers, singles, lists = _columns(train, skip)
    codes: dict[str, dict[str, int]] = {}
    for name in singles:
        counts: dict[str, int] = {}
        for d in train:
            for v in d.values.get(name, ()):
                counts[v] = counts.get(v, 0) + 1
        top = sorted(counts, key=lambda v: -counts[v])[:250]  # the estimator's limit
        codes[name] = {v: i for i, v in enumerate(top)}
    items = {name: sorted({v for d in train for v in d.values.get(name, ())})[:200]
             for name in lists}

    def matrix(deals: list[Deal]) -> np.ndarray:
        width = len(numbers) + len(singles) + sum(len(v) for v in items.values())
        x = np.full((len(deals), width), np.nan)
        for i, d in enumerate(deals):
            col = 0
            for name in numbers:
                if name in d.numbers:
                    x[i, col] = d.numbers[name]
                col += 1
            for name in singles:
                values = d.values.get(name)
                if values:
                    x[i, col] = codes[name].get(values[0], len(codes[name]))
                col += 1
            for name in lists:
                present = set(d.values.get(name, ()))
                for item in items[name]:
                    x[i, col] = float(item in present)
                    col += 1
        return x

    x_train = matrix(train)
    if x_train.shape[1] == 0:
        return None
    categorical = [False] * len(numbers) + [True] * len(singles) + [False] * (
        x_train.shape[1] - len(numbers) - len(singles))
    model = HistGradientBoostingClassifier(categorical_features=np.asarray(categorical),
                                           random_state=0)
    model.fit(x_train, [d.won for d in train])
    return [100.0 * p for p in model.predict_proba(matrix(test))[:, 1]]


def text_reference_scores(train: list[Deal], test: list[Deal], bands: Mapping[str, list[Band]],
                          skip: frozenset[str], texts: Mapping[str, str]) -> list[float] | None:
    """The text reference: a bag of words of each deal's own text (TF-IDF of words and word
    pairs) beside the one-hot columns the logistic reference sees, in one logistic
    regression; the same split. How much of the text's signal the readable lines keep."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if len({d.won for d in train}) < 2 or not test:
        return None
    train_texts = [texts.get(d.chunk.id, "") for d in train]
    if sum(1 for t in train_texts if t) < 20:
        return None
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=50_000,
                            sublinear_tf=True)
    columns = DictVectorizer()
    try:
        x_train = hstack([words.fit_transform(train_texts), columns.fit_transform(
            [features(d, bands, skip) for d in train])]).tocsr()
    except ValueError:  # no word appears twice
        return None
    model = LogisticRegression(max_iter=2000)
    model.fit(x_train, [d.won for d in train])
    x_test = hstack([words.transform([texts.get(d.chunk.id, "") for d in test]),
                     columns.transform([features(d, bands, skip) for d in test])]).tocsr()
    return [100.0 * p for p in model.predict_proba(x_test)[:, 1]]
