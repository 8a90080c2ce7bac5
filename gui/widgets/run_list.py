"""Past runs of the workspace: a sortable, filterable table.  Selected runs are
overlaid on the curves; a run can be resumed from its last checkpoint or run
again with the same settings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine.runs import list_runs
from gui.widgets.colors import run_color
from gui.widgets.table import PandasModel, sortable_proxy


class RunModel(PandasModel):
    """Colours the run column with the run's curve colour."""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() and index.column() == 0:
            return QColor(run_color(str(self.frame.iat[index.row(), 0])))
        return super().data(index, role)


class RunList(QWidget):
    selection_changed = Signal(list)  # [Path]
    resume_requested = Signal(Path)
    rerun_requested = Signal(Path)
    samples_requested = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace: Path | None = None
        self.job_filter: str | None = None
        self.metric_name = "loss"
        self.paths: dict[str, Path] = {}
        self.model = RunModel()
        self.proxy = sortable_proxy(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("Select runs to overlay their curves")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter runs…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.refresh_button = QPushButton("Refresh")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the selected run from its last checkpoint")
        self.rerun_button = QPushButton("Run again")
        self.rerun_button.setToolTip("Put the selected run's settings in the form")
        self.samples_button = QPushButton("Export samples…")
        self.samples_button.setToolTip("Draw samples from the selected run's generator or decoder into a .npy file")
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        for b in (self.refresh_button, self.resume_button, self.rerun_button, self.samples_button):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.refresh_button.clicked.connect(self.refresh)
        self.resume_button.clicked.connect(lambda: self._emit_one(self.resume_requested))
        self.rerun_button.clicked.connect(lambda: self._emit_one(self.rerun_requested))
        self.samples_button.clicked.connect(lambda: self._emit_one(self.samples_requested))
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self._on_selection()

    def set_workspace(self, workspace: Path, job: str | None = None, metric: str = "loss") -> None:
        self.workspace, self.job_filter, self.metric_name = workspace, job, metric
        self.refresh()

    def refresh(self) -> None:
        selected = {p.name for p in self.selected()}
        rows = []
        self.paths = {}
        for info in list_runs(self.workspace) if self.workspace else []:
            if self.job_filter and info.job != self.job_filter:
                continue
            self.paths[info.run_id] = info.path
            model = info.params.get("arch") or info.params.get("loss") or info.job
            rows.append({"run": info.run_id, "status": info.status,
                         f"val {self.metric_name}": info.final.get(f"val/{self.metric_name}", float("nan")),
                         "epochs": info.params.get("epochs", ""), "model": model, "note": info.error or ""})
        columns = ["run", "status", f"val {self.metric_name}", "epochs", "model", "note"]
        self.model.set_frame(pd.DataFrame(rows, columns=columns))
        sel = self.table.selectionModel()
        for r in range(self.proxy.rowCount()):
            if self.proxy.index(r, 0).data() in selected:
                self.table.selectRow(r) if not sel.hasSelection() else sel.select(
                    self.proxy.index(r, 0), sel.SelectionFlag.Select | sel.SelectionFlag.Rows)
        self._on_selection()

    def selected(self) -> list[Path]:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        names = [self.proxy.index(r, 0).data() for r in sorted(rows)]
        return [self.paths[n] for n in names if n in self.paths]

    def _on_selection(self, *_: object) -> None:
        chosen = self.selected()
        for b in (self.resume_button, self.rerun_button, self.samples_button):
            b.setEnabled(len(chosen) == 1)
        self.selection_changed.emit(chosen)

    def _emit_one(self, signal) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            signal.emit(chosen[0])

    def set_busy(self, busy: bool) -> None:
        self.resume_button.setEnabled(not busy and len(self.selected()) == 1)
