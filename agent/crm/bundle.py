"""A load bundle: the plan written as import files, ``plan.csv``/``plan.md``, the policy and
a manifest, in a new folder (never overwritten), and the jobs the CLI, the chat and the web UI
run to make one."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.base.cells import safe_cells
from agent.base.errors import CrmError
from agent.crm.plan import PLAN_COLUMNS, WRITES, FieldChange, Plan, make_plan
from agent.crm.policy import Policy, Written, policy_path
from agent.crm.targets import SALESFORCE_KEY, TIERS, Target, fields_of, key_field


def _csv(rows: list[list[str]]) -> str:
    """A bundle file: every cell through the one spreadsheet rule (:mod:`agent.base.cells`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(safe_cells(row) for row in rows)
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
             *(["Planned against an empty CRM (no export given, or one with no records): "
                "every row with a key is a create.", ""] if plan.empty_crm else []),
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
        changes: list[FieldChange | None] = [c for c in r.changes if c.rule != "same"] or [None]
        for c in changes:
            plan_rows.append([str(r.row), r.key, r.name, r.action, c.api if c else "",
                              c.old if c else "", c.new if c else "",
                              c.rule if c else r.why])
    files["plan.csv"] = _csv(plan_rows)
    files["plan.md"] = _plan_md(plan, sorted(files))
    files["policy.yaml"] = policy.path.read_text(encoding="utf-8") if policy.path else ""
    files["bundle.json"] = json.dumps({"target": plan.target, "created_at": plan.created_at,
                                       "icp_version": plan.icp_version, "counts":
                                       plan.counts(), "empty_crm": plan.empty_crm,
                                       **sources}, indent=2)
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
    empty_crm: bool = False


def plan_bundle(home: Path, scored: Path, target: Target, export: Path | None, output: Path,
                icp_version: str = "", policy_file: Path | None = None) -> BundleResult:
    """Plan, write the bundle and remember what it writes (the CLI, the chat and the UI)."""
    policy = Policy.load(policy_file or policy_path(home))
    written = Written(home, target)
    plan = make_plan(scored, target, export, policy, written, icp_version)
    files = write_bundle(plan, output, policy, {
        "scored": str(scored.resolve()), "export": str(export.resolve()) if export else ""})
    remember(plan, written)
    return BundleResult(output, files, plan.counts(), plan.empty_crm)


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
    from agent.base.errors import VersionError
    from agent.icp import versions

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
    from agent.base.workspace import crm_bundles_dir

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    folder = crm_bundles_dir(home) / f"{scored.stem}-{target}-{stamp}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    result = plan_bundle(home, scored, target, export, folder, icp_version(home))
    return result, zip_bundle(folder)
