"""Transcribed speech, cleaned for mining, and the clean verbatim span to quote.

Meeting and call transcripts carry what a person reading them skips: the corpus's
annotations (``{disfmarker}``, ``{vocalsound}``, ``[inaudible]``, ``(laughs)``),
timestamps, fillers ("um", "uh"), stutters ("the the") and false starts ("w we",
"s identify"). Mining must not see them: they would become a theme's keywords.

Quotes shown to people stay verbatim to the source, so this module gives two views of a
sentence: :func:`clean_speech` (what is segmented, embedded and clustered) and
:func:`clean_span` (the longest run of the original characters that needs no cleaning,
which is what gets quoted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A token: an annotation, a timestamp, a word (with inner apostrophes and hyphens), or
# one other non-space character (punctuation).
_TOKEN = re.compile(
    r"(?P<note>\{[^{}\s]{1,40}\}|\[[^\[\]]{1,40}\]|\((?:[a-z]+\s?){1,3}\))"
    r"|(?P<time>\b\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?\b)"
    r"|(?P<word>\w+(?:['’-]\w+)*)"
    r"|(?P<mark>\S)"
)
FILLERS_TEXT = """
um umm uh uhh er erm hmm hm mm mmm mhm ah eh uh-huh mm-hmm
"""
FILLERS = frozenset(FILLERS_TEXT.split())
# Real one- and two-letter words; anything else that short, before a word, is a false start.
_SHORT_WORDS_TEXT = """
a ad ai am an as at be by do eu go he hi i id if in is it me my no o of oh ok on or pc
so to tv ui uk up us ux vp we
"""
_SHORT_WORDS = frozenset(_SHORT_WORDS_TEXT.split())
_NO_SPACE_BEFORE = re.compile(r"\s+([,.;:!?%)\]}]|'s\b|n't\b)")
_NO_SPACE_AFTER = re.compile(r"([(\[{])\s+")


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    kind: str  # note | time | word | mark
    dirty: bool = False


def _tokens(text: str) -> list[_Token]:
    raw = [_Token(m.group(0), m.start(), m.end(), m.lastgroup or "mark")
           for m in _TOKEN.finditer(text)]
    out = []
    for i, token in enumerate(raw):
        following = next((t for t in raw[i + 1:] if t.kind == "word"), None) \
            if i + 1 < len(raw) and raw[i + 1].kind == "word" else None
        out.append(_Token(token.text, token.start, token.end, token.kind,
                          _is_dirty(token, following)))
    return out


def _is_dirty(token: _Token, following: _Token | None) -> bool:
    if token.kind in ("note", "time"):
        return True
    if token.kind != "word":
        return False
    word = token.text.lower()
    if word in FILLERS:
        return True
    if following is None:
        return False
    after = following.text.lower()
    if word == after and word.isalpha():
        return True  # "the the": a stutter
    if len(word) <= 2 and word.isalpha() and word not in _SHORT_WORDS:
        return True  # "w we", "s identify": a false start
    return 2 <= len(word) < len(after) and after.startswith(word) and word not in _SHORT_WORDS


def _join(text: str) -> str:
    text = _NO_SPACE_BEFORE.sub(r"\1", " ".join(text.split()))
    return _NO_SPACE_AFTER.sub(r"\1", text)


_SPELLED = re.compile(r"\b(?:(?:[A-Z]_){2,}|(?:[A-Z]\.){2,})(?![A-Za-z])")


def _acronym(match: re.Match[str]) -> str:
    return re.sub(r"[^A-Za-z]", "", match.group(0)).upper()


def clean_speech(text: str) -> str:
    """``text`` without annotations, timestamps, fillers, stutters and false starts, with
    punctuation attached to its word ("lost , so" -> "lost, so") and spelled-out
    acronyms joined ("T_V_", "T.V." -> "TV")."""
    kept = [t.text for t in _tokens(_SPELLED.sub(_acronym, text)) if not t.dirty]
    # punctuation left dangling by a removed word ("So , the" after "Um , so , the")
    words = " ".join(kept)
    words = re.sub(r"^(?:\s*[,.;:!?])+\s*", "", words)
    words = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", words)
    return _join(words)


def clean_span(text: str) -> str:
    """The longest stretch of ``text`` (verbatim, a substring) that holds no annotation,
    filler, stutter or false start; leading and trailing punctuation is left out."""
    best: tuple[int, int, int] = (0, 0, 0)  # words, start, end
    run: list[_Token] = []
    for token in [*_tokens(text), _Token("", len(text), len(text), "end", True)]:
        if not token.dirty:
            run.append(token)
            continue
        while run and run[0].kind == "mark":
            run.pop(0)
        while run and run[-1].kind == "mark" and run[-1].text not in ".!?":
            run.pop()
        words = sum(t.kind == "word" for t in run)
        if run and words > best[0]:
            best = (words, run[0].start, run[-1].end)
        run = []
    return text[best[1]:best[2]]
