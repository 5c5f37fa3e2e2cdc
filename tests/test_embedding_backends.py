"""Embedding backends and devices: ONNX Runtime (fp32, int8) beside torch, a model id per
backend so stores never mix vectors, and the device choice (tested without a GPU)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agent.base.errors import EmbeddingSpecError, ModelMismatchError
from retrieval import embeddings
from retrieval.embeddings import GPU_BATCH, MINILM_ID, Embedder, resolve_device
from retrieval.store import EvidenceStore


def test_each_backend_has_its_own_model_id() -> None:
    assert Embedder("minilm", backend="torch", device="cpu").model_id == MINILM_ID
    assert Embedder("minilm", backend="onnx", device="cpu").model_id == MINILM_ID + "@onnx"
    assert Embedder("minilm", backend="onnx-int8", device="cpu").model_id == \
        MINILM_ID + "@onnx-int8"
    auto = Embedder("minilm", device="cpu")
    assert auto.backend == embeddings.CPU_BACKEND
    assert Embedder("hash:64", backend="onnx").model_id == "hash-bow-64"  # no model to run
    with pytest.raises(EmbeddingSpecError, match="unknown embedding backend"):
        Embedder("minilm", backend="tensorrt")


def test_a_gpu_runs_torch_with_a_larger_batch() -> None:
    gpu = Embedder("minilm", device="cuda", batch_size=64)
    assert gpu.backend == "torch" and gpu.device == "cuda" and gpu.batch_size == GPU_BATCH
    assert gpu.model_id == MINILM_ID  # fp32 on a GPU: the same vectors as on the CPU
    with pytest.raises(EmbeddingSpecError, match="ONNX backend runs on the CPU"):
        Embedder("minilm", backend="onnx", device="cuda")


def test_auto_device_picks_cuda_only_when_torch_sees_it(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    import torch

    assert resolve_device("cpu") == "cpu" and resolve_device("cuda") == "cuda"
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"


def test_a_store_refuses_vectors_of_another_backend(tmp_path: Path) -> None:
    onnx = Embedder("minilm", backend="onnx-int8", device="cpu")
    EvidenceStore.open(tmp_path, "evidence", onnx.model_id)
    with pytest.raises(ModelMismatchError, match="@onnx-int8"):
        EvidenceStore.open(tmp_path, "evidence", Embedder("minilm", backend="torch").model_id)


@pytest.mark.integration
def test_onnx_vectors_match_torch_and_the_export_is_made_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_MODEL_CACHE", str(tmp_path / "models"))
    texts = ["The Salesforce sync creates duplicate accounts every night.",
             "Our reps build the forecast by hand in a spreadsheet.",
             "short", "A much longer text " * 40]
    reference = np.array(Embedder("minilm", backend="torch").embed_documents(texts))
    fp32 = np.array(Embedder("minilm", backend="onnx").embed_documents(texts))
    int8 = np.array(Embedder("minilm", backend="onnx-int8").embed_documents(texts))
    assert fp32.shape == reference.shape == int8.shape
    assert (fp32 * reference).sum(axis=1).min() > 0.9999  # same model, same vectors
    assert (int8 * reference).sum(axis=1).min() > 0.97  # quantized per channel: close
    exported = sorted((tmp_path / "models").glob("*.onnx"))
    assert [p.name.rsplit("-", 1)[1] for p in exported] == ["fp32.onnx", "int8pc.onnx"]
    stamps = [p.stat().st_mtime_ns for p in exported]
    Embedder("minilm", backend="onnx").embed_query("again")
    assert [p.stat().st_mtime_ns for p in exported] == stamps  # exported once


def test_an_automatic_backend_follows_the_store_it_opens(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A store built on another backend than this machine's automatic one (the default
    changed, or it was built with ICP_EMBED_BACKEND) keeps working without flags; an
    explicit backend is never switched."""
    from agent.settings import Settings

    for var in ("ICP_EMBED_BACKEND", "ICP_DEVICE", "ICP_EMBEDDINGS", "ICP_CHROMA_URL"):
        monkeypatch.delenv(var, raising=False)
    built_with = "onnx" if embeddings.CPU_BACKEND != "onnx" else "torch"
    recorded = Embedder("minilm", backend=built_with, device="cpu").model_id
    EvidenceStore.open(tmp_path, "evidence", recorded)
    settings = Settings(home=tmp_path, device="cpu")
    embedder = settings.embedder()
    assert embedder.backend == embeddings.CPU_BACKEND and embedder.model_id != recorded
    settings.store(embedder)
    assert embedder.backend == built_with and embedder.model_id == recorded
    explicit = Settings(home=tmp_path, device="cpu", embed_backend="onnx-int8")
    with pytest.raises(ModelMismatchError):
        explicit.store(explicit.embedder())
    other = Settings(home=tmp_path, device="cpu", embeddings="hash:64")
    with pytest.raises(ModelMismatchError):
        other.store(other.embedder())
