"""Eval runs: labelled datasets, graders, the runner, paired statistics and the report."""
