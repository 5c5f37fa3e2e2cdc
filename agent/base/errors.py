"""Every exception the product raises on purpose, under one root: :class:`IcpError`.

The CLI catches ``IcpError`` once, prints ``str(exc)`` as one line and exits with the
class's ``exit_code``. A condition is told by its type, never by searching a message.
Modules import their exception from here (and re-export it where callers expect it).
"""

from __future__ import annotations


class IcpError(Exception):
    """A failure phrased for the user: ``str(exc)`` is one line that says what and where."""

    exit_code = 2


# --- input -------------------------------------------------------------------------------

class IngestError(IcpError):
    """A problem with one input file (or one row of it), phrased for the user.

    ``str(err)`` is a one-line message that names the file and, when known, the row.
    """

    def __init__(self, path: str, message: str, row: int | None = None) -> None:
        self.path = path
        self.row = row
        self.message = message
        where = f"{path}, row {row}" if row is not None else path
        super().__init__(f"{where}: {message}")


class MappingError(IngestError):
    """A column override that cannot be applied (unknown role, bad YAML)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(path or "mapping", message)


class BatchError(IcpError):
    """A prospect list that cannot be enriched or scored as a whole."""


# --- stores and settings -----------------------------------------------------------------

class StoreError(IcpError):
    """A problem with the vector store, phrased for the user."""


class ModelMismatchError(StoreError):
    """The store holds vectors from another embedding model (``recorded``)."""

    def __init__(self, message: str, recorded: str = "") -> None:
        super().__init__(message)
        self.recorded = recorded


class StoreBusyError(StoreError):
    """Another process holds the store's write lock."""


class EmbeddingSpecError(IcpError, ValueError):
    """An embedding setting that names no usable model."""


class SchemaError(IcpError):
    """A workspace file written by a newer release than this one."""


class VersionError(IcpError):
    """An ICP version that does not exist or cannot be read."""


class RevisionError(IcpError, ValueError):
    """A chat revision of the ICP that cannot be applied."""


# --- models and prompts --------------------------------------------------------------------

class LLMError(IcpError):
    """The model could not give a valid answer (or could not be reached)."""


class LLMUnavailable(LLMError):
    """The endpoint cannot be used at all (unreachable, or no structured output)."""


class EndpointError(IcpError):
    """A non-2xx answer; ``status_code`` lets the re-ask loop tell refusals apart."""

    def __init__(self, status_code: int, body: str) -> None:
        super().__init__(f"HTTP {status_code}: {body[:300]}")
        self.status_code = status_code


class PromptError(IcpError):
    """A prompt file or version that is missing, malformed or cannot be rendered."""


# --- the web -------------------------------------------------------------------------------

class BlockedAddress(IcpError):
    """The URL or the address it resolves to is not allowed."""


class WebsiteError(IcpError, ValueError):
    """A value that is not a website (a list row's cell, an ``icp classify`` argument)."""


class SearchError(IcpError, ValueError):
    """A search that cannot run (an empty query, no hits asked for)."""


class SessionError(IcpError, ValueError):
    """A chat session name that cannot be a file name."""


# --- evals ---------------------------------------------------------------------------------

class DatasetError(IcpError, ValueError):
    """An eval dataset that is missing or malformed."""


class LockError(IcpError, ValueError):
    """A prompt whose text changed after an eval run locked its hash."""


class CrmError(IcpError):
    """A CRM load bundle cannot be planned or verified (a bad export, target or folder)."""

    def __init__(self, message: str, path: str = "") -> None:
        self.message, self.path = message, path
        super().__init__(f"{path}: {message}" if path else message)


class SettingsError(IcpError, ValueError):
    """A setting (an ``ICP_*`` variable or option) with a value that cannot be used."""
