"""Telling an answer that repeats its instructions from one that describes the evidence.

Small models fill a field with the prompt's own words: a theme "label" that reads "A short
name for the shared pain point", a summary that repeats the schema's description. Such
text passes the quote check (its quotes may be fine) yet says nothing about the evidence.
An answer echoes when it shares a three-word phrase with the instructions (prompt text and
schema descriptions) that the evidence does not contain, or when most of its content words
come from the instructions and not from the evidence.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable

from pydantic import BaseModel

from agent.llm.prompts import PromptFile
from retrieval.mining.chatter import content_words

PHRASE_WORDS = 3
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _phrases(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + PHRASE_WORDS]) for i in range(len(words) - PHRASE_WORDS + 1)}


def instructions(prompt: PromptFile, schema: type[BaseModel]) -> str:
    """The fixed text a model was given: the prompt without its placeholders, and the
    schema's names and descriptions."""
    fixed = " ".join(literal for text in (prompt.system, prompt.user)
                     for literal, _, _, _ in string.Formatter().parse(text))
    return fixed + " " + json.dumps(schema.model_json_schema())


def echoes(text: str, instructions_text: str, evidence: Iterable[str]) -> bool:
    """True when ``text`` repeats the instructions instead of describing the evidence."""
    evidence_text = " ".join(evidence)
    said, told, seen = _words(text), _words(instructions_text), _words(evidence_text)
    if _phrases(said) & (_phrases(told) - _phrases(seen)):
        return True
    content = content_words(text)
    if not content:
        return False
    told_words, seen_words = set(told), set(seen)
    borrowed = sum(w in told_words and w not in seen_words for w in content)
    return borrowed * 2 > len(content)
