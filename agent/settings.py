"""One settings object for the whole tool, with ``ICP_*`` environment overrides.

Precedence: command-line option > environment variable > default. Nothing here builds a
client; the workspace only resolves paths.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.base import workspace as paths
from agent.base.errors import ModelMismatchError, SettingsError
from retrieval.embeddings import Embedder
from retrieval.store import EvidenceStore
from retrieval.tables.mapping import MappingStore

if TYPE_CHECKING:
    from agent.fit.score import Thresholds


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ICP_", extra="ignore")

    home: Path = Field(default=Path.home() / ".icp",
                       description="workspace directory (store, ICP versions, logs)")
    chroma_url: str | None = Field(default=None,
                                   description="Chroma server URL; embedded store when unset")
    collection: str = Field(default="evidence", min_length=3)
    embeddings: str = Field(default="minilm",
                            description="minilm | hf:PATH | openai:MODEL | hash:DIM")
    embed_batch_size: int = Field(default=8, ge=1, description="texts per model call on a "
                                  "CPU (8 measured fastest on 2 cores, and 400 MB less peak "
                                  "memory than 64); at least 256 on a GPU")
    embed_backend: str = Field(default="auto", pattern=r"^(auto|torch|onnx|onnx-int8)$",
                               description="local embedding models: auto | torch | onnx | "
                               "onnx-int8 (see retrieval/embeddings.py)")
    device: str = Field(default="auto", pattern=r"^(auto|cpu|cuda)$",
                        description="where the torch backend embeds: auto (CUDA when torch "
                        "sees a GPU) | cpu | cuda")
    llm: str = Field(default="none", description="none | openai:MODEL")
    llm_timeout: float = Field(default=60.0, gt=0, description="seconds per model call")
    llm_max_tokens: int = Field(default=1024, ge=16, description="answer length cap per call")
    llm_max_attempts: int = Field(default=3, ge=1, le=10,
                                  description="attempts per call (first try + re-asks)")
    llm_method: str = Field(default="auto", description="auto | json_schema | "
                            "function_calling | json_mode (auto probes the endpoint)")
    llm_direct_http: bool = Field(default=True, description="model calls go straight to "
                                  "the OpenAI-compatible endpoint; false: through "
                                  "LangChain's ChatOpenAI (callbacks, tracing), slower")
    redact_pii: bool | None = Field(default=None, description="redact e-mails and phone "
                                    "numbers in prompts; default: yes unless the endpoint "
                                    "is on this machine")
    fit_tiers: str = Field(default="", pattern=r"^(\d+(\.\d+)?,\d+(\.\d+)?,\d+(\.\d+)?)?$",
                           description="score thresholds of tiers A,B,C (below C: D); unset: "
                           "a scorecard ICP's own cuts (tier A = the top 20% of training "
                           "deals), 75,55,35 for older ICPs")
    fit_tier_shares: str = Field(default="20,30,30", pattern=r"^\d+(\.\d+)?,\d+(\.\d+)?,"
                                 r"\d+(\.\d+)?$", description="percent of the training "
                                 "deals a scorecard puts in tiers A, B and C (D: the rest)")
    max_record_mb: float = Field(default=5.0, gt=0, description="the most text one record "
                                 "(a row's text, a note, a ticket, a turn) may hold; a longer "
                                 "one is refused, named with its file and row")
    vendor: str = Field(default="", description="your company's name: its people's words "
                        "in transcripts are not customer evidence")

    def thresholds(self) -> Thresholds:
        from agent.fit.score import Thresholds  # the enrichment stack loads on demand

        if not self.fit_tiers:
            return Thresholds()
        a, b, c = (float(x) for x in self.fit_tiers.split(","))
        if not a >= b >= c:
            raise SettingsError(f"ICP_FIT_TIERS must be decreasing (A,B,C), not {self.fit_tiers}")
        return Thresholds(a=a, b=b, c=c, explicit=True)

    def tier_shares(self) -> tuple[float, float, float]:
        a, b, c = (float(x) / 100 for x in self.fit_tier_shares.split(","))
        if not (a > 0 and min(b, c) >= 0 and a + b + c <= 1):
            raise SettingsError(f"ICP_FIT_TIER_SHARES must be three shares (%) of at most 100 "
                             f"together, not {self.fit_tier_shares}")
        return a, b, c

    def workspace(self) -> Path:
        home = self.home.expanduser()
        home.mkdir(parents=True, exist_ok=True)
        return home

    def mappings(self) -> MappingStore:
        """The column mapping each source file was ingested with."""
        return MappingStore(paths.mappings_dir(self.home.expanduser()))  # created on first save

    def embedder(self) -> Embedder:
        return Embedder(self.embeddings, batch_size=self.embed_batch_size,
                        backend=self.embed_backend, device=self.device)

    def store(self, embedder: Embedder) -> EvidenceStore:
        """The evidence store; with an automatic embedding backend, the backend the store's
        vectors were made with (so a store from before a default changed keeps working)."""
        try:
            return EvidenceStore.open(self.workspace(), self.collection, embedder.model_id,
                                      self.chroma_url)
        except ModelMismatchError as exc:
            if not embedder.adopt(exc.recorded):
                raise
            return EvidenceStore.open(self.workspace(), self.collection, embedder.model_id,
                                      self.chroma_url)
