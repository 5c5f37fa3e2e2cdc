"""The one quote rule (agent.base.quotes): verbatim up to whitespace and surrounding marks,
findable in the original file, and used by every check in the product."""

from __future__ import annotations

import csv
from pathlib import Path

from agent.base.quotes import QuoteIndex, bare, grounding_rate, is_verbatim
from agent.chat.agent import unverified_quotes
from agent.chat.tools_base import ToolResult
from retrieval.corpus import Corpus
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from retrieval.mining.statements import find_statements
from retrieval.store import EvidenceStore


def test_the_rule_allows_whitespace_and_marks_and_nothing_else() -> None:
    source = "Run `yarn install`\nand it  fails with EACCES."
    assert is_verbatim("“`yarn install` and it fails”", source)
    assert is_verbatim("it fails with EACCES.", source)
    assert not is_verbatim("yarn install and it fails", source)  # markup must match
    assert not is_verbatim("It fails with EACCES.", source)  # so must case
    assert not is_verbatim("it", source)  # too short to prove anything
    assert bare(' "a quote" ') == "a quote"
    assert grounding_rate(["fails with EACCES", "made up"], source) == 0.5
    index = QuoteIndex([("a", "nothing here"), ("b", source)])
    assert index.find("with  EACCES", ["a", "b"]) == "b" and not index.holds("a", "EACCES")


def test_the_chat_check_uses_the_same_rule() -> None:
    result = ToolResult(text="The export fails on `yarn build` every night.")
    assert unverified_quotes('They said "The export fails on `yarn build` every night."',
                             [result]) == []
    assert unverified_quotes('They said "the export fails on yarn build every night"',
                             [result]) == ["the export fails on yarn build every night"]


def test_statements_quoted_from_markdown_tickets_are_found_in_the_original_file(
        tmp_path: Path, embedder: Embedder, store: EvidenceStore) -> None:
    path = tmp_path / "tickets.csv"
    bodies = ["Running `yarn install` fails with EACCES on the **cache** folder.",
              "Our CI breaks because `yarn install` fails on a locked cache directory.",
              "`yarn install` keeps failing with permission denied after the upgrade.",
              "The `yarn install` step fails every night in the docker build.",
              "After upgrading node, `yarn install` crashes with a permission error.",
              "We cannot onboard new developers: `yarn install` fails on macOS.",
              "Builds with `yarn build` crash with an out of memory error.",
              "`yarn build` runs out of memory on our monorepo since 3.2.",
              "The `--watch` flag stops rebuilding after the first file change.",
              "Watch mode (`--watch`) never picks up changes to CSS files."]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["title", "body"])
        for i, body in enumerate(bodies):
            writer.writerow([f"Bug report {i}", f"## Describe the bug\n\n{body}"])
    assert Ingestor(store, embedder).ingest([path]).ok
    corpus = Corpus.load(store)
    quotes = [s.text for s in find_statements((c.id, c.text, c.meta) for c in corpus.chunks)]
    assert quotes and any("`yarn" in q for q in quotes)
    raw = path.read_text(encoding="utf-8")
    assert [q for q in quotes if not is_verbatim(q, raw)] == []
