"""The one rule for quotes: a quote is verbatim in its raw source.

The source of a quote is the raw text of the cell, turn or file it came from, as read,
before any cleaning: it is stored once per record and every chunk refers to it (metadata
``raw_ref``; the corpus puts the texts themselves under ``raw``, :func:`raw_texts`), cleaning
may drop markup for embedding and mining, and every quote shown is cut from the raw text
by :meth:`RawSource.cut` (the cleaned sentence when the raw text holds it, else its
longest stretch of whole words that the raw text holds).

"Verbatim" means the same characters in the same order, with two allowances and no more:
runs of whitespace (line breaks, wrapping, non-breaking spaces) count as one space, and
quotation marks the model put around the quote are not part of it. Case, punctuation and
markup (the backticks of ```yarn```) must match. Every check in the product uses this
module: ICP grounding, LLM labels, fit and extraction verdicts, the chat's quotation check
and the eval graders.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MIN_QUOTE_CHARS = 3  # shorter "quotes" ("a", "ok") are found anywhere and prove nothing
MIN_CUT_WORDS = 4  # a stretch cut from a sentence keeps this many words and half of them
RAW_KEY = "raw"  # the raw texts a chunk was made from (a JSON list as stored, or the list)
RAW_REF_KEY = "raw_ref"  # chunk metadata: the stored record-level entry holding them
RAW_AT_KEY = "raw_at"  # chunk metadata: "text:offset" where a long record's part starts
_SPACE = re.compile(r"\s+")
_MARKS = "\"“”„'‘’« »"


def flat(text: str) -> str:
    """``text`` in the form quotes are compared in (NFC, whitespace runs as one space)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def bare(quote: str) -> str:
    """A quote without the quotation marks around it, in comparable form."""
    return flat(quote).strip(_MARKS)


def is_verbatim(quote: str, source: str) -> bool:
    """True when ``quote`` appears verbatim in ``source`` (see the module's rule)."""
    return _found(bare(quote), flat(source))


def _found(quote: str, flat_source: str) -> bool:
    return len(quote) >= MIN_QUOTE_CHARS and quote in flat_source


def raw_texts(text: str, meta: Mapping[str, Any]) -> list[str]:
    """The raw texts a chunk was made from (its cells or turn as read): the list the corpus
    resolved from the record's stored entry, or a JSON list (chunks stored before records
    kept theirs once); a chunk with none is its own source."""
    stored = meta.get(RAW_KEY)
    if isinstance(stored, list):
        return stored
    if isinstance(stored, str) and stored:
        texts = decode_raw(stored)
        if texts is not None:
            return texts
    return [text]


def encode_raw(texts: Sequence[str]) -> str:
    """Raw texts as stored (Chroma holds scalars only)."""
    return json.dumps([t for t in texts if t], ensure_ascii=False)


def raw_ref(source_key: str, locator: str, encoded: str) -> str:
    """The reference of a record's stored raw texts: a digest of the file, the place and
    the texts (so a changed text is a new entry, and its chunks new chunks)."""
    return hashlib.sha256("\x1f".join((source_key, locator, encoded)).encode("utf-8")
                          ).hexdigest()[:32]


def decode_raw(stored: str) -> list[str] | None:
    """The raw texts of :func:`encode_raw`; None for anything else."""
    try:
        texts = json.loads(stored)
    except ValueError:
        return None
    if isinstance(texts, list) and all(isinstance(t, str) for t in texts):
        return texts
    return None


_FLAT_MEMO: OrderedDict[int, tuple[Sequence[str], list[str]]] = OrderedDict()
_FLAT_MEMO_SIZE = 256


def flat_all(texts: Sequence[str]) -> list[str]:
    """Each of ``texts`` flattened; the chunks of one record share one list of raw texts,
    so it is flattened once for all of them (remembered by identity, the list held)."""
    hit = _FLAT_MEMO.get(id(texts))
    if hit is not None and hit[0] is texts:
        _FLAT_MEMO.move_to_end(id(texts))
        return hit[1]
    flattened = [flat(t) for t in texts]
    if sum(map(len, texts)) > 4096:  # small texts are cheaper to flatten than to remember
        _FLAT_MEMO[id(texts)] = (texts, flattened)
        if len(_FLAT_MEMO) > _FLAT_MEMO_SIZE:
            _FLAT_MEMO.popitem(last=False)
    return flattened


def _bounded(quote: str, flat_source: str) -> bool:
    """``quote`` in the source, starting and ending on word boundaries there."""
    if quote not in flat_source:
        return False
    pattern = (r"(?<!\w)" if quote[:1].isalnum() else "") + re.escape(quote) + (
        r"(?!\w)" if quote[-1:].isalnum() else "")
    return re.search(pattern, flat_source) is not None


def _cut(sentence: str, sources: Sequence[str]) -> str | None:
    wanted = bare(sentence)
    if any(_found(wanted, s) for s in sources):
        return wanted
    words = wanted.split(" ")
    least = max(MIN_CUT_WORDS, (len(words) + 1) // 2)
    # longest stretch first: a long needle that is absent fails fast (the search skips
    # by its length), so this beats growing runs word by word (benchmarks/quotes.py)
    best: tuple[int, int] = (0, 0)
    for size in range(len(words) - 1, least - 1, -1):
        found = next((start for start in range(len(words) - size + 1) if any(
            _bounded(" ".join(words[start:start + size]), s) for s in sources)), None)
        if found is not None:
            best = (found, found + size)
            break
    stretch = " ".join(words[best[0]:best[1]]).strip(" ,;:-–—(")
    return stretch if len(stretch.split()) >= least and len(stretch) >= MIN_QUOTE_CHARS \
        else None


class QuoteIndex:
    """Many sources, flattened once, for checking many quotes against them. A key may
    have several raw texts (the cells of one record); a quote must lie in one of them."""

    def __init__(self, sources: Iterable[tuple[str, str | Sequence[str]]]) -> None:
        self.flat: dict[str, list[str]] = {
            key: [flat(texts)] if isinstance(texts, str) else flat_all(texts)
            for key, texts in sources}

    def holds(self, key: str, quote: str) -> bool:
        wanted = bare(quote)
        return any(_found(wanted, s) for s in self.flat.get(key, ()))

    def find(self, quote: str, keys: Iterable[str]) -> str | None:
        """The first of ``keys`` whose source holds ``quote`` verbatim, if any."""
        wanted = bare(quote)
        return next((k for k in keys if any(_found(wanted, s) for s in self.flat.get(k, ()))),
                    None)


WINDOW_FROM = 100_000  # raw texts longer than this are searched near the chunk first
WINDOW_MIN = 20_000  # characters either side of where the chunk lies in its raw text
WINDOW_BEFORE, WINDOW_AFTER = 2_000, 40_000  # around the place a chunk was found at ingest


class RawSource:
    """One record's raw texts, flattened once (when first needed), to cut many quotes
    from. ``part`` (the chunk's index and the record's chunk count) says where the chunk
    lies: in a long raw text (a pasted transcript of megabytes) its quotes are looked for
    in the stretch around that place first, so cutting grows with the record, not with its
    square; a sentence not found there is still checked against the whole text."""

    def __init__(self, raws: Sequence[str], part: tuple[int, int] | None = None,
                 at: str = "") -> None:
        self.raws = raws
        self.part = part
        self.at = at  # "text:offset" where the chunk starts (found at ingest), if known
        self._flat: list[str] | None = None
        self._near: list[str] | None = None

    def cut(self, sentence: str) -> str | None:
        """The quote of ``sentence`` that the raw texts hold: the sentence when it is
        verbatim there, else its longest stretch of whole words that is (at least
        ``MIN_CUT_WORDS`` and half of them); None when no such stretch exists."""
        if self._flat is None:
            self._flat = flat_all(self.raws)
            self._near = _near(self._flat, self.part, self.at)
        if self._near is None:
            return _cut(sentence, self._flat)
        found = _cut(sentence, self._near)
        if found is not None:
            return found
        wanted = bare(sentence)
        return wanted if any(_found(wanted, s) for s in self._flat) else None


def _near(texts: list[str], part: tuple[int, int] | None, at: str = "") -> list[str] | None:
    """The stretch of the long texts around the chunk's place, cut at spaces: from where
    ingest found the chunk (``at``), else in proportion to its index; None when the texts
    are short or the place is not known."""
    if part is None or part[1] < 2 or sum(map(len, texts)) <= WINDOW_FROM:
        return None
    which, _, offset = at.partition(":")
    if which.isdigit() and offset.isdigit() and int(which) < len(texts):
        text = texts[int(which)]
        return [_stretch(text, int(offset) - WINDOW_BEFORE, int(offset) + WINDOW_AFTER)]
    index, count = part
    out = []
    for text in texts:
        half = max(WINDOW_MIN, 5 * len(text) // count)
        middle = int((index + 0.5) * len(text) / count)
        out.append(_stretch(text, middle - half, middle + half))
    return out


def _stretch(text: str, start: int, end: int) -> str:
    """``text[start:end]`` widened to whole words."""
    start, end = max(0, start), min(len(text), end)
    if start:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    return text[start:end]


def grounding_rate(quotes: Iterable[str], source: str) -> float | None:
    """Share of ``quotes`` verbatim in ``source``; None when there are no quotes."""
    quotes = list(quotes)
    if not quotes:
        return None
    text = flat(source)
    return sum(_found(bare(q), text) for q in quotes) / len(quotes)
