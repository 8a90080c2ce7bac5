"""The Spectra bench, driven as a user drives it."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.spectra import synthetic


@pytest.fixture
def sbench(shown_bench):
    from gui.benches.spectra import SpectraBench

    return shown_bench(SpectraBench, (1400, 850))


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


def spectra_folder(root, n: int, bad: str):
    """A folder of ``n`` synthetic spectra as .npz files and one broken FITS file named ``bad``."""
    folder = root / "mixed"
    folder.mkdir()
    for s in synthetic.generate(synthetic.SyntheticSpec(n=n)):
        np.savez(folder / f"{s.id}.npz", wavelength=s.wavelength, flux=s.flux, label=s.label)
    (folder / bad).write_bytes(b"SIMPLE  = nonsense")
    return folder


def test_folder_with_bad_files_loads_the_rest_and_reports(qtbot, sbench, tmp_path):
    folder = spectra_folder(tmp_path, 3, "broken.fits")
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
    assert sbench.misses.rowCount() == wrong and sbench.results.tabText(1).endswith(f": {wrong}")
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


def named_lines(view):
    """(name, centre of its label in scene x, its rect in scene) for the names the plot writes."""
    axis = view.line_axis
    shown, left_out = axis.placements()
    return [(name, axis.mapRectToScene(rect)) for name, rect, _, _ in shown], left_out


def check_names_fit(view):
    from PySide6.QtGui import QFontMetricsF

    axis = view.line_axis
    assert axis.isVisible() and axis.height() >= axis.rows * axis.row_height
    band = axis.mapRectToScene(axis.boundingRect())
    plot_area = view.plot.plotItem.vb.sceneBoundingRect()
    metrics = QFontMetricsF(axis.label_font)
    shown, _ = named_lines(view)
    assert shown
    for i, (name, rect) in enumerate(shown):
        # whole: inside the band above the plot, as wide as the full name, within the plot's width
        assert band.contains(rect) and rect.bottom() <= plot_area.top() + 1, name
        assert rect.left() >= plot_area.left() - 1 and rect.right() <= plot_area.right() + 1, name
        assert rect.width() >= metrics.horizontalAdvance(name) and rect.height() >= metrics.height() - 0.5, name
        for other, r in shown[i + 1:]:
            assert not rect.intersects(r), f"{name} overlaps {other}"
    return dict(shown)


def test_line_names_never_overlap_and_are_never_cut(qtbot, sbench):
    from PySide6.QtCore import QPointF

    from engine.spectra import lines

    load(qtbot, sbench, demo_size=40)
    sbench.show_spectrum(next(s for s in sbench.spectra if s.label == "galaxy"))
    qtbot.wait(50)
    for view in (sbench.raw, sbench.prepared):
        shown = check_names_fit(view)
        assert "Hα" in shown and "[N II]" in shown, view  # 21 Å apart: two rows, both whole
        vb = view.plot.plotItem.vb
        rest = {name: where for name, where, _ in lines.shifted(0.0)}
        for name, rect in shown.items():  # each name stands over its line (or is pushed inside at an edge)
            x = vb.mapViewToScene(QPointF(rest[name], 0)).x()
            assert rect.left() - 1 <= x <= rect.right() + 1 or name in ("[O II]", "Ca II"), name
    # zoomed in on Hα, every line there is named in the lower plot too, in one row
    sbench.prepared.plot.setXRange(6450, 6800, padding=0)
    qtbot.wait(50)
    shown = check_names_fit(sbench.prepared)
    assert {"Hα", "[N II]", "[S II]"} <= set(shown)
    _, left_out = named_lines(sbench.prepared)
    assert left_out == []
    # at z = 0.5 the names follow their lines; lines off the grid are not named
    sbench.z_box.setValue(0.5)
    qtbot.wait(50)
    shown = check_names_fit(sbench.raw)
    assert "Hα" not in shown and "[O II]" in shown  # Hα at 9844 Å is past the data's 9100 Å


def test_preprocessed_plot_does_not_draw_the_padding(qtbot, sbench):
    from engine.spectra import formats

    wave = np.linspace(4500.0, 8000.0, 1200)
    s = formats.Spectrum(wave, 50 + 10 * np.sin(wave / 300), np.ones_like(wave), "partial", "galaxy")
    sbench.show_spectrum(s)
    x, y = sbench.prepared.curve.xData, sbench.prepared.curve.yData  # all of it, not only what is in view
    drawn = np.isfinite(y)
    assert drawn.any() and x[drawn].min() >= 4500 and x[drawn].max() <= 8000
    assert x.min() < 4000 and x.max() > 9000  # the grid beyond the data is still the plot's range
    frame = sbench.prepared.to_frame()  # the export keeps what the classifier sees: zeros there
    assert (frame.loc[frame.wavelength < 4500, "flux"] == 0).all()


def test_empty_plots_show_a_hint_and_no_range(qtbot, sbench):
    for view in (sbench.raw, sbench.prepared):
        assert view.hint.empty and view.hint.item.isVisible() and view.hint.text
        assert view.plot.getAxis("bottom").blank and view.plot.getAxis("left").blank
        assert not view.line_axis.isVisible()
    load(qtbot, sbench, demo_size=8)
    assert not sbench.raw.hint.empty and not sbench.raw.plot.getAxis("bottom").blank
    sbench.raw.clear()
    assert sbench.raw.hint.empty and sbench.raw.plot.getAxis("bottom").blank
    c = sbench.confusion
    assert c.hint.empty and c.hint.item.isVisible() and "first epoch" in c.hint.text
    for side in ("left", "bottom"):
        axis = c.plot.getAxis(side)
        assert axis.blank and not axis.autoSIPrefix and "0.001" not in axis.labelString()
    assert sbench.f1.hint.empty and sbench.f1.plot.getAxis("left").blank


def test_confusion_and_f1_are_whole_at_the_default_window_size(qtbot, sbench):
    from engine import events as ev
    from tests.gui.shared.fit import clipped

    sbench.resize(1400 - 130, 880 - 50)  # the main window at its default size, less the bench list and bars
    sbench.tabs.setCurrentIndex(2)
    classes = ["star", "galaxy", "qso", "unknown"]
    matrix = np.array([[19, 1, 0, 0], [7, 2, 0, 1], [10, 0, 3, 0], [4, 0, 0, 5]])
    sbench._show_confusion(ev.Artifact("r", 9, "confusion", "confusion", {"matrix": matrix, "classes": classes}))
    sbench._show_f1(ev.Artifact("r", 9, "bars", "f1", {"counts": [0.6, 0.1, 0.2, 0.3], "names": classes}))
    qtbot.wait(100)
    for panel in (sbench.confusion, sbench.f1):
        item, view = panel.plot.plotItem, panel.plot
        assert item.geometry().width() <= view.viewport().width() + 1  # the plot is not wider than its widget
    (x0, x1), (y0, y1) = sbench.confusion.plot.plotItem.vb.viewRange()
    assert x0 <= 0 and x1 >= 4 and y0 <= 0 and y1 >= 4  # every column, "unknown" too
    assert not sbench.confusion.hint.empty and "0.001" not in sbench.confusion.plot.getAxis("left").labelString()
    assert clipped(sbench) == []


def test_each_skipped_file_is_named_once(qtbot, sbench, tmp_path):
    folder = spectra_folder(tmp_path, 2, "spec_bad.fits")
    (folder / "empty.csv").write_text("")
    load(qtbot, sbench, folder)
    report = sbench.skipped_report().splitlines()
    assert sorted(line.split(":")[0] for line in report) == ["empty.csv", "spec_bad.fits"]
    for line in report:
        name = line.split(":")[0]
        assert line.count(name) == 1, line
