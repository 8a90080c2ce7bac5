"""New-word discovery, the "better" algorithm of SEEDS.md §6 (kexue.fm/archives/4256,
rewritten in 6920), with the rewrite's defaults; the published settings are in
:data:`PRESETS` (and ``top``, the evaluation's cut to the 50,000 most frequent words).

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

The counts are exact, written by hand with numpy because no maintained Python
library counts character n-grams with bounded memory: a block of about a million
characters becomes one array of character ids, each k-gram one integer key,
counted by sorting and merged into sorted tables (what peaks is a block's
arrays and the tables, not the text).  Memory stays bounded by pruning: when the
tables hold more than ``max_grams`` entries (checked after each block), every
gram seen fewer than ``floor`` times is dropped (floor starts at 2), and the
floor doubles until the tables are at most half full.  A pruned gram can lose at
most floor − 1 occurrences per pruning, so grams far above ``min_count`` keep
exact counts; the cohesion of rare grams is what suffers, and those are below
``min_count`` anyway when floor ≤ min_count.

Why the author's repository (bojone/word-discovery) finds other words.  On the
Tianlongbabu novel at min count 8 and thresholds (0, 1, 3, 5) its top 1,000
multi-character words share only 70 % with ours, and it keeps truncated names
(秦红, 白世, 阮星, 凌波微) where we keep 秦红棉, 白世镜, 阮星竹, 凌波微步.  Swapping
the steps one at a time (KenLM's records reproduced exactly in Python, all
680,342 of them) shows where: its trie's longest joining and its back-check
give exactly our words from our G, and our cut gives exactly its words from its
G — the difference is all in the counts.  The repository reads only KenLM's
order-4 records with count ≥ min_count and credits each record's count to the
record's prefixes, so a gram is counted only where it *starts* a frequent
4-gram: (a) occurrences followed by a rare 3-character context are lost (this
alone: 74 % overlap), and (b) each line is padded with <s> … </s>, so the first
character of a sentence is credited four times, its first bigram three, and
the last two characters of a sentence never (this alone: 89 %).  T is the sum
of the kept records (406 k for 1.06 M characters).  For 秦红棉 the repository
has c(秦红) = 203 (true: 132; the name often opens a sentence) and no c(棉) at
all, and a missing part counts as T, so its cohesion is ln(125/203) < 0 against
8.4 from exact counts.  This module keeps the post's algorithm with exact counts.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from engine.corpus.counting import RUNS
from engine.corpus.readers import Document
from engine.tasks import TaskContext


@dataclass(frozen=True)
class DiscoveryParams:
    n: int = 4
    min_count: int = 32
    thresholds: tuple[float, ...] = (0.0, 2.0, 4.0, 6.0)  # ln cohesion for 1-, 2-, 3-, 4-grams
    max_grams: int = 20_000_000
    top: int = 0  # keep only the most frequent words (0: all)


PRESETS: dict[str, DiscoveryParams] = {
    # kexue.fm/archives/6920 (2019) and bojone/word-discovery today: THUCNews, min count 32
    "rewrite": DiscoveryParams(4, 32, (0.0, 2.0, 4.0, 6.0)),
    # the repository's first upload (2019-09-07; also its Tianlongbabu example, there with min count 8)
    "first-upload": DiscoveryParams(4, 32, (0.0, 1.0, 3.0, 5.0)),
    # kexue.fm/archives/4256 (2017): raw cohesion ratios 5, 25, 125 on 3 M WeChat articles, min count 128
    "original": DiscoveryParams(4, 128, (0.0, math.log(5), math.log(25), math.log(125))),
    # 6920's evaluation: the rewrite's lexicon cut to its 50,000 most frequent words, fed to jieba
    "evaluation": DiscoveryParams(4, 32, (0.0, 2.0, 4.0, 6.0), top=50_000),
}


def sentences(docs: Iterable[Document]) -> Iterable[str]:
    for doc in docs:
        yield from RUNS.findall(doc.text)


@dataclass
class NgramCounts:
    counts: dict[str, int]
    total: int  # characters counted
    floor: int  # counts under this may have been pruned (1: exact)
    alphabet: "_Alphabet | None" = None  # the character ids the counting used


BLOCK_CHARS = 1_000_000  # characters counted per numpy pass: the arrays of a block are what peaks


class _Alphabet:
    """Dense ids for characters (1, 2, …; 0 separates sentences), consistent across blocks."""

    def __init__(self) -> None:
        self.table = np.zeros(0x110000, np.int32)
        self.chars = np.zeros(1, np.uint32)

    def ids(self, codes: np.ndarray) -> np.ndarray:
        present = np.unique(codes)
        new = present[(self.table[present] == 0) & (present != 0)]
        self.table[new] = np.arange(len(self.chars), len(self.chars) + len(new))
        self.chars = np.concatenate([self.chars, new])
        return self.table[codes]

    def wide(self) -> bool:
        return len(self.chars) > 65535


def _pack(rows: np.ndarray, wide: bool) -> np.ndarray:
    """One sortable key per row of k character ids: a uint64 of 16-bit ids, or raw bytes when ``wide``."""
    k = rows.shape[1]
    if wide or k > 4:
        return np.ascontiguousarray(rows.astype(np.uint32)).view(np.dtype((np.void, 4 * k))).ravel()
    key = np.zeros(len(rows), np.uint64)
    for j in range(k):
        key = (key << np.uint64(16)) | rows[:, j].astype(np.uint64)
    return key


def _windows(ids: np.ndarray, k: int, wide: bool) -> tuple[np.ndarray, np.ndarray]:
    """Where a k-gram without a separator starts, and its key (as :func:`_pack`), built column by
    column so that no k-column copy of the block is made."""
    m = len(ids) - k + 1
    if m <= 0:
        return np.zeros(0, np.int64), _pack(np.zeros((0, k), np.int32), wide)
    ok = ids[:m] != 0
    for j in range(1, k):
        ok &= ids[j:j + m] != 0
    at = np.flatnonzero(ok)
    if wide or k > 4:
        return at, _pack(ids[at[:, None] + np.arange(k)], wide)
    key = ids[at].astype(np.uint64)
    for j in range(1, k):
        key <<= np.uint64(16)
        key |= ids[at + j].astype(np.uint64)
    return at, key


def _blocks(texts: Iterable[str], ctx: TaskContext, stage: str) -> Iterable[tuple[str, int]]:
    """(texts joined by NUL, how many) in blocks of about BLOCK_CHARS characters."""
    block: list[str] = []
    size = seen = 0
    for text in texts:
        block.append(text)
        size += len(text) + 1
        seen += 1
        if size >= BLOCK_CHARS:
            ctx.checkpoint()
            ctx.progress(seen, None, f"{stage}: {seen:,} sentences")
            yield "\x00".join(block), len(block)
            block, size = [], 0
    if block:
        ctx.checkpoint()
        yield "\x00".join(block), len(block)


def _add(table: tuple[np.ndarray, np.ndarray] | None, keys: np.ndarray, counts: np.ndarray):
    """A table (sorted distinct keys, counts) plus sorted distinct keys with their counts: the
    counts of keys already there grow in place, the new keys are inserted in order (one copy of
    the table, no sort of it)."""
    if table is None or not len(table[0]):
        return keys, counts
    old, old_counts = table
    pos = np.searchsorted(old, keys)
    found = pos < len(old)
    found[found] = old[pos[found]] == keys[found]
    old_counts[pos[found]] += counts[found]
    new = ~found
    return np.insert(old, pos[new], keys[new]), np.insert(old_counts, pos[new], counts[new])


def count_ngrams(texts: Iterable[str], n: int, max_grams: int = 20_000_000,
                 ctx: TaskContext | None = None, keep_min: int = 1) -> NgramCounts:
    """Counts of every 1…n-gram inside the texts (never across two of them), with bounded memory.

    Counting is vectorised: a block of sentences becomes an array of character
    ids, each k-gram one integer key (four 16-bit ids in a uint64; raw bytes
    beyond 4 characters or 65,535 distinct characters), counted by sorting.
    Only grams seen at least ``keep_min`` times come back as strings."""
    ctx = ctx or TaskContext()
    alphabet = _Alphabet()
    tables: list[tuple[np.ndarray, np.ndarray] | None] = [None] * (n + 1)
    total, floor = 0, 1
    for text, how_many in _blocks(texts, ctx, "counting"):
        total += len(text) - (how_many - 1)
        ids = alphabet.ids(np.frombuffer(text.encode("utf-32-le"), np.uint32))
        del text
        wide = alphabet.wide()
        for k in range(1, n + 1):
            if wide and tables[k] is not None and tables[k][0].dtype == np.uint64:  # the alphabet outgrew 16 bits
                widened = _pack(_ids_of(tables[k][0], k), True)
                order = np.argsort(widened)
                tables[k] = (widened[order], tables[k][1][order])
            keys, counts = np.unique(_windows(ids, k, wide)[1], return_counts=True)
            tables[k] = _add(tables[k], keys, counts.astype(np.int64))
            del keys, counts
        if sum(len(t[0]) for t in tables[1:]) > max_grams:  # prune the rare grams, raising the floor as needed
            floor = max(2, floor)
            while True:
                for k in range(1, n + 1):
                    keep = tables[k][1] >= floor
                    tables[k] = (tables[k][0][keep], tables[k][1][keep])
                remaining = [t[1] for t in tables[1:] if len(t[1])]
                if sum(map(len, remaining)) <= max_grams // 2 or not remaining:
                    break
                floor *= 2
    counts: dict[str, int] = {}
    for k in range(1, n + 1):
        if tables[k] is not None:
            keys, cnt = tables[k]
            keep = cnt >= keep_min
            counts.update(zip(_unpack(keys[keep], k, alphabet), cnt[keep].tolist()))
            tables[k] = None
    return NgramCounts(counts, total, floor, alphabet)


def _ids_of(keys: np.ndarray, k: int) -> np.ndarray:
    """The rows of k character ids that :func:`_pack` made keys of."""
    if keys.dtype == np.uint64:
        return np.stack([(keys >> np.uint64(16 * (k - 1 - j))) & np.uint64(0xFFFF) for j in range(k)], 1)
    return np.frombuffer(keys.tobytes(), np.uint32).reshape(-1, k)


def _unpack(keys: np.ndarray, k: int, alphabet: _Alphabet) -> list[str]:
    """The k-character strings that :func:`_pack` made keys of."""
    ids = _ids_of(keys, k)
    return np.ascontiguousarray(alphabet.chars[ids.astype(np.int64)]).view(f"<U{k}").ravel().tolist()


def _gram_keys(grams: list[str], k: int, alphabet: _Alphabet, wide: bool) -> np.ndarray:
    ids = np.array([[alphabet.table[ord(ch)] for ch in g] for g in grams], np.int64).reshape(-1, k)
    return _pack(ids, wide)


def fragments(texts: Iterable[str], strong: dict[str, float], n: int, alphabet: _Alphabet,
              ctx: TaskContext | None = None) -> Counter:
    """The counts of the pieces :func:`cut` makes of every text, computed a block at a time with numpy:
    a boundary stays joined when a window of G covers it."""
    ctx = ctx or TaskContext()
    wide = alphabet.wide()
    g_keys = {k: np.sort(_gram_keys([g for g in strong if len(g) == k], k, alphabet, wide))
              for k in range(2, n + 1)}
    out: Counter = Counter()
    for text, _ in _blocks(texts, ctx, "cutting"):
        ids = alphabet.ids(np.frombuffer(text.encode("utf-32-le"), np.uint32))
        joined = np.zeros(len(ids), bool)  # boundary b lies between characters b and b + 1
        for k, keys in g_keys.items():
            if not len(keys):
                continue
            at, w = _windows(ids, k, wide)
            pos = np.minimum(np.searchsorted(keys, w), len(keys) - 1)
            hit = at[keys[pos] == w]
            del at, w, pos
            for d in range(k - 1):  # a gram at h joins boundaries h … h + k − 2
                joined[hit + d] = True
        cuts = np.flatnonzero(~joined[:-1]) + 1
        del joined
        starts, ends = np.r_[0, cuts], np.r_[cuts, len(ids)]
        lengths = ends - starts
        real = ids[starts] != 0  # a separator stands alone between two cut boundaries
        for k in range(1, n + 1):  # short pieces, the most, counted as packed keys
            at = starts[real & (lengths == k)]
            keys, cnt = np.unique(_pack(ids[at[:, None] + np.arange(k)], wide), return_counts=True)
            out.update(dict(zip(_unpack(keys, k, alphabet), cnt.tolist())))
        for a, b in zip(starts[real & (lengths > n)].tolist(), ends[real & (lengths > n)].tolist()):
            out[text[a:b]] += 1
    return out


def cohesion(gram: str, c: NgramCounts) -> float:
    """ln of min over splits of T·c(s)/(c(l)·c(r)); a part missing from the table counts as T."""
    cs = c.counts[gram]  # a gram of G has count ≥ min_count, so its parts (at least as frequent) are kept too
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
             ctx: TaskContext | None = None) -> tuple[list[Word], NgramCounts, dict[str, float]]:
    """Words, most frequent first (the ``p.top`` most frequent when set).  ``texts`` is called twice
    (count, then cut): the corpus is streamed twice."""
    ctx = ctx or TaskContext()
    counts = count_ngrams(texts(), p.n, p.max_grams, ctx, keep_min=p.min_count)
    strong = strong_grams(counts, p)
    pieces = fragments(texts(), strong, p.n, counts.alphabet, ctx)
    words = []
    for w, cnt in pieces.items():
        if cnt >= p.min_count and back_check(w, strong, p.n):
            h = strong.get(w) if len(w) <= p.n else min(strong[w[i:i + p.n]] for i in range(len(w) - p.n + 1))
            words.append(Word(w, cnt, h if h is not None else 0.0))
    words.sort(key=lambda x: (-x.count, x.word))
    return words[:p.top or None], counts, strong


def refilter(words: list[Word], strong: dict[str, float], counts: NgramCounts, p: DiscoveryParams) -> list[Word]:
    """The words that tighter thresholds or a higher min count keep, without reading the corpus again.

    G is recomputed from the kept counts and the back-check re-applied to the
    words found; the cut is not redone, so a word the tighter G would have split
    further is dropped rather than replaced by its parts (loosening below the
    first run's thresholds finds nothing new: discover again for that)."""
    keep = {g: h for g, h in strong.items()
            if h >= p.thresholds[min(len(g), len(p.thresholds)) - 1] and counts.counts[g] >= p.min_count}
    return [w for w in words if w.count >= p.min_count and back_check(w.word, keep, p.n)][:p.top or None]


_JIEBA_WORDS: set[str] = set()


def jieba_words() -> set[str]:
    """The words of jieba's dictionary (read once): a discovered word outside it is new."""
    if not _JIEBA_WORDS:
        import jieba

        with jieba.get_dict_file() as f:
            _JIEBA_WORDS.update(line.decode("utf-8").split(" ", 1)[0] for line in f)
    return _JIEBA_WORDS
