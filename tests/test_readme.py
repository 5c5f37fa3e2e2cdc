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


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", text, re.S)
    return [shlex.split(line[2:]) for block in blocks for line in block.splitlines()
            if line.startswith("$ icp ")]


def test_readme_has_examples() -> None:
    assert len(readme_commands()) >= 4


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for var in ("ICP_HOME", "ICP_EMBEDDINGS", "ICP_CHROMA_URL", "ICP_LLM", "ICP_VENDOR"):
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()
    for argv in readme_commands():
        assert argv[0] == "icp"
        args = [a.replace("/tmp/icp-quickstart", str(tmp_path / "ws")) for a in argv[1:]]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (argv, result.output)
    assert "+ personas: " in result.output  # the last example diffs the two drafts
    assert (tmp_path / "ws" / "icp.md").read_text().startswith("# Ideal customer profile v2")
