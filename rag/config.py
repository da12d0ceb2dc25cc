"""One Settings object for the whole package: env vars with prefix ``RAG_``, optional ``rag.toml``."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from rag.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

EMBEDDING_CHOICES = ("minilm-int8", "openai:<model>, e.g. openai:text-embedding-3-small")


class Settings(BaseSettings):
    """Every tunable of the pipeline, with its default and meaning."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_",
        toml_file="rag.toml",
        extra="forbid",
        validate_default=True,
        allow_inf_nan=False,  # RAG_MAX_FILE_MB=inf would pass "gt=0" and fail later, far from the setting
    )

    # --- where things live ---
    home: Path = Field(Path(".rag"), description="Data folder for the local index (Chroma files, BM25 cache).")
    corpus: Path = Field(Path("seeds"), description="Folder of articles ingested when no path is given.")
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server (e.g. http://127.0.0.1:8000); unset = local PersistentClient."
    )
    collection: str = Field("articles", description="Name of the Chroma collection.")

    # --- loading and chunking ---
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this (MB) are skipped with a message.")
    lock_wait_s: float = Field(600.0, ge=0, description="How long a write to the index (ingest, remove, metadata) "
                               "waits for another one to finish before it refuses.")
    chunk_tokens: int = Field(120, ge=32, le=400, description="Target chunk size in cl100k tokens.")
    chunk_overlap_sentences: int = Field(1, ge=0, le=3, description="Sentences repeated between neighbouring chunks.")

    # --- embeddings ---
    embedding: str = Field(
        "minilm-int8", description="Embedding backend: 'minilm-int8' (offline, shipped) or 'openai:<model>'."
    )
    embed_batch_size: int = Field(32, ge=1, le=512, description="Texts per embedding batch.")
    onnx_threads: int = Field(0, ge=0, description="onnxruntime intra-op threads; 0 lets onnxruntime decide.")

    # --- retrieval ---
    top_k: int = Field(5, ge=1, le=100, description="Hits returned by retrieve() when k is not given.")
    candidates: int = Field(30, ge=5, le=500, description="Candidates taken from each of dense and BM25 before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")

    # --- answering ---
    llm_mode: Literal["auto", "llm", "extractive"] = Field(
        "auto", description="auto: use the LLM when configured and reachable, else extractive."
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible base URL (Ollama, vLLM, llama.cpp, LM Studio); unset = OpenAI."
    )
    llm_model: str = Field("gpt-4o-mini", description="Chat model name at the endpoint.")
    llm_api_key: SecretStr | None = Field(
        None, description="API key; falls back to OPENAI_API_KEY. Never printed."
    )
    llm_timeout_s: float = Field(30.0, gt=0, description="Timeout of one LLM request, in seconds.")
    llm_max_tokens: int = Field(400, ge=16, le=8192, description="Upper bound on the tokens of one LLM reply.")
    llm_evidence: int = Field(24, ge=1, le=200, description="Evidence sentences shown to the LLM.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature of the LLM.")
    max_question_chars: int = Field(2000, ge=50, description="Longer questions are truncated with a notice.")
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="Folder of prompt template files.")

    @field_validator("embedding")
    @classmethod
    def _check_embedding(cls, value: str) -> str:
        if value == "minilm-int8" or (value.startswith("openai:") and len(value) > len("openai:")):
            return value
        raise ValueError(f"unknown embedding {value!r}; allowed: {', '.join(EMBEDDING_CHOICES)}")

    @field_validator("collection")
    @classmethod
    def _check_collection(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]", value):
            raise ValueError(
                f"collection name {value!r} must be 3-512 characters of letters, digits, '.', '_' or '-', "
                "starting and ending with a letter or digit"
            )
        return value

    @field_validator("home", "corpus", "prompts_dir", mode="before")
    @classmethod
    def _check_path_text(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must be a folder path, got an empty value (unset the variable to get the default)")
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(f"must be a folder path, got {value!r} with a NUL character")
        return value

    @field_validator("home")
    @classmethod
    def _check_home(cls, value: Path) -> Path:
        try:
            is_file = value.exists() and not value.is_dir()
        except OSError as exc:  # a name too long, a folder on the way that cannot be looked into
            raise ValueError(f"cannot use {str(value)!r}: {exc.strerror or exc}") from None
        if is_file:
            raise ValueError(f"{str(value)!r} is a file, not a folder: give a folder for the index (it is created if missing)")
        return value

    @field_validator("chroma_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"chroma_url must start with http:// or https://, got {value!r}")
        return value.rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    def api_key(self) -> str | None:
        """The LLM key from settings or ``OPENAI_API_KEY``; None when neither is set."""
        if self.llm_api_key is not None:
            return self.llm_api_key.get_secret_value()
        return os.environ.get("OPENAI_API_KEY") or None

    def llm_configured(self) -> bool:
        """True when a base URL or an API key says an LLM is meant to be used."""
        return bool(self.llm_base_url or self.api_key())

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def bm25_dir(self) -> Path:
        """Local BM25 cache, one per (Chroma location, collection)."""
        where = hashlib.sha1((self.chroma_url or "local").encode()).hexdigest()[:8]
        return self.home / "bm25" / f"{self.collection}-{where}"


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def unknown_env_vars(environ: Mapping[str, str] | None = None) -> list[str]:
    """Messages for ``RAG_*`` environment variables that name no setting (a typo is never ignored)."""
    environ = os.environ if environ is None else environ
    known = sorted(f"RAG_{name.upper()}" for name in Settings.model_fields)
    return [
        f"  unknown environment variable {var}{_did_you_mean(var.upper(), known)} (known: {', '.join(known)})"
        for var in sorted(environ)
        if var.upper().startswith("RAG_") and var.upper() not in known
    ]


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning validation failures and unknown ``RAG_*`` variables into a
    ConfigError that names the allowed values."""
    lines = unknown_env_vars()
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:  # rag.toml is read in Settings()
        where = Path(str(Settings.model_config.get("toml_file") or "rag.toml")).resolve()
        lines.append(f"  rag.toml ({where}) cannot be read: {exc}; fix it or remove it")
        settings = None
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            if err["type"] == "extra_forbidden":
                known = sorted(Settings.model_fields)
                lines.append(f"  unknown setting {field!r} in rag.toml{_did_you_mean(field, known)} "
                             f"(known: {', '.join(known)})")
            else:
                lines.append(f"  RAG_{field.upper()} ({field}): {err['msg']}")
        settings = None
    if len(lines) == 1:  # one problem: one line (the CLI prints it as "error: invalid setting: ...")
        raise ConfigError("invalid setting: " + lines[0].strip())
    if lines:
        raise ConfigError("invalid settings:\n" + "\n".join(lines))
    return settings  # type: ignore[return-value]
