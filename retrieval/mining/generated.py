"""Generated text: lines a tool wrote from a template, with a value spliced in.

Issue trackers, helpdesks and bots write the same frame into many records and fill it
with a value of the record: an automated-search link built from the issue's title, a
template's instructions, a bot's footer. Such a line is nobody's words, so it never
becomes a problem statement or a quote. It is recognised by its shape across records,
not by a word list:

- its *frame*: the words of the line that lie in a run of ``FRAME_WORDS`` words which
  recurs, verbatim, in the statements of at least ``limit`` distinct records, and whose
  words occur (nearly) only in that run: a tool's fixed text, not a common phrase ("is
  there any way to" recurs too, but each of its words recurs far more often elsewhere);
- its *copy*: the words of the line that repeat the record's own title (the value the
  tool spliced in).

A line is generated when its frame covers ``FRAME_SHARE`` of its words, or when frame and
copy together cover ``SPLICED_SHARE`` of them with the frame holding at least
``SPLICED_FRAME`` (a fixed frame around the record's own value).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

FRAME_WORDS = 5
COPY_WORDS = 3
EXCLUSIVE = 0.8  # records holding the run / records holding its rarest word
FRAME_SHARE = 0.6
SPLICED_SHARE = 0.8
SPLICED_FRAME = 0.3
_WORD = re.compile(r"\S+")


class _Line(Protocol):
    @property
    def clean(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def meta(self) -> dict[str, object]: ...


def _words(text: str) -> list[str]:
    return [w.strip(".,;:!?()[]{}\"'`*").lower() for w in _WORD.findall(text)]


def _runs(words: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


def _covered(words: Sequence[str], n: int, keep: set[tuple[str, ...]]) -> list[bool]:
    out = [False] * len(words)
    for i, run in enumerate(_runs(words, n)):
        if run in keep:
            out[i:i + n] = [True] * n
    return out


def generated_lines(lines: Sequence[_Line], limit: int) -> set[int]:
    """Indexes of the ``lines`` that a tool generated (see the module's rule)."""
    spread: dict[tuple[str, ...], set[str]] = defaultdict(set)
    holders: dict[str, set[str]] = defaultdict(set)
    words = [_words(line.clean) for line in lines]
    for line, ws in zip(lines, words, strict=True):
        for run in _runs(ws, FRAME_WORDS):
            spread[run].add(line.source)
        for word in ws:
            holders[word].add(line.source)
    frames = {run for run, sources in spread.items() if len(sources) >= limit and len(
        sources) >= EXCLUSIVE * min(len(holders[w]) for w in run)}
    out = set()
    for i, (line, ws) in enumerate(zip(lines, words, strict=True)):
        if len(ws) < FRAME_WORDS:
            continue
        frame = _covered(ws, FRAME_WORDS, frames)
        share = sum(frame) / len(ws)
        if share >= FRAME_SHARE:
            out.add(i)
            continue
        if share < SPLICED_FRAME:
            continue
        title = _words(str(line.meta.get("title", "")))
        copy = _covered(ws, COPY_WORDS, set(_runs(title, COPY_WORDS)))
        if sum(f or c for f, c in zip(frame, copy, strict=True)) / len(ws) >= SPLICED_SHARE:
            out.add(i)
    return out
