"""The Corpus bench, driven as a user drives it."""

import random

import pytest


@pytest.fixture
def cbench(qtbot, tmp_path):
    from gui.benches.corpus import CorpusBench

    b = CorpusBench(tmp_path / "ws")
    qtbot.addWidget(b)
    b.resize(1400, 850)
    b.show()
    yield b
    b.shutdown()


@pytest.fixture
def corpus(tmp_path):
    rng = random.Random(0)
    vocab = ["林心如", "电视剧", "共和国", "好看", "北京", "骄傲", "的", "在"]
    path = tmp_path / "c.txt"
    path.write_text("\n".join("".join(rng.choice(vocab) for _ in range(6)) for _ in range(1500)), encoding="gb18030")
    return path


def finish(qtbot, task):
    qtbot.waitUntil(lambda: task.thread is None and task.button.isEnabled(), timeout=60000)


def test_open_count_discover_refilter_and_segment(qtbot, cbench, corpus):
    cbench.picker.set_source(str(corpus))
    cbench.open()
    finish(qtbot, cbench.open_task)
    assert "1,500 documents" in cbench.stats.text() and "gb18030" in cbench.stats.text()
    assert cbench.preview.rowCount() == 20
    cbench.workers.setValue(1)
    cbench.tokenizer.setCurrentText("chars")
    cbench.count()
    finish(qtbot, cbench.count_task)
    assert cbench.freq.frame["count"].sum() == sum(len(line) for line in corpus.read_text(encoding="gb18030").split())
    assert len(cbench.zipf_curve.getData()[0]) == len(cbench.freq.frame)
    cbench.min_count.setValue(20)
    for spin, v in zip(cbench.thresholds, (1.0, 2.0, 3.0)):
        spin.setValue(v)
    cbench.discover()
    finish(qtbot, cbench.discover_task)
    found = set(cbench.words.frame["word"])
    assert {"林心如", "电视剧", "共和国", "好看", "北京", "骄傲"} <= found
    cbench.thresholds[1].setValue(20.0)  # 3-character words now need an impossible cohesion
    assert not ({"林心如", "电视剧", "共和国"} & set(cbench.words.frame["word"]))
    assert {"好看", "北京"} <= set(cbench.words.frame["word"])
    cbench.sentence.setText("林心如的电视剧")
    cbench.segment()
    assert cbench.min_entropy_out.text() == "林心如 / 的 / 电视剧"
    assert cbench.jieba_out.text()


def test_bad_corpus_shows_a_message(qtbot, cbench, tmp_path):
    (tmp_path / "b.txt").write_bytes(b"\x00\x01" * 100)
    cbench.picker.set_source(str(tmp_path / "b.txt"))
    cbench.open()
    finish(qtbot, cbench.open_task)
    assert cbench.messages.level == "error" and "binary" in cbench.messages.text.text()
