"""Draft + validate benchmark: criteria from every attribute and a backtest on 100,000
generated deals with 20 attributes, beside the scikit-learn reference on the same split.

Deals are generated with a known structure: 12 categorical attributes (3-12 values each;
three of them shift the win rate), 6 numeric ones (one with a real effect), a multi-value
list and a planted leak (filled only for won deals). Each phase runs in its own process,
so its peak memory is its own.

- learn:     ``agent.icp.criteria.learn`` on all deals (bands, leakage guard, Fisher + FDR
             over every value): what ``icp draft`` does for the firmographic statistics.
- learn:     also fits the points scorecard (supervised bands, regularised logistic
             regression with its strength chosen by cross-validation).
- validate:  ``agent.validate.run.backtest`` (split, learn on train, score every held-out
             deal with the row fit scorer, AUC + bootstrap interval, tiers, gain,
             calibration, and both reference models: logistic regression, gradient
             boosting).
- reference: scikit-learn ``DictVectorizer`` + ``LogisticRegression`` fitted and scored on
             the same split, alone (the naive "just fit a model" baseline).

Usage: python benchmarks/validate.py [--deals N]    (goal: learn + validate < 60 s)
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generate(n: int, seed: int = 11) -> list[dict[str, object]]:
    rng = random.Random(seed)
    categories = {f"Category {i}": [f"v{j}" for j in range(3 + i % 10)] for i in range(12)}
    rows = []
    for i in range(n):
        row: dict[str, object] = {"kind": "winloss", "chunk_index": 0,
                                  "source_id": f"deals.csv#row={i + 2}",
                                  "date": f"20{20 + i * 5 // n}-{1 + i % 12:02d}-{1 + i % 28:02d}"}
        logit = -0.4
        for name, values in categories.items():
            value = rng.choice(values)
            row[f"attr:{name}"] = value
            if name in ("Category 0", "Category 3", "Category 7") and value == "v1":
                logit += 0.9
        for k in range(6):
            number = rng.lognormvariate(3, 1)
            row[f"num:Measure {k}"] = round(number, 2)
            if k == 0:
                logit += 0.4 * (number > 40)
        row["list:Stack"] = "; ".join(rng.sample(["A", "B", "C", "D", "E"], rng.randint(1, 3)))
        won = rng.random() < 1 / (1 + 2.718281828 ** -logit)
        row["outcome"] = "won" if won else "lost"
        if won:
            row["attr:Closed Notes"] = "signed"
        rows.append(row)
    return rows


def deals_of(rows: list[dict[str, object]]) -> list:  # type: ignore[type-arg]
    from agent.icp.deals import deal_of
    from retrieval.corpus import EvidenceChunk

    return [deal_of(EvidenceChunk(f"c{i:07d}", f"Deal {i}", row)) for i, row in enumerate(rows)]


def phase(name: str, n: int) -> dict[str, object]:
    deals = deals_of(generate(n))
    start = time.perf_counter()
    out: dict[str, object] = {}
    if name == "learn":
        from agent.icp.criteria import learn

        result = learn(deals)
        out = {"criteria": len(result.criteria), "exclusions": len(result.exclusions),
               "set_aside": sorted(result.leaks), "tested": len(result.tested)}
    elif name == "validate":
        from agent.validate.run import backtest

        report = backtest(deals)
        out = {"auc": report.auc, "auc_ci": report.auc_ci, "reference_auc":
               report.reference_auc, "boosting_auc": report.boosting_auc,
               "tiers": [(t.tier, t.deals, t.win_rate) for t in report.tiers],
               "verdict": report.verdict}
    else:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score

        from agent.validate.split import split_deals

        split = split_deals(deals)

        def features(d) -> dict[str, object]:  # type: ignore[no-untyped-def]
            row = {f"{k}={v}": 1.0 for k, vs in d.values.items() for v in vs
                   if k != "attr:Closed Notes"}
            row.update({k: v for k, v in d.numbers.items()})
            return row

        vec = DictVectorizer()
        model = LogisticRegression(max_iter=1000)
        model.fit(vec.fit_transform([features(d) for d in split.train]),
                  [d.won for d in split.train])
        scores = model.predict_proba(vec.transform([features(d) for d in split.test]))[:, 1]
        out = {"auc": roc_auc_score([d.won for d in split.test], scores)}
    out["seconds"] = time.perf_counter() - start
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.deals)))
        return
    results = {}
    for name in ("learn", "validate", "reference"):
        done = subprocess.run([sys.executable, __file__, "--phase", name, "--deals",
                               str(args.deals)], check=True, capture_output=True, text=True)
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    learn_s, validate_s = results["learn"]["seconds"], results["validate"]["seconds"]
    ref_s = results["reference"]["seconds"]
    print(f"{args.deals:,} deals, 20 attributes (+ a planted leak)")
    print(f"learn (draft statistics): {learn_s:.1f} s, peak {results['learn']['peak_mb']:.0f} MB;"
          f" {results['learn']['criteria']} criteria, {results['learn']['exclusions']} "
          f"exclusions from {results['learn']['tested']} values tested; set aside "
          f"{results['learn']['set_aside']}")
    print(f"validate (backtest + reference): {validate_s:.1f} s, peak "
          f"{results['validate']['peak_mb']:.0f} MB; AUC {results['validate']['auc']:.3f} "
          f"{results['validate']['auc_ci']}, logistic regression "
          f"{results['validate']['reference_auc']:.3f}, gradient boosting "
          f"{results['validate']['boosting_auc']:.3f}; tiers {results['validate']['tiers']}")
    print(f"reference alone (scikit-learn logistic regression, same split): {ref_s:.1f} s, "
          f"peak {results['reference']['peak_mb']:.0f} MB; AUC {results['reference']['auc']:.3f}")
    total = learn_s + validate_s
    print(f"learn + validate: {total:.1f} s (goal < 60 s); ratio to the bare reference fit: "
          f"{total / ref_s:.1f}x")
    print(f"verdict: {results['validate']['verdict']}")


if __name__ == "__main__":
    main()
