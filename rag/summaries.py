"""Extractive summaries: an article's most central sentences (salience over sentence vectors with a
lead prior, redundancy controlled by MMR), and a corpus brief of threads, each a cluster of
sentences across articles with one statement from every article that covers it.

Every statement is a sentence of an article, cited by its exact span.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from rag.corpus import ArticleText
from rag.evidence import Evidence
from rag.extractive import IdfTable
from rag.lexical import tokenize
from rag.types import Statement, Thread

LEAD_WEIGHT = 0.12  # news puts the gist first: the opening sentences get up to this much extra
LEAD_SENTENCES = 5
TITLE_WEIGHT = 0.2  # weight of a sentence's likeness to the headline
REPLY_WEIGHT = 0.1  # the other side's answer ("In response, Kyiv declared...") belongs in a news summary
DANGLING_PENALTY = 0.15  # "He added...", "But..." read badly out of context
MAX_CANDIDATES = 300  # per article: a 10 MB article is sampled, not embedded whole
MMR_LAMBDA = 0.7
CLUSTERS = 8  # k-means clusters of salient sentences; the ones several articles share become threads
JOIN_SIMILARITY = 0.45  # an article no thread covers joins the nearest thread above this
PER_ARTICLE = 8  # sentences of each article that may open or join a thread
MAX_THREADS = 6
MAX_STATEMENTS = 5  # per thread; the thread's `paths` still lists every article in it

_DANGLING = re.compile(r"^[\"“‘']?(he|she|it|they|this|that|these|those|but|however|also|meanwhile|and|so|yet|still)\b",
                       re.I)
_REPLY = re.compile(r"^(in response|in reply)\b|\b(responded|replied|rejected|refused|dismissed|denied)\b", re.I)
# Said by "he" or "she": out of context the reader cannot tell who (a summary names its speakers).
_PRONOUN_SPEAKER = re.compile(r"[,”\"’]\s*(he|she|they) (said|added|says|stressed|noted|explained|declared|claimed)\b", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{3,}")


def sentence_count(n: int) -> int:
    """3 sentences for a short article, 4 for a medium one, 5 for a long one."""
    return 3 if n < 12 else 4 if n < 30 else 5


def candidates(article: ArticleText) -> list[Evidence]:
    """The sentences that may be picked: all of them, or the lead plus an even sample of a long article."""
    sents = list(article.sentences)
    if len(sents) <= MAX_CANDIDATES:
        return sents
    lead = sents[:60]
    rest = sents[60:]
    step = len(rest) / (MAX_CANDIDATES - 60)
    return lead + [rest[int(i * step)] for i in range(MAX_CANDIDATES - 60)]


def fragment(text: str) -> bool:
    """A lead-in ending in a colon, or a piece of a quote split from its opening mark."""
    text = text.strip()
    if text.endswith(":"):
        return True
    opened = text.count("“") + (text.count('"') + 1) // 2
    closed = text.count("”") + text.count('"') // 2
    return text.count("”") > text.count("“") or (text.count('"') % 2 == 1) or opened < closed


def salience(sents: list[Evidence], vectors: np.ndarray) -> np.ndarray:
    """How central each sentence is to its article, plus the lead prior, minus dangling openers."""
    centroid = vectors.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    scores = vectors @ centroid
    for i, ev in enumerate(sents):
        if i < LEAD_SENTENCES:
            scores[i] += LEAD_WEIGHT * (1 - i / LEAD_SENTENCES)
        if _REPLY.search(ev.text):
            scores[i] += REPLY_WEIGHT
        if _DANGLING.match(ev.text) or _PRONOUN_SPEAKER.search(ev.text) or fragment(ev.text):
            scores[i] -= DANGLING_PENALTY
    return scores


def mmr(scores: np.ndarray, vectors: np.ndarray, k: int, lam: float = MMR_LAMBDA) -> list[int]:
    """Indices of k items by maximal marginal relevance: salient, and unlike those already chosen."""
    chosen: list[int] = []
    remaining = list(range(len(scores)))
    while remaining and len(chosen) < k:
        if chosen:
            redundancy = (vectors[remaining] @ vectors[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(remaining))
        value = lam * scores[remaining] - (1 - lam) * redundancy
        best = remaining[int(np.argmax(value))]
        chosen.append(best)
        remaining.remove(best)
    return chosen


def article_sentences(article: ArticleText, embed: object) -> list[Evidence]:
    """The summary sentences of one article, in the article's order."""
    sents = candidates(article)
    if len(sents) <= 3:
        return sents
    vectors = embed([s.text for s in sents])  # type: ignore[operator]
    scores = salience(sents, vectors)
    if article.article.title:
        # The headline is the editor's own one-line summary: sentences that say what it says weigh more.
        headline = embed([article.article.title])[0]  # type: ignore[operator]
        scores = scores + TITLE_WEIGHT * np.clip(vectors @ headline, 0, None)
    picked = mmr(scores, vectors, sentence_count(len(article.sentences)))
    half = len(sents) // 2
    if len(sents) >= 12 and all(i < half for i in picked):
        # News gives the other side's reply late in the story: a summary drawn only from the first
        # half tells one side. The weakest pick makes way for the best sentence of the second half.
        later = max(range(half, len(sents)), key=lambda i: scores[i])
        picked[min(range(len(picked)), key=lambda n: scores[picked[n]])] = later
    return [sents[i] for i in sorted(picked)]


@dataclass
class _Cluster:
    members: list[tuple[int, int, float]]  # (article index, sentence index, salience)
    total: np.ndarray

    @property
    def centroid(self) -> np.ndarray:
        return self.total / max(float(np.linalg.norm(self.total)), 1e-12)

    def articles(self) -> set[int]:
        return {a for a, _, _ in self.members}


_PHRASE_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[,.;:!?()“”\"–—]")
# Words that carry no topic: reporting verbs, hedges and calendar words.
_PLAIN = frozenset(tokenize(
    "said says saying told tell added noted stressed claimed declared according reported reportedly "
    "also would could might however earlier later last next week month year day today yesterday "
    "monday tuesday wednesday thursday friday saturday sunday people time number part way"))


def _phrases(text: str) -> dict[tuple[str, ...], str]:
    """The one- and two-word phrases of content words in a sentence (stem tuple -> as written)."""
    found: dict[tuple[str, ...], str] = {}
    run: list[tuple[str, str]] = []  # consecutive content words: (stem, as written)
    for token in _PHRASE_WORD.findall(text) + ["."]:
        stems = tokenize(token) if len(token) > 2 else []
        if len(stems) == 1 and stems[0] not in _PLAIN:
            run.append((stems[0], token.strip("'’-")))
            found.setdefault((stems[0],), run[-1][1])
            if len(run) >= 2 and run[-2][0] != run[-1][0]:
                found.setdefault((run[-2][0], run[-1][0]), f"{run[-2][1]} {run[-1][1]}")
        else:
            run = []
    return found


def labels(threads: list[list[Evidence]], idf: IdfTable | None) -> list[str]:
    """A short label for each thread: rare phrases that many of its sentences and articles use and
    the other threads do not (what every thread shares, such as the main actor, names none)."""
    found: list[tuple[dict[tuple[str, ...], set[str]], Counter[tuple[str, ...]]]] = []
    spelling: dict[tuple[str, ...], Counter[str]] = {}
    for members in threads:
        paths: dict[tuple[str, ...], set[str]] = {}
        sentences: Counter[tuple[str, ...]] = Counter()
        for ev in members:
            for key, written in _phrases(ev.text).items():
                paths.setdefault(key, set()).add(ev.path)
                sentences[key] += 1
                spelling.setdefault(key, Counter())[written] += 1
        found.append((paths, sentences))
    spread = Counter(key for paths, _ in found for key in paths)
    names = []
    for members, (paths, sentences) in zip(threads, found):
        n_articles = len({ev.path for ev in members})
        weight = {}
        for key, where in paths.items():
            if len(threads) > 2 and spread[key] > len(threads) / 2:
                continue
            rarity = min(idf.idf(stem) for stem in key) if idf else 1.0
            share = len(where) / n_articles + 0.5 * sentences[key] / len(members)
            weight[key] = share * rarity * (1.6 if len(key) == 2 else 1.0) / spread[key]
        picked: list[tuple[str, ...]] = []
        for key in sorted(weight, key=lambda k: (-weight[k], k)):
            if not any(set(key) & set(other) for other in picked):
                picked.append(key)
            if len(picked) == 2:
                break
        names.append(" · ".join(spelling[k].most_common(1)[0][0] for k in picked))
    return names


def _kmeans(pool: list[tuple[int, int, float]], vectors: dict[tuple[int, int], np.ndarray]) -> list[_Cluster]:
    """Spherical k-means over the pooled sentences (cost linear in their number), seeded
    deterministically with the most salient sentences that are unlike the seeds already chosen."""
    if not pool:
        return []
    matrix = np.stack([vectors[(a, i)] for a, i, _ in pool])
    k = min(CLUSTERS, len(pool))
    seeds = [0]
    while len(seeds) < k:
        distance = 1 - (matrix @ matrix[seeds].T).max(axis=1)
        seeds.append(int(np.argmax(distance)))
    centroids = matrix[seeds]
    assign = np.zeros(len(pool), dtype=int)
    for _ in range(25):
        assign_new = np.argmax(matrix @ centroids.T, axis=1)
        if _ and np.array_equal(assign_new, assign):
            break
        assign = assign_new
        for c in range(k):
            members = matrix[assign == c]
            if len(members):
                total = members.sum(axis=0)
                centroids[c] = total / max(float(np.linalg.norm(total)), 1e-12)
    clusters = []
    for c in range(k):
        idx = np.flatnonzero(assign == c)
        if len(idx):
            clusters.append(_Cluster([pool[j] for j in idx], matrix[idx].sum(axis=0)))
    return clusters


def brief_threads(articles: list[ArticleText], embed: object, idf: IdfTable | None) -> list[Thread]:
    """Threads across the articles: clusters of their salient sentences, each with the best
    sentence of every article in it; every article is in at least one thread."""
    pool: list[tuple[int, int, float]] = []
    vectors: dict[tuple[int, int], np.ndarray] = {}
    per_article: list[list[Evidence]] = []
    for a, article in enumerate(articles):
        sents = candidates(article)
        per_article.append(sents)
        if not sents:
            continue
        vecs = embed([s.text for s in sents])  # type: ignore[operator]
        scores = salience(sents, vecs)
        for i in mmr(scores, vecs, min(PER_ARTICLE, len(sents)), lam=0.85):
            pool.append((a, i, float(scores[i])))
            vectors[(a, i)] = vecs[i]
    pool.sort(key=lambda m: -m[2])
    clusters = _kmeans(pool, vectors)
    # Threads that several articles share come first; then the more salient.
    clusters.sort(key=lambda c: (-len(c.articles()), -sum(s for _, _, s in c.members)))
    kept = [c for c in clusters if len(c.articles()) > 1][:MAX_THREADS]
    covered = set().union(*(c.articles() for c in kept)) if kept else set()
    for a in range(len(articles)):
        if a in covered or not per_article[a]:
            continue
        # Its best sentence joins the nearest thread, or opens its own (an article nothing else covers).
        own = [m for c in clusters for m in c.members if m[0] == a]
        if not own:
            continue
        a_, i, score = max(own, key=lambda m: m[2])
        v = vectors[(a_, i)]
        sims = [float(c.centroid @ v) for c in kept]
        if sims and max(sims) >= JOIN_SIMILARITY:
            kept[int(np.argmax(sims))].members.append((a_, i, score))
        else:
            kept.append(_Cluster([(a_, i, score)], v.copy()))
    threads: list[Thread] = []
    members: list[list[Evidence]] = []
    for cluster in kept:
        centroid = cluster.centroid
        best: dict[int, tuple[float, int]] = {}
        for a, i, score in cluster.members:
            fit = float(vectors[(a, i)] @ centroid) + score
            if a not in best or fit > best[a][0]:
                best[a] = (fit, i)
        order = sorted(best, key=lambda a: (articles[a].article.published or "9999", articles[a].article.source))
        chosen = sorted(order, key=lambda a: -best[a][0])[:MAX_STATEMENTS]
        statements = [Statement(per_article[a][best[a][1]].text, (per_article[a][best[a][1]].citation(),))
                      for a in order if a in chosen]
        threads.append(Thread("", statements, [articles[a].path for a in order]))
        members.append([per_article[a][i] for a, i, _ in cluster.members])
    names = labels(members, idf)
    return [replace(t, label=name or f"thread {n + 1}") for n, (t, name) in enumerate(zip(threads, names))]
