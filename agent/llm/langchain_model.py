"""The LangChain adapter of the chat-model protocol: any LangChain ``BaseChatModel``
(``ChatOpenAI`` when ``ICP_LLM_DIRECT_HTTP=false``, or a model a caller passes in)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import BaseModel

from agent.llm.model import Answer, Method, ToolCall, ToolSpec, TurnEnd, reply_text


def _answer(out: Any) -> Answer:
    """LangChain's ``with_structured_output(include_raw=True)`` reply as an Answer."""
    raw = out.get("raw")
    usage = getattr(raw, "usage_metadata", None) or {}
    parsed = out.get("parsed")
    error = "" if isinstance(parsed, BaseModel) else \
        str(out.get("parsing_error") or "no structured answer")
    return Answer(parsed if isinstance(parsed, BaseModel) else None, error, raw_text(raw),
                  usage.get("input_tokens"), usage.get("output_tokens"))


def raw_text(raw: Any) -> str:
    """What a LangChain message said, for a re-ask."""
    if raw is None:
        return "(no answer)"
    return reply_text([c.get("args") for c in getattr(raw, "tool_calls", None) or []],
                      getattr(raw, "content", ""))


class LangChainModel:
    """``chat`` behind the protocol. ``factory`` makes a fresh model for each event loop
    (an async HTTP client belongs to the loop that made it); without one, ``chat`` serves
    every loop."""

    def __init__(self, chat: BaseChatModel, name: str, endpoint: str = "",
                 factory: Callable[[], BaseChatModel] | None = None) -> None:
        self.chat = chat
        self.name = name
        self.endpoint = endpoint
        self.factory = factory
        self._loop_chat: tuple[asyncio.AbstractEventLoop, BaseChatModel] | None = None

    def structured(self, messages: list[BaseMessage], schema: type[BaseModel],
                   method: Method) -> Answer:
        runnable = self.chat.with_structured_output(schema, method=method, include_raw=True)
        return _answer(runnable.invoke(messages))

    async def astructured(self, messages: list[BaseMessage], schema: type[BaseModel],
                          method: Method) -> Answer:
        runnable = self._chat_for_this_loop().with_structured_output(
            schema, method=method, include_raw=True)
        return _answer(await runnable.ainvoke(messages))

    def _chat_for_this_loop(self) -> BaseChatModel:
        if self.factory is None:
            return self.chat
        loop = asyncio.get_running_loop()
        if self._loop_chat is None or self._loop_chat[0] is not loop:
            self._loop_chat = (loop, self.factory())
        return self._loop_chat[1]

    def turn(self, messages: list[BaseMessage], tools: Sequence[ToolSpec]
             ) -> Iterator[str | TurnEnd]:
        try:
            bound: Any = self.chat.bind_tools([t.openai() for t in tools])
        except NotImplementedError:  # a model without tool calling still answers in text
            bound = self.chat
        full: Any = None
        for chunk in bound.stream(messages):
            full = chunk if full is None else full + chunk
            if isinstance(chunk.content, str) and chunk.content:
                yield chunk.content
        usage = getattr(full, "usage_metadata", None) or {}
        content = getattr(full, "content", "")
        yield TurnEnd(content if isinstance(content, str) else "",
                      [ToolCall(c["name"], c.get("args") or {}, c.get("id") or c["name"])
                       for c in getattr(full, "tool_calls", None) or []],
                      usage.get("input_tokens"), usage.get("output_tokens"))
