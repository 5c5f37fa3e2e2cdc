"""``icp crm plan``, the planning: a scored list and the CRM's own export in, a plan out.

Every scored row is matched to the export by its canonical domain (``agent/crm/keys.py``)
and gets one action: create, update, no change, conflict, no key or duplicate key; each
field gets the old value, the new value and the rule that decided (``agent/crm/policy.py``).
Nothing is sent anywhere; ``agent/crm/bundle.py`` writes the plan as a load bundle.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from agent.base.errors import CrmError, IngestError
from agent.crm.keys import domain_key
from agent.crm.policy import Policy, Written
from agent.crm.targets import (
    SALESFORCE_KEY,
    TARGETS,
    TIERS,
    Field,
    Target,
    column_for,
    fields_of,
    looks_like,
)
from retrieval.records import RowProblem
from retrieval.tables.aliases import normalise_header
from retrieval.tables.rows import iter_rows, open_table
from retrieval.tables.values import parse_headcount, parse_number

Action = Literal["create", "update", "no change", "conflict", "no key", "duplicate key"]
ACTIONS: tuple[Action, ...] = ("create", "update", "no change", "conflict", "no key",
                               "duplicate key")
WRITES = ("write", "fill")  # field rules that put a value in the import file
PLAN_COLUMNS = ["row", "key", "name", "action", "field", "old", "new", "rule"]
# scored-list columns each source reads (the enrichment columns first, then the list's own)
SOURCES: dict[str, tuple[str, ...]] = {
    "industry": ("industry",), "employees": ("employee_range", "employees",
                                             "number of employees", "team size",
                                             "num of employees"),
    "country": ("country",), "city": ("city",), "state": ("state",),
    "revenue": ("revenue", "annual revenue"), "fit_score": ("fit_score",),
    "fit_tier": ("fit_tier",), "fit_confidence": ("fit_confidence",),
    "fit_reasons": ("fit_reasons",),
}


@dataclass
class FieldChange:
    api: str
    old: str
    new: str
    rule: str  # write | fill | same | kept | never | conflict | clear


@dataclass
class RowPlan:
    row: int
    key: str
    name: str
    action: Action
    why: str = ""
    changes: list[FieldChange] = field(default_factory=list)
    import_key: str = ""  # how the import file names the record (its own domain cell)

    def writes(self) -> dict[str, str]:
        return {c.api: c.new for c in self.changes if c.rule in WRITES or c.rule == "clear"}


@dataclass
class Plan:
    target: Target
    rows: list[RowPlan]
    export_duplicates: dict[str, list[int]]
    icp_version: str
    created_at: str
    empty_crm: bool = False  # no export, or one with no records: every keyed row a create

    def counts(self) -> dict[str, int]:
        tally = Counter(r.action for r in self.rows)
        return {a: tally.get(a, 0) for a in ACTIONS}


def read_table(path: Path, what: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    problems: list[RowProblem] = []
    try:
        rows = list(iter_rows(path, problems))
    except IngestError as exc:
        raise CrmError(f"{what}: {exc.message}", str(path)) from None
    except OSError as exc:
        raise CrmError(f"{what}: cannot read ({exc.strerror})", str(path)) from None
    headers = list(dict.fromkeys(k for _, r in rows for k in r))
    if not rows and path.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm"):
        headers = header_only(path)  # a new portal's export: the header and no row
    return headers, rows


def header_only(path: Path) -> list[str]:
    """The header of a table with no rows (empty for a file with no header either)."""
    try:
        with open_table(path) as table:
            return [h for h in table.header if h]
    except IngestError:  # an empty file: no header to read
        return []


def same_value(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    if a == b:
        return True
    x, y = parse_number(a), parse_number(b)
    if x is not None and y is not None:
        return abs(float(x) - float(y)) < 1e-9
    return a.casefold() == b.casefold()


def _pick(row: dict[str, Any], headers: list[str], names: tuple[str, ...]) -> str:
    by_name = {normalise_header(h): h for h in headers}
    for name in names:
        header = by_name.get(normalise_header(name))
        if header is not None and str(row.get(header, "")).strip():
            return str(row[header]).strip()
    return ""


def _values(row: dict[str, Any], headers: list[str], key: str, icp_version: str,
            scored_at: str, name_columns: tuple[str, ...]) -> dict[str, str]:
    """What the scored row says for each source a field reads."""
    out = {source: _pick(row, headers, names) for source, names in SOURCES.items()}
    out["name"] = _pick(row, headers, name_columns)
    out["key"] = key
    if out["employees"]:
        count = parse_headcount(out["employees"])
        out["employees"] = "" if count is None else str(count)
    if out["revenue"]:
        number = parse_number(out["revenue"])
        out["revenue"] = "" if number is None else f"{number:g}"
    evidence = _pick(row, headers, ("evidence_urls",))
    out["evidence_url"] = evidence.split()[0] if evidence else ""
    out["icp_version"] = icp_version if out["fit_tier"] else ""
    out["scored_at"] = scored_at if out["fit_tier"] else ""
    if out["fit_tier"] and out["fit_tier"] not in TIERS:
        out["fit_tier"] = "unknown"
    return out


def key_column(headers: list[str], path: Path, what: str) -> str:
    for names in (("domain",), ("company domain name", "website", "company website",
                                "website url", "account website", "url", "domain name")):
        found = column_for(headers, Field("key", "key", names))
        if found:
            return found
    raise CrmError(f"{what} has no website or domain column to match on (columns: "
                   f"{', '.join(headers[:12])}); export the company domain or website too",
                   str(path))


def decide(field_: Field, new: str, old: str, exists: bool, written: str | None,
           policy: Policy) -> FieldChange:
    """One field of one row: write, fill, keep, leave or report, by the policy."""
    if field_.api in policy.never:
        return FieldChange(field_.api, old, new, "never")
    if not new:
        if exists and old and field_.api in policy.clear:
            return FieldChange(field_.api, old, "#N/A", "clear")
        return FieldChange(field_.api, old, new, "same" if not old else "kept")
    if exists and same_value(old, new):
        return FieldChange(field_.api, old, new, "same")
    if field_.ours:
        if exists and old and written is not None and not same_value(old, written):
            return FieldChange(field_.api, old, new, "conflict")
        return FieldChange(field_.api, old, new, "write")
    if not exists or not old:
        return FieldChange(field_.api, old, new, "fill" if policy.fill_blank else "never")
    return FieldChange(field_.api, old, new, "kept")


def make_plan(scored: Path, target: Target, export: Path | None, policy: Policy,
              written: Written, icp_version: str = "", now: datetime | None = None) -> Plan:
    """The plan for loading ``scored`` into ``target``; without an ``export`` the CRM is
    taken as empty (every keyed row a create)."""
    if target not in TARGETS:
        raise CrmError(f"unknown target '{target}' (use hubspot or salesforce)")
    created = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    s_headers, s_rows = read_table(scored, "the scored list")
    e_headers, e_rows = read_table(export, "the CRM export") if export else ([], [])
    other = looks_like(e_headers) if export else None
    if other is not None and other != target:
        raise CrmError(f"this looks like a {other} export, not {target} (headers "
                       f"{', '.join(e_headers[:6])}); pass --target {other}", str(export))
    s_key = key_column(s_headers, scored, "the scored list")
    e_key = key_column(e_headers, export, "the CRM export") if export and e_rows else ""
    fields = fields_of(target)
    columns = {f.api: column_for(e_headers, f) for f in fields}
    if target == "salesforce":
        columns[SALESFORCE_KEY] = column_for(
            e_headers, Field(SALESFORCE_KEY, "key", (SALESFORCE_KEY.lower(), "icp key")))
    records: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, row in e_rows:
        key, _ = domain_key(str(row.get(e_key, "")))
        if key:
            records.setdefault(key, []).append((number, row))
    export_dups = {k: [n for n, _ in v] for k, v in records.items() if len(v) > 1}
    keys = [domain_key(str(row.get(s_key, ""))) for _, row in s_rows]
    seen = Counter(k for k, _ in keys if k)
    name_columns = ("company", "company name", "account name", "name", "organization",
                    "account")
    plans = []
    # when the list was scored (its file's time), so planning the same list again is a no-op
    scored_at = datetime.fromtimestamp(scored.stat().st_mtime, UTC).isoformat(
        timespec="seconds")
    for (number, row), (key, problem) in zip(s_rows, keys, strict=True):
        values = _values(row, s_headers, key, icp_version, scored_at, name_columns)
        name = values["name"]
        if not key:
            plans.append(RowPlan(number, "", name, "no key",
                                 "personal mail domain" if problem == "personal mail" else
                                 f"no website or domain in '{s_key}'"))
            continue
        if seen[key] > 1 or key in export_dups:
            where = "in the scored list" if seen[key] > 1 else \
                f"in the CRM export (rows {', '.join(map(str, export_dups[key]))})"
            plans.append(RowPlan(number, key, name, "duplicate key",
                                 f"{key} appears more than once {where}"))
            continue
        match = records.get(key)
        record = match[0][1] if match else {}
        exists = match is not None
        changes = []
        for field_ in fields:
            column = columns.get(field_.api)
            old = str(record.get(column, "")).strip() if column and exists else ""
            new = values.get(field_.source, "")
            if field_.source == "key" and exists:  # the match key: the record's own
                changes.append(FieldChange(field_.api, old, new, "same"))
                continue
            changes.append(decide(field_, new, old, exists, written.get(key, field_.api),
                                  policy))
        if target == "salesforce":
            column = columns.get(SALESFORCE_KEY)
            old = str(record.get(column, "")).strip() if column and exists else ""
            changes.append(FieldChange(SALESFORCE_KEY, old, key,
                                       "same" if exists and same_value(old, key) else "write"))
        own = str(record.get(e_key, "")).strip() if exists else ""
        import_key = own if own and "/" not in own and ":" not in own else key
        rules = {c.rule for c in changes}
        action: Action = ("create" if not exists else "conflict" if "conflict" in rules
                          else "update" if rules & {*WRITES, "clear"} else "no change")
        plans.append(RowPlan(number, key, name, action, changes=changes,
                             import_key=import_key))
    return Plan(target, plans, export_dups, icp_version, created, empty_crm=not e_rows)
