"""What every registered bench must do, checked over the registry."""

import pytest
from PySide6.QtWidgets import QComboBox, QSplitter, QTabWidget

from gui import benches
from gui.benches.base import Bench
from gui.runner import running_threads

DEFAULT = (1400, 880)


@pytest.fixture(params=[target for _, target in benches.BENCHES], ids=[t for t, _ in benches.BENCHES])
def bench(request, qtbot, tmp_path):
    b = benches.load(request.param)(tmp_path / "ws")
    qtbot.addWidget(b)
    b.resize(*DEFAULT)
    b.show()
    yield b
    b.shutdown()


def test_bench_is_a_bench_and_fits_the_default_window(bench):
    assert isinstance(bench, Bench) and bench.title in [t for t, _ in benches.BENCHES]
    assert all(isinstance(s, QSplitter) for s in bench.splitters.values())
    hint = bench.minimumSizeHint()
    assert hint.width() <= DEFAULT[0] - 130 and hint.height() <= DEFAULT[1] - 60  # beside the nav, under the menus


def test_switching_experiments_and_tabs_answers(qtbot, bench):
    combo = bench.findChild(QComboBox, "experiment")
    for i in range(combo.count() if combo is not None else 0):
        combo.setCurrentIndex(i)
        qtbot.wait(10)
    for tabs in bench.findChildren(QTabWidget):
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            qtbot.wait(10)
    assert not bench.busy


def test_shutdown_stops_everything(qtbot, bench):
    if hasattr(bench, "controls") and hasattr(bench, "start"):
        bench.start()  # a real job where the bench trains
        qtbot.waitUntil(lambda: bench.busy or bench.messages.level == "error", timeout=30000)
    bench.shutdown()
    assert not bench.busy
    qtbot.waitUntil(lambda: not running_threads(), timeout=30000)
