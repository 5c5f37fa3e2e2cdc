"""Shared fixtures. Tests are offline: sockets may only reach the loopback range."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

from agent.settings import Settings
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from retrieval.store import EvidenceStore

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_DATA = ROOT / "agent" / "sample_data"

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if ip is None or not ip.is_loopback:
            raise OSError(f"tests may not reach the network ({host})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A workspace in tmp with deterministic hashed embeddings (no model load)."""
    for var in ("ICP_HOME", "ICP_CHROMA_URL", "ICP_EMBEDDINGS", "ICP_COLLECTION", "ICP_LLM"):
        monkeypatch.delenv(var, raising=False)
    return Settings(home=tmp_path / "home", embeddings="hash:256")


@pytest.fixture
def embedder(settings: Settings) -> Embedder:
    return settings.embedder()


@pytest.fixture
def store(settings: Settings, embedder: Embedder) -> EvidenceStore:
    return settings.store(embedder)


@pytest.fixture
def ingestor(store: EvidenceStore, embedder: Embedder) -> Ingestor:
    return Ingestor(store, embedder)


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The real packaged model, loaded once per test session."""
    return Embedder("minilm")
