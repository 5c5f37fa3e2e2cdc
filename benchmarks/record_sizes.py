"""Record-size benchmark: ingest and mining must grow linearly with one record's length.

A pasted transcript or a ticket with logs can be one record of megabytes. Quotes are cut
from a record's raw text, which icp stores once per record (chunks refer to it). The
naive baseline is the layout before that: a copy of the record's raw text in every chunk's
metadata, so a record of L characters in L/1,250 chunks stores about L²/1,250 bytes.

Records are real text: GitHub issue bodies from ``../shared/data/tickets_nlbse`` joined
into one line (a pasted text without line breaks), one record per run, of 0.5, 1, 2 and
4 MB; then a folder of the longest tickets as files. Each run is its own process (its
own peak memory) on a fresh workspace and prints ingest seconds, mining seconds, peak
memory (MB) and store bytes per input byte. The baseline runs the smaller sizes only (at
2 MB it hands Chroma about 3 GB).

Usage: python benchmarks/record_sizes.py [--sizes 0.5,1,2,4] [--baseline-sizes 0.5,1]
       [--embeddings hash:384 | minilm] [--tickets 200]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def ticket_bodies() -> list[str]:
    """The tickets' bodies in a fixed shuffled order (so text density is even along the
    record, and a record twice as long holds twice the same kind of text)."""
    csv.field_size_limit(1 << 30)
    with (DATA / "tickets_nlbse" / "issues_test.csv").open(encoding="utf-8") as fh:
        bodies = [row["body"] for row in csv.DictReader(fh) if row.get("body")]
    random.Random(7).shuffle(bodies)
    return bodies


def one_line_record(bodies: list[str], size: int) -> str:
    """Real ticket text joined into one line of ``size`` characters (repeated as needed)."""
    parts: list[str] = []
    total, i = 0, 0
    while total < size:
        part = " ".join(bodies[i % len(bodies)].split())
        parts.append(part)
        total += len(part) + 1
        i += 1
    return " ".join(parts)[:size]


def disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def child(args: argparse.Namespace) -> None:
    """One run: ingest ``args.input`` into a fresh workspace, then mine it."""
    from agent.base.quotes import RAW_KEY
    from retrieval.chunking import Chunker
    from retrieval.corpus import Corpus
    from retrieval.embeddings import Embedder
    from retrieval.ingest import Ingestor
    from retrieval.mining.statements import find_statements
    from retrieval.records import Chunk, EvidenceRecord
    from retrieval.store import EvidenceStore

    class CopyingChunker(Chunker):
        """The naive layout: the record's raw text copied into every chunk."""

        def chunks(self, record: EvidenceRecord, source_key: str, source_file: str):  # type: ignore[no-untyped-def]
            for c in super().chunks(record, source_key, source_file):
                meta = dict(c.metadata)
                if c.raw:
                    meta.pop("raw_ref", None)
                    meta[RAW_KEY] = c.raw[1]
                yield Chunk(c.id, c.text, meta, None)

    embedder = Embedder(args.embeddings)
    home = Path(args.home)
    store = EvidenceStore.open(home, "evidence", embedder.model_id)
    chunker_cls = CopyingChunker if args.mode == "baseline" else Chunker
    chunker = chunker_cls(embedder.count_tokens, max_tokens=embedder.max_tokens - 6)
    started = time.perf_counter()
    summary = Ingestor(store, embedder, chunker, max_record_mb=100).ingest([Path(args.input)])
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    corpus = Corpus.load(store)
    statements = find_statements((c.id, c.text, c.meta) for c in corpus.chunks)
    mine_s = time.perf_counter() - started
    print(json.dumps({
        "ok": summary.ok, "chunks": store.count(), "statements": len(statements),
        "quoted": sum(1 for s in statements if s.text), "ingest_s": ingest_s,
        "mine_s": mine_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "store_bytes": disk_bytes(home)}))


def run(mode: str, path: Path, embeddings: str, input_bytes: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--mode", mode, "--input", str(path),
             "--home", home, "--embeddings", embeddings],
            capture_output=True, text=True, check=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"})
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["bytes_per_input_byte"] = result["store_bytes"] / input_bytes
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="0.5,1,2,4")
    parser.add_argument("--baseline-sizes", default="0.5,1")
    parser.add_argument("--embeddings", default="hash:384",
                        help="hash:384 (the store and cutting, no model time) or minilm")
    parser.add_argument("--tickets", type=int, default=200,
                        help="how many of the longest tickets go in the folder case")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="ours", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    bodies = ticket_bodies()
    baseline_sizes = {float(s) for s in args.baseline_sizes.split(",") if s}
    print(f"embeddings: {args.embeddings}")
    print(f"{'case':<22}{'mode':<10}{'chunks':>8}{'ingest s':>10}{'mine s':>9}"
          f"{'peak MB':>9}{'store B/B':>11}{'quoted':>9}")
    rows: list[tuple[str, str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        cases: list[tuple[str, Path, int]] = []
        for size in (float(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"note-{size:g}mb.txt"
            path.write_text(one_line_record(bodies, int(size * 1_000_000)), encoding="utf-8")
            cases.append((f"one record {size:g} MB", path, path.stat().st_size))
        folder = Path(tmp) / "tickets"
        folder.mkdir()
        for i, body in enumerate(sorted(bodies, key=len, reverse=True)[:args.tickets]):
            (folder / f"ticket-{i:04d}.md").write_text(body, encoding="utf-8")
        cases.append((f"{args.tickets} long tickets", folder, disk_bytes(folder)))
        for name, path, size in cases:
            modes = ["ours"] + (["baseline"] if name.startswith("one record") and float(
                name.split()[2]) in baseline_sizes or not name.startswith("one") else [])
            for mode in modes:
                r = run(mode, path, args.embeddings, size)
                rows.append((name, mode, r))
                print(f"{name:<22}{mode:<10}{r['chunks']:>8}{r['ingest_s']:>10.1f}"
                      f"{r['mine_s']:>9.1f}{r['peak_mb']:>9.0f}"
                      f"{r['bytes_per_input_byte']:>11.1f}{r['quoted']:>5}/{r['statements']}",
                      flush=True)
    print()
    ours = [(n, r) for n, m, r in rows if m == "ours" and n.startswith("one record")]
    for (n1, a), (n2, b) in zip(ours, ours[1:], strict=False):
        print(f"{n1} -> {n2}: ingest x{b['ingest_s'] / a['ingest_s']:.2f}, mining "
              f"x{b['mine_s'] / max(a['mine_s'], 1e-9):.2f}, store "
              f"x{b['store_bytes'] / a['store_bytes']:.2f}, peak memory "
              f"x{b['peak_mb'] / a['peak_mb']:.2f} (input x2 each step)")
    for name, mode, base in rows:
        if mode != "baseline":
            continue
        mine = next(r for n, m, r in rows if n == name and m == "ours")
        print(f"{name}: ingest {base['ingest_s'] / mine['ingest_s']:.1f}x faster, store "
              f"{base['store_bytes'] / mine['store_bytes']:.1f}x smaller, peak memory "
              f"{base['peak_mb'] / mine['peak_mb']:.1f}x lower than the copying baseline")


if __name__ == "__main__":
    main()
