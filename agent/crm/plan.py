"""``icp crm plan``: a scored list and the CRM's own export in, a reviewable load bundle out.

Every scored row is matched to the export by its canonical domain (``agent/crm/keys.py``)
and gets one action: create, update, no change, conflict, no key or duplicate key; each
field gets the old value, the new value and the rule that decided (``agent/crm/policy.py``).
Nothing is sent anywhere: the bundle holds the import files, the plan and the policy.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from agent.crm.keys import domain_key
from agent.crm.policy import Policy, Written, policy_path
from agent.crm.targets import (
    SALESFORCE_KEY,
    TARGETS,
    TIERS,
    Field,
    Target,
    column_for,
    fields_of,
    key_field,
    looks_like,
)
from retrieval.errors import CrmError, IngestError
from retrieval.records import RowProblem
from retrieval.tables import iter_rows
from retrieval.values import parse_headcount, parse_number

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

    def counts(self) -> dict[str, int]:
        tally = Counter(r.action for r in self.rows)
        return {a: tally.get(a, 0) for a in ACTIONS}


def _read(path: Path, what: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    problems: list[RowProblem] = []
    try:
        rows = list(iter_rows(path, problems))
    except IngestError as exc:
        raise CrmError(f"{what}: {exc.message}", str(path)) from None
    except OSError as exc:
        raise CrmError(f"{what}: cannot read ({exc.strerror})", str(path)) from None
    headers = list(dict.fromkeys(k for _, r in rows for k in r))
    return headers, rows


def _same(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    if a == b:
        return True
    x, y = parse_number(a), parse_number(b)
    if x is not None and y is not None:
        return abs(float(x) - float(y)) < 1e-9
    return a.casefold() == b.casefold()


def _pick(row: dict[str, Any], headers: list[str], names: tuple[str, ...]) -> str:
    from retrieval.aliases import normalise_header

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


def _key_column(headers: list[str], path: Path, what: str) -> str:
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
    if exists and _same(old, new):
        return FieldChange(field_.api, old, new, "same")
    if field_.ours:
        if exists and old and written is not None and not _same(old, written):
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
    s_headers, s_rows = _read(scored, "the scored list")
    e_headers, e_rows = _read(export, "the CRM export") if export else ([], [])
    other = looks_like(e_headers) if export else None
    if other is not None and other != target:
        raise CrmError(f"this looks like a {other} export, not {target} (headers "
                       f"{', '.join(e_headers[:6])}); pass --target {other}", str(export))
    s_key = _key_column(s_headers, scored, "the scored list")
    e_key = _key_column(e_headers, export, "the CRM export") if export else ""
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
                                       "same" if exists and _same(old, key) else "write"))
        own = str(record.get(e_key, "")).strip() if exists else ""
        import_key = own if own and "/" not in own and ":" not in own else key
        rules = {c.rule for c in changes}
        action: Action = ("create" if not exists else "conflict" if "conflict" in rules
                          else "update" if rules & {*WRITES, "clear"} else "no change")
        plans.append(RowPlan(number, key, name, action, changes=changes,
                             import_key=import_key))
    return Plan(target, plans, export_dups, icp_version, created)


# --- the bundle ------------------------------------------------------------------------

def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def import_rows(plan: Plan) -> tuple[list[str], list[list[str]]]:
    """The import file: the key, then only the fields some row writes, in field order."""
    key = key_field(plan.target)
    order = [f.api for f in fields_of(plan.target)] + (
        [SALESFORCE_KEY] if plan.target == "salesforce" else [])
    loading = [r for r in plan.rows if r.action in ("create", "update", "conflict")]
    used = {api for r in loading for api in r.writes()}
    header = [key] + [api for api in order if api in used and api != key]
    rows = []
    for r in loading:
        writes = r.writes()
        if not writes:
            continue
        rows.append([r.import_key or r.key if key == "domain" else writes.get(key, r.key)]
                    + [writes.get(api, "") for api in header[1:]])
    return header, rows


def hubspot_properties() -> dict[str, Any]:
    props = []
    for f in fields_of("hubspot"):
        if not f.ours:
            continue
        prop: dict[str, Any] = {"name": f.api, "label": f.label, "groupName": "icp_agent",
                                "type": f.kind, "fieldType": {
                                    "number": "number", "enumeration": "select",
                                    "datetime": "date"}.get(f.kind, "text")}
        if f.kind == "enumeration":
            prop["options"] = [{"label": t, "value": t, "displayOrder": i}
                               for i, t in enumerate(TIERS)]
        props.append(prop)
    return {"group": {"name": "icp_agent", "label": "ICP agent"}, "properties": props}


def hubspot_import(header: list[str], file_name: str) -> dict[str, Any]:
    mappings = []
    for column in header:
        mapping: dict[str, Any] = {"columnObjectTypeId": "0-2", "columnName": column,
                                   "propertyName": column}
        if column == "domain":
            mapping["idColumnType"] = "HUBSPOT_ALTERNATE_ID"  # domain: the unique key
        mappings.append(mapping)
    return {"name": "icp-agent fit scores", "importOperations": {"0-2": "UPSERT"},
            "dateFormat": "YEAR_MONTH_DAY",
            "files": [{"fileName": file_name, "fileFormat": "CSV",
                       "fileImportPage": {"hasHeader": True, "columnMappings": mappings}}]}


def salesforce_job() -> dict[str, Any]:
    return {"object": "Account", "externalIdFieldName": SALESFORCE_KEY, "contentType": "CSV",
            "operation": "upsert", "lineEnding": "LF", "columnDelimiter": "COMMA"}


def _plan_md(plan: Plan, files: list[str]) -> str:
    counts = plan.counts()
    lines = [f"# CRM load plan ({plan.target})", "",
             f"_Planned {plan.created_at}; ICP {plan.icp_version or '(not named)'}. A dry "
             "run: nothing has been written to the CRM._", "",
             "| action | rows |", "|---|---:|", *(f"| {a} | {n} |" for a, n in counts.items()),
             "", "Files: " + ", ".join(f"`{f}`" for f in files), ""]
    field_counts = Counter((c.api, c.rule) for r in plan.rows for c in r.changes
                           if c.rule not in ("same",))
    if field_counts:
        lines += ["## Fields", "", "| field | rule | rows |", "|---|---|---:|"]
        lines += [f"| {api} | {rule} | {n} |" for (api, rule), n in sorted(field_counts.items())]
        lines.append("")
    for action in ("conflict", "no key", "duplicate key"):
        picked = [r for r in plan.rows if r.action == action]
        if not picked:
            continue
        lines += [f"## {action.capitalize()} ({len(picked)})", ""]
        for r in picked[:50]:
            detail = r.why or "; ".join(f"{c.api}: CRM has '{c.old}', last plan wrote "
                                        f"otherwise; we would write '{c.new}'"
                                        for c in r.changes if c.rule == "conflict")
            lines.append(f"- row {r.row} {r.name or r.key}: {detail}")
        if len(picked) > 50:
            lines.append(f"- … {len(picked) - 50} more in plan.csv")
        lines.append("")
    return "\n".join(lines)


def write_bundle(plan: Plan, folder: Path, policy: Policy, sources: dict[str, str]) -> list[str]:
    """The bundle's files, written into a new folder; its names."""
    if folder.exists():
        raise CrmError("the bundle folder already exists; pass a new folder to -o (bundles "
                       "are never overwritten)", str(folder))
    staging = folder.with_name(f".{folder.name}.partial")
    staging.mkdir(parents=True, exist_ok=True)
    header, rows = import_rows(plan)
    files: dict[str, str] = {}
    if plan.target == "hubspot":
        files["hubspot_companies.csv"] = _csv([header, *rows])
        files["hubspot_properties.json"] = json.dumps(hubspot_properties(), indent=2)
        files["hubspot_import.json"] = json.dumps(hubspot_import(header,
                                                                 "hubspot_companies.csv"),
                                                  indent=2)
    else:
        files["salesforce_accounts.csv"] = _csv([header, *rows])
        files["salesforce_job.json"] = json.dumps(salesforce_job(), indent=2)
    plan_rows = [PLAN_COLUMNS]
    for r in plan.rows:
        changes = [c for c in r.changes if c.rule != "same"] or [None]
        for c in changes:
            plan_rows.append([str(r.row), r.key, r.name, r.action, c.api if c else "",
                              c.old if c else "", c.new if c else "",
                              c.rule if c else r.why])
    files["plan.csv"] = _csv(plan_rows)
    files["plan.md"] = _plan_md(plan, sorted(files))
    files["policy.yaml"] = policy.path.read_text(encoding="utf-8") if policy.path else ""
    files["bundle.json"] = json.dumps({"target": plan.target, "created_at": plan.created_at,
                                       "icp_version": plan.icp_version, "counts":
                                       plan.counts(), **sources}, indent=2)
    for name, text in files.items():
        with (staging / name).open("w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    staging.rename(folder)
    return sorted(files)


def remember(plan: Plan, written: Written) -> None:
    """What this plan writes, so the next plan can tell a person's edits from ours."""
    for r in plan.rows:
        for api, value in r.writes().items():
            if value != "#N/A":
                written.record(r.key, api, value)
    written.save()


def read_plan(folder: Path) -> tuple[Target, dict[str, dict[str, str]]]:
    """A bundle's target and, per record key, the fields it writes."""
    manifest = folder / "bundle.json"
    if not manifest.exists():
        raise CrmError("not a bundle made by `icp crm plan` (no bundle.json)", str(folder))
    target = json.loads(manifest.read_text(encoding="utf-8"))["target"]
    writes: dict[str, dict[str, str]] = {}
    with (folder / "plan.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["action"] in ("create", "update", "conflict") and row["rule"] in (
                    *WRITES, "clear"):
                writes.setdefault(row["key"], {})[row["field"]] = row["new"]
    return target, writes


@dataclass
class BundleResult:
    folder: Path
    files: list[str]
    counts: dict[str, int]


def plan_bundle(home: Path, scored: Path, target: Target, export: Path | None, output: Path,
                icp_version: str = "", policy_file: Path | None = None) -> BundleResult:
    """Plan, write the bundle and remember what it writes (the CLI, the chat and the UI)."""
    policy = Policy.load(policy_file or policy_path(home))
    written = Written(home, target)
    plan = make_plan(scored, target, export, policy, written, icp_version)
    files = write_bundle(plan, output, policy, {
        "scored": str(scored.resolve()), "export": str(export.resolve()) if export else ""})
    remember(plan, written)
    return BundleResult(output, files, plan.counts())


def zip_bundle(folder: Path) -> Path:
    """The bundle as one zip beside it (for a download)."""
    import zipfile

    archive = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, f"{folder.name}/{path.name}")
    return archive


def icp_version(home: Path, icp: Path | None = None) -> str:
    """The version a list was scored with: ``icp``'s, else the workspace's newest, else ""."""
    from agent.icp import versions
    from retrieval.errors import VersionError

    if icp is not None:
        doc = versions.load_file(icp)
        return f"v{doc.version}" if doc.version else icp.name
    try:
        return f"v{versions.load(home).version}"
    except VersionError:  # no ICP in the workspace: the version stays blank
        return ""


def workspace_bundle(home: Path, scored: Path, target: Target,
                     export: Path | None = None) -> tuple[BundleResult, Path]:
    """A bundle in the workspace (``crm/bundles/``) for the chat and the web UI, and its zip."""
    from retrieval.workspace import crm_bundles_dir

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    folder = crm_bundles_dir(home) / f"{scored.stem}-{target}-{stamp}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    result = plan_bundle(home, scored, target, export, folder, icp_version(home))
    return result, zip_bundle(folder)
