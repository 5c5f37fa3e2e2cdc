"""A chat model that plays a script, at the protocol (pydantic-ai's ``TestModel``, llm's
``MockModel``): tests hand it to the product and drive the very re-ask loop, call log and
chat loop production runs, with no adapter and no network in between.

Each structured call takes the next scripted answer: a dict or a pydantic model (sent as
its JSON and validated against the schema asked for, so a wrong shape is re-asked like a
real one), a string (the model's raw text), an exception (raised, as a network failure
or a refusal would be), or a function of the messages that returns one of those (a model
whose answer depends on its prompt). Each turn takes the next :class:`ScriptedTurn`. The
last entry of a script repeats; every call is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage
from pydantic import BaseModel, ValidationError

from agent.base.errors import EndpointError
from agent.llm.model import Answer, Method, ToolCall, ToolSpec, TurnEnd

Reply = dict[str, Any] | BaseModel | str | Exception
Scripted = Reply | Callable[[list[BaseMessage]], Reply]
TOKENS = (120, 30)  # the tokens every scripted answer counts (the call log records them)


@dataclass
class ScriptedTurn:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)

    @classmethod
    def call(cls, name: str, args: dict[str, Any] | None = None, call_id: str = "call_1"
             ) -> ScriptedTurn:
        return cls(tool_calls=[ToolCall(name, args or {}, call_id)])


@dataclass
class SeenCall:
    kind: str  # structured | turn
    messages: list[BaseMessage]
    method: str = ""
    schema: str = ""
    tools: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(str(m.content) for m in self.messages)


class ScriptedModel:
    name = "scripted"
    endpoint = ""

    def __init__(self, answers: Sequence[Scripted] = (),
                 turns: Sequence[ScriptedTurn | Exception] = (),
                 refuse: Sequence[Method] = (), endpoint: str = "") -> None:
        self.endpoint = endpoint
        self.answers = list(answers)
        self.turns = list(turns)
        self.refuse = set(refuse)
        self.seen: list[SeenCall] = []

    @staticmethod
    def _next(script: list[Any], what: str) -> Any:
        if not script:
            raise AssertionError(f"the script has no {what} left")
        return script.pop(0) if len(script) > 1 else script[0]

    def structured(self, messages: list[BaseMessage], schema: type[BaseModel],
                   method: Method) -> Answer:
        self.seen.append(SeenCall("structured", list(messages), method, schema.__name__))
        if method in self.refuse:
            raise EndpointError(400, f"response_format {method} is not supported")
        reply = self._next(self.answers, "answers")
        if callable(reply) and not isinstance(reply, BaseModel):
            reply = reply(list(messages))
        if isinstance(reply, Exception):
            raise reply
        text = reply if isinstance(reply, str) else \
            reply.model_dump_json() if isinstance(reply, BaseModel) else json.dumps(reply)
        try:
            return Answer(schema.model_validate_json(text), "", text, *TOKENS)
        except ValidationError as exc:
            return Answer(None, str(exc), text, *TOKENS)

    async def astructured(self, messages: list[BaseMessage], schema: type[BaseModel],
                          method: Method) -> Answer:
        return self.structured(messages, schema, method)

    def turn(self, messages: list[BaseMessage], tools: Sequence[ToolSpec]
             ) -> Iterator[str | TurnEnd]:
        self.seen.append(SeenCall("turn", list(messages), tools=[t.name for t in tools]))
        script = self._next(self.turns, "turns")
        if isinstance(script, Exception):
            raise script
        words = script.text.split(" ")
        for i, word in enumerate(words):  # streamed a word at a time
            yield word if i == len(words) - 1 else word + " "
        yield TurnEnd(script.text, list(script.tool_calls), *TOKENS)

    def prompts_text(self) -> str:
        return "\n".join(call.text() for call in self.seen)
