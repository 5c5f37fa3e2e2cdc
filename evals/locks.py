"""Prompt versions used by a recorded eval run are locked by hash.

Two lock files: the one shipped with the package (``evals/prompt_locks.json``, the
versions this repository's recorded runs used; read-only at run time) and the
workspace's (``<home>/evals/prompt_locks.json``), where a version is locked on its first
use. A locked version whose file no longer hashes the same was edited in place: the run is
refused and the fix is a new version file. Nothing is written into the installed package.
"""

from __future__ import annotations

import json
from pathlib import Path

from agent.base.atomic import atomic_write
from agent.base.errors import LockError
from agent.llm.prompts import PromptFile

LOCKS = Path(__file__).parent / "prompt_locks.json"


def read_locks(path: Path = LOCKS) -> dict[str, str]:
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else {}


def check_and_lock(prompt: PromptFile, path: Path, shipped: Path = LOCKS) -> None:
    """Refuse ``prompt`` if a lock (shipped or in ``path``) holds another hash; else lock
    it in ``path`` (the workspace's lock file) on its first use."""
    locks = read_locks(path)
    locked = read_locks(shipped).get(prompt.ref) or locks.get(prompt.ref)
    if locked is None:
        locks[prompt.ref] = prompt.sha256
        atomic_write(path, json.dumps(dict(sorted(locks.items())), indent=2) + "\n")
        return
    if locked != prompt.sha256:
        raise LockError(f"prompts/{prompt.ref}.yaml changed after an eval run used it "
                        f"(locked sha256 {locked[:12]}…, now {prompt.sha256[:12]}…): restore "
                        "it and put the change in a new version file")
