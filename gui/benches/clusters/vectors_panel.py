"""Train word vectors on a corpus (gensim word2vec, or JoSE on the sphere) with progress,
Cancel and the loss drawn epoch by epoch; the vectors are handed to the bench as a
source to cluster, and can be saved in word2vec format."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from engine import params as prm
from engine.graph.data import Vectors
from engine.graph.tasks import EMBED, EmbedParams
from engine.text.vectors import Embedding
from gui.benches.clusters import jobs
from gui.benches.clusters.boxes import column, group, note, scrolled
from gui.widgets.params_form import ParamsForm
from gui.widgets.source_picker import SourcePicker
from gui.widgets.task_bar import TaskBar

CORPUS_FILTER = "Corpora (*.txt *.gz *.json *.jsonl *.csv);;All files (*)"


class WordVectorsPanel(QWidget):
    trained = Signal(str, object)  # a source name, the Vectors

    def __init__(self, bench: Any, save: Callable[[Vectors], None], parent: QWidget | None = None) -> None:
        """``bench``: the Bench that owns the runner and the message bar; ``save(vectors)`` asks
        where and writes them."""
        super().__init__(parent)
        self.bench, self.save = bench, save
        self.embedding: Embedding | None = None
        self.losses: list[float] = []
        self.corpus = SourcePicker([], CORPUS_FILTER, "clusters-corpus")
        self.form = ParamsForm(EmbedParams, exclude=("corpus",))
        bench.keep_form("embed", self.form)
        self.runner = bench.runner(self._trained)
        self.runner.partial.connect(self._loss)
        self.runner.cancelled.connect(lambda: bench.messages.info("Training cancelled; no vectors kept."))
        self.task = TaskBar("Train", self.runner)
        self.loss_plot = pg.PlotWidget(title="Training loss per epoch")
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.setMinimumHeight(150)
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("#4e79a7", width=2), symbol="o", symbolSize=5)
        self.outcome = note("Train word2vec (gensim) or JoSE (spherical) vectors; they become a source "
                            "on the Cluster tab.")
        self.save_button = QPushButton("Save vectors…")
        self.save_button.setEnabled(False)
        inner = column(group("Corpus", self.corpus), group("Word vectors", self.form), self.task, self.loss_plot,
                       self.outcome, self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scrolled(inner))
        self.task.button.clicked.connect(self.train)
        self.save_button.clicked.connect(lambda: self.embedding is not None and self.save(self.embedding.vectors))

    def train(self) -> None:
        try:
            p = self.form.params()
        except prm.ParamError as exc:
            self.bench.messages.error(str(exc))
            return
        corpus = self.corpus.source()
        self.losses = []
        self.loss_curve.setData([], [])
        self.bench.submit(self.runner, lambda ctx: (corpus, jobs.train_vectors(corpus, p, ctx)))

    def _loss(self, value: dict) -> None:
        self.losses.append(float(value["loss"]))
        self.loss_curve.setData(np.arange(1, len(self.losses) + 1), self.losses)

    def _trained(self, outcome: tuple[str, Embedding]) -> None:
        corpus, emb = outcome
        self.embedding = emb
        self.outcome.setText(EMBED.summary(emb) + ". Now a source on the Cluster tab.")
        self.save_button.setEnabled(True)
        self.trained.emit(f"trained {emb.method}: {len(emb.vectors):,} words of {Path(corpus).name}", emb.vectors)
