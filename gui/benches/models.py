"""The Models bench: pick data and a model, train it in the background, and
watch it learn — curves, reconstructions, latent scatter, manifold — with
pause / stop early / cancel, past runs overlaid, resumed or run again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QInputDialog, QLabel, QPushButton,
                               QScrollArea, QSplitter, QVBoxLayout, QWidget)

from engine import events as ev
from engine import params as prm
from engine.data import images, mnist, toy2d
from engine.runs import RunStore, read_metrics
from engine.train.registry import EXPERIMENTS
from engine.train.sampling import sample_run
from gui.bridge import EngineBridge
from gui.widgets.bars import BarPanel
from gui.widgets.export import ask_save_path
from gui.widgets.field import FieldPanel
from gui.widgets.image_grid import ImagePanel, mosaic, side_by_side
from gui.widgets.layout import side_by_side_panes
from gui.widgets.live_plot import MetricsPanel
from gui.widgets.message_bar import MessageBar
from gui.widgets.params_form import ParamsForm
from gui.widgets.run_controls import RunControls
from gui.widgets.run_list import RunList
from gui.widgets.scatter import LabelScatter
from gui.widgets.source_picker import SourcePicker
from gui.worker import CallThread, JobThread, KeptThreads

DATA_FILTER = "Image data (*.npz *idx*ubyte* *.gz *.idx);;All files (*)"


def describe(source: str) -> str:
    """One line on what a data source holds; raises DataError when it cannot be used."""
    if source in toy2d.TOYS:
        return f"{source}: synthetic 2-D points (how many and how noisy: set in the form)"
    return images.load(source).summary()


class ModelsBench(QWidget):
    title = "Models"
    busy_changed = Signal(bool)

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.workspace = workspace
        self.bridge = EngineBridge(self)
        self.thread: JobThread | None = None
        self.loader: CallThread | None = None
        self.current_run: str | None = None
        self.form: ParamsForm | None = None
        self.data_ok = False
        self._drawn: set[str] = set()  # picture kinds the current run has drawn
        self.background = KeptThreads()  # one-off background calls

        # left column: data, model, controls, runs
        self.messages = MessageBar()
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
        for name, job in EXPERIMENTS.items():
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
        self.manifold = ImagePanel("Decoded manifold", "a 2-D latent is decoded on a 15×15 grid")
        self.bars = BarPanel("Code usage", "code usage appears after the first epoch")
        self.field = FieldPanel("Denoising field", "the learned field and the sampler appear after an epoch")
        self.panels = {"image_pairs": self.recon, "scatter": self.latent, "image_grid": self.manifold,
                       "bars": self.bars, "field": self.field}
        pictures = QSplitter(Qt.Orientation.Horizontal)
        for w in self.panels.values():
            pictures.addWidget(w)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.curves)
        right.addWidget(pictures)
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 1)
        self.splitter = side_by_side_panes(self, left_split, right, 380)
        self.splitters = {"main": self.splitter, "left": left_split, "right": right, "pictures": pictures}

        # wiring
        self.experiment.currentIndexChanged.connect(self._build_form)
        self.picker.source_changed.connect(self.preview_data)
        self.download.clicked.connect(self.download_mnist)
        self.controls.start_clicked.connect(self.start)
        self.controls.drive(lambda: self.thread)
        self.runs.selection_changed.connect(self._overlay)
        self.runs.resume_requested.connect(self.resume)
        self.runs.rerun_requested.connect(self.load_settings)
        self.runs.samples_requested.connect(self.export_samples)
        b = self.bridge
        b.started.connect(self._on_started)
        b.progress.connect(lambda e: self.controls.set_progress(e.step, e.total, e.eta, e.epoch))
        b.metrics.connect(self._on_metrics)
        b.artifact.connect(self._on_artifact)
        b.log.connect(self._on_log)
        b.finished.connect(self._on_finished)
        b.failed.connect(self._on_failed)
        self._build_form()
        self.preview_data(self.picker.source())

    # -- form ------------------------------------------------------------------
    @property
    def job(self):
        return EXPERIMENTS[self.experiment.currentData()]

    def _build_form(self) -> None:
        if self.form is not None:
            self.model_layout.removeRow(1)
        self.form = ParamsForm(self.job.params)
        self.model_layout.addRow(self.form)
        self.curves.expect_metrics(self.job.metrics)
        self.current_run = None
        for kind, panel in self.panels.items():
            panel.clear()
            panel.setVisible(kind in self.job.pictures)
        self.picker.set_builtins(list(self.job.datasets))
        self.picker.set_source(self.form.hidden.get("data", self.picker.source()))  # the job's own default
        self.runs.set_workspace(self.workspace, self.job.name, self.job.summary_metric)

    def params(self) -> Any:
        values = self.form.values()
        values["data"] = self.picker.source()
        return prm.from_dict(self.job.params, values)

    def load_settings(self, run_dir: Path) -> None:
        """Put a past run's settings back in the form ("run again")."""
        cfg = RunStore.open(run_dir).config()
        self.experiment.setCurrentIndex(max(0, self.experiment.findData(cfg.get("job"))))
        values = cfg.get("params", {})
        self.form.set_values(values)
        if "data" in values:
            self.picker.set_source(values["data"])
        self.messages.info(f"Settings of {run_dir.name} loaded; press Start to run them again.")

    def export_samples(self, run_dir: Path) -> None:
        """Ask how many and where, then draw them in the background."""
        n, ok = QInputDialog.getInt(self, "Export samples", "How many samples?", 64, 1, 1_000_000)
        if not ok:
            return
        path = ask_save_path(self, "Export samples", "samples", f"{run_dir.name}-samples.npy",
                             "NumPy array (*.npy)")
        if path is None:
            return

        def draw(report):
            samples = sample_run(run_dir, n)
            np.save(path, samples)
            return f"{len(samples)} samples of shape {tuple(samples.shape[1:])} saved to {path}"

        thread = CallThread(draw)
        thread.done.connect(self.messages.info)
        thread.failed.connect(self.messages.error)
        self.background.start(thread)

    # -- data ------------------------------------------------------------------
    def preview_data(self, source: str) -> None:
        """Load the source in the background to check it and show what it holds."""
        self.data_summary.setText("reading…")
        self.data_ok = False
        thread = CallThread(lambda report: (source, describe(source)))
        thread.done.connect(self._preview_done)
        thread.failed.connect(lambda message, details: source == self.picker.source()
                              and self._preview_failed(message, details))
        self.background.start(thread)

    def _preview_done(self, result: tuple[str, str]) -> None:
        source, summary = result
        if source != self.picker.source():
            return  # an earlier choice finished late
        self.data_ok = True
        self.data_summary.setText(summary)
        if self.messages.level == "error":
            self.messages.clear()

    def _preview_failed(self, message: str, details: str) -> None:
        self.data_summary.setText("—")
        self.messages.error(message, details)

    def download_mnist(self) -> None:
        self.download.setEnabled(False)
        self.download.setText("Downloading…")

        def fetch(report):
            return mnist.download(progress=lambda name, done, total: report(name, done / total if total else 0))

        thread = CallThread(fetch)
        thread.progressed.connect(lambda name, f: self.data_summary.setText(f"downloading {name}: {f:.0%}"))
        thread.done.connect(lambda _: (self.picker.set_source("mnist"), self.preview_data("mnist")))
        thread.failed.connect(self._preview_failed)
        thread.finished.connect(lambda: (self.download.setEnabled(True), self.download.setText("Download MNIST")))
        self.background.start(thread)

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
    @property
    def busy(self) -> bool:
        return self.thread is not None

    def start(self) -> None:
        try:
            p = self.params()
        except prm.ParamError as exc:
            self.messages.error(str(exc))
            return
        self._launch(JobThread(self.job, p, self.workspace, self.bridge.sink))

    def resume(self, run_dir: Path) -> None:
        if self.busy:
            return
        try:
            cfg = RunStore.open(run_dir).config()
            job = EXPERIMENTS[cfg["job"]]
            p = prm.from_dict(job.params, cfg["params"])
        except (OSError, KeyError, ValueError) as exc:
            self.messages.error(f"cannot resume {run_dir.name}: {exc}")
            return
        self.load_settings(run_dir)
        self.curves.remove_run(run_dir.name)
        self.curves.add_frame(run_dir.name, read_metrics(run_dir))
        self._launch(JobThread(job, p, self.workspace, self.bridge.sink, resume_dir=run_dir))

    def _launch(self, thread: JobThread) -> None:
        self.messages.clear()
        overlaid = {p.name for p in self.runs.selected()}
        if self.current_run and self.current_run not in overlaid:
            self.curves.remove_run(self.current_run)
        self._drawn.clear()
        for kind, panel in self.panels.items():
            panel.clear()
            panel.setVisible(kind in self.job.pictures)  # no re-layout mid-run: it stalls the window
        self.bridge.expect_new_run()
        self.thread = thread
        thread.crashed.connect(self._on_crashed)
        thread.finished.connect(self._on_thread_end)
        self.controls.set_running()
        self.controls.bar.setValue(0)
        self.controls.bar.setFormat("starting…")
        self.runs.set_busy(True)
        self.busy_changed.emit(True)
        thread.start()

    def _on_thread_end(self) -> None:
        self.bridge.drain()  # deliver the terminal event before letting go
        self.curves.redraw()  # every plot complete, not just the ones whose turn it was
        for kind in set(self.panels) - self._drawn:
            self.panels[kind].hide()  # this job drew nothing there (a GAN on points draws no images)
        self.thread = None
        self.controls.set_idle()
        self.runs.set_busy(False)
        self.runs.refresh()
        self.busy_changed.emit(False)

    def shutdown(self, wait_ms: int = 10000) -> None:
        """Cancel a running job and wait for it (closing the window)."""
        self.background.shutdown(wait_ms, self.thread)

    # -- events ------------------------------------------------------------------
    def _on_started(self, e: ev.Started) -> None:
        self.current_run = e.run_id
        self.controls.bar.setValue(0)

    def _on_metrics(self, batch: list) -> None:
        for m in batch:
            self.curves.add_point(m.run_id, m.phase, m.step, dict(m.values))

    def _on_artifact(self, a: ev.Artifact) -> None:
        p = a.payload
        self._drawn.add(a.kind)
        if a.kind == "image_pairs":
            title = str(p.get("title", "Originals | reconstructions"))
            self.recon.show_array(side_by_side(mosaic(p["originals"]), mosaic(p["reconstructions"])),
                                  f"{title} (step {a.step:,})")
        elif a.kind == "scatter":
            axes = tuple(str(s) for s in p.get("axes", ("", "")))
            names = [str(n) for n in p["names"]] if "names" in p else None
            title = str(p.get("title", "Latent space (validation)"))
            self.latent.set_points(p["points"], p["labels"], axes, names, title)
        elif a.kind == "image_grid":
            title = str(p.get("title", "Decoded manifold"))
            if "colormap" in p:  # values, not grey pixels: transparent gaps between tiles
                lo, hi = (float(v) for v in p["levels"])
                self.manifold.show_array(mosaic(p["images"], gap=np.nan), f"{title} (step {a.step:,})", (lo, hi),
                                         str(p["colormap"]))
            else:
                self.manifold.show_array(mosaic(p["images"]), f"{title} (step {a.step:,})")
        elif a.kind == "bars":
            self.bars.set_counts(p["counts"], f"{p.get('title', 'Counts')} (step {a.step:,})", str(p.get("xlabel", "")))
        elif a.kind == "field":
            self.field.set_field(p, f"{p.get('title', 'Field')} (step {a.step:,})")

    def _on_log(self, e: ev.Log) -> None:
        if e.level in ("warning", "error"):
            self.messages.warning(e.message)
        else:
            self.data_summary.setToolTip(e.message)

    def _on_finished(self, e: ev.Finished) -> None:
        text = {"completed": "Run completed", "stopped": "Stopped early; the model was saved",
                "cancelled": "Cancelled; the last saved checkpoint is kept"}[e.status]
        if self.messages.level != "warning":
            self.messages.info(f"{text} ({e.run_id}).")

    def _on_failed(self, e: ev.Failed) -> None:
        self.messages.error(f"Run failed: {e.message}", e.traceback)

    def _on_crashed(self, message: str, details: str) -> None:
        self.messages.error(message, details)

    def _overlay(self, paths: list) -> None:
        wanted = {p.name: p for p in paths}
        for run in self.curves.runs():
            if run not in wanted and run != self.current_run:
                self.curves.remove_run(run)
        for name, path in wanted.items():
            if name not in self.curves.runs():
                self.curves.add_frame(name, read_metrics(path))
