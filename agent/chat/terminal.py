"""``icp chat``: the agent in the terminal, streaming its answer as it comes."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape

from agent.chat.agent import ChatAgent, Delta, Done, StepEvent

EXIT_WORDS = {"exit", "quit", ":q", "bye"}


def show_history(console: Console, agent: ChatAgent, last: int = 6) -> None:
    messages = agent.session.messages
    if not messages:
        mode = "offline (deterministic tools; say 'help')" if agent.offline else \
            f"LLM {agent.model}"
        console.print(f"[bold]icp chat[/] · {mode} · workspace {agent.tools.ws.home}\n"
                      "Ask about pains, draft or revise the ICP, classify a prospect. "
                      "'exit' to leave.", highlight=False)
        return
    console.print(f"[dim]Continuing the conversation ({len(messages)} messages; "
                  f"the last {min(last, len(messages))}):[/]")
    for m in messages[-last:]:
        who = "[bold cyan]you[/]" if m.role == "user" else "[bold green]icp[/]"
        console.print(f"{who} {escape(m.content[:400])}", highlight=False)


def answer(console: Console, agent: ChatAgent, text: str) -> None:
    console.print("[bold green]icp[/] ", end="")
    for event in agent.respond(text):
        if isinstance(event, StepEvent):
            mark = "✓" if event.step.ok else "✗"
            console.print(f"[dim]  {mark} {event.step.tool}({_args(event.step.args)})[/]",
                          highlight=False)
        elif isinstance(event, Delta):
            console.print(escape(event.text), end="", highlight=False)
        elif isinstance(event, Done):
            console.print()


def _args(args: dict[str, object]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items() if v not in ("", [], None))[:120]


def run_chat(console: Console, agent: ChatAgent, lines: Iterable[str] | None = None) -> None:
    """Read messages (from ``lines``, else the terminal) until 'exit' or end of input."""
    show_history(console, agent)
    source = iter(lines) if lines is not None else None
    while True:
        try:
            text = next(source) if source is not None else console.input("[bold cyan]you[/] ")
        except (EOFError, KeyboardInterrupt, StopIteration):
            console.print()
            return
        text = text.strip()
        if not text:
            continue
        if text.lower() in EXIT_WORDS:
            return
        if source is not None:  # piped input: show what was asked
            console.print(f"[bold cyan]you[/] {escape(text)}", highlight=False)
        answer(console, agent, text)
