"""The README's quick-start commands run as written (workspace redirected to tmp)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app

from .conftest import ROOT

pytestmark = pytest.mark.integration
WORKSPACES = {"quickstart": "ws"}  # /tmp/icp-NAME in the README -> tmp_path / NAME


def readme_commands() -> list[tuple[list[str], str | None]]:
    """Each `$ icp …` line (optionally fed by `printf '…' |`) as argv and its stdin."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", text, re.S)
    commands: list[tuple[list[str], str | None]] = []
    for line in (x for block in blocks for x in block.splitlines()):
        fed = re.match(r"\$ printf '([^']*)' \| (icp .*)$", line)
        if fed:
            stdin = fed.group(1).encode().decode("unicode_escape")
            commands.append((shlex.split(fed.group(2)), stdin))
        elif line.startswith("$ icp "):
            commands.append((shlex.split(line[2:]), None))
    return commands


def test_readme_has_examples() -> None:
    assert len(readme_commands()) >= 4


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for var in ("ICP_HOME", "ICP_EMBEDDINGS", "ICP_CHROMA_URL", "ICP_LLM", "ICP_VENDOR"):
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()
    outputs = {}
    for argv, stdin in readme_commands():
        assert argv[0] == "icp"
        args = [re.sub(r"/tmp/icp-(\w+)", lambda m: str(tmp_path / WORKSPACES.get(
            m.group(1), m.group(1))), a) for a in argv[1:]]
        result = runner.invoke(app, args, input=stdin)
        assert result.exit_code == 0, (argv, result.output)
        outputs[" ".join(argv[3:]) + (stdin or "")] = result.output
    assert "+ personas: " in outputs["diff v1 v2"]  # the two drafts differ
    chat = [out for key, out in outputs.items() if key.startswith("chat")]
    assert "Saved ICP v3" in chat[0] and "Sources:" in chat[0]
    assert "Continuing the conversation" in chat[1] and "needs an LLM" in chat[1]
    assert "+ exclusions: Exclude companies with < 50 employees" in chat[1]
    assert (tmp_path / "ws" / "icp.md").read_text().startswith("# Ideal customer profile v2")
    leads = [out for key, out in outputs.items() if "leads_xeducation_300" in key]
    assert "mapping: Lead Number=ignore" in leads[0] and "unchanged" in leads[1]
