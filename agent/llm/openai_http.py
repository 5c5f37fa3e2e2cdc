"""The direct-HTTP adapter of the chat-model protocol: straight to an OpenAI-compatible
``/chat/completions`` endpoint.

For structured calls on the batch path, LangChain + the openai SDK cost about 10 ms of CPU
per call here (request-parameter transforms, a JSON schema rebuilt on every call,
callbacks), which caps a 2-core machine far below what a 200 ms endpoint allows at 32
calls in flight (``benchmarks/batch.py``). This adapter sends the same request LangChain
would (the body is ``ChatOpenAI``'s own payload, so model-specific rules stay LangChain's;
the tool / response-format schema is LangChain's conversion, made once per schema) over
pooled ``httpx`` clients (one async client per event loop), and streams a tool-calling
turn from the endpoint's server-sent events.

``ChatOpenAI._get_request_payload`` is private: ``langchain-openai`` is pinned below its
next major release in ``pyproject.toml``, and ``tests/test_openai_http.py`` fails when the
payload it builds moves.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import httpx
from langchain_core.messages import BaseMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr, ValidationError

from agent.base.errors import EndpointError
from agent.llm.model import Answer, Method, ToolCall, ToolSpec, TurnEnd, reply_text

ROLES = {"system": "system", "human": "user", "ai": "assistant"}
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


@lru_cache(maxsize=64)
def _tool(schema: type[BaseModel]) -> dict[str, Any]:
    return convert_to_openai_tool(schema)


def request_body(chat: ChatOpenAI, messages: list[BaseMessage],
                 schema: type[BaseModel], method: str) -> dict[str, Any]:
    """The request ``chat`` (a ``ChatOpenAI``) would send, plus the structured-output fields.

    The payload is LangChain's own (about 40 µs), so the model-specific rules stay its
    rules: ``max_completion_tokens``, no ``temperature`` for reasoning models, the
    ``developer`` role for o-series system prompts."""
    body: dict[str, Any] = chat._get_request_payload(messages)
    body["stream"] = False
    function = _tool(schema)["function"]
    if method == "function_calling":
        body["tools"] = [_tool(schema)]
        body["tool_choice"] = {"type": "function", "function": {"name": function["name"]}}
    elif method == "json_schema":
        body["response_format"] = {"type": "json_schema", "json_schema": {
            "name": function["name"], "schema": function["parameters"]}}
    else:
        body["response_format"] = {"type": "json_object"}
    return body


def parse_answer(data: dict[str, Any], schema: type[BaseModel], method: str) -> Answer:
    """A ``/chat/completions`` reply as an :class:`Answer`."""
    message = (data.get("choices") or [{}])[0].get("message") or {}
    usage = data.get("usage") or {}
    calls = [{"name": c["function"]["name"], "args": _loads(c["function"].get("arguments"))}
             for c in message.get("tool_calls") or [] if c.get("function")]
    content = message.get("content") or ""
    text = reply_text([c["args"] for c in calls], content)
    tokens = usage.get("prompt_tokens"), usage.get("completion_tokens")
    try:
        if method == "function_calling":
            if not calls:
                raise ValueError("the model called no tool")
            parsed = schema.model_validate(calls[0]["args"])
        else:
            parsed = schema.model_validate_json(_FENCE.sub("", str(content).strip()))
    except (ValidationError, ValueError) as exc:
        return Answer(None, str(exc), text, *tokens)
    return Answer(parsed, "", text, *tokens)


def _loads(arguments: Any) -> Any:
    if not isinstance(arguments, str):
        return arguments or {}
    try:
        return json.loads(arguments)
    except ValueError:
        return {"_unparsed": arguments}


class HTTPModel:
    """A ``ChatOpenAI``'s endpoint, called directly (see the module docstring)."""

    def __init__(self, chat: ChatOpenAI, name: str) -> None:
        self.chat = chat
        self.name = name
        self.endpoint = chat.openai_api_base or ""
        self.url = (chat.openai_api_base or "https://api.openai.com/v1").rstrip("/") \
            + "/chat/completions"
        secret = chat.openai_api_key
        key = secret.get_secret_value() if isinstance(secret, SecretStr) else ""
        self.headers = {"Authorization": f"Bearer {key}"}
        self.timeout = float(chat.request_timeout) \
            if isinstance(chat.request_timeout, (int, float)) else 60.0
        self._client: httpx.Client | None = None
        self._loop_client: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient] | None = None

    def _sync(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout)
        return self._client

    def _async(self) -> httpx.AsyncClient:
        """One pooled client per event loop (a client belongs to the loop that made it)."""
        loop = asyncio.get_running_loop()
        if self._loop_client is None or self._loop_client[0] is not loop:
            self._loop_client = (loop, httpx.AsyncClient(timeout=self.timeout, limits=httpx.Limits(
                max_connections=256, max_keepalive_connections=256)))
        return self._loop_client[1]

    def _checked(self, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            response.read()
            raise EndpointError(response.status_code, response.text)
        return response

    @contextmanager
    def _transport_errors(self) -> Iterator[None]:
        try:
            yield
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"{self.url}: no answer in {self.timeout:.0f} s") from exc
        except httpx.TransportError as exc:
            raise ConnectionError(f"{self.url}: {exc}") from exc

    def structured(self, messages: list[BaseMessage], schema: type[BaseModel],
                   method: Method) -> Answer:
        body = request_body(self.chat, messages, schema, method)
        with self._transport_errors():
            response = self._sync().post(self.url, json=body, headers=self.headers)
        return parse_answer(self._checked(response).json(), schema, method)

    async def astructured(self, messages: list[BaseMessage], schema: type[BaseModel],
                          method: Method) -> Answer:
        body = request_body(self.chat, messages, schema, method)
        with self._transport_errors():
            response = await self._async().post(self.url, json=body, headers=self.headers)
        return parse_answer(self._checked(response).json(), schema, method)

    def turn(self, messages: list[BaseMessage], tools: Sequence[ToolSpec]
             ) -> Iterator[str | TurnEnd]:
        body: dict[str, Any] = self.chat._get_request_payload(messages, tools=[
            t.openai() for t in tools]) if tools else self.chat._get_request_payload(messages)
        body["stream"] = True
        end = TurnEnd()
        calls: dict[int, dict[str, Any]] = {}
        with self._transport_errors(), self._sync().stream(
                "POST", self.url, json=body, headers=self.headers) as response:
            for event in _events(self._checked(response)):
                usage = event.get("usage") or {}
                if usage:
                    end.input_tokens = usage.get("prompt_tokens")
                    end.output_tokens = usage.get("completion_tokens")
                delta = ((event.get("choices") or [{}])[0] or {}).get("delta") or {}
                if delta.get("content"):
                    end.text += delta["content"]
                    yield delta["content"]
                for part in delta.get("tool_calls") or []:
                    call = calls.setdefault(int(part.get("index", len(calls))),
                                            {"id": "", "name": "", "arguments": ""})
                    function = part.get("function") or {}
                    call["id"] = part.get("id") or call["id"]
                    call["name"] += function.get("name") or ""
                    call["arguments"] += function.get("arguments") or ""
        end.tool_calls = [ToolCall(c["name"], _loads(c["arguments"]), c["id"] or f"call_{i}")
                          for i, c in sorted(calls.items()) if c["name"]]
        yield end


def _events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """The JSON events of a server-sent-event stream, up to ``[DONE]``."""
    for line in response.iter_lines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            yield json.loads(data)
        except ValueError:
            continue
