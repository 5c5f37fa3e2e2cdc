"""Ingestion into a real Chroma store on a temp dir: idempotency, atomicity, guards."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.base.errors import ModelMismatchError, StoreBusyError
from agent.settings import Settings
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from retrieval.store import EvidenceStore, SourceEntry

from .conftest import SAMPLE_DATA


class CountingEmbedder(Embedder):
    """The hashed embedder, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__("hash:256")
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return super().embed_documents(texts)


def deals(path: Path, rows: list[str]) -> Path:
    path.write_text("Company,Outcome,Industry,Notes\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_sample_data_goes_in_with_provenance(ingestor: Ingestor, store: EvidenceStore) -> None:
    summary = ingestor.ingest([SAMPLE_DATA])
    assert summary.ok, summary.as_dict()
    assert summary.count("added") == 6
    assert store.count() == summary.total("chunks_added") > 50
    got = store.chunks.get(where={"source_file": "call_harborline.json"}, include=["metadatas"])
    meta = got["metadatas"][0]
    assert meta["kind"] == "transcript" and meta["account"] == "Harborline Software"
    assert meta["source_id"].startswith("call_harborline.json#turn=")
    assert {"speaker", "role", "outcome", "date", "source_key"} <= set(meta)


def test_reingest_of_unchanged_files_adds_nothing(store: EvidenceStore) -> None:
    embedder = CountingEmbedder()
    ingestor = Ingestor(store, embedder)
    first = ingestor.ingest([SAMPLE_DATA])
    count = store.count()
    embedder.embedded.clear()
    second = ingestor.ingest([SAMPLE_DATA])
    assert second.count("unchanged") == 6
    assert second.total("chunks_added") == 0
    assert second.total("chunks_kept") == first.total("chunks_added")
    assert store.count() == count
    assert embedder.embedded == []


def test_changed_file_replaces_its_chunks_and_reuses_vectors(tmp_path: Path,
                                                            store: EvidenceStore) -> None:
    embedder = CountingEmbedder()
    ingestor = Ingestor(store, embedder)
    path = deals(tmp_path / "deals.csv", ["A,Won,Software,Fast rollout",
                                          "B,Lost,Retail,Too expensive",
                                          "C,Won,Software,Loved dedupe"])
    ingestor.ingest([path])
    embedder.embedded.clear()
    deals(path, ["A,Won,Software,Fast rollout", "C,Won,Software,Loved dedupe",
                 "D,Lost,Energy,Needed on-prem"])
    result = ingestor.ingest([path]).files[0]
    assert result.status == "updated"
    assert result.chunks_removed == 2  # B is gone and C moved from row 4 to row 3
    assert store.count() == 3
    accounts = {m["account"] for m in store.chunks.get(include=["metadatas"])["metadatas"]}
    assert accounts == {"A", "C", "D"}
    # C's text did not change: its vector is reused, only D is embedded.
    assert len(embedder.embedded) == 1 and embedder.embedded[0].startswith("D:")


def test_duplicate_texts_are_embedded_once(tmp_path: Path, store: EvidenceStore) -> None:
    embedder = CountingEmbedder()
    path = deals(tmp_path / "dupes.csv", ["A,Won,Software,Same note"] * 50)
    summary = Ingestor(store, embedder, batch_size=16).ingest([path])
    assert summary.total("chunks_added") == 50
    assert len(embedder.embedded) == 1


def test_bad_files_fail_alone_and_leave_nothing(tmp_path: Path, ingestor: Ingestor,
                                                store: EvidenceStore) -> None:
    deals(tmp_path / "good.csv", ["A,Won,Software,Fine"])
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 100)
    (tmp_path / "noheader.csv").write_text("Company,Notes\nA,b\n", encoding="utf-8")
    (tmp_path / "broken.json").write_text('[{"title": "x"', encoding="utf-8")
    (tmp_path / "utf16.csv").write_bytes("Company,Outcome\nÉcole,Won\n".encode("utf-16"))
    (tmp_path / "latin1.csv").write_bytes("Company,Outcome\nCafé Müller,Lost\n".encode("latin-1"))
    summary = ingestor.ingest(sorted(tmp_path.iterdir()))
    by_name = {Path(f.path).name: f for f in summary.files}
    assert {n for n, f in by_name.items() if f.status == "added"} == {
        "good.csv", "utf16.csv", "latin1.csv"}
    errors = {n: f.error for n, f in by_name.items() if f.status == "failed"}
    assert "empty.csv: file is empty" in errors["empty.csv"]
    assert "binary" in errors["binary.csv"]
    assert "cannot tell whether this is win-loss, ticket or review" in errors["noheader.csv"]
    assert "malformed JSON" in errors["broken.json"]
    assert all(e.count("\n") == 0 for e in errors.values())
    sources = {Path(m["source_key"]).name
               for m in store.chunks.get(include=["metadatas"])["metadatas"]}
    assert sources == {"good.csv", "utf16.csv", "latin1.csv"}
    accounts = {m["account"] for m in store.chunks.get(include=["metadatas"])["metadatas"]}
    assert "Café Müller" in accounts and "École" in accounts


def test_failure_midway_rolls_back_to_the_previous_version(tmp_path: Path,
                                                           store: EvidenceStore) -> None:
    """A decoding error deep in a big file (after batches were written) undoes the file."""
    embedder = Embedder("hash:256")
    path = tmp_path / "big.csv"
    deals(path, ["A,Won,Software,Version one"])
    Ingestor(store, embedder).ingest([path])
    before = store.chunks.get(include=["documents"])
    good = "".join(f"Acct{i},Won,Software,{'note ' * 60}{i}\n" for i in range(2000))
    path.write_bytes(b"Company,Outcome,Industry,Notes\n" + good.encode() + b"Bad,Won,x,\xff\xfe\n")
    assert path.stat().st_size > 256 * 1024  # the bad byte is past the encoding sample
    result = Ingestor(store, embedder, batch_size=100).ingest([path]).files[0]
    assert result.status == "failed"
    assert "big.csv" in result.error and "utf-8" in result.error
    after = store.chunks.get(include=["documents"])
    assert sorted(after["documents"]) == sorted(before["documents"])
    assert store.get_source(str(path.resolve())).status == "ok"


def test_interrupted_ingest_is_cleaned_on_the_next_run(tmp_path: Path, ingestor: Ingestor,
                                                       store: EvidenceStore) -> None:
    path = deals(tmp_path / "deals.csv", ["A,Won,Software,Fine"])
    ingestor.ingest([path])
    key = str(path.resolve())
    # What a kill -9 midway leaves behind: a pending ledger entry and some chunks.
    store.put_source(SourceEntry(key, "new-hash", "pending", "winloss"))
    store.upsert(["orphan"], ["half-written"], [{"source_key": key, "kind": "winloss"}],
                 [[1.0] + [0.0] * 255])
    summary = ingestor.ingest([path])
    assert summary.recovered == [key]
    assert summary.files[0].status == "added"  # the file goes in again, whole
    assert store.count() == 1
    assert store.chunks.get(ids=["orphan"])["ids"] == []


def test_a_different_embedding_model_is_refused(settings: Settings, ingestor: Ingestor) -> None:
    ingestor.ingest([SAMPLE_DATA / "tickets"])
    other = Embedder("hash:128")
    with pytest.raises(ModelMismatchError, match="built with embedding model 'hash-bow-256'"):
        EvidenceStore.open(settings.workspace(), settings.collection, other.model_id)


def test_a_second_writer_is_refused_with_advice(settings: Settings, store: EvidenceStore,
                                                ingestor: Ingestor) -> None:
    lock = settings.workspace() / "chroma.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from filelock import FileLock; l = FileLock(sys.argv[1]); "
         "l.acquire(); print('held', flush=True); time.sleep(30)", str(lock)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        with pytest.raises(StoreBusyError, match="--chroma-url"):
            ingestor.ingest([SAMPLE_DATA / "tickets"])
        assert time.monotonic() - start < 10
    finally:
        holder.kill()
        holder.wait()
    assert ingestor.ingest([SAMPLE_DATA / "tickets"]).ok
