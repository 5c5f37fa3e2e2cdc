"""What every chat tool returns: text for the user and the model, and its citations."""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval.mining.models import Evidence


@dataclass
class Citation:
    source: str  # an evidence source id (file#row) or a page URL
    quote: str

    def line(self) -> str:
        return f"“{self.quote}” [{self.source}]"


@dataclass
class ToolResult:
    text: str
    citations: list[Citation] = field(default_factory=list)
    ok: bool = True

    def for_model(self) -> str:
        """What a tool call answers to the LLM: the text plus its citations."""
        if not self.citations:
            return self.text
        return self.text + "\nQuotes (cite the id in brackets):\n" + "\n".join(
            f"- {c.line()}" for c in self.citations)


def cite(evidence: list[Evidence], limit: int = 2) -> list[Citation]:
    return [Citation(e.source_id, e.quote) for e in evidence[:limit]]
