"""A new contributor's clone, with no ``../shared`` beside it, runs the suite: the tests that
need the shared real data skip with a visible reason, the rest pass."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

FAST_SUBSET = ["tests/test_parsers.py", "tests/test_quotes.py", "tests/test_triggers.py"]


def test_a_clone_without_shared_data_passes_a_fast_subset(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    clone = tmp_path / "elsewhere" / "icp-agent"  # its parent has no shared/
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True,
                   capture_output=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if k != "ICP_REQUIRE_SHARED_DATA"}
    env["PYTHONPATH"] = str(clone)  # the clone's code, not this checkout's
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                          *FAST_SUBSET], cwd=clone, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "passed" in run.stdout
    assert "needs ../shared/data/" in run.stdout  # skipped, and says why
    assert "no such file" not in run.stdout.lower()
