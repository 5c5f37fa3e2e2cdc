"""Fakes at the chat-model seam: LangChain's own fake chat model, recording its inputs."""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.output_parsers import PydanticOutputParser
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import RunnableLambda
from pydantic import Field


class RecordingFakeChat(FakeMessagesListChatModel):
    """Answers from a list (cycling) and keeps every prompt it was sent."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)
    refuse: set[str] = Field(default_factory=set)  # structured-output methods to reject
    echo_quote: bool = False  # answer a ThemeLabel quoting the prompt's first evidence item
    echo_label: str = "Echoed theme"  # the label of that answer

    def _generate(self, messages: list[BaseMessage], stop: Any = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        if self.echo_quote:
            found = re.search(r'"""(.*?)"""', str(messages[-1].content), re.S)
            quote = found.group(1) if found else "nothing"
            reply = answer({"label": self.echo_label, "summary": "A theme named by the fake.",
                            "quotes": [quote]})
            return ChatResult(generations=[ChatGeneration(message=reply)])
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

    def with_structured_output(self, schema: Any, *, method: str = "json_mode",
                               include_raw: bool = False, **kwargs: Any) -> Any:
        if method in self.refuse:
            err = ValueError(f"400: response_format {method} is not supported")
            err.status_code = 400  # type: ignore[attr-defined]
            raise err
        # What ChatOpenAI returns with include_raw=True: raw message, parsed or error.
        parser = PydanticOutputParser(pydantic_object=schema)

        def parse(message: AIMessage) -> dict[str, Any]:
            try:
                return {"raw": message, "parsed": parser.invoke(message), "parsing_error": None}
            except Exception as exc:
                return {"raw": message, "parsed": None, "parsing_error": exc}

        return self | RunnableLambda(parse)

    def prompts_text(self) -> str:
        return "\n".join(str(m.content) for batch in self.seen for m in batch)


def answer(data: dict[str, Any] | str) -> AIMessage:
    content = data if isinstance(data, str) else json.dumps(data)
    return AIMessage(content=content, usage_metadata={"input_tokens": 120, "output_tokens": 30,
                                                      "total_tokens": 150})


class ScriptedToolChat(FakeMessagesListChatModel):
    """A tool-calling chat model that plays back scripted replies (``AIMessage`` objects,
    possibly with ``tool_calls``) and keeps what it was sent and which tools were bound."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[str] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        self.bound_tools = [t["function"]["name"] if isinstance(t, dict) else t.name
                            for t in tools]
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def tool_call(name: str, args: dict[str, Any], call_id: str = "call_1") -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id,
                                              "type": "tool_call"}])
