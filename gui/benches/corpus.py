"""The Corpus bench: open a Chinese corpus of any size (streamed), count words in
parallel, discover new words with live thresholds, segment by minimum entropy
beside jieba, and score a lexicon on a gold-segmented file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine import params as prm
from engine.corpus import discovery, evaluate, min_entropy, readers, tasks
from engine.errors import UserError
from gui.benches.base import Bench
from gui.widgets.axes import EmptyHint, tick_axes
from gui.widgets.export import ExportButton
from gui.widgets.layout import side_by_side_panes
from gui.widgets.params_form import ParamsForm
from gui.widgets.source_picker import SourcePicker
from gui.widgets.table import PandasModel, sortable_proxy
from gui.widgets.task_bar import TaskBar

FILTER = "Corpora (*.txt *.gz *.json *.jsonl *.csv);;All files (*)"


def table_view(model: PandasModel, filter_box: QLineEdit | None = None, sortable: bool = True) -> QTableView:
    proxy = sortable_proxy(model)
    proxy.setFilterKeyColumn(0)
    if filter_box is not None:
        filter_box.textChanged.connect(proxy.setFilterFixedString)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(sortable)
    view.verticalHeader().setVisible(False)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def options_row(*widgets: QWidget) -> QHBoxLayout:
    """Widgets in a row, packed to the left."""
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    row.addStretch(1)
    return row


class CorpusBench(Bench):
    title = "Corpus"
    start_here = ('Open… a text file, a folder of .txt, JSON or a CSV (any encoding), press Count for frequencies '
                  "and Zipf's law, then find new words on the New words tab.")

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(workspace, parent)
        self.result: tasks.Discovered | None = None
        self.lexicon: dict[str, int] = {}
        self._segmenter: tuple | None = None

        # -- left: the corpus ------------------------------------------------------
        self.picker = SourcePicker([], FILTER, "corpus-data")
        self.kind = QComboBox()
        self.kind.addItems(readers.KINDS)
        self.kind.setToolTip("auto: by name — .json/.jsonl records, .csv triples, a folder of .txt by label, "
                             "otherwise one document a line")
        self.open_runner = self.runner(self._opened)
        self.open_task = TaskBar("Read", self.open_runner)
        self.open_task.button.setToolTip("Read the whole corpus once: counts of documents and characters, "
                                         "the encoding, and the first documents")
        self.stats = QLabel("Open a text file, a folder of .txt files, a JSON / JSON-lines file or a CSV of triples.")
        self.stats.setWordWrap(True)
        self.preview = PandasModel()
        box = QGroupBox("Corpus")
        bl = QVBoxLayout(box)
        bl.addWidget(self.picker)
        form = QFormLayout()
        form.addRow("Layout", self.kind)
        bl.addLayout(form)
        bl.addWidget(self.open_task)
        bl.addWidget(self.stats)
        bl.addWidget(QLabel("First documents"))
        self.preview_view = table_view(self.preview, sortable=False)  # in the corpus's own order
        self.preview_view.horizontalHeader().setStretchLastSection(False)
        bl.addWidget(self.preview_view, 1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.messages)
        ll.addWidget(box, 1)

        # -- frequencies -----------------------------------------------------------------
        self.count_form = ParamsForm(tasks.CountParams, exclude=("kind",))
        self.keep_form("count", self.count_form)
        self.count_runner = self.runner(self._counted)
        self.count_task = TaskBar("Count", self.count_runner)
        self.count_runner.cancelled.connect(lambda: self.messages.info("Counting cancelled; nothing was changed."))
        self.freq = PandasModel()
        self.freq_filter = QLineEdit()
        self.freq_filter.setPlaceholderText("filter tokens…")
        self.zipf = pg.PlotWidget(title="Zipf plot", axisItems=tick_axes())  # readable log ticks
        self.zipf.setLogMode(True, True)
        self.zipf.setLabel("bottom", "rank")
        self.zipf.setLabel("left", "frequency")
        self.zipf_curve = self.zipf.plot(pen=pg.mkPen("#4e79a7", width=1.5))
        self.zipf_hint = EmptyHint(self.zipf.getViewBox(), "press Count: frequency against rank, both on log axes",
                                   (self.zipf.getAxis("left"), self.zipf.getAxis("bottom")))
        self.count_note = QLabel("")
        freq_tab = QWidget()
        fl = QVBoxLayout(freq_tab)
        fl.addLayout(options_row(self.count_form))
        fl.addWidget(self.count_task)
        fl.addWidget(self.count_note)
        split = QSplitter(Qt.Orientation.Horizontal)
        tcol = QWidget()
        tl = QVBoxLayout(tcol)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.freq_filter)
        self.freq_view = table_view(self.freq, self.freq_filter)
        tl.addWidget(self.freq_view, 1)
        tl.addWidget(ExportButton(self.zipf.scene(), lambda: self.freq.frame, "frequencies"))
        split.addWidget(tcol)
        split.addWidget(self.zipf)
        fl.addWidget(split, 1)

        # -- new words -------------------------------------------------------------------------
        self.discover_form = ParamsForm(tasks.DiscoverParams, exclude=("kind",))
        self.keep_form("discover", self.discover_form)
        self.discover_form.changed.connect(self._refilter)
        self.discover_runner = self.runner(self._discovered)
        self.discover_task = TaskBar("Discover", self.discover_runner)
        self.discover_runner.cancelled.connect(lambda: self.messages.info("Discovery cancelled."))
        self.words = PandasModel()
        self.words_filter = QLineEdit()
        self.words_filter.setPlaceholderText("filter words…")
        self.words_note = QLabel("")
        self.singles = QCheckBox("Single characters too")
        self.singles.setToolTip("Single characters belong to the lexicon, not to the new words: shown on request")
        self.singles.toggled.connect(self._refilter)
        words_tab = QWidget()
        wl = QVBoxLayout(words_tab)
        wl.addLayout(options_row(self.discover_form))
        wl.addWidget(self.discover_task)
        note_row = QHBoxLayout()
        note_row.addWidget(self.words_note, 1)
        note_row.addWidget(self.singles)
        wl.addLayout(note_row)
        wl.addWidget(self.words_filter)
        self.words_view = table_view(self.words, self.words_filter)
        wl.addWidget(self.words_view, 1)

        # -- segment and evaluate -------------------------------------------------------------
        self.sentence = QLineEdit("林心如演的电视剧里共和国的故事很好看")
        self.segment_button = QPushButton("Segment")
        self.min_entropy_out = QLabel("")
        self.jieba_out = QLabel("")
        for lab in (self.min_entropy_out, self.jieba_out):
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lab.setWordWrap(True)
            lab.setStyleSheet("font-size: 13pt;")
        self.lexicon_label = QLabel("Lexicon: none yet — Discover, or build one with the word finder.")
        self.build_runner = self.runner(self._built)
        self.build_task = TaskBar("Build lexicon (minimum-entropy word finder)", self.build_runner)
        self.score_runner = self.runner(self._scored)
        self.gold_task = TaskBar("Score on a gold file…", self.score_runner)
        self.score_label = QLabel("")
        seg_tab = QWidget()
        sl = QVBoxLayout(seg_tab)
        sl.addWidget(self.lexicon_label)
        sl.addWidget(self.build_task)
        row = QHBoxLayout()
        row.addWidget(self.sentence, 1)
        row.addWidget(self.segment_button)
        sl.addLayout(row)
        sl.addWidget(QLabel("Minimum entropy (the lexicon):"))
        sl.addWidget(self.min_entropy_out)
        sl.addWidget(QLabel("jieba:"))
        sl.addWidget(self.jieba_out)
        sl.addWidget(self.gold_task)
        sl.addWidget(self.score_label)
        sl.addStretch(1)

        self.tabs = QTabWidget()
        self.tabs.addTab(freq_tab, "Frequencies")
        self.tabs.addTab(words_tab, "New words")
        self.tabs.addTab(seg_tab, "Segment")
        self.splitter = side_by_side_panes(self, left, self.tabs, 380)
        self.splitters = {"main": self.splitter, "frequencies": split}

        self.open_task.button.clicked.connect(self.open)
        self.picker.source_changed.connect(self._source_changed)
        self.count_task.button.clicked.connect(self.count)
        self.discover_task.button.clicked.connect(self.discover)
        self.build_task.button.clicked.connect(self.build_lexicon)
        self.segment_button.clicked.connect(self.segment)
        self.sentence.returnPressed.connect(self.segment)
        self.gold_task.button.clicked.connect(self.score_gold)

    # -- helpers ---------------------------------------------------------------------------------
    def _chosen(self) -> str | None:
        """The corpus picked, or None after saying that one must be picked (nothing runs without it)."""
        src = self.picker.source()
        if not src:
            self.messages.error("Pick a corpus first (Open…).")
            return None
        return src

    def _source_changed(self, _: str) -> None:
        """A new corpus: what was shown of the old one goes."""
        self.stats.setText("Press Read to see its statistics, or go straight to Count or Discover.")
        self.preview.set_frame(pd.DataFrame())
        self.freq.set_frame(pd.DataFrame())
        self.zipf_curve.setData([], [])
        self.zipf_hint.set_empty(True)
        self.count_note.setText("")
        self.words.set_frame(pd.DataFrame())
        self.words_note.setText("")
        self.result = None

    # -- open --------------------------------------------------------------------------------------
    def open(self) -> None:
        src = self._chosen()
        if src is not None:
            p = tasks.OpenParams(src, self.kind.currentText())
            self.submit(self.open_runner, lambda ctx: tasks.open_corpus(p, ctx))

    def _opened(self, result: tasks.Opened) -> None:
        stats = result.stats
        labels = ", ".join(f"{k} {v:,}" for k, v in sorted(stats.labels.items(), key=lambda kv: -kv[1])[:8])
        self.stats.setText(f"{stats.documents:,} documents, {stats.characters:,} characters, "
                           f"{stats.distinct:,} distinct; {tasks.read_notes(result.notes)}"
                           + (f"\nlabels: {labels}" if labels else ""))
        first = {"document": [d.text[:80] for d in result.first]}
        if any(d.label for d in result.first):  # an unlabelled corpus: no empty column
            first["label"] = [d.label for d in result.first]
        self.preview.set_frame(pd.DataFrame(first))
        self.preview_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    # -- count ---------------------------------------------------------------------------------------
    def _params(self, form: ParamsForm):
        src = self._chosen()
        if src is None:
            return None
        try:
            return form.params(corpus=src, kind=self.kind.currentText())
        except prm.ParamError as exc:
            self.messages.error(str(exc))
            return None

    def count(self) -> None:
        p = self._params(self.count_form)
        if p is not None:
            self.submit(self.count_runner, lambda ctx: tasks.count(p, ctx))

    def _counted(self, result: tasks.Counted) -> None:
        frame = pd.DataFrame(sorted(result.table.items(), key=lambda kv: (-kv[1], kv[0])), columns=["token", "count"])
        self.freq.set_frame(frame)
        self.freq_view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        counts = frame["count"].to_numpy(float)
        self.zipf_curve.setData(np.arange(1, len(counts) + 1, dtype=float), counts)
        self.zipf_hint.set_empty(len(counts) == 0)
        self.count_note.setText(tasks.COUNT.summary(result))

    # -- discover --------------------------------------------------------------------------------------
    def discover(self) -> None:
        p = self._params(self.discover_form)
        if p is not None:
            self.submit(self.discover_runner, lambda ctx: tasks.discover(p, ctx))

    def _discovered(self, result: tasks.Discovered) -> None:
        self.result = result
        self._show_words(result.words)
        self.lexicon = {w.word: w.count for w in result.words}
        self.lexicon_label.setText(f"Lexicon: {len(self.lexicon):,} discovered words")

    def _show_words(self, words: list[discovery.Word], note: str = "") -> None:
        """New words first (not in jieba's dictionary), then by count; single characters on request."""
        dictionary = discovery.jieba_words()
        shown = [w for w in words if self.singles.isChecked() or len(w.word) > 1]
        frame = pd.DataFrame({"word": [w.word for w in shown], "count": [w.count for w in shown],
                              "ln cohesion": [round(w.cohesion, 3) for w in shown],
                              "new": ["new" if w.word not in dictionary else "" for w in shown]})
        frame = frame.sort_values(["new", "count"], ascending=[False, False], kind="stable").reset_index(drop=True)
        self.words.set_frame(frame)
        self.words_view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the frame's own order
        header = self.words_view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        new = sum(w.word not in dictionary for w in shown)
        self.words_note.setText(f"{len(shown):,} words, {new:,} of them not in jieba's dictionary" + note)

    def _refilter(self) -> None:
        """Thresholds and min count apply at once, without reading the corpus again (tightening only:
        looser settings than the last discovery's need a new Discover, and the note says so)."""
        if self.result is None:
            return
        try:
            p = self.discover_form.params(corpus=self.picker.source() or "-")
        except (prm.ParamError, UserError) as exc:
            self.messages.error(str(exc))
            return
        first, wanted = self.result.params, tasks.discovery_params(p)
        looser = wanted.min_count < first.min_count or any(a < b for a, b in zip(wanted.thresholds, first.thresholds))
        tighter = discovery.DiscoveryParams(first.n, max(wanted.min_count, first.min_count),
                                            tuple(max(a, b) for a, b in zip(wanted.thresholds, first.thresholds)),
                                            top=wanted.top)
        words = discovery.refilter(self.result.words, self.result.strong, self.result.counts, tighter)
        self._show_words(words, " — looser than the last discovery: press Discover to find more" if looser else "")

    # -- segment and evaluate ----------------------------------------------------------------------------
    def build_lexicon(self) -> None:
        src = self._chosen()
        if src is not None:
            p = tasks.OpenParams(src, self.kind.currentText())
            self.submit(self.build_runner, lambda ctx: tasks.build_lexicon(p, ctx))

    def _built(self, lexicon: dict[str, int]) -> None:
        self.lexicon = lexicon
        self.lexicon_label.setText(f"Lexicon: {len(lexicon):,} words from the minimum-entropy word finder")
        self.segment()

    def segment(self) -> None:
        import jieba

        text = self.sentence.text()
        if self.lexicon:
            if self._segmenter is None or self._segmenter[0] is not self.lexicon:
                self._segmenter = (self.lexicon, min_entropy.Segmenter(self.lexicon))  # built once per lexicon
            self.min_entropy_out.setText(" / ".join(self._segmenter[1].cut(text)))
        else:
            self.min_entropy_out.setText("(no lexicon yet)")
        self.jieba_out.setText(" / ".join(w for w in jieba.cut(text) if w.strip()))

    def score_gold(self) -> None:
        if not self.lexicon:
            self.messages.error("Discover words or build a lexicon first.")
            return
        path, _ = QFileDialog.getOpenFileName(self, "Gold-segmented file (PKU format)", "",
                                              "Text (*.txt *.utf8);;All (*)")
        if path:
            lexicon = dict(self.lexicon)
            self.submit(self.score_runner, lambda ctx: evaluate.evaluate(path, lexicon))

    def _scored(self, s) -> None:
        self.score_label.setText(f"P {s.precision:.3f}   R {s.recall:.3f}   F1 {s.f1:.3f}   ({s.gold_words:,} gold "
                                 f"words; jieba with this lexicon alone, HMM off)")
