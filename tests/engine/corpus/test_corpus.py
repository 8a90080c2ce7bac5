"""Corpus readers in every encoding and layout, parallel counting identical to
single-process counting (hypothesis), and the arithmetic of new-word discovery (V18)."""

import gzip
import json
import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.corpus import counting, discovery, readers
from engine.corpus.readers import CorpusError, Document, Notes

TEXT = ["我来到北京清华大学", "他说这是共和国的骄傲", "林心如演的电视剧很好看"]


@pytest.mark.parametrize("encoding, expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                ("gb18030", "gb18030"), ("gbk", "gb18030"), ("utf-16", "utf-16")])
def test_each_encoding_is_detected_and_named(tmp_path, encoding, expected):
    path = tmp_path / "c.txt"
    path.write_bytes("\n".join(TEXT).encode(encoding))
    notes = Notes()
    assert [d.text for d in readers.documents(path, notes=notes)] == TEXT
    assert notes.encoding == expected


def test_gzip_mixed_encodings_and_an_unreadable_line(tmp_path):
    raw = TEXT[0].encode("utf-8") + b"\n" + TEXT[1].encode("gb18030") + b"\n" + b"\xff\xfe\xfa\n" + \
        TEXT[2].encode("utf-8") + b"\n"
    path = tmp_path / "c.txt.gz"
    path.write_bytes(gzip.compress(raw))
    notes = Notes()
    docs = [d.text for d in readers.documents(path, notes=notes)]
    assert docs == TEXT and notes.encoding == "utf-8" and notes.fallback_lines == 1
    assert notes.problems == ["c.txt.gz, line 3: no encoding reads it; skipped"]


def test_folder_labels_json_records_and_triples(tmp_path):
    for label, text in (("体育", TEXT[0]), ("财经", TEXT[1])):
        (tmp_path / "news" / label).mkdir(parents=True)
        (tmp_path / "news" / label / "1.txt").write_text(text, encoding="gb18030")
    stats, notes, first = readers.statistics(tmp_path / "news")
    assert stats.documents == 2 and stats.labels == {"体育": 1, "财经": 1} and stats.characters == 19
    records = [{"url": "u", "question": "学文员有哪些专科学校", "tags": ["学校", "专科"]}, {"question": "第二"}]
    (tmp_path / "z.json").write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    docs = list(readers.documents(tmp_path / "z.json"))
    assert docs == [Document("学文员有哪些专科学校", "学校,专科"), Document("第二", "")]
    (tmp_path / "t.csv").write_text("科学,外文名,science\n曹禺,出生地,天津\nbad row\n", encoding="utf-8")
    notes = Notes()
    assert list(readers.documents(tmp_path / "t.csv", notes=notes)) == [Document("science", "外文名"),
                                                                       Document("天津", "出生地")]
    assert "row 3" in notes.problems[0]


def test_broken_json_record_in_the_middle_is_reported_with_its_position(tmp_path):
    lines = ['{"question": "一"}', '{"question": "二" oops', '{"question": "三"}']
    (tmp_path / "z.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    notes = Notes()
    assert [d.text for d in readers.documents(tmp_path / "z.jsonl", notes=notes)] == ["一", "三"]
    assert notes.problems[0].startswith("z.jsonl, record 2 (character 18)")


def test_bad_sources_are_clear(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(CorpusError, match="binary"):
        list(readers.documents(tmp_path / "bin.txt"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no .txt files"):
        list(readers.documents(tmp_path / "empty"))
    (tmp_path / "blank.txt").write_text("\n\n")
    with pytest.raises(CorpusError, match="no documents"):
        readers.statistics(tmp_path / "blank.txt")


corpora = st.lists(st.text(alphabet="的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过天去能对小多心好看起发当没成只如事把还用第样道想作种开美总从无情己面最女但现前些所同日手又行意动方期它头经长儿回位分爱老因很给名法间斯知世什两次使身者被高已亲其进此话常与活正感abc123 ，。", max_size=30), max_size=60)  # noqa: E501 - a literal alphabet


@settings(max_examples=25, deadline=None)
@given(corpora, st.sampled_from(["chars", "ngrams"]))
def test_batched_counting_equals_the_naive_table(texts, kind):
    docs = [Document(t) for t in texts]
    tok = counting.Tokenizer(kind, n=3)
    batched = counting.count(docs, tok, workers=1)
    assert dict(batched) == counting.naive_count(docs, tok)


def test_worker_processes_give_the_identical_table():
    docs = [Document(TEXT[i % 3] + str(i)) for i in range(2500)]  # three batches of 1,000
    tok = counting.Tokenizer("jieba", hmm=False)
    assert counting.count(docs, tok, workers=2) == counting.count(docs, tok, workers=1)
    assert counting.count(docs, tok, workers=2) == Counter(counting.naive_count(docs, tok))


def test_rjieba_segments_as_jieba_does():
    import jieba

    for hmm in (True, False):
        for text in TEXT + ["小明硕士毕业于中国科学院计算所，后在日本京都大学深造"]:
            assert counting.Tokenizer("jieba", hmm)(text) == [w for w in jieba.cut(text, HMM=hmm) if w.strip()]


def test_v18_cohesion_arithmetic():
    c = discovery.NgramCounts(Counter({"a": 10, "b": 10, "ab": 8, "c": 20, "bc": 5, "abc": 4}), 1000, 1)
    assert discovery.cohesion("ab", c) == pytest.approx(math.log(80)) == pytest.approx(4.382, abs=1e-3)
    # abc: min{T·4/(c(ab)·c(c)), T·4/(c(a)·c(bc))} = min{25, 80} = 25 → ln 25 = 3.22 < 4: not kept
    assert discovery.cohesion("abc", c) == pytest.approx(math.log(25))
    p = discovery.DiscoveryParams(n=3, min_count=1)
    strong = discovery.strong_grams(c, p)
    assert "ab" in strong and "abc" not in strong and "bc" in strong  # ln(1000·5/(10·20)) = 3.22 ≥ 2


def test_back_check_drops_the_compositional_artefact():
    strong = {"各项": 3.0, "项目": 3.0}
    assert discovery.cut("各项目", strong, 4) == ["各项目"]  # both 2-grams join across
    assert not discovery.back_check("各项目", strong, 4)
    assert discovery.back_check("项目", strong, 4)
    assert discovery.cut("我的各项目", strong, 4) == ["我", "的", "各项目"]
    long_word = {"中华人民": 9.0, "华人民共": 9.0, "人民共和": 9.0, "民共和国": 9.0}
    assert discovery.back_check("中华人民共和国", long_word, 4)
    assert not discovery.back_check("中华人民共和", {"中华人民": 9.0}, 4)


def test_discovery_finds_the_words_of_a_random_text():
    """Sentences of words drawn at random: inside a word the characters cohere, across words they do not."""
    import random

    rng = random.Random(0)
    vocab = ["林心如", "电视剧", "共和国", "好看", "北京", "骄傲", "清华", "演员", "故事", "喜欢", "音乐会", "图书馆"]
    sentences = ["".join(rng.choice(vocab) for _ in range(rng.randint(3, 6))) for _ in range(3000)]
    # 32,000 characters: a 3-character word drawn 1,100 times has cohesion ln(T/c) ≈ 3.3, under the blog's 4
    # (set for corpora of billions of characters); the 3-gram threshold is 3 here, as for a small corpus
    p = discovery.DiscoveryParams(min_count=20, thresholds=(0, 2, 3, 4))
    words, counts, strong = discovery.discover(lambda: iter(sentences), p)
    found = {w.word for w in words}
    assert found == set(vocab), found ^ set(vocab)
    blog = {w.word for w in discovery.discover(lambda: iter(sentences), discovery.DiscoveryParams(min_count=20))[0]}
    assert blog == {w for w in vocab if len(w) == 2}  # the back-check drops the 3-character ones
    assert counts.total == sum(len(s) for s in sentences) and counts.floor == 1


def test_pruning_keeps_memory_bounded_and_frequent_counts_exact(monkeypatch):
    monkeypatch.setattr(discovery, "BLOCK_CHARS", 2000)  # prune between small blocks
    texts = ["高频词语" * 5 + chr(0x4E00 + i) + chr(0x4E00 + i + 1) for i in range(3000)]
    exact = discovery.count_ngrams(iter(texts), 4)
    pruned = discovery.count_ngrams(iter(texts), 4, max_grams=200)
    assert len(pruned.counts) < len(exact.counts) and pruned.floor > 1
    assert pruned.counts["高频词语"] == exact.counts["高频词语"]


def test_refilter_tightens_without_reading_again():
    import random

    rng = random.Random(0)
    vocab = ["林心如", "电视剧", "共和国", "好看", "北京", "骄傲"]
    sentences = ["".join(rng.choice(vocab) for _ in range(5)) for _ in range(2000)]
    p = discovery.DiscoveryParams(min_count=20, thresholds=(0, 1, 2, 3))
    words, counts, strong = discovery.discover(lambda: iter(sentences), p)
    assert {w.word for w in words} == set(vocab)
    tighter = discovery.refilter(words, strong, counts, discovery.DiscoveryParams(min_count=20,
                                                                                  thresholds=(0, 1, 9, 9)))
    assert {w.word for w in tighter} == {"好看", "北京", "骄傲"}  # 3-character words need cohesion 9 now
    rare = discovery.refilter(words, strong, counts, discovery.DiscoveryParams(min_count=10 ** 6, thresholds=p.thresholds))
    assert rare == []


def test_vectorised_cut_equals_the_reference_cut(monkeypatch):
    import random

    monkeypatch.setattr(discovery, "BLOCK_CHARS", 500)  # several blocks
    rng = random.Random(3)
    alphabet = "林心如电视剧共和国好看北京骄傲的在"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(400)]
    counts = discovery.count_ngrams(iter(texts), 4)
    strong = {g: 1.0 for g in rng.sample(sorted(g for g in counts.counts if len(g) > 1), 60)}
    expected = Counter(piece for t in texts for piece in discovery.cut(t, strong, 4))
    assert discovery.fragments(iter(texts), strong, 4, counts.alphabet) == expected
