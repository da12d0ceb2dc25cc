"""Settings: defaults, env vars, rag.toml, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import load_settings
from rag.errors import ConfigError


def test_defaults() -> None:
    s = load_settings()
    assert s.llm_mode == "auto" and s.embedding == "minilm-int8" and s.home == Path(".rag")


def test_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_HOME", "/tmp/x")
    monkeypatch.setenv("RAG_CHROMA_URL", "http://127.0.0.1:8123/")
    s = load_settings()
    assert s.home == Path("/tmp/x") and s.chroma_url == "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("RAG_LLM_MODE", "magic", "'auto', 'llm' or 'extractive'"),
        ("RAG_EMBEDDING", "bert", "minilm-int8"),
        ("RAG_CHROMA_URL", "localhost:8000", "http://"),
        ("RAG_CHUNK_TOKENS", "5", "greater than or equal to 32"),
    ],
)
def test_bad_values_list_what_is_allowed(monkeypatch: pytest.MonkeyPatch, var: str, value: str, message: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert var in str(err.value) and message in str(err.value)


def test_toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rag.toml").write_text('collection = "news"\ntop_k = 7\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.collection == "news" and s.top_k == 7


def test_unknown_toml_key_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rag.toml").write_text('colection = "typo"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="colection"):
        load_settings()


def test_api_key_is_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_LLM_API_KEY", "sk-secret-123")
    s = load_settings()
    assert s.api_key() == "sk-secret-123"
    assert "sk-secret-123" not in repr(s) and "sk-secret-123" not in str(s.model_dump())


@pytest.mark.parametrize(("var", "suggestion"), [("RAG_CHUNK_TOKENZ", "RAG_CHUNK_TOKENS"), ("RAG_LLM_MODLE", "RAG_LLM_MODEL")])
def test_misspelt_env_var_fails_with_a_suggestion(monkeypatch: pytest.MonkeyPatch, var: str, suggestion: str) -> None:
    monkeypatch.setenv(var, "100")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert f"unknown environment variable {var}; did you mean" in str(err.value)
    assert suggestion in str(err.value).split("known:")[0]
    assert "RAG_HOME" in str(err.value)  # the known names are listed


def test_misspelt_toml_key_suggests_the_right_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rag.toml").write_text('chunk_tokenz = 100\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="did you mean chunk_tokens"):
        load_settings()
