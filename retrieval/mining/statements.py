"""Finding problem statements in evidence chunks.

A problem statement is one sentence, kept verbatim, in which a customer complains,
is blocked, asks for something, or gives a reason for a loss. Detection is lexical
(cue patterns) so it is fast, explainable and deterministic; an LLM can later relabel
themes but never invents statements.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from agent.base.quotes import RAW_AT_KEY, RawSource, raw_texts
from retrieval.mining.chatter import (
    PROBLEM_CUES,
    chatter_reason,
    content_words,
    denies_answer,
    plans_not_problems,
    satisfied_answer,
)
from retrieval.mining.generated import generated_lines
from retrieval.mining.roles import is_vendor_side
from retrieval.mining.speech import clean_span, clean_speech

MIN_WORDS, MAX_WORDS, MAX_CHARS = 4, 70, 500
ANSWER_FACETS = ("pain", "job", "value")  # review questions whose every answer counts
TEMPLATE_MIN_REPEATS, TEMPLATE_SHARE = 4, 0.004

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+(?=[^\s.!?])[^.!?\n]*)*(?:[.!?]+(?=\s|$)|(?=\n)|$)")
_MOSTLY_CODE = re.compile(r"[{}();=<>\[\]_/\\|`$#@]")


@dataclass
class Statement:
    """One verbatim problem sentence and where it came from."""

    id: str
    text: str
    chunk_id: str
    source_id: str
    kind: str
    type: str  # complaint | loss_reason | ticket_title (pains) | job | value
    meta: dict[str, Any] = field(default_factory=dict)
    clean: str = ""  # what mining reads (cleaned); ``text`` is what is quoted
    # ``text`` is cut from the raw source (:mod:`agent.base.quotes`); "" when the raw text
    # holds no clean stretch of it: the statement is mined but never quoted

    def __post_init__(self) -> None:
        self.clean = self.clean or self.text

    @property
    def source(self) -> str:
        """Who voiced it, for recurrence: the account; else the person or record (a
        review, a ticket row); else the file (a meeting, a notes file)."""
        return recurrence_source(self.source_id, self.kind, self.meta)

    @property
    def outcome(self) -> str:
        return str(self.meta.get("outcome", "unknown"))


# a leading concessive clause ("While it offers many plans, the cost ...") grants a merit;
# the complaint is the main clause after it
_CONCESSIVE = re.compile(r"^(?:although|though|even though|while|whilst|despite|"
                         r"in spite of)\b[^,;]{3,}[,;]\s*", re.I)


def main_clause(sentence: str) -> str:
    """``sentence`` without a leading concessive clause, when enough is left."""
    rest = _CONCESSIVE.sub("", sentence, count=1)
    return rest if rest != sentence and len(rest.split()) >= MIN_WORDS else sentence


def _looks_like_prose(sentence: str) -> bool:
    words = sentence.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or len(sentence) > MAX_CHARS:
        return False
    letters = sum(c.isalpha() for c in sentence)
    return letters >= 0.6 * len(sentence) and len(_MOSTLY_CODE.findall(sentence)) <= 3


def sentences(text: str) -> Iterator[str]:
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0).strip()
        if sentence:
            yield sentence


PERSON_FIELDS = ("author", "reporter", "reviewer", "user", "customer", "contact", "email")


def recurrence_source(source_id: str, kind: str, meta: dict[str, Any]) -> str:
    if meta.get("account"):
        return "account:" + str(meta["account"]).lower()
    person = next((str(meta[f]) for f in PERSON_FIELDS if meta.get(f)), "")
    if person:
        return "person:" + person.lower()
    file, _, locator = source_id.partition("#")
    if kind != "transcript" and locator.startswith("row="):
        return f"{file}#{locator.split(':')[0]}"  # one row of an export: one person
    return file


def _statement(chunk_id: str, text: str, kind_type: str, meta: dict[str, Any],
               raw: RawSource, clean: str = "") -> Statement:
    """A statement whose quote is ``text`` as its raw source holds it."""
    digest = hashlib.sha256(f"{chunk_id}\x1f{text}".encode()).hexdigest()[:16]
    return Statement(digest, raw.cut(text) or "", chunk_id,
                     str(meta.get("source_id", chunk_id)), str(meta.get("kind", "")),
                     kind_type, meta, clean or text)


def _spoken(sentence: str) -> tuple[str, str]:
    """(quote, clean) for a transcribed sentence: the clean verbatim span when it keeps
    most of what was said, else the sentence as spoken."""
    clean = clean_speech(sentence)
    span = clean_span(sentence)
    said = len(content_words(clean))
    if len(span.split()) >= MIN_WORDS and 2 * len(content_words(span)) >= said:
        return span, clean
    return sentence, clean


def _part(meta: dict[str, Any]) -> tuple[int, int] | None:
    """Where a chunk lies in its record: (index, count)."""
    try:
        return int(meta["chunk_index"]), int(meta["chunk_count"])
    except (KeyError, TypeError, ValueError):
        return None


def statements_in_chunk(chunk_id: str, text: str, meta: dict[str, Any],
                        vendor: str = "") -> Iterator[Statement]:
    """Problem statements in one chunk; every ``text`` is verbatim in the chunk's raw
    text, or empty."""
    kind = meta.get("kind")
    if kind == "transcript" and is_vendor_side(str(meta.get("role", "")), vendor):
        return
    body = text
    raw = RawSource(raw_texts(text, meta), _part(meta), str(meta.get(RAW_AT_KEY, "")))
    if kind == "winloss" and meta.get("locator", "").startswith("row="):
        first, _, body = text.partition("\n")  # the first line describes the deal
        for line in body.split("\n"):
            if line.startswith("Reason: ") and len(line) > len("Reason: ") + 1:
                yield _statement(chunk_id, line[len("Reason: "):], "loss_reason", meta, raw)
        body = "\n".join(line for line in body.split("\n") if not line.startswith("Reason: "))
    title = str(meta.get("title", ""))
    if kind == "ticket" and title and text.startswith(title) and meta.get("chunk_index", 0) == 0:
        if len(title.split()) >= 3 and _looks_like_prose(title) and not chatter_reason(title):
            yield _statement(chunk_id, title, "ticket_title", meta, raw)
        body = text[len(title):]
    elif kind == "ticket" and title and text.startswith(title):
        body = text[len(title):]  # later parts repeat the title
    # a review answer is read by its question: cons / dislikes are pains, "problems
    # solved" answers are jobs to be done, likes / pros are value; denials are none
    facet = str(meta.get("facet", "")) if kind == "review" else ""
    kind_type = {"pain": "complaint", "job": "job", "value": "value"}.get(facet, "complaint")
    seen: set[str] = set()
    for sentence in sentences(body):
        quote, clean = _spoken(sentence) if kind == "transcript" else (sentence, sentence)
        if clean in seen or not _looks_like_prose(clean) or not (
                facet in ANSWER_FACETS or PROBLEM_CUES.search(clean)):
            continue
        question = str(meta.get("question", ""))
        if chatter_reason(clean) or facet and denies_answer(clean, question):
            continue
        if facet == "pain" and satisfied_answer(clean, question):
            continue  # satisfaction or praise under a dislikes question names no pain
        clean = main_clause(clean) if facet == "pain" else clean
        seen.add(clean)
        yield _statement(chunk_id, quote, kind_type, meta, raw, clean)


# identifiers: CamelCase, snake_case, dotted names, words with digits ("ValueError",
# "model.save", "#12241"): a form line filled with different ones is still the form line
_IDENTIFIER = re.compile(r"\S*(?:[a-z][A-Z]|[A-Za-z][_.][A-Za-z]|[A-Za-z]\d|#\d)\S*")


def _template_key(text: str) -> str:
    plain = re.sub(r"[^a-z]+", " ", text.lower()).strip()
    form = re.sub(r"[^a-z]+", " ", _IDENTIFIER.sub(" ", text).lower()).strip()
    return form if len(form.split()) >= 4 else plain  # "crashes in" is no form line


def find_statements(chunks: Iterable[tuple[str, str, dict[str, Any]]],
                    vendor: str = "") -> list[Statement]:
    """All statements in ``(id, text, metadata)`` chunks, in a canonical order.

    A review export's general answers give no pains when it has a dislikes question.
    Sentences that recur verbatim across many chunks are form or template text (issue
    templates, helpdesk macros), not a customer's words, and are dropped; so are lines a
    tool generated, a recurring frame with a value spliced in
    (:mod:`retrieval.mining.generated`). Loss reasons are exempt: a CRM picklist repeats
    them by design.
    """
    chunks = list(chunks)
    # a review export that asks for dislikes has its pains there; its general answers
    # ("overall") are commentary around them
    asks_pains = {m.get("source_file") for _, _, m in chunks
                  if m.get("kind") == "review" and m.get("facet") == "pain"}
    found = [s for cid, text, meta in chunks if not (
        meta.get("facet") == "general" and meta.get("source_file") in asks_pains)
        for s in statements_in_chunk(cid, text, meta, vendor)]
    # a meeting of one team (no account, nobody on the seller's side): its plans and the
    # meeting's mechanics are no problems
    calls = {m.get("source_file") for _, _, m in chunks if m.get("kind") == "transcript" and (
        m.get("account") or is_vendor_side(str(m.get("role", "")), vendor))}
    found = [s for s in found if not (s.kind == "transcript" and s.meta.get("source_file")
                                      not in calls and plans_not_problems(s.clean))]
    spread: dict[str, set[str]] = {}
    for s in found:
        spread.setdefault(_template_key(s.clean), set()).add(s.chunk_id)
    limit = max(TEMPLATE_MIN_REPEATS, int(TEMPLATE_SHARE * len(chunks)))
    found = [s for s in found
             if s.type == "loss_reason" or len(spread[_template_key(s.clean)]) < limit]
    free = [s for s in found if s.type != "loss_reason"]
    tool_made = {id(free[i]) for i in generated_lines(free, TEMPLATE_MIN_REPEATS)}
    found = [s for s in found if id(s) not in tool_made]
    found.sort(key=lambda s: s.id)
    return found
