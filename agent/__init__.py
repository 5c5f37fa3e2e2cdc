"""icp-agent: the agent layer (settings, CLI, demo; later drafting, enrichment, chat)."""

__version__ = "0.1.0"
