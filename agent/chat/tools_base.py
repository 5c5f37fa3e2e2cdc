"""What every chat tool returns (text for the user and the model, and its citations), and how
a tool is declared: once, as a method marked with :func:`chat_tool`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_type_hints

from pydantic import BaseModel, create_model

from retrieval.mining.models import Evidence


@dataclass
class Citation:
    source: str  # an evidence source id (file#row) or a page URL
    quote: str

    def line(self) -> str:
        return f"“{self.quote}” [{self.source}]"


@dataclass
class ToolResult:
    text: str
    citations: list[Citation] = field(default_factory=list)
    ok: bool = True

    def for_model(self) -> str:
        """What a tool call answers to the LLM: the text plus its citations."""
        if not self.citations:
            return self.text
        return self.text + "\nQuotes (cite the id in brackets):\n" + "\n".join(
            f"- {c.line()}" for c in self.citations)


def cite(evidence: list[Evidence], limit: int = 2) -> list[Citation]:
    return [Citation(e.source_id, e.quote) for e in evidence[:limit]]


# --- declaring a tool once -----------------------------------------------------------------

_EXAMPLES = "__chat_tool_examples__"
Method = TypeVar("Method", bound=Callable[..., ToolResult])


def chat_tool(*examples: str) -> Callable[[Method], Method]:
    """Marks a method as a chat tool: its name is the tool's, the first paragraph of its
    docstring is what the model reads, its ``Annotated`` parameters are the arguments (a
    method whose one parameter is a pydantic model takes that model's fields). ``examples``
    are requests the offline router answers with this tool; the offline help lists them and
    a test routes each one."""
    def mark(method: Method) -> Method:
        setattr(method, _EXAMPLES, examples)
        return method
    return mark


@dataclass(frozen=True)
class ChatTool:
    name: str
    description: str
    examples: tuple[str, ...]
    schema: type[BaseModel]
    takes_model: bool  # the method's one parameter is ``schema`` itself

    def call(self, owner: object, args: dict[str, Any]) -> ToolResult:
        """Validate ``args`` (a pydantic ``ValidationError`` when they are bad) and run."""
        parsed = self.schema.model_validate(args or {})
        method = getattr(owner, self.name)
        return method(parsed) if self.takes_model else method(**dict(parsed))


def _declared(name: str, method: Callable[..., Any]) -> ChatTool:
    doc = inspect.getdoc(method) or name
    description = " ".join(doc.split("\n\n", 1)[0].split())
    params = [p for p in inspect.signature(method).parameters.values() if p.name != "self"]
    hints = get_type_hints(method, include_extras=True)
    model = hints.get(params[0].name) if len(params) == 1 else None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return ChatTool(name, description, getattr(method, _EXAMPLES), model, True)
    fields: dict[str, Any] = {
        p.name: (hints[p.name], ... if p.default is inspect.Parameter.empty else p.default)
        for p in params}
    schema = create_model(name, __doc__=description, **fields)
    return ChatTool(name, description, getattr(method, _EXAMPLES), schema, False)


def declared_tools(cls: type) -> dict[str, ChatTool]:
    """The chat tools ``cls`` declares (with :func:`chat_tool`), in declaration order,
    the class's own before those of its bases."""
    found: dict[str, ChatTool] = {}
    for klass in cls.__mro__:
        for name, member in vars(klass).items():
            if name not in found and callable(member) and hasattr(member, _EXAMPLES):
                found[name] = _declared(name, member)
    return found
