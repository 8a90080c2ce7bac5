"""New-word discovery (issue 12): the published presets, the top-N cut, the task context, and the
block-wise counting against plain Counters (many blocks, and an alphabet that outgrows 16-bit ids)."""

import math
import random
from collections import Counter

import pytest

from engine.corpus import discovery
from engine.tasks import Cancelled, TaskContext

VOCAB = ["林心如", "电视剧", "共和国", "好看", "北京", "骄傲", "清华", "演员"]


def corpus(seed=0, n=2000):
    rng = random.Random(seed)
    return ["".join(rng.choice(VOCAB) for _ in range(rng.randint(3, 6))) for _ in range(n)]


def test_presets_are_the_published_ones():
    p = discovery.PRESETS
    assert (p["rewrite"].min_count, p["rewrite"].thresholds) == (32, (0, 2, 4, 6))  # kexue.fm/archives/6920
    assert (p["first-upload"].min_count, p["first-upload"].thresholds) == (32, (0, 1, 3, 5))  # the repo, 2019-09-07
    # kexue.fm/archives/4256: ratios 5, 25, 125 (not logs), min count 128
    assert p["original"].min_count == 128
    assert [math.exp(t) for t in p["original"].thresholds[1:]] == pytest.approx([5, 25, 125])
    assert p["evaluation"].top == 50_000 and p["evaluation"].thresholds == p["rewrite"].thresholds
    assert all(q.n == 4 for q in p.values())


def test_top_keeps_the_most_frequent_words():
    texts = corpus()
    p = discovery.DiscoveryParams(min_count=20, thresholds=(0, 1, 2, 3))
    every = discovery.discover(lambda: iter(texts), p)[0]
    truth = Counter()  # how often each word of the vocabulary was drawn, counted independently
    for t in texts:
        i = 0
        while i < len(t):
            w = next(v for v in VOCAB if t.startswith(v, i))
            truth[w] += 1
            i += len(w)
    assert {w.word: w.count for w in every} == dict(truth)
    top3 = discovery.discover(lambda: iter(texts), discovery.DiscoveryParams(min_count=20, thresholds=(0, 1, 2, 3),
                                                                             top=3))[0]
    assert [w.word for w in top3] == [w for w, _ in sorted(truth.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]


def test_context_gets_both_stages_and_cancel_stops(monkeypatch):
    monkeypatch.setattr(discovery, "BLOCK_CHARS", 2000)
    texts = corpus()
    seen = []
    ctx = TaskContext(on_progress=lambda done, total, text: seen.append(text), interval=0)
    discovery.discover(lambda: iter(texts), discovery.DiscoveryParams(min_count=20), ctx)
    assert any(t.startswith("counting") for t in seen) and any(t.startswith("cutting") for t in seen)
    ctx = TaskContext()
    ctx.control.cancel()
    with pytest.raises(Cancelled):
        discovery.discover(lambda: iter(texts), discovery.DiscoveryParams(min_count=20), ctx)


@pytest.mark.parametrize("wide", [False, True])
def test_blockwise_counts_and_cut_equal_plain_counters(monkeypatch, wide):
    """Many blocks merged into the tables; with ``wide`` the alphabet passes 65,535 characters in the
    middle of the corpus, so tables keyed by 16-bit ids must be re-keyed by 32-bit ones."""
    monkeypatch.setattr(discovery, "BLOCK_CHARS", 3000)
    rng = random.Random(1)
    common = [chr(0x4E00 + i) for i in range(40)]
    texts = ["".join(rng.choice(common) for _ in range(rng.randint(1, 9))) for _ in range(1500)]
    if wide:
        rare = [chr(0x20000 + i) for i in range(70_000)]
        texts = texts[:700] + ["".join(rare[i:i + 7]) for i in range(0, len(rare), 7)] + texts[700:]
    counts = discovery.count_ngrams(iter(texts), 4)
    assert counts.alphabet.wide() == wide
    naive = Counter(t[i:i + k] for t in texts for k in range(1, 5) for i in range(len(t) - k + 1))
    assert counts.counts == dict(naive) and counts.total == sum(map(len, texts))
    strong = {g: 1.0 for g in rng.sample(sorted(g for g in naive if len(g) > 1 and naive[g] > 1), 80)}
    expected = Counter(piece for t in texts for piece in discovery.cut(t, strong, 4))
    assert discovery.fragments(iter(texts), strong, 4, counts.alphabet) == expected
