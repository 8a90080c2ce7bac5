"""New-word discovery, the "better" algorithm of SEEDS.md §6 (kexue.fm/archives/4256,
rewritten in 6920), with the rewrite's defaults.

1. Count all 1…n-grams (n = 4) of the sentences — runs of CJK ideographs,
   letters and digits.  Keep a gram of length k ≥ 2 in G when its count is at
   least ``min_count`` and its cohesion
       ln min_split  T·c(s) / (c(left)·c(right))     (T = total characters)
   reaches ``thresholds[k − 1]`` (the blog's natural-log thresholds 0, 2, 4, 6).
2. Cut each sentence between characters i and i + 1 unless a gram of G spans
   that boundary; count the fragments and keep those seen ``min_count`` times.
3. Back-check: a fragment of length ≤ n must itself be in G (fragments shorter
   than 3 pass, as the author's code does); a longer one must have every
   length-n substring in G.

The author counted with KenLM's ``count_ngrams`` binary; here the counts are
Python Counters, written by hand because no maintained Python library counts
character n-grams with bounded memory.  Memory stays bounded by pruning: when
the table holds more than ``max_grams`` entries, every gram seen fewer than
``floor`` times is dropped (floor starts at 2), and the floor doubles until the
table is at most half full.  A pruned
gram can lose at most floor − 1 occurrences per pruning, so grams far above
``min_count`` keep exact counts; the cohesion of rare grams is what suffers,
and those are below ``min_count`` anyway when floor ≤ min_count.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

from engine.corpus.counting import RUNS
from engine.corpus.readers import Document


@dataclass(frozen=True)
class DiscoveryParams:
    n: int = 4
    min_count: int = 32
    thresholds: tuple[float, ...] = (0.0, 2.0, 4.0, 6.0)  # ln cohesion for 1-, 2-, 3-, 4-grams
    max_grams: int = 20_000_000


def sentences(docs: Iterable[Document]) -> Iterable[str]:
    for doc in docs:
        yield from RUNS.findall(doc.text)


@dataclass
class NgramCounts:
    counts: Counter
    total: int  # characters counted
    floor: int  # counts under this may have been pruned (1: exact)


def count_ngrams(texts: Iterable[str], n: int, max_grams: int = 20_000_000,
                 progress: Callable[[int], None] | None = None) -> NgramCounts:
    counts: Counter = Counter()
    total, floor, seen = 0, 1, 0
    for text in texts:
        total += len(text)
        counts.update(text[i:i + k] for k in range(1, n + 1) for i in range(len(text) - k + 1))
        seen += 1
        if len(counts) > max_grams:
            floor = max(2, floor)
            counts = Counter({g: c for g, c in counts.items() if c >= floor})
            while len(counts) > max_grams // 2:  # still too full: raise the floor
                floor *= 2
                counts = Counter({g: c for g, c in counts.items() if c >= floor})
        if progress is not None and seen % 10000 == 0:
            progress(seen)
    return NgramCounts(counts, total, floor)


def cohesion(gram: str, c: NgramCounts) -> float:
    """ln of min over splits of T·c(s)/(c(l)·c(r)); a part missing from the table counts as T."""
    cs = c.counts[gram]
    return min(math.log(c.total * cs / (c.counts.get(gram[:j], c.total) * c.counts.get(gram[j:], c.total)))
               for j in range(1, len(gram)))


def strong_grams(c: NgramCounts, p: DiscoveryParams) -> dict[str, float]:
    """G: grams of length ≥ 2 with enough count and cohesion, with their cohesion."""
    out = {}
    for gram, cnt in c.counts.items():
        k = len(gram)
        if k >= 2 and cnt >= p.min_count:
            h = cohesion(gram, c)
            if h >= p.thresholds[min(k, len(p.thresholds)) - 1]:
                out[gram] = h
    return out


def cut(text: str, strong: dict[str, float], n: int) -> list[str]:
    """Split between characters unless a gram of G (length 2…n) spans the boundary."""
    if not text:
        return []
    joined = [False] * (len(text) - 1)
    for k in range(2, n + 1):
        for i in range(len(text) - k + 1):
            if text[i:i + k] in strong:
                for b in range(i, i + k - 1):
                    joined[b] = True
    pieces, start = [], 0
    for b, keep in enumerate(joined):
        if not keep:
            pieces.append(text[start:b + 1])
            start = b + 1
    pieces.append(text[start:])
    return pieces


def back_check(word: str, strong: dict[str, float], n: int) -> bool:
    if len(word) < 3:
        return True
    if len(word) <= n:
        return word in strong
    return all(word[i:i + n] in strong for i in range(len(word) - n + 1))


@dataclass
class Word:
    word: str
    count: int
    cohesion: float  # ln cohesion; for words longer than n, the weakest of their n-grams


def discover(texts: Callable[[], Iterable[str]], p: DiscoveryParams = DiscoveryParams(),
             progress: Callable[[str, int], None] | None = None) -> tuple[list[Word], NgramCounts, dict[str, float]]:
    """Words, most frequent first.  ``texts`` is called twice (count, then cut): the corpus is streamed twice."""
    counts = count_ngrams(texts(), p.n, p.max_grams, progress and (lambda k: progress("counting", k)))
    strong = strong_grams(counts, p)
    fragments: Counter = Counter()
    for i, text in enumerate(texts(), 1):
        fragments.update(cut(text, strong, p.n))
        if progress is not None and i % 10000 == 0:
            progress("cutting", i)
    words = []
    for w, cnt in fragments.items():
        if cnt >= p.min_count and back_check(w, strong, p.n):
            h = strong.get(w) if len(w) <= p.n else min(strong[w[i:i + p.n]] for i in range(len(w) - p.n + 1))
            words.append(Word(w, cnt, h if h is not None else 0.0))
    words.sort(key=lambda x: (-x.count, x.word))
    return words, counts, strong



def refilter(words: list[Word], strong: dict[str, float], counts: NgramCounts, p: DiscoveryParams) -> list[Word]:
    """The words that tighter thresholds or a higher min count keep, without reading the corpus again.

    G is recomputed from the kept counts and the back-check re-applied to the
    words found; the cut is not redone, so a word the tighter G would have split
    further is dropped rather than replaced by its parts (loosening below the
    first run's thresholds finds nothing new: discover again for that)."""
    keep = {g: h for g, h in strong.items()
            if h >= p.thresholds[min(len(g), len(p.thresholds)) - 1] and counts.counts[g] >= p.min_count}
    return [w for w in words if w.count >= p.min_count and back_check(w.word, keep, p.n)]


_JIEBA_WORDS: set[str] = set()


def jieba_words() -> set[str]:
    """The words of jieba's dictionary (read once): a discovered word outside it is new."""
    if not _JIEBA_WORDS:
        import jieba

        with jieba.get_dict_file() as f:
            _JIEBA_WORDS.update(line.decode("utf-8").split(" ", 1)[0] for line in f)
    return _JIEBA_WORDS
