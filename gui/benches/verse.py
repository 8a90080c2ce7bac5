"""The Verse bench: read a poem collection into five-character couplets, train the
CNN + VAE poet of kexue.fm/archives/5332 and watch its couplets take form, then
play with a trained run — generate, interpolate between two couplets, give one
back — each couplet beside the training couplet nearest to it, so a new line is
told from a copied one."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import events as ev
from engine import params as prm
from engine.errors import UserError
from engine.runs import read_metrics
from engine.text import verse
from engine.train import verse as job
from engine.train.verse import Poet, Verse, export
from gui.benches.base import Bench
from gui.runner import one_line
from gui.widgets.export import ask_save_path
from gui.widgets.job_driver import JobDriver
from gui.widgets.layout import side_by_side_panes
from gui.widgets.lines_panel import LinesPanel, enlarge
from gui.widgets.live_plot import MetricsPanel
from gui.widgets.message_bar import MessageBar
from gui.widgets.params_form import ParamsForm
from gui.widgets.run_controls import RunControls
from gui.widgets.run_list import RunList
from gui.widgets.source_picker import SourcePicker
from gui.widgets.table import PandasModel
from gui.widgets.task_bar import TaskBar

FILTER = "Poems (*.txt *.json *.jsonl *.gz);;All files (*)"
LAYOUTS = (("auto", "auto: a folder or .json is JSON, the rest text"),
           ("text", "text: one poem, or one couplet, a line"),
           ("json", "chinese-poetry JSON (file or folder)"))
SAMPLE = 60  # couplets shown of a collection, and offered to interpolate between
TRAIN_TAB, PLAY_TAB = 0, 1
PADDING = 8  # pixels added to a table column fitted to its contents
EXPORT_FILTERS = "Text, one couplet a line (*.txt);;CSV with the nearest training couplet (*.csv)"


def verses_frame(verses: list[Verse], positions: list[float] | None = None) -> pd.DataFrame:
    """Couplets beside their nearest training couplet ("same": characters in the same places; 10 is a copy)."""
    known = [bool(v.nearest) for v in verses]
    frame = pd.DataFrame({
        "couplet": [v.line for v in verses],
        "nearest training couplet": [v.nearest if k else "—" for v, k in zip(verses, known)],
        "same": [v.shared if k else "" for v, k in zip(verses, known)],
        "new?": [("copied" if v.shared == verse.LENGTH else "new") if k else "?" for v, k in zip(verses, known)]})
    if positions is not None:
        frame.insert(0, "t", [round(t, 3) for t in positions])
    return frame


def fixed_couplets(run: Path) -> list[str]:
    """What a saved run writes from the fixed z's its training panel showed (drawn from its seed)."""
    task = Poet.open(run).task
    return task.lines(task.fixed_z)


class VerseTable(QGroupBox):
    """Couplets in a table with their nearest training couplet, copied or exported as text or CSV.
    ``columns``: those of :func:`verses_frame` shown where space is short (the CSV has them all)."""

    def __init__(self, title: str, stem: str, messages: MessageBar, columns: tuple[str, ...] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.stem, self.messages, self.columns = stem, messages, columns
        self.verses: list[Verse] = []
        self.model = PandasModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setToolTip("same: characters in the same places as in the nearest training couplet; "
                             "10 is a copy of it")
        enlarge(self.view)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the selected couplets (all of them when none is selected)")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the couplets: .txt one a line, .csv with the nearest training couplet")
        for b in (self.copy_button, self.export_button):
            b.setEnabled(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.copy_button)
        row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        self.copy_button.clicked.connect(self.copy)
        self.export_button.clicked.connect(self.export)

    def set_verses(self, verses: list[Verse], positions: list[float] | None = None) -> None:
        self.verses = list(verses)
        frame = verses_frame(self.verses, positions)
        self.model.set_frame(frame[list(self.columns)] if self.columns else frame)
        self.view.resizeColumnsToContents()
        for c in range(self.model.columnCount() - 1):  # room for the cell's margins (the last one stretches)
            self.view.setColumnWidth(c, self.view.columnWidth(c) + PADDING)
        for b in (self.copy_button, self.export_button):
            b.setEnabled(bool(self.verses))

    def copy(self) -> None:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()}) or range(len(self.verses))
        QGuiApplication.clipboard().setText("\n".join(self.verses[r].line for r in rows))

    def export(self) -> None:
        path = ask_save_path(self, "Export couplets", "verse-export", f"{self.stem}.txt", EXPORT_FILTERS)
        if path is None:
            return
        try:
            export(self.verses, path)
        except (UserError, OSError) as exc:
            self.messages.error(one_line(exc))
            return
        self.messages.info(f"{len(self.verses)} couplets saved to {path}")


class VerseBench(Bench):
    title = "Verse"
    start_here = ('Open… a chinese-poetry JSON (or a text file, a couplet a line) and press Read poems; train on '
                  'the Train tab, then generate, interpolate and reconstruct on Play.')

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent)
        self.poet: Poet | None = None
        self.poet_key: tuple | None = None  # the run and its checkpoints' times the poet was opened from
        self.keep_panel = False  # True while selecting runs must not redraw the couplets panel

        # -- left: the poems ----------------------------------------------------------
        self.picker = SourcePicker([], FILTER, "verse-data")
        self.kind = QComboBox()
        for kind, label in LAYOUTS:
            self.kind.addItem(label, kind)
        self.kind.setCurrentIndex(max(0, self.kind.findData(self.recall("kind", "auto"))))
        self.kind.setToolTip("How to read the poems (the same choice is used for training)")
        self.simplify = QCheckBox("Traditional → simplified (OpenCC)")
        self.simplify.setToolTip("Convert traditional characters to simplified before cutting couplets; "
                                 "off, as the post trains on what it reads")
        self.simplify.setChecked(self.recall("simplify", "false") in (True, "true"))
        self.load_runner = self.runner(self._loaded)
        self.load_runner.cancelled.connect(lambda: self.messages.info("Reading cancelled; nothing was changed."))
        self.load_task = TaskBar("Read poems", self.load_runner)
        self.load_task.button.setToolTip("Read the collection once: how many poems, couplets and distinct "
                                         "characters, and a sample of the couplets (training reads it itself)")
        self.summary = QLabel("Open a text file of poems (one poem, or one couplet, a line), a chinese-poetry "
                              "JSON file or a folder of them, then Read poems.")
        self.summary.setWordWrap(True)
        self.sample = PandasModel()
        self.sample_view = QTableView()
        self.sample_view.setModel(self.sample)
        self.sample_view.verticalHeader().setVisible(False)
        self.sample_view.horizontalHeader().setStretchLastSection(True)
        self.sample_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.sample_view.setToolTip("Double-click a couplet to reconstruct it in Play")
        enlarge(self.sample_view)
        box = QGroupBox("Poems")
        bl = QVBoxLayout(box)
        bl.addWidget(self.picker)
        form = QFormLayout()
        form.addRow("Layout", self.kind)
        bl.addLayout(form)
        bl.addWidget(self.simplify)
        bl.addWidget(self.load_task)
        bl.addWidget(self.summary)
        self.sample_label = QLabel("Sample of the couplets")
        bl.addWidget(self.sample_label)
        bl.addWidget(self.sample_view, 1)

        # -- train tab ---------------------------------------------------------------------
        self.form = ParamsForm(job.VerseParams, exclude=("data", "kind", "simplify"))
        self.keep_form("train", self.form)
        self.controls = RunControls()
        form_scroll = QScrollArea()
        form_scroll.setWidgetResizable(True)
        form_scroll.setWidget(self.form)
        self.runs = RunList()
        self.runs.samples_button.setVisible(False)  # the Play tab generates and exports
        self.runs.table.setToolTip("Select runs to overlay their curves; a single one is the run Play uses")
        runs_box = QGroupBox("Runs")
        QVBoxLayout(runs_box).addWidget(self.runs)
        setup = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(form_scroll, 1)
        tl.addWidget(self.controls)
        setup.addWidget(top)
        setup.addWidget(runs_box)
        setup.setSizes([420, 260])
        self.curves = MetricsPanel()
        self.curves.expect_metrics(job.JOB.metrics)
        self.couplets = LinesPanel(f"Couplets from {job.SHOWN} fixed z's",
                                   "Decoded from the same z's after each epoch: watch the five-character form emerge.")
        self.fixed_runner = self.runner(self._show_fixed, latest_wins=True)
        self.fixed_runner.failed.disconnect(self.messages.error)  # a run without a model just shows none
        self.fixed_runner.failed.connect(lambda *_: self.couplets.clear())
        watch = QSplitter(Qt.Orientation.Vertical)
        watch.addWidget(self.curves)
        watch.addWidget(self.couplets)
        watch.setSizes([380, 300])
        train = QSplitter(Qt.Orientation.Horizontal)
        train.addWidget(setup)
        train.addWidget(watch)
        train.setStretchFactor(1, 1)
        train.setSizes([360, 600])

        # -- play tab -------------------------------------------------------------------------
        self.play_runner = self.runner(self._played)
        self.run_choice = QComboBox()
        self.run_choice.setToolTip("The trained run to play with: the one just trained, or the one selected in "
                                   "the Train tab's run list")
        self.play_status = QLabel("")
        run_row = QHBoxLayout()
        run_row.addWidget(QLabel("Run"))
        run_row.addWidget(self.run_choice, 1)
        run_row.addWidget(self.play_status, 1)

        self.count = QSpinBox()
        self.count.setRange(1, 1000)
        self.count.setValue(20)
        self.decoding = QComboBox()
        self.decoding.addItem("greedy (as the post)", False)
        self.decoding.addItem("sampled", True)
        self.decoding.setToolTip("Greedy: the most likely character at each place; sampled: drawn from the "
                                 "softmax at the temperature")
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 5.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(1.0)
        self.temperature.setEnabled(False)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("The same seed draws the same z's")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Decode couplets from z ~ N(0, I)")
        gen_controls = QGridLayout()
        gen_controls.addWidget(QLabel("Couplets"), 0, 0)
        gen_controls.addWidget(self.count, 0, 1)
        gen_controls.addWidget(QLabel("Seed"), 0, 2)
        gen_controls.addWidget(self.seed, 0, 3)
        gen_controls.addWidget(QLabel("Decoding"), 1, 0)
        gen_controls.addWidget(self.decoding, 1, 1)
        gen_controls.addWidget(QLabel("Temperature"), 1, 2)
        gen_controls.addWidget(self.temperature, 1, 3)
        gen_controls.addWidget(self.generate_button, 0, 4, 2, 1)
        gen_controls.setColumnStretch(1, 1)
        self.generated = VerseTable("Generated", "couplets", self.messages)
        gen_box = QWidget()
        gl = QVBoxLayout(gen_box)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.addLayout(gen_controls)
        gl.addWidget(self.generated, 1)

        self.from_couplet, self.to_couplet = QComboBox(), QComboBox()
        for combo in (self.from_couplet, self.to_couplet):
            combo.setEditable(True)
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            combo.lineEdit().setPlaceholderText(verse.EXAMPLE)
            combo.setToolTip("Type a couplet (5 + 5 characters) or pick one: generated ones and a sample of "
                             "the collection are listed")
            enlarge(combo)
        self.steps = QSpinBox()
        self.steps.setRange(2, 50)
        self.steps.setValue(8)
        self.interpolate_button = QPushButton("Interpolate")
        self.interpolate_button.setToolTip("Decode couplets along the straight line between the two couplets' "
                                           "posterior means")
        ends = QFormLayout()
        ends.addRow("From", self.from_couplet)
        ends.addRow("To", self.to_couplet)
        steps_row = QHBoxLayout()
        steps_row.addWidget(QLabel("Steps"))
        steps_row.addWidget(self.steps)
        steps_row.addStretch(1)
        steps_row.addWidget(self.interpolate_button)
        ends.addRow(steps_row)
        self.path = VerseTable("Every step", "interpolation", self.messages, columns=("t", "couplet"))
        inter_box = QGroupBox("Interpolate")
        il = QVBoxLayout(inter_box)
        il.addLayout(ends)
        il.addWidget(self.path, 1)

        self.typed = QLineEdit()
        self.typed.setPlaceholderText(verse.EXAMPLE)
        self.typed.setToolTip("A five-character couplet: 5 + 5 characters, with or without the comma")
        enlarge(self.typed)
        self.reconstruct_button = QPushButton("Reconstruct")
        self.reconstruct_button.setToolTip("Encode the couplet and decode its posterior mean (greedy)")
        self.reconstruction = QLabel("")
        self.reconstruction.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reconstruction.setWordWrap(True)
        enlarge(self.reconstruction)
        recon_box = QGroupBox("Reconstruct")
        rl = QVBoxLayout(recon_box)
        row = QHBoxLayout()
        row.addWidget(self.typed, 1)
        row.addWidget(self.reconstruct_button)
        rl.addLayout(row)
        rl.addWidget(self.reconstruction)
        right = QWidget()
        rightl = QVBoxLayout(right)
        rightl.setContentsMargins(0, 0, 0, 0)
        rightl.addWidget(inter_box, 1)
        rightl.addWidget(recon_box)
        play_split = QSplitter(Qt.Orientation.Horizontal)
        play_split.addWidget(gen_box)
        play_split.addWidget(right)
        play_split.setSizes([620, 330])
        play = QWidget()
        pl = QVBoxLayout(play)
        pl.addLayout(run_row)
        pl.addWidget(play_split, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(train, "Train")
        self.tabs.addTab(play, "Play")
        self.splitter = side_by_side_panes(self, box, self.tabs, 300)
        self.layout().insertWidget(0, self.messages)  # above both panes: Play's errors show there too
        self.splitters = {"main": self.splitter, "setup": setup, "train": train, "watch": watch,
                          "play": play_split}

        # -- wiring -----------------------------------------------------------------------------
        self.load_task.button.clicked.connect(self.load)
        self.picker.source_changed.connect(self._source_changed)
        self.kind.currentIndexChanged.connect(lambda: self.remember("kind", self.kind.currentData()))
        self.simplify.toggled.connect(lambda on: self.remember("simplify", "true" if on else "false"))
        self.sample_view.doubleClicked.connect(self._reconstruct_sample)
        self.controls.start_clicked.connect(self.start)
        self.driver = JobDriver(self, self.controls, self.curves, self.messages, {"text": self._show_couplets})
        self.driver.ended.connect(self._ended)
        self.add_job(self.driver, self.runs, pictures=False)  # a past run's couplets: _runs_selected
        self.runs.selection_changed.connect(self._runs_selected)
        self.runs.resume_requested.connect(self.resume)
        self.runs.rerun_requested.connect(self.load_settings)
        self.runs.refresh_button.clicked.connect(lambda: self._fill_run_choice())
        self.play_runner.busy_changed.connect(self._play_busy)
        self.decoding.currentIndexChanged.connect(lambda: self.temperature.setEnabled(self.decoding.currentData()))
        self.generate_button.clicked.connect(self.generate)
        self.interpolate_button.clicked.connect(self.interpolate)
        self.reconstruct_button.clicked.connect(self.reconstruct)
        self.typed.returnPressed.connect(self.reconstruct)
        self.set_workspace(workspace)

    # -- poems ------------------------------------------------------------------------------------
    def _source_changed(self, _: str) -> None:
        self.summary.setText("Press Read poems to see what the collection holds (or train on it directly).")
        self.sample.set_frame(pd.DataFrame())

    def load(self) -> None:
        source = self.picker.source()
        if not source:
            self.messages.error("Pick poems first: Open… a text or JSON file, or a folder of JSON files.")
            return
        kind, simplify = self.kind.currentData(), self.simplify.isChecked()
        self.submit(self.load_runner, lambda ctx: (verse.load(source, kind, simplify, ctx), simplify))

    def _loaded(self, result: tuple[verse.Couplets, bool]) -> None:
        found, simplified = result
        how = [found.name] + ([f"read as {found.notes.encoding}"] if found.notes.encoding else []) + \
            (["converted to simplified"] if simplified else [])
        self.summary.setText(f"{found.poems:,} poems → {len(found.samples):,} couplets, {found.distinct:,} distinct "
                             f"characters\n{', '.join(how)}")
        shown = found.preview(SAMPLE)
        self.sample.set_frame(pd.DataFrame({"couplet": shown}))
        self.sample_label.setText(f"Sample of the couplets ({len(shown)} of {len(found.samples):,}, drawn at random)")
        self._offer(shown)

    def _offer(self, lines: list[str]) -> None:
        """Couplets to interpolate between: listed in both ends' choices, the first two filled in when empty."""
        for i, combo in enumerate((self.from_couplet, self.to_couplet)):
            typed = combo.currentText()
            listed = {combo.itemText(k) for k in range(combo.count())}
            combo.addItems([s for s in dict.fromkeys(lines) if s not in listed])
            if typed:
                combo.setCurrentText(typed)
            elif combo.count() > i:
                combo.setCurrentIndex(i)

    def _reconstruct_sample(self, index) -> None:
        self.typed.setText(str(self.sample.frame.iat[index.row(), 0]))
        self.tabs.setCurrentIndex(PLAY_TAB)
        self.reconstruct()

    # -- training ---------------------------------------------------------------------------------
    def params(self) -> job.VerseParams:
        return self.form.params(data=self.picker.source(), kind=self.kind.currentData(),
                                simplify=self.simplify.isChecked())

    def start(self) -> None:
        if not self.picker.source():
            self.messages.error("Pick poems first: Open… a text or JSON file, or a folder of JSON files.")
            return
        try:
            p = self.params()
        except prm.ParamError as exc:
            self.messages.error(str(exc))
            return
        self._launch(p)

    def resume(self, run_dir: Path) -> None:
        found = self.driver.prepare_resume(run_dir)
        if found is not None:
            self.load_settings(run_dir)
            self._launch(found[1], run_dir)

    def _launch(self, p: job.VerseParams, resume_dir: Path | None = None) -> None:
        current = self.driver.current_run
        if current and current not in {r.name for r in self.runs.selected()}:
            self.curves.remove_run(current)
        self.couplets.clear()
        self.tabs.setCurrentIndex(TRAIN_TAB)
        self.runs.set_busy(True)
        self.driver.start(job.JOB, p, self.workspace, resume_dir)

    def load_settings(self, run_dir: Path) -> None:
        """Put a past run's settings back in the form and the poems' choices ("run again")."""
        found = self.driver.settings_of(run_dir)
        if found is None:
            return
        values = found[1]
        self.form.set_values(values)
        self.picker.set_source(values["data"])
        self.kind.setCurrentIndex(max(0, self.kind.findData(values["kind"])))
        self.simplify.setChecked(values["simplify"])
        self.messages.info(f"Settings of {run_dir.name} loaded; press Start to run them again.")

    def _show_couplets(self, a: ev.Artifact) -> None:
        lines = [str(s) for s in a.payload["lines"]]
        self.couplets.set_lines(lines, f"Couplets from {len(lines)} fixed z's — step {a.step:,}")

    def _ended(self) -> None:
        self.runs.set_busy(False)
        self.keep_panel = True  # the refresh re-selects runs: the panel keeps the run just trained
        self.runs.refresh()
        self.keep_panel = False
        self._fill_run_choice(self.driver.current_run)

    def _runs_selected(self, paths: list) -> None:
        wanted = {p.name: p for p in paths}
        for run in self.curves.runs():
            if run not in wanted and run != self.driver.current_run:
                self.curves.remove_run(run)
        for name, path in wanted.items():
            if name not in self.curves.runs():
                self.curves.add_frame(name, read_metrics(path))
        if len(paths) == 1:
            self.run_choice.setCurrentIndex(max(0, self.run_choice.findText(paths[0].name)))
            if not (self.busy or self.keep_panel):
                run = paths[0]
                self.fixed_runner.submit(lambda ctx: (run.name, fixed_couplets(run)))

    def _show_fixed(self, result: tuple[str, list[str]]) -> None:
        name, lines = result
        if not self.busy:
            self.couplets.set_lines(lines, f"Couplets from {len(lines)} fixed z's — {name}, as saved")

    def set_workspace(self, workspace: Path) -> None:
        super().set_workspace(workspace)
        self.runs.set_workspace(workspace, job.JOB.name, job.JOB.summary_metric)
        self._fill_run_choice()

    # -- play ------------------------------------------------------------------------------------
    def _fill_run_choice(self, select: str | None = None) -> None:
        """The runs to play with, newest first, keeping the choice (or taking ``select``)."""
        current = select or self.run_choice.currentText()
        self.run_choice.clear()
        for name, path in self.runs.paths.items():
            self.run_choice.addItem(name, path)
        self.run_choice.setCurrentIndex(max(0, self.run_choice.findText(current)) if current else 0)

    def _poet_key(self, run: Path) -> tuple:
        folder = run / "checkpoints"
        stamps = sorted((f.name, f.stat().st_mtime_ns) for f in folder.iterdir()) if folder.is_dir() else []
        return (str(run), *stamps)

    def _play(self, what: str, fn: Callable[[Poet], Any]) -> None:
        """Run ``fn(poet)`` in the background with the chosen run's poet (opened once, again when the run
        was trained further); ``what`` names the view its result goes to."""
        run = self.run_choice.currentData()
        if run is None:
            self.messages.error("No trained run yet: train one in the Train tab, or choose a workspace that has one.")
            return
        key = self._poet_key(Path(run))
        ready = self.poet if key == self.poet_key else None

        def work(ctx):
            poet = ready or Poet.open(run)
            return what, key, poet, fn(poet)

        self.submit(self.play_runner, work)

    def _play_busy(self, busy: bool) -> None:
        for b in (self.generate_button, self.interpolate_button, self.reconstruct_button):
            b.setEnabled(not busy)
        self.play_status.setText("working…" if busy else "")

    def _played(self, result: tuple) -> None:
        what, key, poet, value = result
        if key != self.poet_key:
            self.poet, self.poet_key = poet, key
            self._offer([verse.show(s) for s in poet.training[:SAMPLE]])
        {"generate": self._show_generated, "interpolate": self._show_path,
         "reconstruct": self._show_reconstruction}[what](value)

    def generate(self) -> None:
        n, seed = self.count.value(), self.seed.value()
        temperature = self.temperature.value() if self.decoding.currentData() else 0.0
        self._play("generate", lambda poet: poet.generate(n, temperature, seed))

    def _show_generated(self, verses: list[Verse]) -> None:
        self.generated.set_verses(verses)
        new = sum(v.shared < verse.LENGTH for v in verses)
        self.generated.setTitle(f"Generated: {len(verses)} couplets, {new} not in the training set")
        self._offer([v.line for v in verses])

    def interpolate(self) -> None:
        a, b, steps = self.from_couplet.currentText(), self.to_couplet.currentText(), self.steps.value()

        def walk(poet: Poet) -> list[Verse]:
            lines = poet.interpolate(a, b, steps)
            return [Verse(s, near, k) for s, (near, k) in zip(lines, poet.nearest(lines))]

        self._play("interpolate", walk)

    def _show_path(self, verses: list[Verse]) -> None:
        n = len(verses)
        self.path.set_verses(verses, [i / (n - 1) for i in range(n)])
        self.path.setTitle(f"Every step: {n} couplets from t = 0 to 1")

    def reconstruct(self) -> None:
        text = self.typed.text()
        self._play("reconstruct", lambda poet: (verse.show(verse.parse_couplet(text)), poet.reconstruct(text)))

    def _show_reconstruction(self, pair: tuple[str, str]) -> None:
        typed, back = pair
        same = sum(a == b for a, b in zip(typed, back)) - 1  # the comma is always in place
        self.reconstruction.setText(f"{typed}\n→ {back}\n{same} of {verse.LENGTH} characters come back")
