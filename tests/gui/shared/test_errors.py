"""An error raised on any thread reaches the window's message bar, never a dialog built off the GUI thread."""

import threading

from gui.app import install_error_hooks
from gui.main_window import MainWindow


def test_error_in_a_plain_thread_reaches_the_message_bar(qtbot, tmp_path, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    install_error_hooks()
    window = MainWindow(tmp_path / "ws")
    qtbot.addWidget(window)
    window.show()

    def boom():
        raise RuntimeError("something broke in a thread")

    t = threading.Thread(target=boom)
    t.start()
    t.join()
    bench = window.stack.currentWidget()
    qtbot.waitUntil(lambda: bench.messages.level == "error", timeout=5000)
    assert "something broke in a thread" in bench.messages.message()
