"""Cleaning evidence text: markdown, HTML, issue templates and code blocks.

Helpdesk and issue-tracker bodies are full of template comments, HTML, images and long
code blocks. We keep what a person wrote (and the first lines of code, which often hold
the error message) and drop the rest, so embeddings see the signal and not boilerplate.
Inline markup (```yarn```, ``**bold**``) is kept as written: a quote taken from the cleaned
text must still be found verbatim in the original file (:mod:`agent.base.quotes`).
"""

from __future__ import annotations

import html
import re

CODE_LINES_KEPT = 4

_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_FENCE = re.compile(r"^(```|~~~)[^\n]*\n(.*?)(?:^\1[ \t]*$|\Z)", re.S | re.M)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>")
_BLOCK_TAG = re.compile(r"</?(?:p|div|br|li|ul|ol|tr|table|h[1-6]|pre|blockquote)\b[^>]*>", re.I)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_URL = re.compile(r"https?://\S+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.M)
_CHECKBOX = re.compile(r"^\s*[-*]\s*\[[ xX]\]\s*", re.M)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.M)
_QUOTE = re.compile(r"^\s*>\s?", re.M)
_NO_RESPONSE = re.compile(r"^\s*_?No response_?\s*$", re.M | re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n+")


def _shorten_code(match: re.Match[str]) -> str:
    lines = [line.strip() for line in match.group(2).splitlines() if line.strip()]
    kept = lines[:CODE_LINES_KEPT]
    if len(lines) > CODE_LINES_KEPT:
        kept.append("…")
    return "\n".join(kept) + "\n"


def _url_host(match: re.Match[str]) -> str:
    host = re.sub(r"^https?://", "", match.group(0)).split("/", 1)[0]
    return f"<{host}>"


def clean_text(text: str) -> str:
    """Markdown/HTML-ish text to plain prose with short code excerpts."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _COMMENT.sub("", text)
    text = _FENCE.sub(_shorten_code, text)
    if "<" in text:
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _URL.sub(_url_host, text)
    text = _HEADING.sub("", text)
    text = _CHECKBOX.sub("", text)
    text = _BULLET.sub("- ", text)
    text = _QUOTE.sub("", text)
    text = _NO_RESPONSE.sub("", text)
    text = _SPACES.sub(" ", text)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def clean_inline(text: str) -> str:
    """Clean and fold to one line (titles, short fields, captions)."""
    return " ".join(clean_text(text).split())


def reflow(text: str) -> str:
    """Join hard-wrapped lines inside paragraphs (notes files), keeping list items apart."""
    paragraphs = []
    for block in text.split("\n\n"):
        lines = block.split("\n")
        out: list[str] = []
        for line in lines:
            if out and line and not line.startswith("- ") and not out[-1].endswith(":"):
                out[-1] += " " + line
            else:
                out.append(line)
        paragraphs.append("\n".join(out))
    return "\n\n".join(paragraphs)
