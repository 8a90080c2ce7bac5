"""The Spectra bench: load survey spectra (or the synthetic demo set), browse
them with lines and a redshift, compare class means, and train, watch and use
the Conv1D classifier of kexue.fm/archives/5505."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSlider,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import events as ev
from engine import params as prm
from engine.spectra import formats, preprocess, synthetic
from engine.spectra import tasks as spectra_tasks
from engine.spectra import training as job
from gui.benches.base import Bench
from gui.widgets.bars import BarPanel
from gui.widgets.export import ask_save_path
from gui.widgets.job_driver import JobDriver
from gui.widgets.layout import side_by_side_panes
from gui.widgets.live_plot import MetricsPanel
from gui.widgets.params_form import ParamsForm
from gui.widgets.run_controls import RunControls
from gui.widgets.run_list import RunList
from gui.widgets.source_picker import SourcePicker
from gui.widgets.spectrum_view import ClassMeans, ConfusionView, SpectrumView
from gui.widgets.table import PandasModel, sortable_proxy
from gui.widgets.task_bar import TaskBar

FILTER = "Spectra (*.fits *.fit *.fits.gz *.csv *.txt *.npz);;All files (*)"
Z_STEPS = 1000  # slider steps per unit of redshift


def table_of(spectra: list[formats.Spectrum]) -> pd.DataFrame:
    return pd.DataFrame({"id": [s.id for s in spectra], "class": [s.label or "—" for s in spectra],
                         "points": [len(s.flux) for s in spectra],
                         "from Å": [round(float(s.wavelength[0]), 1) for s in spectra],
                         "to Å": [round(float(s.wavelength[-1]), 1) for s in spectra]})


class SpectraBench(Bench):
    title = "Spectra"
    start_here = ('The synthetic demo set is ready: press Load to browse it (or Open… a folder of FITS files or a '
                  'contest index CSV), then train the classifier on the Train tab.')

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent)
        self.spectra: list[formats.Spectrum] = []
        self.by_id: dict[str, int] = {}
        self.synthetic = False
        self.skipped: list = []
        self.current_run: Path | None = None

        # -- left: data, preprocessing, the list --------------------------------
        self.picker = SourcePicker(["synthetic"], FILTER, "spectra-data")
        self.load_runner = self.runner()
        self.load_task = TaskBar("Load", self.load_runner)
        self.load_runner.done.connect(self._loaded)
        self.load_runner.cancelled.connect(lambda: self.messages.info("Loading cancelled; the list is unchanged."))
        self.predict_runner = self.runner(self.messages.info)
        self.summary = QLabel("Pick the synthetic demo set, a folder, a contest index CSV or a file, then Load.")
        self.summary.setWordWrap(True)
        self.report_button = QPushButton("Skipped files…")
        self.report_button.setVisible(False)
        data_box = QGroupBox("Data")
        dl = QVBoxLayout(data_box)
        dl.addWidget(self.picker)
        dl.addWidget(self.load_task)
        dl.addWidget(self.summary)
        dl.addWidget(self.report_button)
        self.mask = QCheckBox("Mask bad pixels (ivar = 0, NaN)")
        self.mask.setChecked(True)
        self.continuum = QCheckBox("Remove continuum")
        pre_box = QGroupBox("Preprocessing (shown below the spectrum; used for training)")
        pl = QVBoxLayout(pre_box)
        pl.addWidget(self.mask)
        pl.addWidget(self.continuum)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("filter by id or class…")
        self.model = PandasModel()
        self.proxy = sortable_proxy(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setToolTip("↑/↓ step through the spectra")
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.messages)
        ll.addWidget(data_box)
        ll.addWidget(pre_box)
        ll.addWidget(self.filter)
        ll.addWidget(self.table, 1)

        # -- browse tab ------------------------------------------------------------
        self.raw = SpectrumView("Spectrum", "Load a set of spectra (left), then pick one from the list")
        self.prepared = SpectrumView("Preprocessed (contest grid, standardised)",
                                     "the spectrum as the classifier sees it appears here", label_rows=2)
        self.prepared.plot.setLabel("left", "standardised flux")
        self.z_slider = QSlider(Qt.Orientation.Horizontal)
        self.z_slider.setRange(0, 5 * Z_STEPS)
        self.z_box = QDoubleSpinBox()
        self.z_box.setRange(0.0, 5.0)
        self.z_box.setDecimals(3)
        self.z_box.setSingleStep(0.001)
        self.lines = QCheckBox("Lines")
        self.lines.setChecked(True)
        zrow = QHBoxLayout()
        zrow.addWidget(self.lines)
        zrow.addWidget(QLabel("redshift z"))
        zrow.addWidget(self.z_slider, 1)
        zrow.addWidget(self.z_box)
        browse = QWidget()
        bl = QVBoxLayout(browse)
        bl.addLayout(zrow)
        views = QSplitter(Qt.Orientation.Vertical)
        views.addWidget(self.raw)
        views.addWidget(self.prepared)
        views.setStretchFactor(0, 3)
        views.setStretchFactor(1, 2)
        bl.addWidget(views, 1)
        self.means = ClassMeans()

        # -- train tab ---------------------------------------------------------------
        self.form = ParamsForm(job.SpectraParams)
        self.keep_form("train", self.form)
        self.controls = RunControls()
        self.predict_button = QPushButton("Predict a folder…")
        self.predict_button.setEnabled(False)
        self.predict_button.setToolTip("Classify spectra with the last trained run and save a CSV")
        form_scroll = QScrollArea()
        form_scroll.setWidgetResizable(True)
        form_scroll.setWidget(self.form)
        setup = QWidget()
        sl = QVBoxLayout(setup)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(form_scroll, 1)
        sl.addWidget(self.controls)
        sl.addWidget(self.predict_button)
        self.runs = RunList()
        self.runs.samples_button.setVisible(False)  # a classifier has nothing to sample
        self.runs.table.setToolTip("Select a run to predict with it; Resume continues it from its last checkpoint")
        sl.addWidget(self.runs, 1)
        self.curves = MetricsPanel()
        self.curves.expect_metrics(job.JOB.metrics)
        self.confusion = ConfusionView("the validation set's confusion matrix appears after the first epoch")
        self.f1 = BarPanel("F1 per class", "per-class F1 appears after the first epoch", horizontal=True)
        self.misses = PandasModel()
        self.miss_table = QTableView()
        self.miss_table.setModel(self.misses)
        self.miss_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.miss_table.verticalHeader().setVisible(False)
        self.miss_table.setToolTip("Click a row to see the spectrum")
        results = QSplitter(Qt.Orientation.Horizontal)  # the matrix and the scores side by side, each wide
        for w in (self.confusion, self.f1):  # enough for its title and every class at 1400×880
            results.addWidget(w)
        results.setStretchFactor(0, 3)  # the matrix needs a column per class; the lying bars less
        results.setStretchFactor(1, 2)
        self.results = QTabWidget()
        self.results.addTab(results, "Confusion and F1")
        self.results.addTab(self.miss_table, "Misclassified (validation)")
        watch = QSplitter(Qt.Orientation.Vertical)
        watch.addWidget(self.curves)
        self.results_box = QWidget()  # the pictures, and the step slider of a past run's pictures
        QVBoxLayout(self.results_box).setContentsMargins(0, 0, 0, 0)
        self.results_box.layout().addWidget(self.results, 1)
        watch.addWidget(self.results_box)
        train = QSplitter(Qt.Orientation.Horizontal)
        train.addWidget(setup)
        train.addWidget(watch)
        train.setStretchFactor(1, 1)
        train.setSizes([330, 900])

        self.tabs = QTabWidget()
        self.tabs.addTab(browse, "Browse")
        self.tabs.addTab(self.means, "Class means")
        self.tabs.addTab(train, "Train")
        self.splitter = side_by_side_panes(self, left, self.tabs, 360)
        self.splitters = {"main": self.splitter, "views": views, "train": train, "watch": watch,
                          "results": results}

        # -- wiring ---------------------------------------------------------------------
        self.load_task.button.clicked.connect(self.load)
        self.report_button.clicked.connect(self._show_report)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _: self._show_row(cur.row()))
        self.z_slider.valueChanged.connect(lambda v: self.z_box.setValue(v / Z_STEPS))
        self.z_box.valueChanged.connect(self._set_z)
        self.lines.toggled.connect(self.raw.set_lines_visible)
        self.lines.toggled.connect(self.prepared.set_lines_visible)
        self.mask.toggled.connect(self._preprocessing_changed)
        self.continuum.toggled.connect(self._preprocessing_changed)
        self.miss_table.clicked.connect(self._show_miss)
        self.controls.start_clicked.connect(self.start)
        self.predict_button.clicked.connect(self.predict_folder)
        self.driver = JobDriver(self, self.controls, self.curves, self.messages, {
            "confusion": self._show_confusion, "bars": self._show_f1, "misclassified": self._show_misses})
        self.driver.started.connect(self._started)
        self.driver.ended.connect(self._ended)
        self.add_job(self.driver, self.runs)
        self.results_box.layout().insertWidget(0, self.driver.steps)
        self.runs.set_workspace(self.workspace, job.JOB.name, job.JOB.summary_metric)
        self.runs.selection_changed.connect(self._run_selected)
        self.runs.resume_requested.connect(self.resume)
        self.runs.rerun_requested.connect(self.load_settings)

    # -- loading -----------------------------------------------------------------------
    def preprocessing(self) -> preprocess.Preprocessing:
        return preprocess.Preprocessing(mask_bad=self.mask.isChecked(), continuum=self.continuum.isChecked())

    def load(self) -> None:
        source = self.picker.source()
        try:
            p = self.form.params()
        except prm.ParamError as exc:
            self.messages.error(str(exc))
            return
        pre = self.preprocessing()

        def work(ctx):
            if source == "synthetic":
                loaded = formats.LoadReport(synthetic.generate(job.demo_spec(p)))
            else:
                loaded = formats.load_any(source, ctx)
            labelled = [s for s in loaded.spectra if s.label]
            x, kept, _ = preprocess.matrix(labelled, None, pre)
            return source, loaded, labelled, x, kept

        self.submit(self.load_runner, work)

    def _loaded(self, result: tuple) -> None:
        source, report, labelled, x, kept = result
        self.spectra = report.spectra
        self.by_id = {s.id: i for i, s in enumerate(self.spectra)}
        self.synthetic = source == "synthetic"
        self.skipped = report.skipped
        self.model.set_frame(table_of(self.spectra))
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.resizeColumnsToContents()
        what = "SYNTHETIC demo set — generated, not observed: " if self.synthetic else ""
        self.summary.setText(what + report.summary())
        self.report_button.setVisible(bool(report.skipped))
        self.z_box.setValue(0.0)  # a new set: no redshift carried over from the last spectrum
        classes = job.class_order(s.label for s in labelled)
        if len(x) and classes:
            y = np.array([classes.index(labelled[i].label) for i in kept])
            self.means.set_data(formats.contest_grid(), x, y, classes)
        else:
            self.means.clear()
        if self.spectra:
            self.table.selectRow(0)
        else:
            self.raw.clear()
            self.prepared.clear()
        if report.skipped:
            self.messages.warning(f"{len(report.skipped)} file(s) could not be read and were skipped; "
                                  f"the rest loaded (Skipped files… lists them).")

    def skipped_report(self) -> str:
        """One line per skipped file: its name, then why."""
        return "\n".join(f"{name}: {why}" for name, why in self.skipped)

    def _show_report(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Skipped files",
                          f"{len(self.skipped)} file(s) were skipped; the rest loaded.", parent=self)
        box.setDetailedText(self.skipped_report())
        box.exec()

    # -- browsing ------------------------------------------------------------------------
    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        ident = str(self.proxy.data(self.proxy.index(row, 0)))
        if ident in self.by_id:
            self.show_spectrum(self.spectra[self.by_id[ident]])

    def show_spectrum(self, s: formats.Spectrum) -> None:
        tag = " (synthetic)" if self.synthetic else ""
        self.raw.show_spectrum(s.wavelength, s.flux, f"{s.id} — {s.label or 'unlabelled'}{tag}")
        try:
            grid = formats.contest_grid()
            self.prepared.show_spectrum(grid, preprocess.prepare(s, grid, self.preprocessing()),
                                        covered=preprocess.covered(s, grid))
        except formats.SpectrumError as exc:
            self.prepared.clear()
            self.messages.warning(str(exc))

    def _set_z(self, z: float) -> None:
        self.z_slider.blockSignals(True)
        self.z_slider.setValue(int(round(z * Z_STEPS)))
        self.z_slider.blockSignals(False)
        self.raw.set_redshift(z)
        self.prepared.set_redshift(z)

    def _preprocessing_changed(self) -> None:
        values = self.form.values()
        values.update(mask_bad=self.mask.isChecked(), continuum=self.continuum.isChecked())
        self.form.set_values(values)
        self._show_row(self.table.currentIndex().row())

    # -- training ------------------------------------------------------------------------
    def params(self) -> job.SpectraParams:
        values = self.form.values()
        values.update(data=self.picker.source(), mask_bad=self.mask.isChecked(), continuum=self.continuum.isChecked())
        return prm.from_dict(job.SpectraParams, values)

    def start(self) -> None:
        try:
            p = self.params()
        except prm.ParamError as exc:
            self.messages.error(str(exc))
            return
        for run in list(self.curves.runs()):
            self.curves.remove_run(run)
        self.confusion.clear()
        self.f1.clear()
        self.misses.set_frame(pd.DataFrame())
        self.results.setTabText(1, "Misclassified (validation)")
        self.tabs.setCurrentIndex(2)
        self.driver.start(job.JOB, p, self.workspace)

    def resume(self, run_dir: Path) -> None:
        for run in list(self.curves.runs()):
            if run != run_dir.name:
                self.curves.remove_run(run)
        found = self.driver.prepare_resume(run_dir)
        if found is not None:
            self.load_settings(run_dir)
            self.runs.set_busy(True)
            self.tabs.setCurrentIndex(2)
            self.driver.start(*found, self.workspace, run_dir)

    def load_settings(self, run_dir: Path) -> None:
        """Put a past run's settings back in the form ("run again")."""
        found = self.driver.settings_of(run_dir)
        if found is None:
            return
        values = found[1]
        self.form.set_values(values)
        self.picker.set_source(values["data"])
        self.mask.setChecked(values["mask_bad"])
        self.continuum.setChecked(values["continuum"])

    def _run_selected(self, paths: list) -> None:
        if len(paths) == 1 and not self.busy:
            self.current_run = paths[0]
            self.predict_button.setEnabled(True)
            self.predict_button.setToolTip(f"Classify spectra with {paths[0].name} and save a CSV")

    def _started(self, e: ev.Started) -> None:
        self.current_run = Path(e.run_dir)

    def _ended(self) -> None:
        self.predict_button.setEnabled(self.current_run is not None)
        self.runs.set_busy(False)
        self.runs.refresh()

    def set_workspace(self, workspace: Path) -> None:
        super().set_workspace(workspace)
        self.runs.set_workspace(workspace, job.JOB.name, job.JOB.summary_metric)

    def _show_confusion(self, a: ev.Artifact) -> None:
        p = a.payload
        self.confusion.set_matrix(p["matrix"], [str(c) for c in p["classes"]], f"Confusion (step {a.step:,})")

    def _show_f1(self, a: ev.Artifact) -> None:
        p = a.payload
        self.f1.set_counts(p["counts"], "F1 per class", names=[str(c) for c in p["names"]],
                           value_label=f"F1 (macro {float(np.mean(p['counts'])):.3f})")

    def _show_misses(self, a: ev.Artifact) -> None:
        p = a.payload
        self.misses.set_frame(pd.DataFrame({"id": p["ids"], "true": p["truth"], "predicted": p["predicted"],
                                            "confidence": np.round(p["confidence"], 3)}))
        self.miss_table.resizeColumnsToContents()
        self.results.setTabText(1, f"Misclassified (validation, step {a.step:,}): {len(p['ids'])}")

    def _show_miss(self, index) -> None:
        ident = str(self.misses.frame.iat[index.row(), 0])
        if ident in self.by_id:
            self.show_spectrum(self.spectra[self.by_id[ident]])
            self.tabs.setCurrentIndex(0)
        else:
            self.messages.info(f"{ident} is not in the loaded set; Load the training data to see it.")

    def predict_folder(self) -> None:
        if self.current_run is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Folder of spectra to classify")
        if not folder:
            return
        out = ask_save_path(self, "Save predictions", "predictions", "predictions.csv", "CSV (*.csv)")
        if out is None:
            return
        params = spectra_tasks.PredictParams(str(self.current_run), folder)

        def work(ctx):
            result = spectra_tasks.predict(params, ctx)
            spectra_tasks.write_predictions(result, out)
            return spectra_tasks.PREDICT.summary(result) + f" → {out}"

        self.submit(self.predict_runner, work)
