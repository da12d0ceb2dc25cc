"""The window-vector cache shared by threads: evictions under a small cap never pull a vector from
under a reader, and every thread gets the vectors of its own texts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from conftest import HashEmbedder
from rag.extractive import WindowVectors


def test_a_tiny_cache_shared_by_20_threads_gives_each_its_own_vectors(tally) -> None:
    embedder = HashEmbedder()
    cache = WindowVectors(embedder, size=3)  # far fewer slots than texts: constant eviction
    texts = [[f"sentence {n} about talks in city {n % 7} and leader {k}" for k in range(5)] for n in range(200)]

    def call(batch: list[str]) -> bool:
        return bool(np.allclose(cache.exact(batch), embedder.embed(batch)))

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(call, texts))
    tally.add("concurrent calls", len(texts))
    assert all(results)
    assert len(cache._cache) <= 3  # noqa: SLF001 - the cap holds
