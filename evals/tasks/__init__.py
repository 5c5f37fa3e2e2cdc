"""Eval tasks: each knows its dataset, its prompt, how to run one case and its metrics."""

from __future__ import annotations

from evals.tasks.base import Task


def get_task(name: str) -> Task:
    from evals.tasks.extraction import ExtractionTask
    from evals.tasks.fit import FitTask
    from evals.tasks.themes import ThemeTask

    tasks: dict[str, type[Task]] = {"fit": FitTask, "extraction": ExtractionTask,
                                    "themes": ThemeTask}
    if name not in tasks:
        raise ValueError(f"no eval task '{name}' (tasks: {', '.join(tasks)})")
    return tasks[name]()
