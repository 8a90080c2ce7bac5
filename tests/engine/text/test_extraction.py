"""Reading poems and cutting couplets as the author's script does (SEEDS.md §10), by hand-made cases."""

import codecs
import gzip
import json

import numpy as np
import pytest

from engine.errors import UserError
from engine.tasks import TaskContext
from engine.text import verse
from tests.engine.text.couplets import themed, write_poems

QUATRAIN = "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。"


def test_a_five_character_quatrain_gives_its_two_couplets_without_commas():
    assert verse.couplets_of(QUATRAIN) == ["白日依山尽黄河入海流", "欲穷千里目更上一层楼"]
    assert verse.couplets_of("\u3000\u3000" + QUATRAIN + "\r") == ["白日依山尽黄河入海流", "欲穷千里目更上一层楼"]


@pytest.mark.parametrize("poem", [
    "朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。",  # seven characters a line
    "卷1_1 【登鹳雀楼】王之涣",  # a title line
    "白日依山尽，黄河入海流欲穷千里目",  # the first couplet is not closed by "。"
    "白日依山尽，黄河入海流，欲穷千里目，更上一层楼。",
    "白日，依山尽，黄河入海流。",  # a comma inside the first line
    "",
])
def test_poems_not_opening_with_two_five_character_lines_give_nothing(poem):
    assert verse.couplets_of(poem) == []


def test_only_exact_five_comma_five_pieces_are_kept():
    poem = ("白日依山尽，黄河入海流。"  # kept
            "欲穷千里目，更上一层楼，登高望远方。"  # three lines before "。": 17 characters, dropped
            "举头望明月？低头思故乡。"  # 11 characters, but not a comma in the middle: dropped
            "白日依山□，黄河入海流。"  # a lost character: dropped
            "春眠不觉晓，处处闻啼鸟。")  # kept
    assert verse.couplets_of(poem) == ["白日依山尽黄河入海流", "春眠不觉晓处处闻啼鸟"]


def test_a_lone_couplet_may_leave_out_its_full_stop():
    assert verse.couplets_of("白日依山尽，黄河入海流") == ["白日依山尽黄河入海流"]
    assert verse.couplets_of("白日依山尽，黄河入海流。") == ["白日依山尽黄河入海流"]


def test_typed_couplets_are_parsed_in_the_usual_spellings():
    for typed in ("白日依山尽，黄河入海流", "白日依山尽，黄河入海流。", " 白日依山尽,黄河入海流 ",
                  "白日依山尽 黄河入海流", "白日依山尽黄河入海流"):
        assert verse.parse_couplet(typed) == "白日依山尽黄河入海流"
    for bad in ("白日依山尽", "朝辞白帝彩云间，千里江陵一日还", "白日依山尽，黄河入海流！", ""):
        with pytest.raises(UserError, match="not a five-character couplet"):
            verse.parse_couplet(bad)


def test_ids_follow_code_point_order_and_round_trip():
    samples = ["白日依山尽黄河入海流", "欲穷千里目更上一层楼"]
    vocab = verse.vocabulary_of(samples)
    assert list(vocab) == sorted(set("".join(samples)), key=ord) and len(vocab) == 20
    ids = verse.encode(samples, vocab)
    assert ids.shape == (2, 10) and ids.dtype == np.int64
    assert ids[0, 0] == vocab.index("白") and ids[1, 9] == vocab.index("楼")
    assert verse.decode(ids, vocab) == samples
    rare = "𠀋日依山尽黄河入海流"  # a character outside the Basic Multilingual Plane
    v2 = verse.vocabulary_of([rare])
    assert verse.decode(verse.encode([rare], v2), v2) == [rare]


def test_unknown_characters_are_named_in_one_line():
    vocab = verse.vocabulary_of(["白日依山尽黄河入海流"])
    with pytest.raises(UserError) as err:
        verse.encode(["白日依山尽黄河入海楼", "鑫日依山尽黄河入海流"], vocab)
    msg = str(err.value)
    assert "\n" not in msg and "楼" in msg and "鑫" in msg and "10 characters" in msg


def test_the_authors_text_layout_is_read_with_counts(tmp_path):
    couplets = themed(30, seed=1)
    path = tmp_path / "shi.txt"
    write_poems(path, couplets, per_poem=3)
    found = verse.load(path)
    assert found.samples == [c.replace("，", "") for c in couplets]
    assert found.poems == 10 and found.read == 20  # ten poems and ten title lines
    assert found.distinct == len(set("".join(found.samples)))
    preview = found.preview(5)
    assert len(preview) == 5 and all(p in couplets for p in preview)
    assert "10 five-character poems → 30 couplets" in found.summary()


def test_one_couplet_a_line(tmp_path):
    couplets = themed(12, seed=2)
    path = tmp_path / "couplets.txt"
    path.write_text("\n".join(couplets) + "\n\n", encoding="utf-8")
    found = verse.load(path)
    assert [verse.show(s) for s in found.samples] == couplets and found.poems == 12


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_every_encoding_the_corpus_bench_reads(tmp_path, encoding):
    path = tmp_path / f"poems-{encoding}.txt"
    write_poems(path, ["白日依山尽，黄河入海流", "欲穷千里目，更上一层楼"], encoding=encoding)
    found = verse.load(path)
    assert found.samples == ["白日依山尽黄河入海流", "欲穷千里目更上一层楼"]
    assert found.notes.encoding == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gb18030": "gb18030",
                                    "utf-16": "utf-16"}[encoding]


def test_gzip_and_a_utf8_bom(tmp_path):
    path = tmp_path / "poems.txt.gz"
    path.write_bytes(gzip.compress(codecs.BOM_UTF8 + (QUATRAIN + "\n").encode()))
    assert verse.load(path).samples == ["白日依山尽黄河入海流", "欲穷千里目更上一层楼"]


def _records(couplets, per_poem=2):
    return [{"title": f"无题{i}", "author": "佚名", "paragraphs": [c + "。" for c in couplets[i:i + per_poem]]}
            for i in range(0, len(couplets), per_poem)]


def test_chinese_poetry_json_file_and_folder(tmp_path):
    a, b = themed(6, seed=3), themed(4, seed=4)
    (tmp_path / "poems").mkdir()
    (tmp_path / "poems" / "poet.tang.0.json").write_text(json.dumps(_records(a), ensure_ascii=False, indent=2),
                                                         encoding="utf-8")
    (tmp_path / "poems" / "poet.tang.1000.json").write_text(json.dumps(_records(b), ensure_ascii=False),
                                                            encoding="utf-8")
    (tmp_path / "poems" / "authors.tang.json").write_text(
        json.dumps([{"name": "佚名", "desc": "不详"}], ensure_ascii=False), encoding="utf-8")
    (tmp_path / "poems" / "readme.txt").write_text(QUATRAIN, encoding="utf-8")  # not JSON: not read
    one = verse.load(tmp_path / "poems" / "poet.tang.0.json")
    assert [verse.show(s) for s in one.samples] == a and one.poems == 3
    folder = verse.load(tmp_path / "poems")
    assert sorted(verse.show(s) for s in folder.samples) == sorted(a + b)
    assert folder.poems == 5 and folder.read == 5  # the authors file gives no poem
    assert any("authors.tang.json" in p and "without paragraphs" in p for p in folder.notes.problems)


def test_a_broken_json_file_in_a_folder_is_skipped_and_reported(tmp_path):
    good = themed(4, seed=5)
    (tmp_path / "a.json").write_text(json.dumps(_records(good), ensure_ascii=False), encoding="utf-8")
    (tmp_path / "b.json").write_bytes(b"\x00\x01\x02 binary")
    warnings = []
    found = verse.load(tmp_path, ctx=TaskContext(on_log=lambda level, msg: warnings.append((level, msg))))
    assert [verse.show(s) for s in found.samples] == good
    assert any("b.json" in p for p in found.notes.problems)
    assert warnings and warnings[0][0] == "warning"


def test_traditional_to_simplified_with_opencc(tmp_path):
    pytest.importorskip("opencc")
    path = tmp_path / "poet.tang.json"
    path.write_text(json.dumps([{"title": "登鸛雀樓", "author": "王之渙",
                                 "paragraphs": ["白日依山盡，黃河入海流。", "欲窮千里目，更上一層樓。"]}],
                               ensure_ascii=False), encoding="utf-8")
    assert verse.load(path).samples == ["白日依山盡黃河入海流", "欲窮千里目更上一層樓"]  # off by default
    assert verse.load(path, simplify=True).samples == ["白日依山尽黄河入海流", "欲穷千里目更上一层楼"]


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.txt", "no such file"),
    (lambda d: (d / "bin.txt").write_bytes(b"\x00\x00\x01\x02") and d / "bin.txt", "binary"),
    (lambda d: (d / "seven.txt").write_text("朝辞白帝彩云间，千里江陵一日还。\n", encoding="utf-8") and d / "seven.txt",
     "no five-character couplets among 1 lines"),
    (lambda d: (d / "empty.json").write_text("[]", encoding="utf-8") and d / "empty.json",
     "no five-character couplets among 0 records"),
    (lambda d: (d / "sub").mkdir() or d / "sub", "no .json files"),
])
def test_bad_input_is_one_line_naming_the_file(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(UserError, match=message) as err:
        verse.load(path)
    assert "\n" not in str(err.value) and path.name in str(err.value)


def test_no_source_and_a_folder_as_text_are_refused(tmp_path):
    with pytest.raises(UserError, match="no poems chosen"):
        verse.load("")
    with pytest.raises(UserError, match="a folder"):
        verse.load(tmp_path, kind="text")
