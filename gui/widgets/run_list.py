"""Past runs of the workspace, the hub of a training bench (TensorBoard's and W&B's habits).

A sortable table filtered by any column: the running run appears when it starts and
updates as it trains (:meth:`RunList.follow`); epochs done of planned; the
hyper-parameters that differ between the listed runs as columns; a note and tags the
user edits in place (kept in the run's ``notes.json``); a colour swatch that matches
the run's curves.  Selected runs are overlaid on the curves; one run can be resumed,
run again, have its samples exported; the context menu opens its folder, exports it
as a .zip, compares the settings of two runs and moves runs to the system trash.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine.io import atomic_path
from engine.runs import RunInfo, list_runs, write_notes
from gui.widgets import metric_names
from gui.widgets.colors import claimed_color
from gui.widgets.export import ask_save_path
from gui.widgets.table import PandasModel, sortable_proxy

SHOWN = ("epochs", "arch", "loss")  # params with a column of their own
MOST_DIFFERENCES = 6  # differing params shown as columns
EDITABLE = ("tags", "note")


class RunModel(PandasModel):
    """A swatch of the run's curve colour beside its name (none while its curves are not drawn);
    the note and tags editable."""

    edited = Signal(str, str, str)  # run id, column, new text

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DecorationRole and index.isValid() and index.column() == 0:
            colour = claimed_color(str(self.frame.iat[index.row(), 0]))
            return QColor(colour) if colour else QColor(0, 0, 0, 0)  # the room kept: names stay aligned
        if role == Qt.ItemDataRole.EditRole and index.isValid():
            return str(self.frame.iat[index.row(), index.column()])
        return super().data(index, role)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self.frame.columns[index.column()] in EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        column = str(self.frame.columns[index.column()])
        self.frame.iat[index.row(), index.column()] = str(value)
        self.dataChanged.emit(index, index)
        self.edited.emit(str(self.frame.iat[index.row(), 0]), column, str(value))
        return True


def differing(runs: list[RunInfo]) -> list[str]:
    """Params whose values differ between ``runs`` (in the order the first run lists them)."""
    keys = dict.fromkeys(k for r in runs for k in r.params if k not in SHOWN)
    return [k for k in keys if len({repr(r.params.get(k)) for r in runs}) > 1][:MOST_DIFFERENCES]


class SettingsDiff(QDialog):
    """The settings in which two runs differ, side by side."""

    def __init__(self, a: RunInfo, b: RunInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings that differ")
        keys = dict.fromkeys([*a.params, *b.params])
        rows = [{"setting": k, a.run_id: str(a.params.get(k, "—")), b.run_id: str(b.params.get(k, "—"))}
                for k in keys if repr(a.params.get(k)) != repr(b.params.get(k))]
        self.frame = pd.DataFrame(rows, columns=["setting", a.run_id, b.run_id])
        table = QTableView()
        table.setModel(PandasModel(self.frame))
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(640, 320)


class RunList(QWidget):
    selection_changed = Signal(list)  # [Path]
    resume_requested = Signal(Path)
    rerun_requested = Signal(Path)
    samples_requested = Signal(Path)
    notice = Signal(str, str)  # level, one line for the bench's message bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace: Path | None = None
        self.job_filter: str | None = None
        self.metric_name = "loss"
        self.paths: dict[str, Path] = {}
        self.infos: dict[str, RunInfo] = {}
        self.running: str | None = None
        self._metric_column = ""
        self.model = RunModel()
        self.model.edited.connect(self._edited)
        self.proxy = sortable_proxy(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("Select runs to overlay their curves; double-click a note or tags to edit; "
                              "right-click for more")
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter runs (any column)…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMinimumWidth(110)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.refresh_button = QPushButton("Refresh")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the selected run from its last checkpoint")
        self.rerun_button = QPushButton("Run again")
        self.rerun_button.setToolTip("Put the selected run's settings in the form")
        self.samples_button = QPushButton("Export samples…")
        self.samples_button.setToolTip("Draw samples from the selected run's generator or decoder: PNG grid, .npy or CSV")
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

    def follow(self, driver: Any) -> None:
        """List the driver's run as soon as it starts and keep its row current while it trains
        (from the run's own events: no folder is read while it trains)."""
        driver.started.connect(lambda e: self._follow_run(e.run_id))
        driver.bridge.metrics.connect(self._live)
        driver.ended.connect(lambda: self._follow_run(None))

    def _follow_run(self, run_id: str | None) -> None:
        self.running = run_id
        self.refresh()

    def _live(self, batch: list) -> None:
        """The running run's row: its epochs done and validation metric as its events report them."""
        val = [m for m in batch if m.run_id == self.running and m.phase == "val"]
        frame = self.model.frame
        if not val or frame.empty or self.running not in set(frame["run"]):
            return
        row = int(np.flatnonzero(frame["run"].to_numpy() == self.running)[0])
        last = val[-1]
        planned = str(frame.at[row, "epochs"]).partition("/")[2]
        updates = {"epochs": f"{last.epoch + 1}/{planned}" if planned else str(last.epoch + 1)}
        if self.metric_name in last.values and self._metric_column in frame.columns:
            updates[self._metric_column] = float(last.values[self.metric_name])
        for column, value in updates.items():
            j = list(frame.columns).index(column)
            frame.iat[row, j] = value
            self.model.dataChanged.emit(self.model.index(row, j), self.model.index(row, j))
        self.model.dataChanged.emit(self.model.index(row, 0), self.model.index(row, 0))  # its swatch, claimed by now

    def refresh(self) -> None:
        selected = {p.name for p in self.selected()}
        runs = [info for info in (list_runs(self.workspace) if self.workspace else [])
                if not self.job_filter or info.job == self.job_filter]
        self.paths = {info.run_id: info.path for info in runs}
        self.infos = {info.run_id: info for info in runs}
        extra = differing(runs)
        metric = self._metric_column = f"{metric_names.metric(self.metric_name).title} (val)"
        rows = []
        for info in runs:
            planned = info.params.get("epochs", "")
            rows.append({"run": info.run_id, metric: info.final.get(f"val/{self.metric_name}", float("nan")),
                         "status": info.status,
                         "epochs": f"{info.epochs_done}/{planned}" if planned != "" else str(info.epochs_done),
                         "model": info.params.get("arch") or info.params.get("loss") or info.job,
                         **{k: _shown(info.params.get(k)) for k in extra},
                         "tags": ", ".join(info.tags), "note": info.note,
                         "error": info.problem or info.error or ""})
        columns = ["run", metric, "status", "epochs", "model", *extra, "tags", "note", "error"]
        frame = pd.DataFrame(rows, columns=columns)
        if not frame["error"].astype(bool).any():
            frame = frame.drop(columns="error")
        self.model.set_frame(frame)
        sel = self.table.selectionModel()
        sel.blockSignals(True)
        for r in range(self.proxy.rowCount()):
            if self.proxy.index(r, 0).data() in selected:
                sel.select(self.proxy.index(r, 0), sel.SelectionFlag.Select | sel.SelectionFlag.Rows)
        sel.blockSignals(False)
        if {p.name for p in self.selected()} != selected:
            self._on_selection()
        else:
            self._update_buttons()

    def selected(self) -> list[Path]:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        names = [self.proxy.index(r, 0).data() for r in sorted(rows)]
        return [self.paths[n] for n in names if n in self.paths]

    def select(self, run_ids: list[str]) -> None:
        """Select these runs (their curves are overlaid)."""
        chosen = QItemSelection()
        for r in range(self.proxy.rowCount()):
            if self.proxy.index(r, 0).data() in run_ids:
                chosen.select(self.proxy.index(r, 0), self.proxy.index(r, self.proxy.columnCount() - 1))
        sel = self.table.selectionModel()  # one change, one selection_changed
        sel.select(chosen, sel.SelectionFlag.ClearAndSelect | sel.SelectionFlag.Rows)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        for b in (self.resume_button, self.rerun_button, self.samples_button):
            b.setEnabled(len(chosen) == 1)
        if self.running is not None:
            self.resume_button.setEnabled(False)

    def _on_selection(self, *_: object) -> None:
        self._update_buttons()
        self.selection_changed.emit(self.selected())
        self.table.viewport().update()  # the swatches follow the colours the curves claimed

    def _emit_one(self, signal) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            signal.emit(chosen[0])

    def set_busy(self, busy: bool) -> None:
        self.resume_button.setEnabled(not busy and len(self.selected()) == 1)

    # -- notes, tags and the context menu ---------------------------------------------------------
    def _edited(self, run_id: str, column: str, text: str) -> None:
        info = self.infos.get(run_id)
        if info is None:
            return
        note = text if column == "note" else info.note
        tags = text.split(",") if column == "tags" else list(info.tags)
        try:
            write_notes(info.path, note, tags)
        except OSError as exc:
            self.notice.emit("error", f"cannot save the note of {run_id}: {exc.strerror or exc}")
        self.refresh()

    def _context_menu(self, pos) -> None:
        chosen = self.selected()
        if not chosen:
            return
        menu = QMenu(self)
        one = len(chosen) == 1
        menu.addAction("Open folder", lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(chosen[0])))
                       ).setEnabled(one)
        menu.addAction("Export as .zip…", lambda: self.export_zip(chosen[0])).setEnabled(one)
        menu.addAction("Compare settings", lambda: self.compare_settings(*chosen)).setEnabled(len(chosen) == 2)
        menu.addSeparator()
        menu.addAction("Resume", lambda: self._emit_one(self.resume_requested)).setEnabled(
            self.resume_button.isEnabled())
        menu.addAction("Run again", lambda: self._emit_one(self.rerun_requested)).setEnabled(one)
        menu.addSeparator()
        menu.addAction("Move to trash…", lambda: self.trash(chosen)).setEnabled(
            all(p.name != self.running for p in chosen))
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def compare_settings(self, a: Path, b: Path) -> SettingsDiff:
        dialog = SettingsDiff(self.infos[a.name], self.infos[b.name], self)
        dialog.open()
        return dialog

    def export_zip(self, run_dir: Path, target: Path | None = None) -> None:
        """The run folder as one .zip (checkpoints, curves, pictures, config), atomically written."""
        target = target or ask_save_path(self, "Export run", "run-export", f"{run_dir.name}.zip", "Zip (*.zip)")
        if target is None:
            return
        try:
            with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                for f in sorted(run_dir.rglob("*")):
                    if f.is_file() and f.name != "lock":
                        z.write(f, Path(run_dir.name) / f.relative_to(run_dir))
        except OSError as exc:
            self.notice.emit("error", f"cannot export {run_dir.name} to {target}: {exc.strerror or exc}")
            return
        self.notice.emit("info", f"Exported {run_dir.name} to {target}.")

    def trash(self, runs: list[Path], confirm: bool = True) -> None:
        """Move runs to the system trash (restore them from there), after asking."""
        if confirm and QMessageBox.question(
                self, "Move to trash", f"Move {len(runs)} run(s) to the system trash?\n"
                + "\n".join(p.name for p in runs[:8])) != QMessageBox.StandardButton.Yes:
            return
        from send2trash import send2trash

        failed = []
        for p in runs:
            try:
                send2trash(p)
            except OSError as exc:  # TrashPermissionError is one: no trash can take the folder
                failed.append(f"{p.name} ({exc.strerror or exc})")
        if failed:
            self.notice.emit("error", f"could not move {', '.join(failed)} to the trash; it was not deleted")
        else:
            self.notice.emit("info", f"Moved {len(runs)} run(s) to the system trash; restore them from there.")
        self.refresh()


def _shown(value: Any) -> str:
    return "" if value is None else str(value)
