"""The real packaged all-MiniLM-L6-v2 model end to end (offline; slower than unit tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.embeddings import MINILM_ID, Embedder
from retrieval.ingest import Ingestor
from retrieval.search import search
from retrieval.store import EvidenceStore

from .conftest import SAMPLE_DATA

pytestmark = pytest.mark.integration


def test_semantic_search_finds_paraphrases(tmp_path: Path, minilm: Embedder) -> None:
    store = EvidenceStore.open(tmp_path, "evidence", minilm.model_id)
    assert minilm.model_id.startswith(MINILM_ID)  # the default backend of this machine
    assert Ingestor(store, minilm).ingest([SAMPLE_DATA]).ok
    # No shared keywords with the evidence: only a semantic model can match these.
    cases = {
        "salespeople never record what happened on their calls":
            re.compile(r"do not log activities|typing call notes|skipped logging"),
        "the same customer exists three times in our system": re.compile(r"duplicate", re.I),
    }
    for query, relevant in cases.items():
        top = search(store, minilm, query, k=3)
        assert relevant.search(top[0].text), (query, top[0].text)
    assert all(0.0 < h.score <= 1.0 for h in top)


def test_token_counting_uses_the_model_tokenizer(minilm: Embedder) -> None:
    assert minilm.count_tokens("hello world") == 4  # [CLS] hello world [SEP]
    assert minilm.max_tokens == 256


def test_icp_demo_command_runs_offline(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ICP_", "OPENAI_"))}
    env["ICP_HOME"] = str(tmp_path / "home")
    env["HF_HUB_OFFLINE"] = "1"
    icp = Path(sys.executable).parent / "icp"
    done = subprocess.run([str(icp), "demo"], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "6 files (6 added)" in done.stdout
    assert "duplicate" in done.stdout.lower()
