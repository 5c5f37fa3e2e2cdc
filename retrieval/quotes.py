"""The one rule for quotes: a quote is verbatim in its source.

"Verbatim" means the same characters in the same order, with two allowances and no more:
runs of whitespace (line breaks, wrapping, non-breaking spaces) count as one space, and
quotation marks the model put around the quote are not part of it. Case, punctuation and
markup (the backticks of ```yarn```) must match. Evidence text keeps inline markup for this
reason (see :mod:`retrieval.clean`), so a quote shown to a user can be found in the
original file. Every check in the product uses this module: ICP grounding, LLM labels,
fit and extraction verdicts, the chat's quotation check and the eval graders.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MIN_QUOTE_CHARS = 3  # shorter "quotes" ("a", "ok") are found anywhere and prove nothing
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


class QuoteIndex:
    """Many sources, flattened once, for checking many quotes against them."""

    def __init__(self, sources: Iterable[tuple[str, str]]) -> None:
        self.flat = {key: flat(text) for key, text in sources}

    def holds(self, key: str, quote: str) -> bool:
        return _found(bare(quote), self.flat.get(key, ""))

    def find(self, quote: str, keys: Iterable[str]) -> str | None:
        """The first of ``keys`` whose source holds ``quote`` verbatim, if any."""
        wanted = bare(quote)
        return next((k for k in keys if _found(wanted, self.flat.get(k, ""))), None)


def grounding_rate(quotes: Iterable[str], source: str) -> float | None:
    """Share of ``quotes`` verbatim in ``source``; None when there are no quotes."""
    quotes = list(quotes)
    if not quotes:
        return None
    text = flat(source)
    return sum(_found(bare(q), text) for q in quotes) / len(quotes)
