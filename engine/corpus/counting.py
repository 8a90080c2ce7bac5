"""Word frequencies, counted in batches and in parallel as "什么时候多进程的加速比可以大于1？"
(SEEDS.md §4, kexue.fm/archives/7031) describes.

Documents go in batches of 1,000 (the post's); each batch is tokenised and
counted into a small fresh Counter — by a worker process when ``workers`` > 1 —
and the batch counts are merged into the total.  Counter addition is
associative and commutative, so the table is identical whatever the number of
workers (a test checks it on random corpora).  ``naive_count`` is the post's
baseline: one growing dict incremented token by token.

Tokenisers:
* ``chars`` — every character that is a CJK ideograph, a letter or a digit;
* ``ngrams`` — character n-grams (1…n) within runs of such characters;
* ``jieba`` — jieba's segmentation, through rjieba (Rust, the same dictionary
  and algorithm, many times faster) unless a user dictionary is given, which
  only jieba itself can load.  HMM on or off.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable, Iterator

from engine.corpus.readers import Document
from engine.io import atomic_open
from engine.pool import result, worker_pool
from engine.tasks import TaskContext

BATCH = 1000
TOKENIZERS = ("jieba", "chars", "ngrams")
RUNS = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]+")  # the post's character classes


@dataclass(frozen=True)
class Tokenizer:
    kind: str = "jieba"
    hmm: bool = True
    n: int = 2
    user_dict: str = ""

    def __call__(self, text: str) -> list[str]:
        if self.kind == "chars":
            return [c for run in RUNS.findall(text) for c in run]
        if self.kind == "ngrams":
            return [run[i:i + k] for run in RUNS.findall(text) for k in range(1, self.n + 1)
                    for i in range(len(run) - k + 1)]
        return [w for w in _jieba(self.hmm, self.user_dict)(text) if w.strip()]


_SEGMENTERS: dict[tuple[bool, str], Callable[[str], list[str]]] = {}


def _jieba(hmm: bool, user_dict: str) -> Callable[[str], list[str]]:
    """rjieba's cut, or jieba's with a user dictionary; one per process, built once."""
    key = (hmm, user_dict)
    if key not in _SEGMENTERS:
        if user_dict:
            import jieba

            tk = jieba.Tokenizer()
            tk.load_userdict(user_dict)
            _SEGMENTERS[key] = lambda text: list(tk.cut(text, HMM=hmm))
        else:
            import rjieba

            _SEGMENTERS[key] = lambda text: rjieba.cut(text, hmm=hmm)
    return _SEGMENTERS[key]


def count_batch(texts: list[str], tokenizer: Tokenizer) -> Counter:
    counts: Counter = Counter()
    for text in texts:
        counts.update(tokenizer(text))
    return counts


def batches(docs: Iterable[Document], size: int = BATCH) -> Iterator[list[str]]:
    it = iter(docs)
    while batch := [d.text for d in islice(it, size)]:
        yield batch


def count(docs: Iterable[Document], tokenizer: Tokenizer, workers: int = 1,
          ctx: TaskContext | None = None) -> Counter:
    """Token counts of every document.  ``ctx`` gets progress in documents and is checked
    between batches; on cancel the worker processes are terminated, none is left behind."""
    ctx = ctx or TaskContext()
    total: Counter = Counter()
    done = 0

    def take(part: Counter, n: int) -> None:
        nonlocal done
        total.update(part)
        done += n
        ctx.progress(done, None, f"{done:,} documents counted")

    if workers <= 1:
        for batch in batches(docs):
            ctx.checkpoint()
            take(count_batch(batch, tokenizer), len(batch))
        return total
    with worker_pool(workers) as pool:
        pending: deque = deque()
        for batch in batches(docs):
            ctx.checkpoint()
            pending.append((pool.submit(count_batch, batch, tokenizer), len(batch)))
            while len(pending) > 2 * workers:  # bounded memory: at most a few batches in flight
                future, n = pending.popleft()
                take(result(future, ctx), n)
        while pending:
            future, n = pending.popleft()
            take(result(future, ctx), n)
    return total


def naive_count(docs: Iterable[Document], tokenizer: Tokenizer) -> dict[str, int]:
    """The post's baseline: one dict, incremented token by token."""
    table: dict[str, int] = {}
    for doc in docs:
        for token in tokenizer(doc.text):
            table[token] = table.get(token, 0) + 1
    return table


def write_table(counts: Counter, out: Path | str) -> None:
    """TSV of token and count, most frequent first (ties by token), written atomically."""
    with atomic_open(out) as f:
        for token, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            f.write(f"{token}\t{n}\n")
