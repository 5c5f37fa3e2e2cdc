"""Batch enrichment benchmark: `icp enrich` on 1,000 local prospect sites.

All in one run, against generated sites served by real HTTP servers in a child process
(one loopback address per site, 100 ms simulated latency per response):

1. throughput of the offline engine (``run_enrich``) vs a naive sequential
   ``requests`` + BeautifulSoup loop doing the same extraction (the naive loop runs on a
   100-site sample; its rate is per site, so the ratio compares like with like);
2. with an OpenAI-compatible stub LLM that answers after a fixed 200 ms:
   a. the LLM judgement stage alone (the product's ``llm_judge`` on 1,000 prospects, 32
      calls in flight) vs the ideal bound concurrency / latency = 160 calls/s, with the
      direct HTTP path and, as the baseline, LangChain's ``with_structured_output`` path;
   b. the whole run with the LLM vs its ideal bound: the LLM stage's bound or the offline
      engine's measured rate, whichever is lower (fetching and extraction are CPU-bound
      on this machine, so the LLM can at best add no cost);
3. peak memory of a 100,000-row list (100 rows per site, deduplicated to 1,000 domains).

Usage: python benchmarks/batch.py [--sites N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.classify import make_site, naive, serve_in_child  # noqa: E402

LLM_LATENCY = 0.2


class StubLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that answers every request after 200 ms."""

    protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints do

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        time.sleep(LLM_LATENCY)
        content = json.dumps({"verdicts": [{"id": 1, "result": "unknown", "quote": ""}],
                              "summary": "A company."})
        body = json.dumps({
            "id": "stub", "object": "chat.completion", "created": int(time.time()),
            "model": "stub", "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class StubServer(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 drops connections under load
    daemon_threads = True


def write_list(path: Path, urls: list[str], repeat: int = 1) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Company", "Website", "Owner", "Notes"])
        for r in range(repeat):
            for i, url in enumerate(urls):
                writer.writerow([f"Company {i}-{r}", url, "owner", "note " * 5])


def run_enrich_child(source: Path, out: Path, concurrency: int, env: dict[str, str]) -> dict:
    """`run_enrich` in a fresh process; returns its summary, wall time and peak memory."""
    code = f"""
import json, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from agent.batch.run import BatchOptions, run_enrich
from agent.pipeline import structured_llm
from agent.settings import Settings
from tests.test_enrich import icp_fixture
options = BatchOptions(concurrency={concurrency}, chunk={4 * concurrency}, allow_private=True,
                       llm=structured_llm(Settings()))
start = time.perf_counter()
summary = run_enrich(Path({str(source)!r}), Path({str(out)!r}), icp_fixture(), options)
seconds = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "rows": summary.rows, "domains": summary.domains,
                  "statuses": summary.statuses, "peak_mb": own, "worker_peak_mb": kids}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=False)
    if done.returncode != 0:
        sys.exit(f"enrich run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def llm_stage_child(calls: int, concurrency: int, env: dict[str, str]) -> float:
    """The product's ``llm_judge`` on ``calls`` prospects in a fresh process; calls/s."""
    code = f"""
import asyncio, sys, time
sys.path.insert(0, {str(ROOT)!r})
from agent.enrich.extract import PageFacts
from agent.enrich.prospect import Prospect
from agent.fit.llm_fit import llm_judge
from agent.fit.score import classify
from agent.pipeline import structured_llm
from agent.settings import Settings
from tests.test_enrich import icp_fixture
icp, llm = icp_fixture(), structured_llm(Settings())
text = "We build revenue software for modern teams. " * 60
prospects = [Prospect(input=f"p{{i}}", fetch_status="ok",
                      pages=[PageFacts(url=f"https://p{{i}}.example/", text=text)])
             for i in range({calls})]
async def main():
    slots = asyncio.Semaphore({concurrency})
    async def one(p):
        async with slots:
            return await llm_judge(llm, p, icp, classify(p, icp))
    await one(prospects[0])  # the endpoint probe and connection set-up are not timed
    start = time.perf_counter()
    results = await asyncio.gather(*(one(p) for p in prospects))
    assert all(r.llm_reasons for r in results)
    print(len(prospects) / (time.perf_counter() - start))
asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=False)
    if done.returncode != 0:
        sys.exit(f"LLM stage run failed:\n{done.stderr[-3000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--naive-sample", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(17)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("ICP_", "OPENAI_"))}
    with tempfile.TemporaryDirectory(prefix="icp-bench-batch-") as tmp:
        tmpdir = Path(tmp)
        for n in range(args.sites):
            make_site(tmpdir / f"s{n}", n, rng)
        child, urls = serve_in_child(tmpdir, args.sites, 0.1)
        llm_server = StubServer(("127.0.0.1", 0), StubLLM)
        threading.Thread(target=llm_server.serve_forever, daemon=True).start()
        try:
            offline_env = {**base_env, "ICP_HOME": str(tmpdir / "ws")}
            write_list(tmpdir / "list.csv", urls)
            offline = run_enrich_child(tmpdir / "list.csv", tmpdir / "out.csv",
                                       args.concurrency, offline_env)
            sample = urls[:args.naive_sample]
            start = time.perf_counter()
            naive(sample)
            naive_rate = len(sample) / (time.perf_counter() - start)

            llm_env = {**offline_env, "ICP_LLM": "openai:stub", "ICP_LLM_METHOD": "json_mode",
                       "OPENAI_BASE_URL": f"http://127.0.0.1:{llm_server.server_address[1]}/v1",
                       "ICP_LLM_MAX_ATTEMPTS": "1"}
            with_llm = run_enrich_child(tmpdir / "list.csv", tmpdir / "out_llm.csv",
                                        args.concurrency, llm_env)
            stage_direct = llm_stage_child(args.sites, args.concurrency, llm_env)
            stage_langchain = llm_stage_child(
                args.sites, args.concurrency, {**llm_env, "ICP_LLM_DIRECT_HTTP": "false"})

            write_list(tmpdir / "big.csv", urls, repeat=100_000 // len(urls))
            big = run_enrich_child(tmpdir / "big.csv", tmpdir / "big_out.csv",
                                   args.concurrency, offline_env)
            with (tmpdir / "big_out.csv").open(encoding="utf-8") as fh:
                out_rows = sum(1 for _ in csv.reader(fh)) - 1
        finally:
            child.kill()
            llm_server.shutdown()
    ours_rate = offline["domains"] / offline["seconds"]
    llm_rate = with_llm["domains"] / with_llm["seconds"]
    bound = args.concurrency / LLM_LATENCY
    print(f"{args.sites} sites (100 ms per response), concurrency {args.concurrency}")
    print(f"1. offline engine: {ours_rate:.1f} prospects/s ({offline['seconds']:.1f} s); naive "
          f"sequential loop: {naive_rate:.2f} prospects/s on {len(sample)} sites -> "
          f"{ours_rate / naive_rate:.1f}x (goal >= 10x); statuses {offline['statuses']}")
    print(f"2a. LLM stage with a 200 ms stub: {stage_direct:.1f} calls/s vs ideal bound "
          f"{bound:.0f}/s (concurrency/latency) -> {stage_direct / bound:.0%} (goal >= 70%); "
          f"through LangChain (baseline): {stage_langchain:.1f} calls/s -> "
          f"{stage_langchain / bound:.0%}; direct/LangChain {stage_direct / stage_langchain:.1f}x")
    whole_bound = min(bound, ours_rate)
    print(f"2b. whole run with the LLM: {llm_rate:.1f} prospects/s ({with_llm['seconds']:.1f} s)"
          f" vs its bound {whole_bound:.1f}/s (the lower of {bound:.0f}/s and the offline "
          f"engine's {ours_rate:.1f}/s) -> {llm_rate / whole_bound:.0%}; against {bound:.0f}/s "
          f"alone: {llm_rate / bound:.0%}")
    print(f"3. {big['rows']:,} rows ({big['domains']} domains) -> {out_rows:,} rows written in "
          f"{big['seconds']:.1f} s; peak memory: main process {big['peak_mb']:.0f} MB, largest "
          f"worker {big['worker_peak_mb']:.0f} MB (goal: flat, < 1 GB); for {offline['rows']} "
          f"rows the main process peaked at {offline['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
