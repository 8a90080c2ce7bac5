"""Minimum-entropy segmentation, after nlp-zero (SEEDS.md §8, kexue.fm/archives/5597).

Written here because nlp-zero is Python-2-era, unmaintained and not needed
whole; the two pieces the bench uses follow its algorithm:

* :class:`Segmenter` — a unigram model solved by dynamic programming: a word w
  of the lexicon scores ln c(w) − ln N; a character no word covers scores
  ``null_score`` = −100; the best path maximises the sum.  Text is split first
  on punctuation and spaces; runs of Latin letters and digits (and '.') are
  merged afterwards.
* :func:`find_words` — the Word_Finder ("当机立断"): keep adjacent pairs with
  p(ab) > min_proba and PMI > min_pmi (defaults 1e-7 and 1), cut sentences at the
  other pairs, keep fragments with p > min_proba, then remove redundant words,
  longest first: a word whose PMI against its best split by the remaining
  lexicon is under len(w) − 1 (nlp-zero's code; the blog's prose says 1) is
  deleted and its count given to its parts.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable

from engine.corpus.counting import RUNS

PUNCT = re.compile(r"[\s，。！？、；：“”‘’（）《》【】…—,!?;:()\[\]\"'<>]+")  # not '.': 12.5 stays one
LATIN = re.compile(r"[A-Za-z0-9.]")


class Segmenter:
    def __init__(self, counts: dict[str, int], null_score: float = -100.0) -> None:
        self.counts = {w: c for w, c in counts.items() if c > 0 and w}
        self.log_total = math.log(sum(self.counts.values()) or 1)
        self.longest = max((len(w) for w in self.counts), default=1)
        self.null_score = null_score

    def score(self, word: str) -> float | None:
        c = self.counts.get(word)
        return math.log(c) - self.log_total if c else None

    def cut_span(self, text: str) -> list[str]:
        """The best path through one punctuation-free span."""
        n = len(text)
        best = [0.0] + [-math.inf] * n
        back = [0] * (n + 1)
        for i in range(1, n + 1):
            for j in range(max(0, i - self.longest), i):
                s = self.score(text[j:i])
                if s is None:
                    if i - j != 1:
                        continue
                    s = self.null_score
                if best[j] + s > best[i]:
                    best[i], back[i] = best[j] + s, j
        words, i = [], n
        while i > 0:
            words.append(text[back[i]:i])
            i = back[i]
        return words[::-1]

    def cut(self, text: str) -> list[str]:
        out: list[str] = []
        for span in PUNCT.split(text):
            merged: list[str] = []
            for w in self.cut_span(span):
                if merged and all(LATIN.fullmatch(ch) for ch in w + merged[-1]):
                    merged[-1] += w  # runs of letters, digits and '.' become one token
                else:
                    merged.append(w)
            out += merged
        return out


def find_words(texts: Iterable[str], min_proba: float = 1e-7, min_pmi: float = 1.0) -> dict[str, int]:
    """The lexicon (word → count) of a corpus, built by the Word_Finder algorithm."""
    spans = [run for t in texts for run in RUNS.findall(t)]
    chars: Counter = Counter()
    pairs: Counter = Counter()
    for s in spans:
        chars.update(s)
        pairs.update(s[i:i + 2] for i in range(len(s) - 1))
    total = sum(chars.values())
    if not total:
        return {}
    log_min = math.log(min_proba)

    def keep(pair: str) -> bool:
        c = pairs[pair]
        return c > 0 and math.log(c / total) > log_min and \
            math.log(c * total / (chars[pair[0]] * chars[pair[1]])) > min_pmi

    fragments: Counter = Counter()
    for s in spans:
        start = 0
        for i in range(len(s) - 1):
            if not keep(s[i:i + 2]):
                fragments[s[start:i + 1]] += 1
                start = i + 1
        fragments[s[start:]] += 1
    words = {w: c for w, c in fragments.items() if math.log(c / total) > log_min}
    for w in sorted((w for w in words if len(w) > 1), key=len, reverse=True):
        c = words.pop(w)
        parts = Segmenter(words).cut_span(w)
        known = [p for p in parts if p in words]
        pmi = math.log(c / total) - sum(math.log(words[p] / total) for p in known) if len(known) == len(parts) else math.inf
        if pmi < len(w) - 1:
            for p in parts:
                words[p] = words.get(p, 0) + c
        else:
            words[w] = c
    return words
