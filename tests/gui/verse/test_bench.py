"""The Verse bench, driven as a user drives it, on couplets the tests write (no poems in the repository)."""

import csv
import json
import re
from itertools import count

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from engine.jobs import execute
from engine.train.verse import JOB, SHOWN, VerseParams
from tests.engine.text.couplets import CHARS, themed, write_poems

COUPLET = re.compile(r"^(.{5})，(.{5})$")
TINY = {"epochs": 3, "batch_size": 32, "lr": 3e-3, "device": "cpu", "val_fraction": 0.1}


@pytest.fixture
def vbench(qtbot, tmp_path):
    from gui.benches.verse import VerseBench

    def make(workspace=None):
        b = VerseBench(workspace or tmp_path / "ws")
        qtbot.addWidget(b)
        b.resize(1400, 880)
        b.show()
        made.append(b)
        return b

    made = []
    yield make
    for b in made:
        b.shutdown()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny run trained once, headless, for the Play tests (they only read its workspace)."""
    folder = tmp_path_factory.mktemp("verse-play")
    couplets = themed(300, seed=1)
    data = folder / "couplets.txt"
    data.write_text("\n".join(couplets) + "\n", encoding="utf-8")
    out = execute(JOB, VerseParams(data=str(data), **TINY), folder / "ws", [])
    assert out.status == "completed", out.error
    kept = (out.run_dir / "couplets.txt").read_text(encoding="utf-8").split()
    return folder / "ws", out.run_dir, kept


def read(qtbot, b, source, kind="auto", simplify=False):
    b.picker.set_source(str(source))
    b.kind.setCurrentIndex(b.kind.findData(kind))
    b.simplify.setChecked(simplify)
    qtbot.mouseClick(b.load_task.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not b.load_runner.busy, timeout=30000)


def play(qtbot, b, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not b.play_runner.busy, timeout=30000)


def shown_lines(table):
    return [str(table.model.frame["couplet"].iat[r]) for r in range(table.model.rowCount())]


def in_place(a, b):
    return sum(x == y for x, y in zip(a.replace("，", ""), b.replace("，", "")))


def test_reading_poems_counts_poems_couplets_and_characters_and_shows_a_sample(qtbot, vbench, tmp_path):
    b = vbench()
    couplets = themed(300, seed=2)
    path = tmp_path / "poems.txt"
    write_poems(path, couplets, per_poem=3, encoding="gb18030")  # the author's layout, a Chinese encoding
    read(qtbot, b, path)
    distinct = len(set("".join(couplets).replace("，", "")))
    assert b.messages.level == ""
    assert b.summary.text().startswith(f"100 poems → 300 couplets, {distinct} distinct characters")
    assert "poems.txt" in b.summary.text() and "gb18030" in b.summary.text().lower()
    assert b.sample.rowCount() == 60 and set(b.sample.frame["couplet"]) <= set(couplets)
    assert {b.from_couplet.currentText(), b.to_couplet.currentText()} <= set(couplets)  # offered to interpolate
    assert b.from_couplet.currentText() != b.to_couplet.currentText()


def test_traditional_to_simplified_is_a_choice_off_by_default(qtbot, vbench, tmp_path):
    b = vbench()
    assert not b.simplify.isChecked()
    path = tmp_path / "trad.txt"
    path.write_text("春風吹綠柳，長雲過東山\n東風送長雲，綠水映春山\n", encoding="utf-8")
    read(qtbot, b, path, kind="text")
    assert set(b.sample.frame["couplet"]) == {"春風吹綠柳，長雲過東山", "東風送長雲，綠水映春山"}
    assert "simplified" not in b.summary.text()
    read(qtbot, b, path, kind="text", simplify=True)
    assert set(b.sample.frame["couplet"]) == {"春风吹绿柳，长云过东山", "东风送长云，绿水映春山"}
    assert "converted to simplified" in b.summary.text()


def test_bad_files_give_one_line_naming_the_file(qtbot, vbench, tmp_path):
    b = vbench()
    prose = tmp_path / "prose.txt"
    prose.write_text("This is not a poem.\nNor is this one.\n", encoding="utf-8")
    read(qtbot, b, prose)
    assert b.messages.level == "error" and "prose.txt" in b.messages.message()
    assert "\n" not in b.messages.message() and "Traceback" not in b.messages.message()
    broken = tmp_path / "broken.json"
    broken.write_text('[{"title": "春", "paragraphs": ["春花秋月夜，', encoding="utf-8")
    read(qtbot, b, broken)
    assert b.messages.level == "error" and "broken.json" in b.messages.message()
    assert "\n" not in b.messages.message()
    read(qtbot, b, tmp_path / "missing.txt")
    assert b.messages.level == "error" and "no such file" in b.messages.message()


def test_cancel_stops_reading_and_keeps_what_was_shown(qtbot, vbench, tmp_path, monkeypatch):
    from engine.corpus import readers

    b = vbench()
    path = tmp_path / "small.txt"
    path.write_text("\n".join(themed(20)) + "\n", encoding="utf-8")
    read(qtbot, b, path)
    before = b.summary.text()

    def endless(path, notes):  # a collection that never ends: only Cancel can stop reading it
        lines = themed(50)
        for i in count():
            yield lines[i % 50]

    monkeypatch.setattr(readers, "text_lines", endless)  # reading the same file again, now without end
    qtbot.mouseClick(b.load_task.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "lines read" in b.load_task.status.text(), timeout=30000)
    qtbot.mouseClick(b.load_task.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not b.load_runner.busy, timeout=30000)
    assert b.messages.level == "info" and "cancelled" in b.messages.message()
    assert b.summary.text() == before and b.sample.rowCount() == 20 and b.load_task.button.isEnabled()


@pytest.mark.slow
def test_training_through_the_bench_fills_curves_and_couplets_then_resumes_and_plays(qtbot, vbench, tmp_path):
    b = vbench()
    couplets = themed(300, seed=3)
    path = tmp_path / "couplets.txt"
    path.write_text("\n".join(couplets) + "\n", encoding="utf-8")
    b.picker.set_source(str(path))
    b.form.set_values(TINY)
    b.start()
    assert b.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: not b.busy, timeout=120000)
    assert "completed" in b.messages.message(), b.messages.message()
    curves = b.curves.to_frame()
    val = curves[curves.phase == "val"]
    assert set(val.metric) == {"loss", "recon", "kl", "acc"} and (val.metric == "acc").sum() == 3
    assert set(curves[curves.phase == "train"].metric) >= {"loss", "recon", "kl"}
    vocabulary = set("".join(couplets)) - {"，"}
    lines = b.couplets.lines
    assert len(lines) == SHOWN and all(COUPLET.match(s) and set(s) - {"，"} <= vocabulary for s in lines)
    last_step = int(curves.step.max())
    assert f"step {last_step:,}" in b.couplets.title()
    # the run list, and Play on the run just trained
    assert b.runs.model.rowCount() == 1
    [run] = b.runs.paths.values()
    assert b.run_choice.currentData() == run
    b.tabs.setCurrentIndex(1)
    play(qtbot, b, b.generate_button)
    assert b.generated.model.rowCount() == 20 and b.messages.level != "error"
    # run again: the run's settings come back into the form
    b.form.set_values({"hidden": 8, "epochs": 9})
    b.runs.table.selectRow(0)
    qtbot.mouseClick(b.runs.rerun_button, Qt.MouseButton.LeftButton)
    assert b.form.values()["hidden"] == 64 and b.form.values()["epochs"] == 3
    assert b.picker.source() == str(path)
    # resume: one more epoch on the same run
    config = json.loads((run / "config.json").read_text())
    config["params"]["epochs"] = 4
    (run / "config.json").write_text(json.dumps(config))
    qtbot.mouseClick(b.runs.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not b.busy, timeout=120000)
    assert "completed" in b.messages.message(), b.messages.message()
    assert b.runs.model.rowCount() == 1
    assert (b.curves.to_frame().query("phase == 'val' and metric == 'acc'").run == run.name).sum() == 4
    qtbot.waitUntil(lambda: not b.fixed_runner.busy, timeout=30000)
    assert "step" in b.couplets.title()  # the run list's refresh leaves the live panel as it was


def test_selecting_a_past_run_shows_its_curves_and_its_fixed_z_couplets(qtbot, vbench, trained):
    workspace, run, training = trained
    b = vbench(workspace)
    assert b.couplets.lines == []
    b.runs.table.selectRow(0)
    qtbot.waitUntil(lambda: len(b.couplets.lines) == SHOWN, timeout=30000)
    vocabulary = set("".join(training)) - {"，"}
    assert all(COUPLET.match(s) and set(s) - {"，"} <= vocabulary for s in b.couplets.lines)
    assert run.name in b.couplets.title()
    assert run.name in b.curves.runs()
    assert set(b.curves.to_frame().query("phase == 'val'").metric) == {"loss", "recon", "kl", "acc"}


def test_generate_greedy_and_sampled_with_nearest_training_couplets(qtbot, vbench, trained):
    workspace, run, training = trained
    b = vbench(workspace)
    assert b.run_choice.currentData() == run
    b.count.setValue(12)
    b.seed.setValue(5)
    play(qtbot, b, b.generate_button)
    greedy = shown_lines(b.generated)
    vocabulary = set("".join(training)) - {"，"}
    assert len(greedy) == 12 and all(COUPLET.match(s) and set(s) - {"，"} <= vocabulary for s in greedy)
    frame = b.generated.model.frame
    for line, near, same, new in zip(greedy, frame["nearest training couplet"], frame["same"], frame["new?"]):
        best = max(in_place(line, t) for t in training)  # brute force over the training couplets
        assert near in training and same == best == in_place(line, near)
        assert new == ("copied" if best == 10 else "new")
    assert f"{sum(frame['new?'] == 'new')} not in the training set" in b.generated.title()
    play(qtbot, b, b.generate_button)
    assert shown_lines(b.generated) == greedy  # greedy decoding of the same z's
    assert not b.temperature.isEnabled()
    b.decoding.setCurrentIndex(1)
    assert b.temperature.isEnabled()
    b.temperature.setValue(3.0)
    play(qtbot, b, b.generate_button)
    sampled = shown_lines(b.generated)
    assert len(sampled) == 12 and all(COUPLET.match(s) and set(s) - {"，"} <= vocabulary for s in sampled)
    assert sampled != greedy


def test_interpolation_shows_every_step_from_one_couplet_to_the_other(qtbot, vbench, trained):
    workspace, _, training = trained
    b = vbench(workspace)
    b.tabs.setCurrentIndex(1)
    a, z = training[0], training[-1]
    b.from_couplet.setCurrentText(a)
    b.to_couplet.setCurrentText(z.replace("，", ","))  # a half-width comma is read too
    b.steps.setValue(6)
    play(qtbot, b, b.interpolate_button)
    assert b.messages.level != "error", b.messages.message()
    frame = b.path.model.frame
    assert list(frame["t"]) == pytest.approx(np.linspace(0, 1, 6))
    steps = shown_lines(b.path)
    assert len(steps) == 6 and all(COUPLET.match(s) for s in steps)
    # t = 0 and t = 1 decode the two posterior means: the reconstructions of the two ends
    ends = []
    for text in (a, z):
        b.typed.setText(text)
        play(qtbot, b, b.reconstruct_button)
        ends.append(b.reconstruction.text().split("→ ")[1].split()[0])
    assert [steps[0], steps[-1]] == ends


def test_reconstruct_reports_characters_back_and_unknown_ones_in_one_line(qtbot, vbench, trained):
    workspace, _, training = trained
    b = vbench(workspace)
    b.typed.setText(training[3].replace("，", " "))
    qtbot.keyClick(b.typed, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not b.play_runner.busy and bool(b.reconstruction.text()), timeout=30000)
    typed, back = COUPLET.sub(r"\1，\2", training[3]), b.reconstruction.text().split("→")[1].split()[0]
    assert b.reconstruction.text().startswith(typed) and COUPLET.match(back)
    assert f"{in_place(typed, back)} of 10 characters come back" in b.reconstruction.text()
    famous = "白日依山尽，黄河入海流"
    unknown = set(famous) - set("".join(training))
    assert unknown and unknown <= set(famous) - set(CHARS)
    b.typed.setText(famous)
    play(qtbot, b, b.reconstruct_button)
    message = b.messages.message()
    assert b.messages.level == "error" and "\n" not in message and "Traceback" not in message
    assert all(c in message for c in unknown)
    b.typed.setText("春花秋月")
    play(qtbot, b, b.reconstruct_button)
    assert b.messages.level == "error" and "five-character couplet" in b.messages.message()


def test_copy_and_export_as_text_and_csv(qtbot, vbench, trained, tmp_path, monkeypatch):
    import gui.benches.verse as bench_module

    workspace, _, _ = trained
    b = vbench(workspace)
    b.count.setValue(7)
    play(qtbot, b, b.generate_button)
    lines = shown_lines(b.generated)
    qtbot.mouseClick(b.generated.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text().split("\n") == lines
    for name in ("out.txt", "out.csv"):
        monkeypatch.setattr(bench_module, "ask_save_path", lambda *a, name=name: tmp_path / name)
        qtbot.mouseClick(b.generated.export_button, Qt.MouseButton.LeftButton)
        assert b.messages.level == "info" and name in b.messages.message()
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").splitlines() == lines
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    frame = b.generated.model.frame
    assert rows[0] == ["couplet", "nearest_training_couplet", "shared_characters"]
    assert rows[1:] == [[s, n, str(k)] for s, n, k in zip(lines, frame["nearest training couplet"],
                                                         frame["same"])]
    monkeypatch.setattr(bench_module, "ask_save_path", lambda *a: tmp_path / "no-such-folder" / "x.txt")
    qtbot.mouseClick(b.generated.export_button, Qt.MouseButton.LeftButton)
    assert b.messages.level == "error" and "\n" not in b.messages.message()


def test_play_without_a_run_says_what_to_do(qtbot, vbench):
    b = vbench()
    assert b.run_choice.count() == 0
    qtbot.mouseClick(b.generate_button, Qt.MouseButton.LeftButton)
    assert b.messages.level == "error" and "train one" in b.messages.message()
