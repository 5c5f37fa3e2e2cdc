"""``icp eval run``: run each prompt version (and the offline engine) on the same cases.

Every case page is served on 127.0.0.1 by a local HTTP server (with its HTTP status), and
goes through the product's own path: safe fetch, extraction, deterministic fit, and, for
an LLM run, the LLM judgement with the prompt version under test. A run records the
prompt name/version/hash, the model, the dataset hash, the git commit and dirty flag, and
per case the output, the score, tokens, latency and a cost estimate.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agent.classify import classify_many
from agent.fit.score import Thresholds
from agent.icp import versions
from agent.llm.calllog import CallLog
from agent.llm.client import StructuredLLM
from agent.llm.prompts import PromptFile, load_prompt
from evals.datasets import DATASETS, FitCase, file_hash, load_fit_cases
from evals.graders import accuracy, grounding_rate, macro_f1
from evals.locks import check_and_lock

OFFLINE = "offline"


class CaseResult(BaseModel):
    id: str
    kind: str
    expected: str
    predicted: str
    correct: bool
    score: int | None = None
    reasons: list[str] = Field(default_factory=list)
    grounding: float | None = None
    latency_ms: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    repeat: int = 0


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


@contextmanager
def serve_cases(cases: list[FitCase]) -> Iterator[str]:
    """Serve each case's page at ``/<id>/`` (its status included) on 127.0.0.1."""
    pages = {c.id: c for c in cases}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            case = pages.get(self.path.strip("/").split("/")[0])
            if case is None or self.path.count("/") > 2:
                self.send_error(404)
                return
            body = case.html.encode()
            self.send_response(case.status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _case_result(case: FitCase, row: Any, llm: bool, repeat: int, latency_ms: int,
                 tokens: tuple[int, int]) -> CaseResult:
    fit = row.fit
    if llm:
        predicted = fit.llm_tier or "unknown"
        grounding = (None if not fit.llm_quotes else
                     (fit.llm_quotes - fit.llm_quotes_dropped) / fit.llm_quotes)
        reasons, score = fit.llm_reasons, fit.llm_score
    else:
        predicted, score, reasons = fit.tier, fit.score, fit.reasons
        quotes = [v.quote for v in fit.verdicts if v.quote]
        grounding = grounding_rate(quotes, row.prospect.text) if quotes else None
    return CaseResult(id=case.id, kind=case.kind, expected=case.expected_tier,
                      predicted=predicted, correct=predicted == case.expected_tier,
                      score=score, reasons=reasons[:8], grounding=grounding,
                      latency_ms=latency_ms, input_tokens=tokens[0], output_tokens=tokens[1],
                      repeat=repeat)


def _metrics(results: list[CaseResult]) -> dict[str, float | None]:
    expected = [r.expected for r in results]
    predicted = [r.predicted for r in results]
    grounded = [r.grounding for r in results if r.grounding is not None]
    latencies = sorted(r.latency_ms for r in results)
    return {
        "accuracy": accuracy(expected, predicted),
        "macro_f1": macro_f1(expected, predicted),
        "grounding_rate": sum(grounded) / len(grounded) if grounded else None,
        "latency_ms_mean": sum(latencies) / len(latencies) if latencies else 0.0,
        "latency_ms_p95": float(latencies[int(0.95 * (len(latencies) - 1))]) if latencies
        else 0.0,
        "input_tokens": float(sum(r.input_tokens for r in results)),
        "output_tokens": float(sum(r.output_tokens for r in results)),
    }


def stratified(cases: list[FitCase], limit: int | None) -> list[FitCase]:
    """The first ``limit`` cases taken in turn from each kind, so a small run still sees
    blocked pages and injections; all cases (in file order) without a limit."""
    if limit is None or limit >= len(cases):
        return cases
    groups: dict[str, list[FitCase]] = {}
    for case in cases:
        groups.setdefault(case.kind.split("-")[0], []).append(case)
    picked: list[FitCase] = []
    while len(picked) < limit:
        for group in groups.values():
            if group and len(picked) < limit:
                picked.append(group.pop(0))
    return picked


class FitEval:
    """Runs the fit task for the offline engine and each prompt version."""

    def __init__(self, home: Path, dataset: Path | None = None, limit: int | None = None,
                 thresholds: Thresholds | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> None:
        self.home = home
        self.dataset = dataset or DATASETS / "fit_cases.jsonl"
        self.cases = stratified(load_fit_cases(self.dataset), limit)
        self.icp = versions.load_file(DATASETS / "fit_icp.json")
        self.thresholds = thresholds
        self.progress = progress
        self.batch = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")

    def run(self, prompts: list[str], llm: StructuredLLM | None, model: str,
            repeats: int = 1, price_in: float = 0.0, price_out: float = 0.0) -> list[EvalRun]:
        files = [load_prompt("fit_classification", v) for v in prompts]
        for prompt in files:
            check_and_lock(prompt)
        runs = [self._run(None, None, OFFLINE, 1, 0.0, 0.0)]
        if llm is not None:
            runs += [self._run(p, llm, model, repeats, price_in, price_out) for p in files]
        return runs

    def _run(self, prompt: PromptFile | None, llm: StructuredLLM | None, model: str,
             repeats: int, price_in: float, price_out: float) -> EvalRun:
        label = OFFLINE if prompt is None else f"{model}-{prompt.version}"
        results: list[CaseResult] = []
        log = CallLog(self.home / "logs.db") if llm is not None else None
        total = len(self.cases) * repeats
        with serve_cases(self.cases) as base:
            for repeat in range(repeats):
                for case in self.cases:
                    seen = len(log.rows()) if log else 0
                    started = time.perf_counter()
                    (row,) = asyncio.run(classify_many(
                        [f"{base}/{case.id}/"], self.icp, allow_private=True,
                        thresholds=self.thresholds, llm=llm, prompt=prompt))
                    latency = int(1000 * (time.perf_counter() - started))
                    calls = log.rows()[seen:] if log else []
                    tokens = (sum(int(c["input_tokens"] or 0) for c in calls),
                              sum(int(c["output_tokens"] or 0) for c in calls))
                    results.append(_case_result(case, row, llm is not None, repeat, latency,
                                                tokens))
                    if self.progress:
                        self.progress(label, len(results), total)
        metrics = _metrics(results)
        cost = (metrics["input_tokens"] or 0) / 1e6 * price_in + \
            (metrics["output_tokens"] or 0) / 1e6 * price_out
        commit, dirty = git_state(Path(__file__).resolve().parents[1])
        run = EvalRun(run_id=f"fit-{label}-{self.batch}", batch=self.batch, task="fit",
                      created_at=datetime.now(UTC).isoformat(timespec="seconds"), model=model,
                      prompt=prompt.ref if prompt else "",
                      prompt_sha256=prompt.sha256 if prompt else "",
                      dataset=str(self.dataset.name), dataset_sha256=file_hash(self.dataset),
                      git_commit=commit, git_dirty=dirty, repeats=repeats, metrics=metrics,
                      cost_usd=round(cost, 6), cases=results)
        save_run(self.home, run)
        return run


def runs_dir(home: Path) -> Path:
    path = home / "evals" / "runs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_run(home: Path, run: EvalRun) -> Path:
    path = runs_dir(home) / f"{run.run_id}.json"
    versions.atomic_write(path, run.model_dump_json(indent=1))
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
