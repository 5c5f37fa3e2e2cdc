"""A sentence-transformers model (mean pooling, as all-MiniLM-L6-v2) run on ONNX Runtime.

The ONNX graph is exported once, offline, from the packaged PyTorch weights (no download)
into the model cache (``ICP_MODEL_CACHE``, default ``~/.cache/icp-agent/models``), under a
name made of the weights' hash and the precision, so every workspace reuses it. ``int8`` is
ONNX Runtime's dynamic quantization of that graph, per channel and with 7-bit weights
(cosine to the torch vectors 0.99 on real tickets, against 0.94 per tensor). Texts are
sorted by length before batching (little padding), tokenized once per batch, and pooled
and normalised as sentence-transformers does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock
from langchain_core.embeddings import Embeddings

from agent.base.errors import EmbeddingSpecError

log = logging.getLogger(__name__)

PRECISIONS = ("fp32", "int8")
FILE_TAGS = {"fp32": "fp32", "int8": "int8pc"}  # a new quantization recipe, a new tag
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def model_cache() -> Path:
    return Path(os.environ.get("ICP_MODEL_CACHE", "~/.cache/icp-agent/models")).expanduser()


def _weights_hash(model_dir: Path) -> str:
    weights = next((model_dir / n for n in ("model.safetensors", "pytorch_model.bin")
                    if (model_dir / n).exists()), None)
    if weights is None:
        raise EmbeddingSpecError(f"{model_dir}: no model.safetensors to export to ONNX")
    digest = hashlib.sha256()
    with weights.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def _check_mean_pooling(model_dir: Path) -> None:
    config = model_dir / "1_Pooling" / "config.json"
    pooling = json.loads(config.read_text()) if config.exists() else {}
    if not pooling.get("pooling_mode_mean_tokens"):
        raise EmbeddingSpecError(f"{model_dir}: the ONNX backend runs mean-pooling models "
                                 "only; use ICP_EMBED_BACKEND=torch for this one")


def export_onnx(model_dir: Path, precision: str, cache: Path | None = None) -> Path:
    """The ONNX file for ``model_dir`` at ``precision``, exported on first use."""
    if precision not in PRECISIONS:
        raise EmbeddingSpecError(f"unknown ONNX precision '{precision}' ({', '.join(PRECISIONS)})")
    _check_mean_pooling(model_dir)
    cache = cache or model_cache()
    cache.mkdir(parents=True, exist_ok=True)
    stem = f"{model_dir.name}-{_weights_hash(model_dir)}"
    target = cache / f"{stem}-{FILE_TAGS[precision]}.onnx"
    with FileLock(str(cache / f"{stem}.lock")):
        if target.exists():
            return target
        fp32 = cache / f"{stem}-fp32.onnx"
        if not fp32.exists():
            _export_fp32(model_dir, fp32)
        if precision == "int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            partial = target.with_suffix(".partial")
            quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8,
                             per_channel=True, reduce_range=True)
            partial.replace(target)
    return target


def _export_fp32(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    log.info("exporting %s to ONNX (once) into %s", model_dir.name, target)
    model = AutoModel.from_pretrained(str(model_dir)).eval()
    example = AutoTokenizer.from_pretrained(str(model_dir))(
        ["an example", "a second, longer example sentence"], padding=True, return_tensors="pt")

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    partial = target.with_suffix(".partial")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    with torch.no_grad():
        torch.onnx.export(Encoder(), tuple(example[n] for n in INPUTS), str(partial),
                          input_names=list(INPUTS), output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    partial.replace(target)


class OnnxEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over an exported mean-pooling model on ONNX Runtime."""

    def __init__(self, model_dir: str, precision: str = "fp32", batch_size: int = 8,
                 max_tokens: int = 256) -> None:
        self.model_dir = Path(model_dir)
        self.precision = precision
        self.batch_size = batch_size
        self.max_tokens = max_tokens

    @cached_property
    def session(self) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = os.cpu_count() or 1
        path = export_onnx(self.model_dir, self.precision)
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    @cached_property
    def tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(self.model_dir))

    def _embed(self, texts: list[str]) -> np.ndarray:
        order = np.argsort([len(t) for t in texts], kind="stable")
        pooled_batches = []
        for start in range(0, len(texts), self.batch_size):
            picked = order[start:start + self.batch_size]
            encoded = self.tokenizer([texts[i] for i in picked], padding=True, truncation=True,
                                     max_length=self.max_tokens, return_tensors="np")
            feed = {n: encoded[n].astype(np.int64) for n in INPUTS if n in encoded}
            if "token_type_ids" not in feed:
                feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
            hidden = self.session.run(None, feed)[0]
            mask = encoded["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            pooled_batches.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True),
                                                   1e-12, None))
        out = np.empty_like(np.concatenate(pooled_batches))
        out[order] = np.concatenate(pooled_batches)  # back to the input order
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0].tolist()
