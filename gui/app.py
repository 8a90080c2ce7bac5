"""Start the GUI: one QApplication, pyqtgraph colours from the palette (dark or
light as the OS says), torch warmed up, uncaught errors shown not swallowed."""

from __future__ import annotations

import gc
import sys
import threading
import traceback

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from engine import devices
from gui import theme
from gui.fonts import register_cjk_font


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication as the workbench runs it (tests and benchmarks use it too)."""
    app = QApplication.instance() or QApplication(argv or sys.argv)
    app.setApplicationName("Kexue Workbench")
    app.setOrganizationName("kexue")
    register_cjk_font()  # Chinese renders on machines without CJK fonts
    theme.apply(app)  # plot colours from the palette; antialiasing stays off (costly on long curves)
    devices.warm_up()
    settle_memory()
    collect_in_gui_thread()
    return app


_collector = None


def collect_in_gui_thread() -> None:
    """Run the cyclic garbage collector only on a GUI-thread timer.

    Left automatic, a collection can start in the training thread and there
    finalise Qt objects caught in reference cycles (a closed panel's lambdas),
    destroying them off the GUI thread: that deadlocked a test run here.
    pyqtgraph's GarbageCollector disables automatic collection and collects on
    a QTimer, with the usual generation thresholds."""
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=1.0)


def settle_memory() -> None:
    """Move every object alive now out of the cyclic collector's reach.

    With torch, pandas and pyqtgraph loaded about 400k objects are tracked, and a
    full (generation 2) collection of them stalls the GUI thread 50–170 ms
    (measured by benchmarks/responsiveness.py).  Frozen objects are never
    scanned again; what is allocated later is collected as usual.
    """
    gc.collect()
    gc.freeze()


class _ErrorRelay(QObject):
    """Carries an error raised on any thread to the GUI thread (a dialog built elsewhere crashes Qt)."""

    raised = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.raised.connect(self._show)

    @staticmethod
    def _show(summary: str, details: str) -> None:
        windows = [QApplication.activeWindow(), *QApplication.topLevelWidgets()]
        bar = next((w.report_error for w in windows if w is not None and w.isVisible()
                    and hasattr(w, "report_error")), None)
        if bar is not None:  # the window's status line: no modal dialog in the user's way
            bar(summary, details)
            return
        box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error", summary)
        box.setDetailedText(details)
        box.exec()


_relay: _ErrorRelay | None = None


def _excepthook(kind, value, tb) -> None:
    text = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(text)
    if _relay is not None:
        _relay.raised.emit(f"{kind.__name__}: {value}", text)  # queued when raised off the GUI thread


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    _excepthook(args.exc_type, args.exc_value, args.exc_traceback)


def install_error_hooks() -> None:
    """Uncaught errors of the GUI thread and of any other thread reach the window, never a crash."""
    global _relay
    if _relay is None:
        _relay = _ErrorRelay()
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook


def run_gui(argv: list[str] | None = None) -> int:
    from gui import process_runner
    from gui.main_window import MainWindow

    app = create_app(argv)
    install_error_hooks()
    process_runner.start_workers()  # jobs train in a worker process; its first one imports torch now
    app.aboutToQuit.connect(process_runner.stop_workers)
    window = MainWindow()
    settle_memory()  # the window's objects too
    window.show()
    return app.exec()
