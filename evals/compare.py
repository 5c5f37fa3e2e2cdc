"""``icp eval compare``: per-metric deltas with paired bootstrap intervals, McNemar's exact
test on per-case correctness, a verdict and the cases that flipped."""

from __future__ import annotations

from dataclasses import dataclass, field

from evals.runner import CaseResult, EvalRun
from evals.stats import Interval, McNemar, mcnemar_exact, paired_bootstrap, verdict
from evals.tasks import get_task
from evals.tasks.base import ACCURACY, LATENCY, Metric


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


def compared_metrics(task: str) -> list[Metric]:
    """Accuracy (the verdict's metric), then the task's other per-case metrics, latency."""
    declared = [m for m in get_task(task).declared_metrics if m.per_case is not None]
    return [ACCURACY, *[m for m in declared if m.key != ACCURACY.key], LATENCY]


def _case_mean(metric: Metric, results: list[CaseResult]) -> float | None:
    """The metric over one case's repeats (repeats are averaged, so every case weighs the
    same); None when any repeat has no value."""
    assert metric.per_case is not None
    values = [metric.per_case(r) for r in results]
    return None if any(v is None for v in values) else _mean([float(v or 0) for v in values])


def _paired(metric: Metric, ca: dict[str, list[CaseResult]], cb: dict[str, list[CaseResult]],
            ids: list[str]) -> Interval | None:
    pairs = [(_case_mean(metric, ca[i]), _case_mean(metric, cb[i])) for i in ids]
    kept = [(x, y) for x, y in pairs if x is not None and y is not None]
    if not kept:
        return None
    return paired_bootstrap([x for x, _ in kept], [y for _, y in kept])


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
    deltas: dict[str, Interval] = {}
    for metric in compared_metrics(a.task):
        delta = _paired(metric, ca, cb, ids)
        if delta is not None:
            deltas[metric.key] = delta
    acc_a = [_case_mean(ACCURACY, ca[i]) or 0.0 for i in ids]
    acc_b = [_case_mean(ACCURACY, cb[i]) or 0.0 for i in ids]
    right_a = [x >= 0.5 for x in acc_a]  # majority over repeats
    right_b = [x >= 0.5 for x in acc_b]
    test = mcnemar_exact(right_a, right_b)
    return Comparison(
        a=a.run_id, b=b.run_id, cases=len(ids), deltas=deltas, mcnemar=test,
        verdict=verdict(deltas["accuracy"], test),
        flipped_better=[i for i, x, y in zip(ids, right_a, right_b, strict=True) if y and not x],
        flipped_worse=[i for i, x, y in zip(ids, right_a, right_b, strict=True) if x and not y],
        warnings=warnings)
