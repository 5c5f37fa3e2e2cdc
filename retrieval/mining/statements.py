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

from retrieval.mining.roles import is_vendor_side

MIN_WORDS, MAX_WORDS, MAX_CHARS = 4, 70, 500
TEMPLATE_MIN_REPEATS, TEMPLATE_SHARE = 4, 0.004

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+(?=\s|$)|(?=\n)|$)")
PROBLEM_CUES = re.compile(
    r"struggl|problem|\bissue|\bpain|\bhurt|frustrat|annoy|broke|\bbreak|\bfail|error|crash|"
    r"\bbug\b|\bwrong|inaccura|can[' ]?no?t\b|can't|\bunable|doesn'?t work|does not work|"
    r"not work|no way to|\bslow|time[sd]? ?out|too (expensive|small|long|complex|much|many)|"
    r"expensive|manual|by hand|spreadsheet|\bwaste|duplicat|\bmissing|\black|\blost\b|losing|"
    r"churn|nobody|no one|disagree|argu(e|ing|ment)|stuck|block|hard to|difficult|confus|"
    r"\bworr|concern|\brisk|\bneed|\bwant|\bwish|request|would like|please add|support for|"
    r"should be able|instead of|keeps? |every (day|week|monday|friday|quarter)|"
    r"spend[s]? .{0,20}(hours|days|minutes)|no (budget|owner|connector)|not clear|unclear",
    re.I,
)
_MOSTLY_CODE = re.compile(r"[{}();=<>\[\]_/\\|`$#@]")


@dataclass
class Statement:
    """One verbatim problem sentence and where it came from."""

    id: str
    text: str
    chunk_id: str
    source_id: str
    kind: str
    type: str  # complaint | loss_reason | ticket_title
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        return str(self.meta.get("outcome", "unknown"))


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


def _statement(chunk_id: str, text: str, kind_type: str, meta: dict[str, Any]) -> Statement:
    digest = hashlib.sha256(f"{chunk_id}\x1f{text}".encode()).hexdigest()[:16]
    return Statement(digest, text, chunk_id, str(meta.get("source_id", chunk_id)),
                     str(meta.get("kind", "")), kind_type, meta)


def statements_in_chunk(chunk_id: str, text: str, meta: dict[str, Any],
                        vendor: str = "") -> Iterator[Statement]:
    """Problem statements in one chunk; every ``text`` is a substring of the chunk."""
    kind = meta.get("kind")
    if kind == "transcript" and is_vendor_side(str(meta.get("role", "")), vendor):
        return
    body = text
    if kind == "winloss" and meta.get("locator", "").startswith("row="):
        first, _, body = text.partition("\n")  # the first line describes the deal
        for line in body.split("\n"):
            if line.startswith("Reason: ") and len(line) > len("Reason: ") + 1:
                yield _statement(chunk_id, line[len("Reason: "):], "loss_reason", meta)
        body = "\n".join(line for line in body.split("\n") if not line.startswith("Reason: "))
    title = str(meta.get("title", ""))
    if kind == "ticket" and title and text.startswith(title) and meta.get("chunk_index", 0) == 0:
        if len(title.split()) >= 3 and _looks_like_prose(title):
            yield _statement(chunk_id, title, "ticket_title", meta)
        body = text[len(title):]
    elif kind == "ticket" and title and text.startswith(title):
        body = text[len(title):]  # later parts repeat the title
    # a review's answer to a "cons" / "dislike" question is a pain by what it answers
    answers_pain = kind == "review" and meta.get("facet") == "pain"
    if kind == "review" and meta.get("facet") == "value":
        return  # what customers like is value, not a pain
    seen: set[str] = set()
    for sentence in sentences(body):
        if sentence in seen or not _looks_like_prose(sentence) or not (
                answers_pain or PROBLEM_CUES.search(sentence)):
            continue
        seen.add(sentence)
        yield _statement(chunk_id, sentence, "complaint", meta)


def _template_key(text: str) -> str:
    return re.sub(r"[^a-z]+", " ", text.lower()).strip()


def find_statements(chunks: Iterable[tuple[str, str, dict[str, Any]]],
                    vendor: str = "") -> list[Statement]:
    """All statements in ``(id, text, metadata)`` chunks, in a canonical order.

    Sentences that recur verbatim across many chunks are form or template text (issue
    templates, helpdesk macros), not a customer's words, and are dropped. Loss reasons
    are exempt: a CRM picklist repeats them by design.
    """
    chunks = list(chunks)
    found = [s for cid, text, meta in chunks for s in statements_in_chunk(cid, text, meta, vendor)]
    spread: dict[str, set[str]] = {}
    for s in found:
        spread.setdefault(_template_key(s.text), set()).add(s.chunk_id)
    limit = max(TEMPLATE_MIN_REPEATS, int(TEMPLATE_SHARE * len(chunks)))
    found = [s for s in found
             if s.type == "loss_reason" or len(spread[_template_key(s.text)]) < limit]
    found.sort(key=lambda s: s.id)
    return found
