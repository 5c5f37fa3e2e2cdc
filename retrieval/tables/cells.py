"""Cell values of table exports: nested JSON flattened, placeholders treated as missing."""

from __future__ import annotations

from typing import Any

# Values exports use for "not answered": they count as missing everywhere.
PLACEHOLDERS = frozenset({
    "", "select", "n/a", "na", "n.a.", "-", "--", "---", "none", "null", "nil", "nan",
    "not available", "not specified", "unspecified", "not provided", "not applicable",
    "(blank)", "blank", "undefined", "unknown", "?", "#n/a",
})


def flatten(value: Any) -> str:
    """Nested JSON values (GitHub labels, Zendesk tags, user objects) to a short string."""
    if value is None:
        return ""
    if isinstance(value, dict):
        for key in ("name", "login", "title", "value", "email"):
            if key in value:
                return flatten(value[key])
        return ""
    if isinstance(value, list):
        return ", ".join(s for s in (flatten(v) for v in value) if s)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_placeholder(text: str) -> bool:
    return text.strip().lower() in PLACEHOLDERS


def cell(value: Any) -> str:
    """A cell as text; ``""`` when it is empty or a placeholder such as ``Select``."""
    text = flatten(value)
    return "" if is_placeholder(text) else text
