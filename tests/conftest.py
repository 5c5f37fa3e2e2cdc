"""Shared fixtures. Tests are offline: sockets may only reach the loopback range."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agent.settings import Settings
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from retrieval.store import EvidenceStore

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
EXPORTS = Path(__file__).parent / "fixtures" / "exports"
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_DATA = ROOT / "agent" / "sample_data"
SAMPLE_SITES = ROOT / "agent" / "demo" / "sample_sites"

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


def shared_data(relative: str) -> Path:
    """A file of the shared real data (``../shared/data``), or a visible skip without it.

    ``.ci/run`` sets ``ICP_REQUIRE_SHARED_DATA=1``: there a missing file fails the test
    instead, so the real-data tests always run in CI. A clone of the repository alone
    runs the fixture subsets in ``tests/fixtures/`` instead.
    """
    path = SHARED_DATA / relative
    if not path.exists():
        message = f"needs ../shared/data/{relative} (not in this checkout)"
        if os.environ.get("ICP_REQUIRE_SHARED_DATA"):
            pytest.fail(message)
        pytest.skip(message)
    return path


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_server(argv: list[str], port: int, name: str, timeout: float = 120) -> Iterator[None]:
    """Run a server process on 127.0.0.1:``port`` until the block ends."""
    log = open(f"/tmp/{name.split()[0]}-server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(argv, stdout=log, stderr=log)
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"{name} did not start on port {port}") from None
            time.sleep(0.2)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def injection_pair(tmp_path: Path, injection: str) -> Path:
    """Two copies of a sample prospect site, the second with ``injection`` planted in it."""
    base = (SAMPLE_SITES / "tinyshop" / "index.html").read_text()
    root = tmp_path / "sites"
    for name, html in (("a_clean", base), ("b_injected", base.replace("</h1>",
                                                                      "</h1>" + injection))):
        (root / name).mkdir(parents=True)
        (root / name / "index.html").write_text(html)
    return root
