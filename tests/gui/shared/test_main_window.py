import pytest
from PySide6.QtWidgets import QMenu, QMessageBox

from gui import settings
from gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(workspace=tmp_path / "ws")
    qtbot.addWidget(w)
    w.show()
    yield w


def test_status_bar_names_the_device(window):
    text = window.device_label.text()
    assert text.startswith("Device: ") and ("CPU" in text or "CUDA" in text)
    assert window.nav.count() == len(window.benches) and window.nav.item(0).text() == "Models"


def test_close_during_a_run_asks_first(qtbot, window, monkeypatch):
    bench = window.benches[0]
    qtbot.waitUntil(lambda: bench.data_ok, timeout=20000)
    bench.form.set_values({"epochs": 500})
    bench.start()
    qtbot.waitUntil(lambda: bench.controls.bar.value() > 0, timeout=30000)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    assert not window.close()
    assert asked and bench.busy and window.isVisible()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert window.close()
    qtbot.waitUntil(lambda: not bench.busy, timeout=30000)
    from engine.runs import list_runs

    assert list_runs(window.workspace)[0].status == "cancelled"


def test_layout_is_remembered(qtbot, tmp_path):
    w = MainWindow(workspace=tmp_path)
    qtbot.addWidget(w)
    w.show()
    height = max(w.minimumSizeHint().height(), 555) + 5  # the offscreen screen is 800×800: Qt clamps to it
    w.resize(w.minimumSizeHint().width(), height)
    w.benches[0].splitter.setSizes([500, 300])
    before = w.benches[0].splitter.sizes()
    w.close()
    assert settings.store().value("window/geometry") is not None
    again = MainWindow(workspace=tmp_path)
    qtbot.addWidget(again)
    again.show()
    assert again.height() == height
    assert again.benches[0].splitter.sizes() == before


def test_start_here_and_the_run_shortcuts(qtbot, tmp_path):
    w = MainWindow(workspace=tmp_path)
    qtbot.addWidget(w)
    w.show()
    for row, bench in enumerate(w.benches):
        w.nav.setCurrentRow(row)
        assert len(bench.start_here) > 40 and w.statusBar().currentMessage() == bench.start_here
    actions = {a.text(): a for menu in w.menuBar().findChildren(QMenu) for a in menu.actions()}
    assert actions["Start"].shortcut().toString() == "Ctrl+Return" and actions["Start here"].shortcut().toString() == "F1"
    [clusters] = [b for b in w.benches if b.title == "Clusters"]
    w.nav.setCurrentRow(w.benches.index(clusters))
    actions["Start"].trigger()  # Cluster, the bench's first task bar
    assert clusters.cluster_runner.busy
    actions["Stop"].trigger()
    qtbot.waitUntil(lambda: not clusters.cluster_runner.busy, timeout=30000)
    assert clusters.explored is None and "cancelled" in clusters.messages.message()
    w.close()


def test_the_theme_is_chosen_remembered_and_applied(qtbot, window):
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from gui import theme

    app = QApplication.instance()
    before = app.palette(), app.style().name(), dict(pg.CONFIG_OPTIONS)
    try:
        window.set_theme("dark")
        assert theme.chosen() == "dark" and app.palette().window().color().lightness() < 80
        view = window.findChildren(pg.GraphicsView)[0]
        assert view.backgroundBrush().color().lightness() < 80  # the plots follow at once
        assert pg.mkColor(pg.getConfigOption("background")).lightness() < 80  # and new ones
        window.set_theme("light")
        assert app.palette().window().color().lightness() > 180 and theme.chosen() == "light"
    finally:
        app.setStyle(before[1])
        app.setPalette(before[0])
        pg.setConfigOptions(**before[2])


def test_the_status_bar_shows_a_gpu_jobs_memory(window):
    from engine import events as ev

    [models] = [b for b in window.benches if b.title == "Models"]
    driver = models.driver
    start = window.device_label.text()
    driver.bridge.progress.emit(ev.Progress("r", 5, 10, 1.0, 1.0, epoch=0))  # a CPU job: no figure
    assert window.device_label.text() == start
    driver.bridge.progress.emit(ev.Progress("r", 6, 10, 1.0, 1.0, epoch=0, device_memory=3 * 2**29))
    assert window.device_label.text() == f"{start} · 1.50 GiB in use"
    driver.device_memory.emit(None)  # the job ended
    assert window.device_label.text() == start
