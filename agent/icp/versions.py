"""ICP versions in the workspace: ``icp/vN.json`` (+ ``vN.md``), written atomically."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from agent.base import workspace as paths
from agent.base.atomic import atomic_write
from agent.base.errors import VersionError
from agent.icp.model import ICPDocument

_VERSION = re.compile(r"^v(\d+)\.json$")


def icp_dir(home: Path) -> Path:
    path = paths.icp_dir(home)
    path.mkdir(parents=True, exist_ok=True)
    return path


def list_versions(home: Path) -> list[int]:
    return sorted(int(m.group(1)) for p in icp_dir(home).iterdir()
                  if (m := _VERSION.match(p.name)))


def save(home: Path, doc: ICPDocument, markdown: str) -> Path:
    """Save ``doc`` as the next version; returns the JSON path."""
    folder = icp_dir(home)
    version = (list_versions(home) or [0])[-1] + 1
    while True:  # reserve the number even if another process saves at the same time
        path = folder / f"v{version}.json"
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            break
        except FileExistsError:
            version += 1
    doc.version = version
    atomic_write(folder / f"v{version}.md", markdown_with_version(markdown, version))
    atomic_write(path, doc.model_dump_json(indent=2))
    return path


def markdown_with_version(markdown: str, version: int) -> str:
    return markdown.replace("{version}", str(version))


def parse_version(ref: str) -> int:
    match = re.fullmatch(r"v?(\d+)", ref.strip())
    if not match:
        raise VersionError(f"'{ref}' is not a version (use v1, v2, … or 1, 2, …)")
    return int(match.group(1))


def load(home: Path, ref: str | int | None = None) -> ICPDocument:
    """A saved version (``None``: the newest)."""
    versions = list_versions(home)
    if not versions:
        raise VersionError(f"no ICP drafted yet in {home} (run `icp draft`)")
    number = versions[-1] if ref is None else (ref if isinstance(ref, int) else parse_version(ref))
    path = icp_dir(home) / f"v{number}.json"
    if not path.exists():
        raise VersionError(f"no ICP version v{number} in {home} "
                           f"(have: {', '.join(f'v{v}' for v in versions)})")
    return load_file(path)


def load_file(path: Path) -> ICPDocument:
    try:
        return ICPDocument.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise VersionError(f"{path}: not a readable ICP document ({exc})") from exc


def _pts(points: int | None) -> str:
    return "none" if points is None else f"{points:+d}"


def diff(a: ICPDocument, b: ICPDocument) -> list[str]:
    """What changed from ``a`` to ``b``, one line per change."""
    lines: list[str] = []
    for group in ("criteria", "exclusions", "triggers"):
        old = {(c.attribute, tuple(c.values)): c for c in getattr(a, group)}
        new = {(c.attribute, tuple(c.values)): c for c in getattr(b, group)}
        for key in sorted(new.keys() - old.keys()):
            points = "" if new[key].points is None else f" ({_pts(new[key].points)} points)"
            lines.append(f"+ {group}: {new[key].statement}{points}")
        for key in sorted(old.keys() - new.keys()):
            points = "" if old[key].points is None else f" (was {_pts(old[key].points)} points)"
            lines.append(f"- {group}: {old[key].statement}{points}")
        for key in sorted(old.keys() & new.keys()):
            before, after = old[key].points, new[key].points
            if before != after and (before is not None or after is not None):
                lines.append(f"~ {group}: {new[key].label or key[0]} = {', '.join(key[1])}: "
                             f"{_pts(before)} -> {_pts(after)} points")
            elif old[key].statement != new[key].statement:
                lines.append(f"~ {group}: {old[key].statement}  ->  {new[key].statement}")
    for group, name in (("pain_points", "label"), ("personas", "role")):
        old_names = {getattr(x, name) for x in getattr(a, group)}
        new_names = {getattr(x, name) for x in getattr(b, group)}
        lines += [f"+ {group}: {n}" for n in sorted(new_names - old_names)]
        lines += [f"- {group}: {n}" for n in sorted(old_names - new_names)]
    for note in sorted(set(b.notes) - set(a.notes)):
        lines.append(f"+ note: {note}")
    for note in sorted(set(a.notes) - set(b.notes)):
        lines.append(f"- note: {note}")
    return lines
