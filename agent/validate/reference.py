"""A generic reference model beside the ICP: logistic regression on the same attributes.

It sees exactly what the criteria learner sees (the same deals, bands and set-aside
columns) with every value one-hot encoded, so users can tell how much of the signal the
readable criteria capture.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.icp.bands import Band, band_of
from agent.icp.deals import Deal, metadata_key


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
        band = band_of(number, bands[name], metadata_key(name))
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
