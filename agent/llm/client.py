"""Structured calls to any OpenAI-compatible chat model, with a bounded re-ask.

The endpoint is probed once for the structured-output method it supports (JSON schema,
function calling, or JSON mode, in that order) and the answer is cached in the workspace.
Every attempt is logged. An answer that does not validate is sent back with the
validation error (instructor's re-ask); after ``max_attempts`` the call fails with
:class:`LLMError` and the caller falls back to the offline engine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, SecretStr

from agent.base.errors import LLMError, LLMUnavailable
from agent.llm.calllog import CallLog, CallRecord
from agent.llm.openai_http import OpenAIHTTP
from agent.llm.prompts import PromptFile

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
METHODS = ("json_schema", "function_calling", "json_mode")


class _Probe(BaseModel):
    """Reply with ok set to true."""

    ok: bool


def parse_llm_spec(spec: str) -> str | None:
    """``none`` -> None; ``openai:MODEL`` -> MODEL."""
    spec = spec.strip()
    if spec in ("", "none"):
        return None
    kind, _, model = spec.partition(":")
    if kind != "openai" or not model:
        raise LLMError(f"unknown LLM '{spec}': use none or openai:MODEL "
                       "(any OpenAI-compatible endpoint via OPENAI_BASE_URL)")
    return model


def build_chat_model(model: str, timeout: float, max_tokens: int = 1024) -> BaseChatModel:
    """LangChain ``ChatOpenAI`` for the endpoint in ``OPENAI_BASE_URL`` (default OpenAI)."""
    from langchain_openai import ChatOpenAI

    base_url = os.environ.get("OPENAI_BASE_URL") or None
    api_key = os.environ.get("OPENAI_API_KEY")
    if not api_key:
        if base_url is None:
            raise LLMError("OPENAI_API_KEY is not set (or set OPENAI_BASE_URL for a local "
                           "OpenAI-compatible server)")
        api_key = "not-needed"  # local servers (llama.cpp, vLLM, Ollama) ignore it
    import httpx

    # An async client of its own (LangChain's default one is shared process-wide and
    # bound to the first event loop that used it).
    return ChatOpenAI(model=model, base_url=base_url, api_key=SecretStr(api_key),
                      timeout=timeout, max_retries=1, temperature=0,
                      max_tokens=max_tokens,  # type: ignore[call-arg]  # a pydantic alias
                      http_async_client=httpx.AsyncClient(timeout=timeout))


def _is_unreachable(exc: Exception) -> bool:
    """A network failure or timeout: no point trying another request shape."""
    import openai

    return isinstance(exc, (openai.APIConnectionError, openai.APITimeoutError, TimeoutError,
                            ConnectionError))


def _is_endpoint_refusal(exc: Exception) -> bool:
    """A 4xx-style rejection of the request shape (not a network failure)."""
    status = getattr(exc, "status_code", None)
    return (isinstance(status, int) and 400 <= status < 500) or isinstance(
        exc, (NotImplementedError, ValueError, TypeError))


class StructuredLLM:
    def __init__(self, chat: BaseChatModel, model: str, call_log: CallLog,
                 method: str = "auto", max_attempts: int = 3,
                 probe_cache: Path | None = None, endpoint: str = "",
                 chat_factory: Callable[[], BaseChatModel] | None = None,
                 direct_http: bool = True) -> None:
        if method not in ("auto", *METHODS):
            raise LLMError(f"unknown structured-output method '{method}'")
        self.chat = chat
        self.model = model
        self.call_log = call_log
        self.max_attempts = max_attempts
        self._method = None if method == "auto" else method
        self.probe_cache = probe_cache
        self.endpoint = endpoint
        self.chat_factory = chat_factory
        self._loop_chat: tuple[asyncio.AbstractEventLoop, BaseChatModel] | None = None
        self._loop_fast: tuple[asyncio.AbstractEventLoop, OpenAIHTTP | None] | None = None
        self.direct_http = direct_http

    # -- probing ---------------------------------------------------------------------------

    def method(self) -> str:
        if self._method is None:
            self._method = self._cached_probe() or self._probe()
        return self._method

    def _cache_key(self) -> str:
        return f"{self.endpoint or 'default'}|{self.model}"

    def _cached_probe(self) -> str | None:
        if self.probe_cache and self.probe_cache.exists():
            try:
                return json.loads(self.probe_cache.read_text()).get(self._cache_key())
            except ValueError:
                return None
        return None

    def _probe(self) -> str:
        for method in METHODS:
            try:
                self.chat.with_structured_output(_Probe, method=method, include_raw=True).invoke(
                    [HumanMessage("Reply with ok set to true.")])
            except Exception as exc:
                if _is_unreachable(exc):
                    raise LLMUnavailable(f"cannot reach the model {self.model}: {exc}") from exc
                # Servers reject an unsupported response format with 400, 422 or even 500.
                log.info("endpoint refuses %s: %s", method, exc)
                continue
            if self.probe_cache:
                known = {}
                if self.probe_cache.exists():
                    try:
                        known = json.loads(self.probe_cache.read_text())
                    except ValueError:
                        known = {}
                known[self._cache_key()] = method
                self.probe_cache.write_text(json.dumps(known, indent=2))
            log.info("structured output via %s for %s", method, self.model)
            return method
        raise LLMUnavailable(
            f"the endpoint for {self.model} supports no structured-output method")

    # -- asking ----------------------------------------------------------------------------

    def ask(self, prompt: PromptFile, schema: type[T], **variables: str) -> T:
        """Render ``prompt``, call the model, validate against ``schema``, re-ask on error."""
        method = self.method()
        runnable = self.chat.with_structured_output(schema, method=method, include_raw=True)
        dialogue = self._dialogue(prompt, schema, method, variables)
        messages = next(dialogue)
        while True:
            try:
                messages = dialogue.send(runnable.invoke(messages))
            except StopIteration as done:
                return done.value
            except Exception as exc:  # network, timeout, refusal, server error
                messages = dialogue.throw(exc)

    async def aask(self, prompt: PromptFile, schema: type[T], **variables: str) -> T:
        """:meth:`ask` for code inside an event loop (calls overlap instead of blocking)."""
        method = self._method if self._method is not None else \
            await asyncio.to_thread(self.method)
        fast = self._fast_for_this_loop()
        runnable = None if fast else self._chat_for_this_loop().with_structured_output(
            schema, method=method, include_raw=True)
        dialogue = self._dialogue(prompt, schema, method, variables)
        messages = next(dialogue)
        while True:
            try:
                answer = await (fast.structured(messages, schema, method) if fast
                                else runnable.ainvoke(messages))  # type: ignore[union-attr]
                messages = dialogue.send(answer)
            except StopIteration as done:
                return done.value
            except Exception as exc:
                messages = dialogue.throw(exc)

    def _fast_for_this_loop(self) -> OpenAIHTTP | None:
        """The direct HTTP client for a ``ChatOpenAI`` model, one per event loop."""
        if not self.direct_http:
            return None
        loop = asyncio.get_running_loop()
        if self._loop_fast is None or self._loop_fast[0] is not loop:
            self._loop_fast = (loop, OpenAIHTTP.from_chat(self.chat))
        return self._loop_fast[1]

    def _chat_for_this_loop(self) -> BaseChatModel:
        """Async HTTP clients belong to one event loop: a new loop gets a new model."""
        loop = asyncio.get_running_loop()
        if self.chat_factory is None:
            return self.chat
        if self._loop_chat is None or self._loop_chat[0] is not loop:
            self._loop_chat = (loop, self.chat_factory())
        return self._loop_chat[1]

    def _dialogue(self, prompt: PromptFile, schema: type[T], method: str,
                  variables: dict[str, str]) -> Generator[list[BaseMessage], Any, T]:
        """The re-ask loop, shared by :meth:`ask` and :meth:`aask`: it yields the messages
        to send and receives the model's structured output (or the exception raised)."""
        system, user = prompt.render(**variables)
        messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(user)]
        last_error = ""
        attempt = 0
        for attempt in range(1, self.max_attempts + 1):
            start = time.perf_counter()
            record = CallRecord(prompt.task, prompt.version, prompt.sha256, self.model, method,
                                attempt, ok=False, latency_ms=0)
            try:
                out: dict[str, Any] = yield list(messages)
            except Exception as exc:  # network, timeout, refusal, server error
                record.latency_ms = int((time.perf_counter() - start) * 1000)
                record.error = f"{type(exc).__name__}: {exc}"
                self.call_log.record(record)
                last_error = record.error
                if _is_endpoint_refusal(exc):
                    break
                continue
            record.latency_ms = int((time.perf_counter() - start) * 1000)
            raw = out.get("raw")
            usage = getattr(raw, "usage_metadata", None) or {}
            record.input_tokens = usage.get("input_tokens")
            record.output_tokens = usage.get("output_tokens")
            parsed = out.get("parsed")
            if isinstance(parsed, schema):
                record.ok = True
                self.call_log.record(record)
                return parsed
            error = out.get("parsing_error") or "no structured answer"
            record.error = str(error)
            self.call_log.record(record)
            last_error = record.error
            messages += [
                AIMessage(_raw_text(raw)),
                HumanMessage(f"That answer was not valid for the schema {schema.__name__}: "
                             f"{str(error)[:800]}\nAnswer again, following the schema exactly."),
            ]
        raise LLMError(f"{prompt.ref} with {self.model}: no valid answer after {attempt} "
                       f"attempt(s): {last_error[:300]}")


def _raw_text(raw: Any) -> str:
    if raw is None:
        return "(no answer)"
    calls = getattr(raw, "tool_calls", None)
    if calls:
        return json.dumps([c.get("args") for c in calls])[:2000]
    content = getattr(raw, "content", "")
    return (content if isinstance(content, str) else json.dumps(content))[:2000] or "(empty)"
