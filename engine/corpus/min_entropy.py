"""Minimum-entropy segmentation, after nlp-zero 0.1.6 (SEEDS.md §8, kexue.fm/archives/5597).

Written here because nlp-zero is Python-2-era, unmaintained, breaks on
Python ≥ 3.10 and is needed only in part; the two pieces follow its code:

* :class:`Segmenter` — a unigram model solved by dynamic programming: a word w
  of the lexicon scores ln c(w) − ln N (N: the sum of the lexicon's counts); a
  character no word covers scores ``null_score`` = −100; the best path
  maximises the sum (ties go to the longest last word, as nlp-zero's forward
  pass does).  Text is split first on punctuation and spaces; runs of Latin
  letters and digits (and '.') are merged afterwards.  The lexicon can change
  in place (:meth:`Segmenter.add`, :meth:`Segmenter.remove`): counts, N and a
  table of word prefixes (nlp-zero's trie, flattened into one dict; it stops
  the search for words at a position as soon as no word can continue) are all
  kept up to date incrementally, so the word finder below needs one segmenter,
  not one per candidate.
* :func:`find_words` — the Word_Finder ("当机立断"), with nlp-zero's
  normalisation: count characters and adjacent pairs in runs of CJK, digits and
  Latin letters; keep a pair when p(ab) = c(ab)/(pair total) exceeds
  ``min_proba`` and ln p(ab) − ln p(a) − ln p(b) (p(a) over the character total)
  exceeds ``min_pmi``; cut the runs at every other pair; keep the fragments
  whose probability over the fragment total exceeds ``min_proba``.  Then remove
  redundant words, longest first: w is cut by the lexicon without itself and
      pmi = ln p(w) − Σ ln p(piece),   p(x) = c(x) / N,
  N the current total of the lexicon's counts (w still included — nlp-zero
  deletes w without refreshing its cached ln N); when pmi < len(w) − 1
  (nlp-zero's code; the blog's prose says 1) w is deleted and its count added
  to each piece, otherwise it stays.  A piece the lexicon lacks scores
  ln 0 := −100, as nlp-zero's ``log``, so w stays.

The counting and cutting are vectorised with numpy over blocks of a quarter of
a million characters (characters outside the kept classes are zeros that no
pair crosses); the corpus is held once, as 16-bit character codes (every kept
character is below U+9FA6), for the second pass.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Callable, Iterable, Mapping

import numpy as np

from engine.tasks import TaskContext

PUNCT = re.compile(r"[\s，。！？、；：“”‘’（）《》【】…—,!?;:()\[\]\"'<>]+")  # not '.': 12.5 stays one
LATIN = re.compile(r"[A-Za-z0-9.]+")
LOG_ZERO = -100.0  # nlp-zero's ln 0
CODES = 0x9FA6  # every kept character (CJK U+4E00–U+9FA5, digits, letters) has a code below this
BLOCK_CHARS = 1 << 18
CHECK_EVERY = 4096  # words between two checkpoints while removing redundant words


class Segmenter:
    """A unigram lexicon (word → count) and its best-path segmentation; the lexicon may change in place."""

    def __init__(self, counts: Mapping[str, int], null_score: float = -100.0) -> None:
        self.counts: dict[str, int] = {}
        self.total = 0
        self.null_score = null_score
        self._prefixes: dict[str, int] = {}  # p → how many words longer than p start with p
        self._scores: dict[str, float] | None = None  # ln c(w) − ln N, built when first cutting text
        for w, c in counts.items():
            if c > 0 and w:
                self.add(w, c)

    def add(self, word: str, count: int) -> None:
        """Add ``count`` to ``word`` (a new word enters the lexicon)."""
        old = self.counts.get(word)
        if old is None:
            prefixes = self._prefixes
            for k in range(1, len(word)):
                p = word[:k]
                prefixes[p] = prefixes.get(p, 0) + 1
            old = 0
        self.counts[word] = old + count
        self.total += count
        self._scores = None

    def remove(self, word: str) -> int:
        """Delete ``word``; its count comes back."""
        count = self.counts.pop(word)
        self.total -= count
        prefixes = self._prefixes
        for k in range(1, len(word)):
            p = word[:k]
            left = prefixes[p] - 1
            if left:
                prefixes[p] = left
            else:
                del prefixes[p]
        self._scores = None
        return count

    def score(self, word: str) -> float | None:
        c = self.counts.get(word)
        return math.log(c) - math.log(self.total) if c else None

    def cut_span(self, text: str) -> list[str]:
        """The best path through one punctuation-free span."""
        if self._scores is None:
            log_total = math.log(self.total) if self.total else 0.0
            self._scores = {w: math.log(c) - log_total for w, c in self.counts.items()}
        return _best_path(text, self._scores.get, self._prefixes, self.null_score)

    def cut(self, text: str) -> list[str]:
        out: list[str] = []
        for span in PUNCT.split(text):
            out += _merge_latin(self.cut_span(span))
        return out

    def pmi(self, word: str) -> tuple[float, list[str]]:
        """ln p(w) − Σ ln p(piece) over the best cut of ``word`` by the rest of the lexicon, and the pieces."""
        log, counts = math.log, self.counts
        log_total = log(self.total)

        def score(piece: str) -> float | None:
            c = counts.get(piece)
            return log(c) - log_total if c else None

        count = counts.pop(word)  # cut as if w were no word (its prefixes may stay: they only prolong the search)
        try:
            pieces = _merge_latin(_best_path(word, score, self._prefixes, self.null_score))
        finally:
            counts[word] = count
        pmi = log(count) - log_total
        for p in pieces:
            c = counts.get(p)
            pmi -= (log(c) if c else LOG_ZERO) - log_total
        return pmi, pieces


def _best_path(text: str, score: Callable[[str], float | None], prefixes: Mapping[str, int],
               null_score: float) -> list[str]:
    """The path through ``text`` of the highest total score; a character without a score scores
    ``null_score``.  Forward relaxation: ties keep the first start, i.e. the longest last word."""
    n = len(text)
    best = [0.0] + [-math.inf] * n
    back = [0] * (n + 1)
    for i in range(n):
        here = best[i]
        piece = text[i]
        s = score(piece)
        s = here + (null_score if s is None else s)
        if s > best[i + 1]:
            best[i + 1], back[i + 1] = s, i
        j = i + 1
        while j < n and piece in prefixes:  # only while some word can continue
            j += 1
            piece = text[i:j]
            s = score(piece)
            if s is not None and here + s > best[j]:
                best[j], back[j] = here + s, i
    words = []
    while n > 0:
        words.append(text[back[n]:n])
        n = back[n]
    return words[::-1]


def _merge_latin(words: list[str]) -> list[str]:
    """Runs of letters, digits and '.' become one token (nlp-zero's combine_Aa123)."""
    merged: list[str] = []
    for w in words:
        if merged and w.isascii() and merged[-1].isascii() and LATIN.fullmatch(merged[-1]) and LATIN.fullmatch(w):
            merged[-1] += w
        else:
            merged.append(w)
    return merged


def _codes(text: str) -> np.ndarray:
    """Character codes as uint16, every character outside CJK/digits/letters as 0."""
    codes = np.frombuffer(text.encode("utf-32-le"), np.uint32)
    lower = codes | 0x20  # A–Z → a–z
    kept = ((codes >= 0x4E00) & (codes < CODES)) | ((codes >= 0x30) & (codes <= 0x39)) | \
        ((lower >= 0x61) & (lower <= 0x7A))
    return np.where(kept, codes, 0).astype(np.uint16)


def _pair_keys(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where two kept characters touch (index of the left one) and the pair's key a·CODES + b."""
    a, b = codes[:-1], codes[1:]
    at = np.nonzero((a != 0) & (b != 0))[0]
    return at, a[at].astype(np.int64) * CODES + b[at]


def _read(texts: Iterable[str], ctx: TaskContext) -> list[np.ndarray]:
    """The texts as blocks of codes (texts separated by a 0)."""
    blocks, part, size, chars = [], [], 0, 0
    for text in texts:
        part.append(text)
        size += len(text) + 1
        if size >= BLOCK_CHARS:
            blocks.append(_codes("\n".join(part) + "\n"))
            chars += size
            part, size = [], 0
            ctx.checkpoint()
            ctx.progress(chars, None, f"reading: {chars:,} characters")
    if part:
        blocks.append(_codes("\n".join(part) + "\n"))
    return blocks


def _merge_counts(tables: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    keys = np.concatenate([k for k, _ in tables])
    uniq, inverse = np.unique(keys, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=np.concatenate([c for _, c in tables]), minlength=len(uniq))
    return uniq, counts.astype(np.int64)


def _strong_pairs(blocks: list[np.ndarray], min_proba: float, min_pmi: float,
                  ctx: TaskContext) -> np.ndarray:
    """Sorted keys of the pairs kept: p(ab) > min_proba and PMI > min_pmi."""
    chars = np.zeros(CODES, np.int64)
    merged = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    for i, codes in enumerate(blocks):
        ctx.checkpoint()
        ctx.progress(i, len(blocks), "counting characters and pairs")
        chars += np.bincount(codes, minlength=CODES)
        pending.append(np.unique(_pair_keys(codes)[1], return_counts=True))
        if sum(len(k) for k, _ in pending) > len(merged[0]):  # merge geometrically: n log n in all
            merged, pending = _merge_counts([merged, *pending]), []
    keys, counts = _merge_counts([merged, *pending])
    chars[0] = 0
    if not len(keys):
        return keys
    log_chars = np.log(np.maximum(chars, 1)) - math.log(chars.sum())
    log_pairs = np.log(counts) - math.log(counts.sum())
    pmi = log_pairs - log_chars[keys // CODES] - log_chars[keys % CODES]
    return keys[(log_pairs > math.log(min_proba)) & (pmi > min_pmi)]


def _fragments(blocks: list[np.ndarray], strong: np.ndarray, ctx: TaskContext) -> Counter:
    """Counts of the pieces left when every run is cut between characters whose pair is not strong."""
    out: Counter = Counter()
    for i, codes in enumerate(blocks):
        ctx.checkpoint()
        ctx.progress(i, len(blocks), "cutting at weak pairs")
        at, keys = _pair_keys(codes)
        pos = np.minimum(np.searchsorted(strong, keys), len(strong) - 1)
        joined = strong[pos] == keys if len(strong) else np.zeros(len(keys), bool)
        cut = at[~joined] + 1  # a line break goes in before each of these characters
        wide = np.insert(np.where(codes == 0, 0x0A, codes).astype(np.uint32), cut, 0x0A)
        out.update(filter(None, wide.tobytes().decode("utf-32-le").split("\n")))
    return out


def find_words(texts: Iterable[str], ctx: TaskContext | None = None, min_proba: float = 1e-7,
               min_pmi: float = 1.0) -> dict[str, int]:
    """The lexicon (word → count) of a corpus, built by nlp-zero's Word_Finder algorithm (see the module)."""
    ctx = ctx or TaskContext()
    blocks = _read(texts, ctx)
    strong = _strong_pairs(blocks, min_proba, min_pmi, ctx)
    fragments = _fragments(blocks, strong, ctx)
    del blocks
    if not fragments:
        return {}
    log_min, log_total = math.log(min_proba), math.log(sum(fragments.values()))
    seg = Segmenter({w: c for w, c in fragments.items() if math.log(c) - log_total > log_min})
    del fragments
    longest_first = sorted((w for w in seg.counts if len(w) > 1), key=len, reverse=True)  # stable, as nlp-zero
    for n, w in enumerate(longest_first):
        if n % CHECK_EVERY == 0:
            ctx.checkpoint()
            ctx.progress(n, len(longest_first), "removing redundant words")
        pmi, pieces = seg.pmi(w)
        if pmi < len(w) - 1:
            count = seg.remove(w)
            for p in pieces:
                seg.add(p, count)
    ctx.progress(len(longest_first), len(longest_first), "removing redundant words")
    return seg.counts
