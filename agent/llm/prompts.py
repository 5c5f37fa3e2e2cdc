"""Versioned prompt files: ``prompts/<task>/vN.yaml``, strict schema, strict rendering.

A prompt file has exactly: ``task``, ``version``, ``description``, ``variables`` (the
names the templates use), ``system`` and ``user``. Templates use ``{name}`` placeholders;
rendering fails on a missing or undeclared variable. The SHA-256 of the file's bytes
identifies the version in call logs and eval runs, so a used version is never edited.
"""

from __future__ import annotations

import hashlib
import re
import string
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agent.base.errors import PromptError

_VERSION_FILE = re.compile(r"^v(\d+)\.yaml$")


class PromptFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(pattern=r"^v\d+$")
    description: str
    variables: list[str]
    system: str
    user: str
    sha256: str = ""

    @model_validator(mode="after")
    def _placeholders_are_declared(self) -> PromptFile:
        used = {name for text in (self.system, self.user)
                for _, name, _, _ in string.Formatter().parse(text) if name}
        if used != set(self.variables):
            raise ValueError(f"placeholders {sorted(used)} do not match declared variables "
                             f"{sorted(self.variables)}")
        return self

    @property
    def ref(self) -> str:
        return f"{self.task}/{self.version}"

    def render(self, **values: str) -> tuple[str, str]:
        missing = set(self.variables) - values.keys()
        extra = values.keys() - set(self.variables)
        if missing or extra:
            raise PromptError(f"prompt {self.ref}: missing variables {sorted(missing)}"
                              if missing else
                              f"prompt {self.ref}: unexpected variables {sorted(extra)}")
        return self.system.format(**values), self.user.format(**values)


def prompts_root() -> Path:
    return Path(str(resources.files("prompts")))


def load_prompt(task: str, version: str | None = None, root: Path | None = None) -> PromptFile:
    """A prompt version (default: the highest ``vN`` of the task)."""
    folder = (root or prompts_root()) / task
    found = sorted((int(m.group(1)), p) for p in folder.glob("v*.yaml")
                   if (m := _VERSION_FILE.match(p.name))) if folder.is_dir() else []
    if not found:
        raise PromptError(f"no prompt files for task '{task}' in {folder}")
    if version is None:
        path = found[-1][1]
    else:
        path = folder / f"{version}.yaml"
        if not path.exists():
            raise PromptError(f"no prompt {task}/{version} "
                              f"(have: {', '.join(p.stem for _, p in found)})")
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
        prompt = PromptFile(**data, sha256=hashlib.sha256(raw).hexdigest())
    except (yaml.YAMLError, TypeError, ValidationError) as exc:
        raise PromptError(f"{path}: not a valid prompt file ({exc})") from exc
    if prompt.task != task or prompt.version != path.stem:
        raise PromptError(f"{path}: declares {prompt.ref}, expected {task}/{path.stem}")
    return prompt


def list_prompts(root: Path | None = None) -> list[PromptFile]:
    base = root or prompts_root()
    return [load_prompt(task.name, p.stem, base)
            for task in sorted(base.iterdir()) if task.is_dir()
            for p in sorted(task.glob("v*.yaml"))]
