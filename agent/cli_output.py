"""The CLI's consoles and its one way to fail with a clear message."""

from __future__ import annotations

import typer
from rich.console import Console

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[red]error:[/] {message}", highlight=False)
    return typer.Exit(code)
