"""Evidence verification: every quote must appear verbatim in the raw text of the chunk it
cites (the cell or turn as read, :mod:`agent.base.quotes`).

Run on every ICP before it is saved, whichever engine wrote it. A claim left without
verified evidence is dropped and counted, never saved.
"""

from __future__ import annotations

from agent.base.quotes import QuoteIndex
from agent.icp.model import ICPDocument
from retrieval.corpus import Corpus
from retrieval.mining.models import Evidence


class Verifier:
    def __init__(self, corpus: Corpus) -> None:
        self.index = QuoteIndex((c.id, c.raw) for c in corpus.chunks)
        self.by_source: dict[str, list[str]] = {}
        for chunk in corpus.chunks:
            self.by_source.setdefault(str(chunk.meta.get("source_id")), []).append(chunk.id)

    def check(self, evidence: Evidence) -> bool:
        """True when the quote is verbatim (up to whitespace) in the cited chunk's raw text;
        fills
        ``chunk_id`` when only the source id was given."""
        candidates = [evidence.chunk_id] if evidence.chunk_id in self.index.flat else \
            self.by_source.get(evidence.source_id, [])
        if evidence.cites == "record":  # a deal row: it must be in the store, as cited
            return bool(candidates) and (evidence.chunk_id or candidates[0]) in candidates
        chunk_id = self.index.find(evidence.quote, candidates)
        if chunk_id is None:
            return False
        evidence.chunk_id = chunk_id
        return True

    def locate(self, quote: str, chunk_ids: list[str]) -> str | None:
        """The first of ``chunk_ids`` whose text holds ``quote`` verbatim, if any."""
        return self.index.find(quote, chunk_ids)


def ground(doc: ICPDocument, corpus: Corpus) -> ICPDocument:
    """Drop unverifiable quotes, then claims with no evidence left; record the counts."""
    verifier = Verifier(corpus)
    checked = dropped = 0
    examples: list[str] = list(doc.grounding.dropped_examples)
    for group_name in ("criteria", "pain_points", "jobs", "value", "triggers", "personas",
                       "exclusions"):
        kept_entries = []
        for entry in getattr(doc, group_name):
            good = []
            for ev in entry.evidence:
                checked += 1
                if verifier.check(ev):
                    good.append(ev)
                else:
                    dropped += 1
                    if len(examples) < 10:
                        examples.append(f"{ev.source_id}: “{ev.quote[:120]}”")
            if good:
                entry.evidence = good
                kept_entries.append(entry)
        setattr(doc, group_name, kept_entries)
    doc.grounding.checked += checked
    doc.grounding.dropped += dropped
    doc.grounding.dropped_examples = examples
    return doc
