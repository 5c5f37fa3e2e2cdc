"""Structured calls through the chat-model protocol (``agent/llm/model.py``), with a
bounded re-ask, and the choice of the adapter that carries them.

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
from collections.abc import Generator
from pathlib import Path
from typing import Any, TypeVar, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, SecretStr

from agent.base.errors import LLMError, LLMUnavailable
from agent.llm.calllog import CallLog, log_call
from agent.llm.langchain_model import LangChainModel
from agent.llm.model import METHODS, Answer, ChatModel, Method
from agent.llm.prompts import PromptFile

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)


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


def open_chat_model(model: str, timeout: float, max_tokens: int = 1024,
                    direct_http: bool = True) -> ChatModel:
    """The adapter for ``openai:MODEL``, chosen once: direct HTTP (fast, the default) or
    LangChain's ``ChatOpenAI`` (callbacks and tracing; a fresh model per event loop)."""
    from langchain_openai import ChatOpenAI

    from agent.llm.openai_http import HTTPModel

    chat = build_chat_model(model, timeout, max_tokens)
    endpoint = os.environ.get("OPENAI_BASE_URL", "")
    if direct_http and isinstance(chat, ChatOpenAI):
        return HTTPModel(chat, model)
    return LangChainModel(chat, model, endpoint,
                          factory=lambda: build_chat_model(model, timeout, max_tokens))


def as_chat_model(chat: ChatModel | BaseChatModel, name: str = "chat-model") -> ChatModel:
    """``chat`` behind the protocol: a LangChain model a caller passes in gets the
    LangChain adapter; a protocol model is used as it is."""
    if isinstance(chat, BaseChatModel):
        return LangChainModel(chat, name, os.environ.get("OPENAI_BASE_URL", ""))
    return chat


class StructuredLLM:
    def __init__(self, chat: ChatModel | BaseChatModel, model: str, call_log: CallLog,
                 method: str = "auto", max_attempts: int = 3,
                 probe_cache: Path | None = None) -> None:
        if method not in ("auto", *METHODS):
            raise LLMError(f"unknown structured-output method '{method}'")
        self.chat = as_chat_model(chat, model)
        self.model = model
        self.call_log = call_log
        self.max_attempts = max_attempts
        self._method: Method | None = None if method == "auto" else cast(Method, method)
        self.probe_cache = probe_cache

    @property
    def endpoint(self) -> str:
        return self.chat.endpoint

    # -- probing ---------------------------------------------------------------------------

    def method(self) -> Method:
        if self._method is None:
            self._method = self._cached_probe() or self._probe()
        return self._method

    def _cache_key(self) -> str:
        return f"{self.endpoint or 'default'}|{self.model}"

    def _cached_probe(self) -> Method | None:
        if self.probe_cache and self.probe_cache.exists():
            try:
                found = json.loads(self.probe_cache.read_text()).get(self._cache_key())
            except ValueError:
                return None
            return found if found in METHODS else None
        return None

    def _probe(self) -> Method:
        for method in METHODS:
            try:
                self.chat.structured([HumanMessage("Reply with ok set to true.")], _Probe,
                                     method)
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
        dialogue = self._dialogue(prompt, schema, method, variables)
        messages = next(dialogue)
        while True:
            try:
                messages = dialogue.send(self.chat.structured(messages, schema, method))
            except StopIteration as done:
                return done.value
            except Exception as exc:  # network, timeout, refusal, server error
                messages = dialogue.throw(exc)

    async def aask(self, prompt: PromptFile, schema: type[T], **variables: str) -> T:
        """:meth:`ask` for code inside an event loop (calls overlap instead of blocking)."""
        method = self._method if self._method is not None else \
            await asyncio.to_thread(self.method)
        dialogue = self._dialogue(prompt, schema, method, variables)
        messages = next(dialogue)
        while True:
            try:
                answer = await self.chat.astructured(messages, schema, method)
                messages = dialogue.send(answer)
            except StopIteration as done:
                return done.value
            except Exception as exc:
                messages = dialogue.throw(exc)

    def _dialogue(self, prompt: PromptFile, schema: type[T], method: Method,
                  variables: dict[str, str]) -> Generator[list[BaseMessage], Any, T]:
        """The re-ask loop, shared by :meth:`ask` and :meth:`aask`: it yields the messages
        to send and receives the model's :class:`Answer` (or the exception raised)."""
        system, user = prompt.render(**variables)
        messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(user)]
        last_error = ""
        attempt = 0
        for attempt in range(1, self.max_attempts + 1):
            start = time.perf_counter()
            try:
                answer: Answer = yield list(messages)
            except Exception as exc:  # network, timeout, refusal, server error
                last_error = f"{type(exc).__name__}: {exc}"
                log_call(self.call_log, prompt, self.model, method, attempt, start, ok=False,
                         error=last_error)
                if _is_endpoint_refusal(exc):
                    break
                continue
            ok = isinstance(answer.parsed, schema)
            last_error = "" if ok else answer.error or "no structured answer"
            log_call(self.call_log, prompt, self.model, method, attempt, start, ok=ok,
                     input_tokens=answer.input_tokens, output_tokens=answer.output_tokens,
                     error=last_error)
            if ok:
                return cast(T, answer.parsed)
            messages += [
                AIMessage(answer.text),
                HumanMessage(f"That answer was not valid for the schema {schema.__name__}: "
                             f"{last_error[:800]}\nAnswer again, following the schema exactly."),
            ]
        raise LLMError(f"{prompt.ref} with {self.model}: no valid answer after {attempt} "
                       f"attempt(s): {last_error[:300]}")
