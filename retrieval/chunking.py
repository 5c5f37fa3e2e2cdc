"""Structure-aware chunking: one record is one chunk unless it exceeds the model's window.

A record (a CRM row, a note, a ticket, a speaker turn) is the natural unit of evidence,
so it stays whole when it fits the embedding model's token window. Longer records are
split on paragraph, line and sentence boundaries by LangChain's recursive splitter,
measured in the model's own tokens, and every part of a ticket keeps its title so it can
be found on its own.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator

from langchain_text_splitters import RecursiveCharacterTextSplitter

from agent.base.quotes import RAW_AT_KEY, RAW_REF_KEY, WINDOW_FROM, encode_raw, flat, raw_ref
from retrieval.records import Chunk, EvidenceRecord, Kind

TokenCounter = Callable[[str], int]


def chunk_id(source_key: str, locator: str, part: int, text: str,
             fields: dict[str, str | int | float], raw: str = "") -> str:
    """Content-addressed id: same file, place, text, fields and raw text (its reference,
    itself content-addressed) give the same id every run."""
    key = "\x1f".join(
        (source_key, locator, str(part), text, json.dumps(fields, sort_keys=True), raw)
    ).encode("utf-8")
    return hashlib.sha256(key).hexdigest()[:32]


class Chunker:
    """Turns records into chunks that fit ``max_tokens`` of the embedding model."""

    def __init__(self, count_tokens: TokenCounter, max_tokens: int = 250,
                 overlap_tokens: int = 24) -> None:
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=max_tokens,
            chunk_overlap=overlap_tokens,
            length_function=count_tokens,
            separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
            keep_separator="end",
        )

    def fits(self, text: str) -> bool:
        # A word piece covers at least one character, so short texts need no tokenizing.
        return len(text) + 2 <= self.max_tokens or self.count_tokens(text) <= self.max_tokens

    def split(self, record: EvidenceRecord) -> list[str]:
        if self.fits(record.text):
            return [record.text]
        prefix = ""
        body = record.text
        if record.kind == Kind.TICKET and record.title and body.startswith(record.title):
            prefix = record.title + "\n"
            body = body[len(record.title):].lstrip()
        budget_prefix = self.count_tokens(prefix) if prefix else 0
        if budget_prefix > self.max_tokens // 3:
            prefix = ""  # an enormous title: split the whole text instead
            body = record.text
        elif prefix:
            self._splitter._chunk_size = self.max_tokens - budget_prefix
        try:
            parts = [p.strip() for p in self._splitter.split_text(body) if p.strip()]
        finally:
            self._splitter._chunk_size = self.max_tokens
        return [prefix + part for part in parts] or [record.text]

    def chunks(self, record: EvidenceRecord, source_key: str, source_file: str) -> Iterator[Chunk]:
        parts = self.split(record)
        source_id = f"{source_file}#{record.locator}"
        raw = raw_entry(record, source_key)
        places = raw_places(record.raw, parts) if raw else {}
        for index, text in enumerate(parts):
            metadata: dict[str, str | int | float] = {
                "source_id": source_id,
                "source_key": source_key,
                "source_file": source_file,
                "kind": record.kind.value,
                "locator": record.locator,
                "chunk_index": index,
                "chunk_count": len(parts),
            }
            if record.title:
                metadata["title"] = record.title[:300]
            metadata.update(record.fields)
            if raw:
                metadata[RAW_REF_KEY] = raw[0]
            if index in places:  # where a part of a long record lies in its raw text
                metadata[RAW_AT_KEY] = places[index]
            yield Chunk(chunk_id(source_key, record.locator, index, text, record.fields,
                                 raw[0] if raw else ""), text, metadata, raw)


def raw_entry(record: EvidenceRecord, source_key: str) -> tuple[str, str] | None:
    """The record's raw texts as stored once for all its chunks: ``(reference, encoded)``,
    the reference a digest of the file, the place and the texts; None when the record's
    text is its own raw text."""
    if not record.raw or record.raw == [record.text]:
        return None
    encoded = encode_raw(record.raw)
    return raw_ref(source_key, record.locator, encoded), encoded



ANCHOR_WORDS = 8  # a part is found in its raw text by its first words ...
ANCHOR_REACH = 200_000  # ... looked for this far past the previous part's place


def raw_places(raws: list[str], parts: list[str]) -> dict[int, str]:
    """Where each part of a long record starts in its raw texts (``"text:offset"`` in the
    flattened text), found in order, each search starting at the previous part's place: one
    pass over the record. Parts not found (cleaning changed their first words) have none."""
    if len(parts) < 2 or sum(map(len, raws)) <= WINDOW_FROM:
        return {}
    texts = [flat(r) for r in raws]
    shared = len(os.path.commonprefix(parts))  # a ticket's title heads every part
    places: dict[int, str] = {}
    which, at = 0, 0
    for index, part in enumerate(parts):
        words = flat(part[shared:]).split(" ")
        for start in range(0, min(len(words), 3 * ANCHOR_WORDS), ANCHOR_WORDS):
            anchor = " ".join(words[start:start + ANCHOR_WORDS])
            if len(anchor) < 20:
                break
            found = next(((j, pos) for j in range(which, len(texts))
                          if (pos := texts[j].find(anchor, at if j == which else 0,
                                                   (at if j == which else 0) + ANCHOR_REACH))
                          >= 0), None)
            if found:
                which, at = found
                places[index] = f"{which}:{at}"
                break
    return places
