"""Eval datasets, graders, the runner and comparison statistics (see the eval issue)."""
