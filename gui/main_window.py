"""The main window: bench navigation on the left, the bench on the right, the
compute device and workspace in the status bar; layout and folders remembered.

Help ▸ Start here (F1) says what to do first on the bench in view, as the status bar
does on each switch; Ctrl+Return starts and Ctrl+. stops the bench's run or task —
its first visible run controls or task bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QUrl
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from engine import devices
from gui import benches as bench_registry
from gui import settings, theme
from gui.widgets.run_controls import RunControls
from gui.widgets.task_bar import TaskBar

SHORTCUTS = ("Keyboard: Ctrl+Return starts the bench's run or task, Ctrl+. stops it (Stop early, else Cancel), "
             "F1 shows this, Ctrl+Q quits.")


class MainWindow(QMainWindow):
    def __init__(self, workspace: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Kexue Workbench")
        self.workspace = workspace or settings.workspace()
        self.nav = QListWidget()
        self.nav.setObjectName("benchNav")
        self.nav.setFixedWidth(130)
        self.nav.setStyleSheet("#benchNav { font-size: 11pt; } #benchNav::item { padding: 8px 6px; }")
        self.stack = QStackedWidget()
        self.benches = []
        for title, target in bench_registry.BENCHES:
            bench = bench_registry.load(target)(self.workspace)
            self.benches.append(bench)
            self.stack.addWidget(bench)
            self.nav.addItem(title)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.currentRowChanged.connect(lambda _: self.statusBar().showMessage(self.bench.start_here))
        self.nav.setCurrentRow(0)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.device_text = f"Device: {devices.describe_default()}"
        self.device_label = QLabel(self.device_text)
        for bench in self.benches:
            for driver in bench.drivers:
                driver.device_memory.connect(self._show_device_memory)
        self.device_label.setObjectName("deviceLabel")
        self.workspace_label = QLabel()
        self.statusBar().addPermanentWidget(self.workspace_label)
        self.statusBar().addPermanentWidget(self.device_label)
        self._show_workspace()
        self._menus()
        self.resize(1400, 880)
        self.restore_layout()

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        choose = QAction("Choose workspace…", self)
        choose.triggered.connect(self.choose_workspace)
        reveal = QAction("Open workspace folder", self)
        reveal.triggered.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.workspace))))
        quit_action = QAction("Quit", self)
        quit_action.setShortcut("Ctrl+Q")
        quit_action.triggered.connect(self.close)
        for a in (choose, reveal, quit_action):
            file_menu.addAction(a)
        view_menu = self.menuBar().addMenu("&View")
        themes = view_menu.addMenu("Theme")
        group = QActionGroup(self)
        for choice in theme.CHOICES:
            action = themes.addAction({"system": "As the system", "light": "Light", "dark": "Dark"}[choice])
            action.setCheckable(True)
            action.setChecked(choice == theme.chosen())
            action.setData(choice)
            group.addAction(action)
        group.triggered.connect(lambda a: self.set_theme(a.data()))
        run_menu = self.menuBar().addMenu("&Run")
        start = QAction("Start", self)
        start.setShortcut("Ctrl+Return")
        start.triggered.connect(lambda: self._press(0))
        stop = QAction("Stop", self)
        stop.setShortcut("Ctrl+.")
        stop.triggered.connect(lambda: self._press(1))
        for a in (start, stop):
            run_menu.addAction(a)
        help_menu = self.menuBar().addMenu("&Help")
        guide = QAction("Start here", self)
        guide.setShortcut("F1")
        guide.triggered.connect(lambda: QMessageBox.information(
            self, f"Start here: {self.bench.title}", f"{self.bench.start_here}\n\n{SHORTCUTS}"))
        help_menu.addAction(guide)
        about = QAction("About", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, "Kexue Workbench", "A lab bench for the experiments of the Scientific Spaces blog "
            "(kexue.fm).\nGPL-3.0-or-later."))
        help_menu.addAction(about)

    def set_theme(self, choice: str) -> None:
        """Remember the theme and apply it now: widgets and plot backgrounds and axes at once, the
        rest of the plots' colours at the next start."""
        import pyqtgraph as pg

        theme.remember(choice)
        theme.apply(QApplication.instance(), choice)
        palette = QApplication.instance().palette()
        for view in self.findChildren(pg.GraphicsView):
            view.setBackground(palette.base().color())
            for item in view.scene().items():
                if isinstance(item, pg.AxisItem):
                    item.setPen(palette.text().color())
                    item.setTextPen(palette.text().color())
        self.statusBar().showMessage("Theme changed; every plot colour follows it from the next start.", 8000)

    @property
    def bench(self):
        return self.stack.currentWidget()

    def _press(self, which: int) -> None:
        """Press the current bench's start (0) or stop (1): its first visible run controls or task bar."""
        widget = self.bench.primary_controls()
        if isinstance(widget, RunControls):
            button = widget.start if which == 0 else (widget.stop if widget.stop.isEnabled() else widget.cancel)
        elif isinstance(widget, TaskBar):
            button = widget.button if which == 0 else widget.cancel
        else:
            return
        if button.isEnabled():
            button.click()

    def report_error(self, summary: str, details: str) -> None:
        """An unexpected error (see gui.app): shown on the current bench's message bar."""
        bench = self.stack.currentWidget()
        bench.messages.error(f"Unexpected error: {summary}", details)

    def _show_device_memory(self, used: int | None) -> None:
        """The device, and while a job trains on a GPU the memory it holds there."""
        self.device_label.setText(self.device_text if used is None else
                                  f"{self.device_text} · {used / 2**30:.2f} GiB in use")

    def _show_workspace(self) -> None:
        self.workspace_label.setText(f"Workspace: {self.workspace}")

    def choose_workspace(self) -> None:
        if self.busy:
            QMessageBox.information(self, "Workspace", "Finish or stop the running job first.")
            return
        folder = QFileDialog.getExistingDirectory(self, "Workspace folder", str(self.workspace))
        if folder:
            self.workspace = Path(folder)
            settings.set_workspace(self.workspace)
            for bench in self.benches:
                bench.set_workspace(self.workspace)
            self._show_workspace()

    @property
    def busy(self) -> bool:
        return any(b.busy for b in self.benches)

    # -- remembered layout ------------------------------------------------------
    def restore_layout(self) -> None:
        s = settings.store()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        for bench in self.benches:
            for name, splitter in bench.splitters.items():
                state = s.value(f"{bench.title}/splitter/{name}")
                if isinstance(state, QByteArray):
                    splitter.restoreState(state)
        self.nav.setCurrentRow(int(s.value("window/bench", 0)))

    def save_layout(self) -> None:
        s = settings.store()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/bench", self.nav.currentRow())
        for bench in self.benches:
            for name, splitter in bench.splitters.items():
                s.setValue(f"{bench.title}/splitter/{name}", splitter.saveState())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if self.busy:
            answer = QMessageBox.question(
                self, "Quit while training?",
                "A job is still running. Quit anyway? It will be cancelled; its last checkpoint is kept.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        for bench in self.benches:
            bench.shutdown()
        self.save_layout()
        event.accept()
