"""Prompt templates as files in ``prompts/``, checked for their placeholders when loaded."""

from __future__ import annotations

import functools
import string
from pathlib import Path

from rag.errors import ConfigError


@functools.cache
def load_prompt(folder: Path, name: str, *required: str) -> str:
    """The template ``folder/name.txt``; its ``{placeholders}`` must be exactly ``required``."""
    path = Path(folder) / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"prompt file missing: {path} ({exc.strerror}); set RAG_PROMPTS_DIR") from None
    try:
        found = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as exc:
        raise ConfigError(f"prompt {path}: bad template ({exc}); write literal braces as {{{{ }}}}") from None
    if found != set(required):
        raise ConfigError(
            f"prompt {path}: placeholders {sorted(found)} but the code fills {sorted(required)}"
        )
    return text
