"""The naive peer: what LangChain's RAG tutorial builds, run offline on the same cases.

Raw files -> ``RecursiveCharacterTextSplitter(1000, 200)`` -> ``langchain_chroma.Chroma`` with Chroma's
default MiniLM ONNX embedding function (fed from the shipped model files, never downloaded) ->
top-4 similarity search; the "answer" is the top chunk's text.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from eval.scoring import fact_present, percentile, retrieval_rank, share

TOKENIZER_FILES = ("config.json", "special_tokens_map.json", "tokenizer_config.json", "tokenizer.json", "vocab.txt")


class OfflineMiniLM(ONNXMiniLM_L6_V2):
    """Chroma's default MiniLM embedding function, reading its files from ``folder/onnx`` only."""

    def __init__(self, folder: Path) -> None:
        super().__init__(preferred_providers=["CPUExecutionProvider"])
        self.DOWNLOAD_PATH = folder  # instance attribute: the class default (~/.cache/chroma) is untouched

    def _download(self, url: str, fname: str, chunk_size: int = 1024) -> None:
        raise RuntimeError(f"the peer never downloads models; missing model files in {self.DOWNLOAD_PATH}/onnx")


def prepare_model_folder(folder: Path) -> Path:
    """Lay out ``folder/onnx`` as Chroma expects: the shipped int8 model.onnx plus the tokenizer files."""
    from rag.embeddings import TOKENIZER_DIR, model_path

    onnx = folder / "onnx"
    onnx.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_path(), onnx / "model.onnx")
    for name in TOKENIZER_FILES:
        shutil.copyfile(TOKENIZER_DIR / name, onnx / name)
    return folder


class ChromaEFEmbeddings(Embeddings):
    """langchain ``Embeddings`` adapter over a Chroma embedding function."""

    def __init__(self, ef: Any) -> None:
        self.ef = ef

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in vec] for vec in self.ef(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def load_raw(corpus: Path) -> list[Document]:
    """Every .txt / .md file of the corpus as plain UTF-8 text, metadata source = file name."""
    docs = []
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and path.suffix.lower() in (".txt", ".md") and not path.name.startswith("."):
            text = path.read_bytes().decode("utf-8", errors="replace")
            docs.append(Document(page_content=text, metadata={"source": path.relative_to(corpus).as_posix()}))
    return docs


def run_peer(cases: Sequence[dict[str, Any]], corpus: Path, progress: bool = True) -> dict[str, Any]:
    """Build the tutorial pipeline in a temporary folder and measure it on ``cases``."""
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from tqdm import tqdm

    with tempfile.TemporaryDirectory(prefix="rag-eval-peer-") as tmp:
        ef = OfflineMiniLM(prepare_model_folder(Path(tmp) / "model"))
        splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(load_raw(corpus))
        t0 = time.perf_counter()
        store = Chroma(collection_name="peer", embedding_function=ChromaEFEmbeddings(ef),
                       persist_directory=str(Path(tmp) / "chroma"))
        store.add_documents(splits)
        index_s = time.perf_counter() - t0
        store.similarity_search("warm-up", k=5)
        rows = []
        for case in tqdm(cases, desc="peer", unit="q", file=sys.stderr, disable=not progress):
            t = time.perf_counter()
            top5 = store.similarity_search(case["question"], k=5)  # its first 4 are the tutorial's top-4
            latency = time.perf_counter() - t
            text = top5[0].page_content if top5 else ""
            found = [fact_present(text, alts) for alts in case.get("facts", [])]
            rows.append({
                "id": case["id"], "answerable": bool(case["answerable"]), "text": text, "latency_s": latency,
                "all_facts": all(found) if case["answerable"] else None, "n_facts_found": sum(found),
                "n_facts": len(found),
                "retrieval_rank": retrieval_rank([d.metadata["source"] for d in top5], case.get("sources", [])),
            })
        del store
    return summarise(rows, len(splits), index_s)


def summarise(rows: list[dict[str, Any]], n_chunks: int, index_s: float) -> dict[str, Any]:
    """Peer metrics on the same definitions as ours (the peer never refuses)."""
    ans = [r for r in rows if r["answerable"]]
    ranks = [r["retrieval_rank"] for r in ans]
    crag = [(1 if r["all_facts"] else -1) if r["answerable"] else -1 for r in rows]
    return {
        "pipeline": "RecursiveCharacterTextSplitter(1000, 200) + langchain_chroma + Chroma default MiniLM ONNX; "
                    "answer = top chunk of the similarity search (top-4; k=5 for hit@5)",
        "n_chunks": n_chunks, "index_s": index_s,
        "hit_at_1": share(sum(k == 1 for k in ranks), len(ranks)),
        "hit_at_5": share(sum(k is not None for k in ranks), len(ranks)),
        "mrr": share(sum(1 / k for k in ranks if k), len(ranks)),
        "fact_recall": share(sum(bool(r["all_facts"]) for r in ans), len(ans)),
        "fact_recall_per_fact": share(sum(r["n_facts_found"] for r in ans), sum(r["n_facts"] for r in ans)),
        "refusal_accuracy": 0.0 if len(ans) < len(rows) else None,
        "crag_score": share(sum(crag), len(rows)),
        "mean_answer_chars": share(sum(len(r["text"]) for r in rows), len(rows)),
        "latency_p50_s": percentile([r["latency_s"] for r in rows], 50),
        "cases": rows,
    }
