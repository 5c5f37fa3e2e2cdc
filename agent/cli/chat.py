"""``icp chat`` and ``icp ui``: the chat agent in the terminal and in the browser."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from agent.cli.output import console, fail
from agent.settings import Settings


def chat(
    ctx: typer.Context,
    session: Annotated[str, typer.Option(
        "--session", help="Conversation name; each is kept in the workspace.")] = "default",
    new: Annotated[bool, typer.Option("--new", help="Start the conversation afresh.")] = False,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Let 'classify' reach private and loopback addresses.")
    ] = False,
) -> None:
    """Chat with the agent in the terminal: draft and revise the ICP, ask why.

    With --llm (or ICP_LLM) a tool-calling LLM drives the product's tools; without one a
    deterministic router understands the common requests (type 'help'). The conversation
    and every ICP version are kept in the workspace, so a restart continues.
    Reads from a pipe too: `echo "draft an ICP" | icp chat`.
    """
    from agent.chat.agent import open_agent
    from agent.chat.terminal import run_chat

    settings: Settings = ctx.obj
    agent = open_agent(settings, allow_private, session)
    if new:
        agent.session.clear()
    run_chat(console, agent, None if sys.stdin.isatty() else sys.stdin)


def ui(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(
        "--host", help="Address to bind; anything but loopback needs --password.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1,
                                      max=65535)] = 7860,
    password: Annotated[str | None, typer.Option(
        "--password", envvar="ICP_UI_PASSWORD", help="Ask for this password (user "
        "'revops'); required when bound beyond localhost (env ICP_UI_PASSWORD).")] = None,
    session: Annotated[str, typer.Option(
        "--session", help="Conversation name; each is kept in the workspace.")] = "default",
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Let classification reach private and loopback addresses.")
    ] = False,
) -> None:
    """Open the web UI: chat with the agent, upload evidence and prospect lists, see the
    ICP, its versions and the classified prospects, download the ICP and enriched CSVs."""
    import ipaddress

    from agent.chat.agent import open_agent

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not password:
        raise fail(f"binding to {host} exposes the workspace to the network: set --password "
                   "(or ICP_UI_PASSWORD), or keep the default 127.0.0.1")
    settings: Settings = ctx.obj
    agent = open_agent(settings, allow_private, session)
    from agent.ui.web import serve

    console.print(f"icp ui on http://{host}:{port}/ (Ctrl+C to stop)", highlight=False)
    serve(agent, host, port, password)
