"""Minimum-entropy segmentation (§8.5): the DP finds the best path (brute force on
short strings); the word finder recovers planted words; lexicon evaluation P/R/F1
on a hand-computed gold file; the corpus verbs."""

import itertools
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

from engine.corpus import evaluate, min_entropy

ROOT = Path(__file__).resolve().parents[3]


def path_score(words, seg):
    scores = [seg.score(w) if seg.score(w) is not None else (seg.null_score if len(w) == 1 else None) for w in words]
    return None if None in scores else sum(scores)


def brute_force(text, seg):
    """The best score over all 2^(n−1) segmentations."""
    best = -math.inf
    for cuts in itertools.product([0, 1], repeat=len(text) - 1):
        words, start = [], 0
        for i, c in enumerate(cuts):
            if c:
                words.append(text[start:i + 1])
                start = i + 1
        words.append(text[start:])
        score = path_score(words, seg)
        if score is not None and score > best:
            best = score
    return best


@pytest.mark.parametrize("seed", range(5))
def test_dp_equals_brute_force(seed):
    rng = random.Random(seed)
    alphabet = "abcde"
    lexicon = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3))): rng.randint(1, 50) for _ in range(25)}
    seg = min_entropy.Segmenter(lexicon)
    for _ in range(20):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9)))
        words = seg.cut_span(text)
        assert "".join(words) == text
        assert path_score(words, seg) == pytest.approx(brute_force(text, seg))  # ties may split differently


def test_punctuation_and_latin_runs():
    seg = min_entropy.Segmenter({"北京": 10, "清华大学": 8, "大学": 20, "我": 30, "来到": 6})
    assert seg.cut("我来到北京清华大学，abc 12.5元") == ["我", "来到", "北京", "清华大学", "abc", "12.5", "元"]


def test_word_finder_recovers_planted_words():
    rng = random.Random(0)
    vocab = ["林心如", "电视剧", "共和国", "好看", "北京", "骄傲", "清华", "演员"]
    lexicon = min_entropy.find_words("".join(rng.choice(vocab) for _ in range(5)) for _ in range(2000))
    assert set(lexicon) == set(vocab)


def test_lexicon_evaluation_by_hand(tmp_path):
    gold = tmp_path / "gold.txt"
    gold.write_text("我 来到 北京 清华大学\n他 说 好\n", encoding="utf-8")
    lexicon = {"我": 5, "来到": 3, "北京": 4, "清华": 3, "大学": 3, "他": 2, "说好": 1}
    # predicted: 我 来到 北京 清华 大学 | 他 说好 — 4 of 7 spans agree with the gold's 7
    s = evaluate.evaluate(gold, lexicon)
    assert (s.precision, s.recall, s.gold_words, s.predicted_words) == (4 / 7, 4 / 7, 7, 7)
    assert s.f1 == pytest.approx(4 / 7)


def cli(*args):
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_corpus_verbs_write_their_files_and_fail_clearly(tmp_path):
    corpus = tmp_path / "c.txt"
    rng = random.Random(1)
    vocab = ["林心如", "电视剧", "共和国", "好看", "北京", "骄傲"]
    corpus.write_text("\n".join("".join(rng.choice(vocab) for _ in range(5)) for _ in range(400)), encoding="gb18030")
    out = cli("count", corpus, "--tokenizer", "chars", "--out", tmp_path / "f.tsv", "--workers", "1")
    assert out.returncode == 0 and "read as gb18030" in out.stdout + out.stderr, out.stderr
    first = (tmp_path / "f.tsv").read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert len(first) == 2 and int(first[1]) > 0
    out = cli("discover", corpus, "--min-count", "20", "--thresholds", "0,1,2,3", "--out", tmp_path / "w.tsv")
    assert out.returncode == 0, out.stderr
    words = {line.split("\t")[0] for line in (tmp_path / "w.tsv").read_text(encoding="utf-8").splitlines()}
    assert set(vocab) <= words
    out = cli("segment", corpus, "--lexicon", tmp_path / "w.tsv", "--out", tmp_path / "s.txt")
    assert out.returncode == 0, out.stderr
    assert set((tmp_path / "s.txt").read_text(encoding="utf-8").split()) <= words
    (tmp_path / "empty.txt").write_text("")
    bad = cli("count", tmp_path / "empty.txt", "--out", tmp_path / "x.tsv")
    assert bad.returncode == 1 and "error:" in bad.stderr and not (tmp_path / "x.tsv").exists()
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01" * 50)
    bad = cli("discover", tmp_path / "bin.txt", "--out", tmp_path / "y.tsv")
    assert bad.returncode == 1 and "binary" in bad.stderr and not (tmp_path / "y.tsv").exists()
