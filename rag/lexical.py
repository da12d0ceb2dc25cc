"""BM25 over the same chunks as the vector store (bm25s), with English stop words and stemming."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import uuid
import re
import shutil
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
STOP_WORDS = frozenset(
    """a an and are as at be been being but by can could did do does for from had has have he her his
    how i if in into is it its me my no not of on or our she so than that the their them then there
    these they this those to too us was we were what when where which while who whom why will with
    would you your about after again also am any because before both did does down during each few
    further here just more most must only other over own same should some such up very s t""".split()
)


# Irregular forms the Snowball stemmer leaves apart ("met" / "meet"): common in news questions.
_IRREGULAR = {
    "met": "meet", "said": "say", "says": "say", "told": "tell", "went": "go", "gone": "go", "held": "hold",
    "came": "come", "took": "take", "taken": "take", "gave": "give", "given": "give", "made": "make",
    "began": "begin", "begun": "begin", "sought": "seek", "brought": "bring", "thought": "think",
    "spoke": "speak", "spoken": "speak", "left": "leave", "won": "win", "lost": "lose", "fought": "fight",
    "kept": "keep", "led": "lead", "meant": "mean", "ran": "run", "saw": "see", "seen": "see", "sent": "send",
    "stood": "stand", "wrote": "write", "written": "write", "knew": "know", "known": "know", "chose": "choose",
    "chosen": "choose", "flew": "fly", "flown": "fly", "rose": "rise", "struck": "strike", "withdrew": "withdraw",
    "russian": "russia", "russians": "russia", "ukrainian": "ukrain", "ukrainians": "ukrain",
}


@functools.cache
def _stemmer():  # noqa: ANN202 - PyStemmer has no type hints
    import Stemmer

    return Stemmer.Stemmer("english")


def _fold(word: str) -> str:
    """Lower-case without accents, so "Türkiye" and "Turkiye" match."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Lower-cased, accent-folded, stop-word-free, stemmed word tokens (possessive 's dropped)."""
    words = [_fold(w) for w in _WORD.findall(text)]
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    words = [_IRREGULAR.get(w, w) for w in words if w not in STOP_WORDS]
    return _stemmer().stemWords(words)


# Country names and the adjectives a question may use instead ("Turkish" for an article that says
# "Türkiye"): either form names the same country.
_SAME_PLACE = [
    "turkey türkiye turkish", "switzerland swiss", "china chinese", "america american u", "france french",
    "germany german", "britain british uk", "netherlands dutch", "europe european", "belarus belarusian",
    "poland polish", "hungary hungarian", "japan japanese", "israel israeli", "iran iranian", "india indian",
    "korea korean", "italy italian", "spain spanish", "finland finnish", "austria austrian", "qatar qatari",
    "canada canadian", "brazil brazilian", "kyiv kiev", "kharkiv kharkov", "odesa odessa",
]


@functools.cache
def _equivalent_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in _SAME_PLACE:
        stems = set(tokenize(group))
        for stem in stems:
            table.setdefault(stem, set()).update(stems)
    return {stem: frozenset(forms) for stem, forms in table.items()}


def equivalents(stem: str) -> set[str]:
    """A stem and the stems naming the same place ("turkish" -> "turkey", "türkiye")."""
    return set(_equivalent_table().get(stem, ())) | {stem}


# Bump when tokenize() changes, so saved BM25 indexes built with the old tokens are rebuilt.
TOKENIZER_VERSION = "3"


def fingerprint(ids: Sequence[str]) -> str:
    """A digest of the set of chunk ids (and the tokenizer): equal means the same BM25 index."""
    digest = hashlib.sha1(TOKENIZER_VERSION.encode())
    for chunk_id in sorted(ids):
        digest.update(chunk_id.encode())
    return digest.hexdigest()


class LexicalIndex:
    """A BM25 index plus the chunk ids, texts and metadata it was built from."""

    def __init__(self, ids: list[str], texts: list[str], metas: list[dict]) -> None:
        self.ids, self.texts, self.metas = ids, texts, metas
        self.fingerprint = fingerprint(ids)
        self._bm25 = bm25s.BM25()
        if ids:
            self._bm25.index([tokenize(t) or [""] for t in texts], show_progress=False)

    @functools.cached_property
    def row_of(self) -> dict[str, int]:
        """Row number of each chunk id."""
        return {chunk_id: row for row, chunk_id in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def postings(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The index's terms, and for term ``t`` the rows holding it: ``rows[starts[t]:starts[t + 1]]``.

        Read from the BM25 matrix (compressed sparse columns), so document frequencies and the terms
        of each article come without tokenizing every chunk again.
        """
        if not self.ids:
            return [], np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
        starts = np.asarray(self._bm25.scores["indptr"])
        vocab = sorted(self._bm25.vocab_dict.items(), key=lambda item: item[1])
        # bm25s keeps a column for every term but its empty placeholder, which sorts last.
        terms = [term for term, _ in vocab][: len(starts) - 1]
        return terms, starts, np.asarray(self._bm25.scores["indices"])

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for ``query`` (zeros when no term matches)."""
        terms = tokenize(query)
        if not self.ids or not terms:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def top(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``n`` best (row, score) pairs with a positive score, inside ``mask`` if given."""
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n = min(n, int((scores > 0).sum()))
        if n == 0:
            return []
        rows = np.argpartition(-scores, n - 1)[:n]
        rows = rows[np.argsort(-scores[rows], kind="stable")]
        return [(int(r), float(scores[r])) for r in rows]

    def save(self, folder: Path) -> None:
        """Write the index atomically (a half-written folder is never read)."""
        unique = f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"  # two savers never share a name
        tmp = folder.with_name(folder.name + f".tmp{unique}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self._bm25.save(str(tmp / "bm25"), show_progress=False)
        with (tmp / "chunks.json").open("w", encoding="utf-8") as fh:
            json.dump({"fingerprint": self.fingerprint, "ids": self.ids, "texts": self.texts, "metas": self.metas}, fh)
        old = folder.with_name(folder.name + f".old{unique}")
        try:
            folder.rename(old)
        except FileNotFoundError:
            pass  # none yet, or another saver is swapping its own in
        try:
            tmp.rename(folder)
        except OSError:  # another saver's index got there first: readers check its fingerprint anyway
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, or None when missing or unreadable."""
        try:
            with (folder / "chunks.json").open(encoding="utf-8") as fh:
                data = json.load(fh)
            index = cls.__new__(cls)
            index.ids, index.texts, index.metas = data["ids"], data["texts"], data["metas"]
            index.fingerprint = data["fingerprint"]
            index._bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if index.ids else bm25s.BM25()
            return index
        except (OSError, ValueError, KeyError):
            return None


def same_place(qualifier: str, stem: str) -> bool:
    """ "ukrainian" and "ukrain", "swiss" and "switzerland", "hungarian" and "hungari"."""
    return stem in equivalents(qualifier) or (len(qualifier) >= 5 and stem[:5] == qualifier[:5])


def shares_family(terms: frozenset[str], stems: list[str]) -> bool:
    """Whether the stems hold one of the terms, or a word of the same family ("rescuers" for "rescued")."""
    return any(t in stems or (len(t) >= 4 and any(len(s) >= 4 and (s.startswith(t) or t.startswith(s)) for s in stems))
               for t in terms)
