"""The Chroma server seam: a real ``chroma run`` on 127.0.0.1, written through HttpClient."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.base.errors import StoreError
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from retrieval.search import search
from retrieval.store import EvidenceStore

from .conftest import SAMPLE_DATA, free_port, local_server


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    argv = [exe, "run", "--path", str(tmp_path_factory.mktemp("chroma-server")),
            "--host", "127.0.0.1", "--port", str(port)]
    with local_server(argv, port, "chroma server", timeout=60):
        yield f"http://127.0.0.1:{port}"


def test_ingest_and_search_through_a_chroma_server(tmp_path: Path, chroma_url: str) -> None:
    embedder = Embedder("hash:256")
    store = EvidenceStore.open(tmp_path, "evidence", embedder.model_id, chroma_url=chroma_url)
    summary = Ingestor(store, embedder).ingest([SAMPLE_DATA])
    assert summary.ok and summary.count("added") == 6
    again = Ingestor(store, embedder).ingest([SAMPLE_DATA])
    assert again.count("unchanged") == 6
    hits = search(store, embedder, "duplicate contacts from event lists", k=3)
    assert hits and hits[0].metadata["source_file"]
    assert not (tmp_path / "chroma").exists()  # nothing embedded locally


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        EvidenceStore.open(tmp_path, "evidence", "x", chroma_url=f"http://127.0.0.1:{free_port()}")
