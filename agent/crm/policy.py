"""The overwrite policy of a CRM load, and what earlier plans wrote.

``policy.yaml`` (in the workspace's ``crm/`` folder; written with the defaults the first
time, read back after):

    never: []          # fields (API names) a load never touches
    clear: []          # Salesforce: fields cleared (#N/A) when our value is blank
    fill_blank: true   # other fields: filled only when blank in the CRM

Our own fields (``icp_*`` / ``ICP_*__c``) are overwritten; everything else is the team's and
filled only when blank. A field a person edited since the last plan wrote it (the export's
value is not what that plan wrote) is a conflict: reported, never written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agent.base.atomic import atomic_write
from agent.base.errors import CrmError
from agent.base.workspace import crm_dir
from agent.crm.targets import Target

DEFAULT_POLICY = """\
# How `icp crm plan` treats the fields of records your CRM already has.
# Our fields (icp_* in HubSpot, ICP_*__c in Salesforce) are always overwritten, unless a
# person edited them since the last plan wrote them: that is a conflict, reported, not
# written. Every other field is yours: filled only when it is blank in the CRM.
never: []          # field API names a load never touches (e.g. [industry, numberofemployees])
clear: []          # Salesforce only: fields cleared with #N/A when our value is blank
fill_blank: true   # false: never fill your fields, only write ours
"""


@dataclass
class Policy:
    never: set[str] = field(default_factory=set)
    clear: set[str] = field(default_factory=set)
    fill_blank: bool = True
    path: Path | None = None

    @classmethod
    def load(cls, path: Path) -> Policy:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, DEFAULT_POLICY)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise CrmError(f"not a readable policy ({exc})", str(path)) from None
        if not isinstance(data, dict):
            raise CrmError("a policy holds never:, clear: and fill_blank:", str(path))

        def names(key: str) -> set[str]:
            value = data.get(key) or []
            if not isinstance(value, list):
                raise CrmError(f"`{key}` must be a list of field API names", str(path))
            return {str(v) for v in value}

        return cls(names("never"), names("clear"), bool(data.get("fill_blank", True)), path)


def policy_path(home: Path) -> Path:
    return crm_dir(home) / "policy.yaml"


class Written:
    """What earlier plans wrote, per target, record key and field."""

    def __init__(self, home: Path, target: Target) -> None:
        self.path = crm_dir(home) / f"{target}-written.json"
        self.values: dict[str, dict[str, str]] = {}
        if self.path.exists():
            try:
                self.values = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CrmError(f"unreadable ({exc}); remove it to start afresh",
                               str(self.path)) from None

    def get(self, key: str, api: str) -> str | None:
        return self.values.get(key, {}).get(api)

    def record(self, key: str, api: str, value: str) -> None:
        self.values.setdefault(key, {})[api] = value

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(self.values, indent=1, sort_keys=True))
