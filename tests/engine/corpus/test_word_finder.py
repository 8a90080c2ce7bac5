"""The minimum-entropy word finder follows nlp-zero 0.1.6's normalisation (issue 12, bug 2) on toy
corpora computed by hand, its one segmenter updated in place equals one built afresh, and it
answers the task context (progress, cancel)."""

import math
import random

import pytest

from engine.corpus import min_entropy
from engine.tasks import Cancelled, TaskContext

# 北京大学 ×10, 北京 ×20, 大学 ×20 and 700 one-character lines.  Characters: 820; pairs: 北京 30,
# 京大 10, 大学 30 (total 70).  PMI(京大) = ln(10/70) − 2 ln(30/820) = ln 106.7 > 1: the pair holds, so the
# fragments are the lines themselves, 750 in all.  De-redundancy of 北京大学 (cut 北京|大学):
#   ln(10/750) − ln(20/750) − ln(20/750) = ln 18.75 = 2.93 < 3 = len − 1  → split, 北京 and 大学 get +10;
# over the character total it would be ln(10·820/400) = ln 20.5 = 3.02 ≥ 3 and 北京大学 would stay.
CAPITAL = ["北京大学"] * 10 + ["北京"] * 20 + ["大学"] * 20 + ["我"] * 350 + ["你"] * 350
CAPITAL_WORDS = {"北京": 30, "大学": 30, "我": 350, "你": 350}

# 生日 ×5, 生 ×20, 日 ×20 and 200 one-character lines: 250 characters, 5 pairs.  PMI(生日) over the pair
# total: ln(5/5) − 2 ln(25/250) = ln 100 = 4.6 > 1 (over the character total: ln(5·250/625) = ln 2 = 0.69,
# and the pair would be cut).  De-redundancy over the 245 fragments: ln(5·245/400) = ln 3.06 = 1.12 ≥ 1 → 生日 stays.
BIRTHDAY = ["生日"] * 5 + ["生"] * 20 + ["日"] * 20 + ["我"] * 100 + ["你"] * 100
BIRTHDAY_WORDS = {"生日": 5, "生": 20, "日": 20, "我": 100, "你": 100}


def test_redundancy_pmi_is_over_the_total_of_word_counts():
    seg = min_entropy.Segmenter({"北京大学": 10, "北京": 20, "大学": 20, "我": 350, "你": 350})
    pmi, pieces = seg.pmi("北京大学")
    assert pieces == ["北京", "大学"]
    assert pmi == pytest.approx(math.log(18.75))
    assert min_entropy.find_words(iter(CAPITAL)) == CAPITAL_WORDS


def test_pair_pmi_is_over_the_pair_total():
    assert min_entropy.find_words(iter(BIRTHDAY)) == BIRTHDAY_WORDS


def test_thresholds_are_the_callers():
    # min_pmi 5 > ln 100: 生日 is cut into 生 and 日 (+5 each); min_proba 0.1 drops every fragment under 10 %
    assert min_entropy.find_words(iter(BIRTHDAY), min_pmi=5) == {"生": 25, "日": 25, "我": 100, "你": 100}
    assert min_entropy.find_words(iter(BIRTHDAY), min_proba=0.1) == {"我": 100, "你": 100}


def test_a_piece_missing_from_the_lexicon_keeps_the_word():
    # 北 and 京 are no words: the cut of 北京 is two unknown characters, ln 0 := −100 each
    seg = min_entropy.Segmenter({"北京": 3, "我": 100})
    pmi, pieces = seg.pmi("北京")
    assert pieces == ["北", "京"] and pmi == pytest.approx(math.log(3 / 103) + 2 * (100 + math.log(103)))


def test_one_segmenter_updated_in_place_equals_a_fresh_one():
    rng = random.Random(0)
    alphabet = "abcdef"
    seg = min_entropy.Segmenter({})
    lexicon: dict[str, int] = {}
    for step in range(400):
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
        if word in lexicon and rng.random() < 0.4:
            assert seg.remove(word) == lexicon.pop(word)
        else:
            count = rng.randint(1, 9)
            seg.add(word, count)
            lexicon[word] = lexicon.get(word, 0) + count
        assert seg.total == sum(lexicon.values())
        if step % 40 == 39:  # cutting between changes must see every change
            fresh = min_entropy.Segmenter(lexicon)
            assert seg.counts == fresh.counts
            for _ in range(10):
                text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
                assert seg.cut_span(text) == fresh.cut_span(text)


def test_context_gets_progress_and_cancel_stops_the_work():
    seen = []
    ctx = TaskContext(on_progress=lambda done, total, text: seen.append(text), interval=0)
    assert min_entropy.find_words(iter(CAPITAL), ctx) == CAPITAL_WORDS
    assert {"counting characters and pairs", "cutting at weak pairs", "removing redundant words"} <= set(seen)
    ctx = TaskContext()
    ctx.control.cancel()
    with pytest.raises(Cancelled):
        min_entropy.find_words(iter(CAPITAL), ctx)


def test_texts_and_blocks_never_join(monkeypatch):
    """No pair crosses two texts or two blocks, and characters outside CJK/digits/letters split runs."""
    monkeypatch.setattr(min_entropy, "BLOCK_CHARS", 7)
    texts = ["北京", "大学", "北京，大学"] * 50
    # pairs: 北京 and 大学 only, so every fragment is 北京 or 大学
    assert min_entropy.find_words(iter(texts)) == {"北京": 100, "大学": 100}
