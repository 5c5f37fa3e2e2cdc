"""``icp eval compare``: per-metric deltas with paired bootstrap intervals, McNemar's exact
test on per-case correctness, a verdict and the cases that flipped."""

from __future__ import annotations

from dataclasses import dataclass, field

from evals.runner import CaseResult, EvalRun
from evals.stats import Interval, McNemar, mcnemar_exact, paired_bootstrap, verdict


@dataclass
class Comparison:
    a: str
    b: str
    cases: int
    deltas: dict[str, Interval]
    mcnemar: McNemar
    verdict: str
    flipped_better: list[str] = field(default_factory=list)  # wrong in A, right in B
    flipped_worse: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"a": self.a, "b": self.b, "cases": self.cases, "verdict": self.verdict,
                "deltas": {k: v.__dict__ for k, v in self.deltas.items()},
                "mcnemar": self.mcnemar.__dict__, "flipped_better": self.flipped_better,
                "flipped_worse": self.flipped_worse, "warnings": self.warnings}


def _by_case(run: EvalRun) -> dict[str, list[CaseResult]]:
    out: dict[str, list[CaseResult]] = {}
    for c in run.cases:
        out.setdefault(c.id, []).append(c)
    return out


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def compare(a: EvalRun, b: EvalRun) -> Comparison:
    warnings = []
    if a.dataset_sha256 != b.dataset_sha256:
        warnings.append("the runs used different dataset versions; only shared case ids "
                        "are compared")
    if a.task != b.task:
        raise ValueError(f"cannot compare a {a.task} run with a {b.task} run")
    ca, cb = _by_case(a), _by_case(b)
    ids = sorted(ca.keys() & cb.keys())
    if not ids:
        raise ValueError(f"{a.run_id} and {b.run_id} share no cases")
    # repeats are averaged per case, so every case weighs the same
    acc_a = [_mean([float(r.correct) for r in ca[i]]) for i in ids]
    acc_b = [_mean([float(r.correct) for r in cb[i]]) for i in ids]
    deltas = {"accuracy": paired_bootstrap(acc_a, acc_b)}
    grounded = [i for i in ids if all(r.grounding is not None for r in ca[i] + cb[i])]
    if grounded:
        deltas["grounding_rate"] = paired_bootstrap(
            [_mean([r.grounding or 0 for r in ca[i]]) for i in grounded],
            [_mean([r.grounding or 0 for r in cb[i]]) for i in grounded])
    deltas["latency_ms"] = paired_bootstrap(
        [_mean([r.latency_ms for r in ca[i]]) for i in ids],
        [_mean([r.latency_ms for r in cb[i]]) for i in ids])
    right_a = [x >= 0.5 for x in acc_a]  # majority over repeats
    right_b = [x >= 0.5 for x in acc_b]
    test = mcnemar_exact(right_a, right_b)
    return Comparison(
        a=a.run_id, b=b.run_id, cases=len(ids), deltas=deltas, mcnemar=test,
        verdict=verdict(deltas["accuracy"], test),
        flipped_better=[i for i, x, y in zip(ids, right_a, right_b, strict=True) if y and not x],
        flipped_worse=[i for i, x, y in zip(ids, right_a, right_b, strict=True) if x and not y],
        warnings=warnings)
