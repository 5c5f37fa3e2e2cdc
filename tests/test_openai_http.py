"""The direct-HTTP adapter of the chat-model protocol, against a real local server."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from agent.base.errors import LLMError
from agent.llm.calllog import CallLog
from agent.llm.client import StructuredLLM, as_chat_model, open_chat_model
from agent.llm.langchain_model import LangChainModel
from agent.llm.model import ToolCall, ToolSpec, TurnEnd
from agent.llm.openai_http import HTTPModel, parse_answer, request_body
from agent.llm.prompts import load_prompt
from agent.llm.schemas import ThemeLabel

from .conftest import free_port


class Answer(BaseModel):
    label: str
    count: int


def chat(model: str = "m", max_tokens: int | None = 64) -> ChatOpenAI:
    return ChatOpenAI(model=model, max_tokens=max_tokens, temperature=0, api_key="sk-test")


@pytest.mark.parametrize("model", ["gpt-4o-mini", "o3-mini", "gpt-5", "gpt-5-mini",
                                   "smollm2-135m-instruct"])
def test_the_direct_body_is_the_payload_chatopenai_sends(model: str) -> None:
    model_chat = chat(model, 1024)
    messages = [SystemMessage("sys"), HumanMessage("hi")]
    direct = request_body(model_chat, messages, Answer, "json_mode")
    direct.pop("response_format")
    assert direct == model_chat._get_request_payload(messages)
    assert "max_tokens" not in direct and direct["max_completion_tokens"] == 1024
    if model.startswith("gpt-5"):
        assert "temperature" not in direct  # reasoning models reject it


def test_request_body_per_method() -> None:
    messages = [SystemMessage("sys"), HumanMessage("hi")]
    body = request_body(chat(), messages, Answer, "function_calling")
    assert body["messages"] == [{"role": "system", "content": "sys"},
                                {"role": "user", "content": "hi"}]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Answer"}}
    assert body["tools"][0]["function"]["parameters"]["required"] == ["label", "count"]
    schema = request_body(chat(max_tokens=None), messages, Answer, "json_schema"
                          )["response_format"]
    assert schema["type"] == "json_schema" and schema["json_schema"]["name"] == "Answer"
    assert request_body(chat(), messages, Answer, "json_mode")["response_format"] == {
        "type": "json_object"}


def test_parse_answer_shapes() -> None:
    usage = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
    fenced = {"choices": [{"message": {"content": '```json\n{"label": "a", "count": 2}\n```'}}],
              "usage": usage}
    out = parse_answer(fenced, Answer, "json_mode")
    assert out.parsed == Answer(label="a", count=2) and out.input_tokens == 9
    tool = {"choices": [{"message": {"content": None, "tool_calls": [{"id": "c", "function": {
        "name": "Answer", "arguments": '{"label": "b", "count": 1}'}}]}}]}
    called = parse_answer(tool, Answer, "function_calling")
    assert isinstance(called.parsed, Answer) and called.parsed.label == "b"
    assert called.text == '[{"label": "b", "count": 1}]'  # what a re-ask sends back
    bad = parse_answer({"choices": [{"message": {"content": '{"label": 3}'}}]}, Answer,
                       "json_mode")
    assert bad.parsed is None and bad.error and bad.text == '{"label": 3}'
    none = parse_answer({"choices": [{"message": {"content": "hi"}}]}, Answer,
                        "function_calling")
    assert "no tool" in none.error


class _Endpoint(BaseHTTPRequestHandler):
    replies: list[tuple[int, Any]] = []
    seen: list[dict[str, Any]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        self.seen.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        status, payload = self.replies.pop(0)
        stream = isinstance(payload, list)  # server-sent events, one per item
        body = ("".join(f"data: {json.dumps(e)}\n\n" for e in payload) + "data: [DONE]\n\n"
                if stream else json.dumps(payload)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/event-stream" if stream else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Endpoint]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    _Endpoint.replies, _Endpoint.seen = [], []
    yield _Endpoint
    server.shutdown()
    server.server_close()


def _reply(content: str) -> tuple[int, Any]:
    return 200, {"choices": [{"message": {"role": "assistant", "content": content}}],
                 "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}}


def test_the_async_path_re_asks_and_logs_through_the_fast_client(
        endpoint: type[_Endpoint], tmp_path: Path) -> None:
    good = {"label": "Duplicate records", "summary": "Customers see duplicate accounts.",
            "quotes": ["dupes everywhere"]}
    endpoint.replies = [_reply('{"label": 1}'), _reply(json.dumps(good))]
    llm = StructuredLLM(open_chat_model("stub", timeout=5), "stub", CallLog(tmp_path / "logs.db"),
                        method="json_mode")
    assert asyncio.run(llm.aask(load_prompt("theme_label"), ThemeLabel, quotes="q",
                                keyphrases="k")).label == "Duplicate records"
    assert len(endpoint.seen) == 2 and endpoint.seen[0]["model"] == "stub"
    assert "not valid for the schema" in endpoint.seen[1]["messages"][-1]["content"]
    rows = llm.call_log.rows()
    assert [r["ok"] for r in rows] == [0, 1] and rows[1]["input_tokens"] == 50


def test_refusals_and_unreachable_endpoints_fail_clearly(
        endpoint: type[_Endpoint], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint.replies = [(400, {"error": {"message": "response_format not supported"}})]
    llm = StructuredLLM(open_chat_model("stub", timeout=5), "stub",
                        CallLog(tmp_path / "logs.db"), method="json_schema")
    with pytest.raises(LLMError, match="HTTP 400"):
        asyncio.run(llm.aask(load_prompt("theme_label"), ThemeLabel, quotes="q",
                             keyphrases="k"))
    assert len(endpoint.seen) == 1  # a refusal is not retried
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    dead = StructuredLLM(open_chat_model("stub", timeout=5), "stub",
                         CallLog(tmp_path / "logs2.db"), method="json_mode", max_attempts=2)
    with pytest.raises(LLMError, match="ConnectionError"):
        asyncio.run(dead.aask(load_prompt("theme_label"), ThemeLabel, quotes="q",
                              keyphrases="k"))


def test_the_workspace_chooses_one_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    from .llm_fakes import RecordingFakeChat

    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert isinstance(open_chat_model("m", timeout=5), HTTPModel)
    assert isinstance(open_chat_model("m", timeout=5, direct_http=False), LangChainModel)
    assert isinstance(as_chat_model(RecordingFakeChat(responses=[])), LangChainModel)


def test_sync_calls_and_streamed_tool_turns_go_over_http(endpoint: type[_Endpoint],
                                                         tmp_path: Path) -> None:
    good = {"label": "Duplicate records", "summary": "Customers see duplicate accounts.",
            "quotes": ["dupes everywhere"]}
    endpoint.replies = [_reply(json.dumps(good))]
    model = open_chat_model("stub", timeout=5)
    llm = StructuredLLM(model, "stub", CallLog(tmp_path / "logs.db"), method="json_mode")
    assert llm.ask(load_prompt("theme_label"), ThemeLabel, quotes="q",
                   keyphrases="k").label == "Duplicate records"

    def event(delta: dict[str, Any]) -> dict[str, Any]:
        return {"choices": [{"index": 0, "delta": delta}]}

    endpoint.replies = [(200, [
        event({"role": "assistant", "content": "Let me "}), event({"content": "look."}),
        event({"tool_calls": [{"index": 0, "id": "c7", "function": {
            "name": "search_evidence", "arguments": '{"query": "dup'}}]}),
        event({"tool_calls": [{"index": 0, "function": {"arguments": 'licates"}'}}]}),
        {"choices": [], "usage": {"prompt_tokens": 40, "completion_tokens": 8}}])]
    tool = ToolSpec("search_evidence", "Search the evidence.", Answer)
    pieces = list(model.turn([HumanMessage("find duplicates")], [tool]))
    end = pieces[-1]
    assert pieces[:-1] == ["Let me ", "look."] and isinstance(end, TurnEnd)
    assert end.tool_calls == [ToolCall("search_evidence", {"query": "duplicates"}, "c7")]
    assert (end.text, end.input_tokens, end.output_tokens) == ("Let me look.", 40, 8)
    sent = endpoint.seen[-1]
    assert sent["stream"] is True and sent["tools"][0]["function"]["name"] == "search_evidence"
    assert sent["tools"][0]["function"]["description"] == "Search the evidence."
