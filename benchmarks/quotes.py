"""Cutting quotes from raw text: the product's cut against a naive longest-stretch search.

Corpus: the 1,500 NLBSE GitHub issues (``../shared/data/tickets_nlbse/issues_test.csv``),
each body cleaned as ingestion cleans it; every sentence of the cleaned body is cut from
the raw body (the work mining and drafting do for each statement); each raw body is
flattened once for both methods.

- icp:   ``agent.base.quotes.RawSource.cut``: the sentence when verbatim; else every
         stretch of whole words, longest first, until the raw text holds one (a long
         absent needle fails fast).
- naive: the standard library's longest common substring (``difflib.SequenceMatcher``,
         character level) between sentence and raw text, trimmed to whole words.

The two may differ where cleaning split a word (the count of equal quotes is printed).
Usage: python benchmarks/quotes.py [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.base.quotes import MIN_CUT_WORDS, RawSource, bare, flat  # noqa: E402
from retrieval.clean import clean_text  # noqa: E402
from retrieval.mining.statements import sentences  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "tickets_nlbse" / "issues_test.csv"


def naive_cut(sentence: str, source: str) -> str | None:
    wanted = bare(sentence)
    if wanted in source:
        return wanted
    match = SequenceMatcher(None, wanted, source, autojunk=False).find_longest_match()
    words = wanted[match.a:match.a + match.size].split(" ")
    if match.a > 0 and wanted[match.a - 1] != " ":
        words = words[1:]  # a partial first word
    end = match.a + match.size
    if end < len(wanted) and wanted[end] != " ":
        words = words[:-1]
    stretch = " ".join(words).strip(" ,;:-–—(")
    least = max(MIN_CUT_WORDS, (len(wanted.split(" ")) + 1) // 2)
    return stretch if len(stretch.split()) >= least else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=1500, help="issues to read")
    args = parser.parse_args()
    csv.field_size_limit(1 << 30)
    with DATA.open(encoding="utf-8") as fh:
        bodies = [row["body"] for row in csv.DictReader(fh)][:args.limit]
    work = [(raw, list(sentences(clean_text(raw)))) for raw in bodies]
    count = sum(len(s) for _, s in work)
    start = time.perf_counter()
    ours = [q for raw, ss in work for q in map(RawSource([raw]).cut, ss)]
    icp = time.perf_counter() - start
    start = time.perf_counter()
    theirs = [naive_cut(s, source) for raw, ss in work for source in [flat(raw)] for s in ss]
    naive = time.perf_counter() - start
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    flat_sentences = [bare(s) for _, ss in work for s in ss]
    cut = sum(1 for q, s in zip(ours, flat_sentences, strict=True) if q and q != s)
    print(f"{len(bodies)} issues, {count} sentences; {cut} shortened to a raw stretch, "
          f"{sum(q is None for q in ours)} with none")
    print(f"icp   {icp:6.2f} s  ({count / icp:,.0f} sentences/s)")
    print(f"naive {naive:6.2f} s  ({count / naive:,.0f} sentences/s)")
    print(f"ratio {naive / icp:.1f}x faster; same quote for {same} of {count} sentences")


if __name__ == "__main__":
    main()
