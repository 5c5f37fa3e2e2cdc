"""The one LLM protocol: what the product asks of a chat model, whichever carries the call.

Two calls, nothing else: a **structured** call (messages and a pydantic schema in, an
:class:`Answer` out: the parsed model, or the reason there is none and the text to send
back with it) and a **streamed tool-calling turn** (messages and tools in, text deltas out,
then the :class:`TurnEnd` with the tool calls the model made). Two adapters implement it:
``agent/llm/langchain_model.py`` (any LangChain chat model) and ``agent/llm/openai_http.py``
(straight to an OpenAI-compatible endpoint); the workspace chooses one once
(:func:`agent.llm.client.open_chat_model`). ``agent/llm/scripted.py`` plays a script at
this protocol, so tests drive the same re-ask loop, call log and chat loop production runs.

Messages are LangChain's message classes (the vocabulary both adapters and the chat agent
already speak); no adapter-specific object crosses the protocol.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from langchain_core.messages import BaseMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel

Method = Literal["json_schema", "function_calling", "json_mode"]
METHODS: tuple[Method, ...] = ("json_schema", "function_calling", "json_mode")


@dataclass
class Answer:
    """One structured call's reply."""

    parsed: BaseModel | None
    error: str = ""          # why ``parsed`` is None ("" when it is not)
    text: str = "(no answer)"  # what the model said, sent back with the error on a re-ask
    input_tokens: int | None = None
    output_tokens: int | None = None


def reply_text(tool_args: list[Any], content: object) -> str:
    """What a model said, as a re-ask sends it back: the arguments of its tool calls, else
    its content (at most 2,000 characters)."""
    if tool_args:
        return json.dumps(tool_args)[:2000]
    text = content if isinstance(content, str) else json.dumps(content)
    return text[:2000] or "(empty)"


@dataclass(frozen=True)
class ToolSpec:
    """A tool offered to the model: its name, what the model reads, its arguments."""

    name: str
    description: str
    schema: type[BaseModel]

    def openai(self) -> dict[str, Any]:
        """The OpenAI ``tools`` entry (the schema converted by LangChain)."""
        function = dict(convert_to_openai_tool(self.schema)["function"])
        function.update(name=self.name, description=self.description)
        return {"type": "function", "function": function}


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict[str, Any]  # the JSON arguments the model wrote
    id: str = "call"


@dataclass
class TurnEnd:
    """How a streamed turn ended: the whole text, the tool calls, and the tokens when the
    endpoint counted them."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None


@runtime_checkable
class ChatModel(Protocol):
    name: str      # the model id, for the call log
    endpoint: str  # where it is served ("" for the default or an in-process model)

    def structured(self, messages: list[BaseMessage], schema: type[BaseModel],
                   method: Method) -> Answer:
        """One call asking for ``schema``; raises on network failures and refusals
        (an :class:`~agent.base.errors.EndpointError` carries the status)."""
        ...

    async def astructured(self, messages: list[BaseMessage], schema: type[BaseModel],
                          method: Method) -> Answer:
        """:meth:`structured` inside an event loop (calls overlap)."""
        ...

    def turn(self, messages: list[BaseMessage], tools: Sequence[ToolSpec]
             ) -> Iterator[str | TurnEnd]:
        """A streamed turn: text deltas as they come, then one :class:`TurnEnd`."""
        ...
