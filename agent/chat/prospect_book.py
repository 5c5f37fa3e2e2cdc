"""The prospect table the chat keeps in the workspace (``chat/prospects.json``): classified
prospects by domain, found by domain or by company name, also in the enriched lists."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent.base import workspace as paths
from agent.base.atomic import atomic_write
from agent.base.errors import IcpError
from agent.batch.prospect_csv import NAME_ALIASES
from agent.fit.enriched_row import EnrichedRow, read_enriched

log = logging.getLogger(__name__)


class ProspectBook:
    """Classified prospects kept in the workspace (``chat/prospects.json``) by domain."""

    def __init__(self, home: Path) -> None:
        self.path = paths.chat_dir(home) / "prospects.json"

    def all(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        try:
            return dict(json.loads(self.path.read_text(encoding="utf-8")))
        except ValueError:
            log.warning("ignoring an unreadable prospect table at %s", self.path)
            return {}

    def put(self, row: dict[str, Any]) -> None:
        rows = self.all()
        rows[str(row["domain"]).lower()] = row
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(rows, indent=1, ensure_ascii=False))

    def find(self, name: str) -> dict[str, Any] | None:
        """A prospect by its domain or its company name: the classified ones first, then
        the rows of the enriched lists in the workspace (the demo's, the uploads')."""
        key = name.lower().strip().removeprefix("https://").removeprefix("http://")
        key = key.split("/")[0]
        rows = self.all()
        return rows.get(key) or next(
            (r for d, r in rows.items() if d.split(":")[0] == key.split(":")[0]), None) or \
            next((r for r in rows.values() if _same_name(r.get("name", ""), name)), None) or \
            self._in_lists(name)

    def _in_lists(self, name: str) -> dict[str, Any] | None:
        for path in reversed(paths.enriched_lists(self.path.parent.parent)):  # newest first
            try:
                for inputs, row in read_enriched(path):
                    company = company_of(inputs)
                    if row.domain and (_same_name(company, name) or _same_name(row.domain,
                                                                               name)):
                        return book_row(row, company, path)
            except (IcpError, OSError, ValueError):
                continue  # not a list we wrote, or unreadable: look at the next
        return None


def _same_name(a: str, b: str) -> bool:
    return bool(a.strip()) and a.strip().casefold() == b.strip().casefold()


def book_row(row: EnrichedRow, name: str, source: Path | None = None,
             icp_version: int | str = "") -> dict[str, Any]:
    """A row of an enriched list as the prospect table keeps it."""
    return {"input": row.domain, "name": name, **row.model_dump(mode="json"),
            "fit_confidence": row.fit_confidence or 0.0, "verdicts": [],
            "icp_version": icp_version, "list": str(source) if source else ""}


def company_of(inputs: Mapping[str, str]) -> str:
    """The company name of a list row (its account column, by the field table's headers)."""
    return next((v for h, v in inputs.items() if h.strip().lower() in NAME_ALIASES), "")
