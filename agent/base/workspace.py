"""Where everything lives in a workspace (``ICP_HOME``, default ``~/.icp``): one module, so
a path changes in one place. Functions take the workspace's home directory.

    chroma/                 the embedded evidence store (chroma.lock guards writes)
    mappings/               the column mapping each source file was ingested with
    icp/vN.json, vN.md      ICP versions
    mining/latest.json      the last mining result
    validation/             validation reports (latest.json, HTML)
    logs.db                 every model call (``icp logs``)
    llm_probe.json          what each endpoint supports
    evals/runs/             eval runs; evals/prompt_locks.json: prompt hashes runs used
    chat/                   chat sessions and the prospects looked up in them
    uploads/, enriched/     files given to and written by the web UI and the chat

An enrichment run keeps its state beside its output (``OUT.csv.state.sqlite``).
"""

from __future__ import annotations

from pathlib import Path


def chroma_dir(home: Path) -> Path:
    return home / "chroma"


def chroma_lock(home: Path) -> Path:
    return home / "chroma.lock"


def mappings_dir(home: Path) -> Path:
    return home / "mappings"


def icp_dir(home: Path) -> Path:
    return home / "icp"


def mining_latest(home: Path) -> Path:
    return home / "mining" / "latest.json"


def validation_dir(home: Path) -> Path:
    return home / "validation"


def call_log(home: Path) -> Path:
    return home / "logs.db"


def llm_probe_cache(home: Path) -> Path:
    return home / "llm_probe.json"


def eval_runs_dir(home: Path) -> Path:
    return home / "evals" / "runs"


def prompt_locks(home: Path) -> Path:
    return home / "evals" / "prompt_locks.json"


def chat_dir(home: Path) -> Path:
    return home / "chat"


def uploads_dir(home: Path) -> Path:
    return home / "uploads"


def enriched_dir(home: Path) -> Path:
    return home / "enriched"


def enriched_output(home: Path, source: Path) -> Path:
    """Where the web UI and the chat write the enrichment of ``source``."""
    return enriched_dir(home) / f"{source.stem}-enriched.csv"


def enriched_lists(home: Path) -> list[Path]:
    """The enriched lists in the workspace, oldest first: the web UI's and the chat's
    (``enriched/``) and any ``*.enriched.csv`` at the top (``icp demo`` writes one)."""
    found = list(enriched_dir(home).glob("*.csv")) + list(home.glob("*.enriched.csv"))
    return sorted(found, key=lambda p: p.stat().st_mtime)


def run_state(output: Path) -> Path:
    """An enrichment run's resumable state, beside its output."""
    return output.with_name(output.name + ".state.sqlite")


def crm_dir(home: Path) -> Path:
    """The CRM load policy and what earlier plans wrote (to tell a person's edits)."""
    return home / "crm"


def crm_bundles_dir(home: Path) -> Path:
    """CRM load bundles the chat and the web UI prepare."""
    return crm_dir(home) / "bundles"
