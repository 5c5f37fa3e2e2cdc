"""Conversation state in the workspace (``chat/<name>.jsonl``), so a restart continues.

One JSON object per line, appended and flushed per message; a torn last line (the process
died mid-write) is skipped on reading instead of losing the conversation.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agent.base import workspace as paths
from agent.base.errors import SessionError

log = logging.getLogger(__name__)


class Step(BaseModel):
    """One tool call the agent made while answering."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    result: str = ""
    ok: bool = True


class Message(BaseModel):
    role: str  # user | assistant
    content: str
    turn: int
    steps: list[Step] = Field(default_factory=list)
    citations: list[dict[str, str]] = Field(default_factory=list)


class ChatSession:
    def __init__(self, home: Path, name: str = "default") -> None:
        if not re.fullmatch(r"[\w.-]{1,64}", name):
            raise SessionError(f"session name '{name}': use letters, digits, '.', '-', '_'")
        self.path = paths.chat_dir(home) / f"{name}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._messages = self._read()

    def _read(self) -> list[Message]:
        if not self.path.exists():
            return []
        messages = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                messages.append(Message.model_validate_json(line))
            except ValueError:
                log.warning("%s line %d: unreadable chat message skipped", self.path, number)
        return messages

    @property
    def messages(self) -> list[Message]:
        return list(self._messages)

    def next_turn(self) -> int:
        return (self._messages[-1].turn + 1) if self._messages else 1

    def append(self, message: Message) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(message.model_dump(), ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self._messages.append(message)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
        self._messages = []
