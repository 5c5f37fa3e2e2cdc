"""Offline theme labels a person could say: a short phrase from a representative statement.

The label is cut from one of the statements closest to the theme's centre (their cleaned
text, so no filler or annotation reaches it): the sentence is split into clauses, leading
discourse words ("so", "and", "I think") are dropped, and the clause that carries most of
the theme's keyphrases, at a speakable length, wins. The keyphrases stay on the theme as
tags. Example: "Anyway, they also remotes often get lost in the room, so nobody can find
them." with keyphrases ``lost / room / find`` gives "Remotes often get lost in the room".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.mining.chatter import DISCOURSE, content_words
from retrieval.mining.keyphrases import terms

MAX_LABEL_WORDS, MIN_LABEL_WORDS, MIN_LABEL_CONTENT = 10, 3, 2
CANDIDATES = 8  # statements nearest the centre that may give the label

_CLAUSE_BREAK = re.compile(
    r"\s*(?:[,;:()\u2013\u2014]|\s-\s|\.\.\.|…|[.!?](?=\s|$))\s*"
    r"|\s+(?=(?:but|so|because|although|though|whereas|which|and then|and so|or else)\s)",
    re.I)
_LEAD = re.compile(
    r"^(?:(?:and|but|so|or|then|now|also|anyway|anyways|well|like|because|though|just|plus|"
    r"basically|actually|really|yeah|yes|okay|ok|alright|right|oh|sure|um|uh|erm|"
    r"i think|i guess|i mean|you know|i reckon|i believe|i feel like|we think|it seems|"
    r"the thing is|i'd say|of course|for example|e\.g\.)\b[\s,]*)+", re.I)
# a phrase does not end on a word that needs a continuation
_DANGLING_TEXT = """
a an the to of for with and or but in on at by from that which who is are was were be
been being has have had do does did can could would should will may might must not very
more most so as than if my our your their his her its this these those some any no
"""
_DANGLING = frozenset(_DANGLING_TEXT.split())


def _clauses(sentence: str) -> list[str]:
    return [c for c in _CLAUSE_BREAK.split(sentence) if c and c.strip()]


def _ends_badly(word: str) -> bool:
    bare = word.lower().strip(".,;:!?\"'“”‘’")
    return bare in _DANGLING or bare in DISCOURSE or word.count('"') % 2 == 1 or not bare


def _tidy(clause: str) -> str:
    words = _LEAD.sub("", clause.strip().lstrip("-–—*•>#.,;:!? ")).split()
    words = words[:MAX_LABEL_WORDS]
    while words and _ends_badly(words[-1]):
        words.pop()
    phrase = " ".join(words).strip(" .,;:!?\"'")
    return phrase[:1].upper() + phrase[1:] if phrase else ""


def readable_label(statements: Sequence[str], keyphrases: Sequence[str]) -> str:
    """The best short phrase from ``statements`` (most representative first)."""
    wanted = {t for phrase in keyphrases for t in terms(phrase)}
    best, best_score = "", float("-inf")
    for rank, sentence in enumerate(statements[:CANDIDATES]):
        for clause in _clauses(sentence):
            phrase = _tidy(clause)
            words, content = phrase.split(), content_words(phrase)
            if len(words) < MIN_LABEL_WORDS or len(content) < MIN_LABEL_CONTENT:
                continue
            hits = len(wanted & set(terms(phrase)))
            length = 0.0 if len(words) <= MAX_LABEL_WORDS - 2 else 0.3
            if len(clause.split()) > MAX_LABEL_WORDS + 2:
                length += 0.4  # cut short: a worse phrase than a clause that fits
            density = len(content) / len(words)
            score = 2 * hits + 0.5 * density - length - 0.15 * rank
            if score > best_score:
                best, best_score = phrase, score
    return best
