"""The chat agent's tools: thin wrappers over the product's own jobs.

Each tool returns a :class:`ToolResult`: the text the model (or the user) reads, and the
citations behind it (evidence source ids with verbatim quotes, or prospect page URLs). The
same methods serve the LLM agent (as LangChain tools) and the offline intent router.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from pydantic import Field

from agent.base import workspace as paths
from agent.base.errors import RevisionError, VersionError
from agent.chat.proof_tools import ProofTools
from agent.chat.prospect_book import ProspectBook, book_row, company_of
from agent.chat.revise import Revision, apply
from agent.chat.tools_base import (
    ChatTool,
    Citation,
    ToolResult,
    chat_tool,
    cite,
    declared_tools,
)
from agent.fit.enriched_row import read_enriched
from agent.icp import versions
from agent.icp.markdown import render
from agent.icp.model import ICPDocument
from agent.pipeline import Workspace, draft_icp, mine_store
from retrieval.ingest import Ingestor, Progress, column_lines
from retrieval.mining.models import MiningResult
from retrieval.search import search

log = logging.getLogger(__name__)


# The parameters the model fills, with what it reads about each.
Query = Annotated[str, Field(description="what to look for in the evidence, in plain words")]
HowMany = Annotated[int, Field(ge=1, le=20, description="how many to list")]
Version = Annotated[str, Field(description="an ICP version: v1, v2 …")]
Website = Annotated[str, Field(description="the prospect's website or domain, e.g. acme.com")]


class ChatTools(ProofTools):
    """The product's jobs as tools over one workspace."""

    def __init__(self, ws: Workspace, allow_private: bool = False,
                 progress: Callable[[], Progress | None] | None = None) -> None:
        self.ws = ws
        self.allow_private = allow_private
        self.prospects = ProspectBook(ws.home)
        self.progress = progress
        self._mining: tuple[int, MiningResult] | None = None
        self.turn = "0"  # set by the agent: the id of the user turn being served

    # evidence -------------------------------------------------------------------------
    @chat_tool("search duplicate records", "what do customers say about pricing?")
    def search_evidence(self, query: Query, k: HowMany = 5) -> ToolResult:
        """Search the ingested win-loss notes, tickets, call transcripts and reviews;
        returns quotes with their source ids."""
        if self.ws.store.count() == 0:
            return ToolResult("The evidence store is empty: upload or ingest files first.",
                              ok=False)
        hits = search(self.ws.store, self.ws.embedder, query, k)
        cites = [Citation(str(h.metadata.get("source_id", h.id)), _sentence(h.text))
                 for h in hits]
        return ToolResult(f"{len(hits)} passages match “{query}”.", cites)

    def mining(self) -> MiningResult:
        count = self.ws.store.count()
        if self._mining is None or self._mining[0] != count:
            self._mining = (count, mine_store(self.ws).mining)
        return self._mining[1]

    @chat_tool("what are our top pains?", "what are the top pains of lost deals?")
    def list_pain_points(self, limit: HowMany = 5, outcome: Annotated[
            Literal["", "won", "lost", "churned"], Field(
                description="only the pains voiced in deals with this outcome, most voiced "
                "there first; empty for all")] = "") -> ToolResult:
        """The recurring customer pain points with counts and quotes (of all deals, or of
        the won, lost or churned ones)."""
        if self.ws.store.count() == 0:
            return ToolResult("No evidence yet: upload or ingest files first.", ok=False)
        themes = self.mining().themes
        if outcome:
            themes = sorted((t for t in themes if t.by_outcome.get(outcome)),
                            key=lambda t: -t.by_outcome.get(outcome, 0))
        themes = themes[:limit]
        if not themes:
            return ToolResult("No recurring pain point found in the evidence"
                              + (f" of {outcome} deals." if outcome else "."))
        lines, cites = [], []
        for i, t in enumerate(themes, 1):
            outcomes = ", ".join(f"{k} {v}" for k, v in t.by_outcome.items())
            lines.append(f"{i}. {t.label}: {t.size} mentions at {t.accounts} accounts "
                         f"({outcomes})")
            cites += cite(t.quotes, 1)
        head = f"Top recurring pain points of {outcome} deals" if outcome else \
            "Top recurring pain points"
        return ToolResult(f"{head}:\n" + "\n".join(lines), cites)

    @chat_tool("ingest /path/to/tickets.csv")
    def ingest_file(self, path: Annotated[str, Field(
            description="path of an evidence file or folder on this machine")]) -> ToolResult:
        """Ingest an evidence file or folder into the store."""
        target = Path(path).expanduser()
        if not target.exists():
            return ToolResult(f"{target}: no such file or folder", ok=False)
        bar = self.progress() if self.progress else None
        summary = Ingestor(self.ws.store, self.ws.embedder, progress=bar,
                           mappings=self.ws.settings.mappings(),
                           max_record_mb=self.ws.settings.max_record_mb).ingest([target])
        self._mining = None
        lines = []
        for f in summary.files:
            line = (f"{Path(f.path).name}: {f.status}" + (f" as {f.kind}" if f.kind else "")
                    + f", {f.records} records, {f.chunks_added} chunks added"
                    + (f" ({f.error})" if f.error else "")
                    + (f", {len(f.problems)} bad rows skipped" if f.problems else ""))
            details = column_lines(f.columns, f.mapping) + f.notes
            lines.append(line + "".join(f"\n  - {d}" for d in details))
        return ToolResult("Ingest finished.\n" + "\n".join(lines) +
                          f"\nThe store now holds {self.ws.store.count()} chunks.",
                          ok=summary.ok)

    # the ICP ----------------------------------------------------------------------------
    def current_icp(self) -> ICPDocument | None:
        try:
            return versions.load(self.ws.home)
        except VersionError:
            return None

    @chat_tool("draft an ICP")
    def draft_icp(self) -> ToolResult:
        """Draft a new ICP version from all the evidence."""
        if self.ws.store.count() == 0:
            return ToolResult("The evidence store is empty: upload or ingest evidence first.",
                              ok=False)
        doc = draft_icp(self.ws).doc
        return self._describe(doc, f"Drafted ICP v{doc.version}.")

    @chat_tool("show the ICP")
    def show_icp(self, version: Annotated[str, Field(
            description="v1, v2 …; empty for the newest")] = "") -> ToolResult:
        """Show the current (or a given) ICP version with its criteria."""
        try:
            doc = versions.load(self.ws.home, version or None)
        except VersionError as exc:
            return ToolResult(str(exc), ok=False)
        return self._describe(doc, f"ICP v{doc.version} ({doc.engine} engine).")

    def _describe(self, doc: ICPDocument, head: str) -> ToolResult:
        lines, cites = [head], []
        for title, group in (("Criteria", doc.criteria), ("Triggers", doc.triggers),
                             ("Exclusions", doc.exclusions)):
            if group:
                lines.append(f"{title}:")
                for c in group[:6]:
                    lines.append(f"- {c.statement} (support {c.support}, {c.confidence})")
                    cites += cite(c.evidence, 1)
        if doc.personas:
            lines.append("Personas: " + ", ".join(p.role for p in doc.personas))
        lines += [f"Note: {n}" for n in doc.notes[:3]]
        return ToolResult("\n".join(lines), cites)

    @chat_tool("which personas should we target?")
    def show_personas(self) -> ToolResult:
        """The buyer personas of the current ICP: each role with its goals, pains and
        objections, and the evidence behind it."""
        doc = self.current_icp()
        if doc is None:
            return ToolResult("Draft an ICP first: personas come with it.", ok=False)
        if not doc.personas:
            return ToolResult(f"ICP v{doc.version} has no personas: the evidence names no "
                              "roles (speakers in calls, reviewer job titles, a role column).")
        lines, cites = [f"Personas of ICP v{doc.version}, most voiced first:"], []
        for p in sorted(doc.personas, key=lambda p: -p.mentions):
            lines.append(f"- {p.role}: {p.mentions} mentions at {len(p.accounts)} accounts"
                         + (f" (titles: {', '.join(p.titles[:3])})" if p.titles else ""))
            for what, items in (("goals", p.goals), ("pains", p.pains),
                                ("objections", p.objections)):
                if items:
                    lines.append(f"  {what}: " + "; ".join(items[:3]))
            cites += cite(p.evidence, 1)
        return ToolResult("\n".join(lines), cites)

    @chat_tool("exclude companies under 50 employees", "exclude industry retail",
               "exclude companies using Dynamics", "add criterion technology: Snowflake",
               "remove the retail exclusion", "change size to 200-999",
               "rename persona Revenue operations to RevOps lead")
    def revise_icp(self, change: Revision) -> ToolResult:
        """Revise the newest ICP and save it as a new version: add, remove or adjust a
        criterion, add an exclusion, rename a persona."""
        doc = self.current_icp()
        if doc is None:
            return ToolResult("There is no ICP to revise yet: ask me to draft one first.",
                              ok=False)
        try:
            new, line = apply(doc, change, self.turn)
        except RevisionError as exc:
            return ToolResult(f"Could not revise v{doc.version}: {exc}", ok=False)
        versions.save(self.ws.home, new, render(new))
        cites = [Citation(f"chat:{self.turn}", change.reason)] if change.reason else []
        return ToolResult(f"Saved ICP v{new.version}: {line} (was v{doc.version}).", cites)

    @chat_tool("list versions")
    def list_versions(self) -> ToolResult:
        """List the saved ICP versions."""
        numbers = versions.list_versions(self.ws.home)
        if not numbers:
            return ToolResult("No ICP versions yet.")
        lines = []
        for n in numbers:
            doc = versions.load(self.ws.home, n)
            change = next((x for x in doc.notes if x.startswith("Revised in chat")), "drafted")
            lines.append(f"v{n} · {doc.created_at} · {doc.engine} · {change}")
        return ToolResult("ICP versions:\n" + "\n".join(lines))

    @chat_tool("compare v1 and v2")
    def compare_versions(self, a: Version, b: Version) -> ToolResult:
        """What changed between two ICP versions (a: the older, b: the newer)."""
        try:
            first, second = versions.load(self.ws.home, a), versions.load(self.ws.home, b)
        except VersionError as exc:
            return ToolResult(str(exc), ok=False)
        changes = versions.diff(first, second)
        if not changes:
            return ToolResult(f"v{first.version} and v{second.version} are the same.")
        return ToolResult(f"From v{first.version} to v{second.version}:\n" + "\n".join(changes))

    # prospects --------------------------------------------------------------------------
    @chat_tool("classify acme.com")
    def classify_prospect(self, prospect: Website) -> ToolResult:
        """Fetch a prospect's website and score its fit against the newest ICP (tier,
        score, reasons)."""
        from agent.fit.classify import classify_url  # the enrichment stack loads on demand
        from agent.pipeline import structured_llm

        doc = self.current_icp()
        if doc is None:
            return ToolResult("Draft an ICP first: a prospect is judged against it.", ok=False)
        settings = self.ws.settings
        result = classify_url(prospect, doc, allow_private=self.allow_private,
                              llm=structured_llm(settings, self.ws.chat, self.ws.model)
                              if self.ws.chat else None, thresholds=settings.thresholds())
        row = result.as_row()
        row.update(icp_version=doc.version,
                   classified_at=datetime.now(UTC).isoformat(timespec="seconds"))
        if row["domain"]:
            self.prospects.put(row)
        return self._verdict(row, head=True)

    def enrich_list(self, path: str,
                    progress: Callable[[int, int], None] | None = None) -> ToolResult:
        """Enrich and score a prospect list (CSV or XLSX) into ``enriched/<name>-enriched.csv``;
        its rows join the prospect table."""
        from agent.base.errors import BatchError
        from agent.batch.run import BatchOptions, run_enrich

        doc = self.current_icp()
        source = Path(path).expanduser()
        output = paths.enriched_output(self.ws.home, source)
        output.parent.mkdir(parents=True, exist_ok=True)
        state = paths.run_state(output)
        state.unlink(missing_ok=True)  # a new upload is a new run
        options = BatchOptions(allow_private=self.allow_private,
                               thresholds=self.ws.settings.thresholds())
        try:
            summary = run_enrich(source, output, doc, options, progress=progress)
        except (BatchError, ValueError, OSError) as exc:
            return ToolResult(f"{source.name}: {exc}", ok=False)
        if doc is not None:
            for inputs, row in read_enriched(output):
                if row.domain:
                    self.prospects.put({
                        **book_row(row, company_of(inputs), output, doc.version),
                        "classified_at": datetime.now(UTC).isoformat(timespec="seconds")})
        if doc is None:
            return ToolResult(f"Enriched {summary.rows} rows ({summary.domains} domains) into "
                              f"{output}. No ICP yet, so no fit scores: draft one and upload "
                              "the list again to score it.")
        tiers = ", ".join(f"{k} {v}" for k, v in sorted(summary.tiers.items()))
        return ToolResult(f"Enriched {summary.rows} rows ({summary.domains} domains; tiers: "
                          f"{tiers or 'none'}) into {output}.")

    @chat_tool("why is acme.com a C?")
    def explain_fit(self, prospect: Website, claimed_tier: Annotated[str, Field(
            description="the tier the user believes it has, if they said one (A, B, C, D)")]
            = "") -> ToolResult:
        """Explain the fit verdict of a prospect already classified: each criterion with
        the page quote it was judged on."""
        row = self.prospects.find(prospect)
        if row is None and not re.search(r"[.:/]", prospect.strip()):
            return ToolResult(f"No prospect named '{prospect}' in the workspace: classify its "
                              "website first (e.g. 'classify acme.com') or upload its list.",
                              ok=False)
        result = self.classify_prospect(prospect) if row is None else \
            self._verdict(row, head=False)
        row = row or self.prospects.find(prospect)
        claimed = claimed_tier.strip().upper()
        if row and claimed and claimed != str(row["fit_tier"]).upper():
            result.text = f"It is tier {row['fit_tier']}, not {claimed}.\n" + result.text
        return result

    @chat_tool("prepare the HubSpot import",
               "prepare the Salesforce import against /path/export.csv")
    def prepare_crm_import(self, target: Literal["hubspot", "salesforce"] = "hubspot",
                           export_path: Annotated[str, Field(
                               description="the user's current CRM export (CSV) to plan "
                               "against; empty: plan as if the CRM were empty")] = "",
                           ) -> ToolResult:
        """Prepare a HubSpot or Salesforce load bundle (a dry-run plan and import files)
        from the newest enriched list, against the user's CRM export when a path is given."""
        from agent.crm.bundle import workspace_bundle
        from agent.crm.targets import TARGETS, Target

        lists = paths.enriched_lists(self.ws.home)
        if not lists:
            return ToolResult("No enriched list yet: upload a prospect list to enrich first.",
                              ok=False)
        if target not in TARGETS:
            return ToolResult(f"Unknown CRM '{target}': hubspot or salesforce.", ok=False)
        export = Path(export_path).expanduser() if export_path else None
        result, archive = workspace_bundle(self.ws.home, lists[-1], cast(Target, target),
                                           export)
        folder = result.folder
        counts = ", ".join(f"{a} {n}" for a, n in result.counts.items() if n)
        note = "" if export else (" Planned as if the CRM were empty (every row a create): give "
                                  "me your CRM export's path for a real plan, e.g. 'prepare the "
                                  f"{target} import against /path/export.csv'.")
        return ToolResult(f"{target.capitalize()} load bundle from {lists[-1].name}: {counts}. "
                          f"Review {folder / 'plan.md'}, then import; the bundle is also "
                          f"{archive}. Nothing was written to the CRM.{note}")

    def _verdict(self, row: dict[str, Any], head: bool) -> ToolResult:
        score = "no score" if row["fit_score"] is None else f"score {row['fit_score']}"
        who = f"{row['name']} ({row['domain']})" if row.get("name") else \
            row["domain"] or row["input"]
        version = f"ICP v{row['icp_version']}" if row.get("icp_version") else "the ICP"
        lines = [f"{who} is tier {row['fit_tier']} ({score}, confidence "
                 f"{row['fit_confidence']:.0%}) against {version}."]
        if row.get("fetch_status") != "ok":
            lines.append(f"The site was {row['fetch_status']}: {row.get('error', '')}")
        cites = []
        for v in row.get("verdicts", []):
            mark = {"match": "✓", "mismatch": "✗", "excluded": "✗ excluded"}.get(v["result"])
            points = f" ({v['points']:+d})" if v.get("points") and v["result"] == "match" \
                else ""
            if mark:
                lines.append(f"{mark} {v['criterion']}: {v['reason']}{points}")
                if v.get("quote"):
                    cites.append(Citation(v["url"], v["quote"]))
        if not row.get("verdicts"):
            lines += row.get("fit_reasons", [])
        unknown = sum(1 for v in row.get("verdicts", []) if v["result"] == "unknown")
        if unknown:
            lines.append(f"? {unknown} criteria could not be judged from the site.")
        if row.get("llm_fit_tier"):
            lines.append(f"The LLM's own judgement: tier {row['llm_fit_tier']}.")
        if not head:
            lines.insert(0, "Why:")
        return ToolResult("\n".join(lines), cites[:6])



TOOLS: dict[str, ChatTool] = declared_tools(ChatTools)  # every tool, declared once above


def _sentence(text: str, limit: int = 240) -> str:
    """A verbatim excerpt of a chunk short enough to quote."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    return cut[:end + 1] if end > 60 else cut.rsplit(" ", 1)[0]
