"""The Spectra bench, driven as a user drives it."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.spectra import synthetic


@pytest.fixture
def sbench(qtbot, tmp_path):
    from gui.benches.spectra import SpectraBench

    b = SpectraBench(tmp_path / "ws")
    qtbot.addWidget(b)
    b.resize(1400, 850)
    b.show()
    yield b
    b.shutdown()


def load(qtbot, b, source=None, **values):
    if source:
        b.picker.set_source(str(source))
    b.form.set_values({**b.form.values(), **values})
    qtbot.mouseClick(b.load_task.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not b.load_runner.busy and b.load_task.button.isEnabled(), timeout=60000)


def test_demo_set_loads_browses_and_steps_with_the_keyboard(qtbot, sbench):
    load(qtbot, sbench, demo_size=60)
    assert "SYNTHETIC" in sbench.summary.text() and sbench.model.rowCount() == 60
    assert sbench.raw.plot.plotItem.titleLabel.text.startswith("synthetic-00000")
    assert "(synthetic)" in sbench.raw.plot.plotItem.titleLabel.text
    assert len(sbench.raw.wave) == 2600 and len(sbench.prepared.flux) == 2600
    assert abs(float(sbench.prepared.flux.mean())) < 1e-4  # standardised
    sbench.table.setFocus()
    qtbot.keyClick(sbench.table, Qt.Key.Key_Down)
    assert "synthetic-00001" in sbench.raw.plot.plotItem.titleLabel.text
    sbench.z_box.setValue(1.0)
    shown = {m.value() for m in sbench.raw.markers}
    assert any(abs(v - 3727.09 * 2) < 1e-6 for v in shown)  # [O II] at (1 + z)·3727 Å
    assert not any(abs(v - 4861.33 * 2) < 1 for v in shown)  # Hβ shifted beyond 9100 Å
    sbench.lines.setChecked(False)
    assert sbench.raw.markers == []
    sbench.filter.setText("qso")
    assert 0 < sbench.proxy.rowCount() < 60
    assert sbench.means.frame.shape[1] == 1 + 2 * 4  # wavelength, and mean and std per class


def test_crosshair_reads_wavelength_and_flux(qtbot, sbench):
    load(qtbot, sbench, demo_size=8)
    vb = sbench.raw.plot.plotItem.vb
    qtbot.wait(50)
    scene_pos = vb.mapViewToScene(vb.viewRect().center())
    sbench.raw._moved(scene_pos)
    assert "λ =" in sbench.raw.readout.text() and "flux =" in sbench.raw.readout.text()


def test_folder_with_bad_files_loads_the_rest_and_reports(qtbot, sbench, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for s in synthetic.generate(synthetic.SyntheticSpec(n=3)):
        np.savez(folder / f"{s.id}.npz", wavelength=s.wavelength, flux=s.flux, label=s.label)
    (folder / "broken.fits").write_bytes(b"SIMPLE  = nonsense")
    load(qtbot, sbench, folder)
    assert sbench.model.rowCount() == 3
    assert sbench.report_button.isVisible() and sbench.messages.level == "warning"
    assert [n for n, _ in sbench.skipped] == ["broken.fits"]


def test_short_training_fills_confusion_f1_and_misclassified(qtbot, sbench):
    load(qtbot, sbench, demo_size=200)
    sbench.form.set_values({**sbench.form.values(), "demo_size": 200, "width": 4, "batch_size": 32,
                            "class_shares": "", "ce_epochs": 2, "f1_epochs": 1, "steps_per_epoch": 3})
    sbench.start()
    assert sbench.tabs.currentIndex() == 2
    qtbot.waitUntil(lambda: not sbench.busy, timeout=120000)
    assert "completed" in sbench.messages.message()
    assert sbench.confusion.matrix.sum() == 40 and sbench.confusion.classes == list(synthetic.CLASSES)
    assert len(sbench.f1.counts) == 4 and sbench.predict_button.isEnabled()
    wrong = int(40 - np.trace(sbench.confusion.matrix))
    assert sbench.misses.rowCount() == wrong
    if wrong:
        sbench._show_miss(sbench.misses.index(0, 0))
        assert sbench.tabs.currentIndex() == 0
        assert sbench.misses.frame.iat[0, 0] in sbench.raw.plot.plotItem.titleLabel.text
    # the run list: the run is there, its settings come back, and it resumes (one more CE epoch)
    assert sbench.runs.model.rowCount() == 1
    sbench.runs.table.selectRow(0)
    [run] = sbench.runs.selected()
    sbench.form.set_values({**sbench.form.values(), "width": 8})
    sbench.load_settings(run)
    assert sbench.form.values()["width"] == 4
    import json

    config = json.loads((run / "config.json").read_text())
    config["params"]["ce_epochs"] = 3
    (run / "config.json").write_text(json.dumps(config))
    sbench.resume(run)
    qtbot.waitUntil(lambda: not sbench.busy, timeout=120000)
    assert "completed" in sbench.messages.message(), sbench.messages.message()
    assert sbench.runs.model.rowCount() == 1


def contest_set(folder, n):
    """A contest index of ``n`` spectra (copies of a few generated ones)."""
    folder.mkdir()
    spectra = synthetic.generate(synthetic.SyntheticSpec(n=8, seed=1))
    rows = ["id,type"]
    for i in range(n):
        s = spectra[i % len(spectra)]
        (folder / f"{i}.txt").write_text(",".join(f"{v:.3f}" for v in s.flux))
        rows.append(f"{i},{s.label}")
    (folder / "index.csv").write_text("\n".join(rows))
    return folder / "index.csv"


def slow_reading(monkeypatch):
    """Small files read in a blink: each chunk of two takes 20 ms more, so Cancel finds the reading under way."""
    import time

    from engine.spectra import formats

    read = formats._read_chunk
    monkeypatch.setattr(formats, "CHUNK", 2)
    monkeypatch.setattr(formats, "_read_chunk", lambda jobs: (time.sleep(0.02), read(jobs))[1])


def test_cancel_loading_keeps_the_old_list(qtbot, sbench, tmp_path, monkeypatch):
    slow_reading(monkeypatch)
    load(qtbot, sbench, demo_size=8)
    index = contest_set(tmp_path / "set", 400)
    sbench.picker.set_source(str(index))
    qtbot.mouseClick(sbench.load_task.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "files" in sbench.load_task.status.text(), timeout=60000)
    qtbot.mouseClick(sbench.load_task.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not sbench.load_runner.busy, timeout=60000)
    assert sbench.model.rowCount() == 8 and "cancelled" in sbench.messages.message()


def test_cancel_while_training_loads_its_data(qtbot, sbench, tmp_path, monkeypatch):
    slow_reading(monkeypatch)
    index = contest_set(tmp_path / "set", 400)
    sbench.picker.set_source(str(index))
    sbench.start()
    qtbot.waitUntil(lambda: "files" in sbench.controls.bar.format(), timeout=60000)
    qtbot.mouseClick(sbench.controls.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not sbench.busy, timeout=60000)
    assert "Cancelled" in sbench.messages.message()
