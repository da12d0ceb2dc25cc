"""Benchmarks, in one process and fully offline: embedding speed against Chroma's own MiniLM,
ingest and unchanged re-ingest of the corpus, ingest of single synthetic articles of growing size
(seconds per stage, and the large/medium time ratio that shows cost grows linearly), a folder of
many small files, answer latency on never-seen questions (against embedding every window alone,
the way before), hybrid query latency on the corpus and on a synthetic index of ~100k chunks, and
peak memory. Every index lives in a temporary folder, removed at the end. ``quick`` shrinks every
size so the whole run fits in a minute (CI).

    from rag.bench import run, render
    print(render(run(Settings())))
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from rag.chunking import ChunkerConfig, chunk_document
from rag.config import Settings
from rag.documents import build_document, load_folder
from rag.embeddings import TOKENIZER_DIR, OnnxMiniLM, model_path
from rag.ingestion import ingest, rebuild_lexical
from rag.retrieval import Retriever
from rag.store import Store, published_ord
from rag.types import Document

TARGETS: dict[str, tuple[str, float]] = {
    "embed_speedup_vs_chroma": (">=", 4.0),
    "reingest_unchanged_s": ("<=", 1.0),
    "ingest_time_ratio_10x_size": ("<=", 11.0),
    "text_mb_per_s": (">=", 2.0),
    "answer_p50_s": ("<=", 0.3),
    "answer_p95_s": ("<=", 0.6),
    "query_p50_ms_seeds": ("<=", 30.0),
    "summary_warm_p95_s": ("<=", 2.0),
    "brief_warm_p95_s": ("<=", 2.0),
    "compare_warm_p95_s": ("<=", 2.0),
    "timeline_warm_p95_s": ("<=", 2.0),
    "claims_warm_p95_s": ("<=", 2.0),
    "query_p50_ms_100k": ("<=", 100.0),
}
FULL_SIZES = (100_000, 1_000_000, 10_000_000)
QUICK_SIZES = (20_000, 200_000)
QUESTIONS_FILE = Path(__file__).with_name("bench_questions.txt")
BATCH = 32
CHROMA_FILES = ("config.json", "special_tokens_map.json", "tokenizer_config.json", "tokenizer.json", "vocab.txt")
CHUNKS_PER_SYNTHETIC_DOC = 20
NOISE = 0.02  # per dimension: a synthetic vector keeps a cosine of ~0.9 to the sentences it is made of
QUESTION_WORDS = ("What", "Why", "How", "When", "Who", "Where")
_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def _offline_chroma_minilm(folder: Path) -> Any:
    """Chroma's ONNXMiniLM_L6_V2 reading our int8 model and tokenizer from ``folder``; never downloads."""
    from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2

    class OfflineMiniLM(ONNXMiniLM_L6_V2):
        DOWNLOAD_PATH = folder

        def _download(self, url: str, fname: str, chunk_size: int = 1024) -> None:
            raise RuntimeError(f"bench is offline: refusing to download {url}")

    onnx = folder / OfflineMiniLM.EXTRACTED_FOLDER_NAME
    onnx.mkdir(parents=True)
    (onnx / "model.onnx").symlink_to(model_path())  # same int8 weights: the comparison is of the wrappers
    for name in CHROMA_FILES:
        (onnx / name).symlink_to(TOKENIZER_DIR / name)
    return OfflineMiniLM(preferred_providers=["CPUExecutionProvider"])


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call of ``fn`` took, and its result."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def bench_embeddings(texts: list[str], ours: OnnxMiniLM, folder: Path) -> dict[str, Any]:
    """Texts per second of our wrapper and of Chroma's on the same texts, and how far they disagree."""
    chroma = _offline_chroma_minilm(folder)
    ours.embed(texts[:BATCH]), chroma(texts[:BATCH])  # warm-up: session init, first-run allocations
    ours_s, mine = _timed(lambda: ours.embed(texts))
    chroma_s, theirs = _timed(lambda: np.asarray(chroma(texts), dtype=np.float32))
    return {"embed_texts": len(texts), "embed_texts_per_s_ours": len(texts) / ours_s,
            "embed_texts_per_s_chroma": len(texts) / chroma_s, "embed_speedup_vs_chroma": chroma_s / ours_s,
            "embed_max_cosine_gap": float(1.0 - np.min(np.sum(mine * theirs, axis=1)))}


def bench_ingest(settings: Settings, ours: OnnxMiniLM) -> dict[str, Any]:
    """First ingest of the corpus into an empty index, then a re-ingest that must change nothing."""
    first_s, first = _timed(lambda: ingest(settings.corpus, settings=settings, embedder=ours))
    again_s, again = _timed(lambda: ingest(settings.corpus, settings=settings, embedder=ours))
    return {"ingest_seeds_s": first_s, "ingest_chunks": first.chunks_total,
            "reingest_unchanged_s": again_s, "reingest_changed": again.changed}


def make_queries(sentences: Sequence[str], n: int, rng: random.Random) -> list[str]:
    """4-8 words of a random sentence, in their order; every fourth phrased as a question."""
    pool = [words for s in sentences if len(words := _WORD.findall(s)) >= 4]
    queries = []
    for i in range(n):
        words = rng.choice(pool)
        picked = sorted(rng.sample(range(len(words)), rng.randint(4, min(8, len(words)))))
        text = " ".join(words[j] for j in picked)
        queries.append(f"{rng.choice(QUESTION_WORDS)} {text}?" if i % 4 == 3 else text)
    return queries


def bench_queries(retriever: Retriever, queries: list[str], tag: str) -> dict[str, Any]:
    """Hybrid search latency, and its parts alone: query embedding, dense (Chroma) and BM25."""
    for query in queries[:10]:
        retriever.search(query)  # warm-up: HNSW pages, BM25 arrays, onnxruntime arenas
    n = max(retriever.settings.candidates, retriever.settings.top_k)
    collection, lexical, embedder = retriever.store.collection(), retriever.lexical, retriever.embedder
    parts: dict[str, Callable[[str, np.ndarray], Any]] = {
        "query": lambda q, v: retriever.search(q),
        "embed_query": lambda q, v: embedder.embed([q]),
        "dense": lambda q, v: collection.query(
            query_embeddings=[v], n_results=min(n, len(lexical)), include=["distances"]),
        "bm25": lambda q, v: lexical.top(q, n),
    }
    ms: dict[str, list[float]] = {name: [] for name in parts}
    for query, vector in zip(queries, embedder.embed(queries), strict=True):
        for name, fn in parts.items():  # interleaved, so load from other processes hits every part alike
            ms[name].append(_timed(lambda: fn(query, vector))[0] * 1000)  # noqa: B023 - called at once
    rest = np.array(ms["query"]) - sum(np.array(ms[k]) for k in ("embed_query", "dense", "bm25"))
    out = {f"query_p{p}_ms_{tag}": float(np.percentile(ms["query"], p)) for p in (50, 95)}
    out |= {f"{k}_p50_ms_{tag}": float(np.median(v)) for k, v in ms.items() if k != "query"}
    out[f"rest_p50_ms_{tag}"] = float(np.median(rest))  # fusion, filter checks, building Hits
    return out


def _synthetic_batches(
    n: int, batch: int, pool: list[str], vectors: np.ndarray, docs: list[Document], seed: int
) -> Iterator[tuple[list[str], list[str], np.ndarray, list[dict[str, Any]]]]:
    """Chunks of 3-6 random real sentences; each vector is the mean of theirs plus noise."""
    rng = np.random.default_rng(seed)
    first_day, days = date(2020, 1, 1).toordinal(), 6 * 365
    for at in range(0, n, batch):
        ids, texts, metas, rows = [], [], [], []
        for i in range(at, min(n, at + batch)):
            doc_no, seq = divmod(i, CHUNKS_PER_SYNTHETIC_DOC)
            picks = rng.choice(len(pool), size=min(len(pool), int(rng.integers(3, 7))), replace=False)
            ends = seq * 4000 + np.cumsum([len(pool[j]) + 1 for j in picks])  # a made-up article's offsets
            spans = [[int(e) - len(pool[j]) - 1, int(e) - 1] for e, j in zip(ends, picks, strict=True)]
            like = docs[doc_no % len(docs)]
            published = date.fromordinal(first_day + (doc_no * 7919) % days).isoformat()
            ids.append(f"synthetic-{i:07d}")
            texts.append(" ".join(pool[j] for j in picks))
            rows.append(vectors[picks].mean(axis=0))
            metas.append({
                "source": f"{doc_no:05d}.txt", "folder": "/synthetic", "path": f"/synthetic/{doc_no:05d}.txt",
                "meta_sha": "", "start": spans[0][0], "end": spans[-1][1],
                "outlet": like.meta.outlet, "title": like.meta.title, "published": published,
                "published_ord": published_ord(published), "file_sha": f"{doc_no:064x}",
                "n_chunks": min(CHUNKS_PER_SYNTHETIC_DOC, n - doc_no * CHUNKS_PER_SYNTHETIC_DOC),
                "seq": seq, "encoding": "utf-8", "sentences": json.dumps(spans),
            })
        dense = np.asarray(rows, dtype=np.float32)
        dense /= np.linalg.norm(dense, axis=1, keepdims=True)
        dense += rng.normal(0.0, NOISE, dense.shape).astype(np.float32)
        dense /= np.linalg.norm(dense, axis=1, keepdims=True)
        yield ids, texts, dense, metas


def build_synthetic(
    settings: Settings, n: int, pool: list[str], vectors: np.ndarray, docs: list[Document], progress: bool
) -> dict[str, Any]:
    """A collection configured as rag.store makes it, filled with ``n`` synthetic chunks, plus BM25.

    Chroma's own per-record work (HNSW insert at M=16/ef_construction=100, SQLite metadata, the
    documents' full-text index) is nearly all the time: HNSW batch_size/sync_threshold and the add
    batch size change it by <10%, so the real store's configuration is kept as it is.
    """
    store = Store(settings, OnnxMiniLM.model_id)
    collection = store.collection()
    batch = min(store.client.get_max_batch_size(), 5000)
    started = time.perf_counter()
    with tqdm(total=n, unit="chunk", desc="synthetic index", file=sys.stderr, disable=not progress) as bar:
        for ids, texts, dense, metas in _synthetic_batches(n, batch, pool, vectors, docs, seed=7):
            collection.add(ids=ids, documents=texts, embeddings=dense, metadatas=metas)
            bar.update(len(ids))
    chroma_s = time.perf_counter() - started
    bm25_s, _ = _timed(lambda: rebuild_lexical(store))  # the real path: reads every chunk back from Chroma
    return {"build_100k_s": chroma_s + bm25_s, "build_chroma_100k_s": chroma_s, "build_bm25_100k_s": bm25_s}


def synthetic_article(size: int, sentences: Sequence[str], rng: random.Random) -> str:
    """About ``size`` characters of paragraphs of real corpus sentences, under a headline."""
    parts, n = ["A synthetic article built from the corpus", "6 June 2025"], 0
    while n < size:
        para = " ".join(rng.choice(sentences) for _ in range(4))
        parts.append(para)
        n += len(para) + 2
    return "\n\n".join(parts) + "\n"


def bench_article_sizes(
    settings: Settings, ours: OnnxMiniLM, sentences: Sequence[str], sizes: Sequence[int], root: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    """Ingest one synthetic article per size into an empty index: seconds per stage and in all.

    The real ``ingest`` does the work; its report's stage timings are read back. Sizes grow ten-fold,
    so a time ratio near 10 between the two largest means cost linear in the text.
    """
    rng, out, totals = random.Random(3), {}, []
    for size in sizes:
        tag = f"{size // 1000}kb" if size < 1_000_000 else f"{size // 1_000_000}mb"
        folder = root / f"article-{tag}"
        folder.mkdir(parents=True)
        (folder / "article.txt").write_text(synthetic_article(size, sentences, rng), encoding="utf-8")
        say(f"ingest of one {size / 1e6:g} MB article")
        home = settings.model_copy(update={"home": root / f"home-{tag}",
                                           "max_file_mb": max(settings.max_file_mb, 1.2 * size / 1e6)})
        seconds, report = _timed(lambda: ingest(folder, settings=home, embedder=ours))  # noqa: B023 - called at once
        if report.skipped or not report.chunks_total:
            raise RuntimeError(f"bench: the {tag} article was not indexed: {report.skipped}")
        totals.append(seconds)
        out[f"ingest_{tag}_s"] = seconds
        out[f"ingest_{tag}_chunks"] = report.chunks_total
        for stage, spent in report.stages.items():
            out[f"ingest_{tag}_{stage}_s"] = spent
        text_s = sum(report.stages.get(k, 0.0) for k in ("load", "split", "chunk"))
        out[f"text_mb_per_s_{tag}"] = size / 1e6 / max(text_s, 1e-9)
        out[f"peak_rss_mb_after_{tag}"] = _peak_rss_mb()
        _release_chroma(root / f"home-{tag}")
    out["ingest_time_ratio_10x_size"] = totals[-1] / totals[-2]
    return out


def bench_text(sentences: Sequence[str], config: ChunkerConfig, size: int = 2_000_000) -> dict[str, Any]:
    """Text processing alone (decode, boilerplate, sentences, chunks) on a 2 MB article: MB/s,
    median of three runs, so the figure does not hang on a tenth of a second of a small file."""
    data = synthetic_article(size, sentences, random.Random(11)).encode()
    runs = sorted(_timed(lambda: chunk_document(build_document("text.txt", data, None), config))[0] for _ in range(3))
    return {"text_mb_per_s": size / 1e6 / runs[1]}


def bench_many_files(
    settings: Settings, ours: OnnxMiniLM, sentences: Sequence[str], n_files: int, root: Path
) -> dict[str, Any]:
    """Ingest a folder of ``n_files`` short articles (2-5 paragraphs each): files/s and chunks/s."""
    rng = random.Random(5)
    folder = root / "many"
    folder.mkdir()
    for i in range(n_files):
        (folder / f"{i:05d}.txt").write_text(synthetic_article(rng.randint(800, 3000), sentences, rng), encoding="utf-8")
    home = settings.model_copy(update={"home": root / "home-many"})
    seconds, report = _timed(lambda: ingest(folder, settings=home, embedder=ours))
    again_s, _ = _timed(lambda: ingest(folder, settings=home, embedder=ours))
    _release_chroma(root / "home-many")
    return {"folder_files": n_files, "folder_ingest_s": seconds, "folder_files_per_s": n_files / seconds,
            "folder_chunks_per_s": report.chunks_total / seconds, "folder_reingest_unchanged_s": again_s}


def load_questions(path: Path = QUESTIONS_FILE) -> list[str]:
    """The bench's fixed questions: written for it, not taken from the eval sets."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def bench_answers(settings: Settings, questions: Sequence[str]) -> dict[str, Any]:
    """Extractive ``answer()`` latency on questions never seen by the process (model warm).

    Window vectors are cached per process; the caches are emptied before every question so each
    one costs what a new question on a large library costs. The baseline embeds every evidence
    window alone (``exact_top`` unbounded), as answers did before.
    """
    from rag import answering
    from rag.answering import answer
    from rag.extractive import EXACT_TOP

    answer("What do the articles say?", mode="extractive", settings=settings)  # warm-up: model, BM25, IDF
    out: dict[str, Any] = {"answer_questions": len(questions)}
    for tag, exact_top in (("", EXACT_TOP), ("_baseline", 10**6)):
        seconds = []
        for question in questions:
            answering._vectors_for.cache_clear()
            answering._vectors_for(answering.get_retriever(settings).embedder).exact_top = exact_top
            seconds.append(_timed(lambda: answer(question, mode="extractive", settings=settings))[0])  # noqa: B023
        out[f"answer_p50_s{tag}"] = float(np.percentile(seconds, 50))
        out[f"answer_p95_s{tag}"] = float(np.percentile(seconds, 95))
    answering._vectors_for.cache_clear()
    out["answer_speedup_vs_baseline"] = out["answer_p50_s_baseline"] / out["answer_p50_s"]
    return out


def bench_features(settings: Settings, topics: Sequence[str]) -> dict[str, Any]:
    """Summaries, brief, comparison, timeline and claims on the corpus: the first call (sentences
    embedded, articles read: the baseline) and warm calls (p50/p95), as the app and CLI see them."""
    from rag.claims import claims
    from rag.comparing import compare
    from rag.library import articles
    from rag.summarizing import summarize
    from rag.timeline import timeline

    paths = [a.path for a in articles(settings)]
    calls: dict[str, Callable[[int], Any]] = {
        "summary": lambda i: summarize(paths[i % len(paths)], mode="extractive", settings=settings),
        "brief": lambda i: summarize(mode="extractive", settings=settings),
        "compare": lambda i: compare(topics[i % len(topics)], mode="extractive", settings=settings),
        "timeline": lambda i: timeline(settings=settings),
        "claims": lambda i: claims(settings=settings),
    }
    out: dict[str, Any] = {}
    for name, call in calls.items():
        n = len(paths) if name == "summary" else 1
        out[f"{name}_first_s"] = max(_timed(lambda: call(i))[0] for i in range(n))  # noqa: B023
        warm = [_timed(lambda: call(i))[0] for i in range(10)]  # noqa: B023
        out[f"{name}_warm_p50_s"] = float(np.percentile(warm, 50))
        out[f"{name}_warm_p95_s"] = float(np.percentile(warm, 95))
    return out


def _machine() -> dict[str, Any]:
    import chromadb
    import onnxruntime

    return {"cpu_count": os.cpu_count(), "python": platform.python_version(),
            "onnxruntime": onnxruntime.__version__, "chromadb": chromadb.__version__,
            "load_avg_1m_at_start": os.getloadavg()[0]}  # other work on the machine skews every figure


def _release_chroma(root: Path) -> None:
    """Stop the Chroma systems opened under ``root``: rag never closes its clients, and a cached
    system would keep a whole HNSW index in memory after its folder is gone."""
    from chromadb.api.shared_system_client import SharedSystemClient

    systems = SharedSystemClient._identifier_to_system
    for identifier in [i for i in systems if i.startswith(str(root))]:
        SharedSystemClient._identifier_to_refcount.pop(identifier, None)
        systems.pop(identifier).stop()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run(
    settings: Settings, *, synthetic_chunks: int | None = None, queries: int = 200, progress: bool = True,
    quick: bool = False,
) -> dict[str, Any]:
    """Measure everything (see the module docstring) and return the figures as a JSON-able dict."""
    def say(message: str) -> None:
        if progress:
            print(f"bench: {message}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    synthetic_chunks = synthetic_chunks or (5_000 if quick else 100_000)
    queries = min(queries, 50) if quick else queries
    docs = [d for d in load_folder(settings.corpus, int(settings.max_file_mb * 1e6)) if isinstance(d, Document)]
    config = ChunkerConfig(settings.chunk_tokens, settings.chunk_overlap_sentences)
    chunk_texts = [c.text for d in docs for c in chunk_document(d, config)]
    sentences = [s.text for d in docs for s in d.sentences if s.kind == "body"]
    query_set = make_queries(sentences, max(1, queries), random.Random(42))
    results: dict[str, Any] = {**_machine(), "quick": quick, "targets": {k: v for k, (_, v) in TARGETS.items()}}
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        root = Path(tmp).resolve()
        results["model_load_s"], ours = _timed(lambda: OnnxMiniLM(batch_size=BATCH, threads=settings.onnx_threads))
        try:
            say("ingest and re-ingest of the corpus")
            # A warm model, as in a long-lived process; model_load_s is what a fresh CLI run adds.
            seeds = settings.model_copy(update={"home": root / "seeds", "chroma_url": None, "embedding": "minilm-int8"})
            results |= bench_ingest(seeds, ours)
            say(f"answers to {len(load_questions())} never-seen questions (and the same, every window embedded)")
            results |= bench_answers(seeds, load_questions())
            say("summaries, brief, comparison, timeline, claims (first call and warm)")
            results |= bench_features(seeds, load_questions()[:10])
            say(f"{len(query_set)} queries on the corpus index")
            results |= bench_queries(Retriever(seeds, embedder=ours), query_set, "seeds")

            say("text processing of a 2 MB article")
            results |= bench_text(sentences, config)
            results |= bench_article_sizes(seeds, ours, sentences, QUICK_SIZES if quick else FULL_SIZES, root, say)
            n_files = 100 if quick else 1000
            say(f"ingest of a folder of {n_files} short articles")
            results |= bench_many_files(seeds, ours, sentences, n_files, root)

            say(f"building a synthetic index of {synthetic_chunks:,} chunks")
            synthetic = seeds.model_copy(update={"home": root / "synthetic"})
            pool = sentences[:5000]
            results |= build_synthetic(synthetic, synthetic_chunks, pool, ours.embed(pool), docs, progress)
            results["synthetic_chunks"] = synthetic_chunks
            results["retriever_load_100k_s"], retriever = _timed(lambda: Retriever(synthetic, embedder=ours))
            say(f"{len(query_set)} queries on the synthetic index")
            results |= bench_queries(retriever, query_set, "100k")
            del retriever  # its 100k-chunk BM25 side need not sit under the peak of Chroma's embedder
            # Taken before Chroma's embedder runs: its 256-token padding grows onnxruntime's arena by
            # about a gigabyte, which says nothing about our pipeline.
            results["peak_rss_mb"] = _peak_rss_mb()

            say("embedding: ours vs Chroma's ONNXMiniLM_L6_V2")
            results |= bench_embeddings((chunk_texts[:100] + sentences)[:200], ours, root / "chroma-model")
            results["peak_rss_mb_with_chroma_embedder"] = _peak_rss_mb()
        finally:
            _release_chroma(root)
    results["bench_s"] = time.perf_counter() - started
    return results


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2e}" if 0 < abs(value) < 0.01 else f"{value:,.3f}"
    return str(value)


def render(results: dict[str, Any]) -> str:
    """The figures as an aligned table, targets marked PASS or MISS."""
    lines = [f"{'figure':<34} {'value':>12}  target"]
    for key, value in results.items():
        if key == "targets":
            continue
        mark = ""
        if key in TARGETS:
            op, target = TARGETS[key]
            ok = value >= target if op == ">=" else value <= target
            mark = f"{op} {target:g}  {'PASS' if ok else 'MISS'}"
        elif key == "reingest_changed":
            mark = f"== False  {'MISS' if value else 'PASS'}"
        lines.append(f"{key:<34} {_show(value):>12}  {mark}".rstrip())
    return "\n".join(lines)
