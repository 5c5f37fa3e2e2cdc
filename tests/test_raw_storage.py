"""A record's raw text is stored once, whatever its length: chunks refer to it.

Quotes are cut from the raw text (:mod:`agent.base.quotes`); before, every chunk carried a
copy of its record's whole raw text, so storage grew with the square of a record. These
tests read the store's own collections to check that the raw text is there once, that
quotes still come out verbatim, that re-ingests and roll-backs keep the raw entries in
step with the chunks, that a store written the old way migrates, and that an oversized
record is refused by name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.base.quotes import RAW_KEY, RAW_REF_KEY, bare, flat, raw_ref
from retrieval.corpus import Corpus
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from retrieval.mining.statements import find_statements
from retrieval.store import EvidenceStore

PARAGRAPH = ("The nightly sync with {name} **fails** whenever a contact has two e-mail "
             "addresses, and our team loses a morning <!-- internal --> fixing duplicates by "
             "hand. ")


def _name(i: int) -> str:
    """A made-up word per paragraph (sentences repeated everywhere are template text)."""
    return "".join("bcdfghjklmnprstvz"[(i // 17 ** k) % 17] + "aeiou"[(i + k) % 5]
                   for k in range(3)).capitalize()


def long_note(path: Path, paragraphs: int) -> Path:
    """A markdown win-loss note whose cleaned text differs from its raw text (markup)."""
    body = "\n\n".join(f"On call {i} they said it again. " + PARAGRAPH.format(name=_name(i))
                       + f"Ticket #{i} is still open." for i in range(paragraphs))
    path.write_text("---\naccount: Acme\noutcome: lost\n---\n" + body, encoding="utf-8")
    return path


def stored_metadata_bytes(store: EvidenceStore) -> int:
    got = store.chunks.get(include=["metadatas"])
    return sum(len(json.dumps(m)) for m in got["metadatas"])


def test_a_long_record_stores_its_raw_text_once(tmp_path: Path, ingestor: Ingestor,
                                                store: EvidenceStore) -> None:
    note = long_note(tmp_path / "long.md", 400)
    size = note.stat().st_size
    summary = ingestor.ingest([note])
    assert summary.ok and summary.total("chunks_added") > 50
    metas = store.chunks.get(include=["metadatas"])["metadatas"]
    assert all(RAW_KEY not in m for m in metas)
    assert {m[RAW_REF_KEY] for m in metas} == store.raw_ids(str(note.resolve()))
    assert len(store.raw_ids(str(note.resolve()))) == 1
    # chunk metadata is provenance only: a few hundred bytes a chunk, not the record
    assert stored_metadata_bytes(store) < size
    chunks = Corpus.load(store).chunks
    assert all(c.raw is chunks[0].raw for c in chunks)  # one list, shared
    raw = flat(chunks[0].raw[0])
    statements = find_statements((c.id, c.text, c.meta) for c in chunks)
    assert statements and all(bare(s.text) in raw for s in statements if s.text)


def test_reingest_and_roll_back_keep_raw_entries_with_their_chunks(
        tmp_path: Path, ingestor: Ingestor, store: EvidenceStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    note = long_note(tmp_path / "n.md", 30)
    key = str(note.resolve())
    ingestor.ingest([note])
    first = store.raw_ids(key)
    long_note(note, 31)  # changed: a new raw entry replaces the old one
    assert ingestor.ingest([note]).ok
    second = store.raw_ids(key)
    assert len(second) == 1 and second != first

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("disk full")

    long_note(note, 32)
    monkeypatch.setattr(store, "upsert", broken)
    result = ingestor.ingest([note]).files[0]
    assert result.status == "failed"
    assert store.raw_ids(key) == second  # the new entry was rolled back, the old one kept


def test_an_old_store_moves_its_raw_copies_to_one_entry_per_record(
        tmp_path: Path, embedder: Embedder) -> None:
    from agent.base.workspace import chroma_dir
    from retrieval.store import make_client

    home = tmp_path / "old"
    client = make_client(home, None)
    old = client.get_or_create_collection(
        "evidence", embedding_function=None,
        metadata={"hnsw:space": "cosine", "embedding_model": embedder.model_id})
    encoded = json.dumps(["Raw **text** of the note."])
    old.add(ids=["a", "b"], embeddings=[[0.1] * 256, [0.2] * 256],
            documents=["Raw text", "of the note."],
            metadatas=[{"source_key": "/x/n.md", "locator": "note", "kind": "winloss",
                        "source_id": "n.md#note", RAW_KEY: encoded, "chunk_index": i}
                       for i in range(2)])
    del client
    assert chroma_dir(home).exists()
    store = EvidenceStore.open(home, "evidence", embedder.model_id)
    metas = store.chunks.get(include=["metadatas"])["metadatas"]
    assert all(RAW_KEY not in m for m in metas)
    ref = raw_ref("/x/n.md", "note", encoded)
    assert {m[RAW_REF_KEY] for m in metas} == {ref}
    assert store.raw_texts([ref]) == {ref: ["Raw **text** of the note."]}
    assert all(c.raw == ["Raw **text** of the note."] for c in Corpus.load(store).chunks)
    # opened again: nothing left to move, the layout is recorded
    assert EvidenceStore.open(home, "evidence", embedder.model_id).chunks.metadata[
        "raw_layout"] == "once"


def test_a_record_over_the_size_limit_is_refused_by_name(
        tmp_path: Path, store: EvidenceStore, embedder: Embedder) -> None:
    big = long_note(tmp_path / "big.md", 800)  # about 150 KB
    small = long_note(tmp_path / "small.md", 2)
    summary = Ingestor(store, embedder, max_record_mb=0.1).ingest([big, small])
    by_name = {Path(f.path).name: f for f in summary.files}
    assert by_name["small.md"].status == "added"
    failed = by_name["big.md"]
    assert failed.status == "failed"
    assert str(big) in failed.error and "row note" in failed.error
    assert "over the limit of 0.1 MB" in failed.error
    assert not store.raw_ids(str(big.resolve()))


def test_a_folder_of_hostile_files_ingests_in_under_a_minute(
        tmp_path: Path, ingestor: Ingestor, store: EvidenceStore) -> None:
    """Twelve files a user may drop in one folder: a 2 MB note on one line, a 6 MB one,
    empty, binary, broken JSON, broken XLSX, a CSV with no outcome, UTF-16, NUL bytes,
    bad JSONL lines, an empty caption file and one good export. Every bad file is named,
    the good ones go in, nothing is left half-written."""
    import time

    folder = tmp_path / "bad-inputs"
    folder.mkdir()
    sentence = ("the sync dropped {i} contacts and support took days to answer our ticket "
                "about the duplicate accounts ")
    line = "".join(sentence.format(i=i) for i in range(2_000_000 // 95))
    (folder / "pasted-call.txt").write_text(line[:2_000_000], encoding="utf-8")
    (folder / "dump.txt").write_text(line * 3, encoding="utf-8")  # about 6 MB
    (folder / "empty.csv").write_text("", encoding="utf-8")
    (folder / "binary.csv").write_bytes(bytes(range(256)) * 64)
    (folder / "broken.json").write_text('[{"speaker": "A", "text": "hi"', encoding="utf-8")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (folder / "no-outcome.csv").write_text("Company,Notes\nAcme,\n", encoding="utf-8")
    (folder / "utf16.csv").write_text("Account,Stage,Notes\nAcme,Closed Won,Sync is slow\n",
                                      encoding="utf-16")
    (folder / "nul.md").write_bytes(b"# note\x00\x00\x00 with NUL bytes")
    (folder / "lines.jsonl").write_text('{"account": "A", "outcome": "won", "notes": "ok"}\n'
                                        "not json\n[1, 2]\n", encoding="utf-8")
    (folder / "captions.vtt").write_text("WEBVTT\n\n", encoding="utf-8")
    (folder / "deals.csv").write_text(
        "Account,Stage,Notes\nAcme,Closed Won,The forecast took hours every Monday.\n"
        "Globex,Closed Lost,Price was too high for a team of 20.\n", encoding="utf-8")
    started = time.monotonic()
    summary = ingestor.ingest([folder])
    assert time.monotonic() - started < 60
    assert len(summary.files) == 12
    by_name = {Path(f.path).name: f for f in summary.files}
    assert by_name["deals.csv"].status == "added"
    assert by_name["pasted-call.txt"].status == "added"
    failed = {n for n, f in by_name.items() if f.status == "failed"}
    assert {"dump.txt", "empty.csv", "binary.csv", "broken.json", "broken.xlsx"} <= failed
    assert "over the limit of 5 MB" in by_name["dump.txt"].error
    for name in failed:
        assert name in by_name[name].error  # every error names its file
    assert not store.sources.get(where={"status": "pending"})["ids"]
    keys = {m["source_key"] for m in store.chunks.get(include=["metadatas"])["metadatas"]}
    assert keys == {str((folder / n).resolve()) for n, f in by_name.items()
                    if f.status != "failed"}
