"""The corpus readers on bad and odd input: random bytes, truncations at every offset of small valid
files (every encoding, gzip, JSON lines), long lines, UTF-16 without a BOM, broken JSON, and counts
that must not double when a corpus is read twice."""

import codecs
import gzip
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.corpus import readers
from engine.corpus.readers import CorpusError, Notes
from tests.engine.robustness.helpers import one_line

TEXT = ["我来到北京清华大学", "hello world, 你好", "林心如演的电视剧很好看"]
KINDS = ["lines", "whole", "jsonl", "json", "triples"]


def read_all(path, kind):
    """Every document, or the one-line CorpusError: nothing else may come out."""
    try:
        return [d.text for d in readers.documents(path, kind)]
    except CorpusError as exc:
        one_line(exc)
        assert path.name in str(exc)
        return exc


SMALL = {
    "utf-8": "\n".join(TEXT).encode("utf-8"),
    "utf-8-sig": "\n".join(TEXT).encode("utf-8-sig"),
    "gb18030": "\n".join(TEXT).encode("gb18030"),
    "utf-16": "\n".join(TEXT).encode("utf-16"),
    "utf-16-le": "\n".join(TEXT).encode("utf-16-le"),
    "jsonl": "\n".join(json.dumps({"question": t, "tags": ["x"]}, ensure_ascii=False) for t in TEXT).encode(),
    "gzip": gzip.compress("\n".join(TEXT).encode("utf-8"), mtime=0),
}


@pytest.mark.parametrize("name", list(SMALL))
def test_truncation_at_every_offset_reads_or_says_why(tmp_path, name):
    raw = SMALL[name]
    path = tmp_path / ("c.jsonl" if name == "jsonl" else "c.txt")
    for cut in range(len(raw) + 1):
        path.write_bytes(raw[:cut])
        for kind in (["jsonl"] if name == "jsonl" else ["lines", "whole"]):
            got = read_all(path, kind)
            if isinstance(got, list) and name != "gzip":
                assert all("\ufffd" not in t or name.startswith("utf-16") for t in got)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=2000), kind=st.sampled_from(KINDS))
def test_random_bytes_read_or_say_why(tmp_path, raw, kind):
    path = tmp_path / "r.txt"
    path.write_bytes(raw)
    read_all(path, kind)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(min_size=1, max_size=500))
def test_random_gzip_content_reads_or_says_why(tmp_path, raw):
    path = tmp_path / "r.txt.gz"
    path.write_bytes(gzip.compress(raw, mtime=0))
    read_all(path, "lines")


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_first_line_longer_than_the_sample_is_read_in_its_encoding(tmp_path, encoding):
    # the sample of 64 KiB ends in the middle of a character of the long first line
    long_line = {"utf-8": "", "gb18030": "a"}[encoding] + "中" * (readers.SAMPLE // 2 + 7)
    path = tmp_path / "long.txt"
    path.write_bytes((long_line + "\n第二行\n").encode(encoding))
    head = path.read_bytes()[:readers.SAMPLE]
    with pytest.raises(UnicodeDecodeError):
        head.decode(encoding)  # the case: the sample alone does not decode
    notes = Notes()
    assert [d.text for d in readers.documents(path, notes=notes)] == [long_line, "第二行"]
    assert notes.encoding == encoding


def test_a_single_line_of_many_megabytes_is_read(tmp_path):
    line = "字" * (5 * 2**20)  # 15 MB of UTF-8 on one line, no line end
    path = tmp_path / "one.txt"
    path.write_bytes(line.encode())
    [doc] = readers.documents(path)
    assert doc.text == line


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_detected(tmp_path, encoding):
    path = tmp_path / "u.txt"
    path.write_bytes("\n".join(TEXT).encode(encoding))
    assert not path.read_bytes().startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    notes = Notes()
    assert [d.text for d in readers.documents(path, notes=notes)] == TEXT
    assert notes.encoding == encoding


def test_true_binary_is_still_called_binary(tmp_path):
    path = tmp_path / "b.txt"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(CorpusError, match="binary"):
        list(readers.documents(path))


def test_a_json_lines_file_of_only_broken_records_says_so_with_positions(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "一" oops\n{"question": 二}\n{"question": "三",\n', encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        list(readers.documents(path))
    msg = one_line(info.value)
    assert "none of its 3 record(s) is valid JSON" in msg
    assert "record 1 (character 0), record 2 (character 22), record 3 (character 38)" in msg  # counted by hand


def test_json_records_without_text_say_which_fields_are_expected(tmp_path):
    path = tmp_path / "n.jsonl"
    path.write_text('{"title": "a"}\n{"title": "b"}\n', encoding="utf-8")
    with pytest.raises(CorpusError, match="'question', 'text' or 'content'"):
        list(readers.documents(path))


def test_reading_a_mixed_corpus_twice_counts_each_fallback_line_once(tmp_path):
    """The discover verb reads its corpus in two passes with one Notes: 1,500 GB18030 lines in a UTF-8
    file were reported as 3,000."""
    lines = [("第%d行" % i).encode("gb18030") if i % 2 else ("第%d行" % i).encode("utf-8") for i in range(3000)]
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"\n".join(lines) + b"\n")
    notes = Notes()
    for _ in range(2):
        assert len(list(readers.documents(path, notes=notes))) == 3000
    assert notes.encoding == "utf-8" and notes.fallback_lines == 1500
    # a folder: each file counts once, per file
    (tmp_path / "f").mkdir()
    for name in ("a.txt", "b.txt"):
        (tmp_path / "f" / name).write_bytes(b"\n".join(lines[:10]) + b"\n")
    notes = Notes()
    for _ in range(2):
        list(readers.documents(tmp_path / "f", notes=notes))
    assert notes.fallback_lines == 10


def test_a_problem_met_twice_is_noted_once(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes("好\n".encode() + b"\xff\xfe\xfa\n")
    notes = Notes()
    for _ in range(2):
        list(readers.documents(path, notes=notes))
    assert notes.problems == ["c.txt, line 2: no encoding reads it; skipped"]
