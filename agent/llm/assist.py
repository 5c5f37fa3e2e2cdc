"""LLM assistance for mining and drafting: theme labels, the ICP summary, personas.

The model only writes labels and prose from evidence the offline engine already found.
Evidence goes into prompts delimited as data (and redacted of e-mail addresses and phone
numbers unless the endpoint is local or redaction is off). Each answer must quote the
evidence verbatim: a claim with no verifiable quote is dropped and counted, and the
offline text stays. A failed call (invalid output after the re-asks, timeout, refusal)
keeps the offline text and is reported in the document's notes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from agent.base.errors import LLMError, LLMUnavailable
from agent.base.quotes import bare
from agent.icp.grounding import Verifier
from agent.icp.model import ICPDocument
from agent.llm.client import StructuredLLM
from agent.llm.echo import echoes, instructions
from agent.llm.prompts import PromptFile, load_prompt
from agent.llm.redact import redact
from agent.llm.schemas import ICPSummary, PersonaSummary, ThemeLabel
from retrieval.corpus import Corpus
from retrieval.mining.models import Evidence, MiningResult

log = logging.getLogger(__name__)
MAX_THEMES = 8


@dataclass
class AssistReport:
    claims: int = 0
    dropped: int = 0
    failures: list[str] = field(default_factory=list)

    def notes(self, model: str) -> list[str]:
        out = []
        if self.failures:
            out.append(f"The LLM ({model}) failed on {len(self.failures)} request(s); the offline "
                       f"engine's text was kept there. First failure: {self.failures[0][:240]}")
        if self.dropped:
            out.append(f"{self.dropped} of {self.claims} LLM-written claims were dropped: their "
                       "quotes were not found verbatim in the evidence, or they repeated the "
                       "prompt instead of describing the evidence.")
        return out


class Assistant:
    def __init__(self, llm: StructuredLLM, corpus: Corpus, redact_pii: bool = True,
                 prompt_versions: dict[str, str] | None = None) -> None:
        self.llm = llm
        self.verifier = Verifier(corpus)
        self.redact_pii = redact_pii
        self.versions = prompt_versions or {}
        self.report = AssistReport()
        self.unavailable = False

    def _prompt(self, task: str) -> PromptFile:
        return load_prompt(task, self.versions.get(task))

    def _evidence_block(self, items: Sequence[Evidence]) -> str:
        lines = []
        for i, ev in enumerate(items, start=1):
            who = ", ".join(x for x in (ev.account, ev.outcome, ev.speaker) if x)
            text = redact(ev.quote) if self.redact_pii else ev.quote
            lines.append(f"[{i}] ({ev.source_id}{'; ' + who if who else ''})\n\"\"\"{text}\"\"\"")
        return "\n".join(lines)

    def _grounded(self, quotes: list[str], given: Sequence[Evidence]) -> list[Evidence]:
        """The model's quotes that are verbatim in the chunks of the evidence it was given."""
        chunk_ids = [e.chunk_id for e in given if e.chunk_id]
        by_chunk = {e.chunk_id: e for e in given}
        found = []
        for quote in quotes:
            chunk_id = self.verifier.locate(quote, chunk_ids)
            if chunk_id is not None:
                src = by_chunk[chunk_id]
                found.append(src.model_copy(update={"quote": bare(quote)}))
        return found

    def _echoes(self, prompt: PromptFile, schema: type[BaseModel], texts: Sequence[str],
                given: Sequence[Evidence], context: str = "") -> bool:
        """True when a text of the answer repeats the prompt or schema (see
        :mod:`agent.llm.echo`); ``context`` is input the model may rightly repeat."""
        told = instructions(prompt, schema)
        seen = [e.quote for e in given] + [context]
        return any(echoes(text, told, seen) for text in texts)

    def _attempt(self, what: str, call: Callable[[], object]) -> object | None:
        if self.unavailable:
            self.report.failures.append(f"{what}: skipped, the model is unavailable")
            return None
        try:
            return call()
        except LLMError as exc:
            log.warning("LLM failed for %s: %s", what, exc)
            self.report.failures.append(f"{what}: {exc}")
            self.unavailable = isinstance(exc, LLMUnavailable)
            return None

    def label_themes(self, mining: MiningResult) -> None:
        prompt = self._prompt("theme_label")
        for theme in mining.themes[:MAX_THEMES]:
            out = self._attempt(f"theme '{theme.label}'", functools.partial(
                self.llm.ask, prompt, ThemeLabel, quotes=self._evidence_block(theme.quotes),
                keyphrases=", ".join(theme.keyphrases) or theme.label))
            if not isinstance(out, ThemeLabel):
                continue
            self.report.claims += 1
            support = self._grounded(out.quotes, theme.quotes)
            if not support or self._echoes(prompt, ThemeLabel, (out.label, out.summary),
                                           theme.quotes):
                self.report.dropped += 1
                continue
            theme.label, theme.summary, theme.label_source = out.label.strip(), out.summary, \
                f"llm:{self.llm.model}"

    def summarise(self, doc: ICPDocument) -> None:
        evidence = [e for group in (doc.criteria, doc.pain_points, doc.triggers, doc.exclusions)
                    for item in group for e in item.evidence[:2]][:14]
        if not evidence:
            return
        findings = "\n".join(
            [f"- criterion: {c.statement}" for c in doc.criteria]
            + [f"- pain point: {p.label} ({p.size} mentions, {p.accounts} accounts)"
               for p in doc.pain_points[:5]]
            + [f"- trigger: {t.statement}" for t in doc.triggers]
            + [f"- exclusion: {x.statement}" for x in doc.exclusions]
            + [f"- note: {n}" for n in doc.notes])
        prompt = self._prompt("icp_summary")
        out = self._attempt("ICP summary", lambda: self.llm.ask(
            prompt, ICPSummary, findings=findings, quotes=self._evidence_block(evidence)))
        if not isinstance(out, ICPSummary):
            return
        self.report.claims += 1
        if self._grounded(out.quotes, evidence) and not self._echoes(
                prompt, ICPSummary, (out.summary,), evidence, findings):
            doc.summary = out.summary.strip()
        else:
            self.report.dropped += 1

    def describe_personas(self, doc: ICPDocument) -> None:
        prompt = self._prompt("persona_summary")
        for persona in doc.personas:
            out = self._attempt(f"persona '{persona.role}'", functools.partial(
                self.llm.ask, prompt, PersonaSummary, role=persona.role,
                titles=", ".join(persona.titles),
                quotes=self._evidence_block(persona.evidence)))
            if not isinstance(out, PersonaSummary):
                continue
            self.report.claims += 1
            if self._grounded(out.quotes, persona.evidence) and not self._echoes(
                    prompt, PersonaSummary, (out.summary,), persona.evidence,
                    f"{persona.role} {' '.join(persona.titles)}"):
                persona.summary = out.summary.strip()
            else:
                self.report.dropped += 1

    def finish(self, doc: ICPDocument) -> None:
        doc.engine = f"llm:{self.llm.model} (statistics and evidence: offline engine)"
        doc.grounding.llm_claims += self.report.claims
        doc.grounding.llm_claims_dropped += self.report.dropped
        doc.notes.extend(self.report.notes(self.llm.model))
