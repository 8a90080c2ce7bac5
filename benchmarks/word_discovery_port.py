"""The author's new-word discovery pipeline (bojone/word-discovery, word_discovery.py as of
2019–2021), ported to Python 3 for benchmarks: the anchor ``corpus_scale.py --kenlm`` times
and compares against.

Steps, as the repository runs them:
1. every character outside [CJK, 0-9, a-z, A-Z, space] becomes a line break; the corpus is
   written as space-separated characters, one segment a line;
2. KenLM's ``count_ngrams -o 4`` counts the order-4 n-grams (each line padded with <s> … </s>);
3. records with count ≥ min_count are read back; each credits its count to every prefix of its
   characters (specials dropped), and the total is the sum of the kept records' counts;
4. a gram is kept when ln min over its splits of total·c(s)/(c(l)·c(r)) (a missing part counts
   as total) reaches the threshold of its length;
5. each text is pre-segmented by the "longest joining" trie of the kept grams, the pieces counted,
   filtered by min_count and back-checked against the kept grams.

KenLM is not a dependency: build ``count_ngrams`` from kpu/kenlm (cmake, then
``make count_ngrams``) and pass its path.
"""

from __future__ import annotations

import math
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Iterable

import numpy as np

NOT_KEPT = re.compile(r"[^\u4e00-\u9fa50-9a-zA-Z ]+")


def texts(path: Path | str) -> Iterable[str]:
    """The repository's Tianlongbabu generator: a text per line, other characters as line breaks."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield NOT_KEPT.sub("\n", line)


def kenlm_records(path: Path | str, count_ngrams: str, folder: Path, order: int = 4,
                  memory: str = "1G") -> tuple[list[str], np.ndarray]:
    """Run count_ngrams on the corpus; the vocabulary and the raw records (ids, count)."""
    corpus, vocab, grams = folder / "corpus.txt", folder / "vocab.bin", folder / "ngrams.bin"
    with open(corpus, "w", encoding="utf-8") as f:
        for t in texts(path):
            f.write(" ".join(t) + "\n")
    with open(corpus, "rb") as src, open(grams, "wb") as out:
        subprocess.run([count_ngrams, "-o", str(order), "-S", memory, "--write_vocab_list", str(vocab)],
                       stdin=src, stdout=out, stderr=subprocess.DEVNULL, check=True)
    chars = vocab.read_bytes().decode("utf-8").split("\x00")
    records = np.fromfile(grams, np.dtype([("ids", "<u4", (order,)), ("count", "<u8")]))
    return chars, records


def load(chars: list[str], records: np.ndarray, min_count: int) -> tuple[dict[str, int], int]:
    """Step 3: prefix counts of the records seen at least min_count times, and their total."""
    kept = records[records["count"] >= min_count]
    counts: Counter = Counter()
    for ids, n in zip(kept["ids"].tolist(), kept["count"].tolist()):
        s = "".join(chars[i] for i in ids if i > 2)  # 0, 1, 2: <unk>, <s>, </s>
        for j in range(1, len(s) + 1):
            counts[s[:j]] += n
    return dict(counts), int(kept["count"].sum())


def strong(counts: dict[str, int], total: int, thresholds: tuple[float, ...]) -> set[str]:
    """Step 4."""
    out = set()
    for w, v in counts.items():
        if len(w) >= 2:
            pmi = min(total * v / (counts.get(w[:j], total) * counts.get(w[j:], total)) for j in range(1, len(w)))
            if math.log(pmi) >= thresholds[len(w) - 1]:
                out.add(w)
    return out


def longest_joining(text: str, grams: set[str], longest: int) -> list[str]:
    """Step 5's trie tokenizer: the current piece grows while a gram starting inside it reaches further."""
    pieces, start, end = [], 0, 1
    for i in range(len(text)):
        if i == end:
            pieces.append(text[start:end])
            start, end = i, i + 1
        for j in range(i + 2, min(len(text), i + longest) + 1):
            if text[i:j] in grams and j > end:
                end = j
    pieces.append(text[start:end])
    return pieces


def words(path: Path | str, grams: set[str], min_count: int, order: int = 4) -> dict[str, int]:
    """Step 5: candidates by longest joining, the min_count filter and the back-check."""
    candidates: Counter = Counter()
    for t in texts(path):
        candidates.update(longest_joining(t, grams, order))
    out = {}
    for w, n in candidates.items():
        if n < min_count:
            continue
        if len(w) < 3 or (len(w) <= order and w in grams) or \
                (len(w) > order and all(w[k:k + order] in grams for k in range(len(w) + 1 - order))):
            out[w] = n
    return out


def discover(path: Path | str, count_ngrams: str, folder: Path, min_count: int,
             thresholds: tuple[float, ...], order: int = 4) -> dict[str, int]:
    chars, records = kenlm_records(path, count_ngrams, folder, order)
    counts, total = load(chars, records, min_count)
    return words(path, strong(counts, total, thresholds), min_count, order)
