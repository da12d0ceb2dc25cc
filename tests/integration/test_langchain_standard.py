"""langchain's standard Embeddings test suites (langchain-tests) applied to rag.embeddings.MiniLMEmbeddings.

The suites are used exactly as shipped: only ``embeddings_class`` and ``embedding_model_params`` are
provided, no standard test is overridden (``test_no_overrides_DO_NOT_OVERRIDE`` checks that).

``EmbeddingsUnitTests.test_init_from_env`` checks nothing here (it passes as a no-op): it only acts
when ``init_from_env_params`` is given, and MiniLMEmbeddings reads no environment variables (it has
no API key or endpoint to configure), so there is nothing to declare.

The integration suite has two ``async def`` tests (``test_aembed_query``, ``test_aembed_documents``).
The project runs pytest-asyncio in strict mode, where async tests run only when marked
``asyncio``; a mark cannot be put on one inherited method without overriding it, so the mark is
set on the class and pytest-asyncio's warning for the class's sync tests is silenced.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from rag.embeddings import DIMENSIONS, MiniLMEmbeddings

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

PARAMS: dict[str, Any] = {"batch_size": 8, "threads": 1}


class _OurEmbeddings:
    """What both standard suites need to build our class."""

    @property
    def embeddings_class(self) -> type[MiniLMEmbeddings]:
        return MiniLMEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return dict(PARAMS)


class TestMiniLMEmbeddingsUnit(_OurEmbeddings, EmbeddingsUnitTests):
    pass


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore:.*is marked with '@pytest.mark.asyncio' but it is not an async function")
class TestMiniLMEmbeddingsIntegration(_OurEmbeddings, EmbeddingsIntegrationTests):
    pass


def test_standard_params_reach_the_model() -> None:
    """The kwargs the suites pass are the ones the wrapped model uses, and vectors have MiniLM's size."""
    model = MiniLMEmbeddings(**PARAMS)
    assert model._model.batch_size == PARAMS["batch_size"]
    vector = model.embed_query("foo")
    assert len(vector) == DIMENSIONS
    assert model.embed_documents(["foo"])[0] == pytest.approx(vector, abs=1e-6)


async def _both_async(model: MiniLMEmbeddings) -> tuple[list[float], list[list[float]]]:
    return await model.aembed_query("foo"), await model.aembed_documents(["foo", "bar"])


def test_async_matches_sync() -> None:
    """langchain's default async methods (run in an executor) give the same vectors as the sync ones."""
    import asyncio

    model = MiniLMEmbeddings(**PARAMS)
    query, docs = asyncio.run(asyncio.wait_for(_both_async(model), timeout=60))
    assert query == pytest.approx(model.embed_query("foo"), abs=1e-6)
    assert docs[1] == pytest.approx(model.embed_documents(["bar"])[0], abs=1e-6)
