"""The small error hierarchy shown to users: each message says what went wrong and how to fix it."""

from __future__ import annotations


class RagError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(RagError):
    """A setting is missing, unknown or out of range; the message names the allowed values."""


class InputError(RagError):
    """A question, path or filter the user gave cannot be used as it is."""


class IndexMismatchError(RagError):
    """The index was built with other embedding or chunker settings than the current ones."""


class IndexMissingError(RagError):
    """No index exists yet where the settings point."""


class ModelFileError(RagError):
    """A shipped model file is missing or does not match its recorded checksum."""


class LLMError(RagError):
    """The configured LLM could not be reached or gave an unusable reply."""


class IndexCorruptError(RagError):
    """The index's files cannot be read (damaged, or not an index at all)."""


class IndexBusyError(RagError):
    """Another process holds the index's write lock longer than this one may wait."""
