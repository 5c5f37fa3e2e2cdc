"""``python -m agent.cli``: the same as the ``icp`` command."""

from agent.cli import app

app()
