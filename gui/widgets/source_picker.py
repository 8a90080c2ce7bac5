"""Pick a data source: a built-in set by name, or a file or folder from a dialog
or dropped on the bench.  Remembers the last folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QMenu, QToolButton, QWidget

from gui import settings


class SourcePicker(QWidget):
    source_changed = Signal(str)

    def __init__(self, builtins: list[str], file_filter: str, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.file_filter, self.key = file_filter, key
        self.combo = QComboBox()
        self.combo.setEditable(False)
        self.combo.addItems(builtins)
        self._builtins = list(builtins)
        self.combo.setToolTip("Built-in datasets, then files you opened (drop a file or folder here too)")
        self.open_button = QToolButton()
        self.open_button.setText("Open…")
        self.open_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.menu = QMenu(self)  # a bench may add its own sources to it
        self.menu.addAction("Open file…", self.open_file)
        self.menu.addAction("Open folder…", self.open_folder)
        self.open_button.setMenu(self.menu)
        self.open_button.clicked.connect(self.open_file)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.open_button)
        self.combo.currentTextChanged.connect(self.source_changed)

    def set_builtins(self, names: list[str]) -> None:
        """Offer these built-in sets (files opened before stay listed after them)."""
        files = [self.combo.itemText(i) for i in range(self.combo.count()) if self.combo.itemText(i) not in
                 self._builtins]
        current = self.combo.currentText()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItems([*names, *files])
        self._builtins = list(names)
        self.combo.setCurrentText(current if current in names or current in files else names[0])
        self.combo.blockSignals(False)
        if self.combo.currentText() != current:
            self.source_changed.emit(self.combo.currentText())

    def source(self) -> str:
        return self.combo.currentText()

    def set_source(self, source: str) -> None:
        if self.combo.findText(source) < 0:
            self.combo.addItem(source)
        self.combo.setCurrentText(source)

    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open data", settings.last_folder(self.key), self.file_filter)
        if path:
            self._chosen(path)

    def open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a folder of data", settings.last_folder(self.key))
        if path:
            self._chosen(path)

    def _chosen(self, path: str) -> None:
        p = Path(path)
        settings.set_last_folder(self.key, str(p if p.is_dir() else p.parent))
        self.set_source(str(p))
