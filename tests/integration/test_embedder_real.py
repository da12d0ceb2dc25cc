"""The real int8 MiniLM through rag's own onnxruntime wrapper (no stub): shapes, norms, batching, checksum."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import rag.embeddings
from rag.embeddings import DIMENSIONS, MAX_TOKENS, ChromaMiniLM, OnnxMiniLM
from rag.errors import ModelFileError

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

TEXTS = [
    "Putin spoke at the Eastern Economic Forum in Vladivostok on Friday.",
    "ok",
    "Switzerland said it would grant the Russian president immunity from arrest if he came to Geneva "
    "for a peace summit, even though the International Criminal Court has issued a warrant for him.",
    "Peskov ruled out a visit.",
    "The Kremlin spokesman said there was no chance the president would attend the talks in Istanbul, "
    "which were set to resume on Thursday between the Russian and Ukrainian delegations.",
    "Kyiv demanded the complete withdrawal of Russian troops.",
]


@pytest.fixture(scope="module")
def model() -> OnnxMiniLM:
    # A small batch size so that TEXTS spans several batches (sorted by length across batches).
    return OnnxMiniLM(batch_size=4, threads=1)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_shape_dtype_and_unit_norm(model: OnnxMiniLM) -> None:
    vectors = model.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), DIMENSIONS) == (6, 384)
    assert vectors.dtype == np.float32
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_empty_matrix(model: OnnxMiniLM) -> None:
    vectors = model.embed([])
    assert vectors.shape == (0, DIMENSIONS)
    assert vectors.dtype == np.float32


def test_input_order_is_preserved_despite_length_sorting(model: OnnxMiniLM) -> None:
    # TEXTS is deliberately not in length order: the wrapper sorts by length internally.
    lengths = [len(t) for t in TEXTS]
    assert lengths != sorted(lengths)
    batched = model.embed(TEXTS)
    one_by_one = np.stack([model.embed([text])[0] for text in TEXTS])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)
    # Rows are really different texts, so a permutation would not go unnoticed.
    sims = batched @ batched.T
    assert np.all(sims[~np.eye(len(TEXTS), dtype=bool)] < 0.99)


def test_reversed_input_gives_reversed_output(model: OnnxMiniLM) -> None:
    forward = model.embed(TEXTS)
    backward = model.embed(TEXTS[::-1])
    np.testing.assert_allclose(backward, forward[::-1], atol=1e-5)


def test_dynamic_padding_does_not_change_results() -> None:
    short = "Cats sleep for most of the day."
    long = " ".join(["The talks in Istanbul were set to resume on Thursday after a three-year pause."] * 8)
    wide = OnnxMiniLM(batch_size=32, threads=1)  # short and long share one batch: short is padded
    alone = wide.embed([short])[0]
    padded = wide.embed([short, long])
    np.testing.assert_allclose(padded[0], alone, atol=1e-4)
    np.testing.assert_allclose(padded[1], wide.embed([long])[0], atol=1e-4)
    # The padding really happened: the long text has many more word pieces than the short one.
    tok = wide._tokenizer
    assert len(tok.encode(long).ids) > 4 * len(tok.encode(short).ids)


def test_batch_size_does_not_change_results(model: OnnxMiniLM) -> None:
    big = OnnxMiniLM(batch_size=64, threads=1)
    np.testing.assert_allclose(big.embed(TEXTS), model.embed(TEXTS), atol=1e-4)


def test_text_longer_than_the_model_window_is_truncated_not_fatal(model: OnnxMiniLM) -> None:
    long = " ".join(f"Sentence number {i} talks about negotiations in Istanbul." for i in range(200))
    assert len(model._tokenizer.encode(long).ids) == MAX_TOKENS  # truncation is on, at 256
    vectors = model.embed([long, "short text", long + " more words at the end"])
    assert vectors.shape == (3, DIMENSIONS)
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Words beyond the window are cut off, so the tail does not change the vector.
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-5)


def test_whitespace_is_normalised_before_embedding(model: OnnxMiniLM) -> None:
    # Chunks keep the hard wraps of the original text; they must not change the vector.
    wrapped = "Putin said he could\nguarantee   Zelensky's\n\nsafety in Moscow."
    flat = "Putin said he could guarantee Zelensky's safety in Moscow."
    np.testing.assert_allclose(model.embed([wrapped])[0], model.embed([flat])[0], atol=1e-6)


def test_semantic_sanity(model: OnnxMiniLM) -> None:
    a, b, c, d = model.embed(
        [
            "The Kremlin said Putin will not travel to Istanbul for the peace talks.",
            "Russia's president is not going to attend the negotiations in Turkey, his spokesman said.",
            "Bake the bread for forty minutes until the crust is golden brown.",
            "The football match was postponed because of heavy snow.",
        ]
    )
    paraphrase = cosine(a, b)
    assert paraphrase > 0.5
    assert paraphrase > cosine(a, c) + 0.3
    assert paraphrase > cosine(a, d) + 0.3
    assert cosine(a, c) < 0.3


def test_query_finds_its_passage(model: OnnxMiniLM) -> None:
    passages = TEXTS
    query = "Which country offered to protect Putin from arrest?"
    scores = model.embed(passages) @ model.embed([query])[0]
    assert int(np.argmax(scores)) == 2


def test_chroma_embedding_function_returns_the_same_vectors(model: OnnxMiniLM) -> None:
    ef = ChromaMiniLM(batch_size=4, threads=1)
    out = ef(TEXTS)
    assert len(out) == len(TEXTS)
    assert all(np.asarray(v).shape == (DIMENSIONS,) for v in out)
    np.testing.assert_allclose(np.stack([np.asarray(v) for v in out]), model.embed(TEXTS), atol=1e-5)
    # Chroma persists the function by name and config; rebuilding it gives the same function.
    rebuilt = ChromaMiniLM.build_from_config(ef.get_config())
    assert rebuilt.get_config() == {"batch_size": 4, "threads": 1}
    assert ChromaMiniLM.name() == "rag-minilm-int8"
    assert ef.default_space() == "cosine"
    np.testing.assert_allclose(np.asarray(rebuilt(["ok"])[0]), model.embed(["ok"])[0], atol=1e-5)


def test_corrupted_model_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = rag.embeddings.model_path()
    corrupt = tmp_path / "model.onnx"
    shutil.copyfile(original, corrupt)
    data = bytearray(corrupt.read_bytes())
    middle = len(data) // 2
    data[middle] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    assert corrupt.stat().st_size == original.stat().st_size

    monkeypatch.setattr(rag.embeddings, "model_path", lambda: corrupt)
    with pytest.raises(ModelFileError, match="does not match the expected") as info:
        OnnxMiniLM()
    assert str(corrupt) in str(info.value)
    assert "reinstall" in str(info.value)


def test_intact_copy_of_the_model_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The control for the test above: the copy itself is fine, only the flipped byte is refused.
    copy = tmp_path / "model.onnx"
    shutil.copyfile(rag.embeddings.model_path(), copy)
    monkeypatch.setattr(rag.embeddings, "model_path", lambda: copy)
    assert OnnxMiniLM(threads=1).embed(["ok"]).shape == (1, DIMENSIONS)


def test_missing_model_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere" / "model.onnx"
    monkeypatch.setattr(rag.embeddings, "model_path", lambda: missing)
    with pytest.raises(ModelFileError, match="model file missing"):
        OnnxMiniLM()
