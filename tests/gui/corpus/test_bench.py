"""The Corpus bench, driven as a user drives it."""

import random

import pytest


@pytest.fixture
def cbench(shown_bench):
    from gui.benches.corpus import CorpusBench

    return shown_bench(CorpusBench, (1400, 850))


@pytest.fixture
def corpus(tmp_path):
    rng = random.Random(0)
    vocab = ["林心如", "电视剧", "共和国", "好看", "北京", "骄傲", "的", "在"]
    path = tmp_path / "c.txt"
    path.write_text("\n".join("".join(rng.choice(vocab) for _ in range(6)) for _ in range(1500)), encoding="gb18030")
    return path


def finish(qtbot, task):
    qtbot.waitUntil(lambda: not task.runner.busy and task.button.isEnabled(), timeout=60000)


def test_open_count_discover_refilter_and_segment(qtbot, cbench, corpus):
    cbench.picker.set_source(str(corpus))
    cbench.open()
    finish(qtbot, cbench.open_task)
    assert "1,500 documents" in cbench.stats.text() and "gb18030" in cbench.stats.text()
    assert cbench.preview.rowCount() == 20
    assert cbench.zipf_hint.empty  # no 1–10 axes before anything is counted
    cbench.count_form.set_values({"workers": 1, "tokenizer": "chars"})
    cbench.count()
    finish(qtbot, cbench.count_task)
    assert not cbench.zipf_hint.empty
    assert cbench.freq.frame["count"].sum() == sum(len(line) for line in corpus.read_text(encoding="gb18030").split())
    assert len(cbench.zipf_curve.getData()[0]) == len(cbench.freq.frame)
    cbench.discover_form.set_values({"min_count": 20, "thresholds": "0,1,2,3"})
    cbench.discover()
    finish(qtbot, cbench.discover_task)
    found = set(cbench.words.frame["word"])
    assert {"林心如", "电视剧", "共和国", "好看", "北京", "骄傲"} <= found
    cbench.discover_form.set_values({"thresholds": "0,1,20,3"})  # 3-character words need an impossible cohesion
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
    assert cbench.messages.level == "error" and "binary" in cbench.messages.message()


def test_nothing_runs_without_a_corpus(qtbot, cbench):
    cbench.picker.set_source("")
    cbench.count()
    assert not cbench.count_runner.busy
    assert cbench.messages.level == "error" and "Pick a corpus" in cbench.messages.message()


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_counting_ends_cleanly(qtbot, cbench, tmp_path, workers):
    import multiprocessing

    path = tmp_path / "big.txt"
    path.write_text("\n".join("北京大学的学生在图书馆里学习" * 8 for _ in range(150000)), encoding="utf-8")
    cbench.picker.set_source(str(path))
    cbench.count_form.set_values({"workers": workers, "tokenizer": "ngrams", "n": 4})
    cbench.count()
    qtbot.waitUntil(lambda: cbench.count_task.status.text().endswith("documents counted"), timeout=60000)
    cbench.count_task.cancel.click()
    finish(qtbot, cbench.count_task)
    assert cbench.messages.level == "info" and "cancelled" in cbench.messages.message()
    assert cbench.freq.rowCount() == 0
    assert not multiprocessing.active_children()


def test_cancel_discovery_and_reading(qtbot, cbench, tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("\n".join("北京大学的学生在图书馆里学习" * 8 for _ in range(150000)), encoding="utf-8")
    cbench.picker.set_source(str(path))
    for task, start in ((cbench.discover_task, cbench.discover), (cbench.open_task, cbench.open),
                        (cbench.build_task, cbench.build_lexicon)):
        start()
        qtbot.waitUntil(lambda t=task: t.runner.busy, timeout=10000)
        task.cancel.click()
        finish(qtbot, task)
        assert cbench.messages.level != "error", cbench.messages.message()
