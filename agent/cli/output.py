"""The CLI's consoles and its one way to fail with a clear message."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from agent.base.errors import IcpError

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


class CatchingGroup(TyperGroup):
    """The top command group: every :class:`IcpError` below it ends as one line and an exit
    code (the error's ``exit_code``), never a traceback."""

    # the context is typer's vendored click's (``typer._click``), not a public name
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except IcpError as exc:
            raise fail(str(exc), exc.exit_code) from None
