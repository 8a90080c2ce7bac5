"""The Models bench: pick data and a model, train it in the background, and
watch it learn — curves, reconstructions, latent scatter, manifold — with
pause / stop early / cancel, past runs overlaid, resumed or run again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine import events as ev
from engine import params as prm
from engine import registry
from engine.data import images, mnist, toy2d
from engine.data.tasks import DownloadParams, download_mnist
from engine.runs import compared_as, read_metrics
from engine.train.sampling import sample_run, write_samples
from gui import process_runner
from gui.benches.base import Bench
from gui.widgets.bars import BarPanel
from gui.widgets.bn_views import BandsPanel, SweepPanel
from gui.widgets.compare import CompareBox
from gui.widgets.export import ask_save_path
from gui.widgets.field import FieldPanel
from gui.widgets.image_grid import ImagePanel, mosaic, side_by_side
from gui.widgets.job_driver import JobDriver
from gui.widgets.layout import side_by_side_panes
from gui.widgets.live_plot import MetricsPanel
from gui.widgets.params_form import ParamsForm
from gui.widgets.run_controls import RunControls
from gui.widgets.run_list import RunList
from gui.widgets.scatter import LabelScatter
from gui.widgets.source_picker import SourcePicker

DATA_FILTER = "Image data (*.npz *idx*ubyte* *.gz *.idx);;All files (*)"


def describe(source: str) -> str:
    """One line on what a data source holds; raises DataError when it cannot be used."""
    if source in toy2d.TOYS:
        return f"{source}: synthetic 2-D points (how many and how noisy: set in the form)"
    return images.load(source).summary()


class ModelsBench(Bench):
    title = "Models"
    start_here = ('Pick an experiment and press Start: its built-in data needs nothing (the VAE on digits takes '
                  'about 20 s on a CPU); select past runs below to overlay their curves and see their pictures.')
    busy_changed = Signal(bool)

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent)
        self.setAcceptDrops(True)
        self.experiments = registry.training_jobs("models")
        self.form: ParamsForm | None = None
        self.data_ok = False
        self.preview_runner = self.runner(self._preview_done, latest_wins=True)
        self.preview_runner.failed.disconnect(self.messages.error)
        self.preview_runner.failed.connect(self._preview_failed)
        self.download_runner = self.runner(lambda _: (self.picker.set_source("mnist"), self.preview_data("mnist")))
        self.download_runner.progressed.connect(lambda done, total, text: self.data_summary.setText(
            f"downloading {text}" + (f" ({done / total:.0%})" if total else "")))
        self.download_runner.busy_changed.connect(self._downloading)
        self.samples_runner = self.runner(self.messages.info)

        # left column: data, model, controls, runs
        self.picker = SourcePicker(list(images.BUILTIN), DATA_FILTER, "models-data")
        self.download = QPushButton("Download MNIST")
        self.download.setToolTip(f"Fetch the four MNIST files into {mnist.cache_dir()}")
        self.data_summary = QLabel("")
        self.data_summary.setWordWrap(True)
        data_box = QGroupBox("Data")
        dl = QVBoxLayout(data_box)
        dl.addWidget(self.picker)
        dl.addWidget(self.data_summary)
        dl.addWidget(self.download)
        self.experiment = QComboBox()
        self.experiment.setObjectName("experiment")
        for name, job in self.experiments.items():
            self.experiment.addItem(job.title, name)
        self.model_box = QGroupBox("Model and training")
        self.model_layout = QFormLayout(self.model_box)
        self.model_layout.addRow("Experiment", self.experiment)
        self.controls = RunControls()
        self.runs = RunList()
        form_area = QWidget()
        fl = QVBoxLayout(form_area)
        fl.setContentsMargins(0, 0, 0, 0)
        fl.addWidget(data_box)
        fl.addWidget(self.model_box)
        fl.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(form_area)
        setup = QWidget()
        sl = QVBoxLayout(setup)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.messages)
        sl.addWidget(scroll, 1)
        sl.addWidget(self.controls)  # always in view, whatever the form's length
        left_split = QSplitter(Qt.Orientation.Vertical)
        left_split.addWidget(setup)
        runs_box = QGroupBox("Runs")
        QVBoxLayout(runs_box).addWidget(self.runs)
        left_split.addWidget(runs_box)
        left_split.setStretchFactor(0, 3)
        left_split.setStretchFactor(1, 2)

        # right: curves above, pictures below
        self.curves = MetricsPanel()
        self.recon = ImagePanel("Originals | reconstructions", "reconstructions appear after the first epoch")
        self.latent = LabelScatter("Latent space (validation)")
        self.manifold = ImagePanel("Decoded manifold", "pictures appear after the first epoch")
        self.bars = BarPanel("Code usage", "the bars appear after the first epoch")
        self.field = FieldPanel("Denoising field", "the learned field and the sampler appear after an epoch")
        self.bands, self.sweep = BandsPanel(), SweepPanel()
        self.panels = {"image_pairs": self.recon, "scatter": self.latent, "image_grid": self.manifold,
                       "bars": self.bars, "field": self.field, "bands": self.bands, "sweep": self.sweep}
        pictures = QSplitter(Qt.Orientation.Horizontal)
        for w in self.panels.values():
            pictures.addWidget(w)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.curves)
        self.pictures_box = QWidget()  # the pictures, and the step slider of a past run's pictures
        QVBoxLayout(self.pictures_box).setContentsMargins(0, 0, 0, 0)
        self.pictures_box.layout().addWidget(pictures, 1)
        right.addWidget(self.pictures_box)
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 1)
        self.splitter = side_by_side_panes(self, left_split, right, 380)
        self.splitters = {"main": self.splitter, "left": left_split, "right": right, "pictures": pictures}

        # wiring
        self.experiment.currentIndexChanged.connect(self._build_form)
        self.picker.source_changed.connect(self.preview_data)
        self.download.clicked.connect(
            lambda: self.download_runner.cancel() if self.download_runner.busy else self.download_mnist())
        self.controls.start_clicked.connect(self.start)
        self.runs.selection_changed.connect(self._overlay)
        self.runs.resume_requested.connect(self.resume)
        self.runs.rerun_requested.connect(self.load_settings)
        self.runs.samples_requested.connect(self.export_samples)
        self.driver = JobDriver(self, self.controls, self.curves, self.messages, {
            "image_pairs": self._show_pairs, "scatter": self._show_scatter, "image_grid": self._show_grid,
            "bars": self._show_bars, "field": lambda a: self.field.set_field(
                a.payload, f"{a.payload.get('title', 'Field')} (step {a.step:,})"),
            "bands": lambda a: self.bands.set_payload(a.payload, a.step), "sweep": lambda a: self.sweep.set_payload(
                a.payload)})
        self.driver.ended.connect(self._on_thread_end)
        self.add_job(self.driver, self.runs)
        self.pictures_box.layout().insertWidget(0, self.driver.steps)
        self.driver.pictures_changed.connect(self._panels_for_shown_run)
        self.compare = CompareBox(self.driver, self.runs, self.controls, self.messages,
                                  lambda: (self.job, self.params()), self._launch)
        runs_box.layout().insertWidget(0, self.compare)
        self._build_form()
        self.preview_data(self.picker.source())

    # -- form ------------------------------------------------------------------
    @property
    def job(self):
        return self.experiments[self.experiment.currentData()]

    def _build_form(self) -> None:
        if self.form is not None:
            self.model_layout.removeRow(1)
        self.form = ParamsForm(self.job.params)
        self.keep_form(self.job.name, self.form)  # values survive switching experiment and restarting
        self.model_layout.addRow(self.form)
        self.curves.expect_metrics(self.job.metrics)
        self.driver.current_run = None
        self.driver.forget_live()
        self.compare.clear()
        if self.messages.level == "info" and not self.busy:
            self.messages.clear()  # "Run completed (…gan…)" does not belong to the next experiment
        for kind, panel in self.panels.items():
            panel.default_title = self.job.pictures.get(kind, getattr(panel, "default_title", ""))
            panel.clear()  # empty, under this experiment's title for it
        self._show_panels(set(self.job.pictures))
        self.picker.set_builtins(list(self.job.datasets))
        self.picker.set_source(self.form.hidden.get("data", self.picker.source()))  # the job's own default
        self.runs.set_workspace(self.workspace, self.job.name, self.job.summary_metric)

    def params(self) -> Any:
        values = self.form.values()
        values["data"] = self.picker.source()
        return prm.from_dict(self.job.params, values)

    def load_settings(self, run_dir: Path) -> None:
        """Put a past run's settings back in the form ("run again")."""
        found = self.driver.settings_of(run_dir)
        if found is None:
            return
        name, values = found
        self.experiment.setCurrentIndex(max(0, self.experiment.findData(name)))
        self.form.set_values(values)
        if "data" in values:
            self.picker.set_source(values["data"])
        self.messages.info(f"Settings of {run_dir.name} loaded; press Start to run them again.")

    def export_samples(self, run_dir: Path) -> None:
        """Ask how many and where, then draw them in the background."""
        n, ok = QInputDialog.getInt(self, "Export samples", "How many samples?", 64, 1, 1_000_000)
        if not ok:
            return
        path = ask_save_path(self, "Export samples", "samples", f"{run_dir.name}-samples.png",
                             "PNG grid of images (*.png);;NumPy array (*.npy);;CSV of 2-D points (*.csv)")
        if path is not None:
            self.submit(self.samples_runner, lambda ctx: "Saved " + write_samples(sample_run(run_dir, n), path))

    # -- data ------------------------------------------------------------------
    def preview_data(self, source: str) -> None:
        """Load the source in the background to check it and show what it holds (the newest choice wins)."""
        self.data_summary.setText("reading…")
        self.data_ok = False
        self.preview_runner.submit(lambda ctx: (source, describe(source)))

    def _preview_done(self, result: tuple[str, str]) -> None:
        source, summary = result
        if source != self.picker.source():
            return  # an earlier choice finished late
        self.data_ok = True
        self.data_summary.setText(summary)
        process_runner.prefetch("engine.data.images:load", source)  # the job's worker reads it ahead of Start
        if self.messages.level == "error":
            self.messages.clear()

    def _preview_failed(self, message: str, details: str) -> None:
        self.data_summary.setText("—")
        self.messages.error(message, details)

    def download_mnist(self) -> None:
        self.submit(self.download_runner, lambda ctx: download_mnist(DownloadParams(), ctx))

    def _downloading(self, busy: bool) -> None:
        self.download.setText("Cancel download" if busy else "Download MNIST")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.picker.set_source(urls[0])
            event.acceptProposedAction()

    def set_workspace(self, workspace: Path) -> None:
        self.workspace = workspace
        self.runs.set_workspace(workspace, self.job.name, self.job.summary_metric)

    # -- running ---------------------------------------------------------------
    def start(self) -> None:
        try:
            p = self.params()
        except prm.ParamError as exc:
            self.messages.error(str(exc))
            return
        self._launch(self.job, p)

    def resume(self, run_dir: Path) -> None:
        found = self.driver.prepare_resume(run_dir)
        if found is not None:
            self.load_settings(run_dir)
            self._launch(*found, run_dir)

    def _launch(self, job, p, resume_dir: Path | None = None) -> None:
        overlaid = {p.name for p in self.runs.selected()}
        current = self.driver.current_run
        if current and current not in overlaid:
            self.curves.remove_run(current)
        for panel in self.panels.values():
            panel.clear()
        self._show_panels(set(job.pictures))  # no re-layout mid-run: it stalls the window
        self.runs.set_busy(True)
        self.busy_changed.emit(True)
        self.driver.start(job, p, self.workspace, resume_dir)

    def _panels_for_shown_run(self) -> None:
        """A past run's pictures: the panels it drew; the live run's: what it drew, or may draw while
        busy — or, before any run of this experiment, its panels waiting with their hints."""
        live = self.driver.shown is None and (self.driver.busy or not self.driver.drawn)
        self._show_panels(self.driver.drawn | (set(self.job.pictures) if live else set()))

    def _show_panels(self, kinds: set[str]) -> None:
        """Show these panels, sharing the width as their size hints ask (equally, but the BN lab's four
        plots twice its sweep's one; a panel squeezed to a sliver cuts its title)."""
        pictures = self.splitters["pictures"]
        if {k for k, panel in self.panels.items() if not panel.isHidden()} == kinds:
            return
        for kind, panel in self.panels.items():
            panel.setVisible(kind in kinds)
        pictures.setSizes([panel.sizeHint().width() if kind in kinds else 0 for kind, panel in self.panels.items()])
        pictures.updateGeometry()  # its box caches the size of the panels it had

    def _on_thread_end(self) -> None:
        self._show_panels(set(self.driver.drawn))  # what this job drew (a GAN on points draws no images)
        self.runs.set_busy(False)
        self.runs.refresh()
        self.busy_changed.emit(False)

    # -- pictures ------------------------------------------------------------------
    def _show_pairs(self, a: ev.Artifact) -> None:
        p = a.payload
        title = str(p.get("title", "Originals | reconstructions"))
        self.recon.show_array(side_by_side(mosaic(p["originals"]), mosaic(p["reconstructions"])),
                              f"{title} (step {a.step:,})")

    def _show_scatter(self, a: ev.Artifact) -> None:
        p = a.payload
        axes = tuple(str(s) for s in p.get("axes", ("", "")))
        names = [str(n) for n in p["names"]] if "names" in p else None
        self.latent.set_points(p["points"], p["labels"], axes, names, str(p.get("title", "Latent space (validation)")),
                               images=p.get("images"))

    def _show_grid(self, a: ev.Artifact) -> None:
        p = a.payload
        title = f"{p.get('title', 'Decoded manifold')} (step {a.step:,})"
        if "colormap" in p:  # values, not grey pixels: transparent gaps between tiles
            lo, hi = (float(v) for v in p["levels"])
            self.manifold.show_array(mosaic(p["images"], gap=np.nan), title, (lo, hi), str(p["colormap"]))
        else:
            self.manifold.show_array(mosaic(p["images"]), title)

    def _show_bars(self, a: ev.Artifact) -> None:
        p = a.payload
        self.bars.set_counts(p["counts"], f"{p.get('title', 'Counts')} (step {a.step:,})", str(p.get("xlabel", "")))

    def _overlay(self, paths: list) -> None:
        wanted = {p.name: p for p in paths}
        for run in self.curves.runs():
            if run not in wanted and run != self.driver.current_run:
                self.curves.remove_run(run)
        for name, path in wanted.items():
            if name not in self.curves.runs():
                self.curves.name_run(name, compared_as(path))
                self.curves.add_frame(name, read_metrics(path))
