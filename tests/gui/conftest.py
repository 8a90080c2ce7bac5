import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True, scope="session")
def _gc_in_gui_thread(qapp):
    """As the app does: cyclic collection only on the GUI thread."""
    import gc

    from gui.app import collect_in_gui_thread

    collect_in_gui_thread()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory, qapp):
    """Each test gets its own QSettings file, never the user's."""
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    from engine.devices import warm_up
    from gui import theme

    theme.apply(qapp, "light")
    warm_up()
    yield folder


@pytest.fixture
def shown_bench(qtbot, tmp_path):
    """``make(BenchClass, size)``: the bench in a fresh workspace, shown; shut down after the test."""
    made = []

    def make(cls, size=(1400, 880)):
        b = cls(tmp_path / "ws")
        qtbot.addWidget(b)
        b.resize(*size)
        b.show()
        made.append(b)
        return b

    yield make
    for b in made:
        b.shutdown()


@pytest.fixture
def bench(qtbot, shown_bench):
    from gui.benches.models import ModelsBench

    b = shown_bench(ModelsBench, (1300, 800))
    qtbot.waitUntil(lambda: b.data_ok, timeout=20000)
    return b


@pytest.fixture(autouse=True)
def no_thread_outlives_its_test(qtbot):
    """Every bench stops its background work on shutdown: no thread may still run after a test."""
    yield
    from gui.runner import running_threads

    qtbot.waitUntil(lambda: not running_threads(), timeout=30000)
