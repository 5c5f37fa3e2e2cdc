"""Prompt versions used by a recorded eval run are locked by hash (``prompt_locks.json``).

A locked version whose file no longer hashes the same was edited in place: the run is
refused and the fix is a new version file. A version not locked yet is locked on first use.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from agent.llm.prompts import PromptFile
from retrieval.errors import LockError
from retrieval.textio import atomic_write

LOCKS = Path(__file__).parent / "prompt_locks.json"


def read_locks(path: Path = LOCKS) -> dict[str, str]:
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else {}


def check_and_lock(prompt: PromptFile, path: Path = LOCKS) -> None:
    locks = read_locks(path)
    locked = locks.get(prompt.ref)
    if locked is None:
        locks[prompt.ref] = prompt.sha256
        if os.access(path.parent, os.W_OK):
            atomic_write(path, json.dumps(dict(sorted(locks.items())), indent=2) + "\n")
        return
    if locked != prompt.sha256:
        raise LockError(f"prompts/{prompt.ref}.yaml changed after an eval run used it "
                        f"(locked sha256 {locked[:12]}…, now {prompt.sha256[:12]}…): restore "
                        "it and put the change in a new version file")
