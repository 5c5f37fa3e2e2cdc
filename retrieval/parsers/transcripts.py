"""Call transcripts: speaker-turn JSON (plain or Gong-like), WebVTT, SRT and plain text.

Every format becomes a list of speaker turns; consecutive turns by the same speaker are
merged, as captions split one utterance across several cues.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.base.errors import IngestError
from retrieval.clean import clean_inline
from retrieval.records import EvidenceRecord, Kind
from retrieval.tables.cells import flatten
from retrieval.tables.fields import front_matter_fields, split_front_matter

MIN_TURN_WORDS = 3

_SPEAKER_LINE = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?([A-Z][\w.'()/&, -]{0,60}?)\s*:\s+(\S.*)$")
_TIMESTAMP = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?[.,]\d{3}\s*-->\s*\d{1,2}:\d{2}")
_VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+([^>]+)>(.*?)(?:</v>)?$")
_ROLE = re.compile(r"^(.*?)\s*\(([^)]+)\)\s*$")


@dataclass
class Turn:
    speaker: str
    text: str
    role: str = ""
    raw: str = ""  # the turn as read, before cleaning ("" when ``text`` is already raw)

    def __post_init__(self) -> None:
        self.raw = self.raw or self.text


def _merge(turns: list[Turn]) -> list[Turn]:
    merged: list[Turn] = []
    for turn in turns:
        if not turn.text.strip():
            continue
        if merged and merged[-1].speaker == turn.speaker:
            merged[-1].text += " " + turn.text
            merged[-1].raw += " " + turn.raw
        else:
            merged.append(Turn(turn.speaker, turn.text, turn.role, turn.raw))
    return merged


def _split_role(speaker: str) -> tuple[str, str]:
    """``"Dana Ruiz (VP RevOps)"`` -> ("Dana Ruiz", "VP RevOps")."""
    match = _ROLE.match(speaker)
    return (match.group(1), match.group(2)) if match else (speaker, "")


def turns_from_text(text: str) -> list[Turn]:
    turns: list[Turn] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _SPEAKER_LINE.match(line)
        if match:
            name, role = _split_role(match.group(1).strip())
            turns.append(Turn(name, match.group(2).strip(), role))
        elif turns:
            turns[-1].text += " " + line.strip()
    return _merge(turns)


def looks_like_speaker_text(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    hits = sum(1 for line in lines if _SPEAKER_LINE.match(line))
    return hits >= max(2, len(lines) // 2)


def turns_from_captions(text: str) -> list[Turn]:
    """WebVTT and SRT cues; speakers from ``<v Name>`` tags or ``Name:`` prefixes."""
    turns: list[Turn] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not any(_TIMESTAMP.search(line) for line in lines):
            continue  # header, NOTE or STYLE block
        cue = lines[next(i for i, line in enumerate(lines) if _TIMESTAMP.search(line)) + 1:]
        for line in cue:
            voice = _VOICE.match(line)
            if voice:
                name, role = _split_role(voice.group(1).strip())
                turns.append(Turn(name, clean_inline(voice.group(2)), role, voice.group(2)))
                continue
            match = _SPEAKER_LINE.match(line)
            if match:
                name, role = _split_role(match.group(1).strip())
                turns.append(Turn(name, clean_inline(match.group(2)), role, match.group(2)))
            elif turns:
                turns[-1].text += " " + clean_inline(line)
                turns[-1].raw += " " + line
            else:
                turns.append(Turn("Unknown speaker", clean_inline(line), raw=line))
    return _merge(turns)


def _turn_list(data: Any) -> tuple[list[Any], dict[str, Any]]:
    """Find the list of turns in a JSON transcript and the call-level metadata."""
    if isinstance(data, list):
        return data, {}
    if isinstance(data, dict):
        for key in ("turns", "transcript", "utterances", "segments", "messages"):
            if isinstance(data.get(key), list):
                return data[key], data
    raise IngestError("", "no list of speaker turns found (expected a list or 'turns')")


def turns_from_json(data: Any) -> tuple[list[Turn], dict[str, Any]]:
    items, meta = _turn_list(data)
    parties = {
        str(p.get("speakerId") or p.get("id")): p
        for p in meta.get("parties", []) if isinstance(p, dict)
    }
    turns: list[Turn] = []
    for item in items:
        if not isinstance(item, dict):
            raise IngestError("", "a speaker turn is not a JSON object")
        speaker_id = str(item.get("speakerId") or item.get("speaker_id") or "")
        party = parties.get(speaker_id, {})
        speaker = flatten(item.get("speaker") or item.get("speaker_name") or item.get("name")
                          or party.get("name") or speaker_id or "Unknown speaker")
        if isinstance(item.get("sentences"), list):
            text = " ".join(flatten(s.get("text")) for s in item["sentences"]
                            if isinstance(s, dict))
        else:
            text = flatten(item.get("content") or item.get("text") or item.get("utterance"))
        name, role = _split_role(speaker)
        role = role or flatten(item.get("role") or party.get("title") or "")
        turns.append(Turn(name, clean_inline(text), role, text))
    return _merge(turns), meta


def transcript_records(path: Path, turns: list[Turn],
                       meta: dict[str, Any]) -> Iterator[EvidenceRecord]:
    if not turns:
        raise IngestError(str(path), "no speaker turns found")
    base = front_matter_fields({k: v for k, v in meta.items()
                                if not isinstance(v, (list, dict))})
    title = str(meta.get("title") or base.get("account") or path.stem)
    for number, turn in enumerate(turns, start=1):
        if len(turn.text.split()) < MIN_TURN_WORDS:
            continue
        fields = dict(base)
        fields["speaker"] = turn.speaker[:120]
        if turn.role:
            fields["role"] = turn.role[:120]
        yield EvidenceRecord(kind=Kind.TRANSCRIPT, text=turn.text, locator=f"turn={number}",
                             title=title, fields=fields, raw=[turn.raw])


def plain_transcript(path: Path, text: str) -> Iterator[EvidenceRecord]:
    meta, body = split_front_matter(text)
    return transcript_records(path, turns_from_text(body), meta)
