"""``icp eval run``: run each prompt version (and the offline engine) on the same cases.

The task decides what a case is and how it is graded (``evals/tasks/``); this module runs
it, times each case, counts the model's tokens from the call log, and records the run:
prompt name/version/hash, model, dataset hash, git commit and dirty flag, per-case
outputs and scores, tokens, latency and a cost estimate.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from agent.base import workspace as paths
from agent.base.atomic import atomic_write
from agent.llm.calllog import CallLog
from agent.llm.client import StructuredLLM
from agent.llm.prompts import PromptFile, load_prompt
from evals.datasets import file_hash
from evals.locks import check_and_lock
from evals.tasks.base import CaseResult, Task

OFFLINE = "offline"
__all__ = ["CaseResult", "EvalRun", "Evaluator", "load_run", "latest_batch", "save_run"]


class EvalRun(BaseModel):
    run_id: str
    batch: str
    task: str
    created_at: str
    model: str
    prompt: str = ""  # task/version, empty for the offline engine
    prompt_sha256: str = ""
    dataset: str
    dataset_sha256: str
    git_commit: str
    git_dirty: bool
    repeats: int
    metrics: dict[str, float | None]
    cost_usd: float
    cases: list[CaseResult]


def git_state(root: Path) -> tuple[str, bool]:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=root,
                                    capture_output=True, text=True, check=True).stdout.strip())
        return commit, dirty
    except (OSError, subprocess.CalledProcessError):
        return "unknown", True


class Evaluator:
    """Runs one task for the offline engine and each prompt version, on the same cases."""

    def __init__(self, home: Path, task: Task, limit: int | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> None:
        self.home = home
        self.task = task
        self.ids = task.case_ids(limit)
        self.progress = progress
        self.batch = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.git = git_state(Path(__file__).resolve().parents[1])  # the code that runs

    def run(self, prompts: list[str], llm: StructuredLLM | None, model: str,
            repeats: int = 1, price_in: float = 0.0, price_out: float = 0.0) -> list[EvalRun]:
        files = [load_prompt(self.task.prompt_task, v) for v in prompts]
        for prompt in files:
            check_and_lock(prompt, paths.prompt_locks(self.home))
        with self.task.session(self.ids) as context:
            runs = [self._run(context, None, None, OFFLINE, 1, 0.0, 0.0)]
            if llm is not None:
                runs += [self._run(context, p, llm, model, repeats, price_in, price_out)
                         for p in files]
        return runs

    def _run(self, context: object, prompt: PromptFile | None, llm: StructuredLLM | None,
             model: str, repeats: int, price_in: float, price_out: float) -> EvalRun:
        label = OFFLINE if prompt is None else f"{model}-{prompt.version}"
        results: list[CaseResult] = []
        log = CallLog(paths.call_log(self.home)) if llm is not None else None
        total, done = len(self.ids) * repeats, 0
        for repeat in range(repeats):
            for case_id in self.ids:
                seen = log.last_id() if log else 0
                started = time.perf_counter()
                units = self.task.run_case(context, case_id, llm, prompt)
                latency = int(1000 * (time.perf_counter() - started))
                calls = log.rows(after=seen) if log else []
                tokens_in = sum(int(c["input_tokens"] or 0) for c in calls)
                tokens_out = sum(int(c["output_tokens"] or 0) for c in calls)
                for i, unit in enumerate(units):  # a case's cost is booked on its first unit
                    results.append(unit.model_copy(update={
                        "latency_ms": latency, "repeat": repeat,
                        "input_tokens": tokens_in if i == 0 else 0,
                        "output_tokens": tokens_out if i == 0 else 0}))
                done += 1
                if self.progress:
                    self.progress(label, done, total)
        metrics = self.task.metrics(results)
        cost = (metrics["input_tokens"] or 0) / 1e6 * price_in + \
            (metrics["output_tokens"] or 0) / 1e6 * price_out
        commit, dirty = self.git
        run = EvalRun(run_id=f"{self.task.name}-{label}-{self.batch}", batch=self.batch,
                      task=self.task.name,
                      created_at=datetime.now(UTC).isoformat(timespec="seconds"), model=model,
                      prompt=prompt.ref if prompt else "",
                      prompt_sha256=prompt.sha256 if prompt else "",
                      dataset=self.task.dataset.name,
                      dataset_sha256=file_hash(self.task.dataset), git_commit=commit,
                      git_dirty=dirty, repeats=repeats, metrics=metrics,
                      cost_usd=round(cost, 6), cases=results)
        save_run(self.home, run)
        return run


def runs_dir(home: Path) -> Path:
    path = paths.eval_runs_dir(home)
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_run(home: Path, run: EvalRun) -> Path:
    path = runs_dir(home) / f"{run.run_id}.json"
    atomic_write(path, run.model_dump_json(indent=1))
    return path


def load_run(home: Path, ref: str) -> EvalRun:
    """A run by id, id prefix, or file path."""
    path = Path(ref)
    if not path.exists():
        matches = sorted(runs_dir(home).glob(f"{ref}*.json"))
        if not matches:
            raise FileNotFoundError(f"no eval run '{ref}' in {runs_dir(home)}")
        if len(matches) > 1 and not (runs_dir(home) / f"{ref}.json").exists():
            raise FileNotFoundError(f"'{ref}' matches {len(matches)} runs: "
                                    + ", ".join(m.stem for m in matches[:5]))
        path = runs_dir(home) / f"{ref}.json" if (runs_dir(home) / f"{ref}.json").exists() \
            else matches[0]
    return EvalRun.model_validate(json.loads(path.read_text(encoding="utf-8")))


def latest_batch(home: Path) -> list[EvalRun]:
    runs = [EvalRun.model_validate_json(p.read_text(encoding="utf-8"))
            for p in runs_dir(home).glob("*.json")]
    if not runs:
        return []
    newest = max(r.batch for r in runs)
    return sorted((r for r in runs if r.batch == newest), key=lambda r: (r.prompt, r.model))
