"""``icp ui``: a Gradio app over the chat agent (a thin layer: every action is a tool call).

Left: the chat (streamed answers, tool steps shown as collapsible notes), evidence and
prospect-list uploads. Right: the current ICP as Markdown, its version history, its
validation on held-out deals, and downloads. Below: the classified prospects with tier and
reasons. Everything shown is read back from the workspace, so reloading the page (or
restarting the server) loses nothing.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent.chat.agent import ChatAgent, Delta, Done, StepEvent
from agent.chat.session import Message
from agent.crm.bundle import workspace_bundle
from agent.crm.targets import TARGETS
from agent.fit.enriched_row import read_enriched
from agent.icp import versions
from agent.pipeline import latest_validation
from agent.ui.charts import bars
from agent.validate.html import render_validation
from retrieval.ingest import FileResult
from retrieval.ingest import Progress as IngestProgress

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home

import gradio as gr  # noqa: E402  (after the analytics switch)

from agent.base import workspace as paths
from agent.base.errors import IcpError

TABLE_COLUMNS = ["domain", "tier", "score", "confidence", "status", "ICP", "reasons"]
EVIDENCE_TYPES = [".csv", ".tsv", ".xlsx", ".json", ".jsonl", ".md", ".txt", ".vtt", ".srt"]
PLACEHOLDER = ("Ask: “what are our top pains?” · “draft an ICP” · “exclude companies under "
               "50 employees” · “classify acme.com” · “why is acme.com a C?”")

log = logging.getLogger(__name__)


def chat_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """The stored conversation as Gradio chat messages (tool steps as titled notes)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "assistant":
            out += [_step_message(s.tool, s.result, s.ok) for s in m.steps]
        out.append({"role": m.role, "content": m.content})
    return out


def _step_message(tool: str, result: str, ok: bool) -> dict[str, Any]:
    return {"role": "assistant", "content": result[:600] or "(done)",
            "metadata": {"title": f"tool: {tool}" + ("" if ok else " (failed)"),
                         "status": "done"}}


class _GradioIngestProgress(IngestProgress):
    def __init__(self, progress: gr.Progress) -> None:
        self.progress = progress
        self.records = 0

    def file_started(self, path: Path, index: int, total: int) -> None:
        self.progress((index, total), desc=f"ingesting {path.name}", unit="files")

    def records_done(self, count: int) -> None:
        self.records += count

    def file_finished(self, result: FileResult) -> None:
        pass


def tier_mix_html(path: Path) -> str:
    """A bar per fit tier of an enriched or scored list (share of its rows)."""
    counts: Counter[str] = Counter()
    for _, row in read_enriched(path):
        counts[row.fit_tier or "not scored"] += 1
    total = sum(counts.values()) or 1
    order = [t for t in ("A", "B", "C", "D", "unknown", "not scored") if counts[t]]
    return ("<p><b>Tier mix</b> of " + html.escape(path.name) + f" ({total} rows)</p>"
            + bars("tier mix", [f"tier {t} ({counts[t]} rows)" for t in order],
                   [(counts[t] / total,) * 3 for t in order], scale=1.0))


class UIState:
    """What the panels show, read from the agent's workspace."""

    def __init__(self, agent: ChatAgent) -> None:
        self.agent = agent
        self.home = agent.tools.ws.home

    def icp_markdown(self) -> str:
        numbers = versions.list_versions(self.home)
        if not numbers:
            return ("_No ICP yet._ Upload evidence (or use what is in the store) and ask "
                    "“draft an ICP”.")
        return (versions.icp_dir(self.home) / f"v{numbers[-1]}.md").read_text(encoding="utf-8")

    def versions_markdown(self) -> str:
        return self.agent.tools.list_versions().text.replace("\n", "\n\n")

    def icp_files(self) -> list[str] | None:
        numbers = versions.list_versions(self.home)
        if not numbers:
            return None
        folder = versions.icp_dir(self.home)
        return [str(folder / f"v{numbers[-1]}.md"), str(folder / f"v{numbers[-1]}.json")]

    def table(self) -> list[list[Any]]:
        rows = sorted(self.agent.tools.prospects.all().values(),
                      key=lambda r: r.get("classified_at", ""), reverse=True)
        return [[r["domain"], r["fit_tier"], r["fit_score"], f"{r['fit_confidence']:.0%}",
                 r.get("fetch_status", ""), f"v{r.get('icp_version', '?')}",
                 " · ".join(r.get("fit_reasons", []))[:400]] for r in rows]

    def validation_html(self) -> str:
        report = latest_validation(self.home)
        if report is None:
            return ("<p>No validation yet. It learns the criteria on older closed deals and "
                    "checks how well they rank the newer ones.</p>")
        return render_validation(report, fragment=True)

    def panels(self) -> tuple[str, str, list[str] | None, list[list[Any]]]:
        return self.icp_markdown(), self.versions_markdown(), self.icp_files(), self.table()


def build_app(agent: ChatAgent) -> gr.Blocks:
    state = UIState(agent)
    uploads = paths.uploads_dir(state.home)
    mode = "offline engine (type “help”)" if agent.offline else f"LLM: {agent.model}"

    with gr.Blocks(title="icp-agent") as app:
        gr.Markdown(f"## icp-agent · evidence-backed ICP builder\n{mode} · workspace "
                    f"`{state.home}`", elem_id="header")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=520, elem_id="chat",
                                     placeholder=PLACEHOLDER)
                with gr.Row():
                    box = gr.Textbox(placeholder=PLACEHOLDER, show_label=False, scale=5,
                                     elem_id="chat-input", submit_btn=False)
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                with gr.Row():
                    evidence = gr.File(label="Upload evidence (win-loss, tickets, "
                                       "transcripts, reviews)", file_count="multiple",
                                       file_types=EVIDENCE_TYPES, elem_id="evidence-upload")
                    prospect_list = gr.File(label="Upload a prospect list (CSV or XLSX) to enrich",
                                            file_types=[".csv", ".tsv", ".xlsx"],
                                            elem_id="prospect-upload")
                status = gr.Markdown(elem_id="status")
                tier_mix = gr.HTML(elem_id="tier-mix")
                enriched = gr.File(label="Enriched CSV", interactive=False,
                                   elem_id="enriched-download")
                crm_bundles = gr.File(label="CRM load bundles (HubSpot, Salesforce: a dry-run "
                                      "plan and import files; see plan.md)",
                                      interactive=False, file_count="multiple",
                                      elem_id="crm-bundle-download")
            with gr.Column(scale=2):
                with gr.Tab("Current ICP"):
                    icp_md = gr.Markdown(elem_id="icp-panel", height=560)
                with gr.Tab("Versions"):
                    versions_md = gr.Markdown(elem_id="versions")
                with gr.Tab("Validation"):
                    run_validation = gr.Button("Validate the ICP on held-out deals",
                                               elem_id="run-validation")
                    validation_html = gr.HTML(state.validation_html(),
                                              elem_id="validation-panel")
                icp_download = gr.File(label="Download the ICP (Markdown, JSON)",
                                       file_count="multiple", interactive=False,
                                       elem_id="icp-download")
        table = gr.Dataframe(headers=TABLE_COLUMNS, label="Classified prospects",
                             interactive=False, wrap=True, elem_id="prospects")
        panels = [icp_md, versions_md, icp_download, table]

        def load() -> tuple[Any, ...]:
            return (chat_messages(agent.session.messages), *state.panels())

        def respond(text: str, history: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
            if not text.strip():
                yield (history, "", *[gr.skip()] * len(panels))
                return
            history = [*history, {"role": "user", "content": text}]
            answer: dict[str, Any] = {"role": "assistant", "content": ""}
            for event in agent.respond(text):
                if isinstance(event, StepEvent):
                    s = event.step
                    history.append(_step_message(s.tool, s.result, s.ok))
                elif isinstance(event, Delta):
                    if answer not in history:
                        history.append(answer)
                    answer["content"] += event.text
                elif isinstance(event, Done):
                    answer["content"] = event.message.content
                    if answer not in history:
                        history.append(answer)
                    yield (history, "", *state.panels())
                    return
                yield (history, "", *[gr.skip()] * len(panels))

        # Gradio finds its progress tracker by this default value, hence the noqa.
        def ingest(files: list[str] | None,
                   progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
            if not files:
                return ("", *[gr.skip()] * len(panels))
            uploads.mkdir(parents=True, exist_ok=True)
            agent.tools.progress = lambda: _GradioIngestProgress(progress)
            lines = []
            try:
                for path in files:  # a stable path per file name: re-uploads update, not add
                    kept = uploads / Path(path).name
                    shutil.copyfile(path, kept)
                    result = agent.tools.ingest_file(str(kept))
                    lines.append(("" if result.ok else "**Failed:** ") + result.text)
            finally:
                agent.tools.progress = None  # this upload's progress bar ends with it
            return ("\n\n".join(lines), *state.panels())

        def enrich(path: str | None,
                   progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
            if not path:
                return ("", None, None, "", *[gr.skip()] * len(panels))
            uploads.mkdir(parents=True, exist_ok=True)
            kept = uploads / Path(path).name
            shutil.copyfile(path, kept)
            result = agent.tools.enrich_list(
                str(kept), progress=lambda done, total: progress(
                    (done, max(total, 1)), desc="enriching", unit="domains"))
            output = paths.enriched_output(state.home, kept)
            bundles = None
            if result.ok and agent.tools.current_icp() is not None:
                try:  # the CRM bundles come beside the list; a failure never costs the list
                    bundles = [str(workspace_bundle(state.home, output, target)[1])
                               for target in TARGETS]
                except IcpError as exc:
                    log.warning("no CRM bundle for %s: %s", output, exc)
            return (("" if result.ok else "**Failed:** ") + result.text,
                    str(output) if result.ok else None, bundles,
                    tier_mix_html(output) if result.ok else "", *state.panels())

        def validate() -> str:
            result = agent.tools.validate_icp(rerun=True)
            if not result.ok:
                return f"<p><b>Could not validate:</b> {html.escape(result.text)}</p>"
            return state.validation_html()

        app.load(load, outputs=[chatbot, *panels])
        run_validation.click(validate, outputs=validation_html)
        for trigger in (send.click, box.submit):
            trigger(respond, inputs=[box, chatbot], outputs=[chatbot, box, *panels])
        evidence.upload(ingest, inputs=evidence, outputs=[status, *panels])
        prospect_list.upload(enrich, inputs=prospect_list,
                             outputs=[status, enriched, crm_bundles, tier_mix, *panels])
    return app


def theme() -> gr.themes.Base:
    """The default look with the machine's own fonts (no font downloads)."""
    return gr.themes.Default(font=["system-ui", "sans-serif"],
                             font_mono=["ui-monospace", "monospace"])


def serve(agent: ChatAgent, host: str, port: int, password: str | None = None,
          user: str = "revops") -> None:
    app = build_app(agent)
    app.queue(default_concurrency_limit=1)  # one workspace, one writer
    app.launch(server_name=host, server_port=port, auth=(user, password) if password else None,
               ssr_mode=False, share=False, theme=theme(), footer_links=[],
               allowed_paths=[str(agent.tools.ws.home)], show_error=True)
