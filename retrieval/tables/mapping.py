"""Column overrides the user gives, and the mapping each source file was ingested with.

``--map "Lead Source=attribute" --map "Owner=ignore" --outcome Converted --won 1,yes``, or
the same as a YAML file (``--mapping FILE``)::

    kind: winloss            # optional: winloss | ticket | review
    columns:
      Lead Source: attribute # text | attribute | category | number | list | identifier |
      Notes: text            # date | url | pii | ignore | outcome, or a canonical field
      Owner: ignore          # such as industry, employees, country, account, role
    outcome:
      column: Converted
      won: [1, yes]
      lost: [0, no]
    date: First Contact      # the deal date to split on (otherwise chosen from the values)

The mapping used for a file is saved in the workspace (``mappings/``), so ingesting the
file again uses it without the flags.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from agent.base.atomic import atomic_write
from agent.base.errors import MappingError
from retrieval.tables.aliases import ALIASES
from retrieval.tables.columns import Role

ROLE_WORDS = {
    "text": Role.TEXT, "evidence": Role.TEXT, "category": Role.CATEGORY,
    "categorical": Role.CATEGORY, "number": Role.NUMBER, "numeric": Role.NUMBER,
    "list": Role.LIST, "identifier": Role.IDENTIFIER, "id": Role.IDENTIFIER,
    "date": Role.DATE, "url": Role.URL, "domain": Role.URL, "pii": Role.PII,
    "ignore": Role.IGNORE, "skip": Role.IGNORE, "outcome": Role.OUTCOME,
}
ATTRIBUTE_WORD = "attribute"
MAPPING_KINDS = ("winloss", "ticket", "review")


def valid_target(target: str) -> bool:
    return target in ROLE_WORDS or target == ATTRIBUTE_WORD or target in ALIASES


def targets_help() -> str:
    return ("text, attribute, category, number, list, identifier, date, url, pii, ignore, "
            "outcome, or a field: " + ", ".join(sorted(ALIASES)))


@dataclass
class ColumnMapping:
    """Overrides for one table: column roles, the outcome column and its values, the kind."""

    columns: dict[str, str] = field(default_factory=dict)   # header -> role word or field
    outcome: str = ""
    won: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    churned: list[str] = field(default_factory=list)
    kind: str = ""
    date: str = ""


    def __post_init__(self) -> None:
        for header, target in self.columns.items():
            if not valid_target(target):
                raise MappingError(f"unknown role '{target}' for column '{header}' "
                                   f"(use one of: {targets_help()})")
        if self.kind and self.kind not in MAPPING_KINDS:
            raise MappingError(f"unknown kind '{self.kind}' (use {', '.join(MAPPING_KINDS)})")
        if (self.won or self.lost or self.churned) and not self.outcome:
            raise MappingError("--won/--lost/--churned need --outcome COLUMN")

    @property
    def empty(self) -> bool:
        return not (self.columns or self.outcome or self.kind or self.date)

    def merged(self, newer: ColumnMapping | None) -> ColumnMapping:
        """This mapping with ``newer``'s settings on top (flags beat a saved mapping)."""
        if newer is None:
            return self
        outcome_from = newer if newer.outcome else self
        return ColumnMapping(
            columns={**self.columns, **newer.columns}, outcome=outcome_from.outcome,
            won=list(outcome_from.won), lost=list(outcome_from.lost),
            churned=list(outcome_from.churned), kind=newer.kind or self.kind,
            date=newer.date or self.date,
        )

    def fingerprint(self) -> str:
        raw = json.dumps(asdict(self), sort_keys=True).encode("utf-8")
        return hashlib.sha256(raw).hexdigest()[:12]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.kind:
            out["kind"] = self.kind
        if self.columns:
            out["columns"] = dict(self.columns)
        if self.outcome:
            out["outcome"] = {"column": self.outcome, **{
                k: v for k, v in (("won", self.won), ("lost", self.lost),
                                  ("churned", self.churned)) if v}}
        if self.date:
            out["date"] = self.date
        return out

    def describe(self) -> str:
        parts = [f"{h}={t}" for h, t in self.columns.items()]
        if self.outcome:
            rule = "; ".join(f"{k} {','.join(v)}" for k, v in
                             (("won", self.won), ("lost", self.lost), ("churned", self.churned))
                             if v)
            parts.append(f"outcome={self.outcome}" + (f" ({rule})" if rule else ""))
        if self.kind:
            parts.append(f"kind={self.kind}")
        if self.date:
            parts.append(f"date={self.date}")
        return ", ".join(parts)

    @classmethod
    def from_dict(cls, data: Any, where: str = "mapping") -> ColumnMapping:
        if not isinstance(data, dict):
            raise MappingError("a mapping file holds `columns:` and/or `outcome:` keys", where)
        columns = data.get("columns") or {}
        outcome = data.get("outcome") or {}
        if not isinstance(columns, dict) or not isinstance(outcome, dict | str):
            raise MappingError("`columns` must map column names to roles", where)
        if isinstance(outcome, str):
            outcome = {"column": outcome}

        def values(key: str) -> list[str]:
            raw = outcome.get(key) or []
            return [str(v) for v in (raw if isinstance(raw, list) else str(raw).split(","))]

        try:
            return cls(columns={str(k): str(v).strip().lower() for k, v in columns.items()},
                       outcome=str(outcome.get("column", "")), won=values("won"),
                       lost=values("lost"), churned=values("churned"),
                       kind=str(data.get("kind", "") or ""),
                       date=str(data.get("date", "") or ""))
        except MappingError as exc:
            raise MappingError(exc.message, where) from None


def parse_map_options(items: list[str]) -> dict[str, str]:
    """``["Lead Source=attribute", "Owner=ignore"]`` -> ``{header: target}``."""
    out: dict[str, str] = {}
    for item in items:
        header, sep, target = item.rpartition("=")
        if not sep or not header.strip() or not target.strip():
            raise MappingError(f"--map needs COLUMN=ROLE, got '{item}'")
        out[header.strip()] = target.strip().lower()
    return out


def split_values(text: str | None) -> list[str]:
    return [v.strip() for v in (text or "").split(",") if v.strip()]


def load_mapping_file(path: Path) -> ColumnMapping:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"cannot read ({exc.strerror})", str(path)) from None
    except yaml.YAMLError as exc:
        raise MappingError(f"not valid YAML ({exc})", str(path)) from None
    return ColumnMapping.from_dict(data, str(path))


class MappingStore:
    """The mapping each source file was ingested with, one YAML file per source."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, source_key: str) -> Path:
        digest = hashlib.sha256(source_key.encode("utf-8")).hexdigest()[:16]
        return self.folder / f"{Path(source_key).stem[:40]}-{digest}.yaml"

    def load(self, source_key: str) -> ColumnMapping | None:
        path = self._path(source_key)
        if not path.exists():
            return None
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return ColumnMapping.from_dict(data.get("mapping", {}), str(path))

    def save(self, source_key: str, mapping: ColumnMapping) -> None:
        path = self._path(source_key)
        if mapping.empty:
            path.unlink(missing_ok=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump({"source": source_key, "mapping": mapping.as_dict()},
                              sort_keys=False, allow_unicode=True)
        atomic_write(path, text)
