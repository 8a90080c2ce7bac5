"""The Corpus bench: open a Chinese corpus of any size (streamed), count words in
parallel, discover new words with live thresholds, segment by minimum entropy
beside jieba, and score a lexicon on a gold-segmented file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView,
                               QLabel, QLineEdit, QProgressBar, QPushButton, QSpinBox, QSplitter, QTableView,
                               QTabWidget, QVBoxLayout, QWidget)

from engine.corpus import counting, discovery, evaluate, min_entropy, readers
from gui.widgets.export import ExportButton
from gui.widgets.layout import side_by_side_panes
from gui.widgets.message_bar import MessageBar
from gui.widgets.source_picker import SourcePicker
from gui.widgets.table import PandasModel, sortable_proxy
from gui.worker import CallThread, KeptThreads

FILTER = "Corpora (*.txt *.gz *.json *.jsonl *.csv);;All files (*)"
PREVIEW = 20


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


class Task(QWidget):
    """A button that runs a background call with a progress bar and Cancel."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.button = QPushButton(label)
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setVisible(False)
        self.status = QLabel("")
        self.thread: CallThread | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.bar, 1)
        row.addWidget(self.status, 1)
        row.addWidget(self.cancel)
        self.cancel.clicked.connect(self.stop)

    def run(self, fn, done, failed) -> None:
        thread = CallThread(fn)
        thread.progressed.connect(lambda text, _: self.status.setText(text))
        thread.done.connect(done)
        thread.failed.connect(failed)
        thread.finished.connect(self._ended)
        self.thread = thread
        self.button.setEnabled(False)
        self.cancel.setEnabled(True)
        self.bar.setVisible(True)
        self.status.setText("working…")
        thread.start()

    def stopping(self) -> bool:
        return self.thread is not None and self.thread.stop_requested

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.stop_requested = True

    def _ended(self) -> None:
        self.thread = None
        self.button.setEnabled(True)
        self.cancel.setEnabled(False)
        self.bar.setVisible(False)


class CorpusBench(QWidget):
    title = "Corpus"

    def __init__(self, workspace: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.result: tuple | None = None  # (words, counts, strong) of the last discovery
        self.lexicon: dict[str, int] = {}
        self.background = KeptThreads()

        # -- left: the corpus ------------------------------------------------------
        self.messages = MessageBar()
        self.picker = SourcePicker([], FILTER, "corpus-data")
        self.kind = QComboBox()
        self.kind.addItems(readers.KINDS)
        self.kind.setToolTip("auto: by name — .json/.jsonl records, .csv triples, a folder of .txt by label, "
                             "otherwise one document a line")
        self.open_task = Task("Open")
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
        self.tokenizer = QComboBox()
        self.tokenizer.addItems(counting.TOKENIZERS)
        self.hmm = QCheckBox("HMM for unknown words")
        self.hmm.setChecked(True)
        self.ngram = QSpinBox()
        self.ngram.setRange(1, 8)
        self.ngram.setValue(2)
        self.workers = QSpinBox()
        self.workers.setRange(1, 256)
        self.workers.setValue(os.cpu_count() or 1)
        self.count_task = Task("Count")
        self.freq = PandasModel()
        self.freq_filter = QLineEdit()
        self.freq_filter.setPlaceholderText("filter tokens…")
        self.zipf = pg.PlotWidget(title="Zipf plot")
        self.zipf.setLogMode(True, True)
        self.zipf.setLabel("bottom", "rank")
        self.zipf.setLabel("left", "frequency")
        self.zipf_curve = self.zipf.plot(pen=pg.mkPen("#4e79a7", width=1.5))
        opts = options_row(QLabel("Tokenizer"), self.tokenizer, self.hmm, QLabel("n-gram ≤"), self.ngram,
                           QLabel("Processes"), self.workers)
        freq_tab = QWidget()
        fl = QVBoxLayout(freq_tab)
        fl.addLayout(opts)
        fl.addWidget(self.count_task)
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
        self.n = QSpinBox()
        self.n.setRange(2, 8)
        self.n.setValue(4)
        self.min_count = QSpinBox()
        self.min_count.setRange(1, 10 ** 9)
        self.min_count.setValue(32)
        self.thresholds = []
        for v in (2.0, 4.0, 6.0):
            spin = QDoubleSpinBox()
            spin.setRange(0.0, 30.0)
            spin.setSingleStep(0.25)
            spin.setValue(v)
            spin.valueChanged.connect(self._refilter)
            self.thresholds.append(spin)
        self.min_count.valueChanged.connect(self._refilter)
        self.discover_task = Task("Discover")
        self.words = PandasModel()
        self.words_filter = QLineEdit()
        self.words_filter.setPlaceholderText("filter words…")
        self.words_note = QLabel("")
        wopts = options_row(QLabel("n"), self.n, QLabel("min count"), self.min_count, QLabel("ln cohesion ≥  2-gram"),
                            self.thresholds[0], QLabel("3-gram"), self.thresholds[1], QLabel("4-gram+"),
                            self.thresholds[2])
        words_tab = QWidget()
        wl = QVBoxLayout(words_tab)
        wl.addLayout(wopts)
        wl.addWidget(self.discover_task)
        wl.addWidget(self.words_note)
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
        self.build_task = Task("Build lexicon (minimum-entropy word finder)")
        self.gold_button = QPushButton("Score on a gold file…")
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
        sl.addWidget(self.gold_button)
        sl.addWidget(self.score_label)
        sl.addStretch(1)

        self.tabs = QTabWidget()
        self.tabs.addTab(freq_tab, "Frequencies")
        self.tabs.addTab(words_tab, "New words")
        self.tabs.addTab(seg_tab, "Segment")
        self.splitter = side_by_side_panes(self, left, self.tabs, 380)
        self.splitters = {"main": self.splitter, "frequencies": split}

        self.open_task.button.clicked.connect(self.open)
        self.count_task.button.clicked.connect(self.count)
        self.discover_task.button.clicked.connect(self.discover)
        self.build_task.button.clicked.connect(self.build_lexicon)
        self.segment_button.clicked.connect(self.segment)
        self.sentence.returnPressed.connect(self.segment)
        self.gold_button.clicked.connect(self.score_gold)

    # -- helpers ---------------------------------------------------------------------------------
    def source(self) -> tuple[str, str]:
        return self.picker.source(), self.kind.currentText()

    def _failed(self, message: str, details: str = "") -> None:
        self.messages.error(message, details)

    def _report_notes(self, notes: readers.Notes) -> str:
        text = f"read as {notes.encoding or '—'}"
        if notes.fallback_lines:
            text += f"; {notes.fallback_lines:,} line(s) were in another encoding"
        if notes.problems:
            self.messages.warning(f"{len(notes.problems)} problem(s) while reading, e.g. {notes.problems[0]}; "
                                  f"the rest was read.")
        return text

    # -- open --------------------------------------------------------------------------------------
    def open(self) -> None:
        src, kind = self.source()
        if not src:
            self._failed("Pick a corpus first (Open…).")
            return
        task = self.open_task

        def work(report):
            notes, stats, chars, first = readers.Notes(), readers.Stats(), set(), []
            for doc in readers.documents(src, kind, notes):
                if task.stopping():
                    break
                stats.documents += 1
                stats.characters += len(doc.text)
                chars.update(doc.text)
                if doc.label:
                    stats.labels[doc.label] = stats.labels.get(doc.label, 0) + 1
                if len(first) < PREVIEW:
                    first.append(doc)
                if stats.documents % 20000 == 0:
                    report(f"{stats.documents:,} documents…", 0)
            stats.distinct = len(chars)
            if not stats.documents:
                raise readers.CorpusError(f"{Path(src).name}: the corpus holds no documents")
            return stats, notes, first

        self.messages.clear()
        task.run(work, self._opened, self._failed)

    def _opened(self, result) -> None:
        stats, notes, first = result
        labels = ", ".join(f"{k} {v:,}" for k, v in sorted(stats.labels.items(), key=lambda kv: -kv[1])[:8])
        self.stats.setText(f"{stats.documents:,} documents, {stats.characters:,} characters, "
                           f"{stats.distinct:,} distinct; {self._report_notes(notes)}"
                           + (f"\nlabels: {labels}" if labels else ""))
        self.open_task.status.setText("")
        self.preview.set_frame(pd.DataFrame({"document": [d.text[:80] for d in first],
                                             "label": [d.label for d in first]}))
        self.preview_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    # -- count ---------------------------------------------------------------------------------------
    def count(self) -> None:
        src, kind = self.source()
        tok = counting.Tokenizer(self.tokenizer.currentText(), self.hmm.isChecked(), self.ngram.value())
        workers, task = self.workers.value(), self.count_task

        def work(report):
            notes = readers.Notes()
            table = counting.count(readers.documents(src, kind, notes), tok, workers,
                                   progress=lambda k: report(f"{k:,} documents counted", 0), stop=task.stopping)
            if not table:
                raise readers.CorpusError("no tokens: the corpus is empty")
            return table, notes

        def done(result) -> None:
            table, notes = result
            frame = pd.DataFrame(sorted(table.items(), key=lambda kv: (-kv[1], kv[0])), columns=["token", "count"])
            self.freq.set_frame(frame)
            self.freq_view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
            counts = frame["count"].to_numpy(float)
            self.zipf_curve.setData(np.arange(1, len(counts) + 1, dtype=float), counts)
            self.count_task.status.setText(f"{len(frame):,} distinct, {int(counts.sum()):,} tokens; "
                                           f"{self._report_notes(notes)}")

        self.messages.clear()
        task.run(work, done, lambda m, d: self._failed("Counting cancelled; nothing was changed." if
                                                       "KeyboardInterrupt" in m else m, d))

    # -- discover --------------------------------------------------------------------------------------
    def params(self) -> discovery.DiscoveryParams:
        return discovery.DiscoveryParams(self.n.value(), self.min_count.value(),
                                         (0.0, *(s.value() for s in self.thresholds)))

    def discover(self) -> None:
        src, kind = self.source()
        p, task = self.params(), self.discover_task

        def work(report):
            notes = readers.Notes()

            def texts():
                for s in discovery.sentences(readers.documents(src, kind, notes)):
                    if task.stopping():
                        raise KeyboardInterrupt
                    yield s

            return discovery.discover(texts, p, lambda stage, k: report(f"{stage}: {k:,} sentences", 0)), notes, p

        def done(result) -> None:
            (words, counts, strong), notes, p = result
            self.result = (words, counts, strong, p)
            self.discover_task.status.setText(f"{counts.total:,} characters; {self._report_notes(notes)}")
            self._show_words(words)
            self.lexicon = {w.word: w.count for w in words}
            self.lexicon_label.setText(f"Lexicon: {len(self.lexicon):,} discovered words")

        self.messages.clear()
        task.run(work, done, lambda m, d: self._failed("Discovery cancelled." if "KeyboardInterrupt" in m else m, d))

    def _show_words(self, words: list[discovery.Word]) -> None:
        dictionary = discovery.jieba_words()
        self.words.set_frame(pd.DataFrame({"word": [w.word for w in words], "count": [w.count for w in words],
                                           "cohesion": [round(w.cohesion, 3) for w in words],
                                           "new": ["new" if w.word not in dictionary else "" for w in words]}))
        self.words_view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        new = sum(w.word not in dictionary for w in words)
        self.words_note.setText(f"{len(words):,} words, {new:,} of them not in jieba's dictionary")

    def _refilter(self) -> None:
        """Thresholds and min count apply at once, without reading the corpus again."""
        if self.result is None:
            return
        words, counts, strong, first = self.result
        p = self.params()
        tighter = discovery.DiscoveryParams(first.n, max(p.min_count, first.min_count),
                                            tuple(max(a, b) for a, b in zip(p.thresholds, first.thresholds)))
        self._show_words(discovery.refilter(words, strong, counts, tighter))

    # -- segment and evaluate ----------------------------------------------------------------------------
    def build_lexicon(self) -> None:
        src, kind = self.source()
        task = self.build_task

        def work(report):
            def texts():
                for d in readers.documents(src, kind):
                    if task.stopping():
                        raise KeyboardInterrupt
                    yield d.text

            return min_entropy.find_words(texts())

        def done(lexicon) -> None:
            self.lexicon = lexicon
            self.lexicon_label.setText(f"Lexicon: {len(lexicon):,} words from the minimum-entropy word finder")
            self.segment()

        task.run(work, done, self._failed)

    def segment(self) -> None:
        import jieba

        text = self.sentence.text()
        if self.lexicon:
            self.min_entropy_out.setText(" / ".join(min_entropy.Segmenter(self.lexicon).cut(text)))
        else:
            self.min_entropy_out.setText("(no lexicon yet)")
        self.jieba_out.setText(" / ".join(w for w in jieba.cut(text) if w.strip()))

    def score_gold(self) -> None:
        if not self.lexicon:
            self._failed("Discover words or build a lexicon first.")
            return
        path, _ = QFileDialog.getOpenFileName(self, "Gold-segmented file (PKU format)", "",
                                              "Text (*.txt *.utf8);;All (*)")
        if not path:
            return
        lexicon = dict(self.lexicon)

        def work(report):
            return evaluate.evaluate(path, lexicon)

        thread = CallThread(work)
        thread.done.connect(lambda s: self.score_label.setText(
            f"P {s.precision:.3f}   R {s.recall:.3f}   F1 {s.f1:.3f}   ({s.gold_words:,} gold words; jieba with "
            f"this lexicon alone, HMM off)"))
        thread.failed.connect(self._failed)
        self.background.start(thread)

    # -- bench protocol ------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return False  # nothing here writes a run; a closing window cancels the background calls

    def set_workspace(self, workspace: Path) -> None:
        self.workspace = workspace

    def shutdown(self, wait_ms: int = 10000) -> None:
        tasks = (self.open_task, self.count_task, self.discover_task, self.build_task)
        self.background.shutdown(wait_ms, *(task.thread for task in tasks))

