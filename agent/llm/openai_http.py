"""The fast async path to an OpenAI-compatible ``/chat/completions`` endpoint.

For structured calls on the batch path, LangChain + the openai SDK cost about 10 ms of CPU
per call here (request-parameter transforms, a JSON schema rebuilt on every call,
callbacks), which caps a 2-core machine far below what a 200 ms endpoint allows at 32
calls in flight (``benchmarks/batch.py``). This client sends the same request LangChain
would (the tool / response-format schema is LangChain's own conversion, made once per
schema), over one pooled ``httpx.AsyncClient`` per event loop, and answers in the shape
of LangChain's ``with_structured_output(include_raw=True)``, so the re-ask loop, call log
and grounding are shared. It is used only for a ``ChatOpenAI`` model; fakes and other
chat models keep the LangChain path.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, SecretStr, ValidationError

from agent.base.errors import EndpointError

ROLES = {"system": "system", "human": "user", "ai": "assistant"}
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


@lru_cache(maxsize=64)
def _tool(schema: type[BaseModel]) -> dict[str, Any]:
    return convert_to_openai_tool(schema)


def request_body(chat: BaseChatModel, messages: list[BaseMessage],
                 schema: type[BaseModel], method: str) -> dict[str, Any]:
    """The request ``chat`` (a ``ChatOpenAI``) would send, plus the structured-output fields.

    The payload is LangChain's own (about 40 µs), so the model-specific rules stay its
    rules: ``max_completion_tokens``, no ``temperature`` for reasoning models, the
    ``developer`` role for o-series system prompts."""
    body: dict[str, Any] = chat._get_request_payload(messages)  # type: ignore[attr-defined]
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


def parse_answer(data: dict[str, Any], schema: type[BaseModel], method: str
                 ) -> dict[str, Any]:
    """``{"raw": AIMessage, "parsed": model or None, "parsing_error": exc or None}``."""
    message = (data.get("choices") or [{}])[0].get("message") or {}
    usage = data.get("usage") or {}
    calls = [{"name": c["function"]["name"], "args": _loads(c["function"].get("arguments")),
              "id": c.get("id") or "call", "type": "tool_call"}
             for c in message.get("tool_calls") or [] if c.get("function")]
    raw = AIMessage(content=message.get("content") or "", tool_calls=calls,
                    usage_metadata={"input_tokens": usage.get("prompt_tokens", 0),
                                    "output_tokens": usage.get("completion_tokens", 0),
                                    "total_tokens": usage.get("total_tokens", 0)})
    try:
        if method == "function_calling":
            if not calls:
                raise ValueError("the model called no tool")
            parsed = schema.model_validate(calls[0]["args"])
        else:
            parsed = schema.model_validate_json(_FENCE.sub("", str(raw.content).strip()))
    except (ValidationError, ValueError) as exc:
        return {"raw": raw, "parsed": None, "parsing_error": exc}
    return {"raw": raw, "parsed": parsed, "parsing_error": None}


def _loads(arguments: Any) -> Any:
    if not isinstance(arguments, str):
        return arguments or {}
    try:
        return json.loads(arguments)
    except ValueError:
        return {"_unparsed": arguments}


class OpenAIHTTP:
    def __init__(self, chat: BaseChatModel, base_url: str, api_key: str,
                 timeout: float) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.headers = {"Authorization": f"Bearer {api_key}"}
        self.chat = chat
        self.timeout = timeout
        self.client = httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(
            max_connections=256, max_keepalive_connections=256))

    @classmethod
    def from_chat(cls, chat: BaseChatModel) -> OpenAIHTTP | None:
        """The fast client for a LangChain ``ChatOpenAI`` (None for any other model)."""
        try:
            from langchain_openai import ChatOpenAI
        except ImportError:
            return None
        if type(chat) is not ChatOpenAI:
            return None
        secret = chat.openai_api_key
        key = secret.get_secret_value() if isinstance(secret, SecretStr) else ""
        timeout = chat.request_timeout if isinstance(chat.request_timeout, (int, float)) \
            else 60.0
        return cls(chat, chat.openai_api_base or "https://api.openai.com/v1", key,
                   float(timeout))

    async def structured(self, messages: list[BaseMessage], schema: type[BaseModel],
                         method: str) -> dict[str, Any]:
        body = request_body(self.chat, messages, schema, method)
        try:
            response = await self.client.post(self.url, json=body, headers=self.headers)
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"{self.url}: no answer in {self.timeout:.0f} s") from exc
        except httpx.TransportError as exc:
            raise ConnectionError(f"{self.url}: {exc}") from exc
        if response.status_code >= 400:
            raise EndpointError(response.status_code, response.text)
        return parse_answer(response.json(), schema, method)
